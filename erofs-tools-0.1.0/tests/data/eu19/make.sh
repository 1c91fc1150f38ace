#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The erofs-utils 1.9.3 interop images of tests/interop_eu19.bats.
#
#   make.sh --tree-only DIR   write the source tree into DIR (must not exist)
#   make.sh [OUTDIR]          write the tree, then with $EU19_MKFS (default
#                             /tmp/erofs-utils-1.9.3/bin/mkfs.erofs) one
#                             image per row of the table below, xz'd, into
#                             OUTDIR (default: this directory), plus MANIFEST
#   make.sh --list            the rows: NAME<TAB>DEVICES<TAB>MKFS OPTIONS
#   make.sh --seeds OUTDIR    fuzzing seeds: each row's image of a smaller
#                             tree (make_seed_tree, < 64 KiB an image) as
#                             OUTDIR/NAME.img, or NAME.dimg for the rows
#                             with extra devices (the devices are dropped)
#
# The tree (about 1.6 MiB; no randomness: every byte comes from a fixed
# linear congruential generator, every mtime is fixed, nanoseconds too):
#   big.txt          1.2 MiB of text lines picked by the generator from 32
#                    distinct lines: compresses well, but not to nothing
#   dup/a dup/b dup/sub/c   three identical 48 KiB files     (dedupe)
#   tails/t1 t2 t3   different 6000-byte heads, one 2500-byte tail (fragdedupe)
#   small/f00..f79   80 files of 40..1200 bytes, f40..f79 repeat f00..f39
#                    (fragments, all-fragments)
#   sparse           300000 bytes: 5000 at 0, 4096 at 131072, 3 at the end,
#                    holes between
#   hard/h1 h2 h3    one inode, three names
#   sym -> big.txt, longsym -> 300 characters, dangling -> no/such/file
#   empty (a 0-byte file), emptydir/
#   xattrs: user.comment on big.txt, dup/a, small/f00;
#           user.org.example.interop.common.prefix.{alpha,beta} on
#           tails/t1, tails/t2, sparse (the long common prefix for
#           --xattr-prefix); hard/h1 user.hard
# No device nodes, FIFOs nor trusted.* names: the tree can be made by
# anybody.  Owners are whoever runs this: the images use --all-root.
set -euo pipefail
export LC_ALL=C
unset SOURCE_DATE_EPOCH

here=$(cd "$(dirname "$0")" && pwd)
: "${EU19_MKFS:=/tmp/erofs-utils-1.9.3/bin/mkfs.erofs}"

# rng_text SEED N: N bytes of text lines, chosen by an LCG from 32 fixed lines
rng_text() {
	awk -v seed="$1" -v n="$2" 'BEGIN {
		split("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa", w, " ")
		for (i = 0; i < 32; i++) {
			l = sprintf("%03d", i)
			for (j = 0; j < 4 + i % 5; j++)
				l = l " " w[1 + (i * 7 + j * 3) % 16]
			line[i] = l "\n"
		}
		x = seed; o = ""; len = 0
		while (len < n) {
			x = (x * 1103515245 + 12345) % 2147483648
			s = line[int(x / 65536) % 32]
			o = o s; len += length(s)
			if (length(o) > 65536) { printf "%s", o; done += length(o); o = "" }
		}
		o = substr(o, 1, n - done); printf "%s", o
	}'
}

# rng_bytes SEED N: N bytes of hex-digit noise (4 bits of entropy a byte)
rng_bytes() {
	awk -v seed="$1" -v n="$2" 'BEGIN { x = seed
		for (i = 0; i < n; i++) {
			x = (x * 1103515245 + 12345) % 2147483648
			printf "%c", substr("0123456789abcdef", 1 + int(x / 65536) % 16, 1) } }'
}

make_tree() {
	local t=$1 i n f
	umask 022
	mkdir "$t"
	mkdir -p "$t/dup/sub" "$t/tails" "$t/small" "$t/hard" "$t/emptydir"
	rng_text 1 1258291 >"$t/big.txt"
	{ rng_text 2 47152; rng_bytes 3 2000; } >"$t/dup/a"
	cp "$t/dup/a" "$t/dup/b"
	cp "$t/dup/a" "$t/dup/sub/c"
	rng_bytes 7 2500 >"$t/tail.tmp"
	for i in 1 2 3; do
		{ rng_bytes $((10 + i)) 1500; rng_text $((10 + i)) 4500; cat "$t/tail.tmp"; } >"$t/tails/t$i"
	done
	rm "$t/tail.tmp"
	for i in $(seq 0 39); do
		n=$((40 + (i * 173) % 1161))
		f=$(printf '%s/small/f%02d' "$t" "$i")
		if [ $((i % 2)) = 0 ]; then
			rng_text $((100 + i)) $n >"$f"
		else
			rng_bytes $((100 + i)) $n >"$f"
		fi
		cp "$f" "$(printf '%s/small/f%02d' "$t" $((i + 40)))"
	done
	rng_text 20 5000 >"$t/sparse"
	rng_text 21 4096 | dd of="$t/sparse" bs=4096 seek=32 conv=notrunc status=none
	truncate -s 299997 "$t/sparse"
	printf 'end' >>"$t/sparse"
	rng_text 22 700 >"$t/hard/h1"
	ln "$t/hard/h1" "$t/hard/h2"
	ln "$t/hard/h1" "$t/hard/h3"
	ln -s big.txt "$t/sym"
	ln -s "$(printf 'long/%.0s' {1..60})" "$t/longsym"
	ln -s no/such/file "$t/dangling"
	: >"$t/empty"
	setfattr -n user.comment -v "the big one" "$t/big.txt"
	setfattr -n user.comment -v dup "$t/dup/a"
	setfattr -n user.comment -v small "$t/small/f00"
	for f in tails/t1 tails/t2 sparse; do
		setfattr -n user.org.example.interop.common.prefix.alpha -v "a:$f" "$t/$f"
		setfattr -n user.org.example.interop.common.prefix.beta -v "b:$f" "$t/$f"
	done
	setfattr -n user.hard -v h "$t/hard/h1"
	chmod 0600 "$t/dup/b"
	chmod 0750 "$t/emptydir"
	# fixed mtimes, each its own second and nanoseconds; directories last
	i=0
	while IFS= read -r f; do
		touch -h -d "@$((1700000000 + i * 61)).$(printf '%09d' $(((i * 123456789) % 1000000000)))" "$t/$f"
		i=$((i + 1))
	done < <(cd "$t" && find . -mindepth 1 ! -type d | sort; cd "$t" && find . -mindepth 1 -type d | sort -r; echo .)
}

# make_seed_tree DIR: the tree of the fuzzing seeds, small enough that
# every image stays under libFuzzer's -max_len of 64 KiB; it has the paths
# the fuzz_regressions.bats jobs ask for (/d, /d/text)
make_seed_tree() {
	local t=$1 i f
	umask 022
	mkdir "$t"
	mkdir -p "$t/d/sub" "$t/tails" "$t/small" "$t/emptydir"
	rng_text 31 8000 >"$t/d/text"
	rng_bytes 32 2000 >"$t/d/noise"
	printf 'hello\n' >"$t/d/sub/hello"
	ln "$t/d/sub/hello" "$t/d/hardlink"
	rng_text 33 4096 >"$t/dup1"
	cp "$t/dup1" "$t/dup2"
	rng_bytes 34 1200 >"$t/tail.tmp"
	for i in 1 2; do
		{ rng_text $((40 + i)) 2000; cat "$t/tail.tmp"; } >"$t/tails/t$i"
	done
	rm "$t/tail.tmp"
	for i in 0 1 2 3; do
		rng_text $((50 + i % 3)) $((100 + i * 150 % 700)) >"$t/small/s$i"
	done
	printf 'start' >"$t/sparse"
	truncate -s 19997 "$t/sparse"
	printf 'end' >>"$t/sparse"
	ln -s d/text "$t/sym"
	: >"$t/empty"
	setfattr -n user.comment -v seed "$t/d/text"
	setfattr -n user.org.example.interop.common.prefix.alpha -v a "$t/tails/t1"
	setfattr -n user.org.example.interop.common.prefix.beta -v b "$t/d"
	i=0
	while IFS= read -r f; do
		touch -h -d "@$((1600000000 + i * 7)).$(printf '%09d' $((i * 98765431 % 1000000000)))" "$t/$f"
		i=$((i + 1))
	done < <(cd "$t" && find . -mindepth 1 ! -type d | sort; cd "$t" && find . -mindepth 1 -type d | sort -r; echo .)
}

# The images: NAME, extra devices (made beside the image as NAME.devN),
# mkfs options.  Special sources, by name: tar-index (--tar=i of the
# tree's tar, which is device 1), devices (a merge of two --tar=i images,
# half of the tree each: their tars are devices 1 and 2), blobdev (the
# chunk data goes to device 1), hints (the --compress-hints file below).
ROWS='fedora-live	0	-zlzma,level=6 -Eall-fragments,fragdedupe=inode -C1048576
coreos	0	-zlzma,6 -Efragments -C1048576
lorax	0	-zzstd,8 -Ededupe,all-fragments -C65536
deflate	0	-zdeflate,level=9 -C65536
libdeflate	0	-zlibdeflate,level=6 -C16384
lz4hc-dedupe	0	-zlz4hc,12 -Ededupe
lz4hc-ztail	0	-zlz4hc,12 -Eztailpacking
lz4-legacy	0	-zlz4 -Elegacy-compress
lzma-ztail-frag	0	-zlzma -Eztailpacking,fragments -C65536
hints	0	-zlzma:lz4hc --compress-hints=hints.txt -C65536
zdirs	0	-zlz4hc --zD -Eztailpacking
dot-omitted	0	-Edot-omitted
xattr-prefix	0	--xattr-prefix=user.org.example.interop.common.prefix. -Exattr-name-filter
metabox	0	-zlz4hc -m4096
metabox-xattr-prefix	0	-zlz4hc -m4096 --xattr-prefix=user.org.example.interop.common.prefix.
48bit	0	-E48bit
48bit-lz4	0	-zlz4 -E48bit
chunk	0	--chunksize=8192
chunk-indexes	0	--chunksize=8192 -Eforce-chunk-indexes
blobdev	1	--chunksize=4096 --blobdev=blobdev.dev1
tar-index	1	--tar=i
devices	2	(merge of two --tar=i images)
b512-lzma	0	-b512 -zlzma -Efragments -C16384
b512-lz4hc	0	-b512 -zlz4hc
b512-ztail	0	-b512 -zlz4hc -Eztailpacking'

# every image: fixed time and UUID, root owners, one worker
COMMON='-T0 --mkfs-time -U6d8b4a1c-0f5e-4c1a-9a51-3b7e2d9c0e19 --all-root --workers=1 --quiet'

# reproducible tar of DIR (relative paths PATHS...) to stdout
tar_of() {
	local dir=$1
	shift
	tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner \
		--format=pax --xattrs --xattrs-include='user.*' \
		--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
		--mtime-nanoseconds 2>/dev/null -cf - "$@" ||
	tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner \
		--format=pax --xattrs --xattrs-include='user.*' \
		--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
		-cf - "$@"
}

# build_image NAME OPTIONS TREE OUT: OUT/NAME.img (and OUT/NAME.devN)
build_image() {
	local name=$1 opts=$2 tree=$3 out=$4 w
	w=$(mktemp -d)
	# shellcheck disable=SC2086
	case $name in
	tar-index)
		tar_of "$tree" . >"$out/$name.dev1"
		"$EU19_MKFS" $COMMON $opts "$out/$name.img" "$out/$name.dev1"
		;;
	devices)
		# device 1: big.txt and dup/ (the seed tree: d/), device 2 the rest
		(cd "$tree" && find . -mindepth 1 -maxdepth 1 \( -name big.txt -o -name dup -o -name d \) | sort) >"$w/list1"
		(cd "$tree" && find . -mindepth 1 -maxdepth 1 ! -name big.txt ! -name dup ! -name d | sort) >"$w/list2"
		tar_of "$tree" -T "$w/list1" >"$out/$name.dev1"
		tar_of "$tree" -T "$w/list2" >"$out/$name.dev2"
		"$EU19_MKFS" $COMMON --tar=i "$w/h1.img" "$out/$name.dev1"
		"$EU19_MKFS" $COMMON --tar=i "$w/h2.img" "$out/$name.dev2"
		"$EU19_MKFS" $COMMON "$out/$name.img" "$w/h1.img" "$w/h2.img" 2>&1 |
			{ grep -v 'EXPERIMENTAL rebuild mode' || true; } >&2
		;;
	hints)
		# per-file pcluster sizes.  An algorithm index in a hint line
		# ("16384 1 big\.txt") makes 1.9.3's mkfs.erofs crash (a NULL
		# z_paramsets in erofs_load_compress_hints), so the second
		# algorithm is declared in the superblock but never chosen
		printf '%s\n' '16384 big\.txt' '4096 tails/.*' >"$w/hints.txt"
		"$EU19_MKFS" $COMMON ${opts/hints.txt/$w/hints.txt} "$out/$name.img" "$tree"
		;;
	*)
		(cd "$out" && "$EU19_MKFS" $COMMON $opts "$name.img" "$tree")
		;;
	esac
	rm -rf "$w"
}

rows() {
	printf '%s\n' "$ROWS"
}

main() {
	local out name ndev opts f sum
	case ${1:-} in
	--tree-only)
		[ $# = 2 ] || { echo "usage: make.sh --tree-only DIR" >&2; exit 2; }
		make_tree "$2"
		return
		;;
	--list)
		rows
		return
		;;
	--seeds)
		[ $# = 2 ] || { echo "usage: make.sh --seeds OUTDIR" >&2; exit 2; }
		out=$(cd "$2" && pwd)
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		make_seed_tree "$tmp/tree"
		mkdir "$tmp/out"
		while IFS='	' read -r name ndev opts; do
			build_image "$name" "$opts" "$tmp/tree" "$tmp/out"
			if [ "$ndev" = 0 ]; then
				mv "$tmp/out/$name.img" "$out/$name.img"
			else
				mv "$tmp/out/$name.img" "$out/$name.dimg"
			fi
		done < <(rows)
		rm -rf "$tmp/out"
		return
		;;
	esac
	out=$(cd "${1:-$here}" && pwd)
	[ -x "$EU19_MKFS" ] || { echo "make.sh: no mkfs.erofs at EU19_MKFS=$EU19_MKFS" >&2; exit 1; }
	"$EU19_MKFS" -V | grep -q ' 1\.9\.3' ||
		echo "make.sh: warning: $EU19_MKFS is not erofs-utils 1.9.3" >&2
	tmp=$(mktemp -d)
	tree=$tmp/tree
	trap 'rm -rf "$tmp"' EXIT
	make_tree "$tree"
	rm -f "$out"/*.img.xz "$out"/*.dev?.xz
	{
		echo "# erofs-utils 1.9.3 images of tests/interop_eu19.bats, made by make.sh"
		echo "# NAME	DEVICES	SHA256 OF THE IMAGE AND EACH DEVICE (uncompressed)	MKFS OPTIONS"
	} >"$out/MANIFEST"
	while IFS='	' read -r name ndev opts; do
		build_image "$name" "$opts" "$tree" "$out"
		sum=$(sha256sum <"$out/$name.img" | cut -c1-64)
		for f in $(seq 1 "$ndev"); do
			sum="$sum,$(sha256sum <"$out/$name.dev$f" | cut -c1-64)"
		done
		printf '%s\t%s\t%s\t%s\n' "$name" "$ndev" "$sum" "$opts" >>"$out/MANIFEST"
		for f in "$out/$name.img" "$out"/"$name".dev?; do
			[ -e "$f" ] || continue
			xz -9e -T1 -f "$f"
		done
	done < <(rows)
	du -cb "$out"/*.xz | tail -n 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
