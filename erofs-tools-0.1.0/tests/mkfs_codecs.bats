#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# LZMA, DEFLATE and ZSTD images: every algorithm with one-block, 64 KiB
# and 1 MiB pclusters, compacted and full indexes, with and without
# ztailpacking, mounted by the kernel and compared with the source;
# erofs-utils 1.9.3's fsck accepts and extracts them, and so does ours
# (an exit 3 from it is a failure: a build with the compressor has the
# decoder's library too).  The -z
# syntax and its errors, per-file algorithms by --compress-hints, and the
# same image for every --workers.

load helpers/common

FSCK=$top_builddir/fsck/fsck.erofs
DUMP=$top_builddir/dump/dump.erofs

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	gentree --no-huge "$SRC"
	local c=$SRC/compressible
	mkdir -p "$c"
	seq 1 150000 > "$c/seq"
	cp /bin/bash "$c/bash"
	head -c 300000 /dev/zero > "$c/zeros"
	awk 'BEGIN { srand(7); for (i = 0; i < 40000; i++) printf "%c", 32 + int(rand() * 95) }' > "$c/noise"
	for i in $(seq 1 12); do head -c $((i * 2977)) "$c/seq" > "$c/small$i"; done
	cat "$c/seq" "$c/noise" "$c/zeros" "$c/seq" > "$c/mixed"
}

# require_alg ALG: skip when this build has no such compressor
require_alg() {
	require_mkfs
	local d=$BATS_TEST_TMPDIR/probe
	mkdir -p "$d"
	if ! "$MKFS" --quiet -z"$1" "$BATS_TEST_TMPDIR/probe.img" "$d" 2>"$BATS_TEST_TMPDIR/probe.err"; then
		grep -q 'not supported by this build' "$BATS_TEST_TMPDIR/probe.err" &&
			skip "this build has no $1"
		cat "$BATS_TEST_TMPDIR/probe.err"
		fail "mkfs.erofs -z$1 failed on an empty tree"
	fi
}

# build [MKFS OPTIONS]: image of $SRC at $IMG
build() {
	IMG=$BATS_TEST_TMPDIR/img
	run "$MKFS" --quiet "$@" "$IMG" "${BUILD_SRC:-$SRC}"
	echo "$output"
	[ "$status" = 0 ] || fail "mkfs.erofs $* failed"
}

dump_ok() {
	run "$DUMP" "$@"
	[ "$status" = 0 ] || fail "dump.erofs $*: exit $status: $output"
}

# The twelve layouts of the matrix, one line each.
LAYOUTS=(
	"-C4096" "-C4096 -E legacy-compress" "-C4096 -E ztailpacking"
	"-C4096 -E legacy-compress,ztailpacking"
	"-C65536" "-C65536 -E legacy-compress" "-C65536 -E ztailpacking"
	"-C65536 -E legacy-compress,ztailpacking"
	"-C1048576" "-C1048576 -E legacy-compress" "-C1048576 -E ztailpacking"
	"-C1048576 -E legacy-compress,ztailpacking"
)

# kernel_matrix ALG: every layout mounted and compared with the source
kernel_matrix() {
	local mnt=$BATS_TEST_TMPDIR/mnt l
	require_alg "$1"
	require_erofs_mount
	for l in "${LAYOUTS[@]}"; do
		echo "== -z$1 $l"
		# shellcheck disable=SC2086
		build -z"$1" $l
		dump_ok -S "$IMG"
		grep -q '^Compressed files: *[1-9]' <<<"$output" || fail "-z$1 $l: no compressed file"
		mount_image "$IMG" "$mnt"
		treecmp_ok "$SRC" "$mnt"
		umount_image "$mnt"
	done
}

@test "codecs: lzma, every layout, kernel mount" {
	kernel_matrix lzma
}

@test "codecs: deflate, every layout, kernel mount" {
	kernel_matrix deflate
}

@test "codecs: zstd, every layout, kernel mount" {
	kernel_matrix zstd
}

@test "codecs: lzma extreme level, dictsize and lc/lp/pb, libdeflate 12, zstd 19, kernel mount" {
	local mnt=$BATS_TEST_TMPDIR/mnt z
	require_alg lzma
	require_alg libdeflate
	require_alg zstd
	require_erofs_mount
	for z in lzma,level=109,dictsize=64k,lc=0,lp=2,pb=2 lzma,9 libdeflate,level=12 \
		 deflate,level=9,dictsize=4096 zstd,level=19,dictsize=128k lz4hc,level=12; do
		build -z"$z" -C65536 -E ztailpacking
		mount_image "$IMG" "$mnt"
		treecmp_ok "$SRC" "$mnt"
		umount_image "$mnt"
	done
}

# peer_matrix ALG: erofs-utils 1.9.3's fsck checks and extracts each layout
peer_matrix() {
	local out=$BATS_TEST_TMPDIR/out l
	require_alg "$1"
	require_eu19
	BUILD_SRC=$SRC/compressible
	for l in "${LAYOUTS[@]}"; do
		echo "== -z$1 $l"
		# shellcheck disable=SC2086
		build -z"$1" $l
		rm -rf "$out"
		run "$EU19_FSCK" --extract="$out" "$IMG"
		echo "$output"
		[ "$status" = 0 ] || fail "erofs-utils 1.9.3 fsck rejects -z$1 $l"
		treecmp_ok --no-owner --no-dir-mtime "$BUILD_SRC" "$out"
	done
}

@test "peers: erofs-utils 1.9.3 fsck extracts lzma images" {
	peer_matrix lzma
}

@test "peers: erofs-utils 1.9.3 fsck extracts deflate images" {
	peer_matrix deflate
}

@test "peers: erofs-utils 1.9.3 fsck extracts zstd images" {
	peer_matrix zstd
}

@test "peers: erofs-utils 1.9.3 dump names only the algorithms files use" {
	require_alg lzma
	require_alg zstd
	require_eu19
	build -zlzma:zstd
	run "$EU19_DUMP" -s "$IMG"
	echo "$output"
	[ "$status" = 0 ]
	grep -Eq '^Filesystem compr_algs: *lzma *$' <<<"$output" || fail "compr_algs is not just lzma"
	printf '65536 1 compressible/seq$\n' > "$BATS_TEST_TMPDIR/hints"
	build -zlzma:zstd --compress-hints="$BATS_TEST_TMPDIR/hints"
	run "$EU19_DUMP" -s "$IMG"
	echo "$output"
	grep -Eq '^Filesystem compr_algs: *lzma, zstd *$' <<<"$output" || fail "compr_algs is not lzma and zstd"
}

# our_fsck_matrix ALG: our fsck checks and extracts each layout
our_fsck_matrix() {
	local out=$BATS_TEST_TMPDIR/out l
	require_alg "$1"
	for l in "${LAYOUTS[@]}"; do
		echo "== -z$1 $l"
		# shellcheck disable=SC2086
		build -z"$1" $l
		rm -rf "$out"
		run "$FSCK" --extract="$out" --xattrs "$IMG"
		echo "$output"
		[ "$status" = 0 ] || fail "our fsck rejects -z$1 $l"
		treecmp_ok --no-owner --no-dir-mtime --skip special/sock "$SRC" "$out"
	done
}

@test "codecs: our fsck extracts lzma images" {
	our_fsck_matrix lzma
}

@test "codecs: our fsck extracts deflate images" {
	our_fsck_matrix deflate
}

@test "codecs: our fsck extracts zstd images" {
	our_fsck_matrix zstd
}

@test "codecs: the image is byte-identical for every --workers" {
	local z
	require_alg lzma
	require_alg deflate
	require_alg zstd
	printf '65536 1 compressible/seq$\n16384 2 compressible/bash$\n' > "$BATS_TEST_TMPDIR/hints"
	for z in lzma deflate zstd "lz4hc:lzma:zstd --compress-hints=$BATS_TEST_TMPDIR/hints"; do
		# shellcheck disable=SC2086
		build -z$z -C65536 -E ztailpacking --workers=1 -T 0 -U clear
		cp "$IMG" "$BATS_TEST_TMPDIR/one"
		# shellcheck disable=SC2086
		build -z$z -C65536 -E ztailpacking --workers=3 -T 0 -U clear
		cmp "$IMG" "$BATS_TEST_TMPDIR/one" || fail "-z$z: --workers=3 differs from 1"
	done
}

@test "codecs: --compress-hints picks the algorithm per file, size 0 stores as is" {
	local mnt=$BATS_TEST_TMPDIR/mnt
	require_alg lzma
	require_alg zstd
	require_erofs_mount
	printf '# index into -z\n65536 1 compressible/seq$\n4096 2 compressible/bash$\n0 compressible/mixed$\n12345 1 compressible/zeros$\n' \
		> "$BATS_TEST_TMPDIR/hints"
	build -zlz4hc:lzma:zstd --compress-hints="$BATS_TEST_TMPDIR/hints"
	# the size that is no multiple of the block size is warned about
	[[ "$output" == *"not a multiple of the block size"* ]] || fail "no warning for 12345"
	dump_ok -e --path=/compressible/seq "$IMG"
	grep -q 'mapped,lzma$' <<<"$output" || fail "seq is not lzma"
	dump_ok -e --path=/compressible/bash "$IMG"
	grep -q 'mapped,zstd$' <<<"$output" || fail "bash is not zstd"
	dump_ok -e --path=/compressible/zeros "$IMG"
	grep -q 'mapped,lz4$' <<<"$output" || fail "zeros (rule skipped) is not lz4hc"
	dump_ok --path=/compressible/mixed "$IMG"
	grep -q '^Layout: *flat' <<<"$output" || fail "mixed (size 0) is not stored flat"
	mount_image "$IMG" "$mnt"
	treecmp_ok "$SRC" "$mnt"
}

@test "codecs: -z accepts erofs-utils' spellings" {
	require_alg lzma
	require_alg zstd
	BUILD_SRC=$SRC/compressible
	for z in lz4hc,level=12 lz4hc,12 lz4hc,0 lzma,level=0 lzma,100 lzma,dictsize=8M \
		 lzma,level=6,dictsize=4096,lc=4,lp=0,pb=4 deflate,level=0 zstd,level=22 \
		 zstd,dictsize=1M zstd,level=1,dictsize=1024 lzma:lz4:zstd; do
		build -z"$z"
	done
}

@test "codecs: bad -z values fail with the accepted range, nothing written" {
	local d=$BATS_TEST_TMPDIR/img
	require_alg lzma
	require_alg deflate
	require_alg zstd
	mkfs_must_fail_usage "$d" -zbrotli "$d" "$SRC"
	[[ "$mkfs_err" == *"unknown compressor 'brotli'"*available:* ]]
	mkfs_must_fail_usage "$d" -zlz4hc,level=13 "$d" "$SRC"
	[[ "$mkfs_err" == *"lz4hc level 13 out of range 0-12"* ]]
	mkfs_must_fail_usage "$d" -zlzma,level=10 "$d" "$SRC"
	[[ "$mkfs_err" == *"lzma level 10 out of range 0-9 or 100-109"* ]]
	mkfs_must_fail_usage "$d" -zlzma,110 "$d" "$SRC"
	[[ "$mkfs_err" == *"out of range 0-9 or 100-109"* ]]
	mkfs_must_fail_usage "$d" -zdeflate,level=10 "$d" "$SRC"
	[[ "$mkfs_err" == *"deflate level 10 out of range 0-9"* ]]
	mkfs_must_fail_usage "$d" -zzstd,level=23 "$d" "$SRC"
	[[ "$mkfs_err" == *"zstd level 23 out of range 0-22"* ]]
	mkfs_must_fail_usage "$d" -zlzma,dictsize=16M "$d" "$SRC"
	[[ "$mkfs_err" == *"lzma dictsize 16777216 out of range 4096-8388608"* ]]
	mkfs_must_fail_usage "$d" -zdeflate,dictsize=65536 "$d" "$SRC"
	[[ "$mkfs_err" == *"deflate dictsize 65536 out of range 256-32768"* ]]
	mkfs_must_fail_usage "$d" -zzstd,dictsize=2M "$d" "$SRC"
	[[ "$mkfs_err" == *"zstd dictsize 2097152 out of range 1024-1048576 (a power of two)"* ]]
	mkfs_must_fail_usage "$d" -zzstd,dictsize=3000 "$d" "$SRC"
	[[ "$mkfs_err" == *"power of two"* ]]
	mkfs_must_fail_usage "$d" -zlzma,lc=5 "$d" "$SRC"
	[[ "$mkfs_err" == *"lzma lc=5 out of range 0-4"* ]]
	mkfs_must_fail_usage "$d" -zlzma,lc=3,lp=2 "$d" "$SRC"
	[[ "$mkfs_err" == *"lc + lp at most 4"* ]]
	mkfs_must_fail_usage "$d" -zlzma,lp=2 "$d" "$SRC"
	[[ "$mkfs_err" == *"lzma lc=3 lp=2 out of range: lc + lp at most 4"* ]]
	mkfs_must_fail_usage "$d" -zlzma,pb=9 "$d" "$SRC"
	[[ "$mkfs_err" == *"lzma pb=9 out of range 0-4"* ]]
	mkfs_must_fail_usage "$d" -zzstd,lc=1 "$d" "$SRC"
	[[ "$mkfs_err" == *"zstd takes no lc"* ]]
	mkfs_must_fail_usage "$d" -zlz4,dictsize=4096 "$d" "$SRC"
	[[ "$mkfs_err" == *"lz4 takes no dictsize"* ]]
	mkfs_must_fail_usage "$d" -zlz4,level=3 "$d" "$SRC"
	[[ "$mkfs_err" == *"lz4 takes no compression level"* ]]
	mkfs_must_fail_usage "$d" -zlzma,fast "$d" "$SRC"
	[[ "$mkfs_err" == *"unknown option 'fast'"* ]]
	mkfs_must_fail_usage "$d" -zlzma,level=x "$d" "$SRC"
	[[ "$mkfs_err" == *"invalid compression level 'x'"* ]]
	mkfs_must_fail_usage "$d" -zlzma:brotli "$d" "$SRC"
	[[ "$mkfs_err" == *"unknown compressor 'brotli'"* ]]
}

@test "codecs: a hint naming an algorithm -z did not give fails" {
	local d=$BATS_TEST_TMPDIR/img
	require_alg lzma
	printf '65536 2 compressible/seq$\n' > "$BATS_TEST_TMPDIR/hints"
	mkfs_must_fail "$d" -zlz4hc:lzma --compress-hints="$BATS_TEST_TMPDIR/hints" "$d" "$SRC"
	[[ "$mkfs_err" == *"algorithm '2' is none of the 2 given with -z (0-1"* ]]
}
