/* SPDX-License-Identifier: MIT */
/*
 * Read path, superblock: open an image, validate what block 0 claims and keep
 * the decoded figures that every later lookup is checked against.
 */
#ifndef EROFS_SB_H
#define EROFS_SB_H

#include <stdbool.h>
#include "erofs/defs.h"
#include "erofs/io.h"
#include "erofs_fs.h"

/* Flags for erofs_sb_read(). */
#define EROFS_SB_SKIP_CRC	0x1	/* --no-sbcrc: do not verify the checksum */

/* The decoded superblock, host-endian; the image behind it is @io. */
struct erofs_sb_info {
	struct erofs_io *io;
	unsigned int blkszbits;
	unsigned int blksz;
	uint32_t feature_compat;
	uint32_t feature_incompat;
	uint32_t checksum;		/* as stored */
	bool checksum_verified;		/* true only when it was checked and matched */
	uint64_t blocks;		/* blocks_lo, plus blocks_hi << 32 (48BIT) */
	erofs_blk_t meta_blkaddr;
	erofs_blk_t xattr_blkaddr;
	erofs_nid_t root_nid;
	uint64_t inos;
	uint64_t epoch;			/* build time; compact inodes count from it */
	uint32_t fixed_nsec;
	uint32_t build_time;		/* mkfs time, seconds past epoch (newer mkfs) */
	uint8_t uuid[16];
	char volume_name[17];		/* NUL-terminated copy */
	unsigned int sb_size;		/* 128 + 16 * sb_extslots */
	uint16_t extra_devices;
	uint8_t xattr_prefix_count;
	erofs_nid_t packed_nid;
	erofs_nid_t metabox_nid;	/* METABOX: the inode holding the others */
	/*
	 * METABOX: the metabox inode's content, decoded once when the image
	 * is opened, and an io over it that in-metabox inodes are read from
	 * (its size bounds every offset they use).  Read-only afterwards, so
	 * any thread may read it.
	 */
	struct erofs_io *mbox_io;
	void *mbox_buf;
	uint16_t available_compr_algs;	/* with COMPR_CFGS, else LZ4 only */
	struct z_erofs_pcache *zcache;	/* decoded pclusters (zdata.c) */
	unsigned int lz4_max_pclusterblks;	/* largest LZ4 pcluster, blocks */
};

/*
 * Read and validate the superblock of the image behind @io (opened by the
 * caller) into @sbi: 0, -EFSCORRUPTED (bad magic, figures out of range),
 * -EBADMSG (checksum mismatch), -EOPNOTSUPP (features we cannot read), or
 * another -errno from the I/O layer.  Every refusal is reported.
 */
int erofs_sb_read(struct erofs_sb_info *sbi, struct erofs_io *io,
		  unsigned int flags);

/* Free what reading the image allocated (caches); the io stays open. */
void erofs_sb_release(struct erofs_sb_info *sbi);

/* True when @nid names an inode inside the metabox. */
static inline bool erofs_nid_in_metabox(erofs_nid_t nid)
{
	return nid & EROFS_NID_METABOX;
}

/* Bytes the image really covers: blocks * blksz (checked against the file). */
static inline erofs_off_t erofs_sb_image_bytes(const struct erofs_sb_info *sbi)
{
	return (erofs_off_t)sbi->blocks << sbi->blkszbits;
}

static inline erofs_off_t erofs_blk_pos(const struct erofs_sb_info *sbi,
					erofs_blk_t blk)
{
	return (erofs_off_t)blk << sbi->blkszbits;
}

/*
 * Call @fn(name, arg) for each feature bit set in @sbi, compat ones first;
 * bits with no name are passed as "unknown-compat-0x..." /
 * "unknown-incompat-0x...".
 */
void erofs_sb_for_each_feature(const struct erofs_sb_info *sbi,
			       void (*fn)(const char *name, bool incompat,
					  void *arg),
			       void *arg);

/* True when the image may hold compressed inodes (any compression feature). */
bool erofs_sb_has_compression(const struct erofs_sb_info *sbi);

#endif
