#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Source trees that fight back: files that grow, shrink or vanish between
# the scan and the data pass, FIFOs, mount points inside SOURCE, paths
# deeper than PATH_MAX.  Each has one defined outcome: a clean image of
# what the walk saw, or the failure contract of mkfs_must_fail (one
# "mkfs.erofs: PATH: reason" line, nothing left beside DEST).
#
# mkfs scans the whole tree first and reads file data afterwards, in tree
# order.  To change a file in between, reliably: SOURCE starts with a big
# file "aaa"; once mkfs is reading it (it has it open and has read 1 MiB,
# more than anything else it reads), it is stopped with SIGSTOP, checked
# to be still inside "aaa" (/proc/PID/io rchar), the later file "zzz" is
# changed, and mkfs continues.

load helpers/common

setup() {
	require_mkfs
	OUT=$BATS_TEST_TMPDIR/out
	T=$BATS_TEST_TMPDIR/src
	mkdir -p "$OUT" "$T"
	IMG=$OUT/img
}

proc_rchar() {
	local k v
	while read -r k v; do
		[ "$k" = rchar: ] && { echo "$v"; return; }
	done <"/proc/$1/io"
	echo 0
}

# mkfs_with_change CHANGE [MKFS OPTIONS...]: build $T into $IMG, running
# the shell command CHANGE while mkfs is stopped inside the data of
# $T/aaa.  Sets $rc and $mkfs_err (stderr).
mkfs_with_change() {
	local change=$1 pid fd stopped= size
	shift
	size=$(stat -c %s "$T/aaa")
	"$MKFS" --quiet --workers=1 "$@" "$IMG" "$T" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		for fd in /proc/"$pid"/fd/*; do
			if [ "$fd" -ef "$T/aaa" ] &&
			   [ "$(proc_rchar "$pid")" -ge 1048576 ]; then
				kill -STOP "$pid"
				stopped=1
				break 2
			fi
		done
	done
	if [ -n "$stopped" ]; then
		# still inside aaa, so zzz has not been read yet
		[ "$(proc_rchar "$pid")" -lt "$size" ] || {
			kill -CONT "$pid"
			wait "$pid" || echo "mkfs exit $? (the test is skipped)"
			skip "mkfs read aaa before it could be stopped"
		}
		eval "$change"
		kill -CONT "$pid"
	fi
	rc=0
	wait "$pid" || rc=$?
	mkfs_err=$(cat "$BATS_TEST_TMPDIR/err")
	echo "exit $rc, stderr: $mkfs_err"
	[ -n "$stopped" ] || fail "mkfs finished before it read aaa"
}

# the failure contract after mkfs_with_change
changed_must_fail() {
	[ "$rc" != 0 ] && [ "$rc" -lt 128 ] || fail "exit $rc"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/err")" = 1 ] || fail "not one stderr line"
	[[ $mkfs_err == "mkfs.erofs: $1" ]] || fail "expected 'mkfs.erofs: $1'"
	[ -z "$(ls -A "$OUT")" ] || fail "left $(ls -A "$OUT")"
}

big_source() {
	head -c "${1:-96M}" /dev/urandom >"$T/aaa"
	head -c 300000 /dev/urandom >"$T/zzz"
	echo small >"$T/mmm"
}

@test "source: a file that grows during the build fails it" {
	big_source
	mkfs_with_change 'head -c 5000 /dev/urandom >>"$T/zzz"'
	changed_must_fail "$T/zzz: file changed size during the build"
}

@test "source: a file of whole blocks (no inline tail) that grows fails it" {
	big_source
	head -c 303104 /dev/urandom >"$T/zzz"	# 74 blocks of 4 KiB
	mkfs_with_change 'head -c 5000 /dev/urandom >>"$T/zzz"'
	changed_must_fail "$T/zzz: file changed size during the build"
}

@test "source: a file that shrinks during the build fails it" {
	big_source
	mkfs_with_change 'truncate -s 1000 "$T/zzz"'
	changed_must_fail "$T/zzz: file changed size during the build"
}

@test "source: a compressed file that grows or shrinks fails the build" {
	big_source 48M
	mkfs_with_change 'head -c 5000 /dev/urandom >>"$T/zzz"' -z lz4
	changed_must_fail "$T/zzz: file changed size during the build"
	mkfs_with_change 'truncate -s 100000 "$T/zzz"' -z lz4
	changed_must_fail "$T/zzz: file changed size during the build"
}

@test "source: an inline-only file that shrinks fails the build" {
	big_source
	printf '%0100d' 0 >"$T/zzz"
	mkfs_with_change 'truncate -s 10 "$T/zzz"'
	changed_must_fail "$T/zzz: file changed size during the build"
}

@test "source: a file that vanishes during the build fails it" {
	big_source
	mkfs_with_change 'rm "$T/zzz"'
	changed_must_fail "$T/zzz: No such file or directory"
}

@test "source: a file replaced by a symlink is not followed" {
	big_source
	echo secret >"$BATS_TEST_TMPDIR/secret"
	mkfs_with_change 'rm "$T/zzz" && ln -s "$BATS_TEST_TMPDIR/secret" "$T/zzz"'
	changed_must_fail "$T/zzz: Too many levels of symbolic links"
}

@test "source: a file rewritten in place at the same size is packed as read" {
	big_source
	mkfs_with_change 'head -c 300000 /dev/zero | tr "\0" x >"$T/zzz.new" && cat "$T/zzz.new" >"$T/zzz" && rm "$T/zzz.new"'
	[ "$rc" = 0 ]
	"$FSCK" "$IMG" >/dev/null
	# dump prints what the image holds: the new bytes
	"$DUMP" --path=/zzz --cat "$IMG" >"$BATS_TEST_TMPDIR/zzz.out"
	cmp "$BATS_TEST_TMPDIR/zzz.out" "$T/zzz"
}

@test "source: a FIFO is packed without being opened" {
	mkfifo "$T/fifo"
	echo data >"$T/file"
	# a reader would block forever: no writer ever comes
	run timeout 30 "$MKFS" --quiet "$IMG" "$T"
	[ "$status" = 0 ]
	"$FSCK" "$IMG" >/dev/null
	run "$DUMP" --path=/fifo "$IMG"
	[ "$status" = 0 ]
	grep -q '^Type: *fifo' <<<"$output"
}

@test "source: a mount point inside SOURCE is crossed, its tree packed" {
	require_root "to mount a tmpfs"
	mkdir "$T/mnt" "$T/sub"
	echo outside >"$T/sub/file"
	mount -t tmpfs -o size=1m,mode=0750 tmpfs "$T/mnt"
	printf '%s\n' "$T/mnt" >>"$BATS_TEST_TMPDIR/.mounts"
	echo inside >"$T/mnt/file"
	# same inode numbers on both devices must not become hardlinks
	run "$MKFS" --quiet "$IMG" "$T"
	[ "$status" = 0 ]
	"$FSCK" --extract="$BATS_TEST_TMPDIR/x" "$IMG" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/x/mnt/file")" = inside ]
	[ "$(cat "$BATS_TEST_TMPDIR/x/sub/file")" = outside ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/x/mnt")" = 750 ]
	treecmp_ok --no-dir-mtime "$T" "$BATS_TEST_TMPDIR/x"
}

# mkdeep DIR LEVELS: DIR/d/d/.../d/{leaf,ln}, LEVELS directories deep
mkdeep() {
	python3 - "$1" "$2" <<'PY'
import os, sys
os.makedirs(sys.argv[1], exist_ok=True)
os.chdir(sys.argv[1])
for _ in range(int(sys.argv[2])):
	os.mkdir("d")
	os.chdir("d")
with open("leaf", "w") as f:
	f.write("bottom\n")
os.symlink("leaf", "ln")
PY
}

@test "source: a 64 KiB deep path fails cleanly with ENAMETOOLONG" {
	require_cmd python3
	mkdeep "$T" 32768
	mkfs_must_fail "$IMG" "$IMG" "$T"
	[[ $mkfs_err == "mkfs.erofs: $T/d/d/"*"/d: File name too long" ]]
	[ -z "$(ls -A "$OUT")" ]
}

@test "source: a path just under PATH_MAX is packed, checked, extracted" {
	require_cmd python3
	# "/d" per level: stay under 4096 bytes with the leaf's name; fsck
	# once overflowed its stack on such an image (a page per level)
	local levels=$(((4096 - ${#T} - 16) / 2))
	mkdeep "$T" "$levels"
	run "$MKFS" --quiet "$IMG" "$T"
	[ "$status" = 0 ]
	run "$FSCK" --extract="$BATS_TEST_TMPDIR/x" "$IMG"
	echo "${output:0:2000}"
	[ "$status" = 0 ]
	run "$DUMP" -S "$IMG"
	[ "$status" = 0 ]
	[[ $output == *"directories:          $((levels + 1))"* ]]
}
