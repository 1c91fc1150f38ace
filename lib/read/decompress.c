// SPDX-License-Identifier: MIT
/*
 * Decompressors, one entry per on-disk algorithm id.  Each checks that
 * the stream yields exactly the extent's length without reading outside
 * its pcluster; a mismatch is corruption, never a short read.
 */
/* LZ4_DECOMPRESS_INPLACE_MARGIN is a macro of the "static" section */
#define LZ4_STATIC_LINKING_ONLY
#include <lz4.h>
#include "erofs_fs.h"
#include "erofs/decompress.h"

struct z_erofs_decompressor {
	const char *name;
	int (*decompress)(const struct z_erofs_decompress_req *rq);
	uint32_t (*inplace_margin)(uint32_t inlen);
};

static int z_erofs_lz4_decompress(const struct z_erofs_decompress_req *rq)
{
	const uint8_t *src = rq->in;
	uint32_t srclen = rq->inlen;
	int ret;

	if (rq->zero_padding) {
		/* the stream starts at the first non-zero byte */
		while (srclen && !*src) {
			src++;
			srclen--;
		}
		if (!srclen)
			return -EFSCORRUPTED;
	}
	if (srclen > INT32_MAX || rq->outlen > INT32_MAX)
		return -EFSCORRUPTED;
	/*
	 * Without zero padding the stream is followed by garbage, and a
	 * partial reference wants only a prefix: decode just that much.
	 */
	if (!rq->zero_padding || rq->partial)
		ret = LZ4_decompress_safe_partial((const char *)src, (char *)rq->out,
						  srclen, rq->outlen, rq->outlen);
	else
		ret = LZ4_decompress_safe((const char *)src, (char *)rq->out,
					  srclen, rq->outlen);
	return ret == (int)rq->outlen ? 0 : -EFSCORRUPTED;
}

static uint32_t z_erofs_lz4_margin(uint32_t inlen)
{
	return LZ4_DECOMPRESS_INPLACE_MARGIN(inlen);
}

static const struct z_erofs_decompressor z_erofs_decompressors[] = {
	[Z_EROFS_COMPRESSION_LZ4] = {
		.name = "lz4",
		.decompress = z_erofs_lz4_decompress,
		.inplace_margin = z_erofs_lz4_margin,
	},
	[Z_EROFS_COMPRESSION_LZMA] = { .name = "lzma" },
	[Z_EROFS_COMPRESSION_DEFLATE] = { .name = "deflate" },
	[Z_EROFS_COMPRESSION_ZSTD] = { .name = "zstd" },
};

int z_erofs_decompress(const struct z_erofs_decompress_req *rq,
		       unsigned int alg)
{
	if (alg >= EROFS_ARRAY_SIZE(z_erofs_decompressors) ||
	    !z_erofs_decompressors[alg].decompress)
		return -EOPNOTSUPP;
	return z_erofs_decompressors[alg].decompress(rq);
}

const char *z_erofs_algorithm_name(unsigned int alg)
{
	if (alg < EROFS_ARRAY_SIZE(z_erofs_decompressors))
		return z_erofs_decompressors[alg].name;
	return "unknown";
}

uint32_t z_erofs_inplace_margin(unsigned int alg, uint32_t inlen)
{
	if (alg < EROFS_ARRAY_SIZE(z_erofs_decompressors) &&
	    z_erofs_decompressors[alg].inplace_margin)
		return z_erofs_decompressors[alg].inplace_margin(inlen);
	return UINT32_MAX;
}
