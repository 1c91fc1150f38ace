/* SPDX-License-Identifier: MIT */
/* fsck.erofs: options, walk state and the pieces main() strings together. */
#ifndef FSCK_H
#define FSCK_H

#include <stdbool.h>
#include <stdint.h>
#include "erofs/image_options.h"
#include "erofs/inode.h"
#include "erofs/json.h"
#include "erofs/progress.h"
#include "erofs/tree.h"

/* Exit status, documented in fsck.erofs(1). */
enum {
	FSCK_EXIT_OK = 0,		/* image sound */
	FSCK_EXIT_CORRUPT = 1,		/* corruption found */
	FSCK_EXIT_ERROR = 2,		/* operational error: usage, I/O, extract */
	FSCK_EXIT_UNSUPPORTED = 3,	/* sound so far, but parts not checkable */
	FSCK_EXIT_DIFFERS = 4,		/* --compare: sound, but not the source */
};

struct fsck_options {
	struct erofs_image_args img;	/* IMAGE, --offset, --nid, --path, --json */
	bool print_ratio;
	bool check_data;		/* always on; --extract without DIR */
	const char *extract_dir;	/* NULL: check only */
	bool overwrite;
	bool xattrs;
	bool quiet;			/* no progress bar, no summary */
	unsigned int workers;		/* threads for file data; 1: none */
	/* --compare=SRCDIR and the mkfs mapping options it honors */
	const char *compare_dir;
	struct erofs_tree_opts map;
	bool build_time_known;		/* from -T or SOURCE_DATE_EPOCH */
	const char *file_contexts;
	const char *mount_point;
};

/* Free what option parsing allocated (exclusion lists). */
void fsck_free_options(struct fsck_options *opts);

/* Parse argv into @opts; exits with FSCK_EXIT_ERROR on bad usage. */
void fsck_parse_options(int argc, char **argv, struct fsck_options *opts);

/* What one nid looked like when first met, for nlink and hardlinks. */
struct fsck_inode_rec {
	bool used;			/* slot taken */
	erofs_nid_t nid;
	uint32_t links_found;
	uint32_t nlink;
	bool isdir;
	unsigned int ftype;		/* EROFS_FT_* from the inode mode */
	bool bad;			/* inode unreadable: do not count it */
	char *extract_path;		/* relative path of the first copy */
	const struct erofs_node *src;	/* --compare: the source it matched */
	char *first_path;		/* --compare, nlink > 1: first image path */
};

/* An open-addressing table of every nid met during the walk. */
struct fsck_itable {
	struct fsck_inode_rec *slots;
	size_t cap, count;
};

struct fsck_itable_iter {
	size_t i;
};

/* Return the record of @nid, adding a zeroed one if new (*@fresh set). */
struct fsck_inode_rec *fsck_itable_get(struct fsck_itable *t, erofs_nid_t nid,
				       bool *fresh);
struct fsck_inode_rec *fsck_itable_next(struct fsck_itable *t,
					struct fsck_itable_iter *it);
void fsck_itable_free(struct fsck_itable *t);

/* A growing path buffer ("/a/b") for messages and extraction. */
struct fsck_path {
	char *buf;
	size_t len, cap;
};

/* Append "/NAME" (@len bytes) to @p: 0 or -ENOMEM. */
int fsck_path_push(struct fsck_path *p, const char *name, size_t len);
/* Cut @p back to @oldlen bytes. */
void fsck_path_pop(struct fsck_path *p, size_t oldlen);

struct fsck_compare;
struct fsck_pool;
struct z_erofs_pcache;

struct fsck_ctx {
	struct fsck_options *opts;
	struct erofs_sb_info *sbi;
	struct fsck_itable itable;
	struct fsck_path path;
	size_t root_path_len;		/* length of the subtree root's path */
	bool whole_tree;
	int extract_root_fd;		/* -1 when not extracting */
	struct fsck_compare *cmp;	/* NULL unless --compare */
	struct erofs_json *json;	/* NULL unless --json */
	struct erofs_progress progress;
	struct z_erofs_pcache *zcache;	/* a worker's own; NULL: the image's */
	struct fsck_pool *pool;		/* NULL: file data on the walk's thread */
	/* findings */
	unsigned long corrupt;
	unsigned long unsupported;
	unsigned long op_errors;
	unsigned long differences;	/* --compare */
	/* summary */
	unsigned long long inodes, dirs, files, others, bytes;
	unsigned long long logical, physical;	/* for -p */
};

/*
 * Walk and check the tree under @nid (the root or a subtree whose parent is
 * @parent, (erofs_nid_t)-1 if unknown); @name is what a non-directory start
 * inode is extracted as.
 */
int fsck_check_tree(struct fsck_ctx *ctx, erofs_nid_t nid, erofs_nid_t parent,
		    const char *name);
/* The image path of the entry being checked ("/" for the root). */
const char *fsck_path_str(struct fsck_ctx *ctx);

/* Report a corruption found by fsck itself: "PATH: nid N: ...". */
void fsck_corrupt(struct fsck_ctx *ctx, erofs_nid_t nid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --extract=DIR: prepare DIR (absent, empty, or --overwrite); 0 or -errno. */
int fsck_extract_open_root(struct fsck_ctx *ctx);
void fsck_extract_close_root(struct fsck_ctx *ctx);

/*
 * Create entry @name of inode @vi in directory @dirfd.  For a directory,
 * *@newfd receives its fd (to fill, then finish with
 * fsck_extract_finish_dir()); for a regular file, the fd to write its data
 * to (then fsck_extract_finish_file()).  0, or -errno after reporting.
 */
int fsck_extract_entry(struct fsck_ctx *ctx, int dirfd, const char *name,
		       struct erofs_inode *vi, int *newfd);
/* Make @name in @dirfd another link to the first copy of @rec. */
int fsck_extract_link(struct fsck_ctx *ctx, int dirfd, const char *name,
		      struct fsck_inode_rec *rec);
/* An fd of DIR itself, for the start directory; -1 after reporting. */
int fsck_extract_dup_root(struct fsck_ctx *ctx);
/* Current entry's path relative to DIR. */
const char *fsck_extract_relpath(struct fsck_ctx *ctx);
/*
 * Regular file @fd of @vi written up to @hi (fsck_copy_range()), or not,
 * @err: set its size, owner, mode and times unless @err, then close it.
 * Returns @err, or -errno after reporting.
 */
int fsck_extract_finish_file(struct fsck_ctx *ctx, int fd,
			     struct erofs_inode *vi, int err, erofs_off_t hi);
/* Apply owner, mode and times to directory @fd of @vi, then close it. */
int fsck_extract_finish_dir(struct fsck_ctx *ctx, int fd,
			    struct erofs_inode *vi);

/* Check every extended attribute of @vi, counting what is wrong. */
void fsck_check_xattrs(struct fsck_ctx *ctx, struct erofs_inode *vi);
/*
 * --xattrs: set @vi's attributes on the extracted entry, through @fd when
 * >= 0, else entry @name of @dirfd (not followed).  0 or -ENOMEM; refusals
 * are reported and counted as op errors.
 */
int fsck_extract_xattrs(struct fsck_ctx *ctx, int fd, int dirfd,
			const char *name, struct erofs_inode *vi);

/*
 * Read every byte of regular file @vi in [@from, @to); with @outfd >= 0
 * also write it there, leaving holes and zero runs unwritten, *@hi set to
 * the end of the last byte written.  0, -EFSCORRUPTED-like from the
 * library (reported there), or -EIO after a write failed (reported).
 */
int fsck_copy_range(struct fsck_ctx *ctx, struct erofs_inode *vi, int outfd,
		    erofs_off_t from, erofs_off_t to, erofs_off_t *hi);
/*
 * The data of regular file @vi, read (and written to @outfd, which this
 * closes, when >= 0): on the walk's thread, or queued for the workers.
 */
void fsck_file_data(struct fsck_ctx *ctx, struct erofs_inode *vi, int outfd);
/* Count a library error: unsupported, corrupt, or operational. */
void fsck_count_error(struct fsck_ctx *ctx, int err);

/*
 * Workers for file data (pool.c): each file's bytes are read, decoded and
 * written on a worker with a pcluster cache of its own; findings come
 * back to @ctx in walk order.  Not with --compare.
 */
int fsck_pool_start(struct fsck_ctx *ctx, unsigned int workers);
/* Queue @vi's data (@outfd: as for fsck_file_data()). */
void fsck_pool_submit(struct fsck_ctx *ctx, struct erofs_inode *vi, int outfd);
/* Wait for every queued file, fold in the findings, stop the workers. */
void fsck_pool_stop(struct fsck_ctx *ctx);

/*
 * --compare (compare.c).  The walk above carries, for each image entry,
 * the source node it should equal (NULL: not compared); these hooks
 * report every difference as "PATH: KIND: detail" (or a JSON object).
 */
/* Scan SRCDIR under the mapping options; 0 or -errno (reported). */
int fsck_compare_open(struct fsck_ctx *ctx);
void fsck_compare_close(struct fsck_ctx *ctx);
/* The source node matching the start of the walk. */
const struct erofs_node *fsck_compare_root(struct fsck_ctx *ctx);

/* Report a difference of @kind at the current path. */
void fsck_differ(struct fsck_ctx *ctx, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * First visit of inode @vi through an entry matching @src: compare type,
 * mode, owner, mtime, size, link target, device and attributes, and note
 * the pairing for hardlinks.  Returns true when the content of a regular
 * file is to be compared (then fsck_copy_data() does it).
 */
bool fsck_compare_inode(struct fsck_ctx *ctx, struct erofs_inode *vi,
			struct fsck_inode_rec *rec, const struct erofs_node *src);
/* A further entry naming inode @rec: is @src the same source inode too? */
void fsck_compare_link(struct fsck_ctx *ctx, struct fsck_inode_rec *rec,
		       const struct erofs_node *src);

/* The children of source directory @src, matched one by one by name. */
struct fsck_compare_dir {
	const struct erofs_node *src;	/* NULL: not comparing here */
	bool *matched;
};
int fsck_compare_dir_begin(struct fsck_ctx *ctx, const struct erofs_node *src,
			   struct fsck_compare_dir *d);
/* The source child named like the current image entry; NULL: "extra". */
const struct erofs_node *fsck_compare_dir_child(struct fsck_ctx *ctx,
						struct fsck_compare_dir *d,
						const char *name,
						unsigned int len,
						unsigned int ftype);
/* Report the source children no image entry matched ("missing"). */
void fsck_compare_dir_end(struct fsck_ctx *ctx, struct fsck_compare_dir *d);

/* Content of the current file: image bytes at @pos, or a hole of @len. */
void fsck_compare_data(struct fsck_ctx *ctx, const void *buf, size_t len,
		       erofs_off_t pos);
void fsck_compare_hole(struct fsck_ctx *ctx, erofs_off_t pos, erofs_off_t len);
/* Report a content difference found while reading, if any. */
void fsck_compare_data_end(struct fsck_ctx *ctx);

#endif
