#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# fsck.erofs --export: the checked tree as a pax archive.  mkfs.erofs --tar
# of the export rebuilds the image byte for byte; a GNU tar archive survives
# tar -> image -> tar entry for entry; the bytes depend on the image only;
# a corrupt image leaves no archive behind.

load helpers/common

TAR_DIGEST="$BATS_TEST_DIRNAME/helpers/tar_digest.py"

setup_file() {
	# bats cannot skip from setup_file: common_setup skips each test
	if ! grep -q '^#define HAVE_LIBARCHIVE 1' "$top_builddir/config.h"; then
		export FILE_SKIP_REASON="fsck.erofs built without libarchive: --export is refused"
		return 0
	fi
	if ! command -v python3 >/dev/null; then
		export FILE_SKIP_REASON="needs python3"
		return 0
	fi
	export SRC="$BATS_FILE_TMPDIR/src"
	# every file type, sparse files, hardlinks, long names, xattrs, ACLs
	gentree --no-huge "$SRC"
	if is_root; then
		setfattr -n security.selinux -v 'system_u:object_r:etc_t:s0' \
			"$SRC/files/hello"
	fi
	export IMG="$BATS_FILE_TMPDIR/src.img"
	# -T 0 --mkfs-time: a fixed build time, every inode keeps its mtime
	"$MKFS" --quiet -T 0 --mkfs-time -U clear -zlz4hc "$IMG" "$SRC"
}

# digest ARCHIVE: one line per entry, content hash and xattrs included
digest() {
	python3 "$TAR_DIGEST" "$1"
}

@test "export: image -> tar -> image is byte-identical, and the bytes are the image's" {
	local t=$BATS_TEST_TMPDIR
	run "$FSCK" --export="$t/a.tar" "$IMG"
	echo "$output"
	[ "$status" = 0 ]
	# the one note about the one socket; tar has no socket type
	if [ -S "$SRC/special/sock" ]; then
		[ "$(grep -c socket <<<"$output")" = 1 ]
		[[ $output == *"fsck.erofs: export: special/sock: socket left out (tar has none)"* ]]
	fi
	# the socket is all the archive lacks: built without it, the same image
	"$MKFS" --quiet -T 0 --mkfs-time -U clear -zlz4hc --exclude-path=special/sock \
		"$t/dir.img" "$SRC"
	"$MKFS" --quiet -T 0 --mkfs-time -U clear -zlz4hc --exclude-path=special/sock \
		--tar "$t/tar.img" "$t/a.tar"
	cmp "$t/dir.img" "$t/tar.img"
	# deterministic: again, to standard output, with --workers, through
	# another image of the same tree: the same bytes
	"$FSCK" --quiet --workers=3 --export=- "$IMG" >"$t/b.tar"
	"$FSCK" --quiet --export="$t/c.tar" "$t/tar.img"
	cmp "$t/a.tar" "$t/b.tar"
	cmp "$t/a.tar" "$t/c.tar"
	# compressed by suffix or by name, each the same image again
	"$FSCK" --quiet --export="$t/a.tar.gz" "$IMG"
	"$FSCK" --quiet --export=- --export-compress=gzip "$IMG" >"$t/b.gz"
	cmp "$t/a.tar.gz" "$t/b.gz"
	# gzip magic, and no time in the header (bytes 4-7)
	[ "$(head -c 8 "$t/a.tar.gz" | od -An -tx1 | tr -d ' ')" = 1f8b080000000000 ]
	"$FSCK" --quiet --export="$t/a.tar.zst" "$IMG"
	"$MKFS" --quiet -T 0 --mkfs-time -U clear -zlz4hc --exclude-path=special/sock \
		--tar "$t/zst.img" "$t/a.tar.zst"
	cmp "$t/dir.img" "$t/zst.img"
}

@test "export: tar -> image -> tar keeps every entry, content and attribute" {
	local t=$BATS_TEST_TMPDIR
	(cd "$SRC" && tar --xattrs --xattrs-include='*' --acls --numeric-owner \
		--format=pax --sparse --sort=name -cf "$t/gnu.tar" .) 2>/dev/null
	"$MKFS" --quiet --tar "$t/gnu.img" "$t/gnu.tar" 2>/dev/null
	"$FSCK" --quiet --export="$t/back.tar" "$t/gnu.img"
	diff <(tar -tvf "$t/gnu.tar" --full-time 2>/dev/null) \
		<(tar -tvf "$t/back.tar" --full-time 2>/dev/null)
	diff <(digest "$t/gnu.tar") <(digest "$t/back.tar")
	# what GNU tar extracts of the export is the source tree, sockets and
	# ACLs aside: GNU tar 1.34 restores ACLs from SCHILY.acl records only,
	# not from the system.posix_acl_* attributes the export carries
	if is_root; then
		mkdir "$t/out"
		tar --xattrs --xattrs-include='*' --acls --numeric-owner -xpf \
			"$t/back.tar" -C "$t/out" 2>/dev/null
		treecmp_ok --skip special/sock --skip hard/fifo --skip hard/other/fifo_hl \
			--skip special/chr_hl --skip special/chr_hl2 \
			--skip xattrs/acl --skip xattrs/dir "$SRC" "$t/out"
	fi
}

@test "export: xattrs, ACLs, labels, hardlinks, sparse files, devices, FIFOs, long names" {
	local t=$BATS_TEST_TMPDIR d n255
	"$FSCK" --quiet --export="$t/a.tar" "$IMG"
	d=$(digest "$t/a.tar")
	# the first name of an inode carries it, the others are links to it
	grep -qx './hard/a|0|644|0:0|3000|1400000000.75|||[0-9a-f]*||' <<<"$d"
	grep -qx './hard/b|1|644|0:0|0|1400000000.75|./hard/a||-||' <<<"$d"
	grep -qx './hard/other/fifo_hl|1|644|0:0|0|1600000000|./hard/fifo||-||' <<<"$d"
	grep -qx './hard/sym_hl|1|777|0:0|0|1600000000|./hard/sym||-||' <<<"$d"
	# holes as GNU sparse runs, a file of nothing but a hole too
	grep -q '^./sparse/holes|0|644|0:0|4194304|.*|0+8192;1048576+4096;2867200+4096;4194304+0$' <<<"$d"
	grep -q '^./sparse/hole_only|0|644|0:0|1048576|.*|1048576+0$' <<<"$d"
	grep -q '^./special/fifo|6|644|' <<<"$d"
	grep -q '^./links/long_4095|2|777|0:0|0|1600000000|L\{4000\}/q\{94\}|' <<<"$d"
	n255=$(printf 'N%.0s' $(seq 1 250))_long
	grep -q "^./names/$n255|0|" <<<"$d"
	grep -q "^./names/D$(printf 'd%.0s' $(seq 1 254))|5|" <<<"$d"
	# a name that is no UTF-8 stays bytes
	grep -q "^$(printf './names/bad\xff\xfe' | od -An -tx1 | tr -d ' \n')|0|" <<<"$d"
	grep -q '^./xattrs/sizes|0|.*user.len_1000=' <<<"$d"
	grep -q '^./xattrs/dir|5|.*system.posix_acl_access=02000000.*system.posix_acl_default=' <<<"$d"
	grep -q '^./times/ns|0|644|0:0|3|1234567890.123456789|' <<<"$d"
	if is_root; then
		grep -qx './special/chr_big|3|644|0:0|0|1500000000.5||4000:1000000|-||' <<<"$d"
		grep -qx './special/blk|4|644|0:0|0|1600000000||7:0|-||' <<<"$d"
		grep -q '^./owners/u123456789_g987654321|0|644|123456789:987654321|' <<<"$d"
		grep -q "^./files/hello|0|.*security.selinux=$(printf 'system_u:object_r:etc_t:s0' | od -An -tx1 | tr -d ' \n')" <<<"$d"
		grep -q '^./xattrs/cap|0|.*security.capability=' <<<"$d"
	fi
	# numbers only: no user or group names in the headers
	[ -z "$(tar -tvf "$t/a.tar" 2>/dev/null | awk '$2 !~ /^[0-9]+\/[0-9]+$/')" ]
}

@test "export: a corrupt image stops the export, exit 1, no archive left" {
	local t=$BATS_TEST_TMPDIR pa
	mkdir -p "$t/src/a" "$t/out"
	yes 'hello erofs' | head -c 1000000 >"$t/src/a/big"
	echo first >"$t/src/a/first"
	echo later >"$t/src/z"
	"$MKFS" --quiet -T 0 -U clear -zlz4 "$t/x.img" "$t/src"
	pa=$("$DUMP" -e --path=/a/big "$t/x.img" | awk 'NR == 2 && /lz4/ { print $4 }')
	[ -n "$pa" ]
	printf '\xff%.0s' $(seq 1 4096) | dd of="$t/x.img" bs=1 seek="$pa" conv=notrunc status=none
	echo old >"$t/out/x.tar"
	run "$FSCK" --export="$t/out/x.tar" "$t/x.img"
	echo "$output"
	[ "$status" = 1 ]
	[[ $output == *"nid "*": corrupt lz4 stream in pcluster at offset $pa"* ]]
	[[ $output == *"fsck.erofs: export: $t/out/x.tar: not written: the check found problems"* ]]
	# FILE untouched, no temporary file beside it
	[ "$(dir_listing "$t/out")" = x.tar ]
	[ "$(cat "$t/out/x.tar")" = old ]
	# on standard output the stream is cut short: no reader takes it whole
	run "$FSCK" --export=- "$t/x.img"
	[ "$status" = 1 ]
	"$FSCK" --export=- "$t/x.img" 2>/dev/null >"$t/cut.tar" || true
	run tar -tf "$t/cut.tar"
	[ "$status" != 0 ]
}

@test "export: --path takes a subtree; without root; usage errors" {
	local t=$BATS_TEST_TMPDIR w
	"$FSCK" --quiet --export="$t/hard.tar" --path=/hard "$IMG"
	[ "$(tar -tf "$t/hard.tar" | head -3)" = "$(printf './\n./a\n./b')" ]
	[ "$(tar -tf "$t/hard.tar" | wc -l)" = 14 ]
	# a file alone is named by its own name
	"$FSCK" --quiet --export="$t/one.tar" --path=/files/hello "$IMG"
	[ "$(tar -tf "$t/one.tar")" = ./hello ]
	[ "$(tar -xOf "$t/one.tar")" = "hello, erofs" ]
	if is_root; then
		w=$(world_dir)
		chmod 0777 "$w"
		cp "$IMG" "$w/img"
		chmod 0644 "$w/img"
		as_nobody "$FSCK" --quiet --export="$w/n.tar" "$w/img"
		"$FSCK" --quiet --export="$t/r.tar" "$IMG"
		cmp "$w/n.tar" "$t/r.tar"
		[ "$(stat -c %U:%a "$w/n.tar")" = nobody:644 ]
	fi
	run "$FSCK" --export="$t/u.tar" --export-compress=bzip2 "$IMG"
	[ "$status" = 2 ]
	[[ $output == *"--export-compress: 'bzip2': not gzip, xz, zstd or none"* ]]
	run "$FSCK" --export-compress=gzip "$IMG"
	[ "$status" = 2 ]
	[[ $output == *"--export-compress needs --export=FILE"* ]]
	run "$FSCK" --export=- --json "$IMG"
	[ "$status" = 2 ]
	[[ $output == *"--export=- leaves no standard output for --json"* ]]
	run "$FSCK" --export=- --compare="$SRC" "$IMG"
	[ "$status" = 2 ]
	[[ $output == *"--export=- leaves no standard output for --compare"* ]]
	run "$FSCK" --export="$t/nodir/x.tar" "$IMG"
	[ "$status" = 2 ]
	[[ $output == *"fsck.erofs: export: $t/nodir/x.tar: No such file or directory"* ]]
	[ ! -e "$t/u.tar" ]
}
