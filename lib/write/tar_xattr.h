/* SPDX-License-Identifier: MIT */
/*
 * Between the --tar files, private to lib/ and built only with
 * libarchive: tar.c (the archive read into the tree) calls tar_aufs.c
 * (aufs names, the overlayfs metadata they become) and tar_xattr.c (an
 * entry's xattrs and ACLs); tar_aufs.c calls tar_xattr.c; never the other
 * way.
 */
#ifndef EROFS_LIB_TAR_XATTR_H
#define EROFS_LIB_TAR_XATTR_H

#include "erofs/tar.h"

struct archive;
struct archive_entry;

/*
 * Add @e's pax xattrs and its POSIX ACLs (access; default too for a
 * directory) to @n as system.posix_acl_* values; an extended access ACL
 * also sets @n's mode bits from its owner, mask and other entries.  A later value
 * for a name replaces the earlier one.  0 or -ENOMEM.
 */
int erofs_tar_xattrs(struct erofs_node *n, struct archive_entry *e);
/* Set @name to @value on @n, replacing an earlier value: 0 or -ENOMEM. */
int erofs_tar_xattr_set(struct erofs_node *n, const char *name,
			const void *value, size_t len);
/* Drop @name from @n, if it has it. */
void erofs_tar_xattr_remove(struct erofs_node *n, const char *name);

/* ---- tar_headerball.c ---- */

/*
 * Open @a on the headerball stream at @path (NULL: standard input): the
 * stream as libarchive expects it, each regular file's missing bytes
 * read as zeros.  An ARCHIVE_* status.
 */
int erofs_headerball_open(struct archive *a, const char *path);

/* ---- tar_aufs.c ---- */

enum erofs_aufs_name {
	EROFS_AUFS_PLAIN,	/* an ordinary name */
	EROFS_AUFS_WHITEOUT,	/* .wh.NAME: NAME of the lower layers is gone */
	EROFS_AUFS_OPAQUE,	/* .wh..wh..opq: the directory hides lower ones */
};

/*
 * What the last component @name of an entry's path means to aufs; for a
 * whiteout, @hidden is the name it hides (inside @name).  -EINVAL for a
 * whiteout without a name.
 */
int erofs_aufs_classify(const char *name, const char **hidden);
/* Mark directory @dir opaque for overlayfs: 0 or -ENOMEM. */
int erofs_aufs_set_opaque(struct erofs_node *dir);
/*
 * Once every entry is in: with @strip, drop the whiteouts --aufs made and
 * every opaque mark; without, mark each directory holding such whiteouts
 * for overlayfs (the origin xattr) so that it is never read as a plain
 * directory.  @all are every node made.  0 or -ENOMEM.
 */
int erofs_aufs_finish(struct erofs_node **all, size_t nall, bool strip);

#endif
