// SPDX-License-Identifier: MIT
/*
 * A pcluster cache shared by threads (erofsfuse's: the kernel hands the
 * consecutive ranges of a file to whichever thread is free).  A thread
 * claims the physical cluster and decodes it once for every reader: a
 * fixed number of slots under one lock, keyed by the io and the pcluster;
 * a thread that wants a pcluster another is decoding waits for it rather
 * than decode it too.  Decoding runs unlocked, into the slot, through the
 * calling thread's own cache (its bounce buffer and read-ahead window).
 * Readers copy the bytes out while they pin the slot, so a slot is only
 * reused once nobody reads it.  Memory is bounded by the byte budget:
 * an extent that does not fit in it, or a claim that finds every slot
 * pinned, is decoded through the thread's own cache instead.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/zdata.h"
#include "zdata_internal.h"

enum { Z_SLOT_EMPTY, Z_SLOT_BUSY, Z_SLOT_READY };

struct z_erofs_sslot {
	int state;
	unsigned int refs;		/* readers copying; the decoder while BUSY */
	const struct erofs_io *io;
	erofs_off_t pa, plen, llen;
	unsigned int alg;
	bool partial;
	uint8_t *buf;
	size_t cap;
	uint64_t used;			/* LRU clock */
};

struct z_erofs_shared {
	pthread_mutex_t lock;
	pthread_cond_t done;		/* a BUSY slot became READY or EMPTY */
	size_t budget, total;		/* bytes of slot buffers: at most, now */
	uint64_t tick;
	struct z_erofs_shared_stats stats;
	unsigned int nslots;
	struct z_erofs_sslot slot[];
};

struct z_erofs_shared *z_erofs_shared_new(unsigned int nslots, size_t budget)
{
	struct z_erofs_shared *sh;

	if (!nslots)
		return NULL;
	sh = calloc(1, sizeof(*sh) + nslots * sizeof(sh->slot[0]));
	if (!sh)
		return NULL;
	if (pthread_mutex_init(&sh->lock, NULL)) {
		free(sh);
		return NULL;
	}
	if (pthread_cond_init(&sh->done, NULL)) {
		pthread_mutex_destroy(&sh->lock);
		free(sh);
		return NULL;
	}
	sh->nslots = nslots;
	sh->budget = budget;
	return sh;
}

void z_erofs_shared_free(struct z_erofs_shared *sh)
{
	if (!sh)
		return;
	for (unsigned int i = 0; i < sh->nslots; i++)
		free(sh->slot[i].buf);
	pthread_cond_destroy(&sh->done);
	pthread_mutex_destroy(&sh->lock);
	free(sh);
}

void z_erofs_shared_get_stats(struct z_erofs_shared *sh,
			      struct z_erofs_shared_stats *st)
{
	pthread_mutex_lock(&sh->lock);
	*st = sh->stats;
	st->bytes = sh->total;
	pthread_mutex_unlock(&sh->lock);
}

/* Does slot @s (not EMPTY) hold, or will it hold, what @map needs? */
static bool z_sslot_serves(const struct z_erofs_sslot *s,
			   const struct erofs_io *io,
			   const struct erofs_map_blocks *map)
{
	if (s->io != io || s->pa != map->m_pa || s->plen != map->m_plen ||
	    s->alg != map->m_algorithmformat)
		return false;
	/* as zdata.c's: the exact length, or a prefix of what was decoded */
	if (!(map->m_flags & EROFS_MAP_PARTIAL_REF))
		return !s->partial && s->llen == map->m_llen;
	return s->llen >= map->m_llen;
}

/* Drop slot @s's buffer (unpinned, not BUSY); called locked. */
static void z_sslot_drop(struct z_erofs_shared *sh, struct z_erofs_sslot *s)
{
	sh->total -= s->cap;
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
	s->state = Z_SLOT_EMPTY;
}

/*
 * Make room for @need bytes in victim @v (locked): the budget counts
 * @need from now on, older unpinned slots' buffers given up for it.
 * false when even that does not fit.
 */
static bool z_sslot_room(struct z_erofs_shared *sh, struct z_erofs_sslot *v,
			 size_t need)
{
	if (v->cap >= need)
		return true;
	while (sh->total - v->cap + need > sh->budget) {
		struct z_erofs_sslot *old = NULL;

		for (unsigned int i = 0; i < sh->nslots; i++) {
			struct z_erofs_sslot *s = &sh->slot[i];

			if (s == v || s->refs || s->state == Z_SLOT_BUSY ||
			    !s->cap)
				continue;
			if (!old || s->used < old->used)
				old = s;
		}
		if (!old)
			return false;
		z_sslot_drop(sh, old);
	}
	return true;
}

/* Copy out of slot @s (pinned), then unpin it. */
static void z_sslot_copy(struct z_erofs_shared *sh, struct z_erofs_sslot *s,
			 void *dst, erofs_off_t off, size_t len)
{
	memcpy(dst, s->buf + off, len);
	pthread_mutex_lock(&sh->lock);
	s->refs--;
	pthread_mutex_unlock(&sh->lock);
}

/* Not through the shared slots: the thread's own cache. */
static int z_shared_private(struct erofs_inode *vi,
			    const struct erofs_map_blocks *map, void *dst,
			    erofs_off_t off, size_t len)
{
	const uint8_t *d;
	int err = 0;

	d = z_erofs_claim(vi, map, &err);
	if (!d)
		return err;
	memcpy(dst, d + off, len);
	return 0;
}

int z_erofs_shared_read(struct z_erofs_shared *sh, struct erofs_inode *vi,
			const struct erofs_map_blocks *map, void *dst,
			erofs_off_t off, size_t len)
{
	const struct erofs_io *io = z_pcluster_io(vi, map);
	struct z_erofs_sslot *s, *victim;
	size_t need, grow;
	int err = 0;

	if (off > map->m_llen || len > map->m_llen - off)
		return -EINVAL;
	if (!z_plausible(vi, map, &err))
		return err;
	need = z_erofs_decode_room(map);
	pthread_mutex_lock(&sh->lock);
	if (need > sh->budget)
		goto private;
again:
	victim = NULL;
	for (unsigned int i = 0; i < sh->nslots; i++) {
		s = &sh->slot[i];
		if (s->state != Z_SLOT_EMPTY && z_sslot_serves(s, io, map)) {
			if (s->state == Z_SLOT_BUSY) {
				/* someone decodes it: wait, then look again */
				sh->stats.waits++;
				pthread_cond_wait(&sh->done, &sh->lock);
				goto again;
			}
			s->refs++;
			s->used = ++sh->tick;
			sh->stats.hits++;
			pthread_mutex_unlock(&sh->lock);
			z_sslot_copy(sh, s, dst, off, len);
			return 0;
		}
		if (s->refs || s->state == Z_SLOT_BUSY)
			continue;
		if (!victim || (victim->state != Z_SLOT_EMPTY &&
				(s->state == Z_SLOT_EMPTY || s->used < victim->used)))
			victim = s;
	}
	if (!victim || !z_sslot_room(sh, victim, need)) {
private:
		sh->stats.private++;
		pthread_mutex_unlock(&sh->lock);
		return z_shared_private(vi, map, dst, off, len);
	}
	/*
	 * Claimed: BUSY and pinned by us, the key set for others to wait on.
	 * The budget counts the buffer at its new size from now on.
	 */
	grow = victim->cap < need ? need : 0;
	if (grow)
		sh->total += grow - victim->cap;
	victim->state = Z_SLOT_BUSY;
	victim->refs = 1;
	victim->io = io;
	victim->pa = map->m_pa;
	victim->plen = map->m_plen;
	victim->llen = map->m_llen;
	victim->alg = map->m_algorithmformat;
	victim->partial = map->m_flags & EROFS_MAP_PARTIAL_REF;
	victim->used = ++sh->tick;
	sh->stats.decoded++;
	pthread_mutex_unlock(&sh->lock);

	/* the slot is ours alone while BUSY: grow it and decode unlocked */
	s = victim;
	if (grow) {
		uint8_t *n = realloc(s->buf, grow);

		if (n) {
			s->buf = n;
			s->cap = grow;
			grow = 0;
		} else {
			err = -ENOMEM;
		}
	}
	if (!err)
		err = z_erofs_decode_into(NULL, vi, map, s->buf, s->cap);

	pthread_mutex_lock(&sh->lock);
	if (err) {
		if (grow)	/* the buffer stayed as it was */
			sh->total -= grow - s->cap;
		s->state = Z_SLOT_EMPTY;
		s->refs = 0;
	} else {
		s->state = Z_SLOT_READY;
	}
	pthread_cond_broadcast(&sh->done);
	pthread_mutex_unlock(&sh->lock);
	if (err)
		return err;
	z_sslot_copy(sh, s, dst, off, len);
	return 0;
}
