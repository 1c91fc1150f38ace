# shellcheck shell=bash disable=SC2154  # $top: set by the script sourcing this
# SPDX-License-Identifier: MIT
#
# bench/common.sh - what run.sh, fuse.sh and kread.sh share; sourced after
# they set $top (the source tree).
#
#   pick PATH        our binary PATH (mkfs/mkfs.erofs, ...): the build
#                    directory we run from first, else the source tree
#   sanitized BIN    whether BIN is a sanitizer build (its figures mean
#                    nothing)
#   $STATS_AWK       awk functions for the tables, put before a program:
#                    median(LIST) of space-separated numbers ("-" when
#                    empty), add(ARR, K, V) appends V unless it is "-",
#                    ratio(A, B) as "%.2f" ("-" when either is missing),
#                    fmt(V, FORMAT) ("-" stays "-")

pick() {
	local p
	for p in "$PWD/$1" "$top/$1"; do
		[ -x "$p" ] && { echo "$p"; return; }
	done
	echo "$top/$1"
}

sanitized() {
	ldd "$1" 2>/dev/null | grep -qE 'lib(a|ub|t|l)san' || grep -q __asan_init "$1" 2>/dev/null
}

# shellcheck disable=SC2034  # used by the scripts that source this one
STATS_AWK='
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	if (n == 0) return "-"
	for (i = 2; i <= n; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(arr, k, v) { if (v != "-" && v != "") arr[k] = arr[k] " " v }
function ratio(a, b) { return (a == "-" || b == "-" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
function fmt(v, f) { return v == "-" ? "-" : sprintf(f, v) }
'
