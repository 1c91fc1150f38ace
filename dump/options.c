// SPDX-License-Identifier: MIT
/*
 * dump.erofs command line (argp): fills a struct dump_options.  The image
 * options are shared with fsck.erofs (an argp child from lib/).
 */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dump.h"

const char *argp_program_version = "dump.erofs (" PACKAGE_NAME ") " PACKAGE_VERSION;

enum {
	OPT_LS = 0x100,
	OPT_CAT,
};

static const struct argp_option dump_argp_options[] = {
	{ NULL, 0, NULL, 0, "What to show:", 1 },
	{ "superblock", 's', NULL, 0,
	  "Show the superblock (the default when nothing else is asked)", 1 },
	{ "ls", OPT_LS, NULL, 0,
	  "List the directory given by --nid/--path (default: the root)", 1 },
	{ "recursive", 'R', NULL, 0,
	  "With --ls (implied): list the whole tree below, one 'ls -l' line "
	  "per entry (mode, links, uid, gid, size or major,minor, mtime, path, "
	  "-> target), depth-first in on-disk order", 1 },
	{ "cat", OPT_CAT, "PATH", OPTION_ARG_OPTIONAL,
	  "Write the content of the file at PATH (without PATH: given by "
	  "--nid/--path) to stdout; repeat to concatenate several, in order", 1 },
	{ "extents", 'e', NULL, 0,
	  "Show the extents of the file given by --nid/--path", 1 },
	{ "statistics", 'S', NULL, 0, "Show statistics of the whole tree", 1 },
	{ NULL, 'h', NULL, 0, "Give this help list", -1 },
	{ NULL, 0, NULL, 0, NULL, 0 }
};

static error_t dump_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct dump_options *opts = state->input;
	struct erofs_image_args *img = &opts->img;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = img;
		break;
	case 's':
		opts->show_sb = true;
		break;
	case OPT_LS:
		opts->ls = true;
		break;
	case 'R':
		opts->recursive = opts->ls = true;
		break;
	case OPT_CAT: {
		const char **v = realloc(opts->cat_paths,
					 (opts->ncat + 1) * sizeof(*v));

		if (!v)
			argp_failure(state, 2, ENOMEM, "--cat");
		if (arg && !*arg)
			argp_error(state, "--cat: empty path");
		v[opts->ncat++] = arg;
		opts->cat_paths = v;
		opts->cat = true;
		break;
	}
	case 'e':
		opts->extents = true;
		break;
	case 'S':
		opts->stats = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_END:
		/* the image child has checked IMAGE, --nid and --path already */
		if (opts->cat + opts->extents + opts->ls > 1)
			argp_error(state, "--ls, --cat and -e are exclusive");
		if (opts->extents && !img->has_nid && !img->path)
			argp_error(state, "-e needs --nid or --path");
		for (unsigned int i = 0; i < opts->ncat; i++)
			if (!opts->cat_paths[i] && !img->has_nid && !img->path)
				argp_error(state, "--cat needs --nid or --path, or --cat=PATH");
		if (opts->cat && (opts->show_sb || opts->stats || img->json))
			argp_error(state, "--cat writes only the file content");
		opts->show_inode = (img->has_nid || img->path) &&
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

static const struct argp_child dump_argp_children[] = {
	{ &erofs_image_argp, 0, NULL, 0 },
	{ NULL, 0, NULL, 0 }
};

static const struct argp dump_argp = {
	.options = dump_argp_options,
	.parser = dump_parse_opt,
	.args_doc = "IMAGE",
	.doc = "Show the superblock, inodes, directories, extents and "
	       "statistics of an EROFS image.\v"
	       "--nid or --path alone shows that inode.  --cat=PATH takes the "
	       "'=': a separate word is IMAGE.\n"
	       "Exit status: 0 success; 1 the image is corrupted or the "
	       "request failed; 2 bad usage.",
	.children = dump_argp_children,
};

void dump_parse_options(int argc, char **argv, struct dump_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	argp_err_exit_status = 2;
	argp_parse(&dump_argp, argc, argv, 0, NULL, opts);
}
