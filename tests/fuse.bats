#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# erofsfuse: images of every compression layout the kernel tests cover,
# and erofs-utils 1.9.3 images with fragments, deduplication and extra
# devices, mounted through FUSE and compared with their source entry by
# entry (treecmp, as the kernel mounts are: contents, modes, owners,
# mtimes to the nanosecond, symlinks, devices, hardlinks by inode number,
# xattrs and ACLs).  Listings, readlink, statfs and many readers at once;
# a clean unmount, also after SIGTERM; a corrupt file is EIO with one
# logged line and the daemon keeps serving the rest.

load helpers/common

EROFSFUSE=$top_builddir/fuse/erofsfuse
EU19_DATA=$BATS_TEST_DIRNAME/data/eu19

setup_file() {
	if [ ! -x "$EROFSFUSE" ]; then
		skip_file_required fuse "erofsfuse is not built (configure found no libfuse3: install libfuse3-dev)"
		return 0
	fi
	if ! is_root; then
		skip_file_required root "needs root to mount through FUSE"
		return 0
	fi
	if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
		skip_file_required fuse "needs /dev/fuse and fusermount3 (Debian: fuse3)"
		return 0
	fi
	export SRC=$BATS_FILE_TMPDIR/src
	gentree --no-huge "$SRC"
	local c=$SRC/compressible
	mkdir -p "$c"
	seq 1 150000 >"$c/seq"
	head -c 300000 /dev/zero >"$c/zeros"
	awk 'BEGIN { srand(7); for (i = 0; i < 40000; i++) printf "%c", 32 + int(rand() * 95) }' >"$c/noise"
	cat "$c/seq" "$c/noise" "$c/zeros" "$c/seq" >"$c/mixed"
}

teardown() {
	local dir pid
	if [ -f "$BATS_TEST_TMPDIR/.fuse" ]; then
		while read -r dir pid; do
			if mountpoint -q "$dir"; then
				fusermount3 -u "$dir" 2>/dev/null || umount -l "$dir" || true
			fi
			kill "$pid" 2>/dev/null || true
		done <"$BATS_TEST_TMPDIR/.fuse"
	fi
	common_teardown
}

# fuse_mount IMG DIR [OPTIONS]: erofsfuse -f in the background (its
# stderr in $FUSE_ERR, its pid in $FUSE_PID), back once DIR is mounted
fuse_mount() {
	local img=$1 dir=$2 i
	shift 2
	mkdir -p "$dir"
	FUSE_ERR=$BATS_TEST_TMPDIR/fuse.err
	"$EROFSFUSE" -f "$@" "$img" "$dir" >/dev/null 2>"$FUSE_ERR" 3>&- &
	FUSE_PID=$!
	printf '%s %s\n' "$dir" "$FUSE_PID" >>"$BATS_TEST_TMPDIR/.fuse"
	for i in $(seq 1 100); do
		mountpoint -q "$dir" && return 0
		kill -0 "$FUSE_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$FUSE_ERR" >&2
	fail "erofsfuse $* $img $dir did not mount"
}

# fuse_gone DIR PID: the daemon PID exited 0 and DIR is an ordinary,
# usable directory again (not mounted, not a stale endpoint)
fuse_gone() {
	local dir=$1 pid=$2 rc=0
	wait "$pid" || rc=$?
	[ $rc = 0 ] || fail "erofsfuse exited $rc: $(cat "$FUSE_ERR")"
	! mountpoint -q "$dir" || fail "$dir is still mounted"
	ls "$dir" >/dev/null || fail "$dir is not usable after the unmount"
	! grep -q " $dir " /proc/mounts || fail "$dir still in /proc/mounts"
}

# fuse_umount DIR: fusermount3 -u, then fuse_gone
fuse_umount() {
	fusermount3 -u "$1" || fail "fusermount3 -u $1 failed"
	fuse_gone "$1" "$FUSE_PID"
}

# fuse_same IMG SRC [TREECMP OPTIONS --] [EROFSFUSE OPTIONS]: mounted
# IMG shows exactly SRC; nothing logged
fuse_same() {
	local img=$1 src=$2 mnt=$BATS_TEST_TMPDIR/mnt
	local -a cmpopts=()
	shift 2
	if [[ " $* " == *" -- "* ]]; then
		while [ "$1" != -- ]; do cmpopts+=("$1"); shift; done
		shift
	fi
	fuse_mount "$img" "$mnt" "$@"
	treecmp_ok ${cmpopts[@]+"${cmpopts[@]}"} "$src" "$mnt"
	fuse_umount "$mnt"
	[ ! -s "$FUSE_ERR" ] || fail "erofsfuse logged: $(cat "$FUSE_ERR")"
}

# build IMG [MKFS OPTIONS]: our mkfs of $SRC
build() {
	local img=$1
	shift
	require_mkfs
	run "$MKFS" --quiet "$@" "$img" "$SRC"
	[ "$status" = 0 ] || fail "mkfs.erofs $* failed: $output"
}

# has_alg ALG: this build's mkfs compresses with ALG
has_alg() {
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	"$MKFS" --quiet -z"$1" "$BATS_TEST_TMPDIR/probe.img" "$BATS_TEST_TMPDIR/empty" 2>/dev/null
}

@test "fuse: lz4 and lz4hc, every index form, ztailpacking, big pclusters, 512-byte blocks" {
	local img=$BATS_TEST_TMPDIR/img l
	for l in "-zlz4 -C4096" "-zlz4hc -C65536 -E legacy-compress" \
		"-zlz4hc,12 -C65536 -E ztailpacking" \
		"-zlz4 -C1048576 -E legacy-compress,ztailpacking" \
		"-zlz4hc -b 512 -C4096 -E ztailpacking" ""; do
		echo "== $l"
		# shellcheck disable=SC2086
		build "$img" $l
		fuse_same "$img" "$SRC"
	done
}

@test "fuse: lzma, deflate and zstd where configured; one thread and many, either loop" {
	local img=$BATS_TEST_TMPDIR/img alg n=0
	for alg in lzma deflate zstd; do
		if ! has_alg "$alg"; then
			echo "# no $alg in this build"
			continue
		fi
		n=$((n + 1))
		build "$img" -z"$alg" -C65536 -E ztailpacking
		fuse_same "$img" "$SRC"
		build "$img" -z"$alg" -C1048576 -E legacy-compress
		fuse_same "$img" "$SRC" -s
		# our loop on more threads than CPUs, and libfuse's own pool
		fuse_same "$img" "$SRC" -o threads=5
		fuse_same "$img" "$SRC" -o max_idle_threads=4
	done
	[ $n -gt 0 ] || skip "this build has none of lzma, deflate, zstd"
}

@test "fuse: erofs-utils 1.9.3 images: fragments, dedupe, chunks, two extra devices" {
	local tree=$BATS_TEST_TMPDIR/tree x=$BATS_TEST_TMPDIR/x name
	"$EU19_DATA/make.sh" --tree-only "$tree" || fail "make.sh --tree-only failed"
	mkdir "$x"
	for name in lzma-ztail-frag lz4hc-dedupe lorax coreos chunk-indexes; do
		echo "== $name"
		xz -dc "$EU19_DATA/$name.img.xz" >"$x/$name.img"
		fuse_same "$x/$name.img" "$tree"
	done
	# a merge has a root of its own: mode 0777, mtime 0
	for f in devices.img devices.dev1 devices.dev2; do
		xz -dc "$EU19_DATA/$f.xz" >"$x/$f"
	done
	cp -a "$tree" "$x/expect"
	chmod 0777 "$x/expect"
	touch -h -d @0 "$x/expect"
	fuse_same "$x/devices.img" "$x/expect" \
		--device="$x/devices.dev1" --device="$x/devices.dev2"
}

@test "fuse: listings, seekdir, readlink, statfs, --path, many readers at once" {
	local img=$BATS_TEST_TMPDIR/img mnt=$BATS_TEST_TMPDIR/mnt i
	local -a readers=()
	build "$img" -zlz4hc -C65536
	fuse_mount "$img" "$mnt" -o max_read=16384
	# 445 entries: many readdir requests, each resuming at a cursor
	diff <(ls -f "$SRC/bigdir" | sort) <(ls -f "$mnt/bigdir" | sort) ||
		fail "bigdir lists differently"
	# telldir/seekdir: every position taken during a listing resumes there
	python3 - "$mnt/bigdir" <<-'EOF' || fail "seekdir does not resume where telldir was"
	import ctypes, sys
	libc = ctypes.CDLL(None, use_errno=True)
	class dirent(ctypes.Structure):
	    _fields_ = [("d_ino", ctypes.c_uint64), ("d_off", ctypes.c_int64),
	                ("d_reclen", ctypes.c_ushort), ("d_type", ctypes.c_ubyte),
	                ("d_name", ctypes.c_char * 256)]
	libc.opendir.restype = ctypes.c_void_p
	libc.readdir.restype = ctypes.POINTER(dirent)
	libc.readdir.argtypes = libc.telldir.argtypes = libc.closedir.argtypes = [ctypes.c_void_p]
	libc.telldir.restype = ctypes.c_long
	libc.seekdir.argtypes = [ctypes.c_void_p, ctypes.c_long]
	d = libc.opendir(sys.argv[1].encode())
	seen = []
	while True:
	    pos = libc.telldir(d)
	    e = libc.readdir(d)
	    if not e:
	        break
	    seen.append((pos, e.contents.d_name))
	assert len(seen) > 400, len(seen)
	for pos, name in seen[::-37] + seen[:3]:
	    libc.seekdir(d, pos)
	    e = libc.readdir(d)
	    assert e and e.contents.d_name == name, (pos, name)
	libc.closedir(d)
	EOF
	[ "$(readlink "$mnt/links/long_4095")" = "$(readlink "$SRC/links/long_4095")" ]
	# statfs: the image's block size, blocks and inodes
	run -0 "$DUMP" -s "$img"
	local blocks inodes
	blocks=$(awk -F': *' '$1 == "Filesystem blocks" { print $2 }' <<<"$output")
	inodes=$(awk -F': *' '$1 == "Filesystem inode count" { print $2 }' <<<"$output")
	[ -n "$blocks" ] && [ -n "$inodes" ] || fail "dump -s: $output"
	[ "$(stat -f -c '%S %b %c' "$mnt")" = "4096 $blocks $inodes" ] ||
		fail "statfs: $(stat -f -c '%S %b %c' "$mnt"), dump -s: 4096 $blocks $inodes"
	# eight readers over every file at once, with listings running
	(cd "$SRC" && find . -type f -print0 | sort -z | xargs -0 md5sum) >"$BATS_TEST_TMPDIR/want"
	for i in 1 2 3 4 5 6 7 8; do
		(cd "$mnt" && find . -type f -print0 | sort -z | xargs -0 md5sum) \
			>"$BATS_TEST_TMPDIR/got$i" 2>&1 &
		readers+=($!)
	done
	# not a bare wait: the daemon is a child of this shell too
	wait "${readers[@]}"
	for i in 1 2 3 4 5 6 7 8; do
		cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got$i" ||
			fail "reader $i saw other contents"
	done
	fuse_umount "$mnt"
	# the tree under one directory, as its root
	fuse_same "$img" "$SRC/deep" --path=/deep
}

@test "fuse: SIGTERM unmounts cleanly; a daemon without -f ends at its unmount; --offset" {
	local img=$BATS_TEST_TMPDIR/img mnt=$BATS_TEST_TMPDIR/mnt p pid=
	build "$img" -zlz4
	fuse_mount "$img" "$mnt"
	cat "$mnt/files/hello" >/dev/null
	kill -TERM "$FUSE_PID"
	fuse_gone "$mnt" "$FUSE_PID"
	# daemon mode: back once mounted, messages to syslog
	run -0 "$EROFSFUSE" "$img" "$mnt"
	mountpoint -q "$mnt" || fail "not mounted after erofsfuse returned"
	for p in /proc/[0-9]*; do
		if [ "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" = "$EROFSFUSE $img $mnt " ]; then
			pid=${p#/proc/}
		fi
	done
	[ -n "$pid" ] || fail "no daemon serving $mnt"
	printf '%s %s\n' "$mnt" "$pid" >>"$BATS_TEST_TMPDIR/.fuse"
	treecmp_ok "$SRC" "$mnt"
	fusermount3 -u "$mnt"
	for p in $(seq 1 50); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	[ ! -d "/proc/$pid" ] || fail "the daemon still runs after the unmount"
	! mountpoint -q "$mnt"
	# an image 8 KiB into its file
	{ head -c 8192 /dev/zero; cat "$img"; } >"$BATS_TEST_TMPDIR/off.img"
	fuse_same "$BATS_TEST_TMPDIR/off.img" "$SRC" --offset=8192
}

@test "fuse: a corrupt pcluster is EIO for its file only, logged once with nid and offset" {
	local one=$BATS_TEST_TMPDIR/one img=$BATS_TEST_TMPDIR/img mnt=$BATS_TEST_TMPDIR/mnt pa plen
	mkdir "$one"
	seq 1 200000 >"$one/seq"
	seq 5 100000 >"$one/other"
	require_mkfs
	"$MKFS" --quiet -zlz4hc -C65536 "$img" "$one"
	# the second pcluster of seq: its first 90 KiB still read
	read -r pa plen < <("$DUMP" -e --path=/seq "$img" | awk 'NR == 3 { print $4, $5 }')
	[ -n "$plen" ] || fail "no second extent in seq"
	head -c 200 /dev/zero | tr '\0' '\377' |
		dd of="$img" bs=1 seek=$((pa + plen - 300)) conv=notrunc status=none
	fuse_mount "$img" "$mnt"
	run cat "$mnt/seq"
	[ "$status" = 1 ] || fail "cat of the corrupt file: exit $status"
	[[ $output == *"Input/output error"* ]] || fail "not EIO: $output"
	run cat "$mnt/seq"
	[[ $output == *"Input/output error"* ]] || fail "not EIO again: $output"
	cmp <(head -c 90000 "$mnt/seq") <(head -c 90000 "$one/seq")
	cmp "$mnt/other" "$one/other"
	kill -0 "$FUSE_PID" || fail "the daemon died"
	treecmp_ok --skip seq "$one" "$mnt"
	fuse_umount "$mnt"
	cat "$FUSE_ERR"
	[ "$(wc -l <"$FUSE_ERR")" = 1 ] || fail "expected one logged line"
	grep -qE "^erofsfuse: nid [0-9]+: .*offset $pa" "$FUSE_ERR" ||
		fail "the line names no nid and offset $pa"
}

@test "fuse: usage errors, an image that is not EROFS; -V, --help and the man page in step" {
	local mnt=$BATS_TEST_TMPDIR/mnt man=$BATS_TEST_DIRNAME/../man/erofsfuse.1 o
	mkdir "$mnt"
	run -0 "$EROFSFUSE" -V
	[[ $output == erofsfuse* ]]
	run -0 "$EROFSFUSE" --help
	for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$output" | sort -u); do
		case $o in --help | --usage | --version) continue ;; esac
		grep -q -- "${o//-/\\\\-}" "$man" || fail "man page lacks $o"
	done
	run -1 --separate-stderr "$EROFSFUSE" /dev/null
	[[ ${stderr_lines[0]} == "erofsfuse: no MOUNTPOINT given" ]] || fail "stderr: $stderr"
	run -1 --separate-stderr "$EROFSFUSE" -o max_idle_threads=x /dev/null "$mnt"
	[[ ${stderr_lines[0]} == "erofsfuse: -o max_idle_threads: invalid value: x" ]] || fail "stderr: $stderr"
	run -1 --separate-stderr "$EROFSFUSE" -o threads=0 /dev/null "$mnt"
	[[ ${stderr_lines[0]} == "erofsfuse: -o threads: "* ]] || fail "stderr: $stderr"
	head -c 8192 /dev/zero >"$BATS_TEST_TMPDIR/zero.img"
	run -1 --separate-stderr "$EROFSFUSE" -f "$BATS_TEST_TMPDIR/zero.img" "$mnt"
	[ "${#stderr_lines[@]}" = 1 ] || fail "stderr: $stderr"
	[[ $stderr == "erofsfuse: "*magic* ]] || fail "stderr: $stderr"
	! mountpoint -q "$mnt"
}
