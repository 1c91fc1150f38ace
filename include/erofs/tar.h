/* SPDX-License-Identifier: MIT */
/*
 * A tree from a tar stream (mkfs --tar): ustar, pax and GNU dialects,
 * compressed or not, read through libarchive.  File data is staged in a
 * file the caller names (beside the image), never held in memory.
 */
#ifndef EROFS_TAR_H
#define EROFS_TAR_H

#include "erofs/tree.h"

enum erofs_tar_mode {
	EROFS_TAR_FULL,		/* --tar=f: file bytes copied into the image */
	EROFS_TAR_INDEX,	/* --tar=i: file bytes left in the tar (device 1) */
	EROFS_TAR_HEADERBALL,	/* --tar=headerball: no file bytes, zeros */
};

struct erofs_tar_opts {
	enum erofs_tar_mode mode;
	bool aufs;		/* .wh.NAME and .wh..wh..opq become overlayfs's */
	bool ovlfs_strip;	/* no whiteouts from --aufs, no opaque xattrs */
	uint64_t tar_bytes;	/* out, index mode: the tar up to its end marker */
};

/*
 * Read the archive @archive ("-" or NULL: standard input) into @tree under
 * the policy in @opts, staging regular files' bytes in @stage_fd (a file
 * at @stage_path; not in index mode, where each file instead points at
 * its bytes in the archive) with @topts's overlayfs mapping.  Returns 0,
 * or -errno after one message naming the archive, the reason and the
 * archive offset.  -EOPNOTSUPP when this build has no libarchive.
 */
int erofs_tar_build(struct erofs_tree *tree, const char *archive,
		    int stage_fd, const char *stage_path,
		    const struct erofs_tree_opts *opts,
		    struct erofs_tar_opts *topts);

#endif
