// SPDX-License-Identifier: MIT
/* Built without libarchive: --export explains itself instead. */
#include "erofs/print.h"
#include "fsck.h"

int fsck_export_open(struct fsck_ctx *ctx)
{
	erofs_err("export: %s: --export needs libarchive, and this fsck.erofs was built without it (configure --with-libarchive)",
		  ctx->opts->export_file);
	return -EOPNOTSUPP;
}

int fsck_export_finish(struct fsck_ctx *ctx)
{
	(void)ctx;
	return 0;
}

void fsck_export_close(struct fsck_ctx *ctx)
{
	(void)ctx;
}
