/* SPDX-License-Identifier: MIT */
/*
 * Compressors for the write path: one ops table each, looked up by name.
 * Every one compresses to a fixed output size ("destination size" mode):
 * it takes as much input as fits the pcluster and says how much it took.
 */
#ifndef EROFS_COMPRESSOR_H
#define EROFS_COMPRESSOR_H

#include <stddef.h>
#include "erofs/defs.h"

struct erofs_compress;

struct erofs_compressor {
	const char *name;
	uint8_t alg;			/* on-disk algorithm id, Z_EROFS_COMPRESSION_* */
	int default_level, min_level, max_level;	/* all 0: no levels */
	bool extreme_levels;		/* also 100+min .. 100+max */
	/* dictionary (window) sizes taken, in bytes; max 0: no dictsize */
	uint32_t min_dictsize, max_dictsize;
	bool dictsize_pow2;		/* only powers of two */
	bool lzma_opts;			/* takes lc=, lp=, pb= */
	/* the dictionary size when none is given, for pclusters up to @pclsz */
	uint32_t (*default_dictsize)(uint32_t pclsz);
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

/* What -z asks of one algorithm (one of its ':'-separated parts). */
struct erofs_zcfg {
	const struct erofs_compressor *alg;
	int level;		/* -1: the compressor's default */
	uint32_t dictsize;	/* 0: the compressor's default */
	int lc, lp, pb;		/* LZMA literal/position bits; -1: the preset's */
};

/* At most this many -z algorithms (a hint's third column indexes them). */
#define EROFS_MAX_ZCFGS		64

/* One compressor instance: per thread, since it carries its own state. */
struct erofs_compress {
	const struct erofs_compressor *alg;
	int level;
	uint32_t dictsize;
	int lc, lp, pb;
	void *priv;
	/*
	 * Input that filled the last pcluster, for compressors that search
	 * for the longest input fitting one: reset at each segment start, so
	 * the cut never depends on which thread did the segment before.
	 */
	uint32_t last_fit;
};

/*
 * One attempt for z_erofs_fit_search(): compress all @len bytes of @src
 * into at most @cap bytes of @dst.  Returns the size, 0 if it does not
 * fit, or -errno.
 */
typedef long (*z_erofs_oneshot_t)(struct erofs_compress *c, const void *src,
				  size_t len, void *dst, size_t cap);
/*
 * Destination-size compression over a one-shot compressor: search for
 * the longest prefix of @src (at most *@srclen bytes) whose output fits
 * @dstlen, stopping once that output is within @slack bytes of it.
 * @scratch holds 2 * @dstlen bytes.  Same contract as compress_destsize.
 */
int z_erofs_fit_search(struct erofs_compress *c, z_erofs_oneshot_t oneshot,
		       const void *src, unsigned int *srclen, void *dst,
		       unsigned int dstlen, uint8_t *scratch, unsigned int slack);

/* Find a compressor by name ("lz4", "lzma", ...); NULL if not built in. */
const struct erofs_compressor *erofs_compressor_find(const char *name);
/* Names of every compressor built in, space-separated, for messages. */
const char *erofs_compressor_names(void);
/*
 * Check @z: NULL if @z->alg takes its level, dictsize and LZMA bits,
 * else a message naming what is wrong and the accepted range (in @buf).
 */
const char *erofs_zcfg_check(const struct erofs_zcfg *z, char *buf, size_t len);
/* The dictionary size @z compresses with, for pclusters up to @pclsz. */
uint32_t erofs_zcfg_dictsize(const struct erofs_zcfg *z, uint32_t pclsz);
/* Set up @c for @z (checked, dictsize resolved): 0 or -errno. */
int erofs_compress_init(struct erofs_compress *c, const struct erofs_zcfg *z);
void erofs_compress_exit(struct erofs_compress *c);

#endif
