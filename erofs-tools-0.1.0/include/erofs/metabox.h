/* SPDX-License-Identifier: MIT */
/*
 * Read path, metabox (INCOMPAT_METABOX): inodes whose nid carries
 * EROFS_NID_METABOX live inside the content of one special inode, which
 * may itself be compressed.  It is decoded once, when the image is opened,
 * and served from memory through sbi->mbox_io.
 */
#ifndef EROFS_METABOX_H
#define EROFS_METABOX_H

#include "erofs/sb.h"

/* Largest metabox this reader keeps in memory. */
#define EROFS_METABOX_MAX	(1ull << 30)

/*
 * Read the metabox inode (sbi->metabox_nid) and decode its content into
 * sbi->mbox_io: 0, -EFSCORRUPTED (reported), -EOPNOTSUPP (too large) or
 * -errno.  erofs_sb_read() calls it.
 */
int erofs_metabox_load(struct erofs_sb_info *sbi);
/* Free what erofs_metabox_load() kept (nothing if it never ran). */
void erofs_metabox_release(struct erofs_sb_info *sbi);

#endif
