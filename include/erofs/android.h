/* SPDX-License-Identifier: MIT */
/*
 * What Android's image builders ask of mkfs: the canned fs_config file
 * (--fs-config-file), which replaces the owner and mode of every inode and
 * may give it file capabilities, and the block list (--block-list-file),
 * which says which image blocks hold each regular file.
 */
#ifndef EROFS_ANDROID_H
#define EROFS_ANDROID_H

#include <stdio.h>
#include "erofs/tree.h"

struct erofs_fs_config;

/*
 * Read the canned fs_config file @path: lines "PATH UID GID MODE
 * [capabilities=N] [other=...]", PATH relative to the partition root and
 * quoted when it holds spaces, MODE in octal; a later line for the same
 * PATH wins.  0 or -errno, reported.
 */
int erofs_fs_config_load(const char *path, struct erofs_fs_config **out);
void erofs_fs_config_free(struct erofs_fs_config *c);

/*
 * Give every node of @tree the owner and permission bits of its entry
 * (looked up as MOUNT/PATH, the root as ""; @mount_point "/system" or ""),
 * then @opts' uid/gid mapping, and non-zero capabilities as a
 * security.capability attribute (vfs_cap_data revision 2).  A node without
 * an entry is an error, as in AOSP.  0 or -errno, reported.
 */
int erofs_fs_config_apply(struct erofs_tree *tree,
			  const struct erofs_fs_config *c,
			  const char *mount_point,
			  const struct erofs_tree_opts *opts);

/*
 * Write the block list of a built @tree to @f: for each regular file with
 * blocks, in tree order, "MOUNT/PATH" then its runs of image blocks
 * (" N" or " FIRST-LAST", decimal), the block holding an inline tail last.
 * 0 or -errno (not reported).
 */
int erofs_write_block_list(FILE *f, const struct erofs_tree *tree,
			   unsigned int blkszbits, const char *mount_point);

#endif
