/* SPDX-License-Identifier: MIT */
/*
 * Command-line pieces the tools share: a checked number for argp parsers,
 * and the options of the tools that read an image (fsck.erofs,
 * dump.erofs, erofsfuse) as one argp child: IMAGE itself, where it
 * starts, which inode to start at, the message level and JSON output.
 */
#ifndef EROFS_IMAGE_OPTIONS_H
#define EROFS_IMAGE_OPTIONS_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>
#include "erofs/defs.h"

/* @arg as a number within [@min, @max], else a usage error naming @opt. */
int64_t erofs_argp_number(struct argp_state *state, const char *opt,
			  const char *arg, int64_t min, int64_t max);

/* The child's input, zeroed before argp_parse(). */
struct erofs_image_args {
	const char *image;		/* the IMAGE argument, required */
	erofs_off_t offset;		/* --offset */
	bool no_sbcrc;			/* --no-sbcrc */
	bool has_nid;			/* --nid: @nid */
	erofs_nid_t nid;
	const char *path;		/* --path, exclusive with --nid */
	bool json;			/* --json */
	const char **devices;		/* --device, in the order given */
	unsigned int ndevices;
};

/* Free what parsing allocated in @a (the --device list). */
void erofs_image_args_free(struct erofs_image_args *a);

/*
 * --help groups of the child, under the parent's own: "Image:" and
 * "Output:"; a tool puts options of its own there with these numbers.
 */
enum {
	EROFS_IMAGE_HELP_GROUP = 10,
	EROFS_OUTPUT_HELP_GROUP = 11,
};

/* Merge it into the parent (argp_child header NULL, group 0). */
extern const struct argp erofs_image_argp;
/*
 * The same for a tool that mounts IMAGE (erofsfuse): no --json, and
 * --dbglevel as erofs-utils' name of -d.  The parent takes the arguments
 * after IMAGE (it sees each before the child does).
 */
extern const struct argp erofs_image_mount_argp;

#endif
