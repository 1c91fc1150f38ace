// SPDX-License-Identifier: MIT
/* --cat: a regular file's bytes to stdout, holes as zeros. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs/data.h"
#include "erofs/print.h"
#include "dump.h"

#define DUMP_CAT_BUF	(128 * 1024)

int dump_cat(struct erofs_inode *vi)
{
	erofs_off_t pos;
	char *buf;
	int err = 0;

	if (!S_ISREG(vi->mode)) {
		erofs_err("nid %llu: not a regular file",
			  (unsigned long long)vi->nid);
		return -EINVAL;
	}
	buf = malloc(DUMP_CAT_BUF);
	if (!buf)
		return -ENOMEM;
	for (pos = 0; pos < vi->size; ) {
		size_t n = EROFS_MIN(vi->size - pos, (erofs_off_t)DUMP_CAT_BUF);

		err = erofs_pread(vi, buf, n, pos);
		if (err)
			break;
		if (fwrite(buf, 1, n, stdout) != n) {
			erofs_err("stdout: %s", strerror(errno));
			err = -EIO;
			break;
		}
		pos += n;
	}
	free(buf);
	return err;
}
