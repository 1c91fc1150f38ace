// SPDX-License-Identifier: MIT
/*
 * Identical files share their data (on unless -E ^dedupe-files): before
 * pass 1, regular files that could share a block are grouped by what
 * decides their layout (size, the bytes before their data in the inode
 * slot, compression parameters); the members of groups of two or more are
 * hashed (xxh64) on up to --workers threads, and each file whose hash
 * matches an earlier one's in data order (depth first, --data-order's
 * files first: erofs_data_node()) is compared with it byte by byte,
 * also on the workers.  A file found equal takes the first one's layout in
 * pass 1 instead of being read, compressed or written: the same blocks,
 * chunk map or compression indexes (so the same pclusters), only its
 * inline tail its own.  Every kernel reads such an image: nothing on disk
 * says two inodes share blocks.  The first copy is the first in data
 * order, the one pass 1 writes first, so the image does not depend on the
 * workers or on readdir, and a listed file's data is where the list put it.
 *
 * Memory: a 48-byte record per file that shares its size and layout with
 * another, while this runs; a pointer per node after.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/workpool.h"
#include "erofs/xxhash.h"
#include "builder.h"

/* Bytes read and hashed or compared at a time. */
#define EROFS_DEDUPE_PIECE	(1u << 20)

struct cand {
	struct erofs_node *node;
	uint64_t idx;		/* in data order */
	uint64_t size;
	uint64_t hash;
	uint32_t head;		/* inode and inline xattrs */
	uint32_t zkey;		/* compression: pcluster blocks, algorithm; 0: none */
	int err;		/* reading it failed: it shares nothing */
};

struct dedupe_ctx {
	const struct erofs_builder *b;
	struct cand *c;
	size_t *pairs;		/* followers to confirm: index into c[], and leader */
};

static int by_layout(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	if (a->head != b->head)
		return a->head < b->head ? -1 : 1;
	if (a->zkey != b->zkey)
		return a->zkey < b->zkey ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int by_hash(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->err != b->err)
		return a->err ? 1 : -1;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return by_layout(x, y);
}

static bool same_layout(const struct cand *a, const struct cand *b)
{
	return a->size == b->size && a->head == b->head && a->zkey == b->zkey;
}

static int open_src(const struct erofs_builder *b, const struct erofs_node *n)
{
	struct erofs_dircache dc = { 0 };

	/* by path: the thread has no directory of its own kept open */
	return erofs_src_open(b->tree, n, &dc);
}

static void hash_one(void *p, size_t i)
{
	struct dedupe_ctx *d = p;
	struct cand *c = &d->c[i];
	const struct erofs_node *n = c->node;
	size_t piece = EROFS_MIN(c->size, (uint64_t)EROFS_DEDUPE_PIECE);
	uint8_t *buf = malloc(piece);
	int fd = open_src(d->b, n);

	c->err = !buf ? -ENOMEM : fd < 0 ? fd : 0;
	/* pieces hashed in a chain: the same for every thread */
	for (uint64_t off = 0; off < c->size && !c->err; off += piece) {
		size_t len = EROFS_MIN(c->size - off, (uint64_t)piece);

		c->err = erofs_src_read(fd, n, d->b->opts->blkszbits + n->chunkbits,
					buf, off, len);
		c->hash = erofs_xxh64(buf, len, c->hash);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
}

static void confirm_one(void *p, size_t i)
{
	struct dedupe_ctx *d = p;
	struct cand *f = &d->c[d->pairs[2 * i]], *l = &d->c[d->pairs[2 * i + 1]];
	size_t piece = EROFS_MIN(f->size, (uint64_t)EROFS_DEDUPE_PIECE);
	uint8_t *buf = malloc(2 * piece);
	int fdf = open_src(d->b, f->node), fdl = open_src(d->b, l->node);
	int err = !buf ? -ENOMEM : fdf < 0 ? fdf : fdl < 0 ? fdl : 0;
	const unsigned int blkbits = d->b->opts->blkszbits;

	for (uint64_t off = 0; off < f->size && !err; off += piece) {
		size_t len = EROFS_MIN(f->size - off, (uint64_t)piece);

		err = erofs_src_read(fdf, f->node, blkbits + f->node->chunkbits,
				     buf, off, len) ?:
		      erofs_src_read(fdl, l->node, blkbits + l->node->chunkbits,
				     buf + piece, off, len);
		if (!err && memcmp(buf, buf + piece, len))
			err = 1;
	}
	/* only the writer sets dup_of: the pass below reads nothing else */
	f->err = err;
	if (fdf >= 0)
		close(fdf);
	if (fdl >= 0)
		close(fdl);
	free(buf);
}

/* What decides a file's compressed layout, beside its size and head. */
static uint32_t zkey(const struct erofs_builder *b, const struct erofs_node *n)
{
	struct z_erofs_params buf;
	const struct z_erofs_params *zp;

	if (!erofs_layout_compressible(b->opts, n))
		return 0;
	zp = erofs_layout_zparams(b->opts, b->tree, n, &buf);
	return zp->pclusterblks ? zp->pclusterblks << 8 | (zp->zcfg + 1) : 0;
}

int erofs_dedupe_files(struct erofs_builder *b)
{
	const struct erofs_tree *t = b->tree;
	struct dedupe_ctx d = { .b = b };
	size_t n = 0, k = 0, npairs = 0;
	unsigned int threads = b->opts->workers ? b->opts->workers : 1;

	if (!b->opts->dedupe_files)
		return 0;
	d.c = malloc(EROFS_MAX(t->nnodes, (uint64_t)1) * sizeof(*d.c));
	if (!d.c)
		return -ENOMEM;
	/* a file shorter than a block has no block to share */
	/* in the order pass 1 writes them: a first copy comes before its copies */
	for (uint64_t i = 0; i < t->nnodes; i++) {
		struct erofs_node *nd = erofs_data_node(b, i);

		if (!S_ISREG(nd->mode) || nd->size < b->blksz)
			continue;
		nd->extended = erofs_layout_extended(nd, b->opts);
		d.c[n++] = (struct cand){ .node = nd, .idx = i, .size = nd->size,
					  .head = erofs_node_head(nd),
					  .zkey = zkey(b, nd) };
	}
	qsort(d.c, n, sizeof(*d.c), by_layout);
	/* keep the groups of two or more */
	for (size_t i = 0; i < n; i++)
		if ((i && same_layout(&d.c[i - 1], &d.c[i])) ||
		    (i + 1 < n && same_layout(&d.c[i], &d.c[i + 1])))
			d.c[k++] = d.c[i];
	n = k;
	erofs_parallel_for(threads, n, hash_one, &d);
	qsort(d.c, n, sizeof(*d.c), by_hash);
	d.pairs = malloc(EROFS_MAX(n, (size_t)1) * 2 * sizeof(*d.pairs));
	if (!d.pairs) {
		free(d.c);
		return -ENOMEM;
	}
	/* in each run of equal hash and layout, the first in data order leads */
	for (size_t i = 0, lead = 0; i < n && !d.c[i].err; i++) {
		if (!i || d.c[i].hash != d.c[lead].hash ||
		    !same_layout(&d.c[i], &d.c[lead])) {
			lead = i;
			continue;
		}
		d.pairs[2 * npairs] = i;
		d.pairs[2 * npairs++ + 1] = lead;
	}
	erofs_parallel_for(threads, npairs, confirm_one, &d);
	for (size_t i = 0; i < npairs; i++) {
		struct cand *f = &d.c[d.pairs[2 * i]];

		if (!f->err)
			f->node->dup_of = d.c[d.pairs[2 * i + 1]].node;
	}
	free(d.pairs);
	free(d.c);
	return 0;
}

int erofs_dedupe_adopt(struct erofs_builder *b, struct erofs_node *n)
{
	const struct erofs_node *l = n->dup_of;

	n->datalayout = l->datalayout;
	n->blkaddr = l->blkaddr;
	n->zblocks = l->zblocks;
	n->inline_size = l->inline_size;
	n->chunkbits = l->chunkbits;
	n->chunk_indexes = l->chunk_indexes;
	n->body_len = l->body_len;
	if (l->body_len) {
		n->body = malloc(l->body_len);
		if (!n->body)
			return -ENOMEM;
		memcpy(n->body, l->body, l->body_len);
	}
	b->shared_bytes += n->size - n->inline_size;
	b->done_bytes += n->size - n->inline_size;
	return 0;
}
