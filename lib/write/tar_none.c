// SPDX-License-Identifier: MIT
/* Built without libarchive: --tar explains itself instead. */
#include "erofs/print.h"
#include "erofs/tar.h"

int erofs_tar_build(struct erofs_tree *tree, const char *archive,
		    int stage_fd, const char *stage_path,
		    const struct erofs_tree_opts *opts,
		    struct erofs_tar_opts *topts)
{
	(void)topts;
	(void)tree;
	(void)stage_fd;
	(void)stage_path;
	(void)opts;
	erofs_err("%s: --tar needs libarchive, and this mkfs.erofs was built without it (configure --with-libarchive)",
		  archive && *archive ? archive : "-");
	return -EOPNOTSUPP;
}
