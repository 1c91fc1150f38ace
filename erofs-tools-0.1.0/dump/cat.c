// SPDX-License-Identifier: MIT
/* --cat: a regular file's bytes to stdout, holes as zeros. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs/iter.h"
#include "erofs/print.h"
#include "dump.h"

#define DUMP_ZEROS	(64 * 1024)

static int dump_put(const void *buf, size_t n)
{
	if (fwrite(buf, 1, n, stdout) == n)
		return 0;
	erofs_err("stdout: %s", strerror(errno));
	return -EIO;
}

/* @len zero bytes: a hole. */
static int dump_put_zeros(erofs_off_t len)
{
	static const char zeros[DUMP_ZEROS];
	int err = 0;

	while (!err && len) {
		size_t n = EROFS_MIN(len, (erofs_off_t)DUMP_ZEROS);

		err = dump_put(zeros, n);
		len -= n;
	}
	return err;
}

int dump_cat(struct erofs_inode *vi)
{
	struct erofs_iter it;
	struct erofs_piece p;
	int err;

	if (!S_ISREG(vi->mode)) {
		erofs_err("nid %llu: not a regular file",
			  (unsigned long long)vi->nid);
		return -EINVAL;
	}
	err = erofs_iter_init(&it, vi, 0, vi->size);
	while (!err && (err = erofs_iter_next(&it, &p)) > 0) {
		err = erofs_iter_read(&it, &p, NULL, 0);
		if (!err)
			err = p.data ? dump_put(p.data, p.len) :
				       dump_put_zeros(p.len);
	}
	erofs_iter_fini(&it);
	return err;
}
