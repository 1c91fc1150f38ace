// SPDX-License-Identifier: MIT
/*
 * -E dedupe: a pcluster identical to one already in the image (the same
 * bytes, algorithm, decompressed length and form) is not written again;
 * the extent points at the earlier one.  Identical input cut the same way
 * compresses to identical pclusters, which is what identical files, and
 * files sharing their first segments, give.  Candidates are found by a
 * hash of the pcluster bytes and confirmed against the image itself, so
 * memory holds only the table.  The writer does it all, in tree order:
 * the image never depends on the number of workers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/xxhash.h"
#include "builder.h"

#define DD_BUCKETS	(1u << 16)
#define DD_NONE		UINT32_MAX

struct dd_ent {
	uint64_t pblk;
	uint32_t cblks, len;
	uint32_t hash;
	uint32_t next;		/* in its bucket */
	uint8_t alg;
	bool plain;
};

struct erofs_dedupe {
	struct dd_ent *ents;
	uint32_t n, cap;
	uint32_t *heads;
	uint8_t *buf;		/* a pcluster read back */
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
	d->heads[hash % DD_BUCKETS] = d->n++;
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
	}
}

int erofs_dedupe_init(struct erofs_builder *b)
{
	struct erofs_dedupe *d = calloc(1, sizeof(*d));

	b->dedupe = d;
	if (!d)
		return -ENOMEM;
	d->heads = malloc(DD_BUCKETS * sizeof(*d->heads));
	d->buf = malloc(Z_EROFS_PCLUSTER_MAX_SIZE);
	if (!d->heads || !d->buf)
		return -ENOMEM;
	memset(d->heads, 0xff, DD_BUCKETS * sizeof(*d->heads));
	return 0;
}

void erofs_dedupe_exit(struct erofs_builder *b)
{
	struct erofs_dedupe *d = b->dedupe;

	if (!d)
		return;
	free(d->ents);
	free(d->heads);
	free(d->buf);
	free(d);
	b->dedupe = NULL;
}
