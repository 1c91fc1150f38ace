/* SPDX-License-Identifier: MIT */
/* fsck.erofs: the table of every nid the walk meets (itable.c). */
#ifndef FSCK_ITABLE_H
#define FSCK_ITABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "erofs/defs.h"

struct erofs_node;

/* What one nid looked like when first met, for nlink and hardlinks. */
struct fsck_inode_rec {
	bool used;			/* slot taken */
	erofs_nid_t nid;
	uint32_t links_found;
	uint32_t nlink;
	bool isdir;
	unsigned int ftype;		/* EROFS_FT_* from the inode mode */
	bool bad;			/* inode unreadable: do not count it */
	char *extract_path;		/* relative path of the first copy */
	char *export_path;		/* --export: archive name of the first */
	const struct erofs_node *src;	/* --compare: the source it matched */
	char *first_path;		/* --compare, nlink > 1: first image path */
	bool peered;			/* --compare=IMAGE2: matched with @peer, */
	erofs_nid_t peer;		/* the nid of the other image's inode */
};

/* An open-addressing table of every nid met during the walk. */
struct fsck_itable {
	struct fsck_inode_rec *slots;
	size_t cap, count;
};

struct fsck_itable_iter {
	size_t i;
};

/* Return the record of @nid, adding a zeroed one if new (*@fresh set). */
struct fsck_inode_rec *fsck_itable_get(struct fsck_itable *t, erofs_nid_t nid,
				       bool *fresh);
struct fsck_inode_rec *fsck_itable_next(struct fsck_itable *t,
					struct fsck_itable_iter *it);
void fsck_itable_free(struct fsck_itable *t);

#endif
