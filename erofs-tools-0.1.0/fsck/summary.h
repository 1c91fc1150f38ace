/* SPDX-License-Identifier: MIT */
/* fsck.erofs's verdict and summary (summary.c). */
#ifndef FSCK_SUMMARY_H
#define FSCK_SUMMARY_H

#include "fsck.h"

/* The exit status the findings in @ctx give (fsck.erofs(1), EXIT STATUS). */
int fsck_exit_code(const struct fsck_ctx *ctx);
/* The exit status for a library error met before the walk. */
int fsck_open_status(int err);
/* --json when the walk never started: the image and how it ended; @code. */
int fsck_json_early(const struct fsck_options *opts, int code);
/* --json: open the document in @json for the walk to stream into. */
void fsck_json_begin(struct fsck_ctx *ctx, struct erofs_json *json);
/* After the walk: print the summary (text or JSON); the exit status. */
int fsck_summary(struct fsck_ctx *ctx);

#endif
