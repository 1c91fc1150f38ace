// SPDX-License-Identifier: MIT
/* mkfs.erofs's temporary files: create, commit by rename, abort, signals. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs/print.h"
#include "tmpfile.h"

/* The image and --tar's staging file: at most two live at a time. */
static struct mkfs_tmpfile *mkfs_live[2];

static void mkfs_on_signal(int sig)
{
	for (size_t i = 0; i < sizeof(mkfs_live) / sizeof(mkfs_live[0]); i++)
		if (mkfs_live[i] && mkfs_live[i]->path)
			unlink(mkfs_live[i]->path);
	signal(sig, SIG_DFL);
	raise(sig);
}

void mkfs_trap_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	struct sigaction sa = { .sa_handler = mkfs_on_signal };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void mkfs_live_set(struct mkfs_tmpfile *t, bool live)
{
	for (size_t i = 0; i < sizeof(mkfs_live) / sizeof(mkfs_live[0]); i++) {
		if (live && !mkfs_live[i]) {
			mkfs_live[i] = t;
			return;
		}
		if (!live && mkfs_live[i] == t)
			mkfs_live[i] = NULL;
	}
}

int mkfs_tmpfile_create(struct mkfs_tmpfile *t, const char *dest,
			const char *tag)
{
	char *d1 = strdup(dest), *d2 = strdup(dest);
	char *path = NULL;
	int fd = -ENOMEM;

	t->path = NULL;
	t->fd = -1;
	if (d1 && d2) {
		const char *dir = dirname(d1), *base = basename(d2);
		size_t len = strlen(dir) + strlen(base) + strlen(tag) + 16;

		path = malloc(len);
		if (path) {
			snprintf(path, len, "%s/.%s.%sXXXXXX", dir, base, tag);
			fd = mkostemp(path, O_CLOEXEC);
			if (fd < 0) {
				fd = -errno;
				free(path);
				path = NULL;
			}
		}
	}
	free(d1);
	free(d2);
	if (fd < 0)
		return fd;
	t->path = path;
	t->fd = fd;
	mkfs_live_set(t, true);
	return 0;
}

/* Forget @t's name: committed, or unlinked. */
static void mkfs_tmpfile_forget(struct mkfs_tmpfile *t)
{
	mkfs_live_set(t, false);
	free(t->path);
	t->path = NULL;
}

int mkfs_tmpfile_unlink(struct mkfs_tmpfile *t)
{
	unlink(t->path);
	mkfs_tmpfile_forget(t);
	return t->fd;
}

void mkfs_tmpfile_remove(struct mkfs_tmpfile *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->path) {
		unlink(t->path);
		mkfs_tmpfile_forget(t);
	}
}

/* Make the new name of DEST durable too (--fsync): 0 or -errno. */
static int mkfs_sync_dir(const char *dest)
{
	char *d = strdup(dest);
	int fd, err = -ENOMEM;

	if (d) {
		fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		err = fd < 0 || fsync(fd) ? -errno : 0;
		if (fd >= 0)
			close(fd);
	}
	free(d);
	return err;
}

/*
 * Unlink @path, the previous image, without waiting for its blocks to be
 * freed: the last close of a large file waits for that (0.2 s for 270 MB
 * on ext4, 0.1 s on tmpfs), which a fresh build never pays.  A child
 * process keeps the file open, so that the unlink only removes the name
 * (no temporary file is left once mkfs exits), then closes it, freeing the
 * blocks after mkfs has exited, as `rm &' would.  Without a child (fork or
 * pipe failing) the unlink waits.
 */
static int mkfs_unlink_detached(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int pipefd[2] = { -1, -1 }, err = 0;
	unsigned int lo, hi;
	pid_t pid = -1;
	char c;

	if (fd >= 0 && !pipe2(pipefd, O_CLOEXEC))
		pid = fork();
	if (!pid) {
		/* hold nothing else, least of all the caller's stdout */
		lo = fd < pipefd[0] ? fd : pipefd[0];
		hi = fd < pipefd[0] ? pipefd[0] : fd;
		if (lo)
			close_range(0, lo - 1, 0);
		if (hi > lo + 1)
			close_range(lo + 1, hi - 1, 0);
		close_range(hi + 1, ~0U, 0);
		/* EOF once the name is gone (or the parent died) */
		while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	if (unlink(path))
		err = -errno;
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/*
 * Give the complete image the name DEST.  rename(2) onto an existing file
 * is what ext4's auto_da_alloc (on by default) watches for: it allocates
 * the new file's delayed blocks and starts writing them before returning,
 * a pause a fresh build never has.  Exchanging the two names
 * (RENAME_EXCHANGE) is just as atomic, ext4 does not flush for it, and the
 * previous image, left under the temporary name, is then unlinked.  Where
 * the exchange is not possible (no DEST, DEST not a regular file, a
 * filesystem or kernel without it) rename(2) does the job and reports
 * what is wrong.  0 or -errno, reported.
 */
static int mkfs_take_name(struct mkfs_output *out)
{
	struct stat st;
	int err;

	if (!lstat(out->dest, &st) && S_ISREG(st.st_mode) &&
	    !renameat2(AT_FDCWD, out->tmp.path, AT_FDCWD, out->dest,
		       RENAME_EXCHANGE)) {
		err = mkfs_unlink_detached(out->tmp.path);
		if (err)
			erofs_err("%s: cannot remove the previous image, now %s: %s",
				  out->dest, out->tmp.path, strerror(-err));
		return err;
	}
	if (rename(out->tmp.path, out->dest)) {
		err = errno;
		erofs_err("%s: %s", out->dest, strerror(err));
		return -err;
	}
	return 0;
}

int mkfs_output_open(struct mkfs_output *out, const char *dest,
		     bool to_device, bool fsync, erofs_off_t offset)
{
	int fd, err;

	memset(out, 0, sizeof(*out));
	out->dest = dest;
	out->to_device = to_device;
	out->fsync = fsync;
	out->tmp.fd = -1;
	if (to_device) {
		fd = open(dest, O_RDWR | O_CLOEXEC);	/* shared data is read back */
		fd = fd < 0 ? -errno : fd;
	} else {
		err = mkfs_tmpfile_create(&out->tmp, dest, "");
		fd = err ? err : out->tmp.fd;
	}
	if (fd < 0) {
		erofs_err("%s: %s", dest, strerror(-fd));
		return fd;
	}
	/* the io owns the fd from here on */
	out->tmp.fd = -1;
	erofs_io_init_fd(&out->io, fd);
	out->io.offset = offset;
	err = erofs_io_fault_wrap(&out->io);
	if (err) {
		erofs_err("EROFS_FAULT: invalid fault specification");
		mkfs_output_abort(out);
	}
	return err;
}

int mkfs_output_commit(struct mkfs_output *out)
{
	int err = 0;
	mode_t mask;

	/*
	 * As erofs-utils and mksquashfs do, an image file is left to the page
	 * cache (sync(1) makes it durable); a device, or --fsync, is flushed.
	 */
	if (mkfs_output_writeback(out)) {
		err = erofs_io_sync(&out->io);
		if (err)
			erofs_err("%s: %s", out->dest, strerror(-err));
	}
	if (!err && !out->to_device) {
		/* a new file gets the usual permissions, not mkstemp's 0600 */
		mask = umask(0);
		umask(mask);
		if (fchmod(out->io.fd, 0666 & ~mask)) {
			err = -errno;
			erofs_err("%s: %s", out->dest, strerror(errno));
		}
	}
	erofs_io_close(&out->io);
	if (!err && !out->to_device)
		err = mkfs_take_name(out);
	if (err) {
		mkfs_tmpfile_remove(&out->tmp);
		return err;
	}
	mkfs_tmpfile_forget(&out->tmp);
	/* the image is complete and in place: only its name may not be durable */
	if (out->fsync && !out->to_device) {
		err = mkfs_sync_dir(out->dest);
		if (err)
			erofs_err("%s: cannot flush its directory: %s",
				  out->dest, strerror(-err));
	}
	return err;
}

void mkfs_output_abort(struct mkfs_output *out)
{
	erofs_io_close(&out->io);
	memset(&out->io, 0, sizeof(out->io));
	mkfs_tmpfile_remove(&out->tmp);
}
