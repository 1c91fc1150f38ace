// SPDX-License-Identifier: MIT
/*
 * -e: the extents of a file as the iterator meets them, one line each.  A
 * fragment's "physical" offset is in the packed inode, not in the image.
 */
#include <stdio.h>
#include <sys/stat.h>
#include "erofs/iter.h"
#include "erofs/decompress.h"
#include "erofs/print.h"
#include "dump.h"

static const char *dump_extent_codec(const struct erofs_map_blocks *map)
{
	if (!(map->m_flags & EROFS_MAP_ENCODED))
		return NULL;
	if (map->m_algorithmformat == Z_EROFS_COMPRESSION_SHIFTED)
		return "plain";
	if (map->m_algorithmformat == Z_EROFS_COMPRESSION_INTERLACED)
		return "interlaced";
	return z_erofs_algorithm_name(map->m_algorithmformat);
}

/* "mapped,inline,lz4,partial", "fragment", ... */
static void dump_extent_flags(char *buf, size_t len,
			      const struct erofs_map_blocks *map)
{
	const char *codec = dump_extent_codec(map);

	if (map->m_flags & EROFS_MAP_FRAGMENT) {
		snprintf(buf, len, "fragment");
		return;
	}
	snprintf(buf, len, "mapped%s%s%s%s",
		 (map->m_flags & EROFS_MAP_META) ? ",inline" : "",
		 codec ? "," : "", codec ? codec : "",
		 (map->m_flags & EROFS_MAP_PARTIAL_REF) ? ",partial" : "");
}

static void dump_extent_json(struct erofs_json *j, unsigned long n,
			     const struct erofs_map_blocks *map)
{
	bool mapped = map->m_flags & EROFS_MAP_MAPPED;
	bool fragment = mapped && (map->m_flags & EROFS_MAP_FRAGMENT);

	erofs_json_object(j, NULL);
	erofs_json_u64(j, "index", n);
	erofs_json_u64(j, "logical", map->m_la);
	erofs_json_u64(j, "length", map->m_llen);
	if (mapped && !fragment) {
		erofs_json_u64(j, "physical", map->m_pa);
		erofs_json_u64(j, "physical_length", map->m_plen);
		erofs_json_u64(j, "device", map->m_deviceid);
	} else {
		erofs_json_null(j, "physical");
		erofs_json_null(j, "physical_length");
		erofs_json_null(j, "device");
	}
	erofs_json_bool(j, "hole", !mapped);
	erofs_json_bool(j, "inline", mapped && (map->m_flags & EROFS_MAP_META));
	erofs_json_bool(j, "fragment", fragment);
	if (fragment)
		erofs_json_u64(j, "fragment_offset", map->m_pa);
	else
		erofs_json_null(j, "fragment_offset");
	erofs_json_bool(j, "partial_ref", map->m_flags & EROFS_MAP_PARTIAL_REF);
	if (mapped && dump_extent_codec(map))
		erofs_json_str(j, "encoding", dump_extent_codec(map));
	else
		erofs_json_null(j, "encoding");
	erofs_json_end(j);
}

int dump_extents(struct erofs_inode *vi, struct erofs_json *j)
{
	struct erofs_iter it;
	struct erofs_piece p;
	unsigned long n = 0;
	int err;

	if (!S_ISREG(vi->mode) && !S_ISDIR(vi->mode) && !S_ISLNK(vi->mode)) {
		erofs_err("nid %llu: no data extents for this file type",
			  (unsigned long long)vi->nid);
		return -EINVAL;
	}
	if (j) {
		erofs_json_object(j, "extent_map");
		erofs_json_u64(j, "nid", vi->nid);
		erofs_json_array(j, "extents");
	} else {
		printf("%6s %20s %20s %20s %12s  %s\n", "EXT", "LOGICAL",
		       "LENGTH", "PHYSICAL", "PLEN", "FLAGS");
	}
	err = erofs_iter_init(&it, vi, 0, vi->size);
	if (err)
		return err;
	/* nothing is read: one piece per extent */
	it.chunk = vi->size;
	while ((err = erofs_iter_next(&it, &p)) > 0) {
		const struct erofs_map_blocks map = p.map;
		char flags[64];

		/* an interlaced extent comes in two pieces: show it once */
		if (p.pos != map.m_la)
			continue;
		if (j) {
			dump_extent_json(j, n, &map);
		} else if (map.m_flags & EROFS_MAP_MAPPED) {
			dump_extent_flags(flags, sizeof(flags), &map);
			printf("%6lu %20llu %20llu %20llu %12llu  %s", n,
			       (unsigned long long)map.m_la,
			       (unsigned long long)map.m_llen,
			       (unsigned long long)map.m_pa,
			       (unsigned long long)map.m_plen, flags);
			/* PHYSICAL is an offset inside that device */
			if (map.m_deviceid)
				printf(",device %u", map.m_deviceid);
			printf("\n");
		} else {
			printf("%6lu %20llu %20llu %20s %12s  %s\n", n,
			       (unsigned long long)map.m_la,
			       (unsigned long long)map.m_llen, "-", "-", "hole");
		}
		n++;
	}
	erofs_iter_fini(&it);
	if (err)
		return err;
	if (j) {
		erofs_json_end(j);
		erofs_json_u64(j, "extent_count", n);
		erofs_json_end(j);
	} else {
		printf("%lu extents\n", n);
	}
	return 0;
}
