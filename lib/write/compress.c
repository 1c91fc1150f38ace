// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include "erofs_fs.h"
#include "erofs/compress.h"
#include "erofs/xxhash.h"

/* The first NONHEAD delta shares bit 11 with the CBLKCNT flag. */
#define Z_EROFS_D0_MAX		(Z_EROFS_LI_D0_CBLKCNT - 1)

/* Where the compacted index area starts and how it splits. */
struct z_erofs_compact_geo {
	erofs_off_t ebase;
	uint64_t init4;		/* leading 4-byte entries (to 32-byte alignment) */
	uint64_t n2b;		/* 2-byte entries, a multiple of 16 */
	uint64_t tail4;		/* trailing 4-byte entries */
};

static uint64_t lcluster_count(const struct z_erofs_params *p, uint64_t size)
{
	return EROFS_DIV_ROUND_UP(size, 1ull << p->blkszbits);
}

static void compact_geo(const struct z_erofs_params *p, erofs_off_t inode_end,
			uint64_t totalidx, struct z_erofs_compact_geo *g)
{
	g->ebase = EROFS_ROUND_UP(inode_end, 8) + sizeof(struct z_erofs_map_header);
	g->init4 = ((32 - g->ebase % 32) / 4) & 7;
	g->n2b = 0;
	/* 2-byte packs hold 16 lclusters of at most 12 bits each */
	if (p->blkszbits <= 12 && g->init4 < totalidx)
		g->n2b = (totalidx - g->init4) / 16 * 16;
	g->tail4 = totalidx > g->init4 + g->n2b ? totalidx - g->init4 - g->n2b : 0;
}

uint32_t z_erofs_meta_size(const struct z_erofs_params *p,
			   erofs_off_t inode_end, uint64_t size)
{
	const uint64_t totalidx = lcluster_count(p, size);
	erofs_off_t hdr = EROFS_ROUND_UP(inode_end, 8);
	struct z_erofs_compact_geo g;

	if (p->legacy)
		return hdr - inode_end + sizeof(struct z_erofs_map_header) + 8 +
		       totalidx * sizeof(struct z_erofs_lcluster_index);
	compact_geo(p, inode_end, totalidx, &g);
	if (totalidx <= g.init4)
		return g.ebase - inode_end + EROFS_ROUND_UP(totalidx, 2) * 4;
	return g.ebase - inode_end + g.init4 * 4 + g.n2b * 2 +
	       EROFS_ROUND_UP(g.tail4, 2) * 4;
}

void z_erofs_file_free(struct z_erofs_file *zf)
{
	free(zf->ext);
	free(zf->idata);
	memset(zf, 0, sizeof(*zf));
}

/*
 * Keep the last extent inline when its pcluster fits: compressed if that
 * is smaller, else as is.  Returns 1 if kept, 0 if not, or -ENOMEM.
 */
static int keep_inline(struct z_erofs_segment *seg, struct z_erofs_extent *e,
		       const uint8_t *src, uint32_t srclen, const uint8_t *comp,
		       int clen, uint32_t max_inline)
{
	bool raw = clen < 0 || (uint32_t)clen >= srclen;
	uint32_t len = raw ? srclen : (uint32_t)clen;

	if (len > max_inline)
		return 0;
	seg->idata = malloc(len);
	if (!seg->idata)
		return -ENOMEM;
	memcpy(seg->idata, raw ? src : comp, len);
	seg->idata_len = len;
	e->plain = raw;
	e->len = srclen;
	e->cblks = 0;
	return 1;
}

static int seg_add_extent(struct z_erofs_segment *seg,
			  const struct z_erofs_extent *e)
{
	if (seg->n == seg->cap) {
		uint32_t cap = seg->cap ? seg->cap * 2 : 16;
		struct z_erofs_extent *n = realloc(seg->ext, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		seg->ext = n;
		seg->cap = cap;
	}
	seg->ext[seg->n++] = *e;
	return 0;
}

/* Append @e at the segment's next physical block and take its blocks. */
static int seg_push_extent(struct z_erofs_segment *seg,
			   struct z_erofs_extent *e)
{
	int err;

	e->pblk = seg->blocks;
	err = seg_add_extent(seg, e);
	if (!err)
		seg->blocks += e->cblks;
	return err;
}

void z_erofs_segment_free(struct z_erofs_segment *seg)
{
	free(seg->ext);
	free(seg->idata);
	free(seg->frag);
	memset(seg, 0, sizeof(*seg));
}

/*
 * The longest input one extent of @p may take: it spans fewer lclusters
 * than a NONHEAD delta can count.
 */
static uint32_t extent_max(const struct z_erofs_params *p)
{
	return EROFS_MIN(p->max_extent, (uint32_t)(Z_EROFS_D0_MAX - 1) << p->blkszbits);
}

/*
 * Each segment restarts the extents, so its last pcluster is usually
 * short: a segment spans four of the longest extents at least (big
 * pclusters, which take several MiB of input each), 4 MiB otherwise.
 */
uint32_t z_erofs_segment_len(const struct z_erofs_params *p)
{
	uint64_t len = (uint64_t)extent_max(p) * 4;

	len = EROFS_MIN(len, (uint64_t)Z_EROFS_SEGMENT_MAX);
	len &= ~(uint64_t)((1u << p->blkszbits) - 1);
	return EROFS_MAX((uint32_t)len, Z_EROFS_SEGMENT_SIZE);
}

size_t z_erofs_segment_cap(const struct z_erofs_params *p, uint32_t len)
{
	const uint32_t blksz = 1u << p->blkszbits;

	/*
	 * pclusters never take more blocks than the input, plus one partial;
	 * and a pcluster is compressed in place at the end of what is used
	 */
	return ((size_t)EROFS_DIV_ROUND_UP(len, blksz) + 1) * blksz +
	       ((size_t)p->pclusterblks << p->blkszbits);
}

/* A pcluster that saves no block: one block of input stored as is. */
static void store_block(const struct z_erofs_params *p, struct z_erofs_extent *e,
			const uint8_t *src, uint32_t left, uint8_t *out)
{
	const uint32_t blksz = 1u << p->blkszbits;

	e->plain = true;
	e->cblks = 1;
	e->len = EROFS_MIN(left, blksz);
	memcpy(out, src, e->len);
	memset(out + e->len, 0, blksz - e->len);
}

/* Whether @clen compressed bytes take fewer blocks than the @srclen input. */
static bool saves_block(int clen, unsigned int srclen, uint32_t blksz)
{
	return EROFS_DIV_ROUND_UP((uint32_t)clen, blksz) <
	       EROFS_DIV_ROUND_UP(srclen, blksz);
}

/*
 * After a pcluster stored as is: 0 if the compressor's cheap probe cannot
 * make the data at @src save a block either (so it is stored as is
 * without the full attempt), 1 if it can, or -errno.
 */
static int worth_trying(const struct erofs_compress *c, const uint8_t *src,
			unsigned int srclen, uint8_t *out, uint32_t pclsz,
			uint32_t blksz)
{
	int clen = c->alg->probe_destsize(src, &srclen, out, pclsz);

	return clen < 0 ? clen : saves_block(clen, srclen, blksz);
}

/* The rest of the file, from @src, is the fragment @e ends the segment with. */
static int keep_fragment(struct z_erofs_segment *seg, struct z_erofs_extent *e,
			 const uint8_t *src, uint32_t left)
{
	seg->frag = malloc(left);
	if (!seg->frag)
		return -ENOMEM;
	memcpy(seg->frag, src, left);
	seg->frag_len = left;
	e->frag = true;
	e->plain = false;
	e->len = left;
	e->cblks = 0;
	e->pblk = seg->blocks;
	return seg_add_extent(seg, e);
}

int z_erofs_compress_segment(struct erofs_compress *c,
			     const struct z_erofs_params *p, const uint8_t *in,
			     uint32_t len, uint64_t la, bool last,
			     uint32_t max_inline, uint8_t *data,
			     struct z_erofs_segment *seg)
{
	const uint32_t blksz = 1u << p->blkszbits;
	const uint32_t pclsz = p->pclusterblks << p->blkszbits;
	const uint32_t max_extent = extent_max(p);
	uint32_t pos = 0;
	bool stored = false;	/* the pcluster before was stored as is */
	int err = 0;

	memset(seg, 0, sizeof(*seg));
	c->last_fit = 0;
	seg->la = la;
	seg->data = data;
	while (pos < len) {
		struct z_erofs_extent e = { .la = la + pos };
		unsigned int srclen = EROFS_MIN(len - pos, max_extent);
		/* straight into the pcluster's place, moved to its end below */
		uint8_t *out = seg->data + ((size_t)seg->blocks << p->blkszbits);
		int clen, try = 1;

		/* what fits in one pcluster goes to the packed inode as it is */
		if (last && p->fragments &&
		    len - pos <= EROFS_MIN(pclsz, max_extent)) {
			err = keep_fragment(seg, &e, in + pos, len - pos);
			break;
		}
		/* the end of a file, where a tail may go inline, is always tried */
		if (stored && c->alg->probe_destsize && !(last && len - pos <= pclsz))
			try = worth_trying(c, in + pos, srclen, out, pclsz, blksz);
		if (try < 0) {
			err = try;
			break;
		}
		if (!try) {
			store_block(p, &e, in + pos, len - pos, out);
		} else {
			clen = c->alg->compress_destsize(c, in + pos, &srclen,
							 out, pclsz);
			if (clen < 0) {
				err = clen;
				break;
			}
			/*
			 * the whole rest of the file in a pcluster it does not
			 * fill: a fragment, compressed with the packed inode
			 */
			if (last && p->fragments && pos + srclen == len &&
			    (uint32_t)clen < pclsz &&
			    saves_block(clen, srclen, blksz)) {
				err = keep_fragment(seg, &e, in + pos, srclen);
				break;
			}
			/* the whole rest of the file in one pcluster: maybe inline */
			if (last && p->ztailpacking && !p->fragments && max_inline &&
			    pos + srclen == len) {
				int kept = keep_inline(seg, &e, in + pos, srclen,
						       out, clen, max_inline);

				if (kept < 0) {
					err = kept;
					break;
				}
				if (kept) {
					e.pblk = seg->blocks;
					err = seg_add_extent(seg, &e);
					break;
				}
			}
			if (saves_block(clen, srclen, blksz)) {
				/* zero padding first: the stream ends at the end */
				uint32_t plen;

				e.cblks = EROFS_DIV_ROUND_UP((uint32_t)clen, blksz);
				plen = e.cblks << p->blkszbits;

				if (plen > (uint32_t)clen) {
					memmove(out + plen - clen, out, clen);
					memset(out, 0, plen - clen);
				}
				e.len = srclen;
			} else {
				/*
				 * Without a cheap probe, the whole input tried
				 * is taken as incompressible: its blocks are
				 * stored as they are, not tried again one
				 * block on (a full attempt per 4 KiB block is
				 * what made -zlzma -C1048576 slow on .gz files).
				 */
				uint32_t nb = c->alg->probe_destsize ? 1 :
					EROFS_MAX(srclen >> p->blkszbits, 1u);

				while (--nb) {
					store_block(p, &e, in + pos, len - pos, out);
					err = seg_push_extent(seg, &e);
					if (err)
						break;
					pos += e.len;
					out += blksz;
					e = (struct z_erofs_extent){ .la = la + pos };
				}
				if (err)
					break;
				store_block(p, &e, in + pos, len - pos, out);
			}
		}
		stored = e.plain;
		err = seg_push_extent(seg, &e);
		if (err)
			break;
		pos += e.len;
	}
	for (uint32_t i = 0; !err && p->dedupe && i < seg->n; i++) {
		struct z_erofs_extent *x = &seg->ext[i];

		if (x->len >= Z_EROFS_DEDUPE_PFX)
			x->pfx = erofs_xxh32(in + (x->la - la), Z_EROFS_DEDUPE_PFX, 0);
	}
	seg->err = err;
	return err;
}

int z_erofs_file_append(struct z_erofs_file *zf,
			const struct z_erofs_segment *seg, uint64_t startblk)
{
	for (uint32_t i = 0; i < seg->n; i++) {
		struct z_erofs_extent e = seg->ext[i];

		e.pblk += startblk;
		if (zf->n == zf->cap) {
			uint64_t cap = zf->cap ? zf->cap * 2 : 64;
			struct z_erofs_extent *n = realloc(zf->ext, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			zf->ext = n;
			zf->cap = cap;
		}
		zf->ext[zf->n++] = e;
		zf->cblocks += e.cblks;
	}
	if (seg->idata_len) {
		zf->idata = malloc(seg->idata_len);
		if (!zf->idata)
			return -ENOMEM;
		memcpy(zf->idata, seg->idata, seg->idata_len);
		zf->idata_len = seg->idata_len;
	}
	return 0;
}

/* What one lcluster's index says, before it is packed. */
struct z_erofs_lcl {
	uint8_t type;
	bool cblkcnt;		/* NONHEAD: d0 holds CBLKCNT | blocks */
	bool partial;		/* HEAD: a prefix of its pcluster's output */
	uint16_t ofs;		/* HEAD: where the extent starts */
	uint32_t d0, d1;	/* NONHEAD: back to head, on to next head */
	uint64_t pblk;		/* HEAD */
};

static int build_lcls(const struct z_erofs_params *p,
		      const struct z_erofs_file *zf, uint64_t size,
		      uint64_t totalidx, struct z_erofs_lcl *l)
{
	const unsigned int bits = p->blkszbits;

	for (uint64_t k = 0; k < zf->n; k++) {
		const struct z_erofs_extent *e = &zf->ext[k];
		uint64_t head = e->la >> bits;
		uint64_t next = k + 1 < zf->n ? zf->ext[k + 1].la >> bits : totalidx;

		if (head >= totalidx || next <= head || next > totalidx)
			return -EFSCORRUPTED;	/* two starts in one lcluster */
		l[head].type = e->plain ? Z_EROFS_LCLUSTER_TYPE_PLAIN
					: Z_EROFS_LCLUSTER_TYPE_HEAD1;
		l[head].ofs = e->la & ((1u << bits) - 1);
		l[head].partial = e->partial;
		/* full indexes keep a fragment offset's high bits there */
		l[head].pblk = e->frag && p->legacy ? zf->fragoff >> 32 : e->pblk;
		for (uint64_t n = head + 1; n < next; n++) {
			l[n].type = Z_EROFS_LCLUSTER_TYPE_NONHEAD;
			l[n].d0 = n - head;
			l[n].d1 = next - n;
			if (l[n].d0 > Z_EROFS_D0_MAX)
				return -EFSCORRUPTED;
			if (zf->big && n == head + 1) {
				l[n].cblkcnt = true;
				l[n].d0 = Z_EROFS_LI_D0_CBLKCNT | e->cblks;
			}
		}
	}
	/*
	 * Readers size an extent up to the end of the lcluster they look at,
	 * and a plain extent may not seem longer than its one block.  So when
	 * the last extent is plain and runs into the next lcluster, an empty
	 * head at EOF ends it there.
	 */
	if (zf->n) {
		const struct z_erofs_extent *e = &zf->ext[zf->n - 1];
		uint64_t end = e->la + e->len;

		if (e->plain && (end - 1) >> bits != e->la >> bits) {
			struct z_erofs_lcl *t = &l[(end - 1) >> bits];

			if (end != size)
				return -EFSCORRUPTED;
			*t = (struct z_erofs_lcl){ .type = Z_EROFS_LCLUSTER_TYPE_PLAIN,
						   .ofs = end & ((1u << bits) - 1),
						   .pblk = e->pblk + e->cblks };
		}
	}
	return 0;
}

static void encode_full(const struct z_erofs_lcl *l, uint64_t totalidx,
			uint8_t *out)
{
	struct z_erofs_lcluster_index *di = (void *)out;

	for (uint64_t n = 0; n < totalidx; n++, di++) {
		di->di_advise = erofs_cpu_to_le16(l[n].type |
				(l[n].partial ? Z_EROFS_LI_PARTIAL_REF : 0));
		if (l[n].type == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
			di->di_u.delta[0] = erofs_cpu_to_le16(l[n].d0);
			di->di_u.delta[1] = erofs_cpu_to_le16(EROFS_MIN(l[n].d1, 0xffffu));
		} else {
			di->di_clusterofs = erofs_cpu_to_le16(l[n].ofs);
			di->di_u.blkaddr = erofs_cpu_to_le32((uint32_t)l[n].pblk);
		}
	}
}

static void put_bits(uint8_t *pack, unsigned int pos, unsigned int nbits,
		     uint32_t v)
{
	for (unsigned int b = 0; b < nbits; b++, pos++)
		if (v & (1u << b))
			pack[pos / 8] |= 1 << (pos % 8);
}

static uint32_t get_bits(const uint8_t *pack, unsigned int pos,
			 unsigned int nbits)
{
	uint32_t v = 0;

	for (unsigned int b = 0; b < nbits; b++, pos++)
		if (pack[pos / 8] & (1 << (pos % 8)))
			v |= 1u << b;
	return v;
}

/*
 * Pack @vcnt lclusters into one compacted pack of @packsz bytes.  A HEAD's
 * block address is not stored: readers count pclusters back from the
 * pack's base address in its last 4 bytes, which is what we solve for.
 */
static void encode_pack(const struct z_erofs_params *p,
			const struct z_erofs_lcl *l, unsigned int vcnt,
			unsigned int packsz, uint32_t *base, uint8_t *pack)
{
	const unsigned int lobits = EROFS_MAX(p->blkszbits, 12u);
	const unsigned int encodebits = (packsz - 4) * 8 / vcnt;
	const bool big = p->pclusterblks > 1;
	int first_head = -1;

	for (unsigned int i = 0; i < vcnt; i++) {
		uint32_t lo;

		if (l[i].type != Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
			lo = l[i].ofs;
			if (first_head < 0)
				first_head = i;
		} else if (l[i].cblkcnt) {
			lo = l[i].d0;
		} else if (i + 1 == vcnt) {
			/* the last slot carries the lookahead distance */
			lo = EROFS_MIN(l[i].d1, (uint32_t)Z_EROFS_D0_MAX);
		} else {
			lo = l[i].d0;
		}
		put_bits(pack, encodebits * i, encodebits,
			 ((uint32_t)l[i].type << lobits) | lo);
	}
	if (first_head >= 0) {
		uint32_t nblk = big ? 0 : 1;
		int j = first_head;

		/* count back exactly as a reader does */
		while (j > 0) {
			uint32_t v = get_bits(pack, encodebits * --j, encodebits);
			uint32_t lo = v & ((1u << lobits) - 1);

			if ((v >> lobits) == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
				if (!big) {
					j -= lo;
				} else if (lo & Z_EROFS_LI_D0_CBLKCNT) {
					--j;
					nblk += lo & ~Z_EROFS_LI_D0_CBLKCNT;
					continue;
				} else {
					j -= lo - 2;
					continue;
				}
			}
			if (j >= 0)
				++nblk;
		}
		*base = (uint32_t)l[first_head].pblk - nblk;
	}
	memcpy(pack + packsz - 4, &(uint32_t){ erofs_cpu_to_le32(*base) }, 4);
}

static void encode_compact(const struct z_erofs_params *p,
			   const struct z_erofs_lcl *l, uint64_t totalidx,
			   const struct z_erofs_compact_geo *g, uint8_t *out)
{
	const uint64_t n4a = EROFS_MIN(g->init4, totalidx);
	struct z_erofs_lcl pad[16] = { 0 };
	uint32_t base = 0;
	uint64_t n = 0;

	/* Runs of (entries, bytes each): 4B, then 2B, then 4B again. */
	const uint64_t runs[3][2] = {
		{ EROFS_ROUND_UP(n4a, 2), 4 },
		{ g->n2b, 2 },
		{ EROFS_ROUND_UP(g->tail4, 2), 4 },
	};

	for (int r = 0; r < 3; r++) {
		const unsigned int vcnt = runs[r][1] == 4 ? 2 : 16;
		const unsigned int packsz = vcnt * runs[r][1];

		for (uint64_t i = 0; i < runs[r][0]; i += vcnt) {
			const struct z_erofs_lcl *src = l + n;

			/* an odd count leaves the last 4-byte pack half empty */
			if (n + vcnt > totalidx) {
				memcpy(pad, l + n, (totalidx - n) * sizeof(*pad));
				for (uint64_t k = totalidx - n; k < vcnt; k++)
					pad[k] = (struct z_erofs_lcl){ .type = Z_EROFS_LCLUSTER_TYPE_NONHEAD,
								       .d0 = 1, .d1 = 1 };
				src = pad;
			}
			encode_pack(p, src, vcnt, packsz, &base, out);
			out += packsz;
			n += vcnt;
		}
	}
}

int z_erofs_encode_index(const struct z_erofs_params *p,
			 const struct z_erofs_file *zf, erofs_off_t inode_end,
			 uint64_t size, uint8_t alg, uint8_t *meta)
{
	const uint64_t totalidx = lcluster_count(p, size);
	const erofs_off_t hdr_at = EROFS_ROUND_UP(inode_end, 8);
	struct z_erofs_map_header *h = (void *)(meta + (hdr_at - inode_end));
	struct z_erofs_lcl *l = calloc(totalidx, sizeof(*l));
	uint16_t advise = 0;
	int err;

	if (!l)
		return -ENOMEM;
	err = build_lcls(p, zf, size, totalidx, l);
	if (err)
		goto out;
	if (p->legacy) {
		if (zf->big)
			advise |= Z_EROFS_ADVISE_BIG_PCLUSTER_1;
		encode_full(l, totalidx, (uint8_t *)(h + 1) + 8);
	} else {
		struct z_erofs_compact_geo g;

		compact_geo(p, inode_end, totalidx, &g);
		if (g.n2b)
			advise |= Z_EROFS_ADVISE_COMPACTED_2B;
		/* compacted indexes need both big pcluster flags or neither */
		if (zf->big)
			advise |= Z_EROFS_ADVISE_BIG_PCLUSTER_1 |
				  Z_EROFS_ADVISE_BIG_PCLUSTER_2;
		encode_compact(p, l, totalidx, &g, meta + (g.ebase - inode_end));
	}
	if (zf->frag) {
		/* the offset's low 32 bits take h_reserved1 and h_idata_size */
		advise |= Z_EROFS_ADVISE_FRAGMENT_PCLUSTER;
		h->h_reserved1 = erofs_cpu_to_le16((uint16_t)zf->fragoff);
		h->h_idata_size = erofs_cpu_to_le16((uint16_t)(zf->fragoff >> 16));
	} else if (zf->idata_len) {
		advise |= Z_EROFS_ADVISE_INLINE_PCLUSTER;
		h->h_idata_size = erofs_cpu_to_le16(zf->idata_len);
		memcpy(meta + z_erofs_meta_size(p, inode_end, size), zf->idata,
		       zf->idata_len);
	}
	h->h_advise = erofs_cpu_to_le16(advise);
	h->h_algorithmtype = alg;
	h->h_clusterbits = 0;	/* lcluster == block */
out:
	free(l);
	return err;
}

uint32_t z_erofs_whole_fragment_size(erofs_off_t inode_end)
{
	return EROFS_ROUND_UP(inode_end, 8) - inode_end +
	       sizeof(struct z_erofs_map_header);
}

void z_erofs_encode_whole_fragment(erofs_off_t inode_end, uint64_t fragoff,
				   uint8_t *meta)
{
	/* the 8 header bytes are the offset, bit 63 (h_clusterbits bit 7) set */
	uint64_t v = erofs_cpu_to_le64(fragoff | 1ull << 63);

	memcpy(meta + (EROFS_ROUND_UP(inode_end, 8) - inode_end), &v, sizeof(v));
}
