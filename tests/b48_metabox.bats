#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The 48-bit layout (-E48bit: 48-bit block numbers, extent records for
# compressed files) and the metabox (-m: inodes kept inside one, usually
# compressed, inode) as erofs-utils 1.9.3 writes them: fsck checks and
# extracts them, dump shows them, the kernel agrees, and corrupted copies
# are refused with exit 1 and one line naming the nid and the offset.

load helpers/common

setup_file() {
	export SRC=$BATS_FILE_TMPDIR/src
	[ -x "$EU19_MKFS" ] || return 0
	"$GENTREE" --no-huge --no-root "$SRC" >/dev/null
	head -c 3000000 /dev/urandom >"$SRC/random.bin"
	seq 1 300000 >"$SRC/seq.txt"
	truncate -s 10M "$SRC/hole"
	printf 'x' >>"$SRC/hole"
	# erofs-utils 1.9.3 -E48bit keeps times outside the 32 bits past its
	# epoch in compact inodes, cut (the kernel reads them so too): keep
	# every time in range so the image can match the source
	find "$SRC" \( -newermt @4294967295 -o ! -newermt @1 \) \
		-exec touch -h -d @1600000000 {} +
}

# eu19_image NAME OPTIONS...: an image of $SRC, made once per file.
eu19_image() {
	local name=$1
	shift
	img=$BATS_FILE_TMPDIR/$name.img
	[ -f "$img" ] || "$EU19_MKFS" "$@" "$img" "$SRC" >/dev/null 2>&1 ||
		fail "mkfs.erofs $* failed"
}

# check_clean NAME OPTIONS...: fsck exit 0 and an extract identical to $SRC.
check_clean() {
	require_eu19
	eu19_image "$@"
	rm -rf "$BATS_TEST_TMPDIR/out"
	run "$FSCK" --xattrs --extract="$BATS_TEST_TMPDIR/out" "$img"
	echo "$output"
	[ "$status" -eq 0 ]
	treecmp_ok --mtime-sec "$SRC" "$BATS_TEST_TMPDIR/out"
}

# put IMG OFFSET HEXBYTES: overwrite bytes in place.
put() {
	printf "$(printf '%s' "$3" | sed 's/../\\x&/g')" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# inode_offset IMG PATH: where dump says the inode of PATH sits.
inode_offset() {
	"$DUMP" --path="$2" "$1" | sed -n 's/^Inode: .* at offset \([0-9]*\).*/\1/p'
}

@test "48bit: plain image checks clean and extracts identical" {
	check_clean b48 -E48bit
}

@test "48bit: lz4 (extent records) checks clean and extracts identical" {
	check_clean b48lz4 -E48bit -zlz4
	"$DUMP" --path=/hole "$img" | grep -q "16-byte extent records"
}

@test "48bit: lz4hc with 64 KiB and 1 MiB pclusters" {
	check_clean b48hc64 -E48bit -zlz4hc -C65536
	check_clean b48hc1m -E48bit -zlz4hc -C1048576
}

@test "48bit: chunk-based files" {
	check_clean b48chunk -E48bit --chunksize=65536
}

@test "48bit: ztailpacking and 512-byte blocks" {
	check_clean b48tail -E48bit -zlz4 -Eztailpacking
	check_clean b48b512 -E48bit -zlz4 -b512
}

@test "metabox: -m4096, plain and lz4, counted as a special inode" {
	check_clean mbox -m4096
	[[ "$output" == *", 1 metabox)"* ]]
	check_clean mboxlz4 -zlz4 -m4096
	[[ "$output" == *", 1 metabox)"* ]]
	run "$FSCK" --json "$img"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"metabox_inodes":1,'* ]]
}

@test "metabox: lz4hc metadata, ztailpacking, chunks, with 48bit" {
	check_clean mboxhc -zlz4hc -m4096:lz4hc
	check_clean mboxtail -zlz4 -m4096 -Eztailpacking
	check_clean mboxchunk -m4096 --chunksize=65536
	check_clean mbox48 -E48bit -zlz4 -m4096
}

@test "dump shows the 48-bit and metabox fields" {
	require_eu19
	eu19_image mboxlz4 -zlz4 -m4096
	run "$DUMP" -s "$img"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Filesystem metabox nid: "*"bytes decoded)"* ]]
	[[ "$output" == *"48bit metabox"* ]]
	run "$DUMP" --path=/seq.txt "$img"
	[ "$status" -eq 0 ]
	[[ "$output" == *"NID:                    92233720368547"* ]]
	[[ "$output" == *"of the metabox"* ]]
	run "$DUMP" -S "$img"
	[ "$status" -eq 0 ]
	eu19_image b48lz4 -E48bit -zlz4
	# the mkfs time counts from the epoch (build_time), not the epoch alone
	run "$DUMP" -s "$img"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Filesystem epoch:                             "* ]]
	[[ "$output" != *"Filesystem build time:                        1970-"* ]]
	run "$DUMP" --path=/hole -e "$img"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mapped,lz4"* ]]
	[[ "$output" == *"11 extents"* ]]
	run "$DUMP" --path=/hole --cat "$img"
	[ "$status" -eq 0 ]
	[ "${#output}" -gt 0 ]
}

@test "kernel mount of 48bit and metabox images matches the source and fsck" {
	require_eu19
	require_erofs_mount
	for opts in "-E48bit -zlz4" "-zlz4 -m4096"; do
		eu19_image "k$(printf '%s' "$opts" | tr -c 'a-z0-9' _)" $opts
		mount_image "$img" "$BATS_TEST_TMPDIR/mnt"
		treecmp_ok --mtime-sec "$SRC" "$BATS_TEST_TMPDIR/mnt"
		rm -rf "$BATS_TEST_TMPDIR/out"
		"$FSCK" --xattrs --extract="$BATS_TEST_TMPDIR/out" "$img"
		treecmp_ok --skip special/sock "$BATS_TEST_TMPDIR/mnt" "$BATS_TEST_TMPDIR/out"
		umount_image "$BATS_TEST_TMPDIR/mnt"
	done
}

@test "corrupt: a 48-bit start block past the image" {
	require_eu19
	eu19_image b48 -E48bit
	cp "$img" "$BATS_TEST_TMPDIR/c.img"
	at=$(inode_offset "$img" /random.bin)
	[ -n "$at" ]
	# i_format |= NLINK_1, so that i_nb holds the start block's bits 32..47
	fmt=$(dd if="$img" bs=1 skip="$at" count=1 status=none | od -An -tu1 | tr -d ' ')
	put "$BATS_TEST_TMPDIR/c.img" "$at" "$(printf '%02x' $((fmt | 16)))"
	put "$BATS_TEST_TMPDIR/c.img" $((at + 6)) 0100
	run "$FSCK" --no-sbcrc "$BATS_TEST_TMPDIR/c.img"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nid "*"needs blocks 42949"*"past the "*"-block image (inode at offset $at)"* ]]
}

@test "corrupt: an extent record past the image or out of order" {
	require_eu19
	eu19_image b48lz4 -E48bit -zlz4
	recs=$("$DUMP" --path=/hole "$img" |
		sed -n 's/.*16-byte extent records at offset \([0-9]*\)/\1/p')
	[ -n "$recs" ]
	# record 1: pstart_hi
	cp "$img" "$BATS_TEST_TMPDIR/c.img"
	put "$BATS_TEST_TMPDIR/c.img" $((recs + 16 + 8)) 00000100
	run "$FSCK" "$BATS_TEST_TMPDIR/c.img"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nid "*"pcluster at byte "*"outside the image (record at offset"* ]]
	# record 2 starts where record 1 does: they overlap
	cp "$img" "$BATS_TEST_TMPDIR/c.img"
	put "$BATS_TEST_TMPDIR/c.img" $((recs + 32 + 12)) \
		"$(dd if="$img" bs=1 skip=$((recs + 16 + 12)) count=4 status=none | od -An -tx1 | tr -d ' \n')"
	run "$FSCK" "$BATS_TEST_TMPDIR/c.img"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nid "*"extent record out of order or past i_size (offset "* ]]
}

@test "corrupt: a metabox nid out of range, a metabox inode nid past it" {
	require_eu19
	eu19_image mboxlz4 -zlz4 -m4096
	cp "$img" "$BATS_TEST_TMPDIR/c.img"
	# superblock metabox_nid (1024 + 128)
	put "$BATS_TEST_TMPDIR/c.img" 1152 ffffff00
	run "$FSCK" --no-sbcrc "$BATS_TEST_TMPDIR/c.img"
	[ "$status" -eq 1 ]
	[[ "$output" == *"metabox nid "*" out of range (offset 1152)"* ]]
	# the root's nid (rootnid_8b, 1024 + 112) far past the metabox content
	cp "$img" "$BATS_TEST_TMPDIR/c.img"
	put "$BATS_TEST_TMPDIR/c.img" 1136 00000100
	run "$FSCK" --no-sbcrc "$BATS_TEST_TMPDIR/c.img"
	[ "$status" -eq 1 ]
	[[ "$output" == *"inode lies past the end of the metabox"* ]]
}
