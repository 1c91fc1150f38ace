// SPDX-License-Identifier: MIT
/*
 * File content, piece by piece: the map says where each extent lives, and
 * this is the one place that turns that answer into bytes -- zeros for a
 * hole, a read for stored bytes (flat, chunk-based, inline tails, extents
 * stored uncompressed), a pcluster decoded through zdata.c otherwise.  A
 * new layout changes the map and this file, never a consumer.
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
}

/* Bytes kept as they are: everything but a pcluster to decode. */
static bool erofs_piece_stored(const struct erofs_piece *p)
{
	return !(p->map.m_flags & EROFS_MAP_ENCODED) ||
	       p->map.m_algorithmformat == Z_EROFS_COMPRESSION_SHIFTED;
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
	if ((m->m_flags & EROFS_MAP_MAPPED) && erofs_piece_stored(p))
		p->len = EROFS_MIN(p->len, it->chunk);
	else if ((m->m_flags & EROFS_MAP_MAPPED) && !it->cached &&
		 p->pos == m->m_la && p->len == m->m_llen)
		p->room = z_erofs_decode_room(m);
	it->pos += p->len;
	return 1;
}

static int erofs_iter_read_stored(struct erofs_iter *it,
				  struct erofs_piece *p, void *dst, size_t cap)
{
	erofs_off_t at = p->map.m_pa + (p->pos - p->map.m_la);
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
	/* an inline tail lives with the inode: in the image or the metabox */
	err = erofs_io_read((p->map.m_flags & EROFS_MAP_META) ? it->vi->mio :
			    it->vi->sbi->io, dst, n, at);
	if (err) {
		erofs_err("nid %llu: cannot read %zu bytes at offset %llu: %s",
			  (unsigned long long)it->vi->nid, n,
			  (unsigned long long)at, strerror(-err));
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

int erofs_pread(struct erofs_inode *vi, void *buf, size_t len, erofs_off_t pos)
{
	struct erofs_iter it;
	struct erofs_piece p;
	uint8_t *out = buf;
	int err;

	err = erofs_iter_init(&it, vi, pos, pos + len);
	if (err)
		return err;
	/* every stored piece goes straight into @buf */
	it.chunk = len;
	/* the next read may want the rest of a pcluster */
	it.cached = true;
	while ((err = erofs_iter_next(&it, &p)) > 0) {
		uint8_t *at = out + (p.pos - pos);

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
