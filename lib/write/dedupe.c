// SPDX-License-Identifier: MIT
/*
 * -E dedupe: a pcluster identical to one already in the image (the same
 * bytes, algorithm, decompressed length and form) is not written again;
 * the extent points at the earlier one.  Identical input cut the same way
 * compresses to identical pclusters, which is what identical files, and
 * files sharing their first segments, give.  Candidates are found by a
 * hash of the pcluster bytes and confirmed against the image itself, so
 * memory holds only the table.  A file's last extent may also be a
 * prefix of an earlier compressed extent's data (a truncated copy): it then
 * points at that pcluster as a partial reference, found by a hash of its
 * first bytes and confirmed by decoding the pcluster.  The writer does it
 * all, in pass 1's order: the image never depends on the number of workers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/decompress.h"
#include "erofs/xxhash.h"
#include "builder.h"

#define DD_BUCKETS	(1u << 16)
#define DD_NONE		UINT32_MAX

struct dd_ent {
	uint64_t pblk;
	uint32_t cblks, len;
	uint32_t hash;
	uint32_t next;		/* in its bucket */
	uint32_t pfx, pnext;	/* by prefix, compressed ones only */
	uint8_t alg;
	bool plain;
	bool by_pfx;
};

struct erofs_dedupe {
	struct dd_ent *ents;
	uint32_t n, cap;
	uint32_t *heads, *pheads;	/* by hash, by prefix */
	uint8_t *buf;		/* a pcluster read back */
	uint8_t *out, *src;	/* ... decoded, and the data it must match */
};

static uint32_t dd_hash(const struct z_erofs_extent *e, uint8_t alg,
			const uint8_t *pcl, uint32_t blkszbits)
{
	return erofs_xxh32(pcl, (size_t)e->cblks << blkszbits,
			   e->len ^ (uint32_t)alg << 24 ^ (uint32_t)e->plain << 31);
}

int erofs_dedupe_find(struct erofs_builder *b, const struct z_erofs_extent *e,
		      uint8_t alg, const uint8_t *pcl, uint64_t *pblk)
{
	struct erofs_dedupe *d = b->dedupe;
	const uint32_t hash = dd_hash(e, alg, pcl, b->opts->blkszbits);
	const size_t bytes = (size_t)e->cblks << b->opts->blkszbits;

	for (uint32_t i = d->heads[hash % DD_BUCKETS]; i != DD_NONE;
	     i = d->ents[i].next) {
		const struct dd_ent *c = &d->ents[i];
		int err;

		if (c->hash != hash || c->cblks != e->cblks || c->len != e->len ||
		    c->alg != alg || c->plain != e->plain)
			continue;
		err = erofs_bman_read_data(&b->bm, erofs_build_pos(b, c->pblk),
					   d->buf, bytes);
		if (err)
			return err;
		if (!memcmp(d->buf, pcl, bytes)) {
			*pblk = c->pblk;
			return 1;
		}
	}
	return 0;
}

int erofs_dedupe_insert(struct erofs_builder *b, const struct z_erofs_extent *e,
			uint8_t alg, const uint8_t *pcl)
{
	struct erofs_dedupe *d = b->dedupe;
	const uint32_t hash = dd_hash(e, alg, pcl, b->opts->blkszbits);
	struct dd_ent *c;

	if (d->n == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 4096;

		c = cap > d->cap ? realloc(d->ents, (size_t)cap * sizeof(*c)) : NULL;
		if (!c)
			return -ENOMEM;
		d->ents = c;
		d->cap = cap;
	}
	c = &d->ents[d->n];
	*c = (struct dd_ent){ .pblk = e->pblk, .cblks = e->cblks, .len = e->len,
			      .hash = hash, .alg = alg, .plain = e->plain,
			      .next = d->heads[hash % DD_BUCKETS] };
	d->heads[hash % DD_BUCKETS] = d->n;
	if (!e->plain && !e->partial && e->len >= Z_EROFS_DEDUPE_PFX) {
		c->by_pfx = true;
		c->pfx = e->pfx;
		c->pnext = d->pheads[e->pfx % DD_BUCKETS];
		d->pheads[e->pfx % DD_BUCKETS] = d->n;
	}
	d->n++;
	return 0;
}

/* Whether @len bytes of the file of @zfl from @la are @want. */
static int src_same(struct erofs_dedupe *d, const struct erofs_zfile *zfl,
		    uint64_t la, uint32_t len, const uint8_t *want)
{
	int err = erofs_fd_pread_all(zfl->fd, d->src, len,
				     zfl->node->src.offset + la);

	if (err)	/* a source that got shorter has changed */
		return err == -ENODATA ? -ESTALE : err;
	return !memcmp(d->src, want, len);
}

/* At most this many candidates are decoded for one extent. */
#define DD_PFX_TRIES	2

int erofs_dedupe_find_prefix(struct erofs_builder *b,
			     const struct erofs_zfile *zfl,
			     const struct z_erofs_extent *e, uint8_t alg,
			     struct z_erofs_extent *to)
{
	struct erofs_dedupe *d = b->dedupe;
	const unsigned int bits = b->opts->blkszbits;
	/* a big pcluster's size sits in the lcluster after the head */
	const bool two = (e->la & ((1u << bits) - 1)) + e->len > (1u << bits);
	unsigned int tries = 0;

	if (e->len < Z_EROFS_DEDUPE_PFX)
		return 0;
	for (uint32_t i = d->pheads[e->pfx % DD_BUCKETS];
	     i != DD_NONE && tries < DD_PFX_TRIES; i = d->ents[i].pnext) {
		const struct dd_ent *c = &d->ents[i];
		struct z_erofs_decompress_req rq = {
			.in = d->buf, .inlen = c->cblks << bits, .out = d->out,
			.outlen = e->len, .zero_padding = true, .partial = true,
			.pad_limit = 1u << bits,
		};
		int err;

		if (c->pfx != e->pfx || c->alg != alg || c->len <= e->len ||
		    (c->cblks > 1 && (!zfl->zf.big || !two)))
			continue;
		tries++;
		err = erofs_bman_read_data(&b->bm, erofs_build_pos(b, c->pblk),
					   d->buf, rq.inlen);
		if (err)
			return err;
		/* a stream that does not decode is simply no match */
		if (z_erofs_decompress(&rq, alg))
			continue;
		err = src_same(d, zfl, e->la, e->len, d->out);
		if (err < 0)
			return err;
		if (err) {
			*to = *e;
			to->pblk = c->pblk;
			to->cblks = c->cblks;
			to->plain = false;
			to->partial = true;
			return 1;
		}
	}
	return 0;
}

uint32_t erofs_dedupe_mark(const struct erofs_builder *b)
{
	return b->dedupe ? b->dedupe->n : 0;
}

void erofs_dedupe_rewind(struct erofs_builder *b, uint32_t mark)
{
	struct erofs_dedupe *d = b->dedupe;

	/* the newest first: each is then the head of its bucket */
	while (d && d->n > mark) {
		const struct dd_ent *c = &d->ents[--d->n];

		d->heads[c->hash % DD_BUCKETS] = c->next;
		if (c->by_pfx)
			d->pheads[c->pfx % DD_BUCKETS] = c->pnext;
	}
}

int erofs_dedupe_init(struct erofs_builder *b)
{
	struct erofs_dedupe *d = calloc(1, sizeof(*d));

	b->dedupe = d;
	if (!d)
		return -ENOMEM;
	d->heads = malloc(DD_BUCKETS * sizeof(*d->heads));
	d->pheads = malloc(DD_BUCKETS * sizeof(*d->pheads));
	d->buf = malloc(Z_EROFS_PCLUSTER_MAX_SIZE);
	d->out = malloc(Z_EROFS_PCLUSTER_MAX_DSIZE);
	d->src = malloc(Z_EROFS_PCLUSTER_MAX_DSIZE);
	if (!d->heads || !d->pheads || !d->buf || !d->out || !d->src)
		return -ENOMEM;
	memset(d->heads, 0xff, DD_BUCKETS * sizeof(*d->heads));
	memset(d->pheads, 0xff, DD_BUCKETS * sizeof(*d->pheads));
	return 0;
}

void erofs_dedupe_exit(struct erofs_builder *b)
{
	struct erofs_dedupe *d = b->dedupe;

	if (!d)
		return;
	free(d->ents);
	free(d->heads);
	free(d->pheads);
	free(d->buf);
	free(d->out);
	free(d->src);
	free(d);
	b->dedupe = NULL;
}
