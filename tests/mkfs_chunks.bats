#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --chunksize (chunk-based files, each distinct chunk stored once, all-zero
# chunks as holes), -E force-chunk-indexes / force-inode-blockmap, and
# identical files sharing their data in every layout (-E ^dedupe-files to
# keep them apart): the kernel shows the source, our fsck extracts it,
# erofs-utils 1.9.3's fsck accepts the images, duplicates cost no data
# blocks, dump -e shows the sharing, and --workers changes nothing.

load helpers/common

# rand DEST SIZE SEED: SIZE reproducible bytes that do not compress
rand() {
	python3 -c 'import random, sys
random.seed(int(sys.argv[3]))
open(sys.argv[1], "wb").write(random.randbytes(int(sys.argv[2])))' "$@"
}

setup_file() {
	command -v python3 >/dev/null || return 0
	export SRC=$BATS_FILE_TMPDIR/src UNIQ=$BATS_FILE_TMPDIR/uniq
	mkdir -p "$SRC/a" "$SRC/b" "$SRC/c"
	rand "$SRC/a/rand" 307200 1		# 75 blocks
	seq 1 40000 >"$SRC/a/text"
	cp "$SRC/a/rand" "$SRC/b/rand_copy"
	cp "$SRC/a/text" "$SRC/b/text_copy"
	# 128 KiB of a/rand, 64 KiB of its own, the same 128 KiB again:
	# chunks shared at 4 KiB and 64 KiB, none at 1 MiB
	rand "$BATS_FILE_TMPDIR/own" 65536 2
	{ head -c 131072 "$SRC/a/rand"; cat "$BATS_FILE_TMPDIR/own"
	  head -c 131072 "$SRC/a/rand"; } >"$SRC/b/mix"
	truncate -s 3M "$SRC/c/sparse"
	rand "$BATS_FILE_TMPDIR/mid" 8192 3
	dd if="$BATS_FILE_TMPDIR/mid" of="$SRC/c/sparse" bs=4096 seek=256 conv=notrunc status=none
	printf end | dd of="$SRC/c/sparse" bs=1 seek=$((3 * 1048576 - 3)) conv=notrunc status=none
	head -c 262144 /dev/zero >"$SRC/c/zeros"
	echo hello >"$SRC/c/small"
	ln -s ../a/rand "$SRC/c/link"
	# the same tree without b/: what the duplicates would cost
	cp -a "$SRC" "$UNIQ"
	rm -rf "$UNIQ/b"
}

setup() {
	common_setup
	command -v python3 >/dev/null || skip "needs python3"
	IMG=$BATS_TEST_TMPDIR/img
}

# build IMG SRC OPTIONS...: our mkfs, fixed time and uuid; the shared-bytes
# figure of its summary in $shared (0 if none)
build() {
	local img=$1 src=$2
	shift 2
	run "$MKFS" -T 1000000 --mkfs-time -U clear "$@" "$img" "$src"
	echo "$output"
	[ "$status" = 0 ] || fail "mkfs.erofs $*: exit $status"
	shared=$(sed -n 's/.*: \([0-9]*\) bytes of data shared .*/\1/p' <<<"$output")
	: "${shared:=0}"
}

# check IMG: our fsck passes and extracts the source, erofs-utils 1.9.3's
# fsck passes, the kernel shows the source
check() {
	local img=$1 out=$BATS_TEST_TMPDIR/out.$RANDOM mnt=$BATS_TEST_TMPDIR/mnt.$RANDOM
	run "$FSCK" --extract="$out" "$img"
	echo "$output"
	[ "$status" = 0 ] || fail "fsck.erofs --extract: exit $status"
	treecmp_ok --no-dir-mtime "$SRC" "$out"
	if [ -x "$EU19_FSCK" ]; then
		run "$EU19_FSCK" "$img"
		echo "$output"
		[ "$status" = 0 ] || fail "erofs-utils 1.9.3 fsck.erofs: exit $status"
	fi
	if is_root; then
		require_erofs_mount
		mount_image "$img" "$mnt"
		treecmp_ok "$SRC" "$mnt"
		umount_image "$mnt"
	fi
}

# extents PATH: dump -e of PATH in $IMG, the header and count left out
extents() {
	run "$DUMP" -e --path="$1" "$IMG"
	[ "$status" = 0 ] || fail "dump.erofs -e --path=$1: exit $status: $output"
	sed '1d;$d' <<<"$output"
}

# blocks PATH: the extents of PATH in data blocks (inline tails are each
# inode's own)
blocks() {
	extents "$1" | grep -v inline
}

@test "chunks: --chunksize 4K, 64K, 1M, with either map format: the kernel, our fsck and erofs-utils agree" {
	local text=$(stat -c %s "$SRC/a/text") cs e want
	for cs in 4096 65536 1048576; do
		for e in "" -Eforce-chunk-indexes -Eforce-inode-blockmap; do
			build "$IMG" "$SRC" --chunksize=$cs $e
			check "$IMG"
			run "$DUMP" --path=/b/mix "$IMG"
			# at 1 MiB /b/mix shares nothing: flat unless forced
			if [ $cs = 1048576 ] && [ -z "$e" ]; then
				[[ "$output" == *"Layout:                 flat"* ]] ||
					fail "--chunksize=$cs: /b/mix is not flat"
			elif [[ "$output" != *"Layout:                 chunk-based (4)"* ]]; then
				fail "--chunksize=$cs $e: /b/mix is not chunk-based"
			elif [ "$e" = -Eforce-chunk-indexes ]; then
				[[ "$output" == *"Chunk map:              8-byte indexes"* ]] ||
					fail "--chunksize=$cs $e: no chunk indexes"
			else
				[[ "$output" == *"Chunk map:              4-byte block map"* ]] ||
					fail "--chunksize=$cs $e: no block map"
			fi
			# the copies whole, and 256 KiB of /b/mix but at 1 MiB;
			# a/text shares nothing, so it is flat unless forced,
			# and its copy's tail is inline
			want=$((307200 + (${#e} ? text : text / 4096 * 4096) +
				(cs < 1048576 ? 262144 : 0)))
			[ "$shared" = $want ] ||
				fail "--chunksize=$cs $e: $shared bytes shared, expected $want"
		done
	done
	# all-zero chunks are holes; a sparse file's holes too
	IMG=$BATS_TEST_TMPDIR/img
	build "$IMG" "$SRC" --chunksize=4096
	local out
	out=$(extents /c/zeros)
	[[ "$out" =~ ^\ +0\ +0\ +262144\ +-\ +-\ +hole$ ]] || fail "/c/zeros: $out"
	[ "$(extents /c/sparse | grep -c ' hole$')" = 2 ] || fail "/c/sparse: not 2 holes"
}

@test "chunks: duplicates cost no data blocks, in chunks and in whole files" {
	local a b opt own
	# b/ adds what b/mix has of its own (in chunks: 64 KiB; else all of
	# it), a directory block and inodes
	for opt in --chunksize=4096:65536 --chunksize=65536:65536 -zlz4hc:327680 :327680; do
		own=${opt#*:} opt=${opt%:*}
		build "$IMG.u" "$UNIQ" $opt
		build "$IMG" "$SRC" $opt
		a=$(stat -c %s "$IMG.u") b=$(stat -c %s "$IMG")
		echo "$opt: $a bytes without b/, $b with"
		[ $((b - a)) -le $((own + 8192)) ] ||
			fail "$opt: b/ costs $((b - a)) bytes"
	done
	# and apart, they cost their bytes
	build "$IMG" "$SRC" -E^dedupe-files
	[ "$shared" = 0 ] || fail "-E^dedupe-files: $shared bytes shared"
	b=$(stat -c %s "$IMG")
	[ $((b - a)) -ge $((307200 + 327680)) ] || fail "-E^dedupe-files: b/ costs only $((b - a)) bytes"
	check "$IMG"
}

@test "chunks: whole-file sharing in the flat and compressed layouts, shown by dump -e" {
	local opt
	for opt in "" -zlz4hc "-zlz4hc -Eztailpacking" --chunksize=4096; do
		build "$IMG" "$SRC" $opt
		check "$IMG"
		[ "$(blocks /a/rand)" = "$(blocks /b/rand_copy)" ] ||
			fail "$opt: /b/rand_copy has blocks of its own"
		[ "$(blocks /a/text)" = "$(blocks /b/text_copy)" ] ||
			fail "$opt: /b/text_copy has blocks of its own"
	done
	# the text is compressed; its copy points at the same pclusters
	build "$IMG" "$SRC" -zlz4hc
	[[ "$(extents /b/text_copy)" == *lz4* ]] || fail "/b/text_copy not compressed"
	# chunks: /b/mix's first and last 128 KiB are /a/rand's first
	build "$IMG" "$SRC" --chunksize=4096
	local rand0 mix
	rand0=$(extents /a/rand | awk 'NR == 1 { print $4 }')
	mix=$(extents /b/mix)
	echo "$mix"
	[[ $(sed -n 1p <<<"$mix") =~ ^\ +0\ +0\ +131072\ +$rand0\ +131072\ +mapped$ ]] ||
		fail "/b/mix: its first 128 KiB are not /a/rand's"
	[[ $(sed -n 3p <<<"$mix") =~ ^\ +2\ +196608\ +131072\ +$rand0\ +131072\ +mapped$ ]] ||
		fail "/b/mix: its last 128 KiB are not /a/rand's"
}

@test "chunks: the image is the same for 1, 2 and 4 workers" {
	local opt w
	for opt in --chunksize=4096 "--chunksize=1048576 -Eforce-chunk-indexes" -zlz4hc; do
		for w in 1 2 4; do
			build "$IMG.$w" "$SRC" --workers=$w $opt
		done
		cmp "$IMG.1" "$IMG.2" || fail "$opt: 1 and 2 workers differ"
		cmp "$IMG.1" "$IMG.4" || fail "$opt: 1 and 4 workers differ"
	done
}

@test "chunks: --chunksize must be a power of two from the block size" {
	mkfs_must_fail_usage "$IMG" --chunksize=5000 "$IMG" "$SRC"
	[ "$mkfs_err" = "mkfs.erofs: --chunksize 5000 is not a power of two" ] ||
		[[ "$mkfs_err" == "mkfs.erofs: --chunksize 5000 is not a power of two"$'\n'Try* ]]
	mkfs_must_fail_usage "$IMG" -b 4096 --chunksize=2048 "$IMG" "$SRC"
	[[ "$mkfs_err" == "mkfs.erofs: --chunksize 2048: use a power of two from the block size 4096 to 2^31 blocks"* ]]
}
