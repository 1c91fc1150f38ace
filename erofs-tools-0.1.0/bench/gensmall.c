// SPDX-License-Identifier: MIT
/*
 * gensmall: write a deterministic many-small-files tree for bench/run.sh.
 *
 *   gensmall DIR NFILES MAXBYTES BLOB
 *
 * Creates NFILES regular files under DIR, 100 per leaf directory, 10 leaf
 * directories per parent (DIR/dNNNN/eNN/fNNNNNNN).  Each file's size is
 * drawn uniformly from 0..MAXBYTES and its bytes are a slice of BLOB (a file
 * of real data, e.g. /usr headers and binaries) at a drawn offset, so the
 * tree compresses like real small files.  The same arguments and the same
 * BLOB give the same tree.  Exit 0 on success, 1 on any error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* splitmix64: small, fast and fully determined by the seed */
static uint64_t rng_state = 0x45524f4653ULL;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int mkdir_ok(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST) {
		fprintf(stderr, "gensmall: mkdir %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];
	unsigned long nfiles, maxbytes, i;
	unsigned char *blob;
	long bloblen;
	FILE *f;

	if (argc != 5) {
		fprintf(stderr, "usage: gensmall DIR NFILES MAXBYTES BLOB\n");
		return 1;
	}
	nfiles = strtoul(argv[2], NULL, 10);
	maxbytes = strtoul(argv[3], NULL, 10);

	f = fopen(argv[4], "rb");
	if (!f || fseek(f, 0, SEEK_END) || (bloblen = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "gensmall: cannot read blob %s\n", argv[4]);
		return 1;
	}
	if ((unsigned long)bloblen <= maxbytes) {
		fprintf(stderr, "gensmall: blob must be larger than MAXBYTES\n");
		return 1;
	}
	blob = malloc(bloblen);
	if (!blob || fread(blob, 1, bloblen, f) != (size_t)bloblen) {
		fprintf(stderr, "gensmall: cannot load blob\n");
		return 1;
	}
	fclose(f);

	if (mkdir_ok(argv[1]))
		return 1;
	for (i = 0; i < nfiles; i++) {
		unsigned long size = rng_next() % (maxbytes + 1);
		unsigned long off = rng_next() % (bloblen - size);
		FILE *out;

		if (i % 1000 == 0) {
			snprintf(path, sizeof(path), "%s/d%04lu", argv[1],
				 i / 1000);
			if (mkdir_ok(path))
				return 1;
		}
		if (i % 100 == 0) {
			snprintf(path, sizeof(path), "%s/d%04lu/e%02lu",
				 argv[1], i / 1000, (i / 100) % 10);
			if (mkdir_ok(path))
				return 1;
		}
		snprintf(path, sizeof(path), "%s/d%04lu/e%02lu/f%07lu",
			 argv[1], i / 1000, (i / 100) % 10, i);
		out = fopen(path, "wb");
		if (!out || fwrite(blob + off, 1, size, out) != size ||
		    fclose(out)) {
			fprintf(stderr, "gensmall: write %s failed\n", path);
			return 1;
		}
	}
	free(blob);
	return 0;
}
