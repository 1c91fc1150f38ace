/* SPDX-License-Identifier: MIT */
/*
 * bench/floor.c - the floor of an mkfs run: what reading the corpus and
 * compressing it costs on its own, with no filesystem metadata, no
 * indexes, no threads.  bench/run.sh builds it and times it as the "floor"
 * row of the mkfs-none, mkfs-lz4 and mkfs-lz4hc cases.
 *
 *   floor MODE LIST OUT
 *
 * MODE  none   copy every file's bytes to OUT (the I/O floor)
 *       lz4    cut every file into extents that each compress into one
 *              4 KiB cluster (LZ4_compress_destSize) and write the clusters
 *       lz4hc  the same with LZ4_compress_HC_destSize at level 9, the
 *              default level of both mkfs tools
 * LIST  a file of NUL-terminated paths (find -print0 | sort -z)
 * OUT   where the bytes go (a regular file, truncated first)
 *
 * One thread on purpose: its CPU time is the compressor's cost on the
 * corpus, the floor a build on N cores can at best divide by N.  A cluster
 * that saves no block is written as the input block (as both mkfs tools
 * store it plain).  Prints the input and output byte counts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <lz4hc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLUSTER 4096

static void die(const char *what, const char *why)
{
	fprintf(stderr, "floor: %s: %s\n", what, why);
	exit(2);
}

static void put(int fd, const void *buf, size_t len, const char *out)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(out, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

/* the whole file into *buf (grown as needed); its length */
static size_t slurp(const char *path, char **buf, size_t *cap)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW);

	if (fd < 0)
		return 0;	/* a symlink or a vanished file: nothing to store */
	for (;;) {
		ssize_t n;

		if (*cap - len < 65536) {
			*cap = *cap ? *cap * 2 : 1 << 20;
			*buf = realloc(*buf, *cap);
			if (!*buf)
				die(path, "out of memory");
		}
		n = read(fd, *buf + len, *cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	return len;
}

int main(int argc, char **argv)
{
	static char cluster[CLUSTER];
	unsigned long long in = 0, outb = 0;
	char *list, *buf = NULL, *p;
	size_t listlen, cap = 0, listcap = 0;
	void *hc = NULL;
	int mode, lfd, ofd;

	if (argc != 4)
		die("usage", "floor none|lz4|lz4hc LIST OUT");
	if (!strcmp(argv[1], "none"))
		mode = 0;
	else if (!strcmp(argv[1], "lz4"))
		mode = 1;
	else if (!strcmp(argv[1], "lz4hc"))
		mode = 2;
	else
		die(argv[1], "unknown mode (none, lz4, lz4hc)");
	lfd = open(argv[2], O_RDONLY);
	if (lfd < 0)
		die(argv[2], strerror(errno));
	close(lfd);
	list = NULL;
	listlen = slurp(argv[2], &list, &listcap);
	ofd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ofd < 0)
		die(argv[3], strerror(errno));
	if (mode == 2) {
		hc = malloc(LZ4_sizeofStateHC());
		if (!hc)
			die("lz4hc", "out of memory");
	}
	for (p = list; p < list + listlen; p += strlen(p) + 1) {
		size_t len = slurp(p, &buf, &cap), pos = 0;

		in += len;
		if (mode == 0) {
			put(ofd, buf, len, argv[3]);
			outb += len;
			continue;
		}
		while (pos < len) {
			int src = len - pos > (1u << 30) ? 1 << 30 : (int)(len - pos);
			int n;

			if (mode == 1)
				n = LZ4_compress_destSize(buf + pos, cluster, &src, CLUSTER);
			else
				n = LZ4_compress_HC_destSize(hc, buf + pos, cluster, &src,
							     CLUSTER, 9);
			if (n <= 0 || src <= CLUSTER) {
				/* saves no block: the input block, stored plain */
				src = len - pos < CLUSTER ? (int)(len - pos) : CLUSTER;
				put(ofd, buf + pos, (size_t)src, argv[3]);
			} else {
				put(ofd, cluster, CLUSTER, argv[3]);
			}
			pos += (size_t)src;
			outb += CLUSTER;
		}
	}
	close(ofd);
	printf("floor %s: %llu bytes in, %llu out\n", argv[1], in, outb);
	free(buf);
	free(list);
	free(hc);
	return 0;
}
