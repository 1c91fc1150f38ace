// SPDX-License-Identifier: MIT
/*
 * -S: statistics over every inode reachable from the root, each counted
 * once (hardlinks are one file).  The walk refuses to enter a directory
 * twice, so a cyclic image ends in an error instead of a loop.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs_fs.h"
#include "erofs/iter.h"
#include "erofs/dir.h"
#include "erofs/print.h"
#include "dump.h"

#define DUMP_MAX_DEPTH		(PATH_MAX / 2)
#define DUMP_SIZE_BUCKETS	65

/* An open-addressing set of 64-bit values (stored + 1: 0 marks a free slot). */
struct dump_set {
	uint64_t *v;
	size_t cap, count;
};

struct dump_stats {
	struct erofs_sb_info *sbi;
	struct dump_set seen;		/* nids met */
	struct dump_set pclusters;	/* physical addresses already counted */
	unsigned long long types[EROFS_FT_MAX];
	unsigned long long sizes[DUMP_SIZE_BUCKETS];
	unsigned long long compressed, uncompressed;
	unsigned long long logical, ondisk;
	unsigned long long fragments, fragment_bytes;	/* kept in the packed inode */
	unsigned long long partial, shared;	/* partial refs; pclusters met again */
	bool packed;
	erofs_nid_t packed_nid;
	unsigned long long packed_size, packed_ondisk;
	int err;
};

static size_t dump_set_slot(uint64_t v, size_t cap)
{
	return (v * 0x9E3779B97F4A7C15ull >> 20) & (cap - 1);
}

/* Insert @val: 1 if new, 0 if already there, -ENOMEM. */
static int dump_set_add(struct dump_set *set, uint64_t val)
{
	size_t h;

	if ((set->count + 1) * 2 > set->cap) {
		size_t ncap = set->cap ? set->cap * 2 : 1024, i;
		uint64_t *n = calloc(ncap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (i = 0; i < set->cap; i++) {
			if (!set->v[i])
				continue;
			for (h = dump_set_slot(set->v[i], ncap); n[h];
			     h = (h + 1) & (ncap - 1))
				;
			n[h] = set->v[i];
		}
		free(set->v);
		set->v = n;
		set->cap = ncap;
	}
	for (h = dump_set_slot(val + 1, set->cap); set->v[h];
	     h = (h + 1) & (set->cap - 1))
		if (set->v[h] == val + 1)
			return 0;
	set->v[h] = val + 1;
	set->count++;
	return 1;
}

static unsigned int dump_size_bucket(uint64_t size)
{
	unsigned int b = 0;

	while (size) {
		b++;
		size >>= 1;
	}
	return b;	/* 0: empty; b: 2^(b-1) <= size < 2^b */
}

/*
 * Physical bytes of @vi's data, extent by extent: holes cost nothing, a
 * pcluster shared with an extent met before (dedupe) nothing more, and a
 * fragment is part of the packed inode (counted once, as that).
 */
static int dump_ondisk_bytes(struct dump_stats *st, struct erofs_inode *vi,
			     uint64_t *bytes)
{
	struct erofs_iter it;
	struct erofs_piece p;
	int err;

	*bytes = 0;
	err = erofs_iter_init(&it, vi, 0, vi->size);
	if (err)
		return err;
	/* nothing is read: one piece per extent (two for an interlaced one) */
	it.chunk = vi->size;
	while ((err = erofs_iter_next(&it, &p)) > 0) {
		if (!(p.map.m_flags & EROFS_MAP_MAPPED) || p.pos != p.map.m_la)
			continue;
		if (p.map.m_flags & EROFS_MAP_FRAGMENT) {
			st->fragments++;
			st->fragment_bytes += p.map.m_llen;
			continue;
		}
		if (p.map.m_flags & EROFS_MAP_PARTIAL_REF)
			st->partial++;
		err = dump_set_add(&st->pclusters, p.map.m_pa);
		if (err < 0)
			break;
		if (err)
			*bytes += p.map.m_plen;
		else
			st->shared++;
	}
	erofs_iter_fini(&it);
	return err < 0 ? err : 0;
}

struct dump_kid {
	erofs_nid_t nid;
	unsigned int ftype;
};

struct dump_walk {
	struct dump_stats *st;
	struct dump_kid *kids;
	size_t n, cap;
};

static int dump_collect(const struct erofs_dir_entry *de, void *arg)
{
	struct dump_walk *w = arg;

	if ((de->namelen == 1 && de->name[0] == '.') ||
	    (de->namelen == 2 && !memcmp(de->name, "..", 2)))
		return 0;
	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 16;
		struct dump_kid *n = realloc(w->kids, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		w->kids = n;
		w->cap = ncap;
	}
	w->kids[w->n].nid = de->nid;
	w->kids[w->n++].ftype = de->file_type;
	return 0;
}

static int dump_visit(struct dump_stats *st, erofs_nid_t nid,
		      unsigned int ftype, unsigned int depth)
{
	struct erofs_inode vi;
	struct dump_walk w = { .st = st };
	uint64_t ondisk;
	size_t i;
	int err;

	err = dump_set_add(&st->seen, nid);
	if (err < 0)
		return err;
	if (!err) {
		if (ftype != EROFS_FT_DIR)
			return 0;	/* another hardlink */
		erofs_err("nid %llu: directory reached a second time: directory cycle or hardlinked directory",
			  (unsigned long long)nid);
		return -EFSCORRUPTED;
	}
	err = erofs_read_inode(st->sbi, nid, &vi);
	if (err)
		return err;
	st->types[erofs_mode_to_ftype(vi.mode)]++;
	if (S_ISREG(vi.mode)) {
		st->sizes[dump_size_bucket(vi.size)]++;
		if (erofs_inode_is_compressed(&vi))
			st->compressed++;
		else
			st->uncompressed++;
		err = dump_ondisk_bytes(st, &vi, &ondisk);
		if (err)
			return err;
		st->logical += vi.size;
		st->ondisk += ondisk;
	}
	if (!S_ISDIR(vi.mode))
		return 0;
	if (depth > DUMP_MAX_DEPTH) {
		erofs_err("nid %llu: directory nested %u deep: impossible depth",
			  (unsigned long long)nid, depth);
		return -EFSCORRUPTED;
	}
	err = erofs_iterate_dir(&vi, dump_collect, &w);
	for (i = 0; !err && i < w.n; i++)
		err = dump_visit(st, w.kids[i].nid, w.kids[i].ftype, depth + 1);
	free(w.kids);
	return err;
}

/*
 * The packed inode, which no directory links: its bytes on disk hold every
 * fragment, so they count once in the total.
 */
static int dump_packed(struct dump_stats *st)
{
	struct erofs_inode vi;
	uint64_t ondisk;
	int err;

	err = erofs_read_packed_inode(st->sbi, &vi);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	/* also linked from a directory? its pclusters are counted once anyway */
	err = dump_ondisk_bytes(st, &vi, &ondisk);
	if (err)
		return err;
	st->packed = true;
	st->packed_nid = vi.nid;
	st->packed_size = vi.size;
	st->packed_ondisk = ondisk;
	st->ondisk += ondisk;
	return 0;
}

static void dump_stats_json(const struct dump_stats *st, struct erofs_json *j,
			    unsigned int last)
{
	static const char *const keys[EROFS_FT_MAX] = {
		"unknown", "regular_files", "directories", "character_devices",
		"block_devices", "fifos", "sockets", "symlinks",
	};
	unsigned int i;

	erofs_json_object(j, "statistics");
	erofs_json_u64(j, "inodes", st->seen.count);
	erofs_json_object(j, "types");
	for (i = 1; i < EROFS_FT_MAX; i++)
		erofs_json_u64(j, keys[i], st->types[i]);
	erofs_json_end(j);
	erofs_json_u64(j, "compressed_files", st->compressed);
	erofs_json_u64(j, "uncompressed_files", st->uncompressed);
	erofs_json_u64(j, "file_bytes", st->logical);
	erofs_json_u64(j, "ondisk_bytes", st->ondisk);
	erofs_json_double(j, "compression_ratio",
			  st->ondisk ? (double)st->logical / st->ondisk : 1.0);
	erofs_json_u64(j, "fragment_extents", st->fragments);
	erofs_json_u64(j, "fragment_bytes", st->fragment_bytes);
	erofs_json_u64(j, "partial_ref_extents", st->partial);
	erofs_json_u64(j, "shared_extents", st->shared);
	if (st->packed) {
		erofs_json_object(j, "packed_inode");
		erofs_json_u64(j, "nid", st->packed_nid);
		erofs_json_u64(j, "size", st->packed_size);
		erofs_json_u64(j, "ondisk_bytes", st->packed_ondisk);
		erofs_json_end(j);
	} else {
		erofs_json_null(j, "packed_inode");
	}
	/* bucket 0 holds empty files; bucket b sizes 2^(b-1) .. 2^b - 1 */
	erofs_json_array(j, "size_histogram");
	for (i = 0; i <= last; i++) {
		erofs_json_object(j, NULL);
		erofs_json_u64(j, "min", i ? 1ull << (i - 1) : 0);
		erofs_json_u64(j, "max", i ? (1ull << (i - 1) << 1) - 1 : 0);
		erofs_json_u64(j, "count", st->sizes[i]);
		erofs_json_end(j);
	}
	erofs_json_end(j);
	erofs_json_end(j);
}

int dump_stats(struct erofs_sb_info *sbi, struct erofs_json *j)
{
	static const char *const names[EROFS_FT_MAX] = {
		"unknown", "regular files", "directories", "character devices",
		"block devices", "fifos", "sockets", "symlinks",
	};
	struct dump_stats st = { .sbi = sbi };
	unsigned int i, last = 0;
	int err;

	err = dump_visit(&st, sbi->root_nid, EROFS_FT_DIR, 0);
	if (!err)
		err = dump_packed(&st);
	free(st.seen.v);
	free(st.pclusters.v);
	if (err)
		return err;
	for (i = 0; i < DUMP_SIZE_BUCKETS; i++)
		if (st.sizes[i])
			last = i;
	if (j) {
		dump_stats_json(&st, j, last);
		return 0;
	}
	printf("Inodes:                 %zu\n", st.seen.count);
	for (i = 1; i < EROFS_FT_MAX; i++)
		printf("  %s:%*s%llu\n", names[i],
		       (int)(21 - strlen(names[i])), "", st.types[i]);
	printf("Compressed files:       %llu\n", st.compressed);
	printf("Uncompressed files:     %llu\n", st.uncompressed);
	printf("File bytes:             %llu\n", st.logical);
	printf("On-disk bytes:          %llu\n", st.ondisk);
	printf("Compression ratio:      %.2f\n",
	       st.ondisk ? (double)st.logical / st.ondisk : 1.0);
	printf("Fragment extents:       %llu (%llu bytes)\n", st.fragments,
	       st.fragment_bytes);
	printf("Partial-ref extents:    %llu\n", st.partial);
	printf("Shared extents:         %llu\n", st.shared);
	if (st.packed)
		printf("Packed inode:           nid %llu, %llu bytes, %llu on disk\n",
		       (unsigned long long)st.packed_nid, st.packed_size,
		       st.packed_ondisk);
	printf("File size histogram:\n");
	for (i = 0; i <= last; i++) {
		char label[48];

		if (!i)
			snprintf(label, sizeof(label), "0");
		else
			snprintf(label, sizeof(label), "%llu..%llu",
				 1ull << (i - 1), (1ull << (i - 1) << 1) - 1);
		printf("  %s:%*s%llu\n", label, (int)(42 - strlen(label)), "",
		       st.sizes[i]);
	}
	return 0;
}
