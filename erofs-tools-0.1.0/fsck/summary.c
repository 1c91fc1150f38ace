// SPDX-License-Identifier: MIT
/*
 * fsck.erofs's verdict: the exit code the findings give, the word --json
 * gives it, and the summary that ends a run, as text or JSON.
 */
#include <errno.h>
#include <stdio.h>
#include "erofs/zdata.h"
#include "summary.h"

int fsck_exit_code(const struct fsck_ctx *ctx)
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
int fsck_json_early(const struct fsck_options *opts, int code)
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
	erofs_json_u64(j, "packed_inodes", ctx->packed);
	erofs_json_u64(j, "metabox_inodes", ctx->metabox);
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
		printf("%s: %llu inodes (%llu directories, %llu files, %llu other%s%s), %llu bytes checked\n",
		       opts->img.image, ctx->inodes, ctx->dirs, ctx->files,
		       ctx->others, ctx->packed ? ", 1 packed" : "",
		       ctx->metabox ? ", 1 metabox" : "", ctx->bytes);
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
int fsck_open_status(int err)
{
	if (err == -EFSCORRUPTED || err == -EBADMSG)
		return FSCK_EXIT_CORRUPT;
	if (err == -EOPNOTSUPP)
		return FSCK_EXIT_UNSUPPORTED;
	return FSCK_EXIT_ERROR;
}

void fsck_json_begin(struct fsck_ctx *ctx, struct erofs_json *json)
{
	ctx->json = json;
	erofs_json_init(json, stdout);
	erofs_json_object(json, NULL);
	erofs_json_str(json, "image", ctx->opts->img.image);
	if (ctx->opts->compare_dir) {
		erofs_json_str(json, "source", ctx->opts->compare_dir);
		/* streamed as the walk finds them */
		erofs_json_array(json, "differences");
	}
}

int fsck_summary(struct fsck_ctx *ctx)
{
	int code = fsck_exit_code(ctx);

	if (ctx->json) {
		if (ctx->opts->compare_dir)
			erofs_json_end(ctx->json);	/* "differences" */
		fsck_json_summary(ctx);
		erofs_json_end(ctx->json);
	} else {
		fsck_text_summary(ctx);
	}
	return code;
}
