// SPDX-License-Identifier: MIT
/* dump.erofs command line (argp): fills a struct dump_options. */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/print.h"
#include "dump.h"

const char *argp_program_version = "dump.erofs (" PACKAGE_NAME ") " PACKAGE_VERSION;

enum {
	OPT_NID = 0x100,
	OPT_PATH,
	OPT_LS,
	OPT_CAT,
	OPT_OFFSET,
	OPT_NO_SBCRC,
	OPT_JSON,
};

static const struct argp_option dump_argp_options[] = {
	{ "superblock", 's', NULL, 0,
	  "Show the superblock (the default when nothing else is asked)", 0 },
	{ "nid", OPT_NID, "N", 0, "Show inode N", 0 },
	{ "path", OPT_PATH, "PATH", 0, "Show the inode at PATH", 0 },
	{ "ls", OPT_LS, NULL, 0,
	  "List the directory given by --nid/--path (default: the root)", 0 },
	{ "cat", OPT_CAT, NULL, 0,
	  "Write the content of the file given by --nid/--path to stdout", 0 },
	{ "extents", 'e', NULL, 0,
	  "Show the extents of the file given by --nid/--path", 0 },
	{ "statistics", 'S', NULL, 0, "Show statistics of the whole tree", 0 },
	{ "json", OPT_JSON, NULL, 0,
	  "Print what is asked as one JSON document (see dump.erofs(1))", 0 },
	{ "offset", OPT_OFFSET, "N", 0, "The image starts N bytes into IMAGE", 1 },
	{ "no-sbcrc", OPT_NO_SBCRC, NULL, 0,
	  "Do not verify the superblock checksum", 1 },
	{ "debug", 'd', "N", 0,
	  "Message level: 0 errors, 1 warnings, 2 info (default), 3 debug", 1 },
	{ "help", 'h', NULL, 0, "Give this help list", -1 },
	{ NULL, 0, NULL, 0, NULL, 0 }
};

static int dump_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

static error_t dump_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct dump_options *opts = state->input;
	uint64_t v;

	switch (key) {
	case 's':
		opts->show_sb = true;
		break;
	case OPT_NID:
		if (dump_parse_u64(arg, &v))
			argp_error(state, "--nid: not a number: %s", arg);
		opts->has_nid = true;
		opts->nid = v;
		break;
	case OPT_PATH:
		opts->path = arg;
		break;
	case OPT_LS:
		opts->ls = true;
		break;
	case OPT_CAT:
		opts->cat = true;
		break;
	case 'e':
		opts->extents = true;
		break;
	case 'S':
		opts->stats = true;
		break;
	case OPT_JSON:
		opts->json = true;
		break;
	case OPT_OFFSET:
		if (dump_parse_u64(arg, &v))
			argp_error(state, "--offset: not a number: %s", arg);
		opts->offset = v;
		break;
	case OPT_NO_SBCRC:
		opts->no_sbcrc = true;
		break;
	case 'd':
		if (dump_parse_u64(arg, &v) || v > 9)
			argp_error(state, "-d: level must be 0..9: %s", arg);
		erofs_msg_level = v;
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
		if (opts->cat + opts->extents + opts->ls > 1)
			argp_error(state, "--ls, --cat and -e are exclusive");
		if ((opts->cat || opts->extents) && !opts->has_nid && !opts->path)
			argp_error(state, "%s needs --nid or --path",
				   opts->cat ? "--cat" : "-e");
		if (opts->cat && (opts->show_sb || opts->stats || opts->json))
			argp_error(state, "--cat writes only the file content");
		opts->show_inode = (opts->has_nid || opts->path) &&
				   !opts->ls && !opts->cat && !opts->extents;
		if (!opts->show_inode && !opts->ls && !opts->cat &&
		    !opts->extents && !opts->stats)
			opts->show_sb = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp dump_argp = {
	.options = dump_argp_options,
	.parser = dump_parse_opt,
	.args_doc = "IMAGE",
	.doc = "Show the superblock, inodes, directories, extents and "
	       "statistics of an EROFS image.\v"
	       "Exit status: 0 success; 1 the image is corrupted or the "
	       "request failed; 2 bad usage.",
};

void dump_parse_options(int argc, char **argv, struct dump_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	argp_err_exit_status = 2;
	argp_parse(&dump_argp, argc, argv, 0, NULL, opts);
}
