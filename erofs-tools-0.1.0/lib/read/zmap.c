// SPDX-License-Identifier: MIT
/*
 * Compressed files: from a logical offset to the whole extent holding it,
 * through either per-lcluster index form (full 8-byte records, or the
 * compacted 2/4-byte packs).  Every index is decoded as untrusted: lookups
 * are bounded by the number of lclusters, and any contradiction between
 * records is reported with the nid and the offset of the record.
 */
#include <string.h>
#include "erofs_fs.h"
#include "erofs/data.h"
#include "erofs/print.h"

/* The first NONHEAD delta shares bit 11 with the CBLKCNT flag. */
#define Z_EROFS_LOBITS_MIN	12

/* One lcluster's index record, decoded. */
struct z_lcluster {
	unsigned int type;
	unsigned int clusterofs;	/* HEAD/PLAIN; 1 << lclusterbits for NONHEAD */
	uint32_t delta[2];		/* NONHEAD: back to head, on to next head */
	uint32_t compressedblks;	/* NONHEAD carrying CBLKCNT */
	uint64_t pblk;			/* HEAD/PLAIN */
	bool partialref;
	erofs_off_t pos;		/* where the record lives */
	erofs_off_t nextpackoff;	/* end of its record (or pack) */
};

static int z_corrupt(const struct erofs_inode *vi, erofs_off_t pos,
		     const char *why)
{
	erofs_err("nid %llu: %s (offset %llu)", (unsigned long long)vi->nid,
		  why, (unsigned long long)pos);
	return -EFSCORRUPTED;
}

static uint64_t z_totalidx(const struct erofs_inode *vi)
{
	/* not EROFS_DIV_ROUND_UP: an i_size near 2^64 would wrap to 0 */
	return (vi->size >> vi->z_lclusterbits) +
	       !!(vi->size & ((1ull << vi->z_lclusterbits) - 1));
}

static bool z_big(const struct erofs_inode *vi, unsigned int headtype)
{
	return headtype == Z_EROFS_LCLUSTER_TYPE_HEAD2 ?
	       vi->z_advise & Z_EROFS_ADVISE_BIG_PCLUSTER_2 :
	       vi->z_advise & Z_EROFS_ADVISE_BIG_PCLUSTER_1;
}

static int z_read(const struct erofs_inode *vi, void *buf, size_t len,
		  erofs_off_t pos)
{
	if (pos > vi->mend || len > vi->mend - pos)
		return z_corrupt(vi, pos, "compression index past the end of its metadata");
	return erofs_io_read(vi->mio, buf, len, pos);
}

static int z_load_full(const struct erofs_inode *vi, uint64_t lcn,
		       struct z_lcluster *lc)
{
	struct z_erofs_lcluster_index di;
	unsigned int advise;
	int err;

	lc->pos = EROFS_ROUND_UP(erofs_inode_idata_pos(vi), 8) +
		  sizeof(struct z_erofs_map_header) + 8 + lcn * sizeof(di);
	err = z_read(vi, &di, sizeof(di), lc->pos);
	if (err)
		return err;
	lc->nextpackoff = lc->pos + sizeof(di);
	advise = erofs_le16(di.di_advise);
	lc->type = advise & Z_EROFS_LI_LCLUSTER_TYPE_MASK;
	if (lc->type == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
		lc->clusterofs = 1u << vi->z_lclusterbits;
		lc->delta[0] = erofs_le16(di.di_u.delta[0]);
		lc->delta[1] = erofs_le16(di.di_u.delta[1]);
		if (lc->delta[0] & Z_EROFS_LI_D0_CBLKCNT) {
			if (!(vi->z_advise & (Z_EROFS_ADVISE_BIG_PCLUSTER_1 |
					      Z_EROFS_ADVISE_BIG_PCLUSTER_2)))
				return z_corrupt(vi, lc->pos, "block count in a file without big pclusters");
			lc->compressedblks = lc->delta[0] & ~Z_EROFS_LI_D0_CBLKCNT;
			lc->delta[0] = 1;
		}
		return 0;
	}
	lc->partialref = advise & Z_EROFS_LI_PARTIAL_REF;
	lc->clusterofs = erofs_le16(di.di_clusterofs);
	lc->pblk = erofs_le32(di.di_u.blkaddr);
	if (lc->clusterofs >= 1u << vi->z_lclusterbits)
		return z_corrupt(vi, lc->pos, "extent start beyond its lcluster");
	return 0;
}

/* One packed entry: @lobits of value, then 2 bits of type. */
static unsigned int z_unpack(const uint8_t *pack, unsigned int bitpos,
			     unsigned int lobits, unsigned int *type)
{
	uint32_t v = 0;

	/* an entry spans at most three bytes; the pack holds at least four */
	for (unsigned int b = 0; b < 3; b++)
		v |= (uint32_t)pack[bitpos / 8 + b] << (8 * b);
	v >>= bitpos & 7;
	*type = (v >> lobits) & 3;
	return v & ((1u << lobits) - 1);
}

static int z_load_compact(const struct erofs_inode *vi, uint64_t lcn,
			  bool lookahead, struct z_lcluster *lc)
{
	const unsigned int bits = vi->z_lclusterbits;
	const unsigned int lobits = EROFS_MAX(bits, Z_EROFS_LOBITS_MIN);
	const uint64_t totalidx = z_totalidx(vi);
	const erofs_off_t ebase = EROFS_ROUND_UP(erofs_inode_idata_pos(vi), 8) +
				  sizeof(struct z_erofs_map_header);
	const bool big = vi->z_advise & Z_EROFS_ADVISE_BIG_PCLUSTER_1;
	uint64_t init4 = ((32 - ebase % 32) / 4) & 7, n2b = 0;
	unsigned int shift = 2, vcnt, packsz, encodebits, type, lo;
	uint8_t pack[32 + 4];
	erofs_off_t pos = ebase, packbase;
	int i, err;

	if ((vi->z_advise & Z_EROFS_ADVISE_COMPACTED_2B) && init4 < totalidx)
		n2b = (totalidx - init4) / 16 * 16;
	if (lcn >= init4) {
		pos += init4 * 4;
		lcn -= init4;
		if (lcn < n2b) {
			shift = 1;
		} else {
			pos += n2b * 2;
			lcn -= n2b;
		}
	}
	pos += lcn << shift;
	vcnt = shift == 2 ? 2 : 16;
	if ((shift == 2 && bits > 14) || (shift == 1 && bits > 12))
		return z_corrupt(vi, pos, "lcluster too large for compacted indexes");
	packsz = vcnt << shift;
	packbase = pos / packsz * packsz;
	encodebits = (packsz - 4) * 8 / vcnt;
	memset(pack, 0, sizeof(pack));
	err = z_read(vi, pack, packsz, packbase);
	if (err)
		return err;
	lc->pos = pos;
	lc->nextpackoff = packbase + packsz;
	i = (pos - packbase) >> shift;
	lo = z_unpack(pack, encodebits * i, lobits, &type);
	lc->type = type;
	if (type == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
		lc->clusterofs = 1u << bits;
		if (lookahead) {
			/* NONHEADs to the end of the pack, then the last one's hint */
			unsigned int t = type, l = lo, d1 = 0;
			int j;

			for (j = i; j < (int)vcnt; j++) {
				l = z_unpack(pack, encodebits * j, lobits, &t);
				if (t != Z_EROFS_LCLUSTER_TYPE_NONHEAD)
					break;
				d1++;
			}
			if (j == (int)vcnt && !(l & Z_EROFS_LI_D0_CBLKCNT) && l)
				d1 += l - 1;
			lc->delta[1] = d1;
		}
		if (lo & Z_EROFS_LI_D0_CBLKCNT) {
			if (!big)
				return z_corrupt(vi, pos, "block count in a file without big pclusters");
			lc->compressedblks = lo & ~Z_EROFS_LI_D0_CBLKCNT;
			lc->delta[0] = 1;
		} else if (i + 1 != (int)vcnt) {
			lc->delta[0] = lo;
		} else {
			/* the last slot holds the lookahead: derive from the one before */
			unsigned int t;

			lo = z_unpack(pack, encodebits * (i - 1), lobits, &t);
			if (t != Z_EROFS_LCLUSTER_TYPE_NONHEAD)
				lo = 0;
			else if (lo & Z_EROFS_LI_D0_CBLKCNT)
				lo = 1;
			lc->delta[0] = lo + 1;
		}
		return 0;
	}
	lc->clusterofs = lo;
	if (lo >= 1u << bits)
		return z_corrupt(vi, pos, "extent start beyond its lcluster");
	/* a HEAD's block: the pack's base plus the pclusters counted before it */
	{
		uint32_t nblk = big ? 0 : 1, base;

		while (i > 0) {
			lo = z_unpack(pack, encodebits * --i, lobits, &type);
			if (type == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
				if (!big) {
					i -= lo;
				} else if (lo & Z_EROFS_LI_D0_CBLKCNT) {
					--i;
					nblk += lo & ~Z_EROFS_LI_D0_CBLKCNT;
					continue;
				} else if (lo <= 1) {
					return z_corrupt(vi, pos, "big pcluster without its block count");
				} else {
					i -= lo - 2;
					continue;
				}
			}
			if (i >= 0)
				nblk++;
		}
		memcpy(&base, pack + packsz - 4, 4);
		lc->pblk = (uint64_t)erofs_le32(base) + nblk;
	}
	return 0;
}

static int z_load(const struct erofs_inode *vi, uint64_t lcn, bool lookahead,
		  struct z_lcluster *lc)
{
	memset(lc, 0, sizeof(*lc));
	if (lcn >= z_totalidx(vi))
		return z_corrupt(vi, vi->iloc, "index lookup past the last lcluster");
	if (vi->datalayout == EROFS_INODE_COMPRESSED_FULL)
		return z_load_full(vi, lcn, lc);
	return z_load_compact(vi, lcn, lookahead, lc);
}

/* From a NONHEAD (or an lcluster starting mid-way), back to its HEAD. */
static int z_lookback(const struct erofs_inode *vi, uint64_t *lcn,
		      uint32_t dist, struct z_lcluster *lc)
{
	for (;;) {
		int err;

		if (!dist || dist > *lcn)
			return z_corrupt(vi, lc->pos, "bad distance back to the extent head");
		*lcn -= dist;
		err = z_load(vi, *lcn, false, lc);
		if (err)
			return err;
		if (lc->type != Z_EROFS_LCLUSTER_TYPE_NONHEAD)
			return 0;
		dist = lc->delta[0];
	}
}

/* Find the head of the extent holding byte @la. */
static int z_find_head(const struct erofs_inode *vi, erofs_off_t la,
		       uint64_t *headlcn, struct z_lcluster *head,
		       erofs_off_t *nextpackoff)
{
	const unsigned int bits = vi->z_lclusterbits;
	uint64_t lcn = la >> bits;
	int err;

	err = z_load(vi, lcn, false, head);
	if (err)
		return err;
	if (nextpackoff)
		*nextpackoff = head->nextpackoff;
	if (head->type == Z_EROFS_LCLUSTER_TYPE_NONHEAD)
		err = z_lookback(vi, &lcn, head->delta[0], head);
	else if ((la & ((1ull << bits) - 1)) < head->clusterofs)
		err = z_lookback(vi, &lcn, 1, head);
	if (err)
		return err;
	if (head->type > Z_EROFS_LCLUSTER_TYPE_HEAD2 ||
	    (head->type == Z_EROFS_LCLUSTER_TYPE_HEAD2 &&
	     !(vi->sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_COMPR_HEAD2)))
		return z_corrupt(vi, head->pos, "unknown lcluster type");
	*headlcn = lcn;
	return 0;
}

/*
 * The file's bytes from @tail (its tail extent, or 0: all of it) live in
 * the packed inode at z_fragmentoff: there must be one, and it must hold
 * them.  @pos is the map header, for the report.
 */
static int z_check_fragment(const struct erofs_inode *vi, erofs_off_t pos,
			    erofs_off_t tail)
{
	const struct erofs_sb_info *sbi = vi->sbi;
	struct erofs_inode packed;
	uint64_t len = vi->size - tail;
	int err;

	if (vi->nid == sbi->packed_nid)
		return z_corrupt(vi, pos, "the packed inode keeps a fragment of itself");
	if (!(sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS) ||
	    !sbi->packed_nid)
		return z_corrupt(vi, pos, "fragment in an image without a packed inode");
	err = erofs_read_packed_inode(vi->sbi, &packed);
	if (err)
		return err;
	if (vi->z_fragmentoff > packed.size ||
	    len > packed.size - vi->z_fragmentoff) {
		erofs_err("nid %llu: fragment of %llu bytes at %llu runs past the end of the packed inode (%llu bytes; map header at offset %llu)",
			  (unsigned long long)vi->nid, (unsigned long long)len,
			  (unsigned long long)vi->z_fragmentoff,
			  (unsigned long long)packed.size,
			  (unsigned long long)pos);
		return -EFSCORRUPTED;
	}
	return 0;
}

/* The tail extent's head, where ztailpacking and fragments keep it. */
static int z_find_tail(struct erofs_inode *vi, struct z_lcluster *head,
		       erofs_off_t *nextpackoff)
{
	uint64_t headlcn;
	int err;

	if (!vi->size)
		return z_corrupt(vi, vi->iloc, "compressed file of size 0");
	err = z_find_head(vi, vi->size - 1, &headlcn, head, nextpackoff);
	if (!err)
		vi->z_tailextent_headlcn = headlcn;
	return err;
}

static int z_init_tail(struct erofs_inode *vi,
		       const struct z_erofs_map_header *h, erofs_off_t pos)
{
	struct erofs_sb_info *sbi = vi->sbi;
	struct z_lcluster head;
	int err;

	/*
	 * The fragment offset takes the 32 bits h_idata_size is part of: with
	 * both advised, the kernel reads a fragment and no inline tail.
	 */
	if (vi->z_advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER) {
		vi->z_fragmentoff = erofs_le16(h->h_reserved1) |
				    (uint32_t)erofs_le16(h->h_idata_size) << 16;
		err = z_find_tail(vi, &head, NULL);
		if (err)
			return err;
		if (vi->datalayout == EROFS_INODE_COMPRESSED_FULL)
			vi->z_fragmentoff |= head.pblk << 32;
		/* a tail head at lcluster 0 makes the whole file a fragment */
		return z_check_fragment(vi, pos, !vi->z_tailextent_headlcn ? 0 :
				(vi->z_tailextent_headlcn << vi->z_lclusterbits) |
				head.clusterofs);
	}
	/* an inline tail of size 0 is none, for the kernel too */
	if ((vi->z_advise & Z_EROFS_ADVISE_INLINE_PCLUSTER) && h->h_idata_size) {
		vi->z_idata_size = erofs_le16(h->h_idata_size);
		/* the tail pcluster sits right after the index of the last byte */
		err = z_find_tail(vi, &head, &vi->z_idataoff);
		if (err)
			return err;
		if ((vi->z_idataoff & (sbi->blksz - 1)) + vi->z_idata_size > sbi->blksz ||
		    vi->z_idataoff + vi->z_idata_size > vi->mend)
			return z_corrupt(vi, pos, "inline pcluster crosses a block or leaves the image");
	}
	return 0;
}

int z_erofs_init_inode(struct erofs_inode *vi)
{
	struct erofs_sb_info *sbi = vi->sbi;
	struct z_erofs_map_header h;
	erofs_off_t pos = EROFS_ROUND_UP(erofs_inode_idata_pos(vi), 8);
	int err;

	if (vi->z_inited)
		return 0;
	err = z_read(vi, &h, sizeof(h), pos);
	if (err)
		return err;
	if (h.h_clusterbits >> Z_EROFS_FRAGMENT_INODE_BIT) {
		uint64_t raw;

		memcpy(&raw, &h, sizeof(raw));
		vi->z_advise = Z_EROFS_ADVISE_FRAGMENT_PCLUSTER;
		vi->z_fragmentoff = erofs_le64(raw) & ~(1ull << 63);
		vi->z_tailextent_headlcn = 0;
		vi->z_lclusterbits = sbi->blkszbits;
		err = z_check_fragment(vi, pos, 0);
		if (!err)
			vi->z_inited = true;
		return err;
	}
	vi->z_advise = erofs_le16(h.h_advise);
	if (vi->datalayout == EROFS_INODE_COMPRESSED_FULL &&
	    (vi->z_advise & Z_EROFS_ADVISE_EXTENTS))
		return z_erofs_init_extents(vi, &h, pos);
	vi->z_algorithmtype[0] = h.h_algorithmtype & 15;
	vi->z_algorithmtype[1] = h.h_algorithmtype >> 4;
	vi->z_lclusterbits = sbi->blkszbits + (h.h_clusterbits & 7);
	/* an id past the table would read as "stored as is" (SHIFTED) */
	if (vi->z_algorithmtype[0] >= Z_EROFS_COMPRESSION_MAX ||
	    vi->z_algorithmtype[1] >= Z_EROFS_COMPRESSION_MAX) {
		erofs_err("nid %llu: unknown compression algorithm id 0x%x (offset %llu)",
			  (unsigned long long)vi->nid, h.h_algorithmtype,
			  (unsigned long long)pos);
		return -EOPNOTSUPP;
	}
	if ((vi->z_advise & (Z_EROFS_ADVISE_BIG_PCLUSTER_1 |
			     Z_EROFS_ADVISE_BIG_PCLUSTER_2)) &&
	    !(sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER))
		return z_corrupt(vi, pos, "big pclusters without the superblock feature");
	if (vi->datalayout == EROFS_INODE_COMPRESSED_COMPACT &&
	    !(vi->z_advise & Z_EROFS_ADVISE_BIG_PCLUSTER_1) !=
	    !(vi->z_advise & Z_EROFS_ADVISE_BIG_PCLUSTER_2))
		return z_corrupt(vi, pos, "compacted indexes with one big pcluster flag of two");
	/* the index lookups for the tail run on the header decoded so far */
	vi->z_inited = true;
	err = z_init_tail(vi, &h, pos);
	if (err)
		vi->z_inited = false;
	return err;
}

/* Where the extent starting at @headlcn ends: the next head, or EOF. */
static int z_extent_end(const struct erofs_inode *vi, uint64_t headlcn,
			erofs_off_t *end)
{
	const unsigned int bits = vi->z_lclusterbits;
	uint64_t lcn = headlcn + 1;
	struct z_lcluster lc;

	for (;;) {
		int err;

		if (lcn << bits >= vi->size) {
			*end = vi->size;
			return 0;
		}
		err = z_load(vi, lcn, true, &lc);
		if (err)
			return err;
		if (lc.type != Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
			*end = (lcn << bits) | lc.clusterofs;
			return 0;
		}
		/*
		 * A hint that jumps past another extent's records is a lie.
		 * A distance back to the head that does not fit below the
		 * CBLKCNT bit is written as 2047 (one more in the last slot of
		 * a compacted pack), and the lookback goes on from there.
		 */
		if (lc.delta[0] != lcn - headlcn &&
		    (lc.delta[0] < Z_EROFS_LI_D0_CBLKCNT - 1 ||
		     lc.delta[0] >= lcn - headlcn))
			return z_corrupt(vi, lc.pos, "lcluster claims another extent head");
		lcn += lc.delta[1] ? lc.delta[1] : 1;
	}
}

static int z_compressed_len(const struct erofs_inode *vi, uint64_t headlcn,
			    const struct z_lcluster *head, erofs_off_t *plen)
{
	const struct erofs_sb_info *sbi = vi->sbi;
	const unsigned int bits = vi->z_lclusterbits;
	struct z_lcluster next;
	uint64_t blks;
	int err;

	if (head->type == Z_EROFS_LCLUSTER_TYPE_PLAIN || !z_big(vi, head->type)) {
		*plen = 1ull << bits;
		return 0;
	}
	err = z_load(vi, headlcn + 1, false, &next);
	if (err)
		return err;
	if (next.type != Z_EROFS_LCLUSTER_TYPE_NONHEAD)
		blks = 1ull << (bits - sbi->blkszbits);
	else if (next.delta[0] == 1 && next.compressedblks)
		blks = next.compressedblks;
	else
		return z_corrupt(vi, next.pos, "big pcluster without its block count");
	*plen = blks << sbi->blkszbits;
	return 0;
}

int z_erofs_map_blocks(struct erofs_inode *vi, struct erofs_map_blocks *map)
{
	const struct erofs_sb_info *sbi = vi->sbi;
	struct z_lcluster head;
	uint64_t headlcn;
	erofs_off_t end = 0;
	int err;

	err = z_erofs_init_inode(vi);
	if (err)
		return err;
	/* no index is consulted: the whole file is one fragment */
	if ((vi->z_advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER) &&
	    !vi->z_tailextent_headlcn) {
		map->m_la = 0;
		map->m_llen = vi->size;
		goto out_fragment;
	}
	if (vi->z_extents)
		return z_erofs_map_extents(vi, map);
	err = z_find_head(vi, map->m_la, &headlcn, &head, NULL);
	if (err)
		return err;
	map->m_la = (headlcn << vi->z_lclusterbits) | head.clusterofs;
	err = z_extent_end(vi, headlcn, &end);
	if (err)
		return err;
	if (end <= map->m_la)
		return z_corrupt(vi, head.pos, "empty compressed extent");
	map->m_llen = end - map->m_la;
	map->m_flags = EROFS_MAP_MAPPED | EROFS_MAP_ENCODED;

	if (vi->z_idata_size && headlcn == vi->z_tailextent_headlcn) {
		map->m_flags |= EROFS_MAP_META;
		map->m_pa = vi->z_idataoff;
		map->m_plen = vi->z_idata_size;
	} else if ((vi->z_advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER) &&
		   headlcn == vi->z_tailextent_headlcn) {
		goto out_fragment;
	} else {
		err = z_compressed_len(vi, headlcn, &head, &map->m_plen);
		if (err)
			return err;
		if (head.pblk >= sbi->blocks ||
		    (map->m_plen >> sbi->blkszbits) > sbi->blocks - head.pblk)
			return z_corrupt(vi, head.pos, "pcluster outside the image");
		map->m_pa = erofs_blk_pos(sbi, head.pblk);
	}
	if (head.type == Z_EROFS_LCLUSTER_TYPE_PLAIN) {
		map->m_algorithmformat =
			(vi->z_advise & Z_EROFS_ADVISE_INTERLACED_PCLUSTER) ?
			Z_EROFS_COMPRESSION_INTERLACED :
			Z_EROFS_COMPRESSION_SHIFTED;
		if (map->m_llen > map->m_plen)
			return z_corrupt(vi, head.pos, "uncompressed extent longer than its pcluster");
	} else {
		map->m_algorithmformat = vi->z_algorithmtype[head.type ==
						Z_EROFS_LCLUSTER_TYPE_HEAD2];
	}
	if (head.partialref)
		map->m_flags |= EROFS_MAP_PARTIAL_REF;
	return 0;

out_fragment:
	/* z_check_fragment() saw the packed inode hold every byte from here */
	map->m_flags = EROFS_MAP_MAPPED | EROFS_MAP_FRAGMENT;
	map->m_pa = vi->z_fragmentoff;
	map->m_plen = map->m_llen;
	map->m_algorithmformat = Z_EROFS_COMPRESSION_SHIFTED;
	return 0;
}
