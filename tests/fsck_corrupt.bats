#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Golden corrupt images (tests/corrupt/make-images.sh): each is rejected with
# its own message and exit status 1, nothing crashes, and extraction never
# writes outside its target.

load helpers/fsck_common

setup_file() {
	export CIMG=$BATS_FILE_TMPDIR/corrupt
	if [ -x "$DEB_MKFS" ] && command -v python3 >/dev/null; then
		"$BATS_TEST_DIRNAME/corrupt/make-images.sh" "$CIMG" "$DUMP" "$DEB_MKFS"
	fi
}

need_images() {
	[ -f "$CIMG/expect.txt" ] ||
		skip "golden images need $DEB_MKFS and python3"
}

# check_case NAME: fsck says the expected words and exits 1, without crash
check_case() {
	need_images
	want=$(awk -F '\t' -v n="$1" '$1 == n { print $2 }' "$CIMG/expect.txt")
	[ -n "$want" ]
	run "$FSCK" "$CIMG/$1.img"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$want"* ]]
	[[ "$output" != *"clean"* ]]
}

# extract_case NAME: --extract reports the same corruption with the same
# words and exit status 1, and nothing appears outside the target
extract_case() {
	need_images
	want=$(awk -F '\t' -v n="$1" '$1 == n { print $2 }' "$CIMG/expect.txt")
	[ -n "$want" ]
	sandbox=$BATS_TEST_TMPDIR/sandbox
	mkdir -p "$sandbox/target"
	run "$FSCK" --extract="$sandbox/target" "$CIMG/$1.img"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$want"* ]]
	[ "$(ls -A "$sandbox")" = target ]
	[ ! -e "$CIMG/a" ]
	[ ! -e "$CIMG/txt" ]
	[ ! -e "$BATS_TEST_TMPDIR/a" ]
}

@test "the base image of the golden set is clean" {
	need_images
	run "$FSCK" "$CIMG/base.img"
	[ "$status" -eq 0 ]
}

@test "bad magic" { check_case bad-magic; extract_case bad-magic; }
@test "bad checksum" { check_case bad-checksum; extract_case bad-checksum; }
@test "truncated image" { check_case truncated; extract_case truncated; }
@test "inode past the end" { check_case inode-past-end; extract_case inode-past-end; }
@test "dirent nameoff out of its block" { check_case nameoff-out; extract_case nameoff-out; }
@test "directory cycle" { check_case dir-cycle; extract_case dir-cycle; }
@test "absurd i_size" { check_case absurd-size; extract_case absurd-size; }
@test "name containing '/'" {
	check_case slash-name
	extract_case slash-name
	# the good entries are still extracted, the bad one is not
	[ -f "$BATS_TEST_TMPDIR/sandbox/target/big.bin" ]
	[ ! -e "$BATS_TEST_TMPDIR/sandbox/target/a" ]
}

@test "--no-sbcrc skips only the checksum" {
	need_images
	run "$FSCK" --no-sbcrc "$CIMG/bad-checksum.img"
	[ "$status" -eq 0 ]
	run "$FSCK" --no-sbcrc "$CIMG/bad-magic.img"
	[ "$status" -eq 1 ]
}

@test "corruption messages name the nid and the byte offset" {
	need_images
	run "$FSCK" "$CIMG/nameoff-out.img"
	[[ "$output" =~ nid\ [0-9]+:.*\(offset\ [0-9]+\) ]]
	run "$FSCK" "$CIMG/absurd-size.img"
	[[ "$output" =~ nid\ [0-9]+:.*offset\ [0-9]+ ]]
}

@test "dump.erofs survives every golden image" {
	need_images
	for img in "$CIMG"/*.img; do
		for args in "-s" "-S" "--ls --path=/" "--path=/sub" "--cat --path=/big.bin"; do
			run "$DUMP" $args "$img"
			[ "$status" -le 1 ] || { echo "$img $args: $status"; return 1; }
		done
	done
	run "$DUMP" -S "$CIMG/dir-cycle.img"
	[ "$status" -eq 1 ]
}

@test "a truncated chunk map or a flipped byte anywhere never crashes fsck" {
	need_images
	size=$(stat -c %s "$CIMG/base.img")
	for off in $(seq 1024 97 $((size - 1))); do
		cp "$CIMG/base.img" "$BATS_TEST_TMPDIR/f.img"
		printf '\xff' | dd of="$BATS_TEST_TMPDIR/f.img" bs=1 seek="$off" conv=notrunc status=none
		run "$FSCK" --no-sbcrc "$BATS_TEST_TMPDIR/f.img"
		[ "$status" -le 3 ] || { echo "offset $off: status $status"; return 1; }
	done
}
