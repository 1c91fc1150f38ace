#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Corrupted xattr bodies: fsck.erofs reports each with the nid and the
# offset and exits 1; dump.erofs refuses to list them; nothing crashes.

load helpers/common

setup_file() {
	if ! is_root; then
		skip_file_required root "needs root to set a trusted. attribute"
		return
	fi
	export SRC="$BATS_FILE_TMPDIR/src" IMG="$BATS_FILE_TMPDIR/img"
	mkdir -p "$SRC"
	echo data >"$SRC/f"
	if ! setfattr -n user.a -v b "$SRC/f" 2>/dev/null; then
		skip_file_required xattr "the temporary directory has no user xattrs"
		return
	fi
	"$MKFS" --quiet -T 0 -U clear -x 1000 "$IMG" "$SRC"
}

# Offset of the inline body of /f: right after its 32-byte inode.
body_off() {
	local ioff
	ioff=$("$DUMP" --path=/f "$IMG") || fail "dump.erofs --path=/f: exit $?"
	ioff=$(sed -n 's/^Inode: .* at offset \([0-9]*\)$/\1/p' <<<"$ioff")
	[ -n "$ioff" ] || fail "dump.erofs shows no inode offset"
	echo $((ioff + 32))
}

# poke IMG OFFSET HEXBYTES
poke() {
	printf "$(sed 's/\(..\)/\\x\1/g' <<<"$3")" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# corrupt_case OFFSET_FROM_BODY HEXBYTES EXPECTED_MESSAGE
corrupt_case() {
	local img=$BATS_TEST_TMPDIR/img off
	cp "$IMG" "$img"
	off=$(body_off)
	poke "$img" $((off + $1)) "$2"
	run "$FSCK" "$img"
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == *"nid "*"xattr: $3 (offset "* ]]
	run "$DUMP" --path=/f "$img"
	[ "$status" != 0 ]
	[ "$status" -lt 128 ]
}

@test "xattr corrupt: the clean image is clean and lists its attribute" {
	run "$FSCK" "$IMG"
	[ "$status" = 0 ]
	run "$DUMP" --path=/f "$IMG"
	[ "$status" = 0 ]
	[[ "$output" == *'user.a                 inline "b"'* ]]
}

@test "xattr corrupt: an entry running past the inline body" {
	corrupt_case 14 ffff "entry runs past the inline body"
}

@test "xattr corrupt: shared ids running past the inline body" {
	corrupt_case 4 c8 "shared ids run past the inline body"
}

@test "xattr corrupt: a name filter hiding a present name" {
	corrupt_case 0 ffffffff "name filter marks a present attribute absent"
}

@test "xattr corrupt: an unknown name index" {
	corrupt_case 13 7f "entry with an unknown name index"
}

@test "xattr corrupt: a long prefix the image does not have" {
	corrupt_case 13 85 "entry names a long prefix the image does not have"
}

@test "xattr corrupt: a shared id past the end of the image" {
	local img=$BATS_TEST_TMPDIR/img off
	cp "$IMG" "$img"
	off=$(body_off)
	# one shared id (0x0fffffff) instead of the inline entry's header
	poke "$img" $((off + 4)) 01
	poke "$img" $((off + 12)) ffffff0f
	# and the 4 bytes left an empty "user." entry
	poke "$img" $((off + 16)) 00010000
	run "$FSCK" "$img"
	echo "$output"
	[ "$status" = 1 ]
	[[ "$output" == *"xattr: runs past the end of the image (offset "* ]]
}
