#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The command lines the image builders that call mkfs.erofs write, each as
# its caller writes it (the source is named above each test), built from a
# small tree, then read back by the kernel (or fsck where the kernel cannot
# mount the block size) and compared entry by entry with what the caller
# expects.

load helpers/common

setup_file() {
	export SRC="$BATS_FILE_TMPDIR/src"
	mkdir -p "$SRC/bin" "$SRC/etc" "$SRC/var/cache/pkg" "$SRC/lib"
	seq 1 40000 >"$SRC/lib/libtext.so"
	head -c 70000 /dev/urandom >"$SRC/bin/app"
	printf '#!/bin/sh\necho hi\n' >"$SRC/bin/sh"
	echo conf >"$SRC/etc/a.conf"
	: >"$SRC/etc/empty"
	echo cached >"$SRC/var/cache/pkg/blob"
	ln "$SRC/lib/libtext.so" "$SRC/lib/libtext.so.1"
	ln -s sh "$SRC/bin/ash"
	chmod 0755 "$SRC/bin/sh" "$SRC/bin/app"
	touch -d @1600000000 "$SRC"/bin/* "$SRC"/etc/* "$SRC"/lib/* "$SRC"/var/cache/pkg/*
}

setup() {
	require_mkfs
	IMG=$BATS_TEST_TMPDIR/img
	MNT=$BATS_TEST_TMPDIR/mnt
}

# run_caller ARGS...: mkfs.erofs as the caller runs it.
run_caller() {
	run "$MKFS" "$@"
	[ "$status" = 0 ] || fail "mkfs.erofs $* -> exit $status: $output"
}

# The kernel's view equals the source, treecmp's options given.
kernel_matches() {
	local opts=("$@")

	require_erofs_mount
	mount_image "$IMG" "$MNT"
	treecmp_ok "${opts[@]}" "$SRC" "$MNT"
}

# AOSP build/make/tools/releasetools/build_image.py, BuildImageMkfs(), the
# "erofs" branch: -z, --compress-hints, -b erofs_blocksize, --mount-point
# (a partition name such as "system", no slash), --product-out,
# --fs-config-file, --file-contexts, -T, -U, --block-list-file, -C, then
# RunErofsFsck(): fsck.erofs --extract IMG.
aosp_build() {
	local b=$1 d=$BATS_TEST_TMPDIR
	cat >"$d/fs_config" <<-'EOF'
	 0 0 755
	system 0 0 755 selabel=u:object_r:system_file:s0 capabilities=0x0
	system/bin 0 2000 751
	system/bin/app 1000 1000 750 capabilities=0x1000001000
	system/bin/ash 0 2000 777
	system/bin/sh 0 2000 755
	system/etc 0 0 755
	system/etc/a.conf 0 0 644
	system/etc/empty 0 0 600
	system/lib 0 0 755
	system/lib/libtext.so 0 0 644
	system/lib/libtext.so.1 0 0 644
	system/var 0 0 755
	system/var/cache 0 0 755
	system/var/cache/pkg 1000 1000 700
	system/var/cache/pkg/blob 1000 1000 600
	system/bin/sh 0 2000 700
	EOF
	cat >"$d/file_contexts" <<-'EOF'
	/system(/.*)?		u:object_r:system_file:s0
	/system/bin/app		u:object_r:app_exec:s0
	EOF
	printf '0 .*\\.conf$\n0 ^lib/libtext\\.so$\n' >"$d/hints"
	run_caller -z lz4hc,9 --compress-hints "$d/hints" -b "$b" \
		--mount-point system --product-out "$d" \
		--fs-config-file "$d/fs_config" --file-contexts "$d/file_contexts" \
		-T 1230768000 -U 0123abcd-4567-89ab-cdef-0123456789ab \
		--block-list-file "$d/block_list" -C 65536 -E legacy-compress \
		"$IMG" "$SRC"
	run "$FSCK" --extract "$IMG"
	[ "$status" = 0 ] || fail "fsck.erofs --extract: exit $status: $output"
}

# what the fs_config file above says, the later line for bin/sh winning
aosp_expect() {
	local root=$1
	[ "$(stat -c '%u %g %a' "$root/bin/sh")" = "0 2000 700" ]
	[ "$(stat -c '%u %g %a' "$root/bin")" = "0 2000 751" ]
	[ "$(stat -c '%u %g %a' "$root/bin/app")" = "1000 1000 750" ]
	[ "$(stat -c '%u %g %a' "$root/var/cache/pkg")" = "1000 1000 700" ]
	[ "$(stat -c '%u %g %a' "$root")" = "0 0 755" ]
	[ "$(stat -c '%h' "$root/lib/libtext.so.1")" = 2 ]
}

@test "callers: AOSP build_image.py (-b 4096, fs_config, file_contexts, block list) and fsck --extract" {
	require_root "for ownership and security.* attributes"
	aosp_build 4096
	require_erofs_mount
	mount_image "$IMG" "$MNT"
	aosp_expect "$MNT"
	# -T: every mtime is the build time, as with erofs-utils
	[ "$(find "$MNT" ! -newermt @1230767999 -o -newermt @1230768000 | wc -l)" = 0 ]
	treecmp_ok --no-mtime --no-owner --no-xattr --skip bin/sh --skip bin --skip bin/app \
		--skip var/cache/pkg --skip var/cache/pkg/blob --skip etc/empty --skip lib/libtext.so \
		--skip lib/libtext.so.1 --skip etc/a.conf --skip . "$SRC" "$MNT"
	cmp "$SRC/bin/app" "$MNT/bin/app"
	# --compress-hints size 0: stored flat, however well it compresses
	run "$DUMP" --path=/lib/libtext.so "$IMG"
	[[ $output == *"Layout:                 flat"* ]] || fail "hinted 0 but: $output"
	# security.capability as vfs_cap_data revision 2: permitted 0x1000001000, effective
	[ "$(getfattr --only-values -e hex -n security.capability "$MNT/bin/app" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = \
		"0100000200100000000000001000000000000000" ]
	[ "$(getfattr --only-values -n security.selinux "$MNT/bin/app" | tr -d '\0')" = u:object_r:app_exec:s0 ]
	[ "$(getfattr --only-values -n security.selinux "$MNT/etc/a.conf" | tr -d '\0')" = u:object_r:system_file:s0 ]
	[ "$(getfattr --only-values -n security.selinux "$MNT" | tr -d '\0')" = u:object_r:system_file:s0 ]
	# the block list: every regular file with blocks, named under the mount
	# point; the blocks of the flat (hinted: 0) file hold its bytes
	# bin/app (random bytes, stored flat): its run holds its first blocks
	run=$(sed -n 's|^/system/bin/app \([0-9]*\)-\([0-9]*\) .*|\1 \2|p' "$BATS_TEST_TMPDIR/block_list")
	[ -n "$run" ] || fail "no run for bin/app: $(cat "$BATS_TEST_TMPDIR/block_list")"
	set -- $run
	n=$(($2 - $1 + 1))
	cmp <(dd if="$IMG" bs=4096 skip="$1" count="$n" 2>/dev/null) <(head -c $((n * 4096)) "$SRC/bin/app")
	! grep -q '^/system/etc/empty' "$BATS_TEST_TMPDIR/block_list"
	line=$(grep '^/system/etc/a.conf ' "$BATS_TEST_TMPDIR/block_list")
	blk=${line##* }
	[ "$(dd if="$IMG" bs=4096 skip="$blk" count=1 2>/dev/null | grep -c '^conf$')" = 1 ]
}

@test "callers: AOSP with -b 16384: fsck extracts it; the kernel mounts it only with 16 KiB pages" {
	require_root "for ownership and security.* attributes"
	aosp_build 16384
	run "$DUMP" -s "$IMG"
	[[ $output == *$'\n'"Filesystem blocksize:                         16384"$'\n'* ]]
	rm -rf "$BATS_TEST_TMPDIR/x"
	"$FSCK" --extract="$BATS_TEST_TMPDIR/x" "$IMG"
	aosp_expect "$BATS_TEST_TMPDIR/x"
	cmp "$SRC/lib/libtext.so" "$BATS_TEST_TMPDIR/x/lib/libtext.so"
	require_erofs_mount
	if [ "$(getconf PAGESIZE)" -lt 16384 ]; then
		mkdir -p "$MNT"
		run mount -t erofs -o loop,ro "$IMG" "$MNT"
		[ "$status" != 0 ] || { umount "$MNT"; fail "a $(getconf PAGESIZE)-byte page kernel mounted 16 KiB blocks"; }
		dmesg | tail -n 5 | grep -q "blkszbits 14 isn't supported" ||
			fail "no dmesg reason for the refusal: $(dmesg | tail -n 3)"
		# the refusal, with the kernel's reason, is this host's outcome
		return 0
	fi
	mount_image "$IMG" "$MNT"
	aosp_expect "$MNT"
}

# systemd src/shared/mkfs-util.c make_filesystem(), the "erofs" branch:
# mkfs.erofs -U UUID NODE ROOT [--quiet] (options after the operands);
# systemd-repart Format=erofs and mkosi's repart definitions use it.
@test "callers: systemd-repart / mkosi: -U UUID NODE ROOT --quiet" {
	u=6e4f6bb8-4b2c-4f79-9d4a-8e9d2fb06f3c
	run_caller -U $u "$IMG" "$SRC" --quiet
	[ -z "$output" ]
	[ "$(blkid -o value -s UUID "$IMG")" = $u ]
	[ "$(blkid -o value -s TYPE "$IMG")" = erofs ]
	kernel_matches
}

# kiwi kiwi/filesystem/erofs.py FileSystemEroFs.create_on_file():
# mkfs.erofs [create_options] -z COMPRESSION -L LABEL --exclude-regex=^GLOB$
# FILE ROOT/ (the root directory with a trailing slash)
@test "callers: kiwi: -z lz4hc -L label --exclude-regex=^var/cache/.*\$ IMG ROOT/" {
	run_caller -z lz4hc -L ROOT '--exclude-regex=^var/cache/.*$' "$IMG" "$SRC/"
	[ "$(blkid -o value -s LABEL "$IMG")" = ROOT ]
	require_erofs_mount
	mount_image "$IMG" "$MNT"
	[ -d "$MNT/var/cache" ] && [ ! -e "$MNT/var/cache/pkg" ]
	treecmp_ok --skip var/cache/pkg --skip var/cache/pkg/blob --skip var/cache "$SRC" "$MNT"
}

# lorax src/pylorax/imgutils.py mkerofs() with src/pylorax/__init__.py's
# defaults: mkfs.erofs OUT ROOT -z zstd,8 -Ededupe,all-fragments -C 65536
@test "callers: lorax: OUT ROOT -z zstd,8 -Ededupe,all-fragments -C 65536" {
	"$MKFS" --help | grep -qw zstd || skip "this build has no zstd"
	run_caller "$IMG" "$SRC" -z zstd,8 -Ededupe,all-fragments -C 65536
	kernel_matches
}

# Buildroot fs/erofs/erofs.mk with BR2_REPRODUCIBLE, lz4hc level 9, a
# 64 KiB pcluster and ztailpacking: the same bytes on every build.
@test "callers: Buildroot: -zlz4hc,9 -T EPOCH -U 0...0 -C65536 -Eztailpacking, reproducible" {
	args=(-zlz4hc,9 -T 1600000000 -U 00000000-0000-0000-0000-000000000000 -C65536 -Eztailpacking)
	run_caller "${args[@]}" "$IMG" "$SRC"
	run_caller "${args[@]}" "$IMG.2" "$SRC"
	cmp "$IMG" "$IMG.2"
	kernel_matches --no-mtime
	[ "$(stat -c %Y "$MNT/bin/app")" = 1600000000 ]
}

# Kata Containers tools/osbuilder/image-builder/image_builder.sh:
# mkfs.erofs -zlz4hc -Enoinline_data IMG DIR; kata-deploy configures
# containerd's EROFS differ with --mkfs-time and --sort=none
# (tools/packaging/kata-deploy/binary/src/main.rs).
@test "callers: Kata: --mkfs-time --sort=none, then -zlz4hc -Enoinline_data" {
	# --mkfs-time: -T is the build time only, files keep their mtimes
	run_caller --mkfs-time --sort=none -T 0 "$IMG" "$SRC"
	kernel_matches
	umount_image "$MNT"
	run_caller -zlz4hc -Enoinline_data "$IMG" "$SRC"
	kernel_matches
}

# NixOS's store image for VMs (nixos/modules/virtualisation, the store
# image script): tar ... | mkfs.erofs --quiet --force-uid=0 --force-gid=0
# -L nix-store -U eb176051-bd15-49b7-9e6b-462e0b467019 -T 0
# --hard-dereference --tar=f IMG.  Hardlinks become inodes of their own.
@test "callers: NixOS: tar | --force-uid=0 --force-gid=0 -L -U -T 0 --hard-dereference --tar=f" {
	tar -C "$SRC" -c . |
		"$MKFS" --quiet --force-uid=0 --force-gid=0 -L nix-store \
			-U eb176051-bd15-49b7-9e6b-462e0b467019 -T 0 \
			--hard-dereference --tar=f "$IMG"
	[ "$(blkid -o value -s LABEL "$IMG")" = nix-store ]
	require_erofs_mount
	mount_image "$IMG" "$MNT"
	[ "$(stat -c %h "$MNT/lib/libtext.so")" = 1 ]
	[ "$(stat -c %h "$MNT/lib/libtext.so.1")" = 1 ]
	[ "$(stat -c %i "$MNT/lib/libtext.so")" != "$(stat -c %i "$MNT/lib/libtext.so.1")" ]
	cmp "$SRC/lib/libtext.so" "$MNT/lib/libtext.so.1"
	[ "$(find "$MNT" ! -uid 0 | wc -l)" = 0 ]
	treecmp_ok --no-owner --no-mtime --skip lib/libtext.so --skip lib/libtext.so.1 "$SRC" "$MNT"
}
