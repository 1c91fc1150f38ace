#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# fsck.erofs: checking sound images, the command line and exit codes.

load helpers/fsck_common

setup_file() {
	export SRC=$BATS_FILE_TMPDIR/src IMG=$BATS_FILE_TMPDIR/deb.img
	fsck_make_tree "$SRC"
	if [ -x "$DEB_MKFS" ]; then
		"$DEB_MKFS" -T 0 -U "$ZERO_UUID" "$IMG" "$SRC" >/dev/null 2>&1
	fi
}

@test "fsck passes an image made by Debian's mkfs.erofs" {
	need_deb_mkfs
	run "$FSCK" "$IMG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"clean"* ]]
	# every inode of the tree, each once: 6 dirs incl. the root
	nreg=$(find "$SRC" -type f | xargs stat -c %i | sort -u | wc -l)
	[[ "$output" == *"(6 directories, $nreg files,"* ]]
}

@test "fsck passes a Debian image with per-file mtimes (extended inodes)" {
	need_deb_mkfs
	"$DEB_MKFS" "$BATS_TEST_TMPDIR/x.img" "$SRC" >/dev/null 2>&1
	run "$FSCK" "$BATS_TEST_TMPDIR/x.img"
	[ "$status" -eq 0 ]
	[[ "$output" == *"clean"* ]]
}

@test "fsck passes a Debian chunk-based image" {
	need_deb_mkfs
	"$DEB_MKFS" --chunksize=4096 "$BATS_TEST_TMPDIR/c.img" "$SRC" >/dev/null 2>&1
	run "$DUMP" --path=/multi-block "$BATS_TEST_TMPDIR/c.img"
	[ "$status" -eq 0 ]
	[[ "$output" == *"chunk-based"* ]]
	run "$FSCK" "$BATS_TEST_TMPDIR/c.img"
	[ "$status" -eq 0 ]
	[[ "$output" == *"clean"* ]]
}

@test "fsck passes an image made by our mkfs.erofs" {
	our_mkfs -T 0 "$BATS_TEST_TMPDIR/o.img" "$SRC"
	run "$FSCK" "$BATS_TEST_TMPDIR/o.img"
	[ "$status" -eq 0 ]
	[[ "$output" == *"clean"* ]]
}

@test "fsck -p prints a 1.00 ratio for an uncompressed image" {
	need_deb_mkfs
	run "$FSCK" -p "$IMG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"compression ratio: 1.00"* ]]
}

@test "fsck --offset finds an image inside a larger file" {
	need_deb_mkfs
	head -c 8192 /dev/urandom > "$BATS_TEST_TMPDIR/wrapped"
	cat "$IMG" >> "$BATS_TEST_TMPDIR/wrapped"
	run "$FSCK" --offset=8192 "$BATS_TEST_TMPDIR/wrapped"
	[ "$status" -eq 0 ]
	run "$FSCK" "$BATS_TEST_TMPDIR/wrapped"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad magic"* ]]
}

@test "fsck --path and --nid check one subtree" {
	need_deb_mkfs
	run "$FSCK" --path=/dir/sub "$IMG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 inodes (2 directories, 2 files,"* ]]
	nid=$("$DUMP" --path=/dir/sub "$IMG" | sed -n 's/^NID: *//p')
	run "$FSCK" --nid="$nid" "$IMG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 inodes (2 directories, 2 files,"* ]]
	run "$FSCK" --path=/no/such "$IMG"
	[ "$status" -eq 2 ]
	[[ "$output" == *"/no/such: cannot look up: No such file or directory"* ]]
}

# An lz4 image of ours whose one compressed file claims algorithm id 5,
# which no EROFS reader knows (a listed one it cannot decode: codecs_read.bats).
foreign_alg_image() {
	mkdir "$BATS_TEST_TMPDIR/zsrc"
	seq 1 20000 > "$BATS_TEST_TMPDIR/zsrc/seq"
	our_mkfs "$BATS_TEST_TMPDIR/z.img" "$BATS_TEST_TMPDIR/zsrc" -zlz4
	read -r isize iloc < <("$DUMP" --path=/seq "$BATS_TEST_TMPDIR/z.img" |
		sed -n 's/^Inode: .*, \([0-9]*\) bytes at offset \([0-9]*\)$/\1 \2/p')
	[ -n "$iloc" ]
	# the map header follows the inode; its byte 6 is the algorithm
	printf '\x05' | dd of="$BATS_TEST_TMPDIR/z.img" bs=1 \
		seek=$((iloc + isize + 6)) conv=notrunc status=none
}

@test "fsck exits 3 on compressed data of an algorithm it cannot decode" {
	foreign_alg_image
	run "$FSCK" "$BATS_TEST_TMPDIR/z.img"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"unknown compression algorithm id 0x5"* ]]
}

@test "fsck: usage errors and unreadable images exit 2" {
	run "$FSCK"
	[ "$status" -eq 2 ]
	[[ "$output" == *"no IMAGE given"* ]]
	run "$FSCK" --bogus x
	[ "$status" -eq 2 ]
	run "$FSCK" "$BATS_TEST_TMPDIR/missing.img"
	[ "$status" -eq 2 ]
	[[ "$output" == "fsck.erofs: $BATS_TEST_TMPDIR/missing.img: cannot open: No such file or directory" ]]
	run "$FSCK" --nid=abc x
	[ "$status" -eq 2 ]
	[[ "$output" == *"--nid: not a number"* ]]
}

@test "fsck: -V, --help, -h and the ignored -a -A -y" {
	run "$FSCK" -V
	[ "$status" -eq 0 ]
	[[ "$output" == fsck.erofs* ]]
	run "$FSCK" --help
	[ "$status" -eq 0 ]
	for o in --extract --overwrite --xattrs --nid --path -p --no-sbcrc \
		 --offset -d; do
		[[ "$output" == *"$o"* ]]
	done
	run "$FSCK" -h
	[ "$status" -eq 0 ]
	[[ "$output" == *"Exit status"* ]]
	need_deb_mkfs
	run "$FSCK" -a -A -y "$IMG"
	[ "$status" -eq 0 ]
}

@test "fsck: -d 0 keeps errors and the exit status, drops warnings" {
	foreign_alg_image
	run "$FSCK" -d 0 "$BATS_TEST_TMPDIR/z.img"
	[ "$status" -eq 3 ]
	[[ "$output" == *"unknown compression algorithm id 0x5"* ]]
	[[ "$output" != *"warning:"* ]]
}

@test "man page documents every option --help lists" {
	man=$BATS_TEST_DIRNAME/../man/fsck.erofs.1
	[ -s "$man" ]
	run "$FSCK" --help
	[ "$status" -eq 0 ]
	opts=$(grep -o -- '--[a-z][a-z-]*' <<<"$output" | sort -u)
	[ "$(wc -l <<<"$opts")" -gt 10 ] || fail "--help lists too few options: $opts"
	for o in $opts; do
		[ "$o" = --help ] || [ "$o" = --usage ] || [ "$o" = --version ] && continue
		grep -q -- "${o//-/\\\\-}" "$man" || grep -q -- "$o" "$man" ||
			{ echo "missing $o"; return 1; }
	done
}
