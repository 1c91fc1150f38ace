// SPDX-License-Identifier: MIT
/* dump.erofs: open the image, find the inode asked for, run each job. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/namei.h"
#include "erofs/print.h"
#include "dump.h"

/* The nid at image path @path: 0 or -errno (reported). */
static int dump_lookup(struct erofs_sb_info *sbi, const char *path,
		       erofs_nid_t *nid)
{
	int err = erofs_namei(sbi, path, nid);

	if (err)
		erofs_err("%s: cannot look up: %s", path, strerror(-err));
	return err;
}

/* The start inode: --nid, --path or the root. */
static int dump_start(struct erofs_sb_info *sbi, const struct dump_options *o,
		      erofs_nid_t *nid)
{
	*nid = o->img.has_nid ? o->img.nid : sbi->root_nid;
	return !o->img.has_nid && o->img.path ?
	       dump_lookup(sbi, o->img.path, nid) : 0;
}

/* -R names entries from the start: its image path ("/a/b"), or ".". */
static char *dump_start_path(const struct dump_options *o)
{
	const char *p = o->img.path ? o->img.path : "", *end;
	char *s, *d;

	if (o->img.has_nid)
		return strdup(".");
	s = d = malloc(strlen(p) + 2);
	if (!s)
		return NULL;
	for (; *p; p = end) {
		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		if (end > p) {
			*d++ = '/';
			memcpy(d, p, end - p);
			d += end - p;
		}
	}
	if (d == s)
		*d++ = '/';
	*d = '\0';
	return s;
}

/* -R from @vi, the start inode. */
static int dump_tree(struct erofs_inode *vi, const struct dump_options *o,
		     struct erofs_json *j)
{
	char *path = dump_start_path(o);
	int err;

	if (!path) {
		erofs_err("out of memory");
		return -ENOMEM;
	}
	err = dump_ls_tree(vi, path, j);
	free(path);
	return err;
}

/* --cat: each file in order; a failed one does not stop the next. */
static int dump_cat_all(struct erofs_sb_info *sbi, const struct dump_options *o)
{
	int ret = 0;

	for (unsigned int i = 0; i < o->ncat; i++) {
		struct erofs_inode vi;
		erofs_nid_t nid;
		int err = o->cat_paths[i] ? dump_lookup(sbi, o->cat_paths[i], &nid) :
			  dump_start(sbi, o, &nid);

		if (!err)
			err = erofs_read_inode(sbi, nid, &vi);
		if (!err)
			err = dump_cat(&vi);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct dump_options opts;
	struct erofs_sb_info sbi;
	struct erofs_json json, *j = NULL;
	struct erofs_inode vi;
	struct erofs_io io;
	erofs_nid_t nid;
	int err;

	erofs_progname = "dump.erofs";
	/* argp names the program in its messages: not the path it ran from */
	argv[0] = (char *)erofs_progname;
	dump_parse_options(argc, argv, &opts);

	err = erofs_io_open_ro(&io, opts.img.image, opts.img.offset);
	if (err) {
		erofs_err("%s: cannot open: %s", opts.img.image, strerror(-err));
		return 1;
	}
	err = erofs_sb_read(&sbi, &io, opts.img.no_sbcrc ? EROFS_SB_SKIP_CRC : 0);
	if (err) {
		erofs_err("%s: superblock rejected", opts.img.image);
		goto out_close;
	}
	err = erofs_sb_open_devices(&sbi, opts.img.devices, opts.img.ndevices);
	if (err) {
		erofs_err("%s: cannot open its devices", opts.img.image);
		goto out_close;
	}
	if (erofs_sb_missing_device(&sbi)) {
		char name[128];

		/* metadata is all in the image: show it, data on it fails */
		erofs_warn("%s is missing (give it with --device=PATH): file data on it cannot be read",
			   erofs_sb_device_name(&sbi, erofs_sb_missing_device(&sbi),
						name, sizeof(name)));
	}
	if (opts.img.json) {
		j = &json;
		erofs_json_init(j, stdout);
		erofs_json_object(j, NULL);
		erofs_json_str(j, "image", opts.img.image);
	}
	if (opts.show_sb) {
		err = dump_superblock(&sbi, j);
		if (err)
			goto out_close;
	}
	if (opts.cat) {
		err = dump_cat_all(&sbi, &opts);
		goto out_close;
	}
	if (opts.show_inode || opts.ls || opts.extents) {
		err = dump_start(&sbi, &opts, &nid);
		if (err)
			goto out_close;
		err = erofs_read_inode(&sbi, nid, &vi);
		if (err)
			goto out_close;
		if (opts.show_inode)
			err = dump_inode_info(&vi, opts.img.path, j);
		else if (opts.ls && opts.recursive)
			err = dump_tree(&vi, &opts, j);
		else if (opts.ls)
			err = dump_ls(&vi, j);
		else
			err = dump_extents(&vi, j);
		if (err)
			goto out_close;
	}
	if (opts.stats)
		err = dump_stats(&sbi, j);
out_close:
	/* a failed job ends the document with what it had: still valid JSON */
	while (j && j->depth)
		erofs_json_end(j);
	erofs_sb_release(&sbi);
	erofs_io_close(&io);
	erofs_image_args_free(&opts.img);
	free(opts.cat_paths);
	if (fflush(stdout) && !err) {
		erofs_err("stdout: %s", strerror(errno));
		err = -EIO;
	}
	return err ? 1 : 0;
}
