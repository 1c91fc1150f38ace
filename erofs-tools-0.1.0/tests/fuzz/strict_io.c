// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include "strict_io.h"

static struct erofs_io_ops fuzz_strict_ops;
static int (*fuzz_inner_pread)(struct erofs_io *, void *, size_t, erofs_off_t);

static int fuzz_strict_pread(struct erofs_io *io, void *buf, size_t len,
			     erofs_off_t pos)
{
	if (pos > io->size || len > io->size - pos) {
		fprintf(stderr, "fuzz: read of %zu bytes at %llu past the %llu-byte image\n",
			len, (unsigned long long)pos,
			(unsigned long long)io->size);
		abort();
	}
	return fuzz_inner_pread(io, buf, len, pos);
}

void fuzz_io_make_strict(struct erofs_io *io)
{
	fuzz_strict_ops = *io->ops;
	fuzz_inner_pread = io->ops->pread;
	fuzz_strict_ops.pread = fuzz_strict_pread;
	io->ops = &fuzz_strict_ops;
}
