#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Self-tests for the test tools: gentree.sh must build what it promises,
# deterministically, and treecmp must see every kind of planted difference
# (a comparator that always says "same" would make the mkfs suites useless).

load helpers/common

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	gentree "$SRC" --no-huge
}

setup() {
	A=$SRC
	B=$BATS_TEST_TMPDIR/b
	cp -a "$A" "$B"
}

# expect_diff KIND PATH-AS-PRINTED [TREECMP OPTIONS]: exit 1 and a line
# "PATH: KIND: ..." in the output.
expect_diff() {
	local kind=$1 path=$2
	shift 2
	run "$TREECMP" "$@" "$A" "$B"
	echo "$output"
	[ "$status" = 1 ] || fail "treecmp exit $status, expected 1"
	local l
	for l in "${lines[@]}"; do
		[[ $l == "$path: $kind: "* ]] && return 0
	done
	fail "no '$path: $kind: ...' line"
}

@test "treecmp: cp -a copy is identical" {
	run "$TREECMP" "$A" "$B"
	echo "$output"
	[ "$status" = 0 ]
	[ -z "$output" ]
}

@test "treecmp: a tree is identical to itself, also with all options" {
	run "$TREECMP" --no-mtime --no-owner --mtime-sec --no-dir-mtime \
		--skip files "$A" "$A"
	[ "$status" = 0 ]
	[ -z "$output" ]
}

@test "treecmp: missing and extra entries" {
	rm "$B/files/size_511"
	mkdir "$B/files/newdir"
	expect_diff missing files/size_511
	expect_diff extra files/newdir
	# an entire subtree missing is one line, not one per entry
	rm -rf "$B/deep"
	run "$TREECMP" "$A" "$B"
	[ "$(grep -c '^deep' <<<"$output")" = 1 ]
}

@test "treecmp: type change" {
	rm "$B/files/hello"
	mkdir "$B/files/hello"
	touch -d @1600000000 "$B/files/hello"
	expect_diff type files/hello
}

@test "treecmp: mode, including special bits" {
	chmod 0755 "$B/modes/f4755"
	expect_diff mode modes/f4755
	chmod 0777 "$B/modes/sticky_dir"
	expect_diff mode modes/sticky_dir
}

@test "treecmp: owner, and --no-owner" {
	require_root "to chown"
	chown 1:2 "$B/files/size_1"
	expect_diff owner files/size_1
	run "$TREECMP" --no-owner "$A" "$B"
	[ "$status" = 0 ]
}

@test "treecmp: size" {
	printf 'x' >>"$B/files/size_512"
	touch -d @1600000000 "$B/files/size_512"
	expect_diff size files/size_512
}

@test "treecmp: content with the same size, offset reported" {
	printf 'Z' | dd of="$B/files/size_65537" bs=1 seek=40000 conv=notrunc status=none
	[ "$(head -c 40001 "$A/files/size_65537" | tail -c 1)" != Z ]
	touch -d @1600000000 "$B/files/size_65537"
	expect_diff content files/size_65537
	[[ $output == *"at byte 40000"* ]]
}

@test "treecmp: content in a hole of a sparse file, and in its last byte" {
	printf '\1' | dd of="$B/sparse/holes" bs=1 seek=$((2 * 1024 * 1024 + 5)) conv=notrunc status=none
	touch -d @1600000000 "$B/sparse/holes"
	expect_diff content sparse/holes
	[[ $output == *"at byte $((2 * 1024 * 1024 + 5))"* ]]
	printf '\1' | dd of="$B/sparse/hole_only" bs=1 seek=$((1024 * 1024 - 1)) conv=notrunc status=none
	touch -d @1600000000 "$B/sparse/hole_only"
	expect_diff content sparse/hole_only
}

@test "treecmp: a hole against written zeros is the same content" {
	rm "$B/sparse/hole_only"
	head -c $((1024 * 1024)) /dev/zero >"$B/sparse/hole_only"
	touch -d @1600000000 "$B/sparse/hole_only"
	touch -d @1600000100.5 "$B/sparse"
	run "$TREECMP" "$A" "$B"
	echo "$output"
	[ "$status" = 0 ]
}

@test "treecmp: symlink target, same length and different length" {
	ln -sfn ../files/size_2 "$B/links/rel"      # same length as size_1
	touch -h -d @1111111111.25 "$B/links/rel"
	expect_diff symlink links/rel
	ln -sfn "$(readlink "$A/links/long_4095" | head -c 4094)" "$B/links/long_4095"
	touch -h -d @1600000000 "$B/links/long_4095"
	expect_diff symlink links/long_4095
}

@test "treecmp: device numbers" {
	require_root "for mknod"
	rm "$B/special/chr_big"
	mknod "$B/special/chr_big" c 4000 1000001
	touch -d @1500000000.5 "$B/special/chr_big"
	expect_diff rdev special/chr_big
	[[ $output == *"4000:1000000 vs 4000:1000001"* ]]
}

@test "treecmp: mtime to the nanosecond, --mtime-sec and --no-mtime" {
	touch -d @1234567890.123456788 "$B/times/ns"
	expect_diff mtime times/ns
	run "$TREECMP" --mtime-sec "$A" "$B"
	[ "$status" = 0 ]
	run "$TREECMP" --no-mtime "$A" "$B"
	[ "$status" = 0 ]
}

@test "treecmp: directory and symlink mtimes, --no-dir-mtime" {
	touch -d @1444444444 "$B/names"
	expect_diff mtime names
	run "$TREECMP" --no-dir-mtime "$A" "$B"
	[ "$status" = 0 ]
	touch -h -d @1 "$B/links/dangling"
	expect_diff mtime links/dangling
}

@test "treecmp: pre-1970 mtime differences" {
	touch -d @-1234567.4 "$B/times/pre1970"
	expect_diff mtime times/pre1970
	[[ $output == *"-1234568.500000000 vs -1234568.600000000"* ]]
}

@test "treecmp: broken hard link is a hardlink difference" {
	rm "$B/hard/other/c"
	cp -p "$B/hard/a" "$B/hard/other/c"
	expect_diff hardlink hard/a
	[[ $output == *"{hard/a, hard/b, hard/other/c} in A but {hard/a, hard/b} in B"* ]]
}

@test "treecmp: extra hard link between separate files" {
	rm "$B/files/size_0"
	ln "$B/hard/empty" "$B/files/size_0"
	expect_diff hardlink files/size_0
}

@test "treecmp: nlink counts links inside the tree only" {
	# a link from outside the tree: same groups, but B's nlink is off
	ln "$B/files/hello" "$BATS_TEST_TMPDIR/outside"
	expect_diff nlink files/hello
	[[ $output == *"B has st_nlink 2, expected 1"* ]]
}

@test "treecmp: odd names are printed escaped on one line" {
	printf 'changed' >"$B/names/new
line"
	touch -d @1600000000 "$B/names/new
line"
	printf 'changed' >"$B/names/$(printf 'bad\xff\xfe')"
	touch -d @1600000000 "$B/names/$(printf 'bad\xff\xfe')"
	run "$TREECMP" "$A" "$B"
	echo "$output"
	[ "$status" = 1 ]
	[ "${#lines[@]}" = 2 ]
	[ "${lines[0]}" = 'names/bad\xff\xfe: size: 1 vs 7' ]
	[ "${lines[1]}" = 'names/new\nline: size: 1 vs 7' ]
}

@test "treecmp: --skip hides a path and everything below it" {
	rm "$B/files/size_1"      # changes the mtime of files/ too
	touch -d @1444444444.444444444 "$B/files"
	printf 'x' >>"$B/deep/level_01_xxxxxxxxxxxxxxxxxxxxxxxxxxxx/level_02_xxxxxxxxxxxxxxxxxxxxxxxxxxxx/x"
	run "$TREECMP" "$A" "$B"
	[ "$status" = 1 ]
	run "$TREECMP" --skip files/size_1 --skip ./deep/level_01_xxxxxxxxxxxxxxxxxxxxxxxxxxxx/ "$A" "$B"
	echo "$output"
	[ "$status" = 0 ]
	# skipping one path does not hide another
	run "$TREECMP" --skip files/size_1 "$A" "$B"
	[ "$status" = 1 ]
	[[ $output == deep/level_01_* ]]
	[[ $output != *files/size_1* ]]
}

@test "treecmp: --skip does not hide an entry only B has" {
	mkdir "$B/newdir"
	ln "$B/files/hello" "$B/files/hello2"
	touch -d @1444444444.444444444 "$B/files"
	touch -d @1555555555.555555555 "$B"
	run "$TREECMP" --skip newdir --skip files/hello2 "$A" "$B"
	echo "$output"
	[ "$status" = 1 ]
	[ "${#lines[@]}" = 3 ]
	[ "${lines[0]}" = "files/hello: hardlink: linked with {files/hello} in A but {files/hello, files/hello2} in B" ]
	[ "${lines[1]}" = "files/hello2: extra: only in B" ]
	[ "${lines[2]}" = "newdir: extra: only in B" ]
}

# xattr_copy: A becomes the generated xattrs/ directory, B a fresh copy
# of it that treecmp finds identical
xattr_copy() {
	A=$SRC/xattrs
	B=$BATS_TEST_TMPDIR/xattrs
	rm -rf "$B"
	cp -a "$A" "$B"
	"$TREECMP" "$A" "$B" || fail "a fresh copy of xattrs/ differs"
}

# expect_xattr LINE: treecmp exits 1 and prints LINE, nothing else
expect_xattr() {
	run "$TREECMP" "$A" "$B"
	echo "$output"
	[ "$status" = 1 ] || fail "treecmp exit $status, expected 1"
	[ "$output" = "$1" ] || fail "expected exactly: $1"
}

@test "treecmp: user. xattrs: a different value, a missing name, an extra name" {
	xattr_copy
	# same length, one byte changed; the old value holds a newline
	setfattr -n user.len_17 -v '17/0000000:X17/00' "$B/sizes"
	expect_xattr "sizes: xattr: user.len_17: '17/0000000:\\n17/00' (17 bytes) vs '17/0000000:X17/00' (17 bytes), first difference at byte 11"
	xattr_copy
	setfattr -n user.one -v xy "$B/sizes"           # longer
	expect_xattr "sizes: xattr: user.one: 'x' (1 bytes) vs 'xy' (2 bytes), first difference at byte 1"
	xattr_copy
	setfattr -n user.len_1000 -v "$(getfattr --only-values -n user.len_1000 "$A/sizes" | head -c 999)Z" "$B/sizes"
	expect_xattr "sizes: xattr: user.len_1000: (1000 bytes) vs (1000 bytes), first difference at byte 999"
	xattr_copy
	setfattr -n user.empty -v 0x00 "$B/sizes"       # empty against one NUL
	expect_xattr "sizes: xattr: user.empty: '' (0 bytes) vs '\\x00' (1 bytes), first difference at byte 0"
	xattr_copy
	setfattr -x user.shared "$B/shared/f7"
	expect_xattr "shared/f7: xattr: user.shared: only in A"
	xattr_copy
	setfattr -n user.new -v 1 "$B/dir"
	expect_xattr "dir: xattr: user.new: only in B"
	xattr_copy
	setfattr -n user.new -v 1 "$B/shared/d9"
	setfattr -x user.long "$B/long"
	run "$TREECMP" "$A" "$B"
	echo "$output"
	[ "$status" = 1 ]
	[ "${#lines[@]}" = 2 ]
	[ "${lines[0]}" = "long: xattr: user.long: only in A" ]
	[ "${lines[1]}" = "shared/d9: xattr: user.new: only in B" ]
	run "$TREECMP" --no-xattr "$A" "$B"
	[ "$status" = 0 ]
}

@test "treecmp: ACLs are xattrs: an access ACL changed, a default ACL removed" {
	xattr_copy
	# g:55 r-- becomes rw-: the mask, hence the mode, stay as they are
	setfacl -m g:55:rw- "$B/acl"
	run "$TREECMP" "$A" "$B"
	echo "$output"
	[ "$status" = 1 ]
	[ "${#lines[@]}" = 1 ]
	# 4-byte header, 8-byte entries: the 4th entry's permission is byte 30
	[[ $output == "acl: xattr: system.posix_acl_access: "*" (52 bytes) vs "*" (52 bytes), first difference at byte 30" ]]
	xattr_copy
	setfacl -k "$B/dir"
	expect_xattr "dir: xattr: system.posix_acl_default: only in A"
}

@test "treecmp: security.capability, security. and trusted. xattrs, also on a symlink" {
	require_root "for trusted. and security. xattrs"
	xattr_copy
	setcap cap_net_raw+ep "$B/cap"
	run "$TREECMP" "$A" "$B"
	echo "$output"
	[ "$status" = 1 ]
	[ "$output" = "cap: xattr: security.capability: '\\x01\\x00\\x00\\x02\\x00\$\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00' (20 bytes) vs '\\x01\\x00\\x00\\x02\\x00 \\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00' (20 bytes), first difference at byte 5" ]
	xattr_copy
	setfattr -n trusted.erofs_test -v 0x00fe00 "$B/sizes"
	expect_xattr "sizes: xattr: trusted.erofs_test: '\\x00\\xff\\x00' (3 bytes) vs '\\x00\\xfe\\x00' (3 bytes), first difference at byte 1"
	xattr_copy
	setfattr -h -x trusted.link "$B/link"
	expect_xattr "link: xattr: trusted.link: only in A"
	xattr_copy
	setfattr -h -n security.new -v 1 "$B/link"
	expect_xattr "link: xattr: security.new: only in B"
	xattr_copy
	setfattr -x security.erofs_test "$B/dir"
	expect_xattr "dir: xattr: security.erofs_test: only in A"
}

@test "treecmp: the empty origin mark mkfs.erofs gives a directory with a whiteout is no difference" {
	require_root "for trusted. xattrs and device nodes"
	local T=$BATS_TEST_TMPDIR/ovl
	mkdir -p "$T/a/wh" "$T/a/plain"
	mknod "$T/a/wh/gone" c 0 0
	cp -a "$T/a" "$T/b"
	# on either side, where that side's directory holds a whiteout
	setfattr -n trusted.overlay.origin -v "" "$T/b/wh"
	"$TREECMP" "$T/a" "$T/b" || fail "the mark on B is reported"
	"$TREECMP" "$T/b" "$T/a" || fail "the mark on A is reported"
	# not with a value, nor on a directory without a whiteout
	setfattr -n trusted.overlay.origin -v 0x01 "$T/b/wh"
	A=$T/a B=$T/b expect_xattr "wh: xattr: trusted.overlay.origin: only in B"
	setfattr -x trusted.overlay.origin "$T/b/wh"
	setfattr -n trusted.overlay.origin -v "" "$T/b/plain"
	A=$T/a B=$T/b expect_xattr "plain: xattr: trusted.overlay.origin: only in B"
}

@test "treecmp: root directory attributes are compared" {
	chmod 0700 "$B"
	expect_diff mode .
	chmod 0755 "$B"
	touch -d @1 "$B"
	expect_diff mtime .
}

@test "treecmp: usage and I/O errors exit 2" {
	run "$TREECMP" "$A"
	[ "$status" = 2 ]
	run "$TREECMP" "$A" "$BATS_TEST_TMPDIR/nonexistent"
	[ "$status" = 2 ]
	run "$TREECMP" --bogus "$A" "$B"
	[ "$status" = 2 ]
}

@test "gentree: two runs give identical trees" {
	gentree "$BATS_TEST_TMPDIR/again" --no-huge
	treecmp_ok "$A" "$BATS_TEST_TMPDIR/again"
	# and identical content bytes, not just equal stat data
	(cd "$A" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cat | sha256sum) >"$BATS_TEST_TMPDIR/s1"
	(cd "$BATS_TEST_TMPDIR/again" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cat | sha256sum) >"$BATS_TEST_TMPDIR/s2"
	cmp "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
}

@test "gentree: the tree holds what it promises" {
	cd "$A"
	[ "$(find . -type l | wc -l)" -gt 5 ]
	[ "$(find . -type p | wc -l)" -ge 2 ]
	if command -v python3 >/dev/null; then
		[ "$(find . -type s | wc -l)" = 1 ]
	fi
	[ "$(find bigdir -mindepth 1 -maxdepth 1 | wc -l)" -ge 3000 ]
	[ "$(readlink links/long_4095 | wc -c)" = 4096 ]      # + newline
	[ ! -e links/dangling ] && [ -L links/dangling ]
	[ "$(stat -c %h hard/a)" = 3 ]
	[ "$(stat -c %i hard/a)" = "$(stat -c %i hard/other/c)" ]
	for s in 0 1 511 512 513 4095 4096 4097 8191 8192 65537; do
		[ "$(stat -c %s files/size_$s)" = $s ]
	done
	[ "$(stat -c %Y.%y times/ns)" = "1234567890.2009-02-13 23:31:30.123456789 +0000" ]
	[ "$(stat -c %Y times/pre1970)" -lt 0 ]
	[ "$(find names -maxdepth 1 -name 'N*_long' -printf '%f' | wc -c)" = 255 ]
	[ -f "names/new
line" ]
	[ -f "names/$(printf 'bad\xff\xfe')" ]
	[ "$(stat -c %a modes/f4755)" = 4755 ]
	[ "$(stat -c %a modes/sticky_dir)" = 1777 ]
	# sparse files really are sparse
	[ "$(stat -c %s sparse/hole_only)" = 1048576 ]
	[ "$(stat -c %b sparse/hole_only)" = 0 ]
	[ "$(find deep -type f -printf '%d')" -ge 60 ]
	if is_root; then
		[ "$(stat -c %t:%T special/chr_big)" = "$(printf '%x:%x' 4000 1000000)" ]
		[ "$(stat -c %u:%g owners/u123456789_g987654321)" = 123456789:987654321 ]
		[ "$(stat -c %a modes/f0000)" = 0 ]
		[ -b special/blk ]
		[ "$(getcap xattrs/cap)" = "xattrs/cap cap_net_bind_service,cap_net_raw=ep" ]
		[ "$(getfattr -h --only-values -n trusted.link xattrs/link)" = "on a symlink" ]
		[ "$(getfattr --only-values -n security.erofs_test xattrs/dir)" = label ]
	fi
	# xattr values from empty to 3000 bytes, shared ones, ACLs
	v=$BATS_TEST_TMPDIR/value
	getfattr --only-values -n user.empty xattrs/sizes >"$v"
	[ "$(stat -c %s "$v")" = 0 ]
	getfattr --only-values -n user.long xattrs/long >"$v"
	[ "$(stat -c %s "$v")" = 3000 ]
	getfattr -n user.shared xattrs/shared/* >"$v"
	[ "$(grep -c '^user.shared="carried by every entry here"$' "$v")" = 40 ]
	getfacl -cn xattrs/dir >"$v"
	grep -qx 'user:1234:rwx' "$v"
	grep -qx 'default:group:55:r-x' "$v"
}

@test "gentree: the 5 GiB sparse file" {
	gentree "$BATS_TEST_TMPDIR/huge"
	f=$BATS_TEST_TMPDIR/huge/sparse/huge
	[ "$(stat -c %s "$f")" = $((5 * 1024 * 1024 * 1024)) ]
	# mostly holes: well under 1 MiB allocated
	[ "$(stat -c %b "$f")" -lt 2048 ]
	# data at the very end
	[ -n "$(tail -c 4097 "$f" | tr -d '\0')" ]
}

@test "gentree: --no-root tree built by an unprivileged user" {
	require_root "to switch to an unprivileged user"
	w=$(world_dir)
	mkdir "$w/t"
	chown 65534:65534 "$w/t"
	as_nobody "$GENTREE" --no-huge "$w/t"
	[ "$(find "$w/t" -type b -o -type c | wc -l)" = 0 ]
	[ "$(find "$w/t" ! -user 65534 | wc -l)" = 0 ]
	# nobody can read everything it generated
	as_nobody find "$w/t" -type f -exec cat {} + >/dev/null
}

@test "treecmp agrees with the kernel on a Debian mkfs.erofs 1.5 image" {
	require_erofs_mount
	[ -x "$DEB_MKFS" ] || skip "Debian erofs-utils not installed ($DEB_MKFS)"
	# 1.5 cannot handle 255-byte names; keep per-file mtimes (it defaults
	# to the build time) and store sparse files as chunks.
	gentree "$BATS_TEST_TMPDIR/t" --no-huge --no-longname
	"$DEB_MKFS" --quiet --preserve-mtime --chunksize=4096 "$BATS_TEST_TMPDIR/deb.img" "$BATS_TEST_TMPDIR/t"
	mount_image "$BATS_TEST_TMPDIR/deb.img" "$BATS_TEST_TMPDIR/mnt"
	treecmp_ok "$BATS_TEST_TMPDIR/t" "$BATS_TEST_TMPDIR/mnt"
	# and a planted difference is seen through the mount as well
	touch -d @1 "$BATS_TEST_TMPDIR/t/files/hello"
	run "$TREECMP" "$BATS_TEST_TMPDIR/t" "$BATS_TEST_TMPDIR/mnt"
	[ "$status" = 1 ]
	[ "$output" = "files/hello: mtime: 1.000000000 vs 1600000000.000000000" ]
}
