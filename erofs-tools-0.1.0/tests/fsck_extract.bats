#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# fsck.erofs --extract: faithful copies, holes kept as holes, and never a
# byte written outside the target directory.

load helpers/fsck_common

setup_file() {
	export SRC=$BATS_FILE_TMPDIR/src IMG=$BATS_FILE_TMPDIR/deb.img
	fsck_make_tree "$SRC"
	if [ -x "$DEB_MKFS" ]; then
		"$DEB_MKFS" "$IMG" "$SRC" >/dev/null 2>&1
	fi
}

@test "extract of a Debian image is identical to the source tree" {
	need_deb_mkfs
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" "$IMG"
	[ "$status" -eq 0 ]
	fsck_compare_trees "$SRC" "$BATS_TEST_TMPDIR/out"
}

@test "extract of a Debian chunk-based image is identical to the source" {
	need_deb_mkfs
	"$DEB_MKFS" --chunksize=8192 "$BATS_TEST_TMPDIR/c.img" "$SRC" >/dev/null 2>&1
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/c.img"
	[ "$status" -eq 0 ]
	fsck_compare_trees "$SRC" "$BATS_TEST_TMPDIR/out"
}

@test "extract of an image made by our mkfs is identical to the source" {
	our_mkfs "$BATS_TEST_TMPDIR/o.img" "$SRC"
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/o.img"
	[ "$status" -eq 0 ]
	fsck_compare_trees "$SRC" "$BATS_TEST_TMPDIR/out"
}

@test "extract keeps hardlinks as hardlinks" {
	need_deb_mkfs
	"$FSCK" --extract="$BATS_TEST_TMPDIR/out" "$IMG"
	o=$BATS_TEST_TMPDIR/out
	[ "$(stat -c %i "$o/small")" = "$(stat -c %i "$o/dir/hardlink-to-small")" ]
	[ "$(stat -c %i "$o/small")" = "$(stat -c %i "$o/dir/sub/another-link")" ]
	[ "$(stat -c %h "$o/small")" = 3 ]
}

@test "extract writes zero runs as holes, sized with ftruncate" {
	need_deb_mkfs
	mkdir "$BATS_TEST_TMPDIR/sp"
	truncate -s 1G "$BATS_TEST_TMPDIR/sp/sparse"
	printf 'tail' >> "$BATS_TEST_TMPDIR/sp/sparse"
	"$DEB_MKFS" --chunksize=1048576 "$BATS_TEST_TMPDIR/sp.img" "$BATS_TEST_TMPDIR/sp" >/dev/null 2>&1
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/sp.img"
	[ "$status" -eq 0 ]
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/out/sparse")" = $((1024 * 1024 * 1024 + 4)) ]
	# at most a few blocks really allocated
	[ "$(stat -c %b "$BATS_TEST_TMPDIR/out/sparse")" -lt 1024 ]
	cmp "$BATS_TEST_TMPDIR/sp/sparse" "$BATS_TEST_TMPDIR/out/sparse"
}

@test "a file claiming 70 GB of holes extracts in seconds and no space" {
	mkdir "$BATS_TEST_TMPDIR/huge"
	truncate -s 70G "$BATS_TEST_TMPDIR/huge/file"
	our_mkfs "$BATS_TEST_TMPDIR/h.img" "$BATS_TEST_TMPDIR/huge"
	run timeout 60 "$FSCK" --extract="$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/h.img"
	[ "$status" -eq 0 ]
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/out/file")" = $((70 * 1024 * 1024 * 1024)) ]
	[ "$(stat -c %b "$BATS_TEST_TMPDIR/out/file")" -lt 64 ]
}

@test "extract refuses a non-empty directory unless --overwrite" {
	need_deb_mkfs
	mkdir "$BATS_TEST_TMPDIR/out"
	echo keep > "$BATS_TEST_TMPDIR/out/mine"
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" "$IMG"
	[ "$status" -eq 2 ]
	[[ "$output" == *"directory not empty (use --overwrite)"* ]]
	[ "$(ls "$BATS_TEST_TMPDIR/out")" = mine ]
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" --overwrite "$IMG"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out/mine")" = keep ]
	cmp "$SRC/multi-block" "$BATS_TEST_TMPDIR/out/multi-block"
	# and a second --overwrite run over its own result works too
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" --overwrite "$IMG"
	[ "$status" -eq 0 ]
}

@test "--overwrite replaces symlinks in DIR instead of following them" {
	need_deb_mkfs
	out=$BATS_TEST_TMPDIR/out victim=$BATS_TEST_TMPDIR/victim
	mkdir -p "$out" "$victim"
	echo precious > "$victim/small"
	ln -s "$victim" "$out/dir"		# a directory the image has
	ln -s "$victim/small" "$out/small"	# a file the image has
	run "$FSCK" --extract="$out" --overwrite "$IMG"
	[ "$status" -eq 0 ]
	[ "$(cat "$victim/small")" = precious ]
	[ "$(ls "$victim")" = small ]
	[ ! -L "$out/dir" ] || fail "the symlink dir was kept"
	[ -d "$out/dir" ]
	[ ! -L "$out/small" ]
	cmp "$SRC/small" "$out/small"
}

@test "extract --path takes one subtree" {
	need_deb_mkfs
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" --path=/dir/sub "$IMG"
	[ "$status" -eq 0 ]
	cmp "$SRC/dir/sub/deeper/file" "$BATS_TEST_TMPDIR/out/deeper/file"
	[ ! -e "$BATS_TEST_TMPDIR/out/dir" ]
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/one" --path=/multi-block "$IMG"
	[ "$status" -eq 0 ]
	cmp "$SRC/multi-block" "$BATS_TEST_TMPDIR/one/multi-block"
}

@test "extract --xattrs on an image without attributes" {
	need_deb_mkfs
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" --xattrs "$IMG"
	[ "$status" -eq 0 ]
	cmp "$SRC/multi-block" "$BATS_TEST_TMPDIR/out/multi-block"
}

@test "extract without root skips devices with a note" {
	need_deb_mkfs
	is_root || skip_required root "the source tree has no devices unless built as root"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	# bats' own temporary directories are private to root
	pub=$(mktemp -d /tmp/fsck-nobody.XXXXXX)
	chmod 0755 "$pub"
	chown 65534:65534 "$pub"
	cp "$IMG" "$pub/img"
	chmod 0644 "$pub/img"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$FSCK" --extract="$pub/out" "$pub/img"
	out_status=$status out_text=$output
	[ -e "$pub/out/chardev" ] && devs=yes || devs=no
	cmp "$SRC/multi-block" "$pub/out/multi-block" && same=yes || same=no
	rm -rf "$pub"
	[ "$out_status" -eq 0 ]
	[[ "$out_text" == *"chardev: device node skipped (needs root)"* ]]
	[ "$devs" = no ] && [ "$same" = yes ]
}

@test "--overwrite without --extract=DIR is a usage error" {
	run "$FSCK" --overwrite x.img
	[ "$status" -eq 2 ]
	[[ "$output" == *"--overwrite needs --extract=DIR"* ]]
}
