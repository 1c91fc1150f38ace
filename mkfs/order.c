// SPDX-License-Identifier: MIT
/*
 * --data-order=FILE: a boot profile, the regular files whose data goes
 * first in the data area, in the order listed.  One path a line, relative
 * to SOURCE (or, with --tar, to the archive's root); a leading "/" or
 * "./" is dropped, as are empty and "." components; blank lines and lines
 * starting with '#' are skipped, and a line's end ("\n", "\r\n") is not
 * part of its path.  The paths are looked up in the scanned tree, not in
 * the source directory: a path through a symlink, an excluded path or
 * one with ".." names nothing.  A line that names no regular file, or
 * one listed before (another spelling or a hard link of it), is warned
 * about once and skipped; the list is read before anything is written,
 * so an unreadable one fails mkfs before DEST is touched.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/dir.h"
#include "erofs/print.h"
#include "order.h"

int mkfs_data_order_read(struct mkfs_data_order *d, const char *file)
{
	unsigned int lineno = 0;
	char *line = NULL;
	size_t cap = 0, room = 0;
	ssize_t len;
	FILE *f = fopen(file, "r");
	int err = 0;

	memset(d, 0, sizeof(*d));
	d->file = file;
	if (!f) {
		err = -errno;
		erofs_err("--data-order: %s: %s", file, strerror(-err));
		return err;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		size_t skip = strspn(line, " \t\r\n");

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (line[0] == '#' || skip >= (size_t)len)
			continue;
		if (d->n == room) {
			char **p;
			unsigned int *l;

			room = room ? 2 * room : 64;
			p = realloc(d->paths, room * sizeof(*p));
			if (p)
				d->paths = p;
			l = p ? realloc(d->lines, room * sizeof(*l)) : NULL;
			if (!l) {
				err = -ENOMEM;
				break;
			}
			d->lines = l;
		}
		d->paths[d->n] = strdup(line);
		if (!d->paths[d->n]) {
			err = -ENOMEM;
			break;
		}
		d->lines[d->n++] = lineno;
	}
	/* a directory opens, and then fails to read */
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	if (err) {
		erofs_err("--data-order: %s: %s", file, strerror(-err));
		mkfs_data_order_free(d);
	}
	return err;
}

static int by_name(const void *key, const void *ent)
{
	const struct erofs_dentry *k = key, *e = ent;

	return erofs_dir_name_cmp(k->name, k->namelen, e->name, e->namelen);
}

/* The node @path names in @t, or NULL. */
static struct erofs_node *lookup(const struct erofs_tree *t, const char *path)
{
	struct erofs_node *cur = t->root;
	const char *p = path;

	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t len = end - p;
		struct erofs_dentry key, *e;

		if (!len || (len == 1 && *p == '.')) {
			p = *end ? end + 1 : end;
			continue;
		}
		if (!S_ISDIR(cur->mode) || !cur->nchildren || len > 255)
			return NULL;
		key.name = (char *)p;
		key.namelen = len;
		e = bsearch(&key, cur->children, cur->nchildren,
			    sizeof(*cur->children), by_name);
		if (!e)
			return NULL;
		cur = e->node;
		p = *end ? end + 1 : end;
	}
	return cur;
}

struct hit {
	const struct erofs_node *node;
	size_t idx;		/* in the list */
};

static int by_node(const void *x, const void *y)
{
	const struct hit *a = x, *b = y;
	uintptr_t na = (uintptr_t)a->node, nb = (uintptr_t)b->node;

	if (na != nb)
		return na < nb ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

int mkfs_data_order_resolve(struct mkfs_data_order *d,
			    const struct erofs_tree *t,
			    struct erofs_build_opts *b)
{
	struct hit *h = malloc((d->n ? d->n : 1) * sizeof(*h));
	size_t *first = malloc((d->n ? d->n : 1) * sizeof(*first));
	size_t k = 0;

	d->nodes = malloc((d->n ? d->n : 1) * sizeof(*d->nodes));
	if (!h || !first || !d->nodes) {
		free(h);
		free(first);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->n; i++) {
		d->nodes[i] = lookup(t, d->paths[i]);
		h[i].node = d->nodes[i];
		h[i].idx = i;
		first[i] = i;
	}
	/* each node's first line: the list sorted by node, then by line */
	qsort(h, d->n, sizeof(*h), by_node);
	for (size_t i = 1; i < d->n; i++)
		if (h[i].node && h[i].node == h[i - 1].node)
			first[h[i].idx] = first[h[i - 1].idx];
	/*
	 * warnings and the order in the list's order, whatever the addresses;
	 * the files kept move down in place (k <= i)
	 */
	for (size_t i = 0; i < d->n; i++) {
		struct erofs_node *n = d->nodes[i];

		if (!n)
			erofs_warn("--data-order: %s:%u: %s: not in the source tree",
				   d->file, d->lines[i], d->paths[i]);
		else if (!S_ISREG(n->mode))
			erofs_warn("--data-order: %s:%u: %s: not a regular file in the source",
				   d->file, d->lines[i], d->paths[i]);
		else if (first[i] != i)
			erofs_warn("--data-order: %s:%u: %s: the same file as line %u, listed before",
				   d->file, d->lines[i], d->paths[i],
				   d->lines[first[i]]);
		else
			d->nodes[k++] = n;
	}
	free(h);
	free(first);
	b->data_first = d->nodes;
	b->ndata_first = k;
	return 0;
}

void mkfs_data_order_free(struct mkfs_data_order *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->paths[i]);
	free(d->paths);
	free(d->lines);
	free(d->nodes);
	memset(d, 0, sizeof(*d));
}
