// SPDX-License-Identifier: MIT
/*
 * The extracting harness writes under PARENT/out; after each input we check
 * that nothing was written beside it (no escape from the target) and that
 * the blocks it holds stay in proportion to the image, then empty it.
 */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "scratch.h"

static char fuzz_parent[256], fuzz_out[300];
static unsigned long long fuzz_used;

const char *fuzz_scratch_init(void)
{
	const char *base = getenv("FUZZ_SCRATCH");

	if (!base)
		base = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
	snprintf(fuzz_parent, sizeof(fuzz_parent), "%s/erofs-fuzz.XXXXXX",
		 base);
	if (!mkdtemp(fuzz_parent)) {
		perror("fuzz: scratch directory");
		abort();
	}
	snprintf(fuzz_out, sizeof(fuzz_out), "%s/out", fuzz_parent);
	return fuzz_out;
}

/* Pre-order: make every directory searchable so removal can enter it. */
static int fuzz_open_up(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D || type == FTW_DNR)
		chmod(path, 0700);
	fuzz_used += (unsigned long long)st->st_blocks * 512;
	return 0;
}

static int fuzz_remove(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	(void)st, (void)type;
	if (ftw->level && remove(path)) {
		perror(path);
		abort();
	}
	return 0;
}

void fuzz_scratch_check_and_clear(unsigned long long limit)
{
	struct dirent *d;
	DIR *dir;

	dir = opendir(fuzz_parent);
	if (!dir)
		abort();
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
		    !strcmp(d->d_name, "out"))
			continue;
		fprintf(stderr, "fuzz: extraction wrote outside its target: %s/%s\n",
			fuzz_parent, d->d_name);
		abort();
	}
	closedir(dir);
	fuzz_used = 0;
	/* the tree walk opens each level: chmod it first, count blocks */
	nftw(fuzz_out, fuzz_open_up, 64, FTW_PHYS);
	if (fuzz_used > limit) {
		fprintf(stderr, "fuzz: extraction allocated %llu bytes, limit %llu\n",
			fuzz_used, limit);
		abort();
	}
	nftw(fuzz_out, fuzz_remove, 64, FTW_PHYS | FTW_DEPTH);
	rmdir(fuzz_out);
}
