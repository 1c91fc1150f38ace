// SPDX-License-Identifier: MIT
/*
 * Unit tests of the compressed-index decoder (lib/zmap.c):
 *  - hand-made index records, good and corrupt, in both forms;
 *  - round trips: random extent lists encoded by the writer
 *    (z_erofs_encode_index) and mapped back at every byte boundary that
 *    matters, for full and compacted indexes, with and without big
 *    pclusters and inline tails.
 * Prints "N passed, N failed" and exits non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs_fs.h"
#include "erofs/compress.h"
#include "erofs/data.h"
#include "erofs/print.h"
#include "check.h"

#define BLKBITS		12
#define BLKSZ		(1u << BLKBITS)
#define IMG_BLOCKS	4096u		/* 16 MiB of image for pcluster addresses */
#define ILOC		(2u * BLKSZ)	/* the inode sits at block 2 */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct fixture {
	struct erofs_io io;
	struct erofs_sb_info sbi;
	struct erofs_inode vi;
	char path[64];
};

/* A sparse image file with @meta bytes right at the inode slot. */
static void fixture_init(struct fixture *f, const uint8_t *meta, size_t len,
			 unsigned int layout, uint64_t size, uint32_t incompat)
{
	int fd;

	memset(f, 0, sizeof(*f));
	strcpy(f->path, "/tmp/zmap_test.XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0 || ftruncate(fd, (off_t)IMG_BLOCKS * BLKSZ) ||
	    pwrite(fd, meta, len, ILOC + 32) != (ssize_t)len) {
		perror("fixture");
		exit(2);
	}
	erofs_io_init_fd(&f->io, fd);
	f->io.size = (erofs_off_t)IMG_BLOCKS * BLKSZ;
	f->sbi.io = &f->io;
	f->sbi.blkszbits = BLKBITS;
	f->sbi.blksz = BLKSZ;
	f->sbi.blocks = IMG_BLOCKS;
	f->sbi.feature_incompat = incompat;
	f->sbi.lz4_max_pclusterblks = 256;
	f->vi.sbi = &f->sbi;
	f->vi.mio = &f->io;
	f->vi.mend = f->io.size;
	f->vi.iloc = ILOC;
	f->vi.inode_isize = 32;
	f->vi.datalayout = layout;
	f->vi.size = size;
}

static void fixture_exit(struct fixture *f)
{
	erofs_io_close(&f->io);
	unlink(f->path);
}

static int map_at(struct fixture *f, erofs_off_t la, struct erofs_map_blocks *m)
{
	memset(m, 0, sizeof(*m));
	m->m_la = la;
	return erofs_map_blocks(&f->vi, m);
}

/* Full indexes written by hand: HEAD, NONHEAD, PLAIN. */
static void test_handmade_full(void)
{
	struct {
		struct z_erofs_map_header h;
		uint8_t pad[8];
		struct z_erofs_lcluster_index idx[4];
	} __attribute__((packed)) meta;
	struct erofs_map_blocks m;
	struct fixture f;
	int err;

	memset(&meta, 0, sizeof(meta));
	/* extent A: lcluster 0 offset 0 .. lcluster 2 offset 100, block 10 */
	meta.idx[0].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_HEAD1);
	meta.idx[0].di_u.blkaddr = erofs_cpu_to_le32(10);
	meta.idx[1].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_NONHEAD);
	meta.idx[1].di_u.delta[0] = erofs_cpu_to_le16(1);
	meta.idx[1].di_u.delta[1] = erofs_cpu_to_le16(1);
	/* extent B: plain, lcluster 2 offset 100 to EOF, block 11 */
	meta.idx[2].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_PLAIN);
	meta.idx[2].di_clusterofs = erofs_cpu_to_le16(100);
	meta.idx[2].di_u.blkaddr = erofs_cpu_to_le32(11);
	fixture_init(&f, (uint8_t *)&meta, sizeof(meta),
		     EROFS_INODE_COMPRESSED_FULL, 2 * BLKSZ + 1000,
		     EROFS_FEATURE_INCOMPAT_ZERO_PADDING);

	err = map_at(&f, 5000, &m);
	CHECK(!err && m.m_la == 0 && m.m_llen == 2 * BLKSZ + 100 &&
	      m.m_pa == 10ull * BLKSZ && m.m_plen == BLKSZ &&
	      (m.m_flags & EROFS_MAP_ENCODED) &&
	      m.m_algorithmformat == Z_EROFS_COMPRESSION_LZ4,
	      "full: head extent (err %d la %llu llen %llu pa %llu)", err,
	      (unsigned long long)m.m_la, (unsigned long long)m.m_llen,
	      (unsigned long long)m.m_pa);
	/* offset 50 in lcluster 2 lies before the PLAIN head: still A */
	err = map_at(&f, 2 * BLKSZ + 50, &m);
	CHECK(!err && m.m_la == 0, "full: before a mid-lcluster head");
	err = map_at(&f, 2 * BLKSZ + 100, &m);
	CHECK(!err && m.m_la == 2 * BLKSZ + 100 && m.m_llen == 900 &&
	      m.m_pa == 11ull * BLKSZ &&
	      m.m_algorithmformat == Z_EROFS_COMPRESSION_SHIFTED,
	      "full: plain extent to EOF");
	fixture_exit(&f);

	/* corrupt: NONHEAD pointing back past lcluster 0 */
	meta.idx[1].di_u.delta[0] = erofs_cpu_to_le16(5);
	fixture_init(&f, (uint8_t *)&meta, sizeof(meta),
		     EROFS_INODE_COMPRESSED_FULL, 2 * BLKSZ + 1000, 0);
	CHECK(map_at(&f, 5000, &m) == -EFSCORRUPTED, "full: lookback past 0");
	fixture_exit(&f);

	/* corrupt: lookback distance 0 */
	meta.idx[1].di_u.delta[0] = 0;
	fixture_init(&f, (uint8_t *)&meta, sizeof(meta),
		     EROFS_INODE_COMPRESSED_FULL, 2 * BLKSZ + 1000, 0);
	CHECK(map_at(&f, 5000, &m) == -EFSCORRUPTED, "full: lookback distance 0");
	fixture_exit(&f);

	/* corrupt: CBLKCNT in a file without big pclusters */
	meta.idx[1].di_u.delta[0] = erofs_cpu_to_le16(Z_EROFS_LI_D0_CBLKCNT | 2);
	fixture_init(&f, (uint8_t *)&meta, sizeof(meta),
		     EROFS_INODE_COMPRESSED_FULL, 2 * BLKSZ + 1000, 0);
	CHECK(map_at(&f, 5000, &m) == -EFSCORRUPTED, "full: stray CBLKCNT");
	fixture_exit(&f);

	/* corrupt: head offset beyond its lcluster */
	meta.idx[1].di_u.delta[0] = erofs_cpu_to_le16(1);
	meta.idx[2].di_clusterofs = erofs_cpu_to_le16(BLKSZ);
	fixture_init(&f, (uint8_t *)&meta, sizeof(meta),
		     EROFS_INODE_COMPRESSED_FULL, 2 * BLKSZ + 1000, 0);
	CHECK(map_at(&f, 2 * BLKSZ + 500, &m) == -EFSCORRUPTED,
	      "full: clusterofs out of range");
	fixture_exit(&f);

	/* corrupt: pcluster outside the image */
	meta.idx[2].di_clusterofs = erofs_cpu_to_le16(100);
	meta.idx[0].di_u.blkaddr = erofs_cpu_to_le32(IMG_BLOCKS);
	fixture_init(&f, (uint8_t *)&meta, sizeof(meta),
		     EROFS_INODE_COMPRESSED_FULL, 2 * BLKSZ + 1000, 0);
	CHECK(map_at(&f, 0, &m) == -EFSCORRUPTED, "full: pcluster past the end");
	fixture_exit(&f);

	/* corrupt: the first lcluster is not a head */
	meta.idx[0].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_NONHEAD);
	meta.idx[0].di_u.delta[0] = erofs_cpu_to_le16(1);
	fixture_init(&f, (uint8_t *)&meta, sizeof(meta),
		     EROFS_INODE_COMPRESSED_FULL, 2 * BLKSZ + 1000, 0);
	CHECK(map_at(&f, 0, &m) == -EFSCORRUPTED, "full: NONHEAD at lcluster 0");
	fixture_exit(&f);
}

/* A compacted 4-byte pack by hand: two lclusters, HEAD then NONHEAD. */
static void test_handmade_compact(void)
{
	uint8_t meta[8 + 8] = { 0 };
	struct erofs_map_blocks m;
	struct fixture f;
	uint32_t v0 = (Z_EROFS_LCLUSTER_TYPE_HEAD1 << 12) | 0;
	uint32_t v1 = (Z_EROFS_LCLUSTER_TYPE_NONHEAD << 12) | 1;
	uint32_t base = erofs_cpu_to_le32(41);	/* the first head is base + 1 */
	int err;

	/* map header, then (ebase % 32 == 8) a 4B pack: 16-bit entries */
	meta[8] = v0 & 0xff;
	meta[9] = v0 >> 8;
	meta[10] = v1 & 0xff;
	meta[11] = v1 >> 8;
	memcpy(meta + 12, &base, 4);
	fixture_init(&f, meta, sizeof(meta), EROFS_INODE_COMPRESSED_COMPACT,
		     BLKSZ + 10, EROFS_FEATURE_INCOMPAT_ZERO_PADDING);
	err = map_at(&f, BLKSZ + 5, &m);
	CHECK(!err && m.m_la == 0 && m.m_llen == BLKSZ + 10 &&
	      m.m_pa == 42ull * BLKSZ && m.m_plen == BLKSZ,
	      "compact: head block from the pack base (err %d pa %llu)", err,
	      (unsigned long long)m.m_pa);
	fixture_exit(&f);

	/*
	 * The same pack read by an inode whose size says three lclusters:
	 * lcluster 2 lies in the next (all-zero) pack, which is a well-formed
	 * PLAIN head at offset 0 whose block is that pack's base (0) plus 1.
	 */
	fixture_init(&f, meta, sizeof(meta), EROFS_INODE_COMPRESSED_COMPACT,
		     3 * BLKSZ, 0);
	err = map_at(&f, 2 * BLKSZ + 1, &m);
	CHECK(!err && m.m_la == 2 * BLKSZ && m.m_llen == BLKSZ &&
	      m.m_pa == BLKSZ && m.m_plen == BLKSZ &&
	      m.m_algorithmformat == Z_EROFS_COMPRESSION_SHIFTED,
	      "compact: a zero record past the pack is a plain head (err %d la %llu llen %llu pa %llu)",
	      err, (unsigned long long)m.m_la, (unsigned long long)m.m_llen,
	      (unsigned long long)m.m_pa);
	fixture_exit(&f);
}

/*
 * An extent longer than 2047 lclusters: erofs-utils writes the distance
 * back to its head as 2047 from there on (the CBLKCNT bit is next), and
 * the lookback goes on from the lcluster that far back.
 */
static void test_saturated_delta(void)
{
	enum { N = 2100 };
	struct {
		struct z_erofs_map_header h;
		uint8_t pad[8];
		struct z_erofs_lcluster_index idx[N];
	} __attribute__((packed)) *meta = calloc(1, sizeof(*meta));
	struct erofs_map_blocks m;
	struct fixture f;
	int err;

	if (!meta)
		exit(2);
	meta->idx[0].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_HEAD1);
	meta->idx[0].di_u.blkaddr = erofs_cpu_to_le32(10);
	for (unsigned int i = 1; i < N; i++) {
		meta->idx[i].di_advise = erofs_cpu_to_le16(Z_EROFS_LCLUSTER_TYPE_NONHEAD);
		meta->idx[i].di_u.delta[0] = erofs_cpu_to_le16(i < 2047 ? i : 2047);
		meta->idx[i].di_u.delta[1] = erofs_cpu_to_le16(1);
	}
	fixture_init(&f, (uint8_t *)meta, sizeof(*meta),
		     EROFS_INODE_COMPRESSED_FULL, (uint64_t)N * BLKSZ,
		     EROFS_FEATURE_INCOMPAT_ZERO_PADDING);
	err = map_at(&f, (uint64_t)(N - 3) * BLKSZ + 7, &m);
	CHECK(!err && m.m_la == 0 && m.m_llen == (uint64_t)N * BLKSZ &&
	      m.m_pa == 10ull * BLKSZ,
	      "saturated delta: one extent of %u lclusters (err %d llen %llu)",
	      N, err, (unsigned long long)m.m_llen);
	fixture_exit(&f);

	/* a small distance that is wrong is still a lie */
	meta->idx[N - 5].di_u.delta[0] = erofs_cpu_to_le16(7);
	fixture_init(&f, (uint8_t *)meta, sizeof(*meta),
		     EROFS_INODE_COMPRESSED_FULL, (uint64_t)N * BLKSZ,
		     EROFS_FEATURE_INCOMPAT_ZERO_PADDING);
	CHECK(map_at(&f, 0, &m) == -EFSCORRUPTED,
	      "saturated delta: a wrong short distance is refused");
	fixture_exit(&f);
	free(meta);
}

/*
 * Round-trip files per index form, pcluster size and inline tail, and how
 * many of them really had their tail inline: a category never exercised
 * is a failure, not a pass.
 */
struct rt_count {
	bool legacy;
	unsigned int pclblks;
	bool tail;
	unsigned int files, inlined;
};

static struct rt_count rt_counts[] = {
	{ false, 1, false }, { true, 1, false }, { false, 16, false },
	{ true, 16, false }, { false, 1, true }, { false, 16, true },
	{ true, 4, true },
};

/* Writer and reader agree on every extent of random files. */
static void test_roundtrip(unsigned int seed, struct rt_count *c)
{
	const bool legacy = c->legacy;
	const unsigned int pclblks = c->pclblks;
	bool tail = c->tail;
	struct z_erofs_params p = {
		.blkszbits = BLKBITS, .pclusterblks = pclblks,
		.max_extent = 1 << 20, .legacy = legacy, .ztailpacking = tail,
	};
	struct z_erofs_file zf = { .big = pclblks > 1 };
	uint64_t la = 0, blk = 100, size;
	/*
	 * Full (legacy) indexes take 8 bytes per lcluster: keep their
	 * tail-packed files short enough (at most 21 extents of 12 blocks)
	 * that index and tail always fit in the inode's block.
	 */
	unsigned int n = 2 + rand_r(&seed) % (legacy && tail ? 20 : 200);
	uint32_t idx, len;
	uint8_t *meta;
	struct fixture f;
	bool ok = true;
	int err;

	zf.ext = calloc(n + 1, sizeof(*zf.ext));
	for (unsigned int i = 0; i < n; i++) {
		struct z_erofs_extent *e = &zf.ext[zf.n++];

		e->la = la;
		e->plain = !(rand_r(&seed) % 4);
		if (e->plain) {
			e->cblks = 1;
			e->len = BLKSZ;
		} else {
			e->cblks = 1 + (pclblks > 1 ? rand_r(&seed) % pclblks : 0);
			/* saves at least a block, as the writer insists */
			e->len = e->cblks * BLKSZ + 1 + rand_r(&seed) % (8 * BLKSZ);
		}
		e->pblk = blk;
		blk += e->cblks;
		la += e->len;
	}
	/* the last extent: a short plain tail that may cross an lcluster */
	zf.ext[n - 1].plain = true;
	zf.ext[n - 1].cblks = 1;
	zf.ext[n - 1].len = 1 + rand_r(&seed) % BLKSZ;
	size = zf.ext[n - 1].la + zf.ext[n - 1].len;
	idx = z_erofs_meta_size(&p, 32, size);
	/* an inline tail must fit in the inode's block, as the writer ensures */
	if (tail && 32 + idx + zf.ext[n - 1].len > BLKSZ) {
		if (32 + idx >= BLKSZ) {
			tail = false;
		} else {
			zf.ext[n - 1].len = BLKSZ - 32 - idx;
			size = zf.ext[n - 1].la + zf.ext[n - 1].len;
		}
	}
	c->files++;
	if (tail) {
		c->inlined++;
		zf.idata_len = zf.ext[n - 1].len;
		zf.idata = calloc(1, zf.idata_len);
		zf.ext[n - 1].cblks = 0;
	}
	len = idx + zf.idata_len;
	meta = calloc(1, len + 64);
	err = z_erofs_encode_index(&p, &zf, 32, size, Z_EROFS_COMPRESSION_LZ4, meta);
	CHECK(!err, "roundtrip seed %u: encode failed %d", seed, err);
	fixture_init(&f, meta, len, legacy ? EROFS_INODE_COMPRESSED_FULL :
		     EROFS_INODE_COMPRESSED_COMPACT, size,
		     EROFS_FEATURE_INCOMPAT_ZERO_PADDING |
		     EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER |
		     EROFS_FEATURE_INCOMPAT_ZTAILPACKING);
	for (unsigned int i = 0; i < n && ok; i++) {
		const struct z_erofs_extent *e = &zf.ext[i];
		erofs_off_t probes[3] = { e->la, e->la + e->len / 2, e->la + e->len - 1 };

		for (int k = 0; k < 3 && ok; k++) {
			struct erofs_map_blocks m;
			bool inl = tail && i == n - 1;

			err = map_at(&f, probes[k], &m);
			ok = !err && m.m_la == e->la && m.m_llen == e->len &&
			     (inl ? (m.m_flags & EROFS_MAP_META) &&
				    m.m_plen == zf.idata_len :
				    m.m_pa == e->pblk * BLKSZ &&
				    m.m_plen == (uint64_t)e->cblks * BLKSZ) &&
			     (m.m_algorithmformat == Z_EROFS_COMPRESSION_SHIFTED) == e->plain;
			CHECK(ok, "roundtrip seed %u legacy %d pcl %u tail %d: extent %u of %u at %llu: err %d la %llu/%llu llen %llu/%u pa %llu/%llu plen %llu/%u",
			      seed, legacy, pclblks, tail, i, n,
			      (unsigned long long)probes[k], err,
			      (unsigned long long)m.m_la, (unsigned long long)e->la,
			      (unsigned long long)m.m_llen, e->len,
			      (unsigned long long)m.m_pa,
			      (unsigned long long)e->pblk * BLKSZ,
			      (unsigned long long)m.m_plen, e->cblks * BLKSZ);
		}
	}
	fixture_exit(&f);
	free(meta);
	free(zf.ext);
	free(zf.idata);
}

int main(void)
{
	erofs_progname = "zmap_test";
	erofs_msg_level = EROFS_MSG_ERR - 1;	/* corrupt cases are expected */
	test_handmade_full();
	test_handmade_compact();
	test_saturated_delta();
	for (unsigned int seed = 1; seed <= 40; seed++)
		for (size_t i = 0; i < ARRAY_SIZE(rt_counts); i++)
			test_roundtrip(seed, &rt_counts[i]);
	for (size_t i = 0; i < ARRAY_SIZE(rt_counts); i++) {
		const struct rt_count *c = &rt_counts[i];

		printf("roundtrip %s pcl %u tail %d: %u files, %u with an inline tail\n",
		       c->legacy ? "full" : "compact", c->pclblks, c->tail,
		       c->files, c->inlined);
		CHECK(c->files > 0 && (!c->tail || c->inlined > 0),
		      "roundtrip %s pcl %u tail %d: category never tested",
		      c->legacy ? "full" : "compact", c->pclblks, c->tail);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
