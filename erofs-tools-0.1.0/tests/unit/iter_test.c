// SPDX-License-Identifier: MIT
/*
 * Unit tests of the file-content iterator (lib/iter.c) against the source
 * files an image was made from:  iter_test IMAGE SRCDIR NAME...
 * For each file NAME (at the image root and in SRCDIR), and for ranges
 * that start and end on, just before and just after every extent boundary
 * and at random: the pieces come in order with no gap, each inside the
 * range and inside its extent; their bytes (holes as zeros) equal the
 * source, whether a buffer is offered or not and whether the iterator is
 * cached or not; erofs_pread() of the range equals the source too.
 * Prints "N passed, N failed" and exits non-zero on any failure.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs/iter.h"
#include "erofs/namei.h"
#include "erofs/print.h"
#include "check.h"

/* The whole source file; exits on failure. */
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

/* One walk of [@from, @to) of @vi, every piece checked against @src. */
static void walk(struct erofs_inode *vi, const uint8_t *src, erofs_off_t from,
		 erofs_off_t to, bool offer, bool cached, uint8_t *scratch,
		 size_t scratchsz)
{
	struct erofs_iter it;
	struct erofs_piece p;
	erofs_off_t at = from;
	bool ok = true;
	int more = 0;

	if (erofs_iter_init(&it, vi, from, to)) {
		CHECK(0, "nid %llu: init [%llu, %llu) refused",
		      (unsigned long long)vi->nid, (unsigned long long)from,
		      (unsigned long long)to);
		return;
	}
	it.cached = cached;
	while (ok && (more = erofs_iter_next(&it, &p)) > 0) {
		bool mapped = p.map.m_flags & EROFS_MAP_MAPPED;

		ok = p.pos == at && p.len && p.len <= to - at &&
		     p.map.m_la <= p.pos &&
		     p.pos + p.len <= p.map.m_la + p.map.m_llen;
		CHECK(ok, "nid %llu [%llu, %llu): piece %llu+%llu at %llu, extent %llu+%llu",
		      (unsigned long long)vi->nid, (unsigned long long)from,
		      (unsigned long long)to, (unsigned long long)p.pos,
		      (unsigned long long)p.len, (unsigned long long)at,
		      (unsigned long long)p.map.m_la,
		      (unsigned long long)p.map.m_llen);
		if (!ok)
			break;
		if (erofs_iter_read(&it, &p, offer ? scratch : NULL,
				    offer ? scratchsz : 0)) {
			CHECK(0, "nid %llu: read of %llu+%llu failed",
			      (unsigned long long)vi->nid,
			      (unsigned long long)p.pos,
			      (unsigned long long)p.len);
			ok = false;
			break;
		}
		if (mapped) {
			ok = p.data && !memcmp(p.data, src + p.pos, p.len);
		} else {
			ok = !p.data;
			for (erofs_off_t i = 0; ok && i < p.len; i++)
				ok = !src[p.pos + i];
		}
		CHECK(ok, "nid %llu [%llu, %llu) offer %d cached %d: bytes of %llu+%llu differ",
		      (unsigned long long)vi->nid, (unsigned long long)from,
		      (unsigned long long)to, offer, cached,
		      (unsigned long long)p.pos, (unsigned long long)p.len);
		at += p.len;
	}
	erofs_iter_fini(&it);
	if (ok)
		CHECK(!more && at == to, "nid %llu [%llu, %llu): ended at %llu (%d)",
		      (unsigned long long)vi->nid, (unsigned long long)from,
		      (unsigned long long)to, (unsigned long long)at, more);
}

static void range(struct erofs_inode *vi, const uint8_t *src,
		  erofs_off_t from, erofs_off_t to, uint8_t *scratch,
		  size_t scratchsz)
{
	if (from > to || to > vi->size)
		return;
	for (int k = 0; k < 4; k++)
		walk(vi, src, from, to, k & 1, k & 2, scratch, scratchsz);
	memset(scratch, 0xa5, to - from);
	CHECK(!erofs_pread(vi, scratch, to - from, from) &&
	      !memcmp(scratch, src + from, to - from),
	      "nid %llu: pread [%llu, %llu) differs",
	      (unsigned long long)vi->nid, (unsigned long long)from,
	      (unsigned long long)to);
}

static void test_file(struct erofs_sb_info *sbi, const char *srcdir,
		      const char *name)
{
	struct erofs_iter it;
	struct erofs_piece p;
	struct erofs_inode vi;
	erofs_nid_t nid;
	uint8_t *src, *scratch;
	size_t len;
	erofs_off_t b[2];

	src = slurp(srcdir, name, &len);
	if (erofs_namei(sbi, name, &nid) || erofs_read_inode(sbi, nid, &vi)) {
		CHECK(0, "%s: not in the image", name);
		free(src);
		return;
	}
	CHECK(vi.size == len, "%s: size %llu, source %zu", name,
	      (unsigned long long)vi.size, len);
	/* room for any range and for an extent decoded in place */
	scratch = malloc(len + (1 << 20));
	if (!scratch)
		exit(2);
	range(&vi, src, 0, len, scratch, len + (1 << 20));
	/* around every extent boundary; one piece per extent, nothing read */
	erofs_iter_init(&it, &vi, 0, len);
	it.chunk = len;
	while (erofs_iter_next(&it, &p) > 0) {
		b[0] = p.map.m_la;
		b[1] = p.map.m_la + p.map.m_llen;
		for (int i = 0; i < 2; i++)
			for (int d = -1; d <= 1; d++) {
				erofs_off_t at = b[i] + d;

				if (at > len || (d < 0 && !b[i]))
					continue;
				range(&vi, src, 0, at, scratch, len + (1 << 20));
				range(&vi, src, at, len, scratch, len + (1 << 20));
				if (at + 1 <= len)
					range(&vi, src, at, at + 1, scratch,
					      len + (1 << 20));
			}
	}
	erofs_iter_fini(&it);
	srand(7);
	for (int i = 0; i < 64 && len; i++) {
		erofs_off_t x = (erofs_off_t)rand() * rand() % (len + 1);
		erofs_off_t y = (erofs_off_t)rand() * rand() % (len + 1);

		range(&vi, src, x < y ? x : y, x < y ? y : x, scratch,
		      len + (1 << 20));
	}
	/* outside i_size: refused */
	CHECK(erofs_iter_init(&it, &vi, 0, len + 1) == -EINVAL,
	      "%s: a range past i_size is accepted", name);
	CHECK(erofs_pread(&vi, scratch, 1, len) == -EINVAL,
	      "%s: a pread past i_size is accepted", name);
	free(scratch);
	free(src);
}

int main(int argc, char **argv)
{
	struct erofs_sb_info sbi;
	struct erofs_io io;

	if (argc < 4) {
		fprintf(stderr, "usage: %s IMAGE SRCDIR NAME...\n", argv[0]);
		return 2;
	}
	if (erofs_io_open_ro(&io, argv[1], 0) || erofs_sb_read(&sbi, &io, 0)) {
		fprintf(stderr, "%s: cannot open\n", argv[1]);
		return 2;
	}
	for (int i = 3; i < argc; i++)
		test_file(&sbi, argv[2], argv[i]);
	erofs_sb_release(&sbi);
	erofs_io_close(&io);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
