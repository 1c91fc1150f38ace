#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# erofs-utils 1.9.3's spellings of mkfs.erofs options, with its meanings
# (mkfs/main.c there): the -E list with ^, nosbcrc, force-inode-compact and
# -extended, xattr-name-filter, --root-xattr-isize, --offset, --dsunit,
# --hard-dereference and the accepted-only ones; each image read back by
# our fsck and dump and by the kernel.

load helpers/common

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	mkdir -p "$SRC/d"
	seq 1 30000 >"$SRC/d/big"
	echo small >"$SRC/small"
	ln "$SRC/d/big" "$SRC/d/big.link"
	setfattr -n user.k -v v "$SRC/small" 2>/dev/null || true
	touch -d @1500000000 "$SRC/small" "$SRC/d/big"
}

setup() {
	require_mkfs
	IMG=$BATS_TEST_TMPDIR/img
	MNT=$BATS_TEST_TMPDIR/mnt
}

# field LABEL: the value of dump -s's "Filesystem LABEL:" line in $output
field() { sed -n "s|^Filesystem $1: *||p" <<<"$output" | sed 's/[[:space:]]*$//'; }

@test "spellings: -E takes a list, ^ undoes an option, unknown ones fail in one line" {
	"$MKFS" --quiet -T 0 -U clear -Eztailpacking,^ztailpacking -zlz4 "$IMG" "$SRC"
	"$MKFS" --quiet -T 0 -U clear -zlz4 "$IMG.plain" "$SRC"
	cmp "$IMG" "$IMG.plain"
	mkfs_must_fail_usage "$IMG.x" -Ebogus "$IMG.x" "$SRC"
	[[ $mkfs_err == *"unknown extended option 'bogus'"* ]]
	mkfs_must_fail_usage "$IMG.x" -Enosbcrc=1 "$IMG.x" "$SRC"
	[[ $mkfs_err == *"-E nosbcrc takes no value"* ]]
}

@test "spellings: -Enosbcrc leaves the checksum and its feature out; fsck, erofs-utils and the kernel read it" {
	"$MKFS" --quiet -Enosbcrc "$IMG" "$SRC"
	run "$DUMP" -s "$IMG"
	[ "$status" = 0 ]
	[ "$(field checksum)" = "0x00000000 (not used)" ]
	[[ "$(field 'compatible features')" != *sb_csum* ]]
	run "$FSCK" "$IMG"
	[ "$status" = 0 ]
	if [ -x "$EU19_FSCK" ]; then
		"$EU19_FSCK" "$IMG"
	fi
	require_erofs_mount
	mount_image "$IMG" "$MNT"
	treecmp_ok --no-xattr "$SRC" "$MNT"
}

@test "spellings: -Eforce-inode-extended and -Eforce-inode-compact (mtime then is the build time)" {
	"$MKFS" --quiet -T 100 --mkfs-time -Eforce-inode-extended "$IMG" "$SRC"
	run "$DUMP" --path=/small "$IMG"
	[[ $output == *"Inode:                  extended"* ]]
	"$MKFS" --quiet -Eforce-inode-compact "$IMG.c" "$SRC"
	run "$DUMP" --path=/small "$IMG.c"
	[[ $output == *"Inode:                  compact"* ]]
	run "$DUMP" --path=/d/big "$IMG.c"
	[[ $output == *"Inode:                  compact"* ]]
	require_erofs_mount
	mount_image "$IMG" "$MNT"
	[ "$(stat -c %Y "$MNT/small")" = 1500000000 ]
	mount_image "$IMG.c" "$MNT.c"
	[ "$(stat -c %Y "$MNT.c/small")" = "$(stat -c %Y "$MNT.c/d/big")" ]
	[ "$(stat -c %Y "$MNT.c/small")" != 1500000000 ]
}

@test "spellings: -E^xattr-name-filter builds without the filter; --root-xattr-isize pads the root's body" {
	getfattr -n user.k "$SRC/small" >/dev/null 2>&1 || skip_required xattr "the source filesystem holds no user.* attributes"
	"$MKFS" --quiet -E^xattr-name-filter --root-xattr-isize=256 "$IMG" "$SRC"
	run "$DUMP" -s "$IMG"
	[[ "$(field 'compatible features')" != *xattr_filter* ]]
	run "$DUMP" --path=/ "$IMG"
	[[ $output == *"Xattrs:                 256 bytes inline body"* ]]
	run "$FSCK" "$IMG"
	[ "$status" = 0 ] || fail "fsck: $output"
	"$MKFS" --quiet "$IMG.f" "$SRC"
	run "$DUMP" -s "$IMG.f"
	[[ "$(field 'compatible features')" == *xattr_filter* ]]
	require_erofs_mount
	mount_image "$IMG" "$MNT"
	[ "$(getfattr --only-values -n user.k "$MNT/small")" = v ]
	[ -z "$(getfattr -d -m - "$MNT" 2>/dev/null)" ]
	treecmp_ok "$SRC" "$MNT"
}

@test "spellings: --offset=N puts the image N bytes into DEST; fsck, dump and the kernel find it there" {
	"$MKFS" --quiet -T 0 -U clear "$IMG.0" "$SRC"
	"$MKFS" --quiet -T 0 -U clear --offset=65536 "$IMG" "$SRC"
	[ "$(stat -c %s "$IMG")" = $(($(stat -c %s "$IMG.0") + 65536)) ]
	cmp <(tail -c +65537 "$IMG") "$IMG.0"
	[ "$(head -c 65536 "$IMG" | tr -d '\0' | wc -c)" = 0 ]
	"$FSCK" --offset=65536 "$IMG"
	require_erofs_mount
	mkdir -p "$MNT"
	loop=$(losetup -f --show -o 65536 -r "$IMG")
	mount -t erofs -o ro "$loop" "$MNT" || { losetup -d "$loop"; fail "mount at offset"; }
	printf '%s\n' "$MNT" >>"$BATS_TEST_TMPDIR/.mounts"
	treecmp_ok --no-mtime "$SRC" "$MNT"
	umount "$MNT"
	losetup -d "$loop"
}

@test "spellings: --dsunit=N starts every file's data at a multiple of N blocks" {
	"$MKFS" --quiet --dsunit=8 "$IMG" "$SRC"
	run "$DUMP" --path=/d/big "$IMG"
	first=$(sed -n 's/^Data blocks: *\([0-9]*\)\.\..*/\1/p' <<<"$output")
	[ -n "$first" ] && [ $((first % 8)) = 0 ] || fail "data at block '$first': $output"
	"$FSCK" "$IMG"
	require_erofs_mount
	mount_image "$IMG" "$MNT"
	treecmp_ok --no-xattr "$SRC" "$MNT"
}

@test "spellings: --hard-dereference makes each path its own inode; accepted-only options change nothing" {
	"$MKFS" --quiet -T 0 -U clear --hard-dereference "$IMG" "$SRC"
	"$MKFS" --quiet -T 0 -U clear --async-queue-limit=4 --sort=path --product-out=/nonexistent "$IMG.a" "$SRC"
	"$MKFS" --quiet -T 0 -U clear "$IMG.b" "$SRC"
	cmp "$IMG.a" "$IMG.b"
	mkfs_must_fail_usage "$IMG.x" --sort=size "$IMG.x" "$SRC"
	run "$MKFS" --help
	for s in -b# --offset --dsunit --hard-dereference --root-xattr-isize --fs-config-file \
		 --block-list-file --product-out --mount-point --sort --async-queue-limit nosbcrc \
		 force-inode-compact xattr-name-filter; do
		[[ $output == *"$s"* ]] || fail "--help does not mention $s"
	done
	require_erofs_mount
	mount_image "$IMG" "$MNT"
	[ "$(stat -c %h "$MNT/d/big")" = 1 ]
	[ "$(stat -c %i "$MNT/d/big")" != "$(stat -c %i "$MNT/d/big.link")" ]
	cmp "$SRC/d/big" "$MNT/d/big.link"
}
