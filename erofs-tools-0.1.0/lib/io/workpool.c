// SPDX-License-Identifier: MIT
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/workpool.h"

struct worker_arg {
	struct erofs_workpool *wp;
	void *wctx;
};

static void *worker_main(void *p)
{
	struct worker_arg *a = p;
	struct erofs_workpool *wp = a->wp;
	void *wctx = a->wctx;

	free(a);
	pthread_mutex_lock(&wp->lock);
	for (;;) {
		struct erofs_job *job;

		while (!wp->stop && wp->next == wp->count)
			pthread_cond_wait(&wp->work, &wp->lock);
		if (wp->stop)
			break;
		job = wp->ring[(wp->head + wp->next++) % wp->cap];
		if (job->done)
			continue;	/* nothing to run: done when queued */
		pthread_mutex_unlock(&wp->lock);
		job->run(job, wctx);
		pthread_mutex_lock(&wp->lock);
		job->done = true;
		/* the writer only ever waits for the oldest job */
		if (job == wp->ring[wp->head])
			pthread_cond_signal(&wp->done);
	}
	pthread_mutex_unlock(&wp->lock);
	return NULL;
}

int erofs_workpool_start(struct erofs_workpool *wp, unsigned int nthreads,
			 unsigned int cap, void **wctx)
{
	memset(wp, 0, sizeof(*wp));
	pthread_mutex_init(&wp->lock, NULL);
	pthread_cond_init(&wp->work, NULL);
	pthread_cond_init(&wp->done, NULL);
	wp->cap = cap;
	wp->ring = calloc(cap, sizeof(*wp->ring));
	wp->threads = calloc(nthreads, sizeof(*wp->threads));
	if (!wp->ring || !wp->threads)
		goto out_nomem;
	for (unsigned int i = 0; i < nthreads; i++) {
		struct worker_arg *a = malloc(sizeof(*a));
		int err;

		if (!a)
			goto out_nomem;
		a->wp = wp;
		a->wctx = wctx ? wctx[i] : NULL;
		err = pthread_create(&wp->threads[i], NULL, worker_main, a);
		if (err) {
			free(a);
			erofs_workpool_stop(wp);
			return -err;
		}
		wp->nthreads++;
	}
	return 0;
out_nomem:
	erofs_workpool_stop(wp);
	return -ENOMEM;
}

bool erofs_workpool_full(struct erofs_workpool *wp)
{
	return wp->count == wp->cap;
}

/*
 * A job without work is done as soon as it is queued, and wakes nobody:
 * when no job waits to be handed out before it, it counts as handed out.
 */
void erofs_workpool_push(struct erofs_workpool *wp, struct erofs_job *job)
{
	job->done = !job->run;
	pthread_mutex_lock(&wp->lock);
	wp->ring[(wp->head + wp->count++) % wp->cap] = job;
	if (job->run)
		pthread_cond_signal(&wp->work);
	else if (wp->next == wp->count - 1)
		wp->next++;
	pthread_mutex_unlock(&wp->lock);
}

struct erofs_job *erofs_workpool_pop(struct erofs_workpool *wp)
{
	struct erofs_job *job = NULL;

	pthread_mutex_lock(&wp->lock);
	if (wp->count) {
		job = wp->ring[wp->head];
		while (!job->done)
			pthread_cond_wait(&wp->done, &wp->lock);
		wp->head = (wp->head + 1) % wp->cap;
		wp->count--;
		/* a job without work may leave before a worker passed it */
		if (wp->next)
			wp->next--;
	}
	pthread_mutex_unlock(&wp->lock);
	return job;
}

void erofs_workpool_stop(struct erofs_workpool *wp)
{
	pthread_mutex_lock(&wp->lock);
	wp->stop = true;
	pthread_cond_broadcast(&wp->work);
	pthread_mutex_unlock(&wp->lock);
	for (unsigned int i = 0; i < wp->nthreads; i++)
		pthread_join(wp->threads[i], NULL);
	free(wp->threads);
	free(wp->ring);
	wp->threads = NULL;
	wp->ring = NULL;
	wp->nthreads = 0;
	pthread_cond_destroy(&wp->done);
	pthread_cond_destroy(&wp->work);
	pthread_mutex_destroy(&wp->lock);
}

/* Shared by the threads of one erofs_parallel_for(). */
struct pfor {
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	size_t n;
	atomic_size_t next;	/* no 64-bit atomics needed on 32-bit CPUs */
};

static void *pfor_main(void *p)
{
	struct pfor *pf = p;

	for (size_t i; (i = atomic_fetch_add(&pf->next, 1)) < pf->n;)
		pf->fn(pf->ctx, i);
	return NULL;
}

void erofs_parallel_for(unsigned int nthreads, size_t n,
			void (*fn)(void *ctx, size_t i), void *ctx)
{
	struct pfor pf = { .fn = fn, .ctx = ctx, .n = n };
	pthread_t tid[EROFS_PFOR_THREADS];
	unsigned int started = 0;

	if (nthreads > n)
		nthreads = n;
	if (nthreads > EROFS_PFOR_THREADS)
		nthreads = EROFS_PFOR_THREADS;
	/* the caller works too; a thread that cannot start is not needed */
	while (started + 1 < nthreads &&
	       !pthread_create(&tid[started], NULL, pfor_main, &pf))
		started++;
	pfor_main(&pf);
	while (started)
		pthread_join(tid[--started], NULL);
}
