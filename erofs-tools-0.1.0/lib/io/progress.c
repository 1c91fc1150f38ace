// SPDX-License-Identifier: MIT
/* The progress line: see erofs/progress.h. */
#include <stdio.h>
#include <unistd.h>
#include "erofs/print.h"
#include "erofs/progress.h"

#define PROGRESS_INTERVAL_NS	200000000ll
#define MIB			1048576.0

bool erofs_progress_wanted(bool quiet)
{
	return !quiet && erofs_msg_level >= EROFS_MSG_INFO &&
	       isatty(STDERR_FILENO);
}

void erofs_progress_init(struct erofs_progress *p, bool enabled,
			 const char *what, uint64_t total_bytes,
			 uint64_t total_items)
{
	p->enabled = enabled;
	p->drawn = false;
	p->what = what;
	p->total_bytes = total_bytes;
	p->total_items = total_items;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

static long long progress_ns(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000ll + (b->tv_nsec - a->tv_nsec);
}

static void progress_draw(struct erofs_progress *p, uint64_t done,
			  uint64_t items, const struct timespec *now)
{
	double el = progress_ns(&p->start, now) / 1e9;
	double rate = el > 0 ? done / el : 0;
	char left[32] = "--:--";

	if (done > p->total_bytes)
		done = p->total_bytes;	/* a total that was only an estimate */
	if (rate > 0 && done) {
		unsigned long long s = (p->total_bytes - done) / rate + 0.5;

		if (s >= 3600)
			snprintf(left, sizeof(left), "%llu:%02llu:%02llu",
				 s / 3600, s / 60 % 60, s % 60);
		else
			snprintf(left, sizeof(left), "%llu:%02llu", s / 60, s % 60);
	}
	fprintf(stderr, "\r%s: ", erofs_progname);
	if (p->total_items)
		fprintf(stderr, "%llu/%llu entries, ",
			(unsigned long long)items,
			(unsigned long long)p->total_items);
	fprintf(stderr, "%.1f/%.1f MiB %s (%u%%), %.1f MiB/s, %s left\033[K",
		done / MIB, p->total_bytes / MIB, p->what,
		p->total_bytes ? (unsigned int)(done * 100 / p->total_bytes) : 100,
		rate / MIB, left);
	p->drawn = true;
}

void erofs_progress_update(struct erofs_progress *p, uint64_t done_bytes,
			   uint64_t done_items)
{
	struct timespec now;

	if (!p->enabled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (progress_ns(&p->last, &now) < PROGRESS_INTERVAL_NS)
		return;
	p->last = now;
	progress_draw(p, done_bytes, done_items, &now);
}

void erofs_progress_end(struct erofs_progress *p, uint64_t done_bytes,
			uint64_t done_items)
{
	struct timespec now;

	if (!p->enabled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	progress_draw(p, done_bytes, done_items, &now);
	fputs("\r\033[K", stderr);
	p->enabled = false;
}
