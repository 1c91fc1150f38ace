// SPDX-License-Identifier: MIT
/*
 * Extended attributes: every entry of every inode is walked through the
 * library (which checks bounds, prefixes and the name filter); here we add
 * what only a whole-inode view sees -- a name given twice, an ACL value
 * that is not a POSIX ACL -- and, with --extract --xattrs, restore them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include "erofs/print.h"
#include "erofs/xattr.h"
#include "fsck.h"

/* POSIX ACL xattr: a 4-byte version header, then 8-byte entries. */
#define FSCK_ACL_VERSION	2
#define FSCK_ACL_HEADER		4
#define FSCK_ACL_ENTRY		8

struct fsck_xattr_check {
	struct fsck_ctx *ctx;
	struct erofs_inode *vi;
	char **names;
	size_t n, cap;
	int err;
};

static bool fsck_acl_ok(const struct erofs_xattr *x)
{
	const uint8_t *v = x->value;

	if (strcmp(x->name, "system.posix_acl_access") &&
	    strcmp(x->name, "system.posix_acl_default"))
		return true;
	return x->value_len >= FSCK_ACL_HEADER &&
	       (x->value_len - FSCK_ACL_HEADER) % FSCK_ACL_ENTRY == 0 &&
	       v[0] == FSCK_ACL_VERSION && !v[1] && !v[2] && !v[3];
}

static int fsck_xattr_one(const struct erofs_xattr *x, void *arg)
{
	struct fsck_xattr_check *c = arg;

	if (!fsck_acl_ok(x))
		fsck_corrupt(c->ctx, c->vi->nid, "%s: not a POSIX ACL value (%u bytes, offset %llu)",
			     x->name, x->value_len, (unsigned long long)x->pos);
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **v = realloc(c->names, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->names = v;
		c->cap = cap;
	}
	c->names[c->n] = strdup(x->name);
	if (!c->names[c->n])
		return -ENOMEM;
	c->n++;
	return 0;
}

static int fsck_strpcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fsck_check_xattrs(struct fsck_ctx *ctx, struct erofs_inode *vi)
{
	struct fsck_xattr_check c = { .ctx = ctx, .vi = vi };
	int err;

	if (!vi->xattr_isize)
		return;
	err = erofs_xattr_iterate(vi, fsck_xattr_one, &c);
	if (err == -ENOMEM) {
		erofs_err("out of memory");
		ctx->op_errors++;
	} else if (err == -EOPNOTSUPP) {
		ctx->unsupported++;
	} else if (err == -EFSCORRUPTED) {
		ctx->corrupt++;		/* the library said where */
	} else if (err) {
		ctx->op_errors++;
	}
	if (c.n)
		qsort(c.names, c.n, sizeof(*c.names), fsck_strpcmp);
	for (size_t i = 1; !err && i < c.n; i++)
		if (!strcmp(c.names[i - 1], c.names[i]))
			fsck_corrupt(ctx, vi->nid, "attribute %s given twice",
				     c.names[i]);
	for (size_t i = 0; i < c.n; i++)
		free(c.names[i]);
	free(c.names);
}

struct fsck_xattr_set {
	struct fsck_ctx *ctx;
	int fd;
	const char *path;	/* when there is no fd: never followed */
};

static int fsck_xattr_set_one(const struct erofs_xattr *x, void *arg)
{
	struct fsck_xattr_set *s = arg;
	int r = s->fd >= 0 ? fsetxattr(s->fd, x->name, x->value, x->value_len, 0) :
		lsetxattr(s->path, x->name, x->value, x->value_len, 0);

	if (r) {
		erofs_err("extract: %s: cannot set %s: %s",
			  fsck_path_rel(s->ctx), x->name, strerror(errno));
		s->ctx->op_errors++;
	}
	return 0;	/* one refused attribute does not stop the others */
}

int fsck_extract_xattrs(struct fsck_ctx *ctx, int fd, int dirfd,
			const char *name, struct erofs_inode *vi)
{
	struct fsck_xattr_set s = { .ctx = ctx, .fd = fd };
	char path[64 + EROFS_NAME_LEN];
	int err;

	if (!vi->xattr_isize)
		return 0;
	if (fd < 0) {
		/* l*xattr has no *at form: name the entry through its dir fd */
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name);
		s.path = path;
	}
	err = erofs_xattr_iterate(vi, fsck_xattr_set_one, &s);
	/* a bad body was counted when the inode was checked */
	return err == -ENOMEM ? -ENOMEM : 0;
}
