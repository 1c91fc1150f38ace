// SPDX-License-Identifier: MIT
/*
 * Unit tests of the map and the iterator on what erofs-utils 1.9 writes
 * beyond plain compressed extents, on hand-made images:
 *  - fragments: a whole file (map header bit 63) or a tail extent kept in
 *    the packed inode, read through it; offsets past its end, a missing
 *    packed inode and a packed inode holding a fragment of itself refused;
 *  - interlaced plain pclusters: the bytes up to the first block boundary
 *    of the extent at the pcluster's end, the rest from its start;
 *  - a partial reference (dedupe): the prefix of a longer LZ4 stream,
 *    which must not be decoded in place.
 * Prints "N passed, N failed" and exits non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <lz4.h>
#include "erofs_fs.h"
#include "erofs/data.h"
#include "erofs/iter.h"
#include "erofs/print.h"
#include "erofs/zdata.h"
#include "check.h"

#define BLKBITS		12
#define BLKSZ		(1u << BLKBITS)
#define IMG_BLOCKS	64u
#define FILE_NID	256u		/* block 2 (meta_blkaddr 0) */
#define PACKED_NID	384u		/* block 3 */
#define PACKED_BLK	20u		/* the packed inode's data: blocks 20.. */
#define PACKED_SIZE	(20u * BLKSZ)
#define PCL_BLK		11u		/* a pcluster for the compressed files */

struct fixture {
	struct erofs_io io;
	struct erofs_sb_info sbi;
	struct erofs_inode vi;
	char path[64];
	int fd;
};

/* The byte the image holds at @pos: every position tells itself apart. */
static uint8_t pattern(erofs_off_t pos)
{
	return (uint8_t)(pos * 7 + (pos >> 8) * 13 + 1);
}

static void put(struct fixture *f, const void *buf, size_t len, off_t pos)
{
	if (pwrite(f->fd, buf, len, pos) != (ssize_t)len) {
		perror("fixture");
		exit(2);
	}
}

/*
 * An image with the packed inode at PACKED_NID (flat, PACKED_SIZE bytes
 * of pattern() at block PACKED_BLK), pattern() in block PCL_BLK, and the
 * compressed file FILE_NID of @size whose map header and indexes are @meta.
 */
static void fixture_init(struct fixture *f, const void *meta, size_t len,
			 unsigned int layout, uint64_t size)
{
	struct erofs_inode_compact pk = { 0 }, fi = { 0 };
	uint8_t blk[BLKSZ];

	memset(f, 0, sizeof(*f));
	strcpy(f->path, "/tmp/fragment_test.XXXXXX");
	f->fd = mkstemp(f->path);
	if (f->fd < 0 || ftruncate(f->fd, (off_t)IMG_BLOCKS * BLKSZ)) {
		perror("fixture");
		exit(2);
	}
	for (unsigned int b = 0; b < PACKED_SIZE / BLKSZ; b++) {
		for (unsigned int i = 0; i < BLKSZ; i++)
			blk[i] = pattern((erofs_off_t)b * BLKSZ + i);
		put(f, blk, BLKSZ, (off_t)(PACKED_BLK + b) * BLKSZ);
	}
	for (unsigned int i = 0; i < BLKSZ; i++)
		blk[i] = pattern(0x100000 + i);
	put(f, blk, BLKSZ, (off_t)PCL_BLK * BLKSZ);

	pk.i_format = erofs_cpu_to_le16(EROFS_INODE_FLAT_PLAIN << EROFS_I_DATALAYOUT_BIT);
	pk.i_mode = erofs_cpu_to_le16(S_IFREG | 0600);
	pk.i_nlink = erofs_cpu_to_le16(1);
	pk.i_size = erofs_cpu_to_le32(PACKED_SIZE);
	pk.i_u = erofs_cpu_to_le32(PACKED_BLK);
	put(f, &pk, sizeof(pk), (off_t)PACKED_NID * 32);
	fi.i_format = erofs_cpu_to_le16(layout << EROFS_I_DATALAYOUT_BIT);
	fi.i_mode = erofs_cpu_to_le16(S_IFREG | 0644);
	fi.i_nlink = erofs_cpu_to_le16(1);
	fi.i_size = erofs_cpu_to_le32((uint32_t)size);
	put(f, &fi, sizeof(fi), (off_t)FILE_NID * 32);
	put(f, meta, len, (off_t)FILE_NID * 32 + 32);

	erofs_io_init_fd(&f->io, f->fd);
	f->io.size = (erofs_off_t)IMG_BLOCKS * BLKSZ;
	f->sbi.io = &f->io;
	f->sbi.blkszbits = BLKBITS;
	f->sbi.blksz = BLKSZ;
	f->sbi.blocks = IMG_BLOCKS;
	f->sbi.feature_incompat = EROFS_FEATURE_INCOMPAT_ZERO_PADDING |
				  EROFS_FEATURE_INCOMPAT_FRAGMENTS;
	f->sbi.packed_nid = PACKED_NID;
	f->sbi.lz4_max_pclusterblks = 1;
	f->sbi.available_compr_algs = 1u << Z_EROFS_COMPRESSION_LZ4;
	if (erofs_read_inode(&f->sbi, FILE_NID, &f->vi)) {
		fprintf(stderr, "fixture: the file inode does not read\n");
		exit(2);
	}
}

static void fixture_exit(struct fixture *f)
{
	z_erofs_pcache_free(&f->sbi);
	erofs_io_close(&f->io);
	unlink(f->path);
}

static int map_at(struct fixture *f, erofs_off_t la, struct erofs_map_blocks *m)
{
	memset(m, 0, sizeof(*m));
	m->m_la = la;
	return erofs_map_blocks(&f->vi, m);
}

/* Does erofs_pread(@pos, @len) give @want's bytes? */
static bool reads_as(struct fixture *f, erofs_off_t pos, size_t len,
		     const uint8_t *want)
{
	uint8_t *buf = malloc(len);
	bool ok = buf && !erofs_pread(&f->vi, buf, len, pos) &&
		  !memcmp(buf, want, len);

	free(buf);
	return ok;
}

/* The 8-byte map header of a whole-file fragment at @off. */
static uint64_t whole_fragment(uint64_t off)
{
	return erofs_cpu_to_le64(off | 1ull << 63);
}

static void test_whole_fragment(void)
{
	uint8_t want[2000];
	struct erofs_map_blocks m;
	struct fixture f;
	uint64_t h = whole_fragment(5000);
	int err;

	for (unsigned int i = 0; i < sizeof(want); i++)
		want[i] = pattern(5000 + i);
	fixture_init(&f, &h, sizeof(h), EROFS_INODE_COMPRESSED_COMPACT,
		     sizeof(want));
	err = map_at(&f, 1500, &m);
	CHECK(!err && m.m_la == 0 && m.m_llen == sizeof(want) &&
	      m.m_pa == 5000 && (m.m_flags & EROFS_MAP_FRAGMENT) &&
	      (m.m_flags & EROFS_MAP_MAPPED) && !(m.m_flags & EROFS_MAP_ENCODED),
	      "whole fragment: one extent at its packed offset (err %d la %llu llen %llu pa %llu flags 0x%x)",
	      err, (unsigned long long)m.m_la, (unsigned long long)m.m_llen,
	      (unsigned long long)m.m_pa, m.m_flags);
	CHECK(reads_as(&f, 0, sizeof(want), want),
	      "whole fragment: the packed inode's bytes");
	CHECK(reads_as(&f, 1234, 500, want + 1234),
	      "whole fragment: a range inside it");
	fixture_exit(&f);

	/* ends 100 bytes past the packed inode */
	h = whole_fragment(PACKED_SIZE - sizeof(want) + 100);
	fixture_init(&f, &h, sizeof(h), EROFS_INODE_COMPRESSED_COMPACT,
		     sizeof(want));
	CHECK(map_at(&f, 0, &m) == -EFSCORRUPTED,
	      "whole fragment: past the end of the packed inode");
	fixture_exit(&f);

	/* an offset whose sum with the length wraps */
	h = whole_fragment(~0ull >> 1);
	fixture_init(&f, &h, sizeof(h), EROFS_INODE_COMPRESSED_COMPACT,
		     sizeof(want));
	CHECK(map_at(&f, 0, &m) == -EFSCORRUPTED,
	      "whole fragment: offset near 2^63");
	fixture_exit(&f);

	/* no packed inode, or no FRAGMENTS feature */
	h = whole_fragment(0);
	fixture_init(&f, &h, sizeof(h), EROFS_INODE_COMPRESSED_COMPACT,
		     sizeof(want));
	f.sbi.packed_nid = 0;
	CHECK(map_at(&f, 0, &m) == -EFSCORRUPTED,
	      "whole fragment: no packed inode");
	f.sbi.packed_nid = PACKED_NID;
	f.sbi.feature_incompat &= ~EROFS_FEATURE_INCOMPAT_FRAGMENTS;
	CHECK(map_at(&f, 0, &m) == -EFSCORRUPTED,
	      "whole fragment: no FRAGMENTS feature");
	/* the packed inode holding a fragment of itself: no recursion */
	f.sbi.feature_incompat |= EROFS_FEATURE_INCOMPAT_FRAGMENTS;
	f.sbi.packed_nid = FILE_NID;
	CHECK(map_at(&f, 0, &m) == -EFSCORRUPTED,
	      "whole fragment: in the packed inode itself");
	fixture_exit(&f);
}

/* Full indexes: a compressed head at block PCL_BLK, then a tail fragment. */
static void test_tail_fragment(void)
{
	struct {
		struct z_erofs_map_header h;
		uint8_t pad[8];
		struct z_erofs_lcluster_index idx[2];
	} __attribute__((packed)) meta;
	const uint32_t fragoff = 70000;		/* needs the high 16 bits */
	const uint64_t size = BLKSZ + 1000;
	uint8_t want[900];
	struct erofs_map_blocks m;
	struct fixture f;
	int err;

	memset(&meta, 0, sizeof(meta));
	meta.h.h_advise = erofs_cpu_to_le16(Z_EROFS_ADVISE_FRAGMENT_PCLUSTER);
	meta.h.h_reserved1 = erofs_cpu_to_le16(fragoff & 0xffff);
	meta.h.h_idata_size = erofs_cpu_to_le16(fragoff >> 16);
	meta.idx[0].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_HEAD1);
	meta.idx[0].di_u.blkaddr = erofs_cpu_to_le32(PCL_BLK);
	meta.idx[1].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_HEAD1);
	meta.idx[1].di_clusterofs = erofs_cpu_to_le16(100);
	for (unsigned int i = 0; i < sizeof(want); i++)
		want[i] = pattern(fragoff + i);
	fixture_init(&f, &meta, sizeof(meta), EROFS_INODE_COMPRESSED_FULL, size);

	err = map_at(&f, 50, &m);
	CHECK(!err && m.m_la == 0 && m.m_llen == BLKSZ + 100 &&
	      m.m_pa == PCL_BLK * BLKSZ && (m.m_flags & EROFS_MAP_ENCODED) &&
	      !(m.m_flags & EROFS_MAP_FRAGMENT),
	      "tail fragment: the extent before it is a pcluster (err %d)", err);
	err = map_at(&f, size - 1, &m);
	CHECK(!err && m.m_la == BLKSZ + 100 && m.m_llen == 900 &&
	      m.m_pa == fragoff && (m.m_flags & EROFS_MAP_FRAGMENT),
	      "tail fragment: the tail at its packed offset (err %d la %llu llen %llu pa %llu)",
	      err, (unsigned long long)m.m_la, (unsigned long long)m.m_llen,
	      (unsigned long long)m.m_pa);
	CHECK(reads_as(&f, BLKSZ + 100, sizeof(want), want),
	      "tail fragment: the packed inode's bytes");
	fixture_exit(&f);

	/* with full indexes the tail head's blkaddr holds bits 32..63 */
	meta.idx[1].di_u.blkaddr = erofs_cpu_to_le32(1);
	fixture_init(&f, &meta, sizeof(meta), EROFS_INODE_COMPRESSED_FULL, size);
	CHECK(map_at(&f, size - 1, &m) == -EFSCORRUPTED,
	      "tail fragment: offset bits 32.. taken from the tail head");
	fixture_exit(&f);

	/*
	 * Fragment and inline advice both: the offset's high half is what an
	 * inline size would be (0 here); the kernel reads a fragment.
	 */
	meta.idx[1].di_u.blkaddr = 0;
	meta.h.h_advise = erofs_cpu_to_le16(Z_EROFS_ADVISE_FRAGMENT_PCLUSTER |
					    Z_EROFS_ADVISE_INLINE_PCLUSTER);
	meta.h.h_reserved1 = erofs_cpu_to_le16(3000);
	meta.h.h_idata_size = 0;
	for (unsigned int i = 0; i < sizeof(want); i++)
		want[i] = pattern(3000 + i);
	fixture_init(&f, &meta, sizeof(meta), EROFS_INODE_COMPRESSED_FULL, size);
	err = map_at(&f, size - 1, &m);
	CHECK(!err && m.m_pa == 3000 && (m.m_flags & EROFS_MAP_FRAGMENT) &&
	      !(m.m_flags & EROFS_MAP_META),
	      "fragment and inline advice: a fragment (err %d flags 0x%x)",
	      err, m.m_flags);
	CHECK(reads_as(&f, BLKSZ + 100, sizeof(want), want),
	      "fragment and inline advice: the packed inode's bytes");
	fixture_exit(&f);

	/* inline advice alone with an inline size of 0: no inline tail */
	meta.h.h_advise = erofs_cpu_to_le16(Z_EROFS_ADVISE_INLINE_PCLUSTER);
	meta.h.h_reserved1 = 0;
	meta.idx[1].di_u.blkaddr = erofs_cpu_to_le32(PCL_BLK + 1);
	fixture_init(&f, &meta, sizeof(meta), EROFS_INODE_COMPRESSED_FULL, size);
	err = map_at(&f, size - 1, &m);
	CHECK(!err && m.m_pa == (PCL_BLK + 1) * BLKSZ &&
	      !(m.m_flags & (EROFS_MAP_META | EROFS_MAP_FRAGMENT)),
	      "inline size 0: the tail is an ordinary pcluster (err %d flags 0x%x)",
	      err, m.m_flags);
	fixture_exit(&f);
}

/* A plain pcluster at block PCL_BLK for [2 * BLKSZ + 100, 3 * BLKSZ + 100). */
static void test_interlaced(void)
{
	struct {
		struct z_erofs_map_header h;
		uint8_t pad[8];
		struct z_erofs_lcluster_index idx[4];
	} __attribute__((packed)) meta;
	const erofs_off_t la = 2 * BLKSZ + 100;
	uint8_t want[BLKSZ];
	struct erofs_map_blocks m;
	struct erofs_iter it;
	struct erofs_piece p;
	erofs_off_t lens[4] = { 0 };
	struct fixture f;
	unsigned int n = 0;
	int err;

	memset(&meta, 0, sizeof(meta));
	meta.h.h_advise = erofs_cpu_to_le16(Z_EROFS_ADVISE_INTERLACED_PCLUSTER);
	meta.idx[0].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_HEAD1);
	meta.idx[0].di_u.blkaddr = erofs_cpu_to_le32(PCL_BLK + 1);
	meta.idx[1].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_NONHEAD);
	meta.idx[1].di_u.delta[0] = erofs_cpu_to_le16(1);
	meta.idx[1].di_u.delta[1] = erofs_cpu_to_le16(1);
	meta.idx[2].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_PLAIN);
	meta.idx[2].di_clusterofs = erofs_cpu_to_le16(100);
	meta.idx[2].di_u.blkaddr = erofs_cpu_to_le32(PCL_BLK);
	meta.idx[3].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_NONHEAD);
	meta.idx[3].di_u.delta[0] = erofs_cpu_to_le16(1);
	/* the extent's first BLKSZ - 100 bytes from offset 100, then 0..99 */
	for (unsigned int i = 0; i < BLKSZ; i++)
		want[i] = pattern(0x100000 + (i + 100) % BLKSZ);
	fixture_init(&f, &meta, sizeof(meta), EROFS_INODE_COMPRESSED_FULL,
		     la + BLKSZ);

	err = map_at(&f, la + 5, &m);
	CHECK(!err && m.m_la == la && m.m_llen == BLKSZ &&
	      m.m_algorithmformat == Z_EROFS_COMPRESSION_INTERLACED,
	      "interlaced: a plain head maps as interlaced (err %d alg %u)",
	      err, m.m_algorithmformat);
	CHECK(reads_as(&f, la, BLKSZ, want), "interlaced: the whole extent");
	CHECK(reads_as(&f, la + BLKSZ - 110, 20, want + BLKSZ - 110),
	      "interlaced: a range across the turn");
	CHECK(reads_as(&f, la + BLKSZ - 50, 50, want + BLKSZ - 50),
	      "interlaced: a range after the turn");

	/* two stored pieces, cut where the bytes change place */
	err = erofs_iter_init(&it, &f.vi, la, la + BLKSZ);
	if (!err)
		while ((err = erofs_iter_next(&it, &p)) > 0 && n < 4)
			lens[n++] = p.len;
	erofs_iter_fini(&it);
	CHECK(!err && n == 2 && lens[0] == BLKSZ - 100 && lens[1] == 100,
	      "interlaced: pieces %llu + %llu (%u, err %d)",
	      (unsigned long long)lens[0], (unsigned long long)lens[1], n, err);
	fixture_exit(&f);

	/* without the advice, the same pcluster is read straight */
	meta.h.h_advise = 0;
	for (unsigned int i = 0; i < BLKSZ; i++)
		want[i] = pattern(0x100000 + i);
	fixture_init(&f, &meta, sizeof(meta), EROFS_INODE_COMPRESSED_FULL,
		     la + BLKSZ);
	CHECK(reads_as(&f, la, BLKSZ, want), "shifted: the whole extent");
	fixture_exit(&f);
}

/*
 * A partial reference: the extent [0, 5000) is a prefix of what its
 * pcluster's LZ4 stream holds (8000 bytes), decoded through the cache.
 */
static void test_partial_ref(void)
{
	struct {
		struct z_erofs_map_header h;
		uint8_t pad[8];
		struct z_erofs_lcluster_index idx[2];
	} __attribute__((packed)) meta;
	char text[8000], stream[BLKSZ], blk[BLKSZ];
	struct erofs_map_blocks m;
	const uint8_t *data;
	struct fixture f;
	uint64_t hits;
	int n, err;

	/*
	 * Two thirds of it copies of what came before, a third noise: a stream of
	 * about 4 KiB, whose unread tail an in-place decoder would overwrite.
	 */
	for (unsigned int i = 0, seed = 1; i < sizeof(text); i++) {
		seed = seed * 1103515245 + 12345;
		text[i] = (i >= 64 && (i / 16) % 3) ? text[i - 64] :
			  (char)('a' + (seed >> 16) % 26);
	}
	n = LZ4_compress_default(text, stream, sizeof(text), sizeof(stream));
	if (n <= 0 || n >= (int)BLKSZ) {
		fprintf(stderr, "lz4 compression gave %d bytes\n", n);
		exit(2);
	}
	memset(&meta, 0, sizeof(meta));
	meta.idx[0].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_HEAD1 |
						  Z_EROFS_LI_PARTIAL_REF);
	meta.idx[0].di_u.blkaddr = erofs_cpu_to_le32(PCL_BLK);
	meta.idx[1].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_PLAIN);
	meta.idx[1].di_clusterofs = erofs_cpu_to_le16(5000 - BLKSZ);
	meta.idx[1].di_u.blkaddr = erofs_cpu_to_le32(PCL_BLK + 1);
	fixture_init(&f, &meta, sizeof(meta), EROFS_INODE_COMPRESSED_FULL, 6000);
	/* zero padding: the stream ends where the pcluster ends */
	memset(blk, 0, sizeof(blk));
	memcpy(blk + BLKSZ - n, stream, n);
	put(&f, blk, BLKSZ, (off_t)PCL_BLK * BLKSZ);

	err = map_at(&f, 0, &m);
	CHECK(!err && m.m_llen == 5000 && (m.m_flags & EROFS_MAP_PARTIAL_REF),
	      "partial ref: mapped as such (err %d llen %llu)", err,
	      (unsigned long long)m.m_llen);
	CHECK(reads_as(&f, 0, 5000, (const uint8_t *)text),
	      "partial ref: the prefix decodes");
	CHECK(reads_as(&f, 4000, 1000, (const uint8_t *)text + 4000),
	      "partial ref: a range of it, from the cache");

	/* another file's shorter prefix of the same pcluster: cached */
	hits = z_erofs_get_stats(&f.sbi)->hits;
	m.m_llen = 3000;
	data = z_erofs_claim(&f.vi, &m, &err);
	CHECK(data && !memcmp(data, text, 3000) &&
	      z_erofs_get_stats(&f.sbi)->hits == hits + 1,
	      "partial ref: a shorter prefix served from the cache");
	/* but a full reference of that length is decoded, and refused */
	m.m_flags &= ~EROFS_MAP_PARTIAL_REF;
	err = 0;
	data = z_erofs_claim(&f.vi, &m, &err);
	CHECK(!data && err == -EFSCORRUPTED,
	      "full ref: never served from a partial decode (err %d)", err);
	fixture_exit(&f);

	/* the same stream as a full reference is too long: corrupt */
	meta.idx[0].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_HEAD1);
	fixture_init(&f, &meta, sizeof(meta), EROFS_INODE_COMPRESSED_FULL, 6000);
	put(&f, blk, BLKSZ, (off_t)PCL_BLK * BLKSZ);
	CHECK(!reads_as(&f, 0, 5000, (const uint8_t *)text),
	      "full ref: a stream longer than the extent is refused");
	fixture_exit(&f);
}

int main(void)
{
	erofs_progname = "fragment_test";
	erofs_msg_level = EROFS_MSG_ERR - 1;	/* corrupt cases are expected */
	test_whole_fragment();
	test_tail_fragment();
	test_interlaced();
	test_partial_ref();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
