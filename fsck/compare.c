// SPDX-License-Identifier: MIT
/*
 * --compare=SRCDIR: does the image hold exactly the tree it was built from?
 *
 * SRCDIR is scanned by the same code mkfs uses (erofs_tree_build()), under
 * the same mapping options, so ownership, timestamps and exclusions are
 * what mkfs would have stored and a faithful image compares clean.  This
 * job then follows the fsck walk through the source tree, matching each
 * image entry with its source node; attributes and contents are read from
 * SRCDIR itself, contents while fsck reads the image's bytes anyway
 * (decoded through the library).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "erofs/iter.h"
#include "erofs/dir.h"
#include "erofs/print.h"
#include "erofs/selabel.h"
#include "compare.h"
#include "fsck.h"

#define CMP_BUF		(128 * 1024)

/* Where a source inode was first met in the image, by tree node index. */
struct fsck_src_seen {
	bool seen;
	erofs_nid_t nid;
	char *path;		/* first image path, for multiply-linked nodes */
};

/* A source directory whose children are being matched, by index. */
struct cmp_dir {
	struct cmp_dir *up;		/* the directory it is in */
	const struct erofs_node *src;
	bool matched[];
};

struct fsck_compare {
	struct fsck_job job;
	struct erofs_tree tree;
	struct fsck_src_seen *seen;	/* parallel to tree.nodes */
	struct fsck_cmp_labels labels;
	/* where the walk is */
	const struct erofs_node *cur;	/* the current entry's source, or NULL */
	struct cmp_dir *dir;		/* the innermost directory compared */
	unsigned int off;		/* directories begun inside it, not compared */
	/* the regular file being compared */
	int fd;
	bool differs;
	erofs_off_t diff_at;
	uint8_t *buf;
};

const char *fsck_cmp_type_name(mode_t mode)
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

const char *fsck_cmp_ftype_name(unsigned int ftype)
{
	static const char *const ftypes[] = {
		"unknown", "regular file", "directory", "character device",
		"block device", "fifo", "socket", "symlink",
	};

	return ftype < EROFS_ARRAY_SIZE(ftypes) ? ftypes[ftype] : "unknown";
}

bool fsck_compare_stat(struct fsck_ctx *ctx, const char *other,
		       const struct fsck_cmp_stat *want,
		       const struct erofs_inode *vi)
{
	if ((vi->mode & S_IFMT) != (want->mode & S_IFMT)) {
		fsck_differ(ctx, "type", "%s in %s, %s in the image",
			    fsck_cmp_type_name(want->mode), other,
			    fsck_cmp_type_name(vi->mode));
		return false;
	}
	if ((vi->mode & 07777) != (want->mode & 07777))
		fsck_differ(ctx, "mode", "%04o in %s, %04o in the image",
			    (unsigned int)(want->mode & 07777), other,
			    (unsigned int)(vi->mode & 07777));
	if (vi->uid != want->uid || vi->gid != want->gid)
		fsck_differ(ctx, "owner", "%u:%u in %s, %u:%u in the image",
			    want->uid, want->gid, other, vi->uid, vi->gid);
	if ((int64_t)vi->mtime != want->mtime ||
	    vi->mtime_nsec != want->mtime_nsec)
		fsck_differ(ctx, "mtime", "%lld.%09u in %s, %llu.%09u in the image",
			    (long long)want->mtime, want->mtime_nsec, other,
			    (unsigned long long)vi->mtime, vi->mtime_nsec);
	return true;
}

static const struct fsck_job_ops cmp_ops;

int fsck_compare_open(struct fsck_ctx *ctx)
{
	struct fsck_options *o = ctx->opts;
	struct erofs_tree_opts *map = &o->map;
	struct fsck_compare *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->job.ops = &cmp_ops;
	c->fd = -1;
	fsck_job_add(ctx, &c->job);
	map->blkszbits = ctx->sbi->blkszbits;
	/* what mkfs took for "now" is the build time the image records */
	if (!o->build_time_known) {
		map->build_time = ctx->sbi->epoch;
		map->build_time_nsec = ctx->sbi->fixed_nsec;
	}
	if (o->file_contexts) {
		err = erofs_selabel_open(o->file_contexts, &c->labels.selabel);
		if (err == -EOPNOTSUPP) {
			/* labels cannot be computed here: expect, not check */
			c->labels.ignore_selinux = true;
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
	/* SRCDIR is what the walk's start should be */
	c->cur = c->tree.root;
	c->seen = calloc(c->tree.nnodes, sizeof(*c->seen));
	return c->seen ? 0 : -ENOMEM;
}

void fsck_compare_close(struct fsck_ctx *ctx)
{
	struct fsck_compare *c =
		(struct fsck_compare *)fsck_job_find(ctx, &cmp_ops);

	if (!c)
		return;
	fsck_job_remove(ctx, &c->job);
	while (c->dir) {
		struct cmp_dir *up = c->dir->up;

		free(c->dir);
		c->dir = up;
	}
	for (uint64_t i = 0; c->seen && i < c->tree.nnodes; i++)
		free(c->seen[i].path);
	free(c->seen);
	if (c->tree.nodes)
		erofs_tree_free(&c->tree);
	erofs_selabel_close(c->labels.selabel);
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
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
static void cmp_pair(struct fsck_ctx *ctx, struct fsck_compare *c,
		     struct fsck_inode_rec *rec, const struct erofs_node *src)
{
	struct fsck_src_seen *s = cmp_seen(c, src);

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

static void cmp_data(struct fsck_ctx *ctx, struct fsck_job *job,
		     const void *buf, size_t len, erofs_off_t pos);
static void cmp_data_end(struct fsck_ctx *ctx, struct fsck_compare *c);

/* Content of @vi against the open source file, read through erofs_pread. */
static void cmp_reread_content(struct fsck_ctx *ctx, struct fsck_compare *c,
			       struct erofs_inode *vi)
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
			cmp_data(ctx, &c->job, buf, n, pos);
	}
	free(buf);
	/* a read error was reported and counted on the first visit */
	if (err)
		c->differs = false;
	cmp_data_end(ctx, c);
}

static bool cmp_inode(struct fsck_ctx *ctx, struct fsck_compare *c,
		      struct erofs_inode *vi, struct fsck_inode_rec *rec,
		      const struct erofs_node *src);

/* A further entry naming inode @rec: is it the same source inode too? */
static void cmp_link(struct fsck_ctx *ctx, struct fsck_job *job,
		     const char *name, struct fsck_inode_rec *rec)
{
	struct fsck_compare *c = (struct fsck_compare *)job;
	const struct erofs_node *src = c->cur;
	struct erofs_inode vi;

	(void)name;
	if (!src)
		return;
	if (rec->src) {
		cmp_pair(ctx, c, rec, src);
		return;
	}
	/*
	 * First met through an entry the source lacks: compare the inode
	 * now, under the first name that does match.
	 */
	if (erofs_read_inode(ctx->sbi, rec->nid, &vi))
		return;		/* reported and counted on the first visit */
	if (cmp_inode(ctx, c, &vi, rec, src))
		cmp_reread_content(ctx, c, &vi);
}

static void cmp_open_content(struct fsck_ctx *ctx, struct fsck_compare *c,
			     const char *path)
{
	c->differs = false;
	c->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (c->fd < 0) {
		erofs_err("compare: %s: cannot open: %s", path,
			  strerror(errno));
		ctx->op_errors++;
	}
}

/*
 * First visit of inode @vi through an entry matching @src: compare type,
 * mode, owner, mtime, size, link target, device and attributes, and note
 * the pairing for hardlinks.  True when the content of a regular file is
 * to be compared (the source file is then open).
 */
static bool cmp_inode(struct fsck_ctx *ctx, struct fsck_compare *c,
		      struct erofs_inode *vi, struct fsck_inode_rec *rec,
		      const struct erofs_node *src)
{
	char target[EROFS_SYMLINK_MAX + 1];
	struct fsck_cmp_stat want;
	bool content = false;
	char *path;
	ssize_t n;

	if (!src)
		return false;
	cmp_pair(ctx, c, rec, src);
	want = (struct fsck_cmp_stat){
		.mode = src->mode, .uid = src->uid, .gid = src->gid,
		.mtime = src->mtime, .mtime_nsec = src->mtime_nsec,
	};
	if (!fsck_compare_stat(ctx, FSCK_CMP_SOURCE, &want, vi))
		return false;
	path = cmp_srcpath(ctx);
	if (!path) {
		ctx->op_errors++;
		return false;
	}
	switch (vi->mode & S_IFMT) {
	case S_IFREG:
		if (vi->size != src->size) {
			fsck_differ(ctx, "size", "%llu bytes in the source, %llu in the image",
				    (unsigned long long)src->size,
				    (unsigned long long)vi->size);
			break;
		}
		cmp_open_content(ctx, c, path);
		content = c->fd >= 0;
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
	fsck_compare_xattrs(ctx, &c->labels, vi, src, path, cmp_relpath(ctx));
	free(path);
	return content;
}

static void cmp_inode_op(struct fsck_ctx *ctx, struct fsck_job *job,
			 struct erofs_inode *vi, struct fsck_inode_rec *rec)
{
	struct fsck_compare *c = (struct fsck_compare *)job;

	cmp_inode(ctx, c, vi, rec, c->cur);
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

/* Image bytes at @pos against the source file's. */
static void cmp_data(struct fsck_ctx *ctx, struct fsck_job *job,
		     const void *buf, size_t len, erofs_off_t pos)
{
	struct fsck_compare *c = (struct fsck_compare *)job;

	(void)ctx;
	while (c->fd >= 0 && !c->differs && len) {
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

/* A hole of the image file: the source must hold zeros there. */
static void cmp_hole(struct fsck_ctx *ctx, struct fsck_job *job,
		     erofs_off_t pos, erofs_off_t len)
{
	struct fsck_compare *c = (struct fsck_compare *)job;

	(void)ctx;
	while (c->fd >= 0 && !c->differs && len) {
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

/* Report a content difference found while reading, if any. */
static void cmp_data_end(struct fsck_ctx *ctx, struct fsck_compare *c)
{
	if (c->fd < 0)
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

static void cmp_finish_file(struct fsck_ctx *ctx, struct fsck_job *job,
			    int outfd, struct erofs_inode *vi, int err,
			    erofs_off_t hi)
{
	(void)outfd;
	(void)vi;
	(void)err;
	(void)hi;
	cmp_data_end(ctx, (struct fsck_compare *)job);
}

/* Directory @vi: match its entries with the children of its source. */
static void cmp_dir_begin(struct fsck_ctx *ctx, struct fsck_job *job,
			  const char *name, struct erofs_inode *vi)
{
	struct fsck_compare *c = (struct fsck_compare *)job;
	const struct erofs_node *src = c->cur;
	struct cmp_dir *d;

	(void)name;
	(void)vi;
	if (c->off || !src || !S_ISDIR(src->mode)) {
		c->off++;
		return;
	}
	d = calloc(1, sizeof(*d) + src->nchildren);
	if (!d) {
		ctx->op_errors++;
		c->off++;
		return;
	}
	d->src = src;
	d->up = c->dir;
	c->dir = d;
}

/* The source child named like the next image entry; none: "extra". */
static void cmp_child(struct fsck_ctx *ctx, struct fsck_job *job,
		      const char *name, unsigned int len, unsigned int ftype)
{
	struct fsck_compare *c = (struct fsck_compare *)job;
	struct erofs_dentry key = { .name = (char *)name, .namelen = len };
	const struct erofs_node *src;
	const struct erofs_dentry *e;

	c->cur = NULL;
	if (c->off)
		return;
	src = c->dir->src;
	e = !src->nchildren ? NULL : bsearch(&key, src->children,
					     src->nchildren, sizeof(*e),
					     cmp_dentry_name);
	if (!e || c->dir->matched[e - src->children]) {
		fsck_differ(ctx, "extra", "%s in the image, not in the source",
			    fsck_cmp_ftype_name(ftype));
		return;
	}
	c->dir->matched[e - src->children] = true;
	c->cur = e->node;
}

/*
 * Report the source children no image entry matched ("missing"); not
 * when the directory could not be read whole: that is corrupt, not a list
 * of missing entries.
 */
static void cmp_dir_end(struct fsck_ctx *ctx, struct fsck_job *job,
			struct erofs_inode *vi, bool complete)
{
	struct fsck_compare *c = (struct fsck_compare *)job;
	struct cmp_dir *d = c->dir;

	(void)vi;
	if (c->off) {
		c->off--;
		return;
	}
	for (uint32_t i = 0; complete && i < d->src->nchildren; i++) {
		const struct erofs_dentry *e = &d->src->children[i];
		size_t oldlen = ctx->path.len;

		if (d->matched[i])
			continue;
		if (fsck_path_push(&ctx->path, e->name, e->namelen)) {
			ctx->op_errors++;
			break;
		}
		fsck_differ(ctx, "missing", "%s in the source, not in the image",
			    fsck_cmp_type_name(e->node->mode));
		fsck_path_pop(&ctx->path, oldlen);
	}
	c->dir = d->up;
	free(d);
}

static const struct fsck_job_ops cmp_ops = {
	.child = cmp_child,
	.link = cmp_link,
	.inode = cmp_inode_op,
	.dir_begin = cmp_dir_begin,
	.dir_end = cmp_dir_end,
	.data = cmp_data,
	.hole = cmp_hole,
	.finish_file = cmp_finish_file,
};
