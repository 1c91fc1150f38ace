// SPDX-License-Identifier: MIT
/*
 * erofsfuse's request loop: a fixed number of threads, each receiving and
 * serving requests in turn.  libfuse's own multi-threaded loop starts a
 * thread whenever none is idle and keeps up to max_idle_threads of them;
 * the kernel wakes its waiting readers in turn, so every request of a
 * sequential read lands on a thread that last ran many requests ago, on
 * whichever CPU, with its caches cold.  A few threads (the CPUs online)
 * keep the requests on warm threads; a request that waits for the disk
 * still leaves the others serving.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include "erofsfuse.h"

struct erf_loop {
	struct fuse_session *se;
	sem_t finished;			/* a worker has stopped */
	pthread_mutex_t lock;
	int err;			/* the first receive error */
};

static void erf_buf_free(void *arg)
{
	struct fuse_buf *buf = arg;

	free(buf->mem);
	buf->mem = NULL;
}

static void *erf_worker(void *arg)
{
	struct erf_loop *l = arg;
	struct fuse_buf buf = { .mem = NULL };

	pthread_cleanup_push(erf_buf_free, &buf);
	while (!fuse_session_exited(l->se)) {
		int res;

		/* cancelled (by erf_loop_run) only while waiting for a request */
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		res = fuse_session_receive_buf(l->se, &buf);
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (res == -EINTR)
			continue;
		if (res <= 0) {
			if (res < 0) {
				pthread_mutex_lock(&l->lock);
				if (!l->err)
					l->err = res;
				pthread_mutex_unlock(&l->lock);
			}
			fuse_session_exit(l->se);
			break;
		}
		fuse_session_process_buf(l->se, &buf);
	}
	pthread_cleanup_pop(1);
	sem_post(&l->finished);
	return NULL;
}

int erofsfuse_loop(struct fuse_session *se, unsigned int nthreads)
{
	struct erf_loop l = { .se = se };
	pthread_t *t = calloc(nthreads, sizeof(*t));
	sigset_t all, old;
	unsigned int n = 0;
	int err = 0;

	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&l.lock, NULL);
	sem_init(&l.finished, 0, 0);
	/* signals (fuse_set_signal_handlers) go to this thread, not a worker */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	for (; n < nthreads; n++) {
		err = -pthread_create(&t[n], NULL, erf_worker, &l);
		if (err)
			break;
	}
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (n) {
		err = 0;
		/* until a worker stops (unmounted) or a signal ends the session */
		while (!fuse_session_exited(se))
			if (!sem_wait(&l.finished))
				break;
		/* the others may still wait in read(2): only there they cancel */
		for (unsigned int i = 0; i < n; i++)
			pthread_cancel(t[i]);
		for (unsigned int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		err = l.err;
	}
	sem_destroy(&l.finished);
	pthread_mutex_destroy(&l.lock);
	free(t);
	return err;
}
