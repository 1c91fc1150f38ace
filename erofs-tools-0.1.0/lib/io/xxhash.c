// SPDX-License-Identifier: MIT
/*
 * xxHash32, written from the published algorithm description: four
 * accumulators over 16-byte stripes, then the remaining words and bytes,
 * then a final avalanche.  Little-endian lanes whatever the host.
 */
#include <string.h>
#include "erofs/defs.h"
#include "erofs/xxhash.h"

#define XXH_P1	0x9E3779B1u
#define XXH_P2	0x85EBCA77u
#define XXH_P3	0xC2B2AE3Du
#define XXH_P4	0x27D4EB2Fu
#define XXH_P5	0x165667B1u

static inline uint32_t xxh_rotl(uint32_t v, unsigned int r)
{
	return (v << r) | (v >> (32 - r));
}

static inline uint32_t xxh_lane(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return erofs_le32(v);
}

static inline uint32_t xxh_round(uint32_t acc, uint32_t lane)
{
	return xxh_rotl(acc + lane * XXH_P2, 13) * XXH_P1;
}

uint32_t erofs_xxh32(const void *data, size_t len, uint32_t seed)
{
	const uint8_t *p = data, *end = p + len;
	uint32_t h;

	if (len >= 16) {
		uint32_t v[4] = { seed + XXH_P1 + XXH_P2, seed + XXH_P2, seed,
				  seed - XXH_P1 };

		for (; end - p >= 16; p += 16)
			for (int i = 0; i < 4; i++)
				v[i] = xxh_round(v[i], xxh_lane(p + 4 * i));
		h = xxh_rotl(v[0], 1) + xxh_rotl(v[1], 7) + xxh_rotl(v[2], 12) +
		    xxh_rotl(v[3], 18);
	} else {
		h = seed + XXH_P5;
	}
	h += (uint32_t)len;
	for (; end - p >= 4; p += 4)
		h = xxh_rotl(h + xxh_lane(p) * XXH_P3, 17) * XXH_P4;
	for (; p < end; p++)
		h = xxh_rotl(h + *p * XXH_P5, 11) * XXH_P1;
	h ^= h >> 15;
	h *= XXH_P2;
	h ^= h >> 13;
	h *= XXH_P3;
	h ^= h >> 16;
	return h;
}
