// SPDX-License-Identifier: MIT
/*
 * Superblock: the only place that trusts nothing and derives everything the
 * rest of the read path range-checks against (block size, image bytes).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs_fs.h"
#include "erofs/crc32c.h"
#include "erofs/decompress.h"
#include "erofs/print.h"
#include "erofs/sb.h"
#include "erofs/zdata.h"
#include "erofs/metabox.h"

struct erofs_feature_name {
	bool incompat;
	uint32_t bit;
	const char *name;
};

/* Some bits carry two names (the compression and non-compression meaning). */
static const struct erofs_feature_name erofs_feature_names[] = {
	{ false, EROFS_FEATURE_COMPAT_SB_CHKSUM, "sb_csum" },
	{ false, EROFS_FEATURE_COMPAT_MTIME, "mtime" },
	{ false, EROFS_FEATURE_COMPAT_XATTR_FILTER, "xattr_filter" },
	{ false, EROFS_FEATURE_COMPAT_SHARED_EA_IN_METABOX, "shared_ea_in_metabox" },
	{ false, EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX, "plain_xattr_pfx" },
	{ false, EROFS_FEATURE_COMPAT_ISHARE_XATTRS, "ishare_xattrs" },
	{ true, EROFS_FEATURE_INCOMPAT_ZERO_PADDING, "0padding" },
	{ true, EROFS_FEATURE_INCOMPAT_COMPR_CFGS, "compr_cfgs" },
	{ true, EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER, "big_pcluster" },
	{ true, EROFS_FEATURE_INCOMPAT_CHUNKED_FILE, "chunked_file" },
	{ true, EROFS_FEATURE_INCOMPAT_DEVICE_TABLE, "device_table" },
	{ true, EROFS_FEATURE_INCOMPAT_COMPR_HEAD2, "compr_head2" },
	{ true, EROFS_FEATURE_INCOMPAT_ZTAILPACKING, "ztailpacking" },
	{ true, EROFS_FEATURE_INCOMPAT_FRAGMENTS, "fragments" },
	{ true, EROFS_FEATURE_INCOMPAT_DEDUPE, "dedupe" },
	{ true, EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES, "xattr_prefixes" },
	{ true, EROFS_FEATURE_INCOMPAT_48BIT, "48bit" },
	{ true, EROFS_FEATURE_INCOMPAT_METABOX, "metabox" },
};

/*
 * Incompatible features this reader cannot honour: they would move where
 * inodes or blocks live, so reading on would return wrong bytes.  None of
 * the named ones today; unknown bits are always refused.
 */
#define EROFS_INCOMPAT_REFUSED	0u

/* Features that only matter for compressed inodes (handled per inode). */
#define EROFS_INCOMPAT_COMPRESSION (EROFS_FEATURE_INCOMPAT_ZERO_PADDING | \
				    EROFS_FEATURE_INCOMPAT_COMPR_CFGS | \
				    EROFS_FEATURE_INCOMPAT_COMPR_HEAD2 | \
				    EROFS_FEATURE_INCOMPAT_ZTAILPACKING | \
				    EROFS_FEATURE_INCOMPAT_FRAGMENTS)

void erofs_sb_for_each_feature(const struct erofs_sb_info *sbi,
			       void (*fn)(const char *name, bool incompat,
					  void *arg),
			       void *arg)
{
	uint32_t known[2] = { 0, 0 };
	uint32_t set[2] = { sbi->feature_compat, sbi->feature_incompat };
	char buf[48];
	size_t i;
	int k;

	for (i = 0; i < EROFS_ARRAY_SIZE(erofs_feature_names); i++) {
		const struct erofs_feature_name *f = &erofs_feature_names[i];

		known[f->incompat] |= f->bit;
		if (set[f->incompat] & f->bit)
			fn(f->name, f->incompat, arg);
	}
	for (k = 0; k < 2; k++) {
		uint32_t unknown = set[k] & ~known[k];

		while (unknown) {
			uint32_t bit = unknown & -unknown;

			snprintf(buf, sizeof(buf), "unknown-%s-0x%x",
				 k ? "incompat" : "compat", bit);
			fn(buf, k, arg);
			unknown &= ~bit;
		}
	}
}

bool erofs_sb_has_compression(const struct erofs_sb_info *sbi)
{
	return sbi->feature_incompat & EROFS_INCOMPAT_COMPRESSION;
}

static void erofs_refuse_feature(const char *name, bool incompat, void *arg)
{
	uint32_t *refused = arg;
	size_t i;

	if (!incompat)
		return;
	for (i = 0; i < EROFS_ARRAY_SIZE(erofs_feature_names); i++) {
		const struct erofs_feature_name *f = &erofs_feature_names[i];

		if (f->incompat && !strcmp(f->name, name)) {
			if (!(f->bit & EROFS_INCOMPAT_REFUSED))
				return;
			break;
		}
	}
	erofs_err("superblock: unsupported incompatible feature %s", name);
	*refused = 1;
}

/*
 * The checksum covers the superblock block from offset 1024 to its end
 * (blksz - 1024 bytes), or blksz bytes from 1024 when a block is not
 * larger than the boot area, with the checksum field read as zero.
 */
static int erofs_sb_check_crc(struct erofs_sb_info *sbi)
{
	size_t len = sbi->blksz > EROFS_SUPER_OFFSET ?
		     sbi->blksz - EROFS_SUPER_OFFSET : sbi->blksz;
	uint32_t crc;
	uint8_t *buf;
	int err;

	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	err = erofs_io_read(sbi->io, buf, len, EROFS_SUPER_OFFSET);
	if (err) {
		erofs_err("superblock: cannot read the checksummed area (%zu bytes at offset %u): %s",
			  len, EROFS_SUPER_OFFSET, strerror(-err));
		goto out_free;
	}
	memset(buf + offsetof(struct erofs_super_block, checksum), 0,
	       sizeof(uint32_t));
	crc = erofs_crc32c(~0u, buf, len);
	if (crc != sbi->checksum) {
		erofs_err("superblock: bad checksum 0x%08x, computed 0x%08x (offset %zu)",
			  sbi->checksum, crc,
			  EROFS_SUPER_OFFSET + offsetof(struct erofs_super_block,
							checksum));
		err = -EBADMSG;
		goto out_free;
	}
	sbi->checksum_verified = true;
out_free:
	free(buf);
	return err;
}

/*
 * One configuration record, the first @len bytes of which are in @rec
 * (zero-filled past the record), stored at @pos: keep what the decoders
 * need and refuse what the kernel refuses.  A record longer than its
 * structure is fine (the kernel reads the structure only).
 */
static int erofs_sb_compr_cfg(struct erofs_sb_info *sbi, unsigned int alg,
			      const uint8_t *rec, unsigned int len,
			      erofs_off_t pos)
{
	static const unsigned int need[Z_EROFS_COMPRESSION_MAX] = {
		[Z_EROFS_COMPRESSION_LZ4] = sizeof(struct z_erofs_lz4_cfgs),
		[Z_EROFS_COMPRESSION_LZMA] = sizeof(struct z_erofs_lzma_cfgs),
		[Z_EROFS_COMPRESSION_DEFLATE] = sizeof(struct z_erofs_deflate_cfgs),
		[Z_EROFS_COMPRESSION_ZSTD] = sizeof(struct z_erofs_zstd_cfgs),
	};
	const char *name = z_erofs_algorithm_name(alg);

	if (len < need[alg]) {
		erofs_err("superblock: %s configuration of %u bytes, %u expected (offset %llu)",
			  name, len, need[alg], (unsigned long long)pos);
		return -EFSCORRUPTED;
	}
	switch (alg) {
	case Z_EROFS_COMPRESSION_LZ4: {
		struct z_erofs_lz4_cfgs c;

		memcpy(&c, rec, sizeof(c));
		/* 0 is the reserved value for "one block", as the kernel takes it */
		sbi->lz4_max_pclusterblks = erofs_le16(c.max_pclusterblks) ?: 1;
		if (((erofs_off_t)sbi->lz4_max_pclusterblks << sbi->blkszbits) >
		    Z_EROFS_PCLUSTER_MAX_SIZE) {
			erofs_err("superblock: lz4 pcluster of %u blocks out of range (offset %llu)",
				  sbi->lz4_max_pclusterblks,
				  (unsigned long long)pos);
			return -EFSCORRUPTED;
		}
		return 0;
	}
	case Z_EROFS_COMPRESSION_LZMA: {
		struct z_erofs_lzma_cfgs c;

		memcpy(&c, rec, sizeof(c));
		if (c.format) {
			erofs_err("superblock: lzma format %u unknown (offset %llu)",
				  erofs_le16(c.format), (unsigned long long)pos);
			return -EOPNOTSUPP;
		}
		sbi->lzma_dict_size = erofs_le32(c.dict_size);
		if (sbi->lzma_dict_size < 4096 ||
		    sbi->lzma_dict_size > Z_EROFS_LZMA_MAX_DICT_SIZE) {
			erofs_err("superblock: lzma dictionary of %u bytes out of range 4096..%u (offset %llu)",
				  sbi->lzma_dict_size, Z_EROFS_LZMA_MAX_DICT_SIZE,
				  (unsigned long long)pos);
			return -EFSCORRUPTED;
		}
		return 0;
	}
	case Z_EROFS_COMPRESSION_DEFLATE: {
		struct z_erofs_deflate_cfgs c;

		memcpy(&c, rec, sizeof(c));
		if (c.windowbits > 15) {
			erofs_err("superblock: deflate window of 2^%u bytes unsupported (offset %llu)",
				  c.windowbits, (unsigned long long)pos);
			return -EOPNOTSUPP;
		}
		sbi->deflate_windowbits = c.windowbits;
		return 0;
	}
	case Z_EROFS_COMPRESSION_ZSTD: {
		struct z_erofs_zstd_cfgs c;

		memcpy(&c, rec, sizeof(c));
		if (c.format) {
			erofs_err("superblock: zstd format %u unknown (offset %llu)",
				  c.format, (unsigned long long)pos);
			return -EOPNOTSUPP;
		}
		_Static_assert(Z_EROFS_ZSTD_MAX_DICT_SIZE == 1u << 20, "zstd window");
		if (c.windowlog + 10 > 20) {
			erofs_err("superblock: zstd window of 2^%u bytes beyond 1 MiB (offset %llu)",
				  c.windowlog + 10, (unsigned long long)pos);
			return -EFSCORRUPTED;
		}
		sbi->zstd_window = 1u << (c.windowlog + 10);
		return 0;
	}
	}
	return 0;
}

/*
 * With COMPR_CFGS, one length-prefixed record per algorithm in the
 * available bitmap follows the superblock, each on a 4-byte boundary (a
 * length of 0 stands for 65536).  Records are parsed whether or not this
 * build decodes the algorithm: the image opens, and a pcluster of it is
 * reported unsupported when met.
 */
static int erofs_sb_read_compr_cfgs(struct erofs_sb_info *sbi, uint16_t algs)
{
	erofs_off_t pos = EROFS_SUPER_OFFSET + sbi->sb_size;
	const erofs_off_t end = erofs_sb_image_bytes(sbi);

	sbi->available_compr_algs = algs;
	if (algs & ~((1u << Z_EROFS_COMPRESSION_MAX) - 1)) {
		erofs_err("superblock: unknown compression algorithms 0x%x (offset %zu)",
			  algs, EROFS_SUPER_OFFSET +
			  offsetof(struct erofs_super_block, u1));
		return -EOPNOTSUPP;
	}
	for (unsigned int alg = 0; alg < Z_EROFS_COMPRESSION_MAX; alg++) {
		uint8_t rec[16] = { 0 };
		uint16_t len16;
		uint32_t len;
		int err;

		if (!(algs & (1u << alg)))
			continue;
		pos = EROFS_ROUND_UP(pos, 4);
		if (pos + sizeof(len16) > end)
			goto corrupt;
		err = erofs_io_read(sbi->io, &len16, sizeof(len16), pos);
		if (err)
			return err;
		len = erofs_le16(len16) ?: 65536;
		pos += sizeof(len16);
		if (pos + len > end)
			goto corrupt;
		err = erofs_io_read(sbi->io, rec, EROFS_MIN(len, sizeof(rec)), pos);
		if (err)
			return err;
		err = erofs_sb_compr_cfg(sbi, alg, rec, len, pos);
		if (err)
			return err;
		pos += len;
	}
	return 0;
corrupt:
	erofs_err("superblock: compression configuration record at offset %llu runs past the image",
		  (unsigned long long)pos);
	return -EFSCORRUPTED;
}

int erofs_sb_read(struct erofs_sb_info *sbi, struct erofs_io *io,
		  unsigned int flags)
{
	struct erofs_super_block dsb;
	erofs_off_t image_bytes;
	uint32_t magic, refused = 0;
	int err;

	memset(sbi, 0, sizeof(*sbi));
	sbi->io = io;
	err = erofs_io_read(io, &dsb, sizeof(dsb), EROFS_SUPER_OFFSET);
	if (err) {
		erofs_err("superblock: cannot read %zu bytes at offset %u (image is %llu bytes): %s",
			  sizeof(dsb), EROFS_SUPER_OFFSET,
			  (unsigned long long)io->size, strerror(-err));
		return err == -EIO ? -EFSCORRUPTED : err;
	}
	magic = erofs_le32(dsb.magic);
	if (magic != EROFS_SUPER_MAGIC_V1) {
		erofs_err("superblock: bad magic 0x%08x at offset %u (not an EROFS image)",
			  magic, EROFS_SUPER_OFFSET);
		return -EFSCORRUPTED;
	}
	if (dsb.blkszbits < EROFS_MIN_BLKSZBITS ||
	    dsb.blkszbits > EROFS_MAX_BLKSZBITS) {
		erofs_err("superblock: block size 2^%u out of range 512..65536 (offset %zu)",
			  dsb.blkszbits, EROFS_SUPER_OFFSET +
			  offsetof(struct erofs_super_block, blkszbits));
		return -EFSCORRUPTED;
	}
	sbi->blkszbits = dsb.blkszbits;
	sbi->blksz = 1u << dsb.blkszbits;
	sbi->checksum = erofs_le32(dsb.checksum);
	sbi->feature_compat = erofs_le32(dsb.feature_compat);
	sbi->feature_incompat = erofs_le32(dsb.feature_incompat);

	/* Check the checksum before believing any other figure. */
	if ((sbi->feature_compat & EROFS_FEATURE_COMPAT_SB_CHKSUM) &&
	    !(flags & EROFS_SB_SKIP_CRC)) {
		err = erofs_sb_check_crc(sbi);
		if (err)
			return err == -EIO ? -EFSCORRUPTED : err;
	}

	erofs_sb_for_each_feature(sbi, erofs_refuse_feature, &refused);
	if (refused)
		return -EOPNOTSUPP;

	sbi->sb_size = EROFS_SB_BASE_SIZE + EROFS_SB_EXTSLOT_SIZE * dsb.sb_extslots;
	if (sbi->sb_size > (sbi->blksz > EROFS_SUPER_OFFSET ?
			    sbi->blksz - EROFS_SUPER_OFFSET : sbi->blksz)) {
		erofs_err("superblock: %u extension slots do not fit in a %u-byte block (offset %zu)",
			  dsb.sb_extslots, sbi->blksz, EROFS_SUPER_OFFSET +
			  offsetof(struct erofs_super_block, sb_extslots));
		return -EFSCORRUPTED;
	}
	if (dsb.dirblkbits) {
		erofs_err("superblock: directory block bits %u unsupported (offset %zu)",
			  dsb.dirblkbits, EROFS_SUPER_OFFSET +
			  offsetof(struct erofs_super_block, dirblkbits));
		return -EOPNOTSUPP;
	}

	sbi->blocks = erofs_le32(dsb.blocks_lo);
	sbi->root_nid = erofs_le16(dsb.rootnid_2b);
	/* 48BIT: a non-zero rootnid_8b moves the root and frees rootnid_2b */
	if ((sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_48BIT) &&
	    dsb.rootnid_8b) {
		sbi->root_nid = erofs_le64(dsb.rootnid_8b);
		sbi->blocks |= (uint64_t)erofs_le16(dsb.rootnid_2b) << 32;
	}
	image_bytes = erofs_sb_image_bytes(sbi);
	if (image_bytes > io->size) {
		erofs_err("superblock: image truncated: %llu blocks (%llu bytes) claimed, %llu bytes present",
			  (unsigned long long)sbi->blocks,
			  (unsigned long long)image_bytes,
			  (unsigned long long)io->size);
		return -EFSCORRUPTED;
	}
	if (image_bytes < EROFS_SUPER_OFFSET + sbi->sb_size) {
		erofs_err("superblock: %llu blocks cannot even hold the superblock",
			  (unsigned long long)sbi->blocks);
		return -EFSCORRUPTED;
	}
	sbi->meta_blkaddr = erofs_le32(dsb.meta_blkaddr);
	if (sbi->meta_blkaddr >= sbi->blocks) {
		erofs_err("superblock: metadata start block %u beyond the %llu-block image (offset %zu)",
			  sbi->meta_blkaddr, (unsigned long long)sbi->blocks,
			  EROFS_SUPER_OFFSET +
			  offsetof(struct erofs_super_block, meta_blkaddr));
		return -EFSCORRUPTED;
	}
	sbi->xattr_blkaddr = erofs_le32(dsb.xattr_blkaddr);
	if (sbi->xattr_blkaddr > sbi->blocks &&
	    !(sbi->feature_compat & EROFS_FEATURE_COMPAT_SHARED_EA_IN_METABOX)) {
		erofs_err("superblock: shared xattr start block %u beyond the %llu-block image (offset %zu)",
			  sbi->xattr_blkaddr, (unsigned long long)sbi->blocks,
			  EROFS_SUPER_OFFSET +
			  offsetof(struct erofs_super_block, xattr_blkaddr));
		return -EFSCORRUPTED;
	}
	if (sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_METABOX) {
		if (sbi->sb_size < offsetof(struct erofs_super_block, metabox_nid) +
				   sizeof(dsb.metabox_nid)) {
			erofs_err("superblock: metabox feature without room for its nid (%u-byte superblock)",
				  sbi->sb_size);
			return -EFSCORRUPTED;
		}
		sbi->metabox_nid = erofs_le64(dsb.metabox_nid);
		/* the metabox inode itself cannot live in the metabox */
		if (erofs_nid_in_metabox(sbi->metabox_nid) ||
		    erofs_blk_pos(sbi, sbi->meta_blkaddr) +
		    (sbi->metabox_nid << EROFS_ISLOT_BITS) + EROFS_ISLOT_SIZE >
		    image_bytes) {
			erofs_err("superblock: metabox nid %llu out of range (offset %zu)",
				  (unsigned long long)sbi->metabox_nid,
				  EROFS_SUPER_OFFSET +
				  offsetof(struct erofs_super_block, metabox_nid));
			return -EFSCORRUPTED;
		}
	}
	if (!erofs_nid_in_metabox(sbi->root_nid) &&
	    erofs_blk_pos(sbi, sbi->meta_blkaddr) +
	    (sbi->root_nid << EROFS_ISLOT_BITS) + EROFS_ISLOT_SIZE > image_bytes) {
		erofs_err("superblock: root nid %llu lies past the end of the image (offset %zu)",
			  (unsigned long long)sbi->root_nid, EROFS_SUPER_OFFSET +
			  offsetof(struct erofs_super_block, rootnid_2b));
		return -EFSCORRUPTED;
	}
	if (!memchr(dsb.volume_name, '\0', sizeof(dsb.volume_name))) {
		erofs_err("superblock: volume name not NUL-terminated (offset %zu)",
			  EROFS_SUPER_OFFSET +
			  offsetof(struct erofs_super_block, volume_name));
		return -EFSCORRUPTED;
	}
	memcpy(sbi->volume_name, dsb.volume_name, sizeof(dsb.volume_name));
	sbi->volume_name[sizeof(dsb.volume_name)] = '\0';
	memcpy(sbi->uuid, dsb.uuid, sizeof(sbi->uuid));
	sbi->inos = erofs_le64(dsb.inos);
	sbi->epoch = erofs_le64(dsb.epoch);
	sbi->fixed_nsec = erofs_le32(dsb.fixed_nsec);
	sbi->build_time = erofs_le32(dsb.build_time);
	if (sbi->fixed_nsec >= 1000000000u) {
		erofs_err("superblock: build time nanoseconds %u out of range (offset %zu)",
			  sbi->fixed_nsec, EROFS_SUPER_OFFSET +
			  offsetof(struct erofs_super_block, fixed_nsec));
		return -EFSCORRUPTED;
	}
	sbi->xattr_prefix_count = dsb.xattr_prefix_count;
	sbi->packed_nid = erofs_le64(dsb.packed_nid);

	sbi->available_compr_algs = 1u << Z_EROFS_COMPRESSION_LZ4;
	sbi->lz4_max_pclusterblks = 1;
	sbi->lz4_max_distance = erofs_le16(dsb.u1);
	if (sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_COMPR_CFGS) {
		err = erofs_sb_read_compr_cfgs(sbi, erofs_le16(dsb.u1));
		if (err)
			return err == -EIO ? -EFSCORRUPTED : err;
	}

	/* without the feature the two fields mean nothing */
	if (sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_DEVICE_TABLE) {
		err = erofs_sb_read_device_table(sbi,
						 erofs_le16(dsb.extra_devices),
						 erofs_le16(dsb.devt_slotoff));
		if (err) {
			erofs_sb_close_devices(sbi);
			return err;
		}
	}
	if (sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_METABOX) {
		err = erofs_metabox_load(sbi);
		if (err) {
			erofs_sb_release(sbi);
			return err;
		}
	}
	return 0;
}

void erofs_sb_release(struct erofs_sb_info *sbi)
{
	erofs_metabox_release(sbi);
	z_erofs_pcache_free(sbi);
	erofs_sb_close_devices(sbi);
}

int erofs_sb_probe_path(const char *path)
{
	struct stat st;
	uint32_t magic;
	ssize_t n;
	int fd, ret = 0;

	/* never open what may block or act on open (a fifo, a tty) */
	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	n = pread(fd, &magic, sizeof(magic), EROFS_SUPER_OFFSET);
	if (n < 0)
		ret = -errno;
	else
		ret = n == sizeof(magic) && erofs_le32(magic) == EROFS_SUPER_MAGIC_V1;
	close(fd);
	return ret;
}
