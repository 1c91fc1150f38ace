#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Hostile images through the real tools: every input a fuzzer found a
# problem with (tests/fuzz/regressions/) and a sample of corrupt images the
# fuzzers grew (tests/fuzz/hostile/).  Each must be refused cleanly: a
# documented non-zero fsck status (1 corrupt, 2 operational, 3 unsupported),
# messages prefixed by the program name, no signal, no sanitizer report,
# nothing written outside the extract target, and dump.erofs exiting 0 or 1
# on every job.

load helpers/common

FUZZ_DIR=$BATS_TEST_DIRNAME/fuzz

# expect_clean_refusal PROG RC ERRFILE ALLOWED...: the common contract
expect_clean_refusal() {
	local prog=$1 rc=$2 err=$3 ok=0 a
	shift 3
	for a in "$@"; do [ "$rc" = "$a" ] && ok=1; done
	[ $ok = 1 ] || fail "$prog: exit $rc, expected one of: $*"
	! grep -qE 'Sanitizer|runtime error:|LeakSanitizer' "$err" ||
		fail "$prog: sanitizer report: $(head -n 5 "$err")"
	! grep -qv "^$prog: " "$err" ||
		fail "$prog: a stderr line without the program name: $(grep -v "^$prog: " "$err" | head -n 3)"
}

# check_image IMG: fsck (check, extract), dump (every job) on IMG
check_image() {
	local img=$1 rc x=$BATS_TEST_TMPDIR/x.$RANDOM err=$BATS_TEST_TMPDIR/err
	local before
	rc=0
	timeout 60 "$FSCK" "$img" >/dev/null 2>"$err" || rc=$?
	expect_clean_refusal fsck.erofs $rc "$err" 1 2 3
	[ -s "$err" ] || fail "fsck.erofs: exit $rc without a message"
	before=$(dir_listing "$BATS_TEST_TMPDIR")
	rc=0
	timeout 60 "$FSCK" --extract="$x" --xattrs "$img" >/dev/null 2>"$err" || rc=$?
	expect_clean_refusal fsck.erofs $rc "$err" 1 2 3
	# the extraction stays in its target and in proportion to the image
	[ "$(dir_listing "$BATS_TEST_TMPDIR" | grep -vx "${x##*/}")" = "$(printf '%s\n' "$before" | grep -vx "${x##*/}")" ] ||
		fail "fsck.erofs --extract wrote beside its target"
	[ ! -d "$x" ] || [ "$(du -sk "$x" | cut -f1)" -lt $(($(stat -c %s "$img") / 4)) ] ||
		fail "fsck.erofs --extract wrote $(du -sk "$x" | cut -f1) KiB"
	chmod -R u+rwx "$x" 2>/dev/null || true
	rm -rf "$x"
	for job in "-s" "-S" "--ls" "--path=/d/text --extents" "--path=/d/text --cat" "--path=/d --ls" "--json -S"; do
		rc=0
		# shellcheck disable=SC2086
		timeout 60 "$DUMP" $job "$img" >/dev/null 2>"$err" || rc=$?
		expect_clean_refusal dump.erofs $rc "$err" 0 1
	done
}

@test "fuzz regressions: each found image is refused cleanly" {
	local n=0 img
	for img in "$FUZZ_DIR"/regressions/*.img; do
		[ -e "$img" ] || continue
		echo "# $img"
		check_image "$img"
		n=$((n + 1))
	done
	[ $n -gt 0 ] || skip "no regression images"
}

@test "fuzz regressions: a sample of fuzzer-grown corrupt images is refused cleanly" {
	local img
	for img in "$FUZZ_DIR"/hostile/*.img; do
		echo "# $img"
		check_image "$img"
	done
}

@test "fuzz regressions: i_size near 2^64 is corruption, not an I/O error" {
	run "$FSCK" "$FUZZ_DIR/regressions/isize-wraps-block-count.img"
	[ "$status" = 1 ]
	[[ $output == *"nid 48: i_size 18446744073709551615 needs blocks"*"past the 22-block image"* ]]
	[[ $output != *"Input/output error"* ]]
}

@test "fuzz regressions: an unknown algorithm id is not read as stored data" {
	run "$DUMP" --path=/d/text --cat "$FUZZ_DIR/regressions/zmap-algorithm-id-reads-as-stored.img"
	[ "$status" = 1 ]
	[[ $output == *"nid 54: unknown compression algorithm id 0x4 (offset 11008)"* ]]
	run "$FSCK" "$FUZZ_DIR/regressions/zmap-algorithm-id-reads-as-stored.img"
	[ "$status" = 1 ] || [ "$status" = 3 ]
	[[ $output != *"Input/output error"* ]]
}

@test "fuzz regressions: the seed corpus is clean" {
	local img
	for img in "$FUZZ_DIR"/corpus/*; do
		run "$FSCK" "$img"
		[ "$status" = 0 ] || fail "$img: $output"
	done
}

@test "fuzz regressions: a packed inode that is a FIFO holds no prefix table" {
	run "$FSCK" "$FUZZ_DIR/regressions/xattr-packed-inode-is-a-fifo.img"
	[ "$status" = 1 ]
	[[ $output == *"nid 54: xattr: the packed inode is not a regular file (offset 1024)"* ]]
	[[ $output != *"Input/output error"* ]]
}
