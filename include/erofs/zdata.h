/* SPDX-License-Identifier: MIT */
/* Compressed data on the read path: the pcluster cache and its counters. */
#ifndef EROFS_ZDATA_H
#define EROFS_ZDATA_H

#include "erofs/data.h"

struct z_erofs_stats {
	uint64_t decoded;	/* pclusters decompressed */
	uint64_t decoded_bytes;
	uint64_t inplace;	/* ... of them in place */
	uint64_t hits;		/* claims served from the cache */
};

/*
 * Claim the decoded bytes of the encoded extent @map (from map_blocks):
 * read and decompressed on first use, then served from the cache.  The
 * pointer (m_llen bytes) stays valid until the next claim.  NULL with
 * *@errp set (reported) on failure.
 */
const uint8_t *z_erofs_claim(struct erofs_inode *vi,
			     const struct erofs_map_blocks *map, int *errp);
/*
 * The image's cache belongs to one thread.  Another thread claims through
 * a private cache of its own: z_erofs_pcache_new() (NULL: no memory),
 * z_erofs_claim_in() (@pc NULL: the image's), and at the end
 * z_erofs_pcache_merge_free(), which adds its counters to the image's
 * (@sbi NULL: drops them).
 */
struct z_erofs_pcache;
struct z_erofs_pcache *z_erofs_pcache_new(void);
const uint8_t *z_erofs_claim_in(struct z_erofs_pcache *pc,
				struct erofs_inode *vi,
				const struct erofs_map_blocks *map, int *errp);
void z_erofs_pcache_merge_free(struct z_erofs_pcache *pc,
			       struct erofs_sb_info *sbi);
/*
 * Make @pc what a NULL cache means on the calling thread (NULL: the
 * image's again), so that the readers without a cache argument --
 * erofs_pread(), directories, lookups, xattr prefixes -- are safe on
 * several threads at once, each bound to a cache of its own.  Slots are
 * keyed by the io they came from: bind a cache to the readers of one
 * image only.  Freeing it (merge_free) unbinds it from the freeing thread.
 */
void z_erofs_pcache_bind(struct z_erofs_pcache *pc);
/*
 * For a reader that takes each pcluster once, straight into its own
 * buffer: decode the encoded extent @map into @dst (@cap >= m_llen bytes;
 * in place when @cap >= z_erofs_decode_room(@map)), without the cache.
 * @pc as for z_erofs_claim_in(), NULL for the image's.  0 or -errno,
 * reported like a claim.
 */
size_t z_erofs_decode_room(const struct erofs_map_blocks *map);
int z_erofs_decode_into(struct z_erofs_pcache *pc, struct erofs_inode *vi,
			const struct erofs_map_blocks *map, void *dst,
			size_t cap);
/*
 * A pcluster cache shared by threads (erofsfuse's): @nslots slots whose
 * buffers take at most @budget bytes, under a lock.  Each pcluster is
 * decoded once for every reader: a thread wanting one that another is
 * decoding waits for it.  The decoding itself goes through the calling
 * thread's own cache (bound, or the image's), for its bounce buffer and
 * read-ahead window.  NULL: no memory.
 */
struct z_erofs_shared;
struct z_erofs_shared *z_erofs_shared_new(unsigned int nslots, size_t budget);
void z_erofs_shared_free(struct z_erofs_shared *sh);
/*
 * Copy @len decoded bytes at @off of the encoded extent @map into @dst,
 * through @sh: read and decoded on first use (an extent larger than the
 * budget, or a claim finding every slot in use, is decoded through the
 * thread's own cache instead).  0 or -errno, reported like a claim.
 */
int z_erofs_shared_read(struct z_erofs_shared *sh, struct erofs_inode *vi,
			const struct erofs_map_blocks *map, void *dst,
			erofs_off_t off, size_t len);
struct z_erofs_shared_stats {
	uint64_t decoded;	/* pclusters decoded into a slot */
	uint64_t hits;		/* reads served from a slot */
	uint64_t waits;		/* ... after waiting for its decode */
	uint64_t private;	/* reads through the thread's own cache */
	uint64_t bytes;		/* slot buffers now */
};
void z_erofs_shared_get_stats(struct z_erofs_shared *sh,
			      struct z_erofs_shared_stats *st);
/* Counters of the image's pcluster cache. */
const struct z_erofs_stats *z_erofs_get_stats(struct erofs_sb_info *sbi);
/* Free the image's pcluster cache (erofs_sb_release() calls this). */
void z_erofs_pcache_free(struct erofs_sb_info *sbi);

#endif
