#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# C unit tests of the library (tests/unit/), built by `make check`.

load helpers/common

unit() {
	local bin=${UNIT_DIR:-$top_builddir/tests/unit}/$1
	[ -x "$bin" ] || make -C "$top_builddir/tests" "unit/$1" >/dev/null ||
		fail "cannot build unit/$1"
	run "$bin"
	echo "$output"
	[ "$status" = 0 ]
	[[ "$output" == *" passed, 0 failed" ]]
}

@test "unit: compressed index decoding (hand-made, corrupt, writer round trips)" {
	unit zmap_test
}
