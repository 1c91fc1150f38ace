#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Our images checked by somebody else's code: Debian's erofs-utils 1.5
# (fsck.erofs, dump.erofs) and the kernel driver.
#
# The tree for the erofs-utils checks is generated with --no-longname:
# Debian's mkfs.erofs 1.5 fails on 255-byte file names, which are legal
# (EROFS_NAME_LEN is 255), and two tests build the same tree with it.  Its
# fsck.erofs reads them: the last test checks our image with one.
# erofs-utils 1.5 also only handles the page-size block size (4096 here);
# for smaller blocks its refusal is recorded and the kernel decides.

load helpers/common

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	gentree "$SRC" --no-longname
}

setup() {
	require_mkfs
	[ -x "$DEB_FSCK" ] || skip "Debian erofs-utils not installed ($DEB_FSCK)"
	IMG=$BATS_TEST_TMPDIR/img
}

# deb_fsck IMG: run 1.5's fsck with full file traversal (--extract without
# a directory decodes every file).  Sets $status/$output.
deb_fsck() {
	run "$DEB_FSCK" --extract "$1"
	echo "fsck.erofs 1.5 (exit $status): $output"
}

@test "peers: Debian fsck.erofs 1.5 finds no error (-b 4096)" {
	"$MKFS" --quiet -b 4096 "$IMG" "$SRC"
	deb_fsck "$IMG"
	[ "$status" = 0 ]
	[[ $output != *"<E>"* ]]
}

@test "peers: Debian fsck.erofs 1.5 with fixed -T/-U, --all-root, --mkfs-time" {
	"$MKFS" --quiet -T 1700000000 --mkfs-time -U 0f0e0d0c-0b0a-0908-0706-050403020100 --all-root "$IMG" "$SRC"
	deb_fsck "$IMG"
	[ "$status" = 0 ]
	[[ $output != *"<E>"* ]]
}

@test "peers: Debian fsck.erofs 1.5 extracts our image like its own" {
	[ -x "$DEB_MKFS" ] || skip "no $DEB_MKFS"
	"$MKFS" --quiet "$IMG" "$SRC"
	"$DEB_MKFS" --quiet --preserve-mtime --chunksize=4096 "$BATS_TEST_TMPDIR/deb.img" "$SRC"
	run "$DEB_FSCK" --extract="$BATS_TEST_TMPDIR/ours" "$IMG"
	echo "$output"
	[ "$status" = 0 ]
	run "$DEB_FSCK" --extract="$BATS_TEST_TMPDIR/theirs" "$BATS_TEST_TMPDIR/deb.img"
	[ "$status" = 0 ]
	# 1.5's extraction loses hard links, mtimes and setuid bits whatever
	# the image, so compare its output for our image with its output for
	# its own image of the same tree, not with the source.
	# sparse/ is left out: our sparse files are chunked with the 4-byte
	# block map (no EROFS_CHUNK_FORMAT_INDEXES), a legal layout the kernel
	# reads correctly (see mkfs_roundtrip.bats), which 1.5's --extract
	# truncates (e.g. a 4 MiB file comes out as 16 KiB), while its own
	# images use chunk indexes.  The kernel decides there.
	treecmp_ok --no-mtime --skip sparse "$BATS_TEST_TMPDIR/theirs" "$BATS_TEST_TMPDIR/ours"
}

@test "peers: -b 512 image: Debian fsck.erofs 1.5 or else the kernel" {
	"$MKFS" --quiet -b 512 "$IMG" "$SRC"
	deb_fsck "$IMG"
	if [ "$status" != 0 ] && [[ $output == *"blksize 512 isn't supported"* ]]; then
		# 1.5 predates sub-page block sizes: a legitimate refusal of
		# something newer.  The kernel (6.x) mounts such images.
		echo "# Debian fsck.erofs 1.5 does not support 512-byte blocks; the kernel decides" >&3
		require_erofs_mount
		mount_image "$IMG" "$BATS_TEST_TMPDIR/mnt"
		treecmp_ok "$SRC" "$BATS_TEST_TMPDIR/mnt"
	else
		[ "$status" = 0 ]
		[[ $output != *"<E>"* ]]
	fi
}

@test "peers: Debian dump.erofs 1.5 reads our superblock: inode count, UUID, block count" {
	[ -x "$DEB_DUMP" ] || skip "no $DEB_DUMP"
	"$MKFS" --quiet -U 12345678-9abc-def0-1234-56789abcdef0 "$IMG" "$SRC"
	run "$DEB_DUMP" -s "$IMG"
	echo "$output"
	[ "$status" = 0 ]
	# one inode per distinct source inode (hard links share one)
	want=$(find "$SRC" -printf '%i\n' | sort -u | wc -l)
	grep -E "^Filesystem inode count: +$want\$" <<<"$output"
	grep -E '^Filesystem UUID: +12345678-9abc-def0-1234-56789abcdef0$' <<<"$output"
	blocks=$(sed -n 's/^Filesystem blocks: *//p' <<<"$output")
	[ "$((blocks * 4096))" = "$(stat -c %s "$IMG")" ]
}

@test "peers: our image and Debian mkfs.erofs 1.5's image mount to the same tree" {
	require_erofs_mount
	[ -x "$DEB_MKFS" ] || skip "no $DEB_MKFS"
	"$MKFS" --quiet "$IMG" "$SRC"
	"$DEB_MKFS" --quiet --preserve-mtime --chunksize=4096 "$BATS_TEST_TMPDIR/deb.img" "$SRC"
	mount_image "$IMG" "$BATS_TEST_TMPDIR/ours"
	mount_image "$BATS_TEST_TMPDIR/deb.img" "$BATS_TEST_TMPDIR/theirs"
	treecmp_ok "$BATS_TEST_TMPDIR/theirs" "$BATS_TEST_TMPDIR/ours"
}

@test "peers: 255-byte names: Debian fsck.erofs 1.5 and the kernel" {
	gentree "$BATS_TEST_TMPDIR/long" --no-huge
	"$MKFS" --quiet "$IMG" "$BATS_TEST_TMPDIR/long"
	deb_fsck "$IMG"
	[ "$status" = 0 ]
	[[ $output != *"<E>"* ]] || fail "Debian fsck.erofs 1.5 reports an error"
	require_erofs_mount
	mount_image "$IMG" "$BATS_TEST_TMPDIR/mnt"
	treecmp_ok "$BATS_TEST_TMPDIR/long" "$BATS_TEST_TMPDIR/mnt"
}
