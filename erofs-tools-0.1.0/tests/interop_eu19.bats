#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Images made by erofs-utils 1.9.3, one per option line real pipelines use
# (tests/data/eu19/README), read by our tools.  The images are stored as
# data (CI cannot build erofs-utils): for each, our fsck.erofs exits 0,
# `fsck.erofs --extract` gives back exactly the tree make.sh describes,
# dump.erofs -s and -S exit 0, and the kernel mounts it showing that tree
# (which also proves the stored image is what it claims).  With
# erofs-utils 1.9.3 at hand (require_eu19) the live tests rebuild each image
# from a fresh tree, plus a gentree.sh one, and check it the same way.
# Corrupted copies at known structures are refused with exit 1 or 3,
# never a crash nor a sanitizer report.
#
# tests/data/eu19/PENDING names the rows whose feature this build does not
# read yet ("NAME feature"): those tests skip with "pending: ..."
# (EU19_IGNORE_PENDING=1 runs them all).

load helpers/common

EU19_DATA=$BATS_TEST_DIRNAME/data/eu19
MAKE_SH=$EU19_DATA/make.sh

setup_file() {
	local name ndev sums opts f i want got
	export TREE=$BATS_FILE_TMPDIR/tree
	export IMGS=$BATS_FILE_TMPDIR/img
	"$MAKE_SH" --tree-only "$TREE" || {
		echo "make.sh --tree-only failed" >&2
		return 1
	}
	mkdir "$IMGS"
	# unpack the stored images and devices; each must be what MANIFEST says
	while IFS='	' read -r name ndev sums opts; do
		case $name in '#'* | '') continue ;; esac
		i=0
		for f in "$name.img" $(seq -f "$name.dev%g" 1 "$ndev"); do
			i=$((i + 1))
			xz -dc "$EU19_DATA/$f.xz" >"$IMGS/$f" || {
				echo "cannot unpack $f.xz" >&2
				return 1
			}
			want=$(printf '%s\n' "$sums" | cut -d, -f$i)
			got=$(sha256sum <"$IMGS/$f" | cut -c1-64)
			[ "$want" = "$got" ] || {
				echo "$f: sha256 $got, MANIFEST says $want" >&2
				return 1
			}
		done
	done <"$EU19_DATA/MANIFEST"
}

teardown() {
	local l
	if mountpoint -q "$BATS_TEST_TMPDIR/m" 2>/dev/null; then
		umount "$BATS_TEST_TMPDIR/m" || umount -l "$BATS_TEST_TMPDIR/m"
	fi
	if [ -f "$BATS_TEST_TMPDIR/.loops" ]; then
		while read -r l; do losetup -d "$l" || true; done <"$BATS_TEST_TMPDIR/.loops"
	fi
	common_teardown
}

# pending NAME: skip when PENDING lists NAME (EU19_IGNORE_PENDING=1: run
# it anyway, to see whether a feature has landed)
pending() {
	local why
	[ -z "${EU19_IGNORE_PENDING:-}" ] || return 0
	why=$(awk -v n="$1" '$1 == n { $1 = ""; sub(/^ /, ""); print; exit }' "$EU19_DATA/PENDING")
	[ -z "$why" ] || skip "pending: $why"
}

# ndev NAME: the number of extra devices of NAME (MANIFEST)
ndev() {
	awk -F '\t' -v n="$1" '$1 == n { print $2 }' "$EU19_DATA/MANIFEST"
}

# dev_args DIR NAME: --device=DIR/NAME.devN for each device, one a line
dev_args() {
	local i
	for i in $(seq 1 "$(ndev "$2")"); do
		printf -- '--device=%s/%s.dev%d\n' "$1" "$2" "$i"
	done
}

# cmp_opts IMG: treecmp options for comparing IMG with its source tree.
# An image with the 48bit feature (incompat 0x80) holds one nanosecond
# value for all inodes (1.9.3 writes 0): mtimes compare to the second.
cmp_opts() {
	is_root || echo --no-owner
	[ $(($(u 4 $((1024 + 0x50)) "$1") & 0x80)) = 0 ] || echo --mtime-sec
}

# PEER_BUG: files erofs-utils 1.9.3 writes wrong.  With -b512 -zlz4[hc]
# -Eztailpacking, a 982-byte incompressible file kept uncompressed in two
# 512-byte blocks gets the wrong second block (the kernel reads these
# bytes too; `fsck.erofs` of 1.9.3 passes the image).  Such files are
# left out of the tree comparison and must read as the kernel reads them
# in the stored image (sha256 below, of the mounted file).
peer_bug_files() {
	case $1 in
	b512-ztail) echo small/f39 small/f79 ;;
	esac
}
PEER_BUG_SHA=54596430ab160384c630c88ea38ebeb46d6729b4ef7c092e8bde31c5b6b712d7

# peer_bug_skips NAME: --skip options for PEER_BUG
peer_bug_skips() {
	local f
	for f in $(peer_bug_files "$1"); do
		printf -- '--skip\n%s\n' "$f"
	done
}

# peer_bug_ok NAME DIR: DIR holds PEER_BUG's files as the kernel reads them
peer_bug_ok() {
	local f
	for f in $(peer_bug_files "$1"); do
		[ "$(sha256sum <"$2/$f" | cut -c1-64)" = $PEER_BUG_SHA ] ||
			fail "$1: $f does not read as the kernel reads it"
	done
}

# expected_tree NAME SRC: the tree an image of NAME holds, made from SRC.
# A merge (devices) has a root of its own: mode 0777, mtime 0.
expected_tree() {
	local out=$BATS_TEST_TMPDIR/expect
	case $1 in
	devices)
		cp -a "$2" "$out"
		chmod 0777 "$out"
		touch -h -d @0 "$out"
		printf '%s\n' "$out"
		;;
	*) printf '%s\n' "$2" ;;
	esac
}

# no_sanitizer_report FILE
no_sanitizer_report() {
	! grep -qE 'Sanitizer|runtime error:' "$1" || {
		fail "sanitizer report: $(grep -m 3 -E 'Sanitizer|runtime error:' "$1")"
	}
}

# check_image NAME IMG DEVDIR SRC: our fsck and dump on IMG (devices in
# DEVDIR), the extraction compared with SRC
check_image() {
	local name=$1 img=$2 devdir=$3 src=$4 x=$BATS_TEST_TMPDIR/x
	local -a devs opts
	mapfile -t devs < <(dev_args "$devdir" "$name")
	mapfile -t opts < <(cmp_opts "$img"; peer_bug_skips "$name")
	run -0 --separate-stderr "$FSCK" "${devs[@]}" "$img"
	run -0 --separate-stderr "$FSCK" "${devs[@]}" --extract="$x" --xattrs "$img"
	[ -z "$stderr" ] || fail "fsck --extract printed: $stderr"
	treecmp_ok "${opts[@]}" "$(expected_tree "$name" "$src")" "$x"
	run -0 --separate-stderr "$DUMP" "${devs[@]}" -s "$img"
	grep -qiE "^(Filesystem )?blocks: *[1-9]" <<<"$output" ||
		fail "dump -s shows no block count: $output"
	run -0 --separate-stderr "$DUMP" "${devs[@]}" -S "$img"
	[ -n "$output" ] || fail "dump -S printed nothing"
}

stored() {
	pending "$1"
	check_image "$1" "$IMGS/$1.img" "$IMGS" "$TREE"
	peer_bug_ok "$1" "$BATS_TEST_TMPDIR/x"
}

# live NAME: rebuild NAME with erofs-utils 1.9.3 from the make.sh tree plus
# a gentree.sh --small tree under g/ (tar rows: the make.sh tree alone,
# a tar of it keeping user.* xattrs only), then check it
live() {
	local name=$1 opts src=$BATS_TEST_TMPDIR/src out=$BATS_TEST_TMPDIR/out
	require_eu19
	pending "$name"
	opts=$(bash "$MAKE_SH" --list | awk -F '\t' -v n="$name" '$1 == n { print $3 }')
	"$MAKE_SH" --tree-only "$src"
	case $name in
	tar-index | devices) ;;
	*) gentree "$src/g" --no-huge --small ;;
	esac
	mkdir "$out"
	# shellcheck source=data/eu19/make.sh
	(source "$MAKE_SH"
		COMMON=${COMMON/--all-root /}
		build_image "$name" "$opts" "$src" "$out") ||
		fail "erofs-utils 1.9.3 mkfs failed for $name"
	check_image "$name" "$out/$name.img" "$out" "$src"
}

@test "eu19: make.sh --tree-only is deterministic" {
	"$MAKE_SH" --tree-only "$BATS_TEST_TMPDIR/again"
	treecmp_ok "$TREE" "$BATS_TEST_TMPDIR/again"
	[ "$(stat -c %s "$TREE/big.txt")" = 1258291 ]
	[ "$(stat -c %h "$TREE/hard/h1")" = 3 ]
	[ "$(stat -c %y "$TREE/dup/a")" != "$(stat -c %y "$TREE/dup/b")" ]
	[[ $(stat -c %y "$TREE/sym") != *.000000000* ]]
	getfattr -h --absolute-names -n user.org.example.interop.common.prefix.alpha "$TREE/sparse" >/dev/null ||
		skip_required xattr "the filesystem of BATS_FILE_TMPDIR refuses user.* xattrs"
}

@test "eu19: MANIFEST, PENDING, make.sh and the stored files agree" {
	local rows manifest
	rows=$(bash "$MAKE_SH" --list | cut -f1,2)
	manifest=$(grep -v '^#' "$EU19_DATA/MANIFEST" | cut -f1,2)
	[ "$rows" = "$manifest" ] || fail "make.sh rows [$rows] vs MANIFEST [$manifest]"
	# every PENDING name is a row or a key some test asks for
	local n
	while read -r n _; do
		case $n in '#'* | '') continue ;; esac
		grep -q "^$n	" <<<"$manifest" || grep -qE "^	pending $n\$" "$BATS_TEST_FILENAME" ||
			fail "PENDING names an unknown row: $n"
	done <"$EU19_DATA/PENDING"
	# a reason skip-summary.sh would count as a missing facility fails CI
	! grep -v '^#' "$EU19_DATA/PENDING" |
		grep -iE '(^|[^a-z])(root|loop|mount|kernel|tmpfs|xattrs?|acls?|fuse)([^a-z]|$)' ||
		fail "a PENDING reason names a facility skip-summary.sh gates on"
	while read -r n _; do
		grep -qF "@test \"eu19 stored $n:" "$BATS_TEST_FILENAME" ||
			fail "no stored test for row $n"
		grep -qF "@test \"eu19 live $n:" "$BATS_TEST_FILENAME" ||
			fail "no live test for row $n"
	done <<<"$manifest"
	# nothing stored beside the rows
	local f
	for f in "$EU19_DATA"/*.xz; do
		f=${f##*/}
		f=${f%.xz}
		grep -q "^${f%.*}	" <<<"$manifest" || fail "stray file $f.xz"
	done
}

@test "eu19: the kernel mounts every stored image and shows the tree" {
	require_erofs_mount
	local name ndev rest m=$BATS_TEST_TMPDIR/m loops o i l
	local -a opts
	while IFS='	' read -r name ndev rest; do
		case $name in '#'* | '') continue ;; esac
		o=loop,ro
		loops=
		for i in $(seq 1 "$ndev"); do
			l=$(losetup -f --show -r "$IMGS/$name.dev$i")
			loops="$loops $l"
			o="$o,device=$l"
		done
		mkdir -p "$m"
		# shellcheck disable=SC2086
		printf '%s\n' $loops >"$BATS_TEST_TMPDIR/.loops"
		mount -t erofs -o "$o" "$IMGS/$name.img" "$m" || {
			dmesg | tail -n 5 >&2
			for l in $loops; do losetup -d "$l"; done
			fail "$name: the kernel refused the stored image"
		}
		i=0
		mapfile -t opts < <(cmp_opts "$IMGS/$name.img"; peer_bug_skips "$name")
		treecmp_ok "${opts[@]}" "$(expected_tree "$name" "$TREE")" "$m" || i=1
		peer_bug_ok "$name" "$m" || i=1
		rm -rf "$BATS_TEST_TMPDIR/expect"
		umount "$m"
		for l in $loops; do losetup -d "$l"; done
		rm -f "$BATS_TEST_TMPDIR/.loops"
		[ $i = 0 ] || fail "$name: the mounted tree differs"
		echo "# $name: mounted, identical"
	done <"$EU19_DATA/MANIFEST"
}

@test "eu19: erofs-utils 1.9.3's own fsck passes every stored image and extracts the tree" {
	require_eu19
	local name ndev rest x
	local -a devs opts
	while IFS='	' read -r name ndev rest; do
		case $name in '#'* | '') continue ;; esac
		x=$BATS_TEST_TMPDIR/x-$name
		mkdir "$x"
		mapfile -t devs < <(dev_args "$IMGS" "$name")
		# 1.9.3's fsck --extract fails on an image with a packed inode
		# ("failed to verify packed file": it opens the packed inode as a
		# file named like the target): there, only the check
		# and on metabox, where it extracts the small files (inline
		# data) wrong, though the kernel reads them right
		if [ "$(u 8 $((1024 + 0x60)) "$IMGS/$name.img")" != 0 ] || [[ $name == metabox* ]]; then
			run "$EU19_FSCK" "${devs[@]}" "$IMGS/$name.img"
			[ "$status" = 0 ] || fail "$name: exit $status: $output"
			echo "# $name: checked only (1.9.3 cannot extract it)"
			continue
		fi
		mapfile -t opts < <(cmp_opts "$IMGS/$name.img"; peer_bug_skips "$name")
		run "$EU19_FSCK" "${devs[@]}" --extract="$x" --xattrs "$IMGS/$name.img"
		[ "$status" = 0 ] || fail "$name: exit $status: $output"
		treecmp_ok "${opts[@]}" "$(expected_tree "$name" "$TREE")" "$x"
		rm -rf "$BATS_TEST_TMPDIR/expect"
		echo "# $name: identical"
	done <"$EU19_DATA/MANIFEST"
}

# corrupt NAME OFFSET BYTE... : a copy of stored NAME with BYTEs written at
# OFFSET (dd), in $BATS_TEST_TMPDIR/bad.img
corrupt_copy() {
	local name=$1 off=$2 start=$2 b
	shift 2
	cp "$IMGS/$name.img" "$BATS_TEST_TMPDIR/bad.img"
	for b in "$@"; do
		printf '%b' "\\x$b" | dd of="$BATS_TEST_TMPDIR/bad.img" bs=1 seek="$off" conv=notrunc status=none
		off=$((off + 1))
	done
	# a change in the superblock is seen for itself, not as a bad checksum
	if [ "$start" -lt 4096 ]; then
		python3 "$BATS_TEST_DIRNAME/corrupt/sbcrc.py" "$BATS_TEST_TMPDIR/bad.img"
	fi
}

# refused NAME WANT: our fsck (check, and --extract) on bad.img with NAME's
# devices: no signal, no sanitizer report, exit in WANT ("1" or "1 3")
refused() {
	local name=$1 want=$2 rc job err=$BATS_TEST_TMPDIR/err
	local -a devs
	mapfile -t devs < <(dev_args "$IMGS" "$name")
	for job in check extract; do
		rc=0
		if [ $job = check ]; then
			timeout 60 "$FSCK" "${devs[@]}" "$BATS_TEST_TMPDIR/bad.img" >/dev/null 2>"$err" || rc=$?
		else
			rm -rf "$BATS_TEST_TMPDIR/bx"
			timeout 60 "$FSCK" "${devs[@]}" --extract="$BATS_TEST_TMPDIR/bx" "$BATS_TEST_TMPDIR/bad.img" >/dev/null 2>"$err" || rc=$?
		fi
		echo "# $name $job: exit $rc: $(head -n 2 "$err")"
		no_sanitizer_report "$err"
		[ $rc -lt 124 ] || fail "$name: fsck $job: exit $rc (signal or timeout)"
		[[ " $want " == *" $rc "* ]] || fail "$name: fsck $job: exit $rc, expected one of: $want"
		! grep -qv '^fsck.erofs: ' "$err" || fail "$name: a stderr line without the program name"
	done
}

# u LEN OFF FILE: the unsigned little-endian LEN-byte integer at OFF
u() {
	od -A n -t u"$1" -j "$2" -N "$1" "$3" | tr -d ' '
}

# chunk_index NAME NID K: the byte offset of the K-th 8-byte chunk index
# record {u16 startblk_hi, u16 device_id, u32 startblk_lo} of inode NID of
# stored NAME: after the inode (32 or 64 bytes) and its inline xattrs
# (12 + 4 * (icount - 1) bytes), 8-byte aligned
chunk_index() {
	local img=$IMGS/$1.img nid=$2 k=$3 bsz meta iloc fmt icount pos
	bsz=$((1 << $(u 1 $((1024 + 0x0c)) "$img")))
	meta=$(u 4 $((1024 + 0x28)) "$img")
	iloc=$((meta * bsz + nid * 32))
	fmt=$(u 2 "$iloc" "$img")
	icount=$(u 2 $((iloc + 2)) "$img")
	pos=$((iloc + (fmt & 1 ? 64 : 32) + (icount ? 12 + 4 * (icount - 1) : 0)))
	echo $((((pos + 7) & ~7) + 8 * k))
}

# big.txt's nid in the stored images (fixed: MANIFEST pins their bytes)
big_nid() {
	case $1 in
	chunk-indexes) echo 46 ;;
	blobdev) echo 50 ;;
	devices) echo 44 ;;
	tar-index) echo 57 ;;
	esac
}

# 16 bytes of 0xff written into a pcluster (offsets from erofs-utils
# 1.9.3's dump.erofs --extents of the stored images, which MANIFEST pins).
# The kernel refuses to read each of these copies (EFSCORRUPTED); a mere
# changed byte in the middle of a deflate stream, say, it reads as other
# content, which no reader can tell from the real one.
FF16="ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff"

@test "eu19 corrupt: garbage in an lzma pcluster of the packed inode (fedora-live) is refused" {
	pending fedora-live
	# the packed inode (nid 411): one 32 KiB pcluster at 16384
	# shellcheck disable=SC2086
	corrupt_copy fedora-live 32768 $FF16
	refused fedora-live 1
}

@test "eu19 corrupt: garbage in a zstd pcluster (lorax) is refused" {
	pending lorax
	# the packed inode (nid 411): a 64 KiB pcluster at 16384
	# shellcheck disable=SC2086
	corrupt_copy lorax 32768 $FF16
	refused lorax 1
}

@test "eu19 corrupt: garbage in a deflate pcluster is refused" {
	pending deflate
	# big.txt's first pcluster: 4096..57344, the stream starting at 5530
	# after the zero padding
	# shellcheck disable=SC2086
	corrupt_copy deflate 5530 $FF16
	refused deflate 1
}

@test "eu19 corrupt: a cut packed inode (coreos, fragments) is refused" {
	pending coreos
	local size
	# the packed inode's data sits at the end: cut the last 4 KiB block
	cp "$IMGS/coreos.img" "$BATS_TEST_TMPDIR/bad.img"
	size=$(stat -c %s "$BATS_TEST_TMPDIR/bad.img")
	truncate -s $((size - 4096)) "$BATS_TEST_TMPDIR/bad.img"
	refused coreos "1 3"
}

@test "eu19 corrupt: the packed inode nid pointing past the image (lzma-ztail-frag) is refused" {
	pending lzma-ztail-frag
	# packed_nid: u64 at superblock offset 0x60
	[ "$(u 8 $((1024 + 0x60)) "$IMGS/lzma-ztail-frag.img")" -gt 0 ]
	corrupt_copy lzma-ztail-frag $((1024 + 0x60)) ff ff ff 00
	refused lzma-ztail-frag 1
}

@test "eu19 corrupt: garbage in a deduplicated pcluster (lz4hc-dedupe) is refused" {
	pending lz4hc-dedupe
	# big.txt's first pcluster: 4096..8192
	# shellcheck disable=SC2086
	corrupt_copy lz4hc-dedupe 6144 $FF16
	refused lz4hc-dedupe 1
}

@test "eu19 corrupt: garbage in an lz4 pcluster of a 48bit image is refused" {
	pending 48bit-lz4
	# big.txt's first pcluster: 4096..8192
	# shellcheck disable=SC2086
	corrupt_copy 48bit-lz4 6144 $FF16
	refused 48bit-lz4 1
}

@test "eu19 corrupt: a chunk index past the image (chunk-indexes) is refused" {
	pending chunk-indexes
	local off
	off=$(chunk_index chunk-indexes "$(big_nid chunk-indexes)" 3)
	# the record really is big.txt's 4th chunk: device 0, a block in range
	[ "$(u 2 $((off + 2)) "$IMGS/chunk-indexes.img")" = 0 ]
	[ "$(u 4 $((off + 4)) "$IMGS/chunk-indexes.img")" -gt 0 ]
	corrupt_copy chunk-indexes $((off + 4)) f0 ff ff 7f
	refused chunk-indexes 1
}

@test "eu19 corrupt: device 9 in an image without devices is device 0 (the kernel masks it), not corruption" {
	pending chunk-device-mask
	local off
	off=$(chunk_index chunk-indexes "$(big_nid chunk-indexes)" 3)
	corrupt_copy chunk-indexes $((off + 2)) 09 00
	run --separate-stderr "$FSCK" --extract="$BATS_TEST_TMPDIR/x" "$BATS_TEST_TMPDIR/bad.img"
	[ "$status" = 0 ] || fail "device id 9 (mask 0): exit $status: $stderr"
	cmp "$TREE/big.txt" "$BATS_TEST_TMPDIR/x/big.txt"
}

@test "eu19 corrupt: a chunk on device 3 of 2 (devices) is refused" {
	pending devices
	local off
	off=$(chunk_index devices "$(big_nid devices)" 0)
	[ "$(u 2 $((off + 2)) "$IMGS/devices.img")" = 1 ] ||
		fail "big.txt's first chunk is not on device 1"
	# 2 extra devices: the kernel masks ids with 3, so 3 stays 3
	corrupt_copy devices $((off + 2)) 03 00
	refused devices 1
}

@test "eu19 corrupt: a chunk past the end of its blob device (blobdev) is refused" {
	pending blobdev
	local off
	off=$(chunk_index blobdev "$(big_nid blobdev)" 5)
	[ "$(u 2 $((off + 2)) "$IMGS/blobdev.img")" = 1 ] ||
		fail "big.txt's chunk is not on device 1"
	corrupt_copy blobdev $((off + 4)) 00 00 10 00
	refused blobdev 1
}

@test "eu19 corrupt: a tar-index chunk past the end of the tar is refused" {
	pending tar-index
	local off
	off=$(chunk_index tar-index "$(big_nid tar-index)" 0)
	[ "$(u 2 $((off + 2)) "$IMGS/tar-index.img")" = 1 ] ||
		fail "big.txt's chunk is not on device 1"
	corrupt_copy tar-index $((off + 4)) 00 00 10 00
	refused tar-index 1
}

@test "eu19 corrupt: a missing device (devices) is refused" {
	pending devices
	run --separate-stderr "$FSCK" --device="$IMGS/devices.dev1" "$IMGS/devices.img"
	echo "# exit $status: $stderr"
	[ "$status" != 0 ] && [ "$status" -lt 124 ] ||
		fail "fsck with one of two devices: exit $status"
	no_sanitizer_report <(printf '%s\n' "$stderr")
}

# One stored test and one live test per row of make.sh (checked above).
@test "eu19 stored fedora-live: -zlzma,level=6 -Eall-fragments,fragdedupe=inode -C1048576" { stored fedora-live; }
@test "eu19 stored coreos: -zlzma,6 -Efragments -C1048576" { stored coreos; }
@test "eu19 stored lorax: -zzstd,8 -Ededupe,all-fragments -C65536" { stored lorax; }
@test "eu19 stored deflate: -zdeflate,level=9 -C65536" { stored deflate; }
@test "eu19 stored libdeflate: -zlibdeflate,level=6 -C16384" { stored libdeflate; }
@test "eu19 stored lz4hc-dedupe: -zlz4hc,12 -Ededupe" { stored lz4hc-dedupe; }
@test "eu19 stored lz4hc-ztail: -zlz4hc,12 -Eztailpacking" { stored lz4hc-ztail; }
@test "eu19 stored lz4-legacy: -zlz4 -Elegacy-compress" { stored lz4-legacy; }
@test "eu19 stored lzma-ztail-frag: -zlzma -Eztailpacking,fragments" { stored lzma-ztail-frag; }
@test "eu19 stored hints: -zlzma:lz4hc --compress-hints" { stored hints; }
@test "eu19 stored zdirs: -zlz4hc --zD -Eztailpacking" { stored zdirs; }
@test "eu19 stored dot-omitted: -Edot-omitted" { stored dot-omitted; }
@test "eu19 stored xattr-prefix: --xattr-prefix -Exattr-name-filter" { stored xattr-prefix; }
@test "eu19 stored metabox: -zlz4hc -m4096" { stored metabox; }
@test "eu19 stored metabox-xattr-prefix: -zlz4hc -m4096 --xattr-prefix=... (the prefix table in the metabox)" { stored metabox-xattr-prefix; }
@test "eu19 stored 48bit: -E48bit" { stored 48bit; }
@test "eu19 stored 48bit-lz4: -zlz4 -E48bit" { stored 48bit-lz4; }
@test "eu19 stored chunk: --chunksize=8192" { stored chunk; }
@test "eu19 stored chunk-indexes: --chunksize=8192 -Eforce-chunk-indexes" { stored chunk-indexes; }
@test "eu19 stored blobdev: --chunksize=4096 --blobdev" { stored blobdev; }
@test "eu19 stored tar-index: --tar=i, the tar as device 1" { stored tar-index; }
@test "eu19 stored devices: a merge of two --tar=i images, 2 devices" { stored devices; }
@test "eu19 stored b512-lzma: -b512 -zlzma -Efragments -C16384" { stored b512-lzma; }
@test "eu19 stored b512-lz4hc: -b512 -zlz4hc" { stored b512-lz4hc; }
@test "eu19 stored b512-ztail: -b512 -zlz4hc -Eztailpacking (1.9.3 writes 2 files wrong)" { stored b512-ztail; }

@test "eu19 live fedora-live: -zlzma,level=6 -Eall-fragments,fragdedupe=inode -C1048576" { live fedora-live; }
@test "eu19 live coreos: -zlzma,6 -Efragments -C1048576" { live coreos; }
@test "eu19 live lorax: -zzstd,8 -Ededupe,all-fragments -C65536" { live lorax; }
@test "eu19 live deflate: -zdeflate,level=9 -C65536" { live deflate; }
@test "eu19 live libdeflate: -zlibdeflate,level=6 -C16384" { live libdeflate; }
@test "eu19 live lz4hc-dedupe: -zlz4hc,12 -Ededupe" { live lz4hc-dedupe; }
@test "eu19 live lz4hc-ztail: -zlz4hc,12 -Eztailpacking" { live lz4hc-ztail; }
@test "eu19 live lz4-legacy: -zlz4 -Elegacy-compress" { live lz4-legacy; }
@test "eu19 live lzma-ztail-frag: -zlzma -Eztailpacking,fragments" { live lzma-ztail-frag; }
@test "eu19 live hints: -zlzma:lz4hc --compress-hints" { live hints; }
@test "eu19 live zdirs: -zlz4hc --zD -Eztailpacking" { live zdirs; }
@test "eu19 live dot-omitted: -Edot-omitted" { live dot-omitted; }
@test "eu19 live xattr-prefix: --xattr-prefix -Exattr-name-filter" { live xattr-prefix; }
@test "eu19 live metabox: -zlz4hc -m4096" { live metabox; }
@test "eu19 live metabox-xattr-prefix: -zlz4hc -m4096 --xattr-prefix=..." { live metabox-xattr-prefix; }
@test "eu19 live 48bit: -E48bit" { live 48bit; }
@test "eu19 live 48bit-lz4: -zlz4 -E48bit" { live 48bit-lz4; }
@test "eu19 live chunk: --chunksize=8192" { live chunk; }
@test "eu19 live chunk-indexes: --chunksize=8192 -Eforce-chunk-indexes" { live chunk-indexes; }
@test "eu19 live blobdev: --chunksize=4096 --blobdev" { live blobdev; }
@test "eu19 live tar-index: --tar=i, the tar as device 1" { live tar-index; }
@test "eu19 live devices: a merge of two --tar=i images, 2 devices" { live devices; }
@test "eu19 live b512-lzma: -b512 -zlzma -Efragments -C16384" { live b512-lzma; }
@test "eu19 live b512-lz4hc: -b512 -zlz4hc" { live b512-lz4hc; }
@test "eu19 live b512-ztail: -b512 -zlz4hc -Eztailpacking (1.9.3 writes 2 files wrong)" { live b512-ztail; }
