#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Reading LZMA, ZSTD and DEFLATE pclusters: images of erofs-utils 1.9.3
# (every index form, ztailpacking, 512-byte blocks) pass our fsck, extract
# to the source tree and to what the kernel shows, and dump reads them;
# broken streams and configuration records are rejected in one line with
# the nid and the offset.  A build without the codec libraries
# (EROFS_EXPECT_NO_CODECS=1, the no-codecs stage of .ci/run) reports the
# algorithm as unsupported and still dumps the superblock.

load helpers/common

FSCK=$top_builddir/fsck/fsck.erofs
DUMP=$top_builddir/dump/dump.erofs

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	gentree --no-huge "$SRC"
	local c=$SRC/compressible
	mkdir -p "$c"
	seq 1 200000 > "$c/seq"
	head -c 3000000 /dev/zero > "$c/zeros"
	awk 'BEGIN { srand(7); for (i = 0; i < 40000; i++) printf "%c", 32 + int(rand() * 95) }' > "$c/noise"
	cat "$c/seq" "$c/noise" "$c/seq" > "$c/mixed"
	# whole seconds: erofs-utils keeps compact inodes without nanoseconds
	touch -d @1600000000 "$c"/*
	# one compressible file, for the corruption tests
	export ONE="$BATS_FILE_TMPDIR/one"
	mkdir -p "$ONE"
	seq 1 200000 > "$ONE/seq"
}

no_codecs() {
	[ "${EROFS_EXPECT_NO_CODECS:-}" = 1 ]
}

skip_without_codecs() {
	! no_codecs || skip "built without the codec libraries (EROFS_EXPECT_NO_CODECS=1)"
}

# eu19_image IMG SRC [MKFS OPTIONS]: an image made by erofs-utils 1.9.3
eu19_image() {
	local img=$1 src=$2
	shift 2
	require_eu19
	run "$EU19_MKFS" "$@" "$img" "$src"
	[ "$status" = 0 ] || fail "1.9.3 mkfs.erofs $* failed: $output"
}

# read_ok ALG [MKFS OPTIONS]: fsck passes and extracts the source; dump
# names ALG in -s, -i, -e and -S of the compressible files.
read_ok() {
	local alg=$1 img=$BATS_TEST_TMPDIR/img out=$BATS_TEST_TMPDIR/out
	shift
	skip_without_codecs
	eu19_image "$img" "$SRC" "$@"
	rm -rf "$out"
	run "$FSCK" --extract="$out" --xattrs "$img"
	echo "$output"
	[ "$status" = 0 ] || fail "fsck: exit $status"
	# erofs-utils marks a whiteout's directory with trusted.overlay.*:
	# the attributes are compared with the kernel's view (kernel_ok)
	treecmp_ok --no-owner --no-dir-mtime --no-xattr --skip special/sock "$SRC" "$out"
	run "$DUMP" -s "$img"
	[ "$status" = 0 ] || fail "dump -s: exit $status: $output"
	[[ "$output" == *"Filesystem compression: "*"$alg ("* ]] || fail "dump -s names no $alg: $output"
	for f in seq zeros mixed; do
		run "$DUMP" --path="/compressible/$f" "$img"
		[ "$status" = 0 ] || fail "dump -i $f: exit $status: $output"
		[[ "$output" == *"Compressed: "*"$alg"* ]] || fail "dump -i $f: no $alg: $output"
		run "$DUMP" -e --path="/compressible/$f" "$img"
		[ "$status" = 0 ] || fail "dump -e $f: exit $status: $output"
		[[ "$output" == *"mapped,"*"$alg"* ]] || fail "dump -e $f: no $alg extent: $output"
	done
	run "$DUMP" -S "$img"
	[ "$status" = 0 ] || fail "dump -S: exit $status: $output"
	[[ "$output" == *"Compressed files: "* ]]
}

@test "codecs: lzma, 1 MiB pclusters, compacted indexes" {
	read_ok lzma -zlzma,level=6 -C1048576
}

@test "codecs: lzma, ztailpacking; full indexes; 512-byte blocks" {
	read_ok lzma -zlzma -C65536 -Eztailpacking
	read_ok lzma -zlzma,level=9,dictsize=65536 -Elegacy-compress
	read_ok lzma -zlzma -C16384 -b512 -Elegacy-compress -Eztailpacking
}

@test "codecs: zstd, 64 KiB pclusters, with and without ztailpacking" {
	read_ok zstd -zzstd,8 -C65536
	read_ok zstd -zzstd,8 -C65536 -Eztailpacking
}

@test "codecs: zstd, full indexes, 1 MiB pclusters at 512-byte blocks" {
	read_ok zstd -zzstd -Elegacy-compress -Eztailpacking
	read_ok zstd -zzstd,19 -C1048576 -b512 -Elegacy-compress
}

@test "codecs: deflate, with and without ztailpacking, full indexes" {
	read_ok deflate -zdeflate,9
	read_ok deflate -zdeflate,9 -Eztailpacking
	read_ok deflate -zdeflate -Elegacy-compress
	read_ok deflate -zdeflate,1 -C131072 -b512 -Elegacy-compress
}

@test "codecs: lzma with lz4hc as the second algorithm" {
	read_ok lzma -zlzma:lz4hc -C65536
}

@test "codecs: fsck's extraction matches the kernel's view, attributes included" {
	local img=$BATS_TEST_TMPDIR/img mnt=$BATS_TEST_TMPDIR/mnt a
	skip_without_codecs
	require_eu19
	require_erofs_mount
	for a in "-zlzma -C65536 -Eztailpacking" "-zzstd,8 -C65536" "-zdeflate,9 -Eztailpacking"; do
		# shellcheck disable=SC2086
		eu19_image "$img" "$SRC" $a
		rm -rf "$BATS_TEST_TMPDIR/out"
		run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" --xattrs "$img"
		[ "$status" = 0 ] || fail "fsck $a: exit $status: $output"
		mount_image "$img" "$mnt"
		treecmp_ok --skip special/sock "$mnt" "$BATS_TEST_TMPDIR/out"
		umount_image "$mnt"
	done
}

# pcluster_of IMG PATH: "PHYSICAL PLEN" of the first extent of PATH
pcluster_of() {
	"$DUMP" -e --path="$2" "$1" | awk 'NR == 2 { print $4, $5 }'
}

# corrupt_rejected IMG WHAT: fsck exits 1 (never a crash) with one line
# naming the nid and the offset
corrupt_rejected() {
	run --separate-stderr "$FSCK" "$1"
	echo "$2: exit $status: $stderr"
	[ "$status" -lt 128 ] || fail "$2: fsck died from signal $((status - 128))"
	[ "$status" = 1 ] || fail "$2: fsck exit $status, expected 1"
	[ "${#stderr_lines[@]}" = 1 ] || fail "$2: expected one line on stderr"
	[[ "$stderr" == *"nid "[0-9]*"offset "[0-9]* ]] || fail "$2: no nid and offset"
}

@test "codecs: a stream cut short or with a bad tail is corruption, with nid and offset" {
	local a img=$BATS_TEST_TMPDIR/img bad=$BATS_TEST_TMPDIR/bad pa plen
	skip_without_codecs
	for a in lzma zstd deflate; do
		eu19_image "$img" "$ONE" -z$a -C65536
		read -r pa plen < <(pcluster_of "$img" /seq)
		[ -n "$plen" ] && [ "$plen" -gt 0 ]
		# the head of the stream turned into padding: what is left is cut
		cp "$img" "$bad"
		dd if=/dev/zero of="$bad" bs=1 seek="$pa" count=$((plen / 2)) \
			conv=notrunc status=none
		corrupt_rejected "$bad" "$a, head zeroed"
		[[ "$stderr" == *"corrupt $a stream in pcluster at offset $pa"* ]]
		# the whole pcluster zero: no stream at all
		cp "$img" "$bad"
		dd if=/dev/zero of="$bad" bs=1 seek="$pa" count="$plen" \
			conv=notrunc status=none
		corrupt_rejected "$bad" "$a, all zero"
	done
	# a flipped byte inside the stream (lzma and deflate notice it here;
	# zstd literals carry no checksum in EROFS, so a flip may go unseen)
	for a in lzma deflate; do
		eu19_image "$img" "$ONE" -z$a -C65536
		read -r pa plen < <(pcluster_of "$img" /seq)
		cp "$img" "$bad"
		printf '\x5a' | dd of="$bad" bs=1 seek=$((pa + plen / 2)) \
			conv=notrunc status=none
		corrupt_rejected "$bad" "$a, flipped byte"
	done
}

# cfg_patch IMG ALG HEX: rewrite the body of ALG's configuration record
# (the only one, right after a 128-byte superblock) with the bytes HEX
# ("\xNN..."), checksum check then skipped with --no-sbcrc
cfg_patch() {
	local img=$1 alg=$2
	printf "$3" | dd of="$img" bs=1 seek=$((1024 + 128 + 2)) conv=notrunc status=none
}

@test "codecs: configuration records the kernel refuses are refused" {
	local img=$BATS_TEST_TMPDIR/img bad=$BATS_TEST_TMPDIR/bad
	eu19_image "$img" "$ONE" -zlzma -C65536
	# lzma: dictionary past 8 MiB is corruption, an unknown format unsupported
	cp "$img" "$bad"; cfg_patch "$bad" lzma '\x00\x00\x00\x10'
	run "$FSCK" --no-sbcrc "$bad"
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == *"lzma dictionary of 268435456 bytes out of range"*"(offset 1154)"* ]]
	cp "$img" "$bad"; cfg_patch "$bad" lzma '\x00\x00\x01\x00\x01\x00'
	run "$FSCK" --no-sbcrc "$bad"
	echo "$output"
	[ "$status" = 3 ]
	[[ "$output" == *"lzma format 1 unknown (offset 1154)"* ]]
	# zstd: a window past 1 MiB
	eu19_image "$img" "$ONE" -zzstd -C65536
	cp "$img" "$bad"; cfg_patch "$bad" zstd '\x00\x0b'
	run "$FSCK" --no-sbcrc "$bad"
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == *"zstd window of 2^21 bytes beyond 1 MiB (offset 1154)"* ]]
	# deflate: windowbits past 15
	eu19_image "$img" "$ONE" -zdeflate
	cp "$img" "$bad"; cfg_patch "$bad" deflate '\x10'
	run "$FSCK" --no-sbcrc "$bad"
	echo "$output"
	[ "$status" = 3 ]
	[[ "$output" == *"deflate window of 2^16 bytes unsupported (offset 1154)"* ]]
	# a record shorter than its structure
	cp "$img" "$bad"
	printf '\x02\x00' | dd of="$bad" bs=1 seek=$((1024 + 128)) conv=notrunc status=none
	run "$FSCK" --no-sbcrc "$bad"
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == *"deflate configuration of 2 bytes, 6 expected (offset 1154)"* ]]
}

# fake_alg_image IMG ALG: an lz4 image of our mkfs relabelled as ALG
# (bitmap, record, the file's algorithm nibble): the stream is still lz4,
# so it cannot decode as ALG, but a build without ALG never gets that far.
# No erofs-utils needed, so the no-codecs stage of CI can run it.
fake_alg_image() {
	local img=$1 id rec isize iloc
	require_mkfs
	run "$MKFS" --quiet -zlz4hc -C65536 "$img" "$ONE"
	[ "$status" = 0 ] || fail "mkfs: $output"
	case $2 in
	lzma) id=1; rec='\x00\x00\x01\x00\x00\x00' ;;
	deflate) id=2; rec='\x0f\x00\x00\x00\x00\x00' ;;
	zstd) id=3; rec='\x00\x06\x00\x00\x00\x00' ;;
	esac
	printf "\\x$((1 << id))" | dd of="$img" bs=1 seek=$((1024 + 0x54)) conv=notrunc status=none
	cfg_patch "$img" "$2" "$rec\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
	read -r isize iloc < <("$DUMP" --no-sbcrc --path=/seq "$img" |
		sed -n 's/^Inode: .*, \([0-9]*\) bytes at offset \([0-9]*\)$/\1 \2/p')
	[ -n "$iloc" ]
	printf "\\x0$id" | dd of="$img" bs=1 seek=$((iloc + isize + 6)) conv=notrunc status=none
}

@test "codecs: an algorithm this build lacks is unsupported (exit 3), dump still works" {
	local a img=$BATS_TEST_TMPDIR/img
	no_codecs || skip "only for a build without the codec libraries (EROFS_EXPECT_NO_CODECS=1)"
	for a in lzma zstd deflate; do
		fake_alg_image "$img" $a
		run "$FSCK" --no-sbcrc "$img"
		echo "$output"
		[ "$status" = 3 ] || fail "$a: fsck exit $status, expected 3"
		[[ "$output" == *"$a compression is not supported"* ]]
		run "$DUMP" --no-sbcrc -s "$img"
		[ "$status" = 0 ] || fail "$a: dump -s exit $status"
		[[ "$output" == *"Filesystem compression:                       $a ("* ]]
		if [ -x "$EU19_MKFS" ]; then
			eu19_image "$img" "$ONE" -z$a
			run "$FSCK" "$img"
			[ "$status" = 3 ] || fail "$a (1.9.3): fsck exit $status: $output"
			[[ "$output" == *"$a compression is not supported"* ]]
		fi
	done
}

@test "codecs: a relabelled lz4 stream does not decode as another algorithm" {
	local a img=$BATS_TEST_TMPDIR/img
	skip_without_codecs
	for a in lzma zstd deflate; do
		fake_alg_image "$img" $a
		run "$FSCK" --no-sbcrc "$img"
		echo "$output"
		[ "$status" = 1 ] || fail "$a: fsck exit $status, expected 1"
		[[ "$output" == *"corrupt $a stream in pcluster at offset "* ]]
	done
}

@test "codecs: an extent of an algorithm the superblock does not list is corruption" {
	local img=$BATS_TEST_TMPDIR/img isize iloc
	require_mkfs
	run "$MKFS" --quiet -zlz4hc -C65536 "$img" "$ONE"
	read -r isize iloc < <("$DUMP" --path=/seq "$img" |
		sed -n 's/^Inode: .*, \([0-9]*\) bytes at offset \([0-9]*\)$/\1 \2/p')
	printf '\x03' | dd of="$img" bs=1 seek=$((iloc + isize + 6)) conv=notrunc status=none
	run "$FSCK" "$img"
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == *"is zstd, which the superblock does not list (pcluster at offset "* ]]
}
