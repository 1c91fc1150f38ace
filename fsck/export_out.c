// SPDX-License-Identifier: MIT
/* fsck.erofs --export: the archive's output, a temporary file or a stream. */
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
#include "export_out.h"

/* The temporary file, for the signal handler: one export a run. */
static char *volatile fsck_export_live;

static void fsck_export_on_signal(int sig)
{
	if (fsck_export_live)
		unlink(fsck_export_live);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void fsck_export_trap(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = fsck_export_on_signal };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ".NAME.XXXXXX" in FILE's directory: FILE appears whole or not at all. */
static int fsck_export_tmpfile(struct fsck_export_out *o, const char *file)
{
	char *dir = strdup(file), *path;
	const char *base = strrchr(file, '/');
	size_t len = strlen(file) + 16;
	mode_t mask;
	int fd;

	base = base ? base + 1 : file;
	path = malloc(len);
	if (!dir || !path) {
		free(dir);
		free(path);
		return -ENOMEM;	/* reported by the caller */
	}
	snprintf(path, len, "%s/.%s.XXXXXX", dirname(dir), base);
	free(dir);
	fsck_export_trap();
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		erofs_err("export: %s: %s", file, strerror(errno));
		free(path);
		return -errno;
	}
	o->fd = fd;
	o->file = file;
	o->tmp = path;
	fsck_export_live = path;
	/* mkstemp made it 0600: FILE gets what a new file would */
	mask = umask(0);
	umask(mask);
	o->mode = 0666 & ~mask;
	return 0;
}

int fsck_export_out_open(struct fsck_export_out *o, const char *file)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->dest = file;
	if (!strcmp(file, "-")) {
		o->dest = "standard output";
		o->fd = STDOUT_FILENO;
		return 0;
	}
	if (stat(file, &st) || S_ISREG(st.st_mode))
		return fsck_export_tmpfile(o, file);
	if (S_ISDIR(st.st_mode)) {
		erofs_err("export: %s: is a directory", file);
		return -EISDIR;
	}
	o->fd = open(file, O_WRONLY | O_CLOEXEC);
	if (o->fd < 0) {
		erofs_err("export: %s: %s", file, strerror(errno));
		return -errno;
	}
	return 0;
}

int fsck_export_out_write(struct fsck_export_out *o, const void *buf,
			  size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(o->fd, (const char *)buf + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -ENOSPC;
		done += w;
	}
	return 0;
}

int fsck_export_out_commit(struct fsck_export_out *o)
{
	int err = 0, fd = o->fd;

	if (!o->tmp)
		return 0;
	o->fd = -1;
	if (fchmod(fd, o->mode))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(o->tmp, o->file))
		err = -errno;
	if (err) {
		erofs_err("export: %s: %s", o->dest, strerror(-err));
		return err;
	}
	fsck_export_live = NULL;
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

void fsck_export_out_abort(struct fsck_export_out *o)
{
	if (o->fd > STDOUT_FILENO)
		close(o->fd);
	o->fd = -1;
	if (o->tmp) {
		unlink(o->tmp);
		fsck_export_live = NULL;
		free(o->tmp);
		o->tmp = NULL;
	}
}
