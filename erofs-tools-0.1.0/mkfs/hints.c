// SPDX-License-Identifier: MIT
/*
 * --compress-hints=FILE, in erofs-utils' syntax: one rule a line,
 * "PCLUSTER_SIZE [ALGORITHM] REGEX", '#' starting a comment.  A file whose
 * path (relative to SOURCE) matches REGEX gets that pcluster size (0:
 * stored uncompressed) and the -z algorithm of that index (or name); the
 * first matching rule wins.  As erofs-utils, a size that is not a
 * multiple of the block size is warned about and its rule skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "erofs_fs.h"
#include "erofs/print.h"
#include "hints.h"

/* The -z algorithm a hint names: its index, or the name of one; -1 if none. */
static int hint_zcfg(const struct erofs_build_opts *b, const char *alg)
{
	char *end;
	unsigned long k;

	if (!alg || (!b->nzcfgs && !strcmp(alg, "0")))
		return 0;
	if (*alg >= '0' && *alg <= '9') {
		errno = 0;
		k = strtoul(alg, &end, 10);
		return errno || *end || k >= b->nzcfgs ? -1 : (int)k;
	}
	for (unsigned int i = 0; i < b->nzcfgs; i++)
		if (!strcmp(b->zcfgs[i].alg->name, alg))
			return i;
	return -1;
}

/* 0 (@h filled), 1 (the rule is skipped, warned about) or -EINVAL. */
static int parse_line(struct mkfs_options *o, const char *file, unsigned int lineno,
		      char *line, struct erofs_pcluster_hint *h)
{
	const uint32_t blksz = 1u << o->build.blkszbits;
	char *save = NULL, *size = strtok_r(line, " \t", &save);
	char *alg = strtok_r(NULL, " \t", &save);
	char *re = strtok_r(NULL, "", &save), *end;
	unsigned long long v;
	int rc, zcfg;

	if (!re) {
		/* two fields: no algorithm given */
		re = alg;
		alg = NULL;
	}
	while (re && (*re == ' ' || *re == '\t'))
		re++;
	if (!size || !re || !*re) {
		erofs_err("%s:%u: expected 'PCLUSTER_SIZE [ALGORITHM] REGEX'", file, lineno);
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(size, &end, 0);
	if (errno || *end || v > Z_EROFS_PCLUSTER_MAX_SIZE) {
		erofs_err("%s:%u: pcluster size '%s' is not a number from 0 to %u",
			  file, lineno, size, Z_EROFS_PCLUSTER_MAX_SIZE);
		return -EINVAL;
	}
	zcfg = hint_zcfg(&o->build, alg);
	if (zcfg < 0) {
		erofs_err("%s:%u: algorithm '%s' is none of the %u given with -z (0-%d or a name)",
			  file, lineno, alg, o->build.nzcfgs, (int)o->build.nzcfgs - 1);
		return -EINVAL;
	}
	if (v % blksz) {
		erofs_warn("%s:%u: pcluster size %llu is not a multiple of the block size %u: rule skipped",
			   file, lineno, v, blksz);
		return 1;
	}
	rc = regcomp(&h->re, re, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[256];

		regerror(rc, &h->re, msg, sizeof(msg));
		erofs_err("%s:%u: bad regular expression '%s': %s", file, lineno, re, msg);
		return -EINVAL;
	}
	h->pclusterblks = v / blksz;
	h->zcfg = zcfg;
	return 0;
}

int mkfs_load_hints(struct mkfs_options *o, const char *file)
{
	struct erofs_build_opts *b = &o->build;
	unsigned int lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int err = 0;

	f = fopen(file, "r");
	if (!f) {
		erofs_err("%s: %s", file, strerror(errno));
		return -errno;
	}
	while (!err && (len = getline(&line, &cap, f)) >= 0) {
		struct erofs_pcluster_hint *v;
		char *p = line;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		v = realloc(b->hints, (b->nhints + 1) * sizeof(*v));
		if (!v) {
			err = -ENOMEM;
			break;
		}
		b->hints = v;
		err = parse_line(o, file, lineno, p, &v[b->nhints]);
		if (!err)
			b->nhints++;
		else if (err == 1)
			err = 0;
	}
	free(line);
	fclose(f);
	return err;
}

uint32_t mkfs_max_pclusterblks(const struct mkfs_options *o)
{
	uint32_t m = o->build.zp.pclusterblks;

	for (unsigned int i = 0; i < o->build.nhints; i++)
		m = EROFS_MAX(m, o->build.hints[i].pclusterblks);
	return m;
}

void mkfs_free_hints(struct mkfs_options *o)
{
	for (unsigned int i = 0; i < o->build.nhints; i++)
		regfree(&o->build.hints[i].re);
	free(o->build.hints);
}
