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
	if (ctx->differences)
		return FSCK_EXIT_DIFFERS;
	if (ctx->unsupported)
		return FSCK_EXIT_UNSUPPORTED;
	return FSCK_EXIT_OK;
}

/* The "verdict" of --json: one word per exit status. */
static const char *fsck_verdict(int code)
{
	switch (code) {
	case FSCK_EXIT_OK: return "clean";
	case FSCK_EXIT_CORRUPT: return "corrupt";
	case FSCK_EXIT_UNSUPPORTED: return "not_fully_checked";
	case FSCK_EXIT_DIFFERS: return "differs";
	}
	return "error";
}

/* --json when the walk never started: the image and how it ended. */
static int fsck_json_early(const struct fsck_options *opts, int code)
{
	struct erofs_json j;

	if (opts->img.json) {
		erofs_json_init(&j, stdout);
		erofs_json_object(&j, NULL);
		erofs_json_str(&j, "image", opts->img.image);
		if (opts->compare_dir)
			erofs_json_str(&j, "source", opts->compare_dir);
		erofs_json_str(&j, "verdict", fsck_verdict(code));
		erofs_json_u64(&j, "exit_code", code);
		erofs_json_end(&j);
	}
	return code;
}

/* Everything after the walk, as JSON members of the open document. */
static void fsck_json_summary(struct fsck_ctx *ctx)
{
	struct erofs_json *j = ctx->json;
	int code = fsck_exit_code(ctx);

	erofs_json_u64(j, "inodes", ctx->inodes);
	erofs_json_u64(j, "directories", ctx->dirs);
	erofs_json_u64(j, "files", ctx->files);
	erofs_json_u64(j, "other", ctx->others);
	erofs_json_u64(j, "bytes_checked", ctx->bytes);
	if (ctx->opts->print_ratio) {
		const struct z_erofs_stats *zs = z_erofs_get_stats(ctx->sbi);

		erofs_json_object(j, "compression");
		erofs_json_double(j, "ratio", ctx->physical ?
				  (double)ctx->logical / ctx->physical : 1.0);
		erofs_json_u64(j, "pclusters_decoded", zs->decoded);
		erofs_json_u64(j, "pclusters_in_place", zs->inplace);
		erofs_json_u64(j, "cache_hits", zs->hits);
		erofs_json_end(j);
	}
	erofs_json_u64(j, "problems", ctx->corrupt);
	erofs_json_u64(j, "unsupported", ctx->unsupported);
	erofs_json_u64(j, "operational_errors", ctx->op_errors);
	if (ctx->opts->compare_dir)
		erofs_json_u64(j, "difference_count", ctx->differences);
	erofs_json_str(j, "verdict", fsck_verdict(code));
	erofs_json_u64(j, "exit_code", code);
}

static void fsck_text_summary(struct fsck_ctx *ctx)
{
	struct fsck_options *opts = ctx->opts;

	if (!opts->quiet)
		printf("%s: %llu inodes (%llu directories, %llu files, %llu other), %llu bytes checked\n",
		       opts->img.image, ctx->inodes, ctx->dirs, ctx->files,
		       ctx->others, ctx->bytes);
	if (opts->print_ratio) {
		const struct z_erofs_stats *zs = z_erofs_get_stats(ctx->sbi);

		printf("compression ratio: %.2f\n", ctx->physical ?
		       (double)ctx->logical / ctx->physical : 1.0);
		printf("pclusters decoded: %llu (%llu in place), cache hits: %llu\n",
		       (unsigned long long)zs->decoded,
		       (unsigned long long)zs->inplace,
		       (unsigned long long)zs->hits);
	}
	if (opts->quiet)
		return;
	if (ctx->corrupt) {
		printf("%s: image is corrupted: problems found: %lu\n",
		       opts->img.image, ctx->corrupt);
		return;
	}
	if (ctx->unsupported)
		printf("%s: not fully checked: inodes this version cannot check: %lu\n",
		       opts->img.image, ctx->unsupported);
	if (ctx->op_errors)
		return;
	if (opts->compare_dir && ctx->differences)
		printf("%s: sound, but differs from %s: differences found: %lu\n",
		       opts->img.image, opts->compare_dir, ctx->differences);
	else if (opts->compare_dir)
		printf("%s: %s, identical to %s\n", opts->img.image,
		       ctx->unsupported ? "partly checked" : "clean",
		       opts->compare_dir);
	else if (!ctx->unsupported)
		printf("%s: clean\n", opts->img.image);
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
	if (opts->img.has_nid) {
		*nid = opts->img.nid;
		*parent = (erofs_nid_t)-1;
		*name = "start";
		ctx->whole_tree = opts->img.nid == ctx->sbi->root_nid;
	} else if (opts->img.path) {
		err = erofs_namei(ctx->sbi, opts->img.path, nid);
		if (err) {
			erofs_err("%s: cannot look up: %s", opts->img.path,
				  strerror(-err));
			return err;
		}
		*parent = (erofs_nid_t)-1;
		/* messages name entries by their full image path */
		for (p = opts->img.path; *p; p = end) {
			while (*p == '/')
				p++;
			end = strchrnul(p, '/');
			if (end > p && fsck_path_push(&ctx->path, p, end - p))
				return -ENOMEM;
		}
		ctx->root_path_len = ctx->path.len;
		slash = strrchr(opts->img.path, '/');
		*name = slash ? slash + 1 : opts->img.path;
		ctx->whole_tree = *nid == ctx->sbi->root_nid;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fsck_options opts;
	struct fsck_ctx ctx = { .opts = &opts, .extract_root_fd = -1 };
	struct erofs_sb_info sbi;
	struct erofs_json json;
	struct erofs_io io;
	erofs_nid_t nid, parent;
	const char *name;
	int err, code;

	erofs_progname = "fsck.erofs";
	/* argp names the program in its messages: not the path it ran from */
	argv[0] = (char *)erofs_progname;
	fsck_parse_options(argc, argv, &opts);

	err = erofs_io_open_ro(&io, opts.img.image, opts.img.offset);
	if (err) {
		erofs_err("%s: cannot open: %s", opts.img.image, strerror(-err));
		code = fsck_json_early(&opts, FSCK_EXIT_ERROR);
		goto out_options;
	}
	err = erofs_sb_read(&sbi, &io, opts.img.no_sbcrc ? EROFS_SB_SKIP_CRC : 0);
	if (err) {
		erofs_err("%s: superblock rejected", opts.img.image);
		code = fsck_json_early(&opts, fsck_open_status(err));
		goto out_close;
	}
	ctx.sbi = &sbi;
	err = fsck_find_start(&ctx, &nid, &parent, &name);
	if (err) {
		code = fsck_json_early(&opts, err == -ENOENT || err == -ENOTDIR ?
				       FSCK_EXIT_ERROR : fsck_open_status(err));
		goto out_release;
	}
	if (opts.compare_dir) {
		err = fsck_compare_open(&ctx);
		if (err) {
			if (err == -ENOMEM)
				erofs_err("out of memory");
			code = fsck_json_early(&opts, FSCK_EXIT_ERROR);
			goto out_release;
		}
	}
	if (opts.extract_dir && fsck_extract_open_root(&ctx)) {
		code = fsck_json_early(&opts, FSCK_EXIT_ERROR);
		goto out_release;
	}
	if (opts.img.json) {
		ctx.json = &json;
		erofs_json_init(&json, stdout);
		erofs_json_object(&json, NULL);
		erofs_json_str(&json, "image", opts.img.image);
		if (opts.compare_dir) {
			erofs_json_str(&json, "source", opts.compare_dir);
			/* streamed as the walk finds them */
			erofs_json_array(&json, "differences");
		}
	}
	/*
	 * Progress counts image bytes read for file data against the image
	 * size: known up front, no first pass; metadata is the slack.
	 */
	erofs_progress_init(&ctx.progress, erofs_progress_wanted(opts.quiet),
			    "read", erofs_sb_image_bytes(&sbi), sbi.inos);
	/*
	 * File data on workers; --compare reads the source beside the image
	 * in step with the walk, so it stays on one thread.
	 */
	if (opts.workers > 1 && !opts.compare_dir &&
	    fsck_pool_start(&ctx, opts.workers))
		erofs_warn("cannot start workers: checking on one thread");
	/* the root's ".." points at the root itself */
	fsck_check_tree(&ctx, nid, parent, name);
	erofs_progress_end(&ctx.progress, erofs_sb_image_bytes(&sbi),
			   ctx.inodes);
	fsck_extract_close_root(&ctx);

	code = fsck_exit_code(&ctx);
	if (opts.img.json) {
		if (opts.compare_dir)
			erofs_json_end(&json);
		fsck_json_summary(&ctx);
		erofs_json_end(&json);
	} else {
		fsck_text_summary(&ctx);
	}
out_release:
	fsck_extract_close_root(&ctx);
	fsck_compare_close(&ctx);
	fsck_itable_free(&ctx.itable);
	free(ctx.path.buf);
	erofs_sb_release(&sbi);
out_close:
	erofs_io_close(&io);
out_options:
	fsck_free_options(&opts);
	if (fflush(stdout) && code != FSCK_EXIT_ERROR) {
		erofs_err("stdout: %s", strerror(errno));
		code = FSCK_EXIT_ERROR;
	}
	return code;
}
