// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: fsck.erofs on an image held in memory -- superblock,
 * every inode reachable from the root, directories, xattrs, every byte of
 * data (compressed too), extracted with attributes into a scratch
 * directory whose size is checked against the image's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/print.h"
#include "erofs/sb.h"
#include "strict_io.h"
#include "fsck.h"
#include "scratch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_extract_dir;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	erofs_progname = "fuzz_fsck";
	if (!getenv("FUZZ_VERBOSE"))
		erofs_msg_level = -1;
	fuzz_extract_dir = fuzz_scratch_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fsck_options opts = {
		.img.image = "fuzz",
		.check_data = true,
		.xattrs = true,
		.extract_dir = fuzz_extract_dir,
	};
	struct fsck_ctx ctx = { .opts = &opts };
	struct erofs_sb_info sbi;
	struct erofs_io io;
	int err;

	erofs_io_init_mem(&io, data, size);
	err = erofs_sb_read(&sbi, &io, 0);
	/* a bad checksum alone: read on, as --no-sbcrc would */
	if (err == -EBADMSG)
		err = erofs_sb_read(&sbi, &io, EROFS_SB_SKIP_CRC);
	if (err)
		goto out_close;
	fuzz_io_make_strict(&io);
	ctx.sbi = &sbi;
	ctx.whole_tree = true;
	if (!fsck_extract_open_root(&ctx)) {
		fsck_check_tree(&ctx, sbi.root_nid, sbi.root_nid, "root");
		fsck_extract_close_root(&ctx);
	}
	fsck_itable_free(&ctx.itable);
	free(ctx.path.buf);
	erofs_sb_release(&sbi);
	/* what an image may make us store: LZ4 expands at most ~255x */
	fuzz_scratch_check_and_clear(256ull * size + (1 << 20));
out_close:
	erofs_io_close(&io);
	return 0;
}
