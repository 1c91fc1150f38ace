#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# mkfs.erofs command-line options: label, UUID, ownership rewriting,
# exclusion, block size checks, help/version, unknown options.

load helpers/common

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	gentree "$SRC" --no-huge
	# a small tree with known owners for the id options
	export IDS="$BATS_FILE_TMPDIR/ids"
	mkdir -p "$IDS/d"
	for u in 0 1 1000 70000; do
		echo $u >"$IDS/f$u"
	done
	echo x >"$IDS/d/x"
	ln -s f0 "$IDS/link"
	mkfifo "$IDS/fifo"
	if is_root; then
		chown 0:0 "$IDS/f0"
		chown 1:2 "$IDS/f1"
		chown 1000:1001 "$IDS/f1000"
		chown 70000:70001 "$IDS/f70000"
		chown 5:6 "$IDS/d"
		chown -h 7:8 "$IDS/link"
		chown 9:10 "$IDS/fifo"
	fi
}

setup() {
	require_mkfs
	IMG=$BATS_TEST_TMPDIR/img
	MNT=$BATS_TEST_TMPDIR/mnt
}

# owners DIR: "path uid:gid" for every entry, sorted
owners() {
	(cd "$1" && find . -printf '%p %U:%G\n' | LC_ALL=C sort)
}

# owners_mapped DIR AWK-PROGRAM: expected owners after a rewrite
owners_mapped() {
	owners "$1" | awk "$2"
}

@test "options: -L sets the label (blkid)" {
	run "$MKFS" --quiet -L my-volume "$IMG" "$SRC"
	[ "$status" = 0 ]
	[ "$(blkid -o value -s LABEL "$IMG")" = my-volume ]
	[ "$(blkid -o value -s TYPE "$IMG")" = erofs ]
}

@test "options: -L with exactly 15 bytes, and 16 bytes is refused" {
	run "$MKFS" --quiet -L 123456789012345 "$IMG" "$SRC"
	[ "$status" = 0 ]
	[ "$(blkid -o value -s LABEL "$IMG")" = 123456789012345 ]
	mkfs_must_fail_usage "$BATS_TEST_TMPDIR/x.img" -L 1234567890123456 "$BATS_TEST_TMPDIR/x.img" "$SRC"
	[ ! -e "$BATS_TEST_TMPDIR/x.img" ]
}

@test "options: -U sets the UUID (blkid and Debian dump.erofs -s)" {
	u=01234567-89ab-cdef-0123-456789abcdef
	run "$MKFS" --quiet -U $u "$IMG" "$SRC"
	[ "$status" = 0 ]
	[ "$(blkid -o value -s UUID "$IMG")" = $u ]
	[ -x "$DEB_DUMP" ] || skip "Debian's $DEB_DUMP is not installed (blkid checked, not dump.erofs -s)"
	run "$DEB_DUMP" -s "$IMG"
	[ "$status" = 0 ] || fail "Debian dump.erofs -s: exit $status: $output"
	grep -E "^Filesystem UUID: +$u\$" <<<"$output"
}

@test "options: -U clear gives an all-zero UUID, -U random a fresh one" {
	run "$MKFS" --quiet -U clear "$IMG" "$SRC"
	[ "$status" = 0 ]
	# blkid shows no UUID for an all-zero one; the superblock field
	# (offset 1024 + 48, 16 bytes) must be zero
	[ -z "$(blkid -o value -s UUID "$IMG")" ]
	[ "$(od -An -tx1 -j $((1024 + 48)) -N 16 "$IMG" | tr -d ' \n')" = 00000000000000000000000000000000 ]
	run "$MKFS" --quiet -U random "$IMG" "$SRC"
	[ "$status" = 0 ]
	a=$(blkid -o value -s UUID "$IMG")
	run "$MKFS" --quiet "$IMG" "$SRC"
	[ "$status" = 0 ]
	b=$(blkid -o value -s UUID "$IMG")
	[[ $a =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
	[ -n "$b" ] || fail "the default build has no UUID"
	[ "$a" != "$b" ]
}

@test "options: a malformed -U is refused" {
	mkfs_must_fail_usage "$IMG" -U not-a-uuid "$IMG" "$SRC"
	mkfs_must_fail_usage "$IMG" -U 01234567-89ab-cdef-0123-456789abcde "$IMG" "$SRC"
	[ ! -e "$IMG" ]
}

@test "options: --all-root makes every owner 0:0" {
	require_erofs_mount
	run "$MKFS" --quiet --all-root "$IMG" "$SRC"
	[ "$status" = 0 ]
	mount_image "$IMG" "$MNT"
	[ "$(find "$MNT" -printf '%U:%G\n' | sort -u)" = 0:0 ]
	treecmp_ok --no-owner "$SRC" "$MNT"
}

@test "options: --force-uid keeps gids, --force-gid keeps uids" {
	require_erofs_mount
	run "$MKFS" --quiet --force-uid=4242 "$IMG" "$IDS"
	[ "$status" = 0 ]
	mount_image "$IMG" "$MNT"
	diff <(owners_mapped "$IDS" '{ split($2, a, ":"); print $1, "4242:" a[2] }') <(owners "$MNT")
	umount_image "$MNT"
	run "$MKFS" --quiet --force-gid=70000 "$IMG" "$IDS"
	[ "$status" = 0 ]
	mount_image "$IMG" "$MNT"
	diff <(owners_mapped "$IDS" '{ split($2, a, ":"); print $1, a[1] ":70000" }') <(owners "$MNT")
	umount_image "$MNT"
	run "$MKFS" --quiet --force-uid=0 --force-gid=123456 "$IMG" "$IDS"
	[ "$status" = 0 ]
	mount_image "$IMG" "$MNT"
	[ "$(find "$MNT" -printf '%U:%G\n' | sort -u)" = 0:123456 ]
}

@test "options: --uid-offset and --gid-offset add to every id" {
	require_erofs_mount
	run "$MKFS" --quiet --uid-offset=100000 --gid-offset=7 "$IMG" "$IDS"
	[ "$status" = 0 ]
	mount_image "$IMG" "$MNT"
	diff <(owners_mapped "$IDS" '{ split($2, a, ":"); print $1, (a[1] + 100000) ":" (a[2] + 7) }') <(owners "$MNT")
	# the rest of the tree is untouched
	treecmp_ok --no-owner "$IDS" "$MNT"
}

@test "options: --exclude-path drops a file and a whole directory" {
	require_erofs_mount
	run "$MKFS" --quiet --exclude-path=files/size_511 --exclude-path=deep \
		--exclude-path="names/with space" "$IMG" "$SRC"
	echo "$output"
	[ "$status" = 0 ]
	mount_image "$IMG" "$MNT"
	for p in files/size_511 deep "names/with space"; do
		[ ! -e "$MNT/$p" ] || fail "$p was not excluded"
	done
	[ -z "$(find "$MNT" -name 'level_*' -print -quit)" ] ||
		fail "part of deep/ is still in the image"
	for p in files/size_512 files/size_513 names/a; do
		[ -f "$MNT/$p" ] || fail "$p is missing"
	done
	# the image holds everything else: the source less the 1 + $ndeep + 1
	# excluded entries (treecmp --skip alone would not see an extra one)
	ndeep=$(find "$SRC/deep" | wc -l)
	[ "$(find "$MNT" | wc -l)" = $(($(find "$SRC" | wc -l) - ndeep - 2)) ] ||
		fail "the image does not hold exactly the entries not excluded"
	treecmp_ok --skip files/size_511 --skip deep --skip "names/with space" "$SRC" "$MNT"
}

@test "options: --exclude-path is relative to SOURCE and exact" {
	require_erofs_mount
	# a prefix of a name is not that name
	run "$MKFS" --quiet --exclude-path=files/size_51 "$IMG" "$SRC"
	[ "$status" = 0 ]
	mount_image "$IMG" "$MNT"
	treecmp_ok "$SRC" "$MNT"
}

@test "options: --exclude-regex matches the path relative to SOURCE" {
	require_erofs_mount
	re='^bigdir/e[0-9]*[05]_'
	run "$MKFS" --quiet --exclude-regex="$re" --exclude-regex='size_5' "$IMG" "$SRC"
	echo "$output"
	[ "$status" = 0 ]
	mount_image "$IMG" "$MNT"
	excluded=$(cd "$SRC" && find . -mindepth 1 -printf '%P\n' | grep -E -e "$re" -e 'size_5')
	[ "$(wc -l <<<"$excluded")" -gt 500 ]
	skips=()
	while IFS= read -r p; do
		[ ! -e "$MNT/$p" ] && [ ! -L "$MNT/$p" ] || fail "$p should be excluded"
		skips+=(--skip "$p")
	done <<<"$excluded"
	[ -e "$MNT/bigdir/e0001_a" ] || fail "bigdir/e0001_a is missing"
	[ -e "$MNT/files/size_4095" ] || fail "files/size_4095 is missing"
	treecmp_ok "${skips[@]}" "$SRC" "$MNT"
}

@test "options: --exclude-regex anchored on a directory drops its subtree" {
	require_erofs_mount
	run "$MKFS" --quiet --exclude-regex='^hard$' "$IMG" "$SRC"
	[ "$status" = 0 ]
	mount_image "$IMG" "$MNT"
	[ ! -e "$MNT/hard" ]
	treecmp_ok --skip hard "$SRC" "$MNT"
}

@test "options: an invalid --exclude-regex is refused" {
	mkfs_must_fail_usage "$IMG" --exclude-regex='(' "$IMG" "$SRC"
}

@test "options: -b accepts 512, 1024, 2048, 4096" {
	for b in 512 1024 2048 4096; do
		run "$MKFS" --quiet -b $b "$IMG" "$SRC"
		[ "$status" = 0 ] || fail "-b $b: $output"
		[ "$(blkid -o value -s BLOCK_SIZE "$IMG")" = $b ]
		[ $(( $(stat -c %s "$IMG") % b )) = 0 ]
	done
}

@test "options: -b rejects 1000, 131072, 256 and garbage with a clear error" {
	for b in 1000 131072 256 0 4k; do
		mkfs_must_fail_usage "$IMG" -b $b "$IMG" "$SRC"
		[[ $mkfs_err == *"$b"* ]] || fail "error does not name the value $b"
		grep -qiE 'block|-b' <<<"$mkfs_err" || fail "error does not mention the block size"
	done
	[ ! -e "$IMG" ]
}

@test "options: --help and -h print usage to stdout and exit 0" {
	for h in --help -h; do
		run "$MKFS" $h
		[ "$status" = 0 ]
		[[ $output == *Usage* ]]
		for opt in -b -L -T -U --all-root --exclude-path --exclude-regex --ignore-mtime --force-uid --uid-offset --mkfs-time --quiet; do
			[[ $output == *"$opt"* ]] || fail "$h does not mention $opt"
		done
	done
}

@test "options: --version and -V print a version and exit 0" {
	for v in --version -V; do
		run "$MKFS" $v
		[ "$status" = 0 ]
		[[ $output == "mkfs.erofs "*[0-9].[0-9]* ]]
		[ "${#lines[@]}" = 1 ]
	done
}

@test "options: unknown options and wrong argument counts fail" {
	mkfs_must_fail_usage "$IMG" --bogus "$IMG" "$SRC"
	[[ $mkfs_err == *bogus* ]]
	mkfs_must_fail_usage "$IMG" -Q "$IMG" "$SRC"
	mkfs_must_fail_usage "$IMG" "$IMG"
	mkfs_must_fail_usage "$IMG"
	mkfs_must_fail_usage "$IMG" "$IMG" "$SRC" "$SRC"
	[ ! -e "$IMG" ]
}

@test "options: --quiet prints nothing on success" {
	run --separate-stderr "$MKFS" --quiet "$IMG" "$SRC"
	[ "$status" = 0 ]
	[ -z "$output" ] || fail "stdout: $output"
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "options: -d 0 is accepted, -d garbage is not" {
	run "$MKFS" -d 0 "$IMG" "$SRC"
	[ "$status" = 0 ]
	mkfs_must_fail_usage "$BATS_TEST_TMPDIR/x.img" -d foo "$BATS_TEST_TMPDIR/x.img" "$SRC"
}

@test "options: numeric options reject garbage" {
	x=$BATS_TEST_TMPDIR/x.img
	for o in -T=abc --force-uid=x --force-gid=-1x --uid-offset=1q --gid-offset=2^3 -T=; do
		opt=${o%%=*} val=${o#*=}
		# the value as its own argument, then attached (-Tabc, --opt=abc)
		forms=("$opt" "$val")
		case $opt in
		--*) forms+=("$o") ;;
		*) [ -z "$val" ] || forms+=("$opt$val") ;;
		esac
		mkfs_must_fail_usage "$x" "${forms[0]}" "${forms[1]}" "$x" "$SRC"
		[[ $mkfs_err == "mkfs.erofs: $opt: invalid value: $val"* ]] ||
			fail "$opt '$val': the error does not name the option and value"
		[ ${#forms[@]} = 3 ] || continue
		mkfs_must_fail_usage "$x" "${forms[2]}" "$x" "$SRC"
		[[ $mkfs_err == "mkfs.erofs: $opt: invalid value: $val"* ]] ||
			fail "${forms[2]}: the error does not name the option and value"
	done
	[ ! -e "$x" ]
}
