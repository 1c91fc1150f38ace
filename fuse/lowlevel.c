// SPDX-License-Identifier: MIT
/*
 * erofsfuse: ops.c through libfuse's low-level API.  Inode numbers are
 * the nids (ops.h), so the kernel needs no lookup count from us: nothing
 * is kept per inode and forget has nothing to drop.  The image never
 * changes, so entries, attributes, pages and listings are cached for good.
 */
#include <stdlib.h>
#include <string.h>
#include "erofs/defs.h"
#include "erofsfuse.h"
#include "ops.h"

/* seconds the kernel may cache what we answer: the image is immutable */
#define ERF_TIMEOUT	1e9

static const struct erofsfuse *erf_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void erf_init(void *userdata, struct fuse_conn_info *conn)
{
	struct erofsfuse *fs = userdata;

	if (fs->max_read)
		conn->max_read = fs->max_read;
	/*
	 * Entries with their attributes in every listing, not only the
	 * first batch of a directory: a walk then needs no lookup at all.
	 */
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want = (conn->want | FUSE_CAP_READDIRPLUS) &
			     ~FUSE_CAP_READDIRPLUS_AUTO;
	/*
	 * Two requests fewer per file and per directory: a kernel that
	 * opens without asking (open and opendir answered ENOSYS) keeps
	 * their pages and listings cached, as we would ask it to.
	 */
	fs->no_open = (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) &&
		      (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT);
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	/* ACLs as the kernel reads them from EROFS (default_permissions) */
	if (conn->capable & FUSE_CAP_POSIX_ACL)
		conn->want |= FUSE_CAP_POSIX_ACL;
}

static void erf_entry(fuse_req_t req, int err, const struct stat *st)
{
	struct fuse_entry_param e = {
		.attr_timeout = ERF_TIMEOUT,
		.entry_timeout = ERF_TIMEOUT,
	};

	if (err == -ENOENT) {
		/* ino 0: a negative entry the kernel keeps */
		fuse_reply_entry(req, &e);
		return;
	}
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	e.ino = st->st_ino;
	e.attr = *st;
	fuse_reply_entry(req, &e);
}

static void erf_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct stat st;
	int err = erofsfuse_lookup(erf_fs(req), parent, name, strlen(name), &st);

	erf_entry(req, err, &st);
}

static void erf_getattr(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct stat st;
	int err = erofsfuse_getattr(erf_fs(req), ino, &st);

	(void)fi;
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, ERF_TIMEOUT);
}

static void erf_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct erofs_inode *vi;
	int err;

	if (erf_fs(req)->no_open) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	err = erofsfuse_open(erf_fs(req), ino, fi->flags, &vi);

	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = (uintptr_t)vi;
	fi->keep_cache = 1;
	if (fuse_reply_open(req, fi))
		erofsfuse_release(vi);
}

static void erf_release(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	(void)ino;
	erofsfuse_release((struct erofs_inode *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void erf_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct erofs_inode *vi = (struct erofs_inode *)(uintptr_t)fi->fh, v;
	const void *data = NULL;
	ssize_t n = 0;

	/* opened without a request: by inode number */
	if (!vi) {
		n = erofsfuse_file(erf_fs(req), ino, &v);
		vi = &v;
	}
	if (!n)
		n = erofsfuse_read(erf_fs(req), vi, size, off, &data);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_buf(req, data, n);
}

static void erf_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[EROFS_SYMLINK_MAX + 1];
	ssize_t n = erofsfuse_readlink(erf_fs(req), ino, buf, sizeof(buf));

	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_readlink(req, buf);
}

static void erf_opendir(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	(void)ino;
	if (erf_fs(req)->no_open) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	/* the kernel keeps the listing between opens */
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

/* A reply buffer being filled with directory entries. */
struct erf_dirbuf {
	fuse_req_t req;
	char *buf;
	size_t size, used;
	bool plus;
};

static int erf_fill(void *arg, const char *name, size_t len, uint64_t ino,
		    unsigned int dtype, const struct stat *st, uint64_t next)
{
	struct erf_dirbuf *d = arg;
	char cname[EROFS_NAME_LEN + 1];
	size_t rem = d->size - d->used, n;

	memcpy(cname, name, len);
	cname[len] = '\0';
	if (d->plus) {
		struct fuse_entry_param e = {
			.attr_timeout = ERF_TIMEOUT,
			.entry_timeout = ERF_TIMEOUT,
		};

		/* no attributes: the entry is listed, lookup reports it */
		if (st) {
			e.ino = ino;
			e.attr = *st;
		} else {
			e.attr.st_ino = ino;
			e.attr.st_mode = dtype << 12;
		}
		n = fuse_add_direntry_plus(d->req, d->buf + d->used, rem, cname,
					   &e, next);
	} else {
		struct stat s = { .st_ino = ino, .st_mode = dtype << 12 };

		n = fuse_add_direntry(d->req, d->buf + d->used, rem, cname, &s,
				      next);
	}
	if (n > rem)
		return 1;
	d->used += n;
	return 0;
}

static void erf_do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, bool plus)
{
	struct erf_dirbuf d = { .req = req, .size = size, .plus = plus };
	int err;

	d.buf = malloc(size);
	if (!d.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	err = erofsfuse_readdir(erf_fs(req), ino, off, plus, erf_fill, &d);
	/* what was listed before a bad block is returned first */
	if (err && !d.used)
		fuse_reply_err(req, -err);
	else
		fuse_reply_buf(req, d.buf, d.used);
	free(d.buf);
}

static void erf_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	(void)fi;
	erf_do_readdir(req, ino, size, off, false);
}

static void erf_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			    off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	erf_do_readdir(req, ino, size, off, true);
}

/* getxattr/listxattr replies: the length for @size 0, else the bytes */
static void erf_xattr_reply(fuse_req_t req, ssize_t n, const void *buf,
			    size_t size)
{
	if (n < 0)
		fuse_reply_err(req, -n);
	else if (!size)
		fuse_reply_xattr(req, n);
	else
		fuse_reply_buf(req, buf, n);
}

static void erf_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			 size_t size)
{
	void *buf = NULL;
	ssize_t n;

	if (size && !(buf = malloc(size))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = erofsfuse_getxattr(erf_fs(req), ino, name, buf, size);
	erf_xattr_reply(req, n, buf, size);
	free(buf);
}

static void erf_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char *buf = NULL;
	ssize_t n;

	if (size && !(buf = malloc(size))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = erofsfuse_listxattr(erf_fs(req), ino, buf, size);
	erf_xattr_reply(req, n, buf, size);
	free(buf);
}

static void erf_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	(void)ino;
	erofsfuse_statfs(erf_fs(req), &st);
	fuse_reply_statfs(req, &st);
}

const struct fuse_lowlevel_ops erofsfuse_ll_ops = {
	.init = erf_init,
	.lookup = erf_lookup,
	.getattr = erf_getattr,
	.open = erf_open,
	.release = erf_release,
	.read = erf_read,
	.readlink = erf_readlink,
	.opendir = erf_opendir,
	.readdir = erf_readdir,
	.readdirplus = erf_readdirplus,
	.getxattr = erf_getxattr,
	.listxattr = erf_listxattr,
	.statfs = erf_statfs,
};
