#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Extended attributes, POSIX ACLs and SELinux labels end to end: a tmpfs
# source full of them (user., trusted., security., ACLs on files and
# directories, 64 KiB values, dozens per inode, values shared by many
# inodes) is packed in every layout, loop-mounted, and what the kernel
# shows must equal the source byte for byte; fsck must find it clean and
# --extract --xattrs must restore it; Debian's fsck.erofs 1.5 must accept
# what it knows.

load helpers/common

setup_file() {
	# trusted.* and security.* need root to set, the tmpfs source too
	if ! is_root; then
		skip_file_required root "needs root to set trusted./security. attributes and mount a tmpfs"
		return
	fi
	export SRC="$BATS_FILE_TMPDIR/src"
	mkdir -p "$SRC"
	if ! mount -t tmpfs -o size=256m tmpfs "$SRC"; then
		skip_file_required kernel "cannot mount a tmpfs source"
		return
	fi
	_IN_SETUP_FILE=1 printf '%s\n' "$SRC" >>"$BATS_FILE_TMPDIR/.mounts"
	make_tree "$SRC"
}

teardown_file() {
	common_teardown_file
}

# setbig FILE NAME N CHAR: set NAME to N bytes of CHAR (past setfattr's
# argument length limit)
setbig() {
	python3 -c 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[4].encode() * int(sys.argv[3]), follow_symlinks=False)' "$@"
}

make_tree() {
	local s=$1 i
	mkdir -p "$s/dir/sub" "$s/acl" "$s/many" "$s/share"
	echo plain >"$s/plain"                         # no attributes at all
	# the same pair on many inodes: shared with -x 1 and by default
	for i in $(seq 1 12); do
		echo "file $i" >"$s/share/f$i"
		setfattr -n user.common -v "the same value" "$s/share/f$i"
		setfattr -n trusted.common -v 0x00ff00ff "$s/share/f$i"
		setfattr -n user.own -v "own $i" "$s/share/f$i"
	done
	setfattr -n user.common -v "the same value" "$s/share"
	# every namespace, binary values with NULs, an empty value
	echo data >"$s/dir/file"
	setfattr -n user.text -v "hello world" "$s/dir/file"
	setfattr -n user.empty "$s/dir/file"
	setfattr -n user.bin -v 0x00010203fffe00 "$s/dir/file"
	setfattr -n trusted.t -v 0xdeadbeef "$s/dir/file"
	setfattr -n security.ima -v 0x0404cafe "$s/dir/file"
	setfattr -n user.dir -v "on a directory" "$s/dir/sub"
	setfattr -n "user.$(printf 'n%.0s' $(seq 1 250))" -v long-name "$s/dir/file"
	# symlinks and special files carry trusted./security. only
	ln -s file "$s/dir/link"
	setfattr -h -n trusted.link -v on-the-link "$s/dir/link"
	setfattr -h -n security.lnk -v 0x01 "$s/dir/link"
	mkfifo "$s/dir/fifo"
	setfattr -n trusted.fifo -v 1 "$s/dir/fifo"
	# POSIX ACLs: access on files, access and default on directories
	echo acl >"$s/acl/file"
	setfacl -m u:nobody:r,g:nogroup:rw "$s/acl/file"
	setfacl -m u:nobody:rx -d -m u:nobody:rwx,g:nogroup:rx "$s/acl"
	mkdir "$s/acl/inherits"
	# a 64 KiB value (the most EROFS holds) and dozens of attributes
	setbig "$s/many" user.big 65535 A
	: >"$s/many/dozens"
	for i in $(seq 1 40); do
		setbig "$s/many/dozens" "user.attr$i" $((i * 97)) "$(printf "\\$(printf %03o $((i + 64)))")"
	done
	# more than an inline body can hold: some must go to the shared area
	: >"$s/many/huge"
	for i in 1 2 3 4 5; do
		setbig "$s/many/huge" "user.huge$i" 65535 "$i"
	done
	# data in every layout, with attributes: inline tail, blocks,
	# compressible, sparse
	head -c 100 /dev/urandom >"$s/dir/tail"
	seq 1 200000 >"$s/dir/compressible"
	truncate -s 10M "$s/dir/sparse"
	echo end >>"$s/dir/sparse"
	for f in tail compressible sparse; do
		setfattr -n user.layout -v "$f" "$s/dir/$f"
		setfattr -n security.selinux -v "system_u:object_r:${f}_t:s0" "$s/dir/$f"
	done
	# overlayfs-style names for --xattr-prefix
	mkdir "$s/ovl"
	setfattr -n trusted.overlay.opaque -v y "$s/ovl"
	setfattr -n trusted.overlay.origin -v 0x00fb21 "$s/ovl"
	setfattr -n trusted.overlay.redirect -v /a/b "$s/ovl"
}

# dump_ok ARGS...: our dump.erofs must succeed; sets $output
dump_ok() {
	run "$DUMP" "$@"
	echo "$output"
	[ "$status" = 0 ] || fail "dump.erofs $*: exit $status"
}

# xattr_snapshot DIR: every entry's attributes (hex) and ACLs, one line per
# attribute, in a fixed order whatever the listing order.
xattr_snapshot() {
	(cd "$1" && getfattr -R -h -d -m - -e hex . 2>/dev/null) |
		awk '/^# file: /{f=substr($0, 9); next} NF{print f "\t" $0}' | LC_ALL=C sort
	(cd "$1" && getfacl -R -P -p -n . 2>/dev/null) |
		awk '/^# file: /{f=substr($0, 9); next} NF{print "acl " f "\t" $0}' | LC_ALL=C sort
}

# build_mount_compare [MKFS OPTIONS]: build, mount, compare with $SRC,
# check with our fsck, restore with --extract --xattrs and compare again.
build_mount_compare() {
	local img=$BATS_TEST_TMPDIR/img mnt=$BATS_TEST_TMPDIR/mnt out=$BATS_TEST_TMPDIR/out
	require_mkfs
	require_erofs_mount
	require_cmd getfattr
	require_cmd getfacl
	run "$MKFS" --quiet -T 0 --mkfs-time -U clear "$@" "$img" "$SRC"
	echo "$output"
	[ "$status" = 0 ] || fail "mkfs.erofs $* failed"
	mount_image "$img" "$mnt"
	xattr_snapshot "$SRC" >"$BATS_TEST_TMPDIR/want"
	xattr_snapshot "$mnt" >"$BATS_TEST_TMPDIR/got"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/want")" -gt 100 ] || fail "source snapshot too small"
	diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got" | head -40 >&2
	cmp -s "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got" ||
		fail "attributes differ under the kernel mount"
	treecmp_ok "$SRC" "$mnt"
	run "$FSCK" "$img"
	echo "$output"
	[ "$status" = 0 ] || fail "fsck.erofs $img: exit $status"
	# ext4 could not hold the 64 KiB values: restore onto a tmpfs
	mkdir -p "$out"
	mount -t tmpfs -o size=256m tmpfs "$out"
	printf '%s\n' "$out" >>"$BATS_TEST_TMPDIR/.mounts"
	run "$FSCK" --extract="$out" --overwrite --xattrs "$img"
	echo "$output"
	[ "$status" = 0 ] || fail "fsck.erofs --extract --xattrs: exit $status"
	xattr_snapshot "$out" >"$BATS_TEST_TMPDIR/restored"
	diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/restored" | head -40 >&2
	cmp -s "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/restored" ||
		fail "attributes differ after fsck --extract --xattrs"
}

@test "xattr: default sharing (-x 2), kernel mount shows every attribute and ACL" {
	build_mount_compare
	dump_ok -s "$BATS_TEST_TMPDIR/img"
	[[ "$output" == *xattr_filter* ]]
	[[ "$output" =~ $'\n'"Filesystem shared xattr metadata start block: "+[1-9][0-9]*$'\n' ]] ||
		fail "no shared xattr area (Xattr start block 0 or missing)"
}

@test "xattr: inline only (huge -x), kernel mount" {
	build_mount_compare -x 2147483647
	# only the 5 x 64 KiB inode needs the shared area
	dump_ok --path=/share/f1 "$BATS_TEST_TMPDIR/img"
	[[ "$output" == *'user.common            inline "the same value"'* ]]
	[[ "$output" != *" shared "* ]]
	dump_ok --path=/many/huge "$BATS_TEST_TMPDIR/img"
	[[ "$output" == *" shared "* ]]
}

@test "xattr: -x 1 shares what two inodes carry, kernel mount" {
	build_mount_compare -x 1
	dump_ok --path=/share/f3 "$BATS_TEST_TMPDIR/img"
	[[ "$output" == *'user.common            shared "the same value"'* ]]
	[[ "$output" == *'user.own               inline "own 3"'* ]]
}

@test "xattr: compressed (-zlz4hc), kernel mount" {
	build_mount_compare -zlz4hc
	dump_ok --path=/dir/compressible "$BATS_TEST_TMPDIR/img"
	[[ "$output" == *compressed* ]]
}

@test "xattr: compressed with ztailpacking and big pclusters, kernel mount" {
	build_mount_compare -zlz4hc -C 16384 -E ztailpacking -x 1
}

@test "xattr: 512-byte blocks (-b 512), kernel mount" {
	build_mount_compare -b 512
}

@test "xattr: 512-byte blocks, compressed, -x 1" {
	build_mount_compare -b 512 -zlz4 -x 1
}

@test "xattr: 1024- and 2048-byte blocks" {
	build_mount_compare -b 1024
	umount_image "$BATS_TEST_TMPDIR/mnt"
	umount_image "$BATS_TEST_TMPDIR/out"
	build_mount_compare -b 2048 -x 1
}

@test "xattr: --xattr-prefix stores long prefixes once, kernel mount" {
	build_mount_compare --xattr-prefix=trusted.overlay. --xattr-prefix=user.attr
	dump_ok -s "$BATS_TEST_TMPDIR/img"
	[[ "$output" == *xattr_prefixes* ]]
	dump_ok --path=/ovl "$BATS_TEST_TMPDIR/img"
	[[ "$output" == *'trusted.overlay.redirect inline "/a/b"'* ]]
}

@test "xattr: an unused --xattr-prefix sets no feature" {
	require_mkfs
	img=$BATS_TEST_TMPDIR/img
	"$MKFS" --quiet -T 0 -U clear --xattr-prefix=security.nothing. "$img" "$SRC"
	dump_ok -s "$img"
	[[ "$output" == *$'\n'"Filesystem features: "* ]] || fail "dump -s shows no Features line"
	[[ "$output" != *xattr_prefixes* ]]
}

@test "xattr: the same tree gives the same image, whatever listxattr order" {
	require_mkfs
	"$MKFS" --quiet -T 0 -U clear "$BATS_TEST_TMPDIR/a" "$SRC"
	cp -a "$SRC" "$BATS_TEST_TMPDIR/copy"	# ext4: another listing order
	# ext4 holds neither the 64 KiB nor the dozens: compare without them
	rm -rf "$BATS_TEST_TMPDIR/copy/many"
	mkdir "$BATS_TEST_TMPDIR/copy2"
	cp -a "$SRC/." "$BATS_TEST_TMPDIR/copy2/"
	rm -rf "$BATS_TEST_TMPDIR/copy2/many"
	"$MKFS" --quiet -T 0 -U clear "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/copy"
	"$MKFS" --quiet -T 0 -U clear "$BATS_TEST_TMPDIR/c" "$BATS_TEST_TMPDIR/copy2"
	cmp "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/c"
}

@test "xattr: 5000 inodes' attributes read on one thread or four: same image, kernel agrees" {
	require_mkfs
	require_erofs_mount
	require_cmd getfattr
	local t=$BATS_TEST_TMPDIR/bulk mnt=$BATS_TEST_TMPDIR/mnt
	# more inodes than one batch of reads (4096)
	python3 - "$t" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(50):
    p = os.path.join(root, "d%02d" % d)
    os.makedirs(p)
    for f in range(100):
        q = os.path.join(p, "f%03d" % f)
        with open(q, "w") as fh:
            fh.write("x")
        os.setxattr(q, "user.k", str((d * 100 + f) % 7).encode())
        if f % 10 == 0:
            os.setxattr(q, "user.own", ("own %d %d" % (d, f)).encode())
PY
	run "$MKFS" --quiet -T 0 -U clear --workers=1 "$BATS_TEST_TMPDIR/one" "$t"
	[ "$status" = 0 ]
	run "$MKFS" --quiet -T 0 -U clear --workers=4 "$BATS_TEST_TMPDIR/four" "$t"
	[ "$status" = 0 ]
	cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/four"
	mount_image "$BATS_TEST_TMPDIR/four" "$mnt"
	xattr_snapshot "$t" >"$BATS_TEST_TMPDIR/want"
	xattr_snapshot "$mnt" >"$BATS_TEST_TMPDIR/got"
	[ "$(grep -c user.k "$BATS_TEST_TMPDIR/want")" = 5000 ]
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "xattr: -x -1 builds without attributes, with a warning, same bytes as a bare tree" {
	require_mkfs
	run "$MKFS" --quiet -T 0 -U clear -x -1 "$BATS_TEST_TMPDIR/a" "$SRC"
	[ "$status" = 0 ]
	[[ "$output" == *"warning: -x -1: building without extended attributes"* ]]
	# same tree without attributes: a tar copy minus xattrs and ACLs
	mkdir "$BATS_TEST_TMPDIR/bare"
	mount -t tmpfs tmpfs "$BATS_TEST_TMPDIR/bare"
	printf '%s\n' "$BATS_TEST_TMPDIR/bare" >>"$BATS_TEST_TMPDIR/.mounts"
	(cd "$SRC" && tar --format=posix --no-xattrs --no-acls --sparse -cf - .) |
		tar --no-xattrs --no-acls -xpf - --same-owner -C "$BATS_TEST_TMPDIR/bare"
	touch -r "$SRC" "$BATS_TEST_TMPDIR/bare"
	chmod --reference="$SRC" "$BATS_TEST_TMPDIR/bare"
	[ -z "$(getfattr -R -d -m - "$BATS_TEST_TMPDIR/bare" 2>/dev/null)" ] ||
		fail "the bare copy still has attributes"
	"$MKFS" --quiet -T 0 -U clear "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/bare"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	dump_ok -s "$BATS_TEST_TMPDIR/a"
	[[ "$output" == *$'\n'"Filesystem features: "* ]] || fail "dump -s shows no Features line"
	[[ "$(grep features <<<"$output")" != *xattr* ]]
}

@test "xattr: a value EROFS cannot hold (64 KiB + 1) fails in one line" {
	require_mkfs
	d=$BATS_TEST_TMPDIR/t
	mkdir "$d"
	mount -t tmpfs tmpfs "$d"
	printf '%s\n' "$d" >>"$BATS_TEST_TMPDIR/.mounts"
	: >"$d/f"
	setbig "$d/f" user.too 65536 B || skip_required xattr "tmpfs refuses 64 KiB + 1 values"
	mkfs_must_fail "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/img" "$d"
	[[ "$mkfs_err" == *"user.too: value longer than EROFS's 65535 bytes"* ]]
}

@test "xattr: Debian's fsck.erofs 1.5 accepts the 4 KiB images" {
	[ -x "$DEB_FSCK" ] || skip "Debian's $DEB_FSCK is not installed"
	require_mkfs
	for opts in "" "-x 1" "-x 2147483647" "-zlz4hc"; do
		# shellcheck disable=SC2086
		"$MKFS" --quiet -T 0 -U clear $opts "$BATS_TEST_TMPDIR/img" "$SRC"
		run "$DEB_FSCK" "$BATS_TEST_TMPDIR/img"
		echo "$opts: $output"
		[ "$status" = 0 ] || fail "Debian fsck.erofs rejects the image built with '$opts'"
	done
	# erofs-utils 1.5 knows neither 512-byte blocks nor long prefixes
	# (INCOMPAT_XATTR_PREFIXES); the kernel tests above decide those.
}

@test "xattr: --file-contexts labels files, directories and symlinks" {
	require_mkfs
	require_erofs_mount
	"$MKFS" --help | grep -q -- --file-contexts
	fc=$BATS_TEST_TMPDIR/file_contexts
	cat >"$fc" <<-'EOF'
	/			system_u:object_r:root_t:s0
	/dir(/.*)?		system_u:object_r:dir_t:s0
	/dir/file	--	system_u:object_r:file_t:s0
	/dir/link	-l	system_u:object_r:link_t:s0
	/dir/sub	-d	system_u:object_r:subdir_t:s0
	/acl/.*			<<none>>
	EOF
	img=$BATS_TEST_TMPDIR/img mnt=$BATS_TEST_TMPDIR/mnt
	run "$MKFS" --quiet -T 0 -U clear --file-contexts="$fc" "$img" "$SRC"
	echo "$output"
	[ "$status" = 0 ]
	mount_image "$img" "$mnt"
	label() { getfattr -h --only-values -n security.selinux "$mnt/$1" 2>/dev/null | tr -d '\0'; }
	[ "$(label .)" = system_u:object_r:root_t:s0 ]
	[ "$(label dir)" = system_u:object_r:dir_t:s0 ]
	[ "$(label dir/file)" = system_u:object_r:file_t:s0 ]
	[ "$(label dir/link)" = system_u:object_r:link_t:s0 ]
	[ "$(label dir/sub)" = system_u:object_r:subdir_t:s0 ]
	# the source's own label is replaced
	[ "$(label dir/tail)" = system_u:object_r:dir_t:s0 ]
	[ -z "$(label acl/file)" ]
	# labels come with their NUL, as setfiles writes them
	[ "$(getfattr -h --only-values -n security.selinux "$mnt/dir" | od -An -c | tr -d ' \n' | tail -c 2)" = '\0' ]
	# the other attributes are untouched
	[ "$(getfattr --only-values -n user.text "$mnt/dir/file")" = "hello world" ]
	umount_image "$mnt"
	# --mount-point: paths are looked up below it
	sed -e 's|^/\([^\t]\)|/system/\1|' -e 's|^/\t|/system\t|' "$fc" >"$fc.sys"
	"$MKFS" --quiet -T 0 -U clear --mount-point=/system --file-contexts="$fc.sys" "$img" "$SRC"
	mount_image "$img" "$mnt"
	[ "$(label dir/file)" = system_u:object_r:file_t:s0 ]
	[ "$(label .)" = system_u:object_r:root_t:s0 ]
}

@test "xattr: --file-contexts with a missing file fails in one line" {
	require_mkfs
	mkfs_must_fail "$BATS_TEST_TMPDIR/img" --file-contexts=/nonexistent/fc "$BATS_TEST_TMPDIR/img" "$SRC"
	[[ "$mkfs_err" == *"/nonexistent/fc"* ]]
}

@test "xattr: bad --xattr-prefix is refused" {
	require_mkfs
	mkfs_must_fail_usage "$BATS_TEST_TMPDIR/img" --xattr-prefix=foo. "$BATS_TEST_TMPDIR/img" "$SRC"
	mkfs_must_fail_usage "$BATS_TEST_TMPDIR/img" --xattr-prefix=user. "$BATS_TEST_TMPDIR/img" "$SRC"
}
