#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Failure contract of mkfs.erofs: non-zero exit, one stderr line
# "mkfs.erofs: PATH: reason", nothing at DEST and no temporary file beside
# it; an existing DEST is left untouched.  DEST inside SOURCE.

load helpers/common

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	gentree "$SRC" --small
	# enough data that an image needs several writes and > 256 KiB
	head -c 600000 /dev/urandom >"$SRC/files/big_random"
}

setup() {
	require_mkfs
	OUT=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUT"
	IMG=$OUT/img
}

@test "errors: nonexistent SOURCE" {
	mkfs_must_fail "$IMG" "$IMG" "$BATS_TEST_TMPDIR/no/such/dir"
	[[ $mkfs_err == *"$BATS_TEST_TMPDIR/no/such/dir"* ]]
	[ -z "$(ls -A "$OUT")" ]
}

@test "errors: SOURCE is a regular file" {
	mkfs_must_fail "$IMG" "$IMG" "$SRC/files/hello"
	[[ $mkfs_err == *"$SRC/files/hello"* ]]
	[ -z "$(ls -A "$OUT")" ]
}

@test "errors: DEST directory does not exist" {
	mkfs_must_fail "$OUT/img" "$BATS_TEST_TMPDIR/nodir/img" "$SRC"
	[[ $mkfs_err == *"$BATS_TEST_TMPDIR/nodir/img"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/nodir" ]
}

@test "errors: DEST is an existing directory, left as it was" {
	mkdir "$IMG"
	echo keep >"$IMG/inside"
	mkfs_must_fail "$IMG" "$IMG" "$SRC"
	[[ $mkfs_err == *"$IMG"* ]]
	[ "$(ls -A "$IMG")" = inside ] && [ "$(cat "$IMG/inside")" = keep ]
}

@test "errors: a bad option leaves nothing" {
	mkfs_must_fail_usage "$IMG" --no-such-option "$IMG" "$SRC"
	[ -z "$(ls -A "$OUT")" ]
}

@test "errors: an unreadable file (unprivileged build)" {
	require_root "to switch to an unprivileged user"
	w=$(world_dir)
	mkdir "$w/t" "$w/out"
	cp -a "$SRC/." "$w/t/"
	echo secret >"$w/t/files/secret"
	chmod 000 "$w/t/files/secret"
	chown -R 65534:65534 "$w/t" "$w/out"
	run as_nobody "$MKFS" "$w/out/img" "$w/t"
	echo "exit $status: $output"
	[ "$status" != 0 ] || fail "mkfs.erofs succeeded"
	[ "$status" -lt 128 ]
	[ "${#lines[@]}" = 1 ]
	[[ $output == "mkfs.erofs: "*"files/secret: "* ]]
	[[ $output == *"Permission denied"* ]]
	[ -z "$(ls -A "$w/out")" ]
}

@test "errors: an unreadable directory (unprivileged build)" {
	require_root "to switch to an unprivileged user"
	w=$(world_dir)
	mkdir "$w/t" "$w/out"
	cp -a "$SRC/." "$w/t/"
	mkdir "$w/t/locked"
	echo x >"$w/t/locked/x"
	chown -R 65534:65534 "$w/t" "$w/out"
	chmod 000 "$w/t/locked"
	run as_nobody "$MKFS" "$w/out/img" "$w/t"
	echo "exit $status: $output"
	[ "$status" != 0 ] || fail "mkfs.erofs succeeded"
	[ "$status" -lt 128 ]
	[ "${#lines[@]}" = 1 ]
	[[ $output == "mkfs.erofs: "*"locked"* ]]
	[ -z "$(ls -A "$w/out")" ]
}

@test "errors: of two unreadable directories, the first in walk order is named" {
	require_root "to switch to an unprivileged user"
	w=$(world_dir)
	mkdir "$w/t" "$w/out"
	cp -a "$SRC/." "$w/t/"
	# one level, read by several threads: whichever fails first, the
	# message is the one a single thread would give
	mkdir "$w/t/a_locked" "$w/t/z_locked"
	chown -R 65534:65534 "$w/t" "$w/out"
	chmod 000 "$w/t/a_locked" "$w/t/z_locked"
	for i in 1 2 3 4 5; do
		run as_nobody "$MKFS" --workers=4 "$w/out/img" "$w/t"
		echo "exit $status: $output"
		[ "$status" = 1 ]
		[ "${#lines[@]}" = 1 ]
		[[ $output == "mkfs.erofs: $w/t/a_locked: Permission denied" ]]
	done
	[ -z "$(ls -A "$w/out")" ]
}

@test "errors: in one directory, an earlier entry's error wins over a later unreadable file" {
	require_root "to switch to an unprivileged user"
	w=$(world_dir)
	mkdir "$w/t" "$w/out"
	echo a >"$w/t/a"
	truncate -s 1M "$w/t/b_sparse"	# its holes are probed, which opens it
	chown -R 65534:65534 "$w/t" "$w/out"
	chown 4294967290 "$w/t/a"	# + 10 is past 32 bits
	chmod 000 "$w/t/b_sparse"
	run as_nobody "$MKFS" --uid-offset=10 "$w/out/img" "$w/t"
	echo "exit $status: $output"
	[ "$status" = 1 ]
	[ "${#lines[@]}" = 1 ]
	[[ $output == "mkfs.erofs: $w/t/a: uid/gid out of range after mapping" ]]
	# and the unreadable file is what fails once a is fine
	chown 65534 "$w/t/a"
	run as_nobody "$MKFS" --uid-offset=10 "$w/out/img" "$w/t"
	echo "exit $status: $output"
	[ "$status" = 1 ]
	[[ $output == "mkfs.erofs: $w/t/b_sparse: Permission denied" ]]
	[ -z "$(ls -A "$w/out")" ]
}

@test "errors: DEST directory not writable (unprivileged build)" {
	require_root "to switch to an unprivileged user"
	w=$(world_dir)
	mkdir "$w/ro" "$w/t"
	cp -a "$SRC/." "$w/t/"
	chown -R 65534:65534 "$w/t"
	run as_nobody "$MKFS" "$w/ro/img" "$w/t"
	echo "exit $status: $output"
	[ "$status" != 0 ]
	[ "${#lines[@]}" = 1 ]
	[[ $output == "mkfs.erofs: $w/ro/"* ]]
	[ -z "$(ls -A "$w/ro")" ]
}

@test "errors: full disk (256 KiB tmpfs)" {
	require_root "to mount a tmpfs"
	mkdir "$BATS_TEST_TMPDIR/small"
	mount -t tmpfs -o size=256k tmpfs "$BATS_TEST_TMPDIR/small"
	printf '%s\n' "$BATS_TEST_TMPDIR/small" >>"$BATS_TEST_TMPDIR/.mounts"
	mkfs_must_fail "$BATS_TEST_TMPDIR/small/img" "$BATS_TEST_TMPDIR/small/img" "$SRC"
	[[ $mkfs_err == "mkfs.erofs: $BATS_TEST_TMPDIR/small/img"*": No space left on device" ]]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/small")" ]
	[ "$(df --output=used -B1 "$BATS_TEST_TMPDIR/small" | tail -n 1 | tr -d ' ')" -lt 65536 ]
}

@test "errors: full disk while the kernel copies a large file (copy_file_range)" {
	require_root "to mount a tmpfs"
	local t=$BATS_TEST_TMPDIR/small
	mkdir "$t"
	mount -t tmpfs -o size=1m tmpfs "$t"
	printf '%s\n' "$t" >>"$BATS_TEST_TMPDIR/.mounts"
	# source and image on one tmpfs: the kernel copies file to image
	mkdir "$t/src"
	head -c 600000 /dev/urandom >"$t/src/big"
	mkfs_must_fail "$t/img" "$t/img" "$t/src"
	[[ $mkfs_err == "mkfs.erofs: $t/img"*": No space left on device" ]]
	[ "$(ls -A "$t")" = src ]
}

@test "errors: full disk keeps an existing DEST intact" {
	require_root "to mount a tmpfs"
	mkdir "$BATS_TEST_TMPDIR/small"
	mount -t tmpfs -o size=256k tmpfs "$BATS_TEST_TMPDIR/small"
	printf '%s\n' "$BATS_TEST_TMPDIR/small" >>"$BATS_TEST_TMPDIR/.mounts"
	echo "previous image" >"$BATS_TEST_TMPDIR/small/img"
	mkfs_must_fail "$BATS_TEST_TMPDIR/small/img" "$BATS_TEST_TMPDIR/small/img" "$SRC"
	[ "$(cat "$BATS_TEST_TMPDIR/small/img")" = "previous image" ]
}

# fault SPEC REASON: injected failure of the image I/O
fault() {
	EROFS_FAULT=$1 mkfs_must_fail "$IMG" "$IMG" "$SRC"
	[[ $mkfs_err == "mkfs.erofs: $IMG"*": $2" ]] || fail "expected '$2' for $1"
	[ -z "$(ls -A "$OUT")" ]
}

@test "errors: EROFS_FAULT write:1:ENOSPC" {
	fault write:1:ENOSPC "No space left on device"
}

@test "errors: EROFS_FAULT write:3:ENOSPC (in the middle of the image)" {
	fault write:3:ENOSPC "No space left on device"
}

@test "errors: EROFS_FAULT write:2:EIO" {
	fault write:2:EIO "Input/output error"
}

@test "errors: EROFS_FAULT write:1:short" {
	EROFS_FAULT=write:1:short mkfs_must_fail "$IMG" "$IMG" "$SRC"
	[[ $mkfs_err == "mkfs.erofs: $IMG"* ]]
	[ -z "$(ls -A "$OUT")" ]
}

@test "errors: EROFS_FAULT sync:1:EIO with --fsync" {
	EROFS_FAULT=sync:1:EIO mkfs_must_fail "$IMG" --fsync "$IMG" "$SRC"
	[[ $mkfs_err == "mkfs.erofs: $IMG"*": Input/output error" ]]
	[ -z "$(ls -A "$OUT")" ]
}

@test "errors: an image file is flushed only with --fsync" {
	# as with erofs-utils and mksquashfs: no sync, so a failing one is
	# never reached
	EROFS_FAULT=sync:1:EIO run "$MKFS" --quiet "$IMG" "$SRC"
	[ "$status" = 0 ]
	[ -s "$IMG" ]
}

@test "errors: fault injection keeps an existing DEST intact" {
	"$MKFS" --quiet -T 1 -U clear "$IMG" "$SRC"
	sum=$(sha256sum <"$IMG")
	for f in write:1:ENOSPC write:2:EIO write:1:short sync:1:EIO; do
		EROFS_FAULT=$f mkfs_must_fail "$IMG" --fsync "$IMG" "$SRC"
		[ "$(sha256sum <"$IMG")" = "$sum" ]
		[ "$(ls -A "$OUT")" = img ]
	done
}

@test "errors: a failed rebuild over an image keeps it whole, no --fsync" {
	# the image is committed by exchanging names, not by rename(2): a
	# failure before the exchange must still leave the old image as it was
	"$MKFS" --quiet -T 1 -U clear -zlz4 "$IMG" "$SRC"
	for f in write:1:ENOSPC write:3:EIO write:1:short; do
		EROFS_FAULT=$f mkfs_must_fail "$IMG" "$IMG" "$SRC"
		[ "$(ls -A "$OUT")" = img ]
	done
	run "$FSCK" "$IMG"
	[ "$status" = 0 ]
}

@test "errors: an unreadable source file fails a rebuild, the old image kept" {
	require_root "to switch to an unprivileged user"
	w=$(world_dir)
	mkdir "$w/t" "$w/out"
	cp -a "$SRC/." "$w/t/"
	chown -R 65534:65534 "$w/t" "$w/out"
	as_nobody "$MKFS" --quiet "$w/out/img" "$w/t"
	sum=$(sha256sum <"$w/out/img")
	echo secret >"$w/t/files/secret"
	chown 65534:65534 "$w/t/files/secret"
	chmod 000 "$w/t/files/secret"
	run as_nobody "$MKFS" --quiet "$w/out/img" "$w/t"
	echo "exit $status: $output"
	[ "$status" = 1 ]
	[[ $output == "mkfs.erofs: $w/t/files/secret: Permission denied" ]]
	[ "$(sha256sum <"$w/out/img")" = "$sum" ]
	[ "$(ls -A "$w/out")" = img ]
}

@test "errors: a rebuild puts a new file under DEST, the old one only loses its name" {
	t=$BATS_TEST_TMPDIR/t
	cp -a "$SRC" "$t"
	"$MKFS" --quiet -T 1 -U clear "$IMG" "$t"
	old=$(sha256sum <"$IMG")
	ino=$(stat -c %i "$IMG")
	# a second name of the old image sees it unchanged: nothing is
	# written into it, and its data outlives the rebuild there
	ln "$IMG" "$BATS_TEST_TMPDIR/old"
	echo "new file" >"$t/files/added"
	"$MKFS" --quiet -T 1 -U clear "$BATS_TEST_TMPDIR/ref" "$t"
	(umask 027 && "$MKFS" --quiet -T 1 -U clear "$IMG" "$t")
	cmp "$IMG" "$BATS_TEST_TMPDIR/ref"
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/old")" = "$old" ]
	[ "$(stat -c %i "$IMG")" != "$ino" ]
	[ "$(stat -c '%a %h' "$IMG")" = "640 1" ]
	[ "$(ls -A "$OUT")" = img ]
	run "$FSCK" --compare="$t" -T 1 "$IMG"
	echo "$output"
	[ "$status" = 0 ]
}

@test "errors: DEST a symlink is replaced by the image, its target untouched" {
	echo target >"$BATS_TEST_TMPDIR/target"
	ln -s "$BATS_TEST_TMPDIR/target" "$IMG"
	run "$MKFS" --quiet "$IMG" "$SRC"
	[ "$status" = 0 ]
	[ ! -L "$IMG" ] && [ "$(blkid -o value -s TYPE "$IMG")" = erofs ]
	[ "$(cat "$BATS_TEST_TMPDIR/target")" = target ]
	[ "$(ls -A "$OUT")" = img ]
}

@test "errors: a fault past the last write does not fail (injection is real)" {
	EROFS_FAULT=write:100000:EIO run "$MKFS" --quiet "$IMG" "$SRC"
	[ "$status" = 0 ]
	[ -s "$IMG" ]
}

@test "errors: a successful build replaces an existing DEST" {
	echo old >"$IMG"
	run "$MKFS" --quiet "$IMG" "$SRC"
	[ "$status" = 0 ]
	[ "$(blkid -o value -s TYPE "$IMG")" = erofs ]
	[ "$(ls -A "$OUT")" = img ]
}

@test "errors: DEST inside SOURCE is not packed into itself" {
	require_erofs_mount
	t=$BATS_TEST_TMPDIR/t
	cp -a "$SRC" "$t"
	run "$MKFS" --quiet "$t/self.img" "$t"
	echo "$output"
	[ "$status" = 0 ]
	mount_image "$t/self.img" "$BATS_TEST_TMPDIR/mnt"
	[ ! -e "$BATS_TEST_TMPDIR/mnt/self.img" ]
	# nor a temporary file, nor anything else new
	treecmp_ok --no-dir-mtime --skip self.img "$t" "$BATS_TEST_TMPDIR/mnt"
	umount_image "$BATS_TEST_TMPDIR/mnt"
	# again, now that DEST exists in SOURCE before the build, and deeper
	run "$MKFS" --quiet "$t/self.img" "$t"
	[ "$status" = 0 ]
	mount_image "$t/self.img" "$BATS_TEST_TMPDIR/mnt"
	[ ! -e "$BATS_TEST_TMPDIR/mnt/self.img" ]
	treecmp_ok --no-dir-mtime --skip self.img "$t" "$BATS_TEST_TMPDIR/mnt"
	umount_image "$BATS_TEST_TMPDIR/mnt"
	run "$MKFS" --quiet "$t/sub/inner/deep.img" "$t"
	[ "$status" = 0 ]
	mount_image "$t/sub/inner/deep.img" "$BATS_TEST_TMPDIR/mnt"
	[ ! -e "$BATS_TEST_TMPDIR/mnt/sub/inner/deep.img" ]
	[ -f "$BATS_TEST_TMPDIR/mnt/sub/inner/x" ]
}

# fault_sweep OP ERR REASON [MKFS OPTIONS...]: fail the 1st, 2nd, ... OP of
# a build until the build gets through, one build per position; every
# failure must keep the contract (exit status 1, one stderr line
# "mkfs.erofs: DEST...: REASON", no signal, nothing at DEST or beside it),
# and the final build must be sound.  Each check returns by itself, so none
# depends on the caller's errexit.
fault_sweep() {
	local op=$1 err=$2 reason=$3 n rc spec errf=$BATS_TEST_TMPDIR/sweep.err
	shift 3
	for ((n = 1; n <= 1000; n++)); do
		spec=$op:$n:$err
		rm -f "$IMG"
		rc=0
		EROFS_FAULT=$spec "$MKFS" --quiet "$@" "$IMG" "$SRC" 2>"$errf" || rc=$?
		[ $rc != 0 ] || break
		if [ $rc -ge 128 ]; then
			fail "$spec $*: died from signal $((rc - 128))"
			return 1
		fi
		if [ $rc != 1 ]; then
			fail "$spec $*: exit $rc, expected 1: $(cat "$errf")"
			return 1
		fi
		if [ "$(wc -l <"$errf")" != 1 ]; then
			fail "$spec $*: expected one stderr line, got: $(cat "$errf")"
			return 1
		fi
		if [[ $(cat "$errf") != "mkfs.erofs: $IMG"*": $reason" ]]; then
			fail "$spec $*: expected 'mkfs.erofs: $IMG...: $reason', got: $(cat "$errf")"
			return 1
		fi
		if [ -n "$(ls -A "$OUT")" ]; then
			fail "$spec $*: left $(ls -A "$OUT")"
			return 1
		fi
	done
	if [ $n -gt 1000 ]; then
		fail "$op:$err $*: still failing after 1000 faults"
		return 1
	fi
	# a build need not read its image back: a read sweep may find nothing
	if [ $n = 1 ] && [ "$op" != read ]; then
		fail "$op:1:$err $*: injection did not fail"
		return 1
	fi
	echo "# $op:$err $*: $((n - 1)) failure points" >&3
	if ! "$FSCK" "$IMG" >/dev/null; then
		fail "$op:$err $*: the build after the sweep is not clean"
		return 1
	fi
}

@test "errors: every write position of a plain build fails cleanly (EIO, ENOSPC, short)" {
	fault_sweep write EIO "Input/output error"
	fault_sweep write ENOSPC "No space left on device"
	fault_sweep write short "No space left on device"
}

@test "errors: fault sweep, every write of compressed builds" {
	fault_sweep write EIO "Input/output error" -z lz4 --workers=2
	fault_sweep write ENOSPC "No space left on device" -z lz4hc -E legacy-compress
	fault_sweep write short "No space left on device" -z lz4hc -C 16384 -E ztailpacking
	fault_sweep write EIO "Input/output error" -z lz4 -b 512 -x 0
}

@test "errors: fault sweep, every truncate, sync and read" {
	for z in "" "-z lz4"; do
		# shellcheck disable=SC2086
		fault_sweep truncate EIO "Input/output error" $z
		# shellcheck disable=SC2086
		fault_sweep sync EIO "Input/output error" --fsync $z
		# shellcheck disable=SC2086
		fault_sweep read EIO "Input/output error" $z
	done
}

@test "errors: fault sweep keeps an existing DEST byte for byte" {
	local n sum rc
	"$MKFS" --quiet -T 1 -U clear "$IMG" "$SRC"
	sum=$(sha256sum <"$IMG")
	for ((n = 1; n <= 1000; n++)); do
		rc=0
		EROFS_FAULT=write:$n:ENOSPC "$MKFS" --quiet -z lz4 "$IMG" "$SRC" \
			2>"$BATS_TEST_TMPDIR/err" || rc=$?
		[ $rc != 0 ] || break
		[ $rc -lt 128 ] || fail "write:$n: died from signal $((rc - 128))"
		[ "$(wc -l <"$BATS_TEST_TMPDIR/err")" = 1 ] &&
			grep -q "^mkfs.erofs: $IMG.*: No space left on device$" "$BATS_TEST_TMPDIR/err" ||
			fail "write:$n: $(cat "$BATS_TEST_TMPDIR/err")"
		[ "$(sha256sum <"$IMG")" = "$sum" ] || fail "write:$n changed DEST"
		[ "$(ls -A "$OUT")" = img ] || fail "write:$n left $(ls -A "$OUT")"
	done
	[ $n -gt 2 ] || fail "only $((n - 1)) write faults failed the build"
	[ $n -le 1000 ]
	[ "$(sha256sum <"$IMG")" != "$sum" ]	# the good build did replace it
}
