// SPDX-License-Identifier: MIT
/*
 * --compress-hints=FILE, in erofs-utils' syntax: one rule a line,
 * "PCLUSTER_SIZE [ALGORITHM] REGEX", '#' starting a comment.  A file whose
 * path (relative to SOURCE) matches REGEX gets that pcluster size; the
 * first matching rule wins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "erofs_fs.h"
#include "erofs/print.h"
#include "hints.h"

static int parse_line(struct mkfs_options *o, const char *file, unsigned int lineno,
		      char *line, struct erofs_pcluster_hint *h)
{
	const uint32_t blksz = 1u << o->build.blkszbits;
	char *save = NULL, *size = strtok_r(line, " \t", &save);
	char *alg = strtok_r(NULL, " \t", &save);
	char *re = strtok_r(NULL, "", &save), *end;
	unsigned long long v;
	int rc;

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
	if (errno || *end || !v || v % blksz || v > Z_EROFS_PCLUSTER_MAX_SIZE) {
		erofs_err("%s:%u: pcluster size '%s' is not a multiple of %u up to %u",
			  file, lineno, size, blksz, Z_EROFS_PCLUSTER_MAX_SIZE);
		return -EINVAL;
	}
	/* one compressor per image: index 0 or its own name */
	if (alg && strcmp(alg, "0") &&
	    (!o->build.compressor || strcmp(alg, o->build.compressor->name))) {
		erofs_err("%s:%u: algorithm '%s' is not the one given with -z",
			  file, lineno, alg);
		return -EINVAL;
	}
	rc = regcomp(&h->re, re, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[256];

		regerror(rc, &h->re, msg, sizeof(msg));
		erofs_err("%s:%u: bad regular expression '%s': %s", file, lineno, re, msg);
		return -EINVAL;
	}
	h->pclusterblks = v / blksz;
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
	}
	free(line);
	fclose(f);
	return err;
}

void mkfs_free_hints(struct mkfs_options *o)
{
	for (unsigned int i = 0; i < o->build.nhints; i++)
		regfree(&o->build.hints[i].re);
	free(o->build.hints);
}
