#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CI: build the fuzzing harnesses under ASan + UBSan in their own build
# directory and run each briefly over the committed seeds and regression
# images (default 45 s per harness).  Installs clang's libFuzzer runtime
# when it is missing (Debian: libclang-rt-NN-dev), as root.
#   tests/fuzz/ci.sh [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-45}
out=$top/build-fuzz-ci

if ! command -v clang >/dev/null 2>&1; then
	apt-get install -y --no-install-recommends clang >/dev/null
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	clang -x c -fsanitize=fuzzer -o "$probe/p" - 2>/dev/null; then
	ver=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p;q')
	apt-get install -y --no-install-recommends "libclang-rt-$ver-dev" >/dev/null
fi

rm -rf "$out"
"$here/build.sh" "$out"
# every committed regression image must pass without a finding first
for h in fuzz_fsck fuzz_dump fuzz_fuse; do
	"$out/$h" -runs=0 -malloc_limit_mb=256 -rss_limit_mb=2048 "$here"/regressions "$here"/hostile "$here"/corpus "$here"/eu19 \
		>"$out/$h-regressions.log" 2>&1 ||
		{ cat "$out/$h-regressions.log" >&2; exit 1; }
done
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	FUZZ_BUILD=$out FUZZ_NO_BUILD=1 "$here/run.sh" "$secs"
