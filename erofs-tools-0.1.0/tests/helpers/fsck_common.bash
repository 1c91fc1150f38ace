# SPDX-License-Identifier: MIT
# Shared by fsck*.bats and dump*.bats: tool paths, a small fixed source tree
# that exercises every layout and file type, and a tree comparison.

: "${top_builddir:?top_builddir must point at the build tree}"
FSCK=$top_builddir/fsck/fsck.erofs
DUMP=$top_builddir/dump/dump.erofs
OUR_MKFS=$top_builddir/mkfs/mkfs.erofs
# Debian's erofs-utils 1.5, always by absolute path so the two never mix
DEB_MKFS=/usr/bin/mkfs.erofs
DEB_DUMP=/usr/bin/dump.erofs
ZERO_UUID=00000000-0000-0000-0000-000000000000

# skip_required, skip_file_required (shared with common.bash)
source "$BATS_TEST_DIRNAME/helpers/skip.bash"

# bats 1.8 has no fail(); keep the message on the test's output.
fail() {
	printf '%s\n' "$*" >&2
	return 1
}

is_root() { [ "$(id -u)" = 0 ]; }

need_deb_mkfs() {
	[ -x "$DEB_MKFS" ] || skip "Debian's $DEB_MKFS is not installed"
}

# Build with our mkfs, or skip while it cannot build this tree yet.
our_mkfs() {
	[ -x "$OUR_MKFS" ] || fail "our mkfs.erofs is not built"
	"$OUR_MKFS" "$@" >"$BATS_TEST_TMPDIR/ourmkfs.log" 2>&1 ||
		fail "our mkfs.erofs failed: $(tail -1 "$BATS_TEST_TMPDIR/ourmkfs.log")"
}

# fsck_make_tree DIR: files of every size class (empty, inline tail, whole
# blocks, blocks + tail, multi-block), a directory spanning several blocks,
# hardlinks, symlinks, a FIFO, nanosecond mtimes, odd modes, and devices and
# foreign owners when root.
fsck_make_tree() {
	local d=$1 i
	mkdir -p "$d/dir/sub/deeper" "$d/many" "$d/empty-dir"
	: > "$d/empty"
	printf 'hello\n' > "$d/small"
	head -c 4096 /dev/zero | tr '\0' 'a' > "$d/one-block"
	seq 1 3000 > "$d/blocks-and-tail"
	seq 1 100000 > "$d/multi-block"
	head -c 20000 /dev/zero > "$d/zeros"
	printf 'deep\n' > "$d/dir/sub/deeper/file"
	for i in $(seq 1 300); do
		printf '%s\n' "$i" > "$d/many/entry-with-a-rather-long-name-$i"
	done
	ln "$d/small" "$d/dir/hardlink-to-small"
	ln "$d/small" "$d/dir/sub/another-link"
	ln -s small "$d/symlink"
	ln -s "$(printf 'x%.0s' $(seq 1 300))" "$d/dir/long-symlink"
	ln -s /nonexistent/target "$d/dangling"
	mkfifo "$d/fifo"
	chmod 4755 "$d/one-block"
	chmod 0600 "$d/multi-block"
	chmod 1777 "$d/empty-dir"
	if is_root; then
		mknod "$d/chardev" c 1 3
		mknod "$d/blockdev" b 7 200
		mknod "$d/bigminor" c 4 300000
		chown 1234:5678 "$d/small"
		chown -h 42:43 "$d/symlink"
		chown 7:8 "$d/dir"
	fi
	# mtimes last, directories after their contents
	find "$d" ! -type d -exec touch -h -d '2021-03-04 05:06:07.123456789' {} +
	touch -h -d '1999-12-31 23:59:59.5' "$d/symlink"
	find "$d" -depth -type d -exec touch -d '2020-01-02 03:04:05.987654321' {} +
}

# One line per entry: path, type, mode, owner, size, ns mtime, link count,
# symlink target; then device numbers.  Directory sizes and link counts
# depend on the filesystem, so they are left out.
fsck_tree_listing() {
	(cd "$1" && find . -mindepth 1 \
		\( -type d -printf '%P|d|%m|%U:%G|%T@\n' \
		-o -printf '%P|%y|%m|%U:%G|%s|%T@|%n|%l\n' \) | sort)
	(cd "$1" && find . -mindepth 1 \( -type c -o -type b \) \
		-exec stat -c '%n %t:%T' {} + | sort)
}

# fsck_compare_trees SRC DST: same entries, metadata and file contents.
fsck_compare_trees() {
	diff <(fsck_tree_listing "$1") <(fsck_tree_listing "$2") || return 1
	diff -r --no-dereference "$1" "$2" >/dev/null 2>&1 ||
		diff -r --no-dereference "$1" "$2" | grep -v ' is a fifo while ' |
		grep -v ' is a character special file while ' |
		grep -v ' is a block special file while ' | { ! grep .; }
}
