/* SPDX-License-Identifier: MIT */
/*
 * Once the superblock is accepted, the read path promises that every read
 * lies inside the image (all addresses are range-checked before use): make
 * a read past the end abort, so a missing check is a finding, not -EIO.
 */
#ifndef FUZZ_STRICT_IO_H
#define FUZZ_STRICT_IO_H

#include "erofs/io.h"

void fuzz_io_make_strict(struct erofs_io *io);

#endif
