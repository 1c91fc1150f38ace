/* SPDX-License-Identifier: MIT */
/*
 * Where mkfs.erofs writes: a temporary file beside DEST that takes DEST's
 * name only once the image is complete (or a block device, in place), and
 * the staging file of --tar; neither is left behind by a failure or a
 * fatal signal.
 */
#ifndef MKFS_TMPFILE_H
#define MKFS_TMPFILE_H

#include <stdbool.h>
#include "erofs/io.h"

/* A file beside DEST, removed unless committed. */
struct mkfs_tmpfile {
	char *path;		/* NULL: none (never made, committed, removed) */
	int fd;
};

/* Remove every live temporary file on SIGINT, SIGTERM, SIGHUP, ... */
void mkfs_trap_signals(void);

/*
 * Create ".NAME.TAGXXXXXX" in DEST's directory, so its bytes live on the
 * filesystem that will hold the image: 0 or -errno (not reported).
 */
int mkfs_tmpfile_create(struct mkfs_tmpfile *t, const char *dest,
			const char *tag);
/* Unlink @t at once, keeping it open: returns its fd, now the caller's. */
int mkfs_tmpfile_unlink(struct mkfs_tmpfile *t);
/* Close (if still open) and unlink @t; nothing if there is none. */
void mkfs_tmpfile_remove(struct mkfs_tmpfile *t);

/* The image being written, as an erofs_io. */
struct mkfs_output {
	const char *dest;
	bool to_device;		/* DEST is a block device: written in place */
	bool fsync;		/* --fsync: flush the file and DEST's directory */
	struct mkfs_tmpfile tmp;
	struct erofs_io io;
};

/*
 * Open the device or create the temporary file, with the EROFS_FAULT
 * wrapper of the tests; the image starts at byte @offset of it (--offset).
 * 0 or -errno, reported.
 */
int mkfs_output_open(struct mkfs_output *out, const char *dest,
		     bool to_device, bool fsync, erofs_off_t offset);
/* Whether the image is flushed as it is written (a device, --fsync). */
static inline bool mkfs_output_writeback(const struct mkfs_output *out)
{
	return out->to_device || out->fsync;
}
/*
 * The image is complete: flush it (a device, --fsync), give a new file the
 * usual permissions, close it and give it the name DEST atomically (an
 * existing image is exchanged with it, then unlinked), then flush DEST's
 * directory (--fsync).  0 or -errno, reported; on failure no temporary
 * file is left.
 */
int mkfs_output_commit(struct mkfs_output *out);
/* The build failed: close and remove the temporary file. */
void mkfs_output_abort(struct mkfs_output *out);

#endif
