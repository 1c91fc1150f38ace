// SPDX-License-Identifier: MIT
/*
 * The tree-mapping options of mkfs.erofs and fsck.erofs --compare: one
 * table, one parser, one set of messages, one time-policy resolver.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/image_options.h"
#include "erofs/tree_options.h"

enum {
	OPT_ALL_ROOT = 0x200,	/* clear of the tools' own keys (0x100...) */
	OPT_FORCE_UID,
	OPT_FORCE_GID,
	OPT_UID_OFFSET,
	OPT_GID_OFFSET,
	OPT_MKFS_TIME,
	OPT_ALL_TIME,
	OPT_IGNORE_MTIME,
	OPT_PRESERVE_MTIME,
	OPT_EXCLUDE_PATH,
	OPT_EXCLUDE_REGEX,
	OPT_FILE_CONTEXTS,
	OPT_MOUNT_POINT,
};

static const struct argp_option tree_argp_options[] = {
	{ NULL, 0, NULL, 0, "Timestamps:", 1 },
	{ NULL, 'T', "SECONDS", 0,
	  "Build time; also every inode's mtime unless --mkfs-time", 1 },
	{ "mkfs-time", OPT_MKFS_TIME, NULL, 0,
	  "-T is the build time only: inodes keep their mtimes", 1 },
	{ "all-time", OPT_ALL_TIME, NULL, 0,
	  "-T is every inode's mtime too (default)", 1 },
	{ "ignore-mtime", OPT_IGNORE_MTIME, NULL, 0,
	  "Every inode's mtime is the build time", 1 },
	{ "preserve-mtime", OPT_PRESERVE_MTIME, NULL, 0,
	  "Every inode keeps its own mtime (default)", 1 },
	{ NULL, 0, NULL, 0, "Ownership:", 2 },
	{ "all-root", OPT_ALL_ROOT, NULL, 0,
	  "Every file owned by root (uid and gid 0)", 2 },
	{ "force-uid", OPT_FORCE_UID, "UID", 0, "Every file's uid is UID", 2 },
	{ "force-gid", OPT_FORCE_GID, "GID", 0, "Every file's gid is GID", 2 },
	{ "uid-offset", OPT_UID_OFFSET, "N", 0, "Every uid shifted by N", 2 },
	{ "gid-offset", OPT_GID_OFFSET, "N", 0, "Every gid shifted by N", 2 },
	{ NULL, 0, NULL, 0, "Selection:", 3 },
	{ "exclude-path", OPT_EXCLUDE_PATH, "PATH", 0,
	  "Leave out PATH (relative to the source directory); repeatable", 3 },
	{ "exclude-regex", OPT_EXCLUDE_REGEX, "REGEX", 0,
	  "Leave out the paths matching the extended REGEX; repeatable", 3 },
	{ NULL, 0, NULL, 0, "SELinux labels:", 4 },
	{ "file-contexts", OPT_FILE_CONTEXTS, "FILE", 0,
	  "Label every file with security.selinux from the SELinux "
	  "file_contexts FILE", 4 },
	{ "mount-point", OPT_MOUNT_POINT, "PATH", 0,
	  "Where the image is mounted, for --file-contexts (and --fs-config-file) "
	  "lookups: /system, or system as AOSP writes it (default /)", 4 },
	{ NULL, 0, NULL, 0, NULL, 0 }
};

static void tree_add_exclude_path(struct argp_state *state,
				  struct erofs_tree_opts *t, const char *arg)
{
	char **v = realloc(t->exclude_paths,
			   (t->nexclude_paths + 1) * sizeof(*v));
	size_t len;

	if (!v)
		argp_failure(state, argp_err_exit_status, ENOMEM, "out of memory");
	t->exclude_paths = v;
	/* the scanner compares without leading or trailing slashes */
	while (*arg == '/')
		arg++;
	v[t->nexclude_paths] = strdup(arg);
	if (!v[t->nexclude_paths])
		argp_failure(state, argp_err_exit_status, ENOMEM, "out of memory");
	len = strlen(arg);
	while (len > 1 && v[t->nexclude_paths][len - 1] == '/')
		v[t->nexclude_paths][--len] = '\0';
	t->nexclude_paths++;
}

static void tree_add_exclude_regex(struct argp_state *state,
				   struct erofs_tree_opts *t, const char *arg)
{
	regex_t *v = realloc(t->exclude_regexes,
			     (t->nexclude_regexes + 1) * sizeof(*v));
	char msg[256];
	int rc;

	if (!v)
		argp_failure(state, argp_err_exit_status, ENOMEM, "out of memory");
	t->exclude_regexes = v;
	rc = regcomp(&v[t->nexclude_regexes], arg, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, &v[t->nexclude_regexes], msg, sizeof(msg));
		argp_error(state, "--exclude-regex: invalid: %s: %s", arg, msg);
	}
	t->nexclude_regexes++;
}

static error_t tree_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct erofs_tree_args *a = state->input;
	struct erofs_tree_opts *t = a->tree;

	switch (key) {
	case 'T':
		a->T = erofs_argp_number(state, "-T", arg, INT64_MIN, INT64_MAX);
		a->have_T = true;
		break;
	case OPT_MKFS_TIME:
		a->mkfs_time_only = true;
		break;
	case OPT_ALL_TIME:
		a->mkfs_time_only = false;
		break;
	case OPT_IGNORE_MTIME:
		a->ignore_mtime = true;
		break;
	case OPT_PRESERVE_MTIME:
		a->ignore_mtime = false;
		break;
	case OPT_ALL_ROOT:
		t->all_root = true;
		break;
	case OPT_FORCE_UID:
		t->force_uid = erofs_argp_number(state, "--force-uid", arg, 0,
						 UINT32_MAX);
		break;
	case OPT_FORCE_GID:
		t->force_gid = erofs_argp_number(state, "--force-gid", arg, 0,
						 UINT32_MAX);
		break;
	case OPT_UID_OFFSET:
		t->uid_offset = erofs_argp_number(state, "--uid-offset", arg,
						  -(int64_t)UINT32_MAX, UINT32_MAX);
		break;
	case OPT_GID_OFFSET:
		t->gid_offset = erofs_argp_number(state, "--gid-offset", arg,
						  -(int64_t)UINT32_MAX, UINT32_MAX);
		break;
	case OPT_EXCLUDE_PATH:
		tree_add_exclude_path(state, t, arg);
		break;
	case OPT_EXCLUDE_REGEX:
		tree_add_exclude_regex(state, t, arg);
		break;
	case OPT_FILE_CONTEXTS:
		a->file_contexts = arg;
		break;
	case OPT_MOUNT_POINT:
		/* AOSP passes "system" for /system, and "/" */
		while (*arg == '/')
			arg++;
		for (size_t len = strlen(arg); len && arg[len - 1] == '/';)
			arg[--len] = '\0';
		free(t->mount_point);
		t->mount_point = malloc(strlen(arg) + 2);
		if (!t->mount_point)
			argp_failure(state, argp_err_exit_status, ENOMEM, "out of memory");
		t->mount_point[0] = '/';
		strcpy(t->mount_point + 1, arg);
		a->mount_point = arg[0] ? t->mount_point : "";
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	a->given = true;
	return 0;
}

const struct argp erofs_tree_argp = {
	.options = tree_argp_options,
	.parser = tree_parse_opt,
};

bool erofs_tree_args_resolve_time(struct argp_state *state,
				  struct erofs_tree_args *a)
{
	struct erofs_tree_opts *t = a->tree;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	bool known = true;
	char *end;
	long long v;

	if (a->have_T) {
		t->build_time = a->T;
		t->time_policy = a->mkfs_time_only ? EROFS_TIME_KEEP
						   : EROFS_TIME_FIXED;
	} else if (sde && *sde) {
		errno = 0;
		v = strtoll(sde, &end, 10);
		if (errno || end == sde || *end)
			argp_failure(state, argp_err_exit_status, 0,
				     "SOURCE_DATE_EPOCH: invalid value: %s", sde);
		t->build_time = v;
		t->time_policy = EROFS_TIME_CLAMP;
	} else {
		t->time_policy = EROFS_TIME_KEEP;
		known = false;
	}
	if (known)
		t->build_time_nsec = 0;
	if (a->ignore_mtime)
		t->time_policy = EROFS_TIME_FIXED;
	return known;
}

void erofs_tree_opts_free(struct erofs_tree_opts *t)
{
	for (unsigned int i = 0; i < t->nexclude_paths; i++)
		free(t->exclude_paths[i]);
	free(t->exclude_paths);
	for (unsigned int i = 0; i < t->nexclude_regexes; i++)
		regfree(&t->exclude_regexes[i]);
	free(t->exclude_regexes);
	free(t->mount_point);
	t->mount_point = NULL;
	t->exclude_paths = NULL;
	t->nexclude_paths = 0;
	t->exclude_regexes = NULL;
	t->nexclude_regexes = 0;
}
