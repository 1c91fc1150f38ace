#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Images erofs-utils 1.9.3 writes with fragments (tails or whole files in
# the packed inode, -Efragments / -Eall-fragments / fragdedupe), with
# deduplicated extents (-Ededupe: pclusters shared by several files, partial
# references) and with interlaced plain pclusters: our fsck passes them and
# extracts the source, the kernel agrees, dump shows the structures; copies
# with a fragment past the packed inode, a packed_nid pointing at the wrong
# inode or a shared pcluster cut short are refused, one line each.

load helpers/common

FSCK=$top_builddir/fsck/fsck.erofs
DUMP=$top_builddir/dump/dump.erofs
SBCRC=$BATS_TEST_DIRNAME/corrupt/sbcrc.py

setup_file() {
	[ -x "$EU19_MKFS" ] || return 0
	export SRC=$BATS_FILE_TMPDIR/src
	gentree --no-huge "$SRC"
	local d=$SRC/feat i
	mkdir "$d"
	# text that compresses, more than 1 MiB of it, twice, and a copy of
	# its first 700 kB with another ending (shared pclusters)
	awk 'BEGIN { srand(11); split("alpha beta gamma delta erofs fragment packed tail 0123 zz", w)
		for (i = 0; i < 240000; i++) printf "%s%s", w[1 + int(rand() * 10)], (i % 13) ? " " : "\n" }' \
		>"$d/big1"
	cp "$d/big1" "$d/big2"
	{ head -c 700000 "$d/big1"; seq 1 3000; } >"$d/big3"
	# a range from the middle of big1, three times: extents that start
	# inside another file's pcluster (partial references)
	for i in 0 1 2; do tail -c +100001 "$d/big1" | head -c 200000 >"$d/dup$i"; done
	# different bodies, one tail (fragdedupe)
	seq 1 900 >"$BATS_FILE_TMPDIR/tail"
	for i in 1 2 3 4 5; do
		{ tail -c +$((i * 50000)) "$d/big1" | head -c $((8192 * i + 123))
		  cat "$BATS_FILE_TMPDIR/tail"; } >"$d/tail$i"
	done
	# many small files for -Eall-fragments
	for i in $(seq 1 150); do
		tail -c +$((i * 7919)) "$d/big1" | head -c $((i * 19 % 3000 + 1)) >"$d/small$i"
	done
	# noise: plain pclusters, interlaced when fragments are on
	awk 'BEGIN { srand(5); for (i = 0; i < 100000; i++) printf "%c", int(rand() * 256) }' >"$d/noise"
	{ head -c 5000 "$d/big1"; head -c 7000 "$d/noise"; } >"$d/noise_tail"
}

# eu19_build OPTIONS...: $IMG from $SRC by erofs-utils 1.9.3
eu19_build() {
	require_eu19
	IMG=$BATS_TEST_TMPDIR/img
	run "$EU19_MKFS" "$@" "$IMG" "$SRC"
	[ "$status" = 0 ] || fail "erofs-utils mkfs.erofs $*: exit $status: $output"
}

# dump_ok ARGS...: our dump.erofs must succeed; its output in $output
dump_ok() {
	run "$DUMP" "$@"
	[ "$status" = 0 ] || fail "dump.erofs $*: exit $status: $output"
}

# interop OPTIONS...: build with erofs-utils; our fsck passes it and
# extracts the source; the kernel shows what fsck extracted
interop() {
	local out mnt
	eu19_build "$@"
	out=$(mktemp -d "$BATS_TEST_TMPDIR/out.XXXXXX")/out
	mnt=$(mktemp -d "$BATS_TEST_TMPDIR/mnt.XXXXXX")
	run "$FSCK" "$IMG"
	echo "$output"
	[ "$status" = 0 ] || fail "fsck.erofs: exit $status"
	run "$FSCK" --extract="$out" --xattrs "$IMG"
	echo "$output"
	[ "$status" = 0 ] || fail "fsck.erofs --extract: exit $status"
	# erofs-utils adds an overlay attribute to a directory and keeps whole
	# seconds of an mtime in its build second; the kernel comparison
	# below covers both
	treecmp_ok --no-xattr --no-owner --no-dir-mtime --mtime-sec \
		--skip special/sock "$SRC" "$out"
	# without root the checks above stand alone
	if is_root; then
		require_erofs_mount
		mount_image "$IMG" "$mnt"
		treecmp_ok --skip special/sock "$mnt" "$out"
	fi
}

# packed_ok: the image has a packed inode, which fsck counts as such
packed_ok() {
	local sbinos
	dump_ok -s "$IMG"
	[[ $(sed -n 's/^Filesystem packed nid: *//p' <<<"$output") =~ ^[0-9]+$ ]] || fail "no packed nid"
	sbinos=$(sed -n 's/^Filesystem inode count: *//p' <<<"$output")
	run "$FSCK" "$IMG"
	[[ "$output" == *": $sbinos inodes ("*", 1 packed), "* ]] || fail "packed inode not counted"
}

@test "fragments: -zlz4hc -Efragments (tails in the packed inode)" {
	interop -zlz4hc -Efragments
	packed_ok
	dump_ok -S "$IMG"
	[[ "$output" =~ Fragment\ extents:\ +[1-9] ]]
}

@test "fragments: -zlz4 -Efragments,ztailpacking" {
	interop -zlz4 -Efragments,ztailpacking
	packed_ok
}

@test "fragments: -zlz4hc -Eall-fragments,fragdedupe=inode" {
	interop -zlz4hc -Eall-fragments,fragdedupe=inode
	packed_ok
	# every file is one fragment extent, in the packed inode
	dump_ok -e --path=/feat/big1 "$IMG"
	[[ "${lines[1]}" =~ ^\ +0\ +0\ +[0-9]+\ +[0-9]+\ +[0-9]+\ +fragment$ ]]
	[ "${lines[2]}" = "1 extents" ]
	dump_ok --path=/feat/small7 "$IMG"
	[[ "$output" == *"Fragment:               whole file at offset "* ]]
}

@test "fragments: -zlz4hc -Ededupe,all-fragments" {
	interop -zlz4hc -Ededupe,all-fragments
	packed_ok
}

@test "fragments: -zlz4hc -Efragments,fragdedupe=full -C1048576 (big pclusters)" {
	interop -zlz4hc -Efragments,fragdedupe=full -C1048576
	packed_ok
}

@test "fragments: -zlz4hc -Efragments -C65536" {
	interop -zlz4hc -Efragments -C65536
	packed_ok
}

@test "fragments: -zlz4hc -Eall-fragments -Elegacy-compress (full indexes)" {
	interop -zlz4hc -Eall-fragments -Elegacy-compress
	packed_ok
}

@test "fragments: -zlz4hc -Efragments -b 512" {
	interop -zlz4hc -Efragments -b 512
	packed_ok
}

@test "fragments: -zlz4hc -Ededupe,fragments -b 512 -C32768 (extents of more than 2047 lclusters)" {
	interop -zlz4hc -Ededupe,fragments -b 512 -C32768
	packed_ok
}

@test "fragments: the packed inode's plain pclusters are interlaced" {
	local pk
	eu19_build -zlz4 -Eall-fragments
	dump_ok -s "$IMG"
	pk=$(sed -n 's/^Filesystem packed nid: *//p' <<<"$output")
	dump_ok -e --nid="$pk" "$IMG"
	[[ "$output" == *"mapped,interlaced"* ]] || fail "no interlaced pcluster"
	dump_ok --cat --path=/feat/noise "$IMG"
	"$DUMP" --cat --path=/feat/noise "$IMG" | cmp - "$SRC/feat/noise"
	run "$FSCK" "$IMG"
	[ "$status" = 0 ]
}

@test "fragments: dump -e, -S and --json show tails, the packed inode and its nid" {
	local pk eu
	eu19_build -zlz4hc -Efragments
	dump_ok -s "$IMG"
	pk=$(sed -n 's/^Filesystem packed nid: *//p' <<<"$output")
	run "$EU19_DUMP" -s "$IMG"
	eu=$(sed -n 's/^Filesystem packed nid: *//p' <<<"$output" | tr -d ' ')
	[ "$pk" = "$eu" ]
	dump_ok --json -s "$IMG"
	python3 -c 'import json,sys; d=json.loads(sys.argv[1])["superblock"]; assert d["packed_nid"] == int(sys.argv[2]), d' "$output" "$pk"

	# a tail: a compressed extent, then the fragment at its packed offset
	dump_ok -e --path=/feat/tail1 "$IMG"
	[[ "${lines[1]}" =~ mapped,lz4$ ]]
	[[ "${lines[2]}" =~ ^\ +1\ +[0-9]+\ +[0-9]+\ +[0-9]+\ +[0-9]+\ +fragment$ ]]
	dump_ok --json -e --path=/feat/tail1 "$IMG"
	python3 -c 'import json,sys
e = json.loads(sys.argv[1])["extent_map"]["extents"]
assert e[-1]["fragment"] and e[-1]["physical"] is None and e[-1]["fragment_offset"] >= 0, e
assert not e[0]["fragment"] and e[0]["fragment_offset"] is None, e' "$output"

	dump_ok -S "$IMG"
	[[ "$output" =~ Packed\ inode:\ +nid\ $pk,\ [0-9]+\ bytes,\ [0-9]+\ on\ disk ]]
	dump_ok --json -S "$IMG"
	python3 -c 'import json,sys
s = json.loads(sys.argv[1])["statistics"]
assert s["packed_inode"]["nid"] == int(sys.argv[2]) and s["fragment_extents"] > 0, s' "$output" "$pk"

	run "$FSCK" --json "$IMG"
	[ "$status" = 0 ]
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["packed_inodes"] == 1, d' "$output"
}

@test "dedupe: -zlz4hc -Ededupe (shared pclusters, partial references)" {
	interop -zlz4hc -Ededupe
	dump_ok -e --path=/feat/dup1 "$IMG"
	[[ "${lines[1]}" =~ mapped,lz4,partial$ ]] || fail "no partial reference"
	dump_ok -S "$IMG"
	[[ "$output" =~ Partial-ref\ extents:\ +[1-9] ]]
	[[ "$output" =~ Shared\ extents:\ +[1-9] ]]
	# a pcluster is counted once however many files share it
	local ondisk
	ondisk=$(sed -n 's/^On-disk bytes: *//p' <<<"$output")
	[ "$ondisk" -lt "$(stat -c %s "$IMG")" ]
}

@test "dedupe: -zlz4 -Ededupe -b 512, and -Elegacy-compress" {
	interop -zlz4 -Ededupe -b 512
	interop -zlz4hc -Ededupe -Elegacy-compress
}

# --- corrupted copies --------------------------------------------------

# poke IMG OFFSET HEX: write the bytes at OFFSET, then fix the sb checksum
poke() {
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); f.write(bytes.fromhex(sys.argv[3]))' "$1" "$2" "$3"
	python3 "$SBCRC" "$1"
}

# le64 N: N as 8 little-endian bytes, in hex
le64() {
	python3 -c 'import struct,sys; print(struct.pack("<Q", int(sys.argv[1])).hex())' "$1"
}

# short_stream LEN: LEN bytes in hex, zeros then an LZ4 stream of one literal
short_stream() {
	python3 -c 'import sys; print("00" * (int(sys.argv[1]) - 2) + "1041")' "$1"
}

# map_header PATH: image offset of PATH's map header in $IMG
map_header() {
	dump_ok --json --path="$1" "$IMG"
	python3 -c 'import json,sys
d = json.loads(sys.argv[1])["inode"]
print((d["inode_offset"] + d["inode_size"] + d["xattr_body_size"] + 7) // 8 * 8)' "$output"
}

# refused WANT ARGS...: our fsck exits 1, no crash, WANT in its messages
refused() {
	local want=$1
	shift
	run "$FSCK" "$@"
	echo "$output"
	[ "$status" = 1 ] || fail "fsck.erofs $*: exit $status, expected 1"
	[[ "$output" == *"$want"* ]] || fail "no \"$want\" in the messages"
}

@test "corrupt: a tail fragment past the end of the packed inode" {
	local nid hdr
	eu19_build -zlz4hc -Efragments
	dump_ok --path=/feat/tail2 "$IMG"
	nid=$(sed -n 's/^NID: *//p' <<<"$output")
	hdr=$(map_header /feat/tail2)
	# h_reserved1 and h_idata_size: the fragment offset
	poke "$IMG" "$hdr" f0ffffff
	refused "nid $nid: fragment of" "$IMG"
	[[ "$output" == *"runs past the end of the packed inode"*"map header at offset $hdr)"* ]]
	# nothing written outside the extract target, whatever it found
	mkdir "$BATS_TEST_TMPDIR/x"
	refused "nid $nid: fragment of" --extract="$BATS_TEST_TMPDIR/x/out" "$IMG"
	[ "$(dir_listing "$BATS_TEST_TMPDIR/x")" = out ]
	# dump -e maps it, so it refuses too
	run "$DUMP" -e --path=/feat/tail2 "$IMG"
	[ "$status" = 1 ]
}

@test "corrupt: a whole-file fragment past the end of the packed inode" {
	local nid hdr
	eu19_build -zlz4hc -Eall-fragments
	dump_ok --path=/feat/small3 "$IMG"
	nid=$(sed -n 's/^NID: *//p' <<<"$output")
	hdr=$(map_header /feat/small3)
	# bit 63 kept, the offset near 2^63
	poke "$IMG" "$hdr" f0ffffffffffffff
	refused "nid $nid: fragment of" "$IMG"
	[ "$(grep -c 'fragment of' <<<"$output")" = 1 ]
}

@test "corrupt: packed_nid pointing at a directory, or past the image" {
	local root
	eu19_build -zlz4hc -Efragments
	dump_ok -s "$IMG"
	root=$(sed -n 's/^Filesystem root nid: *//p' <<<"$output")
	cp "$IMG" "$BATS_TEST_TMPDIR/dir.img"
	# packed_nid is 96 bytes into the superblock
	poke "$BATS_TEST_TMPDIR/dir.img" 1120 "$(le64 "$root")"
	refused "nid $root: the packed inode has mode 040" "$BATS_TEST_TMPDIR/dir.img"
	# (bit 63 clear: with it set the nid would name a metabox inode)
	poke "$IMG" 1120 000000000000f000
	refused "inode lies past the end of the image" "$IMG"
}

@test "corrupt: a shared pcluster cut short is reported for every file using it" {
	local pa plen
	eu19_build -zlz4hc -Ededupe
	dump_ok -e --path=/feat/dup1 "$IMG"
	read -r _ _ _ pa plen _ <<<"${lines[1]}"
	# zero padding, then a sound stream that ends after one byte
	poke "$IMG" "$pa" "$(short_stream "$plen")"
	refused "corrupt lz4 stream in pcluster at offset $pa for extent at 0" "$IMG"
	# dup0, dup1 and dup2 share it
	[ "$(grep -c "corrupt lz4 stream in pcluster at offset $pa " <<<"$output")" -ge 3 ]
}

@test "corrupt: a packed inode pcluster cut short: the packed inode and its files" {
	local pk pa plen
	eu19_build -zlz4hc -Eall-fragments
	dump_ok -s "$IMG"
	pk=$(sed -n 's/^Filesystem packed nid: *//p' <<<"$output")
	dump_ok -e --nid="$pk" "$IMG"
	read -r _ _ _ pa plen _ <<<"${lines[1]}"
	poke "$IMG" "$pa" "$(short_stream "$plen")"
	refused "nid $pk: corrupt lz4 stream in pcluster at offset $pa" "$IMG"
}
