// SPDX-License-Identifier: MIT
/*
 * erofsfuse command line (argp): the image options shared with fsck and
 * dump, and those of erofs-utils' erofsfuse: -f, -s, -o (mount options
 * for libfuse, plus its loop's clone_fd and max_idle_threads, and ours,
 * threads).
 */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "erofsfuse.h"

const char *argp_program_version = "erofsfuse (" PACKAGE_NAME ") " PACKAGE_VERSION;

enum {
	ERF_GROUP_MOUNT = 1,
};

static const struct argp_option erf_argp_options[] = {
	{ NULL, 0, NULL, 0, "Mount:", ERF_GROUP_MOUNT },
	{ NULL, 'f', NULL, 0,
	  "Stay in the foreground, messages on stderr (else a daemon logging to syslog)",
	  ERF_GROUP_MOUNT },
	{ NULL, 's', NULL, 0, "Serve requests on one thread", ERF_GROUP_MOUNT },
	{ NULL, 'o', "OPT[,OPT...]", 0,
	  "Mount options for FUSE (allow_other, max_read=N, debug, ...), and "
	  "threads=N (default: the CPUs online), or libfuse's own thread "
	  "pool with clone_fd, max_idle_threads=N; repeatable",
	  ERF_GROUP_MOUNT },
	{ NULL, 'h', NULL, 0, "Give this help list", -1 },
	{ NULL, 0, NULL, 0, NULL, 0 }
};

/* Append @opt to the comma-joined @opts->mount_opts. */
static void erf_add_mount_opt(struct argp_state *state,
			      struct erofsfuse_options *opts, const char *opt,
			      size_t len)
{
	size_t old = opts->mount_opts ? strlen(opts->mount_opts) : 0;
	char *n = realloc(opts->mount_opts, old + len + 2);

	if (!n)
		argp_failure(state, EROFSFUSE_EXIT_ERROR, ENOMEM, "-o");
	if (old)
		n[old++] = ',';
	memcpy(n + old, opt, len);
	n[old + len] = '\0';
	opts->mount_opts = n;
}

/* The number after @key ("max_read=") in the -o option @p (@len bytes). */
static int64_t erf_o_number(struct argp_state *state, const char *p,
			    size_t len, const char *key, int64_t max)
{
	size_t klen = strlen(key);
	char num[24], what[32];

	if (len - klen >= sizeof(num))
		argp_error(state, "-o %.*s: invalid value", (int)len, p);
	memcpy(num, p + klen, len - klen);
	num[len - klen] = '\0';
	snprintf(what, sizeof(what), "-o %.*s", (int)klen - 1, key);
	return erofs_argp_number(state, what, num, 1, max);
}

/* One -o: the loop's options are ours, the rest go to libfuse. */
static void erf_parse_o(struct argp_state *state,
			struct erofsfuse_options *opts, const char *arg)
{
	const char *p, *end;

	for (p = arg; *p; p = *end ? end + 1 : end) {
		size_t len;

		end = strchrnul(p, ',');
		len = end - p;
		if (!len)
			continue;
		if (len == 8 && !memcmp(p, "clone_fd", 8)) {
			opts->clone_fd = true;
			continue;
		}
		if (len > 17 && !memcmp(p, "max_idle_threads=", 17)) {
			opts->max_idle = erf_o_number(state, p, len,
						      "max_idle_threads=",
						      1 << 20);
			continue;
		}
		if (len > 8 && !memcmp(p, "threads=", 8)) {
			opts->threads = erf_o_number(state, p, len, "threads=",
						     1024);
			continue;
		}
		/* libfuse's, but it wants init() to ask for the same */
		if (len > 9 && !memcmp(p, "max_read=", 9))
			opts->max_read = erf_o_number(state, p, len,
						      "max_read=", UINT32_MAX);
		erf_add_mount_opt(state, opts, p, len);
	}
}

static error_t erf_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct erofsfuse_options *opts = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &opts->img;
		break;
	case 'f':
		opts->foreground = true;
		break;
	case 's':
		opts->single = true;
		break;
	case 'o':
		erf_parse_o(state, opts, arg);
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		/* the first argument is IMAGE, the child's */
		if (!opts->img.image)
			return ARGP_ERR_UNKNOWN;
		if (opts->mountpoint)
			argp_error(state, "only IMAGE and MOUNTPOINT, got also %s",
				   arg);
		opts->mountpoint = arg;
		break;
	case ARGP_KEY_END:
		if (opts->img.image && !opts->mountpoint)
			argp_error(state, "no MOUNTPOINT given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child erf_argp_children[] = {
	{ &erofs_image_mount_argp, 0, NULL, 0 },
	{ NULL, 0, NULL, 0 }
};

static const struct argp erf_argp = {
	.options = erf_argp_options,
	.parser = erf_parse_opt,
	.args_doc = "IMAGE MOUNTPOINT",
	.doc = "Mount an EROFS image read-only through FUSE.\v"
	       "Every file is served as the kernel's EROFS driver reads it; a "
	       "file the image holds corrupt reads as an I/O error, logged in "
	       "one line with its nid and offset, and the rest keeps being "
	       "served.  Unmount with fusermount3 -u MOUNTPOINT (or umount, or "
	       "SIGTERM to the daemon).  Exit status: 0 unmounted cleanly, "
	       "1 the image or the mount failed.",
	.children = erf_argp_children,
};

void erofsfuse_parse_options(int argc, char **argv,
			     struct erofsfuse_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	argp_err_exit_status = EROFSFUSE_EXIT_ERROR;
	argp_parse(&erf_argp, argc, argv, 0, NULL, opts);
}

void erofsfuse_free_options(struct erofsfuse_options *opts)
{
	erofs_image_args_free(&opts->img);
	free(opts->mount_opts);
	opts->mount_opts = NULL;
}
