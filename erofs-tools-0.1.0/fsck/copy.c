// SPDX-License-Identifier: MIT
/*
 * File contents: take every piece the library's iterator yields (reading
 * the bytes back is the data check) and, when extracting, write it out.
 * A hole is one piece, skipped, and all-zero blocks are seeked over, so a
 * file claiming 70 GB of zeros costs neither time reading nor disk space
 * writing.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/iter.h"
#include "erofs/print.h"
#include "fsck.h"

#define FSCK_OUT_BUF	(256 * 1024)
#define FSCK_ZERO_GRAIN	4096

static bool fsck_all_zero(const char *p, size_t len)
{
	return !p[0] && !memcmp(p, p + 1, len - 1);
}

/*
 * Write @len bytes at @pos, leaving whole zero grains as holes; *@hi is
 * raised to the end of the last byte really written.
 */
static int fsck_write_sparse(int fd, const char *buf, size_t len,
			     erofs_off_t pos, erofs_off_t *hi)
{
	size_t off = 0;

	while (off < len) {
		size_t n = EROFS_MIN(len - off, (size_t)FSCK_ZERO_GRAIN);
		size_t run = 0;

		if (fsck_all_zero(buf + off, n)) {
			off += n;
			continue;
		}
		/* gather the run of non-zero grains into one write */
		while (off + run < len) {
			n = EROFS_MIN(len - off - run, (size_t)FSCK_ZERO_GRAIN);
			if (fsck_all_zero(buf + off + run, n))
				break;
			run += n;
		}
		while (run) {
			ssize_t w = pwrite(fd, buf + off, run, pos + off);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (!w)
				return -ENOSPC;
			off += w;
			run -= w;
			*hi = EROFS_MAX(*hi, pos + off);
		}
	}
	return 0;
}

/*
 * Output gathered into large writes: decoded extents are often a few KiB
 * each, and a write per extent costs more than the copy into this buffer.
 */
struct fsck_out {
	int fd;
	char *buf;
	size_t len;
	erofs_off_t start;	/* file offset of buf[0] */
	erofs_off_t hi;		/* end of the last byte written */
};

static int fsck_out_flush(struct fsck_out *o)
{
	int err = 0;

	if (o->len)
		err = fsck_write_sparse(o->fd, o->buf, o->len, o->start, &o->hi);
	o->len = 0;
	return err;
}

static int fsck_out_put(struct fsck_out *o, const char *src, size_t n,
			erofs_off_t pos)
{
	int err = 0;

	if (o->len && pos != o->start + o->len)
		err = fsck_out_flush(o);
	if (!err && !o->len && n >= FSCK_OUT_BUF)
		return fsck_write_sparse(o->fd, src, n, pos, &o->hi);
	while (!err && n) {
		size_t k = EROFS_MIN(n, FSCK_OUT_BUF - o->len);

		if (!o->len)
			o->start = pos;
		memcpy(o->buf + o->len, src, k);
		o->len += k;
		src += k;
		pos += k;
		n -= k;
		if (o->len == FSCK_OUT_BUF)
			err = fsck_out_flush(o);
	}
	return err;
}

int fsck_copy_range(struct fsck_ctx *ctx, struct erofs_inode *vi, int outfd,
		    erofs_off_t from, erofs_off_t to, erofs_off_t *hi)
{
	struct fsck_out out = { .fd = outfd };
	struct erofs_iter it;
	struct erofs_piece p;
	int more, err;

	*hi = 0;
	err = erofs_iter_init(&it, vi, from, to);
	if (err)
		return err;
	it.pc = ctx->zcache;
	if (outfd >= 0) {
		out.buf = malloc(FSCK_OUT_BUF);
		if (!out.buf)
			return -ENOMEM;
	}
	while ((more = erofs_iter_next(&it, &p)) > 0) {
		char *dst;

		if (!(p.map.m_flags & EROFS_MAP_MAPPED)) {
			fsck_jobs_hole(ctx, p.pos, p.len);
			continue;
		}
		ctx->logical += p.len;
		/*
		 * A pcluster split between two ranges counts in the first; a
		 * fragment's bytes count as the packed inode's.
		 */
		if (p.map.m_flags & EROFS_MAP_FRAGMENT)
			;
		else if (!(p.map.m_flags & EROFS_MAP_ENCODED))
			ctx->physical += p.len;
		else if (p.pos == p.map.m_la)
			ctx->physical += p.map.m_plen;
		/*
		 * Extracting a whole extent: decode it straight into the
		 * output buffer, which saves copying every byte once more.
		 */
		dst = NULL;
		if (outfd >= 0 && p.room && p.room <= FSCK_OUT_BUF) {
			if (out.len && (out.start + out.len != p.pos ||
					FSCK_OUT_BUF - out.len < p.room))
				err = fsck_out_flush(&out);
			if (err)
				goto out_write;
			if (!out.len)
				out.start = p.pos;
			dst = out.buf + out.len;
		}
		err = erofs_iter_read(&it, &p, dst,
				      dst ? FSCK_OUT_BUF - out.len : 0);
		if (err)
			goto out_free;
		ctx->bytes += p.len;
		fsck_jobs_data(ctx, p.data, p.len, p.pos);
		if (p.data == (const uint8_t *)dst)
			out.len += p.len;
		else if (outfd >= 0)
			err = fsck_out_put(&out, (const char *)p.data, p.len,
					   p.pos);
		if (err)
			goto out_write;
		erofs_progress_update(&ctx->progress, ctx->physical, ctx->inodes);
	}
	err = more;
	if (err)
		goto out_free;
	if (outfd >= 0)
		err = fsck_out_flush(&out);
out_write:
	if (err) {
		erofs_err("%s: cannot write: %s", fsck_path_rel(ctx),
			  strerror(-err));
		err = -EIO;	/* an operational error */
	}
	*hi = out.hi;
out_free:
	erofs_iter_fini(&it);
	free(out.buf);
	return err;
}
