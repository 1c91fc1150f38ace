// SPDX-License-Identifier: MIT
/*
 * LZMA pclusters: liblzma's MicroLZMA encoder fills the output exactly
 * and reports how much input it took, so no search is needed.
 */
#include <lzma.h>
#include <stdlib.h>
#include "erofs_fs.h"
#include "erofs/compressor.h"

struct lzma_ctx {
	lzma_options_lzma opt;
	lzma_stream strm;
};

/* Four pclusters' worth, as erofs-utils does, from 32 KiB to 8 MiB. */
static uint32_t lzma_default_dictsize(uint32_t pclsz)
{
	uint64_t d = (uint64_t)pclsz * 4;

	return EROFS_MAX(EROFS_MIN(d, (uint64_t)Z_EROFS_LZMA_MAX_DICT_SIZE),
			 (uint64_t)32768);
}

static int lzma_init(struct erofs_compress *c)
{
	struct lzma_ctx *x = calloc(1, sizeof(*x));
	uint32_t preset = c->level >= 100 ? (uint32_t)(c->level - 100) | LZMA_PRESET_EXTREME
					  : (uint32_t)c->level;

	if (!x)
		return -ENOMEM;
	x->strm = (lzma_stream)LZMA_STREAM_INIT;
	if (lzma_lzma_preset(&x->opt, preset)) {
		free(x);
		return -EINVAL;
	}
	if (c->dictsize)
		x->opt.dict_size = c->dictsize;
	if (c->lc >= 0)
		x->opt.lc = c->lc;
	if (c->lp >= 0)
		x->opt.lp = c->lp;
	if (c->pb >= 0)
		x->opt.pb = c->pb;
	c->priv = x;
	return 0;
}

static void lzma_exit(struct erofs_compress *c)
{
	struct lzma_ctx *x = c->priv;

	if (x)
		lzma_end(&x->strm);
	free(x);
	c->priv = NULL;
}

static int lzma_compress_destsize(struct erofs_compress *c, const void *src,
				  unsigned int *srclen, void *dst,
				  unsigned int dstlen)
{
	struct lzma_ctx *x = c->priv;
	lzma_ret ret = lzma_microlzma_encoder(&x->strm, &x->opt);

	if (ret == LZMA_MEM_ERROR)
		return -ENOMEM;
	if (ret != LZMA_OK)
		return -EINVAL;
	x->strm.next_in = src;
	x->strm.avail_in = *srclen;
	x->strm.next_out = dst;
	x->strm.avail_out = dstlen;
	ret = lzma_code(&x->strm, LZMA_FINISH);
	if (ret != LZMA_STREAM_END)
		return ret == LZMA_MEM_ERROR ? -ENOMEM : -EIO;
	*srclen = x->strm.total_in;
	return x->strm.total_out;
}

const struct erofs_compressor erofs_compressor_lzma = {
	.name = "lzma",
	.alg = Z_EROFS_COMPRESSION_LZMA,
	.default_level = 6,
	.min_level = 0,
	.max_level = 9,
	.extreme_levels = true,
	.min_dictsize = 4096,
	.max_dictsize = Z_EROFS_LZMA_MAX_DICT_SIZE,
	.lzma_opts = true,
	.default_dictsize = lzma_default_dictsize,
	.init = lzma_init,
	.exit = lzma_exit,
	.compress_destsize = lzma_compress_destsize,
};
