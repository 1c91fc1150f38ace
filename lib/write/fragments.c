// SPDX-License-Identifier: MIT
/*
 * The packed inode's bytes (-E fragments): the tails of compressed files,
 * or with all-fragments whole files, appended in data order (depth first,
 * --data-order's files first) to a scratch file beside the image, so
 * memory stays bounded however much it holds.
 * Once every file is written, it becomes a file of its own, compressed
 * through the pipeline like any other (build.c).  With fragdedupe, a
 * fragment already there is not stored twice: "inode" finds files whose
 * whole content is, "full" also any fragment that ends an earlier one.
 * Everything happens on the writer's thread, in that order, so the packed
 * inode never depends on the number of workers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/crc32c.h"
#include "erofs/xxhash.h"
#include "builder.h"

#define FRAG_BUF	(1u << 20)	/* writes gathered before they go out */
#define FRAG_TAILKEY	64		/* fragments are keyed by their last bytes */
#define FRAG_BUCKETS	(1u << 16)
#define FRAG_NONE	UINT32_MAX

struct frag_ent {
	uint64_t end;		/* where its bytes end in the packed file */
	uint64_t len;
	uint32_t key;
	uint32_t next;		/* in its bucket */
};

struct erofs_frags {
	int fd;
	uint64_t size;		/* bytes of the packed file, buffered ones too */
	uint8_t *buf;		/* the last @buflen of them, not yet written */
	uint32_t buflen;
	enum erofs_fragdedupe mode;
	struct frag_ent *ents;
	uint32_t nents, cap;
	uint32_t *heads;	/* FRAG_BUCKETS chains */
	uint8_t *cmp;		/* FRAG_BUF bytes to compare with */
};

/* The scratch file ending early is an I/O error, as any other. */
static int full_pread(int fd, uint8_t *p, size_t len, uint64_t off)
{
	int err = erofs_fd_pread_all(fd, p, len, off);

	return err == -ENODATA ? -EIO : err;
}

int erofs_frags_flush(struct erofs_frags *f)
{
	int err = erofs_fd_pwrite_all(f->fd, f->buf, f->buflen, f->size - f->buflen);

	if (!err)
		f->buflen = 0;
	return err;
}

uint64_t erofs_frags_size(const struct erofs_frags *f)
{
	return f->size;
}

int erofs_frags_fd(const struct erofs_frags *f)
{
	return f->fd;
}

int erofs_frags_append(struct erofs_frags *f, const uint8_t *data, uint64_t len)
{
	int err = 0;

	if (f->buflen + len > FRAG_BUF)
		err = erofs_frags_flush(f);
	if (err)
		return err;
	if (len >= FRAG_BUF) {
		err = erofs_fd_pwrite_all(f->fd, data, len, f->size);
	} else {
		memcpy(f->buf + f->buflen, data, len);
		f->buflen += len;
	}
	if (!err)
		f->size += len;
	return err;
}

/* Long fragments by their last bytes, which a suffix shares; short whole. */
static uint32_t frag_key(const uint8_t *data, uint64_t len)
{
	if (len >= FRAG_TAILKEY)
		return erofs_crc32c(~0u, data + len - FRAG_TAILKEY, FRAG_TAILKEY);
	return erofs_xxh32(data, len, (uint32_t)len);
}

static int frag_record(struct erofs_frags *f, uint64_t end, uint64_t len,
		       uint32_t key)
{
	struct frag_ent *e;

	if (f->nents == f->cap) {
		uint32_t cap = f->cap ? f->cap * 2 : 1024;

		e = cap > f->cap ? realloc(f->ents, (size_t)cap * sizeof(*e)) : NULL;
		if (!e)
			return -ENOMEM;
		f->ents = e;
		f->cap = cap;
	}
	e = &f->ents[f->nents];
	*e = (struct frag_ent){ .end = end, .len = len, .key = key,
				.next = f->heads[key % FRAG_BUCKETS] };
	f->heads[key % FRAG_BUCKETS] = f->nents++;
	return 0;
}

/*
 * Whether the @len bytes ending at @end in the packed file equal @data, or
 * (@data NULL) the packed file's bytes from @at.  Buffered bytes are
 * written first.
 */
static int frag_same(struct erofs_frags *f, uint64_t end, uint64_t len,
		     const uint8_t *data, uint64_t at)
{
	const uint32_t half = FRAG_BUF / 2;
	int err = erofs_frags_flush(f);

	for (uint64_t done = 0; !err && done < len;) {
		uint32_t n = EROFS_MIN(len - done, (uint64_t)half);

		err = full_pread(f->fd, f->cmp, n, end - len + done);
		if (!err && !data)
			err = full_pread(f->fd, f->cmp + half, n, at + done);
		if (err)
			return err;
		if (memcmp(f->cmp, data ? data + done : f->cmp + half, n))
			return 0;
		done += n;
	}
	return err ? err : 1;
}

/*
 * An earlier fragment that holds these @len bytes (@data, or the packed
 * file's from @at) at its end: 1 and its offset in @off, 0, or -errno.
 */
static int frag_find(struct erofs_frags *f, const uint8_t *data, uint64_t at,
		     uint64_t len, uint32_t key, bool whole, uint64_t *off)
{
	if (f->mode == EROFS_FRAGDEDUPE_OFF ||
	    (f->mode == EROFS_FRAGDEDUPE_INODE && !whole))
		return 0;
	for (uint32_t i = f->heads[key % FRAG_BUCKETS]; i != FRAG_NONE;
	     i = f->ents[i].next) {
		const struct frag_ent *e = &f->ents[i];
		int same;

		if (e->key != key || e->len < len ||
		    (e->len != len && (len < FRAG_TAILKEY ||
				       f->mode == EROFS_FRAGDEDUPE_INODE)))
			continue;
		same = frag_same(f, e->end, len, data, at);
		if (same < 0)
			return same;
		if (same) {
			*off = e->end - len;
			return 1;
		}
	}
	return 0;
}

int erofs_frags_add(struct erofs_frags *f, const uint8_t *data, uint32_t len,
		    bool whole, uint64_t *off)
{
	uint32_t key = frag_key(data, len);
	int err = frag_find(f, data, 0, len, key, whole, off);

	if (err)
		return err < 0 ? err : 0;
	*off = f->size;
	err = erofs_frags_append(f, data, len);
	if (!err && (whole || f->mode == EROFS_FRAGDEDUPE_FULL))
		err = frag_record(f, f->size, len, key);
	return err;
}

int erofs_frags_settle_whole(struct erofs_frags *f, uint64_t start,
			     uint64_t *off)
{
	const uint64_t len = f->size - start;
	uint8_t last[FRAG_TAILKEY];
	uint32_t n = EROFS_MIN(len, (uint64_t)FRAG_TAILKEY);
	int err = erofs_frags_flush(f);
	uint32_t key;

	*off = start;
	if (!err && len && f->mode != EROFS_FRAGDEDUPE_OFF)
		err = full_pread(f->fd, last, n, f->size - n);
	if (err || !len || f->mode == EROFS_FRAGDEDUPE_OFF)
		return err;
	key = frag_key(last, n);
	err = frag_find(f, NULL, start, len, key, true, off);
	if (err < 0)
		return err;
	if (err) {
		/* the copy just written goes */
		if (ftruncate(f->fd, start))
			return -errno;
		f->size = start;
		return 0;
	}
	return frag_record(f, f->size, len, key);
}

int erofs_frags_init(struct erofs_builder *b)
{
	const struct erofs_frag_opts *o = &b->opts->frags;
	struct erofs_frags *f = calloc(1, sizeof(*f));

	b->frags = f;
	if (!f)
		return -ENOMEM;
	f->fd = o->fd;
	f->mode = o->dedupe;
	f->buf = malloc(FRAG_BUF);
	f->cmp = malloc(FRAG_BUF);
	f->heads = malloc(FRAG_BUCKETS * sizeof(*f->heads));
	if (!f->buf || !f->cmp || !f->heads)
		return -ENOMEM;
	memset(f->heads, 0xff, FRAG_BUCKETS * sizeof(*f->heads));
	/* the scratch file may have been used before: start empty */
	return ftruncate(f->fd, 0) ? -errno : 0;
}

void erofs_frags_exit(struct erofs_builder *b)
{
	struct erofs_frags *f = b->frags;

	if (!f)
		return;
	free(f->buf);
	free(f->cmp);
	free(f->heads);
	free(f->ents);
	free(f);
	b->frags = NULL;
}
