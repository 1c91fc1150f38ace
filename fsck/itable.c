// SPDX-License-Identifier: MIT
/*
 * The nid table: every inode the walk meets, once.  It is how fsck sees
 * hardlinks (count links), directory cycles (a directory met twice) and
 * the inode total.  It grows only with what the image really references.
 */
#include <stdlib.h>
#include "itable.h"

static size_t fsck_hash(erofs_nid_t nid, size_t cap)
{
	return (size_t)((nid * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static struct fsck_inode_rec *fsck_slot(struct fsck_inode_rec *slots,
					size_t cap, erofs_nid_t nid)
{
	size_t h = fsck_hash(nid, cap);

	while (slots[h].used && slots[h].nid != nid)
		h = (h + 1) & (cap - 1);
	return &slots[h];
}

static int fsck_itable_grow(struct fsck_itable *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024, i;
	struct fsck_inode_rec *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++)
		if (t->slots[i].used)
			*fsck_slot(n, ncap, t->slots[i].nid) = t->slots[i];
	free(t->slots);
	t->slots = n;
	t->cap = ncap;
	return 0;
}

struct fsck_inode_rec *fsck_itable_get(struct fsck_itable *t, erofs_nid_t nid,
				       bool *fresh)
{
	struct fsck_inode_rec *r;

	if ((t->count + 1) * 2 > t->cap && fsck_itable_grow(t))
		return NULL;
	r = fsck_slot(t->slots, t->cap, nid);
	*fresh = !r->used;
	if (!r->used) {
		r->used = true;
		r->nid = nid;
		t->count++;
	}
	return r;
}

struct fsck_inode_rec *fsck_itable_next(struct fsck_itable *t,
					struct fsck_itable_iter *it)
{
	while (it->i < t->cap) {
		struct fsck_inode_rec *r = &t->slots[it->i++];

		if (r->used)
			return r;
	}
	return NULL;
}

void fsck_itable_free(struct fsck_itable *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++) {
		free(t->slots[i].extract_path);
		free(t->slots[i].export_path);
		free(t->slots[i].first_path);
	}
	free(t->slots);
	t->slots = NULL;
	t->cap = t->count = 0;
}
