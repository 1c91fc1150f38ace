#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# fsck.erofs --compare=SRCDIR: a faithful image compares clean; each kind of
# difference planted in a copy of the source is named with its path and kind.

load helpers/fsck_common
bats_require_minimum_version 1.5.0

setup_file() {
	export SRC=$BATS_FILE_TMPDIR/src IMG=$BATS_FILE_TMPDIR/img
	fsck_make_tree "$SRC"
	# the planted xattr differences below need it (attr is in CI's setup)
	setfattr -n user.colour -v blue "$SRC/small"
	# pinned build time, the source's own mtimes kept
	"$OUR_MKFS" -T 0 --mkfs-time -U clear "$IMG" "$SRC" >/dev/null 2>&1
}

# copy_src: a copy of the source in $COPY, metadata and hardlinks kept.
copy_src() {
	COPY=$BATS_TEST_TMPDIR/copy
	cp -a "$SRC" "$COPY"
}

# has_diff PATH KIND: $output holds the line "PATH: KIND: ...".
has_diff() {
	grep -q -- "^$1: $2: " <<<"$output" ||
		fail "no '$1: $2:' line in: $output"
}

@test "compare: a faithful image compares clean, only the summary printed" {
	run "$FSCK" --compare="$SRC" -T 0 --mkfs-time "$IMG"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "$IMG: "*" inodes ("* ]]
	[ "${lines[1]}" = "$IMG: clean, identical to $SRC" ]
}

@test "compare: a faithful compressed image compares clean" {
	"$OUR_MKFS" -T 0 -z lz4hc -C 16384 -E ztailpacking "$BATS_TEST_TMPDIR/z.img" "$SRC" >/dev/null 2>&1
	run "$FSCK" --compare="$SRC" -T 0 "$BATS_TEST_TMPDIR/z.img"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "compare: pinned mtimes differ from the source's without the same -T" {
	"$OUR_MKFS" -T 0 "$BATS_TEST_TMPDIR/p.img" "$SRC" >/dev/null 2>&1
	run "$FSCK" --compare="$SRC" -T 0 "$BATS_TEST_TMPDIR/p.img"
	[ "$status" -eq 0 ]
	run "$FSCK" --compare="$SRC" "$BATS_TEST_TMPDIR/p.img"
	[ "$status" -eq 4 ]
	has_diff /zeros mtime
	has_diff / mtime
	run "$FSCK" --compare="$SRC" -T 0 "$IMG"
	[ "$status" -eq 4 ]
	has_diff /zeros mtime
	[[ "$output" == *"sound, but differs from $SRC"* ]]
}

@test "compare: every planted difference is named with its path and kind" {
	is_root || skip_required root "needs root for owners and device numbers"
	copy_src
	# changed byte, same size
	printf 'jello\n' > "$COPY/small.new"
	touch -d '2021-03-04 05:06:07.123456789' "$COPY/small.new"
	cat "$COPY/small.new" > "$COPY/small"
	rm "$COPY/small.new"
	printf 'X' | dd of="$COPY/multi-block" bs=1 seek=300000 conv=notrunc 2>/dev/null
	chmod 0640 "$COPY/blocks-and-tail"
	chown 99:99 "$COPY/one-block"
	chmod 4755 "$COPY/one-block"
	touch -d '2022-01-01 00:00:00' "$COPY/zeros"
	setfattr -n user.colour -v red "$COPY/small"
	setfattr -n user.added -v yes "$COPY/empty"
	ln -sfn other-target "$COPY/symlink"
	rm "$COPY/chardev"
	mknod "$COPY/chardev" c 1 5
	# break one hardlink into a separate file, tie two others together
	rm "$COPY/dir/sub/another-link"
	cp -p "$COPY/small" "$COPY/dir/sub/another-link"
	ln -f "$COPY/many/entry-with-a-rather-long-name-1" \
		"$COPY/many/entry-with-a-rather-long-name-2"
	printf 'new\n' > "$COPY/added"
	rm "$COPY/fifo"
	rm -r "$COPY/dir/sub/deeper"
	mkdir "$COPY/dir/sub/deeper"	# back, but empty
	# the copy's directories keep the source's mtimes
	find "$SRC" -depth -type d -printf '%P\n' | while IFS= read -r d; do
		[ -d "$COPY/$d" ] && touch -d '2020-01-02 03:04:05.987654321' "$COPY/$d"
	done
	touch -d '2020-01-02 03:04:05.987654321' "$COPY"

	run "$FSCK" --compare="$COPY" -T 0 --mkfs-time "$IMG"
	echo "$output"
	[ "$status" -eq 4 ]
	# /small's inode is first met as /dir/hardlink-to-small: named there
	has_diff /dir/hardlink-to-small content
	has_diff /multi-block content
	[[ "$output" == *"/multi-block: content: first difference at byte 300000"* ]]
	has_diff /blocks-and-tail mode
	has_diff /one-block owner
	has_diff /zeros mtime
	has_diff /dir/hardlink-to-small xattr
	[[ "$output" == *": xattr: user.colour: value differs"* ]]
	has_diff /empty xattr
	has_diff /symlink symlink
	has_diff /chardev rdev
	[[ "$output" == *"/chardev: rdev: 1:5 in the source, 1:3 in the image"* ]]
	has_diff /dir/sub/another-link hardlink
	has_diff /many/entry-with-a-rather-long-name-2 hardlink
	has_diff /added missing
	has_diff /fifo extra
	has_diff /dir/sub/deeper/file extra

	# the same, as one JSON document naming the same paths and kinds
	run "$FSCK" --compare="$COPY" -T 0 --mkfs-time --json "$IMG"
	[ "$status" -eq 4 ]
	python3 - "$output" <<-'EOF'
	import json, sys
	doc = json.loads(sys.argv[1])
	assert doc["verdict"] == "differs" and doc["exit_code"] == 4, doc
	got = {(d["path"], d["kind"]) for d in doc["differences"]}
	want = {("/dir/hardlink-to-small", "content"), ("/multi-block", "content"),
		("/blocks-and-tail", "mode"), ("/one-block", "owner"),
		("/zeros", "mtime"), ("/dir/hardlink-to-small", "xattr"),
		("/empty", "xattr"), ("/symlink", "symlink"), ("/chardev", "rdev"),
		("/dir/sub/another-link", "hardlink"),
		("/many/entry-with-a-rather-long-name-2", "hardlink"),
		("/added", "missing"),
		("/fifo", "extra"), ("/dir/sub/deeper/file", "extra")}
	assert want <= got, want - got
	assert doc["difference_count"] == len(doc["differences"])
	EOF
}

@test "compare: type and size differences" {
	copy_src
	rm "$COPY/small" "$COPY/dir/hardlink-to-small" "$COPY/dir/sub/another-link"
	mkdir "$COPY/small"
	printf 'longer than before\n' >> "$COPY/blocks-and-tail"
	run "$FSCK" --compare="$COPY" -T 0 "$IMG"
	echo "$output"
	[ "$status" -eq 4 ]
	has_diff /small type
	[[ "$output" == *"/small: type: directory in the source, regular file in the image"* ]]
	has_diff /blocks-and-tail size
	has_diff /dir/hardlink-to-small extra
}

@test "compare: bytes where the image has a hole are a content difference" {
	local d=$BATS_TEST_TMPDIR/sparse img=$BATS_TEST_TMPDIR/s.img
	mkdir "$d"
	printf 'head' > "$d/file"
	truncate -s 1M "$d/file"
	printf 'tail' >> "$d/file"
	"$OUR_MKFS" -T 0 "$img" "$d" >/dev/null 2>&1
	run "$FSCK" --compare="$d" -T 0 "$img"
	echo "$output"
	[ "$status" -eq 0 ]
	printf 'X' | dd of="$d/file" bs=1 seek=500000 conv=notrunc 2>/dev/null
	run "$FSCK" --compare="$d" -T 0 "$img"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"/file: content: first difference at byte 500000"* ]]
}

@test "compare: owner mapping and exclusions are honored like mkfs" {
	is_root || skip_required root "needs root for owners"
	img=$BATS_TEST_TMPDIR/m.img
	"$OUR_MKFS" -T 0 --uid-offset=1000 --gid-offset=2000 \
		--exclude-path=many --exclude-regex='^dir/sub' "$img" "$SRC" >/dev/null
	run "$FSCK" --compare="$SRC" -T 0 --uid-offset=1000 --gid-offset=2000 \
		--exclude-path=/many/ --exclude-regex='^dir/sub' "$img"
	echo "$output"
	[ "$status" -eq 0 ]
	# forgetting the mapping shows up as owner and missing entries
	run "$FSCK" --compare="$SRC" -T 0 "$img"
	[ "$status" -eq 4 ]
	has_diff /zeros owner
	has_diff /many missing
	has_diff /dir/sub missing
	"$OUR_MKFS" -T 0 --all-root "$img" "$SRC" >/dev/null
	run "$FSCK" --compare="$SRC" -T 0 --all-root "$img"
	[ "$status" -eq 0 ]
	"$OUR_MKFS" -T 0 --force-uid=5 --force-gid=6 "$img" "$SRC" >/dev/null
	run "$FSCK" --compare="$SRC" -T 0 --force-uid=5 --force-gid=6 "$img"
	[ "$status" -eq 0 ]
}

@test "compare: timestamp policies: --mkfs-time, --ignore-mtime, SOURCE_DATE_EPOCH" {
	img=$BATS_TEST_TMPDIR/t.img
	"$OUR_MKFS" -T 1000 --mkfs-time "$img" "$SRC" >/dev/null
	run "$FSCK" --compare="$SRC" -T 1000 --mkfs-time "$img"
	[ "$status" -eq 0 ]
	"$OUR_MKFS" --ignore-mtime "$img" "$SRC" >/dev/null
	run "$FSCK" --compare="$SRC" --ignore-mtime "$img"
	echo "$output"
	[ "$status" -eq 0 ]
	SOURCE_DATE_EPOCH=1600000000 "$OUR_MKFS" "$img" "$SRC" >/dev/null
	SOURCE_DATE_EPOCH=1600000000 run "$FSCK" --compare="$SRC" "$img"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "compare: the mapping options are mkfs's own: --all-time, --preserve-mtime, SOURCE_DATE_EPOCH read alike" {
	img=$BATS_TEST_TMPDIR/t.img
	"$OUR_MKFS" -T 1000 --mkfs-time --all-time "$img" "$SRC" >/dev/null
	run "$FSCK" --compare="$SRC" -T 1000 --mkfs-time --all-time "$img"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$FSCK" --quiet --compare="$SRC" -T 1000 --mkfs-time "$img"
	[ "$status" -eq 4 ]
	has_diff / mtime
	"$OUR_MKFS" -T 1000 --mkfs-time --ignore-mtime --preserve-mtime "$img" "$SRC" >/dev/null
	run "$FSCK" --compare="$SRC" -T 1000 --mkfs-time --ignore-mtime --preserve-mtime "$img"
	echo "$output"
	[ "$status" -eq 0 ]
	# a leading zero is not octal to either tool
	SOURCE_DATE_EPOCH=0100 "$OUR_MKFS" "$img" "$SRC" >/dev/null
	SOURCE_DATE_EPOCH=0100 run "$FSCK" --compare="$SRC" "$img"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "compare: a bad mapping option gets mkfs's message and fsck's usage status" {
	for o in --force-uid=x --uid-offset=1q --gid-offset=zz '--exclude-regex=(' -T=abc; do
		if [[ $o == -T=* ]]; then set -- -T "${o#-T=}"; else set -- "$o"; fi
		run --separate-stderr "$OUR_MKFS" "$@" "$BATS_TEST_TMPDIR/x.img" "$SRC"
		[ "$status" -eq 1 ]
		m=${stderr%%$'\n'*}
		run --separate-stderr "$FSCK" --compare="$SRC" "$@" "$IMG"
		[ "$status" -eq 2 ]
		f=${stderr%%$'\n'*}
		[ "${m#mkfs.erofs: }" = "${f#fsck.erofs: }" ] || fail "$o: '$m' vs '$f'"
		[[ $f == "fsck.erofs: "*"${o%%=*}"* ]]
	done
	SOURCE_DATE_EPOCH=12x run --separate-stderr "$OUR_MKFS" "$BATS_TEST_TMPDIR/x.img" "$SRC"
	[ "$status" -eq 1 ]
	[ "$stderr" = "mkfs.erofs: SOURCE_DATE_EPOCH: invalid value: 12x" ]
	SOURCE_DATE_EPOCH=12x run --separate-stderr "$FSCK" --compare="$SRC" "$IMG"
	[ "$status" -eq 2 ]
	[ "$stderr" = "fsck.erofs: SOURCE_DATE_EPOCH: invalid value: 12x" ]
	# without --compare fsck has no use for it
	SOURCE_DATE_EPOCH=12x run "$FSCK" "$IMG"
	[ "$status" -eq 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/x.img" ]
}

@test "compare: --file-contexts labels are expected, not reported" {
	fc=$BATS_TEST_TMPDIR/file_contexts
	printf '%s\n' '/.*    system_u:object_r:etc_t:s0' > "$fc"
	img=$BATS_TEST_TMPDIR/l.img
	run "$OUR_MKFS" -T 0 --file-contexts="$fc" "$img" "$SRC"
	if [ "$status" != 0 ] && [[ $output == *"built without libselinux"* ]]; then
		skip_required xattr "mkfs.erofs built without libselinux"
	fi
	[ "$status" = 0 ] || fail "mkfs.erofs --file-contexts: exit $status: $output"
	run "$FSCK" --compare="$SRC" -T 0 --file-contexts="$fc" "$img"
	echo "$output" | head -20
	[ "$status" -eq 0 ]
	run "$FSCK" --compare="$SRC" -T 0 "$img"
	[ "$status" -eq 4 ]
	has_diff /zeros xattr
	[[ "$output" == *"security.selinux: not in the source"* ]]
}

@test "compare: exit codes: corruption wins over differences; bad usage is 2" {
	copy_src
	printf 'x' >> "$COPY/small"
	cp "$IMG" "$BATS_TEST_TMPDIR/bad.img"
	# the superblock's inode count: sound structure, one problem found
	printf '\x07' | dd of="$BATS_TEST_TMPDIR/bad.img" bs=1 seek=$((1024 + 16)) conv=notrunc 2>/dev/null
	run "$FSCK" --no-sbcrc --compare="$COPY" -T 0 "$BATS_TEST_TMPDIR/bad.img"
	echo "$output"
	[ "$status" -eq 1 ]
	run "$FSCK" --compare="$BATS_TEST_TMPDIR/nonexistent" "$IMG"
	[ "$status" -eq 2 ]
	[[ "$output" == *"fsck.erofs: "*"nonexistent"* ]]
	run "$FSCK" --all-root "$IMG"
	[ "$status" -eq 2 ]
	[[ "$output" == *"need --compare"* ]]
}

@test "compare: --quiet leaves only the differences" {
	copy_src
	chmod 0600 "$COPY/zeros"
	run "$FSCK" --quiet --compare="$COPY" -T 0 --mkfs-time "$IMG"
	[ "$status" -eq 4 ]
	[ "$output" = "/zeros: mode: 0600 in the source, 0644 in the image" ]
}
