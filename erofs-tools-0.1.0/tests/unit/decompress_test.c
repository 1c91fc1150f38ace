// SPDX-License-Identifier: MIT
/*
 * The decoders of the read path against streams made here with the same
 * libraries' encoders, laid out as in a pcluster (zero padding in front):
 * a whole extent, prefixes (partial references), and every way a stream
 * can disagree with its extent -- running long, ending early, cut short,
 * no stream within the first block, no stream at all.  An algorithm this
 * build has no library for must say -EOPNOTSUPP.
 */
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_LIBLZMA
#include <lzma.h>
#endif
#ifdef HAVE_LIBZSTD
#include <zstd.h>
#endif
#ifdef HAVE_ZLIB
#include <zlib.h>
#elif defined(HAVE_LIBDEFLATE)
#include <libdeflate.h>
#endif
#include "erofs_fs.h"
#include "erofs/decompress.h"
#include "check.h"

#define BLK	4096u

/* Compress @len bytes of @src with @alg into @dst (@cap): its size, or 0. */
static size_t encode(unsigned int alg, const uint8_t *src, size_t len,
		     uint8_t *dst, size_t cap)
{
	(void)src, (void)len, (void)dst, (void)cap;	/* a build with no codec */
	switch (alg) {
#ifdef HAVE_LIBLZMA
	case Z_EROFS_COMPRESSION_LZMA: {
		lzma_stream s = LZMA_STREAM_INIT;
		lzma_options_lzma opt;
		size_t n = 0;

		if (lzma_lzma_preset(&opt, 6) ||
		    lzma_microlzma_encoder(&s, &opt) != LZMA_OK)
			return 0;
		s.next_in = src;
		s.avail_in = len;
		s.next_out = dst;
		s.avail_out = cap;
		if (lzma_code(&s, LZMA_FINISH) == LZMA_STREAM_END &&
		    s.total_in == len)
			n = s.total_out;
		lzma_end(&s);
		return n;
	}
#endif
#ifdef HAVE_LIBZSTD
	case Z_EROFS_COMPRESSION_ZSTD: {
		size_t n = ZSTD_compress(dst, cap, src, len, 3);

		return ZSTD_isError(n) ? 0 : n;
	}
#endif
#ifdef HAVE_ZLIB
	case Z_EROFS_COMPRESSION_DEFLATE: {
		z_stream z = { 0 };
		size_t n = 0;

		if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY))
			return 0;
		z.next_in = (Bytef *)src;
		z.avail_in = len;
		z.next_out = dst;
		z.avail_out = cap;
		if (deflate(&z, Z_FINISH) == Z_STREAM_END)
			n = z.total_out;
		deflateEnd(&z);
		return n;
	}
#elif defined(HAVE_LIBDEFLATE)
	case Z_EROFS_COMPRESSION_DEFLATE: {
		struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
		size_t n = c ? libdeflate_deflate_compress(c, src, len, dst, cap) : 0;

		libdeflate_free_compressor(c);
		return n;
	}
#endif
	}
	return 0;
}

static int decode(unsigned int alg, const uint8_t *in, uint32_t inlen,
		  uint8_t *out, uint32_t outlen, bool partial, uint32_t pad)
{
	struct z_erofs_decompress_req rq = {
		.in = in, .inlen = inlen, .out = out, .outlen = outlen,
		.zero_padding = true, .partial = partial, .pad_limit = pad,
	};

	return z_erofs_decompress(&rq, alg);
}

static void test_alg(unsigned int alg, const uint8_t *data, uint32_t len)
{
	const char *name = z_erofs_algorithm_name(alg);
	size_t cap = len + len / 2 + 2 * BLK, n;
	uint8_t *enc = malloc(cap), *pcl = calloc(1, cap), *out = malloc(len + 1);
	const uint32_t prefixes[] = { 1, 100, BLK - 1, BLK, 65537, len / 2, len - 1 };
	uint32_t plen, pad;

	n = encode(alg, data, len, enc, cap);
	if (!n) {
		/* no encoder: no decoder either */
		CHECK(decode(alg, enc, 64, out, len, false, 0) == -EOPNOTSUPP,
		      "%s: no library, but not -EOPNOTSUPP", name);
		printf("%s: not in this build\n", name);
		goto out_free;
	}
	/* the stream ends at the pcluster end, zeros in front */
	plen = (n + BLK - 1) / BLK * BLK;
	pad = plen - n;
	memcpy(pcl + pad, enc, n);

	memset(out, 0, len);
	CHECK(!decode(alg, pcl, plen, out, len, false, BLK) &&
	      !memcmp(out, data, len), "%s: whole extent", name);
	for (unsigned int i = 0; i < EROFS_ARRAY_SIZE(prefixes); i++) {
		uint32_t k = prefixes[i];

		memset(out, 0, len);
		CHECK(!decode(alg, pcl, plen, out, k, true, BLK) &&
		      !memcmp(out, data, k), "%s: prefix of %u bytes", name, k);
		CHECK(decode(alg, pcl, plen, out, k, false, BLK) == -EFSCORRUPTED,
		      "%s: %u bytes asked of a longer stream", name, k);
	}
	CHECK(decode(alg, pcl, plen, out, len + 1, false, BLK) == -EFSCORRUPTED,
	      "%s: a stream ending early", name);
	CHECK(decode(alg, pcl, plen, out, len + 1, true, BLK) == -EFSCORRUPTED,
	      "%s: a prefix past the stream's end", name);
	CHECK(decode(alg, pcl, plen - 16, out, len, false, BLK) == -EFSCORRUPTED,
	      "%s: a stream cut short", name);
	if (pad > 8)
		CHECK(decode(alg, pcl, plen, out, len, false, 8) == -EFSCORRUPTED,
		      "%s: padding past the first block", name);
	memset(pcl, 0, plen);
	CHECK(decode(alg, pcl, plen, out, len, false, BLK) == -EFSCORRUPTED,
	      "%s: no stream at all", name);
	/* the head of the stream gone: the rest must not pass for it */
	memcpy(pcl + pad, enc, n);
	memset(pcl + pad, 0, n / 2);
	CHECK(decode(alg, pcl, plen, out, len, false, BLK) != 0,
	      "%s: a stream without its head", name);
	printf("%s: %u bytes in a %u-byte pcluster\n", name, len, plen);
out_free:
	free(enc);
	free(pcl);
	free(out);
}

int main(void)
{
	const uint32_t len = 300000;
	uint8_t *data = malloc(len);
	uint32_t i, n = 0;

	/* text that compresses, a run of zeros, a stretch of noise */
	for (i = 0; n + 16 < 200000; i++)
		n += sprintf((char *)data + n, "%u\n", i);
	memset(data + n, 0, 60000);
	n += 60000;
	srand(3);
	while (n < len)
		data[n++] = rand();
	test_alg(Z_EROFS_COMPRESSION_LZMA, data, len);
	test_alg(Z_EROFS_COMPRESSION_ZSTD, data, len);
	test_alg(Z_EROFS_COMPRESSION_DEFLATE, data, len);
	free(data);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
