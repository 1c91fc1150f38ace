/* SPDX-License-Identifier: MIT */
#ifndef MKFS_ORDER_H
#define MKFS_ORDER_H

#include <stddef.h>
#include "erofs/build.h"
#include "erofs/tree.h"

/* --data-order=FILE: the paths listed, then the files they name. */
struct mkfs_data_order {
	const char *file;		/* NULL: no list */
	char **paths;			/* as listed, one a line kept */
	unsigned int *lines;		/* ... and the line each is on */
	size_t n;
	struct erofs_node **nodes;	/* once resolved: for the builder */
};

/* Read the list @file into @d: 0 or -errno (reported, naming @file). */
int mkfs_data_order_read(struct mkfs_data_order *d, const char *file);
/*
 * Look the paths up in @t and hand the regular files they name, each
 * once, to @b (data_first); warn about each line naming none.  0 or
 * -ENOMEM.
 */
int mkfs_data_order_resolve(struct mkfs_data_order *d,
			    const struct erofs_tree *t,
			    struct erofs_build_opts *b);
void mkfs_data_order_free(struct mkfs_data_order *d);

#endif
