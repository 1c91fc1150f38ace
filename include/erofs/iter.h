/* SPDX-License-Identifier: MIT */
/*
 * Read path, file content: one iterator over a byte range of a file that
 * yields each piece in logical order -- a hole, stored bytes, or decoded
 * bytes -- with the extent it came from.  Every reader of file data is a
 * consumer of it; erofs_pread() and erofs_read_symlink() are the simplest.
 *
 *	erofs_iter_init(&it, vi, from, to);
 *	while ((err = erofs_iter_next(&it, &p)) > 0) {
 *		err = erofs_iter_read(&it, &p, NULL, 0);	(if the bytes matter)
 *		... p.pos, p.len, p.data (NULL: a hole), p.map ...
 *	}
 *	erofs_iter_fini(&it);
 */
#ifndef EROFS_ITER_H
#define EROFS_ITER_H

#include "erofs/data.h"

/* Stored bytes per piece, by default: what the iterator's own buffer holds. */
#define EROFS_ITER_CHUNK	(128 * 1024)

struct z_erofs_pcache;
struct z_erofs_shared;

/* One piece of a file's content. */
struct erofs_piece {
	erofs_off_t pos;		/* logical offset of its first byte */
	erofs_off_t len;		/* > 0 */
	/*
	 * The whole extent the piece lies in: a hole unless MAPPED; m_pa and
	 * m_plen are its pcluster when ENCODED.  A piece with pos == map.m_la
	 * is the first of its extent.
	 */
	struct erofs_map_blocks map;
	/*
	 * Non-zero for an encoded piece that is its whole extent: the buffer
	 * erofs_iter_read() needs to decode it straight into the caller's
	 * (in place when the algorithm allows).  0: it comes from the cache.
	 */
	size_t room;
	const uint8_t *data;		/* after erofs_iter_read(); NULL: a hole */
};

struct erofs_iter {
	/* set by erofs_iter_init(); a consumer may change them before next() */
	struct z_erofs_pcache *pc;	/* pcluster cache: NULL, the image's */
	/*
	 * For fragments read through erofs_pread_shared(): the shared cache
	 * the packed inode's pclusters come from.
	 */
	struct z_erofs_shared *shared;
	erofs_off_t chunk;		/* stored bytes per piece, at most */
	/*
	 * Encoded extents always through the cache, never into the caller's
	 * buffer: for readers that come back for the rest of a pcluster.
	 */
	bool cached;

	struct erofs_inode *vi;
	erofs_off_t pos, end;		/* what is left to yield */
	bool mapped;			/* map holds the extent at pos */
	struct erofs_map_blocks map;
	uint8_t *buf;			/* stored bytes, when the caller has no buffer */
	size_t bufsz;
	struct erofs_inode *packed;	/* read on the first fragment met */
};

/*
 * Start iterating [@from, @to) of @vi: 0, or -EINVAL when the range is not
 * inside i_size.  Nothing is read yet.
 */
int erofs_iter_init(struct erofs_iter *it, struct erofs_inode *vi,
		    erofs_off_t from, erofs_off_t to);
/*
 * Describe the next piece in @p (its bytes not read yet): 1, 0 at the end
 * of the range, or -errno from the map (reported).  A hole is one piece
 * however long; stored bytes come in pieces of at most it->chunk (and an
 * interlaced extent in two runs at least, one per place its bytes sit); an
 * encoded extent is one piece (cut to the range).  A fragment (bytes kept
 * in the packed inode) is stored bytes too, read through the packed
 * inode's own extents and the same pcluster cache.
 */
int erofs_iter_next(struct erofs_iter *it, struct erofs_piece *p);
/*
 * Bring in the bytes of @p, the piece erofs_iter_next() just returned;
 * @p->data says where they are, valid until the next call.  Stored bytes
 * are read into @dst when @cap holds them, else into the iterator's
 * buffer.  An encoded piece is decoded into @dst when @p->room fits in
 * @cap, else claimed from the pcluster cache.  Nothing for a hole.
 * 0 or -errno (reported).
 */
int erofs_iter_read(struct erofs_iter *it, struct erofs_piece *p, void *dst,
		    size_t cap);
/* Free what the iterator holds. */
void erofs_iter_fini(struct erofs_iter *it);

/*
 * Read @len bytes of @vi's content at @pos into @buf; holes read as zeros.
 * The range must be inside i_size (else -EINVAL).  0 or -errno.
 */
int erofs_pread(struct erofs_inode *vi, void *buf, size_t len, erofs_off_t pos);
/*
 * erofs_pread() for readers on several threads whose next range may land
 * on another (erofsfuse): pclusters come from the shared cache @sh
 * (zdata.h), decoded once for all of them.  With @prefix, an extent
 * running on past the range is decoded only as far as the range needs,
 * where its format allows a prefix.
 */
int erofs_pread_shared(struct erofs_inode *vi, struct z_erofs_shared *sh,
		       void *buf, size_t len, erofs_off_t pos, bool prefix);

/*
 * Read the target of symlink @vi into @buf (@bufsz >= EROFS_SYMLINK_MAX + 1)
 * as a NUL-terminated string: length, or -EFSCORRUPTED (empty, too long,
 * an embedded NUL), or -errno.
 */
ssize_t erofs_read_symlink(struct erofs_inode *vi, char *buf, size_t bufsz);

#endif
