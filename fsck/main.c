// SPDX-License-Identifier: MIT
/* fsck.erofs: open, read the superblock, walk, report, pick an exit code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/namei.h"
#include "erofs/print.h"
#include "fsck.h"
#include "summary.h"

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

/*
 * The extra devices of a multi-device image, from --device or inside the
 * image file: 0, or the exit status when they cannot all be read.
 */
static int fsck_open_devices(const struct fsck_options *opts,
			     struct erofs_sb_info *sbi)
{
	unsigned int missing;
	char name[128];
	int err;

	err = erofs_sb_open_devices(sbi, opts->img.devices,
				    opts->img.ndevices);
	if (err) {
		erofs_err("%s: cannot open its devices", opts->img.image);
		return err == -EFSCORRUPTED ? FSCK_EXIT_CORRUPT :
		       FSCK_EXIT_ERROR;
	}
	missing = erofs_sb_missing_device(sbi);
	if (missing) {
		/* not corruption: this run was not given the bytes */
		erofs_err("cannot check: file data lies on %s, which is missing: give it with --device=PATH",
			  erofs_sb_device_name(sbi, missing, name, sizeof(name)));
		return FSCK_EXIT_UNSUPPORTED;
	}
	return 0;
}

/* What file data may be read from: the image and its extra devices. */
static erofs_off_t fsck_data_bytes(const struct erofs_sb_info *sbi)
{
	erofs_off_t total = erofs_sb_image_bytes(sbi);

	for (unsigned int id = 1; id <= sbi->extra_devices; id++)
		total += erofs_sb_device_bytes(sbi, id);
	return total;
}

int main(int argc, char **argv)
{
	struct fsck_options opts;
	struct fsck_ctx ctx = { .opts = &opts };
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
	err = fsck_open_devices(&opts, &sbi);
	if (err) {
		code = fsck_json_early(&opts, err);
		goto out_release;
	}
	ctx.sbi = &sbi;
	err = fsck_find_start(&ctx, &nid, &parent, &name);
	if (err) {
		code = fsck_json_early(&opts, err == -ENOENT || err == -ENOTDIR ?
				       FSCK_EXIT_ERROR : fsck_open_status(err));
		goto out_release;
	}
	if (opts.compare_dir) {
		err = opts.compare_image ? fsck_compare_image_open(&ctx) :
		      fsck_compare_open(&ctx);
		if (err) {
			if (err == -ENOMEM)
				erofs_err("out of memory");
			code = fsck_json_early(&opts, FSCK_EXIT_ERROR);
			goto out_release;
		}
	}
	/* before --extract, which clears the umask FILE's mode comes from */
	if (opts.export_file && fsck_export_open(&ctx)) {
		code = fsck_json_early(&opts, FSCK_EXIT_ERROR);
		goto out_release;
	}
	if (opts.extract_dir && fsck_extract_open_root(&ctx)) {
		code = fsck_json_early(&opts, FSCK_EXIT_ERROR);
		goto out_release;
	}
	if (opts.img.json)
		fsck_json_begin(&ctx, &json);
	/*
	 * Progress counts image bytes read for file data against the image
	 * size: known up front, no first pass; metadata is the slack.
	 */
	erofs_progress_init(&ctx.progress, erofs_progress_wanted(opts.quiet),
			    "read", fsck_data_bytes(&sbi), sbi.inos);
	/*
	 * File data on workers; --compare reads the source beside the image
	 * in step with the walk, so it stays on one thread.
	 */
	if (opts.workers > 1 && !opts.compare_dir &&
	    fsck_pool_start(&ctx, opts.workers))
		erofs_warn("cannot start workers: checking on one thread");
	/* the root's ".." points at the root itself */
	fsck_check_tree(&ctx, nid, parent, name);
	erofs_progress_end(&ctx.progress, fsck_data_bytes(&sbi),
			   ctx.inodes);
	fsck_extract_close_root(&ctx);
	fsck_export_finish(&ctx);

	code = fsck_summary(&ctx);
out_release:
	fsck_extract_close_root(&ctx);
	fsck_compare_close(&ctx);
	fsck_compare_image_close(&ctx);
	fsck_export_close(&ctx);
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
