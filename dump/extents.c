// SPDX-License-Identifier: MIT
/* -e: the extents erofs_map_blocks() answers, one line each. */
#include <stdio.h>
#include <sys/stat.h>
#include "erofs/data.h"
#include "erofs/decompress.h"
#include "erofs/print.h"
#include "dump.h"

int dump_extents(struct erofs_inode *vi)
{
	erofs_off_t pos = 0;
	unsigned long n = 0;
	int err;

	if (!S_ISREG(vi->mode) && !S_ISDIR(vi->mode) && !S_ISLNK(vi->mode)) {
		erofs_err("nid %llu: no data extents for this file type",
			  (unsigned long long)vi->nid);
		return -EINVAL;
	}
	printf("%6s %20s %20s %20s %12s  %s\n", "EXT", "LOGICAL", "LENGTH",
	       "PHYSICAL", "PLEN", "FLAGS");
	while (pos < vi->size) {
		struct erofs_map_blocks map = { .m_la = pos };

		err = erofs_map_blocks(vi, &map);
		if (err)
			return err;
		if (map.m_flags & EROFS_MAP_MAPPED)
			printf("%6lu %20llu %20llu %20llu %12llu  %s%s%s\n", n,
			       (unsigned long long)map.m_la,
			       (unsigned long long)map.m_llen,
			       (unsigned long long)map.m_pa,
			       (unsigned long long)map.m_plen,
			       (map.m_flags & EROFS_MAP_META) ? "mapped,inline" : "mapped",
			       (map.m_flags & EROFS_MAP_ENCODED) ? "," : "",
			       !(map.m_flags & EROFS_MAP_ENCODED) ? "" :
			       map.m_algorithmformat == Z_EROFS_COMPRESSION_SHIFTED ?
			       "plain" : z_erofs_algorithm_name(map.m_algorithmformat));
		else
			printf("%6lu %20llu %20llu %20s %12s  %s\n", n,
			       (unsigned long long)map.m_la,
			       (unsigned long long)map.m_llen, "-", "-", "hole");
		pos = map.m_la + map.m_llen;
		n++;
	}
	printf("%lu extents\n", n);
	return 0;
}
