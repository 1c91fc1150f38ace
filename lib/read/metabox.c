// SPDX-License-Identifier: MIT
/*
 * The metabox: a regular inode in the image whose content holds other
 * inodes (their xattrs, indexes and inline data with them), usually
 * compressed.  Decoding it once through the iterator and reading those
 * inodes from memory keeps every later lookup as cheap as in a plain
 * image, and thread-safe, since nothing changes after the load.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs/inode.h"
#include "erofs/iter.h"
#include "erofs/metabox.h"
#include "erofs/print.h"

/*
 * Metadata compresses well, but not without limit: a metabox larger than
 * this many times its stored bytes (or than EROFS_METABOX_SLACK when
 * small) is not loaded -- an image cannot make us allocate from i_size
 * alone.
 */
#define EROFS_METABOX_RATIO	64
#define EROFS_METABOX_SLACK	(16ull << 20)

/* The bytes @vi's extents occupy in the image: a map walk, nothing read. */
static int erofs_metabox_stored(struct erofs_inode *vi, uint64_t *stored)
{
	struct erofs_iter it;
	struct erofs_piece p;
	int err;

	*stored = 0;
	err = erofs_iter_init(&it, vi, 0, vi->size);
	if (err)
		return err;
	it.chunk = vi->size;
	while ((err = erofs_iter_next(&it, &p)) > 0)
		if ((p.map.m_flags & EROFS_MAP_MAPPED) && p.pos == p.map.m_la)
			*stored += p.map.m_plen;
	erofs_iter_fini(&it);
	return err;
}

int erofs_metabox_load(struct erofs_sb_info *sbi)
{
	uint64_t stored;
	struct erofs_inode vi;
	struct erofs_io *io;
	void *buf;
	int err;

	err = erofs_read_inode(sbi, sbi->metabox_nid, &vi);
	if (err)
		return err;
	if (!S_ISREG(vi.mode)) {
		erofs_err("nid %llu: metabox inode has mode 0%o, not a regular file (offset %llu)",
			  (unsigned long long)vi.nid, (unsigned int)vi.mode,
			  (unsigned long long)vi.iloc);
		return -EFSCORRUPTED;
	}
	if (vi.size > EROFS_METABOX_MAX) {
		erofs_err("nid %llu: metabox of %llu bytes is larger than this reader keeps (%llu)",
			  (unsigned long long)vi.nid,
			  (unsigned long long)vi.size,
			  (unsigned long long)EROFS_METABOX_MAX);
		return -EOPNOTSUPP;
	}
	err = erofs_metabox_stored(&vi, &stored);
	if (err)
		return err;
	if (vi.size > EROFS_METABOX_SLACK &&
	    vi.size / EROFS_METABOX_RATIO > stored) {
		erofs_err("nid %llu: metabox of %llu bytes from %llu stored bytes: more than %u:1, not loaded",
			  (unsigned long long)vi.nid,
			  (unsigned long long)vi.size,
			  (unsigned long long)stored, EROFS_METABOX_RATIO);
		return -EOPNOTSUPP;
	}
	io = calloc(1, sizeof(*io));
	buf = malloc(vi.size ? vi.size : 1);
	if (!io || !buf) {
		err = -ENOMEM;
		goto out_free;
	}
	err = vi.size ? erofs_pread(&vi, buf, vi.size, 0) : 0;
	if (err) {
		erofs_err("nid %llu: cannot decode the %llu-byte metabox: %s",
			  (unsigned long long)vi.nid,
			  (unsigned long long)vi.size, strerror(-err));
		goto out_free;
	}
	err = erofs_io_init_mem(io, buf, vi.size);
	if (err)
		goto out_free;
	sbi->mbox_io = io;
	sbi->mbox_buf = buf;
	return 0;
out_free:
	free(buf);
	free(io);
	return err;
}

void erofs_metabox_release(struct erofs_sb_info *sbi)
{
	if (sbi->mbox_io)
		erofs_io_close(sbi->mbox_io);
	free(sbi->mbox_io);
	free(sbi->mbox_buf);
	sbi->mbox_io = NULL;
	sbi->mbox_buf = NULL;
}
