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

/* The entries of chunk-based inodes (-E force-inode-blockmap, force-chunk-indexes). */
enum erofs_chunk_format {
	EROFS_CHUNK_AUTO,	/* block maps; --chunksize: files sharing nothing flat */
	EROFS_CHUNK_BLOCKMAP,	/* block maps, every file chunk-based (erofs-utils) */
	EROFS_CHUNK_INDEXES,	/* 8-byte chunk indexes, every file chunk-based */
};

/* -E fragdedupe: which fragments are stored once (erofs-utils' names). */
enum erofs_fragdedupe {
	EROFS_FRAGDEDUPE_FULL,		/* any that ends an earlier one */
	EROFS_FRAGDEDUPE_INODE,		/* only whole files */
	EROFS_FRAGDEDUPE_OFF,
};

/* -E fragments, all-fragments: the packed inode. */
struct erofs_frag_opts {
	bool on;			/* tails of compressed files go there */
	bool all;			/* whole files do */
	enum erofs_fragdedupe dedupe;
	uint32_t pclusterblks;		/* its pclusters; 0: those of -C */
	int fd;				/* a scratch file for its bytes */
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
	unsigned int chunkbits;	/* --chunksize: log2 bytes; 0: none */
	enum erofs_chunk_format chunk_format;
	bool dedupe_files;	/* identical files share their data */
	bool writeback;		/* the image is synced at the end: start early */
	bool noinline_data;	/* -Enoinline_data: no file tail inline */
	/* --tar=i: blocks of device 1, the tar the files point into; 0: none */
	uint64_t blob_blocks;
	bool no_sbcrc;		/* -E nosbcrc: no superblock checksum */
	bool force_extended;	/* -E force-inode-extended */
	uint32_t dsunit;	/* --dsunit: files' data start at multiples (blocks) */
	const struct erofs_xattr_area *xattrs;	/* NULL: no xattr area */
	struct erofs_frag_opts frags;
	bool dedupe;		/* -E dedupe: identical pclusters stored once */
	/*
	 * --data-order: these regular files' data first in the data area, in
	 * this order (each node once), then every other node's in tree order
	 */
	struct erofs_node *const *data_first;
	size_t ndata_first;
};

struct erofs_build_stats {
	uint64_t inodes;
	uint64_t blocks;
	uint64_t meta_blocks;
	uint64_t data_bytes;
	uint64_t shared_bytes;	/* stored once for several files or chunks */
};

/*
 * Write @tree as a complete image to @io (an empty file).  Returns 0 or
 * -errno after printing one "path: reason" message.
 */
int erofs_build_image(struct erofs_io *io, struct erofs_tree *tree,
		      const struct erofs_build_opts *opts,
		      struct erofs_build_stats *stats);

#endif
