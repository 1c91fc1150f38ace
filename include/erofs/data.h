/* SPDX-License-Identifier: MIT */
/*
 * Read path, file data: the one mapping contract every data layout answers
 * (logical range -> physical range + flags), and reads built on it.
 */
#ifndef EROFS_DATA_H
#define EROFS_DATA_H

#include "erofs/inode.h"

#define EROFS_MAP_MAPPED	0x1	/* bytes live at m_pa; else a hole */
#define EROFS_MAP_META		0x2	/* inline tail inside the metadata area */

struct erofs_map_blocks {
	erofs_off_t m_la;	/* in: wanted offset; out: extent start */
	erofs_off_t m_llen;	/* out: logical extent length */
	erofs_off_t m_pa;	/* out: physical start (if MAPPED) */
	erofs_off_t m_plen;	/* out: physical length (== m_llen when flat) */
	unsigned int m_flags;	/* out: EROFS_MAP_* */
};

/*
 * Map the extent of @vi containing @map->m_la (< i_size): 0 with the extent
 * filled in, -EFSCORRUPTED when the layout points outside the image or
 * breaks a layout rule, -EOPNOTSUPP for compressed data, or -errno.
 * The physical range of a mapped extent always lies inside the image.
 */
int erofs_map_blocks(struct erofs_inode *vi, struct erofs_map_blocks *map);

/*
 * Read @len bytes of @vi's content at @pos into @buf; holes read as zeros.
 * The range must be inside i_size (else -EINVAL).  0 or -errno.
 */
int erofs_pread(struct erofs_inode *vi, void *buf, size_t len, erofs_off_t pos);

#endif
