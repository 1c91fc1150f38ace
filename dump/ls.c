// SPDX-License-Identifier: MIT
/* --ls: one line per directory entry: nid, type, name. */
#include <stdio.h>
#include <sys/stat.h>
#include "erofs/dir.h"
#include "erofs/print.h"
#include "dump.h"

static int dump_ls_entry(const struct erofs_dir_entry *de, void *arg)
{
	static const char *const types[] = {
		"unknown", "file", "dir", "chrdev", "blkdev", "fifo", "socket",
		"symlink",
	};

	(void)arg;
	printf("%12llu  %-8s %.*s\n", (unsigned long long)de->nid,
	       de->file_type < EROFS_ARRAY_SIZE(types) ?
	       types[de->file_type] : "unknown",
	       (int)de->namelen, de->name);
	return 0;
}

int dump_ls(struct erofs_inode *dir)
{
	int err;

	if (!S_ISDIR(dir->mode)) {
		erofs_err("nid %llu: not a directory",
			  (unsigned long long)dir->nid);
		return -ENOTDIR;
	}
	printf("%12s  %-8s %s\n", "NID", "TYPE", "NAME");
	err = erofs_iterate_dir(dir, dump_ls_entry, NULL);
	return err;
}
