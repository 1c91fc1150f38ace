// SPDX-License-Identifier: MIT
/*
 * fuse_randread: seeded random 4 KiB reads in the files of a mounted tree,
 * for bench/fuse.sh.  Nothing in it is FUSE-specific: it reads whatever
 * DIR is (a FUSE mount, a kernel mount, the source tree).
 *
 *   fuse_randread DIR LIST NREADS SEED
 *
 * LIST holds lines "SIZE<TAB>PATH", PATH relative to DIR (bench/fuse.sh
 * lists the source tree's files over 1 MiB, so the listing itself is not
 * timed).  Each read draws a file uniformly from LIST and a 4 KiB-aligned
 * offset uniformly inside it (a whole 4 KiB before the end), and preads
 * 4 KiB there; a file is opened on its first draw and kept open.  The same
 * LIST and SEED give the same reads; a hash of the bytes read is
 * printed so that two mounts of the same tree can be checked to agree.
 * Exit 0 on success, 1 on any error (named on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLK	4096

static uint64_t rng_state;

/* splitmix64 */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct file {
	char *path;
	uint64_t size;
	int fd;
};

int main(int argc, char **argv)
{
	struct file *f = NULL;
	size_t n = 0, cap = 0, len = 0;
	char *line = NULL, *end;
	unsigned long nreads;
	uint64_t sum = 0;
	FILE *list;
	int dfd;

	if (argc != 5) {
		fprintf(stderr, "usage: %s DIR LIST NREADS SEED\n", argv[0]);
		return 1;
	}
	nreads = strtoul(argv[3], &end, 10);
	if (*end) {
		fprintf(stderr, "fuse_randread: %s: not a number\n", argv[3]);
		return 1;
	}
	rng_state = strtoull(argv[4], &end, 10);
	if (*end) {
		fprintf(stderr, "fuse_randread: %s: not a number\n", argv[4]);
		return 1;
	}
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		fprintf(stderr, "fuse_randread: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	list = fopen(argv[2], "r");
	if (!list) {
		fprintf(stderr, "fuse_randread: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	while (getline(&line, &len, list) > 0) {
		char *tab = strchr(line, '\t');
		uint64_t size;

		if (!tab)
			continue;
		*tab = '\0';
		size = strtoull(line, NULL, 10);
		tab[strcspn(tab + 1, "\n") + 1] = '\0';
		if (size < 2 * BLK)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			f = realloc(f, cap * sizeof(*f));
			if (!f) {
				perror("fuse_randread");
				return 1;
			}
		}
		f[n].path = strdup(tab + 1);
		f[n].size = size;
		f[n].fd = -1;
		if (!f[n].path) {
			perror("fuse_randread");
			return 1;
		}
		n++;
	}
	fclose(list);
	free(line);
	if (!n) {
		fprintf(stderr, "fuse_randread: %s: no file of 8 KiB or more\n",
			argv[2]);
		return 1;
	}
	for (unsigned long i = 0; i < nreads; i++) {
		struct file *p = &f[rng_next() % n];
		uint64_t off = rng_next() % (p->size / BLK - 1) * BLK;
		unsigned char buf[BLK];
		ssize_t got;

		if (p->fd < 0) {
			p->fd = openat(dfd, p->path, O_RDONLY);
			if (p->fd < 0) {
				fprintf(stderr, "fuse_randread: %s: %s\n",
					p->path, strerror(errno));
				return 1;
			}
		}
		got = pread(p->fd, buf, BLK, off);
		if (got != BLK) {
			fprintf(stderr, "fuse_randread: %s at %llu: %s\n",
				p->path, (unsigned long long)off,
				got < 0 ? strerror(errno) : "short read");
			return 1;
		}
		for (size_t j = 0; j < BLK; j += 8) {
			uint64_t w;

			memcpy(&w, buf + j, 8);
			sum = (sum ^ w) * 0x9e3779b97f4a7c15ULL;
			sum ^= sum >> 29;
		}
	}
	printf("%lu reads in %zu files, sum %016llx\n", nreads, n,
	       (unsigned long long)sum);
	return 0;
}
