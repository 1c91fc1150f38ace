/* SPDX-License-Identifier: MIT */
/* Read path, directories: walk the entries of a directory inode. */
#ifndef EROFS_DIR_H
#define EROFS_DIR_H

#include "erofs/inode.h"

/* One entry as the iterator hands it out; @name is NOT NUL-terminated. */
struct erofs_dir_entry {
	erofs_nid_t nid;
	unsigned int file_type;		/* EROFS_FT_*, as stored */
	const char *name;
	unsigned int namelen;		/* 1 .. EROFS_NAME_LEN */
	erofs_off_t pos;		/* image offset of the on-disk dirent */
	erofs_off_t lpos;		/* its offset in the directory's content */
	erofs_off_t name_pos;		/* image offset of the name */
};

/*
 * Call @cb for each entry of directory @dir in on-disk order.  A non-zero
 * return from @cb stops the walk and is returned.  The structure of every
 * block is checked first (nameoff bounds and order, name lengths); a bad
 * block yields -EFSCORRUPTED, reported with the nid and offset.
 */
int erofs_iterate_dir(struct erofs_inode *dir,
		      int (*cb)(const struct erofs_dir_entry *de, void *arg),
		      void *arg);
/*
 * The same from the first entry whose dirent sits at @from or later in the
 * directory's content (an entry's @lpos: a stateless cursor for readdir).
 */
int erofs_iterate_dir_from(struct erofs_inode *dir, erofs_off_t from,
			   int (*cb)(const struct erofs_dir_entry *de,
				     void *arg),
			   void *arg);

/*
 * Find @name (@len bytes, 1..EROFS_NAME_LEN) in @dir as the kernel does, by
 * binary search over its blocks and within the one that brackets it:
 * reads O(log blocks) blocks, but relies on the directory being sorted
 * (in a wrongly sorted one a name may not be found; fsck's linear
 * erofs_lookup() still finds it).  0 with *@nid (and *@ftype if not
 * NULL), -ENOENT, -ENOTDIR, or -errno (a bad block, reported).
 */
int erofs_dir_bsearch(struct erofs_inode *dir, const char *name,
		      unsigned int len, erofs_nid_t *nid, unsigned int *ftype);

/* Byte-wise name order of directories: memcmp, then shorter first. */
int erofs_dir_name_cmp(const char *a, unsigned int alen,
		       const char *b, unsigned int blen);

#endif
