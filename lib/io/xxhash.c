// SPDX-License-Identifier: MIT
/*
 * xxHash32 and xxHash64, written from the published algorithm description: four
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

/* xxHash64: the same shape, 32-byte stripes of four 64-bit lanes. */
#define XXH64_P1	0x9E3779B185EBCA87ull
#define XXH64_P2	0xC2B2AE3D27D4EB4Full
#define XXH64_P3	0x165667B19E3779F9ull
#define XXH64_P4	0x85EBCA77C2B2AE63ull
#define XXH64_P5	0x27D4EB2F165667C5ull

static inline uint64_t xxh64_rotl(uint64_t v, unsigned int r)
{
	return (v << r) | (v >> (64 - r));
}

static inline uint64_t xxh64_lane(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return erofs_le64(v);
}

static inline uint64_t xxh64_round(uint64_t acc, uint64_t lane)
{
	return xxh64_rotl(acc + lane * XXH64_P2, 31) * XXH64_P1;
}

static inline uint64_t xxh64_merge(uint64_t h, uint64_t v)
{
	return (h ^ xxh64_round(0, v)) * XXH64_P1 + XXH64_P4;
}

uint64_t erofs_xxh64(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data, *end = p + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v[4] = { seed + XXH64_P1 + XXH64_P2, seed + XXH64_P2,
				  seed, seed - XXH64_P1 };

		for (; end - p >= 32; p += 32)
			for (int i = 0; i < 4; i++)
				v[i] = xxh64_round(v[i], xxh64_lane(p + 8 * i));
		h = xxh64_rotl(v[0], 1) + xxh64_rotl(v[1], 7) +
		    xxh64_rotl(v[2], 12) + xxh64_rotl(v[3], 18);
		for (int i = 0; i < 4; i++)
			h = xxh64_merge(h, v[i]);
	} else {
		h = seed + XXH64_P5;
	}
	h += len;
	for (; end - p >= 8; p += 8)
		h = xxh64_rotl(h ^ xxh64_round(0, xxh64_lane(p)), 27) * XXH64_P1 +
		    XXH64_P4;
	if (end - p >= 4) {
		h = xxh64_rotl(h ^ (uint64_t)xxh_lane(p) * XXH64_P1, 23) *
		    XXH64_P2 + XXH64_P3;
		p += 4;
	}
	for (; p < end; p++)
		h = xxh64_rotl(h ^ *p * XXH64_P5, 11) * XXH64_P1;
	h ^= h >> 33;
	h *= XXH64_P2;
	h ^= h >> 29;
	h *= XXH64_P3;
	h ^= h >> 32;
	return h;
}
