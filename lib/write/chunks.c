// SPDX-License-Identifier: MIT
/*
 * Chunk-based files (--chunksize): an uncompressed file cut into chunks of
 * a fixed size, each stored once per content.  Workers read a segment and
 * hash each chunk in it (erofs_chunk_hash()); the writer, in pass 1's order,
 * looks each hash up in the table of chunks written so far, confirms a
 * match byte by byte against the image, and then points the chunk at the
 * earlier copy, stores an all-zero chunk as a hole, or writes it.  At the
 * end of the file the map is merged into chunks as large as its runs
 * allow (erofs-utils does the same) and encoded as a block map or as
 * chunk indexes.
 *
 * The table holds one 24-byte entry per distinct chunk written, open
 * addressing over a power-of-two array kept at most half full: O(number
 * of chunks) memory, 6 MiB for 1 GiB of distinct 4 KiB chunks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/print.h"
#include "erofs/xxhash.h"
#include "builder.h"

struct erofs_chunk_ent {
	uint64_t hash;
	uint64_t blk;
	uint64_t len;		/* bytes; 0: a free slot */
};

struct erofs_chunk_table {
	struct erofs_chunk_ent *ents;
	size_t cap, n;		/* cap a power of two, or 0 */
};

void erofs_chunk_table_free(struct erofs_chunk_table *t)
{
	if (t)
		free(t->ents);
	free(t);
}

static int table_grow(struct erofs_chunk_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 4096;
	struct erofs_chunk_ent *ents = calloc(cap, sizeof(*ents));

	if (!ents)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		size_t k = t->ents[i].hash & (cap - 1);

		if (!t->ents[i].len)
			continue;
		while (ents[k].len)
			k = (k + 1) & (cap - 1);
		ents[k] = t->ents[i];
	}
	free(t->ents);
	t->ents = ents;
	t->cap = cap;
	return 0;
}

static int table_add(struct erofs_builder *b, uint64_t hash, uint64_t blk,
		     uint64_t len)
{
	struct erofs_chunk_table *t = b->chunks;
	size_t k;

	if (!t) {
		t = b->chunks = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
	}
	if ((t->n + 1) * 2 > t->cap) {
		int err = table_grow(t);

		if (err)
			return err;
	}
	k = hash & (t->cap - 1);
	while (t->ents[k].len)
		k = (k + 1) & (t->cap - 1);
	t->ents[k] = (struct erofs_chunk_ent){ hash, blk, len };
	t->n++;
	return 0;
}

/* Forget the chunk at @blk: a tombstone, which lookups pass over. */
static void table_forget(struct erofs_builder *b, uint64_t hash, uint64_t blk)
{
	struct erofs_chunk_table *t = b->chunks;

	for (size_t k = hash & (t->cap - 1); t->ents[k].len;
	     k = (k + 1) & (t->cap - 1))
		if (t->ents[k].hash == hash && t->ents[k].blk == blk)
			t->ents[k].blk = EROFS_CHUNK_HOLE;
}

/*
 * Whether the @len image bytes at block @blk equal @buf, or (@buf NULL)
 * those at block @other: 1, 0 or -errno.
 */
static int same_bytes(struct erofs_builder *b, uint64_t blk, const uint8_t *buf,
		      uint64_t other, uint64_t len)
{
	const size_t half = EROFS_COPY_BUF / 2;
	uint8_t *mine = b->copybuf, *theirs = b->copybuf + half;

	for (uint64_t off = 0; off < len;) {
		size_t n = EROFS_MIN(len - off, (uint64_t)half);
		int err = erofs_bman_read_data(&b->bm, erofs_build_pos(b, blk) + off,
					       mine, n);

		if (!err && !buf)
			err = erofs_bman_read_data(&b->bm,
					erofs_build_pos(b, other) + off, theirs, n);
		if (err)
			return err;
		if (memcmp(mine, buf ? buf + off : theirs, n))
			return 0;
		off += n;
	}
	return 1;
}

/*
 * The block of an earlier chunk of @len bytes with @hash and the same
 * bytes (@buf, or the image's at @self), or EROFS_CHUNK_HOLE.
 */
static int table_find(struct erofs_builder *b, uint64_t hash, uint64_t len,
		      const uint8_t *buf, uint64_t self, uint64_t *blk)
{
	struct erofs_chunk_table *t = b->chunks;

	*blk = EROFS_CHUNK_HOLE;
	for (size_t k = t ? hash & (t->cap - 1) : 0; t && t->ents[k].len;
	     k = (k + 1) & (t->cap - 1)) {
		const struct erofs_chunk_ent *e = &t->ents[k];
		int same;

		if (e->hash != hash || e->len != len || e->blk == EROFS_CHUNK_HOLE)
			continue;
		same = same_bytes(b, e->blk, buf, self, len);
		if (same < 0)
			return same;
		if (same) {
			*blk = e->blk;
			return 0;
		}
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	return !len || (!p[0] && !memcmp(p, p + 1, len - 1));
}

uint32_t erofs_chunk_units(const struct erofs_cfile *cf, uint32_t len)
{
	return EROFS_DIV_ROUND_UP(len, cf->unit);
}

void erofs_chunk_hash(const struct erofs_cfile *cf, const uint8_t *data,
		      uint32_t len, uint64_t *hash, uint8_t *zero)
{
	for (uint32_t u = 0, off = 0; off < len; u++, off += cf->unit) {
		uint32_t n = EROFS_MIN(len - off, cf->unit);

		zero[u] = all_zero(data + off, n);
		hash[u] = zero[u] ? 0 : erofs_xxh64(data + off, n, 0);
	}
}

int erofs_chunk_file_init(struct erofs_builder *b, struct erofs_cfile *cf,
			  struct erofs_node *n)
{
	const uint64_t chunk = 1ull << b->opts->chunkbits;

	cf->node = n;
	cf->unit = EROFS_MIN(chunk, (uint64_t)Z_EROFS_SEGMENT_SIZE);
	cf->nchunks = EROFS_DIV_ROUND_UP(n->size, chunk);
	cf->map = malloc(cf->nchunks * sizeof(*cf->map));
	return cf->map ? 0 : -ENOMEM;
}

void erofs_chunk_file_free(struct erofs_cfile *cf)
{
	free(cf->map);
	cf->map = NULL;
}

/* A chunk no longer than a segment, whose bytes are in memory. */
static int put_chunk(struct erofs_builder *b, struct erofs_cfile *cf,
		     uint64_t c, const uint8_t *data, uint32_t len,
		     uint64_t hash, bool zero)
{
	uint64_t blk;
	int err;

	if (zero) {
		cf->map[c] = EROFS_CHUNK_HOLE;
		cf->shared = true;
		return 0;
	}
	err = table_find(b, hash, len, data, 0, &blk);
	if (err)
		return err;
	if (blk != EROFS_CHUNK_HOLE) {
		cf->map[c] = blk;
		cf->shared = true;
		b->shared_bytes += len;
		return 0;
	}
	cf->tail_hash = hash;
	blk = erofs_bman_alloc_data(&b->bm, EROFS_DIV_ROUND_UP(len, b->blksz));
	err = erofs_bman_write_data(&b->bm, erofs_build_pos(b, blk), data, len) ?:
	      erofs_bman_pad_data(&b->bm, erofs_build_pos(b, blk) + len) ?:
	      table_add(b, hash, blk, len);
	cf->map[c] = blk;
	return err;
}

/*
 * A segment of a chunk longer than a segment: written at once, the chunk
 * given back once its last segment shows it all zero or stored before.
 */
static int put_part(struct erofs_builder *b, struct erofs_cfile *cf,
		    uint64_t off, const uint8_t *data, uint32_t len,
		    uint64_t hash, bool zero)
{
	const uint64_t chunk = 1ull << b->opts->chunkbits;
	const uint64_t c = off / chunk;
	const uint64_t clen = EROFS_MIN(chunk, cf->node->size - c * chunk);
	uint64_t blk = erofs_bman_alloc_data(&b->bm,
					     EROFS_DIV_ROUND_UP(len, b->blksz));
	int err;

	if (off % chunk == 0) {
		cf->cstart = blk;
		cf->chash = 0;
		cf->czero = true;
	}
	cf->chash = erofs_xxh64(&hash, sizeof(hash), cf->chash);
	cf->czero &= zero;
	err = erofs_bman_write_data(&b->bm, erofs_build_pos(b, blk), data, len) ?:
	      erofs_bman_pad_data(&b->bm, erofs_build_pos(b, blk) + len);
	if (err || off + len < c * chunk + clen)
		return err;
	/* the chunk is whole */
	cf->map[c] = cf->cstart;
	if (cf->czero) {
		erofs_bman_rewind_data(&b->bm, cf->cstart);
		cf->map[c] = EROFS_CHUNK_HOLE;
		cf->shared = true;
		return 0;
	}
	err = table_find(b, cf->chash, clen, NULL, cf->cstart, &blk);
	if (err)
		return err;
	if (blk == EROFS_CHUNK_HOLE) {
		cf->tail_hash = cf->chash;
		return table_add(b, cf->chash, cf->cstart, clen);
	}
	erofs_bman_rewind_data(&b->bm, cf->cstart);
	cf->map[c] = blk;
	cf->shared = true;
	b->shared_bytes += clen;
	return 0;
}

int erofs_chunk_put(struct erofs_builder *b, struct erofs_cfile *cf,
		    uint64_t off, const uint8_t *data, uint32_t len,
		    const uint64_t *hash, const uint8_t *zero)
{
	const unsigned int bits = b->opts->chunkbits;
	int err = 0;

	for (uint32_t u = 0, at = 0; at < len && !err; u++, at += cf->unit) {
		uint32_t n = EROFS_MIN(len - at, cf->unit);

		if (cf->unit == 1ull << bits)
			err = put_chunk(b, cf, (off + at) >> bits, data + at, n,
					hash[u], zero[u]);
		else
			err = put_part(b, cf, off + at, data + at, n, hash[u],
				       zero[u]);
	}
	return err;
}

/*
 * The largest chunks the map allows: every run of contiguous chunks (or
 * of holes) must start on a chunk boundary; the last one may end anywhere.
 * Returns how many chunks of @chunkblks blocks merge into one.
 */
static unsigned int merge_bits(const uint64_t *map, uint64_t n,
			       uint64_t chunkblks, unsigned int maxbits)
{
	unsigned int bits = maxbits;

	for (uint64_t c = 1; c < n; c++) {
		bool cont = map[c - 1] == EROFS_CHUNK_HOLE ?
			    map[c] == EROFS_CHUNK_HOLE :
			    map[c] != EROFS_CHUNK_HOLE &&
			    map[c] == map[c - 1] + chunkblks;

		if (!cont)
			bits = EROFS_MIN(bits, (unsigned int)__builtin_ctzll(c));
	}
	/* no larger than the whole file needs */
	while (bits && (n - 1) >> (bits - 1) == 0)
		bits--;
	return bits;
}

int erofs_chunk_encode(struct erofs_builder *b, struct erofs_node *n,
		       const uint64_t *map, uint64_t nchunks, unsigned int rel)
{
	const bool idx = b->opts->chunk_format == EROFS_CHUNK_INDEXES;
	const uint32_t unit = idx ? sizeof(struct erofs_inode_chunk_index)
				  : sizeof(uint32_t);
	/* the table starts at the next multiple of its entry size */
	const uint32_t pad = EROFS_ROUND_UP(erofs_node_head(n), unit) -
			     erofs_node_head(n);
	unsigned int merge = merge_bits(map, nchunks, 1ull << rel,
					EROFS_CHUNK_FORMAT_BLKBITS_MASK - rel);
	uint64_t count = ((nchunks - 1) >> merge) + 1;

	n->datalayout = EROFS_INODE_CHUNK_BASED;
	n->chunkbits = rel + merge;
	n->chunk_indexes = idx;
	n->inline_size = 0;
	n->body_len = pad + count * unit;
	n->body = calloc(1, n->body_len);
	if (!n->body)
		return -ENOMEM;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t blk = map[i << merge];
		uint32_t v = erofs_cpu_to_le32(blk == EROFS_CHUNK_HOLE ?
					       EROFS_NULL_ADDR : (uint32_t)blk);
		uint8_t *e = n->body + pad + i * unit;

		if (idx)
			e += offsetof(struct erofs_inode_chunk_index, startblk_lo);
		memcpy(e, &v, sizeof(v));
	}
	b->feat.incompat |= EROFS_FEATURE_INCOMPAT_CHUNKED_FILE;
	return 0;
}

/*
 * A file none of whose chunks is stored elsewhere or a hole lies in
 * consecutive blocks, the last ones written: it is stored flat instead,
 * its tail inline if it fits, the block that held it given back (and the
 * last chunk, which held it, forgotten).  Chunk-based files keep no
 * inline tail, and a small file would take a whole block.
 */
static void make_flat(struct erofs_builder *b, struct erofs_cfile *cf)
{
	struct erofs_node *n = cf->node;
	const uint64_t blocks = EROFS_DIV_ROUND_UP(n->size, b->blksz);

	erofs_layout_flat(n, b->blksz);
	n->blkaddr = cf->map[0];
	if (!n->inline_size)
		return;
	table_forget(b, cf->tail_hash, cf->map[cf->nchunks - 1]);
	/* counted again when pass 3 writes it inline */
	b->done_bytes -= n->inline_size;
	erofs_bman_rewind_data(&b->bm, n->blkaddr + blocks - 1);
	if (n->inline_size == n->size)
		n->blkaddr = 0;
}

int erofs_chunk_finish(struct erofs_builder *b, struct erofs_cfile *cf)
{
	if (!cf->shared && b->opts->chunk_format == EROFS_CHUNK_AUTO) {
		make_flat(b, cf);
		return 0;
	}
	return erofs_chunk_encode(b, cf->node, cf->map, cf->nchunks,
				  b->opts->chunkbits - b->opts->blkszbits);
}

int erofs_chunk_write_file(struct erofs_builder *b, struct erofs_node *n, int fd)
{
	struct erofs_cfile cf = { 0 };
	uint8_t *buf = NULL, *zero = NULL;
	uint64_t *hash = NULL;
	int err = erofs_chunk_file_init(b, &cf, n);
	uint32_t maxunits = EROFS_DIV_ROUND_UP(Z_EROFS_SEGMENT_SIZE, cf.unit);

	if (!err) {
		buf = malloc(Z_EROFS_SEGMENT_SIZE);
		hash = malloc(maxunits * sizeof(*hash));
		zero = malloc(maxunits);
		if (!buf || !hash || !zero)
			err = -ENOMEM;
	}
	for (uint64_t off = 0; off < n->size && !err;) {
		uint32_t len = EROFS_MIN(n->size - off,
					 (uint64_t)Z_EROFS_SEGMENT_SIZE);

		err = erofs_src_read(fd, n, b->opts->blkszbits + n->chunkbits,
				     buf, off, len);
		if (err)
			break;
		erofs_chunk_hash(&cf, buf, len, hash, zero);
		err = erofs_chunk_put(b, &cf, off, buf, len, hash, zero);
		off += len;
		b->done_bytes += len;
		erofs_build_progress(b, false);
	}
	if (!err && erofs_src_grew(fd, n))
		err = -ESTALE;
	if (!err)
		err = erofs_chunk_finish(b, &cf);
	erofs_chunk_file_free(&cf);
	free(buf);
	free(hash);
	free(zero);
	return err;
}
