// SPDX-License-Identifier: MIT
/*
 * --compare=IMAGE2: does the image hold the same tree as another EROFS
 * image?  IMAGE2 is opened through the read path with a superblock, io
 * and pcluster cache of its own.  The fsck walk of the image drives; this
 * job follows it through IMAGE2, matching each entry by name in the
 * directory its parent matched, and reads the matched file of IMAGE2 with
 * an iterator of its own in step with the bytes fsck reads, so contents
 * are compared as decoded (layout and compression may differ freely) in
 * bounded memory.  Entries of IMAGE2 that no entry of the image matched
 * are reported when their directory ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "erofs/dir.h"
#include "erofs/iter.h"
#include "erofs/namei.h"
#include "erofs/print.h"
#include "compare.h"
#include "fsck.h"

#define CMP_BUF		(128 * 1024)

/* An entry of a directory of IMAGE2; its name is in the directory's names. */
struct cmp2_entry {
	erofs_nid_t nid;
	size_t name;			/* offset in names */
	unsigned int namelen;
	unsigned int ftype;
	bool matched;
};

/* A directory of IMAGE2 whose entries are being matched. */
struct cmp2_dir {
	struct cmp2_dir *up;
	struct cmp2_entry *e;
	size_t n, cap;
	char *names;
	size_t nameslen, namescap;
	int err;
};

struct fsck_cmp_image {
	struct fsck_job job;
	const char *name;		/* IMAGE2 as given */
	struct erofs_io io;
	struct erofs_sb_info sbi;
	bool sb_open;
	struct fsck_itable seen;	/* IMAGE2's nids: what they matched */
	/* where the walk is */
	bool have_cur;			/* the current entry is in IMAGE2 too, */
	erofs_nid_t cur;		/* at this nid */
	struct cmp2_dir *dir;		/* the innermost directory compared */
	unsigned int off;		/* directories begun inside it, not compared */
	/* the regular file being compared */
	bool file_open;
	struct erofs_inode vo;
	struct erofs_iter it;
	struct erofs_piece p;
	erofs_off_t p_used, p_left;	/* of the piece's bytes */
	bool differs;
	erofs_off_t diff_at;
};

static const struct fsck_job_ops cmp2_ops;

int fsck_compare_image_open(struct fsck_ctx *ctx)
{
	struct fsck_options *o = ctx->opts;
	struct fsck_cmp_image *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->job.ops = &cmp2_ops;
	c->name = o->compare_dir;
	fsck_job_add(ctx, &c->job);
	err = erofs_io_open_ro(&c->io, c->name, 0);
	if (err) {
		erofs_err("%s: cannot open: %s", c->name, strerror(-err));
		return err;
	}
	err = erofs_sb_read(&c->sbi, &c->io,
			    o->img.no_sbcrc ? EROFS_SB_SKIP_CRC : 0);
	if (err) {
		erofs_err("%s: superblock rejected", c->name);
		return err;
	}
	c->sb_open = true;
	/* no --device for it: only devices inside its own file */
	err = erofs_sb_open_devices(&c->sbi, NULL, 0);
	if (err) {
		erofs_err("%s: cannot open its devices", c->name);
		return err;
	}
	if (erofs_sb_missing_device(&c->sbi)) {
		char dev[128];

		erofs_err("%s: cannot compare: its file data lies on %s, which is not in its file",
			  c->name, erofs_sb_device_name(&c->sbi,
			  erofs_sb_missing_device(&c->sbi), dev, sizeof(dev)));
		return -ENODEV;
	}
	c->cur = c->sbi.root_nid;
	if (o->img.path) {
		err = erofs_namei(&c->sbi, o->img.path, &c->cur);
		if (err) {
			erofs_err("%s: %s: cannot look up: %s", c->name,
				  o->img.path, strerror(-err));
			return err;
		}
	}
	c->have_cur = true;
	return 0;
}

static void cmp2_file_close(struct fsck_cmp_image *c)
{
	if (c->file_open)
		erofs_iter_fini(&c->it);
	c->file_open = false;
}

void fsck_compare_image_close(struct fsck_ctx *ctx)
{
	struct fsck_cmp_image *c =
		(struct fsck_cmp_image *)fsck_job_find(ctx, &cmp2_ops);

	if (!c)
		return;
	fsck_job_remove(ctx, &c->job);
	cmp2_file_close(c);
	while (c->dir) {
		struct cmp2_dir *up = c->dir->up;

		free(c->dir->e);
		free(c->dir->names);
		free(c->dir);
		c->dir = up;
	}
	fsck_itable_free(&c->seen);
	if (c->sb_open)
		erofs_sb_release(&c->sbi);
	erofs_io_close(&c->io);
	free(c);
}

/* IMAGE2's inode @nid into @vo: false (reported, counted) if unreadable. */
static bool cmp2_read_inode(struct fsck_ctx *ctx, struct fsck_cmp_image *c,
			    erofs_nid_t nid, struct erofs_inode *vo)
{
	int err = erofs_read_inode(&c->sbi, nid, vo);

	if (err) {
		erofs_err("compare: %s: nid %llu of %s: cannot read: %s",
			  fsck_path_str(ctx), (unsigned long long)nid, c->name,
			  strerror(-err));
		ctx->op_errors++;
	}
	return !err;
}

/*
 * Pair the image's inode @rec with IMAGE2's @nid (of @nlink links); a
 * different pairing than an earlier entry's is a hardlink difference.
 */
static void cmp2_pair(struct fsck_ctx *ctx, struct fsck_cmp_image *c,
		      struct fsck_inode_rec *rec, erofs_nid_t nid,
		      uint32_t nlink)
{
	struct fsck_inode_rec *s;
	bool fresh;

	if (rec->peered && rec->peer != nid) {
		fsck_differ(ctx, "hardlink", "one inode with %s in the image, separate files in %s",
			    rec->first_path ? rec->first_path : "another entry",
			    FSCK_CMP_OTHER);
		return;
	}
	s = fsck_itable_get(&c->seen, nid, &fresh);
	if (!s) {
		ctx->op_errors++;
		return;
	}
	if (s->peered && s->peer != rec->nid) {
		fsck_differ(ctx, "hardlink", "one file with %s in %s, separate inodes in the image",
			    s->first_path ? s->first_path : "another entry",
			    FSCK_CMP_OTHER);
		return;
	}
	if (!rec->peered) {
		rec->peered = true;
		rec->peer = nid;
		if (rec->nlink > 1 && !rec->first_path)
			rec->first_path = strdup(fsck_path_str(ctx));
	}
	if (!s->peered) {
		s->peered = true;
		s->peer = rec->nid;
		if (nlink > 1)
			s->first_path = strdup(fsck_path_str(ctx));
	}
}

/* Symlink targets of both; an unreadable one was reported already. */
static void cmp2_symlink(struct fsck_ctx *ctx, struct fsck_cmp_image *c,
			 struct erofs_inode *vi, struct erofs_inode *vo)
{
	char *a = malloc(EROFS_SYMLINK_MAX + 1), *b = malloc(EROFS_SYMLINK_MAX + 1);
	ssize_t na, nb;

	if (!a || !b) {
		ctx->op_errors++;
		goto out_free;
	}
	na = erofs_read_symlink(vi, a, EROFS_SYMLINK_MAX + 1);
	nb = erofs_read_symlink(vo, b, EROFS_SYMLINK_MAX + 1);
	if (nb < 0) {
		erofs_err("compare: %s: nid %llu of %s: cannot read the target",
			  fsck_path_str(ctx), (unsigned long long)vo->nid,
			  c->name);
		ctx->op_errors++;
	} else if (na >= 0 && strcmp(a, b)) {
		fsck_differ(ctx, "symlink", "\"%s\" in %s, \"%s\" in the image",
			    b, FSCK_CMP_OTHER, a);
	}
out_free:
	free(a);
	free(b);
}

/*
 * First visit of the image's inode @vi through an entry matching IMAGE2's
 * @nid: compare everything but the content, and pair them.  True when the
 * contents are to be compared (IMAGE2's file is then open in c->vo).
 */
static bool cmp2_inode(struct fsck_ctx *ctx, struct fsck_cmp_image *c,
		       struct erofs_inode *vi, struct fsck_inode_rec *rec,
		       erofs_nid_t nid)
{
	struct erofs_inode vo;
	struct fsck_cmp_stat want;
	int err;

	if (!cmp2_read_inode(ctx, c, nid, &vo))
		return false;
	cmp2_pair(ctx, c, rec, nid, vo.nlink);
	want = (struct fsck_cmp_stat){
		.mode = vo.mode, .uid = vo.uid, .gid = vo.gid,
		.mtime = (int64_t)vo.mtime, .mtime_nsec = vo.mtime_nsec,
	};
	if (!fsck_compare_stat(ctx, FSCK_CMP_OTHER, &want, vi))
		return false;
	switch (vi->mode & S_IFMT) {
	case S_IFREG:
		if (vi->size != vo.size) {
			fsck_differ(ctx, "size", "%llu bytes in %s, %llu in the image",
				    (unsigned long long)vo.size, FSCK_CMP_OTHER,
				    (unsigned long long)vi->size);
			break;
		}
		cmp2_file_close(c);
		c->vo = vo;
		err = erofs_iter_init(&c->it, &c->vo, 0, c->vo.size);
		if (err) {
			ctx->op_errors++;
			break;
		}
		c->file_open = true;
		c->differs = false;
		c->p_left = 0;
		break;
	case S_IFLNK:
		cmp2_symlink(ctx, c, vi, &vo);
		break;
	case S_IFCHR:
	case S_IFBLK:
		if (vi->rdev != vo.rdev)
			fsck_differ(ctx, "rdev", "%u:%u in %s, %u:%u in the image",
				    major(vo.rdev), minor(vo.rdev), FSCK_CMP_OTHER,
				    major(vi->rdev), minor(vi->rdev));
		break;
	}
	fsck_compare_image_xattrs(ctx, vi, &vo);
	return S_ISREG(vi->mode) && c->file_open;
}

static void cmp2_inode_op(struct fsck_ctx *ctx, struct fsck_job *job,
			  struct erofs_inode *vi, struct fsck_inode_rec *rec)
{
	struct fsck_cmp_image *c = (struct fsck_cmp_image *)job;

	if (c->have_cur)
		cmp2_inode(ctx, c, vi, rec, c->cur);
}

/*
 * The next bytes of IMAGE2's file, at most @max: *@data (NULL: zeros)
 * and *@n.  0, or -errno (reported by the library; -EIO when the file
 * ends early, which equal sizes rule out).
 */
static int cmp2_next(struct fsck_cmp_image *c, erofs_off_t max,
		     const uint8_t **data, size_t *n)
{
	int err;

	if (!c->p_left) {
		err = erofs_iter_next(&c->it, &c->p);
		if (err <= 0)
			return err ? err : -EIO;
		err = erofs_iter_read(&c->it, &c->p, NULL, 0);
		if (err)
			return err;
		c->p_used = 0;
		c->p_left = c->p.len;
	}
	*n = EROFS_MIN(EROFS_MIN(max, c->p_left), (erofs_off_t)CMP_BUF);
	*data = c->p.data ? c->p.data + c->p_used : NULL;
	c->p_used += *n;
	c->p_left -= *n;
	return 0;
}

/* Index of the first nonzero byte of @b, or @len. */
static size_t cmp2_zeros(const uint8_t *b, size_t len)
{
	size_t i = 0;

	while (i < len && !b[i])
		i++;
	return i;
}

/* The image's bytes (@buf, NULL: a hole) at @pos against IMAGE2's. */
static void cmp2_bytes(struct fsck_ctx *ctx, struct fsck_cmp_image *c,
		       const uint8_t *buf, erofs_off_t len, erofs_off_t pos)
{
	while (c->file_open && !c->differs && len) {
		const uint8_t *o;
		size_t n, i;
		int err = cmp2_next(c, len, &o, &n);

		if (err) {
			erofs_err("compare: %s: nid %llu of %s: cannot read at byte %llu: %s",
				  fsck_path_str(ctx), (unsigned long long)c->vo.nid,
				  c->name, (unsigned long long)pos, strerror(-err));
			ctx->op_errors++;
			cmp2_file_close(c);
			return;
		}
		if (buf && o) {
			if (memcmp(buf, o, n))
				for (i = 0; buf[i] == o[i]; i++)
					;
			else
				i = n;
		} else {
			i = buf ? cmp2_zeros(buf, n) : o ? cmp2_zeros(o, n) : n;
		}
		if (i < n) {
			c->differs = true;
			c->diff_at = pos + i;
		}
		if (buf)
			buf += n;
		pos += n;
		len -= n;
	}
}

static void cmp2_data(struct fsck_ctx *ctx, struct fsck_job *job,
		      const void *buf, size_t len, erofs_off_t pos)
{
	cmp2_bytes(ctx, (struct fsck_cmp_image *)job, buf, len, pos);
}

static void cmp2_hole(struct fsck_ctx *ctx, struct fsck_job *job,
		      erofs_off_t pos, erofs_off_t len)
{
	cmp2_bytes(ctx, (struct fsck_cmp_image *)job, NULL, len, pos);
}

/* Report a content difference found while reading, if any. */
static void cmp2_data_end(struct fsck_ctx *ctx, struct fsck_cmp_image *c,
			  int err)
{
	if (!c->file_open)
		return;
	/* a read error of the image was reported and counted by fsck */
	if (!err && c->differs)
		fsck_differ(ctx, "content", "first difference at byte %llu",
			    (unsigned long long)c->diff_at);
	cmp2_file_close(c);
}

static void cmp2_finish_file(struct fsck_ctx *ctx, struct fsck_job *job,
			     int outfd, struct erofs_inode *vi, int err,
			     erofs_off_t hi)
{
	(void)outfd;
	(void)vi;
	(void)hi;
	cmp2_data_end(ctx, (struct fsck_cmp_image *)job, err);
}

/* A further entry naming inode @rec: the same inode in IMAGE2 too? */
static void cmp2_link(struct fsck_ctx *ctx, struct fsck_job *job,
		      const char *name, struct fsck_inode_rec *rec)
{
	struct fsck_cmp_image *c = (struct fsck_cmp_image *)job;
	struct erofs_inode vi;
	uint8_t *buf;
	erofs_off_t pos;
	int err = 0;

	(void)name;
	if (!c->have_cur)
		return;
	if (rec->peered) {
		cmp2_pair(ctx, c, rec, c->cur, 0);
		return;
	}
	/*
	 * First met through an entry IMAGE2 lacks: compare the inode now,
	 * under the first name that does match.
	 */
	if (erofs_read_inode(ctx->sbi, rec->nid, &vi))
		return;		/* reported and counted on the first visit */
	if (!cmp2_inode(ctx, c, &vi, rec, c->cur))
		return;
	buf = malloc(CMP_BUF);
	if (!buf) {
		ctx->op_errors++;
		cmp2_file_close(c);
		return;
	}
	for (pos = 0; !err && pos < vi.size; pos += CMP_BUF) {
		size_t n = EROFS_MIN(vi.size - pos, (erofs_off_t)CMP_BUF);

		err = erofs_pread(&vi, buf, n, pos);
		if (!err)
			cmp2_bytes(ctx, c, buf, n, pos);
	}
	free(buf);
	cmp2_data_end(ctx, c, err);
}

static int cmp2_add_entry(const struct erofs_dir_entry *de, void *arg)
{
	struct cmp2_dir *d = arg;

	if ((de->namelen == 1 && de->name[0] == '.') ||
	    (de->namelen == 2 && !memcmp(de->name, "..", 2)))
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct cmp2_entry *e = realloc(d->e, cap * sizeof(*e));

		if (!e)
			return d->err = -ENOMEM;
		d->e = e;
		d->cap = cap;
	}
	if (d->nameslen + de->namelen > d->namescap) {
		size_t cap = (d->nameslen + de->namelen) * 2;
		char *names = realloc(d->names, cap);

		if (!names)
			return d->err = -ENOMEM;
		d->names = names;
		d->namescap = cap;
	}
	memcpy(d->names + d->nameslen, de->name, de->namelen);
	d->e[d->n++] = (struct cmp2_entry){
		.nid = de->nid, .name = d->nameslen, .namelen = de->namelen,
		.ftype = de->file_type,
	};
	d->nameslen += de->namelen;
	return 0;
}

/* Directory @vi: read the entries of the directory IMAGE2 matched. */
static void cmp2_dir_begin(struct fsck_ctx *ctx, struct fsck_job *job,
			   const char *name, struct erofs_inode *vi)
{
	struct fsck_cmp_image *c = (struct fsck_cmp_image *)job;
	struct erofs_inode vo;
	struct cmp2_dir *d;
	int err;

	(void)name;
	(void)vi;
	if (c->off || !c->have_cur || !cmp2_read_inode(ctx, c, c->cur, &vo) ||
	    !S_ISDIR(vo.mode)) {
		c->off++;
		return;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		ctx->op_errors++;
		c->off++;
		return;
	}
	err = erofs_iterate_dir(&vo, cmp2_add_entry, d);
	if (err) {
		if (err != -ENOMEM)
			erofs_err("compare: %s: nid %llu of %s: cannot read the directory: %s",
				  fsck_path_str(ctx), (unsigned long long)vo.nid,
				  c->name, strerror(-err));
		ctx->op_errors++;
		free(d->e);
		free(d->names);
		free(d);
		c->off++;
		return;
	}
	d->up = c->dir;
	c->dir = d;
}

/* IMAGE2's entry named like the image's next one; none: "extra". */
static void cmp2_child(struct fsck_ctx *ctx, struct fsck_job *job,
		       const char *name, unsigned int len, unsigned int ftype)
{
	struct fsck_cmp_image *c = (struct fsck_cmp_image *)job;
	struct cmp2_dir *d = c->dir;
	size_t lo = 0, hi;

	c->have_cur = false;
	if (c->off)
		return;
	/* stored sorted; a directory out of order is the image's problem */
	hi = d->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cmp2_entry *e = &d->e[mid];
		int r = erofs_dir_name_cmp(name, len, d->names + e->name,
					   e->namelen);

		if (!r) {
			lo = mid;
			break;
		}
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo >= d->n || d->e[lo].matched ||
	    erofs_dir_name_cmp(name, len, d->names + d->e[lo].name,
			       d->e[lo].namelen)) {
		fsck_differ(ctx, "extra", "%s in the image, not in %s",
			    fsck_cmp_ftype_name(ftype), FSCK_CMP_OTHER);
		return;
	}
	d->e[lo].matched = true;
	c->cur = d->e[lo].nid;
	c->have_cur = true;
}

/* Report IMAGE2's entries no entry of the image matched ("missing"). */
static void cmp2_dir_end(struct fsck_ctx *ctx, struct fsck_job *job,
			 struct erofs_inode *vi, bool complete)
{
	struct fsck_cmp_image *c = (struct fsck_cmp_image *)job;
	struct cmp2_dir *d = c->dir;

	(void)vi;
	if (c->off) {
		c->off--;
		return;
	}
	for (size_t i = 0; complete && i < d->n; i++) {
		const struct cmp2_entry *e = &d->e[i];
		size_t oldlen = ctx->path.len;

		if (e->matched)
			continue;
		if (fsck_path_push(&ctx->path, d->names + e->name, e->namelen)) {
			ctx->op_errors++;
			break;
		}
		fsck_differ(ctx, "missing", "%s in %s, not in the image",
			    fsck_cmp_ftype_name(e->ftype), FSCK_CMP_OTHER);
		fsck_path_pop(&ctx->path, oldlen);
	}
	c->dir = d->up;
	free(d->e);
	free(d->names);
	free(d);
}

static const struct fsck_job_ops cmp2_ops = {
	.child = cmp2_child,
	.link = cmp2_link,
	.inode = cmp2_inode_op,
	.dir_begin = cmp2_dir_begin,
	.dir_end = cmp2_dir_end,
	.data = cmp2_data,
	.hole = cmp2_hole,
	.finish_file = cmp2_finish_file,
};
