/* SPDX-License-Identifier: MIT */
/*
 * EROFS on-disk format: the structures the Linux kernel reads, nothing else.
 *
 * Every multi-byte field is little-endian on disk whatever the host; use the
 * erofs_le16() / erofs_cpu_to_le16() family from <erofs/defs.h>
 * to touch them.
 * Sizes are pinned by _Static_assert at the bottom of this file.
 */
#ifndef EROFS_FS_H
#define EROFS_FS_H

#include <stdint.h>

/* The superblock sits 1 KiB into the image, after room for a boot sector. */
#define EROFS_SUPER_OFFSET		1024
#define EROFS_SUPER_MAGIC_V1		0xE0F5E1E2u
#define EROFS_SB_BASE_SIZE		128
#define EROFS_SB_EXTSLOT_SIZE		16

/*
 * Block sizes we build and read: 512 B up to 64 KiB.  The kernel mounts a
 * block size up to its page size only (4 KiB on x86, 16 or 64 KiB on some
 * arm64 and ppc64 kernels); bigger blocks are for such hosts.
 */
#define EROFS_MIN_BLKSZBITS		9
#define EROFS_MAX_BLKSZBITS		16

/* Compatible features: an old kernel may ignore them. */
#define EROFS_FEATURE_COMPAT_SB_CHKSUM		0x00000001
#define EROFS_FEATURE_COMPAT_MTIME		0x00000002
#define EROFS_FEATURE_COMPAT_XATTR_FILTER	0x00000004
#define EROFS_FEATURE_COMPAT_SHARED_EA_IN_METABOX 0x00000008
#define EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX	0x00000010
#define EROFS_FEATURE_COMPAT_ISHARE_XATTRS	0x00000020	/* page cache shared by xattr */

/* Incompatible features: a kernel that does not know one refuses to mount. */
#define EROFS_FEATURE_INCOMPAT_ZERO_PADDING	0x00000001
#define EROFS_FEATURE_INCOMPAT_COMPR_CFGS	0x00000002
#define EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER	0x00000002
#define EROFS_FEATURE_INCOMPAT_CHUNKED_FILE	0x00000004
#define EROFS_FEATURE_INCOMPAT_DEVICE_TABLE	0x00000008
#define EROFS_FEATURE_INCOMPAT_COMPR_HEAD2	0x00000008
#define EROFS_FEATURE_INCOMPAT_ZTAILPACKING	0x00000010
#define EROFS_FEATURE_INCOMPAT_FRAGMENTS	0x00000020
#define EROFS_FEATURE_INCOMPAT_DEDUPE		0x00000020
#define EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES	0x00000040
#define EROFS_FEATURE_INCOMPAT_48BIT		0x00000080
#define EROFS_FEATURE_INCOMPAT_METABOX		0x00000100
#define EROFS_ALL_FEATURE_INCOMPAT		0x000001ff

/*
 * DEVICE_TABLE: extra_devices slots of this size start at byte
 * devt_slotoff * EROFS_DEVT_SLOT_SIZE of the primary device.  Device k
 * (1-based, as chunk indexes name it) is slot k - 1.
 */
struct erofs_deviceslot {
	uint8_t  tag[64];		/* what names the blob (a digest, a path) */
	uint32_t blocks_lo;		/* size of the device in blocks */
	uint32_t mapped_blkaddr_lo;	/* where it starts in the flat address
					 * space of all devices; 0: nowhere */
	uint16_t blocks_hi;		/* 48BIT: high bits of blocks */
	uint16_t mapped_blkaddr_hi;	/* 48BIT: high bits of mapped_blkaddr */
	uint8_t  reserved[52];
} __attribute__((packed));
#define EROFS_DEVT_SLOT_SIZE		sizeof(struct erofs_deviceslot)

struct erofs_super_block {
	uint32_t magic;			/* EROFS_SUPER_MAGIC_V1 */
	uint32_t checksum;		/* crc32c of the sb block tail, this field 0 */
	uint32_t feature_compat;
	uint8_t  blkszbits;		/* log2 of the block size */
	uint8_t  sb_extslots;		/* sb is 128 + 16 * sb_extslots bytes */
	uint16_t rootnid_2b;		/* root nid; blocks_hi when 48BIT is on */
	uint64_t inos;			/* number of inodes */
	uint64_t epoch;			/* build time, seconds (compact inode base) */
	uint32_t fixed_nsec;		/* build time, nanoseconds */
	uint32_t blocks_lo;		/* image size in blocks */
	uint32_t meta_blkaddr;		/* nid 0 lives at meta_blkaddr * blksz */
	uint32_t xattr_blkaddr;		/* shared xattr area */
	uint8_t  uuid[16];
	uint8_t  volume_name[16];	/* NUL-terminated within the 16 bytes */
	uint32_t feature_incompat;
	uint16_t u1;			/* compr algs bitmap or lz4 max distance */
	uint16_t extra_devices;
	uint16_t devt_slotoff;
	uint8_t  dirblkbits;		/* must be 0: directory block == block */
	uint8_t  xattr_prefix_count;
	uint32_t xattr_prefix_start;
	uint64_t packed_nid;
	uint8_t  xattr_filter_reserved;
	uint8_t  reserved[3];
	uint32_t build_time;		/* (newer kernels) seconds past epoch */
	uint64_t rootnid_8b;		/* root nid when 48BIT is on */
	uint64_t reserved2;
	uint64_t metabox_nid;
	uint64_t reserved3;
} __attribute__((packed));

/* i_format: bit 0 inode version, bits 1-3 data layout, bit 4 nlink-1/dot. */
#define EROFS_I_VERSION_MASK		0x01
#define EROFS_I_DATALAYOUT_BIT		1
#define EROFS_I_DATALAYOUT_MASK		0x07
#define EROFS_I_NLINK_1_BIT		4	/* not directories: nlink is 1 */
#define EROFS_I_DOT_OMITTED_BIT		4	/* directories: no "." entry */
#define EROFS_I_ALL			0x1f

#define EROFS_INODE_LAYOUT_COMPACT	0	/* 32-byte inode */
#define EROFS_INODE_LAYOUT_EXTENDED	1	/* 64-byte inode */

enum erofs_datalayout {
	EROFS_INODE_FLAT_PLAIN = 0,		/* data in whole blocks */
	EROFS_INODE_COMPRESSED_FULL = 1,	/* 8-byte lcluster indexes */
	EROFS_INODE_FLAT_INLINE = 2,		/* blocks + tail after inode */
	EROFS_INODE_COMPRESSED_COMPACT = 3,	/* compacted indexes */
	EROFS_INODE_CHUNK_BASED = 4,		/* chunk map after inode */
	EROFS_INODE_DATALAYOUT_MAX
};

#define EROFS_ISLOT_BITS		5	/* inodes sit on 32-byte slots */
#define EROFS_ISLOT_SIZE		(1u << EROFS_ISLOT_BITS)

/* chunk-based inodes: i_u holds the chunk format */
#define EROFS_CHUNK_FORMAT_BLKBITS_MASK	0x001f	/* chunk = block << this */
#define EROFS_CHUNK_FORMAT_INDEXES	0x0020	/* 8-byte indexes, else 4-byte map */
#define EROFS_CHUNK_FORMAT_48BIT	0x0040
#define EROFS_NULL_ADDR			0xffffffffu	/* a hole in a block map */

struct erofs_inode_compact {
	uint16_t i_format;
	uint16_t i_xattr_icount;
	uint16_t i_mode;
	uint16_t i_nlink;		/* startblk_hi / blocks_hi with NLINK_1 */
	uint32_t i_size;
	uint32_t i_mtime;		/* newer kernels: seconds past sb epoch */
	uint32_t i_u;			/* start block, rdev, or chunk format */
	uint32_t i_ino;			/* for 32-bit stat() only */
	uint16_t i_uid;
	uint16_t i_gid;
	uint32_t i_reserved;
} __attribute__((packed));

struct erofs_inode_extended {
	uint16_t i_format;
	uint16_t i_xattr_icount;
	uint16_t i_mode;
	uint16_t i_nb;			/* startblk_hi / blocks_hi (48BIT) */
	uint64_t i_size;
	uint32_t i_u;
	uint32_t i_ino;
	uint32_t i_uid;
	uint32_t i_gid;
	uint64_t i_mtime;
	uint32_t i_mtime_nsec;
	uint32_t i_nlink;
	uint8_t  i_reserved2[16];
} __attribute__((packed));

/* Inline xattrs: a 12-byte header, then shared ids, then entries. */
struct erofs_xattr_ibody_header {
	uint32_t h_name_filter;		/* bloom: bit set = name absent */
	uint8_t  h_shared_count;
	uint8_t  h_reserved2[7];
	/* uint32_t h_shared_xattrs[h_shared_count] follow */
} __attribute__((packed));

#define EROFS_XATTR_INDEX_USER			1
#define EROFS_XATTR_INDEX_POSIX_ACL_ACCESS	2
#define EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT	3
#define EROFS_XATTR_INDEX_TRUSTED		4
#define EROFS_XATTR_INDEX_LUSTRE		5
#define EROFS_XATTR_INDEX_SECURITY		6
#define EROFS_XATTR_LONG_PREFIX			0x80
#define EROFS_XATTR_LONG_PREFIX_MASK		0x7f
#define EROFS_XATTR_FILTER_BITS			32
#define EROFS_XATTR_FILTER_SEED			0x25BBE08Fu

struct erofs_xattr_entry {
	uint8_t  e_name_len;
	uint8_t  e_name_index;
	uint16_t e_value_size;
	/* name, then value, then padding to 4 bytes */
} __attribute__((packed));

/* Bytes taken by the inline xattr body for a given i_xattr_icount. */
static inline unsigned int erofs_xattr_ibody_size(unsigned int icount)
{
	return icount ? sizeof(struct erofs_xattr_ibody_header) +
			(icount - 1) * sizeof(uint32_t) : 0;
}

struct erofs_inode_chunk_index {
	uint16_t startblk_hi;
	uint16_t device_id;
	uint32_t startblk_lo;
} __attribute__((packed));

/* 48BIT: chunk indexes carry 16 more block bits in startblk_hi. */
#define EROFS_BLKADDR_48BIT_MASK	((1ull << 48) - 1)

/*
 * METABOX: a nid with bit 63 set names an inode slot inside the content of
 * the metabox inode (sb metabox_nid), counted from its first byte.
 */
#define EROFS_NID_METABOX_BIT		63
#define EROFS_NID_METABOX		(1ull << EROFS_NID_METABOX_BIT)

/* Directory blocks: dirents first, then the names they point at. */
struct erofs_dirent {
	uint64_t nid;
	uint16_t nameoff;		/* offset of the name within the block */
	uint8_t  file_type;		/* EROFS_FT_* */
	uint8_t  reserved;
} __attribute__((packed));

enum {
	EROFS_FT_UNKNOWN = 0,
	EROFS_FT_REG_FILE = 1,
	EROFS_FT_DIR = 2,
	EROFS_FT_CHRDEV = 3,
	EROFS_FT_BLKDEV = 4,
	EROFS_FT_FIFO = 5,
	EROFS_FT_SOCK = 6,
	EROFS_FT_SYMLINK = 7,
	EROFS_FT_MAX
};

#define EROFS_NAME_LEN			255
#define EROFS_SYMLINK_MAX		4095	/* PATH_MAX - 1, as the VFS allows */

/* ---- compression (fixed-size output pclusters) ---- */
#define Z_EROFS_PCLUSTER_MAX_SIZE	(1024 * 1024)
#define Z_EROFS_PCLUSTER_MAX_DSIZE	(12 * 1024 * 1024)

enum {
	Z_EROFS_COMPRESSION_LZ4 = 0,
	Z_EROFS_COMPRESSION_LZMA = 1,
	Z_EROFS_COMPRESSION_DEFLATE = 2,
	Z_EROFS_COMPRESSION_ZSTD = 3,
	Z_EROFS_COMPRESSION_MAX
};

/* Per-algorithm configuration records follow the sb (COMPR_CFGS). */
struct z_erofs_lz4_cfgs {
	uint16_t max_distance;
	uint16_t max_pclusterblks;
	uint8_t  reserved[10];
} __attribute__((packed));

/* MicroLZMA: the dictionary the streams were made with (4 KiB .. 8 MiB). */
struct z_erofs_lzma_cfgs {
	uint32_t dict_size;
	uint16_t format;		/* 0; anything else is a later format */
	uint8_t  reserved[8];
} __attribute__((packed));
#define Z_EROFS_LZMA_MAX_DICT_SIZE	(8 * Z_EROFS_PCLUSTER_MAX_SIZE)

/* Raw DEFLATE: the window the streams use, as zlib's windowBits. */
struct z_erofs_deflate_cfgs {
	uint8_t  windowbits;		/* at most 15 */
	uint8_t  reserved[5];
} __attribute__((packed));

/* Zstandard frames: the window is 2^(windowlog + 10) bytes. */
struct z_erofs_zstd_cfgs {
	uint8_t  format;		/* 0; anything else is a later format */
	uint8_t  windowlog;		/* window log minus 10 */
	uint8_t  reserved[4];
} __attribute__((packed));
#define Z_EROFS_ZSTD_MAX_DICT_SIZE	Z_EROFS_PCLUSTER_MAX_SIZE

#define Z_EROFS_ADVISE_COMPACTED_2B		0x0001
#define Z_EROFS_ADVISE_EXTENTS			0x0001
#define Z_EROFS_ADVISE_BIG_PCLUSTER_1		0x0002
#define Z_EROFS_ADVISE_BIG_PCLUSTER_2		0x0004
#define Z_EROFS_ADVISE_INLINE_PCLUSTER		0x0008
#define Z_EROFS_ADVISE_INTERLACED_PCLUSTER	0x0010
#define Z_EROFS_ADVISE_FRAGMENT_PCLUSTER	0x0020

struct z_erofs_map_header {
	uint16_t h_reserved1;		/* with FRAGMENTS: fragment offset lo */
	uint16_t h_idata_size;		/* ztailpacking: inline pcluster size */
	uint16_t h_advise;
	uint8_t  h_algorithmtype;	/* bits 0-3 HEAD1, 4-7 HEAD2 */
	uint8_t  h_clusterbits;		/* bits 0-3: lclusterbits - blkszbits */
} __attribute__((packed));

/*
 * h_clusterbits bit 7: the whole file lives in the packed inode, and the
 * other 63 bits of the 8-byte header (little-endian) are its offset there.
 * Otherwise, with FRAGMENT_PCLUSTER, the file's last extent lives there, at
 * h_reserved1 | h_idata_size << 16 (plus, with full indexes, the tail head's
 * blkaddr << 32).
 */
#define Z_EROFS_FRAGMENT_INODE_BIT	7

enum {
	Z_EROFS_LCLUSTER_TYPE_PLAIN = 0,
	Z_EROFS_LCLUSTER_TYPE_HEAD1 = 1,
	Z_EROFS_LCLUSTER_TYPE_NONHEAD = 2,
	Z_EROFS_LCLUSTER_TYPE_HEAD2 = 3,
	Z_EROFS_LCLUSTER_TYPE_MAX
};

#define Z_EROFS_LI_LCLUSTER_TYPE_MASK	(Z_EROFS_LCLUSTER_TYPE_MAX - 1)
#define Z_EROFS_LI_PARTIAL_REF		(1 << 15)
#define Z_EROFS_LI_D0_CBLKCNT		(1 << 11)

struct z_erofs_lcluster_index {
	uint16_t di_advise;		/* lcluster type in the low bits */
	uint16_t di_clusterofs;		/* where the head extent starts */
	union {
		uint32_t blkaddr;	/* HEAD: pcluster start block */
		uint16_t delta[2];	/* NONHEAD: back to head, on to next */
	} di_u;
} __attribute__((packed));

/*
 * Z_EROFS_ADVISE_EXTENTS (COMPRESSED_FULL inodes): after the map header,
 * extent records of 4 << ((h_advise >> 1) & 3) bytes, the leading part of
 * this struct; the header's first 4 bytes and last 2 hold the record count.
 * 4-byte records: one per lcluster after an 8-byte start, pcluster after
 * pcluster.  8-byte: one per lcluster with its own start.  16 and 32: one
 * per extent, sorted by logical start (32-bit, or 64 with 32-byte records).
 */
#define Z_EROFS_ADVISE_EXTRECSZ_BIT	1
#define Z_EROFS_ADVISE_EXTRECSZ_MASK	0x3
#define Z_EROFS_EXTENT_PLEN_PARTIAL	(1u << 27)
#define Z_EROFS_EXTENT_PLEN_FMT_BIT	28	/* 0: stored, else algorithm + 1 */
#define Z_EROFS_EXTENT_PLEN_MASK	((Z_EROFS_PCLUSTER_MAX_SIZE << 1) - 1)

struct z_erofs_extent_record {
	uint32_t plen;			/* encoded bytes, flags above */
	uint32_t pstart_lo;		/* physical byte offset */
	uint32_t pstart_hi;
	uint32_t lstart_lo;		/* logical byte offset */
	uint32_t lstart_hi;
	uint8_t  reserved[12];
} __attribute__((packed));

_Static_assert(sizeof(struct z_erofs_extent_record) == 32, "extent record size");
_Static_assert(sizeof(struct erofs_super_block) == 144, "superblock size");
_Static_assert(sizeof(struct erofs_deviceslot) == 128, "device slot size");
_Static_assert(sizeof(struct erofs_inode_compact) == 32, "compact inode size");
_Static_assert(sizeof(struct erofs_inode_extended) == 64, "extended inode size");
_Static_assert(sizeof(struct erofs_xattr_ibody_header) == 12, "xattr ibody size");
_Static_assert(sizeof(struct erofs_xattr_entry) == 4, "xattr entry size");
_Static_assert(sizeof(struct erofs_inode_chunk_index) == 8, "chunk index size");
_Static_assert(sizeof(struct erofs_dirent) == 12, "dirent size");
_Static_assert(sizeof(struct z_erofs_map_header) == 8, "map header size");
_Static_assert(sizeof(struct z_erofs_lcluster_index) == 8, "lcluster index size");
_Static_assert(sizeof(struct z_erofs_lz4_cfgs) == 14, "lz4 cfgs size");
_Static_assert(sizeof(struct z_erofs_lzma_cfgs) == 14, "lzma cfgs size");
_Static_assert(sizeof(struct z_erofs_deflate_cfgs) == 6, "deflate cfgs size");
_Static_assert(sizeof(struct z_erofs_zstd_cfgs) == 6, "zstd cfgs size");

#endif
