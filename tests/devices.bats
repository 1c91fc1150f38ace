#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Images erofs-utils 1.9.3 spreads over several files, and the directory
# forms it writes: chunk-based files (block maps and chunk indexes), the
# device table (--blobdev, --tar=i with the tar as the blob device, the
# images concatenated into one flat address space), compressed
# directories (--zD) and directories without "." (-Edot-omitted).  Our
# fsck must pass them all, extract them identical to the source, and
# reject doctored device tables with exit 1 -- while a device it was not
# given is exit 3, never corruption.

load helpers/common

PATCH="$BATS_TEST_DIRNAME/helpers/erofs_patch.py"

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	gentree "$SRC" --no-huge --small
	# chunks erofs-utils shares between files, holes, a file of many chunks
	mkdir "$SRC/chunks"
	head -c 300000 /dev/urandom >"$SRC/chunks/a"
	cp "$SRC/chunks/a" "$SRC/chunks/b"
	truncate -s 10M "$SRC/chunks/sparse"
	printf 'tail\n' >>"$SRC/chunks/sparse"
	head -c 3000000 /dev/urandom >"$SRC/chunks/big"
	dd if=/dev/urandom of="$SRC/chunks/holes" bs=4096 seek=7 count=3 2>/dev/null
	truncate -s 100000 "$SRC/chunks/holes"
	# whole seconds: compact inodes keep no nanoseconds of their own
	touch_tree "$SRC/chunks"
	touch -d @1600000000 "$SRC"
}

# touch_tree DIR: every entry of DIR (and DIR) to one whole-second mtime.
touch_tree() {
	find "$1" -depth -exec touch -h -d @1600000000 {} +
}

setup() {
	require_eu19
	command -v python3 >/dev/null || skip "needs python3"
	T=$BATS_TEST_TMPDIR
}

# eu19_mkfs ARGS...: build with erofs-utils 1.9.3, failing loudly.
eu19_mkfs() {
	"$EU19_MKFS" "$@" >"$T/eu19.log" 2>&1 ||
		fail "mkfs.erofs 1.9.3 $* failed: $(tail -3 "$T/eu19.log")"
}

# check_extract IMG FSCK-ARGS...: fsck exits 0 and extracts SRC again.
check_extract() {
	local img=$1
	shift
	rm -rf "$T/out"
	run "$FSCK" "$@" --xattrs --extract="$T/out" "$img"
	echo "$output"
	[ "$status" = 0 ]
	[[ $output == *": clean"* ]]
	treecmp_ok "$SRC" "$T/out"
}

# chunk_map IMG PATH [DUMP-ARGS]: byte offset of PATH's chunk map.
chunk_map() {
	"$DUMP" "${@:3}" --path="$2" "$1" 2>/dev/null |
		sed -n 's/^Chunk map:.* at offset //p'
}

@test "devices: chunk-based files, block maps and chunk indexes, every chunk size" {
	local opt
	for opt in "--chunksize=4096" "--chunksize=65536" \
		   "--chunksize=65536 -Eforce-chunk-indexes" \
		   "-b512 --chunksize=512" "-b512 --chunksize=2048 -Eforce-chunk-indexes" \
		   "-b1024 --chunksize=1048576" "--chunksize=4194304 -Eforce-chunk-indexes"; do
		echo "== $opt"
		# shellcheck disable=SC2086
		eu19_mkfs $opt "$T/c.img" "$SRC"
		check_extract "$T/c.img"
	done
}

@test "devices: identical chunks shared between files are not a finding" {
	eu19_mkfs --chunksize=4096 -Eforce-chunk-indexes "$T/c.img" "$SRC"
	# both files' maps name the same blocks
	"$DUMP" --path=/chunks/a -e "$T/c.img" >"$T/a"
	"$DUMP" --path=/chunks/b -e "$T/c.img" >"$T/b"
	cat "$T/a"
	cmp "$T/a" "$T/b"
	check_extract "$T/c.img"
}

@test "devices: --blobdev image: exit 3 naming the device without it, clean with --device" {
	eu19_mkfs --chunksize=8192 --blobdev="$T/blob" "$T/b.img" "$SRC"
	run "$FSCK" "$T/b.img"
	echo "$output"
	[ "$status" = 3 ]
	[[ $output == *"cannot check: file data lies on device 1 ("*" blocks), which is missing: give it with --device=PATH"* ]]
	check_extract "$T/b.img" --device="$T/blob"
	# metadata needs no device: dump still lists the tree
	run "$DUMP" --path=/chunks --ls "$T/b.img"
	[ "$status" = 0 ]
	[[ $output == *big* ]]
	run "$DUMP" --path=/chunks/a --cat "$T/b.img"
	[ "$status" = 1 ]
	[[ $output == *"device 1, which is missing"* ]]
}

@test "devices: --blobdev with 512-byte blocks and big chunks" {
	eu19_mkfs -b512 --chunksize=1048576 --blobdev="$T/blob" "$T/b.img" "$SRC"
	check_extract "$T/b.img" --device="$T/blob"
}

@test "devices: dump -s lists the device table" {
	eu19_mkfs --chunksize=4096 --blobdev="$T/blob" "$T/b.img" "$SRC"
	local blocks=$(( $(stat -c %s "$T/blob") / 4096 ))
	local primary
	primary=$("$DUMP" -s "$T/b.img" | sed -n 's/^Filesystem blocks: *//p')
	run "$DUMP" -s --device="$T/blob" "$T/b.img"
	echo "$output"
	[ "$status" = 0 ]
	[[ $output == *"Filesystem features:"*" chunked_file "*"device_table"* ]]
	[[ $output == *"Filesystem extra devices:                     1"* ]]
	[[ $output == *"Filesystem device 1"*"blocks $blocks mapped_blkaddr $primary (from --device)"* ]]
	run "$DUMP" -s --json "$T/b.img"
	[ "$status" = 0 ]
	[[ $output == *'"devices":[{"id":1,"tag":"","blocks":'$blocks',"mapped_blkaddr":'$primary',"state":"missing"}]'* ]]
	run "$DUMP" -e --path=/chunks/a --device="$T/blob" "$T/b.img"
	[[ $output == *"mapped,device 1"* ]]
}

@test "devices: image and blob concatenated: the flat address space needs no --device" {
	eu19_mkfs --chunksize=4096 --blobdev="$T/blob" "$T/b.img" "$SRC"
	cat "$T/b.img" "$T/blob" >"$T/flat.img"
	check_extract "$T/flat.img"
	run "$DUMP" -s "$T/flat.img"
	[[ $output == *"(in the image file)"* ]]
}

@test "devices: the kernel mounts them as we read them" {
	require_erofs_mount
	eu19_mkfs --chunksize=4096 --blobdev="$T/blob" "$T/b.img" "$SRC"
	check_extract "$T/b.img" --device="$T/blob"
	cat "$T/b.img" "$T/blob" >"$T/flat.img"
	mount_image "$T/flat.img" "$T/mnt"
	treecmp_ok "$T/out" "$T/mnt"
	umount_image "$T/mnt"
	# a block device behind device=, as for any loop-mounted primary
	local loop
	loop=$(losetup -f --show -r "$T/blob")
	mkdir -p "$T/mnt"
	if ! mount -t erofs -o loop,ro,device="$loop" "$T/b.img" "$T/mnt"; then
		losetup -d "$loop"
		dmesg | tail -5
		fail "kernel refused -o device=$loop"
	fi
	printf '%s\n' "$T/mnt" >>"$T/.mounts"
	treecmp_ok "$T/out" "$T/mnt"
	umount_image "$T/mnt"
	losetup -d "$loop"
}

@test "devices: --tar=i index image reads the tar itself as its device" {
	require_cmd tar
	tar -C "$SRC" --format=pax --xattrs --xattrs-include='*' --acls \
		-cf "$T/t.tar" . 2>/dev/null || tar -C "$SRC" -cf "$T/t.tar" .
	eu19_mkfs --tar=i "$T/t.img" "$T/t.tar"
	run "$FSCK" "$T/t.img"
	[ "$status" = 3 ]
	[[ $output == *"device 1 ("*"which is missing"* ]]
	rm -rf "$T/out"
	run "$FSCK" --xattrs --device="$T/t.tar" --extract="$T/out" "$T/t.img"
	echo "$output"
	[ "$status" = 0 ]
	# tar keeps what it keeps: the bytes and names are what matter here
	treecmp_ok --no-xattr --mtime-sec --no-owner "$SRC" "$T/out"
	if is_root && [ -e /dev/loop-control ]; then
		cat "$T/t.img" "$T/t.tar" >"$T/flat.img"
		mount_image "$T/flat.img" "$T/mnt"
		treecmp_ok "$T/mnt" "$T/out"
	fi
}

@test "devices: wrong number of --device is a usage error" {
	eu19_mkfs --chunksize=4096 --blobdev="$T/blob" "$T/b.img" "$SRC"
	run "$FSCK" --device="$T/blob" --device="$T/blob" "$T/b.img"
	[ "$status" = 2 ]
	[[ $output == *"2 --device given, the image has 1 extra devices"* ]]
	run "$FSCK" --device="$T/nonexistent" "$T/b.img"
	[ "$status" = 2 ]
	[[ $output == *"cannot open device 1"* ]]
}

@test "devices: a chunk on a device beyond the table is corruption (exit 1, nid and offset)" {
	mkdir -p "$T/s/d"
	head -c 20000 /dev/urandom >"$T/s/d/f"
	touch_tree "$T/s"
	eu19_mkfs --chunksize=4096 --blobdev="$T/blob" "$T/two.img" "$T/s"
	# two slots, so that ids are masked by 3 and id 3 names no device
	python3 "$PATCH" devices "$T/two.img" 2
	run "$FSCK" --device="$T/blob" --device="$T/blob" "$T/two.img"
	echo "$output"
	[ "$status" = 0 ]
	local off
	off=$(chunk_map "$T/two.img" /d/f)
	[ -n "$off" ]
	cp "$T/two.img" "$T/bad.img"
	python3 "$PATCH" put "$T/bad.img" $((off + 2)) 2 3
	run "$FSCK" --device="$T/blob" --device="$T/blob" "$T/bad.img"
	echo "$output"
	[ "$status" = 1 ]
	[[ $output == *"nid "*": chunk on device 3, the image has 2 extra devices (offset $((off + 2)))"* ]]
	# device 2 is a copy of device 1: the same bytes, still sound
	python3 "$PATCH" put "$T/two.img" $((off + 2)) 2 2
	run "$FSCK" --device="$T/blob" --device="$T/blob" "$T/two.img"
	[ "$status" = 0 ]
}

@test "devices: a slot claiming more blocks than its file is corruption" {
	eu19_mkfs --chunksize=4096 --blobdev="$T/blob" "$T/b.img" "$SRC"
	local slot blocks
	slot=$(( $(od -An -tu2 -j $((1024 + 88)) -N2 "$T/b.img") * 128 ))
	blocks=$(( $(stat -c %s "$T/blob") / 4096 ))
	python3 "$PATCH" put "$T/b.img" $((slot + 64)) 4 $((blocks + 1))
	run "$FSCK" --device="$T/blob" "$T/b.img"
	echo "$output"
	[ "$status" = 1 ]
	[[ $output == *"device 1 ($((blocks + 1)) blocks): slot claims $(( (blocks + 1) * 4096 )) bytes, $T/blob holds $(stat -c %s "$T/blob") (slot at offset $slot)"* ]]
}

@test "devices: a chunk past the end of its device is corruption" {
	eu19_mkfs --chunksize=4096 --blobdev="$T/blob" "$T/b.img" "$SRC"
	local off blocks
	off=$(chunk_map "$T/b.img" /chunks/a)
	blocks=$(( $(stat -c %s "$T/blob") / 4096 ))
	python3 "$PATCH" put "$T/b.img" $((off + 4)) 4 "$blocks"
	run "$FSCK" --device="$T/blob" "$T/b.img"
	echo "$output"
	[ "$status" = 1 ]
	[[ $output == *"chunk data runs past the end of device 1 ($((blocks * 4096)) bytes): start block $blocks (offset $off)"* ]]
}

@test "devices: a device tag is never opened, extraction stays inside DIR" {
	eu19_mkfs --chunksize=4096 --blobdev="$T/blob" "$T/b.img" "$SRC"
	# the tag spells a path to the real blob: still missing
	python3 "$PATCH" tag "$T/b.img" "$T/blob"
	run "$DUMP" -s "$T/b.img"
	[[ $output == *"tag \"$T/blob\""* ]]
	mkdir "$T/out"
	run "$FSCK" --extract="$T/out" "$T/b.img"
	[ "$status" = 3 ]
	[ -z "$(dir_listing "$T/out")" ]
	check_extract "$T/b.img" --device="$T/blob"
}

@test "devices: compressed directories (--zD)" {
	mkdir -p "$T/z/many"
	local i
	for ((i = 0; i < 1500; i++)); do : >"$T/z/many/a_long_repetitive_file_name_$i"; done
	cp -a "$SRC/files" "$T/z/"
	touch_tree "$T/z"
	eu19_mkfs -zlz4hc --zD "$T/z.img" "$T/z"
	rm -rf "$T/out"
	run "$FSCK" --extract="$T/out" "$T/z.img"
	echo "$output"
	if [[ $output == *"packed inode is not supported"* ]]; then
		# --zD keeps directory data in the packed inode (fragments)
		[ "$status" = 3 ]
		skip "needs fragments (the packed inode)"
	fi
	[ "$status" = 0 ]
	treecmp_ok "$T/z" "$T/out"
}

@test "devices: a directory without \".\" (dot-omitted) is sound" {
	mkdir -p "$T/s/empty" "$T/s/full"
	printf 'x\n' >"$T/s/full/f"
	touch_tree "$T/s"
	eu19_mkfs "$T/d.img" "$T/s"
	local js off size
	js=$("$DUMP" --json --path=/empty "$T/d.img")
	off=$(printf '%s' "$js" | sed -n 's/.*"inode_offset":\([0-9]*\).*/\1/p')
	size=$(printf '%s' "$js" | sed -n 's/.*"inode_size":\([0-9]*\).*/\1/p')
	python3 "$PATCH" drop-dot "$T/d.img" "$off" "$size"
	rm -rf "$T/out"
	run "$FSCK" --extract="$T/out" "$T/d.img"
	echo "$output"
	[ "$status" = 0 ]
	treecmp_ok "$T/s" "$T/out"
	if is_root && [ -e /dev/loop-control ] && grep -qw erofs /proc/filesystems; then
		mount_image "$T/d.img" "$T/mnt"
		treecmp_ok "$T/s" "$T/mnt"
		[ "$(ls -a "$T/mnt/empty" | tr '\n' ' ')" = ". .. " ]
	fi
	# without the bit, the missing "." is a finding again
	python3 "$PATCH" put "$T/d.img" "$off" 2 $(( $(od -An -tu2 -j "$off" -N2 "$T/d.img") & ~0x10 ))
	run "$FSCK" "$T/d.img"
	[ "$status" = 1 ]
	[[ $output == *'no "." entry'* ]]
}

@test "devices: -Edot-omitted images of erofs-utils 1.9.3" {
	eu19_mkfs -Edot-omitted "$T/d.img" "$SRC"
	rm -rf "$T/out"
	run "$FSCK" --extract="$T/out" --xattrs "$T/d.img"
	echo "$output"
	# erofs-utils turns on 48bit with it
	[[ $output != *"unsupported incompatible feature 48bit"* ]] ||
		skip "needs 48bit superblocks"
	[ "$status" = 0 ]
	# 48-bit images of erofs-utils 1.9.3 keep whole seconds (the kernel
	# reads the same)
	treecmp_ok --mtime-sec "$SRC" "$T/out"
}

@test "devices: flat data addressed through mapped_blkaddr reads from the device" {
	local SRC=$T/s
	mkdir -p "$T/s/d"
	head -c 300000 /dev/urandom >"$T/s/d/a"
	touch_tree "$T/s"
	eu19_mkfs --chunksize=4096 --blobdev="$T/blob" "$T/f.img" "$T/s"
	local js off mapped pa
	js=$("$DUMP" --json --path=/d/a "$T/f.img" 2>/dev/null)
	off=$(printf '%s' "$js" | sed -n 's/.*"inode_offset":\([0-9]*\).*/\1/p')
	mapped=$("$DUMP" -s "$T/f.img" 2>/dev/null | sed -n 's/.*mapped_blkaddr \([0-9]*\).*/\1/p')
	pa=$("$DUMP" --json -e --path=/d/a --device="$T/blob" "$T/f.img" |
		sed -n 's/.*"physical":\([0-9]*\).*/\1/p')
	[ -n "$off" ] && [ -n "$mapped" ] && [ -n "$pa" ]
	# the chunk-based file made flat, its blocks named in the flat space
	python3 "$PATCH" flat "$T/f.img" "$off" $((mapped + pa / 4096))
	check_extract "$T/f.img" --device="$T/blob"
	run "$DUMP" -e --path=/d/a --device="$T/blob" "$T/f.img"
	[[ $output == *" $pa "*"mapped,device 1"* ]]
	if is_root && [ -e /dev/loop-control ] && grep -qw erofs /proc/filesystems; then
		cat "$T/f.img" "$T/blob" >"$T/flat.img"
		mount_image "$T/flat.img" "$T/mnt"
		treecmp_ok "$T/out" "$T/mnt"
	fi
	# a start on the device with the end past it fits nowhere
	local blocks=$(( $(stat -c %s "$T/blob") / 4096 ))
	python3 "$PATCH" flat "$T/f.img" "$off" $((mapped + blocks - 2))
	run "$FSCK" --device="$T/blob" "$T/f.img"
	echo "$output"
	[ "$status" = 1 ]
	[[ $output == *"i_size 300000 needs 74 blocks from block $((mapped + blocks - 2)), past the end of device 1 (inode at offset $off)"* ]]
}

@test "devices: a 5 GiB sparse file in chunks, on the image and on a blob device" {
	local SRC=$T/s
	mkdir -p "$T/s"
	truncate -s 5G "$T/s/huge"
	printf 'start' | dd of="$T/s/huge" conv=notrunc 2>/dev/null
	printf 'end\n' >>"$T/s/huge"
	touch_tree "$T/s"
	eu19_mkfs --chunksize=1048576 --blobdev="$T/blob" "$T/h.img" "$T/s"
	check_extract "$T/h.img" --device="$T/blob"
	# holes stay holes: a few blocks, not 5 GiB
	[ "$(du -k "$T/out/huge" | cut -f1)" -lt 4096 ]
	eu19_mkfs -b512 --chunksize=65536 -Eforce-chunk-indexes "$T/h.img" "$T/s"
	check_extract "$T/h.img"
}
