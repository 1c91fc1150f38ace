#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/fuse.sh - our erofsfuse against erofs-utils 1.9.3's erofsfuse and
# Debian's squashfuse, on the same tree (issue #21).  bench/run.sh runs it
# for its cases fuse-lz4hc and fuse-lzma; it also runs on its own:
#
#   bench/fuse.sh [ALG...]        ALG: lz4hc, lzma (default: both)
#
# Images: our mkfs.erofs -zALG of the tree (read by both erofsfuses), and
# mksquashfs of the same tree (-comp lz4 -Xhc for lz4hc, -comp xz for lzma)
# for squashfuse; with BENCH_FUSE_EU_IMAGE=1 also 1.9.3's mkfs.erofs image,
# read by both erofsfuses (rows ours@eu, erofs-1.9@eu).  A peer that is
# missing loses its rows, with a note (apt-get install squashfuse).
#
# Workloads, each on a cold daemon: mount (daemon in the foreground under
# /usr/bin/time), `sync; echo 3 >/proc/sys/vm/drop_caches' (root only),
# the timed workload, unmount; then the daemon's CPU time and peak RSS.
#   seq    find MNT -type f -print0 | xargs -0 cat >/dev/null
#   rand   BENCH_FUSE_READS (2000) seeded random 4 KiB preads in the files
#          over 1 MiB (bench/fuse_randread.c; files listed from the source
#          tree, untimed); the sum of the bytes read must agree between
#          the daemons (a differing one is flagged DIFF)
#   meta   find MNT -printf '%s %m\n' >/dev/null
# BENCH_FUSE_RUNS (>= 5, default 5) repetitions, the daemons alternating
# (rotated each repetition); medians.  Ratios are ours/peer: the target is
# wall <= 0.70 of each peer's for every workload; peak RSS is reported
# (bounded memory, no ratio target).  Nothing fails on a figure.
#
# Environment:
#   BENCH_DIR            cache directory (default /var/tmp/erofs-bench)
#   BENCH_FUSE_SRC       the tree (default $BENCH_DIR/usr-${BENCH_CORPUS_MB:-880}M,
#                        run.sh's usr corpus)
#   BENCH_FUSE_MB        > 0: use a subset of about that many MB of the tree
#                        (every k-th file, made once beside it)
#   BENCH_FUSE_RUNS BENCH_FUSE_READS BENCH_FUSE_SEED (1)
#   BENCH_FUSE_WORKLOADS (default "seq rand meta")
#   BENCH_FUSE_TOOLS     (default "ours erofs-1.9 squashfuse"; ours@eu and
#                        erofs-1.9@eu with BENCH_FUSE_EU_IMAGE=1)
#   BENCH_FUSE_KEEP=1    keep the images in $BENCH_DIR/fuse-img and reuse
#                        them next time (else they are made afresh)
#   BASE_FUSE            another build of our erofsfuse (say, before a change):
#                        rows "base", on our image, ours/base beside them
#   OURS_MKFS OURS_FUSE EU19_BIN EU19_MKFS EU19_FUSE SQUASHFUSE MKSQUASHFS
# Output: the table on stdout and in $BENCH_DIR/fuse-table.txt, every
# measurement in $BENCH_DIR/fuse-runs.tsv.  Exit 0 when it ran, 2 when it
# could not be set up.
set -u -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
# shellcheck source=bench/common.sh
. "$here/common.sh"
die() { echo "bench/fuse: $*" >&2; exit 2; }
note() { echo "bench/fuse: $*" >&2; }

BENCH_DIR=${BENCH_DIR:-/var/tmp/erofs-bench}
SRC=${BENCH_FUSE_SRC:-$BENCH_DIR/usr-${BENCH_CORPUS_MB:-880}M}
SUB_MB=${BENCH_FUSE_MB:-0}
RUNS=${BENCH_FUSE_RUNS:-5}
NREADS=${BENCH_FUSE_READS:-2000}
SEED=${BENCH_FUSE_SEED:-1}
WORKLOADS=${BENCH_FUSE_WORKLOADS:-seq rand meta}
KEEP=${BENCH_FUSE_KEEP:-0}
ALGS=${*:-lz4hc lzma}
NPROC=$(nproc 2>/dev/null || echo 1)
case $SUB_MB$RUNS$NREADS$SEED in
*[!0-9]*) die "BENCH_FUSE_MB, BENCH_FUSE_RUNS, BENCH_FUSE_READS and BENCH_FUSE_SEED must be numbers" ;;
esac
[ "$RUNS" -ge 5 ] || { note "BENCH_FUSE_RUNS=$RUNS: taking 5"; RUNS=5; }
for a in $ALGS; do
	case $a in lz4hc|lzma) ;; *) die "unknown algorithm '$a' (lz4hc, lzma)" ;; esac
done
for w in $WORKLOADS; do
	case $w in seq|rand|meta) ;; *) die "unknown workload '$w' (seq, rand, meta)" ;; esac
done

OURS_MKFS=${OURS_MKFS:-$(pick mkfs/mkfs.erofs)}
OURS_FUSE=${OURS_FUSE:-$(pick fuse/erofsfuse)}
EU19_BIN=${EU19_BIN:-/tmp/erofs-utils-1.9.3/bin}
EU19_MKFS=${EU19_MKFS:-$EU19_BIN/mkfs.erofs}
EU19_FUSE=${EU19_FUSE:-$EU19_BIN/erofsfuse}
SQUASHFUSE=${SQUASHFUSE:-/usr/bin/squashfuse}
MKSQUASHFS=${MKSQUASHFS:-/usr/bin/mksquashfs}
[ -x "$OURS_MKFS" ] || die "missing $OURS_MKFS (make)"
[ -x "$OURS_FUSE" ] || die "missing $OURS_FUSE (erofsfuse is built only with libfuse3: apt-get install libfuse3-dev, then configure)"
[ -x /usr/bin/time ] || die "no /usr/bin/time (apt-get install time): it measures the daemons"
command -v fusermount3 >/dev/null || die "no fusermount3 (apt-get install fuse3)"
[ -e /dev/fuse ] || die "no /dev/fuse"

NOTES=()
for t in "$OURS_MKFS" "$OURS_FUSE"; do
	sanitized "$t" && NOTES+=("WARNING: $t is a sanitizer build, figures are meaningless")
done
DEFAULT_TOOLS="ours"
BASE_FUSE=${BASE_FUSE:-}
if [ -n "$BASE_FUSE" ]; then
	[ -x "$BASE_FUSE" ] || die "BASE_FUSE: no $BASE_FUSE"
	DEFAULT_TOOLS="$DEFAULT_TOOLS base"
fi
if [ -x "$EU19_FUSE" ] && [ -x "$EU19_MKFS" ]; then
	DEFAULT_TOOLS="$DEFAULT_TOOLS erofs-1.9"
	[ "${BENCH_FUSE_EU_IMAGE:-0}" = 1 ] && DEFAULT_TOOLS="$DEFAULT_TOOLS ours@eu erofs-1.9@eu"
else
	NOTES+=("no erofs-utils 1.9.3 erofsfuse in $EU19_BIN: no erofs-1.9 rows")
fi
if [ -x "$SQUASHFUSE" ] && [ -x "$MKSQUASHFS" ]; then
	DEFAULT_TOOLS="$DEFAULT_TOOLS squashfuse"
else
	NOTES+=("no squashfuse ($SQUASHFUSE) or mksquashfs: no squashfuse rows (apt-get install squashfuse squashfs-tools)")
fi
TOOLS=${BENCH_FUSE_TOOLS:-$DEFAULT_TOOLS}
ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1
[ $ROOT = 1 ] || NOTES+=("not root: page cache not dropped, the image files stay cached between runs")

[ -d "$SRC" ] || die "no tree $SRC (BENCH_FUSE_SRC; bench/run.sh builds the usr corpus there)"
mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
W=$BENCH_DIR/fuse-work
MNT=$W/mnt
umount "$MNT" 2>/dev/null	# left mounted by a run that was killed
rm -rf "$W"
mkdir -p "$W/bin" "$MNT" || die "cannot create $W"
IMGDIR=$W
[ "$KEEP" = 1 ] && IMGDIR=$BENCH_DIR/fuse-img
mkdir -p "$IMGDIR" || die "cannot create $IMGDIR"
DPID=
cleanup() {
	if mountpoint -q "$MNT" 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# copies, so that a rebuild during the run cannot change what is measured
cp "$OURS_MKFS" "$W/bin/mkfs.erofs" && cp "$OURS_FUSE" "$W/bin/erofsfuse" ||
	die "cannot copy our binaries"
[ -z "$BASE_FUSE" ] || cp "$BASE_FUSE" "$W/bin/erofsfuse-base" ||
	die "cannot copy $BASE_FUSE"
${CC:-cc} -O2 -Wall -o "$W/bin/fuse_randread" "$here/fuse_randread.c" ||
	die "cannot build bench/fuse_randread.c"

# ---- the tree ------------------------------------------------------------------
if [ "$SUB_MB" -gt 0 ]; then
	sub=${SRC%/}-sub${SUB_MB}M
	if ! [ -f "$sub.done" ] || ! [ -d "$sub" ]; then
		note "taking a subset of about $SUB_MB MB of $SRC into $sub"
		rm -rf "$sub" "$sub.done"
		mkdir -p "$sub" || die "cannot create $sub"
		(cd "$SRC" && find . \( -type f -o -type l \) -printf '%s\t%P\n' |
			grep -v '\\' | sort -t "$(printf '\t')" -k2,2) |
			awk -F '\t' -v target=$((SUB_MB * 1000000)) '
			{ n++; sz[n] = $1; p[n] = $2; tot += $1 }
			END {
				f = tot > target ? target / tot : 1
				for (i = 1; i <= n; i++)
					if (int(i * f) != int((i - 1) * f)) print p[i]
			}' >"$W/sub.list" || die "cannot list $SRC"
		(cd "$SRC" && tar --no-recursion --verbatim-files-from -T "$W/sub.list" -cf -) |
			tar -C "$sub" -xpf - || die "cannot copy the subset"
		find "$sub" -type f -printf '%s\n' |
			awk '{ n++; s += $1 } END { printf "%d files, %.1f MiB\n", n, s / 1048576 }' >"$sub.done"
	fi
	SRC=$sub
fi
TREE=$(basename "$SRC")
# the files of the random reads, listed from the source (not timed)
(cd "$SRC" && find . -type f -size +1M -printf '%s\t%P\n' | grep -v '\\' |
	sort -t "$(printf '\t')" -k2,2) >"$W/big.list"
NBIG=$(wc -l <"$W/big.list")
[ "$NBIG" -gt 0 ] || NOTES+=("no file over 1 MiB in $SRC: no rand rows")

# ---- images -----------------------------------------------------------------------
# image ALG KIND: the path of the image of the tree (KIND ours, eu, sqfs)
image() { echo "$IMGDIR/$TREE-$1-$2.img"; }
make_image() { # ALG KIND
	local img z sq
	img=$(image "$1" "$2")
	[ "$KEEP" = 1 ] && [ -s "$img" ] && return 0
	rm -f "$img"
	case $1 in
	lz4hc) z=-zlz4hc sq=(-comp lz4 -Xhc) ;;
	lzma) z=-zlzma sq=(-comp xz) ;;
	esac
	note "making $(basename "$img")"
	case $2 in
	ours) "$W/bin/mkfs.erofs" --quiet "$z" "$img" "$SRC" ;;
	eu) "$EU19_MKFS" --quiet "$z" "$img" "$SRC" ;;
	sqfs) "$MKSQUASHFS" "$SRC" "$img" -noappend -no-progress -quiet \
		-processors "$NPROC" "${sq[@]}" ;;
	esac >"$W/mkfs.log" 2>&1 || { rm -f "$img"; note "$(basename "$img"): $(tail -n 2 "$W/mkfs.log" | tr '\n' ' ')"; return 1; }
}
has_tool() { case " $TOOLS " in *" $1 "*) return 0 ;; esac; return 1; }
for a in $ALGS; do
	make_image "$a" ours || die "our mkfs failed"
	if has_tool ours@eu || has_tool erofs-1.9@eu; then
		make_image "$a" eu || NOTES+=("1.9.3's mkfs failed on $a: no @eu rows")
	fi
	if has_tool squashfuse; then
		make_image "$a" sqfs || NOTES+=("mksquashfs failed on $a: no squashfuse rows")
	fi
done

# ---- measuring -------------------------------------------------------------------
RUNS_TSV=$BENCH_DIR/fuse-runs.tsv
printf 'rep\talg\tworkload\ttool\twall_s\tdaemon_cpu_s\tdaemon_rss_kib\texit\tcheck\n' >"$RUNS_TSV"

# daemon TOOL ALG: sets CMD, the daemon in the foreground, and IMG
daemon() {
	case $1 in
	ours) IMG=$(image "$2" ours); CMD=("$W/bin/erofsfuse" -f "$IMG" "$MNT") ;;
	ours@eu) IMG=$(image "$2" eu); CMD=("$W/bin/erofsfuse" -f "$IMG" "$MNT") ;;
	base) IMG=$(image "$2" ours); CMD=("$W/bin/erofsfuse-base" -f "$IMG" "$MNT") ;;
	erofs-1.9) IMG=$(image "$2" ours); CMD=("$EU19_FUSE" -f "$IMG" "$MNT") ;;
	erofs-1.9@eu) IMG=$(image "$2" eu); CMD=("$EU19_FUSE" -f "$IMG" "$MNT") ;;
	squashfuse) IMG=$(image "$2" sqfs); CMD=("$SQUASHFUSE" -f "$IMG" "$MNT") ;;
	*) die "unknown tool '$1' (ours erofs-1.9 squashfuse ours@eu erofs-1.9@eu base)" ;;
	esac
}

workload() { # NAME: run it on $MNT, its output in $W/wl.out
	case $1 in
	seq) find "$MNT" -type f -print0 | xargs -0 -r cat >/dev/null ;;
	rand) "$W/bin/fuse_randread" "$MNT" "$W/big.list" "$NREADS" "$SEED" ;;
	meta) find "$MNT" -printf '%s %m\n' >/dev/null ;;
	esac >"$W/wl.out" 2>&1
}

# measure REP ALG WORKLOAD TOOL: one cold daemon, one row of $RUNS_TSV
measure() {
	local rep=$1 alg=$2 wl=$3 tool=$4 tf=$W/daemon.time i rc t0 t1
	local wall=- cpu=- rss=- chk=- dw du ds dm
	daemon "$tool" "$alg"
	if ! [ -s "$IMG" ]; then
		printf '%s\t%s\t%s\t%s\t-\t-\t-\tnoimg\t-\n' "$rep" "$alg" "$wl" "$tool" >>"$RUNS_TSV"
		return
	fi
	rm -f "$tf"
	/usr/bin/time -f '%e %U %S %M' -o "$tf" "${CMD[@]}" >"$W/daemon.log" 2>&1 </dev/null &
	DPID=$!
	for ((i = 0; i < 400; i++)); do
		mountpoint -q "$MNT" && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.025
	done
	if ! mountpoint -q "$MNT"; then
		note "$tool $alg: the mount failed: $(tail -n 2 "$W/daemon.log" | tr '\n' ' ')"
		kill "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
		DPID=
		printf '%s\t%s\t%s\t%s\t-\t-\t-\tmount\t-\n' "$rep" "$alg" "$wl" "$tool" >>"$RUNS_TSV"
		return
	fi
	if [ $ROOT = 1 ]; then
		sync
		echo 3 >/proc/sys/vm/drop_caches
	fi
	t0=$EPOCHREALTIME
	workload "$wl"
	rc=$?
	t1=$EPOCHREALTIME
	wall=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.4f", b - a }')
	[ "$rc" = 0 ] || note "$tool $alg $wl: exit $rc: $(tail -n 2 "$W/wl.out" | tr '\n' ' ')"
	[ "$wl" = rand ] && [ "$rc" = 0 ] && chk=$(awk '{ print $NF }' "$W/wl.out")
	fusermount3 -u "$MNT" 2>/dev/null || umount "$MNT" 2>/dev/null ||
		{ sleep 0.2; fusermount3 -u "$MNT" 2>/dev/null; } ||
		{ umount -l "$MNT"; kill "$DPID" 2>/dev/null; }
	wait "$DPID" 2>/dev/null
	DPID=
	read -r dw du ds dm < <(tail -n 1 "$tf" 2>/dev/null)
	case ${du:-x}${ds:-x}${dm:-x} in
	*[!0-9.]*) ;;
	*) cpu=$(awk -v u="$du" -v s="$ds" 'BEGIN { printf "%.2f", u + s }'); rss=$dm ;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$alg" "$wl" "$tool" \
		"$wall" "$cpu" "$rss" "$rc" "$chk" >>"$RUNS_TSV"
}

rotate() { # K WORDS...: the words starting at the K-th, wrapping round
	local k=$1
	shift
	local a=("$@") n=$# i
	for ((i = 0; i < n; i++)); do printf '%s ' "${a[(i + k) % n]}"; done
}

{
	echo "erofsfuse benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')"
	echo "machine: $NPROC cpus, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null), runs=$RUNS (medians), cold daemon per run"
	echo "ours: $OURS_FUSE (images: $OURS_MKFS)"
	[ -z "$BASE_FUSE" ] || echo "base: $BASE_FUSE"
	has_tool erofs-1.9 && echo "erofs-1.9: $EU19_FUSE ($("$EU19_MKFS" -V 2>&1 | head -n 1))"
	has_tool squashfuse && echo "squashfuse: $SQUASHFUSE ($(dpkg-query -W -f '${Version}' squashfuse 2>/dev/null || echo '?')), images by $("$MKSQUASHFS" -version 2>&1 | head -n 1)"
	echo "tree: $SRC: $(find "$SRC" -type f | wc -l) files, $(du -sm --apparent-size "$SRC" | cut -f1) MB; $NBIG files over 1 MiB for rand ($NREADS reads, seed $SEED)"
	for a in $ALGS; do
		for k in ours eu sqfs; do
			img=$(image "$a" "$k")
			[ -s "$img" ] && echo "image $a $k: $(($(stat -c %s "$img") / 1048576)) MiB"
		done
	done
	for n in "${NOTES[@]}"; do echo "note: $n"; done
	echo
} | tee "$BENCH_DIR/fuse-header.txt"

for ((rep = 1; rep <= RUNS; rep++)); do
	note "run $rep/$RUNS"
	for alg in $ALGS; do
		for wl in $WORKLOADS; do
			[ "$wl" = rand ] && [ "$NBIG" = 0 ] && continue
			for tool in $(rotate $((rep - 1)) $TOOLS); do
				measure "$rep" "$alg" "$wl" "$tool"
			done
		done
	done
done

# ---- the table ----------------------------------------------------------------------
awk -F '\t' "$STATS_AWK"'
NR == 1 { next }
{
	k = $2 SUBSEP $3 SUBSEP $4
	if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
	add(wall, k, $5); add(cpu, k, $6); add(rss, k, $7 == "-" ? "-" : $7 / 1024)
	if ($8 != 0) rc[k] = $8; else if (!(k in rc)) rc[k] = 0
	if ($9 != "-") {
		ck = $2 SUBSEP $3
		if (!(ck in sum)) sum[ck] = $9
		else if (sum[ck] != $9) diff[k] = 1
	}
}
END {
	printf "%-6s %-5s %-13s %8s %8s %8s %5s | %6s %6s | %s\n", "alg", "load",
		"daemon", "wall_s", "cpu_s", "rss_MiB", "exit", "r_wall", "r_rss",
		"ours/peer; target wall<=0.70"
	npass = nfail = 0; prev = ""
	for (i = 1; i <= nk; i++) {
		k = order[i]; split(k, f, SUBSEP)
		W = median(wall[k]); C = median(cpu[k]); R = median(rss[k])
		tool = f[3]; at = tool ~ /@eu$/ ? "@eu" : ""
		o = f[1] SUBSEP f[2] SUBSEP "ours" at
		rw = rr = "-"; tgt = ""
		if (tool !~ /^ours/ && (o in seen)) {
			rw = ratio(median(wall[o]), W); rr = ratio(median(rss[o]), R)
			if (rc[o] != 0 || rc[k] != 0) tgt = "n/a (exit " rc[o] "/" rc[k] ")"
			else if (tool == "base") tgt = "ours/base: no target"
			else if (rw == "-") tgt = "n/a"
			else if (rw + 0 <= 0.70) { tgt = "PASS"; npass++ }
			else { tgt = "FAIL"; nfail++ }
		}
		if (k in diff) tgt = tgt (tgt == "" ? "" : "; ") "DIFF: its bytes differ from the first daemon'"'"'s"
		if (prev != "" && prev != f[1] SUBSEP f[2]) print ""
		prev = f[1] SUBSEP f[2]
		printf "%-6s %-5s %-13s %8s %8s %8s %5s | %6s %6s | %s\n", f[1], f[2], tool,
			fmt(W, "%.3f"), fmt(C, "%.2f"), fmt(R, "%.1f"), rc[k], rw, rr, tgt
	}
	printf "\ntargets met (wall <= 0.70 of each peer): %d of %d\n", npass, npass + nfail
}' "$RUNS_TSV" | tee "$BENCH_DIR/fuse-table.txt"
cat <<EOF

wall_s: the workload, cold daemon (median of $RUNS); cpu_s and rss_MiB: the
daemon's CPU time (user+sys) and peak RSS over the mount.  r_*: ours/peer,
ours@eu against erofs-1.9@eu (1.9.3's image).  erofs-1.9 reads our image.
load now: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
every run: $RUNS_TSV
EOF
exit 0
