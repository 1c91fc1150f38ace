#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Long xattr name prefixes and the name filter as erofs-utils 1.9.3 writes
# them (--xattr-prefix=, the filter on by default, plain prefix blocks,
# the table in the packed inode or, with -m, in the metabox):
# our fsck lists and extracts the full names, as the kernel shows them,
# and a filter bit that hides a present name is corruption.

load helpers/common

FSCK=$top_builddir/fsck/fsck.erofs
DUMP=$top_builddir/dump/dump.erofs

setup_file() {
	export XS="$BATS_FILE_TMPDIR/xs"
	mkdir -p "$XS/d"
	echo a > "$XS/f"
	echo b > "$XS/g"
	echo c > "$XS/d/h"
	setfattr -n user.myprefix.alpha -v 1 "$XS/f"
	setfattr -n user.myprefix.beta -v 2 "$XS/f"
	setfattr -n user.other -v 3 "$XS/f"
	setfattr -n trusted.overlay.opaque -v y "$XS/d"
	setfattr -n trusted.overlay.foo -v x "$XS/g"
	setfattr -n user.myprefix. -v empty-suffix "$XS/g"
	for i in $(seq 1 20); do setfattr -n "user.myprefix.n$i" -v "$i" "$XS/d/h"; done
	touch -d @1600000000 "$XS"/f "$XS"/g "$XS"/d/h "$XS"/d "$XS"
}

build_eu19() {
	IMG=$BATS_TEST_TMPDIR/img
	require_eu19
	run "$EU19_MKFS" "$@" "$IMG" "$XS"
	[ "$status" = 0 ] || fail "1.9.3 mkfs.erofs $*: $output"
}

@test "eu19 xattrs: long prefixes come back whole, as the kernel shows them" {
	local o out=$BATS_TEST_TMPDIR/out mnt=$BATS_TEST_TMPDIR/mnt
	for o in "--xattr-prefix=user.myprefix. --xattr-prefix=trusted.overlay." \
		 "--xattr-prefix=user.myprefix. -Exattr-name-filter -b512" \
		 "-zlz4hc -Efragments --xattr-prefix=user.myprefix." \
		 "-zlz4 -m4096 --xattr-prefix=user.myprefix. --xattr-prefix=trusted.overlay."; do
		# shellcheck disable=SC2086
		build_eu19 $o
		run "$DUMP" -s "$IMG"
		[[ "$output" == *xattr_prefixes* ]] || fail "$o: no long prefixes: $output"
		rm -rf "$out"
		run "$FSCK" --xattrs --extract="$out" "$IMG"
		echo "$output"
		[ "$status" = 0 ] || fail "$o: fsck exit $status"
		treecmp_ok --no-owner --no-dir-mtime "$XS" "$out"
		[ "$(getfattr --only-values -n user.myprefix.n17 "$out/d/h")" = 17 ]
		if is_root && [ -e /dev/loop-control ] && grep -qw erofs /proc/filesystems; then
			mount_image "$IMG" "$mnt"
			treecmp_ok --no-dir-mtime "$mnt" "$out"
			umount_image "$mnt"
		fi
	done
}

@test "eu19 xattrs: a name filter bit hiding a present name is corruption" {
	local isize iloc
	build_eu19 --xattr-prefix=user.myprefix.
	run "$DUMP" -s "$IMG"
	[[ "$output" == *xattr_filter* ]]
	read -r isize iloc < <("$DUMP" --path=/f "$IMG" |
		sed -n 's/^Inode: .*, \([0-9]*\) bytes at offset \([0-9]*\)$/\1 \2/p')
	[ -n "$iloc" ]
	# h_name_filter opens the inline body: every bit set says "none here"
	printf '\xff\xff\xff\xff' | dd of="$IMG" bs=1 seek=$((iloc + isize)) \
		conv=notrunc status=none
	# a small image keeps its inodes in the checksummed superblock block
	run "$FSCK" --no-sbcrc "$IMG"
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == *"nid "*"name filter marks a present attribute absent (offset $((iloc + isize)))"* ]]
}
