// SPDX-License-Identifier: MIT
/*
 * Pass 3 of the image builder: each inode's metadata slot, what inode.c
 * reads back: the inode, its inline xattrs, the compression index or
 * chunk map, and inline data (a file's tail, a symlink's target, the last
 * block of a directory, whose other blocks are written here too).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/dir_write.h"
#include "builder.h"

static void encode_inode(const struct erofs_node *n, uint8_t *buf)
{
	uint16_t fmt = (n->extended ? EROFS_INODE_LAYOUT_EXTENDED
				    : EROFS_INODE_LAYOUT_COMPACT) |
		       (n->datalayout << EROFS_I_DATALAYOUT_BIT);
	/* 4-byte units: the 12-byte header counts as one */
	uint16_t icount = n->xattr_isize ?
		(n->xattr_isize - sizeof(struct erofs_xattr_ibody_header)) /
		sizeof(uint32_t) + 1 : 0;
	uint32_t iu;

	if (S_ISCHR(n->mode) || S_ISBLK(n->mode))
		iu = n->rdev;
	else if (erofs_node_compressed(n))
		iu = n->zblocks;
	else if (n->datalayout == EROFS_INODE_CHUNK_BASED)
		/* 4-byte block maps, or 8-byte indexes (asked for, or a tar blob's) */
		iu = n->chunkbits |
		     (n->chunk_indexes || n->src.blob ? EROFS_CHUNK_FORMAT_INDEXES : 0);
	else
		iu = n->blkaddr;

	if (n->extended) {
		struct erofs_inode_extended *di = (void *)buf;

		di->i_format = erofs_cpu_to_le16(fmt);
		di->i_xattr_icount = erofs_cpu_to_le16(icount);
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
		dc->i_xattr_icount = erofs_cpu_to_le16(icount);
		dc->i_mode = erofs_cpu_to_le16(n->mode);
		dc->i_nlink = erofs_cpu_to_le16(n->nlink);
		dc->i_size = erofs_cpu_to_le32(n->size);
		dc->i_u = erofs_cpu_to_le32(iu);
		dc->i_ino = erofs_cpu_to_le32(n->ino);
		dc->i_uid = erofs_cpu_to_le16(n->uid);
		dc->i_gid = erofs_cpu_to_le16(n->gid);
	}
}

/* The blocks before the tail go to the data area, the tail to @tail. */
static int write_dir(struct erofs_builder *b, struct erofs_node *n,
		     uint8_t *tail)
{
	uint8_t *buf = erofs_dir_encode(n, b->opts->blkszbits);
	uint64_t len = n->size - n->inline_size;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	if (len)
		err = erofs_bman_write_data(&b->bm, erofs_build_pos(b, n->blkaddr),
					    buf, EROFS_ROUND_UP(len, b->blksz));
	memcpy(tail, buf + len, n->inline_size);
	free(buf);
	return err;
}

int erofs_write_inode(struct erofs_builder *b, struct erofs_node *n,
		      uint8_t *meta, const uint8_t *tail)
{
	const uint32_t head = erofs_node_head(n);
	uint8_t *inl = meta + head + n->body_len;
	int err = 0;

	memset(meta, 0, n->meta_size);
	encode_inode(n, meta);
	if (n->xattr_isize)
		memcpy(meta + erofs_node_isize(n), n->xattr_body, n->xattr_isize);
	if (n->body_len)
		memcpy(meta + head, n->body, n->body_len);
	if (S_ISDIR(n->mode))
		err = write_dir(b, n, inl);
	else if (S_ISLNK(n->mode))
		memcpy(inl, n->link + (n->size - n->inline_size), n->inline_size);
	else if (erofs_node_has_tail(n))
		memcpy(inl, tail, n->inline_size);
	if (err)
		return err;
	if (erofs_node_has_tail(n))
		b->done_bytes += n->inline_size;
	return erofs_bman_write_meta(&b->bm, n->meta_off, meta, n->meta_size);
}
