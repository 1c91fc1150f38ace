// SPDX-License-Identifier: MIT
/*
 * File data on worker threads.  The walk stays on the main thread: it
 * checks metadata, creates every entry and queues each regular file's
 * bytes as jobs -- a whole file, or consecutive ranges of a large one.  A
 * worker maps, reads, decodes (through a pcluster cache of its own),
 * compares nothing (not with --compare) and writes; the last job of a file
 * sets its size, owner, mode and times and closes it.  Jobs come back to
 * the main thread in the order they were queued, which folds their
 * findings into the walk's counters.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "erofs/print.h"
#include "erofs/workpool.h"
#include "erofs/zdata.h"
#include "fsck.h"

/*
 * A file larger than this is split, so that one large file keeps every
 * worker busy; into at most FSCK_MAX_RANGES, however large it claims to be
 * (holes are skipped within a range).
 */
#define FSCK_RANGE_BYTES	(8ull << 20)
#define FSCK_MAX_RANGES		64
#define FSCK_FDS		256	/* files in flight, at most */
#define FSCK_BATCH		32	/* files per job, at most */
#define FSCK_BATCH_BYTES	(1u << 20)	/* a job ends after this much data */

/* One regular file in flight, shared by its jobs. */
struct fsck_pool_file {
	struct erofs_inode vi;
	int fd;			/* output, or -1 when checking only */
	char *path;		/* image path, for messages */
	int err;		/* first failure of any range (main thread) */
	unsigned int failed;	/* ranges that failed (atomic) */
};

/* One range of one file. */
struct fsck_pool_item {
	struct fsck_pool_file *file;
	/* the range's own copy: mapping fills in the inode's index fields */
	struct erofs_inode vi;
	erofs_off_t from, to;
	bool whole, last;
	int err;
	erofs_off_t hi;
	struct fsck_ctx jc;	/* the findings of this range alone */
};

/*
 * A job is a batch of ranges: a job per small file would cost more in
 * handing it over and waking a worker than reading the file does.
 */
struct fsck_pool_job {
	struct erofs_job job;
	unsigned int n;
	erofs_off_t bytes;
	struct fsck_pool_item item[];
};

struct fsck_pool {
	struct erofs_workpool wp;
	struct z_erofs_pcache **caches;
	unsigned int nworkers;
	unsigned int batch;		/* ranges per job */
	struct fsck_pool_job *cur;	/* being filled */
};

/* A context that reports like @ctx, counts from zero and draws nothing. */
static void fsck_job_ctx(struct fsck_ctx *jc, const struct fsck_ctx *ctx,
			 struct fsck_pool_file *f)
{
	memset(jc, 0, sizeof(*jc));
	jc->opts = ctx->opts;
	jc->sbi = ctx->sbi;
	jc->root_path_len = ctx->root_path_len;
	jc->jobs = ctx->jobs;
	jc->path.buf = f->path;
	jc->path.len = f->path ? strlen(f->path) : 0;
}

static void fsck_pool_run_item(struct fsck_pool_item *j, void *wctx)
{
	struct fsck_pool_file *f = j->file;

	j->jc.zcache = wctx;
	/* a range after a failed one adds nothing but noise */
	if (__atomic_load_n(&f->failed, __ATOMIC_ACQUIRE)) {
		j->err = -ECANCELED;
		return;
	}
	j->err = fsck_copy_range(&j->jc, &j->vi, f->fd, j->from, j->to, &j->hi);
	if (j->err)
		__atomic_add_fetch(&f->failed, 1, __ATOMIC_RELEASE);
	/* a file in one job is finished here, on the worker */
	if (j->whole && f->fd >= 0)
		fsck_jobs_finish_file(&j->jc, f->fd, &f->vi, j->err, j->hi);
}

static void fsck_pool_run(struct erofs_job *job, void *wctx)
{
	struct fsck_pool_job *b = (struct fsck_pool_job *)job;

	for (unsigned int i = 0; i < b->n; i++)
		fsck_pool_run_item(&b->item[i], wctx);
}

static void fsck_fold(struct fsck_ctx *ctx, const struct fsck_ctx *jc)
{
	ctx->corrupt += jc->corrupt;
	ctx->unsupported += jc->unsupported;
	ctx->op_errors += jc->op_errors;
	ctx->bytes += jc->bytes;
	ctx->logical += jc->logical;
	ctx->physical += jc->physical;
}

static void fsck_pool_reap_item(struct fsck_ctx *ctx, struct fsck_pool_item *j)
{
	struct fsck_pool_file *f = j->file;

	fsck_fold(ctx, &j->jc);
	if (j->err && j->err != -ECANCELED && !f->err) {
		f->err = j->err;
		fsck_count_error(ctx, j->err);
	}
	if (j->last) {
		/* every earlier range of the file came back before this one */
		if (!j->whole && f->fd >= 0) {
			struct fsck_ctx *tmp = &j->jc;

			fsck_job_ctx(tmp, ctx, f);
			fsck_jobs_finish_file(tmp, f->fd, &f->vi,
					      f->err ?: (f->failed ? -ECANCELED : 0),
					      j->hi);
			fsck_fold(ctx, tmp);
		}
		free(f->path);
		free(f);
	}
}

/* Main thread: take back the oldest job. */
static void fsck_pool_reap(struct fsck_ctx *ctx)
{
	struct fsck_pool_job *b =
		(struct fsck_pool_job *)erofs_workpool_pop(&ctx->pool->wp);

	for (unsigned int i = 0; i < b->n; i++)
		fsck_pool_reap_item(ctx, &b->item[i]);
	free(b);
	erofs_progress_update(&ctx->progress, ctx->physical, ctx->inodes);
}

/* Hand the batch being filled to the workers. */
static void fsck_pool_flush(struct fsck_ctx *ctx)
{
	struct fsck_pool *p = ctx->pool;

	if (!p->cur)
		return;
	while (erofs_workpool_full(&p->wp))
		fsck_pool_reap(ctx);
	erofs_workpool_push(&p->wp, &p->cur->job);
	p->cur = NULL;
}

/* A free slot in the batch being filled, or NULL without memory. */
static struct fsck_pool_item *fsck_pool_slot(struct fsck_ctx *ctx)
{
	struct fsck_pool *p = ctx->pool;

	if (!p->cur) {
		p->cur = calloc(1, sizeof(*p->cur) +
				p->batch * sizeof(struct fsck_pool_item));
		if (!p->cur)
			return NULL;
		p->cur->job.run = fsck_pool_run;
	}
	return &p->cur->item[p->cur->n];
}

int fsck_pool_start(struct fsck_ctx *ctx, unsigned int workers)
{
	struct fsck_pool *p = calloc(1, sizeof(*p));
	unsigned int ring, fds;
	struct rlimit rl;
	int err = -ENOMEM;

	if (!p)
		return -ENOMEM;
	p->caches = calloc(workers, sizeof(*p->caches));
	if (!p->caches)
		goto out_free;
	for (p->nworkers = 0; p->nworkers < workers; p->nworkers++) {
		p->caches[p->nworkers] = z_erofs_pcache_new();
		if (!p->caches[p->nworkers])
			goto out_free;
	}
	/*
	 * Every file in flight holds an open fd: some jobs per worker to
	 * keep them busy, with at most FSCK_FDS files among them, and no
	 * more than a quarter of what we may open (directories need theirs).
	 */
	fds = FSCK_FDS;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur / 4 < fds)
		fds = rl.rlim_cur / 4;
	ring = EROFS_MAX(4u, 2 * workers);
	p->batch = EROFS_MIN(EROFS_MAX(fds / ring, 1u), FSCK_BATCH);
	err = erofs_workpool_start(&p->wp, workers, ring, (void **)p->caches);
	if (err)
		goto out_free;
	ctx->pool = p;
	return 0;
out_free:
	for (unsigned int i = 0; p->caches && i < p->nworkers; i++)
		z_erofs_pcache_merge_free(p->caches[i], ctx->sbi);
	free(p->caches);
	free(p);
	return err;
}

void fsck_pool_submit(struct fsck_ctx *ctx, struct erofs_inode *vi, int outfd)
{
	struct fsck_pool *p = ctx->pool;
	struct fsck_pool_file *f = calloc(1, sizeof(*f));
	erofs_off_t from = 0, range;

	if (f && ctx->path.len)
		f->path = strdup(ctx->path.buf);
	if (!f || (ctx->path.len && !f->path)) {
		erofs_err("%s: out of memory", fsck_path_str(ctx));
		ctx->op_errors++;
		if (outfd >= 0)
			close(outfd);
		free(f);
		return;
	}
	f->vi = *vi;
	f->fd = outfd;
	range = EROFS_MAX(FSCK_RANGE_BYTES,
			  EROFS_DIV_ROUND_UP(vi->size, FSCK_MAX_RANGES));
	do {
		struct fsck_pool_item *j = fsck_pool_slot(ctx);

		if (!j) {
			erofs_err("%s: out of memory", fsck_path_str(ctx));
			ctx->op_errors++;
			/* no range of the file left in flight: finish it here */
			while (from && p->wp.count)
				fsck_pool_reap(ctx);
			if (outfd >= 0)
				fsck_jobs_finish_file(ctx, outfd, vi,
						      -ENOMEM, 0);
			free(f->path);
			free(f);
			return;
		}
		j->file = f;
		j->vi = *vi;
		j->from = from;
		j->to = vi->size - from > range ? from + range : vi->size;
		j->last = j->to == vi->size;
		j->whole = !from && j->last;
		fsck_job_ctx(&j->jc, ctx, f);
		from = j->to;
		p->cur->n++;
		p->cur->bytes += j->to - j->from;
		if (p->cur->n == p->batch || p->cur->bytes >= FSCK_BATCH_BYTES)
			fsck_pool_flush(ctx);
	} while (from < vi->size);
}

void fsck_pool_stop(struct fsck_ctx *ctx)
{
	struct fsck_pool *p = ctx->pool;

	if (!p)
		return;
	fsck_pool_flush(ctx);
	while (p->wp.count)
		fsck_pool_reap(ctx);
	erofs_workpool_stop(&p->wp);
	for (unsigned int i = 0; i < p->nworkers; i++)
		z_erofs_pcache_merge_free(p->caches[i], ctx->sbi);
	free(p->caches);
	free(p);
	ctx->pool = NULL;
}
