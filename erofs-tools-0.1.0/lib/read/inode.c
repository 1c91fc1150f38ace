// SPDX-License-Identifier: MIT
/*
 * Inodes: decode one on-disk inode and refuse any figure the image could
 * not back (a size bigger than the blocks it points at, a chunk map that
 * runs off the image), so callers may size buffers from what we return.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "erofs_fs.h"
#include "erofs/inode.h"
#include "erofs/print.h"

unsigned int erofs_mode_to_ftype(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:	return EROFS_FT_REG_FILE;
	case S_IFDIR:	return EROFS_FT_DIR;
	case S_IFCHR:	return EROFS_FT_CHRDEV;
	case S_IFBLK:	return EROFS_FT_BLKDEV;
	case S_IFIFO:	return EROFS_FT_FIFO;
	case S_IFSOCK:	return EROFS_FT_SOCK;
	case S_IFLNK:	return EROFS_FT_SYMLINK;
	}
	return EROFS_FT_UNKNOWN;
}

const char *erofs_layout_name(unsigned int datalayout)
{
	static const char *const names[] = {
		[EROFS_INODE_FLAT_PLAIN] = "flat-plain",
		[EROFS_INODE_COMPRESSED_FULL] = "compressed-full",
		[EROFS_INODE_FLAT_INLINE] = "flat-inline",
		[EROFS_INODE_COMPRESSED_COMPACT] = "compressed-compact",
		[EROFS_INODE_CHUNK_BASED] = "chunk-based",
	};

	return datalayout < EROFS_ARRAY_SIZE(names) ? names[datalayout] :
	       "unknown";
}

/* The kernel's new_decode_dev(): 12-bit major, 20-bit minor split in two. */
static dev_t erofs_decode_dev(uint32_t raw)
{
	unsigned int major = (raw >> 8) & 0xfff;
	unsigned int minor = (raw & 0xff) | ((raw >> 12) & 0xfff00);

	return makedev(major, minor);
}

/*
 * Check that the data @vi claims fits in the image, so that no reader will
 * ever size a buffer or a loop from an i_size the image cannot hold.
 */
/*
 * Flat data in the flat address space of an extra device (looked up first,
 * as the kernel does): 1 when all @nblocks lie inside that device, 0 when
 * the start is on no device, -EFSCORRUPTED (reported) when they run past
 * its end.
 */
static int erofs_inode_on_device(const struct erofs_inode *vi,
				 uint64_t nblocks)
{
	uint64_t blk = vi->raw_blkaddr, left;
	unsigned int dev;

	if (!vi->sbi->extra_devices)
		return 0;
	dev = erofs_sb_flat_device(vi->sbi, &blk, &left);
	if (!dev)
		return 0;
	if (nblocks <= left)
		return 1;
	erofs_err("nid %llu: i_size %llu needs %llu blocks from block %llu, past the end of device %u (inode at offset %llu)",
		  (unsigned long long)vi->nid, (unsigned long long)vi->size,
		  (unsigned long long)nblocks, (unsigned long long)vi->raw_blkaddr, dev,
		  (unsigned long long)vi->iloc);
	return -EFSCORRUPTED;
}

static int erofs_inode_check_extent(struct erofs_inode *vi)
{
	struct erofs_sb_info *sbi = vi->sbi;
	uint64_t nblocks, nchunks, unit;
	int ret;

	switch (vi->datalayout) {
	case EROFS_INODE_FLAT_PLAIN:
	case EROFS_INODE_FLAT_INLINE:
		/* not EROFS_DIV_ROUND_UP: an i_size near 2^64 would wrap to 0 */
		nblocks = (vi->size >> sbi->blkszbits) +
			  !!(vi->size & (sbi->blksz - 1));
		/* the inline tail sits in the metadata area, not at raw_blkaddr */
		if (vi->datalayout == EROFS_INODE_FLAT_INLINE && nblocks)
			nblocks--;
		if (!nblocks || vi->raw_blkaddr == EROFS_NULL_BLKADDR)
			return 0;
		ret = erofs_inode_on_device(vi, nblocks);
		if (ret)
			return ret < 0 ? ret : 0;
		if (vi->raw_blkaddr >= sbi->blocks ||
		    nblocks > sbi->blocks - vi->raw_blkaddr) {
			erofs_err("nid %llu: i_size %llu needs blocks %llu..%llu, past the %llu-block image (inode at offset %llu)",
				  (unsigned long long)vi->nid,
				  (unsigned long long)vi->size,
				  (unsigned long long)vi->raw_blkaddr,
				  (unsigned long long)(vi->raw_blkaddr + nblocks - 1),
				  (unsigned long long)sbi->blocks,
				  (unsigned long long)vi->iloc);
			return -EFSCORRUPTED;
		}
		return 0;
	case EROFS_INODE_CHUNK_BASED:
		unit = (vi->chunkformat & EROFS_CHUNK_FORMAT_INDEXES) ?
		       sizeof(struct erofs_inode_chunk_index) : sizeof(uint32_t);
		nchunks = vi->size >> vi->chunkbits;
		if (vi->size & ((1ull << vi->chunkbits) - 1))
			nchunks++;
		if (EROFS_ROUND_UP(erofs_inode_idata_pos(vi), unit) > vi->mend ||
		    nchunks > (vi->mend - EROFS_ROUND_UP(erofs_inode_idata_pos(vi),
							 unit)) / unit) {
			erofs_err("nid %llu: i_size %llu needs %llu chunk entries, past the end of the image (inode at offset %llu)",
				  (unsigned long long)vi->nid,
				  (unsigned long long)vi->size,
				  (unsigned long long)nchunks,
				  (unsigned long long)vi->iloc);
			return -EFSCORRUPTED;
		}
		return 0;
	}
	/* compressed sizes are checked by the (future) compressed map */
	return 0;
}

static int erofs_inode_check_mode(struct erofs_inode *vi)
{
	if (erofs_mode_to_ftype(vi->mode) != EROFS_FT_UNKNOWN)
		return 0;
	erofs_err("nid %llu: bad file type in mode 0%o (inode at offset %llu)",
		  (unsigned long long)vi->nid, (unsigned int)vi->mode,
		  (unsigned long long)vi->iloc);
	return -EFSCORRUPTED;
}

int erofs_read_inode(struct erofs_sb_info *sbi, erofs_nid_t nid,
		     struct erofs_inode *vi)
{
	erofs_off_t image, meta = erofs_blk_pos(sbi, sbi->meta_blkaddr);
	union {
		struct erofs_inode_compact c;
		struct erofs_inode_extended e;
	} raw;
	uint32_t iu, hi = 0;
	int err;

	memset(vi, 0, sizeof(*vi));
	vi->sbi = sbi;
	vi->nid = nid;
	vi->mio = sbi->io;
	vi->mend = erofs_sb_image_bytes(sbi);
	if (erofs_nid_in_metabox(nid)) {
		if (!sbi->mbox_io) {
			erofs_err("nid %llu: metabox inode number in an image without a metabox",
				  (unsigned long long)nid);
			return -EFSCORRUPTED;
		}
		vi->mio = sbi->mbox_io;
		vi->mend = sbi->mbox_io->size;
		meta = 0;
	}
	image = vi->mend;
	if (image < meta + EROFS_ISLOT_SIZE ||
	    (nid & ~EROFS_NID_METABOX) > (image - meta - EROFS_ISLOT_SIZE) >> EROFS_ISLOT_BITS) {
		erofs_err("nid %llu: inode lies past the end of the %s (%llu bytes)",
			  (unsigned long long)nid,
			  vi->mio == sbi->io ? "image" : "metabox",
			  (unsigned long long)image);
		return -EFSCORRUPTED;
	}
	vi->iloc = erofs_nid_pos(sbi, nid);
	err = erofs_io_read(vi->mio, &raw.c, sizeof(raw.c), vi->iloc);
	if (err)
		goto out_ioerr;

	vi->i_format = erofs_le16(raw.c.i_format);
	if (vi->i_format & ~EROFS_I_ALL) {
		erofs_err("nid %llu: unknown i_format bits 0x%x (offset %llu)",
			  (unsigned long long)nid, vi->i_format,
			  (unsigned long long)vi->iloc);
		return -EOPNOTSUPP;
	}
	vi->datalayout = (vi->i_format >> EROFS_I_DATALAYOUT_BIT) &
			 EROFS_I_DATALAYOUT_MASK;
	if (vi->datalayout >= EROFS_INODE_DATALAYOUT_MAX) {
		erofs_err("nid %llu: unknown data layout %u (offset %llu)",
			  (unsigned long long)nid, vi->datalayout,
			  (unsigned long long)vi->iloc);
		return -EOPNOTSUPP;
	}
	vi->extended = vi->i_format & EROFS_I_VERSION_MASK;
	vi->xattr_icount = erofs_le16(raw.c.i_xattr_icount);
	vi->xattr_isize = erofs_xattr_ibody_size(vi->xattr_icount);
	vi->mode = erofs_le16(raw.c.i_mode);

	if (vi->extended) {
		vi->inode_isize = sizeof(raw.e);
		/* an extended inode may straddle a block boundary: read it whole */
		if (vi->iloc + sizeof(raw.e) > image) {
			erofs_err("nid %llu: extended inode runs past the end of the image (offset %llu)",
				  (unsigned long long)nid,
				  (unsigned long long)vi->iloc);
			return -EFSCORRUPTED;
		}
		err = erofs_io_read(vi->mio, &raw.e, sizeof(raw.e), vi->iloc);
		if (err)
			goto out_ioerr;
		iu = erofs_le32(raw.e.i_u);
		/* i_nb: the start block's high 16 bits (48BIT; 0 otherwise) */
		hi = erofs_le16(raw.e.i_nb);
		vi->size = erofs_le64(raw.e.i_size);
		vi->uid = erofs_le32(raw.e.i_uid);
		vi->gid = erofs_le32(raw.e.i_gid);
		vi->nlink = erofs_le32(raw.e.i_nlink);
		vi->mtime = erofs_le64(raw.e.i_mtime);
		vi->mtime_nsec = erofs_le32(raw.e.i_mtime_nsec);
		vi->ino = erofs_le32(raw.e.i_ino);
		if (vi->mtime_nsec >= 1000000000u) {
			erofs_err("nid %llu: mtime nanoseconds %u out of range (offset %llu)",
				  (unsigned long long)nid, vi->mtime_nsec,
				  (unsigned long long)(vi->iloc +
				  offsetof(struct erofs_inode_extended, i_mtime_nsec)));
			return -EFSCORRUPTED;
		}
	} else {
		vi->inode_isize = sizeof(raw.c);
		iu = erofs_le32(raw.c.i_u);
		vi->size = erofs_le32(raw.c.i_size);
		vi->uid = erofs_le16(raw.c.i_uid);
		vi->gid = erofs_le16(raw.c.i_gid);
		/* with NLINK_1 the nlink field is reused (48-bit block numbers) */
		if (!S_ISDIR(vi->mode) &&
		    (vi->i_format & (1u << EROFS_I_NLINK_1_BIT))) {
			vi->nlink = 1;
			hi = erofs_le16(raw.c.i_nlink);
		} else
			vi->nlink = erofs_le16(raw.c.i_nlink);
		vi->mtime = sbi->epoch + erofs_le32(raw.c.i_mtime);
		vi->mtime_nsec = sbi->fixed_nsec;
		vi->ino = erofs_le32(raw.c.i_ino);
	}
	err = erofs_inode_check_mode(vi);
	if (err)
		return err;
	if (vi->iloc + vi->inode_isize + vi->xattr_isize > image) {
		erofs_err("nid %llu: %u bytes of inline xattrs run past the end of the image (offset %llu)",
			  (unsigned long long)nid, vi->xattr_isize,
			  (unsigned long long)vi->iloc);
		return -EFSCORRUPTED;
	}

	switch (vi->mode & S_IFMT) {
	case S_IFCHR:
	case S_IFBLK:
		vi->raw_rdev = iu;
		vi->rdev = erofs_decode_dev(iu);
		return 0;
	case S_IFIFO:
	case S_IFSOCK:
		return 0;
	}

	if (vi->datalayout == EROFS_INODE_CHUNK_BASED) {
		vi->chunkformat = iu & 0xffff;
		if (vi->chunkformat & ~(EROFS_CHUNK_FORMAT_BLKBITS_MASK |
					EROFS_CHUNK_FORMAT_INDEXES |
					EROFS_CHUNK_FORMAT_48BIT)) {
			erofs_err("nid %llu: unsupported chunk format 0x%x (offset %llu)",
				  (unsigned long long)nid, vi->chunkformat,
				  (unsigned long long)vi->iloc);
			return -EOPNOTSUPP;
		}
		vi->chunkbits = sbi->blkszbits +
				(vi->chunkformat & EROFS_CHUNK_FORMAT_BLKBITS_MASK);
		/* 2^31 + 12 is already past any image we could address */
		if (vi->chunkbits > 48) {
			erofs_err("nid %llu: chunk size 2^%u is absurd (offset %llu)",
				  (unsigned long long)nid, vi->chunkbits,
				  (unsigned long long)vi->iloc);
			return -EFSCORRUPTED;
		}
	} else {
		vi->raw_blkaddr = iu | (uint64_t)hi << 32;
		/* a FLAT_PLAIN inode at the null address has no blocks at all */
		if (vi->datalayout == EROFS_INODE_FLAT_PLAIN &&
		    (vi->raw_blkaddr == EROFS_BLKADDR_48BIT_MASK ||
		     (!hi && iu == EROFS_NULL_ADDR)))
			vi->raw_blkaddr = EROFS_NULL_BLKADDR;
	}
	return erofs_inode_check_extent(vi);

out_ioerr:
	erofs_err("nid %llu: cannot read inode at offset %llu: %s",
		  (unsigned long long)nid, (unsigned long long)vi->iloc,
		  strerror(-err));
	return err == -EIO ? -EFSCORRUPTED : err;
}

int erofs_read_packed_inode(struct erofs_sb_info *sbi, struct erofs_inode *vi)
{
	int err;

	/* the kernel looks for one only where a feature needs it */
	if (!sbi->packed_nid ||
	    (!(sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS) &&
	     (!sbi->xattr_prefix_count ||
	      (sbi->feature_compat & EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX))))
		return -ENOENT;
	err = erofs_read_inode(sbi, sbi->packed_nid, vi);
	if (err)
		return err;
	if (!S_ISREG(vi->mode)) {
		erofs_err("nid %llu: the packed inode has mode 0%o, not a regular file (inode at offset %llu)",
			  (unsigned long long)vi->nid, (unsigned int)vi->mode,
			  (unsigned long long)vi->iloc);
		return -EFSCORRUPTED;
	}
	return 0;
}
