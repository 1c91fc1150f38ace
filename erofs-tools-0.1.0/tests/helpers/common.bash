# SPDX-License-Identifier: MIT
# Shared helpers for the bats suites.  Load with:  load helpers/common
#
# Environment:
#   top_builddir   absolute build directory (default: the source tree)
#   TREECMP        path of the treecmp helper (default: built by make check,
#                  else compiled on the fly into the bats run directory)
#   REQUIRE_KERNEL 1: a test that would skip for want of root, loop devices,
#                  kernel EROFS, tmpfs, xattr or FUSE support fails instead
#                  (CI sets it: there, such a skip is a broken runner);
#                  see helpers/skip.bash
#   TEST_PRETEND_MISSING  words among "loop erofs": require_erofs_mount
#                  acts as if that were missing (to check the gate)

: "${top_builddir:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
export top_builddir

MKFS="$top_builddir/mkfs/mkfs.erofs"
FSCK="$top_builddir/fsck/fsck.erofs"
DUMP="$top_builddir/dump/dump.erofs"
# Debian's erofs-utils 1.5, the reference peers
DEB_MKFS=/usr/bin/mkfs.erofs
DEB_FSCK=/usr/bin/fsck.erofs
DEB_DUMP=/usr/bin/dump.erofs
GENTREE="$BATS_TEST_DIRNAME/helpers/gentree.sh"
# erofs-utils 1.9.3 built from source by ../shared/tools/build-erofs-utils.sh,
# the reference peer for interop; EU19_BIN overrides where it lives.  CI
# cannot build it: tests that want it call require_eu19 and skip without it.
: "${EU19_BIN:=/tmp/erofs-utils-1.9.3/bin}"
EU19_MKFS=$EU19_BIN/mkfs.erofs
EU19_FSCK=$EU19_BIN/fsck.erofs
EU19_DUMP=$EU19_BIN/dump.erofs

# Reproducibility knobs from the caller's environment must not leak in.
unset SOURCE_DATE_EPOCH EROFS_FAULT
export LC_ALL=C

bats_require_minimum_version 1.5.0

# skip_required, skip_file_required (shared with fsck_common.bash)
source "$BATS_TEST_DIRNAME/helpers/skip.bash"

# bats 1.8 has no fail(); keep the message on the test's output.
fail() {
	printf '%s\n' "$*" >&2
	return 1
}

# treecmp: prefer the one built by `make check`, else build a private copy.
if [ -z "${TREECMP:-}" ]; then
	if [ -x "$top_builddir/tests/helpers/treecmp" ]; then
		TREECMP="$top_builddir/tests/helpers/treecmp"
	else
		TREECMP="$BATS_RUN_TMPDIR/treecmp"
		if [ ! -x "$TREECMP" ]; then
			${CC:-cc} -std=gnu11 -O2 -Wall -o "$TREECMP.$$" \
				"$BATS_TEST_DIRNAME/helpers/treecmp.c" \
				"$BATS_TEST_DIRNAME/helpers/treecmp_data.c" &&
				mv "$TREECMP.$$" "$TREECMP"
		fi
	fi
fi
export TREECMP

is_root() {
	[ "$(id -u)" = 0 ]
}

require_root() {
	is_root || skip_required root "needs root ${1:-for this test}"
}

_pretend_missing() {
	[[ " ${TEST_PRETEND_MISSING:-} " == *" $1 "* ]]
}

# Loop-mounting EROFS needs root, loop devices and kernel support.
require_erofs_mount() {
	require_root "for loop mount"
	if _pretend_missing loop || [ ! -e /dev/loop-control ]; then
		skip_required kernel "needs loop devices (no /dev/loop-control)"
	fi
	if _pretend_missing erofs ||
	    ! { grep -qw erofs /proc/filesystems ||
		{ modprobe erofs 2>/dev/null; grep -qw erofs /proc/filesystems; }; }; then
		skip_required kernel "kernel has no erofs support"
	fi
}

# Skip (an ordinary skip: CI has no erofs-utils 1.9.3) without the peer.
require_eu19() {
	[ -x "$EU19_MKFS" ] || skip "needs erofs-utils 1.9.3 in EU19_BIN=$EU19_BIN (../shared/tools/build-erofs-utils.sh)"
}

require_mkfs() {
	[ -x "$MKFS" ] || fail "our mkfs.erofs is not built: $MKFS"
}

require_cmd() {
	command -v "$1" >/dev/null 2>&1 || skip "needs $1"
}

# A directory anybody can traverse (BATS_TEST_TMPDIR is private to root),
# for tests that run programs as nobody.  Removed by common_teardown.
world_dir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/erofs-test.XXXXXX")
	chmod 0755 "$d"
	printf '%s\n' "$d" >>"$BATS_TEST_TMPDIR/.world_dirs"
	printf '%s\n' "$d"
}

# Run a command as nobody:nogroup without supplementary groups.
as_nobody() {
	if command -v setpriv >/dev/null 2>&1; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		runuser -u nobody -- "$@"
	fi
}

# gentree DIR [OPTIONS]: run the generator, failing loudly.
gentree() {
	local dir=$1
	shift
	"$GENTREE" "$@" "$dir" || fail "gentree.sh $* $dir failed"
}

# Mounts are recorded per test (or per file when called from setup_file)
# and undone by common_teardown / common_teardown_file.
_mount_list() {
	if [ -n "${BATS_TEST_TMPDIR:-}" ] && [ -z "${_IN_SETUP_FILE:-}" ]; then
		printf '%s' "$BATS_TEST_TMPDIR/.mounts"
	else
		printf '%s' "$BATS_FILE_TMPDIR/.mounts"
	fi
}

# mount_image IMG DIR: read-only loop mount, with diagnostics on failure.
mount_image() {
	local img=$1 dir=$2 err
	mkdir -p "$dir"
	if ! err=$(mount -t erofs -o loop,ro "$img" "$dir" 2>&1); then
		printf 'mount -t erofs -o loop %s %s failed: %s\n' "$img" "$dir" "$err" >&2
		printf -- '--- dmesg | tail ---\n' >&2
		dmesg 2>/dev/null | tail -n 15 >&2
		return 1
	fi
	printf '%s\n' "$dir" >>"$(_mount_list)"
}

umount_image() {
	local dir=$1
	umount "$dir" 2>/dev/null || umount -l "$dir"
}

_umount_recorded() {
	local list=$1 d
	[ -f "$list" ] || return 0
	# newest first
	tac "$list" | while IFS= read -r d; do
		if mountpoint -q "$d"; then
			umount "$d" 2>/dev/null || umount -l "$d" || true
		fi
	done
	rm -f "$list"
}

common_teardown() {
	local d
	_umount_recorded "$BATS_TEST_TMPDIR/.mounts"
	if [ -f "$BATS_TEST_TMPDIR/.world_dirs" ]; then
		while IFS= read -r d; do
			case $d in */erofs-test.*) rm -rf -- "$d" ;; esac
		done <"$BATS_TEST_TMPDIR/.world_dirs"
		rm -f "$BATS_TEST_TMPDIR/.world_dirs"
	fi
}

common_teardown_file() {
	_umount_recorded "$BATS_FILE_TMPDIR/.mounts"
}

# Default hooks; a suite that needs more defines its own and calls these.
setup() {
	common_setup
}

teardown() {
	common_teardown
}

teardown_file() {
	common_teardown_file
}

# treecmp_ok [OPTIONS] A B: compare, show the differences on failure.
treecmp_ok() {
	local out rc=0
	out=$("$TREECMP" "$@" 2>&1) || rc=$?
	if [ $rc != 0 ]; then
		local args="$*"
		[ ${#args} -le 300 ] || args="${args:0:300}..."
		printf 'treecmp %s: exit %d\n' "$args" $rc >&2
		printf '%s\n' "$out" | head -n 40 >&2
		return 1
	fi
}

# dir_listing DIR: names in DIR (one per line, escaped), for "nothing was
# left behind" checks.
dir_listing() {
	find "$1" -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort
}

# mkfs_must_fail DEST [MKFS ARGS...]: run our mkfs expecting failure and
# check the failure contract: non-zero exit, exactly one stderr line
# starting with "mkfs.erofs: ", and nothing new beside DEST (no image, no
# temporary file).  DEST's previous content, if any, must be unchanged.
# Sets $mkfs_err to the stderr line for further checks.
mkfs_must_fail() {
	local dest=$1 destdir before after rc=0 sum_before= sum_after=
	local _LOG=$BATS_FILE_TMPDIR/mkfs-log.$BATS_TEST_NUMBER
	shift
	destdir=$(dirname -- "$dest")
	before=$(dir_listing "$destdir")
	[ -f "$dest" ] && sum_before=$(sha256sum <"$dest")
	"$MKFS" "$@" >"$_LOG.out" 2>"$_LOG.err" || rc=$?
	mkfs_err=$(cat "$_LOG.err")
	after=$(dir_listing "$destdir")
	[ -f "$dest" ] && sum_after=$(sha256sum <"$dest")
	echo "mkfs $* -> exit $rc"
	echo "stderr: $mkfs_err"
	[ $rc != 0 ] || fail "mkfs.erofs succeeded but should have failed"
	[ $rc -lt 128 ] || fail "mkfs.erofs died from signal $((rc - 128))"
	[ "$(wc -l <"$_LOG.err")" = 1 ] ||
		fail "expected exactly one line on stderr"
	case $mkfs_err in
	"mkfs.erofs: "*) ;;
	*) fail "stderr does not start with 'mkfs.erofs: '" ;;
	esac
	[ "$before" = "$after" ] || {
		echo "directory of DEST before: [$before]"
		echo "directory of DEST after:  [$after]"
		fail "the failed build left something beside DEST"
	}
	[ "$sum_before" = "$sum_after" ] || fail "DEST was modified by a failed build"
}

# mkfs_must_fail_usage DEST [MKFS ARGS...]: like mkfs_must_fail, for
# command-line errors: the first stderr line starts with "mkfs.erofs: "
# (the program name, not its path) and one "Try ..." hint may follow.
mkfs_must_fail_usage() {
	local dest=$1 destdir before after rc=0 first nl
	local _LOG=$BATS_FILE_TMPDIR/mkfs-log.$BATS_TEST_NUMBER
	shift
	destdir=$(dirname -- "$dest")
	before=$(dir_listing "$destdir")
	"$MKFS" "$@" >"$_LOG.out" 2>"$_LOG.err" || rc=$?
	mkfs_err=$(cat "$_LOG.err")
	after=$(dir_listing "$destdir")
	echo "mkfs $* -> exit $rc"
	echo "stderr: $mkfs_err"
	[ $rc != 0 ] || fail "mkfs.erofs succeeded but should have failed"
	[ $rc -lt 128 ] || fail "mkfs.erofs died from signal $((rc - 128))"
	first=$(head -n 1 "$_LOG.err")
	nl=$(wc -l <"$_LOG.err")
	case $first in
	"mkfs.erofs: "*) ;;
	*) fail "first stderr line does not start with 'mkfs.erofs: '" ;;
	esac
	[ "$nl" = 1 ] || { [ "$nl" = 2 ] && [[ $(tail -n 1 "$_LOG.err") == Try* ]]; } ||
		fail "expected one error line (plus at most a 'Try ...' hint)"
	[ ! -s "$_LOG.out" ] || fail "usage error wrote to stdout"
	[ "$before" = "$after" ] || fail "the failed run left something beside DEST"
}

# stat_field FORMAT PATH
stat_field() {
	stat -c "$1" -- "$2"
}
