#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# fsck.erofs --workers: file data read, decoded and written on worker
# threads, a large file in ranges.  Whatever the number of workers, the
# extracted tree, the figures and the findings are the same.

load helpers/fsck_common

setup_file() {
	export SRC=$BATS_FILE_TMPDIR/src
	fsck_make_tree "$SRC"
	# 40 MiB that compresses: five ranges of 8 MiB, pclusters across
	# every range boundary
	mkdir -p "$SRC/big"
	seq 1 6000000 | head -c $((40 << 20)) > "$SRC/big/text"
	awk 'BEGIN { srand(3); for (i = 0; i < 300000; i++) printf "%c", 32 + int(rand() * 95) }' \
		> "$SRC/big/noise"
	for i in $(seq 1 200); do head -c $((i * 613)) "$SRC/big/text" > "$SRC/big/s$i"; done
	# 100 MiB with data only at both ends: ranges that are all hole
	mkdir -p "$SRC/sparse"
	printf 'head' > "$SRC/sparse/f"
	truncate -s $((100 << 20)) "$SRC/sparse/f"
	printf 'tail' >> "$SRC/sparse/f"
	truncate -s $((100 << 20)) "$SRC/sparse/ends-in-hole"
	printf 'x' | dd of="$SRC/sparse/ends-in-hole" bs=1 seek=$((30 << 20)) conv=notrunc status=none
	export ZIMG=$BATS_FILE_TMPDIR/z.img PIMG=$BATS_FILE_TMPDIR/p.img
	"$OUR_MKFS" --quiet -zlz4hc "$ZIMG" "$SRC"
	"$OUR_MKFS" --quiet "$PIMG" "$SRC"
}

# figures IMG WORKERS: the summary and the ratio, without pcluster counts
# (a pcluster across a range boundary is decoded by both ranges), then
# fsck's exit status (a pipe would drop it)
figures() {
	local out rc=0
	out=$("$FSCK" -p --workers="$2" "$1") || rc=$?
	grep -v '^pclusters decoded' <<<"$out"
	echo "exit $rc"
}

@test "--workers: every count extracts the same tree as one thread" {
	for img in "$ZIMG" "$PIMG"; do
		for w in 1 2 5; do
			out=$BATS_TEST_TMPDIR/out-$w
			rm -rf "$out"
			run "$FSCK" --workers=$w --extract="$out" "$img"
			echo "$img w=$w: $output"
			[ "$status" = 0 ]
			fsck_compare_trees "$SRC" "$out"
		done
		# holes stay holes: the 100 MiB files take a few blocks
		[ "$(stat -c %b "$out/sparse/f")" -lt 1024 ]
		[ "$(stat -c %s "$out/sparse/ends-in-hole")" = $((100 << 20)) ]
	done
}

@test "--workers: the summary and the ratio do not depend on the count" {
	for img in "$ZIMG" "$PIMG"; do
		one=$(figures "$img" 1)
		echo "$one"
		[[ "$one" == *"bytes checked"*"exit 0" ]]
		for w in 2 3 8; do
			[ "$(figures "$img" $w)" = "$one" ]
		done
	done
	# every worker's pcluster counts reach the total: the same, but for
	# the few pclusters across range boundaries that two ranges decode
	decoded() {
		local out
		out=$("$FSCK" -p --workers="$1" "$ZIMG") || return
		sed -n 's/^pclusters decoded: \([0-9]*\) .*/\1/p' <<<"$out"
	}
	n1=$(decoded 1) n3=$(decoded 3)
	echo "decoded: $n1 on one thread, $n3 on three"
	[ "$n1" -gt 5000 ] && [ "$n3" -ge "$n1" ] && [ "$n3" -le $((n1 + 8)) ]
}

@test "--workers: damaged pclusters are found whatever the count" {
	img=$BATS_TEST_TMPDIR/bad.img
	cp "$ZIMG" "$img"
	# one pcluster in the middle of the big file (a middle range), one in
	# a small file: 0xff everywhere breaks the LZ4 stream's structure
	run "$DUMP" -e --path=/big/text "$img"
	[ "$status" = 0 ]
	pa1=$(awk '$6 ~ /lz4$/ { n++; if (n == 2000) { print $4; exit } }' <<<"$output")
	run "$DUMP" -e --path=/big/s150 "$img"
	[ "$status" = 0 ]
	pa2=$(awk '$6 ~ /lz4$/ { print $4; exit }' <<<"$output")
	[ -n "$pa1" ] || fail "big/text has fewer than 2000 lz4 extents"
	[ -n "$pa2" ] || fail "big/s150 has no lz4 extent"
	for pa in "$pa1" "$pa2"; do
		head -c 4096 /dev/zero | tr '\0' '\377' |
			dd of="$img" bs=1 seek="$pa" conv=notrunc status=none
	done
	for w in 1 4; do
		run "$FSCK" --workers=$w "$img"
		echo "w=$w: $output"
		[ "$status" = 1 ]
		[[ "$output" == *"problems found: 2"* ]]
		[[ "$output" == *"corrupt lz4 stream in pcluster at offset $pa1"* ]]
		[[ "$output" == *"corrupt lz4 stream in pcluster at offset $pa2"* ]]
		rm -rf "$BATS_TEST_TMPDIR/out"
		run "$FSCK" --workers=$w --extract="$BATS_TEST_TMPDIR/out" "$img"
		[ "$status" = 1 ]
		[[ "$output" == *"problems found: 2"* ]]
		# the sound files are all there
		cmp "$SRC/big/noise" "$BATS_TEST_TMPDIR/out/big/noise"
		cmp "$SRC/big/s149" "$BATS_TEST_TMPDIR/out/big/s149"
	done
}

@test "--workers: a low open-file limit still extracts everything" {
	run bash -c 'ulimit -n 48 && exec "$0" --workers=4 --extract="$1" "$2"' \
		"$FSCK" "$BATS_TEST_TMPDIR/out" "$ZIMG"
	echo "$output"
	[ "$status" = 0 ]
	fsck_compare_trees "$SRC" "$BATS_TEST_TMPDIR/out"
}

@test "--workers: 0 and junk are usage errors" {
	for w in 0 x 1025 -1; do
		run "$FSCK" --workers=$w "$ZIMG"
		[ "$status" = 2 ]
		[[ "$output" == *"--workers"* ]]
	done
}
