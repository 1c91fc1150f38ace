// SPDX-License-Identifier: MIT
/*
 * Extended attributes, write side, in four steps over the finished tree:
 *  1. collect: every node's attributes (llistxattr/lgetxattr, never
 *     following symlinks) plus its SELinux label, interned so that equal
 *     name/value pairs are one item counted over the inodes carrying it;
 *  2. name: each item gets its long prefix (the longest --xattr-prefix it
 *     starts with) or short prefix index;
 *  3. share: items on more than -x inodes go to the shared area, and so do
 *     the biggest of an inode whose inline body would not fit i_xattr_icount;
 *  4. encode: the shared area and each inode's body, everything sorted by
 *     name (then value), so the image does not depend on listxattr order.
 * Step 1 is xattr_collect.c's; this file names, shares and encodes.
 */
#include <stdlib.h>
#include <string.h>
#include "erofs_fs.h"
#include "erofs/print.h"
#include "erofs/xattr.h"
#include "erofs/xattr_write.h"
#include "xattr_collect.h"

/* Inline bytes after the header that i_xattr_icount (16 bits) can cover. */
#define XATTR_INLINE_MAX	((UINT16_MAX - 1) * sizeof(uint32_t))

static unsigned int xitem_bytes(const struct xitem *it)
{
	return erofs_xattr_entry_bytes(it->name_len - it->skip, it->value_len);
}

static int xitem_pcmp(const void *x, const void *y)
{
	return erofs_xitem_cmp(*(struct xitem *const *)x,
			       *(struct xitem *const *)y);
}

int erofs_xattr_prefix_check(const char *prefix, const char **why)
{
	size_t len = strlen(prefix), plen;
	unsigned int index = erofs_xattr_match_short(prefix, len, &plen);

	if (!index || index == EROFS_XATTR_INDEX_LUSTRE ||
	    index == EROFS_XATTR_INDEX_POSIX_ACL_ACCESS ||
	    index == EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT)
		*why = "must start with user., trusted. or security.";
	else if (len == plen)
		*why = "is a built-in prefix already";
	else if (len > EROFS_XATTR_NAME_MAX)
		*why = "is longer than 255 bytes";
	else
		return 0;
	return -EINVAL;
}

/* Bytes of @prefix after its short prefix; its short index in *@base. */
static size_t xattr_infix_len(const char *prefix, unsigned int *base)
{
	size_t len = strlen(prefix), plen;

	*base = erofs_xattr_match_short(prefix, len, &plen);
	return len - plen;
}

/* Step 2: the longest matching long prefix wins; table keeps CLI order. */
static unsigned int xattr_name_items(struct xstate *s, int *map)
{
	unsigned int used = 0;

	for (unsigned int i = 0; i < s->o->nprefixes; i++)
		map[i] = -1;
	for (size_t k = 0; k < s->nall; k++) {
		struct xitem *it = s->all[k];
		size_t best = 0;

		for (unsigned int i = 0; i < s->o->nprefixes; i++) {
			size_t l = strlen(s->o->prefixes[i]);

			if (l > best && l <= it->name_len &&
			    !memcmp(it->name, s->o->prefixes[i], l)) {
				best = l;
				it->pfx = i;
			}
		}
		if (it->pfx >= 0)
			map[it->pfx] = 0;
	}
	for (unsigned int i = 0; i < s->o->nprefixes; i++)
		if (!map[i])
			map[i] = used++;
	for (size_t k = 0; k < s->nall; k++) {
		struct xitem *it = s->all[k];
		size_t plen;

		if (it->pfx >= 0) {
			it->index = EROFS_XATTR_LONG_PREFIX | map[it->pfx];
			it->skip = strlen(s->o->prefixes[it->pfx]);
		} else {
			it->index = erofs_xattr_match_short(it->name,
							    it->name_len, &plen);
			it->skip = plen;
		}
	}
	return used;
}

/* Step 3, per inode: keep the inline body within what icount can say. */
static void xattr_fit_inline(struct xnode *xn)
{
	for (;;) {
		size_t bytes = 0;
		unsigned int nshared = 0;
		struct xitem *big = NULL;

		for (uint32_t i = 0; i < xn->n; i++) {
			struct xitem *it = xn->items[i];

			if (it->shared && nshared < UINT8_MAX) {
				nshared++;
				bytes += sizeof(uint32_t);
				continue;
			}
			bytes += xitem_bytes(it);
			if (!it->shared && (!big || xitem_bytes(it) > xitem_bytes(big)))
				big = it;
		}
		if (bytes <= XATTR_INLINE_MAX || !big || nshared == UINT8_MAX)
			return;
		big->shared = true;
	}
}

static void xattr_put_entry(uint8_t *p, const struct xitem *it)
{
	struct erofs_xattr_entry e = {
		.e_name_len = it->name_len - it->skip,
		.e_name_index = it->index,
		.e_value_size = erofs_cpu_to_le16(it->value_len),
	};

	memcpy(p, &e, sizeof(e));
	memcpy(p + sizeof(e), it->name + it->skip, e.e_name_len);
	memcpy(p + sizeof(e) + e.e_name_len, it->value, it->value_len);
}

/* Step 4: the long prefix table, then every shared item in order. */
static int xattr_encode_area(struct xstate *s, const int *map,
			     unsigned int nused, struct erofs_xattr_area *area)
{
	struct xitem **shared = malloc((s->nall ? s->nall : 1) * sizeof(*shared));
	size_t nshared = 0, len = 0, off;

	if (!shared)
		return -ENOMEM;
	unsigned int base;

	for (unsigned int i = 0; i < s->o->nprefixes; i++)
		if (map[i] >= 0)
			len += EROFS_ROUND_UP(sizeof(uint16_t) + 1 +
				xattr_infix_len(s->o->prefixes[i], &base), 4);
	for (size_t k = 0; k < s->nall; k++) {
		if (!s->all[k]->shared)
			continue;
		shared[nshared++] = s->all[k];
		len += xitem_bytes(s->all[k]);
	}
	if (nshared)
		qsort(shared, nshared, sizeof(*shared), xitem_pcmp);
	if (len / sizeof(uint32_t) > UINT32_MAX) {
		free(shared);
		erofs_err("shared extended attributes exceed 16 GiB");
		return -EFBIG;
	}
	area->buf = calloc(1, len ? len : 1);
	if (!area->buf) {
		free(shared);
		return -ENOMEM;
	}
	off = 0;
	for (unsigned int i = 0; i < s->o->nprefixes; i++) {
		const char *p = s->o->prefixes[i];
		size_t ilen = xattr_infix_len(p, &base);
		uint16_t rec = erofs_cpu_to_le16(1 + ilen);

		if (map[i] < 0)
			continue;
		/* __le16 length, base index, infix: padded to 4 bytes */
		memcpy(area->buf + off, &rec, sizeof(rec));
		area->buf[off + sizeof(rec)] = base;
		memcpy(area->buf + off + sizeof(rec) + 1, p + strlen(p) - ilen, ilen);
		off += EROFS_ROUND_UP(sizeof(rec) + 1 + ilen, 4);
	}
	for (size_t k = 0; k < nshared; k++) {
		shared[k]->id = off / sizeof(uint32_t);
		xattr_put_entry(area->buf + off, shared[k]);
		off += xitem_bytes(shared[k]);
	}
	free(shared);
	area->len = len;
	area->prefix_count = nused;
	return 0;
}

static int xattr_encode_root(struct erofs_tree *t, struct erofs_node *n,
			     struct xnode *xn, const struct erofs_xattr_opts *o);

static int xattr_encode_node(struct erofs_tree *t, struct erofs_node *n,
			     struct xnode *xn, const struct erofs_xattr_opts *o)
{
	struct erofs_xattr_ibody_header ih = { 0 };
	uint32_t present = 0;
	size_t len = sizeof(ih), off;
	unsigned int nshared = 0;
	uint8_t *body;

	if (n == t->root && o->root_isize)
		return xattr_encode_root(t, n, xn, o);
	if (!xn->n)
		return 0;
	qsort(xn->items, xn->n, sizeof(*xn->items), xitem_pcmp);
	for (uint32_t i = 0; i < xn->n; i++) {
		struct xitem *it = xn->items[i];
		int bit = erofs_xattr_filter_bit(it->name, it->name_len);

		if (bit >= 0)
			present |= 1u << bit;
		if (it->shared && nshared < UINT8_MAX) {
			nshared++;
			len += sizeof(uint32_t);
		} else {
			len += xitem_bytes(it);
		}
	}
	if (len - sizeof(ih) > XATTR_INLINE_MAX) {
		char *rel = erofs_xattr_relpath(t->root, n);

		erofs_err("%s: extended attributes too many or too large for one inode",
			  rel && *rel ? rel : "/");
		free(rel);
		return -E2BIG;
	}
	body = calloc(1, len);
	if (!body)
		return -ENOMEM;
	ih.h_name_filter = o->no_filter ? 0 : erofs_cpu_to_le32(~present);
	ih.h_shared_count = nshared;
	memcpy(body, &ih, sizeof(ih));
	off = sizeof(ih);
	nshared = 0;
	/* ids first, then the entries: both in canonical order */
	for (uint32_t i = 0; i < xn->n; i++) {
		struct xitem *it = xn->items[i];

		if (it->shared && nshared < UINT8_MAX) {
			uint32_t id = erofs_cpu_to_le32(it->id);

			memcpy(body + off, &id, sizeof(id));
			off += sizeof(id);
			nshared++;
		}
	}
	nshared = 0;
	for (uint32_t i = 0; i < xn->n; i++) {
		struct xitem *it = xn->items[i];

		if (it->shared && nshared < UINT8_MAX) {
			nshared++;
			continue;
		}
		xattr_put_entry(body + off, it);
		off += xitem_bytes(it);
	}
	n->xattr_body = body;
	n->xattr_isize = len;
	return 0;
}

/*
 * --root-xattr-isize: the root's inline body is at least that big, so that
 * attributes can be added in place later; the rest is zeros, which readers
 * take as empty 4-byte entries of no name prefix (as erofs-utils pads).
 */
static int xattr_encode_root(struct erofs_tree *t, struct erofs_node *n,
			     struct xnode *xn, const struct erofs_xattr_opts *o)
{
	struct erofs_xattr_opts plain = *o;
	uint32_t want = EROFS_ROUND_UP(EROFS_MAX(o->root_isize,
			(uint32_t)sizeof(struct erofs_xattr_ibody_header)), 4);
	uint8_t *body;
	int err;

	plain.root_isize = 0;
	err = xattr_encode_node(t, n, xn, &plain);
	if (err || n->xattr_isize >= want)
		return err;
	body = realloc(n->xattr_body, want);
	if (!body)
		return -ENOMEM;
	if (!n->xattr_isize) {
		struct erofs_xattr_ibody_header ih = {
			.h_name_filter = o->no_filter ? 0 : UINT32_MAX,
		};

		memcpy(body, &ih, sizeof(ih));
		n->xattr_isize = sizeof(ih);
	}
	memset(body + n->xattr_isize, 0, want - n->xattr_isize);
	n->xattr_body = body;
	n->xattr_isize = want;
	return 0;
}

int erofs_xattrs_build(struct erofs_tree *tree, const char *srcdir,
		       const struct erofs_xattr_opts *opts,
		       struct erofs_xattr_area *area)
{
	struct xstate s = { .o = opts, .tree = tree, .srcdir = srcdir };
	int map[EROFS_XATTR_LONG_PREFIX_MAX];
	unsigned int nused;
	int err;

	memset(area, 0, sizeof(*area));
	if (opts->tolerance < 0) {
		erofs_warn("-x %d: building without extended attributes%s",
			   opts->tolerance,
			   opts->selabel ? " (SELinux labels included)" : "");
		return 0;
	}
	if (opts->nprefixes > EROFS_XATTR_LONG_PREFIX_MAX) {
		erofs_err("more than %u --xattr-prefix values",
			  EROFS_XATTR_LONG_PREFIX_MAX);
		return -EINVAL;
	}
	s.nodes = calloc(tree->nnodes, sizeof(*s.nodes));
	if (!s.nodes) {
		erofs_err("out of memory");
		return -ENOMEM;
	}
	err = erofs_xattr_collect(&s);
	if (err)
		goto out;
	nused = xattr_name_items(&s, map);
	for (size_t k = 0; k < s.nall; k++)
		s.all[k]->shared = s.all[k]->count > (uint32_t)opts->tolerance;
	for (uint64_t i = 0; i < tree->nnodes; i++)
		xattr_fit_inline(&s.nodes[i]);
	err = xattr_encode_area(&s, map, nused, area);
	for (uint64_t i = 0; !err && i < tree->nnodes; i++) {
		err = xattr_encode_node(tree, tree->nodes[i], &s.nodes[i], opts);
		if (tree->nodes[i]->xattr_isize && !opts->no_filter)
			area->filter = true;
	}
	if (err == -ENOMEM)
		erofs_err("out of memory");
out:
	erofs_xattr_state_free(&s);
	if (err)
		erofs_xattr_area_free(area);
	return err;
}

void erofs_xattr_area_free(struct erofs_xattr_area *area)
{
	free(area->buf);
	memset(area, 0, sizeof(*area));
}
