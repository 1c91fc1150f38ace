/* SPDX-License-Identifier: MIT */
/*
 * fsck.erofs --export: where the archive goes (export_out.c).  Standard
 * output, a device or a FIFO is written as the archive comes; a regular
 * FILE (or a new one) is a temporary file beside it, renamed over it on
 * success only, and removed on failure or on a signal.
 */
#ifndef FSCK_EXPORT_OUT_H
#define FSCK_EXPORT_OUT_H

#include <stddef.h>
#include <sys/types.h>

struct fsck_export_out {
	int fd;
	const char *dest;	/* for messages: FILE, or "standard output" */
	const char *file;	/* FILE, when a temporary file stands in for it */
	char *tmp;		/* that temporary file */
	mode_t mode;		/* FILE's mode once renamed */
};

/* Open @file ("-": standard output): 0 or -errno (reported). */
int fsck_export_out_open(struct fsck_export_out *o, const char *file);
/* Write all of @buf: 0 or -errno. */
int fsck_export_out_write(struct fsck_export_out *o, const void *buf,
			  size_t len);
/* Everything is written: give the temporary file FILE's name; 0 or -errno (reported). */
int fsck_export_out_commit(struct fsck_export_out *o);
/* Close, removing a temporary file left; nothing when already committed. */
void fsck_export_out_abort(struct fsck_export_out *o);

#endif
