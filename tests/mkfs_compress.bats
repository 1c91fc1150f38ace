#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Compressed images: every variant the kernel must read (lz4 and lz4hc,
# 4 KiB and 64 KiB pclusters, full and compacted indexes, with and without
# ztailpacking, compress hints) mounted and compared with the source; our
# fsck extracts them and Debian's; Debian's fsck accepts ours.

load helpers/common

FSCK=$top_builddir/fsck/fsck.erofs
DUMP=$top_builddir/dump/dump.erofs

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	gentree --no-huge "$SRC"
	# data that compresses in every way: text, a binary, runs, noise
	local c=$SRC/compressible
	mkdir -p "$c"
	seq 1 200000 > "$c/seq"
	cp /bin/bash "$c/bash"
	head -c 300000 /dev/zero > "$c/zeros"
	awk 'BEGIN { srand(7); for (i = 0; i < 40000; i++) printf "%c", 32 + int(rand() * 95) }' > "$c/noise"
	for i in $(seq 1 40); do head -c $((i * 977)) "$c/seq" > "$c/small$i"; done
	cat "$c/seq" "$c/noise" "$c/zeros" "$c/seq" > "$c/mixed"
}

# build [MKFS OPTIONS]: image of $SRC at $IMG
build() {
	IMG=$BATS_TEST_TMPDIR/img
	require_mkfs
	run "$MKFS" --quiet "$@" "$IMG" "${BUILD_SRC:-$SRC}"
	echo "$output"
	[ "$status" = 0 ] || fail "mkfs.erofs $* failed"
}

# dump_ok ARGS...: our dump.erofs must succeed (a pipe would hide its
# exit status); its output in $output
dump_ok() {
	run "$DUMP" "$@"
	[ "$status" = 0 ] || fail "dump.erofs $*: exit $status: $output"
}

# roundtrip [MKFS OPTIONS]: the kernel shows the source, our fsck agrees
roundtrip() {
	local mnt=$BATS_TEST_TMPDIR/mnt out=$BATS_TEST_TMPDIR/out
	require_erofs_mount
	build "$@"
	mount_image "$IMG" "$mnt"
	treecmp_ok "$SRC" "$mnt"
	# the image really holds compressed files
	dump_ok -S "$IMG"
	grep -q '^Compressed files: *[1-9]' <<<"$output" || fail "no compressed file"
	run "$FSCK" --extract="$out" --xattrs "$IMG"
	echo "$output"
	[ "$status" = 0 ]
	# sockets and the xattrs come back too
	treecmp_ok --no-owner --no-dir-mtime "$SRC" "$out"
}

@test "compress: lz4, 4 KiB pclusters, compacted indexes" {
	roundtrip -zlz4
}

@test "compress: lz4hc, 4 KiB pclusters, compacted indexes" {
	roundtrip -zlz4hc
}

@test "compress: lz4hc level 12, 64 KiB pclusters" {
	roundtrip -zlz4hc,12 -C65536
}

@test "compress: lz4, full (legacy) indexes" {
	roundtrip -zlz4 -E legacy-compress
}

@test "compress: lz4hc, 64 KiB pclusters, full indexes" {
	roundtrip -zlz4hc -C65536 -E legacy-compress
}

@test "compress: ztailpacking, compacted and full indexes" {
	roundtrip -zlz4hc -E ztailpacking
	umount_image "$BATS_TEST_TMPDIR/mnt"
	rm -rf "$BATS_TEST_TMPDIR/out"
	roundtrip -zlz4 -E ztailpacking,legacy-compress -C16384
}

@test "compress: 512-byte blocks with 4 KiB pclusters and ztailpacking" {
	roundtrip -zlz4hc -b 512 -C4096 -E ztailpacking
}

@test "compress: --compress-hints gives per-path pcluster sizes" {
	printf '# big clusters for text\n65536 lz4hc compressible/seq$\n16384 0 compressible/small.*\n' > "$BATS_TEST_TMPDIR/hints"
	roundtrip -zlz4hc --compress-hints="$BATS_TEST_TMPDIR/hints"
	# seq's pclusters are larger than a block; bash's are one block
	big='$6 ~ /lz4/ && $5 > 4096 { big = 1 } END { exit !big }'
	dump_ok -e --path=/compressible/seq "$IMG"
	awk "$big" <<<"$output" || fail "seq has no pcluster larger than a block"
	dump_ok -e --path=/compressible/bash "$IMG"
	grep -q lz4 <<<"$output" || fail "bash is not compressed"
	if awk "$big" <<<"$output"; then
		fail "bash has a pcluster larger than a block"
	fi
}

@test "compress: superblock features only for what is used" {
	build -zlz4hc
	# Debian's dump.erofs names the features (erofs-utils is in CI)
	run "$DEB_DUMP" "$IMG"
	[ "$status" = 0 ] || fail "Debian dump.erofs: exit $status: $output"
	f=$(sed -n 's/^Filesystem features: *//p' <<<"$output")
	[[ "$f" == *0padding* ]] || fail "no 0padding in '$f'"
	[[ "$f" != *big_pcluster* ]]
	[[ "$f" != *ztailpacking* ]]
	build -zlz4hc -C65536
	dump_ok -s "$IMG"
	grep -q big_pcluster <<<"$output" || fail "no big_pcluster feature"
	build -zlz4hc -E ztailpacking
	dump_ok -s "$IMG"
	grep -q ztailpacking <<<"$output" || fail "no ztailpacking feature"
}

@test "compress: image is byte-identical for every --workers" {
	build -zlz4hc --workers=1 -T 0 -U clear
	cp "$IMG" "$BATS_TEST_TMPDIR/one"
	build -zlz4hc --workers=2 -T 0 -U clear
	cmp "$IMG" "$BATS_TEST_TMPDIR/one"
	build -zlz4hc --workers=5 -T 0 -U clear
	cmp "$IMG" "$BATS_TEST_TMPDIR/one"
}

@test "compress: a low open-file limit holds fewer files in flight, same image" {
	build -zlz4hc --workers=3 -T 0 -U clear
	cp "$IMG" "$BATS_TEST_TMPDIR/free"
	# a quarter of 24: six files queued at most, where 1024 would fail
	run bash -c 'ulimit -n 24 && exec "$0" --quiet -zlz4hc --workers=3 -T 0 -U clear "$1" "$2"' \
		"$MKFS" "$IMG" "$SRC"
	echo "$output"
	[ "$status" = 0 ]
	cmp "$IMG" "$BATS_TEST_TMPDIR/free"
}

@test "compress: each pcluster is decompressed once by fsck" {
	build -zlz4hc
	dump_ok -e --path=/compressible/seq "$IMG"
	ext=$(awk '$6 ~ /lz4$/' <<<"$output" | wc -l)
	[ "$ext" -gt 5 ]
	run "$FSCK" -p --path=/compressible/seq "$IMG"
	echo "$output"
	[ "$status" = 0 ]
	[[ "$output" == *"pclusters decoded: $ext ("* ]]
}

@test "compress: incompressible files stay uncompressed" {
	build -zlz4hc
	dump_ok --path=/compressible/noise "$IMG"
	grep -q '^Layout: *flat' <<<"$output" || fail "noise is not stored flat"
	dump_ok --path=/compressible/seq "$IMG"
	grep -q '^Layout: *compressed' <<<"$output" || fail "seq is not compressed"
}

@test "compress: lz4hc stores a run of noise as is, then compresses again" {
	build -zlz4hc
	# seq, noise, zeros, seq: after the first block of noise the rest of
	# the run is tested with lz4 first, and HC takes over where it ends
	dump_ok -e --path=/compressible/mixed "$IMG"
	runs=$(awk '$NF ~ /^mapped,/ { print $NF }' <<<"$output" | uniq -c |
	       awk '{ printf "%s:%s ", $2, $1 }')
	echo "$runs"
	# 40000 bytes of noise: 9 whole blocks (a 10th may start the zeros);
	# the last block of the file is too short to compress
	[[ "$runs" =~ ^mapped,lz4:[0-9]+\ mapped,plain:(9|10)\ mapped,lz4:[0-9]+\ (mapped,plain:1\ )?$ ]]
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" "$IMG"
	[ "$status" = 0 ]
	cmp "$SRC/compressible/mixed" "$BATS_TEST_TMPDIR/out/compressible/mixed"
}

@test "peers: Debian fsck.erofs 1.5 accepts our compressed images" {
	[ -x /usr/bin/fsck.erofs ] || skip "Debian's erofs-utils is not installed"
	# 1.5 aborts on 255-byte names: give it the compressible part only
	BUILD_SRC=$SRC/compressible
	for opts in "-zlz4" "-zlz4hc -C65536" "-zlz4 -E legacy-compress" "-zlz4hc -E ztailpacking"; do
		# shellcheck disable=SC2086
		build $opts
		run /usr/bin/fsck.erofs "$IMG"
		echo "$opts: $output"
		[ "$status" = 0 ]
	done
}

@test "peers: our fsck extracts Debian's lz4 and lz4hc images identically" {
	[ -x /usr/bin/mkfs.erofs ] || skip "Debian's erofs-utils is not installed"
	local src=$SRC/compressible
	for opts in "-zlz4" "-zlz4hc" "-zlz4hc -C65536" "-zlz4 -Elegacy-compress" "-zlz4hc -Eztailpacking"; do
		rm -rf "$BATS_TEST_TMPDIR/out"
		# shellcheck disable=SC2086
		/usr/bin/mkfs.erofs $opts "$BATS_TEST_TMPDIR/deb.img" "$src" >/dev/null 2>&1
		run "$FSCK" -p --extract="$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/deb.img"
		echo "$opts: $output"
		[ "$status" = 0 ]
		treecmp_ok --no-owner --no-mtime "$src" "$BATS_TEST_TMPDIR/out"
	done
}

@test "corrupt: a damaged pcluster is reported with nid and offset" {
	build -zlz4hc -T 0 -U clear
	dump_ok -e --path=/compressible/seq "$IMG"
	pa=$(awk '$6 ~ /lz4$/ { print $4; exit }' <<<"$output")
	[ -n "$pa" ]
	# LZ4 has no checksum: break the stream's structure, not its literals.
	# 0xff everywhere is a run of literal lengths past the pcluster end.
	head -c 4096 /dev/zero | tr '\0' '\377' |
		dd of="$IMG" bs=1 seek="$pa" conv=notrunc status=none
	run "$FSCK" "$IMG"
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == *"nid "*": corrupt lz4 stream in pcluster at offset $pa"* ]]
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/out" "$IMG"
	[ "$status" = 1 ]
}
