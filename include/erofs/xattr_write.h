/* SPDX-License-Identifier: MIT */
/*
 * Extended attributes, write side: read them from the source tree, label
 * with SELinux contexts, decide which are shared, and encode every inode's
 * inline body and the image's xattr area (long prefixes + shared entries).
 */
#ifndef EROFS_XATTR_WRITE_H
#define EROFS_XATTR_WRITE_H

#include "erofs/selabel.h"
#include "erofs/tree.h"

/* By default an attribute on more than 2 inodes is stored once, shared. */
#define EROFS_XATTR_TOLERANCE_DEFAULT	2

struct erofs_xattr_opts {
	/* -x: share what more than this many inodes carry; < 0: no xattrs */
	int tolerance;
	const char **prefixes;		/* --xattr-prefix, full prefixes */
	unsigned int nprefixes;
	struct erofs_selabel *selabel;	/* --file-contexts, or NULL */
	const char *mount_point;	/* "/" or "/system": for labels */
	unsigned int workers;		/* threads reading them; 0 or 1: one */
	bool no_filter;			/* -E ^xattr-name-filter: no name filter */
	uint32_t root_isize;		/* --root-xattr-isize: root's body at least */
};

/*
 * What goes to the image once: the long prefix table at the start of a
 * block, then the shared entries.  Shared ids count 4-byte units from the
 * start of @buf, so it must be written at xattr_blkaddr.
 */
struct erofs_xattr_area {
	uint8_t *buf;
	uint32_t len;			/* 0: no area at all */
	unsigned int prefix_count;	/* long prefixes at the start of buf */
	bool filter;			/* some inode has a name filter */
};

/*
 * Read the attributes of every node of @tree (source @srcdir) and encode
 * each node's xattr_body / xattr_isize and the shared @area.  Returns 0 or
 * -errno after one "path: reason" message.  Without source support or with
 * a negative tolerance, builds nothing (with a warning).
 */
int erofs_xattrs_build(struct erofs_tree *tree, const char *srcdir,
		       const struct erofs_xattr_opts *opts,
		       struct erofs_xattr_area *area);

void erofs_xattr_area_free(struct erofs_xattr_area *area);

/*
 * The attribute mkfs adds to a source directory holding a whiteout (a
 * character device 0:0) when it has none of that name: overlayfs lists a
 * lower directory no other layer has as it is, whiteouts and all, unless
 * it carries this mark (kernel commit b79e05aaa166, "ovl: no direct
 * iteration for dir with origin xattr").  erofs-utils 1.9.3 does the same.
 * fsck --compare=SRCDIR expects it by the same rule.
 */
#define EROFS_XATTR_OVL_ORIGIN	"trusted.overlay.origin"
bool erofs_xattr_wants_ovl_origin(const struct erofs_node *dir);

/* Check a --xattr-prefix value: 0, or -EINVAL with *@why set. */
int erofs_xattr_prefix_check(const char *prefix, const char **why);

#endif
