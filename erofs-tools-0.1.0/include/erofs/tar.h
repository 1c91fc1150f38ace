/* SPDX-License-Identifier: MIT */
/*
 * A tree from a tar stream (mkfs --tar): ustar, pax and GNU dialects,
 * compressed or not, read through libarchive.  File data is staged in a
 * file the caller names (beside the image), never held in memory.
 */
#ifndef EROFS_TAR_H
#define EROFS_TAR_H

#include "erofs/tree.h"

/*
 * Read the archive @archive ("-" or NULL: standard input) into @tree under
 * the policy in @opts, staging regular files' bytes in @stage_fd (a file
 * at @stage_path).  Returns 0, or -errno after one message naming the
 * archive, the reason and the archive offset.  -EOPNOTSUPP when this build
 * has no libarchive.
 */
int erofs_tar_build(struct erofs_tree *tree, const char *archive,
		    int stage_fd, const char *stage_path,
		    const struct erofs_tree_opts *opts);

#endif
