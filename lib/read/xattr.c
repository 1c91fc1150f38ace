// SPDX-License-Identifier: MIT
/*
 * Extended attributes, read side.  An inode's body is read whole (it is at
 * most 256 KiB) and walked with every length checked against what is left
 * of it; a shared entry is read from the shared area through its id and
 * checked against the image end.  Long prefixes are loaded once per walk,
 * only when an entry refers to one.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs_fs.h"
#include "erofs/iter.h"
#include "erofs/print.h"
#include "erofs/xattr.h"
#include "erofs/xxhash.h"

static const struct {
	const char *name;
	unsigned int len;
	bool exact;		/* the whole name, no suffix */
} erofs_xattr_prefixes[] = {
	[EROFS_XATTR_INDEX_USER] = { "user.", 5, false },
	[EROFS_XATTR_INDEX_POSIX_ACL_ACCESS] = { "system.posix_acl_access", 23, true },
	[EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT] = { "system.posix_acl_default", 24, true },
	[EROFS_XATTR_INDEX_TRUSTED] = { "trusted.", 8, false },
	[EROFS_XATTR_INDEX_LUSTRE] = { "lustre.", 7, false },
	[EROFS_XATTR_INDEX_SECURITY] = { "security.", 9, false },
};

const char *erofs_xattr_prefix_name(unsigned int index)
{
	return index < EROFS_ARRAY_SIZE(erofs_xattr_prefixes) ?
	       erofs_xattr_prefixes[index].name : NULL;
}

unsigned int erofs_xattr_match_short(const char *name, size_t len,
				     size_t *plen)
{
	for (unsigned int i = 1; i < EROFS_ARRAY_SIZE(erofs_xattr_prefixes); i++) {
		unsigned int pl = erofs_xattr_prefixes[i].len;

		if (len < pl || memcmp(name, erofs_xattr_prefixes[i].name, pl) ||
		    (erofs_xattr_prefixes[i].exact && len != pl))
			continue;
		*plen = pl;
		return i;
	}
	return 0;
}

int erofs_xattr_filter_bit(const char *name, size_t len)
{
	size_t plen;
	unsigned int index = erofs_xattr_match_short(name, len, &plen);

	if (!index)
		return -1;
	return erofs_xxh32(name + plen, len - plen,
			   EROFS_XATTR_FILTER_SEED + index) &
	       (EROFS_XATTR_FILTER_BITS - 1);
}

/* The long prefix table of an image, loaded on first need. */
struct erofs_xattr_pfx {
	uint8_t base;
	uint8_t infix_len;
	char infix[EROFS_XATTR_NAME_MAX];
};

/* State of one walk over an inode's attributes. */
struct erofs_xattr_walk {
	struct erofs_inode *vi;
	int (*cb)(const struct erofs_xattr *x, void *arg);
	void *arg;
	struct erofs_xattr_pfx *pfx;	/* NULL until needed */
	uint8_t *buf;			/* one entry: name suffix and value */
	char name[EROFS_XATTR_NAME_MAX + 1];
	uint32_t present;		/* filter bits of the names met */
};

static int erofs_xattr_corrupt(const struct erofs_inode *vi, erofs_off_t pos,
			       const char *what)
{
	erofs_err("nid %llu: xattr: %s (offset %llu)",
		  (unsigned long long)vi->nid, what, (unsigned long long)pos);
	return -EFSCORRUPTED;
}

/* Read from @io (the image or the metabox), whose bytes end at @end. */
static int erofs_xattr_read_in(struct erofs_inode *vi, struct erofs_io *io,
			       erofs_off_t end, void *buf, size_t len,
			       erofs_off_t pos)
{
	int err;

	if (pos > end || len > end - pos)
		return erofs_xattr_corrupt(vi, pos, io == vi->sbi->io ?
				"runs past the end of the image" :
				"runs past the end of the metabox");
	err = erofs_io_read(io, buf, len, pos);
	if (err) {
		erofs_err("nid %llu: xattr: cannot read %zu bytes at offset %llu: %s",
			  (unsigned long long)vi->nid, len,
			  (unsigned long long)pos, strerror(-err));
		return err == -EIO ? -EFSCORRUPTED : err;
	}
	return 0;
}

static int erofs_xattr_read(struct erofs_inode *vi, void *buf, size_t len,
			    erofs_off_t pos)
{
	return erofs_xattr_read_in(vi, vi->sbi->io,
				   erofs_sb_image_bytes(vi->sbi), buf, len, pos);
}

/* Shared entries live in the metabox with COMPAT_SHARED_EA_IN_METABOX. */
static int erofs_xattr_read_shared(struct erofs_inode *vi, void *buf,
				   size_t len, erofs_off_t pos)
{
	struct erofs_sb_info *sbi = vi->sbi;

	if ((sbi->feature_compat & EROFS_FEATURE_COMPAT_SHARED_EA_IN_METABOX) &&
	    sbi->mbox_io)
		return erofs_xattr_read_in(vi, sbi->mbox_io, sbi->mbox_io->size,
					   buf, len, pos);
	return erofs_xattr_read(vi, buf, len, pos);
}

/*
 * Where the long prefix table lives, as the kernel looks for it: unless
 * PLAIN_XATTR_PFX says "in the image", in the metabox when the image has
 * one, else in the packed inode when there is one, else in the image.
 */
struct erofs_xattr_pfx_src {
	struct erofs_inode *packed;	/* the packed inode, or NULL */
	struct erofs_io *mbox;		/* the metabox, or NULL */
};

/* Read @len bytes at @pos of the long prefix table from @src. */
static int erofs_xattr_pfx_read(struct erofs_inode *vi,
				const struct erofs_xattr_pfx_src *src,
				void *buf, size_t len, erofs_off_t pos)
{
	if (src->mbox)
		return erofs_xattr_read_in(vi, src->mbox, src->mbox->size,
					   buf, len, pos);
	if (!src->packed)
		return erofs_xattr_read(vi, buf, len, pos);
	if (pos > src->packed->size || len > src->packed->size - pos)
		return erofs_xattr_corrupt(vi, pos,
				"long prefix runs past the end of the packed inode");
	return erofs_pread(src->packed, buf, len, pos);
}

static int erofs_xattr_load_prefixes(struct erofs_xattr_walk *w)
{
	struct erofs_inode *vi = w->vi;
	struct erofs_sb_info *sbi = vi->sbi;
	struct erofs_xattr_pfx_src src = { NULL, NULL };
	bool plain = sbi->feature_compat & EROFS_FEATURE_COMPAT_PLAIN_XATTR_PFX;
	struct erofs_inode packed;
	uint32_t start;
	erofs_off_t pos;
	int err;

	/* the sb reader keeps the count only; the start is read here */
	err = erofs_xattr_read(vi, &start, sizeof(start), EROFS_SUPER_OFFSET +
			offsetof(struct erofs_super_block, xattr_prefix_start));
	if (err)
		return err;
	pos = (erofs_off_t)erofs_le32(start) << 2;
	if (!plain && (sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_METABOX) &&
	    sbi->mbox_io) {
		src.mbox = sbi->mbox_io;
	} else if (!plain && sbi->packed_nid) {
		err = erofs_read_inode(sbi, sbi->packed_nid, &packed);
		if (err)
			return err;
		if (!S_ISREG(packed.mode))
			return erofs_xattr_corrupt(vi, pos,
					"the packed inode is not a regular file");
		src.packed = &packed;
	}
	w->pfx = calloc(sbi->xattr_prefix_count, sizeof(*w->pfx));
	if (!w->pfx)
		return -ENOMEM;
	for (unsigned int i = 0; i < sbi->xattr_prefix_count; i++) {
		struct erofs_xattr_pfx *p = &w->pfx[i];
		uint8_t rec[1 + EROFS_XATTR_NAME_MAX];
		uint16_t len;

		pos = EROFS_ROUND_UP(pos, 4);
		err = erofs_xattr_pfx_read(vi, &src, &len, sizeof(len), pos);
		if (err)
			return err;
		len = erofs_le16(len);
		if (len < 1 || len > sizeof(rec))
			return erofs_xattr_corrupt(vi, pos,
					"long prefix record of a bad length");
		err = erofs_xattr_pfx_read(vi, &src, rec, len, pos + sizeof(len));
		if (err)
			return err;
		p->base = rec[0];
		p->infix_len = len - 1;
		memcpy(p->infix, rec + 1, p->infix_len);
		if (!erofs_xattr_prefix_name(p->base) ||
		    memchr(p->infix, '\0', p->infix_len))
			return erofs_xattr_corrupt(vi, pos,
					"long prefix with a bad base index or a NUL byte");
		pos += sizeof(len) + len;
	}
	return 0;
}

/* Build the full name of @e (suffix at @suffix) into w->name. */
static int erofs_xattr_name(struct erofs_xattr_walk *w,
			    const struct erofs_xattr_entry *e,
			    const uint8_t *suffix, erofs_off_t pos,
			    unsigned int *lenp)
{
	struct erofs_inode *vi = w->vi;
	unsigned int index = e->e_name_index, plen, ilen = 0;
	const char *prefix, *infix = "";
	int err;

	if (index & EROFS_XATTR_LONG_PREFIX) {
		index &= EROFS_XATTR_LONG_PREFIX_MASK;
		if (index >= vi->sbi->xattr_prefix_count)
			return erofs_xattr_corrupt(vi, pos,
					"entry names a long prefix the image does not have");
		if (!w->pfx) {
			err = erofs_xattr_load_prefixes(w);
			if (err)
				return err;
		}
		infix = w->pfx[index].infix;
		ilen = w->pfx[index].infix_len;
		index = w->pfx[index].base;
	}
	prefix = erofs_xattr_prefix_name(index);
	if (!prefix)
		return erofs_xattr_corrupt(vi, pos, "entry with an unknown name index");
	plen = strlen(prefix);
	if (plen + ilen + e->e_name_len > EROFS_XATTR_NAME_MAX)
		return erofs_xattr_corrupt(vi, pos, "name longer than 255 bytes");
	memcpy(w->name, prefix, plen);
	memcpy(w->name + plen, infix, ilen);
	memcpy(w->name + plen + ilen, suffix, e->e_name_len);
	*lenp = plen + ilen + e->e_name_len;
	w->name[*lenp] = '\0';
	if (memchr(w->name, '\0', *lenp))
		return erofs_xattr_corrupt(vi, pos, "name holds a NUL byte");
	return 0;
}

/* Hand out one entry whose bytes (header included) are at @raw. */
static int erofs_xattr_emit(struct erofs_xattr_walk *w, const uint8_t *raw,
			    erofs_off_t pos, bool shared)
{
	struct erofs_xattr_entry e;
	struct erofs_xattr x = { .shared = shared, .pos = pos };
	int err, bit;

	memcpy(&e, raw, sizeof(e));
	err = erofs_xattr_name(w, &e, raw + sizeof(e), pos, &x.name_len);
	if (err)
		return err;
	bit = erofs_xattr_filter_bit(w->name, x.name_len);
	if (bit >= 0)
		w->present |= 1u << bit;
	x.name = w->name;
	x.name_index = e.e_name_index;
	x.value = raw + sizeof(e) + e.e_name_len;
	x.value_len = erofs_le16(e.e_value_size);
	return w->cb(&x, w->arg);
}

static int erofs_xattr_walk_shared(struct erofs_xattr_walk *w, uint32_t id)
{
	struct erofs_inode *vi = w->vi;
	const erofs_off_t pos = erofs_blk_pos(vi->sbi, vi->sbi->xattr_blkaddr) +
				(erofs_off_t)id * sizeof(uint32_t);
	struct erofs_xattr_entry e;
	unsigned int len;
	int err;

	err = erofs_xattr_read_shared(vi, &e, sizeof(e), pos);
	if (err)
		return err;
	len = sizeof(e) + e.e_name_len + erofs_le16(e.e_value_size);
	err = erofs_xattr_read_shared(vi, w->buf, len, pos);
	if (err)
		return err;
	return erofs_xattr_emit(w, w->buf, pos, true);
}

int erofs_xattr_iterate(struct erofs_inode *vi,
			int (*cb)(const struct erofs_xattr *x, void *arg),
			void *arg)
{
	struct erofs_xattr_walk w = { .vi = vi, .cb = cb, .arg = arg };
	const erofs_off_t base = vi->iloc + vi->inode_isize;
	struct erofs_xattr_ibody_header ih;
	uint32_t filter, *ids = NULL;
	unsigned int nshared, off;
	uint8_t *body = NULL;
	int err;

	if (!vi->xattr_isize)
		return 0;
	if (vi->xattr_isize <= sizeof(ih)) {
		erofs_err("nid %llu: xattr: a %u-byte body holds no attribute (offset %llu)",
			  (unsigned long long)vi->nid, vi->xattr_isize,
			  (unsigned long long)base);
		return -EFSCORRUPTED;
	}
	body = malloc(vi->xattr_isize);
	w.buf = malloc(sizeof(struct erofs_xattr_entry) + UINT8_MAX +
		       EROFS_XATTR_VALUE_MAX);
	if (!body || !w.buf) {
		err = -ENOMEM;
		goto out_free;
	}
	err = erofs_xattr_read_in(vi, vi->mio, vi->mend, body, vi->xattr_isize,
				  base);
	if (err)
		goto out_free;
	memcpy(&ih, body, sizeof(ih));
	filter = erofs_le32(ih.h_name_filter);
	nshared = ih.h_shared_count;
	off = sizeof(ih) + nshared * sizeof(uint32_t);
	if (off > vi->xattr_isize) {
		err = erofs_xattr_corrupt(vi, base,
				"shared ids run past the inline body");
		goto out_free;
	}
	ids = (uint32_t *)(body + sizeof(ih));

	/* inline entries fill the rest of the body exactly */
	while (!err && off < vi->xattr_isize) {
		struct erofs_xattr_entry e;
		unsigned int len;

		if (vi->xattr_isize - off < sizeof(e)) {
			err = erofs_xattr_corrupt(vi, base + off,
					"truncated entry header in the inline body");
			break;
		}
		memcpy(&e, body + off, sizeof(e));
		len = erofs_xattr_entry_bytes(e.e_name_len,
					      erofs_le16(e.e_value_size));
		if (len > vi->xattr_isize - off) {
			err = erofs_xattr_corrupt(vi, base + off,
					"entry runs past the inline body");
			break;
		}
		/*
		 * No prefix and no name: padding (--root-xattr-isize leaves
		 * zeros), which no lookup can match and the kernel skips.
		 */
		if (e.e_name_index || e.e_name_len)
			err = erofs_xattr_emit(&w, body + off, base + off, false);
		off += len;
	}
	for (unsigned int i = 0; !err && i < nshared; i++) {
		uint32_t id;

		memcpy(&id, ids + i, sizeof(id));
		err = erofs_xattr_walk_shared(&w, erofs_le32(id));
	}
	if (!err && (vi->sbi->feature_compat & EROFS_FEATURE_COMPAT_XATTR_FILTER) &&
	    (filter & w.present)) {
		/* a set bit hides a name from the kernel's lookups */
		err = erofs_xattr_corrupt(vi, base,
				"name filter marks a present attribute absent");
	}
out_free:
	free(w.pfx);
	free(w.buf);
	free(body);
	return err;
}

struct erofs_xattr_list {
	char *buf;
	size_t size, len;
};

static int erofs_xattr_list_one(const struct erofs_xattr *x, void *arg)
{
	struct erofs_xattr_list *l = arg;

	if (l->size) {
		if (l->len + x->name_len + 1 > l->size)
			return -ERANGE;
		memcpy(l->buf + l->len, x->name, x->name_len + 1);
	}
	l->len += x->name_len + 1;
	return 0;
}

ssize_t erofs_listxattr(struct erofs_inode *vi, char *buf, size_t size)
{
	struct erofs_xattr_list l = { .buf = buf, .size = size };
	int err = erofs_xattr_iterate(vi, erofs_xattr_list_one, &l);

	return err ? err : (ssize_t)l.len;
}

struct erofs_xattr_get {
	const char *name;
	size_t name_len;
	void *buf;
	size_t size;
	ssize_t ret;
};

/* Positive return: found, stop the walk. */
static int erofs_xattr_get_one(const struct erofs_xattr *x, void *arg)
{
	struct erofs_xattr_get *g = arg;

	if (x->name_len != g->name_len || memcmp(x->name, g->name, g->name_len))
		return 0;
	if (g->size && x->value_len > g->size) {
		g->ret = -ERANGE;
	} else {
		if (g->size)
			memcpy(g->buf, x->value, x->value_len);
		g->ret = x->value_len;
	}
	return 1;
}

ssize_t erofs_getxattr(struct erofs_inode *vi, const char *name, void *buf,
		       size_t size)
{
	struct erofs_xattr_get g = { .name = name, .name_len = strlen(name),
				     .buf = buf, .size = size,
				     .ret = -ENODATA };
	int err = erofs_xattr_iterate(vi, erofs_xattr_get_one, &g);

	return err < 0 ? err : g.ret;
}
