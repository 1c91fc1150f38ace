#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Regenerate the fuzzing seed corpus (tests/fuzz/corpus/) with our mkfs:
# small deterministic images (-T 0 -U clear, fixed tree contents) covering
# each layout the read path decodes.  Usage: gen-corpus.sh [MKFS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkfs=${1:-$here/../../mkfs/mkfs.erofs}
out=$here/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C
unset SOURCE_DATE_EPOCH EROFS_FAULT

# rep TEXT N: TEXT repeated, cut to N bytes (no SIGPIPE under pipefail)
rep() {
	awk -v s="$1" -v n="$2" 'BEGIN { while (length(o) < n) o = o s
		printf "%s", substr(o, 1, n) }'
}

# A tree with one of each type; data that compresses (text) and some that
# does not (a fixed pseudo-random stream), a hole, a hardlink, xattrs.
src=$work/src
mkdir -p "$src/d/sub" "$src/e"
printf 'hello\n' >"$src/hello"
rep 'erofs fuzz seed line\n' 9000 >"$src/d/text"
# deterministic incompressible bytes
awk 'BEGIN { x = 12345; for (i = 0; i < 3000; i++) {
	x = (x * 1103515245 + 12345) % 2147483648; printf "%c", 33 + x % 90 } }' \
	>"$src/d/noise"
truncate -s 20000 "$src/d/sparse"
printf 'end' >>"$src/d/sparse"
ln "$src/hello" "$src/d/sub/hardlink"
ln -s ../hello "$src/d/sub/link"
ln -s "$(printf 'x%.0s' {1..200})" "$src/e/longlink"
mkfifo "$src/e/fifo"
mknod "$src/e/chr" c 1 3 2>/dev/null || true
for f in hello d/text d/noise; do
	setfattr -n user.seed -v "$f" "$src/$f" 2>/dev/null || true
	setfattr -n trusted.overlay.opaque -v y "$src/$f" 2>/dev/null || true
done
setfattr -n user.big -v "$(printf 'v%.0s' {1..300})" "$src/d" 2>/dev/null || true
find "$src" -exec touch -h -d @0 {} +

# a tiny tree for the smallest seeds
tiny=$work/tiny
mkdir -p "$tiny/a"
printf 'x' >"$tiny/a/f"
rep 'abcdefgh\n' 5000 >"$tiny/z"
find "$tiny" -exec touch -h -d @0 {} +

# copies, for -E dedupe and fragdedupe seeds
dup=$work/dup
mkdir -p "$dup"
seq 1 6000 >"$dup/a"
cp "$dup/a" "$dup/b"
cat "$dup/a" "$tiny/z" >"$dup/c"
find "$dup" -exec touch -h -d @0 {} +

mk() {
	local name=$1 tree=$2
	shift 2
	"$mkfs" --quiet -T 0 -U clear --workers=1 "$@" "$work/$name.img" "$tree" >/dev/null
	cp "$work/$name.img" "$out/$name"
}

rm -f "$out"/*
mkdir -p "$out"
mk plain "$src"
mk plain-512 "$src" -b 512
mk plain-1k "$src" -b 1024
mk tiny "$tiny"
mk tiny-lz4 "$tiny" -z lz4
mk tiny-16k "$tiny" -z lz4 -b 16384
mk tiny-rootpad "$tiny" --root-xattr-isize=64 -Enosbcrc
mk lz4 "$src" -z lz4
mk lz4-512 "$src" -z lz4 -b 512
mk lz4hc "$src" -z lz4hc,12
mk legacy "$src" -z lz4 -E legacy-compress
mk legacy-512 "$src" -z lz4 -E legacy-compress -b 512
mk bigpcluster "$src" -z lz4hc -C 16384
mk bigpcluster-legacy "$src" -z lz4 -C 8192 -E legacy-compress
mk ztail "$src" -z lz4 -E ztailpacking
mk ztail-512 "$src" -z lz4hc -E ztailpacking -b 512
mk ztail-legacy "$src" -z lz4 -E ztailpacking,legacy-compress
mk shared-xattrs "$src" -x 0
mk xattr-prefix "$src" --xattr-prefix=trusted.overlay. -x 1
mk no-xattrs "$src" -x -1
mk smallextent "$src" -z lz4 --max-extent-bytes=4096
mk chunks "$src" --chunksize=4096 -E force-inode-blockmap
mk chunk-indexes "$src" --chunksize=8192 -E force-chunk-indexes
# container layers: a tar with aufs whiteouts, full and index (tar appended)
layer=$work/layer
mkdir -p "$layer/d"
cp "$src/d/text" "$src/hello" "$layer/d/"
: >"$layer/d/.wh.gone"
: >"$layer/d/.wh..wh..opq"
find "$layer" -exec touch -h -d @0 {} +
tar --format=gnu --owner=0 --group=0 --numeric-owner --sort=name -C "$layer" -cf "$work/layer.tar" .
"$mkfs" --quiet -T 0 -U clear --tar=f --aufs -E noinline_data "$out/aufs-noinline" <"$work/layer.tar"
"$mkfs" --quiet -T 0 -U clear --tar=i --aufs "$out/tar-index" <"$work/layer.tar"
cat "$work/layer.tar" >>"$out/tar-index"
mk fragments "$src" -z lz4hc -E fragments
mk fragments-legacy "$src" -z lz4 -C 8192 -E fragments=16384,legacy-compress
mk all-fragments "$dup" -z lz4 -E all-fragments,ztailpacking
mk dedupe "$dup" -z lz4 -E dedupe
# chunks shared between files and within one (all-zero chunks as holes)
mk chunks-shared "$dup" --chunksize=4096
mk chunk-indexes-shared "$dup" --chunksize=8192 -E force-chunk-indexes,^dedupe-files
mk chunks-16k "$tiny" -b 16384 --chunksize=16384 -E force-inode-blockmap
ls -l "$out" | awk 'NR > 1 { n++; s += $5 } END { printf "%d seeds, %d bytes\n", n, s }'
