/* SPDX-License-Identifier: MIT */
/*
 * xxHash32, the hash behind the xattr name filter (COMPAT_XATTR_FILTER);
 * xxHash64, the one mkfs finds duplicate data by (confirmed byte by byte).
 */
#ifndef EROFS_XXHASH_H
#define EROFS_XXHASH_H

#include <stddef.h>
#include <stdint.h>

/* The 32-bit xxHash of @len bytes at @data with @seed. */
uint32_t erofs_xxh32(const void *data, size_t len, uint32_t seed);
/* The 64-bit xxHash of @len bytes at @data with @seed. */
uint64_t erofs_xxh64(const void *data, size_t len, uint64_t seed);

#endif
