// SPDX-License-Identifier: MIT
/* The superblock, what super.c reads back: written last, with its crc32c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/crc32c.h"
#include "erofs/print.h"
#include "builder.h"

/* Each record: a 2-byte length, then the record, at 4-byte alignment. */
static const uint16_t cfgs_len[Z_EROFS_COMPRESSION_MAX] = {
	[Z_EROFS_COMPRESSION_LZ4] = sizeof(struct z_erofs_lz4_cfgs),
	[Z_EROFS_COMPRESSION_LZMA] = sizeof(struct z_erofs_lzma_cfgs),
	[Z_EROFS_COMPRESSION_DEFLATE] = sizeof(struct z_erofs_deflate_cfgs),
	[Z_EROFS_COMPRESSION_ZSTD] = sizeof(struct z_erofs_zstd_cfgs),
};

erofs_off_t erofs_super_cfgs_size(uint16_t algs)
{
	erofs_off_t len = 0;

	for (unsigned int alg = 0; alg < Z_EROFS_COMPRESSION_MAX; alg++)
		if (algs & (1u << alg))
			len = EROFS_ROUND_UP(len, 4) + sizeof(uint16_t) + cfgs_len[alg];
	return len;
}

/* The largest window any -z algorithm of on-disk algorithm @alg uses. */
static uint32_t max_dictsize(const struct erofs_build_opts *o, unsigned int alg)
{
	uint32_t d = 0;

	for (unsigned int k = 0; k < o->nzcfgs; k++)
		if (o->zcfgs[k].alg->alg == alg)
			d = EROFS_MAX(d, o->zcfgs[k].dictsize);
	return d;
}

static unsigned int log2_of(uint32_t v)
{
	return 31 - __builtin_clz(v);
}

/* Encode the records of @algs at @p (the room erofs_super_cfgs_size() says). */
static void encode_cfgs(const struct erofs_builder *b, uint16_t algs, uint8_t *p)
{
	const struct erofs_build_opts *o = b->opts;
	uint8_t *start = p;

	for (unsigned int alg = 0; alg < Z_EROFS_COMPRESSION_MAX; alg++) {
		union {
			struct z_erofs_lz4_cfgs lz4;
			struct z_erofs_lzma_cfgs lzma;
			struct z_erofs_deflate_cfgs deflate;
			struct z_erofs_zstd_cfgs zstd;
		} r = { 0 };
		uint16_t len = erofs_cpu_to_le16(cfgs_len[alg]);
		uint32_t dict = max_dictsize(o, alg);

		if (!(algs & (1u << alg)))
			continue;
		switch (alg) {
		case Z_EROFS_COMPRESSION_LZ4:
			r.lz4.max_distance = erofs_cpu_to_le16(UINT16_MAX);
			r.lz4.max_pclusterblks = erofs_cpu_to_le16(
				EROFS_MAX(b->feat.max_pclusterblks, 1u));
			break;
		case Z_EROFS_COMPRESSION_LZMA:
			r.lzma.dict_size = erofs_cpu_to_le32(dict);
			break;
		case Z_EROFS_COMPRESSION_DEFLATE:
			r.deflate.windowbits = log2_of(dict);
			break;
		case Z_EROFS_COMPRESSION_ZSTD:
			r.zstd.windowlog = log2_of(dict) - 10;
			break;
		}
		p = start + EROFS_ROUND_UP(p - start, 4);
		memcpy(p, &len, sizeof(len));
		memcpy(p + sizeof(len), &r, cfgs_len[alg]);
		p += sizeof(len) + cfgs_len[alg];
	}
}

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
	if (!o->no_sbcrc)
		sb->feature_compat = erofs_cpu_to_le32(EROFS_FEATURE_COMPAT_SB_CHKSUM);
	sb->blkszbits = o->blkszbits;
	sb->rootnid_2b = erofs_cpu_to_le16(b->tree->root->nid);
	sb->inos = erofs_cpu_to_le64(b->tree->nnodes);
	sb->epoch = erofs_cpu_to_le64((uint64_t)o->build_time);
	sb->fixed_nsec = erofs_cpu_to_le32(o->build_time_nsec);
	sb->blocks_lo = erofs_cpu_to_le32((uint32_t)erofs_bman_blocks(&b->bm));
	sb->meta_blkaddr = erofs_cpu_to_le32((uint32_t)b->bm.meta_blkaddr);
	/* the bit is DEDUPE's too: the packed inode says whether there is one */
	if (b->packed)
		sb->packed_nid = erofs_cpu_to_le64(b->packed->nid);
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
	/*
	 * Records (and their feature bit) when a file has big pclusters or
	 * an algorithm other than lz4, one for each algorithm files use;
	 * without them readers assume lz4 and take u1 as its window.
	 */
	if ((f->incompat & EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER) ||
	    (f->algs & ~(1u << Z_EROFS_COMPRESSION_LZ4))) {
		/* the room was reserved for what might be used */
		if (f->algs & ~f->cfgs_algs) {
			erofs_err("internal error: no room for the compression records of algorithms %#x",
				  f->algs & ~f->cfgs_algs);
			free(blk);
			return -EFAULT;
		}
		f->incompat |= EROFS_FEATURE_INCOMPAT_COMPR_CFGS;
		encode_cfgs(b, f->algs, blk + EROFS_SB_BASE_SIZE);
		sb->u1 = erofs_cpu_to_le16(f->algs);
		wlen += erofs_super_cfgs_size(f->algs);
	} else if (f->incompat & EROFS_FEATURE_INCOMPAT_ZERO_PADDING) {
		sb->u1 = erofs_cpu_to_le16(UINT16_MAX);	/* lz4 window */
	}
	if (o->blob_blocks) {
		/* device 1 right after the image, as when the tar is appended */
		erofs_off_t pos = f->devt_pos;
		struct erofs_deviceslot *dev = (void *)(blk + pos - EROFS_SUPER_OFFSET);

		f->incompat |= EROFS_FEATURE_INCOMPAT_DEVICE_TABLE;
		sb->extra_devices = erofs_cpu_to_le16(1);
		sb->devt_slotoff = erofs_cpu_to_le16(pos / EROFS_DEVT_SLOT_SIZE);
		dev->blocks_lo = erofs_cpu_to_le32((uint32_t)o->blob_blocks);
		dev->mapped_blkaddr_lo = erofs_cpu_to_le32(
				(uint32_t)erofs_bman_blocks(&b->bm));
		wlen = pos + EROFS_DEVT_SLOT_SIZE - EROFS_SUPER_OFFSET;
	}
	sb->feature_incompat = erofs_cpu_to_le32(f->incompat);
	if (!o->no_sbcrc)
		sb->checksum = erofs_cpu_to_le32(erofs_crc32c(~0u, blk, len));
	err = erofs_bman_write_super(&b->bm, blk, wlen);
	free(blk);
	return err;
}
