// SPDX-License-Identifier: MIT
/*
 * Image builder.  Layout happens before any byte is written: every inode
 * gets its metadata slot (so its nid) in tree order, then every file its
 * data blocks after the metadata area.  Writing then streams the nodes in
 * the same order, reading each source file once.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "erofs_fs.h"
#include "erofs/build.h"
#include "erofs/cache.h"
#include "erofs/crc32c.h"
#include "erofs/dir_write.h"
#include "erofs/print.h"

#define EROFS_COPY_BUF	(1u << 20)

struct builder {
	const struct erofs_build_opts *opts;
	struct erofs_tree *tree;
	struct erofs_bman bm;
	uint32_t blksz;
	uint32_t feature_incompat;
	uint8_t *copybuf;
	bool reported;		/* an error message naming its path was printed */
	bool write_failed;	/* the error came from writing the image */
	/* progress */
	uint64_t done_nodes, done_bytes;
	struct timespec start, last;
};

static bool needs_extended(const struct erofs_node *n,
			   const struct erofs_build_opts *o)
{
	return n->uid > UINT16_MAX || n->gid > UINT16_MAX ||
	       n->nlink > UINT16_MAX || n->size > UINT32_MAX ||
	       n->mtime != o->build_time || n->mtime_nsec != o->build_time_nsec;
}

static uint64_t chunk_count(const struct erofs_node *n, unsigned int blkszbits)
{
	return EROFS_DIV_ROUND_UP(n->size, 1ull << (blkszbits + n->chunkbits));
}

static bool chunk_is_hole(const struct erofs_node *n, uint64_t c)
{
	return n->src.holes[c >> 3] & (1 << (c & 7));
}

/* Decide the data layout and reserve the metadata slot of one node. */
static int layout_meta(struct builder *b, struct erofs_node *n)
{
	const uint32_t isize = n->extended ? sizeof(struct erofs_inode_extended)
					   : sizeof(struct erofs_inode_compact);
	uint32_t extra = 0, keep = isize;

	n->datalayout = EROFS_INODE_FLAT_PLAIN;
	n->inline_size = 0;
	if (S_ISREG(n->mode) && n->src.holes) {
		n->datalayout = EROFS_INODE_CHUNK_BASED;
		extra = chunk_count(n, b->opts->blkszbits) * sizeof(uint32_t);
		b->feature_incompat |= EROFS_FEATURE_INCOMPAT_CHUNKED_FILE;
	} else if (S_ISREG(n->mode) || S_ISDIR(n->mode) || S_ISLNK(n->mode)) {
		uint32_t tail = n->size % b->blksz;

		if (tail && isize + tail <= b->blksz) {
			n->datalayout = EROFS_INODE_FLAT_INLINE;
			n->inline_size = tail;
			extra = tail;
			keep = isize + tail;	/* inline data may not cross blocks */
		}
	}
	n->meta_size = isize + extra;
	n->meta_off = erofs_bman_alloc_meta(&b->bm, n->meta_size, keep);
	n->nid = n->meta_off >> EROFS_ISLOT_BITS;
	return 0;
}

static void layout_data(struct builder *b, struct erofs_node *n)
{
	uint64_t nblocks = 0;

	if (n->datalayout == EROFS_INODE_CHUNK_BASED) {
		const uint64_t chunk = 1ull << (b->opts->blkszbits + n->chunkbits);
		const uint64_t nchunks = chunk_count(n, b->opts->blkszbits);

		for (uint64_t c = 0; c < nchunks; c++) {
			uint64_t len = EROFS_MIN(chunk, n->size - c * chunk);

			if (!chunk_is_hole(n, c))
				nblocks += EROFS_DIV_ROUND_UP(len, b->blksz);
		}
	} else if (S_ISREG(n->mode) || S_ISDIR(n->mode) || S_ISLNK(n->mode)) {
		nblocks = n->datalayout == EROFS_INODE_FLAT_INLINE ?
			  n->size / b->blksz :
			  EROFS_DIV_ROUND_UP(n->size, b->blksz);
	}
	n->blkaddr = nblocks ? erofs_bman_alloc_data(&b->bm, nblocks) : 0;
}

static int layout(struct builder *b)
{
	struct erofs_tree *t = b->tree;

	for (uint64_t i = 0; i < t->nnodes; i++) {
		struct erofs_node *n = t->nodes[i];

		if (S_ISDIR(n->mode)) {
			struct erofs_dir_entry *ents = erofs_dir_entries(n);

			if (!ents)
				return -ENOMEM;
			n->size = erofs_dir_size(ents, n->nchildren + 2,
						 b->opts->blkszbits);
			free(ents);
		}
		n->extended = needs_extended(n, b->opts);
		layout_meta(b, n);
	}
	if (t->root->nid > UINT16_MAX) {
		erofs_err("root inode landed past nid %u", UINT16_MAX);
		return -EFBIG;
	}
	erofs_bman_seal_meta(&b->bm);
	for (uint64_t i = 0; i < t->nnodes; i++)
		layout_data(b, t->nodes[i]);
	if (b->bm.data_cursor > UINT32_MAX) {
		erofs_err("image would need %llu blocks, more than %u",
			  (unsigned long long)b->bm.data_cursor, UINT32_MAX);
		return -EFBIG;
	}
	return 0;
}

/* Encode @n's on-disk inode into @buf (zeroed, 64 bytes at least). */
static void encode_inode(const struct builder *b, const struct erofs_node *n,
			 uint8_t *buf)
{
	uint16_t fmt = (n->extended ? EROFS_INODE_LAYOUT_EXTENDED
				    : EROFS_INODE_LAYOUT_COMPACT) |
		       (n->datalayout << EROFS_I_DATALAYOUT_BIT);
	uint32_t iu;

	if (S_ISCHR(n->mode) || S_ISBLK(n->mode))
		iu = n->rdev;
	else if (n->datalayout == EROFS_INODE_CHUNK_BASED)
		iu = n->chunkbits;	/* 4-byte block map, no INDEXES flag */
	else
		iu = n->blkaddr;
	(void)b;

	if (n->extended) {
		struct erofs_inode_extended *di = (void *)buf;

		di->i_format = erofs_cpu_to_le16(fmt);
		di->i_mode = erofs_cpu_to_le16(n->mode);
		di->i_size = erofs_cpu_to_le64(n->size);
		di->i_u = erofs_cpu_to_le32(iu);
		di->i_ino = erofs_cpu_to_le32(n->ino);
		di->i_uid = erofs_cpu_to_le32(n->uid);
		di->i_gid = erofs_cpu_to_le32(n->gid);
		di->i_mtime = erofs_cpu_to_le64((uint64_t)n->mtime);
		di->i_mtime_nsec = erofs_cpu_to_le32(n->mtime_nsec);
		di->i_nlink = erofs_cpu_to_le32(n->nlink);
	} else {
		struct erofs_inode_compact *dc = (void *)buf;

		dc->i_format = erofs_cpu_to_le16(fmt);
		dc->i_mode = erofs_cpu_to_le16(n->mode);
		dc->i_nlink = erofs_cpu_to_le16(n->nlink);
		dc->i_size = erofs_cpu_to_le32(n->size);
		dc->i_u = erofs_cpu_to_le32(iu);
		dc->i_ino = erofs_cpu_to_le32(n->ino);
		dc->i_uid = erofs_cpu_to_le16(n->uid);
		dc->i_gid = erofs_cpu_to_le16(n->gid);
	}
}

static erofs_off_t blk_pos(const struct builder *b, uint64_t blk)
{
	return blk << b->opts->blkszbits;
}

static int write_data(struct builder *b, erofs_off_t pos, const void *buf,
		      size_t len)
{
	int err = erofs_bman_write_data(&b->bm, pos, buf, len);

	if (err)
		b->write_failed = true;
	return err;
}

/* Write a node's byte stream: full blocks to data, the tail inline. */
static int write_flat(struct builder *b, struct erofs_node *n,
		      const uint8_t *data, uint64_t len, uint8_t *meta)
{
	uint64_t inblocks = n->datalayout == EROFS_INODE_FLAT_INLINE ?
			    len - n->inline_size : len;
	int err = 0;

	if (inblocks)
		err = write_data(b, blk_pos(b, n->blkaddr), data, inblocks);
	if (n->inline_size)
		memcpy(meta, data + inblocks, n->inline_size);
	return err;
}

static void progress(struct builder *b, bool final)
{
	struct timespec now;
	double el, rate;

	if (!b->opts->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && (now.tv_sec - b->last.tv_sec) * 1000000000ll +
		      (now.tv_nsec - b->last.tv_nsec) < 200000000ll)
		return;
	b->last = now;
	el = (now.tv_sec - b->start.tv_sec) + (now.tv_nsec - b->start.tv_nsec) / 1e9;
	rate = el > 0 ? b->done_bytes / el / 1048576.0 : 0;
	fprintf(stderr, "\r%s: %llu/%llu entries, %.1f/%.1f MiB, %.1f MiB/s\033[K",
		erofs_progname, (unsigned long long)b->done_nodes,
		(unsigned long long)b->tree->nnodes,
		b->done_bytes / 1048576.0, b->tree->data_bytes / 1048576.0, rate);
	if (final)
		fputs("\r\033[K", stderr);
}

/* Copy a regular file's bytes; the file must still be the size we saw. */
static int write_regular(struct builder *b, struct erofs_node *n, uint8_t *meta)
{
	const char *path = n->src.path;
	const uint64_t size = n->size;
	uint64_t pos = 0;
	char probe;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		erofs_err("%s: %s", path, strerror(errno));
		b->reported = true;
		return err;
	}
	if (n->datalayout == EROFS_INODE_CHUNK_BASED) {
		const uint64_t chunk = 1ull << (b->opts->blkszbits + n->chunkbits);
		const uint64_t nchunks = chunk_count(n, b->opts->blkszbits);
		uint64_t blk = n->blkaddr;
		uint32_t *map = (uint32_t *)(meta);

		for (uint64_t c = 0; c < nchunks && !err; c++) {
			uint64_t len = EROFS_MIN(chunk, size - c * chunk);

			if (chunk_is_hole(n, c)) {
				map[c] = erofs_cpu_to_le32(EROFS_NULL_ADDR);
				continue;
			}
			map[c] = erofs_cpu_to_le32((uint32_t)blk);
			for (uint64_t off = 0; off < len && !err;) {
				size_t want = EROFS_MIN(len - off, EROFS_COPY_BUF);
				ssize_t got = pread(fd, b->copybuf, want, c * chunk + off);

				if (got < 0) {
					err = -errno;
				} else if ((size_t)got != want) {
					err = -ESTALE;
				} else {
					err = write_data(b, blk_pos(b, blk) + off,
							 b->copybuf, want);
					off += want;
					b->done_bytes += want;
				}
			}
			blk += EROFS_DIV_ROUND_UP(len, b->blksz);
		}
	} else {
		uint64_t inblocks = n->datalayout == EROFS_INODE_FLAT_INLINE ?
				    size - n->inline_size : size;

		while (pos < size && !err) {
			size_t want = EROFS_MIN(size - pos, EROFS_COPY_BUF);
			ssize_t got = read(fd, b->copybuf, want);

			if (got < 0) {
				if (errno == EINTR)
					continue;
				err = -errno;
				break;
			}
			if (got == 0) {
				err = -ESTALE;
				break;
			}
			/* the part before the tail goes to data blocks */
			if (pos < inblocks) {
				size_t d = EROFS_MIN((uint64_t)got, inblocks - pos);

				err = write_data(b, blk_pos(b, n->blkaddr) + pos,
						 b->copybuf, d);
			}
			if (!err && pos + got > inblocks) {
				uint64_t from = EROFS_MAX(pos, inblocks);

				memcpy(meta + (from - inblocks),
				       b->copybuf + (from - pos), pos + got - from);
			}
			pos += got;
			b->done_bytes += got;
			progress(b, false);
		}
		/* a file that grew since the scan would be cut short silently */
		if (!err && read(fd, &probe, 1) > 0)
			err = -ESTALE;
	}
	close(fd);
	if (err == -ESTALE)
		erofs_err("%s: file changed size during the build", path);
	else if (err && !b->write_failed)
		erofs_err("%s: %s", path, strerror(-err));
	b->reported = err && !b->write_failed;
	return err;
}

static int write_node(struct builder *b, struct erofs_node *n, uint8_t *meta)
{
	const uint32_t isize = n->extended ? 64 : 32;
	int err = 0;

	memset(meta, 0, n->meta_size);
	encode_inode(b, n, meta);
	if (S_ISDIR(n->mode)) {
		struct erofs_dir_entry *ents = erofs_dir_entries(n);
		uint8_t *buf = calloc(1, EROFS_ROUND_UP(n->size, b->blksz));

		if (!ents || !buf) {
			err = -ENOMEM;
		} else {
			erofs_dir_fill(ents, n->nchildren + 2, b->opts->blkszbits, buf);
			err = write_flat(b, n, buf, n->size, meta + isize);
		}
		free(ents);
		free(buf);
	} else if (S_ISLNK(n->mode)) {
		err = write_flat(b, n, (const uint8_t *)n->link, n->size,
				 meta + isize);
	} else if (S_ISREG(n->mode)) {
		err = write_regular(b, n, meta + isize);
	}
	if (err)
		return err;
	return erofs_bman_write_meta(&b->bm, n->meta_off, meta, n->meta_size);
}

static int write_super(struct builder *b)
{
	const struct erofs_build_opts *o = b->opts;
	uint32_t len = b->blksz > EROFS_SUPER_OFFSET ?
		       b->blksz - EROFS_SUPER_OFFSET : b->blksz;
	uint8_t *blk = calloc(1, len);
	struct erofs_super_block *sb = (void *)blk;
	int err;

	if (!blk)
		return -ENOMEM;
	/* The checksum covers the metadata sharing the superblock's block. */
	err = erofs_io_read(b->bm.io, blk, len, EROFS_SUPER_OFFSET);
	if (err)
		goto out;
	/* sb_extslots is 0: only the 128-byte base is ours, inodes follow */
	memset(sb, 0, EROFS_SB_BASE_SIZE);
	sb->magic = erofs_cpu_to_le32(EROFS_SUPER_MAGIC_V1);
	sb->feature_compat = erofs_cpu_to_le32(EROFS_FEATURE_COMPAT_SB_CHKSUM);
	sb->feature_incompat = erofs_cpu_to_le32(b->feature_incompat);
	sb->blkszbits = o->blkszbits;
	sb->rootnid_2b = erofs_cpu_to_le16(b->tree->root->nid);
	sb->inos = erofs_cpu_to_le64(b->tree->nnodes);
	sb->epoch = erofs_cpu_to_le64((uint64_t)o->build_time);
	sb->fixed_nsec = erofs_cpu_to_le32(o->build_time_nsec);
	sb->blocks_lo = erofs_cpu_to_le32((uint32_t)b->bm.data_cursor);
	sb->meta_blkaddr = 0;
	sb->xattr_blkaddr = 0;
	memcpy(sb->uuid, o->uuid, sizeof(sb->uuid));
	memcpy(sb->volume_name, o->label, sizeof(sb->volume_name));
	sb->checksum = erofs_cpu_to_le32(erofs_crc32c(~0u, blk, len));
	err = erofs_io_write(b->bm.io, sb, EROFS_SB_BASE_SIZE, EROFS_SUPER_OFFSET);
out:
	free(blk);
	return err;
}

int erofs_build_image(struct erofs_io *io, struct erofs_tree *tree,
		      const struct erofs_build_opts *opts,
		      struct erofs_build_stats *stats)
{
	struct builder b = { .opts = opts, .tree = tree,
			     .blksz = 1u << opts->blkszbits };
	uint8_t *meta = NULL;
	uint32_t meta_max = 0;
	int err;

	err = erofs_bman_init(&b.bm, io, opts->blkszbits);
	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &b.start);
	b.last = b.start;
	err = layout(&b);
	if (err) {
		b.reported = true;
		goto out;
	}
	for (uint64_t i = 0; i < tree->nnodes; i++)
		meta_max = EROFS_MAX(meta_max, tree->nodes[i]->meta_size);
	meta = malloc(meta_max);
	b.copybuf = malloc(EROFS_COPY_BUF);
	if (!meta || !b.copybuf) {
		err = -ENOMEM;
		goto out;
	}
	for (uint64_t i = 0; i < tree->nnodes && !err; i++) {
		err = write_node(&b, tree->nodes[i], meta);
		b.done_nodes++;
		progress(&b, false);
	}
	if (!err)
		err = erofs_bman_flush(&b.bm);
	if (!err)
		err = io->ops->truncate(io, blk_pos(&b, b.bm.data_cursor));
	if (!err)
		err = write_super(&b);
	progress(&b, true);
	if (err == -ENOMEM && !b.reported)
		erofs_err("out of memory");
	else if (err && !b.reported)
		erofs_err("%s: %s", opts->image_name, strerror(-err));
	if (stats) {
		stats->inodes = tree->nnodes;
		stats->blocks = b.bm.data_cursor;
		stats->meta_blocks = EROFS_DIV_ROUND_UP(b.bm.meta_cursor, b.blksz);
		stats->data_bytes = b.done_bytes;
	}
out:
	free(meta);
	free(b.copybuf);
	erofs_bman_exit(&b.bm);
	return err;
}
