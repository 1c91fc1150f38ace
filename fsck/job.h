/* SPDX-License-Identifier: MIT */
/*
 * fsck.erofs: the jobs that ride on the walk.  Checking is the walk itself;
 * --extract, --compare and --export each add a job, a table of what to do at each
 * step.  The walk calls the jobs in the order they were added, through
 * these tables only, with the current path set to the entry concerned.
 */
#ifndef FSCK_JOB_H
#define FSCK_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include "erofs/defs.h"

struct erofs_inode;
struct fsck_ctx;
struct fsck_inode_rec;
struct fsck_job;

/* Every member may be NULL: that job has nothing to do at that step. */
struct fsck_job_ops {
	/* Entry @name (@len bytes, type @ftype) of the directory begun last is next. */
	void (*child)(struct fsck_ctx *ctx, struct fsck_job *job,
		      const char *name, unsigned int len, unsigned int ftype);
	/* Entry @name is one more link to inode @rec, met before. */
	void (*link)(struct fsck_ctx *ctx, struct fsck_job *job,
		     const char *name, struct fsck_inode_rec *rec);
	/* Inode @vi met for the first time, before fsck checks it further. */
	void (*inode)(struct fsck_ctx *ctx, struct fsck_job *job,
		      struct erofs_inode *vi, struct fsck_inode_rec *rec);
	/* Directory @vi, entry @name: its children follow, then dir_end(). */
	void (*dir_begin)(struct fsck_ctx *ctx, struct fsck_job *job,
			  const char *name, struct erofs_inode *vi);
	/* Its children are done; @complete: every entry of it was read. */
	void (*dir_end)(struct fsck_ctx *ctx, struct fsck_job *job,
			struct erofs_inode *vi, bool complete);
	/*
	 * Regular file @vi, entry @name: its bytes follow.  The job that
	 * writes them sets *@outfd.  Nonzero (reported): do not read them;
	 * finish_file() follows all the same.
	 */
	int (*file_begin)(struct fsck_ctx *ctx, struct fsck_job *job,
			  const char *name, struct erofs_inode *vi, int *outfd);
	/* The file's bytes at @pos, in order, and its holes. */
	void (*data)(struct fsck_ctx *ctx, struct fsck_job *job,
		     const void *buf, size_t len, erofs_off_t pos);
	void (*hole)(struct fsck_ctx *ctx, struct fsck_job *job,
		     erofs_off_t pos, erofs_off_t len);
	/*
	 * The file is read (@err: 0, or why not), written to @outfd up to
	 * @hi.  With --workers this may run on a worker, whose @ctx is its
	 * own: it may touch nothing but @ctx's counters.
	 */
	void (*finish_file)(struct fsck_ctx *ctx, struct fsck_job *job,
			    int outfd, struct erofs_inode *vi, int err,
			    erofs_off_t hi);
	/* A symlink, device, fifo or socket @vi, entry @name. */
	void (*other)(struct fsck_ctx *ctx, struct fsck_job *job,
		      const char *name, struct erofs_inode *vi);
};

/* The first member of a job's own state. */
struct fsck_job {
	const struct fsck_job_ops *ops;
	struct fsck_job *next;		/* the next job of the same walk */
};

/* Add @job after the jobs of @ctx; take it out again. */
void fsck_job_add(struct fsck_ctx *ctx, struct fsck_job *job);
void fsck_job_remove(struct fsck_ctx *ctx, struct fsck_job *job);
/* The job of @ctx with table @ops, or NULL. */
struct fsck_job *fsck_job_find(struct fsck_ctx *ctx,
			       const struct fsck_job_ops *ops);

/* One step of the walk, for every job (job.c). */
void fsck_jobs_child(struct fsck_ctx *ctx, const char *name, unsigned int len,
		     unsigned int ftype);
void fsck_jobs_link(struct fsck_ctx *ctx, const char *name,
		    struct fsck_inode_rec *rec);
void fsck_jobs_inode(struct fsck_ctx *ctx, struct erofs_inode *vi,
		     struct fsck_inode_rec *rec);
void fsck_jobs_dir_begin(struct fsck_ctx *ctx, const char *name,
			 struct erofs_inode *vi);
void fsck_jobs_dir_end(struct fsck_ctx *ctx, struct erofs_inode *vi,
		       bool complete);
/* 0, or the first job's refusal (then the jobs after it are not asked). */
int fsck_jobs_file_begin(struct fsck_ctx *ctx, const char *name,
			 struct erofs_inode *vi, int *outfd);
void fsck_jobs_data(struct fsck_ctx *ctx, const void *buf, size_t len,
		    erofs_off_t pos);
void fsck_jobs_hole(struct fsck_ctx *ctx, erofs_off_t pos, erofs_off_t len);
void fsck_jobs_finish_file(struct fsck_ctx *ctx, int outfd,
			   struct erofs_inode *vi, int err, erofs_off_t hi);
void fsck_jobs_other(struct fsck_ctx *ctx, const char *name,
		     struct erofs_inode *vi);

/*
 * --extract=DIR (extract.c): prepare DIR (absent, empty, or --overwrite)
 * and add the job that recreates the tree there; 0 or -errno (reported).
 */
int fsck_extract_open_root(struct fsck_ctx *ctx);
/* Close DIR and drop the job; nothing when there is none. */
void fsck_extract_close_root(struct fsck_ctx *ctx);

/*
 * --compare=SRCDIR (compare.c): scan SRCDIR under the mapping options and
 * add the job that reports every difference as "PATH: KIND: detail" (or a
 * JSON object); 0 or -errno (reported, or -ENOMEM).
 */
int fsck_compare_open(struct fsck_ctx *ctx);
/* Drop the job and the scanned tree; nothing when there is none. */
void fsck_compare_close(struct fsck_ctx *ctx);

/*
 * --compare=IMAGE2 (compare_image.c): open IMAGE2 through the read path
 * and add the job that reports, in the same lines, every difference
 * between the entries of the two images; 0 or -errno (reported, or
 * -ENOMEM).
 */
int fsck_compare_image_open(struct fsck_ctx *ctx);
/* Drop the job and close IMAGE2; nothing when there is none. */
void fsck_compare_image_close(struct fsck_ctx *ctx);

/*
 * --export=FILE (export.c, export_none.c without libarchive): open FILE
 * (a temporary file beside it) or standard output and add the job that
 * writes the tree there as a pax archive; 0 or -errno (reported).
 */
int fsck_export_open(struct fsck_ctx *ctx);
/*
 * After the walk: end the archive and rename it over FILE when nothing was
 * found wrong, else drop it (cut short on standard output); 0, or -errno
 * (reported; the archive's own failures counted as op errors).
 */
int fsck_export_finish(struct fsck_ctx *ctx);
/* Drop an archive not finished, and the job; nothing when there is none. */
void fsck_export_close(struct fsck_ctx *ctx);

#endif
