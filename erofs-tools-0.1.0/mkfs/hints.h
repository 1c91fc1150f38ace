/* SPDX-License-Identifier: MIT */
#ifndef MKFS_HINTS_H
#define MKFS_HINTS_H

#include "options.h"

/* Read --compress-hints rules into o->build.hints: 0 or -errno (reported). */
int mkfs_load_hints(struct mkfs_options *o, const char *file);
void mkfs_free_hints(struct mkfs_options *o);
/* The largest pcluster, -C or a hint's, in blocks. */
uint32_t mkfs_max_pclusterblks(const struct mkfs_options *o);

#endif
