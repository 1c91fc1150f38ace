// SPDX-License-Identifier: MIT
/*
 * Image builder, in three passes over the nodes in tree order:
 *  1. data: every file's blocks go to the data area as it is read, and
 *     compression decides each file's final layout;
 *  2. placement: inode slots are packed into the metadata area after the
 *     data, which fixes every nid;
 *  3. metadata: inodes, indexes, inline tails and directories (which need
 *     their children's nids) are written.
 * Every source byte is read once: tails stored inline are read in pass 3.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "erofs_fs.h"
#include "erofs/build.h"
#include "erofs/cache.h"
#include "erofs/crc32c.h"
#include "erofs/dir_write.h"
#include "erofs/print.h"
#include "erofs/progress.h"
#include "erofs/workpool.h"

#define EROFS_COPY_BUF	(1u << 20)
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
 * Small data writes are gathered into runs of up to this many bytes:
 * fewer syscalls, and page cache folios filled whole instead of zeroed
 * around each block written.
 */
#define EROFS_GATHER_BYTES	(1u << 20)
#define EROFS_GATHER_MAX	(EROFS_GATHER_BYTES / 8)
/* Data written but not yet handed to writeback, at most. */
#define EROFS_WRITEBACK_BYTES	(16u << 20)

struct bufpool {
	pthread_mutex_t lock;
	void *free[EROFS_BUF_CLASSES];	/* each links on by its first word */
	size_t cached;			/* bytes on the free lists */
};

/*
 * The directory whose files a thread last opened: siblings follow each
 * other in tree order, and opening them by name in their directory saves
 * walking the whole path again for every one.
 */
struct dircache {
	const struct erofs_node *dir;
	int fd;			/* O_PATH, or -1 */
};

/* What one worker keeps from one job to the next. */
struct worker {
	struct erofs_compress zc;
	uint8_t *in;		/* a segment's input */
	struct bufpool *bufs;
	struct dircache dc;
};

struct builder {
	const struct erofs_build_opts *opts;
	struct erofs_tree *tree;
	struct erofs_bman bm;
	uint32_t blksz;
	uint32_t feature_incompat;
	uint8_t *copybuf;
	uint8_t *gather;	/* data bytes [gather_pos, + gather_len) unwritten */
	erofs_off_t gather_pos;
	size_t gather_len;
	struct erofs_workpool pool;
	struct worker *workers;
	struct bufpool bufs;
	struct dircache dc;
	unsigned int nworkers;
	bool compr_cfgs;	/* lz4 configuration record follows the sb */
	uint32_t max_pclusterblks;
	uint64_t xattr_blkaddr;	/* where the xattr area starts, if any */
	bool reported;		/* an error message naming its path was printed */
	bool write_failed;	/* the error came from writing the image */
	/* progress */
	uint64_t done_nodes, done_bytes;
	uint64_t inflight;	/* output buffer bytes of queued segments */
	unsigned int open_files, max_open_files;	/* held by queued jobs */
	erofs_off_t wb_start;	/* data from here on not yet sent to writeback */
	struct erofs_progress prog;
};

static uint32_t inode_size(const struct erofs_node *n)
{
	return n->extended ? sizeof(struct erofs_inode_extended)
			   : sizeof(struct erofs_inode_compact);
}

/* The inode and its inline xattrs: what comes before index, map or tail. */
static uint32_t meta_head(const struct erofs_node *n)
{
	return inode_size(n) + n->xattr_isize;
}

static bool needs_extended(const struct erofs_node *n,
			   const struct erofs_build_opts *o)
{
	return n->uid > UINT16_MAX || n->gid > UINT16_MAX ||
	       n->nlink > UINT16_MAX || n->size > UINT32_MAX ||
	       n->mtime != o->build_time || n->mtime_nsec != o->build_time_nsec;
}

static bool is_compressed(const struct erofs_node *n)
{
	return n->datalayout == EROFS_INODE_COMPRESSED_FULL ||
	       n->datalayout == EROFS_INODE_COMPRESSED_COMPACT;
}

/*
 * Files that could save a block by compression are tried; with
 * ztailpacking also smaller ones, whose pcluster may shrink their inline
 * data.
 */
static bool compressible(const struct builder *b, const struct erofs_node *n)
{
	return b->opts->compressor && S_ISREG(n->mode) && !n->src.holes &&
	       (n->size > b->blksz ||
		(b->opts->zp.ztailpacking && n->size > 2 * EROFS_ISLOT_SIZE));
}

static uint64_t chunk_count(const struct erofs_node *n, unsigned int blkszbits)
{
	return EROFS_DIV_ROUND_UP(n->size, 1ull << (blkszbits + n->chunkbits));
}

static bool chunk_is_hole(const struct erofs_node *n, uint64_t c)
{
	return n->src.holes[c >> 3] & (1 << (c & 7));
}

static erofs_off_t blk_pos(const struct builder *b, uint64_t blk)
{
	return blk << b->opts->blkszbits;
}

/* Flat layout: whole blocks in the data area, the tail inline if it fits. */
static void choose_flat(struct builder *b, struct erofs_node *n)
{
	uint32_t tail = n->size % b->blksz;

	n->datalayout = EROFS_INODE_FLAT_PLAIN;
	n->inline_size = 0;
	if (tail && meta_head(n) + tail <= b->blksz) {
		n->datalayout = EROFS_INODE_FLAT_INLINE;
		n->inline_size = tail;
	}
}

/*
 * When the image is synced at the end: start writeback of what was written
 * below @end, without waiting for it, once there is enough of it (or at
 * once, with @all), so that the sync finds most of the image on its way to
 * the disk instead of writing it all while the build has nothing else to
 * do.  Only a hint: errors show up in that sync.  (An image that is not
 * synced is left to the kernel: early writeback only slows the build.)
 */
static void start_writeback(struct builder *b, erofs_off_t end, bool all)
{
	int fd = b->bm.io->fd;

	if (!b->opts->writeback || fd < 0 || end <= b->wb_start ||
	    (!all && end < b->wb_start + EROFS_WRITEBACK_BYTES))
		return;
	sync_file_range(fd, b->bm.io->offset + b->wb_start, end - b->wb_start,
			SYNC_FILE_RANGE_WRITE);
	b->wb_start = end;
}

static int write_through(struct builder *b, erofs_off_t pos, const void *buf,
			 size_t len)
{
	int err = erofs_bman_write_data(&b->bm, pos, buf, len);

	if (err)
		b->write_failed = true;
	else
		start_writeback(b, pos + len, false);
	return err;
}

/* Write out the data gathered so far. */
static int flush_data(struct builder *b)
{
	size_t len = b->gather_len;

	b->gather_len = 0;
	return len ? write_through(b, b->gather_pos, b->gather, len) : 0;
}

/*
 * Write data bytes, gathering small writes that extend or overwrite what
 * is gathered.  Any other write flushes first, so the image ends up as
 * if every write had gone straight through, in order.
 */
static int write_data(struct builder *b, erofs_off_t pos, const void *buf,
		      size_t len)
{
	int err;

	if (b->gather_len && pos >= b->gather_pos &&
	    pos <= b->gather_pos + b->gather_len &&
	    pos - b->gather_pos + len <= EROFS_GATHER_BYTES) {
		size_t at = pos - b->gather_pos;

		memcpy(b->gather + at, buf, len);
		b->gather_len = EROFS_MAX(b->gather_len, at + len);
		return 0;
	}
	err = flush_data(b);
	if (err)
		return err;
	if (len > EROFS_GATHER_MAX)
		return write_through(b, pos, buf, len);
	memcpy(b->gather, buf, len);
	b->gather_pos = pos;
	b->gather_len = len;
	return 0;
}

/*
 * Zero the rest of the block after a file's last data byte, so that no
 * stale bytes (say, of a compression attempt given up) stay in the image.
 */
static int pad_block(struct builder *b, erofs_off_t end)
{
	static const uint8_t zeros[1u << EROFS_MAX_BLKSZBITS];
	uint32_t rem = end & (b->blksz - 1);

	return rem ? write_data(b, end, zeros, b->blksz - rem) : 0;
}

static void progress(struct builder *b, bool final)
{
	if (final)
		erofs_progress_end(&b->prog, b->done_bytes, b->done_nodes);
	else
		erofs_progress_update(&b->prog, b->done_bytes, b->done_nodes);
}

/* ---- pass 1: data ---- */

/* The class of a buffer of @cap bytes, or -1: plain malloc. */
static int buf_class(size_t cap)
{
	int bits = EROFS_BUF_MIN_BITS;

	while (bits < EROFS_BUF_MIN_BITS + EROFS_BUF_CLASSES &&
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

static int copy_chunks(struct builder *b, struct erofs_node *n, int fd)
{
	const uint64_t chunk = 1ull << (b->opts->blkszbits + n->chunkbits);
	const uint64_t nchunks = chunk_count(n, b->opts->blkszbits);
	uint32_t *map;
	int err = 0;

	n->body_len = nchunks * sizeof(uint32_t);
	n->body = malloc(n->body_len);
	if (!n->body)
		return -ENOMEM;
	map = (uint32_t *)n->body;
	for (uint64_t c = 0; c < nchunks && !err; c++) {
		uint64_t len = EROFS_MIN(chunk, n->size - c * chunk);
		uint64_t blk;

		if (chunk_is_hole(n, c)) {
			map[c] = erofs_cpu_to_le32(EROFS_NULL_ADDR);
			continue;
		}
		blk = erofs_bman_alloc_data(&b->bm, EROFS_DIV_ROUND_UP(len, b->blksz));
		map[c] = erofs_cpu_to_le32((uint32_t)blk);
		for (uint64_t off = 0; off < len && !err;) {
			size_t want = EROFS_MIN(len - off, EROFS_COPY_BUF);
			ssize_t got = pread(fd, b->copybuf, want,
					    n->src.offset + c * chunk + off);

			if (got < 0) {
				err = -errno;
			} else if ((size_t)got != want) {
				err = -ESTALE;
			} else {
				err = write_data(b, blk_pos(b, blk) + off,
						 b->copybuf, want);
				off += want;
				b->done_bytes += want;
			}
		}
		if (!err)
			err = pad_block(b, blk_pos(b, blk) + len);
		progress(b, false);
	}
	return err;
}

/* Copy the part of a flat file that lives in whole blocks. */
static int copy_blocks(struct builder *b, struct erofs_node *n, int fd)
{
	const uint64_t len = n->size - n->inline_size;
	uint64_t pos = 0;
	int err = 0;

	n->blkaddr = len ? erofs_bman_alloc_data(&b->bm,
					EROFS_DIV_ROUND_UP(len, b->blksz)) : 0;
	while (pos < len && !err) {
		size_t want = EROFS_MIN(len - pos, EROFS_COPY_BUF);
		ssize_t got = pread(fd, b->copybuf, want, n->src.offset + pos);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			return -ESTALE;
		err = write_data(b, blk_pos(b, n->blkaddr) + pos, b->copybuf, got);
		pos += got;
		b->done_bytes += got;
		progress(b, false);
	}
	if (!err && len)
		err = pad_block(b, blk_pos(b, n->blkaddr) + len);
	/* no tail read later: check here that the file did not grow */
	if (!err && !n->inline_size && !n->src.staged) {
		char probe;

		if (pread(fd, &probe, 1, n->size) > 0)
			err = -ESTALE;
	}
	return err;
}

/* The compression parameters of one file: --compress-hints may differ. */
static const struct z_erofs_params *file_params(const struct builder *b,
						const struct erofs_node *n,
						struct z_erofs_params *buf)
{
	const struct erofs_build_opts *o = b->opts;
	const struct z_erofs_params *p = &o->zp;
	char *rel;

	if (!o->nhints)
		return p;
	/* the path inside the image, whatever the source (a tarball too) */
	rel = erofs_node_relpath(b->tree->root, n);
	for (unsigned int i = 0; rel && i < o->nhints; i++) {
		if (regexec(&o->hints[i].re, rel, 0, NULL, 0))
			continue;
		*buf = o->zp;
		buf->pclusterblks = o->hints[i].pclusterblks;
		p = buf;
		break;
	}
	free(rel);
	return p;
}

/* Report an error reading @n's source (the image's own are reported later). */
static int source_error(struct builder *b, const struct erofs_node *n, int err)
{
	char *path;

	if (b->write_failed)
		return err;
	path = erofs_node_source_path(b->tree, n);
	if (err == -ESTALE)
		erofs_err("%s: file changed size during the build", path);
	else if (err == -ENOMEM || !path)
		erofs_err("out of memory");
	else
		erofs_err("%s: %s", path, strerror(-err));
	free(path);
	b->reported = true;
	return err;
}

static void dircache_drop(struct dircache *dc)
{
	if (dc->dir && dc->fd >= 0)
		close(dc->fd);
	dc->dir = NULL;
}

/* Open @n's bytes for reading: an fd, or -errno (not reported). */
static int open_node(const struct erofs_tree *t, const struct erofs_node *n,
		     struct dircache *dc)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
	char *path;
	int fd;

	if (!n->src.staged && t->srcdir && n->parent != n) {
		if (dc->dir != n->parent) {
			dircache_drop(dc);
			path = erofs_node_source_path(t, n->parent);
			if (!path)
				return -ENOMEM;
			dc->dir = n->parent;
			dc->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
			free(path);
		}
		if (dc->fd >= 0) {
			char name[EROFS_NAME_LEN + 1];

			memcpy(name, n->dname, n->dnamelen);
			name[n->dnamelen] = '\0';
			fd = openat(dc->fd, name, flags);
			return fd < 0 ? -errno : fd;
		}
		/* the directory cannot be opened: the whole path says why */
	}
	path = erofs_node_source_path(t, n);
	if (!path)
		return -ENOMEM;
	fd = open(path, flags);
	free(path);
	return fd < 0 ? -errno : fd;
}

/* Open @n's bytes for reading: an fd, or -errno (reported). */
static int open_source(struct builder *b, const struct erofs_node *n)
{
	int fd = open_node(b->tree, n, &b->dc);

	return fd < 0 ? source_error(b, n, fd) : fd;
}

/* Regular files stored without compression: flat or chunk by chunk. */
static int data_regular(struct builder *b, struct erofs_node *n, int fd)
{
	bool own = fd < 0;
	int err;

	if (n->src.holes) {
		n->datalayout = EROFS_INODE_CHUNK_BASED;
		b->feature_incompat |= EROFS_FEATURE_INCOMPAT_CHUNKED_FILE;
	} else {
		choose_flat(b, n);
		/* a file wholly inline is read when its inode is written */
		if (n->inline_size == n->size)
			return 0;
	}
	if (own) {
		fd = open_source(b, n);
		if (fd < 0)
			return fd;
	}
	if (n->datalayout == EROFS_INODE_CHUNK_BASED)
		err = copy_chunks(b, n, fd);
	else
		err = copy_blocks(b, n, fd);
	if (own)
		close(fd);
	return err ? source_error(b, n, err) : 0;
}

/* A file on its way through compression, one segment job at a time. */
struct zfile {
	struct erofs_node *node;
	int fd;
	struct z_erofs_params zp;
	uint32_t idx;		/* index bytes after the inode */
	uint32_t max_inline;
	uint64_t start;		/* first data block */
	struct z_erofs_file zf;
};

struct data_job {
	struct erofs_job job;
	struct erofs_node *node;	/* pass-1 work done in order, no worker */
	struct zfile *zfile;		/* or a segment of this file */
	uint64_t off;
	uint32_t len;
	bool last;
	size_t cap;			/* of seg.data */
	struct z_erofs_segment seg;
};

/* Worker side: read one segment and compress it. */
static void run_segment(struct erofs_job *job, void *wctx)
{
	struct data_job *dj = (struct data_job *)job;
	struct worker *w = wctx;
	struct zfile *zfl = dj->zfile;
	uint8_t *in = w->in, *data = NULL;
	uint32_t got = 0;
	char probe;
	int err = 0;

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
	/* a file that grew since the scan would lose its new bytes silently */
	if (!err && dj->last && !zfl->node->src.staged &&
	    pread(zfl->fd, &probe, 1, dj->off + dj->len) > 0)
		err = -ESTALE;
	if (!err) {
		data = buf_get(w->bufs, dj->cap);
		if (!data)
			err = -ENOMEM;
	}
	if (!err)
		z_erofs_compress_segment(&w->zc, &zfl->zp, in, dj->len, dj->off,
					 dj->last, zfl->max_inline, data, &dj->seg);
	else
		dj->seg.err = err;
}

/*
 * All segments are in: keep the compressed layout only when it saves a
 * block (or inline bytes at an equal block count), else store it flat.
 */
static int finish_zfile(struct builder *b, struct zfile *zfl)
{
	struct erofs_node *n = zfl->node;
	struct z_erofs_file *zf = &zfl->zf;
	uint64_t flat_blocks;
	bool keep;
	int err = 0;

	choose_flat(b, n);
	flat_blocks = EROFS_DIV_ROUND_UP(n->size - n->inline_size, b->blksz);
	/*
	 * Keep what costs fewer bytes in all, metadata included: a file whose
	 * flat tail would fill most of an inode's block may save no data
	 * block compressed and still shrink the image.
	 */
	keep = zf->cblocks * b->blksz + zfl->idx + zf->idata_len <
	       flat_blocks * b->blksz + n->inline_size;
	if (!keep) {
		b->bm.data_cursor = zfl->start;
		return data_regular(b, n, zfl->fd);
	}
	n->zblocks = zf->cblocks;
	n->inline_size = 0;
	n->datalayout = zfl->zp.legacy ? EROFS_INODE_COMPRESSED_FULL
				       : EROFS_INODE_COMPRESSED_COMPACT;
	n->body_len = zfl->idx + zf->idata_len;
	n->body = calloc(1, n->body_len);
	if (!n->body)
		return -ENOMEM;
	err = z_erofs_encode_index(&zfl->zp, zf, meta_head(n), n->size,
				   b->opts->compressor->alg, n->body);
	if (err)
		return err;
	b->feature_incompat |= EROFS_FEATURE_INCOMPAT_ZERO_PADDING;
	for (uint64_t i = 0; i < zf->n; i++)
		b->max_pclusterblks = EROFS_MAX(b->max_pclusterblks,
						zf->ext[i].cblks);
	if (zf->big)
		b->feature_incompat |= EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER;
	if (zf->idata_len)
		b->feature_incompat |= EROFS_FEATURE_INCOMPAT_ZTAILPACKING;
	return 0;
}

static int data_other(struct builder *b, struct erofs_node *n);

/* Writer side: take finished jobs in queue order and put them in the image. */
static int consume(struct builder *b, struct data_job *dj, int err)
{
	struct zfile *zfl = dj->zfile;

	if (!err && dj->node)
		err = S_ISREG(dj->node->mode) ? data_regular(b, dj->node, -1)
					      : data_other(b, dj->node);
	if (!err && zfl) {
		struct erofs_node *n = zfl->node;
		uint64_t blk = b->bm.data_cursor;

		err = dj->seg.err;
		if (!err && !dj->off) {
			zfl->start = blk;
			zfl->zf.big = zfl->zp.pclusterblks > 1;
		}
		if (!err && dj->seg.blocks)
			err = write_data(b, blk_pos(b, blk), dj->seg.data,
					 dj->seg.blocks << b->opts->blkszbits);
		if (!err) {
			erofs_bman_alloc_data(&b->bm, dj->seg.blocks);
			err = z_erofs_file_append(&zfl->zf, &dj->seg, blk);
			b->done_bytes += dj->len;
			progress(b, false);
		}
		if (!err && dj->last)
			err = finish_zfile(b, zfl);
		if (err)
			err = source_error(b, n, err);
	}
	if (zfl && dj->last) {
		close(zfl->fd);
		b->open_files--;
		z_erofs_file_free(&zfl->zf);
		free(zfl);
	}
	buf_put(&b->bufs, dj->seg.data, dj->cap);
	z_erofs_segment_free(&dj->seg);
	free(dj);
	return err;
}

static int take_oldest(struct builder *b, int err)
{
	struct data_job *done = (struct data_job *)erofs_workpool_pop(&b->pool);

	b->inflight -= done->cap;
	return consume(b, done, err);
}

/*
 * Queue a job; take finished ones back while the ring is full or the
 * output buffers of the segments queued would exceed the budget, which
 * bounds memory however large the files (or the pclusters) are.
 */
static int submit(struct builder *b, struct data_job *dj, int err)
{
	while (erofs_workpool_full(&b->pool) ||
	       (b->inflight && b->inflight + dj->cap > EROFS_INFLIGHT_BYTES))
		err = take_oldest(b, err);
	b->inflight += dj->cap;
	erofs_workpool_push(&b->pool, &dj->job);
	return err;
}

/* Queue a compressible file as segments for the workers. */
static int submit_zfile(struct builder *b, struct erofs_node *n, int err)
{
	struct zfile *zfl = calloc(1, sizeof(*zfl));
	uint64_t off = 0;

	if (!zfl)
		return -ENOMEM;
	zfl->node = n;
	zfl->zp = *file_params(b, n, &zfl->zp);
	/*
	 * slots are 32-byte aligned, so the index layout depends only on what
	 * precedes it in the slot: the inode and its inline xattrs
	 */
	zfl->idx = z_erofs_meta_size(&zfl->zp, meta_head(n), n->size);
	if (meta_head(n) + zfl->idx < b->blksz)
		zfl->max_inline = b->blksz - meta_head(n) - zfl->idx;
	/* a file's source stays open until its last segment is written */
	while (b->open_files >= b->max_open_files)
		err = take_oldest(b, err);
	zfl->fd = open_source(b, n);
	if (zfl->fd >= 0)
		b->open_files++;
	if (zfl->fd < 0) {
		err = zfl->fd;
		free(zfl);
		return err;
	}
	do {
		struct data_job *dj = calloc(1, sizeof(*dj));

		if (!dj) {
			if (!off) {
				close(zfl->fd);
				b->open_files--;
				free(zfl);
			}
			return -ENOMEM;	/* else the queued jobs still own zfl */
		}
		dj->job.run = run_segment;
		dj->zfile = zfl;
		dj->off = off;
		dj->len = EROFS_MIN(n->size - off, (uint64_t)Z_EROFS_SEGMENT_SIZE);
		/* what its output takes, a whole pcluster more than its input */
		dj->cap = z_erofs_segment_cap(&zfl->zp, dj->len);
		off += dj->len;
		dj->last = off == n->size;
		err = submit(b, dj, err);
	} while (off < n->size);
	return err;
}

/* Directories and symlinks: decide the layout, reserve or fill blocks. */
static int data_other(struct builder *b, struct erofs_node *n)
{
	uint64_t len;

	choose_flat(b, n);
	len = n->size - n->inline_size;
	if (!(S_ISDIR(n->mode) || S_ISLNK(n->mode)) || !len)
		return 0;
	n->blkaddr = erofs_bman_alloc_data(&b->bm, EROFS_DIV_ROUND_UP(len, b->blksz));
	if (S_ISDIR(n->mode))
		return 0;	/* filled in pass 3, once every nid is known */
	return write_data(b, blk_pos(b, n->blkaddr), n->link, len) ?:
	       pad_block(b, blk_pos(b, n->blkaddr) + len);
}

/* ---- pass 2: placement ---- */

static void place(struct builder *b, struct erofs_node *n)
{
	uint32_t size = meta_head(n) + n->body_len + n->inline_size;

	/* inline data may not cross a block boundary: the bman keeps it whole */
	n->meta_off = erofs_bman_alloc_meta(&b->bm, size);
	n->meta_size = size;
	n->nid = (n->meta_off - blk_pos(b, b->bm.meta_blkaddr)) >> EROFS_ISLOT_BITS;
	erofs_dbg("nid %llu: %u metadata bytes at %llu", (unsigned long long)n->nid,
		  size, (unsigned long long)n->meta_off);
}

/* ---- pass 3: metadata ---- */

static void encode_inode(const struct erofs_node *n, uint8_t *buf)
{
	uint16_t fmt = (n->extended ? EROFS_INODE_LAYOUT_EXTENDED
				    : EROFS_INODE_LAYOUT_COMPACT) |
		       (n->datalayout << EROFS_I_DATALAYOUT_BIT);
	/* 4-byte units: the 12-byte header counts as one */
	uint16_t icount = n->xattr_isize ?
		(n->xattr_isize - sizeof(struct erofs_xattr_ibody_header)) /
		sizeof(uint32_t) + 1 : 0;
	uint32_t iu;

	if (S_ISCHR(n->mode) || S_ISBLK(n->mode))
		iu = n->rdev;
	else if (is_compressed(n))
		iu = n->zblocks;
	else if (n->datalayout == EROFS_INODE_CHUNK_BASED)
		iu = n->chunkbits;	/* 4-byte block map, no INDEXES flag */
	else
		iu = n->blkaddr;

	if (n->extended) {
		struct erofs_inode_extended *di = (void *)buf;

		di->i_format = erofs_cpu_to_le16(fmt);
		di->i_xattr_icount = erofs_cpu_to_le16(icount);
		di->i_mode = erofs_cpu_to_le16(n->mode);
		di->i_size = erofs_cpu_to_le64(n->size);
		di->i_u = erofs_cpu_to_le32(iu);
		di->i_ino = erofs_cpu_to_le32(n->ino);
		di->i_uid = erofs_cpu_to_le32(n->uid);
		di->i_gid = erofs_cpu_to_le32(n->gid);
		di->i_mtime = erofs_cpu_to_le64((uint64_t)n->mtime);
		di->i_mtime_nsec = erofs_cpu_to_le32(n->mtime_nsec);
		di->i_nlink = erofs_cpu_to_le32(n->nlink);
	} else {
		struct erofs_inode_compact *dc = (void *)buf;

		dc->i_format = erofs_cpu_to_le16(fmt);
		dc->i_xattr_icount = erofs_cpu_to_le16(icount);
		dc->i_mode = erofs_cpu_to_le16(n->mode);
		dc->i_nlink = erofs_cpu_to_le16(n->nlink);
		dc->i_size = erofs_cpu_to_le32(n->size);
		dc->i_u = erofs_cpu_to_le32(iu);
		dc->i_ino = erofs_cpu_to_le32(n->ino);
		dc->i_uid = erofs_cpu_to_le16(n->uid);
		dc->i_gid = erofs_cpu_to_le16(n->gid);
	}
}

static bool has_tail(const struct erofs_node *n)
{
	return S_ISREG(n->mode) && n->inline_size;
}

/*
 * Inline tails of regular files, read by a worker ahead of the writer:
 * pass 3 would otherwise open every small file in turn while the workers
 * sit idle.  A job reads the tails of a run of nodes in tree order, a few
 * dozen, so that waking threads costs little beside the reads.
 */
#define EROFS_TAIL_BATCH	32
#define EROFS_TAIL_BYTES	(64u << 10)
#define EROFS_TAIL_JOBS		8	/* queued ahead at most */

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

/* Worker side: read the tails, checking each file kept its size. */
static void run_tail(struct erofs_job *job, void *wctx)
{
	struct tail_job *tj = (struct tail_job *)job;
	struct dircache *dc = &((struct worker *)wctx)->dc;

	for (; tj->nread < tj->ntails; tj->nread++) {
		struct erofs_node *n = tj->nodes[tj->nread];
		const uint64_t from = n->size - n->inline_size;
		char probe;
		ssize_t got;
		int fd = open_node(tj->tree, n, dc);

		if (fd < 0) {
			tj->err = fd;
			return;
		}
		got = pread(fd, tj->data + tj->off[tj->nread], n->inline_size,
			    n->src.offset + from);
		if (got < 0)
			tj->err = -errno;
		else if ((uint64_t)got != n->inline_size ||
			 (!n->src.staged && pread(fd, &probe, 1, n->size) > 0))
			tj->err = -ESTALE;
		close(fd);
		if (tj->err)
			return;
	}
}

/* Queue tail reads for the nodes from *@ahead on, a few jobs ahead. */
static int queue_tails(struct builder *b, uint64_t *ahead, unsigned int *queued)
{
	const struct erofs_tree *t = b->tree;

	while (*ahead < t->nnodes && *queued < EROFS_TAIL_JOBS &&
	       !erofs_workpool_full(&b->pool)) {
		struct erofs_node *batch[EROFS_TAIL_BATCH];
		unsigned int k = 0;
		uint32_t bytes = 0;
		struct tail_job *tj;

		while (*ahead < t->nnodes && k < EROFS_TAIL_BATCH) {
			struct erofs_node *n = t->nodes[*ahead];

			if (has_tail(n)) {
				if (k && bytes + n->inline_size > EROFS_TAIL_BYTES)
					break;
				batch[k++] = n;
				bytes += n->inline_size;
			}
			++*ahead;
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
		erofs_workpool_push(&b->pool, &tj->job);
		++*queued;
	}
	return 0;
}

static int write_dir(struct builder *b, struct erofs_node *n, uint8_t *tail)
{
	struct erofs_dir_wentry *ents = erofs_dir_entries(n);
	uint8_t *buf = calloc(1, EROFS_ROUND_UP(n->size, b->blksz));
	uint64_t len = n->size - n->inline_size;
	int err = 0;

	if (!ents || !buf) {
		err = -ENOMEM;
	} else {
		erofs_dir_fill(ents, n->nchildren + 2, b->opts->blkszbits, buf);
		if (len)
			err = write_data(b, blk_pos(b, n->blkaddr), buf,
					 EROFS_ROUND_UP(len, b->blksz));
		memcpy(tail, buf + len, n->inline_size);
	}
	free(ents);
	free(buf);
	return err;
}

static int write_meta(struct builder *b, struct erofs_node *n, uint8_t *meta,
		      struct tail_job *tj)
{
	const uint32_t head = meta_head(n);
	uint8_t *tail = meta + head + n->body_len;
	int err = 0;

	memset(meta, 0, n->meta_size);
	encode_inode(n, meta);
	if (n->xattr_isize)
		memcpy(meta + inode_size(n), n->xattr_body, n->xattr_isize);
	if (n->body_len)
		memcpy(meta + head, n->body, n->body_len);
	if (S_ISDIR(n->mode))
		err = write_dir(b, n, tail);
	else if (S_ISLNK(n->mode))
		memcpy(tail, n->link + (n->size - n->inline_size), n->inline_size);
	else if (has_tail(n) && tj->taken == tj->nread)
		err = source_error(b, n, tj->err);
	else if (has_tail(n))
		memcpy(tail, tj->data + tj->off[tj->taken++], n->inline_size);
	if (err)
		return err;
	if (has_tail(n))
		b->done_bytes += n->inline_size;
	return erofs_bman_write_meta(&b->bm, n->meta_off, meta, n->meta_size);
}

static int write_super(struct builder *b)
{
	const struct erofs_build_opts *o = b->opts;
	uint32_t len = b->blksz > EROFS_SUPER_OFFSET ?
		       b->blksz - EROFS_SUPER_OFFSET : b->blksz;
	uint8_t *blk = calloc(1, len);
	struct erofs_super_block *sb = (void *)blk;
	uint32_t wlen = EROFS_SB_BASE_SIZE;
	const struct erofs_xattr_area *xa = o->xattrs;
	int err;

	if (!blk)
		return -ENOMEM;
	/* sb_extslots is 0: only the 128-byte base (and the cfgs) are ours */
	sb->magic = erofs_cpu_to_le32(EROFS_SUPER_MAGIC_V1);
	sb->feature_compat = erofs_cpu_to_le32(EROFS_FEATURE_COMPAT_SB_CHKSUM);
	sb->blkszbits = o->blkszbits;
	sb->rootnid_2b = erofs_cpu_to_le16(b->tree->root->nid);
	sb->inos = erofs_cpu_to_le64(b->tree->nnodes);
	sb->epoch = erofs_cpu_to_le64((uint64_t)o->build_time);
	sb->fixed_nsec = erofs_cpu_to_le32(o->build_time_nsec);
	sb->blocks_lo = erofs_cpu_to_le32((uint32_t)erofs_bman_blocks(&b->bm));
	sb->meta_blkaddr = erofs_cpu_to_le32((uint32_t)b->bm.meta_blkaddr);
	if (xa && xa->len) {
		sb->xattr_blkaddr = erofs_cpu_to_le32(b->xattr_blkaddr);
		/* the long prefix table opens the xattr area (4-byte units) */
		if (xa->prefix_count) {
			sb->xattr_prefix_start = erofs_cpu_to_le32(
				blk_pos(b, b->xattr_blkaddr) >> 2);
			sb->xattr_prefix_count = xa->prefix_count;
			b->feature_incompat |= EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES;
		}
	}
	if (xa && xa->filter)
		sb->feature_compat |= erofs_cpu_to_le32(EROFS_FEATURE_COMPAT_XATTR_FILTER);
	memcpy(sb->uuid, o->uuid, sizeof(sb->uuid));
	memcpy(sb->volume_name, o->label, sizeof(sb->volume_name));
	if (b->feature_incompat & EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER) {
		/* a length-prefixed lz4 record right after the 128-byte sb */
		struct z_erofs_lz4_cfgs cfg = {
			.max_distance = erofs_cpu_to_le16(UINT16_MAX),
			.max_pclusterblks = erofs_cpu_to_le16(b->max_pclusterblks),
		};
		uint16_t cfglen = erofs_cpu_to_le16(sizeof(cfg));

		memcpy(blk + EROFS_SB_BASE_SIZE, &cfglen, sizeof(cfglen));
		memcpy(blk + EROFS_SB_BASE_SIZE + sizeof(cfglen), &cfg, sizeof(cfg));
		sb->u1 = erofs_cpu_to_le16(1u << Z_EROFS_COMPRESSION_LZ4);
		wlen += sizeof(cfglen) + sizeof(cfg);
	} else if (b->feature_incompat & EROFS_FEATURE_INCOMPAT_ZERO_PADDING) {
		sb->u1 = erofs_cpu_to_le16(UINT16_MAX);	/* lz4 window */
	}
	sb->feature_incompat = erofs_cpu_to_le32(b->feature_incompat);
	sb->checksum = erofs_cpu_to_le32(erofs_crc32c(~0u, blk, len));
	err = erofs_io_write(b->bm.io, blk, wlen, EROFS_SUPER_OFFSET);
	free(blk);
	return err;
}

/* The shared xattr area leads the data area: its blocks are fixed first. */
static int write_xattrs(struct builder *b)
{
	const struct erofs_xattr_area *xa = b->opts->xattrs;
	int err;

	if (!xa || !xa->len)
		return 0;
	b->xattr_blkaddr = erofs_bman_alloc_data(&b->bm,
				EROFS_DIV_ROUND_UP(xa->len, b->blksz));
	if (b->xattr_blkaddr > UINT32_MAX ||
	    blk_pos(b, b->xattr_blkaddr) >> 2 > UINT32_MAX)
		return -EFBIG;
	err = write_data(b, blk_pos(b, b->xattr_blkaddr), xa->buf, xa->len);
	return err ?: pad_block(b, blk_pos(b, b->xattr_blkaddr) + xa->len);
}

static int build(struct builder *b)
{
	struct erofs_tree *t = b->tree;
	uint32_t meta_max = 0;
	struct tail_job *tj = NULL;
	unsigned int queued = 0;
	uint8_t *meta;
	int err = write_xattrs(b);

	for (uint64_t i = 0; i < t->nnodes && !err; i++) {
		struct erofs_node *n = t->nodes[i];

		if (S_ISDIR(n->mode)) {
			struct erofs_dir_wentry *ents = erofs_dir_entries(n);

			if (!ents) {
				err = -ENOMEM;
				break;
			}
			n->size = erofs_dir_size(ents, n->nchildren + 2,
						 b->opts->blkszbits);
			free(ents);
		}
		n->extended = needs_extended(n, b->opts);
		if (compressible(b, n)) {
			err = submit_zfile(b, n, err);
		} else {
			struct data_job *dj = calloc(1, sizeof(*dj));

			if (!dj) {
				err = -ENOMEM;
				break;
			}
			dj->node = n;
			err = submit(b, dj, err);
		}
		b->done_nodes++;
	}
	/* drain: every queued job is taken back, in order, even after an error */
	for (struct erofs_job *job; (job = erofs_workpool_pop(&b->pool));)
		err = consume(b, (struct data_job *)job, err);
	if (!err)
		err = flush_data(b);
	if (err)
		return err;
	start_writeback(b, blk_pos(b, b->bm.data_cursor), true);

	erofs_bman_seal_data(&b->bm);
	for (uint64_t i = 0; i < t->nnodes; i++) {
		place(b, t->nodes[i]);
		meta_max = EROFS_MAX(meta_max, t->nodes[i]->meta_size);
	}
	if (t->root->nid > UINT16_MAX || erofs_bman_blocks(&b->bm) > UINT32_MAX) {
		erofs_err("%s: the image would need more than %u blocks",
			  b->opts->image_name, UINT32_MAX);
		b->reported = true;
		return -EFBIG;
	}
	meta = malloc(meta_max);
	if (!meta)
		return -ENOMEM;
	for (uint64_t i = 0, ahead = 0; i < t->nnodes && !err; i++) {
		err = queue_tails(b, &ahead, &queued);
		if (!err && has_tail(t->nodes[i]) &&
		    (!tj || tj->taken == tj->ntails)) {
			free(tj);
			tj = (struct tail_job *)erofs_workpool_pop(&b->pool);
			queued--;
		}
		if (!err)
			err = write_meta(b, t->nodes[i], meta, tj);
		/* the metadata goes out in order, all but the window */
		start_writeback(b, b->bm.win_start, false);
	}
	free(tj);
	/* tails read ahead of an error */
	for (struct erofs_job *job; (job = erofs_workpool_pop(&b->pool));)
		free(job);
	free(meta);
	if (!err)
		err = flush_data(b);
	if (!err)
		err = erofs_bman_flush(&b->bm);
	if (!err)
		err = b->bm.io->ops->truncate(b->bm.io,
				blk_pos(b, erofs_bman_blocks(&b->bm)));
	if (!err)
		err = write_super(b);
	return err;
}

int erofs_build_image(struct erofs_io *io, struct erofs_tree *tree,
		      const struct erofs_build_opts *opts,
		      struct erofs_build_stats *stats)
{
	struct builder b = { .opts = opts, .tree = tree,
			     .blksz = 1u << opts->blkszbits };
	erofs_off_t reserved = EROFS_SUPER_OFFSET + EROFS_SB_BASE_SIZE;
	bool started = false;
	struct rlimit rl;
	int err;

	/* big pclusters need the lz4 configuration record right after the sb */
	for (uint64_t i = 0; i < tree->nnodes && !b.compr_cfgs; i++) {
		struct z_erofs_params zpf;

		b.compr_cfgs = compressible(&b, tree->nodes[i]) &&
			       file_params(&b, tree->nodes[i], &zpf)->pclusterblks > 1;
	}
	if (b.compr_cfgs)
		reserved += sizeof(uint16_t) + sizeof(struct z_erofs_lz4_cfgs);
	err = erofs_bman_init(&b.bm, io, opts->blkszbits, reserved);
	if (err)
		return err;
	pthread_mutex_init(&b.bufs.lock, NULL);
	b.copybuf = malloc(EROFS_COPY_BUF);
	b.gather = malloc(EROFS_GATHER_BYTES);
	b.nworkers = opts->workers ? opts->workers : 1;
	b.max_open_files = EROFS_INFLIGHT_FILES;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur / 4 < b.max_open_files)
		b.max_open_files = EROFS_MAX(rl.rlim_cur / 4, (rlim_t)1);
	b.workers = calloc(b.nworkers, sizeof(*b.workers));
	if (!b.copybuf || !b.gather || !b.workers)
		err = -ENOMEM;
	for (unsigned int i = 0; !err && opts->compressor && i < b.nworkers; i++) {
		struct worker *w = &b.workers[i];

		w->bufs = &b.bufs;
		w->in = malloc(Z_EROFS_SEGMENT_SIZE);
		if (!w->in) {
			err = -ENOMEM;
			break;
		}
		err = erofs_compress_init(&w->zc, opts->compressor, opts->level);
		if (err) {
			erofs_err("cannot set up %s: %s", opts->compressor->name,
				  strerror(-err));
			b.reported = true;
		}
	}
	if (!err) {
		void *wctx[b.nworkers];

		for (unsigned int i = 0; i < b.nworkers; i++)
			wctx[i] = &b.workers[i];
		err = erofs_workpool_start(&b.pool, b.nworkers, EROFS_QUEUE_JOBS,
					   wctx);
		if (!err)
			started = true;
	}
	erofs_progress_init(&b.prog, opts->progress, "read", tree->data_bytes,
			    tree->nnodes);
	if (!err)
		err = build(&b);
	progress(&b, true);
	if (err == -ENOMEM && !b.reported)
		erofs_err("out of memory");
	else if (err && !b.reported)
		erofs_err("%s: %s", opts->image_name, strerror(-err));
	if (stats) {
		stats->inodes = tree->nnodes;
		stats->blocks = erofs_bman_blocks(&b.bm);
		stats->meta_blocks = stats->blocks - b.bm.meta_blkaddr;
		stats->data_bytes = b.done_bytes;
	}
	if (started)
		erofs_workpool_stop(&b.pool);
	for (unsigned int i = 0; b.workers && i < b.nworkers; i++) {
		erofs_compress_exit(&b.workers[i].zc);
		free(b.workers[i].in);
	}
	for (unsigned int i = 0; b.workers && i < b.nworkers; i++)
		dircache_drop(&b.workers[i].dc);
	free(b.workers);
	dircache_drop(&b.dc);
	bufpool_exit(&b.bufs);
	free(b.copybuf);
	free(b.gather);
	erofs_bman_exit(&b.bm);
	return err;
}
