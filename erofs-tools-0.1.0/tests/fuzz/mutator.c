// SPDX-License-Identifier: MIT
/*
 * Custom libFuzzer mutator for EROFS images.  Random bytes almost never get
 * past the superblock checksum, and most of an image is file data that the
 * parsers only copy, so: mutate the superblock and the metadata area far
 * more often than data, prefer whole-field changes at aligned offsets (an
 * inode field, an index, a dirent), and recompute the superblock checksum
 * afterwards so the reader goes on to the deeper structures.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "erofs_fs.h"
#include "erofs/crc32c.h"
#include "erofs/defs.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

static uint32_t fuzz_rng;

static uint32_t fuzz_rand(uint32_t n)
{
	fuzz_rng ^= fuzz_rng << 13;
	fuzz_rng ^= fuzz_rng >> 17;
	fuzz_rng ^= fuzz_rng << 5;
	return n ? fuzz_rng % n : 0;
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* Values that sit on the edges of range checks. */
static const uint64_t fuzz_interesting[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511,
	512, 1023, 1024, 4095, 4096, 4097, 0x7fff, 0x8000, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x100000000ull,
	0x7fffffffffffffffull, 0xffffffffffffffffull,
};

/* Change one little-endian field of @width bytes at @p. */
static void fuzz_mutate_field(uint8_t *p, unsigned int width)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	switch (fuzz_rand(4)) {
	case 0:
		v = fuzz_interesting[fuzz_rand(EROFS_ARRAY_SIZE(fuzz_interesting))];
		break;
	case 1:
		v += 1 + fuzz_rand(16);
		break;
	case 2:
		v -= 1 + fuzz_rand(16);
		break;
	default:
		v ^= 1ull << fuzz_rand(8 * width);
		break;
	}
	for (i = 0; i < width; i++)
		p[i] = v >> (8 * i);
}

/* Mutate somewhere in [start, end) of @data, field-wise or byte-wise. */
static void fuzz_mutate_range(uint8_t *data, size_t start, size_t end)
{
	static const unsigned int widths[] = { 1, 2, 4, 8 };
	unsigned int width = widths[fuzz_rand(4)];
	size_t pos, wlen;

	if (end <= start)
		return;
	if (fuzz_rand(3)) {
		if (end - start < width)
			width = 1;
		pos = start + fuzz_rand(end - start - width + 1);
		pos &= ~(size_t)(width - 1);
		if (pos < start)
			pos += width;
		if (pos + width <= end)
			fuzz_mutate_field(data + pos, width);
		return;
	}
	/* a small run of bytes: random, zeroed, or copied from elsewhere */
	wlen = 1 + fuzz_rand(64);	/* not inside EROFS_MIN: evaluated twice */
	wlen = EROFS_MIN(end - start, wlen);
	pos = start + fuzz_rand(end - start - wlen + 1);
	switch (fuzz_rand(3)) {
	case 0:
		for (size_t i = 0; i < wlen; i++)
			data[pos + i] = fuzz_rand(256);
		break;
	case 1:
		memset(data + pos, fuzz_rand(2) ? 0 : 0xff, wlen);
		break;
	default: {
		size_t from = start + fuzz_rand(end - start - wlen + 1);

		memmove(data + pos, data + from, wlen);
		break;
	}
	}
}

/* The checksum super.c verifies: from 1024 to the block end, field zeroed. */
static void fuzz_fix_checksum(uint8_t *data, size_t size, unsigned int blksz)
{
	size_t len = blksz > EROFS_SUPER_OFFSET ? blksz - EROFS_SUPER_OFFSET :
		     blksz;
	uint8_t *sb = data + EROFS_SUPER_OFFSET;
	size_t csum = offsetof(struct erofs_super_block, checksum);

	if (EROFS_SUPER_OFFSET + len > size)
		return;
	put_le32(sb + csum, 0);
	put_le32(sb + csum, erofs_crc32c(~0u, sb, len));
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	const size_t sbend = EROFS_SUPER_OFFSET + sizeof(struct erofs_super_block);
	struct erofs_super_block sb;
	unsigned int blkszbits, blksz, rounds;
	size_t meta;

	fuzz_rng = seed ? seed : 1;
	if (size < sbend || get_le32(data + EROFS_SUPER_OFFSET) !=
	    EROFS_SUPER_MAGIC_V1 || !fuzz_rand(16))
		return LLVMFuzzerMutate(data, size, max_size);

	memcpy(&sb, data + EROFS_SUPER_OFFSET, sizeof(sb));
	blkszbits = sb.blkszbits;
	if (blkszbits < EROFS_MIN_BLKSZBITS || blkszbits > EROFS_MAX_BLKSZBITS)
		blkszbits = EROFS_MAX_BLKSZBITS;
	blksz = 1u << blkszbits;
	meta = (size_t)erofs_le32(sb.meta_blkaddr) << blkszbits;
	if (meta >= size)
		meta = EROFS_MIN((size_t)blksz, size);

	for (rounds = 1 + fuzz_rand(3); rounds; rounds--) {
		unsigned int r = fuzz_rand(16);

		if (r < 3)		/* the superblock and what follows it */
			fuzz_mutate_range(data, EROFS_SUPER_OFFSET,
					  EROFS_MIN((size_t)EROFS_SUPER_OFFSET +
						    blksz, size));
		else if (r < 14)	/* inodes, indexes, dirents, xattrs */
			fuzz_mutate_range(data, meta, size);
		else			/* file data before the metadata area */
			fuzz_mutate_range(data, EROFS_MIN((size_t)blksz, meta),
					  meta);
	}
	/* the reader sums the block size it finds, mutated or not */
	memcpy(&sb, data + EROFS_SUPER_OFFSET, sizeof(sb));
	if (sb.blkszbits >= EROFS_MIN_BLKSZBITS &&
	    sb.blkszbits <= EROFS_MAX_BLKSZBITS && fuzz_rand(16))
		fuzz_fix_checksum(data, size, 1u << sb.blkszbits);
	return size;
}
