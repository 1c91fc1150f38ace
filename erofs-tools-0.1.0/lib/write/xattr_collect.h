/* SPDX-License-Identifier: MIT */
/*
 * Between the two halves of the xattr writer: xattr_collect.c reads and
 * interns the attributes (step 1), xattr_write.c names, shares and encodes
 * them (steps 2-4).  xattr_write.c calls xattr_collect.c, never the
 * other way round.
 */
#ifndef EROFS_LIB_XATTR_COLLECT_H
#define EROFS_LIB_XATTR_COLLECT_H

#include "erofs/xattr_write.h"

struct xitem {
	char *name;
	uint8_t *value;
	uint16_t name_len;
	uint16_t value_len;
	uint32_t count;		/* inodes carrying it */
	int pfx;		/* --xattr-prefix it uses, -1: short prefix */
	uint8_t index;		/* e_name_index */
	uint8_t skip;		/* name bytes not stored in the entry */
	bool shared;
	uint32_t id;		/* shared id, when shared */
};

struct xnode {
	struct xitem **items;
	uint32_t n;
};

struct xstate {
	const struct erofs_xattr_opts *o;
	struct erofs_tree *tree;
	const char *srcdir;
	void *interned;		/* tsearch tree of struct xitem */
	struct xitem **all;
	size_t nall, capall;
	struct xnode *nodes;	/* parallel to tree->nodes */
	bool no_support;	/* the source said ENOTSUP */
};

/* Canonical order of two items: name bytewise, then value (length first). */
int erofs_xitem_cmp(const void *x, const void *y);
/* Path of @n below the root ("/a/b", "" for the root), from its first parent. */
char *erofs_xattr_relpath(struct erofs_node *root, struct erofs_node *n);
/* Step 1: fill s->nodes (calloc()ed, one per tree node) and s->all from
 * the source: 0 or -errno (reported). */
int erofs_xattr_collect(struct xstate *s);
/* Free the items, the per-node lists and the interning tree of @s. */
void erofs_xattr_state_free(struct xstate *s);

#endif
