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
	const char *type = de->file_type < EROFS_ARRAY_SIZE(types) ?
			   types[de->file_type] : "unknown";
	struct erofs_json *j = arg;

	if (j) {
		erofs_json_object(j, NULL);
		erofs_json_u64(j, "nid", de->nid);
		erofs_json_str(j, "type", type);
		erofs_json_strn(j, "name", de->name, de->namelen);
		erofs_json_end(j);
		return 0;
	}
	printf("%12llu  %-8s %.*s\n", (unsigned long long)de->nid, type,
	       (int)de->namelen, de->name);
	return 0;
}

int dump_ls(struct erofs_inode *dir, struct erofs_json *j)
{
	int err;

	if (!S_ISDIR(dir->mode)) {
		erofs_err("nid %llu: not a directory",
			  (unsigned long long)dir->nid);
		return -ENOTDIR;
	}
	if (j) {
		erofs_json_object(j, "listing");
		erofs_json_u64(j, "nid", dir->nid);
		erofs_json_array(j, "entries");
		err = erofs_iterate_dir(dir, dump_ls_entry, j);
		erofs_json_end(j);
		erofs_json_end(j);
		return err;
	}
	printf("%12s  %-8s %s\n", "NID", "TYPE", "NAME");
	err = erofs_iterate_dir(dir, dump_ls_entry, NULL);
	return err;
}
