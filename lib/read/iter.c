// SPDX-License-Identifier: MIT
/*
 * File content, piece by piece: the map says where each extent lives, and
 * this is the one place that turns that answer into bytes -- zeros for a
 * hole, a read for stored bytes (flat, chunk-based, inline tails, extents
 * stored uncompressed, plain or interlaced), a read of the packed inode for
 * a fragment, a pcluster decoded through zdata.c otherwise.  A new layout
 * changes the map and this file, never a consumer.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs/iter.h"
#include "erofs/print.h"
#include "erofs/zdata.h"

int erofs_iter_init(struct erofs_iter *it, struct erofs_inode *vi,
		    erofs_off_t from, erofs_off_t to)
{
	memset(it, 0, sizeof(*it));
	if (from > to || to > vi->size)
		return -EINVAL;
	it->vi = vi;
	it->pos = from;
	it->end = to;
	it->chunk = EROFS_ITER_CHUNK;
	return 0;
}

void erofs_iter_fini(struct erofs_iter *it)
{
	free(it->buf);
	it->buf = NULL;
	free(it->packed);
	it->packed = NULL;
}

/* Bytes kept as they are: everything but a pcluster to decode. */
static bool erofs_piece_stored(const struct erofs_piece *p)
{
	return !(p->map.m_flags & EROFS_MAP_ENCODED) ||
	       p->map.m_algorithmformat == Z_EROFS_COMPRESSION_SHIFTED ||
	       p->map.m_algorithmformat == Z_EROFS_COMPRESSION_INTERLACED;
}

/*
 * An interlaced extent's first bytes, up to the block boundary after m_la,
 * are kept at the end of its pcluster; the rest from the pcluster's start.
 */
static erofs_off_t erofs_interlaced_head(const struct erofs_inode *vi,
					 const struct erofs_map_blocks *m)
{
	erofs_off_t bsz = vi->sbi->blksz;

	return EROFS_MIN(bsz - (m->m_la & (bsz - 1)), m->m_llen);
}

int erofs_iter_next(struct erofs_iter *it, struct erofs_piece *p)
{
	const struct erofs_map_blocks *m = &it->map;
	int err;

	if (it->pos >= it->end)
		return 0;
	if (!it->mapped || it->pos - m->m_la >= m->m_llen) {
		it->map = (struct erofs_map_blocks){ .m_la = it->pos };
		err = erofs_map_blocks(it->vi, &it->map);
		if (err)
			return err;
		/* the contract every consumer relies on: no loop, no gap */
		if (m->m_la > it->pos || it->pos - m->m_la >= m->m_llen) {
			erofs_err("nid %llu: extent at %llu (%llu bytes) does not hold offset %llu",
				  (unsigned long long)it->vi->nid,
				  (unsigned long long)m->m_la,
				  (unsigned long long)m->m_llen,
				  (unsigned long long)it->pos);
			return -EFSCORRUPTED;
		}
		it->mapped = true;
	}
	p->pos = it->pos;
	p->len = EROFS_MIN(m->m_llen - (it->pos - m->m_la), it->end - it->pos);
	p->map = *m;
	p->room = 0;
	p->data = NULL;
	if ((m->m_flags & EROFS_MAP_MAPPED) && erofs_piece_stored(p)) {
		p->len = EROFS_MIN(p->len, it->chunk);
		if ((m->m_flags & EROFS_MAP_ENCODED) &&
		    m->m_algorithmformat == Z_EROFS_COMPRESSION_INTERLACED) {
			erofs_off_t head = erofs_interlaced_head(it->vi, m);

			if (p->pos - m->m_la < head)
				p->len = EROFS_MIN(p->len,
						   head - (p->pos - m->m_la));
		}
	} else if ((m->m_flags & EROFS_MAP_MAPPED) && !it->cached &&
		 p->pos == m->m_la && p->len == m->m_llen)
		p->room = z_erofs_decode_room(m);
	it->pos += p->len;
	return 1;
}

static int erofs_iter_copy(struct erofs_inode *vi, struct z_erofs_pcache *pc,
			   struct z_erofs_shared *sh, uint8_t *out, size_t len,
			   erofs_off_t pos, bool prefix);

/* Fragment bytes: the packed inode's, from m_pa on. */
static int erofs_iter_read_fragment(struct erofs_iter *it,
				    const struct erofs_piece *p, uint8_t *dst)
{
	erofs_off_t at = p->map.m_pa + (p->pos - p->map.m_la);
	int err;

	if (!it->packed) {
		it->packed = malloc(sizeof(*it->packed));
		if (!it->packed)
			return -ENOMEM;
		err = erofs_read_packed_inode(it->vi->sbi, it->packed);
		if (err) {
			free(it->packed);
			it->packed = NULL;
			if (err == -ENOENT) {
				erofs_err("nid %llu: fragment at %llu in an image without a packed inode",
					  (unsigned long long)it->vi->nid,
					  (unsigned long long)at);
				err = -EFSCORRUPTED;
			}
			return err;
		}
	}
	/* the map checked the bounds against the packed inode it read then */
	if (at > it->packed->size || p->len > it->packed->size - at) {
		erofs_err("nid %llu: fragment piece of %llu bytes at %llu runs past the end of the packed inode (%llu bytes)",
			  (unsigned long long)it->vi->nid,
			  (unsigned long long)p->len, (unsigned long long)at,
			  (unsigned long long)it->packed->size);
		return -EFSCORRUPTED;
	}
	return erofs_iter_copy(it->packed, it->pc, it->shared, dst, p->len, at,
			       false);
}

static int erofs_iter_read_stored(struct erofs_iter *it,
				  struct erofs_piece *p, void *dst, size_t cap)
{
	const struct erofs_sb_info *sbi = it->vi->sbi;
	const struct erofs_map_blocks *m = &p->map;
	erofs_off_t at = m->m_pa + (p->pos - m->m_la), off;
	struct erofs_io *io;
	size_t n = p->len;
	int err;

	if (!dst || cap < n) {
		/* n <= it->chunk: a size the consumer chose to be allocatable */
		if (it->bufsz < n) {
			uint8_t *b = realloc(it->buf, n);

			if (!b)
				return -ENOMEM;
			it->buf = b;
			it->bufsz = n;
		}
		dst = it->buf;
	}
	if (m->m_flags & EROFS_MAP_FRAGMENT) {
		err = erofs_iter_read_fragment(it, p, dst);
		if (!err)
			p->data = dst;
		return err;
	}
	if ((m->m_flags & EROFS_MAP_ENCODED) &&
	    m->m_algorithmformat == Z_EROFS_COMPRESSION_INTERLACED) {
		erofs_off_t head = erofs_interlaced_head(it->vi, m);
		erofs_off_t d = p->pos - m->m_la;

		/* next() cut the piece at the turn; the map bounded m_llen */
		at = d < head ? m->m_pa + m->m_plen - head + d :
			m->m_pa + (d - head);
	}
	off = at;
	/* an inline tail lives with the inode: in the image or the metabox */
	if (m->m_flags & EROFS_MAP_META)
		io = it->vi->mio;
	else
		io = erofs_sb_device_io(sbi, m->m_deviceid, off, &at);
	if (!io) {
		/* the image is sound: this reader was not given the file */
		erofs_err("nid %llu: data at offset %llu of device %u, which is missing (give it with --device)",
			  (unsigned long long)it->vi->nid,
			  (unsigned long long)off, p->map.m_deviceid);
		return -ENXIO;
	}
	err = erofs_io_read(io, dst, n, at);
	if (err) {
		erofs_err("nid %llu: cannot read %zu bytes at offset %llu of device %u: %s",
			  (unsigned long long)it->vi->nid, n,
			  (unsigned long long)at, p->map.m_deviceid,
			  strerror(-err));
		return err;
	}
	p->data = dst;
	return 0;
}

int erofs_iter_read(struct erofs_iter *it, struct erofs_piece *p, void *dst,
		    size_t cap)
{
	const uint8_t *decoded;
	int err = 0;

	if (!(p->map.m_flags & EROFS_MAP_MAPPED))
		return 0;
	if (erofs_piece_stored(p))
		return erofs_iter_read_stored(it, p, dst, cap);
	if (dst && p->room && cap >= p->room) {
		err = z_erofs_decode_into(it->pc, it->vi, &p->map, dst, cap);
		if (!err)
			p->data = dst;
		return err;
	}
	decoded = z_erofs_claim_in(it->pc, it->vi, &p->map, &err);
	if (!decoded)
		return err;
	p->data = decoded + (p->pos - p->map.m_la);
	return 0;
}

/*
 * erofs_pread() through pcluster cache @pc, or the shared cache @sh when
 * set; with @prefix, an extent that runs on past the range is decoded only
 * as far as the range needs (a prefix, as for a partial reference) where
 * its format allows it.
 */
static int erofs_iter_copy(struct erofs_inode *vi, struct z_erofs_pcache *pc,
			   struct z_erofs_shared *sh, uint8_t *out, size_t len,
			   erofs_off_t pos, bool prefix)
{
	struct erofs_iter it;
	struct erofs_piece p;
	int err;

	err = erofs_iter_init(&it, vi, pos, pos + len);
	if (err)
		return err;
	it.pc = pc;
	it.shared = sh;
	/* every stored piece goes straight into @out */
	it.chunk = len;
	/* the next read may want the rest of a pcluster */
	it.cached = true;
	while ((err = erofs_iter_next(&it, &p)) > 0) {
		uint8_t *at = out + (p.pos - pos);
		erofs_off_t need = p.pos + p.len - p.map.m_la;

		if (prefix && (p.map.m_flags & EROFS_MAP_ENCODED) &&
		    !(p.map.m_flags & EROFS_MAP_FRAGMENT) &&
		    p.map.m_algorithmformat != Z_EROFS_COMPRESSION_SHIFTED &&
		    p.map.m_algorithmformat != Z_EROFS_COMPRESSION_INTERLACED &&
		    need < p.map.m_llen) {
			p.map.m_llen = need;
			p.map.m_flags |= EROFS_MAP_PARTIAL_REF;
		}
		if (sh && !erofs_piece_stored(&p) &&
		    (p.map.m_flags & EROFS_MAP_MAPPED)) {
			err = z_erofs_shared_read(sh, vi, &p.map, at,
						  p.pos - p.map.m_la, p.len);
			if (err)
				break;
			continue;
		}
		err = erofs_iter_read(&it, &p, at, len - (p.pos - pos));
		if (err)
			break;
		if (!p.data)
			memset(at, 0, p.len);
		else if (p.data != at)
			memcpy(at, p.data, p.len);
	}
	erofs_iter_fini(&it);
	return err;
}

int erofs_pread(struct erofs_inode *vi, void *buf, size_t len, erofs_off_t pos)
{
	return erofs_iter_copy(vi, NULL, NULL, buf, len, pos, false);
}

int erofs_pread_shared(struct erofs_inode *vi, struct z_erofs_shared *sh,
		       void *buf, size_t len, erofs_off_t pos, bool prefix)
{
	return erofs_iter_copy(vi, NULL, sh, buf, len, pos, prefix);
}

ssize_t erofs_read_symlink(struct erofs_inode *vi, char *buf, size_t bufsz)
{
	int err;

	if (!S_ISLNK(vi->mode))
		return -EINVAL;
	if (!vi->size || vi->size > EROFS_SYMLINK_MAX) {
		erofs_err("nid %llu: symlink length %llu not in 1..%u (inode at offset %llu)",
			  (unsigned long long)vi->nid,
			  (unsigned long long)vi->size, EROFS_SYMLINK_MAX,
			  (unsigned long long)vi->iloc);
		return -EFSCORRUPTED;
	}
	if (bufsz < vi->size + 1)
		return -ENAMETOOLONG;
	err = erofs_pread(vi, buf, vi->size, 0);
	if (err)
		return err;
	buf[vi->size] = '\0';
	if (strlen(buf) != vi->size) {
		erofs_err("nid %llu: symlink target holds a NUL byte at %zu (inode at offset %llu)",
			  (unsigned long long)vi->nid, strlen(buf),
			  (unsigned long long)vi->iloc);
		return -EFSCORRUPTED;
	}
	return vi->size;
}
