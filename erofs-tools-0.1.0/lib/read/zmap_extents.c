// SPDX-License-Identifier: MIT
/*
 * Compressed files mapped by extent records (Z_EROFS_ADVISE_EXTENTS, what
 * mkfs writes for 48-bit images): each record gives a pcluster's byte
 * address, its encoded length and how it is encoded.  Small records come
 * one per lcluster; large ones one per extent, sorted by logical start and
 * found by bisection.  Every record is read as untrusted: addresses must
 * lie inside the image (and below 2^48 blocks), logical starts must rise.
 */
#include <string.h>
#include "erofs_fs.h"
#include "erofs/data.h"
#include "erofs/print.h"

static int zx_corrupt(const struct erofs_inode *vi, erofs_off_t pos,
		      const char *why)
{
	erofs_err("nid %llu: %s (offset %llu)", (unsigned long long)vi->nid,
		  why, (unsigned long long)pos);
	return -EFSCORRUPTED;
}

static int zx_read(const struct erofs_inode *vi, void *buf, size_t len,
		   erofs_off_t pos)
{
	if (pos > vi->mend || len > vi->mend - pos)
		return zx_corrupt(vi, pos, "extent record past the end of its metadata");
	return erofs_io_read(vi->mio, buf, len, pos);
}

static uint64_t zx_nlclusters(const struct erofs_inode *vi)
{
	return (vi->size >> vi->z_lclusterbits) +
	       !!(vi->size & ((1ull << vi->z_lclusterbits) - 1));
}

int z_erofs_init_extents(struct erofs_inode *vi,
			 const struct z_erofs_map_header *h, erofs_off_t pos)
{
	struct erofs_sb_info *sbi = vi->sbi;
	uint32_t lo;
	uint16_t hi;
	uint64_t nrecs;

	if (vi->z_advise & (Z_EROFS_ADVISE_FRAGMENT_PCLUSTER |
			    Z_EROFS_ADVISE_INTERLACED_PCLUSTER)) {
		erofs_err("nid %llu: extent records with advice 0x%x are not supported (offset %llu)",
			  (unsigned long long)vi->nid, vi->z_advise,
			  (unsigned long long)pos);
		return -EOPNOTSUPP;
	}
	vi->z_recsz = 4u << ((vi->z_advise >> Z_EROFS_ADVISE_EXTRECSZ_BIT) &
			     Z_EROFS_ADVISE_EXTRECSZ_MASK);
	vi->z_recpos = EROFS_ROUND_UP(pos + sizeof(*h), vi->z_recsz);
	/* the per-lcluster forms keep the lcluster size in the last byte */
	vi->z_lclusterbits = sbi->blkszbits + (h->h_clusterbits & 15);
	if (vi->z_recsz < 16) {
		if (vi->z_lclusterbits > 30)
			return zx_corrupt(vi, pos, "lcluster size out of range");
		nrecs = zx_nlclusters(vi) + (vi->z_recsz == 4 ? 2 : 0);
	} else {
		memcpy(&lo, h, sizeof(lo));
		memcpy(&hi, (const uint8_t *)h + 6, sizeof(hi));
		nrecs = erofs_le32(lo) | (uint64_t)erofs_le16(hi) << 32;
		vi->z_nrecs = nrecs;
	}
	/* 4-byte records follow an 8-byte start address: two slots more */
	if (vi->z_recpos > vi->mend ||
	    nrecs > (vi->mend - vi->z_recpos) / vi->z_recsz)
		return zx_corrupt(vi, pos, "extent records run past the end of their metadata");
	vi->z_cur_lcn = UINT64_MAX;
	vi->z_extents = true;
	vi->z_inited = true;
	return 0;
}

/* 4-byte records: pcluster after pcluster from a start address. */
static int zx_map_packed(struct erofs_inode *vi, struct erofs_map_blocks *map,
			 uint64_t lcn, uint32_t *plen)
{
	erofs_off_t recs = vi->z_recpos + 8;
	uint64_t i = 0;
	erofs_off_t pa;
	uint32_t v;
	int err;

	/* sequential lookups carry on from the last one */
	if (vi->z_cur_lcn != UINT64_MAX && vi->z_cur_lcn <= lcn) {
		i = vi->z_cur_lcn;
		pa = vi->z_cur_pa;
	} else {
		uint64_t start;

		err = zx_read(vi, &start, sizeof(start), vi->z_recpos);
		if (err)
			return err;
		pa = erofs_le64(start);
	}
	for (;; i++) {
		err = zx_read(vi, &v, sizeof(v), recs + i * sizeof(v));
		if (err)
			return err;
		v = erofs_le32(v);
		if (i == lcn)
			break;
		pa += v & Z_EROFS_EXTENT_PLEN_MASK;
	}
	vi->z_cur_lcn = lcn;
	vi->z_cur_pa = pa;
	map->m_pa = pa;
	*plen = v;
	return 0;
}

/* One record of the 16/32-byte forms: logical start, physical start, plen. */
static int zx_record(struct erofs_inode *vi, uint64_t i, erofs_off_t *la,
		     erofs_off_t *pa, uint32_t *plen)
{
	struct z_erofs_extent_record e;
	int err;

	memset(&e, 0, sizeof(e));
	err = zx_read(vi, &e, vi->z_recsz, vi->z_recpos + i * vi->z_recsz);
	if (err)
		return err;
	*plen = erofs_le32(e.plen);
	*pa = erofs_le32(e.pstart_lo) | (uint64_t)erofs_le32(e.pstart_hi) << 32;
	*la = erofs_le32(e.lstart_lo);
	if (vi->z_recsz >= 32)
		*la |= (uint64_t)erofs_le32(e.lstart_hi) << 32;
	return 0;
}

/* Bisect for the last record starting at or before @map->m_la. */
static int zx_map_sorted(struct erofs_inode *vi, struct erofs_map_blocks *map,
			 uint32_t *plen, erofs_off_t *end)
{
	const erofs_off_t want = map->m_la;
	uint64_t l = 0, r = vi->z_nrecs, found = UINT64_MAX;
	erofs_off_t la, pa, start = 0;
	uint32_t pl;
	int err;

	*end = vi->size;
	while (l < r) {
		uint64_t mid = l + (r - l) / 2;

		err = zx_record(vi, mid, &la, &pa, &pl);
		if (err)
			return err;
		if (la > want) {
			r = mid;
		} else {
			l = mid + 1;
			found = mid;
			start = la;
			map->m_pa = pa;
			*plen = pl;
		}
	}
	if (l < vi->z_nrecs) {
		/* the next record bounds this extent, and must come after it */
		err = zx_record(vi, l, &la, &pa, &pl);
		if (err)
			return err;
		if (la > vi->size || (found != UINT64_MAX && la <= start))
			return zx_corrupt(vi, vi->z_recpos + l * vi->z_recsz,
					  "extent record out of order or past i_size");
		*end = la;
	}
	if (found != UINT64_MAX && found > 0) {
		/* and the one before it must start earlier */
		err = zx_record(vi, found - 1, &la, &pa, &pl);
		if (err)
			return err;
		if (la >= start)
			return zx_corrupt(vi, vi->z_recpos + found * vi->z_recsz,
					  "extent record out of order or past i_size");
	}
	if (found == UINT64_MAX) {
		/* before the first record: a hole */
		*plen = 0;
		map->m_la = 0;
		return 0;
	}
	map->m_la = start;
	return 0;
}

int z_erofs_map_extents(struct erofs_inode *vi, struct erofs_map_blocks *map)
{
	const struct erofs_sb_info *sbi = vi->sbi;
	const erofs_off_t lsize = 1ull << vi->z_lclusterbits;
	erofs_off_t end, pend, recpos;
	uint32_t plen = 0;
	unsigned int fmt;
	int err;

	map->m_flags = 0;
	if (vi->z_recsz < 16) {
		uint64_t lcn = map->m_la >> vi->z_lclusterbits;

		recpos = vi->z_recpos + (vi->z_recsz == 4 ? 8 : 0) +
			 lcn * vi->z_recsz;
		if (vi->z_recsz == 4) {
			err = zx_map_packed(vi, map, lcn, &plen);
		} else {
			struct z_erofs_extent_record e;

			err = zx_read(vi, &e, 8, recpos);
			plen = erofs_le32(e.plen);
			map->m_pa = erofs_le32(e.pstart_lo);
		}
		if (err)
			return err;
		map->m_la = lcn << vi->z_lclusterbits;
		end = EROFS_MIN(vi->size - map->m_la, lsize) + map->m_la;
	} else {
		err = zx_map_sorted(vi, map, &plen, &end);
		if (err)
			return err;
		recpos = vi->z_recpos;
		if (end <= map->m_la)
			return zx_corrupt(vi, recpos, "empty extent record");
	}
	map->m_llen = end - map->m_la;
	if (!(plen & Z_EROFS_EXTENT_PLEN_MASK)) {
		map->m_pa = 0;
		map->m_plen = 0;
		return 0;
	}
	map->m_flags = EROFS_MAP_MAPPED | EROFS_MAP_ENCODED;
	if (plen & Z_EROFS_EXTENT_PLEN_PARTIAL)
		map->m_flags |= EROFS_MAP_PARTIAL_REF;
	fmt = plen >> Z_EROFS_EXTENT_PLEN_FMT_BIT;
	map->m_plen = plen & Z_EROFS_EXTENT_PLEN_MASK;
	if (!fmt) {
		map->m_algorithmformat = Z_EROFS_COMPRESSION_SHIFTED;
		if (map->m_llen > map->m_plen)
			return zx_corrupt(vi, recpos, "stored extent longer than its pcluster");
	} else if (fmt - 1 >= Z_EROFS_COMPRESSION_MAX ||
		   !(sbi->available_compr_algs & (1u << (fmt - 1)))) {
		return zx_corrupt(vi, recpos, "extent of an algorithm the image does not declare");
	} else {
		map->m_algorithmformat = fmt - 1;
	}
	if (map->m_plen > Z_EROFS_PCLUSTER_MAX_SIZE ||
	    map->m_llen > Z_EROFS_PCLUSTER_MAX_DSIZE) {
		erofs_err("nid %llu: extent at %llu of %llu bytes from %llu encoded is too large (offset %llu)",
			  (unsigned long long)vi->nid,
			  (unsigned long long)map->m_la,
			  (unsigned long long)map->m_llen,
			  (unsigned long long)map->m_plen,
			  (unsigned long long)recpos);
		return -EOPNOTSUPP;
	}
	pend = map->m_pa + map->m_plen;
	if (pend < map->m_pa || (pend >> sbi->blkszbits) >= (1ull << 48) ||
	    pend > erofs_sb_image_bytes(sbi)) {
		erofs_err("nid %llu: pcluster at byte %llu (%llu bytes) outside the image (record at offset %llu)",
			  (unsigned long long)vi->nid,
			  (unsigned long long)map->m_pa,
			  (unsigned long long)map->m_plen,
			  (unsigned long long)recpos);
		return -EFSCORRUPTED;
	}
	return 0;
}
