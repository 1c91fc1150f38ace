// SPDX-License-Identifier: MIT
/*
 * Decoded pclusters.  The iterator (iter.c) hands over a whole encoded
 * extent as mapped, and claims its pcluster from a small cache keyed by
 * physical address: a pcluster is read and decoded once and serves every
 * read that falls in it -- or, for a reader that takes each pcluster once,
 * is decoded straight into that reader's buffer.  Decoding happens in
 * place when the algorithm's safety margin allows (the compressed bytes
 * sit at the tail of the output buffer), otherwise through a bounce
 * buffer.
 */
#include <stdlib.h>
#include <string.h>
#include "erofs_fs.h"
#include "erofs/data.h"
#include "erofs/decompress.h"
#include "erofs/print.h"
#include "erofs/zdata.h"
#include "zdata_internal.h"

#define Z_EROFS_PCACHE_SLOTS	8
/* read-ahead window for pclusters read one after another */
#define Z_EROFS_RA_BYTES	(256 * 1024)

struct z_erofs_pslot {
	bool valid;
	const struct erofs_io *io;	/* the image, or the metabox (inline pclusters) */
	erofs_off_t pa;
	erofs_off_t plen, llen;
	unsigned int alg;
	bool partial;
	uint8_t *buf;
	size_t cap;
	uint64_t used;		/* LRU clock */
};

struct z_erofs_pcache {
	struct z_erofs_pslot slot[Z_EROFS_PCACHE_SLOTS];
	uint8_t *bounce;
	size_t bounce_cap;
	uint64_t tick;
	/*
	 * Image bytes [ra_pa, ra_pa + ra_len) as read ahead, and where the
	 * last pcluster read ended: a read starting there is sequential.
	 */
	uint8_t *ra;
	erofs_off_t ra_pa, ra_len, next_pa;
	erofs_off_t ra_size;	/* next window: doubles while reads stay sequential */
	struct z_erofs_stats stats;
};

/* What a NULL cache means on this thread instead of the image's, if set. */
static __thread struct z_erofs_pcache *z_bound;

struct z_erofs_pcache *z_erofs_pcache_new(void)
{
	return calloc(1, sizeof(struct z_erofs_pcache));
}

void z_erofs_pcache_bind(struct z_erofs_pcache *pc)
{
	z_bound = pc;
}

static struct z_erofs_pcache *z_erofs_pcache(struct erofs_sb_info *sbi)
{
	if (z_bound)
		return z_bound;
	if (!sbi->zcache)
		sbi->zcache = z_erofs_pcache_new();
	return sbi->zcache;
}

static void pcache_destroy(struct z_erofs_pcache *pc)
{
	for (unsigned int i = 0; i < Z_EROFS_PCACHE_SLOTS; i++)
		free(pc->slot[i].buf);
	free(pc->bounce);
	free(pc->ra);
	free(pc);
}

void z_erofs_pcache_merge_free(struct z_erofs_pcache *pc,
			       struct erofs_sb_info *sbi)
{
	struct z_erofs_pcache *own;

	if (!pc)
		return;
	if (z_bound == pc)
		z_bound = NULL;
	if (!sbi)
		goto out_destroy;
	if (!sbi->zcache)
		sbi->zcache = z_erofs_pcache_new();
	own = sbi->zcache;
	if (own) {
		own->stats.decoded += pc->stats.decoded;
		own->stats.decoded_bytes += pc->stats.decoded_bytes;
		own->stats.inplace += pc->stats.inplace;
		own->stats.hits += pc->stats.hits;
	}
out_destroy:
	pcache_destroy(pc);
}

void z_erofs_pcache_free(struct erofs_sb_info *sbi)
{
	if (sbi->zcache)
		pcache_destroy(sbi->zcache);
	sbi->zcache = NULL;
}

const struct z_erofs_stats *z_erofs_get_stats(struct erofs_sb_info *sbi)
{
	static const struct z_erofs_stats none;
	struct z_erofs_pcache *pc = sbi->zcache;

	return pc ? &pc->stats : &none;
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *n;

	if (*cap >= need)
		return 0;
	n = realloc(*buf, need);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*cap = need;
	return 0;
}

/*
 * Read pcluster bytes [@pa, @pa + @len).  A pcluster that starts where
 * the previous one ended is served from a window read ahead in one larger
 * read, so a long file's pclusters cost one syscall per window, not one
 * each.  The window starts small and doubles while reads stay sequential:
 * a short file never pulls in much of what follows it, a first or random
 * read takes only its own bytes.
 */
static int z_read(struct erofs_sb_info *sbi, struct z_erofs_pcache *pc,
		  uint8_t *dst, erofs_off_t len, erofs_off_t pa)
{
	const erofs_off_t end = erofs_sb_image_bytes(sbi);
	bool sequential = pa == pc->next_pa;

	pc->next_pa = pa + len;
	if (pa >= pc->ra_pa && len <= pc->ra_len &&
	    pa - pc->ra_pa <= pc->ra_len - len) {
		memcpy(dst, pc->ra + (pa - pc->ra_pa), len);
		return 0;
	}
	if (!sequential)
		pc->ra_size = 0;
	if (sequential && len < Z_EROFS_RA_BYTES && pa < end && len <= end - pa) {
		erofs_off_t want;

		pc->ra_size = EROFS_MIN(EROFS_MAX(pc->ra_size * 2, 4 * len),
					(erofs_off_t)Z_EROFS_RA_BYTES);
		want = EROFS_MIN(end - pa, EROFS_MAX(pc->ra_size, len));

		pc->ra_len = 0;
		if (!pc->ra)
			pc->ra = malloc(Z_EROFS_RA_BYTES);
		/* a failed window falls back to the exact read, which reports */
		if (pc->ra && !erofs_io_read(sbi->io, pc->ra, want, pa)) {
			pc->ra_pa = pa;
			pc->ra_len = want;
			memcpy(dst, pc->ra, len);
			return 0;
		}
	}
	return erofs_io_read(sbi->io, dst, len, pa);
}

const struct erofs_io *z_pcluster_io(const struct erofs_inode *vi,
				     const struct erofs_map_blocks *map)
{
	return (map->m_flags & EROFS_MAP_META) ? vi->mio : vi->sbi->io;
}

/* What the image's configuration record declares for @alg (0: nothing). */
static uint32_t z_window(const struct erofs_sb_info *sbi, unsigned int alg)
{
	switch (alg) {
	case Z_EROFS_COMPRESSION_LZMA:
		return sbi->lzma_dict_size;
	case Z_EROFS_COMPRESSION_DEFLATE:
		return sbi->deflate_windowbits ? 1u << sbi->deflate_windowbits : 0;
	case Z_EROFS_COMPRESSION_ZSTD:
		return sbi->zstd_window;
	}
	return 0;
}

/* Decode @map into @out (@cap bytes): in place when @cap leaves the margin. */
static int z_decode(struct erofs_inode *vi, const struct erofs_map_blocks *map,
		    struct z_erofs_pcache *pc, uint8_t *out, size_t cap)
{
	struct erofs_sb_info *sbi = vi->sbi;
	struct z_erofs_decompress_req rq = {
		.inlen = map->m_plen,
		.outlen = map->m_llen,
		.zero_padding = sbi->feature_incompat &
				EROFS_FEATURE_INCOMPAT_ZERO_PADDING,
		.partial = map->m_flags & EROFS_MAP_PARTIAL_REF,
		/* the kernel looks for the stream in the first block only */
		.pad_limit = sbi->blksz - (map->m_pa & (sbi->blksz - 1)),
		.window = z_window(sbi, map->m_algorithmformat),
	};
	uint32_t margin = z_erofs_inplace_margin(map->m_algorithmformat,
						 map->m_plen);
	/*
	 * In place only works when the stream ends at the buffer end, which
	 * zero padding guarantees; older images start it at the pcluster start.
	 * A partial reference decodes a prefix of a longer output: its input,
	 * placed against the end of that prefix, would be overwritten before
	 * it is read.
	 */
	bool inplace = rq.zero_padding && !rq.partial && margin != UINT32_MAX &&
		       map->m_plen <= map->m_llen + (uint64_t)margin &&
		       cap >= map->m_llen + (uint64_t)margin;
	uint8_t *in;
	int err;

	/* in place: output, then the pcluster ending exactly at the margin */
	if (!inplace && grow(&pc->bounce, &pc->bounce_cap, map->m_plen))
		return -ENOMEM;
	in = inplace ? out + map->m_llen + margin - map->m_plen : pc->bounce;
	/* an inline pcluster of an in-metabox inode lives in the metabox */
	if (z_pcluster_io(vi, map) != sbi->io)
		err = erofs_io_read(vi->mio, in, map->m_plen, map->m_pa);
	else
		err = z_read(sbi, pc, in, map->m_plen, map->m_pa);
	if (err) {
		erofs_err("nid %llu: cannot read pcluster at offset %llu: %s",
			  (unsigned long long)vi->nid,
			  (unsigned long long)map->m_pa, strerror(-err));
		return err;
	}
	rq.in = in;
	rq.out = out;
	err = z_erofs_decompress(&rq, map->m_algorithmformat);
	if (err == -EOPNOTSUPP)
		erofs_err("nid %llu: %s compression is not supported (pcluster at offset %llu)",
			  (unsigned long long)vi->nid,
			  z_erofs_algorithm_name(map->m_algorithmformat),
			  (unsigned long long)map->m_pa);
	else if (err)
		erofs_err("nid %llu: corrupt %s stream in pcluster at offset %llu for extent at %llu (%llu bytes)",
			  (unsigned long long)vi->nid,
			  z_erofs_algorithm_name(map->m_algorithmformat),
			  (unsigned long long)map->m_pa,
			  (unsigned long long)map->m_la,
			  (unsigned long long)map->m_llen);
	if (!err) {
		pc->stats.decoded++;
		pc->stats.decoded_bytes += map->m_llen;
		if (inplace)
			pc->stats.inplace++;
	}
	return err;
}

size_t z_erofs_decode_room(const struct erofs_map_blocks *map)
{
	uint32_t margin = z_erofs_inplace_margin(map->m_algorithmformat,
						 map->m_plen);

	/* a partial reference is never decoded in place (z_decode) */
	if (margin == UINT32_MAX || (map->m_flags & EROFS_MAP_PARTIAL_REF))
		margin = 0;
	return map->m_llen + margin;
}

/*
 * Whether an extent is one to decode at all, before anything is allocated
 * for it: its algorithm must be one the superblock lists (corruption
 * otherwise, as for the kernel), the pcluster and extent within what the
 * kernel decodes (1 MiB in, 12 MiB out: unsupported beyond, as there),
 * and the length within what the algorithm can expand the pcluster to
 * (LZ4 255:1, DEFLATE 1032:1; LZMA and ZSTD only the 12 MiB bound).
 */
bool z_plausible(struct erofs_inode *vi, const struct erofs_map_blocks *map,
		 int *errp)
{
	const unsigned int alg = map->m_algorithmformat;
	const char *name = z_erofs_algorithm_name(alg);
	uint64_t most;

	if (alg < Z_EROFS_COMPRESSION_MAX &&
	    !(vi->sbi->available_compr_algs & (1u << alg))) {
		erofs_err("nid %llu: extent at %llu is %s, which the superblock does not list (pcluster at offset %llu)",
			  (unsigned long long)vi->nid,
			  (unsigned long long)map->m_la, name,
			  (unsigned long long)map->m_pa);
		*errp = -EFSCORRUPTED;
		return false;
	}
	if (map->m_plen > Z_EROFS_PCLUSTER_MAX_SIZE ||
	    map->m_llen > Z_EROFS_PCLUSTER_MAX_DSIZE) {
		erofs_err("nid %llu: extent at %llu of %llu bytes from a %llu-byte pcluster at offset %llu: beyond the 12 MiB / 1 MiB the kernel decodes",
			  (unsigned long long)vi->nid,
			  (unsigned long long)map->m_la,
			  (unsigned long long)map->m_llen,
			  (unsigned long long)map->m_plen,
			  (unsigned long long)map->m_pa);
		*errp = -EOPNOTSUPP;
		return false;
	}
	most = z_erofs_max_output(alg, map->m_plen);
	/* the slack covers a stream's fixed costs on tiny pclusters */
	if (most == UINT64_MAX || map->m_llen <= most + (1u << 16))
		return true;
	erofs_err("nid %llu: extent at %llu claims %llu bytes from a %llu-byte %s pcluster at offset %llu",
		  (unsigned long long)vi->nid, (unsigned long long)map->m_la,
		  (unsigned long long)map->m_llen,
		  (unsigned long long)map->m_plen, name,
		  (unsigned long long)map->m_pa);
	*errp = -EFSCORRUPTED;
	return false;
}

int z_erofs_decode_into(struct z_erofs_pcache *pc, struct erofs_inode *vi,
			const struct erofs_map_blocks *map, void *dst,
			size_t cap)
{
	int err = 0;

	if (!pc)
		pc = z_erofs_pcache(vi->sbi);
	if (!pc)
		return -ENOMEM;
	if (!z_plausible(vi, map, &err))
		return err;
	if (cap < map->m_llen)
		return -EINVAL;
	return z_decode(vi, map, pc, dst, cap);
}

const uint8_t *z_erofs_claim(struct erofs_inode *vi,
			     const struct erofs_map_blocks *map, int *errp)
{
	return z_erofs_claim_in(NULL, vi, map, errp);
}

/*
 * Slot @s holds the same pcluster as @map: can it serve @map?  An extent
 * whose length must be the stream's whole output only from a slot decoded
 * with that length; a partial reference (a prefix: the extents of several
 * files may share one pcluster) from any slot that decoded that much.
 */
static bool z_slot_serves(const struct z_erofs_pslot *s,
			  const struct erofs_map_blocks *map)
{
	if (!(map->m_flags & EROFS_MAP_PARTIAL_REF))
		return !s->partial && s->llen == map->m_llen;
	return s->llen >= map->m_llen;
}

const uint8_t *z_erofs_claim_in(struct z_erofs_pcache *pc,
				struct erofs_inode *vi,
				const struct erofs_map_blocks *map, int *errp)
{
	struct z_erofs_pslot *s, *victim;
	int err;

	if (!pc)
		pc = z_erofs_pcache(vi->sbi);
	if (!pc) {
		*errp = -ENOMEM;
		return NULL;
	}
	if (!z_plausible(vi, map, errp))
		return NULL;
	victim = &pc->slot[0];
	for (unsigned int i = 0; i < Z_EROFS_PCACHE_SLOTS; i++) {
		s = &pc->slot[i];
		if (s->valid && s->pa == map->m_pa && s->plen == map->m_plen &&
		    s->io == z_pcluster_io(vi, map) &&
		    s->alg == map->m_algorithmformat &&
		    z_slot_serves(s, map)) {
			s->used = ++pc->tick;
			pc->stats.hits++;
			return s->buf;
		}
		if (!s->valid || s->used < victim->used)
			victim = s;
	}
	victim->valid = false;
	err = grow(&victim->buf, &victim->cap, z_erofs_decode_room(map)) ?:
	      z_decode(vi, map, pc, victim->buf, victim->cap);
	if (err) {
		*errp = err;
		return NULL;
	}
	victim->valid = true;
	victim->pa = map->m_pa;
	victim->io = z_pcluster_io(vi, map);
	victim->plen = map->m_plen;
	victim->llen = map->m_llen;
	victim->alg = map->m_algorithmformat;
	victim->partial = map->m_flags & EROFS_MAP_PARTIAL_REF;
	victim->used = ++pc->tick;
	return victim->buf;
}
