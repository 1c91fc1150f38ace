/* SPDX-License-Identifier: MIT */
/* erofsfuse: the command line, and the FUSE side of the operations. */
#ifndef EROFSFUSE_H
#define EROFSFUSE_H

/* libfuse 3.2's API: every libfuse 3 since has it */
#define FUSE_USE_VERSION 32
#include <fuse_lowlevel.h>
#include <stdbool.h>
#include "erofs/image_options.h"

#define EROFSFUSE_EXIT_ERROR	1

struct erofsfuse_options {
	struct erofs_image_args img;
	const char *mountpoint;
	bool foreground;		/* -f: no daemon, messages on stderr */
	bool single;			/* -s: one thread */
	bool clone_fd;			/* -o clone_fd */
	unsigned int max_idle;		/* -o max_idle_threads=N (0: libfuse's) */
	unsigned int threads;		/* -o threads=N (0: the CPUs online) */
	unsigned int max_read;		/* -o max_read=N, which init() repeats */
	char *mount_opts;		/* the other -o options, comma-joined */
};

/* Parse the command line into @opts; exits on a usage error. */
void erofsfuse_parse_options(int argc, char **argv,
			     struct erofsfuse_options *opts);
void erofsfuse_free_options(struct erofsfuse_options *opts);

/*
 * Serve @se on @nthreads threads until it is unmounted or a signal ends
 * it (loop.c): 0, or the -errno that stopped it.
 */
int erofsfuse_loop(struct fuse_session *se, unsigned int nthreads);

/* The operations for fuse_session_new(), userdata a struct erofsfuse. */
extern const struct fuse_lowlevel_ops erofsfuse_ll_ops;

#endif
