/* SPDX-License-Identifier: MIT */
/*
 * The options that say how a source tree becomes the image's tree
 * (ownership, timestamps, exclusions, SELinux labels), as one argp child:
 * mkfs.erofs applies them, fsck.erofs --compare expects what they gave, and
 * both parse them here so the two cannot drift apart.
 */
#ifndef EROFS_TREE_OPTIONS_H
#define EROFS_TREE_OPTIONS_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>
#include "erofs/tree.h"

/* The child's input: set @tree (force_uid/gid -1) before argp_parse(). */
struct erofs_tree_args {
	struct erofs_tree_opts *tree;	/* ownership and exclusions land here */
	const char *file_contexts;	/* --file-contexts FILE, or NULL */
	/* --mount-point: "/system" (held by tree), "" for /, or NULL */
	const char *mount_point;
	bool given;			/* any option of this child was given */
	/* timestamps, for erofs_tree_args_resolve_time() */
	bool have_T, mkfs_time_only, ignore_mtime;
	int64_t T;
};

/*
 * The child itself: in --help under "Timestamps:", "Ownership:",
 * "Selection:" and "SELinux labels:", where the parent's argp_child puts it.
 */
extern const struct argp erofs_tree_argp;

/*
 * Set @a->tree's time policy and build time from -T, SOURCE_DATE_EPOCH and
 * the flags.  Returns true when one of the two named the build time; false
 * when the caller must supply it (mkfs: now; fsck: the image's).  An
 * invalid SOURCE_DATE_EPOCH ends the program through argp_failure(),
 * with status argp_err_exit_status.
 */
bool erofs_tree_args_resolve_time(struct argp_state *state,
				  struct erofs_tree_args *a);

/* Free the exclusion lists parsing put into @tree. */
void erofs_tree_opts_free(struct erofs_tree_opts *tree);

#endif
