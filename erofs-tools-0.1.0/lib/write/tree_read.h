/* SPDX-License-Identifier: MIT */
/*
 * Between tree.c (the walk, which makes the nodes) and tree_read.c (which
 * reads the directories of one level on several threads), private to lib/.
 * tree.c calls tree_read.c, never the other way.
 */
#ifndef EROFS_LIB_TREE_READ_H
#define EROFS_LIB_TREE_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include "erofs/tree.h"

/*
 * What reading a directory found out about one entry, before any node is
 * made: everything that needs a system call, so that directories can be
 * read by several threads and the nodes still made in one fixed order.
 */
struct entry_info {
	struct stat st;
	char *link;		/* symlink target */
	uint8_t *holes;		/* sparse regular file: its hole bitmap */
	uint8_t chunkbits;
	bool skip;		/* excluded, or the image being replaced */
};

/* One directory read, not yet turned into nodes. */
struct dir_read {
	struct erofs_node *dir;
	char *path;		/* as the source names it, for messages */
	struct erofs_dentry *ents;	/* sorted by name */
	struct entry_info *info;	/* parallel to ents */
	uint32_t n;
	uint32_t failed_at;	/* entries before this one were read whole */
	int err;
	char *msg;		/* why it failed, printed in walk order */
};

/* qsort() order of struct erofs_dentry: the on-disk name order. */
int erofs_tree_dentry_cmp(const void *x, const void *y);
/* "@dir/@name", malloc'ed, or NULL without memory. */
char *erofs_tree_join_path(const char *dir, const char *name);
/* Read @dirs[0..@n) (->dir set, the rest zero) on opts->workers threads. */
void erofs_tree_read_level(const struct erofs_tree *tree,
			   const struct erofs_tree_opts *opts,
			   struct dir_read *dirs, uint64_t n);
/* Free what is left of a directory read (names not handed to the dir). */
void erofs_dir_read_free(struct dir_read *r);

#endif
