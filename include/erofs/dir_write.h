/* SPDX-License-Identifier: MIT */
/* Directory contents as the kernel reads them: sorted dirents per block. */
#ifndef EROFS_DIR_WRITE_H
#define EROFS_DIR_WRITE_H

#include "erofs/tree.h"

struct erofs_dir_wentry {
	const char *name;
	uint8_t namelen;
	struct erofs_node *node;
};

/*
 * Every entry of @dir, "." and ".." included, in on-disk order.  Returns a
 * malloc'ed array of dir->nchildren + 2 entries, or NULL.
 */
struct erofs_dir_wentry *erofs_dir_entries(struct erofs_node *dir);
/* Byte size of @dir's contents with blocks of 1 << @blkszbits. */
uint64_t erofs_dir_size(const struct erofs_dir_wentry *ents, uint32_t n,
			unsigned int blkszbits);
/*
 * Fill @buf (dir_size bytes, zeroed) with the directory blocks; every
 * entry's node must have its nid.
 */
void erofs_dir_fill(const struct erofs_dir_wentry *ents, uint32_t n,
		    unsigned int blkszbits, uint8_t *buf);

/* Set @dir's size to that of its contents: 0 or -ENOMEM. */
int erofs_dir_measure(struct erofs_node *dir, unsigned int blkszbits);
/*
 * @dir's contents (every child has its nid), zero-padded to whole blocks:
 * malloc'ed, or NULL.
 */
uint8_t *erofs_dir_encode(struct erofs_node *dir, unsigned int blkszbits);

#endif
