#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# fsck.erofs --compare=IMAGE2: two images of one tree compare clean however
# differently they are laid out and compressed (contents by decoded bytes);
# each difference planted in a copy of the tree is named with its path and
# kind, from either side, as text and as JSON.

load helpers/common
load helpers/fsck_common
bats_require_minimum_version 1.5.0

setup_file() {
	export SRC=$BATS_FILE_TMPDIR/src IMG=$BATS_FILE_TMPDIR/img
	fsck_make_tree "$SRC"
	setfattr -n user.colour -v blue "$SRC/small"
	# a hole in the image against bytes in the other
	truncate -s 1M "$SRC/sparse"
	touch -d '2021-03-04 05:06:07.123456789' "$SRC/sparse"
	touch -d '2020-01-02 03:04:05.987654321' "$SRC"
	setfattr -n trusted.big -v "$(printf "b%.0s" $(seq 600))" "$SRC/multi-block"
	"$OUR_MKFS" -T 0 --mkfs-time -z lz4 -C 16384 "$IMG" "$SRC" >/dev/null 2>&1
}

# has_diff PATH KIND [DETAIL]: $output holds "PATH: KIND: DETAIL..."
has_diff() {
	grep -q -F -- "$1: $2: ${3:-}" <<<"$output" ||
		fail "no '$1: $2: ${3:-}' line in: $output"
}

@test "compare image: lz4 and lzma images of one tree compare clean" {
	local a=$IMG b=$BATS_TEST_TMPDIR/b.img
	if grep -q '^#define HAVE_LIBLZMA 1' "$top_builddir/config.h"; then
		"$OUR_MKFS" -T 0 --mkfs-time -z lzma -E ztailpacking -b 512 "$b" "$SRC" >/dev/null 2>&1
	else
		a=$BATS_TEST_TMPDIR/a.img
		"$OUR_MKFS" -T 0 --mkfs-time -z lz4hc -C 65536 "$a" "$SRC" >/dev/null 2>&1
		"$OUR_MKFS" -T 0 --mkfs-time -b 512 "$b" "$SRC" >/dev/null 2>&1
	fi
	[ "$(stat -c %s "$b")" != "$(stat -c %s "$a")" ]
	run "$FSCK" --compare="$b" "$a"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "$a: clean, identical to $b" ]
	run "$FSCK" --compare="$a" --json "$b"
	[ "$status" -eq 0 ]
	python3 - "$output" <<-'EOF'
	import json, sys
	doc = json.loads(sys.argv[1])
	assert doc["differences"] == [], doc
	assert doc["verdict"] == "clean" and doc["difference_count"] == 0, doc
	EOF
	# a subtree against the same subtree
	run "$FSCK" --compare="$b" --path=/dir "$a"
	[ "$status" -eq 0 ]
}

@test "compare image: every planted difference is named, from either side" {
	is_root || skip_required root "needs root for owners and device numbers"
	local copy=$BATS_TEST_TMPDIR/copy other=$BATS_TEST_TMPDIR/other.img
	cp -a "$SRC" "$copy"
	printf 'X' | dd of="$copy/multi-block" bs=1 seek=300000 conv=notrunc 2>/dev/null
	printf 'Y' | dd of="$copy/sparse" bs=1 seek=500000 conv=notrunc 2>/dev/null
	chmod 0640 "$copy/blocks-and-tail"
	chown 99:99 "$copy/one-block"
	chmod 4755 "$copy/one-block"
	touch -d '2021-03-04 05:06:07.123456788' "$copy/zeros"
	printf 'x' >> "$copy/dir/sub/deeper/file"
	ln -sfn other-target "$copy/symlink"
	setfattr -n user.colour -v red "$copy/small"
	setfattr -n trusted.big -v "$(printf "c%.0s" $(seq 600))" "$copy/multi-block"
	printf 'new\n' > "$copy/added"
	rm "$copy/fifo"
	rm "$copy/dangling"
	printf 'now a file\n' > "$copy/dangling"
	rm "$copy/chardev"
	mknod "$copy/chardev" c 1 5
	rm "$copy/dir/sub/another-link"
	cp -p "$copy/small" "$copy/dir/sub/another-link"
	chown -h 42:43 "$copy/symlink"
	touch -h -d '1999-12-31 23:59:59.5' "$copy/symlink"
	(cd "$copy" && touch -d '2021-03-04 05:06:07.123456789' multi-block \
		dir/sub/deeper/file dangling chardev sparse)
	find "$copy" -depth -type d -exec touch -d '2020-01-02 03:04:05.987654321' {} +
	"$OUR_MKFS" -T 0 --mkfs-time "$other" "$copy" >/dev/null 2>&1

	run "$FSCK" --compare="$other" "$IMG"
	echo "$output"
	[ "$status" -eq 4 ]
	has_diff /multi-block content "first difference at byte 300000"
	has_diff /sparse content "first difference at byte 500000"
	has_diff /blocks-and-tail mode "0640 in the other image, 0644 in the image"
	has_diff /one-block owner "99:99 in the other image, 0:0 in the image"
	has_diff /zeros mtime "1614834367.123456788 in the other image, 1614834367.123456789 in the image"
	has_diff /dir/sub/deeper/file size "6 bytes in the other image, 5 in the image"
	has_diff /symlink symlink '"other-target" in the other image, "small" in the image'
	# /small's inode is first met as /dir/hardlink-to-small
	has_diff /dir/hardlink-to-small xattr "user.colour: value differs (3 bytes in the other image, 4 in the image)"
	has_diff /multi-block xattr "trusted.big: value differs (600 bytes in the other image, 600 in the image)"
	has_diff /added missing "regular file in the other image, not in the image"
	has_diff /fifo extra "fifo in the image, not in the other image"
	has_diff /dangling type "regular file in the other image, symlink in the image"
	has_diff /chardev rdev "1:5 in the other image, 1:3 in the image"
	has_diff /dir/sub/another-link hardlink "one inode with /dir/hardlink-to-small in the image, separate files in the other image"
	[[ "$output" == *"$IMG: sound, but differs from $other: differences found: 14"* ]]

	# the other way round: missing and extra swap, hardlinks seen from there
	run "$FSCK" --compare="$IMG" "$other"
	echo "$output"
	[ "$status" -eq 4 ]
	has_diff /added extra "regular file in the image, not in the other image"
	has_diff /fifo missing "fifo in the other image, not in the image"
	has_diff /dir/sub/another-link hardlink "one file with /dir/hardlink-to-small in the other image, separate inodes in the image"
	has_diff /chardev rdev "1:3 in the other image, 1:5 in the image"
	has_diff /sparse content "first difference at byte 500000"

	# the same findings as one JSON document
	run "$FSCK" --compare="$other" --json "$IMG"
	[ "$status" -eq 4 ]
	python3 - "$output" "$other" <<-'EOF'
	import json, sys
	doc = json.loads(sys.argv[1])
	assert doc["source"] == sys.argv[2], doc
	assert doc["verdict"] == "differs" and doc["exit_code"] == 4, doc
	got = {(d["path"], d["kind"]) for d in doc["differences"]}
	want = {("/multi-block", "content"), ("/sparse", "content"), ("/blocks-and-tail", "mode"),
	        ("/one-block", "owner"), ("/zeros", "mtime"),
	        ("/dir/sub/deeper/file", "size"), ("/symlink", "symlink"),
	        ("/dir/hardlink-to-small", "xattr"), ("/multi-block", "xattr"),
	        ("/added", "missing"), ("/fifo", "extra"), ("/dangling", "type"),
	        ("/chardev", "rdev"), ("/dir/sub/another-link", "hardlink")}
	assert got == want, (got ^ want)
	assert doc["difference_count"] == len(doc["differences"]) == 14, doc
	EOF
}

@test "compare image: a file that is no image is a directory, a bad IMAGE2 exit 2" {
	local d=$BATS_TEST_TMPDIR
	printf 'not an image\n' > "$d/plain"
	run "$FSCK" --compare="$d/plain" "$IMG"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "fsck.erofs: $d/plain: not a directory" ]
	run "$FSCK" --compare="$IMG" -T 0 "$IMG"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "fsck.erofs: --compare=IMAGE2 takes neither mapping options nor --nid" ]
	# --path is looked up in both
	"$OUR_MKFS" "$d/sub.img" "$SRC/dir" >/dev/null 2>&1
	run "$FSCK" --compare="$d/sub.img" --path=/many "$IMG"
	[ "$status" -eq 2 ]
	[ "$output" = "fsck.erofs: $d/sub.img: /many: cannot look up: No such file or directory" ]
	head -c 4096 "$IMG" > "$d/short.img"
	run "$FSCK" --compare="$d/short.img" "$IMG"
	[ "$status" -eq 2 ]
	[[ "$output" == *"fsck.erofs: $d/short.img: superblock rejected"* ]]
}

@test "compare image: an IMAGE2 whose data lies on a device it lacks is refused" {
	require_eu19
	local d=$BATS_TEST_TMPDIR
	"$EU19_MKFS" --chunksize=8192 --blobdev="$d/blob" "$d/b.img" "$SRC/dir" >/dev/null 2>&1
	"$OUR_MKFS" "$d/a.img" "$SRC/dir" >/dev/null 2>&1
	run "$FSCK" --compare="$d/b.img" "$d/a.img"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"fsck.erofs: $d/b.img: cannot compare: its file data lies on device 1"*", which is not in its file"* ]]
}

@test "compare image: an erofs-utils 1.9.3 image with fragments and dedupe compares clean" {
	require_eu19
	local d=$BATS_TEST_TMPDIR
	"$EU19_MKFS" -T0 --all-time -zlz4hc -C65536 -Efragments,dedupe,ztailpacking "$d/eu.img" "$SRC" >/dev/null 2>&1
	"$OUR_MKFS" -T 0 "$d/ours.img" "$SRC" >/dev/null 2>&1
	run "$FSCK" --compare="$d/ours.img" "$d/eu.img"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *", 1 packed), "* ]]
	run "$FSCK" --compare="$d/eu.img" "$d/ours.img"
	[ "$status" -eq 0 ]
}
