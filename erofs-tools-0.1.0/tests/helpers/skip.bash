# SPDX-License-Identifier: MIT
# Skips for want of what CI always has; sourced by common.bash and
# fsck_common.bash.
#
# REQUIRE_KERNEL=1 (set by .ci/run for every make check) turns each of
# these skips into a failure: on the CI runner, root, loop devices, kernel
# EROFS, tmpfs, xattrs and FUSE are there, so a test that would skip for
# want of one of them means the runner is broken, and the evidence the
# suite claims was not gathered.  Without it they skip, and the summary at
# the end of make check (skip-summary.sh) lists them by reason.

# skip_required KIND REASON: skip for want of something CI always has
# (KIND: root, kernel, xattr or fuse), or fail under REQUIRE_KERNEL=1.  The
# reason is tagged "[KIND]", which is how the skip summary at the end of
# make check tells these skips from the ones CI may have (a peer tool not
# installed, a race lost).  It exits, so it fails the test even from an
# if or a || list (not from a subshell).
skip_required() {
	if [ "${REQUIRE_KERNEL:-}" = 1 ]; then
		printf 'REQUIRE_KERNEL=1, but this test would skip: [%s] %s\n' "$1" "$2" >&2
		exit 1
	fi
	skip "[$1] $2"
}

# skip_file_required KIND REASON: the same from setup_file, where bats 1.8
# cannot skip: every test of the file then skips in setup() (common_setup;
# a file that defines its own setup() calls it first).  The caller returns
# from setup_file right after it.
skip_file_required() {
	if [ "${REQUIRE_KERNEL:-}" = 1 ]; then
		printf 'REQUIRE_KERNEL=1, but this file would skip: [%s] %s\n' "$1" "$2" >&2
		exit 1
	fi
	export FILE_SKIP_REASON="[$1] $2"
}


common_setup() {
	[ -z "${FILE_SKIP_REASON:-}" ] || skip "$FILE_SKIP_REASON"
}
