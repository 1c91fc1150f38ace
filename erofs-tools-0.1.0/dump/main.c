// SPDX-License-Identifier: MIT
/* dump.erofs: open the image, find the inode asked for, run each job. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "erofs/namei.h"
#include "erofs/print.h"
#include "dump.h"

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
	if (opts.show_inode || opts.ls || opts.cat || opts.extents) {
		nid = sbi.root_nid;
		if (opts.img.has_nid) {
			nid = opts.img.nid;
		} else if (opts.img.path) {
			err = erofs_namei(&sbi, opts.img.path, &nid);
			if (err) {
				erofs_err("%s: cannot look up: %s", opts.img.path,
					  strerror(-err));
				goto out_close;
			}
		}
		err = erofs_read_inode(&sbi, nid, &vi);
		if (err)
			goto out_close;
		if (opts.show_inode)
			err = dump_inode_info(&vi, opts.img.path, j);
		else if (opts.ls)
			err = dump_ls(&vi, j);
		else if (opts.cat)
			err = dump_cat(&vi);
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
	if (fflush(stdout) && !err) {
		erofs_err("stdout: %s", strerror(errno));
		err = -EIO;
	}
	return err ? 1 : 0;
}
