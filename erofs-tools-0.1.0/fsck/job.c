// SPDX-License-Identifier: MIT
/*
 * The jobs of a walk: a list, and one call per step that hands it to each
 * job in turn.  Nothing here knows what a job does.
 */
#include "fsck.h"

void fsck_job_add(struct fsck_ctx *ctx, struct fsck_job *job)
{
	struct fsck_job **p = &ctx->jobs;

	while (*p)
		p = &(*p)->next;
	job->next = NULL;
	*p = job;
}

void fsck_job_remove(struct fsck_ctx *ctx, struct fsck_job *job)
{
	for (struct fsck_job **p = &ctx->jobs; *p; p = &(*p)->next) {
		if (*p == job) {
			*p = job->next;
			job->next = NULL;
			return;
		}
	}
}

struct fsck_job *fsck_job_find(struct fsck_ctx *ctx,
			       const struct fsck_job_ops *ops)
{
	struct fsck_job *j;

	for (j = ctx->jobs; j && j->ops != ops; j = j->next)
		;
	return j;
}

void fsck_jobs_child(struct fsck_ctx *ctx, const char *name, unsigned int len,
		     unsigned int ftype)
{
	for (struct fsck_job *j = ctx->jobs; j; j = j->next)
		if (j->ops->child)
			j->ops->child(ctx, j, name, len, ftype);
}

void fsck_jobs_link(struct fsck_ctx *ctx, const char *name,
		    struct fsck_inode_rec *rec)
{
	for (struct fsck_job *j = ctx->jobs; j; j = j->next)
		if (j->ops->link)
			j->ops->link(ctx, j, name, rec);
}

void fsck_jobs_inode(struct fsck_ctx *ctx, struct erofs_inode *vi,
		     struct fsck_inode_rec *rec)
{
	for (struct fsck_job *j = ctx->jobs; j; j = j->next)
		if (j->ops->inode)
			j->ops->inode(ctx, j, vi, rec);
}

void fsck_jobs_dir_begin(struct fsck_ctx *ctx, const char *name,
			 struct erofs_inode *vi)
{
	for (struct fsck_job *j = ctx->jobs; j; j = j->next)
		if (j->ops->dir_begin)
			j->ops->dir_begin(ctx, j, name, vi);
}

void fsck_jobs_dir_end(struct fsck_ctx *ctx, struct erofs_inode *vi,
		       bool complete)
{
	for (struct fsck_job *j = ctx->jobs; j; j = j->next)
		if (j->ops->dir_end)
			j->ops->dir_end(ctx, j, vi, complete);
}

int fsck_jobs_file_begin(struct fsck_ctx *ctx, const char *name,
			 struct erofs_inode *vi, int *outfd)
{
	int err = 0;

	*outfd = -1;
	for (struct fsck_job *j = ctx->jobs; j && !err; j = j->next)
		if (j->ops->file_begin)
			err = j->ops->file_begin(ctx, j, name, vi, outfd);
	return err;
}

void fsck_jobs_data(struct fsck_ctx *ctx, const void *buf, size_t len,
		    erofs_off_t pos)
{
	for (struct fsck_job *j = ctx->jobs; j; j = j->next)
		if (j->ops->data)
			j->ops->data(ctx, j, buf, len, pos);
}

void fsck_jobs_hole(struct fsck_ctx *ctx, erofs_off_t pos, erofs_off_t len)
{
	for (struct fsck_job *j = ctx->jobs; j; j = j->next)
		if (j->ops->hole)
			j->ops->hole(ctx, j, pos, len);
}

void fsck_jobs_finish_file(struct fsck_ctx *ctx, int outfd,
			   struct erofs_inode *vi, int err, erofs_off_t hi)
{
	for (struct fsck_job *j = ctx->jobs; j; j = j->next)
		if (j->ops->finish_file)
			j->ops->finish_file(ctx, j, outfd, vi, err, hi);
}

void fsck_jobs_other(struct fsck_ctx *ctx, const char *name,
		     struct erofs_inode *vi)
{
	for (struct fsck_job *j = ctx->jobs; j; j = j->next)
		if (j->ops->other)
			j->ops->other(ctx, j, name, vi);
}
