/* SPDX-License-Identifier: MIT */
/*
 * fsck.erofs --compare: what compare.c (against SRCDIR) and
 * compare_image.c (against IMAGE2) share, and ask of compare_xattrs.c.
 * Each difference is told as "X in OTHER, Y in the image", OTHER one of
 * the two names below.
 */
#ifndef FSCK_COMPARE_H
#define FSCK_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define FSCK_CMP_SOURCE	"the source"
#define FSCK_CMP_OTHER	"the other image"

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

/* What the entry should be: type and permission bits, owner, mtime. */
struct fsck_cmp_stat {
	mode_t mode;
	uint32_t uid, gid;
	int64_t mtime;
	uint32_t mtime_nsec;
};

/*
 * Report the type, mode, owner and mtime of image inode @vi that differ
 * from @want's (found in @other); false when the types differ: nothing
 * more of the entry is worth comparing then.
 */
bool fsck_compare_stat(struct fsck_ctx *ctx, const char *other,
		       const struct fsck_cmp_stat *want,
		       const struct erofs_inode *vi);
/* "regular file", "directory", ... for a mode, and for an EROFS_FT_*. */
const char *fsck_cmp_type_name(mode_t mode);
const char *fsck_cmp_ftype_name(unsigned int ftype);

/*
 * Report every attribute image inode @vi lacks, has besides, or holds
 * with another value than inode @vo of the other image.
 */
void fsck_compare_image_xattrs(struct fsck_ctx *ctx, struct erofs_inode *vi,
			       struct erofs_inode *vo);

#endif
