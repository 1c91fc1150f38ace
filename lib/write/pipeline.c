// SPDX-License-Identifier: MIT
/*
 * The data pipeline: pass-1 work queued in data order on the workpool,
 * compressible files as segments the workers read and compress, taken back
 * by the writer in queue order (so the image never depends on the number
 * of workers); in pass 3, inline tails read by the workers ahead of it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "erofs/print.h"
#include "erofs/workpool.h"
#include "builder.h"

/*
 * Work queued ahead of the writer: jobs, the bytes of the segments' output
 * buffers (the input plus a pcluster; up to twice that once rounded to a
 * buffer class), and files held open (at most a quarter of the open-file
 * limit).  The ring is long because the writer waits for the oldest job:
 * behind a segment that takes long to compress, a run of small files must
 * not fill it and leave the other workers idle.
 */
#define EROFS_QUEUE_JOBS	1024
#define EROFS_INFLIGHT_BYTES	(32u << 20)
#define EROFS_INFLIGHT_FILES	EROFS_QUEUE_JOBS
/*
 * Segment output buffers of 64 KiB (2^16) up to 8 MiB, by powers of two,
 * are recycled (fresh pages fault and are zeroed); this many bytes of
 * them are kept free at most.
 */
#define EROFS_BUF_MIN_BITS	16
#define EROFS_BUF_CLASSES	8
#define EROFS_BUF_CACHED	(8u << 20)
/*
 * Inline tails of regular files, read by a worker ahead of the writer:
 * pass 3 would otherwise open every small file in turn while the workers
 * sit idle.  A job reads the tails of a run of nodes in tree order, a few
 * dozen, so that waking threads costs little beside the reads.
 */
#define EROFS_TAIL_BATCH	32
#define EROFS_TAIL_BYTES	(64u << 10)
#define EROFS_TAIL_JOBS		8	/* queued ahead at most */

struct bufpool {
	pthread_mutex_t lock;
	void *free[EROFS_BUF_CLASSES];	/* each links on by its first word */
	size_t cached;			/* bytes on the free lists */
};

/* What one worker keeps from one job to the next. */
struct worker {
	struct erofs_compress zc[EROFS_MAX_ZCFGS];	/* one per -z algorithm */
	uint8_t *in;		/* a segment's input */
	uint32_t inlen;		/* ... its room */
	struct bufpool *bufs;
	struct erofs_dircache dc;
};

struct data_job {
	struct erofs_job job;
	struct erofs_node *node;	/* pass-1 work done in order, no worker */
	struct erofs_zfile *zfile;	/* or a segment of this file */
	struct erofs_cfile *cfile;	/* or of this one: read and hashed */
	uint64_t *hash;			/* cfile: per unit */
	uint8_t *zero;
	uint64_t off;
	uint32_t len;
	bool last;
	size_t cap;			/* of seg.data */
	struct z_erofs_segment seg;
};

struct tail_job {
	struct erofs_job job;
	const struct erofs_tree *tree;
	unsigned int ntails, taken;
	int err;			/* of tail number nread, if set */
	unsigned int nread;		/* tails read, before any error */
	uint32_t off[EROFS_TAIL_BATCH];	/* where each is in data[] */
	struct erofs_node *nodes[EROFS_TAIL_BATCH];	/* each with a tail */
	uint8_t data[];
};

struct erofs_pipe {
	struct erofs_workpool pool;
	bool started;
	struct worker *workers;
	unsigned int nworkers;
	struct bufpool bufs;
	uint64_t jobs;		/* data jobs queued */
	uint64_t inflight;	/* output buffer bytes of queued segments */
	unsigned int open_files, max_open_files;	/* held by queued jobs */
	/* pass 3 */
	uint64_t tails_ahead;	/* nodes looked at for tails to queue */
	unsigned int tails_queued;
	struct tail_job *tj;	/* the batch being taken */
};

/* The class of a buffer of @cap bytes, or -1: plain malloc. */
static int buf_class(size_t cap)
{
	int bits = EROFS_BUF_MIN_BITS;

	/* the last class holds 2^(EROFS_BUF_MIN_BITS + EROFS_BUF_CLASSES - 1) */
	while (bits < EROFS_BUF_MIN_BITS + EROFS_BUF_CLASSES - 1 &&
	       ((size_t)1 << bits) < cap)
		bits++;
	if (cap < (1u << EROFS_BUF_MIN_BITS) / 2 || ((size_t)1 << bits) < cap)
		return -1;
	return bits - EROFS_BUF_MIN_BITS;
}

static void *buf_get(struct bufpool *bp, size_t cap)
{
	int k = buf_class(cap);
	void *buf = NULL;

	if (k < 0)
		return malloc(cap);
	pthread_mutex_lock(&bp->lock);
	if (bp->free[k]) {
		buf = bp->free[k];
		bp->free[k] = *(void **)buf;
		bp->cached -= (size_t)1 << (k + EROFS_BUF_MIN_BITS);
	}
	pthread_mutex_unlock(&bp->lock);
	return buf ? buf : malloc((size_t)1 << (k + EROFS_BUF_MIN_BITS));
}

static void buf_put(struct bufpool *bp, void *buf, size_t cap)
{
	int k = buf_class(cap);
	size_t size = (size_t)1 << (k + EROFS_BUF_MIN_BITS);

	if (buf && k >= 0) {
		pthread_mutex_lock(&bp->lock);
		if (bp->cached + size <= EROFS_BUF_CACHED) {
			*(void **)buf = bp->free[k];
			bp->free[k] = buf;
			bp->cached += size;
			buf = NULL;
		}
		pthread_mutex_unlock(&bp->lock);
	}
	free(buf);
}

static void bufpool_exit(struct bufpool *bp)
{
	for (int k = 0; k < EROFS_BUF_CLASSES; k++) {
		while (bp->free[k]) {
			void *buf = bp->free[k];

			bp->free[k] = *(void **)buf;
			free(buf);
		}
	}
	pthread_mutex_destroy(&bp->lock);
}

/* Worker side: read one segment and compress it. */
static void run_segment(struct erofs_job *job, void *wctx)
{
	struct data_job *dj = (struct data_job *)job;
	struct worker *w = wctx;
	struct erofs_zfile *zfl = dj->zfile;
	uint8_t *in, *data = NULL;
	uint32_t got = 0;
	int err = 0;

	/* a whole fragment is only read, straight into the output buffer */
	if (zfl->whole_frag) {
		data = buf_get(w->bufs, dj->cap);
		if (!data)
			err = -ENOMEM;
	} else if (dj->len > w->inlen) {
		/* segments of big pclusters are longer (z_erofs_segment_len) */
		free(w->in);
		w->inlen = 0;
		w->in = malloc(dj->len);
		if (!w->in)
			err = -ENOMEM;
		else
			w->inlen = dj->len;
	}
	in = zfl->whole_frag ? data : w->in;
	while (got < dj->len && !err) {
		ssize_t n = pread(zfl->fd, in + got, dj->len - got,
				  zfl->node->src.offset + dj->off + got);

		if (n < 0 && errno != EINTR)
			err = -errno;
		else if (n == 0)
			err = -ESTALE;	/* shorter than when it was scanned */
		else if (n > 0)
			got += n;
	}
	if (!err && dj->last && erofs_src_grew(zfl->fd, zfl->node))
		err = -ESTALE;
	if (!err && !data) {
		data = buf_get(w->bufs, dj->cap);
		if (!data)
			err = -ENOMEM;
	}
	if (!err && zfl->whole_frag) {
		dj->seg.data = data;
		dj->seg.la = dj->off;
	} else if (!err) {
		z_erofs_compress_segment(&w->zc[zfl->zp.zcfg], &zfl->zp, in, dj->len, dj->off,
					 dj->last, zfl->max_inline, data, &dj->seg);
	} else {
		if (data && !dj->seg.data)
			buf_put(w->bufs, data, dj->cap);
		dj->seg.err = err;
	}
}

/* Worker side: read one segment of a chunked file and hash its chunks. */
static void run_cseg(struct erofs_job *job, void *wctx)
{
	struct data_job *dj = (struct data_job *)job;
	struct worker *w = wctx;
	struct erofs_cfile *cf = dj->cfile;
	int err;

	dj->seg.data = buf_get(w->bufs, dj->cap);
	err = dj->seg.data ? erofs_src_read(cf->fd, cf->node, cf->holebits,
					    dj->seg.data, dj->off, dj->len)
			   : -ENOMEM;
	if (!err && dj->last && erofs_src_grew(cf->fd, cf->node))
		err = -ESTALE;
	if (!err)
		erofs_chunk_hash(cf, dj->seg.data, dj->len, dj->hash, dj->zero);
	dj->seg.err = err;
}

/* Writer side: a segment of a chunked file, the file settled after its last. */
static int consume_cseg(struct erofs_builder *b, struct data_job *dj, int err)
{
	struct erofs_cfile *cf = dj->cfile;

	if (!err)
		err = dj->seg.err;
	if (!err)
		err = erofs_chunk_put(b, cf, dj->off, dj->seg.data, dj->len,
				      dj->hash, dj->zero);
	b->done_bytes += dj->len;
	erofs_build_progress(b, false);
	if (!err && dj->last)
		err = erofs_chunk_finish(b, cf);
	if (!err && dj->last)
		err = erofs_layout_settled(b, cf->node);
	if (err && !b->reported)
		err = erofs_src_error(b, cf->node, err);
	if (dj->last) {
		close(cf->fd);
		b->pipe->open_files--;
		erofs_chunk_file_free(cf);
		free(cf);
	}
	free(dj->hash);
	return err;
}

/* Writer side: put a finished job in the image and free it. */
static int consume(struct erofs_builder *b, struct data_job *dj, int err)
{
	struct erofs_pipe *p = b->pipe;
	struct erofs_zfile *zfl = dj->zfile;

	if (!err && !dj->off)	/* a node's first job: its data starts */
		erofs_layout_begin(b, dj->node ? dj->node :
				   zfl ? zfl->node : dj->cfile->node);
	if (!err && dj->node)
		err = erofs_write_node_data(b, dj->node);
	if (!err && dj->node)
		err = erofs_layout_settled(b, dj->node);
	if (dj->cfile)
		err = consume_cseg(b, dj, err);
	if (!err && zfl)
		err = erofs_write_segment(b, zfl, &dj->seg, dj->off, dj->len,
					  dj->last);
	if (!err && zfl && dj->last)
		err = erofs_layout_settled(b, zfl->node);
	if (zfl && dj->last) {
		close(zfl->fd);
		p->open_files--;
		z_erofs_file_free(&zfl->zf);
		free(zfl);
	}
	buf_put(&p->bufs, dj->seg.data, dj->cap);
	z_erofs_segment_free(&dj->seg);
	free(dj);
	return err;
}

/* Wait for the oldest job (one must be queued) and consume it. */
static int take_oldest(struct erofs_builder *b, int err)
{
	struct erofs_pipe *p = b->pipe;
	struct data_job *done = (struct data_job *)erofs_workpool_pop(&p->pool);

	p->jobs--;
	p->inflight -= done->cap;
	return consume(b, done, err);
}

/*
 * Queue a job; take finished ones back while the ring is full or the
 * output buffers of the segments queued would exceed the budget, which
 * bounds memory however large the files (or the pclusters) are.
 */
static int submit(struct erofs_builder *b, struct data_job *dj, int err)
{
	struct erofs_pipe *p = b->pipe;

	/* long segments (big pclusters): one queued per worker and one more */
	const uint64_t budget = EROFS_MAX((uint64_t)EROFS_INFLIGHT_BYTES,
					  (uint64_t)(p->nworkers + 1) * dj->cap);

	while (erofs_workpool_full(&p->pool) ||
	       (p->inflight && p->inflight + dj->cap > budget))
		err = take_oldest(b, err);
	p->jobs++;
	p->inflight += dj->cap;
	erofs_workpool_push(&p->pool, &dj->job);
	return err;
}

/* Queue a compressible file as segments for the workers. */
static int submit_zfile(struct erofs_builder *b, struct erofs_node *n,
			const struct z_erofs_params *zp, int err)
{
	struct erofs_pipe *p = b->pipe;
	struct erofs_zfile *zfl = calloc(1, sizeof(*zfl));
	const uint32_t head = erofs_node_head(n);
	uint64_t off = 0;
	uint32_t inl, seglen;

	if (!zfl)
		return -ENOMEM;
	zfl->node = n;
	zfl->zp = *zp;
	/* the packed inode itself keeps no fragment */
	zfl->zp.fragments = b->opts->frags.on && n != b->packed;
	zfl->whole_frag = b->opts->frags.all && n != b->packed;
	zfl->zp.dedupe = b->opts->dedupe && n != b->packed;
	/*
	 * slots are 32-byte aligned, so the index layout depends only on what
	 * precedes it in the slot: the inode and its inline xattrs
	 */
	zfl->idx = inl = z_erofs_meta_size(&zfl->zp, head, n->size);
	if (b->opts->dedupe) {
		/* sharing a pcluster takes full indexes: the tail must fit them */
		struct z_erofs_params full = zfl->zp;

		full.legacy = true;
		inl = z_erofs_meta_size(&full, head, n->size);
	}
	if (head + inl < b->blksz)
		zfl->max_inline = b->blksz - head - inl;
	/* a file's source stays open until its last segment is written */
	while (p->open_files >= p->max_open_files)
		err = take_oldest(b, err);
	zfl->fd = erofs_src_open_reported(b, n);
	if (zfl->fd < 0) {
		err = zfl->fd;
		free(zfl);
		return err;
	}
	p->open_files++;
	/* a whole fragment is only copied: no need for long reads */
	seglen = zfl->whole_frag ? Z_EROFS_SEGMENT_SIZE : z_erofs_segment_len(&zfl->zp);
	do {
		struct data_job *dj = calloc(1, sizeof(*dj));

		if (!dj) {
			if (!off) {
				close(zfl->fd);
				p->open_files--;
				free(zfl);
			}
			return -ENOMEM;	/* else the queued jobs still own zfl */
		}
		dj->job.run = run_segment;
		dj->zfile = zfl;
		dj->off = off;
		dj->len = EROFS_MIN(n->size - off, (uint64_t)seglen);
		/* what its output takes, a whole pcluster more than its input */
		dj->cap = zfl->whole_frag ? dj->len :
			  z_erofs_segment_cap(&zfl->zp, dj->len);
		off += dj->len;
		dj->last = off == n->size;
		err = submit(b, dj, err);
	} while (off < n->size);
	return err;
}

/*
 * Queue an uncompressed file under --chunksize as segments the workers
 * read and hash (segments hold whole chunks, or are part of one).
 */
static int submit_cfile(struct erofs_builder *b, struct erofs_node *n, int err)
{
	struct erofs_pipe *p = b->pipe;
	struct erofs_cfile *cf = calloc(1, sizeof(*cf));
	uint64_t off = 0;

	if (!cf)
		return -ENOMEM;
	err = err ?: erofs_chunk_file_init(b, cf, n);
	if (err) {
		free(cf);
		return err;
	}
	cf->holebits = b->opts->blkszbits + n->chunkbits;
	while (p->open_files >= p->max_open_files)
		err = take_oldest(b, err);
	cf->fd = erofs_src_open_reported(b, n);
	if (cf->fd < 0) {
		err = cf->fd;
		erofs_chunk_file_free(cf);
		free(cf);
		return err;
	}
	p->open_files++;
	do {
		struct data_job *dj = calloc(1, sizeof(*dj));
		uint32_t units;

		if (dj) {
			dj->len = EROFS_MIN(n->size - off,
					    (uint64_t)Z_EROFS_SEGMENT_SIZE);
			units = erofs_chunk_units(cf, dj->len);
			dj->hash = malloc(units * (sizeof(*dj->hash) + 1));
		}
		if (!dj || !dj->hash) {
			free(dj);
			if (!off) {
				close(cf->fd);
				p->open_files--;
				erofs_chunk_file_free(cf);
				free(cf);
			}
			return -ENOMEM;	/* else the queued jobs still own cf */
		}
		dj->zero = (uint8_t *)(dj->hash + units);
		dj->job.run = run_cseg;
		dj->cfile = cf;
		dj->off = off;
		dj->cap = dj->len;
		off += dj->len;
		dj->last = off == n->size;
		err = submit(b, dj, err);
	} while (off < n->size);
	return err;
}

int erofs_pipe_packed(struct erofs_builder *b, const struct z_erofs_params *zp,
		      int err)
{
	return submit_zfile(b, b->packed, zp, err);
}

int erofs_pipe_node(struct erofs_builder *b, struct erofs_node *n, int err)
{
	struct data_job *dj;

	if (n->dup_of)
		goto in_order;
	if (erofs_layout_compressible(b->opts, n)) {
		struct z_erofs_params buf;
		const struct z_erofs_params *zp =
			erofs_layout_zparams(b->opts, b->tree, n, &buf);

		/* a --compress-hints size of 0 keeps the file uncompressed */
		if (zp->pclusterblks)
			return submit_zfile(b, n, zp, err);
	}
	if (b->opts->chunkbits && S_ISREG(n->mode) && n->size)
		return submit_cfile(b, n, err);
in_order:
	dj = calloc(1, sizeof(*dj));
	if (!dj)
		return -ENOMEM;
	dj->node = n;
	return submit(b, dj, err);
}

int erofs_pipe_drain(struct erofs_builder *b, int err)
{
	while (b->pipe->jobs)
		err = take_oldest(b, err);
	return err;
}

/* Worker side: read the tails, checking each file kept its size. */
static void run_tail(struct erofs_job *job, void *wctx)
{
	struct tail_job *tj = (struct tail_job *)job;
	struct erofs_dircache *dc = &((struct worker *)wctx)->dc;

	for (; tj->nread < tj->ntails; tj->nread++) {
		struct erofs_node *n = tj->nodes[tj->nread];
		const uint64_t from = n->size - n->inline_size;
		ssize_t got;
		int fd = erofs_src_open(tj->tree, n, dc);

		if (fd < 0) {
			tj->err = fd;
			return;
		}
		got = pread(fd, tj->data + tj->off[tj->nread], n->inline_size,
			    n->src.offset + from);
		if (got < 0)
			tj->err = -errno;
		else if ((uint64_t)got != n->inline_size || erofs_src_grew(fd, n))
			tj->err = -ESTALE;
		close(fd);
		if (tj->err)
			return;
	}
}

/* Queue tail reads for the nodes not looked at yet, a few jobs ahead. */
static int queue_tails(struct erofs_builder *b)
{
	struct erofs_pipe *p = b->pipe;
	const struct erofs_tree *t = b->tree;

	while (p->tails_ahead < t->nnodes && p->tails_queued < EROFS_TAIL_JOBS &&
	       !erofs_workpool_full(&p->pool)) {
		struct erofs_node *batch[EROFS_TAIL_BATCH];
		unsigned int k = 0;
		uint32_t bytes = 0;
		struct tail_job *tj;

		while (p->tails_ahead < t->nnodes && k < EROFS_TAIL_BATCH) {
			struct erofs_node *n = t->nodes[p->tails_ahead];

			if (erofs_node_has_tail(n)) {
				if (k && bytes + n->inline_size > EROFS_TAIL_BYTES)
					break;
				batch[k++] = n;
				bytes += n->inline_size;
			}
			p->tails_ahead++;
		}
		if (!k)
			break;
		tj = calloc(1, sizeof(*tj) + bytes);
		if (!tj)
			return -ENOMEM;
		tj->job.run = run_tail;
		tj->tree = t;
		tj->ntails = k;
		memcpy(tj->nodes, batch, k * sizeof(*batch));
		for (unsigned int i = 1; i < k; i++)
			tj->off[i] = tj->off[i - 1] + batch[i - 1]->inline_size;
		erofs_workpool_push(&p->pool, &tj->job);
		p->tails_queued++;
	}
	return 0;
}

/* Tails come in the order of the nodes, as they were queued. */
int erofs_pipe_tail(struct erofs_builder *b, uint64_t i, const uint8_t **tail)
{
	struct erofs_pipe *p = b->pipe;
	struct erofs_node *n = b->tree->nodes[i];
	int err = queue_tails(b);

	*tail = NULL;
	if (err || !erofs_node_has_tail(n))
		return err;
	if (!p->tj || p->tj->taken == p->tj->ntails) {
		free(p->tj);
		p->tj = (struct tail_job *)erofs_workpool_pop(&p->pool);
		p->tails_queued--;
	}
	if (p->tj->taken == p->tj->nread)
		return erofs_src_error(b, n, p->tj->err);
	*tail = p->tj->data + p->tj->off[p->tj->taken++];
	return 0;
}

void erofs_pipe_tails_end(struct erofs_builder *b)
{
	struct erofs_pipe *p = b->pipe;

	free(p->tj);
	p->tj = NULL;
	/* tails read ahead of an error */
	for (struct erofs_job *job; (job = erofs_workpool_pop(&p->pool));)
		free(job);
}

/* Each thread gets its worker as its context. */
static int start_pool(struct erofs_pipe *p)
{
	void *wctx[p->nworkers];

	for (unsigned int i = 0; i < p->nworkers; i++)
		wctx[i] = &p->workers[i];
	return erofs_workpool_start(&p->pool, p->nworkers, EROFS_QUEUE_JOBS,
				    wctx);
}

int erofs_pipe_start(struct erofs_builder *b)
{
	const struct erofs_build_opts *o = b->opts;
	struct erofs_pipe *p = calloc(1, sizeof(*p));
	struct rlimit rl;
	int err = 0;

	b->pipe = p;
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->bufs.lock, NULL);
	p->nworkers = o->workers ? o->workers : 1;
	p->max_open_files = EROFS_INFLIGHT_FILES;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur / 4 < p->max_open_files)
		p->max_open_files = EROFS_MAX(rl.rlim_cur / 4, (rlim_t)1);
	p->workers = calloc(p->nworkers, sizeof(*p->workers));
	if (!p->workers)
		return -ENOMEM;
	for (unsigned int i = 0; i < p->nworkers; i++)
		p->workers[i].bufs = &p->bufs;
	for (unsigned int i = 0; o->nzcfgs && i < p->nworkers; i++) {
		struct worker *w = &p->workers[i];

		w->in = malloc(Z_EROFS_SEGMENT_SIZE);
		if (!w->in)
			return -ENOMEM;
		w->inlen = Z_EROFS_SEGMENT_SIZE;
		for (unsigned int k = 0; k < o->nzcfgs; k++) {
			err = erofs_compress_init(&w->zc[k], &o->zcfgs[k]);
			if (err) {
				erofs_err("cannot set up %s: %s", o->zcfgs[k].alg->name,
					  strerror(-err));
				b->reported = true;
				return err;
			}
		}
	}
	err = start_pool(p);
	if (!err)
		p->started = true;
	return err;
}

void erofs_pipe_stop(struct erofs_builder *b)
{
	struct erofs_pipe *p = b->pipe;

	if (!p)
		return;
	if (p->started)
		erofs_workpool_stop(&p->pool);
	for (unsigned int i = 0; p->workers && i < p->nworkers; i++) {
		for (unsigned int k = 0; k < EROFS_MAX_ZCFGS; k++)
			erofs_compress_exit(&p->workers[i].zc[k]);
		free(p->workers[i].in);
		erofs_dircache_drop(&p->workers[i].dc);
	}
	free(p->workers);
	bufpool_exit(&p->bufs);
	free(p);
	b->pipe = NULL;
}
