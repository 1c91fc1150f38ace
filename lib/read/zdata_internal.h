/* SPDX-License-Identifier: MIT */
/* What zdata.c lends zdata_shared.c: not for the library's users. */
#ifndef EROFS_ZDATA_INTERNAL_H
#define EROFS_ZDATA_INTERNAL_H

#include "erofs/zdata.h"

/* The io the pcluster of @map is read from: the image, or the metabox. */
const struct erofs_io *z_pcluster_io(const struct erofs_inode *vi,
				     const struct erofs_map_blocks *map);
/*
 * Whether @map is an extent to decode at all, before anything is
 * allocated for it; false with *@errp set (reported) when not.
 */
bool z_plausible(struct erofs_inode *vi, const struct erofs_map_blocks *map,
		 int *errp);

#endif
