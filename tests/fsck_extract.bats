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

# owners_modes DIR: "path mode uid:gid" for every entry but symlinks
owners_modes() {
	(cd "$1" && find . -mindepth 1 ! -type l -printf '%P %m %U:%G\n' | sort)
}

@test "extract restores a socket as a socket, with its mode and owner" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	s=$BATS_TEST_TMPDIR/s
	mkdir -p "$s/d"
	(cd "$s/d" && python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("sock")')
	chmod 0751 "$s/d/sock"
	ln "$s/d/sock" "$s/sock-link"
	! is_root || chown 1234:5678 "$s/d/sock"
	touch -h -d '2021-03-04 05:06:07.5' "$s/d/sock"
	our_mkfs "$BATS_TEST_TMPDIR/s.img" "$s"
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/s.img"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *skipped* ]]
	x=$BATS_TEST_TMPDIR/out
	[ -S "$x/d/sock" ]
	[ "$(stat -c '%a %h %Y' "$x/d/sock")" = "751 2 $(stat -c %Y "$s/d/sock")" ]
	[ "$(stat -c %i "$x/d/sock")" = "$(stat -c %i "$x/sock-link")" ]
	! is_root || [ "$(stat -c %u:%g "$x/d/sock")" = 1234:5678 ]
}

@test "--no-preserve-owner as root leaves every entry owned by root" {
	need_deb_mkfs
	is_root || skip_required root "the source tree has foreign owners only when built as root"
	x=$BATS_TEST_TMPDIR/out
	mkdir "$x"
	"$FSCK" --extract="$x/kept" "$IMG"
	[ "$(stat -c %u:%g "$x/kept/small")" = 1234:5678 ]
	[ "$(stat -c %u:%g "$x/kept/dir")" = 7:8 ]
	run "$FSCK" --no-preserve-owner --extract="$x/mine" "$IMG"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cd "$x/mine" && find . -printf '%U:%G\n' | sort -u)" = 0:0 ]
	# modes are still exact, and --preserve brings the owners back
	[ "$(stat -c %a "$x/mine/one-block")" = 4755 ]
	"$FSCK" --no-preserve --preserve-owner --preserve-perms --extract="$x/back" "$IMG"
	[ "$(owners_modes "$x/back")" = "$(owners_modes "$x/kept")" ]
}

@test "--no-preserve-perms applies the umask, --preserve-perms does not" {
	need_deb_mkfs
	x=$BATS_TEST_TMPDIR/out
	mkdir "$x"
	(umask 027 && "$FSCK" --preserve-perms --extract="$x/exact" "$IMG")
	[ "$(stat -c %a "$x/exact/one-block" "$x/exact/empty-dir" "$x/exact/small")" = "$(stat -c %a "$SRC/one-block" "$SRC/empty-dir" "$SRC/small")" ]
	(umask 027 && "$FSCK" --no-preserve-perms --extract="$x/masked" "$IMG")
	[ "$(stat -c %a "$x/masked/one-block")" = 4750 ]
	[ "$(stat -c %a "$x/masked/empty-dir")" = 1750 ]
	[ "$(stat -c %a "$x/masked/small" "$x/masked/multi-block" "$x/masked/fifo")" = "$(printf '640\n600\n640')" ]
	# the last of --preserve / --no-preserve-perms wins
	(umask 077 && "$FSCK" --no-preserve-perms --preserve --extract="$x/last" "$IMG")
	[ "$(owners_modes "$x/last")" = "$(owners_modes "$x/exact")" ]
}

@test "--extract=/ needs --force, which lifts that refusal only" {
	need_deb_mkfs
	run "$FSCK" --extract=/ "$IMG"
	[ "$status" -eq 2 ]
	[ "$output" = "fsck.erofs: extract: /: is the root directory (use --force)" ]
	# however it is named; with --force, / is still not empty
	run "$FSCK" --force --extract=/tmp/.. "$IMG"
	[ "$status" -eq 2 ]
	[ "$output" = "fsck.erofs: extract: /tmp/..: directory not empty (use --overwrite)" ]
	[ ! -e /multi-block ] && [ ! -e /one-block ]
}

@test "--force and --[no-]preserve* without --extract=DIR are usage errors" {
	for o in --force --preserve --no-preserve --preserve-owner \
		 --no-preserve-owner --preserve-perms --no-preserve-perms; do
		run "$FSCK" --extract "$o" x.img
		echo "$o: $status $output"
		[ "$status" -eq 2 ]
		case $o in
		--force) [[ "$output" == *"--force needs --extract=DIR"* ]] ;;
		*) [[ "$output" == *"--[no-]preserve options need --extract=DIR"* ]] ;;
		esac
	done
}
