// SPDX-License-Identifier: MIT
/*
 * File data: every layout answers the same question through
 * erofs_map_blocks() -- where does the extent holding byte X live.  The
 * uncompressed layouts answer here, compressed files in zmap.c; iter.c
 * turns the answer into bytes.
 */
#include <string.h>
#include <sys/stat.h>
#include "erofs_fs.h"
#include "erofs/data.h"
#include "erofs/print.h"

/* Chunk map entries read per I/O when merging runs of chunks. */
#define EROFS_CHUNK_BATCH	512

static int erofs_map_corrupt(struct erofs_inode *vi, erofs_off_t pos,
			     const char *why, unsigned long long what)
{
	erofs_err("nid %llu: %s %llu (offset %llu)",
		  (unsigned long long)vi->nid, why, what,
		  (unsigned long long)pos);
	return -EFSCORRUPTED;
}

static int erofs_map_flat(struct erofs_inode *vi, struct erofs_map_blocks *map)
{
	struct erofs_sb_info *sbi = vi->sbi;
	erofs_off_t tail = vi->size, blkoff;

	/* FLAT_INLINE: the last (partial or not) block is kept in the inode */
	if (vi->datalayout == EROFS_INODE_FLAT_INLINE)
		tail = (EROFS_DIV_ROUND_UP(vi->size, sbi->blksz) - 1) <<
		       sbi->blkszbits;

	map->m_flags = EROFS_MAP_MAPPED;
	if (vi->raw_blkaddr == EROFS_NULL_BLKADDR) {
		map->m_la = 0;
		map->m_llen = vi->size;
		map->m_pa = 0;
		map->m_plen = 0;
		map->m_flags = 0;
		return 0;
	}
	if (map->m_la < tail) {
		uint64_t blk = vi->raw_blkaddr, left;

		/*
		 * The block range was checked at iget: inside the image or,
		 * in the flat address space, inside one extra device.
		 */
		if (sbi->extra_devices)
			map->m_deviceid = erofs_sb_flat_device(sbi, &blk, &left);
		map->m_la = 0;
		map->m_llen = tail;
		map->m_pa = blk << sbi->blkszbits;
		map->m_plen = tail;
		/* its slot may promise more than the device file holds */
		if (map->m_deviceid &&
		    (map->m_pa > erofs_sb_device_bytes(sbi, map->m_deviceid) ||
		     tail > erofs_sb_device_bytes(sbi, map->m_deviceid) - map->m_pa))
			return erofs_map_corrupt(vi, vi->iloc,
				"data runs past the end of its device file: start block",
				vi->raw_blkaddr);
		return 0;
	}
	map->m_la = tail;
	map->m_llen = vi->size - tail;
	map->m_pa = erofs_inode_idata_pos(vi);
	map->m_plen = map->m_llen;
	map->m_flags |= EROFS_MAP_META;
	blkoff = map->m_pa & (sbi->blksz - 1);
	if (blkoff + map->m_plen > sbi->blksz)
		return erofs_map_corrupt(vi, map->m_pa,
			"inline tail crosses a block boundary: tail bytes",
			map->m_plen);
	if (map->m_pa + map->m_plen > vi->mend)
		return erofs_map_corrupt(vi, map->m_pa,
			"inline tail runs past the end of its metadata: tail bytes",
			map->m_plen);
	return 0;
}

/* A chunk's place: device id and block (EROFS_NULL_BLKADDR: a hole). */
struct erofs_chunk_place {
	unsigned int dev;
	uint64_t blk;
};

/* Decode chunk entry @i of a batch whose first entry sits at @pos. */
static int erofs_chunk_entry(struct erofs_inode *vi, const uint8_t *batch,
			     unsigned int i, erofs_off_t pos,
			     struct erofs_chunk_place *c)
{
	struct erofs_sb_info *sbi = vi->sbi;
	struct erofs_inode_chunk_index idx;
	uint64_t mask = (vi->chunkformat & EROFS_CHUNK_FORMAT_48BIT) ?
			EROFS_BLKADDR_48BIT_MASK : EROFS_NULL_ADDR;
	uint32_t v;

	c->dev = 0;
	if (!(vi->chunkformat & EROFS_CHUNK_FORMAT_INDEXES)) {
		memcpy(&v, batch + i * sizeof(v), sizeof(v));
		c->blk = erofs_le32(v);
		if (c->blk == EROFS_NULL_ADDR)
			c->blk = EROFS_NULL_BLKADDR;
		return 0;
	}
	memcpy(&idx, batch + i * sizeof(idx), sizeof(idx));
	/* 48BIT chunks: startblk_hi holds bits 32..47; all ones is a hole */
	c->blk = (erofs_le32(idx.startblk_lo) |
		  (uint64_t)erofs_le16(idx.startblk_hi) << 32) & mask;
	if (c->blk == mask) {
		c->blk = EROFS_NULL_BLKADDR;
		return 0;
	}
	/* the kernel ignores the bits above the table's size */
	c->dev = erofs_le16(idx.device_id) & sbi->device_id_mask;
	if (c->dev > sbi->extra_devices) {
		erofs_err("nid %llu: chunk on device %u, the image has %u extra devices (offset %llu)",
			  (unsigned long long)vi->nid, c->dev,
			  sbi->extra_devices, (unsigned long long)(pos +
			  i * sizeof(idx) +
			  offsetof(struct erofs_inode_chunk_index, device_id)));
		return -EFSCORRUPTED;
	}
	return 0;
}

static int erofs_map_chunk(struct erofs_inode *vi, struct erofs_map_blocks *map)
{
	struct erofs_sb_info *sbi = vi->sbi;
	unsigned int unit = (vi->chunkformat & EROFS_CHUNK_FORMAT_INDEXES) ?
			    sizeof(struct erofs_inode_chunk_index) :
			    sizeof(uint32_t);
	uint64_t chunksz = 1ull << vi->chunkbits;
	uint64_t chunkblks = chunksz >> sbi->blkszbits;
	uint64_t nr = map->m_la >> vi->chunkbits;
	/* rounded without the sum that wraps for an i_size near 2^64 */
	uint64_t nchunks = (vi->size >> vi->chunkbits) + !!(vi->size & (chunksz - 1));
	uint64_t left = vi->size - (nr << vi->chunkbits);
	uint8_t batch[EROFS_CHUNK_BATCH * sizeof(struct erofs_inode_chunk_index)];
	erofs_off_t table = EROFS_ROUND_UP(erofs_inode_idata_pos(vi), unit);
	struct erofs_chunk_place first = { 0, 0 }, c;
	uint64_t n = 0, end, devleft, blk;
	erofs_off_t devbytes;
	int err;

	/* merge a run of holes, or of chunks contiguous on one device */
	end = nr;
	while (end < nchunks) {
		unsigned int cnt = EROFS_MIN(nchunks - end, EROFS_CHUNK_BATCH), i;
		erofs_off_t pos = table + end * unit;

		/* the table was checked to fit in the image at iget */
		err = erofs_io_read(vi->mio, batch, (size_t)cnt * unit, pos);
		if (err)
			return err;
		for (i = 0; i < cnt; i++, n++) {
			err = erofs_chunk_entry(vi, batch, i, pos, &c);
			if (err)
				return err;
			if (!n) {
				first = c;
				continue;
			}
			if (first.blk == EROFS_NULL_BLKADDR ?
			    c.blk != EROFS_NULL_BLKADDR :
			    c.dev != first.dev || c.blk != first.blk + n * chunkblks)
				goto out_run;
		}
		end += cnt;
	}
out_run:
	map->m_la = nr << vi->chunkbits;
	/* n chunks of 2^chunkbits may not fit in 64 bits: compare first */
	map->m_llen = n > (left >> vi->chunkbits) ? left : n << vi->chunkbits;
	map->m_deviceid = 0;
	if (first.blk == EROFS_NULL_BLKADDR) {
		map->m_pa = 0;
		map->m_plen = 0;
		map->m_flags = 0;
		return 0;
	}
	if (!first.dev && sbi->extra_devices) {
		blk = first.blk;
		first.dev = erofs_sb_flat_device(sbi, &blk, &devleft);
		first.blk = blk;
		/* a run crossing into the next device ends where this one does */
		if (first.dev && map->m_llen >> sbi->blkszbits > devleft)
			map->m_llen = devleft << sbi->blkszbits;
	}
	map->m_deviceid = first.dev;
	map->m_pa = erofs_blk_pos(sbi, first.blk);
	map->m_plen = map->m_llen;
	map->m_flags = EROFS_MAP_MAPPED;
	devbytes = erofs_sb_device_bytes(sbi, first.dev);
	/* in bytes: rounding an m_plen near 2^64 up to blocks would wrap */
	if (map->m_pa >= devbytes || map->m_plen > devbytes - map->m_pa) {
		if (!first.dev)
			return erofs_map_corrupt(vi, table + nr * unit,
				"chunk data runs past the end of the image: start block",
				(unsigned long long)first.blk);
		erofs_err("nid %llu: chunk data runs past the end of device %u (%llu bytes): start block %llu (offset %llu)",
			  (unsigned long long)vi->nid, first.dev,
			  (unsigned long long)devbytes,
			  (unsigned long long)first.blk,
			  (unsigned long long)(table + nr * unit));
		return -EFSCORRUPTED;
	}
	return 0;
}

int erofs_map_blocks(struct erofs_inode *vi, struct erofs_map_blocks *map)
{
	if (map->m_la >= vi->size)
		return -EINVAL;
	map->m_deviceid = 0;
	/* devices, FIFOs, sockets: their layout fields were never checked */
	if (S_ISCHR(vi->mode) || S_ISBLK(vi->mode) || S_ISFIFO(vi->mode) ||
	    S_ISSOCK(vi->mode)) {
		erofs_err("nid %llu: mode 0%o carries no data to read (inode at offset %llu)",
			  (unsigned long long)vi->nid, (unsigned int)vi->mode,
			  (unsigned long long)vi->iloc);
		return -EFSCORRUPTED;
	}
	switch (vi->datalayout) {
	case EROFS_INODE_FLAT_PLAIN:
	case EROFS_INODE_FLAT_INLINE:
		return erofs_map_flat(vi, map);
	case EROFS_INODE_CHUNK_BASED:
		return erofs_map_chunk(vi, map);
	case EROFS_INODE_COMPRESSED_FULL:
	case EROFS_INODE_COMPRESSED_COMPACT:
		return z_erofs_map_blocks(vi, map);
	}
	erofs_err("nid %llu: %s data is not supported yet (inode at offset %llu)",
		  (unsigned long long)vi->nid, erofs_layout_name(vi->datalayout),
		  (unsigned long long)vi->iloc);
	return -EOPNOTSUPP;
}
