/* SPDX-License-Identifier: MIT */
/*
 * Read path, file data: the one mapping contract every data layout answers
 * (logical range -> physical range + flags).  iter.h builds reads on it.
 */
#ifndef EROFS_DATA_H
#define EROFS_DATA_H

#include "erofs/inode.h"

#define EROFS_MAP_MAPPED	0x1	/* bytes live at m_pa; else a hole */
#define EROFS_MAP_META		0x2	/* inline tail inside the metadata area */
#define EROFS_MAP_ENCODED	0x4	/* m_pa..m_plen is a pcluster to decode */
#define EROFS_MAP_PARTIAL_REF	0x8	/* the extent is a prefix of its pcluster */
/*
 * The extent's bytes are those of the packed inode from m_pa on (m_pa is an
 * offset in the packed inode, not in the image; m_plen == m_llen).
 */
#define EROFS_MAP_FRAGMENT	0x10

/* Decoding of an encoded extent: an on-disk algorithm id, or these. */
#define Z_EROFS_COMPRESSION_SHIFTED	Z_EROFS_COMPRESSION_MAX	/* stored as is */
/*
 * Stored, but rotated: the bytes up to the first block boundary of the
 * extent (m_la's) sit at the pcluster's end, the rest from its start.
 */
#define Z_EROFS_COMPRESSION_INTERLACED	(Z_EROFS_COMPRESSION_MAX + 1)

struct erofs_map_blocks {
	erofs_off_t m_la;	/* in: wanted offset; out: extent start */
	erofs_off_t m_llen;	/* out: logical extent length */
	erofs_off_t m_pa;	/* out: physical start (if MAPPED) */
	erofs_off_t m_plen;	/* out: physical length (== m_llen when flat) */
	unsigned int m_flags;	/* out: EROFS_MAP_* */
	unsigned int m_deviceid; /* out, MAPPED: m_pa is on this device (0: the
				  * image; see erofs_sb_device_io()) */
	unsigned int m_algorithmformat;	/* out, ENCODED: Z_EROFS_COMPRESSION_* */
};

/*
 * Map the extent of @vi containing @map->m_la (< i_size): 0 with the extent
 * filled in, -EFSCORRUPTED when the layout points outside the image or
 * breaks a layout rule, -EOPNOTSUPP for a layout this reader lacks, or
 * -errno.  A compressed extent comes back whole (m_la..m_llen decodes from
 * m_pa..m_plen), ENCODED and with its exact decompressed length.
 * The physical range of a mapped extent always lies inside its device
 * (the image, or the extra device m_deviceid, by its slot and file size).
 * A FRAGMENT's range lies inside the packed inode instead.
 */
int erofs_map_blocks(struct erofs_inode *vi, struct erofs_map_blocks *map);

/* Decode a compressed inode's map header (once): 0 or -errno. */
int z_erofs_init_inode(struct erofs_inode *vi);

/*
 * Extent-record maps (Z_EROFS_ADVISE_EXTENTS, zmap_extents.c): decode the
 * map header @h read at @pos into @vi, then answer lookups like
 * z_erofs_map_blocks().  0 or -errno (reported).
 */
struct z_erofs_map_header;
int z_erofs_init_extents(struct erofs_inode *vi,
			 const struct z_erofs_map_header *h, erofs_off_t pos);
int z_erofs_map_extents(struct erofs_inode *vi, struct erofs_map_blocks *map);

/* The compressed half of erofs_map_blocks() (zmap.c). */
int z_erofs_map_blocks(struct erofs_inode *vi, struct erofs_map_blocks *map);

#endif
