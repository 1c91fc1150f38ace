#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/run.sh - compare our mkfs.erofs/fsck.erofs with erofs-utils 1.9.3
# built from source (the main peer), Debian's erofs-utils 1.5 and
# squashfs-tools (extra columns) on realistic corpora.  `make bench` runs it;
# the default run takes about 15 minutes on 2 idle cores, and as long again
# for the kread cases (bench/kread.sh).  It is a
# measurement, not a test: nothing in it fails on a figure.
#
# Peers: erofs-utils 1.9.3 from EU19_BIN (default /tmp/erofs-utils-1.9.3/bin;
# build it with ../shared/tools/build-erofs-utils.sh MIRROR_GIT_DIR, a git
# mirror of github.com/erofs/erofs-utils); Debian's /usr/bin/mkfs.erofs and
# fsck.erofs; mksquashfs/unsquashfs.  A peer that is missing loses its rows
# (the header says so), the run goes on with the others.
#
# Corpora (built once, cached under BENCH_DIR, reused when present):
#   usr    a copy of part of this machine's /usr (binaries, libraries,
#          headers, docs, locales, man pages), about BENCH_CORPUS_MB: the
#          "system tree"
#   small  BENCH_SMALL_FILES files of 0-4 KiB, deterministic slices of /usr
#   huge   one BENCH_HUGE_MB file made of /usr binaries, libraries, headers
#          and docs back to back (repeated when /usr is too small)
#
# Cases, for every corpus, tools alternating within each repetition
# (ours | erofs-utils 1.9.3, 1.5 | squashfs):
#   mkfs-none     ours | mkfs.erofs | mksquashfs -noI -noD -noF -noX
#   mkfs-lz4      -zlz4   | same    | mksquashfs -comp lz4
#   mkfs-lz4hc    -zlz4hc (also ours --workers=1) | same | -comp lz4 -Xhc
#   floor         a row of mkfs-none/-lz4/-lz4hc: bench/floor.c reads the
#                 corpus, cuts it into 4 KiB LZ4 clusters (lz4: destSize,
#                 lz4hc: HC destSize level 9; none: a plain copy) and writes
#                 them, on one thread with no metadata: its CPU time is the
#                 compressor's floor, which 2 cores can at best halve; the
#                 row prints ours/floor for CPU and for wall against half
#                 (1/NPROC) of the floor's CPU
#   check-none    fsck.erofs IMG on our uncompressed image; 1.9.3 runs
#                 `fsck.erofs --extract IMG' (no directory), its check of
#                 the data: without --extract it reads metadata only, as
#                 Debian 1.5's does (that row is held against 1.5's extract)
#   extract-none  fsck.erofs --extract=DIR (ours | 1.9.3, 1.5) | unsquashfs -d
#   export-lz4hc  fsck.erofs --export=/dev/null on our lz4hc image (ours
#                 only, not in the default cases: BENCH_CASES='mkfs-lz4hc
#                 extract-lz4hc export-lz4hc'); held against our extract
#   check-lz4hc / extract-lz4hc   the same on the lz4hc images (also ours
#                 --workers=1)
#   rebuild-none / rebuild-lz4   mkfs over an existing image at DEST
#                 (uncompressed, -zlz4): ours | 1.9.3, each replacing the
#                 image the row before left (made untimed when there is
#                 none), and "ours-fresh", our build of the same with DEST
#                 removed first (untimed).  Our mkfs leaves the old image's
#                 blocks to a child freeing them after exit: the row waits
#                 for it, untimed, so that the next row does not pay it
#   fuse-lz4hc / fuse-lzma   erofsfuse: bench/fuse.sh ALG on each corpus
#                 (ours | erofs-utils 1.9.3's erofsfuse | squashfuse), its
#                 own table after this one; not in the default cases
#                 (BENCH_CASES=fuse-lz4hc); needs root, see bench/fuse.sh
#   mkfs-lzma mkfs-zstd mkfs-deflate, check-ALG, extract-ALG
#                 -zlzma / -zzstd / -zdeflate, same options for ours and
#                 1.9.3 (no Debian 1.5 or squashfs rows); on the corpora in
#                 BENCH_CODEC_CORPORA (default usr) and in the first
#                 BENCH_CODEC_RUNS repetitions (default 1) only, lzma being
#                 slow.  Each erofs tool is probed on a tiny tree first: what
#                 a build cannot do prints "ours: not supported by this
#                 build" (exit column "ns") instead of failing; when our mkfs
#                 lacks the algorithm, the check/extract rows read 1.9.3's
#                 image.
#   kread-lz4hc / kread-none   the kernel reading the images: bench/kread.sh
#                 builds the usr corpus with ours, 1.9.3 and mksquashfs
#                 (-zlz4hc, or uncompressed), mounts each read-only on a loop
#                 device and times tar, cat, a metadata walk and random 4 KiB
#                 reads, caches dropped before each, KREAD_RUNS (default 5)
#                 repetitions, with the loop device's reads beside the times
#                 (target: wall <= 0.90 of 1.9.3's).  Needs root, loop and
#                 kernel erofs (else skipped with a note); about 15 minutes.
#                 Its own table follows the main one; see its header for
#                 its knobs
#   mkfs-fedora-live  -zlzma,level=6 -Eall-fragments,fragdedupe=inode
#                 -C1048576 (Fedora's live image), ours | 1.9.3
#   mkfs-installer    -zzstd,8 -Ededupe,all-fragments -C65536, ours | 1.9.3
#   mkfs-lz4hc-frag   -zlz4hc -C65536 -Eztailpacking,fragments,dedupe,
#                 ours | 1.9.3 | mksquashfs -comp lz4 -Xhc (beside, no target)
#                 These three run like the codec cases (BENCH_CODEC_RUNS,
#                 BENCH_CODEC_CORPORA).
# Trees are extracted into a tmpfs mounted for the run (when root), so that
# no run pays for the previous run's deleted tree on disk.
#
# Each row gives medians over BENCH_RUNS runs of wall time, CPU time
# (user+sys), peak RSS and image size; peer rows carry our figures as a
# ratio of that peer's (ours/peer: below 1 means we are faster/smaller).
# Targets are printed beside the figures; they never change the exit status.
# Against 1.9.3 (issue #19): mkfs wall <= 0.80 (none), 0.75 (lz4), 0.60
# (lz4hc); size <= 1.00; peak RSS <= 0.60; check (vs its --extract, no dir)
# and extract wall <= 0.40.  Issue #16, lzma/zstd/deflate: mkfs wall <= 0.50
# (lzma), 0.60 (zstd, deflate); size <= 1.00; peak RSS <= 1.00; check <= 0.50
# of its --extract without a directory (extract: no target stated).  Issue
# #23, rebuild over an existing DEST: wall <= 1.05 of our fresh build (the
# ours-fresh row) and <= 0.80 of 1.9.3's rebuild.  Issue #17, the
# fedora-live, installer and lz4hc-frag builds: size <= 1.00, wall <= 0.50,
# peak RSS <= 1.00 of 1.9.3's and <= 256 MiB.  The
# older targets against Debian 1.5 and ours (rss, --workers scaling) stay.
#
# Environment:
#   BENCH_DIR          cache and scratch directory (default /var/tmp/erofs-bench)
#   BENCH_CORPUS_MB    size of the /usr corpus in MB (default 880)
#   BENCH_SMALL_FILES  files in the small-files corpus (default 100000)
#   BENCH_HUGE_MB      size of the single huge file in MiB (default 1024)
#   BENCH_RUNS         repetitions, medians are reported (default 3)
#   BENCH_CODEC_RUNS   repetitions of the lzma/zstd/deflate cases (default 1)
#   BENCH_CORPORA      which corpora to run (default "usr small huge")
#   BENCH_CODEC_CORPORA  corpora of the lzma/zstd/deflate cases (default usr)
#   BENCH_CASES        which cases to run (default: all of the above; the
#                      check and extract cases need their mkfs case)
#   BENCH_QUICK=1      smoke test: 50 MB corpus, 10000 small files, a 256 MiB
#                      huge file, 1 run (each overridable by the above)
#   BENCH_VERIFY=0     skip comparing extracted trees with the source (done
#                      in the first repetition only, not timed)
#   BENCH_BUILD        auto (default): when our binaries are sanitizer builds,
#                      build a release (-O2) copy of the work tree in
#                      $BENCH_DIR/build and measure that; 1: always; 0: never
#   EU19_BIN           where erofs-utils 1.9.3 is (EU19_MKFS, EU19_FSCK: the
#                      binaries); EU19_MIRROR: the mirror the hint names
#   OURS_MKFS OURS_FSCK DEB_MKFS DEB_FSCK MKSQUASHFS UNSQUASHFS  tool paths
#
# Output: the table on stdout; $BENCH_DIR/results.tsv (the table) and
# $BENCH_DIR/runs.tsv (every single measurement).  Images and extracted
# trees live in $BENCH_DIR/work and are removed as soon as they are used.
# Exit status: 0 when the benchmark ran (whatever the figures), 2 when it
# could not be set up (our tools missing, cannot build a corpus).
set -u -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
# shellcheck source=bench/common.sh
. "$here/common.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_CORPUS_MB:=50}" "${BENCH_SMALL_FILES:=10000}"
	: "${BENCH_HUGE_MB:=256}" "${BENCH_RUNS:=1}"
fi
BENCH_DIR=${BENCH_DIR:-/var/tmp/erofs-bench}
CORPUS_MB=${BENCH_CORPUS_MB:-880}
SMALL_FILES=${BENCH_SMALL_FILES:-100000}
HUGE_MB=${BENCH_HUGE_MB:-1024}
RUNS=${BENCH_RUNS:-3}
CORPORA=${BENCH_CORPORA:-usr small huge}
VERIFY=${BENCH_VERIFY:-1}
NPROC=$(nproc 2>/dev/null || echo 1)

die() { echo "bench: $*" >&2; exit 2; }
note() { echo "bench: $*" >&2; }

# our binaries: prefer the build directory `make bench` runs from
# The main peer: erofs-utils 1.9.3 built from source (it is not packaged).
EU19_BIN=${EU19_BIN:-/tmp/erofs-utils-1.9.3/bin}
EU19_MKFS=${EU19_MKFS:-$EU19_BIN/mkfs.erofs}
EU19_FSCK=${EU19_FSCK:-$EU19_BIN/fsck.erofs}
DEB_MKFS=${DEB_MKFS:-/usr/bin/mkfs.erofs}
DEB_FSCK=${DEB_FSCK:-/usr/bin/fsck.erofs}
MKSQUASHFS=${MKSQUASHFS:-/usr/bin/mksquashfs}
UNSQUASHFS=${UNSQUASHFS:-/usr/bin/unsquashfs}
# PEERS: the peers present; a missing one loses its rows, not the run
PEERS='' PEER_NOTES=''
if [ -x "$EU19_MKFS" ] && [ -x "$EU19_FSCK" ]; then
	PEERS="erofs-1.9"
else
	# a mirror named by EU19_MIRROR, or the one this project's machines keep
	m=${EU19_MIRROR:-/work/.mirror/erofs+erofs-utils}
	[ -d "$m" ] || m=
	how="build it with ../shared/tools/build-erofs-utils.sh ${m:-MIRROR_GIT_DIR} (MIRROR_GIT_DIR: a git mirror of github.com/erofs/erofs-utils) and point EU19_BIN at its bin directory"
	PEER_NOTES="WARNING: erofs-utils 1.9.3 (the main peer) not found in $EU19_BIN: no ratios against it and no targets measured; $how"
	note "$PEER_NOTES"
fi
if [ -x "$DEB_MKFS" ] && [ -x "$DEB_FSCK" ]; then
	PEERS="$PEERS erofs-1.5"
else
	note "no Debian erofs-utils ($DEB_MKFS): no erofs-1.5 rows (apt-get install erofs-utils)"
fi
if [ -x "$MKSQUASHFS" ] && [ -x "$UNSQUASHFS" ]; then
	PEERS="$PEERS squashfs"
else
	note "no squashfs-tools ($MKSQUASHFS): no squashfs rows (apt-get install squashfs-tools)"
fi
has_peer() { case " $PEERS " in *" $1 "*) return 0 ;; esac; return 1; }
CODEC_RUNS=${BENCH_CODEC_RUNS:-1}
case $CORPUS_MB$SMALL_FILES$HUGE_MB$RUNS$CODEC_RUNS in
*[!0-9]*) die "BENCH_CORPUS_MB, BENCH_SMALL_FILES, BENCH_HUGE_MB, BENCH_RUNS and BENCH_CODEC_RUNS must be numbers" ;;
esac
[ "$RUNS" -ge 1 ] || RUNS=1
[ "$CODEC_RUNS" -ge 1 ] || CODEC_RUNS=1
[ "$CODEC_RUNS" -le "$RUNS" ] || CODEC_RUNS=$RUNS

# ---- measuring -------------------------------------------------------------
TIMER=gnu
if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		note "installing the time package"
		apt-get install -y -q time >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 &&
			  apt-get install -y -q time >/dev/null 2>&1; }
	fi
	[ -x /usr/bin/time ] || { TIMER=bash; note "no /usr/bin/time: peak RSS unavailable"; }
fi

mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
W=$BENCH_DIR/work
umount "$W/xfs" 2>/dev/null	# left mounted by a run that was killed
rm -rf "$W"
mkdir -p "$W/bin" || die "cannot create $W"
# Extracted trees go to a tmpfs of our own.  On ext4, creating tens of
# thousands of files soon after deleting as many (the previous run's tree)
# is several times slower -- the inode allocator steps over recently
# deleted inodes -- which would time the disk's history, not the tools.
XDIR=$W/xfs XMOUNT=0
mkdir -p "$XDIR" || die "cannot create $XDIR"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o mode=0755 erofs-bench "$XDIR" 2>/dev/null; then
	XMOUNT=1 XDIR_NOTE="a tmpfs mounted for the run"
else
	XDIR_NOTE="$XDIR on disk (no tmpfs without root: a run that follows the deletion of an extracted tree may be slower)"
fi
cleanup() {
	[ "$XMOUNT" = 1 ] && umount "$XDIR" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- our tools -----------------------------------------------------------------
# A sanitizer or debug build says nothing about speed, and the work tree may be
# configured that way, or rebuilt while we run.  BENCH_BUILD=auto (default)
# builds a release copy (-O2) of the work tree's source files in
# $BENCH_DIR/build when the binaries found are sanitizer builds; 1 always
# does, 0 never does.  Either way the binaries are copied first, so that a
# rebuild during the run cannot change them.
make_in() { # DIR: configure (once) and build there
	(
		cd "$1" || exit 1
		if [ ! -f Makefile ]; then
			./autogen.sh && ./configure CFLAGS="-O2 -g" || exit 1
		fi
		make -j"$NPROC"
	) >>"$1.log" 2>&1
}
build_release() {
	local b=$BENCH_DIR/build
	git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || return 1
	note "building a release copy of the work tree in $b (log: $b.log)"
	mkdir -p "$b" || return 1
	: >"$b.log"
	# the work tree's files, tracked or new but not ignored; -u -p keeps
	# unchanged sources' times, so make stays incremental between runs
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		(cd "$top" && xargs -0 cp -p -u --parents -t "$b" 2>/dev/null)
	if make_in "$b"; then
		OURS_BUILD="release build of the work tree"
	else
		# a half-done edit in the work tree: fall back to the last commit
		b=$BENCH_DIR/build-head
		note "work tree does not build; building HEAD in $b (log: $b.log)"
		rm -rf "$b" && mkdir -p "$b" && : >"$b.log" || return 1
		git -C "$top" archive HEAD | tar -C "$b" -xf - || return 1
		make_in "$b" || return 1
		OURS_BUILD="release build of HEAD $(git -C "$top" rev-parse --short HEAD) (work tree did not build)"
	fi
	OURS_MKFS=$b/mkfs/mkfs.erofs OURS_FSCK=$b/fsck/fsck.erofs
	OURS_FUSE=$b/fuse/erofsfuse
}
OURS_MKFS=${OURS_MKFS:-$(pick mkfs/mkfs.erofs)}
OURS_FSCK=${OURS_FSCK:-$(pick fsck/fsck.erofs)}
OURS_FUSE=${OURS_FUSE:-$(pick fuse/erofsfuse)}
OURS_NOTE= OURS_BUILD="binaries as found"
case ${BENCH_BUILD:-auto} in
1) build_release || die "release build failed, see $BENCH_DIR/build.log" ;;
auto)
	if ! [ -x "$OURS_MKFS" ] || ! [ -x "$OURS_FSCK" ] ||
	   sanitized "$OURS_MKFS" || sanitized "$OURS_FSCK"; then
		build_release ||
			OURS_NOTE="WARNING: release build failed ($BENCH_DIR/build.log); using the binaries found"
	fi ;;
esac
for t in "$OURS_MKFS" "$OURS_FSCK"; do
	[ -x "$t" ] || die "missing $t (build with make, or BENCH_BUILD=1)"
	if sanitized "$t"; then
		OURS_NOTE="${OURS_NOTE:+$OURS_NOTE; }WARNING: $t is a sanitizer build, figures are meaningless"
	fi
done
OURS_SRC="$OURS_MKFS, $OURS_FSCK"
cp "$OURS_MKFS" "$W/bin/mkfs.erofs" && cp "$OURS_FSCK" "$W/bin/fsck.erofs" ||
	die "cannot copy our binaries"
OURS_MKFS=$W/bin/mkfs.erofs OURS_FSCK=$W/bin/fsck.erofs

# ---- what each build supports ----------------------------------------------------
# Our mkfs and fsck gain codecs over time, and a peer may be built without
# one: each erofs tool is probed once per algorithm on a tiny tree, and a
# case it cannot run prints "not supported by this build" instead of
# failing.  SUP_<tool>_<mkfs|fsck>_<alg> is 1 or 0.
CODECS="lzma zstd deflate"
CODEC_CORPORA=${BENCH_CODEC_CORPORA:-usr}
mkdir -p "$W/probe/src/d" || die "cannot create $W/probe"
head -c 300000 "$OURS_MKFS" >"$W/probe/src/bin"
seq 1 20000 >"$W/probe/src/d/text"
: >"$W/support.txt"
sup_key() { echo "SUP_${1//[.-]/_}_$2_$3"; }
supported() { local k; k=$(sup_key "$@"); [ "${!k:-0}" = 1 ]; }
probe() {
	local alg t mk fs img
	for alg in $CODECS; do
		for t in ours $PEERS; do
			case $t in
			ours) mk=$OURS_MKFS fs=$OURS_FSCK ;;
			erofs-1.9) mk=$EU19_MKFS fs=$EU19_FSCK ;;
			erofs-1.5) mk=$DEB_MKFS fs=$DEB_FSCK ;;
			*) continue ;;
			esac
			img=$W/probe/$t-$alg.img
			rm -f "$img"
			if "$mk" --quiet "-z$alg" "$img" "$W/probe/src" >/dev/null 2>&1; then
				printf -v "$(sup_key "$t" mkfs "$alg")" 1
			else
				printf -v "$(sup_key "$t" mkfs "$alg")" 0
				rm -f "$img"
			fi
		done
		# the fsck probes read 1.9.3's image when there is one, else ours
		img=$W/probe/erofs-1.9-$alg.img
		[ -f "$img" ] || img=$W/probe/ours-$alg.img
		for t in ours $PEERS; do
			case $t in
			ours) fs=$OURS_FSCK ;;
			erofs-1.9) fs=$EU19_FSCK ;;
			erofs-1.5) fs=$DEB_FSCK ;;
			*) continue ;;
			esac
			# ours checks the data without --extract, the peers with it
			if [ -f "$img" ] && if [ "$t" = ours ]; then "$fs" "$img"
				else "$fs" --extract "$img"; fi >/dev/null 2>&1; then
				printf -v "$(sup_key "$t" fsck "$alg")" 1
			else
				printf -v "$(sup_key "$t" fsck "$alg")" 0
			fi
		done
		local line=""
		for t in ours $PEERS; do
			[ "$t" = squashfs ] && continue
			line="$line $t mkfs $(supported "$t" mkfs "$alg" && echo yes || echo no)/fsck $(supported "$t" fsck "$alg" && echo yes || echo no),"
		done
		echo "-z$alg:${line%,}" >>"$W/support.txt"
	done
	rm -rf "$W/probe"
}
probe

# timed LOG CMD...: run CMD, output to LOG; sets T_WALL T_USER T_SYS T_RSS
# (KiB, or - when unknown) and T_RC
timed() {
	local log=$1 tf=$W/time.out
	shift
	local t0 t1
	rm -f "$tf"
	# Untimed: what an earlier command left dirty (Debian's mkfs.erofs and
	# mksquashfs never sync their output) is on disk before this one starts,
	# so that no command pays for another's writeback.
	sync
	t0=$EPOCHREALTIME
	if [ $TIMER = gnu ]; then
		/usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >"$log" 2>&1 </dev/null
		T_RC=$?
	else
		local TIMEFORMAT='%R %U %S -'
		{ time "$@" >"$log" 2>&1 </dev/null; } 2>"$tf"
		T_RC=$?
	fi
	t1=$EPOCHREALTIME
	read -r T_WALL T_USER T_SYS T_RSS < <(tail -n 1 "$tf" 2>/dev/null)
	case ${T_WALL:-x} in
	*[!0-9.]*|'') T_WALL=- T_USER=- T_SYS=- T_RSS=- ;;
	*)	# time(1) rounds to 10 ms; the shell clock has microseconds
		[ -n "$t0" ] && [ -n "$t1" ] &&
			T_WALL=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.4f", b - a }') ;;
	esac
}

# ---- corpora -----------------------------------------------------------------
# /usr roots and their share (percent) of the usr corpus; what one root
# lacks carries over to the next, and the last roots take whatever is left.
USR_ROOTS="usr/bin:24 usr/sbin:1 usr/lib/x86_64-linux-gnu:34 usr/include:12
usr/share/doc:8 usr/share/locale:9 usr/share/man:5 usr/lib/python3:4
usr/share:3 usr/lib:0 usr/libexec:0"

build_usr() {
	local dir=$1 mb=$2 list=$W/usr.list r
	note "building the usr corpus ($mb MB) in $dir"
	rm -rf "$dir" "$dir.done"
	mkdir -p "$dir" || return 1
	local i=0
	for r in $USR_ROOTS; do
		local root=${r%%:*} pct=${r##*:}
		i=$((i + 1))
		[ -d "/$root" ] || continue
		(cd / && find "$root" -xdev \( -type f -o -type l \) \
			-printf "$i\t$pct\t%s\t%p\n" 2>/dev/null | grep -v '\\' |
			sort -t "$(printf '\t')" -k4,4) || true
	done | awk -F '\t' -v target=$((mb * 1000000)) '
		# fields: root index, share (percent, 0: whatever is left), size,
		# path.  Each root is sampled evenly (every k-th entry), so the
		# corpus holds a spread of it, not an alphabetical prefix.
		$4 in seen { next }
		{ seen[$4] = 1; n++; r[n] = $1; pct[$1] = $2; sz[n] = $3; path[n] = $4
		  tot[$1] += $3; if ($1 > nr) nr = $1 }
		END {
			i = 1; total = 0; carry = 0
			for (root = 1; root <= nr; root++) {
				if (!(root in tot)) continue
				budget = pct[root] ? target * pct[root] / 100 + carry : target - total
				if (budget < 0) budget = 0
				f = tot[root] > 0 ? budget / tot[root] : 0
				if (f > 1) f = 1
				used = 0; k = 0
				for (; i <= n && r[i] == root; i++) {
					k++
					if (int(k * f) == int((k - 1) * f)) continue
					if (used + sz[i] > budget * 1.05 + 1000000) continue
					print path[i]; used += sz[i]; total += sz[i]
				}
				carry = budget - used; if (carry < 0) carry = 0
			}
		}
	' >"$list" || return 1
	[ -s "$list" ] || return 1
	(cd / && tar --no-recursion --verbatim-files-from -T "$list" -cf - 2>/dev/null) |
		tar -C "$dir" -xpf - || return 1
	stat_tree "$dir" >"$dir.done"
}

stat_tree() {
	find "$1" -type f -printf '%s\n' |
		awk '{ n++; s += $1 } END { printf "%d files, %.1f MiB\n", n, s / 1048576 }'
}

# a blob of real bytes from /usr for the small-files generator
make_blob() {
	local out=$1 d
	: >"$out"
	for d in usr/include usr/share/doc usr/bin usr/share/locale; do
		[ -d "/$d" ] || continue
		(cd / && find "$d" -xdev -type f -print0 | sort -z |
			xargs -0 -r cat 2>/dev/null | head -c $((16 << 20))) >>"$out"
	done
	[ -s "$out" ]
}

build_small() {
	local dir=$1 n=$2 gen=$W/gensmall
	note "building the small-files corpus ($n files) in $dir"
	rm -rf "$dir" "$dir.done"
	${CC:-cc} -O2 -o "$gen" "$here/gensmall.c" || return 1
	make_blob "$W/blob" || return 1
	"$gen" "$dir" "$n" 4096 "$W/blob" || return 1
	rm -f "$W/blob"
	stat_tree "$dir" >"$dir.done"
}

build_huge() {
	local dir=$1 mb=$2 list=$W/huge.list
	note "building the huge-file corpus ($mb MiB) in $dir"
	rm -rf "$dir" "$dir.done"
	mkdir -p "$dir" || return 1
	(cd / && find usr/bin usr/lib/x86_64-linux-gnu usr/include usr/share/doc \
		-xdev -type f -size +0 -print0 2>/dev/null | sort -z) >"$list"
	[ -s "$list" ] || return 1
	# the list over and over (at most 64 times) until head has enough
	(cd / && for _ in $(seq 64); do
		xargs -0 -r cat <"$list" 2>/dev/null || exit 0
	done) | head -c $((mb << 20)) >"$dir/huge.bin"
	[ "$(stat -c %s "$dir/huge.bin")" = $((mb << 20)) ] || return 1
	stat_tree "$dir" >"$dir.done"
}

corpus_dir() {
	case $1 in
	usr) echo "$BENCH_DIR/usr-${CORPUS_MB}M" ;;
	small) echo "$BENCH_DIR/small-${SMALL_FILES}" ;;
	huge) echo "$BENCH_DIR/huge-${HUGE_MB}M" ;;
	esac
}

# bench/kread.sh (the kread-* cases) reads the usr corpus
KREAD_CORPUS=
case " ${BENCH_CASES:-kread-} " in
*" kread-"*) case " $CORPORA " in *" usr "*) ;; *) KREAD_CORPUS=usr ;; esac ;;
esac
for c in $CORPORA $KREAD_CORPUS; do
	d=$(corpus_dir "$c")
	[ -n "$d" ] || die "unknown corpus '$c' (usr, small, huge)"
	if [ -f "$d.done" ] && [ -d "$d" ]; then
		continue
	fi
	case $c in
	usr) build_usr "$d" "$CORPUS_MB" ;;
	small) build_small "$d" "$SMALL_FILES" ;;
	huge) build_huge "$d" "$HUGE_MB" ;;
	esac || die "could not build the $c corpus"
done

# warm the page cache once so that no tool pays for the first read
for c in $CORPORA; do
	find "$(corpus_dir "$c")" -type f -print0 | xargs -0 -r cat >/dev/null 2>&1
done

# ---- the cases ---------------------------------------------------------------
RUNS_TSV=$BENCH_DIR/runs.tsv
RESULTS_TSV=$BENCH_DIR/results.tsv
printf 'rep\tcorpus\tcase\ttool\twall_s\tuser_s\tsys_s\trss_kib\tsize_bytes\texit\tverify\n' >"$RUNS_TSV"

ver() { "$@" 2>&1 | head -n 1; }
{
	echo "erofs benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')"
	echo "machine: $NPROC cpus, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null), runs=$RUNS (medians), timer=$TIMER"
	awk -v n="$NPROC" '$1 >= n / 2 { printf "WARNING: load %s on %d cpus: wall times and worker scaling are inflated by other work\n", $1, n }' /proc/loadavg 2>/dev/null
	echo "ours: $OURS_BUILD: $OURS_SRC"
	[ -z "$OURS_NOTE" ] || echo "$OURS_NOTE"
	if has_peer erofs-1.9; then
		echo "main peer: $(ver "$EU19_MKFS" -V) ($EU19_BIN)"
	fi
	[ -z "$PEER_NOTES" ] || echo "$PEER_NOTES"
	extra=
	has_peer erofs-1.5 && extra="Debian erofs-utils $(dpkg-query -W -f '${Version}' erofs-utils 2>/dev/null || echo '?')"
	has_peer squashfs && extra="${extra:+$extra, }$(ver "$MKSQUASHFS" -version)"
	echo "extra peers: ${extra:-none}"
	echo "codec cases (lzma zstd deflate): corpora $CODEC_CORPORA, runs=$CODEC_RUNS"
	cat "$W/support.txt" 2>/dev/null
	for c in $CORPORA; do
		echo "corpus $c: $(cat "$(corpus_dir "$c")".done) in $(corpus_dir "$c")"
	done
	echo
} | tee "$BENCH_DIR/header.txt"

# cmd_for CASE TOOL SRC OUT: sets the array CMD; OUT is the image for mkfs
# cases and the extract directory for extract cases
cmd_for() {
	local case=$1 tool=$2 src=$3 out=$4 z=() sq=()
	case $case in
	mkfs-none) sq=(-noI -noD -noF -noX) ;;
	mkfs-lz4|rebuild-lz4) z=(-zlz4); sq=(-comp lz4) ;;
	mkfs-lz4hc) z=(-zlz4hc); sq=(-comp lz4 -Xhc) ;;
	mkfs-lzma) z=(-zlzma); sq=(-comp xz) ;;
	mkfs-zstd) z=(-zzstd); sq=(-comp zstd) ;;
	mkfs-deflate) z=(-zdeflate); sq=(-comp gzip) ;;
	mkfs-fedora-live) z=(-zlzma,level=6 -Eall-fragments,fragdedupe=inode -C1048576) ;;
	mkfs-installer) z=(-zzstd,8 -Ededupe,all-fragments -C65536) ;;
	mkfs-lz4hc-frag) z=(-zlz4hc -C65536 -Eztailpacking,fragments,dedupe); sq=(-comp lz4 -Xhc) ;;
	esac
	case $case:$tool in
	mkfs-*:ours) CMD=("$OURS_MKFS" --quiet "${z[@]}" "$out" "$src") ;;
	mkfs-*:ours-w1) CMD=("$OURS_MKFS" --quiet --workers=1 "${z[@]}" "$out" "$src") ;;
	mkfs-*:erofs-1.9) CMD=("$EU19_MKFS" --quiet "${z[@]}" "$out" "$src") ;;
	rebuild-*:ours|rebuild-*:ours-fresh) CMD=("$OURS_MKFS" --quiet "${z[@]}" "$out" "$src") ;;
	rebuild-*:erofs-1.9) CMD=("$EU19_MKFS" --quiet "${z[@]}" "$out" "$src") ;;
	mkfs-*:erofs-1.5) CMD=("$DEB_MKFS" --quiet "${z[@]}" "$out" "$src") ;;
	mkfs-*:floor) CMD=("$FLOOR" "${case#mkfs-}" "$W/$(basename "$src").list" "$out") ;;
	mkfs-*:squashfs) CMD=("$MKSQUASHFS" "$src" "$out" -noappend -no-progress
		-processors "$NPROC" "${sq[@]}") ;;
	check-*:ours) CMD=("$OURS_FSCK" "$src") ;;
	check-*:ours-w1) CMD=("$OURS_FSCK" --workers=1 "$src") ;;
	# 1.9.3's fsck without --extract checks metadata only (a flipped byte
	# in lz4hc data passes it); --extract without a directory decodes
	# every file, which is what our plain check does
	check-*:erofs-1.9) CMD=("$EU19_FSCK" --extract "$src") ;;
	check-*:erofs-1.5) CMD=("$DEB_FSCK" "$src") ;;
	extract-*:ours) CMD=("$OURS_FSCK" "--extract=$out" "$src") ;;
	export-*:ours) CMD=("$OURS_FSCK" --quiet --export=/dev/null "$src") ;;
	extract-*:ours-w1) CMD=("$OURS_FSCK" --workers=1 "--extract=$out" "$src") ;;
	extract-*:erofs-1.9) CMD=("$EU19_FSCK" "--extract=$out" "$src") ;;
	extract-*:erofs-1.5) CMD=("$DEB_FSCK" "--extract=$out" "$src") ;;
	extract-*:squashfs) CMD=("$UNSQUASHFS" -no-progress -processors "$NPROC"
		-d "$out" "$src") ;;
	esac
}

# settle: wait (untimed, 10 s at most) for what our mkfs left running: the
# child that frees a replaced image's blocks after mkfs has exited
settle() {
	local i
	for ((i = 0; i < 200; i++)); do
		pgrep -f -- "^$OURS_MKFS " >/dev/null || return 0
		sleep 0.05
	done
}

is_codec() { case " $CODECS " in *" ${1#*-} "*) return 0 ;; esac; return 1; }
# the issue #17 builds, run as seldom as the codec cases
is_i17() { case $1 in mkfs-fedora-live|mkfs-installer|mkfs-lz4hc-frag) return 0 ;; esac; return 1; }
# the tools of a case, those of the peers present; the codec cases (lzma,
# zstd, deflate) are held against 1.9.3 only (Debian 1.5 has none of them,
# and mksquashfs -comp xz alone would take as long as the rest)
tools_for() {
	local t all
	case $1 in
	mkfs-lz4hc) all="ours ours-w1 erofs-1.9 erofs-1.5 squashfs floor" ;;
	extract-lz4hc) all="ours ours-w1 erofs-1.9 erofs-1.5 squashfs" ;;
	check-lz4hc) all="ours ours-w1 erofs-1.9 erofs-1.5" ;;
	mkfs-lz4hc-frag) all="ours erofs-1.9 squashfs" ;;
	mkfs-fedora-live|mkfs-installer) all="ours erofs-1.9" ;;
	mkfs-lzma|mkfs-zstd|mkfs-deflate|check-*|extract-lzma|extract-zstd|extract-deflate)
		all="ours erofs-1.9"
		is_codec "$1" || all="$all erofs-1.5" ;;
	mkfs-none|mkfs-lz4) all="ours erofs-1.9 erofs-1.5 squashfs floor" ;;
	mkfs-*|extract-*) all="ours erofs-1.9 erofs-1.5 squashfs" ;;
	export-*) all="ours" ;;
	rebuild-*) all="ours ours-fresh erofs-1.9" ;;
	esac
	for t in $all; do
		case $t in
		ours|ours-w1|ours-fresh) echo "$t" ;;
		floor) [ -n "$FLOOR" ] && echo "$t" ;;
		*) has_peer "$t" && echo "$t" ;;
		esac
	done
}

# rotate K WORDS...: the words starting at the K-th, wrapping round
rotate() {
	local k=$1
	shift
	local a=("$@") n=$# i
	for ((i = 0; i < n; i++)); do printf '%s ' "${a[(i + k) % n]}"; done
}

record() { # rep corpus case tool size verify
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" \
		"$T_WALL" "$T_USER" "$T_SYS" "$T_RSS" "$5" "$T_RC" "$6" >>"$RUNS_TSV"
	case $T_RC in
	0|ns|noimg) ;;
	*) note "$2 $3 $4: exit $T_RC (log: $(tail -n 2 "$W/log" | tr '\n' ' ' | cut -c1-200))" ;;
	esac
}
# skipped REP CORPUS CASE TOOL WHY: a row that was not run (WHY: ns, the
# build does not support the algorithm; noimg, no image to read)
skipped() {
	T_WALL=- T_USER=- T_SYS=- T_RSS=- T_RC=$5
	record "$1" "$2" "$3" "$4" - -
}
# can TOOL mkfs|fsck ALG: whether the build supports it (ours-w1 is ours)
can() {
	local t=${1%-w1}
	case $t in squashfs|floor) return 0 ;; esac
	is_codec "x-$3" || return 0
	supported "$t" "$2" "$3"
}
# the image the check and extract rows of erofs tools read: ours, else
# (an algorithm our mkfs lacks) 1.9.3's
image_for() { # corpus comp tool
	if [ "$3" = squashfs ]; then echo "$W/$1-$2-squashfs.img"
	elif [ -f "$W/$1-$2-ours.img" ] || ! [ -f "$W/$1-$2-erofs-1.9.img" ]; then
		echo "$W/$1-$2-ours.img"
	else
		echo "$W/$1-$2-erofs-1.9.img"
	fi
}

CASES=${BENCH_CASES:-mkfs-none mkfs-lz4 mkfs-lz4hc check-none extract-none check-lz4hc extract-lz4hc
rebuild-none rebuild-lz4 mkfs-lzma check-lzma extract-lzma mkfs-zstd check-zstd extract-zstd mkfs-deflate check-deflate extract-deflate
mkfs-fedora-live mkfs-installer mkfs-lz4hc-frag kread-lz4hc kread-none}
for case in $CASES; do
	case $case in
	mkfs-none|mkfs-lz4|mkfs-lz4hc|mkfs-lzma|mkfs-zstd|mkfs-deflate) ;;
	mkfs-fedora-live|mkfs-installer|mkfs-lz4hc-frag) ;;
	check-none|check-lz4|check-lz4hc|check-lzma|check-zstd|check-deflate) ;;
	extract-none|extract-lz4|extract-lz4hc|extract-lzma|extract-zstd|extract-deflate) ;;
	export-lz4hc) ;;
	rebuild-none|rebuild-lz4) ;;
	fuse-lz4hc|fuse-lzma) FUSE_ALGS="${FUSE_ALGS:-} ${case#fuse-}" ;;
	kread-none|kread-lz4hc) ;; # bench/kread.sh, after the table
	*) die "unknown case '$case'" ;;
	esac
done
# the floor rows (bench/floor.c): the corpus read, compressed into 4 KiB
# clusters and written on one thread, with no metadata; its file list is
# made here, untimed
FLOOR=
case " $CASES " in *" mkfs-none "*|*" mkfs-lz4 "*|*" mkfs-lz4hc "*)
	if ${CC:-cc} -O2 -o "$W/floor" "$here/floor.c" -llz4 2>"$W/floor.log"; then
		FLOOR=$W/floor
		for c in $CORPORA; do
			src=$(corpus_dir "$c")
			find "$src" -type f -print0 | sort -z >"$W/$(basename "$src").list"
		done
	else
		note "cannot build bench/floor.c (liblz4-dev?): no floor rows"
	fi ;;
esac
for ((rep = 1; rep <= RUNS; rep++)); do
	for c in $CORPORA; do
		src=$(corpus_dir "$c")
		note "run $rep/$RUNS, corpus $c"
		for case in $CASES; do
			comp=${case#*-}
			if is_codec "$case" || is_i17 "$case"; then
				[ "$rep" -le "$CODEC_RUNS" ] || continue
				case " $CODEC_CORPORA " in *" $c "*) ;; *) continue ;; esac
			fi
			for tool in $(rotate $((rep - 1)) $(tools_for "$case")); do
				case $case in
				mkfs-*)
					img=$W/$c-$comp-$tool.img
					rm -f "$img"
					if ! can "$tool" mkfs "$comp"; then
						skipped "$rep" "$c" "$case" "$tool" ns
						continue
					fi
					cmd_for "$case" "$tool" "$src" "$img"
					timed "$W/log" "${CMD[@]}"
					size=$(stat -c %s "$img" 2>/dev/null || echo -)
					record "$rep" "$c" "$case" "$tool" "$size" -
					# keep the images the fsck cases read
					case $tool:$comp in
					ours:*|squashfs:none|squashfs:lz4hc) ;;
					erofs-1.9:lzma|erofs-1.9:zstd|erofs-1.9:deflate) ;;
					*) rm -f "$img" ;;
					esac ;;
				rebuild-*)
					img=$W/$c-$comp-rebuild.img
					cmd_for "$case" "$tool" "$src" "$img"
					if [ "$tool" = ours-fresh ]; then
						rm -f "$img"
					elif ! [ -f "$img" ]; then
						cmd_for "$case" ours "$src" "$img"
						"${CMD[@]}" >/dev/null 2>&1
						cmd_for "$case" "$tool" "$src" "$img"
					fi
					timed "$W/log" "${CMD[@]}"
					size=$(stat -c %s "$img" 2>/dev/null || echo -)
					record "$rep" "$c" "$case" "$tool" "$size" -
					settle ;;
				check-*|export-*)
					img=$(image_for "$c" "$comp" "$tool")
					if ! can "$tool" fsck "$comp"; then
						skipped "$rep" "$c" "$case" "$tool" ns
						continue
					elif ! [ -f "$img" ]; then
						skipped "$rep" "$c" "$case" "$tool" noimg
						continue
					fi
					[ "$rep" = 1 ] && [ "${img##*-}" = 1.9.img ] &&
						echo "$c $case: no image of ours, the rows read 1.9.3's" >>"$W/notes.txt"
					cmd_for "$case" "$tool" "$img" -
					timed "$W/log" "${CMD[@]}"
					record "$rep" "$c" "$case" "$tool" - - ;;
				extract-*)
					img=$(image_for "$c" "$comp" "$tool")
					if ! can "$tool" fsck "$comp"; then
						skipped "$rep" "$c" "$case" "$tool" ns
						continue
					elif ! [ -f "$img" ]; then
						skipped "$rep" "$c" "$case" "$tool" noimg
						continue
					fi
					[ "$rep" = 1 ] && [ "${img##*-}" = 1.9.img ] &&
						echo "$c $case: no image of ours, the rows read 1.9.3's" >>"$W/notes.txt"
					x=$XDIR/x
					rm -rf "$x"
					cmd_for "$case" "$tool" "$img" "$x"
					timed "$W/log" "${CMD[@]}"
					v=-
					if [ "$VERIFY" = 1 ] && [ "$rep" = 1 ]; then
						if diff -r --no-dereference -q "$src" "$x" >/dev/null 2>&1; then
							v=same
						else
							v=DIFF
						fi
					fi
					rm -rf "$x"
					record "$rep" "$c" "$case" "$tool" - "$v" ;;
				esac
			done
		done
		rm -f "$W"/*.img
	done
done

# ---- the table -----------------------------------------------------------------
awk -F '\t' -v nproc="$NPROC" -v out="$RESULTS_TSV" "$STATS_AWK"'
function pf(ok) { return ok ? "PASS" : "FAIL" }
# lim R LIMIT NAME: one target, counted; "NAME<=LIMIT PASS|FAIL|n/a"
function lim(r, l, name) {
	if (r == "-") { nna++; return name "<=" l " n/a" }
	if (r + 0 <= l + 0) { npass++; return name "<=" l " PASS" }
	nfail++; return name "<=" l " FAIL"
}
function codec(cs) { return cs ~ /-(lzma|zstd|deflate)$/ }
function i17(cs) { return cs ~ /^mkfs-(fedora-live|installer|lz4hc-frag)$/ }
NR == 1 { next }
{
	k = $2 SUBSEP $3 SUBSEP $4
	if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
	add(wall, k, $5)
	if ($6 != "-" && $7 != "-") add(cpu, k, $6 + $7)
	add(rss, k, $8 == "-" ? "-" : $8 / 1024)
	add(size, k, $9 == "-" ? "-" : $9 / 1048576)
	if ($10 != 0) rc[k] = $10; else if (!(k in rc)) rc[k] = 0
	if ($11 == "DIFF") ver[k] = "DIFF"
	else if ($11 == "same" && ver[k] != "DIFF") ver[k] = "same"
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		W[k] = median(wall[k]); C[k] = median(cpu[k])
		R[k] = median(rss[k]); S[k] = median(size[k])
		if (!(k in ver)) ver[k] = "-"
	}
	hdr = sprintf("%-6s %-16s %-10s %8s %8s %8s %9s %4s %5s | %6s %6s %6s %6s | %s",
		"corpus", "case", "tool", "wall_s", "cpu_s", "rss_MiB", "size_MiB",
		"exit", "tree", "r_wall", "r_cpu", "r_rss", "r_size", "ratios ours/peer; target")
	print hdr
	print "corpus\tcase\ttool\twall_s\tcpu_s\trss_mib\tsize_mib\texit\ttree\twall_ratio\tcpu_ratio\trss_ratio\tsize_ratio\ttarget" > out
	npass = nfail = nna = 0
	prev = ""
	for (i = 1; i <= nk; i++) {
		k = order[i]; split(k, f, SUBSEP)
		corpus = f[1]; cs = f[2]; tool = f[3]
		o = corpus SUBSEP cs SUBSEP "ours"
		rw = rc_ = rr = rs = "-"; tgt = ""
		if (tool != "ours" && tool != "ours-w1" && (o in seen)) {
			rw = ratio(W[o], W[k]); rc_ = ratio(C[o], C[k])
			rr = ratio(R[o], R[k]); rs = ratio(S[o], S[k])
		}
		bad = (o in rc) && rc[o] != 0
		why = bad ? (rc[o] == "ns" ? "n/a (ours: not supported by this build)" : rc[o] == "noimg" ? "n/a (ours: no image)" : "n/a (ours exit " rc[o] ")") : "n/a (no ratio)"
		if (rc[k] == "ns" || rc[k] == "noimg") {
			who = (tool == "ours" || tool == "ours-w1") ? "ours" : tool
			tgt = who ": " (rc[k] == "ns" ? "not supported by this build" : "no image to read")
		} else if (tool == "erofs-1.9" && rc[k] != 0) {
			tgt = "peer exit " rc[k]
		} else if (cs ~ /^rebuild-/ && (tool == "ours-fresh" || tool == "erofs-1.9")) {
			# issue #23: a rebuild costs what a fresh build does
			if (bad) { tgt = why; nna++ }
			else if (tool == "ours-fresh") tgt = lim(rw, "1.05", "wall") " (ours rebuild/ours fresh)"
			else tgt = lim(rw, "0.80", "wall") " (both rebuilding)"
		} else if (tool == "floor") {
			# issue #19: how close a build comes to the compressor alone
			tgt = "no target: " (bad ? why : sprintf("ours cpu/floor cpu %s, ours wall/(floor cpu/%d) %s", rc_, nproc, ratio(W[o], C[k] / nproc)))
		} else if (tool == "erofs-1.9" && cs ~ /^mkfs-/) {
			# issue #19 (none, lz4, lz4hc) and #16 (lzma, zstd, deflate)
			lw = cs == "mkfs-none" ? 0.80 : cs == "mkfs-lz4" ? 0.75 : cs == "mkfs-lzma" || i17(cs) ? 0.50 : 0.60
			lr = codec(cs) || i17(cs) ? "1.00" : "0.60"
			if (bad) { tgt = why; nna += 3 }
			else tgt = lim(rw, sprintf("%.2f", lw), "wall") ", " lim(rs, "1.00", "size") ", " lim(rr, lr, "rss")
		} else if (tool == "erofs-1.9" && cs ~ /^check-/) {
			# our check decodes every file, as --extract of 1.9.3 without
			# a directory does (its plain check reads metadata only)
			if (bad) { tgt = why; nna++ }
			else tgt = lim(rw, codec(cs) ? "0.50" : "0.40", "wall") " (1.9.3: --extract, no dir)"
		} else if (tool == "erofs-1.9" && cs ~ /^extract-/) {
			if (bad) tgt = why
			else if (codec(cs)) tgt = "no target stated"
			else tgt = lim(rw, "0.40", "wall")
		} else if (tool == "erofs-1.5" && (cs == "mkfs-lz4" || cs == "mkfs-lz4hc")) {
			if (bad || rw == "-") { tgt = why; nna++ }
			else {
				tgt = "wall<=0.50 " pf(rw + 0 <= 0.50) ", size<=1.00 " pf(rs + 0 <= 1.00)
				if (rw + 0 <= 0.50) npass++; else nfail++
				if (rs + 0 <= 1.00) npass++; else nfail++
			}
		} else if (tool == "erofs-1.5" && cs == "extract-lz4hc") {
			if (bad || rw == "-") { tgt = why; nna++ }
			else { tgt = "wall<=0.50 " pf(rw + 0 <= 0.50); if (rw + 0 <= 0.50) npass++; else nfail++ }
		} else if (tool == "erofs-1.5" && cs == "check-lz4hc") {
			# Debian 1.5 checks metadata only: "faster still" is our
			# check against its extract (the least that reads the data)
			x = corpus SUBSEP "extract-lz4hc" SUBSEP "ours"
			d = corpus SUBSEP "extract-lz4hc" SUBSEP "erofs-1.5"
			if (bad || !(x in seen) || !(d in seen) || ratio(W[o], W[d]) == "-") { tgt = why; nna++ }
			else {
				rd = ratio(W[o], W[d])
				ok = rd + 0 <= 0.50 && W[o] + 0 < W[x] + 0
				tgt = "ours/Debian extract = " rd ", <=0.50 and < our extract " pf(ok)
				if (ok) npass++; else nfail++
			}
		} else if (tool == "ours" && cs ~ /^export-/) {
			# issue #20: <= 0.5 of extract + tar -c; the extract alone
			# is the part measured here, and peak RSS <= 64 MiB
			x = corpus SUBSEP "extract-" substr(cs, 8) SUBSEP "ours"
			tgt = "export/extract = " ((x in seen) ? ratio(W[k], W[x]) : "-") ", "
			if (R[k] == "-") { tgt = tgt "rss<=64MiB n/a"; nna++ }
			else { tgt = tgt "rss<=64MiB " pf(R[k] + 0 <= 64); if (R[k] + 0 <= 64) npass++; else nfail++ }
		} else if (tool == "ours" && cs ~ /^mkfs-/ && (corpus == "usr" || corpus == "huge")) {
			lm = i17(cs) ? 256 : 100
			if (R[k] == "-") { tgt = "rss<=" lm "MiB n/a"; nna++ }
			else { tgt = "rss<=" lm "MiB " pf(R[k] + 0 <= lm); if (R[k] + 0 <= lm) npass++; else nfail++ }
		} else if (tool == "ours-w1" && cs !~ /^mkfs-/) {
			sc = ratio(W[k], W[o])
			tgt = sprintf("speed-up w1/w%d = %s", nproc, sc)
		} else if (tool == "ours-w1" && corpus == "small") {
			# files under 4 KiB never save a block compressed: there is
			# nothing for workers to share, so no target
			tgt = sprintf("scaling w1/w%d = %s (no target: nothing to compress)", nproc, ratio(W[k], W[o]))
		} else if (tool == "ours-w1") {
			sc = ratio(W[k], W[o])
			if (sc == "-" || bad) { tgt = "scaling n/a"; nna++ }
			else {
				tgt = sprintf("scaling w1/w%d = %s, >=1.80 %s", nproc, sc, pf(sc + 0 >= 1.80))
				if (sc + 0 >= 1.80) npass++; else nfail++
			}
		}
		if (tool != "ours" && tool != "ours-w1" && rc[k] != 0 && tgt == "")
			tgt = "peer exit " rc[k]
		if (rc[k] != 0 && rc[k] != "ns" && rc[k] != "noimg" && (tool == "ours" || tool == "ours-w1"))
			tgt = (tgt == "" ? "" : tgt "; ") "EXIT " rc[k] " (figures are of a failing run)"
		if (prev != "" && prev != corpus SUBSEP cs) print ""
		prev = corpus SUBSEP cs
		printf "%-6s %-16s %-10s %8s %8s %8s %9s %4s %5s | %6s %6s %6s %6s | %s\n",
			corpus, cs, tool, fmt(W[k], "%.3f"), fmt(C[k], "%.2f"), fmt(R[k], "%.1f"),
			fmt(S[k], "%.1f"), rc[k], ver[k], rw, rc_, rr, rs, tgt
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			corpus, cs, tool, W[k], C[k], R[k], S[k], rc[k], ver[k], rw, rc_, rr, rs, tgt > out
	}
	printf "\ntargets met: %d of %d (%d not measurable yet)\n", npass, npass + nfail, nna
}' "$RUNS_TSV" | tee "$BENCH_DIR/table.txt"

[ -f "$W/notes.txt" ] && sort -u "$W/notes.txt" | sed 's/^/note: /'
cat <<EOF

Ratios are ours/peer (below 1: ours is faster, leaner or smaller); the main
peer is erofs-utils 1.9.3 (erofs-1.9), Debian's 1.5 and squashfs-tools are
extra columns.  check and extract rows read our image (unsquashfs:
mksquashfs's; an algorithm our mkfs lacks: 1.9.3's).  The check row of 1.9.3
is its \`fsck.erofs --extract IMG' (no directory): without --extract it checks
metadata only, like Debian 1.5's plain fsck; ours reads the data either way.
The rebuild rows build over the image the row before left at DEST; the
ratio of ours-fresh is our rebuild over our fresh build (DEST removed).
"ns": not supported by this build (probed on a tiny tree), not run.  "tree":
the extracted tree against the source (diff -r, first run only).  Trees are
extracted into $XDIR_NOTE.  Targets never fail the run.
load now: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
results: $RESULTS_TSV  every run: $RUNS_TSV
EOF
# the fuse-* cases: bench/fuse.sh, which mounts and times on its own
for c in ${FUSE_ALGS:+$CORPORA}; do
	echo
	BENCH_DIR=$BENCH_DIR BENCH_FUSE_SRC=$(corpus_dir "$c") OURS_MKFS=$OURS_MKFS \
		OURS_FUSE=$OURS_FUSE EU19_BIN=$EU19_BIN bash "$here/fuse.sh" $FUSE_ALGS ||
		note "bench/fuse.sh failed on the $c corpus"
done

# the kernel reading the images: bench/kread.sh on the usr corpus
KREAD_COMPS=
for case in $CASES; do
	case $case in kread-*) KREAD_COMPS="$KREAD_COMPS ${case#kread-}" ;; esac
done
if [ -n "$KREAD_COMPS" ]; then
	echo
	BENCH_DIR=$BENCH_DIR KREAD_SRC=$(corpus_dir usr) KREAD_COMP=${KREAD_COMPS# } \
		OURS_MKFS=$OURS_MKFS EU19_MKFS=$EU19_MKFS MKSQUASHFS=$MKSQUASHFS \
		bash "$here/kread.sh" || note "bench/kread.sh failed (exit $?)"
fi
exit 0
