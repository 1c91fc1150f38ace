#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The progress line: shown on a terminal (a pseudo-terminal from script(1)),
# never when stderr is not a terminal, never with --quiet.

load helpers/fsck_common
bats_require_minimum_version 1.5.0

setup_file() {
	export SRC=$BATS_FILE_TMPDIR/src IMG=$BATS_FILE_TMPDIR/img
	fsck_make_tree "$SRC"
	"$OUR_MKFS" -T 0 "$IMG" "$SRC" >/dev/null 2>&1
}

setup() {
	command -v script >/dev/null || skip "needs script(1) from util-linux"
}

# on_tty CMD...: run CMD with stdout and stderr on a pseudo-terminal.
on_tty() {
	local cmd
	printf -v cmd '%q ' "$@"
	script -qec "$cmd" /dev/null
}

@test "progress: fsck shows done/total, rate and time left on a terminal" {
	run on_tty "$FSCK" "$IMG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"fsck.erofs: "*"entries, "*" MiB read ("*"%), "*" MiB/s, "*" left"* ]]
	[[ "$output" == *"clean"* ]]
}

@test "progress: fsck --compare and --extract show it too" {
	run on_tty "$FSCK" --compare="$SRC" -T 0 "$IMG"
	[ "$status" -eq 0 ]
	[[ "$output" == *" MiB/s, "* ]]
	run on_tty "$FSCK" --extract="$BATS_TEST_TMPDIR/x" "$IMG"
	[ "$status" -eq 0 ]
	[[ "$output" == *" MiB/s, "* ]]
}

@test "progress: mkfs shows it with the time left on a terminal" {
	run on_tty "$OUR_MKFS" -T 0 "$BATS_TEST_TMPDIR/m.img" "$SRC"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mkfs.erofs: "*"entries, "*" MiB/s, "*" left"* ]]
}

@test "progress: nothing when stderr is not a terminal" {
	run --separate-stderr "$FSCK" "$IMG"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run --separate-stderr "$OUR_MKFS" -T 0 "$BATS_TEST_TMPDIR/m.img" "$SRC"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"MiB/s"* ]]
	# stdout on a terminal, stderr not: still nothing
	run on_tty sh -c "\"$FSCK\" \"$IMG\" 2>/dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == *"clean"* ]]
	[[ "$output" != *"MiB/s"* ]]
}

@test "progress: nothing with --quiet, even on a terminal" {
	run on_tty "$FSCK" --quiet "$IMG"
	[ "$status" -eq 0 ]
	[[ "$output" != *"MiB/s"* ]]
	[ -z "$(tr -d '\r\n' <<<"$output")" ]
	run on_tty "$OUR_MKFS" --quiet -T 0 "$BATS_TEST_TMPDIR/m.img" "$SRC"
	[ "$status" -eq 0 ]
	[[ "$output" != *"MiB/s"* ]]
}
