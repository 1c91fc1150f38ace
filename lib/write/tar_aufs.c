// SPDX-License-Identifier: MIT
/*
 * --aufs and --ovlfs-strip for --tar: container layers (docker, OCI) mark
 * deletions the aufs way, with entries named .wh.NAME (NAME of the layers
 * below is gone) and .wh..wh..opq (the directory hides its lower
 * namesakes).  Stacked by overlayfs, a layer says the same with a
 * whiteout (a character device 0:0) and trusted.overlay.opaque="y".  As
 * in erofs-utils 1.9.3: only the last component of a path counts, and
 * any other .wh..wh.* name is the whiteout of the .wh.* name it hides.
 */
#include <stdlib.h>
#include <string.h>
#include "erofs_fs.h"
#include "tar_xattr.h"

#define AUFS_WH_PREFIX		".wh."
#define AUFS_WH_OPAQUE		".wh..wh..opq"
#define OVL_XATTR_OPAQUE	"trusted.overlay.opaque"
#define OVL_XATTR_ORIGIN	"trusted.overlay.origin"

int erofs_aufs_classify(const char *name, const char **hidden)
{
	const size_t plen = strlen(AUFS_WH_PREFIX);

	if (!strcmp(name, AUFS_WH_OPAQUE))
		return EROFS_AUFS_OPAQUE;
	if (strncmp(name, AUFS_WH_PREFIX, plen))
		return EROFS_AUFS_PLAIN;
	if (!name[plen])
		return -EINVAL;
	*hidden = name + plen;
	return EROFS_AUFS_WHITEOUT;
}

int erofs_aufs_set_opaque(struct erofs_node *dir)
{
	return erofs_tar_xattr_set(dir, OVL_XATTR_OPAQUE, "y", 1);
}

/* Take the whiteouts --aufs made out of @dir. */
static void strip_whiteouts(struct erofs_node *dir)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < dir->nchildren; i++) {
		if (dir->children[i].node->aufs_whiteout) {
			free(dir->children[i].name);
			continue;
		}
		dir->children[kept++] = dir->children[i];
	}
	dir->nchildren = kept;
}

int erofs_aufs_finish(struct erofs_node **all, size_t nall, bool strip)
{
	for (size_t i = 0; i < nall; i++) {
		struct erofs_node *n = all[i];
		bool whiteouts = false;

		if (strip) {
			erofs_tar_xattr_remove(n, OVL_XATTR_OPAQUE);
			if (S_ISDIR(n->mode))
				strip_whiteouts(n);
			continue;
		}
		if (!S_ISDIR(n->mode))
			continue;
		for (uint32_t c = 0; c < n->nchildren && !whiteouts; c++)
			whiteouts = n->children[c].node->aufs_whiteout;
		/*
		 * A lower directory with whiteouts that overlayfs took for a
		 * plain one would be listed as it is, whiteouts and all: the
		 * origin mark makes it merge the listing (kernel commit
		 * b79e05aaa166, "ovl: no direct iteration for dir with origin
		 * xattr"), as erofs-utils does.
		 */
		if (whiteouts && erofs_tar_xattr_set(n, OVL_XATTR_ORIGIN, "", 0))
			return -ENOMEM;
	}
	return 0;
}
