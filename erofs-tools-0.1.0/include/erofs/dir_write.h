/* SPDX-License-Identifier: MIT */
/*
 * Directory contents as the kernel reads them (and dir.c): per block,
 * dirents sorted by name, then the names.
 */
#ifndef EROFS_DIR_WRITE_H
#define EROFS_DIR_WRITE_H

#include "erofs/tree.h"

/* Set @dir's size to that of its contents: 0 or -ENOMEM. */
int erofs_dir_measure(struct erofs_node *dir, unsigned int blkszbits);
/*
 * @dir's contents (every child has its nid), zero-padded to whole blocks:
 * malloc'ed, or NULL.
 */
uint8_t *erofs_dir_encode(struct erofs_node *dir, unsigned int blkszbits);

#endif
