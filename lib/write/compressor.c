// SPDX-License-Identifier: MIT
/* The compressor table: the only place that knows which ones exist. */
#include <string.h>
#include "erofs/compressor.h"

extern const struct erofs_compressor erofs_compressor_lz4;
extern const struct erofs_compressor erofs_compressor_lz4hc;

static const struct erofs_compressor *const erofs_compressors[] = {
	&erofs_compressor_lz4,
	&erofs_compressor_lz4hc,
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
	return "lz4 lz4hc";
}

int erofs_compress_init(struct erofs_compress *c,
			const struct erofs_compressor *alg, int level)
{
	memset(c, 0, sizeof(*c));
	c->alg = alg;
	c->level = level < 0 ? alg->default_level : level;
	if (alg->max_level && (c->level < alg->min_level || c->level > alg->max_level))
		return -EINVAL;
	return alg->init ? alg->init(c) : 0;
}

void erofs_compress_exit(struct erofs_compress *c)
{
	if (c->alg && c->alg->exit)
		c->alg->exit(c);
	c->alg = NULL;
}
