#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# mkfs.erofs --data-order=FILE: the data of the files a boot profile lists
# comes first in the data area, in the listed order, in every layout; the
# rest follows in tree order, which is also the whole order without a
# list (the same image as before the option existed).  Positions come
# from our dump.erofs -e --json (helpers/data_order_check.py); the kernel
# mounts every image identical to the source and fsck passes.

load helpers/common

CHECK="$BATS_TEST_DIRNAME/helpers/data_order_check.py"

# rnd BYTES: incompressible; txt BYTES: compressible, from a random start
# (no file a prefix of another, which chunks or pclusters would share)
rnd() { head -c "$1" /dev/urandom; }
txt() { seq "$((RANDOM * 32768 + RANDOM))" 9999999999 | head -c "$1"; }

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	mkdir -p "$SRC"/{boot,d0,d1/sub,d2,d3/dir,d4}
	rnd 100000 >"$SRC/boot/init"
	txt 3000 >"$SRC/boot/cfg"
	rnd 20000 >"$SRC/d0/a"
	txt 9000 >"$SRC/d0/b"
	rnd $((3 * 4096 + 100)) >"$SRC/d0/dupA"
	cp "$SRC/d0/dupA" "$SRC/d3/dupB"
	rnd 300 >"$SRC/d0/small"
	rnd 70000 >"$SRC/d1/sub/x"
	txt 200000 >"$SRC/d1/sub/y"
	rnd 5000 >"$SRC/d1/z"
	rnd 12000 >"$SRC/d2/hl2"
	ln "$SRC/d2/hl2" "$SRC/d2/hl1"
	truncate -s 1M "$SRC/d2/sparse"
	rnd 9000 >>"$SRC/d2/sparse"
	{ rnd 700000; txt 800000; } >"$SRC/d3/big"
	: >"$SRC/d3/empty"
	ln -s ../d0/a "$SRC/d3/link"
	for i in $(seq -w 0 19); do
		if ((10#$i % 2)); then rnd $((10#$i * 1500 + 100)) >"$SRC/d4/f$i"
		else txt $((10#$i * 2500 + 100)) >"$SRC/d4/f$i"; fi
	done
	export LIST="$BATS_FILE_TMPDIR/profile"
	cat >"$LIST" <<-'EOF'
		# a boot profile: these first, in this order
		/d3/big
		./d1/sub/y

		d2/sparse
		d0/small
		d3/dupB
		d4/f13
		d1/z
		boot/init
		d4/f02
		d2/hl2
	EOF
	# the same, as the checker wants them: resolved, one a line
	export LISTED="d3/big d1/sub/y d2/sparse d0/small d3/dupB d4/f13 d1/z boot/init d4/f02 d2/hl2"
}

# build IMG [OPTIONS]: mkfs with fixed time and UUID, the tree is $SRC
build() {
	local img=$1
	shift
	require_mkfs
	run "$MKFS" --quiet -T 1700000000 --mkfs-time -U clear "$@" "$img" "$SRC"
	echo "$output"
	[ "$status" = 0 ] || fail "mkfs.erofs $* failed"
}

# check_order IMG [--min N]: the listed files first, in order
check_order() {
	local img=$1
	shift
	# shellcheck disable=SC2086
	run python3 "$CHECK" "$DUMP" "$img" "$SRC" "$@" $LISTED
	echo "$output"
	[ "$status" = 0 ]
}

# kernel_same IMG: mounted by the kernel, identical to $SRC; fsck passes
kernel_same() {
	run "$FSCK" "$1"
	echo "$output"
	[ "$status" = 0 ] || fail "fsck.erofs failed"
	require_erofs_mount
	mount_image "$1" "$BATS_TEST_TMPDIR/mnt"
	treecmp_ok "$SRC" "$BATS_TEST_TMPDIR/mnt"
	umount_image "$BATS_TEST_TMPDIR/mnt"
}

# layout OPTIONS...: build with the list, check order, fsck and the kernel
layout() {
	local img=$BATS_TEST_TMPDIR/img
	build "$img" --data-order="$LIST" "$@"
	# comments and blank lines are no entries: not a word about the list
	[ -z "$output" ] || fail "mkfs.erofs said something about \$LIST"
	check_order "$img" --min "${MIN:-9}"
	kernel_same "$img"
}

@test "data-order: flat, inline tails: the listed files first, in order" {
	layout
	# the first listed file starts the data area, right after the superblock's block
	run python3 -c 'import json,sys; print(json.loads(sys.argv[1])["extent_map"]["extents"][0]["physical"])' \
		"$("$DUMP" -e --json --path=/d3/big "$BATS_TEST_TMPDIR/img")"
	[ "$output" = 4096 ]
}

@test "data-order: -E noinline_data (every file in blocks)" {
	MIN=10 layout -E noinline_data
}

@test "data-order: compressed, -z lz4hc and -z lz4 with ztailpacking and -C" {
	layout -z lz4hc
	# f02 compresses into a pcluster inline: no data block
	MIN=8 layout -z lz4 -E ztailpacking -C 16384
}

@test "data-order: compressed, -z lzma and zstd (when built)" {
	"$MKFS" --help | grep -q 'lzma (level' || skip "no lzma in this build"
	layout -z lzma
	layout -z zstd,5 -E legacy-compress
}

@test "data-order: --chunksize (chunk-based, distinct chunks once)" {
	layout --chunksize=4096
	layout --chunksize=65536 -E force-chunk-indexes
}

@test "data-order: -E dedupe (shared pclusters)" {
	layout -z lz4hc -E dedupe
}

@test "data-order: -E fragments: tails in the packed inode in data order" {
	MIN=10 layout -z lz4hc -E fragments
	MIN=10 layout -z lz4 -E fragments,fragdedupe=off,ztailpacking
}

@test "data-order: -E all-fragments: whole files in the packed inode in list order" {
	MIN=10 layout -z lz4hc -E all-fragments
	# shellcheck disable=SC2086
	run python3 "$CHECK" "$DUMP" "$BATS_TEST_TMPDIR/img" "$SRC" $LISTED
	grep -qF "listed d3/big [('frag', 0)]" <<<"$output" ||
		fail "the first listed file does not start the packed inode"
}

@test "data-order: identical files: the listed copy is stored, the other shares it" {
	local a b
	for opts in "" "-z lz4hc" "--chunksize=4096"; do
		# shellcheck disable=SC2086
		build "$BATS_TEST_TMPDIR/img" --data-order="$LIST" $opts
		a=$("$DUMP" -e --json --path=/d0/dupA "$BATS_TEST_TMPDIR/img")
		b=$("$DUMP" -e --json --path=/d3/dupB "$BATS_TEST_TMPDIR/img")
		run python3 -c 'import json,sys
a, b = (json.loads(x)["extent_map"]["extents"][0]["physical"] for x in sys.argv[1:])
print(a, b); assert a == b, "not shared"' "$a" "$b"
		echo "$output"
		[ "$status" = 0 ]
		check_order "$BATS_TEST_TMPDIR/img" --min 8
		grep -q '^shares a listed file.s data: d0/dupA' <<<"$output" ||
			fail "d0/dupA does not share the listed copy's data"
	done
}

@test "data-order: byte-identical for --workers=1 and 4" {
	for opts in "" "-z lz4hc -E fragments" "--chunksize=4096" "-z lz4 -E dedupe,all-fragments"; do
		# shellcheck disable=SC2086
		build "$BATS_TEST_TMPDIR/1.img" --data-order="$LIST" --workers=1 $opts
		# shellcheck disable=SC2086
		build "$BATS_TEST_TMPDIR/4.img" --data-order="$LIST" --workers=4 $opts
		cmp "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/4.img" ||
			fail "--workers changes the image with $opts"
	done
}

@test "data-order: a copy on tmpfs (another readdir order) gives the same image" {
	require_root "to mount a tmpfs"
	local t=$BATS_TEST_TMPDIR/tmpfs
	mkdir -p "$t"
	mount -t tmpfs -o size=64m tmpfs "$t"
	printf '%s\n' "$t" >>"$BATS_TEST_TMPDIR/.mounts"
	cp -a "$SRC" "$t/src"
	[ "$(ls -U "$SRC/d4")" != "$(ls -U "$t/src/d4")" ] ||
		fail "readdir order is the same: the test would prove nothing"
	build "$BATS_TEST_TMPDIR/1.img" --data-order="$LIST" -z lz4hc -E fragments
	run "$MKFS" --quiet -T 1700000000 --mkfs-time -U clear --data-order="$LIST" -z lz4hc \
		-E fragments "$BATS_TEST_TMPDIR/2.img" "$t/src"
	[ "$status" = 0 ]
	cmp "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/2.img"
}

@test "data-order: without a list, data is depth first; an empty list changes nothing" {
	local empty=$BATS_TEST_TMPDIR/empty
	printf '# nothing\n\n   \n' >"$empty"
	for opts in "" "-z lz4hc" "--chunksize=4096"; do
		# shellcheck disable=SC2086
		build "$BATS_TEST_TMPDIR/0.img" $opts
		run python3 "$CHECK" "$DUMP" "$BATS_TEST_TMPDIR/0.img" "$SRC"
		echo "$output"
		[ "$status" = 0 ]
		# shellcheck disable=SC2086
		build "$BATS_TEST_TMPDIR/e.img" --data-order="$empty" $opts
		cmp "$BATS_TEST_TMPDIR/0.img" "$BATS_TEST_TMPDIR/e.img"
	done
	# and the list does change it
	build "$BATS_TEST_TMPDIR/l.img" --data-order="$LIST"
	run ! cmp -s "$BATS_TEST_TMPDIR/0.img" "$BATS_TEST_TMPDIR/l.img"
}

@test "data-order: bad entries are warned about once each and skipped" {
	local l=$BATS_TEST_TMPDIR/bad
	cat >"$l" <<-'EOF'
		d1/z
		nope/missing
		d3/dir
		d3/link
		d3/empty
		./d1/z
		d2/hl2
		d2/hl1
		d1/../d0/a
		/
		d0/a
	EOF
	printf 'd4/f05\r\n' >>"$l"	# a CRLF line end is no part of the path
	build "$BATS_TEST_TMPDIR/img" --data-order="$l"
	[ "$(grep -c -- '--data-order' <<<"$output")" = 7 ]
	grep -qx "mkfs.erofs: warning: --data-order: $l:2: nope/missing: not in the source tree" <<<"$output"
	grep -qx "mkfs.erofs: warning: --data-order: $l:3: d3/dir: not a regular file in the source" <<<"$output"
	grep -qx "mkfs.erofs: warning: --data-order: $l:4: d3/link: not a regular file in the source" <<<"$output"
	grep -qx "mkfs.erofs: warning: --data-order: $l:6: ./d1/z: the same file as line 1, listed before" <<<"$output"
	grep -qx "mkfs.erofs: warning: --data-order: $l:8: d2/hl1: the same file as line 7, listed before" <<<"$output"
	grep -qx "mkfs.erofs: warning: --data-order: $l:9: d1/../d0/a: not in the source tree" <<<"$output"
	grep -qx "mkfs.erofs: warning: --data-order: $l:10: /: not a regular file in the source" <<<"$output"
	# the good ones (an empty file has no data) still come first, in order
	LISTED="d1/z d3/empty d2/hl2 d0/a d4/f05" check_order "$BATS_TEST_TMPDIR/img" --min 4
	kernel_same "$BATS_TEST_TMPDIR/img"
}

@test "data-order: a list that cannot be read fails, naming it, and leaves nothing" {
	local out=$BATS_TEST_TMPDIR/out
	require_mkfs
	mkdir "$out"
	run "$MKFS" --quiet --data-order="$BATS_TEST_TMPDIR/nosuch" "$out/img" "$SRC"
	echo "$output"
	[ "$status" = 1 ]
	[ "$output" = "mkfs.erofs: --data-order: $BATS_TEST_TMPDIR/nosuch: No such file or directory" ]
	[ -z "$(ls -A "$out")" ]
	run "$MKFS" --quiet --data-order="$BATS_TEST_TMPDIR" "$out/img" "$SRC"
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == *"--data-order: $BATS_TEST_TMPDIR: Is a directory" ]]
	[ -z "$(ls -A "$out")" ]
	# an existing image is left as it was
	build "$out/img"
	cp "$out/img" "$BATS_TEST_TMPDIR/before"
	run "$MKFS" --quiet --data-order="$BATS_TEST_TMPDIR/nosuch" "$out/img" "$SRC"
	[ "$status" = 1 ]
	cmp "$out/img" "$BATS_TEST_TMPDIR/before"
	[ "$(ls -A "$out")" = img ]
}

@test "data-order: --tar=f honours the list; --tar=i refuses it" {
	local tarball=$BATS_TEST_TMPDIR/src.tar out=$BATS_TEST_TMPDIR/out
	require_mkfs
	(cd "$SRC" && tar --format=pax --sparse --numeric-owner -cf "$tarball" .)
	run "$MKFS" --quiet -T 1700000000 --mkfs-time -U clear --tar=f --data-order="$LIST" \
		"$BATS_TEST_TMPDIR/img" "$tarball"
	echo "$output"
	[ "$status" = 0 ]
	check_order "$BATS_TEST_TMPDIR/img" --min 8
	kernel_same "$BATS_TEST_TMPDIR/img"
	# from standard input too
	run "$MKFS" --quiet -T 1700000000 --mkfs-time -U clear --tar=f --data-order="$LIST" \
		"$BATS_TEST_TMPDIR/img2" - <"$tarball"
	[ "$status" = 0 ]
	cmp "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/img2"
	mkdir "$out"
	run "$MKFS" --quiet --tar=i --data-order="$LIST" "$out/img" "$tarball"
	echo "$output"
	[ "$status" != 0 ]
	[[ "$output" == *"--data-order cannot be honoured with --tar=i: file data stays in the tar, in its order"* ]]
	[ -z "$(ls -A "$out")" ]
}

@test "data-order: --help and the manual page document it" {
	require_mkfs
	"$MKFS" --help | grep -q -- '--data-order=FILE'
	grep -q 'BI .*data.*order= FILE' "$BATS_TEST_DIRNAME/../man/mkfs.erofs.1"
}

@test "data-order: the default order keeps similar trees' images alike (a file added moves only what follows)" {
	local t=$BATS_TEST_TMPDIR/t a b
	require_mkfs
	cp -a "$SRC" "$t"
	rnd 10000 >"$t/d4/f05a"	# 2 blocks, its tail inline
	touch -r "$SRC/d4" "$t/d4"
	"$MKFS" --quiet -T 1700000000 --mkfs-time -U clear "$BATS_TEST_TMPDIR/1.img" "$SRC"
	"$MKFS" --quiet -T 1700000000 --mkfs-time -U clear "$BATS_TEST_TMPDIR/2.img" "$t"
	# every file before the new one in data order stays where it was, every
	# one after it moves by whole blocks, a few at most (its two, and a
	# metadata block); and nearly every block of the old image is in the
	# new one, as a delta tool (casync, a binary diff) would find it
	run python3 - "$DUMP" "$BATS_TEST_TMPDIR/1.img" "$BATS_TEST_TMPDIR/2.img" "$t" d4/f05a <<-'PY'
		import hashlib, sys
		sys.path.insert(0, sys.argv[0] and "helpers")
		import data_order_check as c
		dump, i1, i2, src, new = sys.argv[1:6]
		files = [r for r, _ in c.tree_order(src)]
		k = files.index(new)
		for j, rel in enumerate(files):
		    if rel == new:
		        continue
		    a = [p for p in c.positions(dump, i1, rel) if p[0] == "blk"]
		    b = [p for p in c.positions(dump, i2, rel) if p[0] == "blk"]
		    if not a:
		        continue
		    d = b[0][1] - a[0][1]
		    print(rel, a[0][1], b[0][1], d)
		    if j < k and d:
		        sys.exit(f"{rel}, before {new}, moved by {d}")
		    if j > k and (d <= 0 or d % 4096 or d > 4 * 4096):
		        sys.exit(f"{rel}, after {new}, moved by {d}")
		def blocks(p):
		    b = open(p, "rb").read()
		    return [hashlib.sha1(b[o:o + 4096]).digest() for o in range(4096, len(b), 4096)]
		old, nw = blocks(i1), set(blocks(i2))
		kept = sum(h in nw for h in old) / len(old)
		print(f"blocks of the old image in the new one: {kept:.3f}")
		if kept < 0.9:
		    sys.exit(f"only {kept:.3f} of the old image's blocks are in the new one")
	PY
	echo "$output"
	[ "$status" = 0 ]
}
