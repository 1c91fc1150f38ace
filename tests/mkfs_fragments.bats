#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# -E fragments, all-fragments, fragdedupe: file tails or whole files in the
# packed inode; -E dedupe: identical pclusters shared.  Every variant is
# mounted by the kernel and compared with the source, checked and extracted
# by our fsck and accepted by erofs-utils 1.9.3's; the image is the same for
# any --workers; the dedupe bait really shrinks it; a failed build leaves
# nothing beside DEST.

load helpers/common

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src" BAIT="$BATS_FILE_TMPDIR/bait"
	gentree --small "$SRC"
	local c=$SRC/z
	mkdir -p "$c"
	seq 1 60000 > "$c/seq"
	head -c 300000 /dev/zero > "$c/zeros"
	awk 'BEGIN { srand(7); for (i = 0; i < 30000; i++) printf "%c", 32 + int(rand() * 95) }' > "$c/noise"
	for i in 1 5 9 13 40 70 300; do head -c $((i * 977)) "$c/seq" > "$c/small$i"; done
	cat "$c/seq" "$c/noise" "$c/seq" > "$c/mixed"
	: > "$c/empty"
	# bait: random (so only dedupe, not the compressor, can share them)
	# tails of 70000 bytes and files of 40000, two of each kind taking
	# turns, so copies lie farther apart than lz4's window
	mkdir -p "$BAIT"
	head -c 70000 /dev/urandom > "$BATS_FILE_TMPDIR/t1"
	head -c 70000 /dev/urandom > "$BATS_FILE_TMPDIR/t2"
	head -c 40000 /dev/urandom > "$BATS_FILE_TMPDIR/w1"
	head -c 40000 /dev/urandom > "$BATS_FILE_TMPDIR/w2"
	for i in 0 1 2 3 4 5; do
		k=$((i % 2 + 1))
		{ head -c 100000 /dev/urandom; cat "$BATS_FILE_TMPDIR/t$k"; } > "$BAIT/tail$i"
		cp "$BATS_FILE_TMPDIR/w$k" "$BAIT/whole$i"
	done
	cp -a "$BAIT" "$SRC/bait"
	# -E dedupe bait: compressible files, identical, or one the other's start
	export DUP="$BATS_FILE_TMPDIR/dup"
	mkdir -p "$DUP"
	seq 1 400000 > "$DUP/a"
	cp "$DUP/a" "$DUP/b"
	cat "$DUP/a" "$c/noise" > "$DUP/c"
	head -c 1000000 "$DUP/a" > "$DUP/d"	# its last extent: a partial reference
	cp -a "$DUP" "$SRC/dup"
}

# has_alg ALG: whether this build compresses with ALG
has_alg() {
	local d=$BATS_TEST_TMPDIR/probe
	mkdir -p "$d"
	"$MKFS" --quiet -z"$1" "$BATS_TEST_TMPDIR/probe.img" "$d" 2>/dev/null
}

# build IMG SRC [MKFS OPTIONS]
build() {
	local img=$1 src=$2
	shift 2
	run "$MKFS" --quiet "$@" "$img" "$src"
	[ "$status" = 0 ] || fail "mkfs.erofs $* failed: $output"
}

# check_image IMG WHAT: the kernel shows $SRC, our fsck extracts it,
# erofs-utils 1.9.3's fsck (if there) accepts it; WHAT it must have:
# frag (fragments in a packed inode), shared (pclusters shared), partial
# (a partial reference)
check_image() {
	local img=$1 what=$2 mnt=$BATS_TEST_TMPDIR/mnt out=$BATS_TEST_TMPDIR/out
	run "$DUMP" -S "$img"
	[ "$status" = 0 ] || fail "dump.erofs -S: $output"
	if [[ $what == *frag* ]]; then
		grep -q '^Fragment extents: *[1-9]' <<<"$output" || fail "no fragment: $output"
		grep -q '^Packed inode: *nid [1-9]' <<<"$output" || fail "no packed inode: $output"
	fi
	if [[ $what == *shared* ]]; then
		grep -q '^Shared extents: *[1-9]' <<<"$output" || fail "no shared extent: $output"
	fi
	# without fragments, a truncated copy's tail
	if [[ $what == *partial* ]]; then
		grep -q '^Partial-ref extents: *[1-9]' <<<"$output" || fail "no partial reference: $output"
	fi
	mount_image "$img" "$mnt"
	treecmp_ok "$SRC" "$mnt"
	umount_image "$mnt"
	rm -rf "$out"
	run "$FSCK" --extract="$out" --xattrs "$img"
	[ "$status" = 0 ] || fail "our fsck: exit $status: $output"
	treecmp_ok --no-owner --no-dir-mtime --skip special/sock "$SRC" "$out"
	if [ -x "$EU19_FSCK" ]; then
		run "$EU19_FSCK" "$img"
		[ "$status" = 0 ] || fail "erofs-utils 1.9.3 fsck: exit $status: $output"
	fi
}

@test "fragments: every variant mounts identical to the source and passes both fscks" {
	require_mkfs
	require_erofs_mount
	local variants=(
		"-zlz4hc -Efragments"
		"-zlz4hc -Efragments=16384 -Elegacy-compress"
		"-zlz4 -C65536 -Efragments,ztailpacking"
		"-zlz4hc -C65536 -Efragments,fragdedupe=off,ztailpacking,legacy-compress"
		"-zlz4hc -C1048576 -Eall-fragments"
		"-zlz4hc -Eall-fragments=65536,fragdedupe=inode,legacy-compress"
		"-zlz4 -Efragments,fragdedupe=inode -b1024"
		"-zlz4hc -C65536 -Eztailpacking,fragments,dedupe"
		"-zlz4hc -Ededupe"
		"-zlz4hc -C65536 -Ededupe,ztailpacking -b2048"
	)
	has_alg lzma && variants+=("-zlzma,level=6 -C65536 -Eall-fragments,fragdedupe=full"
				   "-zlzma -Efragments,legacy-compress")
	has_alg zstd && variants+=("-zzstd,8 -C65536 -Efragments=131072,ztailpacking"
				   "-zzstd,8 -Ededupe,all-fragments -C65536")
	has_alg deflate && variants+=("-zdeflate -C65536 -Efragments,^fragdedupe,legacy-compress")
	local i=0
	for v in "${variants[@]}"; do
		echo "# $v"
		# shellcheck disable=SC2086
		build "$BATS_TEST_TMPDIR/img$i" "$SRC" $v
		# the -E tokens, one word each
		t=" ${v//,/ } " what=
		t=${t//-E/ }
		[[ $t == *fragments* ]] && what=frag
		[[ $t == *" dedupe "* && $t != *all-fragments* ]] && what+=shared
		[[ $t == *" dedupe "* && $t != *fragments* ]] && what+=partial
		check_image "$BATS_TEST_TMPDIR/img$i" "$what"
		rm -f "$BATS_TEST_TMPDIR/img$i"
		i=$((i + 1))
	done
}

@test "fragments: 1, 2 and 4 workers give byte-identical images" {
	require_mkfs
	for v in "-zlz4hc -C65536 -Efragments,ztailpacking" \
		 "-zlz4hc -Eall-fragments,fragdedupe=inode,legacy-compress" \
		 "-zlz4hc -C65536 -Eztailpacking,fragments,dedupe"; do
		for w in 1 2 4; do
			# shellcheck disable=SC2086
			build "$BATS_TEST_TMPDIR/w$w" "$SRC" -T0 -Uclear --workers=$w $v
		done
		cmp "$BATS_TEST_TMPDIR/w1" "$BATS_TEST_TMPDIR/w2"
		cmp "$BATS_TEST_TMPDIR/w1" "$BATS_TEST_TMPDIR/w4"
	done
}

# frag_offset IMG PATH: where PATH's fragment is in the packed inode
frag_offset() {
	run "$DUMP" -e --path="$2" "$1"
	[ "$status" = 0 ] || fail "dump.erofs -e --path=$2: $output"
	awk '$NF == "fragment" { print $4; exit }' <<<"$output"
}

@test "all-fragments: the packed inode takes files depth first, a directory's files before its subdirectories" {
	require_mkfs
	local t=$BATS_TEST_TMPDIR/order
	mkdir -p "$t/a/sub" "$t/b"
	seq 1 3000 > "$t/a/sub/y"
	seq 1 2000 > "$t/b/z"
	seq 1 1000 > "$t/a/x"
	seq 1 4000 > "$t/a/w"
	build "$BATS_TEST_TMPDIR/o.img" "$t" -zlz4hc -Eall-fragments
	local w x y z
	w=$(frag_offset "$BATS_TEST_TMPDIR/o.img" /a/w)
	x=$(frag_offset "$BATS_TEST_TMPDIR/o.img" /a/x)
	y=$(frag_offset "$BATS_TEST_TMPDIR/o.img" /a/sub/y)
	z=$(frag_offset "$BATS_TEST_TMPDIR/o.img" /b/z)
	echo "a/w $w a/x $x a/sub/y $y b/z $z"
	# breadth first would be a/w a/x b/z a/sub/y
	[ -n "$w" ] && [ -n "$z" ]
	[ "$w" -lt "$x" ] && [ "$x" -lt "$y" ] && [ "$y" -lt "$z" ]
}

@test "compress: 1 MiB pclusters are not cut short at every 4 MiB of a long file" {
	require_mkfs
	local t=$BATS_TEST_TMPDIR/long
	mkdir -p "$t"
	seq 1 2500000 > "$t/f"	# 18 MB, several MiB of it per pcluster
	build "$BATS_TEST_TMPDIR/l.img" "$t" -zlz4hc -C1048576
	run "$DUMP" -e --path=/f "$BATS_TEST_TMPDIR/l.img"
	[ "$status" = 0 ] || fail "dump.erofs -e: $output"
	echo "$output"
	# no extent starts at a multiple of 4 MiB but the first
	local cuts
	cuts=$(awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && $2 > 0 && $2 % 4194304 == 0' <<<"$output")
	[ -z "$cuts" ] || fail "extents start at 4 MiB multiples: $cuts"
}

@test "fragdedupe: identical tails and identical files are stored once" {
	require_mkfs
	local d size
	declare -A sz
	for d in off inode full; do
		for f in fragments all-fragments; do
			# ^dedupe-files: whole files are not shared before fragments see them
			build "$BATS_TEST_TMPDIR/$f.$d" "$BAIT" -zlz4hc -C65536 -E$f,fragdedupe=$d,^dedupe-files
			sz[$f.$d]=$(stat -c %s "$BATS_TEST_TMPDIR/$f.$d")
		done
	done
	for k in "${!sz[@]}"; do echo "$k ${sz[$k]}"; done
	# inode: the four repeated whole files (4 x 40000 bytes) go
	[ $((sz[fragments.off] - sz[fragments.inode])) -ge 155648 ]
	[ $((sz[all-fragments.off] - sz[all-fragments.inode])) -ge 155648 ]
	# full: the four repeated tails too (at least 4 x 60000 more)
	[ $((sz[fragments.inode] - sz[fragments.full])) -ge 237568 ]
	# whole files of different content share nothing, even with full
	[ "${sz[all-fragments.inode]}" = "${sz[all-fragments.full]}" ]
	# what is shared reads back right
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/x" "$BATS_TEST_TMPDIR/fragments.full"
	[ "$status" = 0 ] || fail "fsck: $output"
	treecmp_ok --no-owner --no-dir-mtime "$BAIT" "$BATS_TEST_TMPDIR/x"
}

@test "dedupe: identical files, a file that starts another and one that is another's start share" {
	require_mkfs
	# ^dedupe-files: identical files are not shared whole before -Ededupe
	build "$BATS_TEST_TMPDIR/plain" "$DUP" -zlz4hc -C65536 -E^dedupe-files
	build "$BATS_TEST_TMPDIR/dedupe" "$DUP" -zlz4hc -C65536 -Ededupe,^dedupe-files
	local plain dedupe
	plain=$(stat -c %s "$BATS_TEST_TMPDIR/plain")
	dedupe=$(stat -c %s "$BATS_TEST_TMPDIR/dedupe")
	echo "plain $plain dedupe $dedupe"
	# b is a, c is a and some noise, d a's first 1000000 bytes: of three
	# copies of a and one of a third of it, one is left
	[ $((dedupe * 5 / 2)) -lt "$plain" ]
	run "$DUMP" -S "$BATS_TEST_TMPDIR/dedupe"
	grep -q '^Shared extents: *[1-9]' <<<"$output"
	grep -q '^Partial-ref extents: *1$' <<<"$output"
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/x" "$BATS_TEST_TMPDIR/dedupe"
	[ "$status" = 0 ] || fail "fsck: $output"
	treecmp_ok --no-owner --no-dir-mtime "$DUP" "$BATS_TEST_TMPDIR/x"
}

@test "fragments: bad -E values and a failed build leave nothing" {
	require_mkfs
	local out=$BATS_TEST_TMPDIR/out
	mkdir -p "$out"
	mkfs_must_fail_usage "$out/img" -Efragments "$out/img" "$BAIT"
	[[ $mkfs_err == *"-E dedupe, fragments and all-fragments need -z"* ]]
	mkfs_must_fail_usage "$out/img" -Ededupe "$out/img" "$BAIT"
	[[ $mkfs_err == *"-E dedupe, fragments and all-fragments need -z"* ]]
	mkfs_must_fail_usage "$out/img" -zlz4 -Efragments=1000 "$out/img" "$BAIT"
	[[ $mkfs_err == *"-E fragments=1000 is not a multiple of the block size 4096"* ]]
	mkfs_must_fail_usage "$out/img" -zlz4 -Efragdedupe=some "$out/img" "$BAIT"
	[[ $mkfs_err == *"-E fragdedupe=some: use off, inode or full"* ]]
	require_root "to switch to an unprivileged user"
	w=$(world_dir)
	mkdir "$w/t" "$w/out"
	cp -a "$BAIT/." "$w/t/"
	echo secret > "$w/t/tail3"
	chmod 000 "$w/t/tail3"
	chown -R 65534:65534 "$w/t" "$w/out"
	for e in fragments all-fragments; do
		run as_nobody "$MKFS" -zlz4hc -E$e "$w/out/img" "$w/t"
		echo "exit $status: $output"
		[ "$status" = 1 ]
		[ "${#lines[@]}" = 1 ]
		[[ $output == "mkfs.erofs: $w/t/tail3: Permission denied" ]]
		[ -z "$(ls -A "$w/out")" ]
	done
}
