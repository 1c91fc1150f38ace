// SPDX-License-Identifier: MIT
/*
 * Decompressors, one entry per on-disk algorithm id.  Each checks that
 * the stream yields exactly the extent's length without reading outside
 * its pcluster; a mismatch is corruption, never a short read.  LZ4 lives
 * here; the others are a file each over their library (decompress_*.c),
 * and an entry without a decoder reports its algorithm as unsupported.
 */
/* LZ4_DECOMPRESS_INPLACE_MARGIN is a macro of the "static" section */
#define LZ4_STATIC_LINKING_ONLY
#include <lz4.h>
#include "erofs_fs.h"
#include "erofs/decompress.h"
#include "decompress_codecs.h"

struct z_erofs_decompressor {
	const char *name;
	int (*decompress)(const struct z_erofs_decompress_req *rq);
	/* for partial requests, when another library does them better */
	int (*decompress_prefix)(const struct z_erofs_decompress_req *rq);
	uint32_t (*inplace_margin)(uint32_t inlen);
	/* output bytes per input byte at most (0: no bound but 12 MiB) */
	unsigned int max_ratio;
};

int z_erofs_stream_start(const struct z_erofs_decompress_req *rq,
			 const uint8_t **src, uint32_t *srclen)
{
	uint32_t limit = rq->pad_limit && rq->pad_limit < rq->inlen ?
			 rq->pad_limit : rq->inlen;
	uint32_t skip = 0;

	while (skip < limit && !rq->in[skip])
		skip++;
	if (skip == limit)
		return -EFSCORRUPTED;
	*src = rq->in + skip;
	*srclen = rq->inlen - skip;
	return 0;
}

static int z_erofs_lz4_decompress(const struct z_erofs_decompress_req *rq)
{
	const uint8_t *src = rq->in;
	uint32_t srclen = rq->inlen;
	int ret;

	if (rq->zero_padding && z_erofs_stream_start(rq, &src, &srclen))
		return -EFSCORRUPTED;
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

/*
 * The other decoders take a bounce buffer (no margin): their libraries
 * may read input they have not consumed yet, and they are slow enough
 * that the copy does not show.
 */
static const struct z_erofs_decompressor z_erofs_decompressors[] = {
	[Z_EROFS_COMPRESSION_LZ4] = {
		.name = "lz4",
		.decompress = z_erofs_lz4_decompress,
		.inplace_margin = z_erofs_lz4_margin,
		.max_ratio = 255,
	},
	[Z_EROFS_COMPRESSION_LZMA] = {
		.name = "lzma",
#ifdef HAVE_LIBLZMA
		.decompress = z_erofs_lzma_decompress,
#endif
	},
	/* a literal/length code of 1 bit and a distance code of 1 bit: 258 bytes */
	[Z_EROFS_COMPRESSION_DEFLATE] = {
		.name = "deflate",
		.max_ratio = 1032,
#if defined(HAVE_LIBDEFLATE) && defined(HAVE_ZLIB)
		.decompress = z_erofs_libdeflate_decompress,
		.decompress_prefix = z_erofs_zlib_decompress,
#elif defined(HAVE_LIBDEFLATE)
		.decompress = z_erofs_libdeflate_decompress,
#elif defined(HAVE_ZLIB)
		.decompress = z_erofs_zlib_decompress,
#endif
	},
	[Z_EROFS_COMPRESSION_ZSTD] = {
		.name = "zstd",
#ifdef HAVE_LIBZSTD
		.decompress = z_erofs_zstd_decompress,
#endif
	},
};

int z_erofs_decompress(const struct z_erofs_decompress_req *rq,
		       unsigned int alg)
{
	const struct z_erofs_decompressor *d;

	if (alg >= EROFS_ARRAY_SIZE(z_erofs_decompressors) ||
	    !z_erofs_decompressors[alg].decompress)
		return -EOPNOTSUPP;
	d = &z_erofs_decompressors[alg];
	if (rq->partial && d->decompress_prefix)
		return d->decompress_prefix(rq);
	return d->decompress(rq);
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

uint64_t z_erofs_max_output(unsigned int alg, uint32_t inlen)
{
	if (alg < EROFS_ARRAY_SIZE(z_erofs_decompressors) &&
	    z_erofs_decompressors[alg].max_ratio)
		return (uint64_t)inlen * z_erofs_decompressors[alg].max_ratio;
	return UINT64_MAX;
}
