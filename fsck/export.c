// SPDX-License-Identifier: MIT
/*
 * --export=FILE: the checked tree as a POSIX pax archive, written through
 * libarchive as the walk goes -- a job on the fsck walk, so each entry is
 * written right after fsck has checked it and file bytes stream from the
 * iterator straight into the archive.
 *
 * The bytes depend on the image only: entries in walk (on-disk) order,
 * owners by number (no names: a local passwd must not change the output),
 * mtime with nanoseconds and no atime or ctime, no padding of the last
 * block, no timestamp in a gzip header.  Extended attributes, ACLs
 * (system.posix_acl_*) and SELinux labels included, go as SCHILY.xattr
 * records, binary and exact; holes make GNU sparse 1.0 entries; the second
 * and later names of an inode are hardlink entries.
 *
 * FILE is written to a temporary file beside it, renamed over it only when
 * the whole check finds nothing wrong; on standard output (or a device or
 * pipe) the stream just ends, without the end-of-archive blocks, so that
 * a reader sees it cut short.
 */
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "erofs_fs.h"
#include "erofs/iter.h"
#include "erofs/print.h"
#include "erofs/xattr.h"
#include "export_out.h"
#include "fsck.h"

/* What libarchive is handed at a time: output blocks, zeros for holes. */
#define FSCK_EXPORT_BLOCK	(256 * 1024)
#define FSCK_EXPORT_ZEROS	(1024 * 1024)

struct fsck_export {
	struct fsck_job job;
	struct archive *a;
	struct archive_entry *e;	/* reused for every entry */
	struct fsck_export_out out;
	bool stopped;			/* nothing more is written */
	bool failed;			/* ... for a reason of the export's own */
	bool in_file;			/* a regular file's data is expected */
	bool discard;			/* abandoned: output goes nowhere */
	erofs_off_t pos;		/* next byte of it */
	char *name;			/* "./" + the entry's path */
	size_t namecap;
	unsigned long sockets;		/* left out: tar has no socket type */
	char *first_socket;
	const void *zeros;
};

static const struct fsck_job_ops fsck_export_ops;

static la_ssize_t fsck_export_write(struct archive *a, void *data,
				    const void *buf, size_t len)
{
	struct fsck_export *x = data;
	int err = x->discard ? 0 : fsck_export_out_write(&x->out, buf, len);

	if (!err)
		return len;
	archive_set_error(a, -err, "%s", strerror(-err));
	return -1;
}

/* The export cannot go on: report @why (once) unless fsck already did. */
static void fsck_export_fail(struct fsck_ctx *ctx, struct fsck_export *x,
			     const char *why)
{
	if (!x->stopped && why) {
		erofs_err("export: %s: %s", fsck_path_rel(ctx), why);
		x->failed = true;
		ctx->op_errors++;
	}
	x->stopped = true;
	x->in_file = false;
}

/*
 * Whether to go on: not after the first finding, whoever made it -- the
 * archive would hold what fsck has just found wrong, or miss it.
 */
static bool fsck_export_going(struct fsck_ctx *ctx, struct fsck_export *x)
{
	if (!x->stopped && (ctx->corrupt || ctx->unsupported || ctx->op_errors))
		fsck_export_fail(ctx, x, NULL);
	return !x->stopped;
}

static int fsck_export_compression(struct fsck_export *x, const char *how,
				   const char *dest)
{
	static const char *const suffix[][2] = {
		{ ".gz", "gzip" }, { ".tgz", "gzip" }, { ".xz", "xz" },
		{ ".txz", "xz" }, { ".zst", "zstd" }, { ".tzst", "zstd" },
	};
	size_t len = strlen(dest);
	int r = ARCHIVE_OK;

	for (size_t i = 0; !how && i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		size_t n = strlen(suffix[i][0]);

		if (len > n && !strcmp(dest + len - n, suffix[i][0]))
			how = suffix[i][1];
	}
	if (!how || !strcmp(how, "none"))
		return 0;
	if (!strcmp(how, "gzip")) {
		r = archive_write_add_filter_gzip(x->a);
		/* no timestamp in the gzip header: the bytes are the image's */
		if (r == ARCHIVE_OK)
			r = archive_write_set_filter_option(x->a, "gzip",
							    "timestamp", NULL);
	} else if (!strcmp(how, "xz")) {
		r = archive_write_add_filter_xz(x->a);
	} else if (!strcmp(how, "zstd")) {
		r = archive_write_add_filter_zstd(x->a);
	}
	if (r != ARCHIVE_OK) {
		erofs_err("export: %s: cannot compress with %s: %s", x->out.dest,
			  how, archive_error_string(x->a));
		return -EOPNOTSUPP;
	}
	return 0;
}

int fsck_export_open(struct fsck_ctx *ctx)
{
	const struct fsck_options *opts = ctx->opts;
	struct fsck_export *x = calloc(1, sizeof(*x));
	int err;

	if (!x) {
		erofs_err("out of memory");
		return -ENOMEM;
	}
	x->job.ops = &fsck_export_ops;
	x->out.fd = -1;
	x->a = archive_write_new();
	x->e = archive_entry_new();
	x->zeros = calloc(1, FSCK_EXPORT_ZEROS);
	if (!x->a || !x->e || !x->zeros) {
		err = -ENOMEM;
		goto out_free;
	}
	err = fsck_export_out_open(&x->out, opts->export_file);
	if (err)
		goto out_free;
	/*
	 * Names are bytes: with a UTF-8 locale libarchive writes them as
	 * they are, and marks an entry whose name is not UTF-8 as binary.
	 */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "");
	err = -EIO;
	if (archive_write_set_format_pax(x->a) != ARCHIVE_OK ||
	    archive_write_set_format_option(x->a, "pax", "xattrheader",
					    "SCHILY") != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(x->a, FSCK_EXPORT_BLOCK) ||
	    archive_write_set_bytes_in_last_block(x->a, 1)) {
		erofs_err("export: %s", archive_error_string(x->a));
		goto out_free;
	}
	err = fsck_export_compression(x, opts->export_compress,
				      opts->export_file);
	if (err)
		goto out_free;
	if (archive_write_open(x->a, x, NULL, fsck_export_write, NULL) !=
	    ARCHIVE_OK) {
		erofs_err("export: %s: %s", x->out.dest,
			  archive_error_string(x->a));
		err = -EIO;
		goto out_free;
	}
	fsck_job_add(ctx, &x->job);
	return 0;
out_free:
	fsck_export_out_abort(&x->out);
	if (x->a)
		archive_write_free(x->a);
	archive_entry_free(x->e);
	free((void *)x->zeros);
	free(x);
	if (err == -ENOMEM)
		erofs_err("out of memory");
	return err;
}

/* Drop the job; the archive is gone, or abandoned here. */
static void fsck_export_drop(struct fsck_ctx *ctx, struct fsck_export *x)
{
	fsck_job_remove(ctx, &x->job);
	if (x->a) {
		/*
		 * No end-of-archive blocks: a reader sees it cut short.  The
		 * archive is closed into nothing (archive_write_fail() would
		 * leave libarchive's buffers allocated).
		 */
		x->discard = true;
		archive_write_close(x->a);
		archive_write_free(x->a);
	}
	fsck_export_out_abort(&x->out);
	archive_entry_free(x->e);
	free((void *)x->zeros);
	free(x->name);
	free(x->first_socket);
	free(x);
}

int fsck_export_finish(struct fsck_ctx *ctx)
{
	struct fsck_export *x =
		(struct fsck_export *)fsck_job_find(ctx, &fsck_export_ops);
	int err = 0;

	if (!x)
		return 0;
	if (x->sockets)
		erofs_info("export: %s: socket left out (tar has none)%s",
			   x->first_socket ? x->first_socket : "?",
			   x->sockets > 1 ? ", and every other socket" : "");
	if (!fsck_export_going(ctx, x)) {
		if (!x->failed)
			erofs_err("export: %s: %s: the check found problems",
				  x->out.dest, x->out.tmp ? "not written" : "cut short");
		fsck_export_drop(ctx, x);
		return -EFSCORRUPTED;
	}
	if (archive_write_close(x->a) != ARCHIVE_OK) {
		erofs_err("export: %s: %s", x->out.dest,
			  archive_error_string(x->a));
		err = -EIO;
	}
	archive_write_free(x->a);
	x->a = NULL;
	if (!err)
		err = fsck_export_out_commit(&x->out);
	if (err)
		ctx->op_errors++;
	fsck_export_drop(ctx, x);
	return err;
}

void fsck_export_close(struct fsck_ctx *ctx)
{
	struct fsck_job *x = fsck_job_find(ctx, &fsck_export_ops);

	if (x)
		fsck_export_drop(ctx, (struct fsck_export *)x);
}

/* The name of the entry being checked: "./a/b", "./" for the start. */
static int fsck_export_name(struct fsck_ctx *ctx, struct fsck_export *x,
			    const char *name, bool dir)
{
	const char *rel = fsck_path_rel(ctx);
	size_t len;

	/* a start that is no directory is named by its own name */
	if (ctx->path.len == ctx->root_path_len)
		rel = dir ? "" : name;
	len = strlen(rel) + 4;
	if (len > x->namecap) {
		char *n = realloc(x->name, len * 2);

		if (!n)
			return -ENOMEM;
		x->name = n;
		x->namecap = len * 2;
	}
	snprintf(x->name, x->namecap, "./%s%s", rel, dir && *rel ? "/" : "");
	return 0;
}

static int fsck_export_xattr(const struct erofs_xattr *xa, void *arg)
{
	archive_entry_xattr_add_entry(arg, xa->name, xa->value, xa->value_len);
	return 0;
}

/* The entry of @vi with its attributes, not yet written. */
static int fsck_export_entry(struct fsck_ctx *ctx, struct fsck_export *x,
			     const char *name, struct erofs_inode *vi)
{
	struct archive_entry *e = x->e;
	int err;

	err = fsck_export_name(ctx, x, name, S_ISDIR(vi->mode));
	if (err)
		return err;
	archive_entry_clear(e);
	archive_entry_copy_pathname(e, x->name);
	archive_entry_set_mode(e, vi->mode);
	archive_entry_set_uid(e, vi->uid);
	archive_entry_set_gid(e, vi->gid);
	archive_entry_set_mtime(e, (int64_t)vi->mtime, vi->mtime_nsec);
	if (S_ISCHR(vi->mode) || S_ISBLK(vi->mode)) {
		archive_entry_set_rdevmajor(e, major(vi->rdev));
		archive_entry_set_rdevminor(e, minor(vi->rdev));
	}
	if (S_ISREG(vi->mode))
		archive_entry_set_size(e, vi->size);
	if (!vi->xattr_isize)
		return 0;
	/* a bad body was reported and counted when the inode was checked */
	err = erofs_xattr_iterate(vi, fsck_export_xattr, e);
	return err == -ENOMEM ? err : 0;
}

static int fsck_export_header(struct fsck_ctx *ctx, struct fsck_export *x)
{
	/* a warning: a name not UTF-8, written as bytes (hdrcharset BINARY) */
	if (archive_write_header(x->a, x->e) >= ARCHIVE_WARN)
		return 0;
	fsck_export_fail(ctx, x, archive_error_string(x->a));
	return -EIO;
}

/*
 * Holes decide the header: a file with any becomes a sparse entry listing
 * its data runs, which the map tells without reading a byte.  0, or -errno
 * (a corrupt map: the read that follows reports it).
 */
static int fsck_export_sparse(struct fsck_ctx *ctx, struct erofs_inode *vi,
			      struct archive_entry *e)
{
	erofs_off_t start = 0, len = 0;
	struct erofs_piece p;
	struct erofs_iter it;
	bool holes = false;
	int more, err;

	if (!vi->size)
		return 0;
	err = erofs_iter_init(&it, vi, 0, vi->size);
	if (err)
		return err;
	it.pc = ctx->zcache;
	it.chunk = vi->size;	/* a stored extent is one piece */
	while ((more = erofs_iter_next(&it, &p)) > 0) {
		if (!(p.map.m_flags & EROFS_MAP_MAPPED)) {
			holes = true;
			continue;
		}
		if (len && start + len == p.pos) {
			len += p.len;
			continue;
		}
		if (len)
			archive_entry_sparse_add_entry(e, start, len);
		start = p.pos;
		len = p.len;
	}
	erofs_iter_fini(&it);
	if (more < 0)
		return more;
	/* all hole: an empty run at the end makes it a sparse entry still */
	if (len || holes)
		archive_entry_sparse_add_entry(e, len ? start : vi->size, len);
	if (!holes)
		archive_entry_sparse_clear(e);
	return 0;
}

/* The steps of the walk. */
static void fsck_export_link(struct fsck_ctx *ctx, struct fsck_job *job,
			     const char *name, struct fsck_inode_rec *rec)
{
	struct fsck_export *x = (struct fsck_export *)job;
	struct erofs_inode vi;
	int err;

	if (!fsck_export_going(ctx, x) || !rec->export_path)
		return;		/* the first name was left out (a socket) */
	/* the attributes again, as GNU tar gives every name */
	err = erofs_read_inode(ctx->sbi, rec->nid, &vi);
	if (!err)
		err = fsck_export_entry(ctx, x, name, &vi);
	if (err) {
		fsck_export_fail(ctx, x, strerror(-err));
		return;
	}
	archive_entry_set_size(x->e, 0);
	archive_entry_copy_hardlink(x->e, rec->export_path);
	fsck_export_header(ctx, x);
}

/* Remember the name of an inode met first, for its other names. */
static void fsck_export_first(struct fsck_ctx *ctx, struct fsck_export *x,
			      struct erofs_inode *vi)
{
	struct fsck_inode_rec *rec;
	bool fresh;

	if (vi->nlink < 2 || S_ISDIR(vi->mode))
		return;
	rec = fsck_itable_get(&ctx->itable, vi->nid, &fresh);
	if (rec && !rec->export_path)
		rec->export_path = strdup(x->name);
	if (!rec || !rec->export_path)
		fsck_export_fail(ctx, x, strerror(ENOMEM));
}

static void fsck_export_dir_begin(struct fsck_ctx *ctx, struct fsck_job *job,
				  const char *name, struct erofs_inode *vi)
{
	struct fsck_export *x = (struct fsck_export *)job;
	int err;

	if (!fsck_export_going(ctx, x))
		return;
	err = fsck_export_entry(ctx, x, name, vi);
	if (err)
		fsck_export_fail(ctx, x, strerror(-err));
	else
		fsck_export_header(ctx, x);
}

static int fsck_export_file_begin(struct fsck_ctx *ctx, struct fsck_job *job,
				  const char *name, struct erofs_inode *vi,
				  int *outfd)
{
	struct fsck_export *x = (struct fsck_export *)job;
	int err;

	(void)outfd;
	if (!fsck_export_going(ctx, x))
		return 0;
	err = fsck_export_entry(ctx, x, name, vi);
	if (!err)
		err = fsck_export_sparse(ctx, vi, x->e);
	if (err) {
		/* a corrupt map is the read's to report, which follows */
		fsck_export_fail(ctx, x, err == -ENOMEM ? strerror(ENOMEM) : NULL);
		return 0;
	}
	if (fsck_export_header(ctx, x))
		return 0;
	fsck_export_first(ctx, x, vi);
	x->in_file = true;
	x->pos = 0;
	return 0;	/* never refuse: the bytes are checked all the same */
}

static void fsck_export_put(struct fsck_ctx *ctx, struct fsck_export *x,
			    const void *buf, size_t len)
{
	la_ssize_t w = archive_write_data(x->a, buf, len);

	if (w != (la_ssize_t)len)
		fsck_export_fail(ctx, x, w < 0 ? archive_error_string(x->a) :
				 "short write");
	x->pos += len;
}

static void fsck_export_data(struct fsck_ctx *ctx, struct fsck_job *job,
			     const void *buf, size_t len, erofs_off_t pos)
{
	struct fsck_export *x = (struct fsck_export *)job;

	if (!x->in_file || !fsck_export_going(ctx, x))
		return;
	if (pos != x->pos) {
		fsck_export_fail(ctx, x, "file bytes out of order");
		return;
	}
	fsck_export_put(ctx, x, buf, len);
}

/* Zeros: a sparse entry skips them, writing nothing. */
static void fsck_export_hole(struct fsck_ctx *ctx, struct fsck_job *job,
			     erofs_off_t pos, erofs_off_t len)
{
	struct fsck_export *x = (struct fsck_export *)job;

	if (!x->in_file || !fsck_export_going(ctx, x))
		return;
	if (pos != x->pos) {
		fsck_export_fail(ctx, x, "file bytes out of order");
		return;
	}
	while (len && x->in_file) {
		size_t n = EROFS_MIN(len, (erofs_off_t)FSCK_EXPORT_ZEROS);

		fsck_export_put(ctx, x, x->zeros, n);
		len -= n;
	}
}

static void fsck_export_finish_file(struct fsck_ctx *ctx, struct fsck_job *job,
				    int outfd, struct erofs_inode *vi, int err,
				    erofs_off_t hi)
{
	struct fsck_export *x = (struct fsck_export *)job;

	(void)outfd;
	(void)hi;
	if (!x->in_file)
		return;
	x->in_file = false;
	/* a file not read whole was reported by whoever stopped it */
	if (err || !fsck_export_going(ctx, x)) {
		fsck_export_fail(ctx, x, NULL);
		return;
	}
	if (x->pos != vi->size)
		fsck_export_fail(ctx, x, "file bytes missing");
	else if (archive_write_finish_entry(x->a) != ARCHIVE_OK)
		fsck_export_fail(ctx, x, archive_error_string(x->a));
}

static void fsck_export_other(struct fsck_ctx *ctx, struct fsck_job *job,
			      const char *name, struct erofs_inode *vi)
{
	struct fsck_export *x = (struct fsck_export *)job;
	char *target;
	ssize_t n;
	int err;

	if (!fsck_export_going(ctx, x))
		return;
	if (S_ISSOCK(vi->mode)) {
		if (!x->sockets++)
			x->first_socket = strdup(fsck_path_rel(ctx));
		return;
	}
	err = fsck_export_entry(ctx, x, name, vi);
	if (!err && S_ISLNK(vi->mode)) {
		target = malloc(EROFS_SYMLINK_MAX + 1);
		n = target ? erofs_read_symlink(vi, target, EROFS_SYMLINK_MAX + 1) :
		    -ENOMEM;
		if (n >= 0)
			archive_entry_copy_symlink(x->e, target);
		free(target);
		/* an unreadable target was counted: no entry comes here then */
		err = n < 0 ? (int)n : 0;
	}
	if (err) {
		fsck_export_fail(ctx, x, strerror(-err));
		return;
	}
	if (!fsck_export_header(ctx, x))
		fsck_export_first(ctx, x, vi);
}

static const struct fsck_job_ops fsck_export_ops = {
	.link = fsck_export_link,
	.dir_begin = fsck_export_dir_begin,
	.file_begin = fsck_export_file_begin,
	.data = fsck_export_data,
	.hole = fsck_export_hole,
	.finish_file = fsck_export_finish_file,
	.other = fsck_export_other,
};
