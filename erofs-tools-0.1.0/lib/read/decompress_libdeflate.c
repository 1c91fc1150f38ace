// SPDX-License-Identifier: MIT
/*
 * DEFLATE pclusters through libdeflate, which decodes whole streams only
 * (it is about twice as fast as zlib at that).  A whole extent must fill
 * its output exactly.  A partial reference (when zlib is not there to
 * stop after the prefix) is decoded whole into a scratch buffer that
 * grows up to the largest pcluster the kernel decodes, then cut.
 */
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>
#include "erofs_fs.h"
#include "decompress_codecs.h"

static int z_erofs_libdeflate_prefix(struct libdeflate_decompressor *d,
				     const uint8_t *src, uint32_t srclen,
				     const struct z_erofs_decompress_req *rq)
{
	size_t cap = rq->outlen, got;
	enum libdeflate_result ret;
	uint8_t *buf = NULL, *n;

	for (;;) {
		cap = cap < Z_EROFS_PCLUSTER_MAX_DSIZE / 2 ?
		      cap * 2 : Z_EROFS_PCLUSTER_MAX_DSIZE;
		n = realloc(buf, cap);
		if (!n) {
			free(buf);
			return -ENOMEM;
		}
		buf = n;
		ret = libdeflate_deflate_decompress(d, src, srclen, buf, cap, &got);
		if (ret != LIBDEFLATE_INSUFFICIENT_SPACE ||
		    cap == Z_EROFS_PCLUSTER_MAX_DSIZE)
			break;
	}
	if (ret == LIBDEFLATE_SUCCESS && got >= rq->outlen)
		memcpy(rq->out, buf, rq->outlen);
	free(buf);
	if (ret == LIBDEFLATE_INSUFFICIENT_SPACE)
		return -EOPNOTSUPP;	/* beyond what we decode without zlib */
	return ret == LIBDEFLATE_SUCCESS && got >= rq->outlen ? 0 : -EFSCORRUPTED;
}

int z_erofs_libdeflate_decompress(const struct z_erofs_decompress_req *rq)
{
	struct libdeflate_decompressor *d;
	enum libdeflate_result ret;
	const uint8_t *src;
	uint32_t srclen;
	int err;

	err = z_erofs_stream_start(rq, &src, &srclen);
	if (err)
		return err;
	d = libdeflate_alloc_decompressor();
	if (!d)
		return -ENOMEM;
	if (rq->partial) {
		err = z_erofs_libdeflate_prefix(d, src, srclen, rq);
	} else {
		/* no actual size asked: anything but exactly outlen fails */
		ret = libdeflate_deflate_decompress(d, src, srclen, rq->out,
						    rq->outlen, NULL);
		err = ret == LIBDEFLATE_SUCCESS ? 0 : -EFSCORRUPTED;
	}
	libdeflate_free_decompressor(d);
	return err;
}
