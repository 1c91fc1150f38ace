// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: dump.erofs on an image held in memory -- the
 * superblock, the statistics walk over the whole tree, the root's inode,
 * listing and extents, a path lookup, and the contents of what it finds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "erofs/namei.h"
#include "erofs/print.h"
#include "erofs/sb.h"
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
			  const char *path, size_t image_size)
{
	struct erofs_inode vi;

	if (erofs_read_inode(sbi, nid, &vi))
		return;
	dump_inode_info(&vi, path);
	dump_ls(&vi);
	dump_extents(&vi);
	if (vi.size <= 256ull * image_size)
		dump_cat(&vi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "/d/text", "/e/longlink",
					     "d/sub/../sub/link", "/z" };
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
	dump_superblock(&sbi);
	dump_stats(&sbi);
	fuzz_dump_nid(&sbi, sbi.root_nid, "/", size);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!erofs_namei(&sbi, paths[i], &nid))
			fuzz_dump_nid(&sbi, nid, paths[i], size);
	erofs_sb_release(&sbi);
	fflush(stdout);
out_close:
	erofs_io_close(&io);
	return 0;
}
