/* SPDX-License-Identifier: MIT */
/* Decompressors for the read path: a table indexed by on-disk algorithm id. */
#ifndef EROFS_DECOMPRESS_H
#define EROFS_DECOMPRESS_H

#include "erofs/defs.h"

struct z_erofs_decompress_req {
	const uint8_t *in;	/* the pcluster as stored */
	uint32_t inlen;
	uint8_t *out;		/* may overlap the end of @in's buffer (in place) */
	uint32_t outlen;	/* exactly this many bytes must come out */
	bool zero_padding;	/* the stream ends at the pcluster end */
	bool partial;		/* @outlen is a prefix of what the stream holds */
	/*
	 * Leading zeros before the stream may fill at most this many bytes
	 * (the rest of the pcluster's first block, as the kernel looks no
	 * further); 0: the whole input.
	 */
	uint32_t pad_limit;
	/*
	 * Largest match distance the image declares for the algorithm (LZMA
	 * dictionary, ZSTD window, DEFLATE window); 0: the format's limit.
	 */
	uint32_t window;
};

/*
 * Decode @rq with on-disk algorithm @alg: 0, -EFSCORRUPTED for a bad
 * stream (short, long, or reading past its input), -EOPNOTSUPP for an
 * algorithm this build cannot decode.
 */
int z_erofs_decompress(const struct z_erofs_decompress_req *rq,
		       unsigned int alg);
/* Name of on-disk algorithm @alg ("lz4", ...), "unknown" otherwise. */
const char *z_erofs_algorithm_name(unsigned int alg);
/*
 * Extra room after the output for decoding @inlen bytes in place;
 * UINT32_MAX when the algorithm never decodes in place.
 */
uint32_t z_erofs_inplace_margin(unsigned int alg, uint32_t inlen);
/*
 * Most bytes a pcluster of @inlen bytes can decode to with @alg, as far
 * as the algorithm bounds it (the 12 MiB extent limit aside): UINT64_MAX
 * when only that limit applies.
 */
uint64_t z_erofs_max_output(unsigned int alg, uint32_t inlen);

#endif
