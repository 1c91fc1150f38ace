#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# C unit tests of the library (tests/unit/), built by `make check`.

load helpers/common

# unit NAME [ARG...]: run unit/NAME, which must pass every check
unit() {
	local bin=${UNIT_DIR:-$top_builddir/tests/unit}/$1
	[ -x "$bin" ] || make -C "$top_builddir/tests" "unit/$1" >/dev/null ||
		fail "cannot build unit/$1"
	shift
	run "$bin" "$@"
	echo "$output"
	[ "$status" = 0 ]
	[[ "$output" == *" passed, 0 failed" ]]
}

@test "unit: compressed index decoding (hand-made, corrupt, writer round trips)" {
	unit zmap_test
}

@test "unit: fragments, interlaced pclusters and partial references (hand-made images)" {
	unit fragment_test
}

@test "unit: the lzma, zstd and deflate decoders: whole, prefixes, and every mismatch" {
	unit decompress_test
}

@test "unit: the file-content iterator against the source, in every layout" {
	local src=$BATS_TEST_TMPDIR/src img=$BATS_TEST_TMPDIR/i.img opts
	mkdir "$src"
	seq 1 40000 > "$src/text"
	# incompressible in the middle: extents kept uncompressed in a
	# compressed file
	awk 'BEGIN { srand(5); for (i = 0; i < 30000; i++) printf "%c", 32 + int(rand() * 95) }' \
		> "$src/noise"
	{ head -c 50000 "$src/text"; cat "$src/noise"; head -c 30000 "$src/text"; } > "$src/mixed"
	# a hole, then data: chunk-based when not compressed
	truncate -s 2M "$src/sparse"
	printf 'x' >> "$src/sparse"
	# whole blocks, then a tail inline
	head -c 13893 "$src/text" > "$src/tail"
	for opts in "" "-b 1024" "-zlz4hc" "-zlz4hc,12 -C65536 -Eztailpacking" \
		    "-zlz4 -Elegacy-compress" "-zlz4 -b 1024 -Eztailpacking"; do
		echo "mkfs $opts"
		rm -f "$img"
		"$MKFS" --quiet $opts "$img" "$src"
		unit iter_test "$img" "$src" text noise mixed sparse tail
	done
}

@test "unit: the pcluster cache shared by threads: each pcluster decoded once, budget, four threads" {
	local src=$BATS_TEST_TMPDIR/src img=$BATS_TEST_TMPDIR/i.img opts
	mkdir "$src"
	seq 1 60000 > "$src/text"
	awk 'BEGIN { srand(5); for (i = 0; i < 30000; i++) printf "%c", 32 + int(rand() * 95) }' \
		> "$src/noise"
	{ head -c 50000 "$src/text"; cat "$src/noise"; head -c 80000 "$src/text"; } > "$src/mixed"
	for opts in "-zlz4hc" "-zlz4hc,12 -C65536 -Eztailpacking" "-zlz4 -Elegacy-compress"; do
		echo "mkfs $opts"
		rm -f "$img"
		"$MKFS" --quiet $opts "$img" "$src"
		unit zshared_test "$img" "$src" text mixed
	done
	if "$MKFS" --quiet -zlzma "$img.lzma" "$src" 2>/dev/null; then
		echo "mkfs -zlzma"
		unit zshared_test "$img.lzma" "$src" text mixed
	fi
}
