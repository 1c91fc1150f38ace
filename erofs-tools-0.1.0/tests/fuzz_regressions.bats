#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Hostile images through the real tools: every input a fuzzer found a
# problem with (tests/fuzz/regressions/) and a sample of corrupt images the
# fuzzers grew (tests/fuzz/hostile/).  Each job on each image exits with the
# status fuzz/expect.txt gives and prints the line it gives; every stderr
# line starts with the program name; no signal; nothing is written outside
# the extract target.  In a sanitizer build (the ASan + UBSan stage of
# .ci/run runs this file), no sanitizer report either.

load helpers/common

FUZZ_DIR=$BATS_TEST_DIRNAME/fuzz
EXPECT=$FUZZ_DIR/expect.txt

# sanitizer_build: our tools are linked with ASan or UBSan, so a report can
# appear on stderr (with UBSan's default exit status 1 it would otherwise
# pass for a refusal)
sanitizer_build() {
	grep -qa -e __asan_init -e __ubsan_handle "$FSCK" &&
		grep -qa -e __asan_init -e __ubsan_handle "$DUMP"
}

setup_file() {
	# .ci/run sets EROFS_SANITIZED=1 in its sanitizer stage: there the
	# tools must really be instrumented, or the stage proves nothing
	if [ -n "${EROFS_SANITIZED:-}" ] && ! sanitizer_build; then
		echo "EROFS_SANITIZED is set but $FSCK or $DUMP has no sanitizer" >&2
		return 1
	fi
}

# expect_job IMG JOB RC ERRFILE: RC and stderr are what expect.txt says for
# JOB on IMG
expect_job() {
	local img=$1 job=$2 rc=$3 err=$4 prog=${2%% *}.erofs name=${1#"$FUZZ_DIR"/}
	local row want line
	row=$(awk -F '\t' -v i="$name" -v j="$job" '$1 == i && $2 == j' "$EXPECT")
	[ "$(printf '%s\n' "$row" | grep -c .)" = 1 ] || {
		fail "$name: $job: expected one row in expect.txt, found: $row"
		return 1
	}
	want=$(printf '%s\n' "$row" | cut -f3)
	line=$(printf '%s\n' "$row" | cut -f4-)
	[ "$rc" = "$want" ] || {
		fail "$name: $job: exit $rc, expected $want: $(head -n 5 "$err")"
		return 1
	}
	if sanitizer_build && grep -qE 'Sanitizer|runtime error:' "$err"; then
		fail "$name: $job: sanitizer report: $(head -n 5 "$err")"
		return 1
	fi
	if [ "$line" = - ]; then
		[ ! -s "$err" ] || {
			fail "$name: $job: expected no message: $(head -n 3 "$err")"
			return 1
		}
	else
		grep -qFx -e "$line" "$err" || {
			fail "$name: $job: expected the line '$line', got: $(head -n 5 "$err")"
			return 1
		}
	fi
	! grep -qv "^$prog: " "$err" || {
		fail "$name: $job: a stderr line without the program name: $(grep -v "^$prog: " "$err" | head -n 3)"
		return 1
	}
}

# check_image IMG: fsck (check, extract), dump (every job) on IMG
check_image() {
	local img=$1 rc x=$BATS_TEST_TMPDIR/x.$RANDOM err=$BATS_TEST_TMPDIR/err
	local before job
	rc=0
	timeout 60 "$FSCK" "$img" >/dev/null 2>"$err" || rc=$?
	expect_job "$img" fsck $rc "$err"
	before=$(dir_listing "$BATS_TEST_TMPDIR")
	rc=0
	timeout 60 "$FSCK" --extract="$x" --xattrs "$img" >/dev/null 2>"$err" || rc=$?
	expect_job "$img" "fsck --extract --xattrs" $rc "$err"
	# the extraction stays in its target and in proportion to the image
	[ "$(dir_listing "$BATS_TEST_TMPDIR" | grep -vx "${x##*/}")" = "$(printf '%s\n' "$before" | grep -vx "${x##*/}")" ] ||
		fail "fsck.erofs --extract wrote beside its target"
	# (a hostile image; the sound eu19/ seeds extract their whole tree)
	[[ $img == */eu19/* ]] || [ ! -d "$x" ] || [ "$(du -sk "$x" | cut -f1)" -lt $(($(stat -c %s "$img") / 4)) ] ||
		fail "fsck.erofs --extract wrote $(du -sk "$x" | cut -f1) KiB"
	if [ -d "$x" ]; then
		chmod -R u+rwx "$x"
		rm -rf "$x"
	fi
	for job in "-s" "-S" "--ls" "--path=/d/text --extents" "--path=/d/text --cat" "--path=/d --ls" "--json -S"; do
		rc=0
		# shellcheck disable=SC2086
		timeout 60 "$DUMP" $job "$img" >/dev/null 2>"$err" || rc=$?
		expect_job "$img" "dump $job" $rc "$err"
	done
}

# eu19_pending IMG: for a seed of eu19/, the PENDING line of its row
# (tests/data/eu19/PENDING: the feature has not landed), else nothing
eu19_pending() {
	local name=${1##*/}
	name=${name%.img}
	awk -v n="$name" '$1 == n { print; exit }' "$BATS_TEST_DIRNAME/data/eu19/PENDING"
}

# check_dir DIR: every image in DIR, each with its 9 rows in expect.txt
# (eu19/: a seed whose row PENDING lists is not run, its rows still count)
check_dir() {
	local n=0 img why
	if sanitizer_build; then
		echo "# sanitizer build: reports are looked for"
	else
		echo "# no sanitizer in this build: the sanitizer stage of .ci/run looks for reports"
	fi
	for img in "$FUZZ_DIR/$1"/*.img; do
		n=$((n + 1))
		if [ "$1" = eu19 ] && why=$(eu19_pending "$img") && [ -n "$why" ]; then
			echo "# $img: not run, pending: $why"
			continue
		fi
		echo "# $img"
		check_image "$img"
	done
	echo "# $n images"
	[ $n -gt 0 ]
	[ "$(grep -c "^$1/" "$EXPECT")" = $((n * 9)) ] ||
		fail "expect.txt has $(grep -c "^$1/" "$EXPECT") rows for $1/, expected $((n * 9))"
}

@test "fuzz regressions: each found image is refused as expect.txt says" {
	check_dir regressions
}

@test "fuzz regressions: a sample of fuzzer-grown corrupt images is refused as expect.txt says" {
	check_dir hostile
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
	[ "$status" = 1 ]
	[[ $output != *"Input/output error"* ]]
}

@test "fuzz regressions: the erofs-utils 1.9.3 seeds read as expect.txt says" {
	check_dir eu19
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
