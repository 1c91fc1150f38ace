// SPDX-License-Identifier: MIT
/* fsck.erofs: open, read the superblock, walk, report, pick an exit code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/namei.h"
#include "erofs/print.h"
#include "erofs/zdata.h"
#include "fsck.h"

static int fsck_exit_code(const struct fsck_ctx *ctx)
{
	if (ctx->op_errors)
		return FSCK_EXIT_ERROR;
	if (ctx->corrupt)
		return FSCK_EXIT_CORRUPT;
	if (ctx->unsupported)
		return FSCK_EXIT_UNSUPPORTED;
	return FSCK_EXIT_OK;
}

/* Library errors from opening: corruption, unsupported, or operational. */
static int fsck_open_status(int err)
{
	if (err == -EFSCORRUPTED || err == -EBADMSG)
		return FSCK_EXIT_CORRUPT;
	if (err == -EOPNOTSUPP)
		return FSCK_EXIT_UNSUPPORTED;
	return FSCK_EXIT_ERROR;
}

/* Resolve --nid / --path to the start nid, its parent and its name. */
static int fsck_find_start(struct fsck_ctx *ctx, erofs_nid_t *nid,
			   erofs_nid_t *parent, const char **name)
{
	struct fsck_options *opts = ctx->opts;
	const char *slash, *p, *end;
	int err;

	*nid = ctx->sbi->root_nid;
	*parent = ctx->sbi->root_nid;
	*name = "root";
	ctx->whole_tree = true;
	if (opts->has_nid) {
		*nid = opts->nid;
		*parent = (erofs_nid_t)-1;
		*name = "start";
		ctx->whole_tree = opts->nid == ctx->sbi->root_nid;
	} else if (opts->path) {
		err = erofs_namei(ctx->sbi, opts->path, nid);
		if (err) {
			erofs_err("%s: cannot look up: %s", opts->path,
				  strerror(-err));
			return err;
		}
		*parent = (erofs_nid_t)-1;
		/* messages name entries by their full image path */
		for (p = opts->path; *p; p = end) {
			while (*p == '/')
				p++;
			end = strchrnul(p, '/');
			if (end > p && fsck_path_push(&ctx->path, p, end - p))
				return -ENOMEM;
		}
		ctx->root_path_len = ctx->path.len;
		slash = strrchr(opts->path, '/');
		*name = slash ? slash + 1 : opts->path;
		ctx->whole_tree = *nid == ctx->sbi->root_nid;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fsck_options opts;
	struct fsck_ctx ctx = { .opts = &opts, .extract_root_fd = -1 };
	struct erofs_sb_info sbi;
	struct erofs_io io;
	erofs_nid_t nid, parent;
	const char *name;
	int err;

	erofs_progname = "fsck.erofs";
	/* argp names the program in its messages: not the path it ran from */
	argv[0] = (char *)erofs_progname;
	fsck_parse_options(argc, argv, &opts);

	err = erofs_io_open_ro(&io, opts.image, opts.offset);
	if (err) {
		erofs_err("%s: cannot open: %s", opts.image, strerror(-err));
		return FSCK_EXIT_ERROR;
	}
	err = erofs_sb_read(&sbi, &io, opts.no_sbcrc ? EROFS_SB_SKIP_CRC : 0);
	if (err) {
		erofs_err("%s: superblock rejected", opts.image);
		erofs_io_close(&io);
		return fsck_open_status(err);
	}
	ctx.sbi = &sbi;
	err = fsck_find_start(&ctx, &nid, &parent, &name);
	if (err) {
		erofs_sb_release(&sbi);
		erofs_io_close(&io);
		return err == -ENOENT || err == -ENOTDIR ? FSCK_EXIT_ERROR :
		       fsck_open_status(err);
	}
	if (opts.extract_dir) {
		if (fsck_extract_open_root(&ctx)) {
			erofs_sb_release(&sbi);
			erofs_io_close(&io);
			return FSCK_EXIT_ERROR;
		}
	}
	/* the root's ".." points at the root itself */
	fsck_check_tree(&ctx, nid, parent, name);
	fsck_extract_close_root(&ctx);

	printf("%s: %llu inodes (%llu directories, %llu files, %llu other), %llu bytes checked\n",
	       opts.image, ctx.inodes, ctx.dirs, ctx.files, ctx.others,
	       ctx.bytes);
	if (opts.print_ratio) {
		const struct z_erofs_stats *zs = z_erofs_get_stats(&sbi);

		printf("compression ratio: %.2f\n", ctx.physical ?
		       (double)ctx.logical / ctx.physical : 1.0);
		printf("pclusters decoded: %llu (%llu in place), cache hits: %llu\n",
		       (unsigned long long)zs->decoded,
		       (unsigned long long)zs->inplace,
		       (unsigned long long)zs->hits);
	}
	if (ctx.corrupt)
		printf("%s: image is corrupted: problems found: %lu\n",
		       opts.image, ctx.corrupt);
	else if (ctx.unsupported)
		printf("%s: not fully checked: inodes this version cannot check: %lu\n",
		       opts.image, ctx.unsupported);
	else if (!ctx.op_errors)
		printf("%s: clean\n", opts.image);
	fsck_itable_free(&ctx.itable);
	free(ctx.path.buf);
	erofs_sb_release(&sbi);
	erofs_io_close(&io);
	return fsck_exit_code(&ctx);
}
