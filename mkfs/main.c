// SPDX-License-Identifier: MIT
/* mkfs.erofs: scan SOURCE, build the image beside DEST, rename on success. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "erofs/build.h"
#include "erofs/print.h"
#include "erofs/progress.h"
#include "erofs/tar.h"
#include "options.h"

/* The temporary image, removed if we die before renaming it into place. */
static char *mkfs_tmp_path;
/* --tar: where file bytes wait for the image, removed in every case. */
static char *mkfs_stage_path;

static void mkfs_on_signal(int sig)
{
	if (mkfs_tmp_path)
		unlink(mkfs_tmp_path);
	if (mkfs_stage_path)
		unlink(mkfs_stage_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void mkfs_trap_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	struct sigaction sa = { .sa_handler = mkfs_on_signal };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/*
 * Create ".NAME.TAGXXXXXX" in DEST's directory, so temporary bytes live on
 * the filesystem that will hold the image; returns an fd or -errno.
 */
static int mkfs_create_tmp(const char *dest, const char *tag, char **pathp)
{
	char *d1 = strdup(dest), *d2 = strdup(dest);
	int fd = -ENOMEM;

	if (d1 && d2) {
		const char *dir = dirname(d1), *base = basename(d2);
		size_t len = strlen(dir) + strlen(base) + strlen(tag) + 16;

		*pathp = malloc(len);
		if (*pathp) {
			snprintf(*pathp, len, "%s/.%s.%sXXXXXX", dir, base, tag);
			fd = mkostemp(*pathp, O_CLOEXEC);
			if (fd < 0) {
				fd = -errno;
				free(*pathp);
				*pathp = NULL;
			}
		}
	}
	free(d1);
	free(d2);
	return fd;
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

/* The tree from SOURCE: a directory, or with --tar an archive. */
static int mkfs_read_tree(struct mkfs_options *o, struct erofs_tree *tree,
			  int *stage_fd)
{
	if (!o->tar)
		return erofs_tree_build(tree, o->src, &o->tree);
	memset(tree, 0, sizeof(*tree));
	*stage_fd = mkfs_create_tmp(o->dest, "stage", &mkfs_stage_path);
	if (*stage_fd < 0) {
		erofs_err("%s: cannot create a staging file beside it: %s",
			  o->dest, strerror(-*stage_fd));
		return *stage_fd;
	}
	return erofs_tar_build(tree, o->src, *stage_fd, mkfs_stage_path, &o->tree);
}

static int mkfs_run(struct mkfs_options *o)
{
	struct erofs_build_stats stats = { 0 };
	struct erofs_tree tree;
	struct erofs_xattr_area xattrs;
	struct erofs_io io;
	struct timespec t0, t1;
	struct stat st;
	bool to_device = false;
	int fd, err, stage_fd = -1;
	mode_t mask;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!stat(o->dest, &st)) {
		if (S_ISDIR(st.st_mode)) {
			erofs_err("%s: is a directory", o->dest);
			return -EISDIR;
		}
		to_device = S_ISBLK(st.st_mode);
		/* an old image inside SOURCE is never packed into the new one */
		o->tree.skip_dev = st.st_dev;
		o->tree.skip_ino = st.st_ino;
		o->tree.have_skip = true;
	}
	if (o->file_contexts) {
		err = erofs_selabel_open(o->file_contexts, &o->xattr.selabel);
		if (err)
			return err;
	}
	err = mkfs_read_tree(o, &tree, &stage_fd);
	if (!err)
		err = erofs_xattrs_build(&tree, o->tar ? NULL : o->src, &o->xattr,
					 &xattrs);
	erofs_selabel_close(o->xattr.selabel);
	o->xattr.selabel = NULL;
	if (err) {
		erofs_tree_free(&tree);	/* also after a failed scan: zeroed */
		goto out_stage;
	}
	o->build.xattrs = &xattrs;

	if (to_device) {
		fd = open(o->dest, O_WRONLY | O_CLOEXEC);
		fd = fd < 0 ? -errno : fd;
	} else {
		fd = mkfs_create_tmp(o->dest, "", &mkfs_tmp_path);
	}
	if (fd < 0) {
		erofs_err("%s: %s", o->dest, strerror(-fd));
		err = fd;
		goto out_tree;
	}
	erofs_io_init_fd(&io, fd);
	err = erofs_io_fault_wrap(&io);
	if (err) {
		erofs_err("EROFS_FAULT: invalid fault specification");
		erofs_io_close(&io);
		goto out_unlink;
	}
	o->build.progress = erofs_progress_wanted(o->quiet);
	/*
	 * As erofs-utils and mksquashfs do, an image file is left to the page
	 * cache (sync(1) makes it durable); a device, or --fsync, is flushed.
	 */
	o->build.writeback = to_device || o->fsync;
	err = erofs_build_image(&io, &tree, &o->build, &stats);
	if (!err && o->build.writeback) {
		err = io.ops->sync(&io);
		if (err)
			erofs_err("%s: %s", o->dest, strerror(-err));
	}
	if (!err && !to_device) {
		/* a new file gets the usual permissions, not mkstemp's 0600 */
		mask = umask(0);
		umask(mask);
		if (fchmod(io.fd, 0666 & ~mask)) {
			err = -errno;
			erofs_err("%s: %s", o->dest, strerror(errno));
		}
	}
	erofs_io_close(&io);
	if (!err && !to_device && rename(mkfs_tmp_path, o->dest)) {
		err = -errno;
		erofs_err("%s: %s", o->dest, strerror(errno));
	}
	if (!err) {
		free(mkfs_tmp_path);
		mkfs_tmp_path = NULL;
		/* the image is complete and in place: only its name may not be durable */
		if (o->fsync && !to_device) {
			err = mkfs_sync_dir(o->dest);
			if (err)
				erofs_err("%s: cannot flush its directory: %s",
					  o->dest, strerror(-err));
		}
	}
out_unlink:
	if (mkfs_tmp_path) {
		unlink(mkfs_tmp_path);
		free(mkfs_tmp_path);
		mkfs_tmp_path = NULL;
	}
out_tree:
	erofs_tree_free(&tree);
	erofs_xattr_area_free(&xattrs);
out_stage:
	if (stage_fd >= 0)
		close(stage_fd);
	if (mkfs_stage_path) {
		unlink(mkfs_stage_path);
		free(mkfs_stage_path);
		mkfs_stage_path = NULL;
	}
	if (!err && !o->quiet) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		erofs_info("%s: %llu inodes, %llu blocks of %u bytes (%llu of them metadata, %llu bytes), %.2f s",
			   o->dest, (unsigned long long)stats.inodes,
			   (unsigned long long)stats.blocks, 1u << o->build.blkszbits,
			   (unsigned long long)stats.meta_blocks,
			   (unsigned long long)stats.blocks << o->build.blkszbits,
			   (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	return err;
}

int main(int argc, char **argv)
{
	struct mkfs_options o;
	int err;

	erofs_progname = "mkfs.erofs";
	/* argp names the program in its messages: not the path it ran from */
	argv[0] = (char *)erofs_progname;
	mkfs_parse_options(argc, argv, &o);
	mkfs_trap_signals();
	err = mkfs_run(&o);
	mkfs_free_options(&o);
	return err ? 1 : 0;
}
