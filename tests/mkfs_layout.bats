#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Where mkfs puts metadata: the inodes (and inline tails) of a directory's
# files in a run of blocks right after those files' data, before the next
# directory's data, so that reading a directory reads its inodes beside
# its files' bytes (bench/kread.sh measures what that does to the kernel).

load helpers/common

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	mkdir -p "$SRC/a" "$SRC/b"
	# a/: three files of 200000 bytes (flat with an inline tail, or
	# compressed), b/: 5 MB that no codec shrinks, and a small file
	for i in 1 2 3; do
		seq -f "line $i %g" 1 20000 | head -c 200000 >"$SRC/a/f$i"
	done
	head -c 5000000 /dev/urandom >"$SRC/b/big"
	echo small >"$SRC/b/small"
	# c/: names enough for directory blocks besides the inline tail, and
	# files (distinct, not deduplicated) taking more than the 32 blocks a
	# run may look behind for a partly used block
	mkdir "$SRC/c"
	for i in $(seq 100 299); do
		seq -f "c $i %g" 1 1000 | head -c 5000 >"$SRC/c/file-with-a-rather-long-name-number-$i"
	done
}

setup() {
	require_mkfs
	[ -x "$DUMP" ] || skip "dump.erofs not built"
}

# inode_off IMG PATH: the image offset of PATH's inode
inode_off() {
	"$DUMP" --path="$2" "$1" | sed -n 's/^Inode: .* at offset \([0-9]*\)$/\1/p'
}
# data_range IMG PATH: "FIRST END" image offsets of PATH's data blocks
# (extents not inline)
data_range() {
	"$DUMP" -e --path="$2" "$1" | awk '
		$1 ~ /^[0-9]+$/ && $NF !~ /inline/ && $NF ~ /mapped|encoded/ {
			if (first == "" || $4 < first) first = $4
			if ($4 + $5 > end) end = $4 + $5
		}
		END { if (first != "") print first, end }'
}

# check_layout IMG: a's inodes after a's data and before b's, b's after b's
check_layout() {
	local img=$1 f off range bstart bend
	read -r bstart bend < <(data_range "$img" /b/big)
	[ -n "$bstart" ] || fail "no data blocks for /b/big"
	for f in /a/f1 /a/f2 /a/f3; do
		off=$(inode_off "$img" "$f")
		range=$(data_range "$img" "$f")
		[ -n "$off" ] && [ -n "$range" ] || fail "$f: no inode offset or data"
		[ "$off" -ge "${range#* }" ] ||
			fail "$f: inode at $off, inside or before its data ($range)"
		[ "$off" -lt "$bstart" ] ||
			fail "$f: inode at $off, past the next directory's data ($bstart..$bend)"
	done
	for f in /b/big /b/small; do
		off=$(inode_off "$img" "$f")
		[ "$off" -ge "$bend" ] ||
			fail "$f: inode at $off, before its directory's data ($bstart..$bend)"
	done
	run "$DUMP" -s "$img"
	[[ $output == *"Filesystem root nid:"*" 1"* ]] || fail "root nid is not 1: $output"
}

@test "layout: uncompressed, a directory's inodes follow its files' data" {
	img=$BATS_TEST_TMPDIR/none.img
	"$MKFS" --quiet "$img" "$SRC"
	check_layout "$img"
	"$FSCK" "$img"
}

@test "layout: -zlz4hc, a directory's inodes follow its files' data" {
	img=$BATS_TEST_TMPDIR/lz4hc.img
	"$MKFS" --quiet -zlz4hc "$img" "$SRC"
	run "$DUMP" --path=/a/f1 "$img"
	[[ $output == *compressed* ]] || fail "a/f1 is not compressed: $output"
	check_layout "$img"
	"$FSCK" "$img"
}

@test "layout: a directory's blocks come between its files' data and their inodes" {
	img=$BATS_TEST_TMPDIR/none.img
	"$MKFS" --quiet "$img" "$SRC"
	local dstart dend f off range lo=-1 hi=0
	read -r dstart dend < <(data_range "$img" /c)
	[ -n "$dstart" ] || fail "/c has no directory blocks"
	for f in /c/file-with-a-rather-long-name-number-100 /c/file-with-a-rather-long-name-number-299; do
		off=$(inode_off "$img" "$f")
		range=$(data_range "$img" "$f")
		[ "${range#* }" -le "$dstart" ] ||
			fail "$f: data ($range) after its directory's blocks ($dstart..$dend)"
		[ "$off" -ge "$dend" ] ||
			fail "$f: inode at $off, before its directory's blocks ($dstart..$dend)"
	done
	"$FSCK" "$img"
}

@test "layout: the kernel reads such an image (mounted, compared)" {
	require_erofs_mount
	img=$BATS_TEST_TMPDIR/lz4hc.img
	"$MKFS" --quiet -zlz4hc "$img" "$SRC"
	mnt=$BATS_TEST_TMPDIR/mnt
	mount_image "$img" "$mnt"
	diff -r "$SRC" "$mnt"
}
