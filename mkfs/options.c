// SPDX-License-Identifier: MIT
/* mkfs.erofs command line: erofs-utils' option spellings, parsed with argp. */
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
#include "erofs/print.h"
#include "erofs/xattr.h"
#include "hints.h"
#include "options.h"

const char *argp_program_version = "mkfs.erofs (" PACKAGE_NAME ") " PACKAGE_VERSION;

enum {
	OPT_ALL_ROOT = 0x100,
	OPT_FORCE_UID,
	OPT_FORCE_GID,
	OPT_UID_OFFSET,
	OPT_GID_OFFSET,
	OPT_EXCLUDE_PATH,
	OPT_EXCLUDE_REGEX,
	OPT_MKFS_TIME,
	OPT_ALL_TIME,
	OPT_IGNORE_MTIME,
	OPT_QUIET,
	OPT_MAX_EXTENT,
	OPT_PRESERVE_MTIME,
	OPT_COMPRESS_HINTS,
	OPT_WORKERS,
	OPT_XATTR_PREFIX,
	OPT_FILE_CONTEXTS,
	OPT_MOUNT_POINT,
	OPT_TAR,
	OPT_UNGZIP,
	OPT_UNXZ,
	OPT_FSYNC,
};

static const struct argp_option mkfs_argp_options[] = {
	{ NULL, 0, NULL, 0, "Image layout:", 1 },
	{ NULL, 'b', "SIZE", 0, "block size in bytes: 512, 1024, 2048 or 4096 (default 4096)", 1 },
	{ NULL, 'L', "LABEL", 0, "volume label, at most 15 bytes", 1 },
	{ NULL, 'U', "UUID", 0, "volume UUID: a UUID, 'clear' (all zero) or 'random' (default)", 1 },
	{ NULL, 0, NULL, 0, "Compression:", 1 },
	{ NULL, 'z', "ALG[,LEVEL]", 0, "compress file data with lz4 or lz4hc (levels 1-12, default 9)", 1 },
	{ NULL, 'C', "SIZE", 0, "largest physical cluster in bytes: a multiple of the block size up to 1 MiB (default: one block)", 1 },
	{ NULL, 'E', "OPTS", 0, "extended options, comma-separated: legacy-compress (full cluster indexes), ztailpacking (last pcluster inline)", 1 },
	{ "max-extent-bytes", OPT_MAX_EXTENT, "N", 0, "largest decompressed extent in bytes", 1 },
	{ "compress-hints", OPT_COMPRESS_HINTS, "FILE", 0, "per-path pcluster sizes: lines 'SIZE [ALG] REGEX'", 1 },
	{ "workers", OPT_WORKERS, "N", 0, "threads compressing and reading directories (default: online CPUs); the image is the same for every N", 1 },
	{ "fsync", OPT_FSYNC, NULL, 0, "flush the image to disk before it takes DEST's name (always done for a block device)", 1 },
	{ NULL, 0, NULL, 0, "Extended attributes:", 2 },
	{ NULL, 'x', "N", 0, "store an attribute carried by more than N inodes once, shared (default 2); below 0: no attributes at all", 2 },
	{ "xattr-prefix", OPT_XATTR_PREFIX, "PREFIX", 0, "a long name prefix (such as trusted.overlay.) stored once per image; repeatable, up to 128", 2 },
	{ "file-contexts", OPT_FILE_CONTEXTS, "FILE", 0, "label every file with security.selinux from the SELinux file_contexts FILE", 2 },
	{ "mount-point", OPT_MOUNT_POINT, "PATH", 0, "where the image will be mounted, for --file-contexts lookups (default /)", 2 },
	{ NULL, 0, NULL, 0, "Tarball input:", 2 },
	{ "tar", OPT_TAR, "f", OPTION_ARG_OPTIONAL, "SOURCE is a tar archive (a file, or - or nothing for standard input); gzip, xz, zstd and bzip2 are recognized by their magic", 2 },
	{ "ungzip", OPT_UNGZIP, NULL, 0, "accepted for erofs-utils compatibility: compressed tarballs are recognized anyway", 2 },
	{ "unxz", OPT_UNXZ, NULL, 0, "the same, for xz", 2 },
	{ NULL, 0, NULL, 0, "Timestamps:", 2 },
	{ NULL, 'T', "SECONDS", 0, "build time; also every inode's mtime unless --mkfs-time", 2 },
	{ "mkfs-time", OPT_MKFS_TIME, NULL, 0, "apply -T to the build time only", 2 },
	{ "all-time", OPT_ALL_TIME, NULL, 0, "apply -T to every inode too (default)", 2 },
	{ "ignore-mtime", OPT_IGNORE_MTIME, NULL, 0, "give every inode the build time", 2 },
	{ "preserve-mtime", OPT_PRESERVE_MTIME, NULL, 0, "keep every inode's own mtime (default)", 2 },
	{ NULL, 0, NULL, 0, "Ownership:", 3 },
	{ "all-root", OPT_ALL_ROOT, NULL, 0, "make every file owned by root (uid/gid 0)", 3 },
	{ "force-uid", OPT_FORCE_UID, "UID", 0, "set every file's uid to UID", 3 },
	{ "force-gid", OPT_FORCE_GID, "GID", 0, "set every file's gid to GID", 3 },
	{ "uid-offset", OPT_UID_OFFSET, "N", 0, "add N to every uid", 3 },
	{ "gid-offset", OPT_GID_OFFSET, "N", 0, "add N to every gid", 3 },
	{ NULL, 0, NULL, 0, "Selection:", 4 },
	{ "exclude-path", OPT_EXCLUDE_PATH, "PATH", 0, "leave out PATH (relative to SOURCE); repeatable", 4 },
	{ "exclude-regex", OPT_EXCLUDE_REGEX, "REGEX", 0, "leave out paths matching the extended REGEX; repeatable", 4 },
	{ NULL, 0, NULL, 0, "Messages:", 5 },
	{ NULL, 'd', "LEVEL", 0, "message level: 0 errors, 1 warnings, 2-6 info (default 2), 7+ debug", 5 },
	{ "quiet", OPT_QUIET, NULL, 0, "no progress line and no summary", 5 },
	{ NULL, 'h', NULL, 0, "give this help list", -1 },
	{ 0 }
};

struct parse_state {
	struct mkfs_options *o;
	const char *uuid;
	bool have_T, mkfs_time_only, ignore_mtime;
	const char *zarg;
	const char *hints;
	int64_t pclustersize, max_extent;
	int64_t T;
	int nargs;
};

static int64_t parse_int(struct argp_state *state, const char *opt,
			 const char *arg, int64_t min, int64_t max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 0);
	if (errno || end == arg || *end || v < min || v > max)
		argp_error(state, "invalid %s value '%s'", opt, arg);
	return v;
}

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		erofs_err("out of memory");
		exit(1);
	}
	return d;
}

/* -z, -C and --max-extent-bytes, checked once the block size is known. */
static void resolve_compression(struct argp_state *state, struct parse_state *ps)
{
	struct erofs_build_opts *b = &ps->o->build;
	const uint32_t blksz = 1u << b->blkszbits;
	int64_t pcl = ps->pclustersize ? ps->pclustersize : blksz;

	b->level = -1;
	if (ps->zarg) {
		char *name = dup_or_die(ps->zarg), *comma = strchr(name, ',');

		if (comma)
			*comma++ = '\0';
		b->compressor = erofs_compressor_find(name);
		if (!b->compressor)
			argp_error(state, "unknown compressor '%s' (available: %s)",
				   name, erofs_compressor_names());
		if (comma) {
			if (!b->compressor->max_level)
				argp_error(state, "%s takes no compression level", name);
			b->level = parse_int(state, "compression level", comma,
					     b->compressor->min_level,
					     b->compressor->max_level);
		}
		free(name);
	}
	if (pcl % blksz)
		argp_error(state, "-C %lld is not a multiple of the block size %u",
			   (long long)pcl, blksz);
	b->zp.blkszbits = b->blkszbits;
	b->zp.pclusterblks = pcl / blksz;
	/* room for several pclusters' worth of input, within what indexes count */
	b->zp.max_extent = ps->max_extent ? ps->max_extent :
			   EROFS_MAX(pcl * 16, 1 << 20);
	if (b->zp.max_extent > Z_EROFS_PCLUSTER_MAX_DSIZE)
		b->zp.max_extent = Z_EROFS_PCLUSTER_MAX_DSIZE;
}

static void parse_extended(struct argp_state *state, struct mkfs_options *o,
			   char *arg)
{
	for (char *save = NULL, *tok = strtok_r(arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "legacy-compress"))
			o->build.zp.legacy = true;
		else if (!strcmp(tok, "ztailpacking"))
			o->build.zp.ztailpacking = true;
		else
			argp_error(state, "unknown extended option '%s'", tok);
	}
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct mkfs_options *o = ps->o;
	struct erofs_tree_opts *t = &o->tree;

	switch (key) {
	case 'b': {
		int64_t v = parse_int(state, "-b", arg, 1, INT_MAX);

		if (v & (v - 1) || v < (1 << EROFS_MIN_BLKSZBITS) ||
		    v > (1 << EROFS_MAX_BLKSZBITS) || v > getpagesize())
			argp_error(state, "invalid block size %s: use a power of two from 512 to %d",
				   arg, EROFS_MIN(1 << EROFS_MAX_BLKSZBITS, getpagesize()));
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
	case 'T':
		ps->T = parse_int(state, "-T", arg, INT64_MIN, INT64_MAX);
		ps->have_T = true;
		break;
	case OPT_MKFS_TIME:
		ps->mkfs_time_only = true;
		break;
	case OPT_ALL_TIME:
		ps->mkfs_time_only = false;
		break;
	case OPT_IGNORE_MTIME:
		ps->ignore_mtime = true;
		break;
	case OPT_PRESERVE_MTIME:
		ps->ignore_mtime = false;
		break;
	case 'z':
		ps->zarg = arg;
		break;
	case 'C':
		ps->pclustersize = parse_int(state, "-C", arg, 1, Z_EROFS_PCLUSTER_MAX_SIZE);
		break;
	case OPT_MAX_EXTENT:
		ps->max_extent = parse_int(state, "--max-extent-bytes", arg, 1,
					   Z_EROFS_PCLUSTER_MAX_DSIZE);
		break;
	case 'E':
		parse_extended(state, o, arg);
		break;
	case OPT_COMPRESS_HINTS:
		ps->hints = arg;
		break;
	case 'x':
		o->xattr.tolerance = parse_int(state, "-x", arg, INT_MIN, INT_MAX);
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
	case OPT_FILE_CONTEXTS:
		o->file_contexts = arg;
		break;
	case OPT_MOUNT_POINT:
		if (arg[0] != '/')
			argp_error(state, "--mount-point '%s' is not an absolute path", arg);
		o->xattr.mount_point = arg;
		break;
	case OPT_WORKERS:
		o->build.workers = parse_int(state, "--workers", arg, 1, 1024);
		break;
	case OPT_ALL_ROOT:
		t->all_root = true;
		break;
	case OPT_FORCE_UID:
		t->force_uid = parse_int(state, "--force-uid", arg, 0, UINT32_MAX);
		break;
	case OPT_FORCE_GID:
		t->force_gid = parse_int(state, "--force-gid", arg, 0, UINT32_MAX);
		break;
	case OPT_UID_OFFSET:
		t->uid_offset = parse_int(state, "--uid-offset", arg, -(int64_t)UINT32_MAX, UINT32_MAX);
		break;
	case OPT_GID_OFFSET:
		t->gid_offset = parse_int(state, "--gid-offset", arg, -(int64_t)UINT32_MAX, UINT32_MAX);
		break;
	case OPT_EXCLUDE_PATH: {
		char **v = realloc(t->exclude_paths,
				   (t->nexclude_paths + 1) * sizeof(*v));

		if (!v)
			argp_failure(state, 1, ENOMEM, "out of memory");
		t->exclude_paths = v;
		/* compare without leading or trailing slashes */
		while (*arg == '/')
			arg++;
		v[t->nexclude_paths] = dup_or_die(arg);
		for (size_t l = strlen(v[t->nexclude_paths]);
		     l > 1 && v[t->nexclude_paths][l - 1] == '/'; l--)
			v[t->nexclude_paths][l - 1] = '\0';
		t->nexclude_paths++;
		break;
	}
	case OPT_EXCLUDE_REGEX: {
		regex_t *v = realloc(t->exclude_regexes,
				     (t->nexclude_regexes + 1) * sizeof(*v));
		int rc;

		if (!v)
			argp_failure(state, 1, ENOMEM, "out of memory");
		t->exclude_regexes = v;
		rc = regcomp(&v[t->nexclude_regexes], arg, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[256];

			regerror(rc, &v[t->nexclude_regexes], msg, sizeof(msg));
			argp_error(state, "invalid --exclude-regex '%s': %s", arg, msg);
		}
		t->nexclude_regexes++;
		break;
	}
	case 'd': {
		int64_t v = parse_int(state, "-d", arg, INT_MIN, INT_MAX);

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
		if (arg && strcmp(arg, "f"))
			argp_error(state, "--tar=%s: only full images (--tar=f) are supported, not index-only ones", arg);
		o->tar = true;
		break;
	case OPT_UNGZIP:
	case OPT_UNXZ:
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
		if (!o->src)
			o->src = "-";	/* --tar from standard input */
		resolve_compression(state, ps);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp mkfs_argp = {
	.options = mkfs_argp_options,
	.parser = parse_opt,
	.args_doc = "DEST SOURCE\n--tar[=f] DEST [TARBALL|-]",
	.doc = "Build an EROFS image at DEST from the directory tree SOURCE.\v"
	       "The image is written beside DEST and renamed into place only when "
	       "complete. SOURCE_DATE_EPOCH, when set and -T is not, gives the build "
	       "time and clamps newer timestamps to it.",
};

static void resolve_time(struct parse_state *ps)
{
	struct mkfs_options *o = ps->o;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct timespec now;

	if (ps->have_T) {
		o->build.build_time = ps->T;
		o->build.build_time_nsec = 0;
		o->tree.time_policy = ps->mkfs_time_only ? EROFS_TIME_KEEP
							 : EROFS_TIME_FIXED;
	} else if (sde && *sde) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(sde, &end, 10);
		if (errno || end == sde || *end) {
			erofs_err("SOURCE_DATE_EPOCH: invalid value '%s'", sde);
			exit(1);
		}
		o->build.build_time = v;
		o->build.build_time_nsec = 0;
		o->tree.time_policy = EROFS_TIME_CLAMP;
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		o->build.build_time = now.tv_sec;
		o->build.build_time_nsec = now.tv_nsec;
		o->tree.time_policy = EROFS_TIME_KEEP;
	}
	if (ps->ignore_mtime)
		o->tree.time_policy = EROFS_TIME_FIXED;
	o->tree.build_time = o->build.build_time;
	o->tree.build_time_nsec = o->build.build_time_nsec;
}

void mkfs_parse_options(int argc, char **argv, struct mkfs_options *o)
{
	struct parse_state ps = { .o = o };

	memset(o, 0, sizeof(*o));
	o->build.blkszbits = EROFS_MAX_BLKSZBITS;
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
	resolve_time(&ps);
	if (ps.hints && mkfs_load_hints(o, ps.hints))
		exit(1);
}

void mkfs_free_options(struct mkfs_options *o)
{
	mkfs_free_hints(o);
	for (unsigned int i = 0; i < o->tree.nexclude_paths; i++)
		free(o->tree.exclude_paths[i]);
	free(o->tree.exclude_paths);
	for (unsigned int i = 0; i < o->tree.nexclude_regexes; i++)
		regfree(&o->tree.exclude_regexes[i]);
	free(o->tree.exclude_regexes);
	free(o->xattr.prefixes);
}
