// SPDX-License-Identifier: MIT
/* The options fsck.erofs and dump.erofs share, parsed once for both. */
#include <errno.h>
#include <stdlib.h>
#include "erofs/image_options.h"
#include "erofs/print.h"

enum {
	OPT_NID = 0x300,	/* clear of the tools' own keys (0x100...) */
	OPT_PATH,
	OPT_OFFSET,
	OPT_NO_SBCRC,
	OPT_JSON,
	OPT_DEVICE,
};

/* As many as a device table holds. */
#define EROFS_IMAGE_MAX_DEVICES	65535

/* Where the image is: the options every reader takes. */
#define IMAGE_WHERE_OPTIONS \
	{ NULL, 0, NULL, 0, "Image:", EROFS_IMAGE_HELP_GROUP }, \
	{ "offset", OPT_OFFSET, "N", 0, "The image starts N bytes into IMAGE", \
	  EROFS_IMAGE_HELP_GROUP }, \
	{ "no-sbcrc", OPT_NO_SBCRC, NULL, 0, \
	  "Do not verify the superblock checksum", EROFS_IMAGE_HELP_GROUP }, \
	{ "device", OPT_DEVICE, "PATH", 0, \
	  "An extra device of a multi-device image, in the order of its device table (repeat for each)", \
	  EROFS_IMAGE_HELP_GROUP }
#define IMAGE_DEBUG_OPTION \
	{ "debug", 'd', "N", 0, \
	  "Message level: 0 errors, 1 warnings, 2 info (default), 3 debug", \
	  EROFS_OUTPUT_HELP_GROUP }

static const struct argp_option image_argp_options[] = {
	IMAGE_WHERE_OPTIONS,
	{ "nid", OPT_NID, "N", 0, "Start at inode N instead of the root",
	  EROFS_IMAGE_HELP_GROUP },
	{ "path", OPT_PATH, "PATH", 0,
	  "Start at the inode at PATH inside the image", EROFS_IMAGE_HELP_GROUP },
	{ NULL, 0, NULL, 0, "Output:", EROFS_OUTPUT_HELP_GROUP },
	IMAGE_DEBUG_OPTION,
	{ "json", OPT_JSON, NULL, 0,
	  "Print the results as one JSON document (see the manual page)",
	  EROFS_OUTPUT_HELP_GROUP },
	{ NULL, 0, NULL, 0, NULL, 0 }
};

/* erofsfuse: no --json; --nid and --path pick the directory shown */
static const struct argp_option image_mount_argp_options[] = {
	IMAGE_WHERE_OPTIONS,
	{ "nid", OPT_NID, "N", 0,
	  "Show the directory at inode N as the root instead of the image's",
	  EROFS_IMAGE_HELP_GROUP },
	{ "path", OPT_PATH, "PATH", 0,
	  "Show the directory at PATH inside the image as the root",
	  EROFS_IMAGE_HELP_GROUP },
	{ NULL, 0, NULL, 0, "Messages:", EROFS_OUTPUT_HELP_GROUP },
	IMAGE_DEBUG_OPTION,
	{ "dbglevel", 0, "N", OPTION_ALIAS, NULL, EROFS_OUTPUT_HELP_GROUP },
	{ NULL, 0, NULL, 0, NULL, 0 }
};

int64_t erofs_argp_number(struct argp_state *state, const char *opt,
			  const char *arg, int64_t min, int64_t max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 0);
	if (errno || end == arg || *end || v < min || v > max)
		argp_error(state, "%s: invalid value: %s", opt, arg);
	return v;
}

/* An unsigned number, no sign, whole string: 0 or -EINVAL. */
static int image_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

static error_t image_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct erofs_image_args *a = state->input;
	uint64_t v;

	switch (key) {
	case OPT_NID:
		if (image_parse_u64(arg, &v))
			argp_error(state, "--nid: not a number: %s", arg);
		a->has_nid = true;
		a->nid = v;
		break;
	case OPT_PATH:
		a->path = arg;
		break;
	case OPT_OFFSET:
		if (image_parse_u64(arg, &v))
			argp_error(state, "--offset: not a number: %s", arg);
		a->offset = v;
		break;
	case OPT_NO_SBCRC:
		a->no_sbcrc = true;
		break;
	case 'd':
		if (image_parse_u64(arg, &v) || v > 9)
			argp_error(state, "-d: level must be 0..9: %s", arg);
		erofs_msg_level = v;
		break;
	case OPT_JSON:
		a->json = true;
		break;
	case OPT_DEVICE: {
		const char **d;

		if (a->ndevices == EROFS_IMAGE_MAX_DEVICES)
			argp_error(state, "--device: more than %u",
				   EROFS_IMAGE_MAX_DEVICES);
		d = realloc(a->devices, (a->ndevices + 1) * sizeof(*d));
		if (!d)
			argp_failure(state, 2, ENOMEM, "--device");
		d[a->ndevices++] = arg;
		a->devices = d;
		break;
	}
	case ARGP_KEY_ARG:
		if (a->image)
			argp_error(state, "only one IMAGE, got also %s", arg);
		a->image = arg;
		break;
	case ARGP_KEY_END:
		if (!a->image)
			argp_error(state, "no IMAGE given");
		if (a->has_nid && a->path)
			argp_error(state, "--nid and --path are exclusive");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

void erofs_image_args_free(struct erofs_image_args *a)
{
	free(a->devices);
	a->devices = NULL;
	a->ndevices = 0;
}

const struct argp erofs_image_argp = {
	.options = image_argp_options,
	.parser = image_parse_opt,
};

const struct argp erofs_image_mount_argp = {
	.options = image_mount_argp_options,
	.parser = image_parse_opt,
};
