/* SPDX-License-Identifier: MIT */
/* Read path, inodes: decode one on-disk inode (compact or extended) by nid. */
#ifndef EROFS_INODE_H
#define EROFS_INODE_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "erofs_fs.h"
#include "erofs/sb.h"

/* One inode, host-endian, with where its pieces sit in the image. */
struct erofs_inode {
	struct erofs_sb_info *sbi;
	erofs_nid_t nid;
	/*
	 * Where the inode and its metadata (xattrs, chunk map, indexes,
	 * inline data) are read from: the image, or the metabox content for
	 * a nid with EROFS_NID_METABOX; @mend bounds every offset in it.
	 */
	struct erofs_io *mio;
	erofs_off_t mend;
	erofs_off_t iloc;		/* byte offset of the inode in @mio */
	uint16_t i_format;
	bool extended;			/* 64-byte inode */
	unsigned int datalayout;	/* EROFS_INODE_FLAT_PLAIN ... */
	unsigned int inode_isize;	/* 32 or 64 */
	unsigned int xattr_isize;	/* inline xattr body, 0 if none */
	unsigned int xattr_icount;
	mode_t mode;
	uint32_t uid, gid;
	uint32_t nlink;
	uint64_t size;
	uint64_t mtime;
	uint32_t mtime_nsec;
	uint32_t ino;			/* i_ino, for 32-bit stat() only */
	dev_t rdev;			/* character and block devices */
	uint32_t raw_rdev;		/* as stored (new_encode_dev form) */
	uint64_t raw_blkaddr;		/* FLAT_PLAIN / FLAT_INLINE start block */
	uint16_t chunkformat;		/* CHUNK_BASED */
	unsigned int chunkbits;		/* log2 chunk size in bytes */

	/* compressed inodes: the map header, decoded on first use by zmap.c */
	bool z_inited;
	uint16_t z_advise;
	uint8_t z_algorithmtype[2];	/* HEAD1, HEAD2 */
	unsigned int z_lclusterbits;
	uint64_t z_tailextent_headlcn;	/* ztailpacking, fragments: lcluster of the tail head */
	erofs_off_t z_idataoff;		/* ... and where its inline pcluster sits */
	uint16_t z_idata_size;		/* 0: no inline tail */
	/*
	 * FRAGMENT_PCLUSTER: where the tail extent (from the head at
	 * z_tailextent_headlcn; the whole file when that is 0) starts in the
	 * packed inode
	 */
	erofs_off_t z_fragmentoff;
	/* Z_EROFS_ADVISE_EXTENTS: extent records instead of lcluster indexes */
	bool z_extents;
	unsigned int z_recsz;		/* 4, 8, 16 or 32 bytes */
	uint64_t z_nrecs;		/* 16/32-byte records: how many */
	erofs_off_t z_recpos;		/* where the first record sits */
	uint64_t z_cur_lcn;		/* 4-byte records: the last lookup's */
	erofs_off_t z_cur_pa;		/* ... lcluster and its pcluster start */
};

/* raw_blkaddr of a FLAT_PLAIN inode without blocks (reads as zeros). */
#define EROFS_NULL_BLKADDR	UINT64_MAX

/*
 * Read inode @nid into @vi: 0, -EFSCORRUPTED (out of the image, bad format
 * or mode), -EOPNOTSUPP (a layout this reader does not know), or -errno.
 */
int erofs_read_inode(struct erofs_sb_info *sbi, erofs_nid_t nid,
		     struct erofs_inode *vi);

/*
 * Read the packed inode (superblock packed_nid) into @vi: 0, -ENOENT when
 * the image has none (no packed_nid, or neither fragments nor long xattr
 * prefixes kept there), else as erofs_read_inode(); one that is not a
 * regular file is -EFSCORRUPTED.  Every refusal but -ENOENT is reported.
 */
int erofs_read_packed_inode(struct erofs_sb_info *sbi, struct erofs_inode *vi);

/*
 * Byte offset of the inode slot of @nid (no range check): in the image,
 * or for a metabox nid in the metabox content.
 */
static inline erofs_off_t erofs_nid_pos(const struct erofs_sb_info *sbi,
					erofs_nid_t nid)
{
	if (erofs_nid_in_metabox(nid))
		return (nid & ~EROFS_NID_METABOX) << EROFS_ISLOT_BITS;
	return erofs_blk_pos(sbi, sbi->meta_blkaddr) + (nid << EROFS_ISLOT_BITS);
}

/* Where the inline data or chunk map starts: right after inode + xattrs. */
static inline erofs_off_t erofs_inode_idata_pos(const struct erofs_inode *vi)
{
	return vi->iloc + vi->inode_isize + vi->xattr_isize;
}

static inline bool erofs_inode_is_compressed(const struct erofs_inode *vi)
{
	return vi->datalayout == EROFS_INODE_COMPRESSED_FULL ||
	       vi->datalayout == EROFS_INODE_COMPRESSED_COMPACT;
}

/* A directory whose blocks hold no "." entry: readers supply it. */
static inline bool erofs_dir_dot_omitted(const struct erofs_inode *vi)
{
	return S_ISDIR(vi->mode) &&
	       (vi->i_format & (1u << EROFS_I_DOT_OMITTED_BIT));
}

/* EROFS_FT_* matching the type bits of @mode (EROFS_FT_UNKNOWN if none). */
unsigned int erofs_mode_to_ftype(mode_t mode);

/* Short name of a data layout ("flat-plain", ...), "unknown" otherwise. */
const char *erofs_layout_name(unsigned int datalayout);

#endif
