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
#define FSCK_ZERO_GRAIN	4096

static bool fsck_all_zero(const char *p, size_t len)
{
	return !p[0] && !memcmp(p, p + 1, len - 1);
}

/* Write @len bytes at @pos, leaving whole zero grains as holes. */
static int fsck_write_sparse(int fd, const char *buf, size_t len,
			     erofs_off_t pos)
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
		}
	}
	return 0;
}

int fsck_copy_data(struct fsck_ctx *ctx, struct erofs_inode *vi, int outfd)
{
	const uint8_t *decoded;
	erofs_off_t pos = 0;
	char *buf;
	int err = 0;

	buf = malloc(FSCK_COPY_BUF);
	if (!buf)
		return -ENOMEM;
	while (pos < vi->size) {
		struct erofs_map_blocks map = { .m_la = pos };
		erofs_off_t end;

		err = erofs_map_blocks(vi, &map);
		if (err)
			goto out_free;
		end = map.m_la + map.m_llen;
		if (!(map.m_flags & EROFS_MAP_MAPPED)) {
			fsck_compare_hole(ctx, pos, end - pos);
			pos = end;
			continue;
		}
		ctx->logical += end - pos;
		ctx->physical += (map.m_flags & EROFS_MAP_ENCODED) ?
				 map.m_plen : end - pos;
		/* a compressed extent is decoded once, then copied from the cache */
		decoded = NULL;
		if ((map.m_flags & EROFS_MAP_ENCODED) &&
		    map.m_algorithmformat != Z_EROFS_COMPRESSION_SHIFTED) {
			decoded = z_erofs_claim(vi, &map, &err);
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
					  ctx->path.len ? ctx->path.buf : "/",
					  (unsigned long long)vi->nid, n,
					  (unsigned long long)(map.m_pa + (pos - map.m_la)),
					  strerror(-err));
				goto out_free;
			}
			ctx->bytes += n;
			fsck_compare_data(ctx, src, n, pos);
			if (outfd >= 0) {
				err = fsck_write_sparse(outfd, src, n, pos);
				if (err) {
					erofs_err("%s: cannot write: %s",
						  fsck_extract_relpath(ctx),
						  strerror(-err));
					err = -EIO;	/* an operational error */
					goto out_free;
				}
			}
			pos += n;
		}
		erofs_progress_update(&ctx->progress, ctx->physical, ctx->inodes);
	}
	/* the size also covers trailing holes and zero blocks never written */
	if (outfd >= 0 && ftruncate(outfd, vi->size)) {
		erofs_err("%s: cannot set size: %s", fsck_extract_relpath(ctx),
			  strerror(errno));
		err = -EIO;
	}
out_free:
	free(buf);
	return err;
}
