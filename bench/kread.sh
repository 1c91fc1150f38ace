#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/kread.sh - how fast the kernel reads our images: the same source
# tree is built by our mkfs.erofs and by erofs-utils 1.9.3's with the same
# options (-zlz4hc, and uncompressed), and by mksquashfs (-comp lz4 -Xhc;
# -noI -noD -noF -noX) when it is there, each image is mounted read-only
# through a loop device (mount -t erofs -o loop,ro) and four workloads are
# timed on it, the page cache dropped before each (sync; echo 3 >
# /proc/sys/vm/drop_caches):
#   tar    tar -C MNT -cf - . | cat >/dev/null   (piped: GNU tar does not
#          read the files when the archive is /dev/null)
#   cat    find MNT -type f -print0 | xargs -0 cat >/dev/null   (every file
#          in directory order)
#   meta   find MNT -printf '%s %m\n' >/dev/null   (a walk that stats
#          every entry, no file data)
#   rand   KREAD_RANDOM reads of 4 KiB at seeded offsets (multiples of
#          4 KiB) in the files over 1 MiB (bench/randread.c, compiled
#          here): the file list is the source tree's, so every image gets
#          the same reads; its bytes' hash must agree across the images
# The image layout is what is measured (the tools that built the images are
# not timed), so any build of our mkfs will do, a sanitizer build included.
# The tools alternate within a repetition (the order rotates each time).
# Besides the wall time, every run notes the reads the loop device saw
# (/sys/block/loopN/stat: read IOs and sectors read, the delta over the
# run): what a layout change does to the I/O.  Where tracefs is mounted
# (/sys/kernel/tracing), the requests issued to the loop device are traced
# too (block_rq_issue, in a trace instance of its own): "seeks" counts
# those that do not start where the one before ended, "seek_GiB" their
# distances added up -- figures that do not depend on the load of a shared
# machine, as the times do.  Medians are printed, and for
# 1.9.3's rows the ratio ours/theirs with the target of issue #19 (wall
# <= 0.90) beside it.  It is a measurement, not a test: no figure fails it.
#
# Needs root, loop devices and a kernel that mounts erofs; without them it
# prints why and exits 0.  bench/run.sh runs it for its cases kread-lz4hc
# and kread-none (part of `make bench`); it runs standalone too:
#   bash bench/kread.sh        (as root)
#
# Environment:
#   BENCH_DIR       where the corpus is and where kread/ is made (images,
#                   mount points, runs.tsv, table.txt; default
#                   /var/tmp/erofs-bench)
#   KREAD_SRC       the source tree (default $BENCH_DIR/usr-${BENCH_CORPUS_MB}M,
#                   bench/run.sh's usr corpus: build it with
#                   BENCH_CORPORA=usr BENCH_CASES=mkfs-none bash bench/run.sh)
#   BENCH_CORPUS_MB size of that corpus in MB (default 880; 50 with
#                   BENCH_QUICK=1)
#   KREAD_RUNS      repetitions (default 5; 1 with BENCH_QUICK=1)
#   KREAD_COMP      which images: "lz4hc none" (default) or either
#   KREAD_TESTS     which workloads (default "tar cat meta rand")
#   KREAD_RANDOM    reads of the rand workload (default 2000)
#   KREAD_SEED      its seed (default 19)
#   KREAD_SQUASHFS  auto (default: when mksquashfs is there and the kernel
#                   mounts squashfs), 0: no squashfs column
#   KREAD_KEEP=1    keep the images in $BENCH_DIR/kread/img afterwards
#   KREAD_TRACE     auto (default: when tracefs is mounted), 0: no seeks
#   KREAD_BASE_MKFS another build of our mkfs (e.g. of an older commit):
#                   its images are an extra column, "ours-base", held
#                   against ours (a before/after of a layout change)
#   OURS_MKFS EU19_MKFS (or EU19_BIN) MKSQUASHFS   tool paths
#
# Output: the table on stdout and in $BENCH_DIR/kread/table.txt, every run
# in $BENCH_DIR/kread/runs.tsv.  Exit status: 0 when it ran or was skipped,
# 2 when it could not be set up.
set -u -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
# shellcheck source=bench/common.sh
. "$here/common.sh"

note() { echo "kread: $*" >&2; }
die() { echo "kread: $*" >&2; exit 2; }
skip() { echo "kread: skipped: $*"; exit 0; }

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_CORPUS_MB:=50}" "${KREAD_RUNS:=1}"
fi
BENCH_DIR=${BENCH_DIR:-/var/tmp/erofs-bench}
SRC=${KREAD_SRC:-$BENCH_DIR/usr-${BENCH_CORPUS_MB:-880}M}
RUNS=${KREAD_RUNS:-5}
COMPS=${KREAD_COMP:-lz4hc none}
TESTS=${KREAD_TESTS:-tar cat meta rand}
NRAND=${KREAD_RANDOM:-2000}
SEED=${KREAD_SEED:-19}
case $RUNS$NRAND$SEED in
*[!0-9]*) die "KREAD_RUNS, KREAD_RANDOM and KREAD_SEED must be numbers" ;;
esac
[ "$RUNS" -ge 1 ] || RUNS=1
for c in $COMPS; do
	case $c in none|lz4hc) ;; *) die "KREAD_COMP: unknown '$c' (lz4hc, none)" ;; esac
done
for t in $TESTS; do
	case $t in tar|cat|meta|rand) ;; *) die "KREAD_TESTS: unknown '$t' (tar cat meta rand)" ;; esac
done

OURS_MKFS=${OURS_MKFS:-$(pick mkfs/mkfs.erofs)}
EU19_BIN=${EU19_BIN:-/tmp/erofs-utils-1.9.3/bin}
EU19_MKFS=${EU19_MKFS:-$EU19_BIN/mkfs.erofs}
MKSQUASHFS=${MKSQUASHFS:-/usr/bin/mksquashfs}

# ---- can we? -----------------------------------------------------------------
[ "$(id -u)" = 0 ] || skip "not root (loop mounts need root)"
[ -e /dev/loop-control ] || [ -e /dev/loop0 ] || modprobe loop 2>/dev/null
[ -e /dev/loop-control ] || [ -e /dev/loop0 ] || skip "no loop device support"
has_fs() { grep -qw "$1" /proc/filesystems 2>/dev/null || { modprobe "$1" 2>/dev/null; grep -qw "$1" /proc/filesystems; }; }
has_fs erofs || skip "the kernel cannot mount erofs (no erofs in /proc/filesystems)"
[ -x "$OURS_MKFS" ] || die "missing $OURS_MKFS (build with make)"
[ -d "$SRC" ] || die "no source tree $SRC (build the usr corpus: BENCH_CORPORA=usr BENCH_CASES=mkfs-none bash bench/run.sh, or set KREAD_SRC)"
# 1.9.3's mkfs takes a SOURCE that is a symlink for an image to rebuild
SRC=$(readlink -f "$SRC")
TOOLS=ours
BASE_MKFS=${KREAD_BASE_MKFS:-}
if [ -n "$BASE_MKFS" ]; then
	[ -x "$BASE_MKFS" ] || die "KREAD_BASE_MKFS: no $BASE_MKFS"
	TOOLS="$TOOLS ours-base"
fi
if [ -x "$EU19_MKFS" ]; then
	TOOLS="$TOOLS erofs-1.9"
else
	note "WARNING: no erofs-utils 1.9.3 at $EU19_MKFS: no ratios, no targets"
fi
if [ "${KREAD_SQUASHFS:-auto}" != 0 ] && [ -x "$MKSQUASHFS" ] && has_fs squashfs; then
	TOOLS="$TOOLS squashfs"
fi

K=$BENCH_DIR/kread
MOUNTED=''
TR=
cleanup() {
	local m
	for m in $MOUNTED; do umount "$m" 2>/dev/null; done
	[ -z "$TR" ] || rmdir "$TR" 2>/dev/null
	[ "${KREAD_KEEP:-0}" = 1 ] || rm -rf "$K/img"
	rm -rf "$K/mnt"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$K/img" "$K/mnt" || die "cannot create $K"
rm -f "$K"/img/*.img

RR=$K/randread
${CC:-cc} -O2 -o "$RR" "$here/randread.c" || die "cannot compile randread.c"
# the rand workload's files: over 1 MiB, from the source tree, by path
LIST=$K/rand.list
(cd "$SRC" && find . -type f -size +1048576c -printf '%s %P\n' | grep -v '\\' |
	sort -k 2) >"$LIST"
if [ ! -s "$LIST" ]; then
	note "no file over 1 MiB in $SRC: no rand workload"
	TESTS=$(printf '%s\n' $TESTS | grep -vx rand | tr '\n' ' ')
fi

# ---- the images ----------------------------------------------------------------
img_of() { echo "$K/img/$2-$1.img"; } # COMP TOOL
fstype_of() { case $1 in squashfs) echo squashfs ;; *) echo erofs ;; esac; }
build() { # COMP TOOL
	local img z=() sq=()
	img=$(img_of "$1" "$2")
	case $1 in
	lz4hc) z=(-zlz4hc) sq=(-comp lz4 -Xhc) ;;
	none) sq=(-noI -noD -noF -noX) ;;
	esac
	case $2 in
	ours) "$OURS_MKFS" --quiet "${z[@]}" "$img" "$SRC" ;;
	ours-base) "$BASE_MKFS" --quiet "${z[@]}" "$img" "$SRC" ;;
	erofs-1.9) "$EU19_MKFS" --quiet "${z[@]}" "$img" "$SRC" ;;
	squashfs) "$MKSQUASHFS" "$SRC" "$img" -noappend -quiet -no-progress "${sq[@]}" ;;
	esac >"$K/build.log" 2>&1
}
for comp in $COMPS; do
	for tool in $TOOLS; do
		note "building the $comp image of $tool"
		if ! build "$comp" "$tool"; then
			note "$tool $comp: mkfs failed: $(tail -n 2 "$K/build.log" | tr '\n' ' ')"
			rm -f "$(img_of "$comp" "$tool")"
		fi
	done
done
sync

# mount COMP TOOL: mounts at $MNT, sets DEV (the loop device's name)
mount_img() {
	local img
	img=$(img_of "$1" "$2")
	MNT=$K/mnt/$2-$1
	DEV=
	[ -f "$img" ] || return 1
	mkdir -p "$MNT" || return 1
	mount -t "$(fstype_of "$2")" -o loop,ro "$img" "$MNT" 2>"$K/mount.log" || return 1
	MOUNTED="$MOUNTED $MNT"
	DEV=$(findmnt -n -o SOURCE "$MNT")
	DEV=${DEV##*/}
	[ -r "/sys/block/$DEV/stat" ] || { umount "$MNT"; return 1; }
}
umount_img() {
	umount "$MNT"
	MOUNTED=${MOUNTED/ $MNT/}
}
# the first image of ours mounts, or the kernel cannot read our images
for comp in $COMPS; do
	if mount_img "$comp" ours; then
		LOOP_INFO="loop: dio=$(cat "/sys/block/$DEV/loop/dio" 2>/dev/null || echo '?'), read_ahead_kb=$(cat "/sys/block/$DEV/queue/read_ahead_kb" 2>/dev/null || echo '?')"
		umount_img
		break
	fi
	skip "cannot mount $(img_of "$comp" ours): $(head -c 200 "$K/mount.log")"
done

# reads IOs and sectors read of /sys/block/$DEV/stat
io_now() { local a; read -r -a a <"/sys/block/$DEV/stat"; echo "${a[0]} ${a[2]}"; }

# the trace of the requests issued to the loop device, when tracefs is there
if [ "${KREAD_TRACE:-auto}" != 0 ] && [ -d /sys/kernel/tracing/instances ] &&
   mkdir "/sys/kernel/tracing/instances/kread-$$" 2>/dev/null; then
	TR=/sys/kernel/tracing/instances/kread-$$
	echo 0 >"$TR/tracing_on"
	echo 32768 >"$TR/buffer_size_kb" 2>/dev/null
	[ -d "$TR/events/block/block_rq_issue" ] || { rmdir "$TR"; TR=; }
fi
[ -n "$TR" ] || note "no tracefs (or KREAD_TRACE=0): no seek figures"
trace_on() {
	local mm
	[ -n "$TR" ] || return 0
	mm=$(cat "/sys/block/$DEV/dev")
	echo "dev == $(((${mm%:*} << 20) | ${mm#*:}))" >"$TR/events/block/block_rq_issue/filter"
	echo 1 >"$TR/events/block/block_rq_issue/enable"
	echo >"$TR/trace"
	echo 1 >"$TR/tracing_on"
}
# "SEEKS GIB": requests not starting where the previous ended, and the
# distances of those added up
trace_off() {
	[ -n "$TR" ] || { echo "- -"; return 0; }
	echo 0 >"$TR/tracing_on"
	echo 0 >"$TR/events/block/block_rq_issue/enable"
	# "block_rq_issue: 7,0 R 4096 () SECTOR + NR [comm]"
	sed -n 's/.*block_rq_issue: //p' "$TR/trace" | awk '
		$6 == "+" { s = $5 + 0; if (n++ && s != pe) { k++; d += s > pe ? s - pe : pe - s }; pe = s + $7 }
		END { printf "%d %.2f\n", k, d / 2097152 }'
}

RUNS_TSV=$K/runs.tsv
printf 'rep\tcomp\ttool\ttest\twall_s\tread_ios\tsectors\texit\thash\tseeks\tseek_gib\n' >"$RUNS_TSV"
run_test() { # TEST: the workload on $MNT
	case $1 in
	tar) tar -C "$MNT" -cf - . | cat >/dev/null ;;
	cat) find "$MNT" -type f -print0 | xargs -0 -r cat >/dev/null ;;
	meta) find "$MNT" -printf '%s %m\n' >/dev/null ;;
	rand) "$RR" "$MNT" "$LIST" "$NRAND" 4096 "$SEED" >"$K/rand.out" ;;
	esac
}

rotate() {
	local k=$1
	shift
	local a=("$@") n=$# i
	for ((i = 0; i < n; i++)); do printf '%s ' "${a[(i + k) % n]}"; done
}

{
	echo "kernel read benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')"
	echo "machine: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r), runs=$RUNS (medians)"
	awk -v n="$(nproc)" '$1 >= n / 2 { printf "WARNING: load %s on %d cpus: other work shares the machine (and its disk)\n", $1, n }' /proc/loadavg
	echo "source: $SRC ($(find "$SRC" -type f | wc -l) files, $(du -sm "$SRC" | cut -f1) MB)"
	echo "ours: $OURS_MKFS"
	case " $TOOLS " in *" erofs-1.9 "*) echo "peer: $("$EU19_MKFS" -V 2>&1 | head -n 1) ($EU19_MKFS)" ;; esac
	case " $TOOLS " in *" squashfs "*) echo "extra: $("$MKSQUASHFS" -version 2>&1 | head -n 1)" ;; esac
	echo "$LOOP_INFO; rand: $NRAND reads of 4 KiB in $(wc -l <"$LIST") files over 1 MiB, seed $SEED"
	for comp in $COMPS; do
		line="images $comp:"
		for tool in $TOOLS; do
			img=$(img_of "$comp" "$tool")
			[ -f "$img" ] && line="$line $tool $(($(stat -c %s "$img") / 1048576)) MiB,"
		done
		echo "${line%,}"
	done
	echo
} | tee "$K/header.txt"

for ((rep = 1; rep <= RUNS; rep++)); do
	note "run $rep/$RUNS"
	for comp in $COMPS; do
		for tool in $(rotate $((rep - 1)) $TOOLS); do
			if ! mount_img "$comp" "$tool"; then
				[ "$rep" = 1 ] && note "$tool $comp: cannot mount: $(head -c 200 "$K/mount.log" 2>/dev/null)"
				continue
			fi
			for test in $TESTS; do
				sync
				echo 3 >/proc/sys/vm/drop_caches
				read -r io0 se0 < <(io_now)
				trace_on
				t0=$EPOCHREALTIME
				run_test "$test" 2>"$K/test.log"
				rc=$?
				t1=$EPOCHREALTIME
				read -r io1 se1 < <(io_now)
				read -r sk sg < <(trace_off)
				h=-
				[ "$test" = rand ] && [ "$rc" = 0 ] && h=$(cut -d' ' -f2 "$K/rand.out")
				[ "$rc" = 0 ] || note "$tool $comp $test: exit $rc: $(head -c 200 "$K/test.log")"
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$comp" "$tool" "$test" \
					"$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.4f", b - a }')" \
					$((io1 - io0)) $((se1 - se0)) "$rc" "$h" "$sk" "$sg" >>"$RUNS_TSV"
			done
			umount_img
		done
	done
done

# ---- the table -------------------------------------------------------------------
awk -F '\t' -v comps="$COMPS" -v tests="$TESTS" -v tools="$TOOLS" "$STATS_AWK"'
NR == 1 { next }
{
	k = $2 SUBSEP $4 SUBSEP $3
	if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
	if ($8 != 0) { bad[k] = $8; next }
	wall[k] = wall[k] " " $5; ios[k] = ios[k] " " $6; mib[k] = mib[k] " " $7 / 2048
	if ($10 != "-" && $10 != "") { sks[k] = sks[k] " " $10; sgs[k] = sgs[k] " " $11 }
	if ($9 != "-") { h[$2, $4, $9] = 1; if (!(($2, $4) in nh)) nh[$2, $4] = 0 }
}
END {
	for (k in h) { split(k, f, SUBSEP); nh[f[1], f[2]]++ }
	printf "%-6s %-5s %-10s %8s %9s %9s %7s %8s | %6s %6s %6s %6s | %s\n", "comp", "test", "tool",
		"wall_s", "read_IOs", "MiB_read", "seeks", "seek_GiB", "r_wall", "r_IOs", "r_MiB", "r_seek", "ours/peer; target"
	npass = nfail = 0
	for (i = 1; i <= nk; i++) {
		k = order[i]; split(k, f, SUBSEP)
		W[k] = median(wall[k]); I[k] = median(ios[k]); M[k] = median(mib[k])
		SK[k] = median(sks[k]); SG[k] = median(sgs[k])
	}
	# rows by image kind, then workload, then tool, in the order asked
	nc = split(comps, C_, " "); nt = split(tests, T_, " "); nl = split(tools, L_, " ")
	nk = 0
	for (a = 1; a <= nc; a++) for (b = 1; b <= nt; b++) for (c = 1; c <= nl; c++) {
		k = C_[a] SUBSEP T_[b] SUBSEP L_[c]
		if (k in seen) order[++nk] = k
	}
	prev = ""
	for (i = 1; i <= nk; i++) {
		k = order[i]; split(k, f, SUBSEP)
		o = f[1] SUBSEP f[2] SUBSEP "ours"
		rw = ri = rm = rs = "-"; tgt = ""
		if (f[3] != "ours" && (o in W)) {
			rw = ratio(W[o], W[k]); ri = ratio(I[o], I[k]); rm = ratio(M[o], M[k])
			rs = ratio(SG[o], SG[k])
		}
		if (f[3] == "erofs-1.9") {
			if (rw == "-") tgt = "wall<=0.90 n/a"
			else if (rw + 0 <= 0.90) { tgt = "wall<=0.90 PASS"; npass++ }
			else { tgt = "wall<=0.90 FAIL"; nfail++ }
		}
		if (k in bad) tgt = tgt (tgt == "" ? "" : "; ") "EXIT " bad[k] " in a run"
		if (f[2] == "rand" && nh[f[1], f[2]] > 1 && f[3] == "ours") tgt = "DIFFERENT BYTES READ across images"
		if (prev != "" && prev != f[1] SUBSEP f[2]) print ""
		prev = f[1] SUBSEP f[2]
		printf "%-6s %-5s %-10s %8s %9s %9s %7s %8s | %6s %6s %6s %6s | %s\n", f[1], f[2], f[3],
			fmt(W[k], "%.3f"), fmt(I[k], "%d"), fmt(M[k], "%.1f"), fmt(SK[k], "%d"),
			fmt(SG[k], "%.1f"), rw, ri, rm, rs, tgt
	}
	printf "\ntargets met: %d of %d\n", npass, npass + nfail
}' "$RUNS_TSV" | tee "$K/table.txt"

cat <<EOF

Medians over $RUNS runs, the page cache dropped before each.  read_IOs and
MiB_read: what the loop device was asked to read during the run (its
/sys/block/loopN/stat); seeks, seek_GiB: its requests that did not start
where the one before ended, and their distances added up (traced; "-"
without tracefs).  Ratios are ours/peer (below 1: ours is faster or reads
or seeks less; r_seek is of seek_GiB); the target (issue #19) is held
against erofs-utils 1.9.3.
load now: $(cut -d' ' -f1-3 /proc/loadavg)
every run: $RUNS_TSV
EOF
exit 0
