// SPDX-License-Identifier: MIT
/*
 * File contents: read every mapped byte back (that is the data check) and,
 * when extracting, write it out.  Holes are skipped through the map and
 * all-zero blocks are seeked over, so a file claiming 70 GB of zeros costs
 * neither time reading nor disk space writing.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/data.h"
#include "erofs/print.h"
#include "erofs/zdata.h"
#include "fsck.h"

#define FSCK_COPY_BUF	(128 * 1024)
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
	const uint8_t *decoded;
	erofs_off_t pos = from;
	bool encoded;
	size_t room;
	char *buf;
	int err = 0;

	*hi = 0;
	buf = malloc(FSCK_COPY_BUF + (outfd >= 0 ? FSCK_OUT_BUF : 0));
	if (!buf)
		return -ENOMEM;
	out.buf = buf + FSCK_COPY_BUF;
	while (pos < to) {
		struct erofs_map_blocks map = { .m_la = pos };
		erofs_off_t end;

		err = erofs_map_blocks(vi, &map);
		if (err)
			goto out_free;
		end = EROFS_MIN(map.m_la + map.m_llen, to);
		if (!(map.m_flags & EROFS_MAP_MAPPED)) {
			fsck_jobs_hole(ctx, pos, end - pos);
			pos = end;
			continue;
		}
		ctx->logical += end - pos;
		/* a pcluster split between two ranges counts in the first */
		if (!(map.m_flags & EROFS_MAP_ENCODED))
			ctx->physical += end - pos;
		else if (map.m_la >= from)
			ctx->physical += map.m_plen;
		encoded = (map.m_flags & EROFS_MAP_ENCODED) &&
			  map.m_algorithmformat != Z_EROFS_COMPRESSION_SHIFTED;
		/*
		 * Extracting a whole extent: decode it straight into the
		 * output buffer, which saves copying every byte once more.
		 */
		room = encoded ? z_erofs_decode_room(&map) : 0;
		if (encoded && outfd >= 0 && map.m_la == pos &&
		    end == pos + map.m_llen && room <= FSCK_OUT_BUF) {
			if (out.len && (out.start + out.len != pos ||
					FSCK_OUT_BUF - out.len < room))
				err = fsck_out_flush(&out);
			if (err)
				goto out_write;
			if (!out.len)
				out.start = pos;
			err = z_erofs_decode_into(ctx->zcache, vi, &map,
						  out.buf + out.len,
						  FSCK_OUT_BUF - out.len);
			if (err)
				goto out_free;
			ctx->bytes += map.m_llen;
			fsck_jobs_data(ctx, out.buf + out.len, map.m_llen, pos);
			out.len += map.m_llen;
			pos = end;
			erofs_progress_update(&ctx->progress, ctx->physical,
					      ctx->inodes);
			continue;
		}
		/* a compressed extent is decoded once, then copied from the cache */
		decoded = NULL;
		if (encoded) {
			decoded = z_erofs_claim_in(ctx->zcache, vi, &map, &err);
			if (!decoded)
				goto out_free;
		}
		while (pos < end) {
			size_t n = EROFS_MIN(end - pos, (erofs_off_t)FSCK_COPY_BUF);
			const char *src = buf;

			if (decoded)
				src = (const char *)decoded + (pos - map.m_la);
			else
				err = erofs_io_read(ctx->sbi->io, buf, n,
						    map.m_pa + (pos - map.m_la));
			if (err) {
				erofs_err("%s: nid %llu: cannot read %zu bytes at offset %llu: %s",
					  fsck_path_str(ctx),
					  (unsigned long long)vi->nid, n,
					  (unsigned long long)(map.m_pa + (pos - map.m_la)),
					  strerror(-err));
				goto out_free;
			}
			ctx->bytes += n;
			fsck_jobs_data(ctx, src, n, pos);
			if (outfd >= 0)
				err = fsck_out_put(&out, src, n, pos);
			if (err)
				goto out_write;
			pos += n;
		}
		erofs_progress_update(&ctx->progress, ctx->physical, ctx->inodes);
	}
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
	free(buf);
	return err;
}
