// SPDX-License-Identifier: MIT
/* The compressor table: the only place that knows which ones exist. */
#include <stdio.h>
#include <string.h>
#include "erofs/compressor.h"

extern const struct erofs_compressor erofs_compressor_lz4;
extern const struct erofs_compressor erofs_compressor_lz4hc;
extern const struct erofs_compressor erofs_compressor_lzma;
extern const struct erofs_compressor erofs_compressor_deflate;
extern const struct erofs_compressor erofs_compressor_libdeflate;
extern const struct erofs_compressor erofs_compressor_zstd;

static const struct erofs_compressor *const erofs_compressors[] = {
	&erofs_compressor_lz4,
	&erofs_compressor_lz4hc,
#ifdef HAVE_LIBLZMA
	&erofs_compressor_lzma,
#endif
#ifdef HAVE_LIBDEFLATE
	&erofs_compressor_deflate,
	&erofs_compressor_libdeflate,
#endif
#ifdef HAVE_LIBZSTD
	&erofs_compressor_zstd,
#endif
};

const struct erofs_compressor *erofs_compressor_find(const char *name)
{
	for (size_t i = 0; i < EROFS_ARRAY_SIZE(erofs_compressors); i++)
		if (!strcmp(erofs_compressors[i]->name, name))
			return erofs_compressors[i];
	return NULL;
}

const char *erofs_compressor_names(void)
{
	static char names[64];

	if (!names[0])
		for (size_t i = 0; i < EROFS_ARRAY_SIZE(erofs_compressors); i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names),
				 "%s%s", i ? " " : "", erofs_compressors[i]->name);
	return names;
}

static bool level_ok(const struct erofs_compressor *a, int level)
{
	if (level >= a->min_level && level <= a->max_level)
		return true;
	return a->extreme_levels && level >= 100 + a->min_level &&
	       level <= 100 + a->max_level;
}

const char *erofs_zcfg_check(const struct erofs_zcfg *z, char *buf, size_t len)
{
	const struct erofs_compressor *a = z->alg;
	const int bits[3] = { z->lc, z->lp, z->pb };
	const char *const names[3] = { "lc", "lp", "pb" };

	if (z->level >= 0 && !a->max_level) {
		snprintf(buf, len, "%s takes no compression level", a->name);
		return buf;
	}
	if (z->level >= 0 && !level_ok(a, z->level)) {
		if (a->extreme_levels)
			snprintf(buf, len, "%s level %d out of range %d-%d or %d-%d",
				 a->name, z->level, a->min_level, a->max_level,
				 100 + a->min_level, 100 + a->max_level);
		else
			snprintf(buf, len, "%s level %d out of range %d-%d",
				 a->name, z->level, a->min_level, a->max_level);
		return buf;
	}
	if (z->dictsize && !a->max_dictsize) {
		snprintf(buf, len, "%s takes no dictsize", a->name);
		return buf;
	}
	if (z->dictsize && (z->dictsize < a->min_dictsize ||
			    z->dictsize > a->max_dictsize ||
			    (a->dictsize_pow2 && (z->dictsize & (z->dictsize - 1))))) {
		snprintf(buf, len, "%s dictsize %u out of range %u-%u%s", a->name,
			 z->dictsize, a->min_dictsize, a->max_dictsize,
			 a->dictsize_pow2 ? " (a power of two)" : "");
		return buf;
	}
	/* liblzma's limits: lc, lp and pb 0-4, lc + lp at most 4 */
	for (int i = 0; i < 3; i++) {
		if (bits[i] >= 0 && !a->lzma_opts) {
			snprintf(buf, len, "%s takes no %s", a->name, names[i]);
			return buf;
		}
		if (bits[i] > 4) {
			snprintf(buf, len, "%s %s=%d out of range 0-4%s", a->name,
				 names[i], bits[i], i < 2 ? " (lc + lp at most 4)" : "");
			return buf;
		}
	}
	/* every liblzma preset has lc=3, lp=0 */
	if ((z->lc < 0 ? 3 : z->lc) + (z->lp < 0 ? 0 : z->lp) > 4) {
		snprintf(buf, len, "%s lc=%d lp=%d out of range: lc + lp at most 4",
			 a->name, z->lc < 0 ? 3 : z->lc, z->lp < 0 ? 0 : z->lp);
		return buf;
	}
	return NULL;
}

uint32_t erofs_zcfg_dictsize(const struct erofs_zcfg *z, uint32_t pclsz)
{
	if (!z->alg->max_dictsize)
		return 0;
	if (z->dictsize)
		return z->dictsize;
	return z->alg->default_dictsize(pclsz);
}

int erofs_compress_init(struct erofs_compress *c, const struct erofs_zcfg *z)
{
	const struct erofs_compressor *alg = z->alg;

	memset(c, 0, sizeof(*c));
	c->alg = alg;
	c->level = z->level < 0 ? alg->default_level : z->level;
	c->dictsize = z->dictsize;
	c->lc = z->lc;
	c->lp = z->lp;
	c->pb = z->pb;
	if (alg->max_level && !level_ok(alg, c->level))
		return -EINVAL;
	return alg->init ? alg->init(c) : 0;
}

void erofs_compress_exit(struct erofs_compress *c)
{
	if (c->alg && c->alg->exit)
		c->alg->exit(c);
	c->alg = NULL;
}

/*
 * Output size grows with input nearly in proportion, so the next length
 * tried is interpolated between the longest input known to fit and the
 * shortest known not to (by their output sizes), which takes a handful
 * of attempts where halving the interval takes a dozen or more.  Each
 * interpolation is kept off both ends, so a bad guess still shrinks the
 * interval by a fair share.
 */
int z_erofs_fit_search(struct erofs_compress *c, z_erofs_oneshot_t oneshot,
		       const void *src, unsigned int *srclen, void *dst,
		       unsigned int dstlen, uint8_t *scratch, unsigned int slack)
{
	size_t l = 0, lsize = 0;	/* longest input that fits, its size */
	size_t r = (size_t)*srclen + 1;	/* shortest that does not */
	size_t rsize = 0;		/* its size if known (0: above 2x) */
	size_t m = c->last_fit ? c->last_fit : (size_t)dstlen * 4;
	bool have = false;

	while (r > l + 1) {
		long csize;

		m = EROFS_MAX(m, l + 1);
		m = EROFS_MIN(m, r - 1);
		csize = oneshot(c, src, m, scratch, 2 * (size_t)dstlen);
		if (csize < 0)
			return csize;
		if (csize && (size_t)csize <= dstlen) {
			memcpy(dst, scratch, csize);
			l = m;
			lsize = csize;
			have = true;
			if (lsize + slack >= dstlen)
				break;
		} else {
			r = m;
			rsize = csize;
		}
		if (r > *srclen) {
			/* no upper bound yet: extrapolate the ratio */
			m = (size_t)((double)l * dstlen / (double)lsize);
			m += m / 64 + 1;
		} else if (rsize && have) {
			size_t lo = l + (r - l) / 8, hi = r - (r - l) / 8;

			m = l + (size_t)((double)(r - l) * (dstlen - lsize) /
					 (double)(rsize - lsize));
			m = EROFS_MIN(EROFS_MAX(m, lo), hi);
		} else {
			m = l + (r - l) / 2;
		}
	}
	if (!have) {
		*srclen = 0;
		return -ENOSPC;
	}
	c->last_fit = l;
	*srclen = l;
	return lsize;
}
