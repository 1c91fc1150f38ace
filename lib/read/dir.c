// SPDX-License-Identifier: MIT
/*
 * Directories: a directory is a file of blocks, each a table of dirents
 * followed by the names they point at.  A whole block is validated before
 * the first of its entries is handed out, so callbacks see only sane names.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs_fs.h"
#include "erofs/dir.h"
#include "erofs/iter.h"
#include "erofs/print.h"

int erofs_dir_name_cmp(const char *a, unsigned int alen,
		       const char *b, unsigned int blen)
{
	int r = memcmp(a, b, EROFS_MIN(alen, blen));

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

static int erofs_dir_corrupt(struct erofs_inode *dir, erofs_off_t pos,
			     const char *why, unsigned long long what)
{
	erofs_err("nid %llu: corrupted directory block: %s %llu (offset %llu)",
		  (unsigned long long)dir->nid, why, what,
		  (unsigned long long)pos);
	return -EFSCORRUPTED;
}

static uint16_t erofs_nameoff(const uint8_t *blk, unsigned int i)
{
	struct erofs_dirent de;

	memcpy(&de, blk + i * sizeof(de), sizeof(de));
	return erofs_le16(de.nameoff);
}

/* Validate one block of @len valid bytes whose first byte sits at @phys. */
static int erofs_dir_check_block(struct erofs_inode *dir, const uint8_t *blk,
				 unsigned int len, erofs_off_t phys,
				 unsigned int *count)
{
	const size_t desz = sizeof(struct erofs_dirent);
	unsigned int n, i, off, next;

	if (len < desz)
		return erofs_dir_corrupt(dir, phys,
			"block too short for one entry: bytes", len);
	off = erofs_nameoff(blk, 0);
	if (off < desz || off >= len)
		return erofs_dir_corrupt(dir, phys +
			offsetof(struct erofs_dirent, nameoff),
			"first nameoff out of its block:", off);
	n = off / desz;
	for (i = 0; i < n; i++) {
		erofs_off_t at = phys + i * desz +
				 offsetof(struct erofs_dirent, nameoff);

		off = erofs_nameoff(blk, i);
		if (off < n * desz || off >= len)
			return erofs_dir_corrupt(dir, at,
				"nameoff out of its block:", off);
		if (i + 1 < n) {
			next = erofs_nameoff(blk, i + 1);
			if (next <= off || next > len)
				return erofs_dir_corrupt(dir, at + desz,
					"nameoff not increasing or out of its block:",
					next);
		} else {
			/* the last name ends where the zero padding starts */
			next = len;
			while (next > off && !blk[next - 1])
				next--;
			if (next == off)
				return erofs_dir_corrupt(dir, phys + off,
					"empty last name in entry", i);
		}
		if (next - off > EROFS_NAME_LEN)
			return erofs_dir_corrupt(dir, phys + off,
				"name too long: bytes", next - off);
	}
	*count = n;
	return 0;
}

/*
 * Directory block [@pos, @pos + @len) into @blk, *@phys set to where its
 * first byte lives: 0 or -errno.  A directory has no holes.
 */
static int erofs_dir_read_block(struct erofs_inode *dir, uint8_t *blk,
				erofs_off_t pos, unsigned int len,
				erofs_off_t *phys)
{
	struct erofs_iter it;
	struct erofs_piece p;
	int err;

	err = erofs_iter_init(&it, dir, pos, pos + len);
	/* a lookup reads the next block of the same pcluster: keep it */
	it.cached = true;
	it.chunk = len;
	while (!err && (err = erofs_iter_next(&it, &p)) > 0) {
		uint8_t *at = blk + (p.pos - pos);

		if (!(p.map.m_flags & EROFS_MAP_MAPPED)) {
			err = erofs_dir_corrupt(dir, dir->iloc,
				"hole in directory at logical offset", p.pos);
			break;
		}
		if (p.pos == pos)
			*phys = p.map.m_pa + (pos - p.map.m_la);
		err = erofs_iter_read(&it, &p, at, len - (p.pos - pos));
		if (!err && p.data != at)
			memcpy(at, p.data, p.len);
	}
	erofs_iter_fini(&it);
	return err;
}

/* Where name @i of the @n in a checked block of @len bytes ends. */
static unsigned int erofs_name_end(const uint8_t *blk, unsigned int i,
				   unsigned int n, unsigned int len)
{
	unsigned int off = erofs_nameoff(blk, i), end;

	if (i + 1 < n)
		return erofs_nameoff(blk, i + 1);
	end = len;
	while (end > off && !blk[end - 1])
		end--;
	return end;
}

/* Read and check the block of @dir at @pos: 0 with its entry count, -errno. */
static int erofs_dir_load(struct erofs_inode *dir, uint8_t *blk,
			  erofs_off_t pos, unsigned int *len, unsigned int *n)
{
	erofs_off_t phys = 0;
	int err;

	*len = EROFS_MIN(dir->size - pos, (erofs_off_t)dir->sbi->blksz);
	err = erofs_dir_read_block(dir, blk, pos, *len, &phys);
	return err ?: erofs_dir_check_block(dir, blk, *len, phys, n);
}

/* Name @i of a checked block against @name: as erofs_dir_name_cmp(). */
static int erofs_dir_cmp_at(const uint8_t *blk, unsigned int i,
			    unsigned int n, unsigned int len,
			    const char *name, unsigned int nlen)
{
	unsigned int off = erofs_nameoff(blk, i);

	return erofs_dir_name_cmp(name, nlen, (const char *)blk + off,
				  erofs_name_end(blk, i, n, len) - off);
}

int erofs_dir_bsearch(struct erofs_inode *dir, const char *name,
		      unsigned int len, erofs_nid_t *nid, unsigned int *ftype)
{
	const unsigned int bsz = dir->sbi->blksz;
	uint64_t lo = 0, hi;
	uint8_t *blk;
	int err = -ENOENT;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (!dir->size)
		return -ENOENT;
	blk = malloc(bsz);
	if (!blk)
		return -ENOMEM;
	hi = (dir->size - 1) / bsz + 1;
	/* the block whose names bracket @name, among [lo, hi) */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		unsigned int blen, n, l, h;
		int c;

		err = erofs_dir_load(dir, blk, mid * bsz, &blen, &n);
		if (err)
			break;
		err = -ENOENT;
		c = erofs_dir_cmp_at(blk, 0, n, blen, name, len);
		if (c < 0) {
			hi = mid;
			continue;
		}
		if (c > 0 && erofs_dir_cmp_at(blk, n - 1, n, blen, name, len) > 0) {
			lo = mid + 1;
			continue;
		}
		for (l = 0, h = n; l < h;) {
			unsigned int m = l + (h - l) / 2;
			struct erofs_dirent raw;

			c = erofs_dir_cmp_at(blk, m, n, blen, name, len);
			if (c < 0) {
				h = m;
			} else if (c > 0) {
				l = m + 1;
			} else {
				memcpy(&raw, blk + m * sizeof(raw), sizeof(raw));
				*nid = erofs_le64(raw.nid);
				if (ftype)
					*ftype = raw.file_type;
				err = 0;
				break;
			}
		}
		break;
	}
	free(blk);
	return err;
}

int erofs_iterate_dir(struct erofs_inode *dir,
		      int (*cb)(const struct erofs_dir_entry *de, void *arg),
		      void *arg)
{
	return erofs_iterate_dir_from(dir, 0, cb, arg);
}

int erofs_iterate_dir_from(struct erofs_inode *dir, erofs_off_t from,
			   int (*cb)(const struct erofs_dir_entry *de,
				     void *arg),
			   void *arg)
{
	struct erofs_sb_info *sbi = dir->sbi;
	const size_t desz = sizeof(struct erofs_dirent);
	erofs_off_t pos;
	uint8_t *blk;
	int err = 0;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	blk = malloc(sbi->blksz);
	if (!blk)
		return -ENOMEM;
	for (pos = from & ~(erofs_off_t)(sbi->blksz - 1); pos < dir->size;
	     pos += sbi->blksz) {
		unsigned int len = EROFS_MIN(dir->size - pos,
					     (erofs_off_t)sbi->blksz);
		unsigned int n = 0, i;
		erofs_off_t phys = 0;

		err = erofs_dir_read_block(dir, blk, pos, len, &phys);
		if (err)
			goto out_free;
		err = erofs_dir_check_block(dir, blk, len, phys, &n);
		if (err)
			goto out_free;
		for (i = 0; i < n; i++) {
			struct erofs_dirent raw;
			struct erofs_dir_entry de;
			unsigned int off = erofs_nameoff(blk, i), end;

			if (pos + i * desz < from)
				continue;
			memcpy(&raw, blk + i * desz, desz);
			end = erofs_name_end(blk, i, n, len);
			de.nid = erofs_le64(raw.nid);
			de.file_type = raw.file_type;
			de.name = (const char *)blk + off;
			de.namelen = end - off;
			de.pos = phys + i * desz;
			de.name_pos = phys + off;
			de.lpos = pos + i * desz;
			err = cb(&de, arg);
			if (err)
				goto out_free;
		}
	}
out_free:
	free(blk);
	return err;
}
