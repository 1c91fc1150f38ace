// SPDX-License-Identifier: MIT
/* mkfs.erofs: scan SOURCE, build the image beside DEST, rename on success. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>
#include "erofs/android.h"
#include "erofs/build.h"
#include "erofs/print.h"
#include "erofs/progress.h"
#include "erofs/tar.h"
#include "options.h"
#include "tmpfile.h"

/* The tree from SOURCE: a directory, or with --tar an archive. */
static int mkfs_read_tree(struct mkfs_options *o, struct erofs_tree *tree,
			  struct mkfs_tmpfile *stage)
{
	int err;

	if (!o->tar)
		return erofs_tree_build(tree, o->src, &o->tree);
	memset(tree, 0, sizeof(*tree));
	err = mkfs_tmpfile_create(stage, o->dest, "stage");
	if (err) {
		erofs_err("%s: cannot create a staging file beside it: %s",
			  o->dest, strerror(-err));
		return err;
	}
	err = erofs_tar_build(tree, o->src, stage->fd, stage->path, &o->tree,
			      &o->tar_opts);
	if (!err && o->tar_opts.mode == EROFS_TAR_INDEX) {
		o->build.blob_blocks = EROFS_DIV_ROUND_UP(o->tar_opts.tar_bytes,
							  1u << o->build.blkszbits);
		if (o->build.blob_blocks > UINT32_MAX) {
			erofs_err("%s: the tar is larger than 2 TiB, too large for --tar=i",
				  o->src);
			err = -EFBIG;
		}
	}
	return err;
}

/*
 * The packed inode's scratch file (-E fragments): beside DEST, where the
 * image needs room anyway, or under $TMPDIR for a device; unlinked at
 * once, so that nothing is left behind whatever happens.
 */
static int mkfs_frag_scratch(struct mkfs_options *o, bool to_device)
{
	struct mkfs_tmpfile t;
	const char *tmpdir = getenv("TMPDIR");
	char *near = NULL;
	int err;

	if (to_device && asprintf(&near, "%s/x", tmpdir && *tmpdir ? tmpdir : "/tmp") < 0)
		return -ENOMEM;
	err = mkfs_tmpfile_create(&t, near ? near : o->dest, "frag");
	if (err)
		erofs_err("%s: cannot create a scratch file for the packed inode beside it: %s",
			  near ? near : o->dest, strerror(-err));
	free(near);
	if (err)
		return err;
	o->build.frags.fd = mkfs_tmpfile_unlink(&t);
	return 0;
}

static int mkfs_fs_config(struct mkfs_options *o, struct erofs_tree *tree)
{
	struct erofs_fs_config *c;
	int err = erofs_fs_config_load(o->fs_config_file, &c);

	if (err)
		return err;
	err = erofs_fs_config_apply(tree, c, o->xattr.mount_point, &o->tree);
	erofs_fs_config_free(c);
	return err;
}

/* Before the image takes DEST's name, so that a failure leaves neither. */
static int mkfs_block_list(struct mkfs_options *o, const struct erofs_tree *tree)
{
	FILE *f = fopen(o->block_list_file, "w");
	int err;

	if (!f) {
		erofs_err("%s: %s", o->block_list_file, strerror(errno));
		return -errno;
	}
	err = erofs_write_block_list(f, tree, o->build.blkszbits,
				     o->xattr.mount_point);
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		erofs_err("%s: %s", o->block_list_file, strerror(-err));
	return err;
}

static int mkfs_run(struct mkfs_options *o)
{
	struct erofs_build_stats stats = { 0 };
	struct mkfs_tmpfile stage = { .fd = -1 };
	struct erofs_tree tree;
	struct erofs_xattr_area xattrs;
	struct mkfs_output out;
	struct timespec t0, t1;
	struct stat st;
	bool to_device = false;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!stat(o->dest, &st)) {
		if (S_ISDIR(st.st_mode)) {
			erofs_err("%s: is a directory", o->dest);
			return -EISDIR;
		}
		to_device = S_ISBLK(st.st_mode);
		/* an old image inside SOURCE is never packed into the new one */
		o->tree.skip_dev = st.st_dev;
		o->tree.skip_ino = st.st_ino;
		o->tree.have_skip = true;
	}
	o->build.frags.fd = -1;
	if (o->build.frags.on) {
		err = mkfs_frag_scratch(o, to_device);
		if (err)
			return err;
	}
	if (o->file_contexts) {
		err = erofs_selabel_open(o->file_contexts, &o->xattr.selabel);
		if (err)
			return err;
	}
	err = mkfs_read_tree(o, &tree, &stage);
	if (!err && o->data_order.file) {
		err = mkfs_data_order_resolve(&o->data_order, &tree, &o->build);
		if (err)
			erofs_err("out of memory");
	}
	if (!err && o->fs_config_file)
		err = mkfs_fs_config(o, &tree);
	if (!err)
		err = erofs_xattrs_build(&tree, o->tar ? NULL : o->src, &o->xattr,
					 &xattrs);
	erofs_selabel_close(o->xattr.selabel);
	o->xattr.selabel = NULL;
	if (err) {
		erofs_tree_free(&tree);	/* also after a failed scan: zeroed */
		goto out_stage;
	}
	o->build.xattrs = &xattrs;

	err = mkfs_output_open(&out, o->dest, to_device, o->fsync, o->offset);
	if (err)
		goto out_tree;
	o->build.progress = erofs_progress_wanted(o->quiet);
	o->build.writeback = mkfs_output_writeback(&out);
	err = erofs_build_image(&out.io, &tree, &o->build, &stats);
	if (!err && o->block_list_file)
		err = mkfs_block_list(o, &tree);
	if (err)
		mkfs_output_abort(&out);
	else
		err = mkfs_output_commit(&out);
out_tree:
	erofs_tree_free(&tree);
	erofs_xattr_area_free(&xattrs);
out_stage:
	mkfs_tmpfile_remove(&stage);
	if (o->build.frags.fd >= 0)
		close(o->build.frags.fd);
	if (!err && !o->quiet) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		erofs_info("%s: %llu inodes, %llu blocks of %u bytes (%llu of them metadata, %llu bytes), %.2f s",
			   o->dest, (unsigned long long)stats.inodes,
			   (unsigned long long)stats.blocks, 1u << o->build.blkszbits,
			   (unsigned long long)stats.meta_blocks,
			   (unsigned long long)stats.blocks << o->build.blkszbits,
			   (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
		if (stats.shared_bytes)
			erofs_info("%s: %llu bytes of data shared with identical files or chunks",
				   o->dest, (unsigned long long)stats.shared_bytes);
	}
	return err;
}

int main(int argc, char **argv)
{
	struct mkfs_options o;
	int err;

	erofs_progname = "mkfs.erofs";
	/* argp names the program in its messages: not the path it ran from */
	argv[0] = (char *)erofs_progname;
	mkfs_parse_options(argc, argv, &o);
	mkfs_trap_signals();
	err = mkfs_run(&o);
	mkfs_free_options(&o);
	return err ? 1 : 0;
}
