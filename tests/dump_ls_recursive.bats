#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# dump.erofs --ls -R: the tree in "ls -l" form, one line per entry in
# on-disk order, is what find(1) prints of a kernel mount of the image
# formatted the same way; its JSON form says the same.  --cat of several
# paths concatenates them in order.

load helpers/common
load helpers/fsck_common

setup_file() {
	export SRC=$BATS_FILE_TMPDIR/src IMG=$BATS_FILE_TMPDIR/img
	fsck_make_tree "$SRC"
	printf 'spaced\n' > "$SRC/dir/with space"
	touch -d '2021-03-04 05:06:07.123456789' "$SRC/dir/with space" "$SRC/dir"
	"$OUR_MKFS" -z lz4 -E ztailpacking "$IMG" "$SRC" >/dev/null 2>&1
}

# find_listing DIR: what dump -R prints, made by find over DIR (a mount):
# the path from the mount's root, device numbers from stat.
find_listing() {
	# %TS has 10 decimals, EROFS keeps 9; ./a -> /a
	(cd "$1" && TZ=UTC find . -printf '%y\001%M %n %U %G %s %TY-%Tm-%Td %TH:%TM:%TS UTC %p\001%l\n') |
	sed -E 's/(:[0-9]{2}\.[0-9]{9})[0-9] UTC /\1 UTC /; s| \./| /|; s| \.(\x01)| /\1|' |
	while IFS= read -r line; do
		local type=${line%%$'\001'*} rest=${line#*$'\001'} target f
		target=${rest#*$'\001'}
		rest=${rest%$'\001'*}
		if [ "$type" = c ] || [ "$type" = b ]; then
			read -r -a f <<<"$rest"
			rest="${f[0]} ${f[1]} ${f[2]} ${f[3]} $(stat -c '%Hr,%Lr' "$1/${rest#* UTC /}") ${rest#* * * * * }"
		fi
		[ "$type" = l ] && rest="$rest -> $target"
		printf '%s\n' "$rest"
	done
}

@test "dump -R: the listing is what find shows of a kernel mount" {
	require_erofs_mount
	local mnt=$BATS_TEST_TMPDIR/mnt
	mount_image "$IMG" "$mnt"
	run "$DUMP" --ls -R "$IMG"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/dump.txt"
	find_listing "$mnt" > "$BATS_TEST_TMPDIR/find.txt"
	diff "$BATS_TEST_TMPDIR/find.txt" "$BATS_TEST_TMPDIR/dump.txt"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/dump.txt")" -eq "$(find "$SRC" | wc -l)" ]
	grep -qx 'crw-r--r-- 1 0 0 4,300000 2021-03-04 05:06:07.123456789 UTC /bigminor' "$BATS_TEST_TMPDIR/dump.txt"
	grep -qx 'lrwxrwxrwx 1 42 43 5 1999-12-31 23:59:59.500000000 UTC /symlink -> small' "$BATS_TEST_TMPDIR/dump.txt"

	# a subtree, by --path, named from the root
	run "$DUMP" -R --path=dir/ "$IMG"
	[ "$status" -eq 0 ]
	diff <(find_listing "$mnt" | grep ' /dir\(/\|$\)') <(printf '%s\n' "$output")
}

@test "dump -R --json: one object per entry, the same as the text" {
	run "$DUMP" --ls -R "$IMG"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/dump.txt"
	run "$DUMP" --ls -R --json "$IMG"
	[ "$status" -eq 0 ]
	python3 - "$output" "$BATS_TEST_TMPDIR/dump.txt" <<-'EOF'
	import json, sys, time
	doc = json.loads(sys.argv[1])
	lines = open(sys.argv[2]).read().splitlines()
	ents = doc["tree"]["entries"]
	assert len(ents) == len(lines), (len(ents), len(lines))
	for e, line in zip(ents, lines):
	    size = ("%d,%d" % (e["rdev_major"], e["rdev_minor"])
	            if e["type"].endswith("device") else str(e["size"]))
	    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e["mtime"]))
	    text = "%s %d %d %d %s %s.%09d UTC %s" % (e["mode_string"], e["links"],
	           e["uid"], e["gid"], size, when, e["mtime_nsec"], e["path"])
	    if "target" in e:
	        text += " -> " + e["target"]
	    assert text == line, (text, line)
	assert ents[0]["path"] == "/" and ents[0]["type"] == "directory"
	EOF
}

@test "dump --cat: several paths, concatenated in order; a bad one fails" {
	run --separate-stderr "$DUMP" --cat=/small --cat=/dir/sub/deeper/file --path=/one-block --cat "$IMG"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$SRC/small" "$SRC/dir/sub/deeper/file" "$SRC/one-block")" ]
	"$DUMP" --cat=/multi-block --cat=/zeros "$IMG" | cmp - <(cat "$SRC/multi-block" "$SRC/zeros")
	run --separate-stderr "$DUMP" --cat=/small --cat=/nope --cat=/small "$IMG"
	[ "$status" -eq 1 ]
	[ "$output" = "$(cat "$SRC/small" "$SRC/small")" ]
	[ "$stderr" = "dump.erofs: /nope: cannot look up: No such file or directory" ]
}
