#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzz each harness in turn for SECONDS (default 60) each, one process at
# a time, starting from the committed seeds plus the corpus grown by earlier
# runs (kept in BUILDDIR/corpus-HARNESS).  Crashes, timeouts and
# out-of-memory inputs land in BUILDDIR/findings/; turn each into a
# regression image under tests/fuzz/regressions/ (see README there).
#   tests/fuzz/run.sh [SECONDS [HARNESS...]]
# Environment: FUZZ_BUILD (default build-fuzz/ at the top of the tree),
# FUZZ_ARGS (extra libFuzzer flags), FUZZ_NO_BUILD=1 to skip rebuilding.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-60}
shift $(($# > 0))
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(fuzz_fsck fuzz_dump fuzz_fuse)
out=${FUZZ_BUILD:-$top/build-fuzz}

[ -n "${FUZZ_NO_BUILD:-}" ] || "$here/build.sh" "$out" "${harnesses[@]}"
mkdir -p "$out/findings"
status=0
for h in "${harnesses[@]}"; do
	corpus=$out/corpus-$h
	mkdir -p "$corpus"
	log=$out/$h.log
	echo "== $h: ${secs}s (log: $log)"
	# -malloc_limit_mb: no input of <= 64 KiB justifies a 256 MiB block;
	# -timeout: every loop is bounded by the image, so 10 s is a hang
	# shellcheck disable=SC2086
	if ! "$out/$h" -max_total_time="$secs" \
		-max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-malloc_limit_mb=256 -print_final_stats=1 \
		-artifact_prefix="$out/findings/$h-" ${FUZZ_ARGS:-} \
		"$corpus" "$here/corpus" "$here/eu19" "$here/regressions" >"$log" 2>&1; then
		status=1
		echo "$h: FOUND A PROBLEM, see $log and $out/findings/" >&2
		grep -m 5 -E 'ERROR|SUMMARY|fuzz:|Test unit written' "$log" >&2 || true
	fi
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" |
		sort -u | sed "s/^/  $h /"
done
exit $status
