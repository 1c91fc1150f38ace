/* SPDX-License-Identifier: MIT */
/* Read path, lookups: a name in a directory, a path from the root. */
#ifndef EROFS_NAMEI_H
#define EROFS_NAMEI_H

#include "erofs/inode.h"

/*
 * Find @name (@len bytes) in directory @dir: 0 with *@nid (and *@ftype if
 * not NULL), -ENOENT, -ENOTDIR if @dir is not a directory, or -errno.
 */
int erofs_lookup(struct erofs_inode *dir, const char *name, size_t len,
		 erofs_nid_t *nid, unsigned int *ftype);

/*
 * Resolve absolute or root-relative @path ("/a/b", "a/b", "/") without
 * following symlinks: 0 with *@nid, -ENOENT, -ENOTDIR, -ENAMETOOLONG, -errno.
 */
int erofs_namei(struct erofs_sb_info *sbi, const char *path, erofs_nid_t *nid);

#endif
