// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: erofsfuse's operations (fuse/ops.c) on an image held
 * in memory, without a mount -- every directory listed both ways (plain
 * and plus) a few entries per call, resuming at the cursors handed out;
 * every entry looked up, stat'ed, read (regular files, in pieces),
 * readlink'ed (symlinks), its xattrs listed and read; statfs.  Whatever
 * the image, each operation returns; the walk is bounded by the image.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/print.h"
#include "erofs/sb.h"
#include "ops.h"
#include "strict_io.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_DIRS		512	/* directories walked, at most */
#define FUZZ_MAX_ENTRIES	8192	/* entries handled, at most */
#define FUZZ_PER_CALL		7	/* entries per readdir call */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	erofs_progname = "fuzz_fuse";
	if (!getenv("FUZZ_VERBOSE"))
		erofs_msg_level = -1;
	return 0;
}

struct fuzz_walk {
	const struct erofsfuse *fs;
	size_t image_size;
	uint64_t dirs[FUZZ_MAX_DIRS];	/* seen, and the stack to walk */
	unsigned int ndirs, next_dir;
	unsigned int entries;
	uint64_t parent;
	/* the current readdir call */
	unsigned int got;
	uint64_t cursor;
};

static void fuzz_xattrs(struct fuzz_walk *w, uint64_t ino)
{
	char names[4096], value[1024];
	ssize_t n = erofsfuse_listxattr(w->fs, ino, NULL, 0);
	ssize_t i;

	if (n <= 0)
		return;
	n = erofsfuse_listxattr(w->fs, ino, names, sizeof(names));
	for (i = 0; i < n; i += strlen(names + i) + 1) {
		if (!memchr(names + i, '\0', n - i))
			abort();	/* listxattr must end every name */
		erofsfuse_getxattr(w->fs, ino, names + i, NULL, 0);
		erofsfuse_getxattr(w->fs, ino, names + i, value, sizeof(value));
	}
	erofsfuse_getxattr(w->fs, ino, "user.none", value, sizeof(value));
}

static void fuzz_read(struct fuzz_walk *w, uint64_t ino)
{
	/* a legitimately sparse file may claim far more than the image */
	const uint64_t most = 256ull * w->image_size + (1u << 20);
	struct erofs_inode *vi;
	const void *data;
	uint64_t off = 0;
	ssize_t n;

	if (erofsfuse_open(w->fs, ino, 0, &vi))
		return;
	/* odd sizes and offsets: reads across extent and pcluster edges */
	while (off < most) {
		n = erofsfuse_read(w->fs, vi, 65536 + 4095, off, &data);
		if (n <= 0)
			break;
		off += n;
	}
	erofsfuse_read(w->fs, vi, 1, vi->size ? vi->size - 1 : 0, &data);
	erofsfuse_read(w->fs, vi, 100, vi->size + 10, &data);
	erofsfuse_release(vi);
}

static void fuzz_entry(struct fuzz_walk *w, const char *name, size_t len)
{
	char target[EROFS_SYMLINK_MAX + 1];
	struct stat st, st2;
	unsigned int i;

	if (erofsfuse_lookup(w->fs, w->parent, name, len, &st))
		return;
	if (erofsfuse_getattr(w->fs, st.st_ino, &st2) ||
	    st2.st_ino != st.st_ino || st2.st_mode != st.st_mode)
		abort();	/* an inode reads the same every time */
	fuzz_xattrs(w, st.st_ino);
	if (S_ISREG(st.st_mode)) {
		fuzz_read(w, st.st_ino);
	} else if (S_ISLNK(st.st_mode)) {
		erofsfuse_readlink(w->fs, st.st_ino, target, sizeof(target));
	} else if (S_ISDIR(st.st_mode)) {
		for (i = 0; i < w->ndirs && w->dirs[i] != st.st_ino; i++)
			;
		if (i == w->ndirs && w->ndirs < FUZZ_MAX_DIRS)
			w->dirs[w->ndirs++] = st.st_ino;
	}
}

static int fuzz_fill(void *arg, const char *name, size_t len, uint64_t ino,
		     unsigned int dtype, const struct stat *st, uint64_t next)
{
	struct fuzz_walk *w = arg;

	(void)ino, (void)dtype, (void)st;
	if (w->got == FUZZ_PER_CALL)
		return 1;
	if (!len || len > EROFS_NAME_LEN || next <= w->cursor)
		abort();	/* a name the VFS refuses, or a cursor going back */
	w->got++;
	w->cursor = next;
	if (w->entries < FUZZ_MAX_ENTRIES &&
	    !(len == 1 && name[0] == '.') &&
	    !(len == 2 && name[0] == '.' && name[1] == '.')) {
		w->entries++;
		fuzz_entry(w, name, len);
	}
	return 0;
}

/* Count entries only: a plus listing, all at once */
static int fuzz_count(void *arg, const char *name, size_t len, uint64_t ino,
		      unsigned int dtype, const struct stat *st, uint64_t next)
{
	(void)name, (void)len, (void)ino, (void)dtype, (void)st, (void)next;
	++*(unsigned int *)arg;
	return 0;
}

static void fuzz_dir(struct fuzz_walk *w, uint64_t ino)
{
	unsigned int calls, n = 0;

	w->parent = ino;
	w->cursor = 0;
	/* every call makes progress or ends the listing */
	for (calls = 0; calls < FUZZ_MAX_ENTRIES; calls++) {
		w->got = 0;
		if (erofsfuse_readdir(w->fs, ino, w->cursor, false, fuzz_fill,
				      w) || !w->got)
			break;
	}
	erofsfuse_readdir(w->fs, ino, 0, true, fuzz_count, &n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_walk w;
	struct erofs_sb_info sbi;
	struct erofsfuse fs;
	struct statvfs sv;
	struct erofs_io io;
	struct stat st;
	int err;

	erofs_io_init_mem(&io, data, size);
	err = erofs_sb_read(&sbi, &io, 0);
	if (err == -EBADMSG)
		err = erofs_sb_read(&sbi, &io, EROFS_SB_SKIP_CRC);
	if (err)
		goto out_close;
	fuzz_io_make_strict(&io);
	if (erofsfuse_init(&fs, &sbi, sbi.root_nid))
		goto out_release;
	memset(&w, 0, sizeof(w));
	w.fs = &fs;
	w.image_size = size;
	erofsfuse_statfs(&fs, &sv);
	if (!erofsfuse_getattr(&fs, 1, &st) && S_ISDIR(st.st_mode)) {
		w.dirs[w.ndirs++] = 1;
		while (w.next_dir < w.ndirs)
			fuzz_dir(&w, w.dirs[w.next_dir++]);
	}
	erofsfuse_fini(&fs);
out_release:
	erofs_sb_release(&sbi);
out_close:
	erofs_io_close(&io);
	return 0;
}
