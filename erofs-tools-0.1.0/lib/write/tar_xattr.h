/* SPDX-License-Identifier: MIT */
/*
 * Between the two --tar files, private to lib/ and built only with
 * libarchive: tar.c (the archive read into the tree) calls tar_xattr.c
 * (an entry's xattrs and ACLs), never the other way.
 */
#ifndef EROFS_LIB_TAR_XATTR_H
#define EROFS_LIB_TAR_XATTR_H

#include "erofs/tar.h"

struct archive_entry;

/*
 * Add @e's pax xattrs and its POSIX ACLs (access; default too for a
 * directory) to @n as system.posix_acl_* values; an extended access ACL
 * also sets @n's mode bits from its owner, mask and other entries.  A later value
 * for a name replaces the earlier one.  0 or -ENOMEM.
 */
int erofs_tar_xattrs(struct erofs_node *n, struct archive_entry *e);

#endif
