#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Golden corrupt images (tests/corrupt/make-images.sh): each is rejected with
# its own message and exit status 1, nothing crashes, and extraction never
# writes outside its target.

load helpers/fsck_common

setup_file() {
	export CIMG=$BATS_FILE_TMPDIR/corrupt
	if [ -x "$DEB_MKFS" ] && command -v python3 >/dev/null; then
		"$BATS_TEST_DIRNAME/corrupt/make-images.sh" "$CIMG" "$DUMP" "$DEB_MKFS"
	fi
}

need_images() {
	[ -f "$CIMG/expect.txt" ] ||
		skip "golden images need $DEB_MKFS and python3"
}

# check_case NAME: fsck says the expected words and exits 1, without crash
check_case() {
	need_images
	want=$(awk -F '\t' -v n="$1" '$1 == n { print $2 }' "$CIMG/expect.txt")
	[ -n "$want" ]
	run "$FSCK" "$CIMG/$1.img"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$want"* ]]
	[[ "$output" != *"clean"* ]]
}

# extract_case NAME: --extract reports the same corruption with the same
# words and exit status 1, and nothing appears outside the target
extract_case() {
	need_images
	want=$(awk -F '\t' -v n="$1" '$1 == n { print $2 }' "$CIMG/expect.txt")
	[ -n "$want" ]
	sandbox=$BATS_TEST_TMPDIR/sandbox
	mkdir -p "$sandbox/target"
	run "$FSCK" --extract="$sandbox/target" "$CIMG/$1.img"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$want"* ]]
	[ "$(ls -A "$sandbox")" = target ]
	[ ! -e "$CIMG/a" ]
	[ ! -e "$CIMG/txt" ]
	[ ! -e "$BATS_TEST_TMPDIR/a" ]
}

@test "the base image of the golden set is clean" {
	need_images
	run "$FSCK" "$CIMG/base.img"
	[ "$status" -eq 0 ]
}

@test "bad magic" { check_case bad-magic; extract_case bad-magic; }
@test "bad checksum" { check_case bad-checksum; extract_case bad-checksum; }
@test "truncated image" { check_case truncated; extract_case truncated; }
@test "inode past the end" { check_case inode-past-end; extract_case inode-past-end; }
@test "dirent nameoff out of its block" { check_case nameoff-out; extract_case nameoff-out; }
@test "directory cycle" { check_case dir-cycle; extract_case dir-cycle; }
@test "absurd i_size" { check_case absurd-size; extract_case absurd-size; }
@test "name containing '/'" {
	check_case slash-name
	extract_case slash-name
	# the good entries are still extracted, the bad one is not
	[ -f "$BATS_TEST_TMPDIR/sandbox/target/big.bin" ]
	[ ! -e "$BATS_TEST_TMPDIR/sandbox/target/a" ]
}

@test "--no-sbcrc skips only the checksum" {
	need_images
	run "$FSCK" --no-sbcrc "$CIMG/bad-checksum.img"
	[ "$status" -eq 0 ]
	run "$FSCK" --no-sbcrc "$CIMG/bad-magic.img"
	[ "$status" -eq 1 ]
}

@test "corruption messages name the nid and the byte offset" {
	need_images
	run "$FSCK" "$CIMG/nameoff-out.img"
	[[ "$output" =~ nid\ [0-9]+:.*\(offset\ [0-9]+\) ]]
	run "$FSCK" "$CIMG/absurd-size.img"
	[[ "$output" =~ nid\ [0-9]+:.*offset\ [0-9]+ ]]
}

@test "dump.erofs survives every golden image" {
	need_images
	for img in "$CIMG"/*.img; do
		for args in "-s" "-S" "--ls --path=/" "--ls -R" "--path=/sub" "--cat --path=/big.bin"; do
			run "$DUMP" $args "$img"
			[ "$status" -le 1 ] || { echo "$img $args: $status"; return 1; }
		done
	done
	run "$DUMP" -S "$CIMG/dir-cycle.img"
	[ "$status" -eq 1 ]
	run "$DUMP" --ls -R "$CIMG/dir-cycle.img"
	[ "$status" -eq 1 ]
	[[ "$output" == *"dump.erofs: /sub/deeper: nid "*": directory cycle"* ]]
}

# flip_image DIR: DIR/img, our mkfs's image of a tree with each kind of
# metadata the walk reads: inline directories, an inline file, a symlink and
# a sparse file, stored chunked, so with a chunk map.  The chunked file is
# the last inode: a larger i_size makes its map run past the image's end.
flip_image() {
	local src=$1/src
	mkdir -p "$src/sub"
	printf 'hello\n' >"$src/a"
	ln -s a "$src/link"
	printf 'x\n' >"$src/sub/x"
	truncate -s 100000 "$src/sub/zsparse"
	printf data | dd of="$src/sub/zsparse" bs=1 seek=20000 conv=notrunc status=none
	printf tail | dd of="$src/sub/zsparse" bs=1 seek=40000 conv=notrunc status=none
	find "$src" -exec touch -h -d @0 {} +
	our_mkfs --quiet -T 0 -U clear "$1/img" "$src"
}

# dump_field IMG PATH NAME: the value of dump.erofs --path=PATH's NAME line
dump_field() {
	"$DUMP" --path="$2" "$1" | sed -n "s/^$3: *//p"
}

# chunk_map IMG PATH: set map, esz, csz and nent to the chunk map's offset,
# entry size, chunk size and entry count of PATH's chunk-based inode
chunk_map() {
	local v
	v=$(dump_field "$1" "$2" "Chunk map")
	# "4-byte block map, 4096-byte chunks, at offset N"
	[[ $v =~ ^([0-9]+)-byte\ .*\ ([0-9]+)-byte\ chunks,\ at\ offset\ ([0-9]+)$ ]] ||
		fail "$2: no chunk map: $v"
	esz=${BASH_REMATCH[1]} csz=${BASH_REMATCH[2]} map=${BASH_REMATCH[3]}
	v=$(dump_field "$1" "$2" Size)
	nent=$(((v + csz - 1) / csz))
}

# le32 N: N as four little-endian bytes, as printf escapes
le32() {
	printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}

# fsck_outcome WHAT RC ERRFILE: fsck ended as the man page allows for a
# damaged image: 0, 1 (corrupt) or 3 (unsupported), no signal, and every
# stderr line its own (a sanitizer report is not)
fsck_outcome() {
	if [ "$2" != 0 ] && [ "$2" != 1 ] && [ "$2" != 3 ]; then
		fail "$1: exit $2: $(head -n 5 "$3")"
		return 1
	fi
	if grep -qv '^fsck.erofs: ' "$3"; then
		fail "$1: a stderr line not from fsck.erofs: $(grep -v '^fsck.erofs: ' "$3" | head -n 5)"
		return 1
	fi
	if [ "$2" != 0 ] && [ ! -s "$3" ]; then
		fail "$1: exit $2 without a message"
		return 1
	fi
}

@test "fsck refuses every truncation and a chunk map past the image's end, and survives a flip of every metadata byte" {
	local d img f err size bs meta end p v ioff type isize
	local ipos itail nameoff0 j map= esz csz nent mapinode= off o rc n byte
	local -A why=() zeros=()
	local -a orig
	d=$BATS_TEST_TMPDIR img=$d/img f=$d/f.img err=$d/err
	flip_image "$d"
	size=$(stat -c %s "$img")
	bs=$("$DUMP" -s "$img" | sed -n 's/^Filesystem blocksize: *//p')
	meta=$(($("$DUMP" -s "$img" | sed -n 's/^Filesystem inode metadata start block: *//p') * bs))
	[ "$size" -gt "$meta" ]

	# mark FROM TO WHY: a flip in [FROM, TO) may pass unnoticed, for WHY
	# ("" : it must be noticed)
	mark() {
		for ((off = $1; off < $2; off++)); do why[$off]=$3; done
	}
	# The superblock, checked with --no-sbcrc so that a flip reaches the
	# field checks.  Fields whose flip leaves a valid superblock:
	mark 1024 1152 ""
	mark 1028 1036 "sb: checksum (--no-sbcrc) or compat features (ignorable by definition)"
	mark 1048 1059 "sb: build time, or a low byte of its nanoseconds (still below 10^9)"
	mark 1072 1104 "sb: UUID or volume label"
	mark 1104 1105 "sb: incompat features whose data this image lacks (compression, device table, prefixes, 48bit with no rootnid_8b)"
	mark 1108 1114 "sb: compression or device-table fields, unused without their features"
	mark 1115 1152 "sb: xattr prefixes, packed inode or reserved, unused without their features"

	# The metadata area up to the last byte an inode refers to; what no
	# inode refers to (the unused slot of nid 0, padding) is read by nobody
	end=$meta
	for p in / /a /link /sub /sub/x /sub/zsparse; do
		v=$(dump_field "$img" "$p" Inode)
		[[ $v == "compact, 32 bytes at offset "* ]] ||
			fail "$p: the field offsets below are those of a compact inode: $v"
		ioff=${v##* }
		v=$(dump_field "$img" "$p" "Inline tail")
		if [ -n "$v" ]; then
			v=$((${v##* } + ${v%% *}))
		else
			chunk_map "$img" "$p"
			v=$((map + esz * nent))
		fi
		[ "$v" -le "$end" ] || end=$v
		[ $((ioff + 32)) -le "$end" ] || end=$((ioff + 32))
	done
	mark "$meta" "$end" "meta: referred to by no inode"
	for p in / /a /link /sub /sub/x /sub/zsparse; do
		ioff=$(dump_field "$img" "$p" Inode)
		ioff=${ioff##* }
		type=$(dump_field "$img" "$p" Type)
		isize=$(dump_field "$img" "$p" Size)
		# the compact inode: format, xattr count, mode, nlink, size,
		# mtime, i_u, ino, uid, gid, reserved
		mark "$ioff" $((ioff + 32)) ""
		mark $((ioff + 4)) $((ioff + 5)) "inode: permission bits"
		mark $((ioff + 12)) $((ioff + 16)) "inode: mtime"
		mark $((ioff + 20)) $((ioff + 32)) "inode: ino, uid, gid or reserved"
		if [ "$type" = "regular file" ]; then
			# a size the layout still holds is another valid file;
			# fsck keeps no map of which inode owns which byte, so
			# a longer inline tail may read the next inodes as data
			mark $((ioff + 8)) $((ioff + 12)) "inode: i_size of a regular file, within its layout"
		fi
		v=$(dump_field "$img" "$p" "Inline tail")
		if [ -n "$v" ]; then
			[ "$isize" -lt "$bs" ]
			mark $((ioff + 16)) $((ioff + 20)) "inode: block address of an inline-only file (unused)"
			ipos=${v##* }
			itail=${v%% *}
			if [ "$type" = directory ]; then
				nameoff0=$(od -An -tu2 -j $((ipos + 8)) -N 2 "$img" | tr -d ' ')
				for ((j = 0; j < nameoff0 / 12; j++)); do
					mark $((ipos + 12 * j)) $((ipos + 12 * j + 11)) ""
					mark $((ipos + 12 * j + 11)) $((ipos + 12 * j + 12)) "dirent: reserved byte"
				done
				mark $((ipos + nameoff0)) $((ipos + itail)) "dirent: a name byte (a rename that keeps the order is valid)"
			else
				mark "$ipos" $((ipos + itail)) "data: inline file data or symlink target"
			fi
		fi
		if [ -z "$v" ]; then
			chunk_map "$img" "$p"
			mark $((ioff + 18)) $((ioff + 20)) "inode: reserved half of the chunk format"
			mark "$map" $((map + esz * nent)) ""
			mapinode=$ioff
		fi
	done
	[ -n "$mapinode" ] || fail "no chunk map in the image"
	[ $((map + esz * nent)) = "$end" ] || fail "the chunk map is not the last metadata"

	# Truncations: at every 512 bytes, and at every entry of the chunk
	# map.  Each is refused at the superblock, which says how long the
	# image is, before anything past the cut is read.
	n=0
	for off in $(seq 0 512 $((size - 1))) $(seq "$map" "$esz" $((map + esz * nent))); do
		head -c "$off" "$img" >"$f"
		rc=0
		"$FSCK" "$f" >/dev/null 2>"$err" || rc=$?
		fsck_outcome "cut at $off" $rc "$err"
		[ $rc = 1 ] || fail "cut at $off: exit $rc"
		# short of block 0, the superblock (or the checksummed rest of
		# the block) cannot even be read
		if [ "$off" -ge "$bs" ]; then
			grep -q "^fsck.erofs: superblock: image truncated: " "$err" ||
				fail "cut at $off: $(cat "$err")"
		else
			grep -q "^fsck.erofs: superblock: cannot read " "$err" ||
				fail "cut at $off: $(cat "$err")"
		fi
		n=$((n + 1))
	done
	echo "# $n truncations refused" >&3

	# A chunk map that the end of the image cuts: an i_size that needs one
	# entry more than the bytes up to the end hold is refused; one that
	# fits exactly is not called past the end.  The metadata of a
	# directory's files comes after their data, here in a block before
	# zsparse's two data blocks: those are zeroed in the copy, so that the
	# entries past the real map read block 0, as the padding of a map
	# ending the image would
	nent=$(((size - map) / esz))
	cp "$img" "$f"
	o=$(((map / bs + 1) * bs))
	[ "$o" -ge "$size" ] ||
		dd if=/dev/zero of="$f" bs="$bs" seek=$((o / bs)) count=$(((size - o) / bs)) conv=notrunc status=none
	printf "$(le32 $((nent * csz)))" | dd of="$f" bs=1 seek=$((mapinode + 8)) conv=notrunc status=none
	rc=0
	"$FSCK" --no-sbcrc "$f" >/dev/null 2>"$err" || rc=$?
	fsck_outcome "a map up to the image end" $rc "$err"
	! grep -q "past the end" "$err" || fail "a map up to the image end: $(cat "$err")"
	printf "$(le32 $(((nent + 1) * csz)))" | dd of="$f" bs=1 seek=$((mapinode + 8)) conv=notrunc status=none
	rc=0
	"$FSCK" --no-sbcrc "$f" >/dev/null 2>"$err" || rc=$?
	fsck_outcome "a map one entry past the image end" $rc "$err"
	[ $rc = 1 ]
	grep -q "needs $((nent + 1)) chunk entries, past the end of the image" "$err" ||
		fail "a map one entry past the image end: $(cat "$err")"

	# Flips: every byte of the superblock and of the metadata area, each
	# inverted.  fsck notices it, or it is in a byte marked above.
	# shellcheck disable=SC2207
	orig=($(od -An -tu1 -v "$img"))
	cp "$img" "$f"
	n=0
	for off in $(seq 1024 1151) $(seq "$meta" $((end - 1))); do
		o=${orig[off]}
		printf -v byte '\\x%02x' $((o ^ 255))
		printf "$byte" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
		rc=0
		"$FSCK" --no-sbcrc "$f" >/dev/null 2>"$err" || rc=$?
		printf -v byte '\\x%02x' "$o"
		printf "$byte" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
		fsck_outcome "flip at $off" $rc "$err"
		n=$((n + 1))
		[ $rc = 0 ] || continue
		if [ -z "${why[$off]}" ]; then
			fail "flip at $off: fsck found nothing"
			return 1
		fi
		zeros[${why[$off]}]=$((${zeros[${why[$off]}]:-0} + 1))
	done
	j=0
	for v in "${!zeros[@]}"; do j=$((j + zeros[$v])); done
	echo "# $n flips: $((n - j)) refused, $j passed, in bytes marked above:" >&3
	for v in "${!zeros[@]}"; do
		printf '#   %4d %s\n' "${zeros[$v]}" "$v"
	done | sort -k 3 >&3
}
