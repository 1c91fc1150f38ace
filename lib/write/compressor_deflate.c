// SPDX-License-Identifier: MIT
/*
 * DEFLATE pclusters (raw streams) through libdeflate, which has no
 * destination-size mode: the longest input that fits is searched for
 * (z_erofs_fit_search).  Two names: "deflate" with erofs-utils' levels
 * 0-9, "libdeflate" with libdeflate's own 0-12.
 */
#include <libdeflate.h>
#include <stdlib.h>
#include "erofs_fs.h"
#include "erofs/compressor.h"

struct deflate_ctx {
	struct libdeflate_compressor *z;
	uint8_t *scratch;
	unsigned int scratch_len;
};

/* DEFLATE's full window. */
static uint32_t deflate_default_dictsize(uint32_t pclsz)
{
	(void)pclsz;
	return 32768;
}

static int deflate_init(struct erofs_compress *c)
{
	struct deflate_ctx *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->z = libdeflate_alloc_compressor(c->level);
	if (!x->z) {
		free(x);
		return -ENOMEM;
	}
	c->priv = x;
	return 0;
}

static void deflate_exit(struct erofs_compress *c)
{
	struct deflate_ctx *x = c->priv;

	if (x) {
		libdeflate_free_compressor(x->z);
		free(x->scratch);
	}
	free(x);
	c->priv = NULL;
}

static long deflate_oneshot(struct erofs_compress *c, const void *src,
			    size_t len, void *dst, size_t cap)
{
	struct deflate_ctx *x = c->priv;

	return libdeflate_deflate_compress(x->z, src, len, dst, cap);
}

static int deflate_compress_destsize(struct erofs_compress *c, const void *src,
				     unsigned int *srclen, void *dst,
				     unsigned int dstlen)
{
	struct deflate_ctx *x = c->priv;
	uint8_t *out = dst;
	int ret;

	if (x->scratch_len < 2 * dstlen) {
		uint8_t *s = realloc(x->scratch, 2 * (size_t)dstlen);

		if (!s)
			return -ENOMEM;
		x->scratch = s;
		x->scratch_len = 2 * dstlen;
	}
	/*
	 * libdeflate looks back 32 KiB; a smaller window is kept by giving
	 * it no more input than that, as no match reaches before its start.
	 */
	if (c->dictsize && *srclen > c->dictsize)
		*srclen = c->dictsize;
	/*
	 * A fill within 1/128 of the pcluster (32 bytes of 4 KiB) ends the
	 * search: the last bytes cost more attempts than they save (on the
	 * bench's /usr: 16% fewer attempts, 0.12% more image).
	 */
	ret = z_erofs_fit_search(c, deflate_oneshot, src, srclen, dst, dstlen,
				 x->scratch, EROFS_MAX(dstlen >> 7, 1u));
	/*
	 * Readers find where the stream starts by skipping the zero padding
	 * before it, so it may not start with a zero byte.  Only a stored,
	 * non-final first block does; the five bits after its 3-bit header
	 * are padding that every inflater skips, so one is set.
	 */
	if (ret > 0 && !out[0])
		out[0] = 0x08;
	return ret;
}

const struct erofs_compressor erofs_compressor_deflate = {
	.name = "deflate",
	.alg = Z_EROFS_COMPRESSION_DEFLATE,
	.default_level = 1,
	.min_level = 0,
	.max_level = 9,
	.min_dictsize = 256,
	.max_dictsize = 32768,
	.dictsize_pow2 = true,
	.default_dictsize = deflate_default_dictsize,
	.init = deflate_init,
	.exit = deflate_exit,
	.compress_destsize = deflate_compress_destsize,
};

const struct erofs_compressor erofs_compressor_libdeflate = {
	.name = "libdeflate",
	.alg = Z_EROFS_COMPRESSION_DEFLATE,
	.default_level = 1,
	.min_level = 0,
	.max_level = 12,
	.min_dictsize = 256,
	.max_dictsize = 32768,
	.dictsize_pow2 = true,
	.default_dictsize = deflate_default_dictsize,
	.init = deflate_init,
	.exit = deflate_exit,
	.compress_destsize = deflate_compress_destsize,
};
