#!/bin/sh
# SPDX-License-Identifier: MIT
#
# skip-summary.sh REPORT: the skipped tests of a bats TAP report, counted
# by reason, printed as TAP comments at the end of make check.
#
# Two groups.  Skips for want of root, loop devices, kernel EROFS, tmpfs,
# xattr or FUSE support are tagged "[root]", "[kernel]", "[xattr]" or
# "[fuse]" by skip_required (helpers/common.bash); CI has all of these, so
# there REQUIRE_KERNEL=1 makes such a test fail instead of skipping.  An
# untagged skip whose reason names one of these facilities is counted with
# them: it went around skip_required.  Every other skip (a peer tool not
# installed, a race lost) is one CI may legitimately have.
#
# Exit: 0; 1 when REQUIRE_KERNEL=1 and the first group is not empty;
# 2 when REPORT cannot be read.
set -eu

report=${1:?usage: skip-summary.sh REPORT}
if [ ! -r "$report" ]; then
	echo "skip-summary.sh: $report: no TAP report to summarize" >&2
	exit 2
fi
exec awk -v gate="${REQUIRE_KERNEL:-}" '
/^(not )?ok [0-9]+ / { total++ }
/^ok [0-9]+ / {
	i = index($0, " # skip")
	if (!i)
		next
	reason = substr($0, i + 7)
	sub(/^ +/, "", reason)
	if (reason == "")
		reason = "(no reason given)"
	skipped++
	if (reason ~ /^\[(root|kernel|xattr|fuse)\] /)
		group = "required"
	else if (tolower(reason) ~ /(^|[^a-z])(root|loop|mount|kernel|tmpfs|xattrs?|acls?|fuse)([^a-z]|$)/) {
		group = "required"
		reason = reason " (untagged: use skip_required)"
	} else
		group = "other"
	if (!((group, reason) in count))
		order[group, ++n[group]] = reason
	count[group, reason]++
	ngroup[group]++
}
function list(group, title,   k) {
	if (!ngroup[group])
		return
	printf "#   %s:\n", title
	for (k = 1; k <= n[group]; k++)
		printf "#   %5d  %s\n", count[group, order[group, k]], order[group, k]
}
END {
	if (!skipped) {
		printf "# skip summary: none of %d tests skipped\n", total
		exit 0
	}
	printf "# skip summary: %d of %d tests skipped\n", skipped, total
	list("required", sprintf("%d for want of root, kernel, xattr or FUSE support (REQUIRE_KERNEL=1, as in CI, makes these fail)", ngroup["required"]))
	list("other", sprintf("%d for other reasons (allowed in CI)", ngroup["other"]))
	if (gate == "1" && ngroup["required"]) {
		printf "# REQUIRE_KERNEL=1: %d tests skipped for want of what CI must have\n", ngroup["required"]
		exit 1
	}
}' "$report"
