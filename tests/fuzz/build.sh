#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the libFuzzer harnesses with clang under ASan + UBSan into BUILDDIR
# (default: build-fuzz/ at the top of the tree), apart from the autotools
# build: the read path of lib/ plus the fsck / dump job files and
# erofsfuse's operations (fuse/ops.c).
#   tests/fuzz/build.sh [BUILDDIR [HARNESS...]]   (default: all harnesses)
# FUZZ_SANITIZE replaces the sanitizer flags, e.g. for a coverage report:
#   FUZZ_SANITIZE="-fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping"
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build-fuzz}
shift $(($# > 0))
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(fuzz_fsck fuzz_dump fuzz_fuse)
CC=${FUZZ_CC:-clang}
mkdir -p "$out"

if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	"$CC" -x c -fsanitize=fuzzer -o "$out/.probe" - 2>/dev/null; then
	echo "build.sh: $CC cannot link -fsanitize=fuzzer (install clang and libclang-rt-NN-dev)" >&2
	exit 1
fi
rm -f "$out/.probe"

# the library's configure results the read path needs: the codec
# libraries pkg-config finds are built in (their HAVE_* defined, their
# Makefile.am conditionals taken), so the fuzzers reach the real decoders
printf '#define _GNU_SOURCE 1\n#define PACKAGE_VERSION "fuzz"\n' >"$out/config.h"
codec_on=()
codec_cflags=()
codec_libs=()
for c in HAVE_LIBLZMA:liblzma HAVE_LIBZSTD:libzstd HAVE_LIBDEFLATE:libdeflate HAVE_ZLIB:zlib; do
	if pkg-config --exists "${c#*:}" 2>/dev/null; then
		codec_on+=("${c%%:*}")
		printf '#define %s 1\n' "${c%%:*}" >>"$out/config.h"
		codec_cflags+=($(pkg-config --cflags "${c#*:}"))
		codec_libs+=($(pkg-config --libs "${c#*:}"))
	fi
done

cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror
	-Wno-unused-parameter
	${FUZZ_SANITIZE:--fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all}
	-include "$out/config.h" -I"$top/include" -I"$top/fsck" -I"$top/dump" -I"$top/fuse"
	-I"$here" ${codec_cflags[@]+"${codec_cflags[@]}"})
# am_sources MAKEFILE.AM VAR: the .c files of VAR, unconditional ones plus,
# of each conditional, the branch this build takes: "if" for the codec
# libraries found above, "else" (built without the optional library) for
# the rest, so the file lists follow the real build.
am_sources() {
	awk -v var="$2" -v on=" ${codec_on[*]-} " '
	/^if / { d++; take[d] = index(on, " " $2 " ") > 0; next }
	/^else/ { take[d] = !take[d]; next }
	/^endif/ { d--; next }
	{
		if (cont) { line = $0 }
		else if ($1 == var && ($2 == "=" || $2 == "+=")) {
			skip = 0
			for (k = 1; k <= d; k++) if (!take[k]) skip = 1
			if (skip) next
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
libs=($(pkg-config --libs liblz4 2>/dev/null || echo -llz4) ${codec_libs[@]+"${codec_libs[@]}"} -lpthread)
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
	# erofsfuse's operations alone: they need no libfuse
	[fuzz_fuse]="$top/fuse/ops.c"
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
