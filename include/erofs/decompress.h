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
/* Extra room after the output for decoding @inlen bytes in place. */
uint32_t z_erofs_inplace_margin(unsigned int alg, uint32_t inlen);

#endif
