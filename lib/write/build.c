// SPDX-License-Identifier: MIT
/*
 * Image builder, in three passes over the nodes in tree order:
 *  1. data: every file's blocks go to the data area as it is read, and
 *     compression decides each file's final layout (pipeline.c queues
 *     the work, data_write.c writes it in order); with --data-order the
 *     files listed come first, in the list's order, then the rest in
 *     tree order;
 *  2. placement, as pass 1 settles the nodes: the inode slots of the
 *     children of a directory are packed into a run of metadata blocks
 *     right after their data, which fixes every nid (layout.c);
 *  3. metadata: inodes, indexes, inline tails and directories (which need
 *     their children's nids) are written (inode_write.c), then the
 *     superblock (super_write.c).
 * Every source byte is read once: tails stored inline are read in pass 3.
 * Every image byte goes through the buffer manager (cache.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/dir_write.h"
#include "erofs/print.h"
#include "builder.h"

/* The packed inode's compression: -E fragments=SIZE, else -C. */
static struct z_erofs_params packed_zparams(const struct erofs_build_opts *o)
{
	struct z_erofs_params zp = o->zp;

	zp.zcfg = 0;
	zp.fragments = false;
	if (o->frags.pclusterblks) {
		zp.pclusterblks = o->frags.pclusterblks;
		zp.max_extent = EROFS_MAX(zp.max_extent,
			EROFS_MIN(zp.pclusterblks << o->blkszbits,
				  (uint32_t)Z_EROFS_PCLUSTER_MAX_DSIZE));
	}
	return zp;
}

/*
 * Once every file is written, the packed inode's bytes are complete: it
 * is a regular file in no directory, numbered last, compressed like any.
 */
static int add_packed(struct erofs_builder *b)
{
	struct erofs_tree *t = b->tree;
	struct erofs_node **nodes, *n;
	struct z_erofs_params zp = packed_zparams(b->opts);
	int err = erofs_frags_flush(b->frags);

	if (err || !erofs_frags_size(b->frags))
		return err;
	n = calloc(1, sizeof(*n));
	nodes = n ? realloc(t->nodes, (t->nnodes + 1) * sizeof(*nodes)) : NULL;
	if (!nodes) {
		free(n);
		return -ENOMEM;
	}
	t->nodes = nodes;
	t->nodes[t->nnodes++] = n;
	n->mode = S_IFREG | 0644;
	n->nlink = 1;
	n->size = erofs_frags_size(b->frags);
	n->mtime = b->opts->build_time;
	n->mtime_nsec = b->opts->build_time_nsec;
	n->ino = t->nnodes;
	n->parent = n;
	n->src.staged = true;	/* no name in the tree, so none of its own */
	n->src.path = (char *)"the packed inode";
	n->src.by_fd = true;
	n->src.fd = erofs_frags_fd(b->frags);
	n->extended = erofs_layout_extended(n, b->opts);
	b->packed = n;
	err = erofs_pipe_packed(b, &zp, 0);
	return erofs_pipe_drain(b, err);
}

/*
 * The order pass 1 writes file data in (b->order): depth first, each
 * directory's other entries before its subdirectories (all sorted by
 * name), so that the files of a directory and those below it are
 * neighbours in the data area and in the packed inode, which compresses
 * better (and is how erofs-utils orders them) than the tree's
 * breadth-first order.  A node under several names comes at the first
 * met.  With --data-order the files listed come first, in the list's
 * order, then the rest in that order.  Depends on the tree and the list
 * only.  A list naming a node twice, one not a regular file or not in the
 * tree is the caller's bug: -EINVAL.
 */
static void depth_first(const struct erofs_tree *t, struct erofs_node **order,
			uint8_t *seen, uint64_t *stack)
{
	uint64_t n = 0, sp = 0;

	/* a node's index is its inode number less one (tree.c) */
	if (t->nnodes && t->nodes[0] == t->root) {
		stack[sp++] = 0;
		seen[0] = 1;
	}
	while (sp) {
		struct erofs_node *d = t->nodes[stack[--sp]];
		uint64_t subdirs = sp;

		order[n++] = d;
		for (uint32_t i = 0; i < d->nchildren; i++) {
			struct erofs_node *c = d->children[i].node;
			uint64_t k = c->ino - 1;

			if (k >= t->nnodes || t->nodes[k] != c || seen[k])
				continue;
			seen[k] = 1;
			if (S_ISDIR(c->mode))
				stack[sp++] = k;
			else
				order[n++] = c;
		}
		/* the first subdirectory on top */
		for (uint64_t i = subdirs, j = sp; i + 1 < j; i++, j--) {
			uint64_t x = stack[i];

			stack[i] = stack[j - 1];
			stack[j - 1] = x;
		}
	}
	/* what the walk did not meet keeps its tree order, after */
	for (uint64_t i = 0; i < t->nnodes; i++)
		if (!seen[i])
			order[n++] = t->nodes[i];
}

static int data_order(struct erofs_builder *b)
{
	const struct erofs_tree *t = b->tree;
	const size_t k = b->opts->ndata_first;
	const uint64_t cap = EROFS_MAX(t->nnodes, (uint64_t)1);
	struct erofs_node **walk = malloc(cap * sizeof(*walk));
	uint64_t *stack = malloc(cap * sizeof(*stack));
	uint8_t *seen = calloc(cap, 1);
	struct erofs_node **order = NULL;
	uint64_t m = k;
	int err = 0;

	if (!walk || !stack || !seen) {
		err = -ENOMEM;
		goto out;
	}
	depth_first(t, walk, seen, stack);
	if (!k) {
		b->order = walk;
		walk = NULL;
		goto out;
	}
	if (k > t->nnodes) {
		err = -EINVAL;
		goto out;
	}
	order = malloc(cap * sizeof(*order));
	if (!order) {
		err = -ENOMEM;
		goto out;
	}
	/* the listed nodes, marked by their index; then the walk's others */
	memset(seen, 0, cap);
	for (size_t i = 0; i < k && !err; i++) {
		struct erofs_node *n = b->opts->data_first[i];
		uint64_t x = n->ino - 1;

		if (x >= t->nnodes || t->nodes[x] != n || seen[x] ||
		    !S_ISREG(n->mode))
			err = -EINVAL;
		else
			seen[x] = 1;
		order[i] = n;
	}
	for (uint64_t i = 0; i < t->nnodes && !err; i++)
		if (!seen[walk[i]->ino - 1])
			order[m++] = walk[i];
	if (!err && m != t->nnodes)
		err = -EINVAL;
	if (err)
		free(order);
	else
		b->order = order;
out:
	free(walk);
	free(stack);
	free(seen);
	return err;
}

static int pass_data(struct erofs_builder *b)
{
	struct erofs_tree *t = b->tree;
	int err = data_order(b) ?: erofs_dedupe_files(b) ?:
		  erofs_write_xattr_area(b);

	for (uint64_t i = 0; i < t->nnodes && !err; i++) {
		struct erofs_node *n = erofs_data_node(b, i);

		if (S_ISDIR(n->mode))
			err = erofs_dir_measure(n, b->opts->blkszbits);
		if (err)
			break;
		n->extended = erofs_layout_extended(n, b->opts);
		err = erofs_pipe_node(b, n, err);
		b->done_nodes++;
	}
	/* every queued job is taken back, in order, even after an error */
	err = erofs_pipe_drain(b, err);
	if (!err && b->frags)
		err = add_packed(b);
	return err ?: erofs_bman_seal_data(&b->bm);
}

/*
 * Pass 1 placed every node but the last run; that one goes now, and so do
 * the blocks of directories none of whose children was in a run (all of
 * them hardlinks first met elsewhere).  Returns the largest metadata slot.
 */
static uint32_t pass_place(struct erofs_builder *b)
{
	struct erofs_tree *t = b->tree;
	uint32_t meta_max = 0;
	bool begun = false;

	erofs_layout_flush(b);
	/* none is left without a slot in a build that succeeds */
	for (uint64_t i = 0; i < t->nnodes; i++) {
		if (t->nodes[i]->meta_size)
			continue;
		if (!begun)
			erofs_bman_meta_begin(&b->bm);
		begun = true;
		erofs_layout_place(&b->bm, t->nodes[i]);
	}
	if (begun)
		erofs_bman_meta_end(&b->bm);
	for (uint64_t i = 0; i < t->nnodes; i++)
		erofs_layout_dir_blocks(b, t->nodes[i]);
	for (uint64_t i = 0; i < t->nnodes; i++)
		meta_max = EROFS_MAX(meta_max, t->nodes[i]->meta_size);
	return meta_max;
}

static int pass_meta(struct erofs_builder *b, uint32_t meta_max)
{
	struct erofs_tree *t = b->tree;
	uint8_t *meta = malloc(meta_max);
	int err = 0;

	if (!meta)
		return -ENOMEM;
	for (uint64_t i = 0; i < t->nnodes && !err; i++) {
		const uint8_t *tail;

		err = erofs_pipe_tail(b, i, &tail);
		if (!err)
			err = erofs_write_inode(b, t->nodes[i], meta, tail);
	}
	erofs_pipe_tails_end(b);
	free(meta);
	return err;
}

static int build(struct erofs_builder *b)
{
	uint32_t meta_max;
	int err = pass_data(b);

	if (err)
		return err;
	meta_max = pass_place(b);
	if (b->tree->root->nid > UINT16_MAX ||
	    erofs_bman_blocks(&b->bm) > UINT32_MAX) {
		erofs_err("%s: the image would need more than %u blocks",
			  b->opts->image_name, UINT32_MAX);
		b->reported = true;
		return -EFBIG;
	}
	err = pass_meta(b, meta_max);
	if (!err)
		err = erofs_bman_finish(&b->bm);
	if (!err)
		err = erofs_write_super(b);
	return err;
}

/*
 * The algorithms whose configuration records may follow the sb: those of
 * every file that may be compressed, if any is not lz4 or has big
 * pclusters (the records' feature bit is big pclusters' too); else 0.
 * Their room is reserved now, before the layout; which are written is
 * known only once the files are (erofs_write_super()).
 */
static uint16_t compr_cfgs_algs(const struct erofs_build_opts *o,
				const struct erofs_tree *t)
{
	uint16_t algs = 0;
	bool big = false;

	for (uint64_t i = 0; o->nzcfgs && i < t->nnodes; i++) {
		struct z_erofs_params zpf;
		const struct z_erofs_params *zp;

		if (!erofs_layout_compressible(o, t->nodes[i]))
			continue;
		zp = erofs_layout_zparams(o, t, t->nodes[i], &zpf);
		if (!zp->pclusterblks)
			continue;
		algs |= 1u << o->zcfgs[zp->zcfg].alg->alg;
		big |= zp->pclusterblks > 1;
	}
	if (o->nzcfgs && o->frags.on) {
		struct z_erofs_params zp = packed_zparams(o);

		algs |= 1u << o->zcfgs[0].alg->alg;
		big |= zp.pclusterblks > 1;
	}
	return big || (algs & ~(1u << Z_EROFS_COMPRESSION_LZ4)) ? algs : 0;
}

int erofs_build_image(struct erofs_io *io, struct erofs_tree *tree,
		      const struct erofs_build_opts *opts,
		      struct erofs_build_stats *stats)
{
	struct erofs_builder b = { .opts = opts, .tree = tree,
				   .blksz = 1u << opts->blkszbits };
	erofs_off_t reserved = EROFS_SUPER_OFFSET + EROFS_SB_BASE_SIZE;
	int err;

	b.feat.cfgs_algs = compr_cfgs_algs(opts, tree);
	reserved += erofs_super_cfgs_size(b.feat.cfgs_algs);
	if (opts->blob_blocks) {	/* one device slot after the sb and records */
		b.feat.devt_pos = EROFS_ROUND_UP(reserved, EROFS_DEVT_SLOT_SIZE);
		reserved = b.feat.devt_pos + EROFS_DEVT_SLOT_SIZE;
	}
	err = erofs_bman_init(&b.bm, io, opts->blkszbits, reserved,
			      opts->writeback);
	if (err) {
		erofs_bman_exit(&b.bm);
		return err;
	}
	b.bm.dsunit = opts->dsunit;
	b.copybuf = malloc(EROFS_COPY_BUF);
	err = b.copybuf ? erofs_pipe_start(&b) : -ENOMEM;
	if (!err && opts->frags.on && opts->nzcfgs)
		err = erofs_frags_init(&b);
	if (!err && opts->dedupe && opts->nzcfgs)
		err = erofs_dedupe_init(&b);
	erofs_progress_init(&b.prog, opts->progress, "read", tree->data_bytes,
			    tree->nnodes);
	if (!err)
		err = build(&b);
	erofs_build_progress(&b, true);
	if (err == -ENOMEM && !b.reported)
		erofs_err("out of memory");
	else if (err && !b.reported)
		erofs_err("%s: %s", opts->image_name, strerror(-err));
	if (stats) {
		stats->inodes = tree->nnodes;
		stats->blocks = erofs_bman_blocks(&b.bm);
		stats->meta_blocks = b.bm.meta_blocks;
		stats->data_bytes = b.done_bytes;
		stats->shared_bytes = b.shared_bytes;
	}
	free(b.order);
	erofs_chunk_table_free(b.chunks);
	erofs_pipe_stop(&b);
	erofs_frags_exit(&b);
	erofs_dedupe_exit(&b);
	erofs_dircache_drop(&b.dc);
	free(b.run);
	free(b.copybuf);
	erofs_bman_exit(&b.bm);
	return err;
}
