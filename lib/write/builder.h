/* SPDX-License-Identifier: MIT */
/*
 * Inside the image builder (erofs_build_image() in build.c): its state and
 * the contracts between its files, private to lib/.  Who calls whom; no
 * file calls one above it in this list:
 *
 *   build.c        the passes: every file below
 *   pipeline.c     data_write.c chunks.c layout.c source.c
 *   data_write.c   chunks.c fragments.c dedupe.c layout.c source.c cache.c
 *   dedupe_files.c layout.c source.c
 *   chunks.c       layout.c source.c cache.c
 *   inode_write.c  dir_write.c cache.c
 *   super_write.c  cache.c
 *   layout.c       cache.c
 *   source.c       (tree.c only)
 *
 * Every byte of the image is written through cache.c, the buffer manager.
 */
#ifndef EROFS_LIB_BUILDER_H
#define EROFS_LIB_BUILDER_H

#include <sys/stat.h>
#include "erofs_fs.h"
#include "erofs/build.h"
#include "erofs/cache.h"
#include "erofs/progress.h"

/* The writer's read buffer for flat file bytes. */
#define EROFS_COPY_BUF	(1u << 20)

/*
 * The directory whose files a thread last opened: siblings follow each
 * other in tree order, and opening them by name in their directory saves
 * walking the whole path again for every one.
 */
struct erofs_dircache {
	const struct erofs_node *dir;
	int fd;			/* O_PATH, or -1 */
};

/* What the superblock announces, gathered as files are laid out. */
struct erofs_sb_features {
	uint32_t incompat;
	uint32_t max_pclusterblks;
	uint16_t algs;		/* on-disk algorithms of the files compressed */
	uint16_t cfgs_algs;	/* ... those whose records the sb has room for */
	uint64_t xattr_blkaddr;	/* where the xattr area starts, if any */
	erofs_off_t devt_pos;	/* the device table's room (blob_blocks) */
};

struct erofs_pipe;
struct erofs_chunk_table;

/* A chunk map entry for a hole. */
#define EROFS_CHUNK_HOLE	UINT64_MAX
struct erofs_frags;
struct erofs_dedupe;

struct erofs_builder {
	const struct erofs_build_opts *opts;
	struct erofs_tree *tree;
	struct erofs_node **order;	/* pass 1's nodes (build.c data_order()); NULL: tree order */
	struct erofs_bman bm;
	uint32_t blksz;
	struct erofs_sb_features feat;
	uint8_t *copybuf;	/* EROFS_COPY_BUF bytes, the writer's */
	struct erofs_dircache dc;	/* the writer's */
	struct erofs_pipe *pipe;	/* job ring and workers */
	struct erofs_chunk_table *chunks;	/* chunks written, by hash */
	uint64_t shared_bytes;	/* file bytes stored once for several places */
	struct erofs_frags *frags;	/* -E fragments: the packed inode's bytes */
	struct erofs_node *packed;	/* ... and the inode, once they are all in */
	struct erofs_dedupe *dedupe;	/* -E dedupe: the pclusters written */
	bool reported;		/* an error message naming its path was printed */
	uint64_t done_nodes, done_bytes;
	struct erofs_node **run;	/* settled, slots not placed yet */
	size_t nrun, run_cap;
	struct erofs_progress prog;
};

/* A file on its way through compression, one segment job at a time. */
struct erofs_zfile {
	struct erofs_node *node;
	int fd;
	struct z_erofs_params zp;
	uint32_t idx;		/* index bytes after the inode */
	uint32_t max_inline;
	uint64_t start;		/* first data block */
	bool shared;		/* -E dedupe: an extent points at an earlier pcluster */
	uint32_t dd_mark;	/* ... the dedupe table before the file */
	uint64_t new_blocks;	/* pcluster blocks it did write */
	bool whole_frag;	/* all-fragments: its bytes go to the packed inode */
	uint64_t frag_start;	/* ... from here on */
	struct z_erofs_file zf;
};

/* A file on its way into chunks (--chunksize), one segment at a time. */
struct erofs_cfile {
	struct erofs_node *node;
	int fd;
	unsigned int holebits;	/* log2 bytes of the chunks of the hole scan */
	uint32_t unit;		/* bytes hashed as one: a chunk, at most a segment */
	uint64_t nchunks;
	uint64_t *map;		/* each chunk's first block, or EROFS_CHUNK_HOLE */
	/* a chunk longer than a segment, while its segments come in */
	uint64_t cstart, chash;
	bool czero;
	bool shared;		/* a chunk is stored elsewhere, or a hole */
	uint64_t tail_hash;	/* of the last chunk, if written */
};

static inline uint32_t erofs_node_isize(const struct erofs_node *n)
{
	return n->extended ? sizeof(struct erofs_inode_extended)
			   : sizeof(struct erofs_inode_compact);
}

/* The inode and its inline xattrs: what comes before index, map or tail. */
static inline uint32_t erofs_node_head(const struct erofs_node *n)
{
	return erofs_node_isize(n) + n->xattr_isize;
}

static inline bool erofs_node_compressed(const struct erofs_node *n)
{
	return n->datalayout == EROFS_INODE_COMPRESSED_FULL ||
	       n->datalayout == EROFS_INODE_COMPRESSED_COMPACT;
}

/* A regular file's tail stored inline: read from the source in pass 3. */
static inline bool erofs_node_has_tail(const struct erofs_node *n)
{
	return S_ISREG(n->mode) && n->inline_size;
}

/*
 * Node number @i of pass 1 (and of the dedupe of identical files before
 * it): in data order, --data-order's files first, then depth first.
 */
static inline struct erofs_node *erofs_data_node(const struct erofs_builder *b,
						 uint64_t i)
{
	return b->order ? b->order[i] : b->tree->nodes[i];
}

static inline erofs_off_t erofs_build_pos(const struct erofs_builder *b,
					  uint64_t blk)
{
	return blk << b->opts->blkszbits;
}

static inline void erofs_build_progress(struct erofs_builder *b, bool final)
{
	if (final)
		erofs_progress_end(&b->prog, b->done_bytes, b->done_nodes);
	else
		erofs_progress_update(&b->prog, b->done_bytes, b->done_nodes);
}

/* ---- source.c: reading the files the tree names ---- */

/* Close what @dc holds open. */
void erofs_dircache_drop(struct erofs_dircache *dc);
/* Open @n's bytes for reading through @dc: an fd, or -errno (not reported). */
int erofs_src_open(const struct erofs_tree *t, const struct erofs_node *n,
		   struct erofs_dircache *dc);
/* The writer's erofs_src_open(): an fd, or -errno (reported). */
int erofs_src_open_reported(struct erofs_builder *b, const struct erofs_node *n);
/* Whether @n's source (@fd) now has bytes past the size it was scanned with. */
bool erofs_src_grew(int fd, const struct erofs_node *n);
/*
 * Read @n's bytes [@off, + @len) from @fd; chunks of 2^@holebits bytes the
 * hole scan found empty read as zeros.  0, -ESTALE (shorter) or -errno.
 */
int erofs_src_read(int fd, const struct erofs_node *n, unsigned int holebits,
		   uint8_t *buf, uint64_t off, size_t len);
/* Report @err reading @n's source (not after an image write failed); returns @err. */
int erofs_src_error(struct erofs_builder *b, const struct erofs_node *n, int err);

/* ---- layout.c: layout policy ---- */

/* Whether @n needs the extended inode (ids, links, size or mtime too big). */
bool erofs_layout_extended(const struct erofs_node *n,
			   const struct erofs_build_opts *o);
/* Whether @n is worth an attempt at compression. */
bool erofs_layout_compressible(const struct erofs_build_opts *o,
			       const struct erofs_node *n);
/* Lay @n out flat: whole blocks in the data area, the tail inline if it fits. */
void erofs_layout_flat(struct erofs_node *n, uint32_t blksz);
/* @n's compression parameters (a --compress-hints rule may differ), maybe in @buf. */
const struct z_erofs_params *erofs_layout_zparams(const struct erofs_build_opts *o,
						  const struct erofs_tree *t,
						  const struct erofs_node *n,
						  struct z_erofs_params *buf);
/*
 * Lay @n out flat, then say whether its compressed form (@cblocks data
 * blocks, @zmeta bytes of indexes and inline pcluster) costs fewer bytes.
 */
bool erofs_layout_keep_compressed(struct erofs_node *n, uint32_t blksz,
				  uint64_t cblocks, uint32_t zmeta);
/* Give @n its metadata slot, which fixes its nid. */
void erofs_layout_place(struct erofs_bman *bm, struct erofs_node *n);
/*
 * Pass 1, the writer, around each node it takes: before the first of its
 * data is written (begin) and once its layout is settled.  The slots of
 * a run of siblings are placed (erofs_layout_place()) in a metadata run
 * right after their data, when a node of another parent begins, or at
 * the end (flush).  settled: 0 or -ENOMEM.
 */
void erofs_layout_begin(struct erofs_builder *b, const struct erofs_node *n);
int erofs_layout_settled(struct erofs_builder *b, struct erofs_node *n);
void erofs_layout_flush(struct erofs_builder *b);
/*
 * The blocks of directory @dir, if still to place (data_write.c leaves
 * them to this), at the next data block.
 */
void erofs_layout_dir_blocks(struct erofs_builder *b, struct erofs_node *dir);

/* ---- data_write.c: file bytes into the data area, in data order ---- */

/* The shared xattr area, first in the data area: 0 or -errno. */
int erofs_write_xattr_area(struct erofs_builder *b);
/*
 * Pass 1 for a node not compressed: lay it out and write (or, for a
 * directory, reserve) its blocks.  0 or -errno (source errors reported).
 */
int erofs_write_node_data(struct erofs_builder *b, struct erofs_node *n);
/*
 * Write the compressed segment @seg (input bytes [@off, + @len)) of @zfl,
 * segments in file order; after the @last one, settle the file's layout:
 * compressed, or rewound and stored flat.  0 or -errno (reported).
 */
int erofs_write_segment(struct erofs_builder *b, struct erofs_zfile *zfl,
			const struct z_erofs_segment *seg, uint64_t off,
			uint32_t len, bool last);

/* ---- chunks.c: chunk-based files, each distinct chunk stored once ---- */

/* Set @cf up for @n (size > 0) under --chunksize: 0 or -errno. */
int erofs_chunk_file_init(struct erofs_builder *b, struct erofs_cfile *cf,
			  struct erofs_node *n);
void erofs_chunk_file_free(struct erofs_cfile *cf);
/* The units hashed in @len bytes of a segment. */
uint32_t erofs_chunk_units(const struct erofs_cfile *cf, uint32_t len);
/* Any thread: each unit's hash and whether it is all zeros. */
void erofs_chunk_hash(const struct erofs_cfile *cf, const uint8_t *data,
		      uint32_t len, uint64_t *hash, uint8_t *zero);
/*
 * The writer, segments in file order: map the chunks of bytes [@off, +
 * @len), hashed by erofs_chunk_hash(), to earlier copies, holes or new
 * blocks.  0 or -errno.
 */
int erofs_chunk_put(struct erofs_builder *b, struct erofs_cfile *cf,
		    uint64_t off, const uint8_t *data, uint32_t len,
		    const uint64_t *hash, const uint8_t *zero);
/*
 * Make @n chunk-based: its map of @nchunks chunks of 2^@rel blocks each
 * (EROFS_CHUNK_HOLE for holes), merged into chunks as large as its runs
 * allow, encoded as @n's body.  0 or -errno.
 */
int erofs_chunk_encode(struct erofs_builder *b, struct erofs_node *n,
		       const uint64_t *map, uint64_t nchunks, unsigned int rel);
/* After the last segment: merge and encode the map as @n's body. */
int erofs_chunk_finish(struct erofs_builder *b, struct erofs_cfile *cf);
/* The writer alone: read, hash and store @n from @fd (0 or -errno). */
int erofs_chunk_write_file(struct erofs_builder *b, struct erofs_node *n,
			   int fd);
void erofs_chunk_table_free(struct erofs_chunk_table *t);

/* ---- dedupe_files.c: identical files share their data ---- */

/*
 * Before pass 1: point the dup_of of every regular file equal to an
 * earlier one (in data order, erofs_data_node(), with the same layout
 * inputs) at it.  0 or -errno (files that cannot be read share nothing,
 * and fail later).
 */
int erofs_dedupe_files(struct erofs_builder *b);
/* Pass 1: @n takes the layout of n->dup_of, done before it: 0 or -errno. */
int erofs_dedupe_adopt(struct erofs_builder *b, struct erofs_node *n);
/* ---- fragments.c: the packed inode's bytes, in a scratch file ---- */

/* Start empty in opts->frags.fd (b->frags): 0 or -errno. */
int erofs_frags_init(struct erofs_builder *b);
void erofs_frags_exit(struct erofs_builder *b);
/*
 * A fragment of @len bytes (@whole: a file's whole content) at @data:
 * stored once per fragdedupe, its offset in the packed inode in @off.
 * 0 or -errno.
 */
int erofs_frags_add(struct erofs_frags *f, const uint8_t *data, uint32_t len,
		    bool whole, uint64_t *off);
/* Append @len bytes: a whole file comes in pieces. 0 or -errno. */
int erofs_frags_append(struct erofs_frags *f, const uint8_t *data, uint64_t len);
/*
 * The bytes appended since @start are a whole file: keep them, or drop
 * them for an earlier copy.  Its offset in @off; 0 or -errno.
 */
int erofs_frags_settle_whole(struct erofs_frags *f, uint64_t start,
			     uint64_t *off);
/* Write what is buffered: 0 or -errno. */
int erofs_frags_flush(struct erofs_frags *f);
uint64_t erofs_frags_size(const struct erofs_frags *f);
int erofs_frags_fd(const struct erofs_frags *f);

/* ---- dedupe.c: pclusters already in the image (-E dedupe) ---- */

int erofs_dedupe_init(struct erofs_builder *b);
void erofs_dedupe_exit(struct erofs_builder *b);
/*
 * An earlier pcluster identical to @e's (@pcl, its bytes; on-disk
 * algorithm @alg): 1 and its first block in @pblk, 0, or -errno.
 */
int erofs_dedupe_find(struct erofs_builder *b, const struct z_erofs_extent *e,
		      uint8_t alg, const uint8_t *pcl, uint64_t *pblk);
/* Remember @e's pcluster, now written at e->pblk: 0 or -errno. */
int erofs_dedupe_insert(struct erofs_builder *b, const struct z_erofs_extent *e,
			uint8_t alg, const uint8_t *pcl);
/*
 * @e, its file's last extent (of @zfl), as a partial reference: 1 with
 * @to pointing at an earlier compressed pcluster whose output starts with
 * @e's data, 0, or -errno.
 */
int erofs_dedupe_find_prefix(struct erofs_builder *b,
			     const struct erofs_zfile *zfl,
			     const struct z_erofs_extent *e, uint8_t alg,
			     struct z_erofs_extent *to);
/* Where the table stands, to forget what came after (a file stored flat). */
uint32_t erofs_dedupe_mark(const struct erofs_builder *b);
void erofs_dedupe_rewind(struct erofs_builder *b, uint32_t mark);

/* ---- pipeline.c: the job ring, its workers and their buffers ---- */

/* Start the workers (a compressor each, if compressing): 0 or -errno (reported). */
int erofs_pipe_start(struct erofs_builder *b);
/* Stop the workers and free the pipeline (also after a failed start). */
void erofs_pipe_stop(struct erofs_builder *b);
/*
 * Pass 1: queue @n's data work (compressible files as segments for the
 * workers), taking finished jobs back while the queue is full.  Returns
 * @err or the first error since.
 */
int erofs_pipe_node(struct erofs_builder *b, struct erofs_node *n, int err);
/* Queue the packed inode b->packed, compressed with @zp: as erofs_pipe_node(). */
int erofs_pipe_packed(struct erofs_builder *b, const struct z_erofs_params *zp,
		      int err);
/* Take every queued job back, in order, even after @err: @err or the first error. */
int erofs_pipe_drain(struct erofs_builder *b, int err);
/*
 * Pass 3, node number @i in tree order: keep tail reads queued ahead and,
 * if the node has an inline tail, point @tail at its bytes.  0 or -errno
 * (reported).
 */
int erofs_pipe_tail(struct erofs_builder *b, uint64_t i, const uint8_t **tail);
/* Pass 3 is over: drop the tails read ahead. */
void erofs_pipe_tails_end(struct erofs_builder *b);

/* ---- inode_write.c: inodes and what follows them ---- */

/*
 * Encode @n's inode, inline xattrs, index or chunk map and inline data
 * (@tail for a regular file; a directory's blocks are written here too)
 * in @meta (n->meta_size bytes) and write it at its slot: 0 or -errno.
 */
int erofs_write_inode(struct erofs_builder *b, struct erofs_node *n,
		      uint8_t *meta, const uint8_t *tail);

/* ---- super_write.c ---- */

/* Bytes of the configuration records of @algs after the 128-byte sb. */
erofs_off_t erofs_super_cfgs_size(uint16_t algs);
/* Encode and write the superblock, last of all: 0 or -errno. */
int erofs_write_super(struct erofs_builder *b);

#endif
