/* SPDX-License-Identifier: MIT */
/* Lay out an in-memory tree and write it as an image through the bman. */
#ifndef EROFS_BUILD_H
#define EROFS_BUILD_H

#include "erofs/compress.h"
#include "erofs/io.h"
#include "erofs/tree.h"
#include "erofs/xattr_write.h"

#include <regex.h>

/* A --compress-hints rule: files whose path matches get this pcluster. */
struct erofs_pcluster_hint {
	regex_t re;
	uint32_t pclusterblks;	/* 0: the files are stored uncompressed */
	unsigned int zcfg;	/* and this -z algorithm */
};

struct erofs_build_opts {
	unsigned int blkszbits;
	int64_t build_time;
	uint32_t build_time_nsec;
	uint8_t uuid[16];
	char label[16];		/* NUL-terminated */
	bool progress;		/* a live progress line on stderr */
	const char *image_name;	/* named in messages about writing the image */
	/* compression: the -z algorithms, none = no compression */
	struct erofs_zcfg zcfgs[EROFS_MAX_ZCFGS];	/* dictsizes resolved */
	unsigned int nzcfgs;
	struct z_erofs_params zp;
	struct erofs_pcluster_hint *hints;	/* first match wins */
	unsigned int nhints;
	size_t src_prefix;	/* strip this many bytes off source paths */
	unsigned int workers;	/* compression threads (0: one) */
	bool writeback;		/* the image is synced at the end: start early */
	bool no_sbcrc;		/* -E nosbcrc: no superblock checksum */
	bool force_extended;	/* -E force-inode-extended */
	uint32_t dsunit;	/* --dsunit: files' data start at multiples (blocks) */
	const struct erofs_xattr_area *xattrs;	/* NULL: no xattr area */
};

struct erofs_build_stats {
	uint64_t inodes;
	uint64_t blocks;
	uint64_t meta_blocks;
	uint64_t data_bytes;
};

/*
 * Write @tree as a complete image to @io (an empty file).  Returns 0 or
 * -errno after printing one "path: reason" message.
 */
int erofs_build_image(struct erofs_io *io, struct erofs_tree *tree,
		      const struct erofs_build_opts *opts,
		      struct erofs_build_stats *stats);

#endif
