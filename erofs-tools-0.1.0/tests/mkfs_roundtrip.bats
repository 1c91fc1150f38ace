#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Build images of hostile trees with our mkfs.erofs, loop-mount them with
# the kernel driver and compare the mounted tree with the source: types,
# modes, owners, sizes, contents, symlink targets, device numbers, mtimes
# to the nanosecond (directories included), hard-link groups and nlink.

load helpers/common

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	gentree "$SRC"              # everything, 5 GiB sparse file included
}

# roundtrip [MKFS OPTIONS]: build, mount, compare with $SRC.
roundtrip() {
	local img=$BATS_TEST_TMPDIR/img mnt=$BATS_TEST_TMPDIR/mnt
	require_mkfs
	require_erofs_mount
	run "$MKFS" --quiet "$@" "$img" "$SRC"
	echo "$output"
	[ "$status" = 0 ] || fail "mkfs.erofs $* failed"
	mount_image "$img" "$mnt"
	treecmp_ok "$SRC" "$mnt"
	# no inode is number 0, which readdir callers would skip: . and .. show
	[ "$(stat -c %i "$mnt")" != 0 ]
	[ "$(ls -a "$mnt" | head -2 | tr '\n' ' ')" = ". .. " ]
	[ "$(ls -a "$mnt/hard" | head -2 | tr '\n' ' ')" = ". .. " ]
}

@test "roundtrip: hostile tree, default block size" {
	roundtrip
	[ "$(blkid -o value -s BLOCK_SIZE "$BATS_TEST_TMPDIR/img")" = 4096 ]
}

@test "roundtrip: hostile tree, -b 4096" {
	roundtrip -b 4096
}

@test "roundtrip: hostile tree, -b 512" {
	roundtrip -b 512
	[ "$(blkid -o value -s BLOCK_SIZE "$BATS_TEST_TMPDIR/img")" = 512 ]
}

@test "roundtrip: hostile tree, -b 1024 and -b 2048" {
	roundtrip -b 1024
	umount_image "$BATS_TEST_TMPDIR/mnt"
	roundtrip -b 2048
}

@test "roundtrip: the 5 GiB sparse file reads back, holes and data" {
	roundtrip
	f=$BATS_TEST_TMPDIR/mnt/sparse/huge
	[ "$(stat -c %s "$f")" = $((5 * 1024 * 1024 * 1024)) ]
	# bytes around the 4 GiB line, through a separate read path
	cmp <(tail -c +$((4 * 1024 * 1024 * 1024 - 4100)) "$SRC/sparse/huge" | head -c 9000) \
	    <(tail -c +$((4 * 1024 * 1024 * 1024 - 4100)) "$f" | head -c 9000)
}

@test "roundtrip: an empty source directory" {
	require_mkfs
	require_erofs_mount
	e=$BATS_TEST_TMPDIR/empty
	mkdir "$e"
	chmod 0751 "$e"
	touch -d @1234567890.987654321 "$e"
	run "$MKFS" --quiet "$BATS_TEST_TMPDIR/img" "$e"
	echo "$output"
	[ "$status" = 0 ]
	mount_image "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/mnt"
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/mnt")" ]
	treecmp_ok "$e" "$BATS_TEST_TMPDIR/mnt"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/mnt")" = 751 ]
}

@test "roundtrip: empty source with -b 512" {
	require_mkfs
	require_erofs_mount
	e=$BATS_TEST_TMPDIR/empty
	mkdir "$e"
	run "$MKFS" --quiet -b 512 "$BATS_TEST_TMPDIR/img" "$e"
	[ "$status" = 0 ]
	mount_image "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/mnt"
	treecmp_ok "$e" "$BATS_TEST_TMPDIR/mnt"
}

@test "roundtrip: tree and image made by an unprivileged user, --all-root" {
	require_erofs_mount
	require_mkfs
	w=$(world_dir)
	mkdir "$w/t" "$w/out"
	chown 65534:65534 "$w/t" "$w/out"
	as_nobody "$GENTREE" --no-huge "$w/t"
	run as_nobody "$MKFS" --quiet --all-root "$w/out/img" "$w/t"
	echo "$output"
	[ "$status" = 0 ]
	[ "$(stat -c %u "$w/out/img")" = 65534 ]
	mount_image "$w/out/img" "$BATS_TEST_TMPDIR/mnt"
	treecmp_ok --no-owner "$w/t" "$BATS_TEST_TMPDIR/mnt"
	# every owner in the image is root
	[ "$(find "$BATS_TEST_TMPDIR/mnt" -printf '%U:%G\n' | sort -u)" = 0:0 ]
	# while the source really belonged to nobody
	[ "$(find "$w/t" -printf '%U:%G\n' | sort -u)" = 65534:65534 ]
}

@test "roundtrip: unprivileged build without --all-root keeps the user's ids" {
	require_erofs_mount
	require_mkfs
	w=$(world_dir)
	mkdir "$w/t" "$w/out"
	chown 65534:65534 "$w/t" "$w/out"
	as_nobody "$GENTREE" --small "$w/t"
	run as_nobody "$MKFS" --quiet "$w/out/img" "$w/t"
	[ "$status" = 0 ]
	mount_image "$w/out/img" "$BATS_TEST_TMPDIR/mnt"
	treecmp_ok "$w/t" "$BATS_TEST_TMPDIR/mnt"
}
