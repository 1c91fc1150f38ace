/* SPDX-License-Identifier: MIT */
/* dump.erofs: options and the one job per file that main() dispatches to. */
#ifndef DUMP_H
#define DUMP_H

#include <stdbool.h>
#include "erofs/image_options.h"
#include "erofs/inode.h"
#include "erofs/json.h"

struct dump_options {
	struct erofs_image_args img;	/* IMAGE, --offset, --nid, --path, --json */
	bool show_sb;		/* -s, also the default */
	bool show_inode;	/* --nid/--path without another job */
	bool ls, cat, extents, stats;
	bool recursive;		/* -R: --ls of the whole subtree */
	/* --cat: the files in order, NULL for the one of --nid/--path */
	const char **cat_paths;
	unsigned int ncat;
};

/* Parse argv into @opts; exits 2 on bad usage. */
void dump_parse_options(int argc, char **argv, struct dump_options *opts);

/*
 * Each job prints to stdout and returns 0 or -errno (already reported):
 * as text, or with @j as one member of the open JSON document.
 */
int dump_superblock(struct erofs_sb_info *sbi, struct erofs_json *j);
int dump_inode_info(struct erofs_inode *vi, const char *path,
		    struct erofs_json *j);
int dump_ls(struct erofs_inode *dir, struct erofs_json *j);
/*
 * -R: @vi and everything below it, one "ls -l" line (or JSON object)
 * each, depth-first in on-disk order; @path names @vi ("/", "/a/b", or
 * "." when started at a nid).
 */
int dump_ls_tree(struct erofs_inode *vi, const char *path,
		 struct erofs_json *j);
int dump_cat(struct erofs_inode *vi);
int dump_extents(struct erofs_inode *vi, struct erofs_json *j);
int dump_stats(struct erofs_sb_info *sbi, struct erofs_json *j);
/* The attributes of @vi: lines after an "Xattrs:" line, or an array. */
int dump_xattrs(struct erofs_inode *vi, struct erofs_json *j);

/* "regular file", "directory", ... for an EROFS_FT_* value. */
const char *dump_ftype_name(unsigned int ftype);
/* "drwxr-xr-x" into @s of >= 11 bytes. */
void dump_mode_string(mode_t mode, char *s);
/* "2024-01-02 03:04:05.000000000" (UTC) into @buf of >= 40 bytes. */
void dump_format_time(char *buf, size_t len, uint64_t sec, uint32_t nsec);

#endif
