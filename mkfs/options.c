// SPDX-License-Identifier: MIT
/*
 * mkfs.erofs command line: erofs-utils' option spellings, parsed with argp.
 * The tree-mapping options are the argp child shared with fsck.erofs
 * --compare (lib/tree_options.c).
 */
#include <argp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uuid.h>
#include "erofs_fs.h"
#include "erofs/compressor.h"
#include "erofs/image_options.h"
#include "erofs/print.h"
#include "erofs/tree_options.h"
#include "erofs/xattr.h"
#include "hints.h"
#include "order.h"
#include "options.h"
#include "zopts.h"

const char *argp_program_version = "mkfs.erofs (" PACKAGE_NAME ") " PACKAGE_VERSION;

enum {
	OPT_QUIET = 0x100,
	OPT_MAX_EXTENT,
	OPT_COMPRESS_HINTS,
	OPT_WORKERS,
	OPT_XATTR_PREFIX,
	OPT_TAR,
	OPT_UNGZIP,
	OPT_UNXZ,
	OPT_FSYNC,
	OPT_AUFS,
	OPT_OVLFS_STRIP,
	OPT_SORT,
	OPT_CHUNKSIZE,
	OPT_OFFSET,
	OPT_DSUNIT,
	OPT_ASYNC_QUEUE,
	OPT_HARD_DEREF,
	OPT_ROOT_XATTR_ISIZE,
	OPT_PRODUCT_OUT,
	OPT_FS_CONFIG,
	OPT_BLOCK_LIST,
	OPT_DATA_ORDER,
};

/* --help groups, in this order; the tree child's headings come between */
enum {
	MKFS_GROUP_LAYOUT = 1,
	MKFS_GROUP_COMPRESS,
	MKFS_GROUP_XATTR,
	MKFS_GROUP_TAR,
	MKFS_GROUP_ANDROID,
	MKFS_GROUP_TREE,
	MKFS_GROUP_RUN,
	MKFS_GROUP_MESSAGES,
};

static const struct argp_option mkfs_argp_options[] = {
	{ NULL, 0, NULL, 0, "Image layout:", MKFS_GROUP_LAYOUT },
	{ NULL, 'b', "SIZE", 0, "-b# (erofs-utils' spelling): block size in bytes, a power of two from 512 to 65536 (default 4096); the kernel mounts up to its page size", MKFS_GROUP_LAYOUT },
	{ "offset", OPT_OFFSET, "N", 0, "The image starts at byte N of DEST (a file: zeros before it; a device: kept)", MKFS_GROUP_LAYOUT },
	{ "dsunit", OPT_DSUNIT, "N", 0, "Every file's data starts at a multiple of N blocks", MKFS_GROUP_LAYOUT },
	{ "hard-dereference", OPT_HARD_DEREF, NULL, 0, "Hardlinks are not detected: every path is an inode of its own", MKFS_GROUP_LAYOUT },
	{ NULL, 'L', "LABEL", 0, "Volume label, at most 15 bytes", MKFS_GROUP_LAYOUT },
	{ NULL, 'U', "UUID", 0, "Volume UUID: a UUID, 'clear' (all zero) or 'random' (default)", MKFS_GROUP_LAYOUT },
	{ "data-order", OPT_DATA_ORDER, "FILE", 0, "The data of the regular files FILE lists (a boot profile: one path a line, relative to SOURCE, a leading / or ./ allowed, # comments) goes first in the data area, in that order; every other file's follows in tree order. Lines naming no regular file, or one listed before, are warned about and skipped. Not with --tar=i", MKFS_GROUP_LAYOUT },
	{ "chunksize", OPT_CHUNKSIZE, "SIZE", 0, "Store uncompressed files chunk-based in chunks of SIZE bytes (a power of two, at least the block size), each distinct chunk once; all-zero chunks are holes; files that share nothing stay flat", MKFS_GROUP_LAYOUT },
	{ NULL, 0, NULL, 0, "Compression:", MKFS_GROUP_COMPRESS },
	{ NULL, 'z', "ALG[,OPT]...[:ALG2...]", 0, "Compress file data. ALG: lz4; lz4hc (level=0-12, default 9); lzma (level=0-9 or 100-109 extreme, default 6; dictsize= up to 8 MiB; lc=, lp=, pb=); deflate (level=0-9, default 1; dictsize= up to 32 KiB); libdeflate (level=0-12); zstd (level=0-22, default 3; dictsize= a power of two up to 1 MiB). ALG,N is level N. Algorithms joined by ':' are picked per file by --compress-hints (its ALG column: 0 for the first). Not every build has every ALG", MKFS_GROUP_COMPRESS },
	{ NULL, 'C', "SIZE", 0, "Largest physical cluster in bytes: a multiple of the block size up to 1 MiB (default: one block)", MKFS_GROUP_COMPRESS },
	{ NULL, 'E', "OPTS", 0, "Extended options, comma-separated, ^NAME undoes NAME: legacy-compress (full cluster indexes), ztailpacking (last pcluster inline), nosbcrc (no superblock checksum), force-inode-compact (compact inodes: every mtime is the build time), force-inode-extended, xattr-name-filter (the attribute name filter, on by default), noinline_data (no file tail inline in its inode, for DAX), force-inode-blockmap (with --chunksize, every file chunk-based, 4-byte block maps, as erofs-utils), force-chunk-indexes (the same with 8-byte chunk indexes), dedupe-files (identical files share their data; on by default), fragments[=SIZE] (file tails packed into one compressed inode, SIZE its pcluster), all-fragments[=SIZE] (whole files), fragdedupe=full|inode|off (fragments stored once: any tail of an earlier one, whole files only, never; default full; ^fragdedupe is off), dedupe (identical pclusters stored once)", MKFS_GROUP_COMPRESS },
	{ "max-extent-bytes", OPT_MAX_EXTENT, "N", 0, "Largest decompressed extent in bytes", MKFS_GROUP_COMPRESS },
	{ "compress-hints", OPT_COMPRESS_HINTS, "FILE", 0, "Per-path pcluster sizes and algorithms: lines 'SIZE [ALG] REGEX', SIZE 0 for no compression, ALG the index of a -z algorithm", MKFS_GROUP_COMPRESS },
	{ NULL, 0, NULL, 0, "Extended attributes:", MKFS_GROUP_XATTR },
	{ NULL, 'x', "N", 0, "Store an attribute carried by more than N inodes once, shared (default 2); below 0: no attributes at all", MKFS_GROUP_XATTR },
	{ "xattr-prefix", OPT_XATTR_PREFIX, "PREFIX", 0, "A long name prefix (such as trusted.overlay.) stored once per image; repeatable, up to 128", MKFS_GROUP_XATTR },
	{ "root-xattr-isize", OPT_ROOT_XATTR_ISIZE, "N", 0, "The root's inline attribute body is at least N bytes (zero padded)", MKFS_GROUP_XATTR },
	{ NULL, 0, NULL, 0, "Tarball input:", MKFS_GROUP_TAR },
	{ "tar", OPT_TAR, "X", OPTION_ARG_OPTIONAL, "SOURCE is a tar archive (a file, or - or nothing for standard input). --tar=f (the default): a full image; gzip, xz, zstd and bzip2 are recognized by their magic. --tar=i: an index: file data stays in the tar (uncompressed), the image's device 1, which must follow the image (cat IMAGE TAR) or be given as a device; 512-byte blocks. --tar=headerball: the stream has tar headers only, no file data: files read as zeros", MKFS_GROUP_TAR },
	{ "aufs", OPT_AUFS, NULL, 0, "aufs whiteouts (.wh.NAME) become overlayfs whiteouts, .wh..wh..opq marks its directory opaque (trusted.overlay.opaque)", MKFS_GROUP_TAR },
	{ "ovlfs-strip", OPT_OVLFS_STRIP, "0|1", OPTION_ARG_OPTIONAL, "1 (or no value): leave out the whiteouts --aufs makes and every trusted.overlay.opaque attribute", MKFS_GROUP_TAR },
	{ "ungzip", OPT_UNGZIP, NULL, 0, "Accepted for erofs-utils compatibility: compressed tarballs are recognized anyway", MKFS_GROUP_TAR },
	{ "unxz", OPT_UNXZ, NULL, 0, "The same, for xz", MKFS_GROUP_TAR },
	{ "sort", OPT_SORT, "path|none", 0, "Accepted for erofs-utils compatibility: file data is always laid out in tree order (see --data-order)", MKFS_GROUP_TAR },
	{ NULL, 0, NULL, 0, "Android:", MKFS_GROUP_ANDROID },
	{ "fs-config-file", OPT_FS_CONFIG, "FILE", 0, "Owner, mode and capabilities of every path from the canned fs_config FILE (lines 'PATH UID GID MODE [capabilities=N]', PATH under --mount-point, the root as '')", MKFS_GROUP_ANDROID },
	{ "product-out", OPT_PRODUCT_OUT, "DIR", 0, "Accepted: only the built-in fs_config tables (not used) read it", MKFS_GROUP_ANDROID },
	{ "block-list-file", OPT_BLOCK_LIST, "FILE", 0, "Write each regular file's image blocks to FILE: '/MOUNT/PATH FIRST-LAST ...'", MKFS_GROUP_ANDROID },
	{ NULL, 0, NULL, 0, "Workers and durability:", MKFS_GROUP_RUN },
	{ "workers", OPT_WORKERS, "N", 0, "Threads compressing and reading directories (default: online CPUs); the image is the same for every N", MKFS_GROUP_RUN },
	{ "fsync", OPT_FSYNC, NULL, 0, "Flush the image to disk before it takes DEST's name (always done for a block device)", MKFS_GROUP_RUN },
	{ "async-queue-limit", OPT_ASYNC_QUEUE, "N", 0, "Accepted for erofs-utils compatibility (the queue is sized by --workers)", MKFS_GROUP_RUN },
	{ NULL, 0, NULL, 0, "Messages:", MKFS_GROUP_MESSAGES },
	{ NULL, 'd', "LEVEL", 0, "Message level: 0 errors, 1 warnings, 2-6 info (default 2), 7+ debug", MKFS_GROUP_MESSAGES },
	{ "quiet", OPT_QUIET, NULL, 0, "No progress line and no summary", MKFS_GROUP_MESSAGES },
	{ NULL, 'h', NULL, 0, "Give this help list", -1 },
	{ 0 }
};

struct parse_state {
	struct mkfs_options *o;
	struct erofs_tree_args tree;
	const char *uuid;
	const char *zarg;
	const char *hints;
	const char *data_order;	/* --data-order */
	int64_t pclustersize, max_extent, chunksize;
	int64_t packed_pcl;	/* -E fragments=SIZE */
	int nargs;
};

/* -z, -C and --max-extent-bytes, checked once the block size is known. */
static void resolve_compression(struct argp_state *state, struct parse_state *ps)
{
	struct erofs_build_opts *b = &ps->o->build;
	const uint32_t blksz = 1u << b->blkszbits;
	int64_t pcl = ps->pclustersize ? ps->pclustersize : blksz;

	if (ps->zarg) {
		char msg[256];

		if (mkfs_parse_z(ps->zarg, b, msg, sizeof(msg)))
			argp_error(state, "%s", msg);
	}
	if (pcl % blksz)
		argp_error(state, "-C %lld is not a multiple of the block size %u",
			   (long long)pcl, blksz);
	b->zp.blkszbits = b->blkszbits;
	/* compacted indexes hold lclusters up to 16 KiB only */
	if (b->blkszbits > 14)
		b->zp.legacy = true;
	b->zp.pclusterblks = pcl / blksz;
	/* room for several pclusters' worth of input, within what indexes count */
	b->zp.max_extent = ps->max_extent ? ps->max_extent :
			   EROFS_MAX(pcl * 16, 1 << 20);
	if (b->zp.max_extent > Z_EROFS_PCLUSTER_MAX_DSIZE)
		b->zp.max_extent = Z_EROFS_PCLUSTER_MAX_DSIZE;
	if ((b->frags.on || b->dedupe) && !b->nzcfgs)
		argp_error(state, "-E dedupe, fragments and all-fragments need -z");
	if (ps->packed_pcl % blksz)
		argp_error(state, "-E fragments=%lld is not a multiple of the block size %u",
			   (long long)ps->packed_pcl, blksz);
	b->frags.pclusterblks = ps->packed_pcl / blksz;
}

/*
 * -E: erofs-utils' extended options, comma-separated; "^NAME" undoes NAME.
 * A setter gets whether the option is set and its "=VALUE" (or NULL).
 */
struct mkfs_eopt {
	const char *name;
	bool takes_value;
	void (*set)(struct argp_state *state, bool on, const char *value);
};

#define MKFS_OPTS(state)	(((struct parse_state *)(state)->input)->o)

static void eopt_legacy(struct argp_state *state, bool on, const char *v)
{
	(void)v;
	MKFS_OPTS(state)->build.zp.legacy = on;
}

static void eopt_ztailpacking(struct argp_state *state, bool on, const char *v)
{
	(void)v;
	MKFS_OPTS(state)->build.zp.ztailpacking = on;
}

static void eopt_nosbcrc(struct argp_state *state, bool on, const char *v)
{
	(void)v;
	MKFS_OPTS(state)->build.no_sbcrc = on;
}

/* as erofs-utils: compact inodes carry no mtime, so all take the build time */
static void eopt_compact(struct argp_state *state, bool on, const char *v)
{
	struct parse_state *ps = state->input;

	(void)v;
	ps->tree.ignore_mtime = on;
	if (on)
		ps->o->build.force_extended = false;
}

static void eopt_extended(struct argp_state *state, bool on, const char *v)
{
	(void)v;
	MKFS_OPTS(state)->build.force_extended = on;
}

static void eopt_name_filter(struct argp_state *state, bool on, const char *v)
{
	(void)v;
	MKFS_OPTS(state)->xattr.no_filter = !on;
}

static void eopt_noinline(struct argp_state *state, bool on, const char *v)
{
	(void)v;
	MKFS_OPTS(state)->build.noinline_data = on;
}

static void eopt_blockmap(struct argp_state *state, bool on, const char *v)
{
	(void)v;
	MKFS_OPTS(state)->build.chunk_format = on ? EROFS_CHUNK_BLOCKMAP : EROFS_CHUNK_AUTO;
}

static void eopt_chunk_indexes(struct argp_state *state, bool on, const char *v)
{
	(void)v;
	MKFS_OPTS(state)->build.chunk_format = on ? EROFS_CHUNK_INDEXES : EROFS_CHUNK_AUTO;
}

static void eopt_dedupe_files(struct argp_state *state, bool on, const char *v)
{
	(void)v;
	MKFS_OPTS(state)->build.dedupe_files = on;
}

static void eopt_dedupe(struct argp_state *state, bool on, const char *v)
{
	(void)v;
	MKFS_OPTS(state)->build.dedupe = on;
}

/* fragments[=SIZE] and all-fragments[=SIZE]: SIZE the packed inode's pclusters */
static void eopt_fragments(struct argp_state *state, bool on, const char *v,
			   bool all)
{
	struct parse_state *ps = state->input;
	struct erofs_frag_opts *f = &ps->o->build.frags;

	f->on = on;
	f->all = on && all;
	if (v)
		ps->packed_pcl = erofs_argp_number(state, "-E fragments", v,
						   1, Z_EROFS_PCLUSTER_MAX_SIZE);
}

static void eopt_frags(struct argp_state *state, bool on, const char *v)
{
	eopt_fragments(state, on, v, false);
}

static void eopt_all_frags(struct argp_state *state, bool on, const char *v)
{
	eopt_fragments(state, on, v, true);
}

/* fragdedupe[=full|inode|off]; ^fragdedupe is off */
static void eopt_fragdedupe(struct argp_state *state, bool on, const char *v)
{
	static const char *const modes[] = {
		[EROFS_FRAGDEDUPE_FULL] = "full",
		[EROFS_FRAGDEDUPE_INODE] = "inode",
		[EROFS_FRAGDEDUPE_OFF] = "off",
	};
	struct erofs_frag_opts *f = &MKFS_OPTS(state)->build.frags;

	f->dedupe = on ? EROFS_FRAGDEDUPE_FULL : EROFS_FRAGDEDUPE_OFF;
	if (!v)
		return;
	for (unsigned int m = 0; m < EROFS_ARRAY_SIZE(modes); m++)
		if (!strcmp(v, modes[m])) {
			f->dedupe = m;
			return;
		}
	argp_error(state, "-E fragdedupe=%s: use off, inode or full", v);
}

static const struct mkfs_eopt mkfs_eopts[] = {
	{ "legacy-compress", false, eopt_legacy },
	{ "ztailpacking", false, eopt_ztailpacking },
	{ "nosbcrc", false, eopt_nosbcrc },
	{ "force-inode-compact", false, eopt_compact },
	{ "force-inode-extended", false, eopt_extended },
	{ "xattr-name-filter", false, eopt_name_filter },
	{ "noinline_data", false, eopt_noinline },
	{ "force-inode-blockmap", false, eopt_blockmap },
	{ "force-chunk-indexes", false, eopt_chunk_indexes },
	{ "dedupe-files", false, eopt_dedupe_files },
	{ "dedupe", false, eopt_dedupe },
	{ "fragments", true, eopt_frags },
	{ "all-fragments", true, eopt_all_frags },
	{ "fragdedupe", true, eopt_fragdedupe },
};

static void parse_extended(struct argp_state *state, char *arg)
{
	for (char *save = NULL, *tok = strtok_r(arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		bool on = *tok != '^';
		char *name = on ? tok : tok + 1, *value = strchr(name, '=');
		const struct mkfs_eopt *e = NULL;

		if (value)
			*value++ = '\0';
		for (size_t i = 0; i < EROFS_ARRAY_SIZE(mkfs_eopts) && !e; i++)
			if (!strcmp(name, mkfs_eopts[i].name))
				e = &mkfs_eopts[i];
		if (!e)
			argp_error(state, "unknown extended option '%s'", tok);
		if (value && (!e->takes_value || !on))
			argp_error(state, "-E %s takes no value", name);
		e->set(state, on, value);
	}
}

/* --chunksize, once the block size is known. */
static void resolve_chunks(struct argp_state *state, struct parse_state *ps)
{
	struct erofs_build_opts *b = &ps->o->build;
	unsigned int bits;

	if (!ps->chunksize)
		return;
	bits = __builtin_ctzll(ps->chunksize);
	if (bits < b->blkszbits ||
	    bits - b->blkszbits > EROFS_CHUNK_FORMAT_BLKBITS_MASK)
		argp_error(state, "--chunksize %lld: use a power of two from the block size %u to 2^%u blocks",
			   (long long)ps->chunksize, 1u << b->blkszbits,
			   EROFS_CHUNK_FORMAT_BLKBITS_MASK);
	b->chunkbits = bits;
}

/* -T, SOURCE_DATE_EPOCH or now: the build time, also the tree's policy. */
static void resolve_time(struct argp_state *state, struct parse_state *ps)
{
	struct mkfs_options *o = ps->o;
	struct timespec now;

	if (!erofs_tree_args_resolve_time(state, &ps->tree)) {
		clock_gettime(CLOCK_REALTIME, &now);
		o->tree.build_time = now.tv_sec;
		o->tree.build_time_nsec = now.tv_nsec;
	}
	o->build.build_time = o->tree.build_time;
	o->build.build_time_nsec = o->tree.build_time_nsec;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct mkfs_options *o = ps->o;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &ps->tree;
		break;
	case 'b': {
		int64_t v = erofs_argp_number(state, "-b", arg, 1, INT_MAX);

		if (v & (v - 1) || v < (1 << EROFS_MIN_BLKSZBITS) ||
		    v > (1 << EROFS_MAX_BLKSZBITS))
			argp_error(state, "invalid block size %s: use a power of two from 512 to %d",
				   arg, 1 << EROFS_MAX_BLKSZBITS);
		o->build.blkszbits = __builtin_ctzll(v);
		break;
	}
	case 'L':
		if (strlen(arg) >= sizeof(o->build.label))
			argp_error(state, "volume label '%s' is longer than %zu bytes",
				   arg, sizeof(o->build.label) - 1);
		strcpy(o->build.label, arg);
		break;
	case 'U':
		ps->uuid = arg;
		break;
	case 'z':
		ps->zarg = arg;
		break;
	case 'C':
		ps->pclustersize = erofs_argp_number(state, "-C", arg, 1, Z_EROFS_PCLUSTER_MAX_SIZE);
		break;
	case OPT_CHUNKSIZE:
		ps->chunksize = erofs_argp_number(state, "--chunksize", arg, 1,
						  INT64_MAX);
		if (ps->chunksize & (ps->chunksize - 1))
			argp_error(state, "--chunksize %s is not a power of two", arg);
		break;
	case OPT_MAX_EXTENT:
		ps->max_extent = erofs_argp_number(state, "--max-extent-bytes", arg, 1,
					   Z_EROFS_PCLUSTER_MAX_DSIZE);
		break;
	case 'E':
		parse_extended(state, arg);
		break;
	case OPT_COMPRESS_HINTS:
		ps->hints = arg;
		break;
	case 'x':
		o->xattr.tolerance = erofs_argp_number(state, "-x", arg, INT_MIN, INT_MAX);
		break;
	case OPT_XATTR_PREFIX: {
		const char **v = realloc(o->xattr.prefixes,
					 (o->xattr.nprefixes + 1) * sizeof(*v));
		const char *why;

		if (!v)
			argp_failure(state, 1, ENOMEM, "out of memory");
		o->xattr.prefixes = v;
		if (erofs_xattr_prefix_check(arg, &why))
			argp_error(state, "--xattr-prefix '%s' %s", arg, why);
		if (o->xattr.nprefixes == EROFS_XATTR_LONG_PREFIX_MAX)
			argp_error(state, "more than %u --xattr-prefix values",
				   EROFS_XATTR_LONG_PREFIX_MAX);
		v[o->xattr.nprefixes++] = arg;
		break;
	}
	case OPT_WORKERS:
		o->build.workers = erofs_argp_number(state, "--workers", arg, 1, 1024);
		break;
	case 'd': {
		int64_t v = erofs_argp_number(state, "-d", arg, INT_MIN, INT_MAX);

		erofs_msg_level = v <= 0 ? EROFS_MSG_ERR : v == 1 ? EROFS_MSG_WARN :
				  v < 7 ? EROFS_MSG_INFO : EROFS_MSG_DBG;
		break;
	}
	case OPT_QUIET:
		o->quiet = true;
		break;
	case OPT_FSYNC:
		o->fsync = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case OPT_TAR:
		if (arg && !strcmp(arg, "i"))
			o->tar_opts.mode = EROFS_TAR_INDEX;
		else if (arg && !strcmp(arg, "headerball"))
			o->tar_opts.mode = EROFS_TAR_HEADERBALL;
		else if (arg && strchr(arg, ','))
			argp_error(state, "--tar=%s: a block map file is not supported", arg);
		else if (arg && strcmp(arg, "f"))
			argp_error(state, "--tar=%s: use --tar=f (full), --tar=i (index) or --tar=headerball", arg);
		o->tar = true;
		break;
	case OPT_AUFS:
		o->tar_opts.aufs = true;
		break;
	case OPT_OVLFS_STRIP:
		if (arg && strcmp(arg, "0") && strcmp(arg, "1"))
			argp_error(state, "--ovlfs-strip=%s: use 0 or 1", arg);
		o->tar_opts.ovlfs_strip = !arg || !strcmp(arg, "1");
		break;
	case OPT_SORT:
		if (strcmp(arg, "path") && strcmp(arg, "none"))
			argp_error(state, "--sort=%s: use path or none", arg);
		break;
	case OPT_UNGZIP:
	case OPT_UNXZ:
		break;
	case OPT_OFFSET:
		o->offset = erofs_argp_number(state, "--offset", arg, 0, INT64_MAX);
		break;
	case OPT_DSUNIT:
		o->build.dsunit = erofs_argp_number(state, "--dsunit", arg, 0, UINT32_MAX);
		break;
	case OPT_ASYNC_QUEUE:
		erofs_argp_number(state, "--async-queue-limit", arg, 0, INT_MAX);
		break;
	case OPT_HARD_DEREF:
		o->tree.hard_dereference = true;
		break;
	case OPT_ROOT_XATTR_ISIZE:
		/* erofs-utils' bound: what a 16-bit xattr icount can leave room for */
		o->xattr.root_isize = erofs_argp_number(state, "--root-xattr-isize",
							arg, 0, UINT16_MAX - 3);
		break;
	case OPT_PRODUCT_OUT:
		break;
	case OPT_FS_CONFIG:
		o->fs_config_file = arg;
		break;
	case OPT_BLOCK_LIST:
		o->block_list_file = arg;
		break;
	case OPT_DATA_ORDER:
		ps->data_order = arg;
		break;
	case ARGP_KEY_ARG:
		if (ps->nargs == 0)
			o->dest = arg;
		else if (ps->nargs == 1)
			o->src = arg;
		else
			argp_error(state, "too many arguments");
		ps->nargs++;
		break;
	case ARGP_KEY_END:
		if (ps->nargs < 1 || (ps->nargs < 2 && !o->tar))
			argp_error(state, "DEST and SOURCE are required");
		if ((o->tar_opts.aufs || o->tar_opts.ovlfs_strip) && !o->tar)
			argp_error(state, "--aufs and --ovlfs-strip need --tar");
		if (ps->data_order && o->tar_opts.mode == EROFS_TAR_INDEX)
			argp_error(state, "--data-order cannot be honoured with --tar=i: file data stays in the tar, in its order");
		/* the tar's blocks are the image's: 512 bytes, whatever -b says */
		if (o->tar_opts.mode == EROFS_TAR_INDEX)
			o->build.blkszbits = EROFS_MIN_BLKSZBITS;
		if (!o->src)
			o->src = "-";	/* --tar from standard input */
		resolve_compression(state, ps);
		resolve_chunks(state, ps);
		resolve_time(state, ps);
		o->file_contexts = ps->tree.file_contexts;
		o->xattr.mount_point = ps->tree.mount_point;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child mkfs_argp_children[] = {
	{ &erofs_tree_argp, 0, NULL, MKFS_GROUP_TREE },
	{ NULL, 0, NULL, 0 }
};

static const struct argp mkfs_argp = {
	.options = mkfs_argp_options,
	.parser = parse_opt,
	.args_doc = "DEST SOURCE\n--tar=f|i|headerball DEST [TARBALL|-]",
	.children = mkfs_argp_children,
	.doc = "Build an EROFS image at DEST from the directory tree SOURCE.\v"
	       "The image is written beside DEST and renamed into place only when "
	       "complete. SOURCE_DATE_EPOCH, when set and -T is not, gives the build "
	       "time and clamps newer timestamps to it.",
};

void mkfs_parse_options(int argc, char **argv, struct mkfs_options *o)
{
	struct parse_state ps = { .o = o, .tree.tree = &o->tree };

	memset(o, 0, sizeof(*o));
	o->build.blkszbits = 12;	/* 4 KiB, whatever the host's page size */
	o->build.dedupe_files = true;
	o->tree.force_uid = -1;
	o->tree.force_gid = -1;
	o->xattr.tolerance = EROFS_XATTR_TOLERANCE_DEFAULT;
	argp_err_exit_status = 1;
	argp_parse(&mkfs_argp, argc, argv, 0, NULL, &ps);

	if (!ps.uuid || !strcmp(ps.uuid, "random")) {
		uuid_generate(o->build.uuid);
	} else if (!strcmp(ps.uuid, "clear")) {
		memset(o->build.uuid, 0, sizeof(o->build.uuid));
	} else if (uuid_parse(ps.uuid, o->build.uuid)) {
		erofs_err("-U: invalid UUID '%s'", ps.uuid);
		exit(1);
	}
	o->tree.blkszbits = o->build.blkszbits;
	o->build.image_name = o->dest;
	if (!o->build.workers) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o->build.workers = n > 0 ? (n > 64 ? 64 : n) : 1;
	}
	o->tree.workers = o->build.workers;
	o->xattr.workers = o->build.workers;
	o->build.src_prefix = strlen(o->src) + 1;
	if (ps.hints && mkfs_load_hints(o, ps.hints))
		exit(1);
	/* before anything is written: a list that cannot be read leaves nothing */
	if (ps.data_order && mkfs_data_order_read(&o->data_order, ps.data_order))
		exit(1);
	mkfs_resolve_dictsizes(&o->build,
			       EROFS_MAX(mkfs_max_pclusterblks(o), o->build.frags.pclusterblks)
			       << o->build.blkszbits);
}

void mkfs_free_options(struct mkfs_options *o)
{
	mkfs_free_hints(o);
	mkfs_data_order_free(&o->data_order);
	erofs_tree_opts_free(&o->tree);
	free(o->xattr.prefixes);
}
