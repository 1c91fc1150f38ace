#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# mkfs.erofs as containerd's EROFS differ and snapshotter run it
# (containerd/containerd, internal/erofsutils/mount.go):
#   SupportGenerateFromTar:  mkfs.erofs --help, which must say "--tar="
#   ConvertTarErofs:         mkfs.erofs --tar=f --aufs --quiet -Enoinline_data
#                            [-b4096 -T0 --mkfs-time] -U UUID LAYER < layer.tar
#   GenerateTarIndexAndAppendTar:
#                            mkfs.erofs --tar=i --aufs --quiet [-b4096 ...]
#                            -U UUID LAYER < layer.tar, then the tar appended
#                            to LAYER
#   ConvertErofs:            mkfs.erofs --quiet -Enoinline_data LAYER DIR
#                            (DIR: a snapshot's overlayfs upper directory)
# (-b4096 from AddDefaultMkfsOpts, -T0 --mkfs-time from
# docs/snapshotters/erofs.md).  The snapshotter mounts each layer with
# "ro,loop" (plugins/snapshots/erofs/erofs.go) and stacks them with
# overlayfs: the merged tree must be what applying the tarballs in order
# gives.

load helpers/common

LAYERS="$BATS_TEST_DIRNAME/helpers/layers.py"
UUID=6ba7b810-9dad-11d1-80b4-00c04fd430c8

setup_file() {
	command -v python3 >/dev/null || return 0
	export L="$BATS_FILE_TMPDIR"
	python3 "$LAYERS" make "$L"
	python3 "$LAYERS" apply "$L/expect" "$L/l1.tar" "$L/l2.tar" "$L/l3.tar"
	# the root no layer names: what mkfs.erofs gives it with -T0
	chmod 0755 "$L/expect"
	touch -d @0 "$L/expect"
}

setup() {
	common_setup
	command -v python3 >/dev/null || skip "needs python3"
	require_mkfs
	T=$BATS_TEST_TMPDIR
}

# containerd_tar_f TAR IMG [OPTS...]: ConvertTarErofs, the tar on stdin
containerd_tar_f() {
	local tar=$1 img=$2
	shift 2
	"$MKFS" --tar=f --aufs --quiet -Enoinline_data -b4096 -T0 --mkfs-time \
		"$@" -U "$UUID" "$img" <"$tar" ||
		fail "mkfs.erofs --tar=f --aufs $* < $tar failed"
}

# containerd_tar_i TAR IMG: GenerateTarIndexAndAppendTar, the tar piped in
containerd_tar_i() {
	cat "$1" | "$MKFS" --tar=i --aufs --quiet -b4096 -T0 --mkfs-time \
		-U "$UUID" "$2" || fail "mkfs.erofs --tar=i --aufs < $1 failed"
	cat "$1" >>"$2"
}

# overlay LOWER... : mount them as overlayfs lower layers (first = top)
overlay() {
	local lower
	lower=$(IFS=:; echo "$*")
	mkdir -p "$T/merged"
	mount -t overlay overlay -o "lowerdir=$lower" "$T/merged" ||
		fail "mount -t overlay -o lowerdir=$lower failed: $(dmesg | tail -3)"
	printf '%s\n' "$T/merged" >>"$(_mount_list)"
}

# stack IMG1 IMG2 IMG3: mount the layers, merge them, compare with expect
stack() {
	local i=3 img
	for img in "$3" "$2" "$1"; do
		mount_image "$img" "$T/m$i" || fail "layer $img does not mount"
		i=$((i - 1))
	done
	overlay "$T/m3" "$T/m2" "$T/m1"
	# overlayfs counts no links of merged directories
	treecmp_ok --no-nlink "$L/expect" "$T/merged"
}

# layout IMG PATH: the data layout dump.erofs shows for PATH
layout() {
	"$DUMP" --path="$2" "$1" 2>/dev/null | sed -n 's/^Layout: *//p'
}

@test "containerd: the --help probe for tar mode finds --tar=" {
	# SupportGenerateFromTar: bytes.Contains(output, []byte("--tar="))
	run bash -c "'$MKFS' --help 2>&1 | grep -c -- --tar="
	[ "$status" = 0 ] || fail "--help does not contain --tar=: containerd disables its differ"
	run "$MKFS" --help
	[[ $output == *"--aufs"* && $output == *"--tar=i"* && $output == *"--ovlfs-strip"* ]]
}

@test "containerd: --tar=f --aufs layers from stdin stack in overlayfs as the tarballs apply" {
	require_erofs_mount
	for i in 1 2 3; do
		containerd_tar_f "$L/l$i.tar" "$T/l$i.img"
	done
	# layer 2 alone: overlayfs's whiteouts and opaque mark, and the origin
	# mark on a directory with whiteouts, so overlayfs never lists it raw
	mount_image "$T/l2.img" "$T/alone"
	[ "$(stat -c '%F %t:%T %a' "$T/alone/etc/removed")" = "character special file 0:0 0" ]
	[ "$(stat -c '%F %t:%T' "$T/alone/var/log")" = "character special file 0:0" ]
	[ "$(getfattr --only-values -n trusted.overlay.opaque "$T/alone/opt/app")" = y ]
	getfattr -n trusted.overlay.origin "$T/alone/srv" >/dev/null ||
		fail "srv holds a whiteout but has no trusted.overlay.origin"
	[ ! -e "$T/alone/opt/app/.wh..wh..opq" ]
	[ ! -e "$T/alone/etc/.wh.removed" ]
	umount_image "$T/alone"
	stack "$T/l1.img" "$T/l2.img" "$T/l3.img"
	"$FSCK" "$T/l2.img" >/dev/null || fail "our fsck refuses layer 2"
}

@test "containerd: -Enoinline_data leaves no file tail inline, and the layer mounts the same" {
	require_erofs_mount
	containerd_tar_f "$L/l1.tar" "$T/flat.img"
	"$MKFS" --tar=f --aufs --quiet -b4096 -T0 --mkfs-time -U "$UUID" \
		"$T/inline.img" <"$L/l1.tar"
	local f n=0
	for f in etc/hostname etc/config usr/bin/tool var/log/messages home/user/.profile; do
		[ "$(layout "$T/flat.img" "/$f")" = "flat-plain (0)" ] ||
			fail "/$f: $(layout "$T/flat.img" "/$f") with -Enoinline_data"
		[ "$(layout "$T/inline.img" "/$f")" = "flat-inline (2)" ] && n=$((n + 1))
	done
	# without the option these tails do go inline: the check above can see it
	[ $n = 5 ] || fail "only $n of 5 tails inline without -Enoinline_data"
	# directories and symlinks keep theirs, as with erofs-utils
	[ "$(layout "$T/flat.img" /etc)" = "flat-inline (2)" ]
	mount_image "$T/flat.img" "$T/a"
	mount_image "$T/inline.img" "$T/b"
	treecmp_ok "$T/b" "$T/a"
}

@test "containerd: --tar=i index layers, the tar appended, stack the same and read the tar as device 1" {
	require_erofs_mount
	local i size blocks
	for i in 1 2 3; do
		containerd_tar_i "$L/l$i.tar" "$T/i$i.img"
	done
	# what the index says: 512-byte blocks (whatever -b), one device, the
	# tar up to its end-of-archive blocks, mapped right after the index
	size=$(($(stat -c %s "$T/i2.img") - $(stat -c %s "$L/l2.tar")))
	run "$DUMP" -s "$T/i2.img"
	echo "$output"
	[[ $output == *"Filesystem blocksize:                         512"* ]]
	blocks=$(sed -n 's/^Filesystem blocks: *//p' <<<"$output")
	[ $((blocks * 512)) = "$size" ]
	[[ $output == *"Filesystem device 1"*" tag \"\" blocks "*" mapped_blkaddr $blocks"* ]]
	[[ $output == *device_table* ]]
	run "$DUMP" -e --path=/opt/app/new "$T/i2.img"
	echo "$output"
	[[ $output == *"mapped,device 1"* ]] || fail "file data is not on device 1"
	[ "$(layout "$T/i2.img" /opt/app/new)" = "chunk-based (4)" ]
	stack "$T/i1.img" "$T/i2.img" "$T/i3.img"
	# our fsck reads the appended tar as device 1, and the tar given apart
	run "$FSCK" "$T/i2.img"
	[ "$status" = 0 ] || fail "$output"
	head -c "$size" "$T/i2.img" >"$T/bare.img"
	run "$FSCK" --device="$L/l2.tar" --extract="$T/out" --xattrs "$T/bare.img"
	[ "$status" = 0 ] || fail "$output"
	treecmp_ok "$T/m2" "$T/out"
}

@test "containerd: --ovlfs-strip drops the --aufs whiteouts and every opaque mark; =0 keeps them" {
	require_erofs_mount
	containerd_tar_f "$L/l2.tar" "$T/strip.img" --ovlfs-strip
	containerd_tar_f "$L/l2.tar" "$T/keep.img" --ovlfs-strip=0
	mount_image "$T/strip.img" "$T/s"
	mount_image "$T/keep.img" "$T/k"
	[ ! -e "$T/s/etc/removed" ] && [ ! -e "$T/s/var/log" ] && [ ! -e "$T/s/srv/never-was" ]
	[ -z "$(getfattr -R -d -m '^trusted\.overlay\.' "$T/s" 2>/dev/null)" ] ||
		fail "overlay xattrs left: $(getfattr -R -d -m '^trusted\.overlay\.' "$T/s")"
	[ "$(getfattr --only-values -n trusted.overlay.opaque "$T/k/opt/app")" = y ]
	[ -c "$T/k/etc/removed" ]
	# nothing else changes
	treecmp_ok --skip etc/removed --skip var/log --skip srv/never-was \
		--no-xattr --no-dir-mtime "$T/k" "$T/s"
}

@test "containerd: our layers match erofs-utils 1.9.3's entry by entry, and its fsck takes them" {
	require_eu19
	require_erofs_mount
	local i mode diff
	for i in 1 2 3; do
		for mode in "--tar=f --aufs -Enoinline_data" "--tar=i --aufs" \
			    "--tar=f --aufs --ovlfs-strip"; do
			rm -f "$T/o.img" "$T/e.img"
			"$MKFS" $mode --quiet -T0 --mkfs-time -U "$UUID" "$T/o.img" <"$L/l$i.tar"
			"$EU19_MKFS" $mode --quiet -T0 --mkfs-time -U "$UUID" "$T/e.img" <"$L/l$i.tar"
			if [[ $mode == *tar=i* ]]; then
				"$EU19_FSCK" --device="$L/l$i.tar" --extract="$T/x$i" "$T/o.img" ||
					fail "fsck.erofs 1.9.3 --device refuses our index of layer $i"
				cat "$L/l$i.tar" >>"$T/o.img"
				cat "$L/l$i.tar" >>"$T/e.img"
			else
				"$EU19_FSCK" "$T/o.img" || fail "fsck.erofs 1.9.3 refuses layer $i ($mode)"
			fi
			mount_image "$T/o.img" "$T/o"
			mount_image "$T/e.img" "$T/e"
			# erofs-utils gives a root no entry names mode 0777, we 0755
			diff=$("$TREECMP" "$T/e" "$T/o" 2>&1 | grep -vx '\.: mode: 0777 vs 0755' || true)
			umount_image "$T/o"
			umount_image "$T/e"
			[ -z "$diff" ] || fail "layer $i, $mode: $diff"
		done
	done
}

# upper_dir DIR: an overlayfs upper directory as containerd converts it:
# a whiteout in a directory the lower layer has (d), one in a directory
# only this layer has (only), and a directory without whiteouts (e)
upper_dir() {
	mkdir -p "$1/d" "$1/only" "$1/e"
	mknod "$1/d/gone" c 0 0
	mknod "$1/only/ghost" c 0 0
	echo real >"$1/only/real"
	echo new >"$1/e/f"
	touch -d @0 "$1" "$1"/*
}

# xattrs_of DIR: every entry's xattrs, as text, sorted by path
xattrs_of() {
	(cd "$1" && getfattr -R -d -m - -h -e hex . 2>/dev/null) |
		awk '/^# file: /{ f = substr($0, 9); next } NF { print f "\t" $0 }' |
		LC_ALL=C sort
}

@test "containerd: ConvertErofs marks a directory with a whiteout, so overlayfs hides it over one lower layer" {
	require_erofs_mount
	command -v getfattr >/dev/null || skip "needs getfattr (attr)"
	upper_dir "$T/up"
	mkdir -p "$T/low/d"
	echo gone >"$T/low/d/gone"
	echo kept >"$T/low/d/kept"
	# ConvertErofs, exactly
	"$MKFS" --quiet -Enoinline_data "$T/layer.img" "$T/up" ||
		fail "mkfs.erofs --quiet -Enoinline_data failed"
	mount_image "$T/layer.img" "$T/m"
	[ "$(xattrs_of "$T/m")" = "$(printf 'd\ttrusted.overlay.origin=0x\nonly\ttrusted.overlay.origin=0x')" ] ||
		fail "origin marks: $(xattrs_of "$T/m")"
	[ "$(stat -c '%F %t:%T' "$T/m/only/ghost")" = "character special file 0:0" ]
	# only/ is in this layer alone: without the mark overlayfs would list
	# its whiteout ("c?????????" in ls -l); d/gone hides the lower file
	overlay "$T/m" "$T/low"
	mkdir -p "$T/want/d" "$T/want/only" "$T/want/e"
	echo kept >"$T/want/d/kept"
	echo real >"$T/want/only/real"
	echo new >"$T/want/e/f"
	[ "$(ls -A "$T/merged/only")" = real ] || fail "only/: $(ls -A "$T/merged/only")"
	[ "$(ls -A "$T/merged/d")" = kept ] || fail "d/: $(ls -A "$T/merged/d")"
	treecmp_ok --no-nlink --no-mtime --no-xattr "$T/want" "$T/merged"
	# fsck --compare expects the mark by mkfs's rule; a tarball of the same
	# tree (raw 0:0 entries get no mark, as with erofs-utils) lacks it
	run "$FSCK" --compare="$T/up" "$T/layer.img"
	[ "$status" = 0 ] || fail "$output"
	tar -C "$T/up" -cf "$T/up.tar" .
	"$MKFS" --quiet --tar=f "$T/tar.img" "$T/up.tar"
	run "$FSCK" --compare="$T/up" "$T/tar.img"
	echo "$output"
	[ "$status" = 4 ]
	[[ $output == *"/only: xattr: trusted.overlay.origin: not in the image"* ]]
	[[ $output == *"/d: xattr: trusted.overlay.origin: not in the image"* ]]
	[[ $output != *"/e: xattr"* ]]
	if [ -x "$EU19_MKFS" ]; then
		"$EU19_MKFS" --quiet -Enoinline_data "$T/eu.img" "$T/up"
		mount_image "$T/eu.img" "$T/eu"
		[ "$(xattrs_of "$T/eu")" = "$(xattrs_of "$T/m")" ] ||
			fail "erofs-utils 1.9.3 marks: $(xattrs_of "$T/eu")"
	fi
}

@test "containerd: --tar=headerball, a stream of headers only, gives the tree with files of zeros" {
	require_erofs_mount
	# the headers of layer 1 without the files' bytes, as erofs-utils reads them
	python3 - "$L/l1.tar" "$T/hb.tar" <<'PY'
import sys, tarfile
with open(sys.argv[2], "wb") as out:
    for m in tarfile.open(sys.argv[1]).getmembers():
        out.write(m.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
PY
	[ "$(stat -c %s "$T/hb.tar")" -lt 20000 ] || fail "the headerball holds file data"
	python3 "$LAYERS" apply "$T/want" "$L/l1.tar"
	find "$T/want" -type f -exec truncate -s 0 {} + -o -true
	python3 - "$L/l1.tar" "$T/want" <<'PY'
import os, sys, tarfile
for m in tarfile.open(sys.argv[1]).getmembers():
    if m.isreg():
        p = os.path.join(sys.argv[2], m.name)
        os.truncate(p, m.size)
        os.utime(p, (m.mtime, m.mtime))
PY
	chmod 0755 "$T/want"
	touch -d @0 "$T/want"
	"$MKFS" --tar=headerball --quiet -T0 --mkfs-time "$T/hb.img" <"$T/hb.tar" ||
		fail "mkfs.erofs --tar=headerball failed"
	[ "$(layout "$T/hb.img" /usr/bin/tool)" = "chunk-based (4)" ]
	mount_image "$T/hb.img" "$T/hb"
	treecmp_ok "$T/want" "$T/hb"
	if [ -x "$EU19_MKFS" ]; then
		local diff
		"$EU19_MKFS" --tar=headerball --quiet -T0 --mkfs-time "$T/eu.img" <"$T/hb.tar"
		mount_image "$T/eu.img" "$T/eu"
		diff=$("$TREECMP" "$T/eu" "$T/hb" 2>&1 | grep -vx '\.: mode: 0777 vs 0755' || true)
		[ -z "$diff" ] || fail "erofs-utils 1.9.3 differs: $diff"
	fi
}

@test "containerd: --tar=i refuses compressed tars and sparse files; --aufs needs --tar; --ovlfs-strip takes 0 or 1" {
	gzip -c "$L/l1.tar" >"$T/l1.tar.gz"
	mkfs_must_fail "$T/x.img" --tar=i --quiet "$T/x.img" "$T/l1.tar.gz"
	[[ $mkfs_err == *"--tar=i needs an uncompressed tar: the image points into its bytes"* ]]
	mkdir "$T/sp"
	truncate -s 1M "$T/sp/hole"
	echo end >>"$T/sp/hole"
	tar --sparse -C "$T/sp" -cf "$T/sp.tar" .
	mkfs_must_fail "$T/x.img" --tar=i --quiet "$T/x.img" "$T/sp.tar"
	[ "$mkfs_err" = "mkfs.erofs: $T/sp.tar: ./hole: a sparse file cannot be indexed: its bytes are not one run in the archive (archive offset 512)" ]
	mkfs_must_fail_usage "$T/x.img" --aufs "$T/x.img" "$T"
	[[ $mkfs_err == *"--aufs and --ovlfs-strip need --tar"* ]]
	mkfs_must_fail_usage "$T/x.img" --tar --ovlfs-strip=2 "$T/x.img" "$L/l1.tar"
	[[ $mkfs_err == *"--ovlfs-strip=2: use 0 or 1"* ]]
}
