// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: dump.erofs on an image held in memory -- the
 * superblock, the statistics walk over the whole tree, the root's inode,
 * listing and extents, a path lookup, and the contents of what it finds.
 * Byte 0 (in the boot area, which the reader ignores) picks text or --json.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "erofs/json.h"
#include "erofs/namei.h"
#include "erofs/print.h"
#include "erofs/sb.h"
#include "strict_io.h"
#include "erofs/xattr.h"
#include "dump.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	erofs_progname = "fuzz_dump";
	if (!getenv("FUZZ_VERBOSE")) {
		erofs_msg_level = -1;
		if (!freopen("/dev/null", "w", stdout))
			abort();
	}
	return 0;
}

/*
 * --cat of a legitimately sparse file prints all its zeros, as cat(1)
 * would; only files a small image could really fill are printed.
 */
static void fuzz_dump_nid(struct erofs_sb_info *sbi, erofs_nid_t nid,
			  const char *path, size_t image_size,
			  struct erofs_json *j)
{
	struct erofs_inode vi;

	if (erofs_read_inode(sbi, nid, &vi))
		return;
	if (j)
		erofs_json_object(j, NULL);
	dump_inode_info(&vi, path, j);
	dump_ls(&vi, j);
	dump_extents(&vi, j);
	if (j)
		erofs_json_end(j);
	/* getxattr / listxattr, which the tools' walks do not call */
	if (erofs_listxattr(&vi, NULL, 0) >= 0) {
		char names[4096], value[512];

		erofs_listxattr(&vi, names, sizeof(names));
		erofs_getxattr(&vi, "user.seed", value, sizeof(value));
		erofs_getxattr(&vi, "trusted.overlay.opaque", NULL, 0);
		erofs_getxattr(&vi, "security.selinux", value, 1);
	}
	if (vi.size <= 256ull * image_size)
		dump_cat(&vi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "/d/text", "/e/longlink",
					     "d/sub/../sub/link", "/z" };
	struct erofs_json json, *j = NULL;
	struct erofs_sb_info sbi;
	struct erofs_io io;
	erofs_nid_t nid;
	size_t i;
	int err;

	erofs_io_init_mem(&io, data, size);
	err = erofs_sb_read(&sbi, &io, 0);
	if (err == -EBADMSG)
		err = erofs_sb_read(&sbi, &io, EROFS_SB_SKIP_CRC);
	if (err)
		goto out_close;
	fuzz_io_make_strict(&io);
	if (data[0] & 1) {
		j = &json;
		erofs_json_init(j, stdout);
		erofs_json_object(j, NULL);
	}
	dump_superblock(&sbi, j);
	dump_stats(&sbi, j);
	if (j)
		erofs_json_array(j, "inodes");
	fuzz_dump_nid(&sbi, sbi.root_nid, "/", size, j);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!erofs_namei(&sbi, paths[i], &nid))
			fuzz_dump_nid(&sbi, nid, paths[i], size, j);
	if (j) {
		erofs_json_end(j);
		erofs_json_end(j);
	}
	erofs_sb_release(&sbi);
	fflush(stdout);
out_close:
	erofs_io_close(&io);
	return 0;
}
