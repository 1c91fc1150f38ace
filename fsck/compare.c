// SPDX-License-Identifier: MIT
/*
 * --compare=SRCDIR: does the image hold exactly the tree it was built from?
 *
 * SRCDIR is scanned by the same code mkfs uses (erofs_tree_build()), under
 * the same mapping options, so ownership, timestamps and exclusions are
 * what mkfs would have stored and a faithful image compares clean.  The
 * fsck walk then carries the matching source node beside every image
 * entry; attributes and contents are read from SRCDIR itself, contents
 * while fsck reads the image's bytes anyway (decoded through the library).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "erofs/iter.h"
#include "erofs/dir.h"
#include "erofs/print.h"
#include "erofs/selabel.h"
#include "erofs/xattr.h"
#include "fsck.h"

#define CMP_BUF		(128 * 1024)
#define XATTR_SELINUX	"security.selinux"

/* Where a source inode was first met in the image, by tree node index. */
struct fsck_src_seen {
	bool seen;
	erofs_nid_t nid;
	char *path;		/* first image path, for multiply-linked nodes */
};

struct fsck_compare {
	struct erofs_tree tree;
	struct fsck_src_seen *seen;	/* parallel to tree.nodes */
	struct erofs_selabel *selabel;	/* --file-contexts, when labels work */
	bool ignore_selinux;		/* --file-contexts without libselinux */
	/* the regular file being compared */
	int fd;
	bool differs;
	erofs_off_t diff_at;
	uint8_t *buf;
};

static const char *cmp_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "regular file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "character device";
	case S_IFBLK: return "block device";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	}
	return "unknown";
}

void fsck_differ(struct fsck_ctx *ctx, const char *kind, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ctx->differences++;
	if (ctx->json) {
		erofs_json_object(ctx->json, NULL);
		erofs_json_str(ctx->json, "path", fsck_path_str(ctx));
		erofs_json_str(ctx->json, "kind", kind);
		erofs_json_str(ctx->json, "detail", detail);
		erofs_json_end(ctx->json);
	} else {
		printf("%s: %s: %s\n", fsck_path_str(ctx), kind, detail);
	}
}

int fsck_compare_open(struct fsck_ctx *ctx)
{
	struct fsck_options *o = ctx->opts;
	struct erofs_tree_opts *map = &o->map;
	struct fsck_compare *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	ctx->cmp = c;
	map->blkszbits = ctx->sbi->blkszbits;
	/* what mkfs took for "now" is the build time the image records */
	if (!o->have_T && !o->have_sde) {
		map->build_time = ctx->sbi->epoch;
		map->build_time_nsec = ctx->sbi->fixed_nsec;
	}
	if (o->file_contexts) {
		err = erofs_selabel_open(o->file_contexts, &c->selabel);
		if (err == -EOPNOTSUPP) {
			/* labels cannot be computed here: expect, not check */
			c->ignore_selinux = true;
		} else if (err) {
			return err;
		}
	}
	c->buf = malloc(CMP_BUF);
	if (!c->buf)
		return -ENOMEM;
	err = erofs_tree_build(&c->tree, o->compare_dir, map);
	if (err)
		return err;
	c->seen = calloc(c->tree.nnodes, sizeof(*c->seen));
	return c->seen ? 0 : -ENOMEM;
}

void fsck_compare_close(struct fsck_ctx *ctx)
{
	struct fsck_compare *c = ctx->cmp;

	if (!c)
		return;
	for (uint64_t i = 0; c->seen && i < c->tree.nnodes; i++)
		free(c->seen[i].path);
	free(c->seen);
	if (c->tree.nodes)
		erofs_tree_free(&c->tree);
	erofs_selabel_close(c->selabel);
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
	ctx->cmp = NULL;
}

const struct erofs_node *fsck_compare_root(struct fsck_ctx *ctx)
{
	return ctx->cmp ? ctx->cmp->tree.root : NULL;
}

/* The entry's path below the start of the walk: "" or "/a/b". */
static const char *cmp_relpath(struct fsck_ctx *ctx)
{
	return ctx->path.buf ? ctx->path.buf + ctx->root_path_len : "";
}

/* SRCDIR + the entry's relative path, malloc'd; NULL on ENOMEM. */
static char *cmp_srcpath(struct fsck_ctx *ctx)
{
	const char *dir = ctx->opts->compare_dir, *rel = cmp_relpath(ctx);
	char *p = malloc(strlen(dir) + strlen(rel) + 1);

	if (p) {
		strcpy(p, dir);
		strcat(p, rel);
	}
	return p;
}

static struct fsck_src_seen *cmp_seen(struct fsck_compare *c,
				      const struct erofs_node *src)
{
	/* nodes are numbered in tree order: ino is the index + 1 */
	if (src->ino < 1 || src->ino > c->tree.nnodes ||
	    c->tree.nodes[src->ino - 1] != src)
		return NULL;
	return &c->seen[src->ino - 1];
}

/* One attribute, copied out of the image or read from the source. */
struct cmp_xattr {
	char *name;
	void *value;
	size_t len;
};

struct cmp_xattrs {
	struct cmp_xattr *v;
	size_t n, cap;
};

static int cmp_xattrs_add(struct cmp_xattrs *xs, const char *name,
			  const void *value, size_t len)
{
	struct cmp_xattr *x;

	if (xs->n == xs->cap) {
		size_t cap = xs->cap ? xs->cap * 2 : 8;

		x = realloc(xs->v, cap * sizeof(*x));
		if (!x)
			return -ENOMEM;
		xs->v = x;
		xs->cap = cap;
	}
	x = &xs->v[xs->n];
	x->name = strdup(name);
	x->value = malloc(len ? len : 1);
	if (!x->name || !x->value) {
		free(x->name);
		free(x->value);
		return -ENOMEM;
	}
	memcpy(x->value, value, len);
	x->len = len;
	xs->n++;
	return 0;
}

static void cmp_xattrs_free(struct cmp_xattrs *xs)
{
	for (size_t i = 0; i < xs->n; i++) {
		free(xs->v[i].name);
		free(xs->v[i].value);
	}
	free(xs->v);
}

static int cmp_xattr_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cmp_xattr *)a)->name,
		      ((const struct cmp_xattr *)b)->name);
}

static int cmp_image_xattr(const struct erofs_xattr *x, void *arg)
{
	return cmp_xattrs_add(arg, x->name, x->value, x->value_len);
}

/* The attributes mkfs would have stored for the entry at @path. */
static int cmp_source_xattrs(struct fsck_ctx *ctx, const char *path,
			     const struct erofs_node *src,
			     struct cmp_xattrs *xs)
{
	struct fsck_compare *c = ctx->cmp;
	char *list = NULL, *name, *val = NULL;
	ssize_t len, vlen;
	int err = 0;

	len = llistxattr(path, NULL, 0);
	if (len > 0) {
		list = malloc(len);
		if (!list)
			return -ENOMEM;
		len = llistxattr(path, list, len);
	}
	if (len < 0) {
		free(list);
		/* a source that cannot hold attributes gave mkfs none */
		return errno == ENOTSUP ? 0 : -errno;
	}
	for (name = list; !err && name < list + len; name += strlen(name) + 1) {
		size_t plen;
		unsigned int index = erofs_xattr_match_short(name, strlen(name),
							     &plen);

		/* mkfs leaves out names EROFS cannot store */
		if (!index || index == EROFS_XATTR_INDEX_LUSTRE)
			continue;
		if ((c->selabel || c->ignore_selinux) &&
		    !strcmp(name, XATTR_SELINUX))
			continue;	/* the file_contexts label replaces it */
		vlen = lgetxattr(path, name, NULL, 0);
		if (vlen < 0) {
			err = errno == ENODATA ? 0 : -errno;
			continue;
		}
		free(val);
		val = malloc(vlen ? vlen : 1);
		if (!val) {
			err = -ENOMEM;
			break;
		}
		vlen = lgetxattr(path, name, val, vlen);
		if (vlen < 0)
			err = -errno;
		else
			err = cmp_xattrs_add(xs, name, val, vlen);
	}
	free(val);
	free(list);
	if (!err && c->selabel) {
		const char *mp = ctx->opts->mount_point ?
				 ctx->opts->mount_point : "";
		const char *rel = cmp_relpath(ctx);
		size_t mplen = strlen(mp);
		char *lpath, *label = NULL;

		while (mplen && mp[mplen - 1] == '/')
			mplen--;
		lpath = malloc(mplen + strlen(rel) + 2);
		if (!lpath)
			return -ENOMEM;
		memcpy(lpath, mp, mplen);
		strcpy(lpath + mplen, rel);
		if (!lpath[0])
			strcpy(lpath, "/");
		err = erofs_selabel_lookup(c->selabel, lpath, src->mode, &label);
		if (!err)	/* stored with its NUL, as mkfs does */
			err = cmp_xattrs_add(xs, XATTR_SELINUX, label,
					     strlen(label) + 1);
		else if (err == -ENOENT)
			err = 0;
		free(label);
		free(lpath);
	}
	return err;
}

static void cmp_xattrs(struct fsck_ctx *ctx, struct erofs_inode *vi,
		       const struct erofs_node *src, const char *path)
{
	struct cmp_xattrs want = { 0 }, have = { 0 };
	size_t i = 0, k = 0;
	int err;

	err = cmp_source_xattrs(ctx, path, src, &want);
	if (err) {
		erofs_err("compare: %s: cannot read attributes: %s", path,
			  strerror(-err));
		ctx->op_errors++;
		goto out;
	}
	/* a bad body was reported and counted by the check of this inode */
	if (vi->xattr_isize && erofs_xattr_iterate(vi, cmp_image_xattr, &have))
		goto out;
	if (want.n)
		qsort(want.v, want.n, sizeof(*want.v), cmp_xattr_name_cmp);
	if (have.n)
		qsort(have.v, have.n, sizeof(*have.v), cmp_xattr_name_cmp);
	while (i < want.n || k < have.n) {
		int r = i == want.n ? 1 : k == have.n ? -1 :
			strcmp(want.v[i].name, have.v[k].name);

		if (r > 0 && ctx->cmp->ignore_selinux &&
		    !strcmp(have.v[k].name, XATTR_SELINUX)) {
			k++;
		} else if (r < 0) {
			fsck_differ(ctx, "xattr", "%s: not in the image",
				    want.v[i++].name);
		} else if (r > 0) {
			fsck_differ(ctx, "xattr", "%s: not in the source",
				    have.v[k++].name);
		} else {
			if (want.v[i].len != have.v[k].len ||
			    memcmp(want.v[i].value, have.v[k].value,
				   want.v[i].len))
				fsck_differ(ctx, "xattr", "%s: value differs (%zu bytes in the source, %zu in the image)",
					    want.v[i].name, want.v[i].len,
					    have.v[k].len);
			i++;
			k++;
		}
	}
out:
	cmp_xattrs_free(&want);
	cmp_xattrs_free(&have);
}

/* Source rdev is kept in the kernel's encoding; show it as major:minor. */
static unsigned int cmp_major(uint32_t raw)
{
	return (raw & 0xfff00) >> 8;
}

static unsigned int cmp_minor(uint32_t raw)
{
	return (raw & 0xff) | ((raw >> 12) & 0xfff00);
}

/* Pair image inode @rec with @src; a different pairing is a hardlink diff. */
static void cmp_pair(struct fsck_ctx *ctx, struct fsck_inode_rec *rec,
		     const struct erofs_node *src)
{
	struct fsck_src_seen *s = cmp_seen(ctx->cmp, src);

	if (!s) {
		ctx->op_errors++;
		return;
	}
	if (rec->src && rec->src != src) {
		fsck_differ(ctx, "hardlink", "one inode with %s in the image, separate files in the source",
			    rec->first_path ? rec->first_path : "another entry");
		return;
	}
	if (s->seen && s->nid != rec->nid) {
		fsck_differ(ctx, "hardlink", "one file with %s in the source, separate inodes in the image",
			    s->path ? s->path : "another entry");
		return;
	}
	if (!rec->src) {
		rec->src = src;
		if (rec->nlink > 1 && !rec->first_path)
			rec->first_path = strdup(fsck_path_str(ctx));
	}
	if (!s->seen) {
		s->seen = true;
		s->nid = rec->nid;
		if (src->nlink > 1)
			s->path = strdup(fsck_path_str(ctx));
	}
}

/* Content of @vi against the open source file, read through erofs_pread. */
static void cmp_reread_content(struct fsck_ctx *ctx, struct erofs_inode *vi)
{
	uint8_t *buf = malloc(CMP_BUF);
	erofs_off_t pos;
	int err = 0;

	if (!buf) {
		ctx->op_errors++;
		return;
	}
	for (pos = 0; !err && pos < vi->size; pos += CMP_BUF) {
		size_t n = vi->size - pos < CMP_BUF ? vi->size - pos : CMP_BUF;

		err = erofs_pread(vi, buf, n, pos);
		if (!err)
			fsck_compare_data(ctx, buf, n, pos);
	}
	free(buf);
	/* a read error was reported and counted on the first visit */
	if (err)
		ctx->cmp->differs = false;
	fsck_compare_data_end(ctx);
}

void fsck_compare_link(struct fsck_ctx *ctx, struct fsck_inode_rec *rec,
		       const struct erofs_node *src)
{
	struct erofs_inode vi;

	if (!ctx->cmp || !src)
		return;
	if (rec->src) {
		cmp_pair(ctx, rec, src);
		return;
	}
	/*
	 * First met through an entry the source lacks: compare the inode
	 * now, under the first name that does match.
	 */
	if (erofs_read_inode(ctx->sbi, rec->nid, &vi))
		return;		/* reported and counted on the first visit */
	if (fsck_compare_inode(ctx, &vi, rec, src))
		cmp_reread_content(ctx, &vi);
}

static void cmp_open_content(struct fsck_ctx *ctx, const char *path)
{
	struct fsck_compare *c = ctx->cmp;

	c->differs = false;
	c->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (c->fd < 0) {
		erofs_err("compare: %s: cannot open: %s", path,
			  strerror(errno));
		ctx->op_errors++;
	}
}

bool fsck_compare_inode(struct fsck_ctx *ctx, struct erofs_inode *vi,
			struct fsck_inode_rec *rec, const struct erofs_node *src)
{
	char target[EROFS_SYMLINK_MAX + 1];
	bool content = false;
	char *path;
	ssize_t n;

	if (!ctx->cmp || !src)
		return false;
	cmp_pair(ctx, rec, src);
	if ((vi->mode & S_IFMT) != (src->mode & S_IFMT)) {
		fsck_differ(ctx, "type", "%s in the source, %s in the image",
			    cmp_type_name(src->mode), cmp_type_name(vi->mode));
		return false;
	}
	path = cmp_srcpath(ctx);
	if (!path) {
		ctx->op_errors++;
		return false;
	}
	if ((vi->mode & 07777) != (src->mode & 07777))
		fsck_differ(ctx, "mode", "%04o in the source, %04o in the image",
			    (unsigned int)(src->mode & 07777),
			    (unsigned int)(vi->mode & 07777));
	if (vi->uid != src->uid || vi->gid != src->gid)
		fsck_differ(ctx, "owner", "%u:%u in the source, %u:%u in the image",
			    src->uid, src->gid, vi->uid, vi->gid);
	if ((int64_t)vi->mtime != src->mtime || vi->mtime_nsec != src->mtime_nsec)
		fsck_differ(ctx, "mtime", "%lld.%09u in the source, %llu.%09u in the image",
			    (long long)src->mtime, src->mtime_nsec,
			    (unsigned long long)vi->mtime, vi->mtime_nsec);
	switch (vi->mode & S_IFMT) {
	case S_IFREG:
		if (vi->size != src->size) {
			fsck_differ(ctx, "size", "%llu bytes in the source, %llu in the image",
				    (unsigned long long)src->size,
				    (unsigned long long)vi->size);
			break;
		}
		cmp_open_content(ctx, path);
		content = ctx->cmp->fd >= 0;
		break;
	case S_IFLNK:
		n = erofs_read_symlink(vi, target, sizeof(target));
		if (n >= 0 && strcmp(target, src->link))
			fsck_differ(ctx, "symlink", "\"%s\" in the source, \"%s\" in the image",
				    src->link, target);
		break;
	case S_IFCHR:
	case S_IFBLK:
		if (vi->raw_rdev != src->rdev)
			fsck_differ(ctx, "rdev", "%u:%u in the source, %u:%u in the image",
				    cmp_major(src->rdev), cmp_minor(src->rdev),
				    major(vi->rdev), minor(vi->rdev));
		break;
	}
	cmp_xattrs(ctx, vi, src, path);
	free(path);
	return content;
}

/* Source bytes [@pos, @pos + @len) into the buffer; false if short. */
static bool cmp_read_source(struct fsck_compare *c, size_t len, erofs_off_t pos)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(c->fd, c->buf + got, len - got, pos + got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += r;
	}
	return true;
}

static void cmp_mismatch(struct fsck_compare *c, const uint8_t *a,
			 const uint8_t *b, size_t len, erofs_off_t pos)
{
	size_t i = 0;

	while (i < len && (b ? a[i] == b[i] : !a[i]))
		i++;
	c->differs = true;
	c->diff_at = pos + i;
}

void fsck_compare_data(struct fsck_ctx *ctx, const void *buf, size_t len,
		       erofs_off_t pos)
{
	struct fsck_compare *c = ctx->cmp;

	while (c && c->fd >= 0 && !c->differs && len) {
		size_t n = len < CMP_BUF ? len : CMP_BUF;

		if (!cmp_read_source(c, n, pos)) {
			c->differs = true;	/* the source shrank meanwhile */
			c->diff_at = pos;
		} else if (memcmp(c->buf, buf, n)) {
			cmp_mismatch(c, c->buf, buf, n, pos);
		}
		buf = (const uint8_t *)buf + n;
		pos += n;
		len -= n;
	}
}

void fsck_compare_hole(struct fsck_ctx *ctx, erofs_off_t pos, erofs_off_t len)
{
	struct fsck_compare *c = ctx->cmp;

	while (c && c->fd >= 0 && !c->differs && len) {
		size_t n = len < CMP_BUF ? len : CMP_BUF;

		if (!cmp_read_source(c, n, pos)) {
			c->differs = true;
			c->diff_at = pos;
		} else if (c->buf[0] || memcmp(c->buf, c->buf + 1, n - 1)) {
			cmp_mismatch(c, c->buf, NULL, n, pos);
		}
		pos += n;
		len -= n;
	}
}

void fsck_compare_data_end(struct fsck_ctx *ctx)
{
	struct fsck_compare *c = ctx->cmp;

	if (!c || c->fd < 0)
		return;
	if (c->differs)
		fsck_differ(ctx, "content", "first difference at byte %llu",
			    (unsigned long long)c->diff_at);
	close(c->fd);
	c->fd = -1;
}

static int cmp_dentry_name(const void *key, const void *elt)
{
	const struct erofs_dentry *k = key, *e = elt;

	return erofs_dir_name_cmp(k->name, k->namelen, e->name, e->namelen);
}

int fsck_compare_dir_begin(struct fsck_ctx *ctx, const struct erofs_node *src,
			   struct fsck_compare_dir *d)
{
	d->src = NULL;
	d->matched = NULL;
	if (!ctx->cmp || !src || !S_ISDIR(src->mode))
		return 0;
	d->matched = calloc(src->nchildren ? src->nchildren : 1, 1);
	if (!d->matched)
		return -ENOMEM;
	d->src = src;
	return 0;
}

const struct erofs_node *fsck_compare_dir_child(struct fsck_ctx *ctx,
						struct fsck_compare_dir *d,
						const char *name,
						unsigned int len,
						unsigned int ftype)
{
	static const char *const ftypes[] = {
		"unknown", "regular file", "directory", "character device",
		"block device", "fifo", "socket", "symlink",
	};
	struct erofs_dentry key = { .name = (char *)name, .namelen = len };
	const struct erofs_dentry *e;

	if (!d->src)
		return NULL;
	e = !d->src->nchildren ? NULL : bsearch(&key, d->src->children, d->src->nchildren,
		    sizeof(*e), cmp_dentry_name);
	if (!e || d->matched[e - d->src->children]) {
		fsck_differ(ctx, "extra", "%s in the image, not in the source",
			    ftype < EROFS_ARRAY_SIZE(ftypes) ? ftypes[ftype] :
			    "unknown");
		return NULL;
	}
	d->matched[e - d->src->children] = true;
	return e->node;
}

void fsck_compare_dir_end(struct fsck_ctx *ctx, struct fsck_compare_dir *d)
{
	for (uint32_t i = 0; d->src && i < d->src->nchildren; i++) {
		const struct erofs_dentry *e = &d->src->children[i];
		size_t oldlen = ctx->path.len;

		if (d->matched[i])
			continue;
		if (fsck_path_push(&ctx->path, e->name, e->namelen)) {
			ctx->op_errors++;
			break;
		}
		fsck_differ(ctx, "missing", "%s in the source, not in the image",
			    cmp_type_name(e->node->mode));
		fsck_path_pop(&ctx->path, oldlen);
	}
	free(d->matched);
	d->matched = NULL;
	d->src = NULL;
}
