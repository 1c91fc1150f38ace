// SPDX-License-Identifier: MIT
/*
 * --extract=DIR: recreate the checked tree under DIR.  Everything is made
 * relative to directory fds we opened ourselves with O_NOFOLLOW, and names
 * are re-checked here, so neither a hostile image nor a symlink already in
 * DIR can make us write outside it.  A job on the fsck walk: each entry is
 * made right after fsck has checked its inode.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs_fs.h"
#include "erofs/iter.h"
#include "erofs/print.h"
#include "fsck.h"

/* Who we are, asked once when DIR is opened: two syscalls per file otherwise. */
static uid_t fsck_euid;
static gid_t fsck_egid;
/* The mode bits cleared from every entry: the umask, or none (--preserve-perms). */
static mode_t fsck_mode_mask;

struct fsck_extract {
	struct fsck_job job;
	int root_fd;			/* DIR */
	/*
	 * The directories being filled, outermost first: DIR, then one per
	 * level of the walk (-1 where a directory could not be made, and
	 * below it).  The walk goes no deeper than FSCK_MAX_DEPTH.
	 */
	int *dirs;
	unsigned int ndirs;
};

static const struct fsck_job_ops fsck_extract_ops;

static int fsck_extract_fail(struct fsck_ctx *ctx, const char *what, int err)
{
	erofs_err("extract: %s: %s: %s", fsck_path_rel(ctx), what,
		  strerror(err));
	ctx->op_errors++;
	return -err;
}

static bool fsck_dir_is_empty(int fd)
{
	int dupfd = dup(fd);
	struct dirent *d;
	bool empty = true;
	DIR *dir;

	if (dupfd < 0)
		return false;
	dir = fdopendir(dupfd);
	if (!dir) {
		close(dupfd);
		return false;
	}
	while ((d = readdir(dir))) {
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
			empty = false;
			break;
		}
	}
	closedir(dir);
	return empty;
}

/* Whether @fd is the root directory (however DIR names it). */
static bool fsck_is_root_dir(int fd)
{
	struct stat st, root;

	return !fstat(fd, &st) && !stat("/", &root) &&
	       st.st_dev == root.st_dev && st.st_ino == root.st_ino;
}

int fsck_extract_open_root(struct fsck_ctx *ctx)
{
	const char *dir = ctx->opts->extract_dir;
	struct fsck_extract *x;
	mode_t mask;
	int fd;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		erofs_err("extract: %s: cannot create: %s", dir, strerror(errno));
		return -errno;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		erofs_err("extract: %s: cannot open directory: %s", dir,
			  strerror(errno));
		return -errno;
	}
	/* as erofs-utils: extracting over the system takes --force */
	if (!ctx->opts->force && fsck_is_root_dir(fd)) {
		erofs_err("extract: %s: is the root directory (use --force)",
			  dir);
		close(fd);
		return -EPERM;
	}
	if (!ctx->opts->overwrite && !fsck_dir_is_empty(fd)) {
		erofs_err("extract: %s: directory not empty (use --overwrite)",
			  dir);
		close(fd);
		return -EEXIST;
	}
	x = calloc(1, sizeof(*x));
	if (x)
		x->dirs = calloc(FSCK_MAX_DEPTH + 2, sizeof(*x->dirs));
	if (!x || !x->dirs) {
		erofs_err("out of memory");
		free(x);
		close(fd);
		return -ENOMEM;
	}
	x->job.ops = &fsck_extract_ops;
	x->root_fd = fd;
	x->dirs[x->ndirs++] = fd;
	fsck_job_add(ctx, &x->job);
	/* modes are set as the image says, masked only by fsck_mode_mask */
	mask = umask(0);
	fsck_mode_mask = ctx->opts->preserve_perms ? 0 : mask;
	fsck_euid = geteuid();
	fsck_egid = getegid();
	return 0;
}

void fsck_extract_close_root(struct fsck_ctx *ctx)
{
	struct fsck_extract *x =
		(struct fsck_extract *)fsck_job_find(ctx, &fsck_extract_ops);

	if (!x)
		return;
	fsck_job_remove(ctx, &x->job);
	close(x->root_fd);
	free(x->dirs);
	free(x);
}

/* An fd of DIR itself, for the start directory; -1 after reporting. */
static int fsck_extract_dup_root(struct fsck_ctx *ctx, struct fsck_extract *x)
{
	int fd = fcntl(x->root_fd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		fsck_extract_fail(ctx, "dup", errno);
	return fd;
}

/* A name that could leave the directory it is created in. */
static bool fsck_unsafe_name(const char *name)
{
	return !*name || strchr(name, '/') || !strcmp(name, ".") ||
	       !strcmp(name, "..");
}

/*
 * With --overwrite, clear the way for @name: an existing directory may be
 * reused by a directory, anything else non-directory is unlinked (never
 * followed: a symlink is removed, not its target).
 */
static int fsck_make_room(struct fsck_ctx *ctx, int dirfd, const char *name,
			  bool want_dir)
{
	struct stat st;

	if (!ctx->opts->overwrite)
		return 0;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno == ENOENT)
			return 0;
		return fsck_extract_fail(ctx, "stat", errno);
	}
	if (S_ISDIR(st.st_mode)) {
		if (want_dir)
			return 0;
		return fsck_extract_fail(ctx, "exists as a directory", EEXIST);
	}
	if (unlinkat(dirfd, name, 0))
		return fsck_extract_fail(ctx, "cannot remove the old entry",
					 errno);
	return 0;
}

/*
 * Owner (--preserve-owner, when it differs), mode, then times: chown
 * would clear setuid bits.  A regular file made by fsck_extract_entry()
 * already has its permission bits (@fresh): only special bits are left.
 */
static int fsck_apply_meta(struct fsck_ctx *ctx, int fd, int dirfd,
			   const char *name, struct erofs_inode *vi, bool fresh)
{
	struct timespec ts[2] = {
		{ .tv_sec = vi->mtime, .tv_nsec = vi->mtime_nsec },
		{ .tv_sec = vi->mtime, .tv_nsec = vi->mtime_nsec },
	};
	bool link = S_ISLNK(vi->mode);
	mode_t mode = vi->mode & 07777 & ~fsck_mode_mask;

	/* a fresh entry is ours: nothing to change when we are its owner */
	if (ctx->opts->preserve_owner &&
	    !(fresh && !ctx->opts->overwrite && vi->uid == fsck_euid &&
	      vi->gid == fsck_egid)) {
		int r = fd >= 0 ? fchown(fd, vi->uid, vi->gid) :
			fchownat(dirfd, name, vi->uid, vi->gid,
				 AT_SYMLINK_NOFOLLOW);

		if (r)
			return fsck_extract_fail(ctx, "chown", errno);
	}
	if (!link && !(fresh && !(mode & 07000))) {
		int r = fd >= 0 ? fchmod(fd, mode) :
			fchmodat(dirfd, name, mode, 0);

		if (r)
			return fsck_extract_fail(ctx, "chmod", errno);
	}
	/* after chown, which drops security.capability */
	if (ctx->opts->xattrs && fsck_extract_xattrs(ctx, fd, dirfd, name, vi))
		return fsck_extract_fail(ctx, "xattrs", ENOMEM);
	if (fd >= 0 ? futimens(fd, ts) :
	    utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW))
		return fsck_extract_fail(ctx, "set times", errno);
	return 0;
}

/*
 * Regular file @fd of @vi written up to @hi (fsck_copy_range()), or not,
 * @err: set its size, owner, mode and times unless @err, then close it.
 * Returns @err, or -errno after reporting.
 */
static int fsck_extract_finish_file(struct fsck_ctx *ctx, int fd,
				    struct erofs_inode *vi, int err,
				    erofs_off_t hi)
{
	/* the size also covers trailing holes and zero blocks never written */
	if (!err && hi != vi->size && ftruncate(fd, vi->size))
		err = fsck_extract_fail(ctx, "cannot set size", errno);
	if (!err)
		err = fsck_apply_meta(ctx, fd, -1, NULL, vi, true);
	if (close(fd) && !err)
		err = fsck_extract_fail(ctx, "close", errno);
	return err;
}

/* Remember where the first copy of a multiply-linked inode went. */
static void fsck_remember_first(struct fsck_ctx *ctx, struct erofs_inode *vi)
{
	struct fsck_inode_rec *rec;
	bool fresh;

	if (vi->nlink < 2)
		return;
	rec = fsck_itable_get(&ctx->itable, vi->nid, &fresh);
	if (rec && !rec->extract_path)
		rec->extract_path = strdup(fsck_path_rel(ctx));
}

/*
 * Create entry @name of inode @vi in directory @dirfd.  For a directory,
 * *@newfd receives its fd (to fill, then finish with
 * fsck_extract_finish_dir()); for a regular file, the fd to write its data
 * to (then fsck_extract_finish_file()).  0, or -errno after reporting.
 */
static int fsck_extract_entry(struct fsck_ctx *ctx, int dirfd,
			      const char *name, struct erofs_inode *vi,
			      int *newfd)
{
	char target[EROFS_SYMLINK_MAX + 1];
	int err, fd;

	*newfd = -1;
	if (fsck_unsafe_name(name)) {
		erofs_err("extract: refusing unsafe name \"%s\"", name);
		ctx->corrupt++;
		return -EINVAL;
	}
	err = fsck_make_room(ctx, dirfd, name, S_ISDIR(vi->mode));
	if (err)
		return err;

	switch (vi->mode & S_IFMT) {
	case S_IFDIR:
		/* an existing directory is reused only under --overwrite */
		if (mkdirat(dirfd, name, 0700) &&
		    (errno != EEXIST || !ctx->opts->overwrite))
			return fsck_extract_fail(ctx, "mkdir", errno);
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
		if (fd < 0)
			return fsck_extract_fail(ctx, "open directory", errno);
		*newfd = fd;
		return 0;
	case S_IFREG:
		/*
		 * The permission bits right away (the process umask is 0 while
		 * extracting): the fd stays writable whatever they say.
		 */
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC,
			    vi->mode & 0777 & ~fsck_mode_mask);
		if (fd < 0)
			return fsck_extract_fail(ctx, "create", errno);
		*newfd = fd;
		err = 0;
		break;
	case S_IFLNK:
		if (erofs_read_symlink(vi, target, sizeof(target)) < 0)
			return -EFSCORRUPTED;	/* checked and counted before */
		if (symlinkat(target, dirfd, name))
			return fsck_extract_fail(ctx, "symlink", errno);
		err = fsck_apply_meta(ctx, -1, dirfd, name, vi, false);
		break;
	case S_IFCHR:
	case S_IFBLK:
		if (fsck_euid) {
			erofs_info("extract: %s: device node skipped (needs root)",
				   fsck_path_rel(ctx));
			return 0;
		}
		/* fall through */
	case S_IFIFO:
	case S_IFSOCK:
		/* a socket too is a bare inode (mknod), as erofs-utils makes it */
		if (mknodat(dirfd, name, (vi->mode & S_IFMT) | 0600,
			    S_ISCHR(vi->mode) || S_ISBLK(vi->mode) ? vi->rdev : 0))
			return fsck_extract_fail(ctx, "mknod", errno);
		err = fsck_apply_meta(ctx, -1, dirfd, name, vi, false);
		break;
	default:
		return -EINVAL;
	}
	if (!err)
		fsck_remember_first(ctx, vi);
	return err;
}

/* Make @name in @dirfd another link to the first copy of @rec. */
static int fsck_extract_link(struct fsck_ctx *ctx, struct fsck_extract *x,
			     int dirfd, const char *name,
			     struct fsck_inode_rec *rec)
{
	int err;

	if (fsck_unsafe_name(name)) {
		erofs_err("extract: refusing unsafe name \"%s\"", name);
		ctx->corrupt++;
		return -EINVAL;
	}
	if (!rec->extract_path)
		return 0;	/* first copy skipped (device) or failed */
	err = fsck_make_room(ctx, dirfd, name, false);
	if (err)
		return err;
	/* flags 0: link the entry itself, even when it is a symlink */
	if (linkat(x->root_fd, rec->extract_path, dirfd, name, 0))
		return fsck_extract_fail(ctx, "hardlink", errno);
	return 0;
}

/* Apply owner, mode and times to directory @fd of @vi, then close it. */
static int fsck_extract_finish_dir(struct fsck_ctx *ctx, int fd,
				   struct erofs_inode *vi)
{
	int err = fsck_apply_meta(ctx, fd, -1, NULL, vi, false);

	close(fd);
	return err;
}

/* The steps of the walk: make each entry in the directory being filled. */
static int fsck_extract_top(struct fsck_job *job)
{
	struct fsck_extract *x = (struct fsck_extract *)job;

	return x->dirs[x->ndirs - 1];
}

static void fsck_extract_link_op(struct fsck_ctx *ctx, struct fsck_job *job,
				 const char *name, struct fsck_inode_rec *rec)
{
	int dirfd = fsck_extract_top(job);

	if (dirfd >= 0)
		fsck_extract_link(ctx, (struct fsck_extract *)job, dirfd, name,
				  rec);
}

static void fsck_extract_dir_begin(struct fsck_ctx *ctx, struct fsck_job *job,
				   const char *name, struct erofs_inode *vi)
{
	struct fsck_extract *x = (struct fsck_extract *)job;
	int dirfd = fsck_extract_top(job), newfd = -1;

	/* the start directory is DIR itself, anything else is created */
	if (dirfd >= 0 && x->ndirs == 1)
		newfd = fsck_extract_dup_root(ctx, x);
	else if (dirfd >= 0 && fsck_extract_entry(ctx, dirfd, name, vi, &newfd))
		newfd = -1;
	x->dirs[x->ndirs++] = newfd;
}

static void fsck_extract_dir_end(struct fsck_ctx *ctx, struct fsck_job *job,
				 struct erofs_inode *vi, bool complete)
{
	struct fsck_extract *x = (struct fsck_extract *)job;
	int fd = x->dirs[--x->ndirs];

	(void)complete;
	if (fd >= 0)
		fsck_extract_finish_dir(ctx, fd, vi);
}

static int fsck_extract_file_begin(struct fsck_ctx *ctx, struct fsck_job *job,
				   const char *name, struct erofs_inode *vi,
				   int *outfd)
{
	int dirfd = fsck_extract_top(job);

	/* under a directory not made: the data is checked all the same */
	return dirfd < 0 ? 0 : fsck_extract_entry(ctx, dirfd, name, vi, outfd);
}

/* May run on a worker: touches nothing but @ctx's counters. */
static void fsck_extract_finish_op(struct fsck_ctx *ctx, struct fsck_job *job,
				   int outfd, struct erofs_inode *vi, int err,
				   erofs_off_t hi)
{
	(void)job;
	if (outfd >= 0)
		fsck_extract_finish_file(ctx, outfd, vi, err, hi);
}

static void fsck_extract_other(struct fsck_ctx *ctx, struct fsck_job *job,
			       const char *name, struct erofs_inode *vi)
{
	int dirfd = fsck_extract_top(job), fd;

	if (dirfd >= 0)
		fsck_extract_entry(ctx, dirfd, name, vi, &fd);
}

static const struct fsck_job_ops fsck_extract_ops = {
	.link = fsck_extract_link_op,
	.dir_begin = fsck_extract_dir_begin,
	.dir_end = fsck_extract_dir_end,
	.file_begin = fsck_extract_file_begin,
	.finish_file = fsck_extract_finish_op,
	.other = fsck_extract_other,
};
