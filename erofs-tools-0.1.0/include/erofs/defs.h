/* SPDX-License-Identifier: MIT */
/* Small helpers every layer uses: endianness, rounding, error pointers. */
#ifndef EROFS_DEFS_H
#define EROFS_DEFS_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* On-disk fields are little-endian; these convert at the edge. */
#define erofs_le16(x)		le16toh(x)
#define erofs_le32(x)		le32toh(x)
#define erofs_le64(x)		le64toh(x)
#define erofs_cpu_to_le16(x)	htole16(x)
#define erofs_cpu_to_le32(x)	htole32(x)
#define erofs_cpu_to_le64(x)	htole64(x)

#define EROFS_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define EROFS_DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define EROFS_ROUND_UP(n, a)	(EROFS_DIV_ROUND_UP(n, a) * (a))
#define EROFS_MIN(a, b)		((a) < (b) ? (a) : (b))
#define EROFS_MAX(a, b)		((a) > (b) ? (a) : (b))

/* Block and nid arithmetic is 64-bit throughout: images can exceed 4 GiB. */
typedef uint64_t erofs_off_t;
typedef uint64_t erofs_nid_t;
typedef uint32_t erofs_blk_t;

/* EFSCORRUPTED is what the kernel calls a structurally bad image. */
#ifndef EFSCORRUPTED
#define EFSCORRUPTED	EUCLEAN
#endif

/* Pointers that carry an -errno, as in the kernel. */
#define EROFS_MAX_ERRNO	4095
static inline void *ERR_PTR(long err) { return (void *)err; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p)
{
	return (unsigned long)p >= (unsigned long)-EROFS_MAX_ERRNO;
}

#endif
