#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/boot-profile.sh: what mkfs.erofs --data-order saves on a cold read
# of a boot profile.
#
#   sudo bench/boot-profile.sh [TREE]
#
# Picks a profile of NFILES regular files of TREE (default: the bench
# corpus /var/tmp/erofs-bench/usr-880M, read only), scattered across it and
# of mixed sizes (by default a third each under 16 KiB, 16-256 KiB, over
# 256 KiB; MIX weighs the three classes), in a shuffled order,
# deterministic for SEED; builds TREE twice with the same MKFS_OPTS, without and with
# --data-order=PROFILE; then, RUNS times, alternating the two images:
# loop-mounts one (read only), drops the page cache (sync; echo 3 >
# /proc/sys/vm/drop_caches), reads the profile's files in profile order
# (xargs cat > /dev/null), and takes the wall time, the image's loop
# device's read I/Os and sectors from /sys/block/loopN/stat, and those of
# the disk the image lies on.  That disk is a scratch ext4 filesystem of
# its own on a second loop device (direct I/O onto a sparse file in
# WORK), so that its counters see this image's reads and nobody else's.
# The image's loop device reads the image file through the page cache,
# whose readahead is what a contiguous profile gains from: erofs reads
# each file on its own, so the image's loop device sees about as many
# requests either way, while the disk below sees fewer.  Prints every run
# and the medians.  Needs root, loop devices and the kernel's erofs.  Images
# and the profile go to WORK, removed at the end unless KEEP=1.
#
# Knobs (environment): MKFS (default: the build's mkfs/mkfs.erofs),
# MKFS_OPTS (default: none, flat files; e.g. "-zlz4hc"), NFILES (300),
# MIX (the weights of the three size classes, "1 1 1"; "3 1 0": no file
# over 256 KiB, three small ones for each medium one), RUNS (5), SEED (1),
# WORK (default /var/tmp/erofs-boot-profile.$$), WARM_META (1: after the
# cache is dropped, stat every profile file before the clock starts, so
# that the figures are those of the data alone: --data-order moves data,
# not inodes or directories).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
TREE=${1:-/var/tmp/erofs-bench/usr-880M}
MKFS=${MKFS:-$top/mkfs/mkfs.erofs}
MKFS_OPTS=${MKFS_OPTS:-}
NFILES=${NFILES:-300}
MIX=${MIX:-1 1 1}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
WORK=${WORK:-/var/tmp/erofs-boot-profile.$$}

die() { printf 'boot-profile.sh: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (loop mounts, drop_caches)"
[ -d "$TREE" ] || die "$TREE: not a directory"
[ -x "$MKFS" ] || die "$MKFS: not built"
grep -qw erofs /proc/filesystems || modprobe erofs 2>/dev/null ||
	die "the kernel has no erofs"

mkdir -p "$WORK/mnt" "$WORK/fs"
loop='' disk=''
cleanup() {
	mountpoint -q "$WORK/mnt" && umount "$WORK/mnt"
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	mountpoint -q "$WORK/fs" && umount "$WORK/fs"
	[ -n "$disk" ] && losetup -d "/dev/$disk" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

# the scratch disk: room for two flat images of TREE
tree_kb=$(du -sk "$TREE" | awk '{ print $1 }')
truncate -s "$((tree_kb * 5 / 2 + 262144))K" "$WORK/disk"
mkfs.ext4 -q -F "$WORK/disk"
disk=$(losetup -f --show --direct-io=on "$WORK/disk")
disk=${disk#/dev/}
mount "/dev/$disk" "$WORK/fs"

# A seeded byte stream for shuf, so the profile is the same every time.
seeded() { openssl enc -aes-128-ctr -pass "pass:$SEED" -nosalt -pbkdf2 \
	-in /dev/zero 2>/dev/null || yes "$SEED"; }

# The profile: each size class its share of NFILES, shuffled together.
(cd "$TREE" && find . -type f -printf '%s %P\n') | LC_ALL=C sort -k2 >"$WORK/files"
read -r w1 w2 w3 <<<"$MIX"
n1=$((NFILES * w1 / (w1 + w2 + w3)))
n2=$((NFILES * w2 / (w1 + w2 + w3)))
n3=$((NFILES - n1 - n2))
# pick N LO HI: N files of LO <= size < HI
pick() {
	awk -v lo="$2" -v hi="$3" '$1 >= lo && $1 < hi { sub(/^[0-9]+ /, ""); print }' \
		"$WORK/files" | shuf -n "$1" --random-source=<(seeded)
}
{
	pick "$n1" 0 16384
	pick "$n2" 16384 262144
	((n3 == 0)) || pick "$n3" 262144 1e18
} | shuf --random-source=<(seeded) >"$WORK/profile"
nprof=$(wc -l <"$WORK/profile")
bytes=$(cd "$TREE" && tr '\n' '\0' <"$WORK/profile" | xargs -0 stat -c %s | awk '{ s += $1 } END { print s }')
printf 'tree %s, profile of %d files, %d bytes, mkfs options "%s"%s\n' \
	"$TREE" "$nprof" "$bytes" "$MKFS_OPTS" \
	"$([ "${WARM_META:-0}" = 1 ] && echo ", metadata warm")"

# shellcheck disable=SC2086
"$MKFS" --quiet -T 0 -U clear $MKFS_OPTS "$WORK/fs/base.img" "$TREE"
# shellcheck disable=SC2086
"$MKFS" --quiet -T 0 -U clear $MKFS_OPTS --data-order="$WORK/profile" \
	"$WORK/fs/ordered.img" "$TREE"

# one IMG: a cold read of the profile; prints "ms read_ios sectors
# disk_read_ios disk_sectors"
one() {
	local s0 s1 d0 d1 t0 t1 dev
	loop=$(losetup -f --show -r "$WORK/fs/$1.img")
	dev=${loop#/dev/}
	mount -t erofs -o ro "$loop" "$WORK/mnt"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	if [ "${WARM_META:-0}" = 1 ]; then
		(cd "$WORK/mnt" && tr '\n' '\0' <"$WORK/profile" | xargs -0 stat >/dev/null)
	fi
	read -r -a s0 <"/sys/block/$dev/stat"
	read -r -a d0 <"/sys/block/$disk/stat"
	t0=$(date +%s%N)
	(cd "$WORK/mnt" && tr '\n' '\0' <"$WORK/profile" | xargs -0 cat >/dev/null)
	t1=$(date +%s%N)
	read -r -a s1 <"/sys/block/$dev/stat"
	read -r -a d1 <"/sys/block/$disk/stat"
	umount "$WORK/mnt"
	losetup -d "$loop"
	loop=
	echo "$(((t1 - t0) / 1000000)) $((s1[0] - s0[0])) $((s1[2] - s0[2]))" \
		"$((d1[0] - d0[0])) $((d1[2] - d0[2]))"
}

median() { LC_ALL=C sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$WORK/base.runs"
: >"$WORK/ordered.runs"
mib() { echo "$1 / 2048" | bc -l; }
printf '%-8s %3s %8s %9s %9s %9s %9s\n' image run ms img_ios img_MiB \
	disk_ios disk_MiB
for r in $(seq 1 "$RUNS"); do
	for img in base ordered; do
		res=$(one $img)
		echo "$res" >>"$WORK/$img.runs"
		read -r ms ios sec dios dsec <<<"$res"
		printf '%-8s %3d %8d %9d %9.1f %9d %9.1f\n' $img "$r" "$ms" "$ios" \
			"$(mib "$sec")" "$dios" "$(mib "$dsec")"
	done
done
echo "medians of $RUNS runs:"
for img in base ordered; do
	for k in 1 2 3 4 5; do
		m[k]=$(awk -v k=$k '{ print $k }' "$WORK/$img.runs" | median)
	done
	printf '%-8s %8d ms  image: %6d read I/Os %7.1f MiB  disk: %6d read I/Os %7.1f MiB\n' \
		$img "${m[1]}" "${m[2]}" "$(mib "${m[3]}")" "${m[4]}" "$(mib "${m[5]}")"
done
