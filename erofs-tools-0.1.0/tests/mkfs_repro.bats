#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Reproducibility and timestamps: same tree + same -T/-U gives the same
# bytes whatever the location, the filesystem and the readdir order;
# SOURCE_DATE_EPOCH, -T, --mkfs-time, --ignore-mtime.

load helpers/common

UUID=5a5a5a5a-1234-4321-8888-0123456789ab

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	gentree "$SRC" --no-huge
}

setup() {
	require_mkfs
	export TZ=UTC
}

# build IMG DIR [OPTIONS]
build() {
	local img=$1 dir=$2
	shift 2
	run "$MKFS" --quiet "$@" "$img" "$dir"
	echo "$output"
	[ "$status" = 0 ] || fail "mkfs.erofs $* $img $dir failed"
}

# copy_reversed SRC DST: the same tree, every entry created in reverse
# name order (hard links, holes and xattrs kept), so readdir order differs
# wherever the filesystem returns entries in creation order.
copy_reversed() {
	local src=$1 dst=$2
	mkdir "$dst"
	(cd "$src" && find . -mindepth 1 ! -type s -print0 | LC_ALL=C sort -rz |
		tar --format=posix --sparse --xattrs --xattrs-include='*' --acls \
			--null --no-recursion -T - -cf -) 2>/dev/null |
		tar --warning=no-timestamp --xattrs --xattrs-include='*' --acls \
			-xpf - --same-owner -C "$dst"
	# tar does not carry sockets: recreate them, then restore the
	# parents' mtimes
	(cd "$src" && find . -type s -print0) | while IFS= read -r -d '' s; do
		cp -a "$src/$s" "$dst/$s"
		touch -h -r "$src/$(dirname "$s")" "$dst/$(dirname "$s")"
	done
	# nor hard links between non-regular files (FIFOs, devices, symlinks)
	local -A first=()
	local ino path
	while IFS=' ' read -r -d '' ino path; do
		if [ -n "${first[$ino]:-}" ]; then
			ln -f "$dst/${first[$ino]}" "$dst/$path"
			touch -h -r "$src/$(dirname "$path")" "$dst/$(dirname "$path")"
		else
			first[$ino]=$path
		fi
	done < <(cd "$src" && find . ! -type d ! -type f -links +1 -printf '%i %P\0')
	chmod --reference="$src" "$dst"
	touch -h -r "$src" "$dst"
	# holes must stay holes, or the copy is not the same input for mkfs
	[ "$(stat -c %b "$dst/sparse/hole_only")" = 0 ] || fail "copy lost the holes"
}

@test "repro: two builds with -T and -U are byte-identical" {
	build "$BATS_TEST_TMPDIR/1.img" "$SRC" -T 1700000000 -U $UUID
	build "$BATS_TEST_TMPDIR/2.img" "$SRC" -T 1700000000 -U $UUID
	cmp "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/2.img"
}

@test "repro: directories read by one thread or eight give the same image" {
	build "$BATS_TEST_TMPDIR/1.img" "$SRC" -T 1700000000 -U $UUID --workers=1
	build "$BATS_TEST_TMPDIR/8.img" "$SRC" -T 1700000000 -U $UUID --workers=8
	cmp "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/8.img"
}

# A tmpfs lists entries newest first while ext4 lists them in name-hash
# order, so a copy there really changes the readdir order mkfs sees.
mount_tmpfs() {
	require_root "to mount a tmpfs"
	mkdir -p "$1"
	mount -t tmpfs -o size=64m tmpfs "$1"
	printf '%s\n' "$1" >>"$BATS_TEST_TMPDIR/.mounts"
}

# order_differs A B: some directory lists in a different order
order_differs() {
	local d
	for d in files names hard modes; do
		[ "$(ls -U "$1/$d")" != "$(ls -U "$2/$d")" ] && return 0
	done
	fail "readdir order is the same in $1 and $2; the test would prove nothing"
}

@test "repro: the same tree elsewhere, created in reverse order, gives the same image" {
	mount_tmpfs "$BATS_TEST_TMPDIR/tmpfs"
	other=$BATS_TEST_TMPDIR/tmpfs/some/where/else/tree
	mkdir -p "$(dirname "$other")"
	copy_reversed "$SRC" "$other"
	treecmp_ok "$SRC" "$other"
	order_differs "$SRC" "$other"
	build "$BATS_TEST_TMPDIR/1.img" "$SRC" -T 1700000000 -U $UUID
	build "$BATS_TEST_TMPDIR/2.img" "$other" -T 1700000000 -U $UUID
	cmp "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/2.img"
}

@test "repro: a cp -a copy on tmpfs (other filesystem, order and inode numbers)" {
	mount_tmpfs "$BATS_TEST_TMPDIR/tmpfs"
	cp -a "$SRC" "$BATS_TEST_TMPDIR/tmpfs/t"
	treecmp_ok "$SRC" "$BATS_TEST_TMPDIR/tmpfs/t"
	order_differs "$SRC" "$BATS_TEST_TMPDIR/tmpfs/t"
	build "$BATS_TEST_TMPDIR/1.img" "$SRC" -T 1700000000 -U $UUID
	build "$BATS_TEST_TMPDIR/2.img" "$BATS_TEST_TMPDIR/tmpfs/t" -T 1700000000 -U $UUID
	cmp "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/2.img"
}

@test "repro: a reverse-created copy on the same filesystem" {
	copy_reversed "$SRC" "$BATS_TEST_TMPDIR/rev"
	treecmp_ok "$SRC" "$BATS_TEST_TMPDIR/rev"
	build "$BATS_TEST_TMPDIR/1.img" "$SRC" -T 1700000000 -U $UUID
	build "$BATS_TEST_TMPDIR/2.img" "$BATS_TEST_TMPDIR/rev" -T 1700000000 -U $UUID
	cmp "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/2.img"
}

@test "repro: --mkfs-time keeps per-file mtimes and is still reproducible" {
	build "$BATS_TEST_TMPDIR/1.img" "$SRC" -T 1700000000 --mkfs-time -U $UUID
	copy_reversed "$SRC" "$BATS_TEST_TMPDIR/rev"
	build "$BATS_TEST_TMPDIR/2.img" "$BATS_TEST_TMPDIR/rev" -T 1700000000 --mkfs-time -U $UUID
	cmp "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/2.img"
}

@test "repro: the UUID is part of the image; -U random differs" {
	build "$BATS_TEST_TMPDIR/1.img" "$SRC" -T 1700000000 -U $UUID
	build "$BATS_TEST_TMPDIR/2.img" "$SRC" -T 1700000000 -U 5a5a5a5a-1234-4321-8888-0123456789ac
	if cmp -s "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/2.img"; then
		fail "two -U values gave the same image"
	fi
	build "$BATS_TEST_TMPDIR/3.img" "$SRC" -T 1700000000 -U random
	build "$BATS_TEST_TMPDIR/4.img" "$SRC" -T 1700000000 -U random
	if cmp -s "$BATS_TEST_TMPDIR/3.img" "$BATS_TEST_TMPDIR/4.img"; then
		fail "two -U random builds gave the same image"
	fi
}

@test "repro: -T differs => image differs (the time is really recorded)" {
	build "$BATS_TEST_TMPDIR/1.img" "$SRC" -T 1700000000 -U $UUID
	build "$BATS_TEST_TMPDIR/2.img" "$SRC" -T 1700000001 -U $UUID
	if cmp -s "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/2.img"; then
		fail "two -T values gave the same image"
	fi
}

@test "repro: SOURCE_DATE_EPOCH alone makes builds reproducible (with -U)" {
	SOURCE_DATE_EPOCH=1500000000 build "$BATS_TEST_TMPDIR/1.img" "$SRC" -U $UUID
	sleep 1.1
	copy_reversed "$SRC" "$BATS_TEST_TMPDIR/rev"
	SOURCE_DATE_EPOCH=1500000000 build "$BATS_TEST_TMPDIR/2.img" "$BATS_TEST_TMPDIR/rev" -U $UUID
	cmp "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/2.img"
}

@test "times: SOURCE_DATE_EPOCH clamps newer mtimes, keeps older ones with nanoseconds" {
	require_erofs_mount
	sde=1500000000
	SOURCE_DATE_EPOCH=$sde build "$BATS_TEST_TMPDIR/img" "$SRC"
	mount_image "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/mnt"
	# newer than SDE -> exactly SDE, nanoseconds dropped
	for f in files/hello times/future times/y2038 times/u32max times/onens hard .; do
		[ "$(stat -c %Y "$SRC/$f")" -gt $sde ]
		[ "$(stat -c %.9Y "$BATS_TEST_TMPDIR/mnt/$f")" = "$sde.000000000" ] ||
			fail "$f: $(stat -c %.9Y "$BATS_TEST_TMPDIR/mnt/$f"), expected $sde.000000000"
	done
	# older: untouched, to the nanosecond, pre-1970 included
	for f in times/ns times/pre1970 times/epoch files/size_4097 times/dir_ns modes/sticky_dir links/dangling bigdir; do
		[ "$(stat -c %.9Y "$BATS_TEST_TMPDIR/mnt/$f")" = "$(stat -c %.9Y "$SRC/$f")" ] ||
			fail "$f: $(stat -c %.9Y "$BATS_TEST_TMPDIR/mnt/$f") vs source $(stat -c %.9Y "$SRC/$f")"
	done
	# nothing is newer than SDE
	[ -z "$(find "$BATS_TEST_TMPDIR/mnt" -newermt "@$sde")" ]
}

# deb_build_time IMG EPOCH: Debian's dump.erofs -s shows EPOCH as the
# build time; skips (last in a test, after its other checks) without it.
deb_build_time() {
	[ -x "$DEB_DUMP" ] || skip "Debian's $DEB_DUMP is not installed (build time not checked)"
	run "$DEB_DUMP" -s "$1"
	echo "$output"
	[ "$status" = 0 ] || fail "Debian dump.erofs -s $1: exit $status"
	grep -F "Filesystem created:" <<<"$output" |
		grep -qF "$(date -u -d @"$2" '+%a %b %e %H:%M:%S %Y')" ||
		fail "the build time is not $2"
}

@test "times: SOURCE_DATE_EPOCH sets the build time (superblock)" {
	[ -x "$DEB_DUMP" ] || skip "no $DEB_DUMP"
	SOURCE_DATE_EPOCH=1500000000 build "$BATS_TEST_TMPDIR/img" "$SRC"
	deb_build_time "$BATS_TEST_TMPDIR/img" 1500000000
}

@test "times: -T pins the build time and every mtime (--all-time default)" {
	require_erofs_mount
	build "$BATS_TEST_TMPDIR/img" "$SRC" -T 1700000000
	mount_image "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/mnt"
	[ "$(find "$BATS_TEST_TMPDIR/mnt" -printf '%T@\n' | sort -u)" = 1700000000.0000000000 ]
	treecmp_ok --no-mtime "$SRC" "$BATS_TEST_TMPDIR/mnt"
	# --all-time spelled out is the same image
	build "$BATS_TEST_TMPDIR/2.img" "$SRC" -T 1700000000 --all-time -U clear
	build "$BATS_TEST_TMPDIR/3.img" "$SRC" -T 1700000000 -U clear
	cmp "$BATS_TEST_TMPDIR/2.img" "$BATS_TEST_TMPDIR/3.img"
	deb_build_time "$BATS_TEST_TMPDIR/img" 1700000000
}

@test "times: -T wins over SOURCE_DATE_EPOCH" {
	require_erofs_mount
	SOURCE_DATE_EPOCH=1500000000 build "$BATS_TEST_TMPDIR/img" "$SRC" -T 1700000000
	mount_image "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/mnt"
	[ "$(find "$BATS_TEST_TMPDIR/mnt" -printf '%T@\n' | sort -u)" = 1700000000.0000000000 ]
}

@test "times: -T with --mkfs-time keeps every per-file mtime" {
	require_erofs_mount
	build "$BATS_TEST_TMPDIR/img" "$SRC" -T 1700000000 --mkfs-time
	mount_image "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/mnt"
	treecmp_ok "$SRC" "$BATS_TEST_TMPDIR/mnt"
	deb_build_time "$BATS_TEST_TMPDIR/img" 1700000000
}

@test "times: an mtime equal to the build time keeps its nanoseconds" {
	require_erofs_mount
	t=$BATS_TEST_TMPDIR/t
	mkdir "$t"
	echo a >"$t/same"; touch -d @1700000000 "$t/same"
	echo b >"$t/ns"; touch -d @1700000000.5 "$t/ns"
	echo c >"$t/before"; touch -d @1699999999.999999999 "$t/before"
	touch -d @1700000000 "$t"
	build "$BATS_TEST_TMPDIR/img" "$t" -T 1700000000 --mkfs-time
	mount_image "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/mnt"
	treecmp_ok "$t" "$BATS_TEST_TMPDIR/mnt"
}

@test "times: --ignore-mtime gives every inode the build time" {
	require_erofs_mount
	SOURCE_DATE_EPOCH=1500000000 build "$BATS_TEST_TMPDIR/img" "$SRC" --ignore-mtime
	mount_image "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/mnt"
	[ "$(find "$BATS_TEST_TMPDIR/mnt" -printf '%T@\n' | sort -u)" = 1500000000.0000000000 ]
	treecmp_ok --no-mtime "$SRC" "$BATS_TEST_TMPDIR/mnt"
}

@test "times: --ignore-mtime without a fixed time uses the current time" {
	require_erofs_mount
	before=$(date +%s)
	build "$BATS_TEST_TMPDIR/img" "$SRC" --ignore-mtime
	after=$(date +%s)
	mount_image "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/mnt"
	times=$(find "$BATS_TEST_TMPDIR/mnt" -printf '%T@\n' | sort -u)
	echo "$times"
	[ "$(wc -l <<<"$times")" = 1 ]
	t=${times%%.*}
	[ "$t" -ge "$before" ] && [ "$t" -le "$after" ]
}

@test "times: default build keeps every mtime to the nanosecond" {
	require_erofs_mount
	build "$BATS_TEST_TMPDIR/img" "$SRC"
	mount_image "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/mnt"
	treecmp_ok "$SRC" "$BATS_TEST_TMPDIR/mnt"
}
