// SPDX-License-Identifier: MIT
/* The superblock, what super.c reads back: written last, with its crc32c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/crc32c.h"
#include "builder.h"

int erofs_write_super(struct erofs_builder *b)
{
	const struct erofs_build_opts *o = b->opts;
	struct erofs_sb_features *f = &b->feat;
	uint32_t len = b->blksz > EROFS_SUPER_OFFSET ?
		       b->blksz - EROFS_SUPER_OFFSET : b->blksz;
	uint8_t *blk = calloc(1, len);
	struct erofs_super_block *sb = (void *)blk;
	uint32_t wlen = EROFS_SB_BASE_SIZE;
	const struct erofs_xattr_area *xa = o->xattrs;
	int err;

	if (!blk)
		return -ENOMEM;
	/* sb_extslots is 0: only the 128-byte base (and the cfgs) are ours */
	sb->magic = erofs_cpu_to_le32(EROFS_SUPER_MAGIC_V1);
	sb->feature_compat = erofs_cpu_to_le32(EROFS_FEATURE_COMPAT_SB_CHKSUM);
	sb->blkszbits = o->blkszbits;
	sb->rootnid_2b = erofs_cpu_to_le16(b->tree->root->nid);
	sb->inos = erofs_cpu_to_le64(b->tree->nnodes);
	sb->epoch = erofs_cpu_to_le64((uint64_t)o->build_time);
	sb->fixed_nsec = erofs_cpu_to_le32(o->build_time_nsec);
	sb->blocks_lo = erofs_cpu_to_le32((uint32_t)erofs_bman_blocks(&b->bm));
	sb->meta_blkaddr = erofs_cpu_to_le32((uint32_t)b->bm.meta_blkaddr);
	if (xa && xa->len) {
		sb->xattr_blkaddr = erofs_cpu_to_le32(f->xattr_blkaddr);
		/* the long prefix table opens the xattr area (4-byte units) */
		if (xa->prefix_count) {
			sb->xattr_prefix_start = erofs_cpu_to_le32(
				erofs_build_pos(b, f->xattr_blkaddr) >> 2);
			sb->xattr_prefix_count = xa->prefix_count;
			f->incompat |= EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES;
		}
	}
	if (xa && xa->filter)
		sb->feature_compat |= erofs_cpu_to_le32(EROFS_FEATURE_COMPAT_XATTR_FILTER);
	memcpy(sb->uuid, o->uuid, sizeof(sb->uuid));
	memcpy(sb->volume_name, o->label, sizeof(sb->volume_name));
	if (f->incompat & EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER) {
		/* a length-prefixed lz4 record right after the 128-byte sb */
		struct z_erofs_lz4_cfgs cfg = {
			.max_distance = erofs_cpu_to_le16(UINT16_MAX),
			.max_pclusterblks = erofs_cpu_to_le16(f->max_pclusterblks),
		};
		uint16_t cfglen = erofs_cpu_to_le16(sizeof(cfg));

		memcpy(blk + EROFS_SB_BASE_SIZE, &cfglen, sizeof(cfglen));
		memcpy(blk + EROFS_SB_BASE_SIZE + sizeof(cfglen), &cfg, sizeof(cfg));
		sb->u1 = erofs_cpu_to_le16(1u << Z_EROFS_COMPRESSION_LZ4);
		wlen += sizeof(cfglen) + sizeof(cfg);
	} else if (f->incompat & EROFS_FEATURE_INCOMPAT_ZERO_PADDING) {
		sb->u1 = erofs_cpu_to_le16(UINT16_MAX);	/* lz4 window */
	}
	sb->feature_incompat = erofs_cpu_to_le32(f->incompat);
	sb->checksum = erofs_cpu_to_le32(erofs_crc32c(~0u, blk, len));
	err = erofs_bman_write_super(&b->bm, blk, wlen);
	free(blk);
	return err;
}
