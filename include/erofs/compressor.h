/* SPDX-License-Identifier: MIT */
/*
 * Compressors for the write path: one ops table each, looked up by name.
 * Every one compresses to a fixed output size ("destination size" mode):
 * it takes as much input as fits the pcluster and says how much it took.
 */
#ifndef EROFS_COMPRESSOR_H
#define EROFS_COMPRESSOR_H

#include "erofs/defs.h"

struct erofs_compress;

struct erofs_compressor {
	const char *name;
	uint8_t alg;			/* on-disk algorithm id, Z_EROFS_COMPRESSION_* */
	int default_level, min_level, max_level;	/* all 0: no levels */
	int (*init)(struct erofs_compress *c);
	void (*exit)(struct erofs_compress *c);
	/*
	 * Compress from @src (at most *@srclen bytes) into @dst, filling at
	 * most @dstlen bytes.  On return *@srclen is the input consumed.
	 * Returns the compressed size, or -errno.
	 */
	int (*compress_destsize)(struct erofs_compress *c, const void *src,
				 unsigned int *srclen, void *dst,
				 unsigned int dstlen);
	/*
	 * Optional: a much cheaper compression of the same format, with the
	 * same contract, that keeps no state.  Where the data just before did
	 * not compress, a pcluster that this cannot make save a block is
	 * stored as is without the full attempt.
	 */
	int (*probe_destsize)(const void *src, unsigned int *srclen, void *dst,
			      unsigned int dstlen);
};

/* One compressor instance: per thread, since it carries its own state. */
struct erofs_compress {
	const struct erofs_compressor *alg;
	int level;
	void *priv;
};

/* Find a compressor by name ("lz4", "lz4hc"); NULL if unknown. */
const struct erofs_compressor *erofs_compressor_find(const char *name);
/* Names of every compressor built in, space-separated, for --help. */
const char *erofs_compressor_names(void);
/* Set up @c for @alg at @level (-1: its default): 0 or -errno. */
int erofs_compress_init(struct erofs_compress *c,
			const struct erofs_compressor *alg, int level);
void erofs_compress_exit(struct erofs_compress *c);

#endif
