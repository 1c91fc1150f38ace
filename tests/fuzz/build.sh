#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the libFuzzer harnesses with clang under ASan + UBSan into BUILDDIR
# (default: build-fuzz/ at the top of the tree), apart from the autotools
# build: the read path of lib/ plus the fsck / dump job files.
#   tests/fuzz/build.sh [BUILDDIR [HARNESS...]]   (default: all harnesses)
# FUZZ_SANITIZE replaces the sanitizer flags, e.g. for a coverage report:
#   FUZZ_SANITIZE="-fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping"
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build-fuzz}
shift $(($# > 0))
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(fuzz_fsck fuzz_dump)
CC=${FUZZ_CC:-clang}
mkdir -p "$out"

if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	"$CC" -x c -fsanitize=fuzzer -o "$out/.probe" - 2>/dev/null; then
	echo "build.sh: $CC cannot link -fsanitize=fuzzer (install clang and libclang-rt-NN-dev)" >&2
	exit 1
fi
rm -f "$out/.probe"

# the library's only configure result the read path needs
printf '#define _GNU_SOURCE 1\n#define PACKAGE_VERSION "fuzz"\n' >"$out/config.h"

cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror
	-Wno-unused-parameter
	${FUZZ_SANITIZE:--fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all}
	-include "$out/config.h" -I"$top/include" -I"$top/fsck" -I"$top/dump"
	-I"$here")
# am_sources MAKEFILE.AM VAR: the .c files of VAR, unconditional ones plus
# the "else" (built without the optional library) branch of conditionals,
# so the file lists follow the real build.
am_sources() {
	awk -v var="$2" '
	/^if / { depth++; inelse = 0; next }
	/^else/ { inelse = 1; next }
	/^endif/ { depth--; inelse = 0; next }
	{
		if (cont) { line = $0 }
		else if ($1 == var && ($2 == "=" || $2 == "+=")) {
			if (depth && !inelse) next
			line = $0; sub(/^[^=]*=/, "", line)
		} else next
		cont = line ~ /\\$/
		sub(/\\$/, "", line)
		n = split(line, w, /[ \t]+/)
		for (i = 1; i <= n; i++) if (w[i] ~ /\.c$/) print w[i]
	}' "$1"
}
# tool sources without main() and option parsing
tool_sources() {
	am_sources "$top/$1/Makefile.am" "$2" |
		grep -vx 'main.c\|options.c' | sed "s|^|$top/$1/|"
}
lib=($(am_sources "$top/lib/Makefile.am" liberofs_a_SOURCES | sed "s|^|$top/lib/|"))
libw=($(am_sources "$top/lib/Makefile.am" liberofs_write_a_SOURCES | sed "s|^|$top/lib/|"))
common=("${lib[@]}" "$here/mutator.c" "$here/strict_io.c")
libs=($(pkg-config --libs liblz4 2>/dev/null || echo -llz4) -lpthread)
src_fsck=($(tool_sources fsck fsck_erofs_SOURCES))
src_dump=($(tool_sources dump dump_erofs_SOURCES))
# a tool that links the write path (fsck --compare) gets it here too
if grep -q 'liberofs_write\.a' "$top/fsck/Makefile.am"; then
	src_fsck+=("${libw[@]}")
	libs+=($(pkg-config --libs uuid 2>/dev/null || echo -luuid))
fi
if grep -q 'liberofs_write\.a' "$top/dump/Makefile.am"; then
	src_dump+=("${libw[@]}")
	libs+=($(pkg-config --libs uuid 2>/dev/null || echo -luuid))
fi

declare -A extra=(
	[fuzz_fsck]="$here/scratch.c ${src_fsck[*]}"
	[fuzz_dump]="${src_dump[*]}"
)
pids=()
for h in "${want[@]}"; do
	[ -n "${extra[$h]+set}" ] || { echo "build.sh: no harness $h" >&2; exit 1; }
	# shellcheck disable=SC2086
	"$CC" "${cflags[@]}" -o "$out/$h" "$here/$h.c" ${extra[$h]} \
		"${common[@]}" "${libs[@]}" &
	pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
[ $rc = 0 ] || { echo "build.sh: build failed" >&2; exit 1; }
echo "build.sh: ${want[*]} in $out"
