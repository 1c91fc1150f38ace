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

/*
 * An extra device of a multi-device image (DEVICE_TABLE): chunk indexes
 * name it by id k >= 1, slot k - 1 of the table.  Its bytes are read from
 * @io at @base + its own offset; @io is NULL while it is missing.
 */
struct erofs_device {
	uint8_t tag[64];		/* as stored (often all zero) */
	uint64_t blocks;		/* size in blocks, from the slot */
	uint64_t mapped_blkaddr;	/* start in the flat space; 0: none */
	erofs_off_t slot_pos;		/* where its slot lies, for messages */
	struct erofs_io *io;		/* NULL: not available */
	erofs_off_t base;		/* byte of @io holding its block 0 */
	bool own_io;			/* @io was opened for it (--device) */
	bool in_image;			/* a window of the image file itself */
};

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
	uint16_t device_id_mask;	/* chunk index device ids are masked by it */
	struct erofs_device *devs;	/* extra_devices of them, id 1 first */
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
	uint16_t lz4_max_distance;	/* u1 without COMPR_CFGS (0: 64 KiB) */
	/* from the other configuration records, 0 when the image has none */
	uint32_t lzma_dict_size;	/* bytes, 4 KiB .. 8 MiB */
	uint8_t deflate_windowbits;	/* at most 15 */
	uint32_t zstd_window;		/* bytes, 1 KiB .. 1 MiB */
};

/*
 * Read and validate the superblock of the image behind @io (opened by the
 * caller) into @sbi: 0, -EFSCORRUPTED (bad magic, figures out of range),
 * -EBADMSG (checksum mismatch), -EOPNOTSUPP (features we cannot read), or
 * another -errno from the I/O layer.  Every refusal is reported.
 */
int erofs_sb_read(struct erofs_sb_info *sbi, struct erofs_io *io,
		  unsigned int flags);

/*
 * Give the extra devices their bytes, as the kernel does: with @n paths
 * (--device, in table order) device k is @paths[k - 1]; with none, a
 * device whose mapped_blkaddr range lies inside the image file is read
 * from there (the images concatenated), any other stays missing.
 * 0, -EINVAL (@n is not the number of extra devices), -EFSCORRUPTED (a
 * device file smaller than its slot says), or -errno opening one; every
 * refusal is reported.
 */
int erofs_sb_open_devices(struct erofs_sb_info *sbi, const char *const *paths,
			  unsigned int n);

/* The first extra device (1-based) with blocks but no bytes behind it, or 0. */
unsigned int erofs_sb_missing_device(const struct erofs_sb_info *sbi);

/*
 * Where device @id's (0: the image) byte @pos is read: its io, with *@at
 * set to the position inside it; NULL when @id has no bytes behind it.
 */
struct erofs_io *erofs_sb_device_io(const struct erofs_sb_info *sbi,
				    unsigned int id, erofs_off_t pos,
				    erofs_off_t *at);

/*
 * Device @id for messages, into @buf: "device 1 "TAG" (12 blocks)", the
 * tag left out when empty, unprintable bytes as '?'.
 */
const char *erofs_sb_device_name(const struct erofs_sb_info *sbi,
				 unsigned int id, char *buf, size_t len);

/*
 * Block @blk of the flat address space (device 0's addresses): when it
 * lies in an extra device's mapped_blkaddr range, that device's id, with
 * @blk made relative to it and *@left set to its blocks from there on;
 * else 0 (on the image), nothing changed.  The kernel looks there first.
 */
unsigned int erofs_sb_flat_device(const struct erofs_sb_info *sbi,
				  uint64_t *blk, uint64_t *left);

/* Bytes device @id (0: the image) holds, by the superblock and its slot. */
erofs_off_t erofs_sb_device_bytes(const struct erofs_sb_info *sbi,
				  unsigned int id);

/* For super.c: read the @count slots at @slotoff (0 or -errno, reported). */
int erofs_sb_read_device_table(struct erofs_sb_info *sbi, uint16_t count,
			       uint16_t slotoff);
/* For super.c: close what erofs_sb_open_devices() opened, free the table. */
void erofs_sb_close_devices(struct erofs_sb_info *sbi);

/* Free what reading the image allocated (caches, devices); the io stays open. */
void erofs_sb_release(struct erofs_sb_info *sbi);

/*
 * Whether @path is a regular file or block device with the EROFS magic
 * where the superblock of an image at its start would be: 1 yes, 0 no
 * (a directory, something else, too short, another magic), or -errno
 * when it cannot be opened or read.  Nothing is reported.
 */
int erofs_sb_probe_path(const char *path);

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

/* 64-bit @blk: 48-bit images address blocks past 2^32 */
static inline erofs_off_t erofs_blk_pos(const struct erofs_sb_info *sbi,
					uint64_t blk)
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
