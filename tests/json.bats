#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --json: fsck.erofs and dump.erofs print one document that parses, whose
# figures equal the text output's, and whose names round-trip exactly.

load helpers/fsck_common

setup_file() {
	export SRC=$BATS_FILE_TMPDIR/src IMG=$BATS_FILE_TMPDIR/img
	fsck_make_tree "$SRC"
	# a name that is not UTF-8, and one that is
	printf 'x\n' > "$SRC/bad-$(printf '\377\376')-name"
	printf 'y\n' > "$SRC/caf$(printf '\303\251')"
	# the xattr the inode document must show (attr is in CI's setup)
	setfattr -n user.note -v hello "$SRC/small"
	"$OUR_MKFS" -T 1600000000 -U 0123abcd-4567-89ab-cdef-0123456789ab \
		-z lz4hc "$IMG" "$SRC" >/dev/null 2>&1
}

setup() {
	command -v python3 >/dev/null || skip "needs python3 to parse JSON"
}

# py SCRIPT [ARGS]: run python3 with the JSON document on stdin.
py() {
	python3 -c "$@"
}

# field NAME: value of "NAME: value" in $text
field() { sed -n "s|^$1: *||p" <<<"$text" | sed 's/[[:space:]]*$//'; }

@test "json: dump -s parses and its figures equal the text output's" {
	run "$DUMP" -s "$IMG"
	[ "$status" -eq 0 ]
	text=$output
	run "$DUMP" -s --json "$IMG"
	[ "$status" -eq 0 ]
	doc=$output
	j() { py 'import json,sys; d=json.loads(sys.argv[1])["superblock"]; v=d[sys.argv[2]]; print(" ".join(v) if isinstance(v, list) else v)' "$doc" "$1"; }
	[ "$(j blocks)" = "$(field 'Filesystem blocks')" ]
	[ "$(j block_size)" = "$(field 'Filesystem blocksize')" ]
	[ "$(j inode_count)" = "$(field 'Filesystem inode count')" ]
	[ "$(j root_nid)" = "$(field 'Filesystem root nid')" ]
	[ "$(j meta_start_block)" = "$(field 'Filesystem inode metadata start block')" ]
	[ "$(j uuid)" = "$(field 'Filesystem UUID')" ]
	[ "$(j uuid)" = 0123abcd-4567-89ab-cdef-0123456789ab ]
	[ "$(j features)" = "$(field 'Filesystem features')" ]
	[ "$(j checksum_state)" = verified ]
	[[ "$(field 'Filesystem build time')" == *"($(j build_time))" ]]
	[ "$(printf '0x%08X' "$(j magic)")" = "$(field 'Filesystem magic number')" ]
}

@test "json: dump -S figures equal the text output's" {
	run "$DUMP" -S "$IMG"
	[ "$status" -eq 0 ]
	text=$output
	run "$DUMP" -S --json "$IMG"
	[ "$status" -eq 0 ]
	doc=$output
	j() { py 'import json,sys; d=json.loads(sys.argv[1])["statistics"]; exec("print(" + sys.argv[2] + ")")' "$doc" "$1"; }
	[ "$(j 'd["inodes"]')" = "$(field Inodes)" ]
	[ "$(j 'd["types"]["regular_files"]')" = "$(field '  regular files')" ]
	[ "$(j 'd["types"]["directories"]')" = "$(field '  directories')" ]
	[ "$(j 'd["types"]["symlinks"]')" = "$(field '  symlinks')" ]
	[ "$(j 'd["compressed_files"]')" = "$(field 'Compressed files')" ]
	[ "$(j 'd["file_bytes"]')" = "$(field 'File bytes')" ]
	[ "$(j 'd["ondisk_bytes"]')" = "$(field 'On-disk bytes')" ]
	[ "$(j '"%.2f" % d["compression_ratio"]')" = "$(field 'Compression ratio')" ]
	[ "$(j 'sum(b["count"] for b in d["size_histogram"])')" = "$(j 'd["types"]["regular_files"]')" ]
}

@test "json: dump --path, --ls and -e parse and match the text output" {
	run "$DUMP" --path=/one-block "$IMG"
	[ "$status" -eq 0 ]
	text=$output
	run "$DUMP" --json --path=/one-block "$IMG"
	[ "$status" -eq 0 ]
	doc=$output
	j() { py 'import json,sys; d=json.loads(sys.argv[1])["inode"]; exec("print(" + sys.argv[2] + ")")' "$doc" "$1"; }
	[ "$(j 'd["nid"]')" = "$(field NID)" ]
	[ "$(j 'd["size"]')" = "$(field Size)" ]
	[ "$(j '"%04o (%s)" % (d["mode"], d["mode_string"])')" = "$(field Mode)" ]
	[ "$(j 'd["type"]')" = "$(field Type)" ]
	run "$DUMP" --json --path=/small "$IMG"
	[ "$status" -eq 0 ]
	py 'import json,sys; x=json.loads(sys.argv[1])["inode"]["xattrs"]; assert {"name":"user.note","value":"hello","value_length":5,"shared":False} in x, x' "$output"

	run "$DUMP" --ls "$IMG"
	[ "$status" -eq 0 ]
	text_n=$(($(wc -l <<<"$output") - 1))
	run "$DUMP" --json --ls "$IMG"
	[ "$status" -eq 0 ]
	[ "$(py 'import json,sys; print(len(json.loads(sys.argv[1])["listing"]["entries"]))' "$output")" = "$text_n" ]

	run "$DUMP" -e --path=/multi-block "$IMG"
	[ "$status" -eq 0 ]
	text=$output
	run "$DUMP" --json -e --path=/multi-block "$IMG"
	[ "$status" -eq 0 ]
	py 'import json,sys
d = json.loads(sys.argv[1])["extent_map"]
lines = [l.split() for l in sys.argv[2].splitlines()[1:-1]]
assert len(lines) == d["extent_count"] == len(d["extents"])
for l, e in zip(lines, d["extents"]):
    assert [int(l[0]), int(l[1]), int(l[2]), int(l[3]), int(l[4])] == \
        [e["index"], e["logical"], e["length"], e["physical"], e["physical_length"]], (l, e)
    assert (e["encoding"] or "") in l[5]' "$output" "$text"
}

@test "json: names that are not UTF-8 are escaped reversibly" {
	run "$DUMP" --json --ls "$IMG"
	[ "$status" -eq 0 ]
	# the raw bytes never reach the document; \udcXX carries each one
	[[ "$output" == *'"bad-\udcff\udcfe-name"'* ]]
	py 'import json,os,sys
names = {os.fsencode(e["name"]) for e in json.loads(sys.argv[1])["listing"]["entries"]}
assert b"bad-\xff\xfe-name" in names and "café".encode() in names, names' "$output"
}

@test "json: fsck --json parses, with and without --compare" {
	run "$FSCK" --json "$IMG"
	[ "$status" -eq 0 ]
	doc=$output
	run "$FSCK" "$IMG"
	[ "$status" -eq 0 ]
	text=$output
	py 'import json,sys
d = json.loads(sys.argv[1])
assert d["verdict"] == "clean" and d["exit_code"] == 0, d
assert "%d inodes (%d directories, %d files, %d other), %d bytes checked" % (
    d["inodes"], d["directories"], d["files"], d["other"], d["bytes_checked"]) in sys.argv[2]
assert "differences" not in d' "$doc" "$text"

	cp -a "$SRC" "$BATS_TEST_TMPDIR/copy"
	rm "$BATS_TEST_TMPDIR/copy/bad-"*
	run "$FSCK" --json -p --compare="$BATS_TEST_TMPDIR/copy" -T 1600000000 "$IMG"
	[ "$status" -eq 4 ]
	py 'import json,os,sys
d = json.loads(sys.argv[1])
assert d["verdict"] == "differs" and d["exit_code"] == 4 and d["difference_count"] == 1, d
diff = d["differences"][0]
assert os.fsencode(diff["path"]) == b"/bad-\xff\xfe-name" and diff["kind"] == "extra", diff
assert d["compression"]["ratio"] > 1' "$output"
}

@test "json: fsck --json still prints a document when the image cannot be opened" {
	run "$FSCK" --json "$BATS_TEST_TMPDIR/absent.img"
	[ "$status" -eq 2 ]
	py 'import json,sys
d = json.loads(sys.argv[1].splitlines()[-1])
assert d["verdict"] == "error" and d["exit_code"] == 2, d' "$output"
}
