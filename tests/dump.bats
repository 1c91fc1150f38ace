#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# dump.erofs: superblock figures agree with Debian's dump.erofs; inode,
# listing, content, extents and statistics views.

load helpers/fsck_common

setup_file() {
	export SRC=$BATS_FILE_TMPDIR/src IMG=$BATS_FILE_TMPDIR/deb.img
	fsck_make_tree "$SRC"
	if [ -x "$DEB_MKFS" ]; then
		"$DEB_MKFS" -T 1600000000 -U 0123abcd-4567-89ab-cdef-0123456789ab \
			"$IMG" "$SRC" >/dev/null 2>&1
	fi
}

# field NAME: value of "NAME: value" in $output
field() { sed -n "s|^$1: *||p" <<<"$output" | sed 's/[[:space:]]*$//'; }

# cat_is IMG PATH FILE: dump --cat of PATH succeeds and gives FILE's bytes
# (a pipe into cmp would not see dump's exit status)
cat_is() {
	"$DUMP" --cat --path="$2" "$1" >"$BATS_TEST_TMPDIR/cat.out" ||
		fail "dump.erofs --cat --path=$2: exit $?"
	cmp "$BATS_TEST_TMPDIR/cat.out" "$3"
}

@test "dump -s agrees with Debian's dump.erofs on the same image" {
	need_deb_mkfs
	[ -x "$DEB_DUMP" ] || skip "Debian's $DEB_DUMP is not installed"
	run "$DEB_DUMP" -s "$IMG"
	[ "$status" -eq 0 ]
	deb=$output
	run "$DUMP" -s "$IMG"
	[ "$status" -eq 0 ]
	d() { sed -n "s/^Filesystem $1: *//p" <<<"$deb" | sed 's/[[:space:]]*$//'; }
	[ "$(field 'Filesystem magic number')" = "$(d 'magic number')" ]
	[ "$(field 'Filesystem blocks')" = "$(d blocks)" ]
	[ "$(field 'Filesystem inode count')" = "$(d 'inode count')" ]
	[ "$(field 'Filesystem root nid')" = "$(d 'root nid')" ]
	[ "$(field 'Filesystem inode metadata start block')" = "$(d 'inode metadata start block')" ]
	[ "$(field 'Filesystem shared xattr metadata start block')" = "$(d 'shared xattr metadata start block')" ]
	[ "$(field 'Filesystem UUID')" = "$(d UUID)" ]
	[ "$(field 'Filesystem UUID')" = 0123abcd-4567-89ab-cdef-0123456789ab ]
	[ "$(field 'Filesystem features')" = "$(d features)" ]
	[ "$(field 'Filesystem blocksize')" = 4096 ]
	[[ "$(field 'Filesystem build time')" == "2020-09-13 12:26:40.000000000 UTC (1600000000)" ]]
	[[ "$(field 'Filesystem checksum')" == *"(verified)" ]]
}

@test "dump with no job shows the superblock; --no-sbcrc and --offset work" {
	need_deb_mkfs
	run "$DUMP" "$IMG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Filesystem root nid:"* ]]
	head -c 4096 /dev/zero > "$BATS_TEST_TMPDIR/w"
	cat "$IMG" >> "$BATS_TEST_TMPDIR/w"
	run "$DUMP" --offset=4096 --no-sbcrc "$BATS_TEST_TMPDIR/w"
	[ "$status" -eq 0 ]
	[[ "$output" == *"(not verified)"* ]]
}

@test "dump --path shows an inode" {
	need_deb_mkfs
	run "$DUMP" --path=/one-block "$IMG"
	[ "$status" -eq 0 ]
	[ "$(field Type)" = "regular file" ]
	[ "$(field Mode)" = "4755 (-rwsr-xr-x)" ]
	[ "$(field Size)" = 4096 ]
	[ "$(field Links)" = 1 ]
	[ "$(field Mtime)" = "2020-09-13 12:26:40.000000000 UTC" ]
	run "$DUMP" --path=/small "$IMG"
	[ "$status" -eq 0 ]
	[ "$(field Links)" = 3 ]
	[[ "$(field 'Inline tail')" == "6 bytes at offset "* ]]
	run "$DUMP" --path=/symlink "$IMG"
	[ "$status" -eq 0 ]
	[ "$(field Target)" = small ]
	[ "$(field Type)" = symlink ]
}

@test "dump --path shows device numbers and owners" {
	need_deb_mkfs
	is_root || skip "the source has no devices or foreign owners unless built as root"
	run "$DUMP" --path=/bigminor "$IMG"
	[ "$status" -eq 0 ]
	[ "$(field Device)" = "4:300000" ]
	[ "$(field 'Uid / Gid')" = "0 / 0" ]
	run "$DUMP" --path=/small "$IMG"
	[ "$status" -eq 0 ]
	[ "$(field 'Uid / Gid')" = "1234 / 5678" ]
}

@test "dump --nid agrees with --path" {
	need_deb_mkfs
	run "$DUMP" --path=/dir/sub "$IMG"
	[ "$status" -eq 0 ]
	nid=$(field NID)
	[ -n "$nid" ]
	run "$DUMP" --nid="$nid" "$IMG"
	[ "$status" -eq 0 ]
	[ "$(field Type)" = directory ]
	[ "$(field NID)" = "$nid" ]
}

@test "dump --ls lists nid, type and name like Debian's dump.erofs" {
	need_deb_mkfs
	run "$DUMP" --ls --path=/dir "$IMG"
	[ "$status" -eq 0 ]
	ours=$(awk 'NR > 1 { print $1, $3 }' <<<"$output")
	[ -x "$DEB_DUMP" ] || skip "Debian's $DEB_DUMP is not installed"
	deb=$("$DEB_DUMP" --ls --path=/dir "$IMG") || fail "Debian dump.erofs --ls: exit $?"
	deb=$(awk '/NID TYPE/ { go = 1; next } go && NF { print $1, $3 }' <<<"$deb")
	[ -n "$ours" ]
	[ "$ours" = "$deb" ]
	[[ "$output" == *" dir "*"sub"* ]]
	[[ "$output" == *" symlink "*"long-symlink"* ]]
	run "$DUMP" --ls --path=/small "$IMG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a directory"* ]]
}

@test "dump --ls of a directory spanning several blocks lists every entry" {
	need_deb_mkfs
	run "$DUMP" --ls --path=/many "$IMG"
	[ "$status" -eq 0 ]
	[ "$(grep -c ' entry-with-a-rather-long-name-' <<<"$output")" = 300 ]
}

@test "dump --cat writes the file content" {
	need_deb_mkfs
	cat_is "$IMG" /multi-block "$SRC/multi-block"
	cat_is "$IMG" /empty "$SRC/empty"
	"$DEB_MKFS" --chunksize=4096 "$BATS_TEST_TMPDIR/c.img" "$SRC" >/dev/null 2>&1
	cat_is "$BATS_TEST_TMPDIR/c.img" /blocks-and-tail "$SRC/blocks-and-tail"
	run "$DUMP" --cat --path=/dir "$IMG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a regular file"* ]]
}

@test "dump -e lists extents with physical addresses and flags" {
	need_deb_mkfs
	run "$DUMP" -e --path=/blocks-and-tail "$IMG"
	[ "$status" -eq 0 ]
	# 13893 bytes: three whole blocks, then a 1605-byte tail inline
	[[ "${lines[1]}" =~ ^\ +0\ +0\ +12288\ +[0-9]+\ +12288\ +mapped$ ]]
	[[ "${lines[2]}" =~ ^\ +1\ +12288\ +1605\ +[0-9]+\ +1605\ +mapped,inline$ ]]
	[ "${lines[3]}" = "2 extents" ]
	# physical addresses are where the bytes really are
	pa=$(awk 'NR == 2 { print $4 }' <<<"$output")
	cmp -n 12288 <(tail -c +$((pa + 1)) "$IMG") "$SRC/blocks-and-tail"
}

@test "dump -e shows holes of chunk-based files made by our mkfs" {
	mkdir "$BATS_TEST_TMPDIR/h"
	truncate -s 10M "$BATS_TEST_TMPDIR/h/f"
	printf 'x' >> "$BATS_TEST_TMPDIR/h/f"
	our_mkfs "$BATS_TEST_TMPDIR/h.img" "$BATS_TEST_TMPDIR/h"
	run "$DUMP" -e --path=/f "$BATS_TEST_TMPDIR/h.img"
	[ "$status" -eq 0 ]
	[[ "$output" == *" hole"* ]]
	cat_is "$BATS_TEST_TMPDIR/h.img" /f "$BATS_TEST_TMPDIR/h/f"
}

@test "dump -S counts file types, sizes and the ratio" {
	need_deb_mkfs
	run "$DUMP" -S "$IMG"
	[ "$status" -eq 0 ]
	nreg=$(find "$SRC" -type f | xargs stat -c %i | sort -u | wc -l)
	[ "$(field '  regular files')" = "$nreg" ]
	[ "$(field '  directories')" = 6 ]
	[ "$(field '  symlinks')" = 3 ]
	[ "$(field '  fifos')" = 1 ]
	[ "$(field 'Compressed files')" = 0 ]
	[ "$(field 'Compression ratio')" = 1.00 ]
	# 300 entries of 2..4 bytes, "hello\n" is in 4..7
	[ "$(field '  2..3')" -ge 9 ]
	[ "$(field '  0')" = 1 ]
}

@test "dump: usage errors and lookups that fail" {
	run "$DUMP"
	[ "$status" -eq 2 ]
	run "$DUMP" --cat x.img
	[ "$status" -eq 2 ]
	[[ "$output" == *"--cat needs --nid or --path"* ]]
	need_deb_mkfs
	run "$DUMP" --path=/nope "$IMG"
	[ "$status" -eq 1 ]
	[ "$output" = "dump.erofs: /nope: cannot look up: No such file or directory" ]
	run "$DUMP" --nid=99999999 "$IMG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nid 99999999: inode lies past the end of the image"* ]]
}

@test "dump: -V, --help, man page in step" {
	run "$DUMP" -V
	[ "$status" -eq 0 ]
	[[ "$output" == dump.erofs* ]]
	run "$DUMP" --help
	[ "$status" -eq 0 ]
	man=$BATS_TEST_DIRNAME/../man/dump.erofs.1
	[ -s "$man" ]
	for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$output" | sort -u); do
		case $o in --help|--usage|--version) continue ;; esac
		grep -q -- "${o//-/\\\\-}" "$man" || { echo "missing $o"; return 1; }
	done
}
