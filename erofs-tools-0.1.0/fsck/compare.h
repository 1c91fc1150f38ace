/* SPDX-License-Identifier: MIT */
/* fsck.erofs --compare: what compare.c asks of compare_xattrs.c. */
#ifndef FSCK_COMPARE_H
#define FSCK_COMPARE_H

#include <stdbool.h>

struct erofs_inode;
struct erofs_node;
struct erofs_selabel;
struct fsck_ctx;

/* How the source's labels are judged: from @selabel, or not at all. */
struct fsck_cmp_labels {
	struct erofs_selabel *selabel;	/* --file-contexts, when labels work */
	bool ignore_selinux;		/* --file-contexts without libselinux */
};

/*
 * Report every attribute of image inode @vi that differs from what mkfs
 * stored for source @src, found at @path in SRCDIR and at @rel ("" or
 * "/a/b") below the start of the walk.
 */
void fsck_compare_xattrs(struct fsck_ctx *ctx, const struct fsck_cmp_labels *l,
			 struct erofs_inode *vi, const struct erofs_node *src,
			 const char *path, const char *rel);

#endif
