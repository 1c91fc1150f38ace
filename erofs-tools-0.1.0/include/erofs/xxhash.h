/* SPDX-License-Identifier: MIT */
/* xxHash32, the hash behind the xattr name filter (COMPAT_XATTR_FILTER). */
#ifndef EROFS_XXHASH_H
#define EROFS_XXHASH_H

#include <stddef.h>
#include <stdint.h>

/* The 32-bit xxHash of @len bytes at @data with @seed. */
uint32_t erofs_xxh32(const void *data, size_t len, uint32_t seed);

#endif
