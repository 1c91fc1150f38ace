// SPDX-License-Identifier: MIT
/*
 * fsck.erofs command line (argp): fills a struct fsck_options, nothing
 * more.  The image options are shared with dump.erofs, the tree-mapping
 * options of --compare with mkfs.erofs (argp children from lib/).
 */
#include <argp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "erofs/sb.h"
#include "erofs/tree_options.h"
#include "fsck.h"

const char *argp_program_version = "fsck.erofs (" PACKAGE_NAME ") " PACKAGE_VERSION;

enum {
	OPT_EXTRACT = 0x100,
	OPT_OVERWRITE,
	OPT_FORCE,
	OPT_PRESERVE,
	OPT_NO_PRESERVE,
	OPT_PRESERVE_OWNER,
	OPT_NO_PRESERVE_OWNER,
	OPT_PRESERVE_PERMS,
	OPT_NO_PRESERVE_PERMS,
	OPT_XATTRS,
	OPT_NO_XATTRS,
	OPT_QUIET,
	OPT_COMPARE,
	OPT_WORKERS,
	OPT_EXPORT,
	OPT_EXPORT_COMPRESS,
};

/* --help groups: the image child's (10, 11) and the tree child's follow */
enum {
	FSCK_GROUP_EXTRACT = 1,
	FSCK_GROUP_CHECK = 2,
	FSCK_GROUP_EXPORT = 3,
	FSCK_GROUP_COMPARE = 20,
	FSCK_GROUP_TREE = 21,
	FSCK_GROUP_COMPAT = 30,
};

static const struct argp_option fsck_argp_options[] = {
	{ NULL, 0, NULL, 0, "Extraction:", FSCK_GROUP_EXTRACT },
	{ "extract", OPT_EXTRACT, "DIR", OPTION_ARG_OPTIONAL,
	  "Extract the checked tree into DIR (created if absent, must be empty); "
	  "without DIR only check that every file reads back", FSCK_GROUP_EXTRACT },
	{ "overwrite", OPT_OVERWRITE, NULL, 0,
	  "Allow a non-empty DIR and replace entries already there", FSCK_GROUP_EXTRACT },
	{ "force", OPT_FORCE, NULL, 0,
	  "Allow DIR to be the root directory (with --overwrite: / is never empty)",
	  FSCK_GROUP_EXTRACT },
	{ "preserve", OPT_PRESERVE, NULL, 0,
	  "Same as --preserve-owner --preserve-perms", FSCK_GROUP_EXTRACT },
	{ "no-preserve", OPT_NO_PRESERVE, NULL, 0,
	  "Same as --no-preserve-owner --no-preserve-perms", FSCK_GROUP_EXTRACT },
	{ "preserve-owner", OPT_PRESERVE_OWNER, NULL, 0,
	  "Give entries the image's owners (default as root)", FSCK_GROUP_EXTRACT },
	{ "no-preserve-owner", OPT_NO_PRESERVE_OWNER, NULL, 0,
	  "Leave entries owned by the user extracting (default for others)",
	  FSCK_GROUP_EXTRACT },
	{ "preserve-perms", OPT_PRESERVE_PERMS, NULL, 0,
	  "Give entries the image's exact modes (default as root)", FSCK_GROUP_EXTRACT },
	{ "no-preserve-perms", OPT_NO_PRESERVE_PERMS, NULL, 0,
	  "Apply the umask to the image's modes (default for others)",
	  FSCK_GROUP_EXTRACT },
	{ "xattrs", OPT_XATTRS, NULL, 0,
	  "Also restore extended attributes, POSIX ACLs and SELinux labels when extracting",
	  FSCK_GROUP_EXTRACT },
	{ "no-xattrs", OPT_NO_XATTRS, NULL, 0,
	  "Do not extract extended attributes (default)", FSCK_GROUP_EXTRACT },
	{ NULL, 0, NULL, 0, "Export:", FSCK_GROUP_EXPORT },
	{ "export", OPT_EXPORT, "FILE", 0,
	  "Write the checked tree to FILE ('-': standard output) as a pax "
	  "archive; FILE appears only if the image is sound", FSCK_GROUP_EXPORT },
	{ "export-compress", OPT_EXPORT_COMPRESS, "ALG", 0,
	  "Compress the archive: gzip, xz, zstd or none (default: from FILE's "
	  "suffix .gz .tgz .xz .txz .zst .tzst, else none)", FSCK_GROUP_EXPORT },
	{ NULL, 0, NULL, 0, "Checking:", FSCK_GROUP_CHECK },
	{ "workers", OPT_WORKERS, "N", 0,
	  "Threads reading, decompressing and writing file data (default: "
	  "online CPUs; 1: all on one thread; --compare and --export use one)", FSCK_GROUP_CHECK },
	{ "print-comp-ratio", 'p', NULL, 0,
	  "Print the compression ratio of all files and pcluster counts",
	  EROFS_OUTPUT_HELP_GROUP },
	{ "quiet", OPT_QUIET, NULL, 0,
	  "No progress bar and no summary: only problems and differences",
	  EROFS_OUTPUT_HELP_GROUP },
	{ NULL, 0, NULL, 0, "Comparison with the source:", FSCK_GROUP_COMPARE },
	{ "compare", OPT_COMPARE, "SRCDIR|IMAGE2", 0,
	  "Also prove the image holds exactly the tree SRCDIR, reporting each "
	  "difference as 'PATH: KIND: detail'; give the tree-mapping options "
	  "below as mkfs.erofs was given them.  IMAGE2, a file or device "
	  "with the EROFS magic, is compared entry by entry, contents as "
	  "decoded, with the image (at --path in both)", FSCK_GROUP_COMPARE },
	{ NULL, 0, NULL, 0, "Compatibility:", FSCK_GROUP_COMPAT },
	{ NULL, 'a', NULL, 0, "Accepted and ignored (e2fsck compatibility)", FSCK_GROUP_COMPAT },
	{ NULL, 'A', NULL, 0, "Accepted and ignored", FSCK_GROUP_COMPAT },
	{ NULL, 'y', NULL, 0, "Accepted and ignored", FSCK_GROUP_COMPAT },
	{ NULL, 'h', NULL, 0, "Give this help list", -1 },
	{ NULL, 0, NULL, 0, NULL, 0 }
};

struct fsck_parse_state {
	struct fsck_options *opts;
	struct erofs_tree_args tree;
	int owner, perms;		/* --[no-]preserve-*: 1, 0, -1 not given */
};

static error_t fsck_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct fsck_parse_state *ps = state->input;
	struct fsck_options *opts = ps->opts;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &opts->img;
		state->child_inputs[1] = &ps->tree;
		break;
	case OPT_EXTRACT:
		opts->check_data = true;
		if (arg && !*arg)
			argp_error(state, "--extract: empty directory name");
		opts->extract_dir = arg;
		break;
	case OPT_OVERWRITE:
		opts->overwrite = true;
		break;
	case OPT_FORCE:
		opts->force = true;
		break;
	case OPT_PRESERVE:
	case OPT_NO_PRESERVE:
		ps->owner = ps->perms = key == OPT_PRESERVE;
		break;
	case OPT_PRESERVE_OWNER:
	case OPT_NO_PRESERVE_OWNER:
		ps->owner = key == OPT_PRESERVE_OWNER;
		break;
	case OPT_PRESERVE_PERMS:
	case OPT_NO_PRESERVE_PERMS:
		ps->perms = key == OPT_PRESERVE_PERMS;
		break;
	case OPT_XATTRS:
		opts->xattrs = true;
		break;
	case OPT_NO_XATTRS:
		opts->xattrs = false;
		break;
	case 'p':
		opts->print_ratio = true;
		break;
	case OPT_QUIET:
		opts->quiet = true;
		break;
	case OPT_WORKERS:
		opts->workers = erofs_argp_number(state, "--workers", arg, 1, 1024);
		break;
	case OPT_COMPARE:
		if (!*arg)
			argp_error(state, "--compare: empty name");
		opts->compare_dir = arg;
		break;
	case OPT_EXPORT:
		if (!*arg)
			argp_error(state, "--export: empty file name");
		opts->export_file = arg;
		break;
	case OPT_EXPORT_COMPRESS:
		if (strcmp(arg, "gzip") && strcmp(arg, "xz") &&
		    strcmp(arg, "zstd") && strcmp(arg, "none"))
			argp_error(state, "--export-compress: '%s': not gzip, xz, zstd or none",
				   arg);
		opts->export_compress = arg;
		break;
	case 'a':
	case 'A':
	case 'y':
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_END:
		/* the image child has checked IMAGE, --nid and --path already */
		if (opts->overwrite && !opts->extract_dir)
			argp_error(state, "--overwrite needs --extract=DIR");
		if (opts->export_compress && !opts->export_file)
			argp_error(state, "--export-compress needs --export=FILE");
		if (opts->export_file && !strcmp(opts->export_file, "-")) {
			/* standard output is the archive's alone */
			if (opts->img.json || opts->print_ratio || opts->compare_dir)
				argp_error(state, "--export=- leaves no standard output for %s",
					   opts->img.json ? "--json" :
					   opts->compare_dir ? "--compare" : "-p");
			opts->quiet = true;
		}
		/* the archive takes file bytes in walk order */
		if (opts->export_file)
			opts->workers = 1;
		if (opts->force && !opts->extract_dir)
			argp_error(state, "--force needs --extract=DIR");
		if ((ps->owner >= 0 || ps->perms >= 0) && !opts->extract_dir)
			argp_error(state, "--[no-]preserve options need --extract=DIR");
		/* as erofs-utils: root restores owners and exact modes, others not */
		opts->preserve_owner = ps->owner >= 0 ? ps->owner : !geteuid();
		opts->preserve_perms = ps->perms >= 0 ? ps->perms : !geteuid();
		if (ps->tree.given && !opts->compare_dir)
			argp_error(state, "mapping options need --compare=SRCDIR");
		/* a file or device with the EROFS magic: IMAGE2, else SRCDIR */
		if (opts->compare_dir &&
		    erofs_sb_probe_path(opts->compare_dir) > 0) {
			opts->compare_image = true;
			if (ps->tree.given || opts->img.has_nid)
				argp_error(state, "--compare=IMAGE2 takes neither mapping options nor --nid");
		} else if (opts->compare_dir) {
			/* else mkfs's "now": the build time the image records */
			opts->build_time_known =
				erofs_tree_args_resolve_time(state, &ps->tree);
			opts->file_contexts = ps->tree.file_contexts;
			opts->mount_point = ps->tree.mount_point;
		}
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

static const struct argp_child fsck_argp_children[] = {
	{ &erofs_image_argp, 0, NULL, 0 },
	{ &erofs_tree_argp, 0, NULL, FSCK_GROUP_TREE },
	{ NULL, 0, NULL, 0 }
};

static const struct argp fsck_argp = {
	.options = fsck_argp_options,
	.parser = fsck_parse_opt,
	.args_doc = "IMAGE",
	.doc = "Check the integrity of an EROFS image, optionally extract or export it.\v"
	       "With --nid or --path only the tree below that inode is checked "
	       "(and extracted or exported).\n"
	       "Exit status: 0 the image is sound; 1 corruption found; "
	       "2 operational error (bad usage, cannot open or read, "
	       "extraction failed); 3 no corruption found but parts of the "
	       "image use features this fsck cannot check yet; 4 (--compare) "
	       "the image is sound but differs from SRCDIR or IMAGE2.  When several "
	       "apply, 2 wins over 1, 1 over 4, and 4 over 3.",
	.children = fsck_argp_children,
};

void fsck_parse_options(int argc, char **argv, struct fsck_options *opts)
{
	struct fsck_parse_state ps = {
		.opts = opts, .tree.tree = &opts->map, .owner = -1, .perms = -1,
	};

	memset(opts, 0, sizeof(*opts));
	opts->map.force_uid = -1;
	opts->map.force_gid = -1;
	argp_err_exit_status = FSCK_EXIT_ERROR;
	argp_parse(&fsck_argp, argc, argv, 0, NULL, &ps);
}

void fsck_free_options(struct fsck_options *opts)
{
	erofs_tree_opts_free(&opts->map);
	erofs_image_args_free(&opts->img);
}
