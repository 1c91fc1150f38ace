/* SPDX-License-Identifier: MIT */
/*
 * Read path, extended attributes: the inline body after an inode (header,
 * shared ids, entries), the shared area and long name prefixes, plus the
 * name helpers (short prefixes, name filter bit) the writer shares.
 */
#ifndef EROFS_XATTR_H
#define EROFS_XATTR_H

#include <sys/types.h>
#include "erofs/inode.h"

/* Longest full name the VFS accepts (XATTR_NAME_MAX). */
#define EROFS_XATTR_NAME_MAX	255
/* e_value_size is 16 bits. */
#define EROFS_XATTR_VALUE_MAX	65535
/* Long prefixes are indexed by 7 bits. */
#define EROFS_XATTR_LONG_PREFIX_MAX	128

/* Bytes of one entry: header, name suffix, value, padded to 4. */
static inline unsigned int erofs_xattr_entry_bytes(unsigned int name_len,
						   unsigned int value_len)
{
	return EROFS_ROUND_UP(sizeof(struct erofs_xattr_entry) + name_len +
			      value_len, 4);
}

/* One attribute as erofs_xattr_iterate() hands it out. */
struct erofs_xattr {
	const char *name;		/* full name, NUL-terminated */
	unsigned int name_len;
	const void *value;
	unsigned int value_len;
	bool shared;			/* from the shared area */
	uint8_t name_index;		/* e_name_index as stored */
	erofs_off_t pos;		/* image offset of its entry */
};

/*
 * Call @cb for each attribute of @vi, inline entries first, then shared
 * ones, in on-disk order.  Every entry is bounds-checked against the inline
 * body, the image and the long prefix table, and the name filter is
 * checked against the names found; corruption is reported with the nid
 * and offset and returns -EFSCORRUPTED.  A non-zero return from @cb stops
 * the walk and is returned.  0 when done (also for no attributes).
 */
int erofs_xattr_iterate(struct erofs_inode *vi,
			int (*cb)(const struct erofs_xattr *x, void *arg),
			void *arg);

/*
 * listxattr(2) for @vi: NUL-separated names into @buf of @size bytes (or,
 * with @size 0, just the length needed).  Length, -ERANGE, or -errno.
 */
ssize_t erofs_listxattr(struct erofs_inode *vi, char *buf, size_t size);

/*
 * getxattr(2) for @vi: the value of @name into @buf (with @size 0, its
 * length only).  Length, -ENODATA when absent, -ERANGE, or -errno.
 */
ssize_t erofs_getxattr(struct erofs_inode *vi, const char *name, void *buf,
		       size_t size);

/* "user.", "system.posix_acl_access", ... for a short index; NULL if none. */
const char *erofs_xattr_prefix_name(unsigned int index);

/*
 * The short prefix index @name starts with (1..6), its length in *@plen;
 * 0 when no prefix EROFS stores matches.  ACL names must match exactly.
 */
unsigned int erofs_xattr_match_short(const char *name, size_t len,
				     size_t *plen);

/*
 * Bit of the inode name filter for the full name @name (0..31), or -1 for
 * a name without a short prefix.  A set filter bit means "absent".
 */
int erofs_xattr_filter_bit(const char *name, size_t len);

#endif
