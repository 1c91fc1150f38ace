/* SPDX-License-Identifier: MIT */
/*
 * fsck.erofs: the path of the entry being checked and the findings counted
 * against it.  A leaf: the walk and every job report through these, and
 * these call nothing of theirs.
 */
#ifndef FSCK_REPORT_H
#define FSCK_REPORT_H

#include <stddef.h>
#include "erofs/defs.h"

struct fsck_ctx;

/* A growing path buffer ("/a/b") for messages and extraction. */
struct fsck_path {
	char *buf;
	size_t len, cap;
};

/* Append "/NAME" (@len bytes) to @p: 0 or -ENOMEM. */
int fsck_path_push(struct fsck_path *p, const char *name, size_t len);
/* Cut @p back to @oldlen bytes. */
void fsck_path_pop(struct fsck_path *p, size_t oldlen);

/* The image path of the entry being checked ("/" for the root). */
const char *fsck_path_str(struct fsck_ctx *ctx);
/* The same path below the start of the walk, as DIR names it ("." for it). */
const char *fsck_path_rel(struct fsck_ctx *ctx);

/* Report a corruption found by fsck itself: "PATH: nid N: ...". */
void fsck_corrupt(struct fsck_ctx *ctx, erofs_nid_t nid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Count a library error (reported there): unsupported, corrupt, or operational. */
void fsck_count_error(struct fsck_ctx *ctx, int err);
/* --compare: report a difference of @kind at the current path. */
void fsck_differ(struct fsck_ctx *ctx, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
