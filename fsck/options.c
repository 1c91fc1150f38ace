// SPDX-License-Identifier: MIT
/* fsck.erofs command line (argp): fills a struct fsck_options, nothing more. */
#include <argp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/print.h"
#include "fsck.h"

const char *argp_program_version = "fsck.erofs (" PACKAGE_NAME ") " PACKAGE_VERSION;

enum {
	OPT_EXTRACT = 0x100,
	OPT_OVERWRITE,
	OPT_XATTRS,
	OPT_NO_XATTRS,
	OPT_NID,
	OPT_PATH,
	OPT_NO_SBCRC,
	OPT_OFFSET,
	OPT_QUIET,
	OPT_JSON,
	OPT_COMPARE,
	OPT_ALL_ROOT,
	OPT_FORCE_UID,
	OPT_FORCE_GID,
	OPT_UID_OFFSET,
	OPT_GID_OFFSET,
	OPT_MKFS_TIME,
	OPT_IGNORE_MTIME,
	OPT_EXCLUDE_PATH,
	OPT_EXCLUDE_REGEX,
	OPT_FILE_CONTEXTS,
	OPT_MOUNT_POINT,
	OPT_WORKERS,
};

static const struct argp_option fsck_argp_options[] = {
	{ "extract", OPT_EXTRACT, "DIR", OPTION_ARG_OPTIONAL,
	  "Extract the checked tree into DIR (created if absent, must be empty); "
	  "without DIR only check that every file reads back", 0 },
	{ "overwrite", OPT_OVERWRITE, NULL, 0,
	  "Allow a non-empty DIR and replace entries already there", 0 },
	{ "xattrs", OPT_XATTRS, NULL, 0,
	  "Also restore extended attributes, POSIX ACLs and SELinux labels when extracting", 0 },
	{ "no-xattrs", OPT_NO_XATTRS, NULL, 0,
	  "Do not extract extended attributes (default)", 0 },
	{ "nid", OPT_NID, "N", 0, "Check (or extract) only the tree at inode N", 1 },
	{ "path", OPT_PATH, "PATH", 0,
	  "Check (or extract) only the tree at PATH inside the image", 1 },
	{ "print-comp-ratio", 'p', NULL, 0,
	  "Print the compression ratio of all files and pcluster counts", 1 },
	{ "no-sbcrc", OPT_NO_SBCRC, NULL, 0,
	  "Do not verify the superblock checksum", 1 },
	{ "offset", OPT_OFFSET, "N", 0,
	  "The image starts N bytes into IMAGE", 1 },
	{ "debug", 'd', "N", 0,
	  "Message level: 0 errors, 1 warnings, 2 info (default), 3 debug", 1 },
	{ "quiet", OPT_QUIET, NULL, 0,
	  "No progress bar and no summary: only problems and differences", 1 },
	{ "json", OPT_JSON, NULL, 0,
	  "Print the findings as one JSON document (see fsck.erofs(1))", 1 },
	{ "workers", OPT_WORKERS, "N", 0,
	  "Threads reading, decompressing and writing file data (default: "
	  "online CPUs; 1: all on one thread; --compare uses one)", 1 },
	{ "compare", OPT_COMPARE, "SRCDIR", 0,
	  "Also prove the image holds exactly the tree SRCDIR, reporting each "
	  "difference as 'PATH: KIND: detail'; the options below give the "
	  "mapping mkfs.erofs applied", 3 },
	{ "all-root", OPT_ALL_ROOT, NULL, 0, "Expect every file owned by root", 3 },
	{ "force-uid", OPT_FORCE_UID, "UID", 0, "Expect every uid to be UID", 3 },
	{ "force-gid", OPT_FORCE_GID, "GID", 0, "Expect every gid to be GID", 3 },
	{ "uid-offset", OPT_UID_OFFSET, "N", 0, "Expect every uid shifted by N", 3 },
	{ "gid-offset", OPT_GID_OFFSET, "N", 0, "Expect every gid shifted by N", 3 },
	{ NULL, 'T', "SECONDS", 0,
	  "Expect every mtime to be SECONDS (mkfs -T), unless --mkfs-time", 3 },
	{ "mkfs-time", OPT_MKFS_TIME, NULL, 0,
	  "-T was the build time only: expect the source's mtimes", 3 },
	{ "ignore-mtime", OPT_IGNORE_MTIME, NULL, 0,
	  "Expect every mtime to be the build time (-T, else the image's)", 3 },
	{ "exclude-path", OPT_EXCLUDE_PATH, "PATH", 0,
	  "PATH (relative to SRCDIR) was left out; repeatable", 3 },
	{ "exclude-regex", OPT_EXCLUDE_REGEX, "REGEX", 0,
	  "Paths matching the extended REGEX were left out; repeatable", 3 },
	{ "file-contexts", OPT_FILE_CONTEXTS, "FILE", 0,
	  "Expect security.selinux labels from the SELinux file_contexts FILE", 3 },
	{ "mount-point", OPT_MOUNT_POINT, "PATH", 0,
	  "Where the image is mounted, for --file-contexts (default /)", 3 },
	{ NULL, 'a', NULL, 0, "Accepted and ignored (e2fsck compatibility)", 2 },
	{ NULL, 'A', NULL, 0, "Accepted and ignored", 2 },
	{ NULL, 'y', NULL, 0, "Accepted and ignored", 2 },
	{ "help", 'h', NULL, 0, "Give this help list", -1 },
	{ NULL, 0, NULL, 0, NULL, 0 }
};

static int fsck_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

/* A signed number within [@min, @max], else a usage error. */
static int64_t fsck_parse_s64(struct argp_state *state, const char *opt,
			      const char *s, int64_t min, int64_t max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		argp_error(state, "%s: invalid value: %s", opt, s);
	return v;
}

static void fsck_add_exclude_path(struct argp_state *state,
				  struct erofs_tree_opts *m, const char *arg)
{
	char **v = realloc(m->exclude_paths,
			   (m->nexclude_paths + 1) * sizeof(*v));
	size_t len;

	if (!v)
		argp_failure(state, FSCK_EXIT_ERROR, ENOMEM, "out of memory");
	m->exclude_paths = v;
	/* compared as mkfs compares them: no leading or trailing slashes */
	while (*arg == '/')
		arg++;
	v[m->nexclude_paths] = strdup(arg);
	if (!v[m->nexclude_paths])
		argp_failure(state, FSCK_EXIT_ERROR, ENOMEM, "out of memory");
	len = strlen(arg);
	while (len > 1 && v[m->nexclude_paths][len - 1] == '/')
		v[m->nexclude_paths][--len] = '\0';
	m->nexclude_paths++;
}

static void fsck_add_exclude_regex(struct argp_state *state,
				   struct erofs_tree_opts *m, const char *arg)
{
	regex_t *v = realloc(m->exclude_regexes,
			     (m->nexclude_regexes + 1) * sizeof(*v));
	char msg[256];
	int rc;

	if (!v)
		argp_failure(state, FSCK_EXIT_ERROR, ENOMEM, "out of memory");
	m->exclude_regexes = v;
	rc = regcomp(&v[m->nexclude_regexes], arg, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, &v[m->nexclude_regexes], msg, sizeof(msg));
		argp_error(state, "--exclude-regex: invalid: %s: %s", arg, msg);
	}
	m->nexclude_regexes++;
}

/* The timestamp policy mkfs applied, from -T, SOURCE_DATE_EPOCH, flags. */
static void fsck_resolve_time(struct argp_state *state,
			      struct fsck_options *opts)
{
	struct erofs_tree_opts *m = &opts->map;
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	m->time_policy = EROFS_TIME_KEEP;
	if (opts->have_T) {
		m->build_time = opts->T;
		if (!opts->mkfs_time_only)
			m->time_policy = EROFS_TIME_FIXED;
	} else if (sde && *sde) {
		opts->sde = fsck_parse_s64(state, "SOURCE_DATE_EPOCH", sde,
					   INT64_MIN, INT64_MAX);
		opts->have_sde = true;
		m->build_time = opts->sde;
		m->time_policy = EROFS_TIME_CLAMP;
	}
	/* else the image's build time, filled in once it is read */
	if (opts->ignore_mtime)
		m->time_policy = EROFS_TIME_FIXED;
}

static error_t fsck_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct fsck_options *opts = state->input;
	struct erofs_tree_opts *m = &opts->map;
	uint64_t v;

	switch (key) {
	case OPT_EXTRACT:
		opts->check_data = true;
		if (arg && !*arg)
			argp_error(state, "--extract: empty directory name");
		opts->extract_dir = arg;
		break;
	case OPT_OVERWRITE:
		opts->overwrite = true;
		break;
	case OPT_XATTRS:
		opts->xattrs = true;
		break;
	case OPT_NO_XATTRS:
		opts->xattrs = false;
		break;
	case OPT_NID:
		if (fsck_parse_u64(arg, &v))
			argp_error(state, "--nid: not a number: %s", arg);
		opts->has_nid = true;
		opts->nid = v;
		break;
	case OPT_PATH:
		opts->path = arg;
		break;
	case 'p':
		opts->print_ratio = true;
		break;
	case OPT_NO_SBCRC:
		opts->no_sbcrc = true;
		break;
	case OPT_OFFSET:
		if (fsck_parse_u64(arg, &v))
			argp_error(state, "--offset: not a number: %s", arg);
		opts->offset = v;
		break;
	case 'd':
		if (fsck_parse_u64(arg, &v) || v > 9)
			argp_error(state, "-d: level must be 0..9: %s", arg);
		erofs_msg_level = v;
		break;
	case OPT_QUIET:
		opts->quiet = true;
		break;
	case OPT_JSON:
		opts->json = true;
		break;
	case OPT_WORKERS:
		if (fsck_parse_u64(arg, &v) || v < 1 || v > 1024)
			argp_error(state, "--workers: must be 1..1024: %s", arg);
		opts->workers = v;
		break;
	case OPT_COMPARE:
		if (!*arg)
			argp_error(state, "--compare: empty directory name");
		opts->compare_dir = arg;
		break;
	case OPT_ALL_ROOT:
		m->all_root = true;
		opts->mapping = true;
		break;
	case OPT_FORCE_UID:
		m->force_uid = fsck_parse_s64(state, "--force-uid", arg, 0, UINT32_MAX);
		opts->mapping = true;
		break;
	case OPT_FORCE_GID:
		m->force_gid = fsck_parse_s64(state, "--force-gid", arg, 0, UINT32_MAX);
		opts->mapping = true;
		break;
	case OPT_UID_OFFSET:
		m->uid_offset = fsck_parse_s64(state, "--uid-offset", arg,
					       -(int64_t)UINT32_MAX, UINT32_MAX);
		opts->mapping = true;
		break;
	case OPT_GID_OFFSET:
		m->gid_offset = fsck_parse_s64(state, "--gid-offset", arg,
					       -(int64_t)UINT32_MAX, UINT32_MAX);
		opts->mapping = true;
		break;
	case 'T':
		opts->T = fsck_parse_s64(state, "-T", arg, INT64_MIN, INT64_MAX);
		opts->have_T = true;
		opts->mapping = true;
		break;
	case OPT_MKFS_TIME:
		opts->mkfs_time_only = true;
		opts->mapping = true;
		break;
	case OPT_IGNORE_MTIME:
		opts->ignore_mtime = true;
		opts->mapping = true;
		break;
	case OPT_EXCLUDE_PATH:
		fsck_add_exclude_path(state, m, arg);
		opts->mapping = true;
		break;
	case OPT_EXCLUDE_REGEX:
		fsck_add_exclude_regex(state, m, arg);
		opts->mapping = true;
		break;
	case OPT_FILE_CONTEXTS:
		opts->file_contexts = arg;
		opts->mapping = true;
		break;
	case OPT_MOUNT_POINT:
		if (arg[0] != '/')
			argp_error(state, "--mount-point: not an absolute path: %s", arg);
		opts->mount_point = arg;
		opts->mapping = true;
		break;
	case 'a':
	case 'A':
	case 'y':
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (opts->image)
			argp_error(state, "only one IMAGE, got also %s", arg);
		opts->image = arg;
		break;
	case ARGP_KEY_END:
		if (!opts->image)
			argp_error(state, "no IMAGE given");
		if (opts->has_nid && opts->path)
			argp_error(state, "--nid and --path are exclusive");
		if (opts->overwrite && !opts->extract_dir)
			argp_error(state, "--overwrite needs --extract=DIR");
		if (opts->mapping && !opts->compare_dir)
			argp_error(state, "mapping options need --compare=SRCDIR");
		if (opts->compare_dir)
			fsck_resolve_time(state, opts);
		if (!opts->workers) {
			long n = sysconf(_SC_NPROCESSORS_ONLN);

			opts->workers = n > 0 ? (n > 64 ? 64 : n) : 1;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp fsck_argp = {
	.options = fsck_argp_options,
	.parser = fsck_parse_opt,
	.args_doc = "IMAGE",
	.doc = "Check the integrity of an EROFS image, optionally extract it.\v"
	       "Exit status: 0 the image is sound; 1 corruption found; "
	       "2 operational error (bad usage, cannot open or read, "
	       "extraction failed); 3 no corruption found but parts of the "
	       "image use features this fsck cannot check yet; 4 (--compare) "
	       "the image is sound but differs from SRCDIR.  When several "
	       "apply, 2 wins over 1, 1 over 4, and 4 over 3.",
};

void fsck_parse_options(int argc, char **argv, struct fsck_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->map.force_uid = -1;
	opts->map.force_gid = -1;
	argp_err_exit_status = FSCK_EXIT_ERROR;
	argp_parse(&fsck_argp, argc, argv, 0, NULL, opts);
}

void fsck_free_options(struct fsck_options *opts)
{
	struct erofs_tree_opts *m = &opts->map;

	for (unsigned int i = 0; i < m->nexclude_paths; i++)
		free(m->exclude_paths[i]);
	free(m->exclude_paths);
	for (unsigned int i = 0; i < m->nexclude_regexes; i++)
		regfree(&m->exclude_regexes[i]);
	free(m->exclude_regexes);
}
