/* SPDX-License-Identifier: MIT */
#ifndef EROFS_CRC32C_H
#define EROFS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC-32C (Castagnoli) continued from @crc, without the final inversion:
 * the superblock checksum is erofs_crc32c(~0u, sb, len), as the kernel
 * computes it.
 */
uint32_t erofs_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
