// SPDX-License-Identifier: MIT
/*
 * Where fsck is and what it found there: the path of the current entry and
 * the counters of findings, with the one way each kind is printed.  The
 * walk, its jobs and its workers all report through here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/print.h"
#include "fsck.h"

int fsck_path_push(struct fsck_path *p, const char *name, size_t len)
{
	if (p->len + len + 2 > p->cap) {
		size_t ncap = (p->len + len + 2) * 2;
		char *n = realloc(p->buf, ncap);

		if (!n)
			return -ENOMEM;
		p->buf = n;
		p->cap = ncap;
	}
	p->buf[p->len++] = '/';
	memcpy(p->buf + p->len, name, len);
	p->len += len;
	p->buf[p->len] = '\0';
	return 0;
}

void fsck_path_pop(struct fsck_path *p, size_t oldlen)
{
	p->len = oldlen;
	if (p->buf)
		p->buf[oldlen] = '\0';
}

const char *fsck_path_str(struct fsck_ctx *ctx)
{
	return ctx->path.len ? ctx->path.buf : "/";
}

const char *fsck_path_rel(struct fsck_ctx *ctx)
{
	const char *p = ctx->path.buf ? ctx->path.buf + ctx->root_path_len : "";

	while (*p == '/')
		p++;
	return *p ? p : ".";
}

void fsck_corrupt(struct fsck_ctx *ctx, erofs_nid_t nid, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	erofs_err("%s: nid %llu: %s", fsck_path_str(ctx),
		  (unsigned long long)nid, msg);
	ctx->corrupt++;
}

void fsck_count_error(struct fsck_ctx *ctx, int err)
{
	if (err == -EOPNOTSUPP)
		ctx->unsupported++;
	else if (err == -EFSCORRUPTED || err == -EBADMSG)
		ctx->corrupt++;
	else
		ctx->op_errors++;
}

void fsck_differ(struct fsck_ctx *ctx, const char *kind, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ctx->differences++;
	if (ctx->json) {
		erofs_json_object(ctx->json, NULL);
		erofs_json_str(ctx->json, "path", fsck_path_str(ctx));
		erofs_json_str(ctx->json, "kind", kind);
		erofs_json_str(ctx->json, "detail", detail);
		erofs_json_end(ctx->json);
	} else {
		printf("%s: %s: %s\n", fsck_path_str(ctx), kind, detail);
	}
}
