// SPDX-License-Identifier: MIT
/* fsck.erofs command line (argp): fills a struct fsck_options, nothing more. */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static error_t fsck_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct fsck_options *opts = state->input;
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
	       "image use features this fsck cannot check yet (compressed "
	       "data).  When several apply, 2 wins over 1, and 1 over 3.",
};

void fsck_parse_options(int argc, char **argv, struct fsck_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	argp_err_exit_status = FSCK_EXIT_ERROR;
	argp_parse(&fsck_argp, argc, argv, 0, NULL, opts);
}
