// SPDX-License-Identifier: MIT
/*
 * Extended attributes, write side, step 1 (collect): every node's
 * attributes (llistxattr/lgetxattr, never following symlinks, in batches on
 * several threads) or those a tarball handed over, plus its SELinux label
 * from --file-contexts, interned so that equal name/value pairs are one
 * item counted over the inodes carrying it.  xattr_write.c does the rest.
 */
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include "erofs/print.h"
#include "erofs/xattr.h"
#include "erofs/workpool.h"
#include "xattr_collect.h"

#define XATTR_SELINUX	"security.selinux"

/* Canonical order: name bytewise, then value (length first). */
int erofs_xitem_cmp(const void *x, const void *y)
{
	const struct xitem *a = x, *b = y;
	int r = memcmp(a->name, b->name, EROFS_MIN(a->name_len, b->name_len));

	if (r || a->name_len != b->name_len)
		return r ? r : a->name_len < b->name_len ? -1 : 1;
	if (a->value_len != b->value_len)
		return a->value_len < b->value_len ? -1 : 1;
	return memcmp(a->value, b->value, a->value_len);
}

/* Add name/value to node @xn, sharing the item with equal ones. */
static int xattr_add(struct xstate *s, struct xnode *xn, const char *name,
		     const void *value, size_t vlen)
{
	struct xitem key = { .name = (char *)name, .name_len = strlen(name),
			     .value = (uint8_t *)value, .value_len = vlen };
	struct xitem **found, *it, **items;

	found = tfind(&key, &s->interned, erofs_xitem_cmp);
	if (found) {
		it = *found;
	} else {
		it = calloc(1, sizeof(*it));
		if (!it)
			return -ENOMEM;
		*it = key;
		it->name = strdup(name);
		it->value = malloc(vlen ? vlen : 1);
		/* before tsearch(): it compares the new item's value */
		if (it->value)
			memcpy(it->value, value, vlen);
		if (s->nall == s->capall) {
			size_t cap = s->capall ? s->capall * 2 : 256;
			struct xitem **a = realloc(s->all, cap * sizeof(*a));

			if (a) {
				s->all = a;
				s->capall = cap;
			}
		}
		if (!it->name || !it->value || s->nall == s->capall ||
		    !tsearch(it, &s->interned, erofs_xitem_cmp)) {
			free(it->name);
			free(it->value);
			free(it);
			return -ENOMEM;
		}
		it->pfx = -1;
		s->all[s->nall++] = it;
	}
	items = realloc(xn->items, (xn->n + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	xn->items = items;
	xn->items[xn->n++] = it;
	it->count++;
	return 0;
}

/* Read one value; 0, 1 when it vanished meanwhile, or -errno. */
static int xattr_get(const char *path, const char *name, uint8_t **val,
		     size_t *vlen)
{
	for (int tries = 0; tries < 8; tries++) {
		ssize_t n = lgetxattr(path, name, NULL, 0), m;

		if (n < 0)
			return errno == ENODATA ? 1 : -errno;
		if (n > EROFS_XATTR_VALUE_MAX)
			return -E2BIG;
		free(*val);
		*val = malloc(n ? n : 1);
		if (!*val)
			return -ENOMEM;
		m = lgetxattr(path, name, *val, n);
		if (m >= 0) {
			*vlen = m;
			return 0;
		}
		if (errno != ERANGE)
			return errno == ENODATA ? 1 : -errno;
	}
	return -EAGAIN;
}

/* The name list of @path into *@list: length, or -errno. */
static ssize_t xattr_list(const char *path, char **list)
{
	for (int tries = 0; tries < 8; tries++) {
		ssize_t n = llistxattr(path, NULL, 0), m;

		if (n <= 0)
			return n < 0 ? -errno : 0;
		free(*list);
		*list = malloc(n);
		if (!*list)
			return -ENOMEM;
		m = llistxattr(path, *list, n);
		if (m >= 0)
			return m;
		if (errno != ERANGE)
			return -errno;
	}
	return -EAGAIN;
}

/* 0 if attribute @name goes into the image, else why not (1 or 2). */
static int xattr_kept(const struct xstate *s, const char *name)
{
	size_t plen;
	unsigned int index = erofs_xattr_match_short(name, strlen(name), &plen);

	if (s->o->selabel && !strcmp(name, XATTR_SELINUX))
		return 1;	/* the file_contexts label replaces it */
	if (!index || index == EROFS_XATTR_INDEX_LUSTRE)
		return 2;	/* no EROFS name prefix */
	return 0;
}

/* Whether attribute @name of @path goes into the image (else why not). */
static bool xattr_wanted(struct xstate *s, const char *path, const char *name)
{
	int why = xattr_kept(s, name);

	if (why == 2)
		erofs_warn("%s: attribute %s has no EROFS name prefix: left out",
			   path, name);
	return !why;
}

/* Attributes the source handed over with the node (a tarball's). */
static int xattr_take_pairs(struct xstate *s, struct xnode *xn,
			    const struct erofs_node *n, const char *path)
{
	int err = 0;

	for (uint32_t i = 0; i < n->nxattrs && !err; i++) {
		const struct erofs_xattr_pair *p = &n->xattrs[i];

		if (!xattr_wanted(s, path, p->name))
			continue;
		if (p->len > EROFS_XATTR_VALUE_MAX) {
			erofs_err("%s: attribute %s: value longer than EROFS's %u bytes",
				  path, p->name, EROFS_XATTR_VALUE_MAX);
			return -E2BIG;
		}
		err = xattr_add(s, xn, p->name, p->value, p->len);
	}
	return err;
}

/*
 * What one inode's source holds, read on any thread: the name list and the
 * value of each name kept (or why it could not be read), in list order.
 */
struct xraw {
	char *path;		/* for messages */
	char *list;
	ssize_t len;		/* of list, or -errno */
	struct xval {
		uint8_t *val;
		size_t len;
		int err;	/* of xattr_get() */
	} *vals;
};

static void xattr_read_raw(const struct xstate *s, struct xraw *r)
{
	uint32_t k = 0, n = 0;

	r->len = xattr_list(r->path, &r->list);
	if (r->len <= 0)
		return;
	for (char *name = r->list; name < r->list + r->len;
	     name += strlen(name) + 1)
		n++;
	r->vals = calloc(n, sizeof(*r->vals));
	if (!r->vals) {
		r->len = -ENOMEM;
		return;
	}
	for (char *name = r->list; name < r->list + r->len;
	     name += strlen(name) + 1, k++)
		if (!xattr_kept(s, name))
			r->vals[k].err = xattr_get(r->path, name, &r->vals[k].val,
						   &r->vals[k].len);
}

static void xattr_raw_free(struct xraw *r)
{
	uint32_t k = 0;

	for (char *name = r->list; r->vals && name < r->list + r->len;
	     name += strlen(name) + 1)
		free(r->vals[k++].val);
	free(r->vals);
	free(r->list);
	free(r->path);
	memset(r, 0, sizeof(*r));
}

/* Take what was read, in walk order: messages, and the items interned. */
static bool node_has_pair(const struct erofs_node *n, const char *name)
{
	for (uint32_t i = 0; i < n->nxattrs; i++)
		if (!strcmp(n->xattrs[i].name, name))
			return true;
	return false;
}

static int xattr_take_raw(struct xstate *s, struct xnode *xn,
			  const struct xraw *r, const struct erofs_node *n)
{
	const char *path = r->path;
	uint32_t k = 0;
	int err = 0;

	if (!path)
		return -ENOMEM;
	if (r->len == -ENOTSUP) {
		if (!s->no_support)
			erofs_warn("%s: the source holds no extended attributes (%s): building without them",
				   path, strerror(ENOTSUP));
		s->no_support = true;
		return 0;
	}
	if (r->len < 0) {
		if (r->len != -ENOMEM)
			erofs_err("%s: cannot list extended attributes: %s",
				  path, strerror(-r->len));
		return r->len;
	}
	for (const char *name = r->list; !err && name < r->list + r->len;
	     name += strlen(name) + 1) {
		const struct xval *v = &r->vals[k++];

		if (!xattr_wanted(s, path, name) || node_has_pair(n, name))
			continue;
		err = v->err;
		if (err == 1) {
			err = 0;
			continue;
		}
		if (err == -E2BIG)
			erofs_err("%s: attribute %s: value longer than EROFS's %u bytes",
				  path, name, EROFS_XATTR_VALUE_MAX);
		else if (err && err != -ENOMEM)
			erofs_err("%s: cannot read attribute %s: %s", path,
				  name, strerror(-err));
		else if (!err)
			err = xattr_add(s, xn, name, v->val, v->len);
	}
	return err;
}

bool erofs_xattr_wants_ovl_origin(const struct erofs_node *dir)
{
	if (!S_ISDIR(dir->mode))
		return false;
	for (uint32_t c = 0; c < dir->nchildren; c++) {
		const struct erofs_node *n = dir->children[c].node;

		if (S_ISCHR(n->mode) && !n->rdev)
			return true;
	}
	return false;
}

/* A directory source: the origin mark of erofs_xattr_wants_ovl_origin(). */
static int xattr_ovl_origin(struct xstate *s, struct xnode *xn,
			    const struct erofs_node *n)
{
	for (uint32_t k = 0; k < xn->n; k++)
		if (!strcmp(xn->items[k]->name, EROFS_XATTR_OVL_ORIGIN))
			return 0;	/* the source's own is kept */
	if (!erofs_xattr_wants_ovl_origin(n))
		return 0;
	return xattr_add(s, xn, EROFS_XATTR_OVL_ORIGIN, "", 0);
}

char *erofs_xattr_relpath(struct erofs_node *root, struct erofs_node *n)
{
	char *rel = erofs_node_relpath(root, n), *abs;

	if (!rel || !*rel)
		return rel;
	abs = malloc(strlen(rel) + 2);
	if (abs) {
		abs[0] = '/';
		strcpy(abs + 1, rel);
	}
	free(rel);
	return abs;
}

static int xattr_label(struct xstate *s, struct xnode *xn,
		       struct erofs_node *n, const char *rel)
{
	const char *mp = s->o->mount_point ? s->o->mount_point : "";
	size_t mplen = strlen(mp);
	char *path, *ctx = NULL;
	int err;

	while (mplen && mp[mplen - 1] == '/')
		mplen--;
	path = malloc(mplen + strlen(rel) + 2);
	if (!path)
		return -ENOMEM;
	memcpy(path, mp, mplen);
	strcpy(path + mplen, rel);
	if (!path[0])
		strcpy(path, "/");
	err = erofs_selabel_lookup(s->o->selabel, path, n->mode, &ctx);
	if (err == -ENOENT) {
		err = 0;
	} else if (err) {
		erofs_err("%s: no SELinux label: %s", path, strerror(-err));
	} else {
		/* stored with its NUL, as setfiles and restorecon write it */
		err = xattr_add(s, xn, XATTR_SELINUX, ctx, strlen(ctx) + 1);
	}
	free(ctx);
	free(path);
	return err;
}

/* A batch of inodes whose attributes are read on several threads. */
#define XATTR_BATCH	4096

struct xbatch {
	const struct xstate *s;
	uint64_t first;
	struct xraw *raw;
};

/* Build each path on the reading thread too: it walks the parents. */
static char *xattr_source_path(const struct xstate *s, const char *rel)
{
	const char *dir = s->srcdir ? s->srcdir : "";
	char *path = malloc(strlen(dir) + strlen(rel) + 2);

	/* without a source directory (a tarball), names are /-rooted */
	if (path) {
		strcpy(path, dir);
		strcat(path, *rel || s->srcdir ? rel : "/");
	}
	return path;
}

static void xattr_read_one(void *ctx, size_t i)
{
	struct xbatch *xb = ctx;
	const struct xstate *s = xb->s;
	struct xraw *r = &xb->raw[i];
	char *rel = erofs_xattr_relpath(s->tree->root,
					 s->tree->nodes[xb->first + i]);

	r->path = rel ? xattr_source_path(s, rel) : NULL;
	free(rel);
	if (!r->path)
		r->len = -ENOMEM;
	else
		xattr_read_raw(s, r);
}

int erofs_xattr_collect(struct xstate *s)
{
	struct erofs_tree *t = s->tree;
	struct xraw *raw = NULL;
	int err = 0;

	if (s->srcdir) {
		raw = calloc(EROFS_MIN(t->nnodes, (uint64_t)XATTR_BATCH),
			     sizeof(*raw));
		if (!raw && t->nnodes) {
			erofs_err("out of memory");
			return -ENOMEM;
		}
	}
	for (uint64_t first = 0; first < t->nnodes && !err; first += XATTR_BATCH) {
		uint64_t n = EROFS_MIN(t->nnodes - first, (uint64_t)XATTR_BATCH);

		if (raw && !s->no_support)
			erofs_parallel_for(s->o->workers, n, xattr_read_one,
					   &(struct xbatch){ s, first, raw });
		for (uint64_t j = 0; j < n && !err; j++) {
			struct erofs_node *node = t->nodes[first + j];
			struct xnode *xn = &s->nodes[first + j];
			char *rel = NULL, *path = NULL;

			if (!s->srcdir || s->o->selabel) {
				rel = erofs_xattr_relpath(t->root, node);
				if (!rel)
					err = -ENOMEM;
			}
			if (!err && !s->srcdir) {
				path = xattr_source_path(s, rel);
				err = path ? xattr_take_pairs(s, xn, node, path)
					   : -ENOMEM;
			} else if (!err) {
				/* --fs-config-file capabilities replace the source's */
				if (!s->no_support)
					err = xattr_take_raw(s, xn, &raw[j], node);
				if (!err && node->nxattrs)
					err = xattr_take_pairs(s, xn, node,
						raw[j].path ? raw[j].path : "/");
			}
			if (!err && s->srcdir)
				err = xattr_ovl_origin(s, xn, node);
			if (!err && s->o->selabel)
				err = xattr_label(s, xn, node, rel);
			if (err == -ENOMEM)
				erofs_err("out of memory");
			free(path);
			free(rel);
		}
		for (uint64_t j = 0; raw && j < n; j++)
			xattr_raw_free(&raw[j]);
	}
	free(raw);
	return err;
}

void erofs_xattr_state_free(struct xstate *s)
{
	for (size_t k = 0; k < s->nall; k++) {
		free(s->all[k]->name);
		free(s->all[k]->value);
	}
	tdestroy(s->interned, free);	/* the items themselves */
	if (s->nodes)
		for (uint64_t i = 0; i < s->tree->nnodes; i++)
			free(s->nodes[i].items);
	free(s->nodes);
	free(s->all);
}
