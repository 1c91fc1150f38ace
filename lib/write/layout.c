// SPDX-License-Identifier: MIT
/* Layout policy: which inode, which data layout, where the metadata goes. */
#include <errno.h>
#include <stdlib.h>
#include "erofs/print.h"
#include "builder.h"

bool erofs_layout_extended(const struct erofs_node *n,
			   const struct erofs_build_opts *o)
{
	return o->force_extended ||
	       n->uid > UINT16_MAX || n->gid > UINT16_MAX ||
	       n->nlink > UINT16_MAX || n->size > UINT32_MAX ||
	       n->mtime != o->build_time || n->mtime_nsec != o->build_time_nsec;
}

/*
 * Files that could save a block by compression are tried; with
 * ztailpacking also smaller ones, whose pcluster may shrink their inline
 * data; with fragments every one, whose bytes may go to the packed inode.
 */
bool erofs_layout_compressible(const struct erofs_build_opts *o,
			       const struct erofs_node *n)
{
	return o->nzcfgs && S_ISREG(n->mode) && !n->src.holes && !n->src.blob &&
	       (n->size > (1u << o->blkszbits) || (o->frags.on && n->size) ||
		(o->zp.ztailpacking && n->size > 2 * EROFS_ISLOT_SIZE));
}

void erofs_layout_flat(struct erofs_node *n, uint32_t blksz)
{
	uint32_t tail = n->size % blksz;

	n->datalayout = EROFS_INODE_FLAT_PLAIN;
	n->inline_size = 0;
	if (tail && erofs_node_head(n) + tail <= blksz) {
		n->datalayout = EROFS_INODE_FLAT_INLINE;
		n->inline_size = tail;
	}
}

/* The first rule whose pattern matches the path inside the image wins. */
const struct z_erofs_params *erofs_layout_zparams(const struct erofs_build_opts *o,
						  const struct erofs_tree *t,
						  const struct erofs_node *n,
						  struct z_erofs_params *buf)
{
	const struct z_erofs_params *p = &o->zp;
	char *rel;

	if (!o->nhints)
		return p;
	/* the path inside the image, whatever the source (a tarball too) */
	rel = erofs_node_relpath(t->root, n);
	for (unsigned int i = 0; rel && i < o->nhints; i++) {
		if (regexec(&o->hints[i].re, rel, 0, NULL, 0))
			continue;
		*buf = o->zp;
		buf->pclusterblks = o->hints[i].pclusterblks;
		buf->zcfg = o->hints[i].zcfg;
		p = buf;
		break;
	}
	free(rel);
	return p;
}

/*
 * Keep what costs fewer bytes in all, metadata included: a file whose
 * flat tail would fill most of an inode's block may save no data block
 * compressed and still shrink the image.
 */
bool erofs_layout_keep_compressed(struct erofs_node *n, uint32_t blksz,
				  uint64_t cblocks, uint32_t zmeta)
{
	uint64_t flat_blocks;

	erofs_layout_flat(n, blksz);
	flat_blocks = EROFS_DIV_ROUND_UP(n->size - n->inline_size, blksz);
	return cblocks * blksz + zmeta < flat_blocks * blksz + n->inline_size;
}

/*
 * The slots of the children of a directory (a run of nodes written one
 * after the other with one parent) go into the data area right after
 * their data: reading a directory's files (tar, cp, a find that stats)
 * then reads their inodes and inline tails beside their bytes, not at the
 * far end of the image -- through a loop device or a disk, a seek across
 * the image for every few files otherwise.  Runs follow the order the
 * writer takes the nodes in, whatever it is, so the image is the same for
 * any number of workers.  The root is in the first run (with its
 * children), so its nid is small.
 */
void erofs_layout_flush(struct erofs_builder *b)
{
	if (!b->nrun)
		return;
	erofs_layout_dir_blocks(b, b->run[0]->parent);
	erofs_bman_meta_begin(&b->bm);
	for (size_t k = 0; k < b->nrun; k++)
		erofs_layout_place(&b->bm, b->run[k]);
	erofs_bman_meta_end(&b->bm);
	b->nrun = 0;
}

void erofs_layout_begin(struct erofs_builder *b, const struct erofs_node *n)
{
	if (b->nrun && b->run[0]->parent != n->parent)
		erofs_layout_flush(b);
}

int erofs_layout_settled(struct erofs_builder *b, struct erofs_node *n)
{
	if (b->nrun == b->run_cap) {
		size_t cap = b->run_cap ? 2 * b->run_cap : 64;
		struct erofs_node **v = realloc(b->run, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->run = v;
		b->run_cap = cap;
	}
	b->run[b->nrun++] = n;
	return 0;
}

/*
 * A directory's blocks (but its inline tail) go right before its
 * children's metadata run: a readdir, then the inodes of the names it
 * read, in one stretch of the image.
 */
void erofs_layout_dir_blocks(struct erofs_builder *b, struct erofs_node *dir)
{
	if (!dir->dir_pending)
		return;
	dir->dir_pending = false;
	dir->blkaddr = erofs_bman_alloc_data(&b->bm,
		EROFS_DIV_ROUND_UP(dir->size - dir->inline_size, b->blksz));
}

void erofs_layout_place(struct erofs_bman *bm, struct erofs_node *n)
{
	uint32_t size = erofs_node_head(n) + n->body_len + n->inline_size;

	/* inline data may not cross a block boundary: the bman keeps it whole */
	n->meta_off = erofs_bman_alloc_meta(bm, size);
	n->meta_size = size;
	n->nid = (n->meta_off - (bm->meta_blkaddr << bm->blkszbits)) >>
		 EROFS_ISLOT_BITS;
	erofs_dbg("nid %llu: %u metadata bytes at %llu", (unsigned long long)n->nid,
		  size, (unsigned long long)n->meta_off);
}
