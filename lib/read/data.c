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
		/* the block range was checked against the image at iget */
		map->m_la = 0;
		map->m_llen = tail;
		map->m_pa = erofs_blk_pos(sbi, vi->raw_blkaddr);
		map->m_plen = tail;
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

/* Decode chunk entry @i of a batch: block address or EROFS_NULL_BLKADDR. */
static int erofs_chunk_entry(struct erofs_inode *vi, const uint8_t *batch,
			     unsigned int i, erofs_off_t pos, uint64_t *blk)
{
	struct erofs_inode_chunk_index idx;
	uint64_t mask = (vi->chunkformat & EROFS_CHUNK_FORMAT_48BIT) ?
			EROFS_BLKADDR_48BIT_MASK : EROFS_NULL_ADDR;
	uint32_t v;

	if (!(vi->chunkformat & EROFS_CHUNK_FORMAT_INDEXES)) {
		memcpy(&v, batch + i * sizeof(v), sizeof(v));
		*blk = erofs_le32(v);
		if (*blk == EROFS_NULL_ADDR)
			*blk = EROFS_NULL_BLKADDR;
		return 0;
	}
	memcpy(&idx, batch + i * sizeof(idx), sizeof(idx));
	/* 48BIT chunks: startblk_hi holds bits 32..47; all ones is a hole */
	*blk = (erofs_le32(idx.startblk_lo) |
		(uint64_t)erofs_le16(idx.startblk_hi) << 32) & mask;
	if (*blk == mask)
		*blk = EROFS_NULL_BLKADDR;
	/* only one device is ever opened: any other id points nowhere */
	if (*blk != EROFS_NULL_BLKADDR && erofs_le16(idx.device_id))
		return erofs_map_corrupt(vi, pos + i * sizeof(idx),
					 "chunk on unknown device",
					 erofs_le16(idx.device_id));
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
	uint64_t first = 0, blk;
	uint64_t n = 0, end;
	int err;

	/* merge a run of holes, or of physically contiguous chunks */
	end = nr;
	while (end < nchunks) {
		unsigned int cnt = EROFS_MIN(nchunks - end, EROFS_CHUNK_BATCH), i;
		erofs_off_t pos = table + end * unit;

		/* the table was checked to fit in the image at iget */
		err = erofs_io_read(vi->mio, batch, (size_t)cnt * unit, pos);
		if (err)
			return err;
		for (i = 0; i < cnt; i++, n++) {
			err = erofs_chunk_entry(vi, batch, i, pos, &blk);
			if (err)
				return err;
			if (!n) {
				first = blk;
				continue;
			}
			if (first == EROFS_NULL_BLKADDR ? blk != EROFS_NULL_BLKADDR :
			    blk != first + n * chunkblks)
				goto out_run;
		}
		end += cnt;
	}
out_run:
	map->m_la = nr << vi->chunkbits;
	/* n chunks of 2^chunkbits may not fit in 64 bits: compare first */
	map->m_llen = n > (left >> vi->chunkbits) ? left : n << vi->chunkbits;
	if (first == EROFS_NULL_BLKADDR) {
		map->m_pa = 0;
		map->m_plen = 0;
		map->m_flags = 0;
		return 0;
	}
	map->m_pa = erofs_blk_pos(sbi, first);
	map->m_plen = map->m_llen;
	map->m_flags = EROFS_MAP_MAPPED;
	/* in bytes: rounding an m_plen near 2^64 up to blocks would wrap */
	if (first >= sbi->blocks ||
	    map->m_plen > erofs_sb_image_bytes(sbi) - map->m_pa)
		return erofs_map_corrupt(vi, table + nr * unit,
			"chunk data runs past the end of the image: start block",
			(unsigned long long)first);
	return 0;
}

int erofs_map_blocks(struct erofs_inode *vi, struct erofs_map_blocks *map)
{
	if (map->m_la >= vi->size)
		return -EINVAL;
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
