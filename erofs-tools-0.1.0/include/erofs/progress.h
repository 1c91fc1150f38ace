/* SPDX-License-Identifier: MIT */
/*
 * A live progress line on stderr for long jobs: done/total bytes, rate and
 * time left, redrawn at most five times a second.  The tools decide whether
 * to show it (a terminal, no --quiet); when disabled every call is a no-op.
 */
#ifndef EROFS_PROGRESS_H
#define EROFS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct erofs_progress {
	bool enabled;
	bool drawn;		/* something is on the line: erase at the end */
	const char *what;	/* "checked", "written", ... */
	uint64_t total_bytes, total_items;	/* 0 items: not shown */
	struct timespec start, last;
};

/* True when stderr is a terminal and the caller is not quiet. */
bool erofs_progress_wanted(bool quiet);

/* Start the clock; @total_items 0 leaves the item count out. */
void erofs_progress_init(struct erofs_progress *p, bool enabled,
			 const char *what, uint64_t total_bytes,
			 uint64_t total_items);

/* Redraw with the figures so far, unless the last redraw is too recent. */
void erofs_progress_update(struct erofs_progress *p, uint64_t done_bytes,
			   uint64_t done_items);

/* Draw the final figures once, then erase the line. */
void erofs_progress_end(struct erofs_progress *p, uint64_t done_bytes,
			uint64_t done_items);

#endif
