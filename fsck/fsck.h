/* SPDX-License-Identifier: MIT */
/* fsck.erofs: options, walk state and the pieces main() strings together. */
#ifndef FSCK_H
#define FSCK_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "erofs/image_options.h"
#include "erofs/inode.h"
#include "erofs/json.h"
#include "erofs/progress.h"
#include "erofs/tree.h"
#include "itable.h"
#include "job.h"
#include "report.h"

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
	bool force;			/* DIR may be / */
	bool preserve_owner;		/* chown to the image's owners */
	bool preserve_perms;		/* modes as they are, not umasked */
	bool xattrs;
	const char *export_file;	/* --export: NULL, "-" for stdout */
	const char *export_compress;	/* NULL: from FILE's suffix */
	bool quiet;			/* no progress bar, no summary */
	unsigned int workers;		/* threads for file data; 1: none */
	/* --compare=SRCDIR and the mkfs mapping options it honors */
	const char *compare_dir;
	bool compare_image;		/* it is an EROFS image (IMAGE2) */
	struct erofs_tree_opts map;
	bool build_time_known;		/* from -T or SOURCE_DATE_EPOCH */
	const char *file_contexts;
	const char *mount_point;
};

/* Free what option parsing allocated (exclusion lists). */
void fsck_free_options(struct fsck_options *opts);

/* Parse argv into @opts; exits with FSCK_EXIT_ERROR on bad usage. */
void fsck_parse_options(int argc, char **argv, struct fsck_options *opts);

struct fsck_pool;
struct z_erofs_pcache;

struct fsck_ctx {
	struct fsck_options *opts;
	struct erofs_sb_info *sbi;
	struct fsck_itable itable;
	struct fsck_path path;
	size_t root_path_len;		/* length of the subtree root's path */
	bool whole_tree;
	struct fsck_job *jobs;		/* --compare, --extract, --export; NULL: check only */
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
	unsigned long long packed;	/* the packed inode, when checked */
	unsigned long long metabox;	/* the metabox inode, when checked */
	unsigned long long logical, physical;	/* for -p */
};

/* A path deeper than this cannot be named within PATH_MAX ("a/" each). */
#define FSCK_MAX_DEPTH	(PATH_MAX / 2)

/*
 * Walk and check the tree under @nid (the root or a subtree whose parent is
 * @parent, (erofs_nid_t)-1 if unknown); @name is what a non-directory start
 * inode is extracted as.  The jobs of @ctx ride on the walk.
 */
int fsck_check_tree(struct fsck_ctx *ctx, erofs_nid_t nid, erofs_nid_t parent,
		    const char *name);
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
 * Read every byte of regular file @vi in [@from, @to), handing bytes and
 * holes to the jobs (fsck_jobs_data(), fsck_jobs_hole()); with @outfd >= 0
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

#endif
