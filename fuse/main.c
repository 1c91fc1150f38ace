// SPDX-License-Identifier: MIT
/* erofsfuse: open the image, mount it through FUSE, serve until unmounted. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include "erofs/crc32c.h"
#include "erofs/namei.h"
#include "erofs/print.h"
#include "erofsfuse.h"
#include "ops.h"

/*
 * Messages while serving: the kernel asks again for pages a read failed
 * on (read-ahead, then each page), so the same line would come several
 * times for one bad spot.  Each distinct line is logged once among the
 * last ERF_LOG_SEEN; a daemon logs to syslog, -f to stderr.
 */
#define ERF_LOG_SEEN	64

static pthread_mutex_t erf_log_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t erf_log_seen[ERF_LOG_SEEN];
static unsigned int erf_log_next;
static bool erf_log_syslog;

static void erf_log(int level, const char *line)
{
	uint32_t h = erofs_crc32c(0, line, strlen(line));
	unsigned int i;

	pthread_mutex_lock(&erf_log_lock);
	for (i = 0; i < ERF_LOG_SEEN && erf_log_seen[i] != h; i++)
		;
	if (i == ERF_LOG_SEEN) {
		erf_log_seen[erf_log_next++ % ERF_LOG_SEEN] = h;
		if (erf_log_syslog)
			syslog(level == EROFS_MSG_ERR ? LOG_ERR :
			       level == EROFS_MSG_WARN ? LOG_WARNING :
			       level == EROFS_MSG_INFO ? LOG_INFO : LOG_DEBUG,
			       "%s", line);
		else
			fprintf(stderr, "%s: %s%s\n", erofs_progname,
				level == EROFS_MSG_WARN ? "warning: " : "",
				line);
	}
	pthread_mutex_unlock(&erf_log_lock);
}

/* The directory --nid or --path names, else the image's root. */
static int erf_find_root(const struct erofsfuse_options *opts,
			 struct erofs_sb_info *sbi, erofs_nid_t *nid)
{
	struct erofs_inode vi;
	int err;

	*nid = sbi->root_nid;
	if (opts->img.has_nid) {
		*nid = opts->img.nid;
	} else if (opts->img.path) {
		err = erofs_namei(sbi, opts->img.path, nid);
		if (err) {
			erofs_err("%s: cannot look up: %s", opts->img.path,
				  strerror(-err));
			return err;
		}
	}
	err = erofs_read_inode(sbi, *nid, &vi);
	if (err) {
		erofs_err("nid %llu: cannot read the root inode: %s",
			  (unsigned long long)*nid, strerror(-err));
		return err;
	}
	if (!S_ISDIR(vi.mode)) {
		erofs_err("nid %llu: the root to mount is not a directory",
			  (unsigned long long)*nid);
		return -ENOTDIR;
	}
	return 0;
}

/* Open IMAGE and its devices into @sbi: 0, or -errno (reported). */
static int erf_open_image(const struct erofsfuse_options *opts,
			  struct erofs_io *io, struct erofs_sb_info *sbi)
{
	unsigned int missing;
	char name[128];
	int err;

	err = erofs_io_open_ro(io, opts->img.image, opts->img.offset);
	if (err) {
		erofs_err("%s: cannot open: %s", opts->img.image, strerror(-err));
		return err;
	}
	err = erofs_sb_read(sbi, io, opts->img.no_sbcrc ? EROFS_SB_SKIP_CRC : 0);
	if (err)
		goto out_close;
	err = erofs_sb_open_devices(sbi, opts->img.devices, opts->img.ndevices);
	if (err)
		goto out_release;
	/* as the kernel mounts it: only the files on that device fail */
	missing = erofs_sb_missing_device(sbi);
	if (missing)
		erofs_warn("%s is missing: files with data on it read as I/O errors (give it with --device)",
			   erofs_sb_device_name(sbi, missing, name, sizeof(name)));
	return 0;
out_release:
	erofs_sb_release(sbi);
out_close:
	erofs_io_close(io);
	return err;
}

/* The options for libfuse: ours first, then the user's -o. */
static int erf_fuse_args(const struct erofsfuse_options *opts, char *argv0,
			 struct fuse_args *args)
{
	char *o = NULL, *fsname;
	int err = -ENOMEM;

	if (asprintf(&fsname, "fsname=%s", opts->img.image) < 0)
		return -ENOMEM;
	if (fuse_opt_add_arg(args, argv0) ||
	    fuse_opt_add_opt(&o, "ro,default_permissions,subtype=erofs") ||
	    fuse_opt_add_opt_escaped(&o, fsname) ||
	    (opts->mount_opts && fuse_opt_add_opt(&o, opts->mount_opts)) ||
	    fuse_opt_add_arg(args, "-o") || fuse_opt_add_arg(args, o))
		goto out;
	err = 0;
out:
	free(o);
	free(fsname);
	return err;
}

/*
 * Threads of our loop: -o threads=N, else one per CPU online (at least
 * two, so that a request waiting for the disk does not hold up the rest).
 */
static unsigned int erf_threads(const struct erofsfuse_options *opts)
{
	long n;

	if (opts->threads)
		return opts->threads;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 2 ? 2 : n > 16 ? 16 : n;
}

/* Mount @fs and serve it until unmounted or signalled: 0 or -1. */
static int erf_serve(const struct erofsfuse_options *opts, char *argv0,
		     struct erofsfuse *fs)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_loop_config cfg = {
		.clone_fd = opts->clone_fd,
		.max_idle_threads = opts->max_idle ? opts->max_idle : 10,
	};
	struct fuse_session *se;
	int ret = -1;

	if (erf_fuse_args(opts, argv0, &args)) {
		erofs_err("cannot build the FUSE options: %s", strerror(ENOMEM));
		goto out_args;
	}
	/* libfuse prints why it refuses */
	se = fuse_session_new(&args, &erofsfuse_ll_ops,
			      sizeof(erofsfuse_ll_ops), fs);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se))
		goto out_destroy;
	if (fuse_session_mount(se, opts->mountpoint))
		goto out_signals;
	if (fuse_daemonize(opts->foreground))
		goto out_unmount;
	if (!opts->foreground) {
		openlog("erofsfuse", LOG_PID, LOG_DAEMON);
		erf_log_syslog = true;
	}
	erofs_msg_sink = erf_log;
	if (opts->single)
		ret = fuse_session_loop(se);
	else if (opts->clone_fd || opts->max_idle)
		ret = fuse_session_loop_mt(se, &cfg);
	else
		ret = erofsfuse_loop(se, erf_threads(opts));
	/* a signal (> 0) is how a daemon is told to unmount: not a failure */
	if (ret < 0)
		erofs_err("%s: serving failed: %s", opts->mountpoint,
			  strerror(-ret));
	ret = ret < 0 ? -1 : 0;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
out_args:
	fuse_opt_free_args(&args);
	return ret;
}

int main(int argc, char **argv)
{
	struct erofsfuse_options opts;
	struct erofs_sb_info sbi;
	struct erofsfuse fs;
	struct erofs_io io;
	erofs_nid_t root;
	int ret = EROFSFUSE_EXIT_ERROR;

	erofs_progname = "erofsfuse";
	erofsfuse_parse_options(argc, argv, &opts);
	if (erf_open_image(&opts, &io, &sbi))
		goto out_options;
	if (erf_find_root(&opts, &sbi, &root))
		goto out_image;
	ret = erofsfuse_init(&fs, &sbi, root);
	if (ret) {
		erofs_err("cannot set up the server: %s", strerror(-ret));
		ret = EROFSFUSE_EXIT_ERROR;
		goto out_image;
	}
	ret = EROFSFUSE_EXIT_ERROR;
	fs.max_read = opts.max_read;
	if (!erf_serve(&opts, argv[0], &fs))
		ret = 0;
	erofsfuse_fini(&fs);
out_image:
	erofs_sb_release(&sbi);
	erofs_io_close(&io);
out_options:
	erofsfuse_free_options(&opts);
	return ret;
}
