/* SPDX-License-Identifier: MIT */
/*
 * The decoders behind decompress.c's table, one file per library, each
 * built only when configure found it.  Every decoder takes a request of
 * erofs/decompress.h and returns 0 when exactly rq->outlen bytes came out,
 * -EFSCORRUPTED for a stream that is short, long or bad, -ENOMEM.
 */
#ifndef EROFS_READ_DECOMPRESS_CODECS_H
#define EROFS_READ_DECOMPRESS_CODECS_H

#include "erofs/decompress.h"

/*
 * Where the stream starts when the pcluster is zero-padded in front: the
 * first non-zero byte within rq->pad_limit.  -EFSCORRUPTED when none.
 */
int z_erofs_stream_start(const struct z_erofs_decompress_req *rq,
			 const uint8_t **src, uint32_t *srclen);

int z_erofs_lzma_decompress(const struct z_erofs_decompress_req *rq);
int z_erofs_zstd_decompress(const struct z_erofs_decompress_req *rq);
/* libdeflate: fast, whole streams (prefixes through a scratch buffer) */
int z_erofs_libdeflate_decompress(const struct z_erofs_decompress_req *rq);
/* zlib: streaming, stops after a prefix */
int z_erofs_zlib_decompress(const struct z_erofs_decompress_req *rq);

#endif
