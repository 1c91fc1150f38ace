// SPDX-License-Identifier: MIT
/*
 * randread - the random-read workload of bench/kread.sh: COUNT reads of
 * BLOCK bytes at offsets drawn from SEED, in the files LIST names (one
 * "SIZE PATH" line each, PATH relative to ROOT), each read at a multiple of
 * BLOCK inside its file.  The reads depend on LIST, COUNT, BLOCK and SEED
 * only, never on ROOT, so two mounts of the same tree get the same reads.
 * Files are opened on first use and kept open.  Prints the bytes read and
 * an FNV-1a hash of them (equal trees give equal hashes).
 *
 * usage: randread ROOT LIST COUNT BLOCK SEED
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct file {
	uint64_t size;
	char *path;
	int fd;
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int read_list(const char *name, struct file **out, size_t *n)
{
	FILE *f = fopen(name, "r");
	struct file *v = NULL;
	size_t cap = 0, len = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t l;

	if (!f)
		return -errno;
	while ((l = getline(&line, &lcap, f)) > 0) {
		char *sp, *end;
		uint64_t size;

		if (line[l - 1] == '\n')
			line[--l] = '\0';
		sp = strchr(line, ' ');
		if (!sp)
			continue;
		errno = 0;
		size = strtoull(line, &end, 10);
		if (errno || end != sp)
			continue;
		if (len == cap) {
			struct file *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto nomem;
			v = nv;
		}
		v[len].size = size;
		v[len].fd = -1;
		v[len].path = strdup(sp + 1);
		if (!v[len].path)
			goto nomem;
		len++;
	}
	free(line);
	fclose(f);
	*out = v;
	*n = len;
	return 0;
nomem:
	free(line);
	fclose(f);
	return -ENOMEM;
}

int main(int argc, char **argv)
{
	struct file *files = NULL;
	size_t nfiles = 0, i;
	unsigned long count, block;
	uint64_t seed, hash = 0xcbf29ce484222325ULL, total = 0;
	char *buf;
	int dfd, err;

	if (argc != 6) {
		fprintf(stderr, "usage: %s ROOT LIST COUNT BLOCK SEED\n", argv[0]);
		return 2;
	}
	count = strtoul(argv[3], NULL, 10);
	block = strtoul(argv[4], NULL, 10);
	seed = strtoull(argv[5], NULL, 10);
	if (!block) {
		fprintf(stderr, "randread: BLOCK must not be 0\n");
		return 2;
	}
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		fprintf(stderr, "randread: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = read_list(argv[2], &files, &nfiles);
	if (err) {
		fprintf(stderr, "randread: %s: %s\n", argv[2], strerror(-err));
		return 1;
	}
	/* only files holding at least one whole block can be read */
	for (i = 0; i < nfiles;) {
		if (files[i].size < block)
			files[i] = files[--nfiles];
		else
			i++;
	}
	if (!nfiles) {
		fprintf(stderr, "randread: no file in %s holds %lu bytes\n",
			argv[2], block);
		return 1;
	}
	buf = malloc(block);
	if (!buf)
		return 1;
	for (i = 0; i < count; i++) {
		struct file *f = &files[splitmix64(&seed) % nfiles];
		uint64_t off = splitmix64(&seed) % (f->size / block) * block;
		ssize_t got;
		unsigned long k;

		if (f->fd < 0) {
			f->fd = openat(dfd, f->path, O_RDONLY);
			if (f->fd < 0) {
				fprintf(stderr, "randread: %s: %s\n", f->path,
					strerror(errno));
				return 1;
			}
		}
		got = pread(f->fd, buf, block, (off_t)off);
		if (got != (ssize_t)block) {
			fprintf(stderr, "randread: %s at %" PRIu64 ": %s\n", f->path,
				off, got < 0 ? strerror(errno) : "short read");
			return 1;
		}
		for (k = 0; k < block; k++)
			hash = (hash ^ (unsigned char)buf[k]) * 0x100000001b3ULL;
		total += (uint64_t)got;
	}
	printf("%" PRIu64 " %016" PRIx64 "\n", total, hash);
	return 0;
}
