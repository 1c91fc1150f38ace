// SPDX-License-Identifier: MIT
/* -z in erofs-utils' syntax: algorithms joined by ':', options by ','. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zopts.h"

/* Names erofs-utils knows, for "not in this build" instead of "unknown". */
static const char *const known_algs[] = {
	"lz4", "lz4hc", "lzma", "deflate", "libdeflate", "zstd",
};

/* A decimal or 0x number with an optional k/m/g suffix, as erofs-utils. */
static int parse_size(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		*v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		*v <<= 20, end++;
	else if (*end == 'g' || *end == 'G')
		*v <<= 30, end++;
	return *end || *v > UINT32_MAX ? -EINVAL : 0;
}

static int parse_int(const char *s, int *v)
{
	char *end;
	long n;

	if (!((*s >= '0' && *s <= '9') || *s == '-'))
		return -EINVAL;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < -1000000 || n > 1000000)
		return -EINVAL;
	*v = n;
	return 0;
}

static int bad(char *msg, size_t len, const char *fmt, const char *a,
	       const char *b)
{
	snprintf(msg, len, fmt, a, b);
	return -EINVAL;
}

static int parse_one(char *part, struct erofs_zcfg *z, char *msg, size_t len)
{
	char *save = NULL, *name = strtok_r(part, ",", &save), *opt;
	bool first = true;

	*z = (struct erofs_zcfg){ .level = -1, .lc = -1, .lp = -1, .pb = -1 };
	if (!name)
		return bad(msg, len, "-z: empty algorithm%s%s", "", "");
	z->alg = erofs_compressor_find(name);
	if (!z->alg) {
		for (size_t i = 0; i < EROFS_ARRAY_SIZE(known_algs); i++)
			if (!strcmp(known_algs[i], name))
				return bad(msg, len, "-z %s: not supported by this build (available: %s)",
					   name, erofs_compressor_names());
		return bad(msg, len, "-z: unknown compressor '%s' (available: %s)",
			   name, erofs_compressor_names());
	}
	for (; (opt = strtok_r(NULL, ",", &save)); first = false) {
		const char *val = strchr(opt, '=');
		uint64_t size;
		int *bits = NULL;

		if (first && *opt >= '0' && *opt <= '9') {
			/* the older ALG,LEVEL */
			if (parse_int(opt, &z->level))
				return bad(msg, len, "-z %s: invalid compression level '%s'",
					   name, opt);
			continue;
		}
		if (!val)
			return bad(msg, len, "-z %s: unknown option '%s' (level=, dictsize=, and for lzma lc=, lp=, pb=)",
				   name, opt);
		val++;
		if (!strncmp(opt, "level=", 6)) {
			if (parse_int(val, &z->level) || z->level < 0)
				return bad(msg, len, "-z %s: invalid compression level '%s'",
					   name, val);
			continue;
		}
		if (!strncmp(opt, "dictsize=", 9)) {
			if (parse_size(val, &size) || !size)
				return bad(msg, len, "-z %s: invalid dictsize '%s'", name, val);
			z->dictsize = size;
			continue;
		}
		if (!strncmp(opt, "lc=", 3))
			bits = &z->lc;
		else if (!strncmp(opt, "lp=", 3))
			bits = &z->lp;
		else if (!strncmp(opt, "pb=", 3))
			bits = &z->pb;
		if (!bits)
			return bad(msg, len, "-z %s: unknown option '%s' (level=, dictsize=, and for lzma lc=, lp=, pb=)",
				   name, opt);
		if (parse_int(val, bits) || *bits < 0)
			return bad(msg, len, "-z %s: invalid value '%s'", name, opt);
	}
	if (erofs_zcfg_check(z, msg, len))
		return -EINVAL;
	return 0;
}

int mkfs_parse_z(const char *arg, struct erofs_build_opts *b, char *msg,
		 size_t len)
{
	char *s = strdup(arg), *save = NULL, *part;
	int err = 0;

	if (!s) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	b->nzcfgs = 0;
	for (part = strtok_r(s, ":", &save); part && !err;
	     part = strtok_r(NULL, ":", &save)) {
		if (b->nzcfgs == EROFS_MAX_ZCFGS) {
			snprintf(msg, len, "-z: more than %u algorithms", EROFS_MAX_ZCFGS);
			err = -EINVAL;
			break;
		}
		err = parse_one(part, &b->zcfgs[b->nzcfgs], msg, len);
		if (!err)
			b->nzcfgs++;
	}
	if (!err && !b->nzcfgs) {
		snprintf(msg, len, "-z: no algorithm given");
		err = -EINVAL;
	}
	free(s);
	return err;
}

void mkfs_resolve_dictsizes(struct erofs_build_opts *b, uint32_t pclsz)
{
	for (unsigned int k = 0; k < b->nzcfgs; k++)
		b->zcfgs[k].dictsize = erofs_zcfg_dictsize(&b->zcfgs[k], pclsz);
}
