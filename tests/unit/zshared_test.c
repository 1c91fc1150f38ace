// SPDX-License-Identifier: MIT
/*
 * Unit tests of the pcluster cache shared by threads (lib/read/zdata_shared.c)
 * through erofs_pread_shared():  zshared_test IMAGE SRCDIR NAME...
 * For each compressed file NAME (at the image root and in SRCDIR):
 *  - read front to back in odd-sized steps on one thread, every byte equal
 *    to the source, each pcluster decoded exactly once (the counters: as
 *    many decodes as the file has encoded extents, no fallback);
 *  - the same in a cache whose budget no extent fits in: every read goes
 *    through the thread's own cache, bytes still equal;
 *  - four threads, each with its own bound cache, reading the files at
 *    random offsets and lengths (prefixes or not) through one small shared
 *    cache (evictions, waits for a pcluster another thread decodes): every
 *    byte equal.  Under TSan this is the race check of the cache.
 * Prints "N passed, N failed" and exits non-zero on any failure.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs/iter.h"
#include "erofs/namei.h"
#include "erofs/print.h"
#include "erofs/zdata.h"
#include "check.h"

#define NTHREADS	4
#define NREADS		3000

struct file {
	const char *name;
	struct erofs_inode vi;
	uint8_t *src;
	size_t len;
};

static struct erofs_sb_info sbi;
static struct file *files;
static int nfiles;
static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;

static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	struct stat st;
	uint8_t *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		exit(2);
	}
	*len = st.st_size;
	buf = malloc(*len + 1);
	if (!buf || pread(fd, buf, *len, 0) != (ssize_t)*len) {
		perror(path);
		exit(2);
	}
	close(fd);
	return buf;
}

/* Encoded extents of @vi (pieces the shared cache decodes). */
static unsigned int encoded_extents(struct erofs_inode *vi)
{
	struct erofs_iter it;
	struct erofs_piece p;
	unsigned int n = 0;
	struct erofs_inode v = *vi;

	if (erofs_iter_init(&it, &v, 0, v.size))
		return 0;
	while (erofs_iter_next(&it, &p) > 0)
		if ((p.map.m_flags & EROFS_MAP_MAPPED) &&
		    (p.map.m_flags & EROFS_MAP_ENCODED) &&
		    !(p.map.m_flags & EROFS_MAP_FRAGMENT) &&
		    p.map.m_algorithmformat != Z_EROFS_COMPRESSION_SHIFTED &&
		    p.map.m_algorithmformat != Z_EROFS_COMPRESSION_INTERLACED)
			n++;
	erofs_iter_fini(&it);
	return n;
}

/* @f front to back in @step-byte reads through @sh: bytes equal? */
static bool sequential(struct file *f, struct z_erofs_shared *sh, size_t step)
{
	uint8_t *buf = malloc(step);
	bool ok = buf != NULL;

	for (size_t at = 0; ok && at < f->len; at += step) {
		size_t n = f->len - at < step ? f->len - at : step;
		struct erofs_inode v = f->vi;

		ok = !erofs_pread_shared(&v, sh, buf, n, at, false) &&
		     !memcmp(buf, f->src + at, n);
		if (!ok)
			fprintf(stderr, "%s: %zu bytes at %zu differ or fail\n",
				f->name, n, at);
	}
	free(buf);
	return ok;
}

struct worker {
	struct z_erofs_shared *sh;
	unsigned int seed;
	int bad;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct z_erofs_pcache *pc = z_erofs_pcache_new();
	uint8_t *buf = malloc(256 * 1024);

	if (!pc || !buf) {
		w->bad++;
		return NULL;
	}
	z_erofs_pcache_bind(pc);
	for (int i = 0; i < NREADS; i++) {
		struct file *f = &files[rand_r(&w->seed) % nfiles];
		size_t at = rand_r(&w->seed) % f->len;
		size_t n = 1 + rand_r(&w->seed) % (256 * 1024);
		struct erofs_inode v = f->vi;

		if (n > f->len - at)
			n = f->len - at;
		if (erofs_pread_shared(&v, w->sh, buf, n, at,
				       rand_r(&w->seed) & 1) ||
		    memcmp(buf, f->src + at, n)) {
			pthread_mutex_lock(&check_lock);
			fprintf(stderr, "%s: %zu bytes at %zu differ or fail (thread)\n",
				f->name, n, at);
			pthread_mutex_unlock(&check_lock);
			w->bad++;
		}
	}
	z_erofs_pcache_merge_free(pc, NULL);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	struct z_erofs_shared_stats st;
	struct z_erofs_shared *sh;
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	struct erofs_io io;

	if (argc < 4) {
		fprintf(stderr, "usage: %s IMAGE SRCDIR NAME...\n", argv[0]);
		return 2;
	}
	if (erofs_io_open_ro(&io, argv[1], 0) || erofs_sb_read(&sbi, &io, 0)) {
		fprintf(stderr, "%s: cannot open\n", argv[1]);
		return 2;
	}
	nfiles = argc - 3;
	files = calloc(nfiles, sizeof(*files));
	for (int i = 0; i < nfiles; i++) {
		erofs_nid_t nid;

		files[i].name = argv[i + 3];
		if (erofs_namei(&sbi, files[i].name, &nid) ||
		    erofs_read_inode(&sbi, nid, &files[i].vi)) {
			fprintf(stderr, "%s: not in the image\n", files[i].name);
			return 2;
		}
		files[i].src = slurp(argv[2], files[i].name, &files[i].len);
		if (files[i].len != files[i].vi.size || !files[i].len) {
			fprintf(stderr, "%s: sizes differ or empty\n", files[i].name);
			return 2;
		}
	}

	for (int i = 0; i < nfiles; i++) {
		struct file *f = &files[i];
		unsigned int n = encoded_extents(&f->vi);

		sh = z_erofs_shared_new(8, 4 << 20);
		CHECK(sh, "no shared cache");
		if (!sh)
			return 1;
		CHECK(sequential(f, sh, 3001), "%s: sequential reads differ", f->name);
		z_erofs_shared_get_stats(sh, &st);
		CHECK(n > 1, "%s: %u encoded extents, want several", f->name, n);
		CHECK(st.decoded == n && !st.private,
		      "%s: %llu decodes (%llu private) for %u encoded extents",
		      f->name, (unsigned long long)st.decoded,
		      (unsigned long long)st.private, n);
		CHECK(st.hits > st.decoded, "%s: %llu hits for %llu decodes",
		      f->name, (unsigned long long)st.hits,
		      (unsigned long long)st.decoded);
		z_erofs_shared_free(sh);

		/* nothing fits: the thread's own cache serves every read */
		sh = z_erofs_shared_new(8, 16);
		CHECK(sequential(f, sh, 5000), "%s: reads past the budget differ",
		      f->name);
		z_erofs_shared_get_stats(sh, &st);
		CHECK(!st.decoded && st.private && !st.bytes,
		      "%s: over budget, %llu decodes, %llu private, %llu bytes",
		      f->name, (unsigned long long)st.decoded,
		      (unsigned long long)st.private,
		      (unsigned long long)st.bytes);
		z_erofs_shared_free(sh);
	}

	/* a small cache, four threads at random */
	sh = z_erofs_shared_new(4, 1 << 20);
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .sh = sh, .seed = 7 + i };
		CHECK(!pthread_create(&t[i], NULL, worker, &w[i]), "pthread_create");
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK(!w[i].bad, "thread %d: %d reads differ or fail", i, w[i].bad);
	}
	z_erofs_shared_get_stats(sh, &st);
	CHECK(st.bytes <= 1 << 20, "%llu bytes of slots over the 1 MiB budget",
	      (unsigned long long)st.bytes);
	printf("threads: %llu decoded, %llu hits (%llu after a wait), %llu private\n",
	       (unsigned long long)st.decoded, (unsigned long long)st.hits,
	       (unsigned long long)st.waits, (unsigned long long)st.private);
	z_erofs_shared_free(sh);

	for (int i = 0; i < nfiles; i++)
		free(files[i].src);
	free(files);
	erofs_sb_release(&sbi);
	erofs_io_close(&io);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
