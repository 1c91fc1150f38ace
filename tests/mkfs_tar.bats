#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# mkfs.erofs --tar: a tree as a pax tarball builds an image the kernel shows
# exactly like the image of the same tree as a directory; compressed and
# standard-input streams work; malformed archives fail cleanly.

load helpers/common

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	# tar keeps no sockets; the 5 GiB sparse file is left to other suites
	gentree --no-huge --no-socket "$SRC"
	# the pax xattr and ACL records under test (attr and acl: CI's setup)
	setfattr -n user.tar -v yes "$SRC/files/hello"
	mkdir -p "$SRC/acl"
	setfacl -m u:1234:rwx,g:55:r "$SRC/acl"
	setfacl -d -m g:55:rx "$SRC/acl"
	truncate -s 3M "$SRC/acl/sparse"
	echo tail >> "$SRC/acl/sparse"
	export TARBALL="$BATS_FILE_TMPDIR/src.tar"
	(cd "$SRC" && tar --xattrs --xattrs-include='*' --acls --numeric-owner \
		--format=pax --sparse -cf "$TARBALL" .)
}

# tarimg IMG [MKFS OPTIONS] [SOURCE]: build with --tar, check the contract
tarimg() {
	local img=$1
	shift
	require_mkfs
	run "$MKFS" --quiet -T 0 -U clear --tar "$img" "$@"
	echo "$output"
	[ "$status" = 0 ] || fail "mkfs.erofs --tar $* failed"
	[ -z "$(ls -A "$(dirname "$img")" | grep stage)" ] || fail "staging file left behind"
}

# attrs DIR: every entry's xattrs and ACLs, as text, sorted by path
attrs() {
	(cd "$1" && getfattr -R -d -m - -h -e hex . 2>/dev/null) |
		awk '/^# file: /{ f = substr($0, 9); next } NF { print f "\t" $0 }' |
		LC_ALL=C sort
}

# attrs_same A B [LINE]: A and B carry the same xattrs, and A the planted
# ones (an empty listing on both sides, e.g. without getfattr, proves
# nothing); LINE, an attrs line A must have and B not, is left out
attrs_same() {
	local a b
	a=$(attrs "$1")
	b=$(attrs "$2")
	if [ -n "${3:-}" ]; then
		grep -qxF "$3" <<<"$a" || fail "no '$3' in $1"
		! grep -qxF "$3" <<<"$b" || fail "'$3' in $2 too"
		a=$(grep -vxF "$3" <<<"$a")
	fi
	[[ $a == *"user.tar=0x796573"* ]] || fail "no user.tar in $1: $a"
	[[ $a == *"system.posix_acl_default="* ]] || fail "no default ACL in $1"
	[ "$a" = "$b" ] || {
		diff <(echo "$a") <(echo "$b") | head -20
		fail "xattrs differ between $1 and $2"
	}
}

@test "tar: a pax tarball gives what the kernel shows for the directory" {
	require_erofs_mount
	tarimg "$BATS_TEST_TMPDIR/t.img" "$TARBALL"
	run "$MKFS" --quiet -T 0 -U clear "$BATS_TEST_TMPDIR/d.img" "$SRC"
	[ "$status" = 0 ]
	mount_image "$BATS_TEST_TMPDIR/t.img" "$BATS_TEST_TMPDIR/mt"
	mount_image "$BATS_TEST_TMPDIR/d.img" "$BATS_TEST_TMPDIR/md"
	# GNU tar records no hardlinks between FIFOs or devices: those stay apart
	local nolinks="--skip hard/fifo --skip hard/other/fifo_hl --skip special/chr_hl --skip special/chr_hl2"
	# shellcheck disable=SC2086
	treecmp_ok $nolinks "$BATS_TEST_TMPDIR/md" "$BATS_TEST_TMPDIR/mt"
	# a directory source's whiteout (special/chr_zero) gets its directory
	# the overlayfs origin mark; a tarball's raw one does not (erofs-utils
	# 1.9.3 alike: only --aufs whiteouts mark theirs)
	attrs_same "$BATS_TEST_TMPDIR/md" "$BATS_TEST_TMPDIR/mt" \
		"$(printf 'special\ttrusted.overlay.origin=0x')"
	# and, without -T pinning times, the tree itself: owners, ns mtimes
	run "$MKFS" --quiet --tar "$BATS_TEST_TMPDIR/n.img" "$TARBALL"
	[ "$status" = 0 ]
	mount_image "$BATS_TEST_TMPDIR/n.img" "$BATS_TEST_TMPDIR/mn"
	# libarchive 3.6 reads a negative fractional pax mtime ("-1234567.5")
	# as -1234567 s + 0.5 s: one second late, a reader-side limitation
	# shellcheck disable=SC2086
	treecmp_ok $nolinks --skip times/pre1970 "$SRC" "$BATS_TEST_TMPDIR/mn"
	attrs_same "$SRC" "$BATS_TEST_TMPDIR/mn"
	getfacl -n "$BATS_TEST_TMPDIR/mn/acl" | grep -q '^user:1234:rwx'
}

@test "tar: compressed image from a tarball" {
	require_erofs_mount
	tarimg "$BATS_TEST_TMPDIR/t.img" -zlz4hc "$TARBALL"
	mount_image "$BATS_TEST_TMPDIR/t.img" "$BATS_TEST_TMPDIR/mt"
	treecmp_ok --no-mtime --skip hard/fifo --skip hard/other/fifo_hl \
		--skip special/chr_hl --skip special/chr_hl2 "$SRC" "$BATS_TEST_TMPDIR/mt"
}

@test "tar: .tar.gz, .tar.xz and standard input give the same image" {
	tarimg "$BATS_TEST_TMPDIR/plain.img" "$TARBALL"
	gzip -c "$TARBALL" > "$BATS_TEST_TMPDIR/src.tar.gz"
	xz -c "$TARBALL" > "$BATS_TEST_TMPDIR/src.tar.xz"
	tarimg "$BATS_TEST_TMPDIR/gz.img" --ungzip "$BATS_TEST_TMPDIR/src.tar.gz"
	cmp "$BATS_TEST_TMPDIR/plain.img" "$BATS_TEST_TMPDIR/gz.img"
	tarimg "$BATS_TEST_TMPDIR/xz.img" --unxz "$BATS_TEST_TMPDIR/src.tar.xz"
	cmp "$BATS_TEST_TMPDIR/plain.img" "$BATS_TEST_TMPDIR/xz.img"
	run bash -c "'$MKFS' --quiet -T 0 -U clear --tar '$BATS_TEST_TMPDIR/in.img' < '$BATS_TEST_TMPDIR/src.tar.gz'"
	[ "$status" = 0 ]
	cmp "$BATS_TEST_TMPDIR/plain.img" "$BATS_TEST_TMPDIR/in.img"
	run bash -c "cat '$TARBALL' | '$MKFS' --quiet -T 0 -U clear --tar=f '$BATS_TEST_TMPDIR/dash.img' -"
	[ "$status" = 0 ]
	cmp "$BATS_TEST_TMPDIR/plain.img" "$BATS_TEST_TMPDIR/dash.img"
}

# mktar NAME: small hand-made archives of awkward shapes (python3 tarfile)
mktar() {
	command -v python3 >/dev/null || skip "python3 is not installed"
	python3 - "$BATS_TEST_TMPDIR/$1.tar" "$1" <<'PY'
import io, sys, tarfile
out, kind = sys.argv[1], sys.argv[2]
def reg(name, data):
    i = tarfile.TarInfo(name); i.size = len(data); i.mtime = 1000; return (i, io.BytesIO(data))
def link(name, target, t=tarfile.LNKTYPE):
    i = tarfile.TarInfo(name); i.type = t; i.linkname = target; i.mtime = 1000; return (i, None)
def dir_(name, mode):
    i = tarfile.TarInfo(name); i.type = tarfile.DIRTYPE; i.mode = mode; i.mtime = 2000; return (i, None)
m = {
  "order": [reg("./d/sub/f", b"f"), dir_("./d/sub", 0o700), dir_("d", 0o750),
            reg("a", b"old"), reg("./a", b"newer"), link("d/hl", "a"), link("d/sl", "../a", tarfile.SYMTYPE)],
  "dotdot": [reg("x/../../evil", b"e")],
  "hlmissing": [reg("a", b"a"), link("b", "nothere")],
  "hlroot": [link("b", "./")],
  "dirfile": [reg("d", b"d"), reg("d/f", b"f")],
}[kind]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for i, f in m:
        t.addfile(i, f)
PY
}

@test "tar: directories after their children, ./ prefixes, repeats, links" {
	require_erofs_mount
	mktar order
	tarimg "$BATS_TEST_TMPDIR/o.img" "$BATS_TEST_TMPDIR/order.tar"
	mount_image "$BATS_TEST_TMPDIR/o.img" "$BATS_TEST_TMPDIR/m"
	m=$BATS_TEST_TMPDIR/m
	[ "$(cat "$m/a")" = newer ]		# the later entry wins
	[ "$(stat -c %a "$m/d")" = 750 ]	# its own entry, after its child
	[ "$(stat -c %a "$m/d/sub")" = 700 ]
	[ "$(stat -c %i "$m/a")" = "$(stat -c %i "$m/d/hl")" ]
	[ "$(stat -c %h "$m/a")" = 2 ]
	[ "$(readlink "$m/d/sl")" = ../a ]
	[ "$(cat "$m/d/sub/f")" = f ]
}

# badtar NAME REASON: mkfs fails with the reason and the archive offset,
# leaving nothing at DEST and no staging file
badtar() {
	local dir=$BATS_TEST_TMPDIR/out
	mkdir -p "$dir"
	run "$MKFS" --quiet --tar "$dir/img" "$1"
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == "mkfs.erofs: "*"$2"*"(archive offset "[0-9]*")" ]]
	[ -z "$(ls -A "$dir")" ] || fail "left behind: $(ls -A "$dir")"
}

@test "tar: names escaping the root, bad hardlinks, a file as a parent" {
	mktar dotdot; badtar "$BATS_TEST_TMPDIR/dotdot.tar" 'would leave the image root'
	mktar hlmissing; badtar "$BATS_TEST_TMPDIR/hlmissing.tar" 'hardlink to an entry not in the archive'
	mktar hlroot; badtar "$BATS_TEST_TMPDIR/hlroot.tar" 'hardlink to a directory'
	mktar dirfile; badtar "$BATS_TEST_TMPDIR/dirfile.tar" 'a parent is not a directory'
}

@test "tar: truncated, bad checksum and absurd size archives" {
	head -c 20000 "$TARBALL" > "$BATS_TEST_TMPDIR/trunc.tar"
	badtar "$BATS_TEST_TMPDIR/trunc.tar" 'runcated'
	# a header checksum that no longer matches
	cp "$TARBALL" "$BATS_TEST_TMPDIR/sum.tar"
	printf 'ZZZZZZZ' | dd of="$BATS_TEST_TMPDIR/sum.tar" bs=1 seek=148 conv=notrunc status=none
	badtar "$BATS_TEST_TMPDIR/sum.tar" 'archive'
	# a size field far past the end of the stream, checksum fixed up
	command -v python3 >/dev/null || skip "python3 is not installed"
	mktar order
	python3 - "$BATS_TEST_TMPDIR/order.tar" "$BATS_TEST_TMPDIR/big.tar" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
for off in range(0, len(d), 512):
    if d[off+257:off+262] == b"ustar" and d[off+156:off+157] == b"0":
        d[off+124:off+136] = b"77777777777\0"
        d[off+148:off+156] = b" " * 8
        d[off+148:off+156] = b"%06o\0 " % sum(d[off:off+512])
        break
open(sys.argv[2], "wb").write(d)
PY
	badtar "$BATS_TEST_TMPDIR/big.tar" 'runcated'
}

@test "tar: unknown modes and block map files are refused with a reason, and so is a missing archive" {
	run "$MKFS" --tar=x "$BATS_TEST_TMPDIR/x.img" "$TARBALL"
	[ "$status" = 1 ]
	[[ "$output" == *"--tar=x: use --tar=f (full), --tar=i (index) or --tar=headerball"* ]]
	run "$MKFS" --tar=i,map "$BATS_TEST_TMPDIR/x.img" "$TARBALL"
	[ "$status" = 1 ]
	[[ "$output" == *"--tar=i,map: a block map file is not supported"* ]]
	run "$MKFS" --quiet --tar "$BATS_TEST_TMPDIR/x.img" "$BATS_TEST_TMPDIR/nope.tar"
	[ "$status" = 1 ]
	[[ "$output" == "mkfs.erofs: "*"nope.tar"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/x.img" ]
}
