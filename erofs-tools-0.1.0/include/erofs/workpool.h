/* SPDX-License-Identifier: MIT */
/*
 * A pool of worker threads over a bounded ring of jobs that are handed
 * back in the order they were queued, however they finish: the caller
 * keeps writing the image in a fixed order while work runs ahead.
 */
#ifndef EROFS_WORKPOOL_H
#define EROFS_WORKPOOL_H

#include <pthread.h>
#include "erofs/defs.h"

struct erofs_job {
	/* run on a worker with that worker's context; NULL: nothing to run */
	void (*run)(struct erofs_job *job, void *wctx);
	bool done;
};

struct erofs_workpool {
	pthread_mutex_t lock;
	pthread_cond_t work;		/* a job was queued, or stop */
	pthread_cond_t done;		/* a job finished */
	struct erofs_job **ring;
	unsigned int cap, head, count;	/* head: oldest job */
	unsigned int next;		/* jobs handed to workers so far, from head */
	pthread_t *threads;
	unsigned int nthreads;
	void **wctx;
	bool stop;
};

/*
 * Start @nthreads workers (each gets @wctx[i]) over a ring of @cap jobs:
 * 0 or -errno.
 */
int erofs_workpool_start(struct erofs_workpool *wp, unsigned int nthreads,
			 unsigned int cap, void **wctx);
/* Whether the ring is full (pop before pushing more). */
bool erofs_workpool_full(struct erofs_workpool *wp);
/* Queue @job; the ring must not be full. */
void erofs_workpool_push(struct erofs_workpool *wp, struct erofs_job *job);
/* Wait for the oldest job to finish and take it out; NULL if none queued. */
struct erofs_job *erofs_workpool_pop(struct erofs_workpool *wp);
/* Stop and join the workers; queued jobs not yet run are left undone. */
void erofs_workpool_stop(struct erofs_workpool *wp);

/* Threads of one erofs_parallel_for() at most, the caller's included. */
#define EROFS_PFOR_THREADS	8

/*
 * Run @fn(@ctx, i) for every i below @n, on up to @nthreads threads (the
 * calling one among them), in no particular order; returns when all are
 * done.  Fewer threads, down to the caller alone, if they cannot start.
 */
void erofs_parallel_for(unsigned int nthreads, size_t n,
			void (*fn)(void *ctx, size_t i), void *ctx);

#endif
