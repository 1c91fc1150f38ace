/* SPDX-License-Identifier: MIT */
#ifndef MKFS_OPTIONS_H
#define MKFS_OPTIONS_H

#include "erofs/build.h"
#include "erofs/tar.h"
#include "erofs/tree.h"
#include "erofs/xattr_write.h"
#include "order.h"

struct mkfs_options {
	const char *dest;
	const char *src;
	struct erofs_tree_opts tree;
	struct erofs_build_opts build;
	struct erofs_xattr_opts xattr;
	const char *file_contexts;	/* --file-contexts, opened by main() */
	bool quiet;
	bool fsync;			/* --fsync: flush before the rename */
	bool tar;			/* --tar: SOURCE is a tarball ("-": stdin) */
	struct erofs_tar_opts tar_opts;	/* --tar=f|i, --aufs, --ovlfs-strip */
	int64_t offset;			/* --offset: where the image starts in DEST */
	const char *fs_config_file;	/* --fs-config-file */
	const char *block_list_file;	/* --block-list-file */
	struct mkfs_data_order data_order;	/* --data-order */
};

/* Parse the command line into @o; prints the reason and exits on misuse. */
void mkfs_parse_options(int argc, char **argv, struct mkfs_options *o);
/* Release what parsing allocated (compiled regexes, path lists). */
void mkfs_free_options(struct mkfs_options *o);

#endif
