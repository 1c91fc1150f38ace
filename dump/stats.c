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

struct dump_stats {
	struct erofs_sb_info *sbi;
	erofs_nid_t *seen;		/* open-addressing set of nid + 1 */
	size_t cap, count;
	unsigned long long types[EROFS_FT_MAX];
	unsigned long long sizes[DUMP_SIZE_BUCKETS];
	unsigned long long compressed, uncompressed;
	unsigned long long logical, ondisk;
	int err;
};

/* Insert @nid: 1 if new, 0 if already there, -ENOMEM. */
static int dump_seen_add(struct dump_stats *st, erofs_nid_t nid)
{
	size_t h;

	if ((st->count + 1) * 2 > st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 1024, i;
		erofs_nid_t *n = calloc(ncap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (i = 0; i < st->cap; i++) {
			if (!st->seen[i])
				continue;
			for (h = (st->seen[i] * 0x9E3779B97F4A7C15ull >> 20) &
				 (ncap - 1); n[h]; h = (h + 1) & (ncap - 1))
				;
			n[h] = st->seen[i];
		}
		free(st->seen);
		st->seen = n;
		st->cap = ncap;
	}
	for (h = ((nid + 1) * 0x9E3779B97F4A7C15ull >> 20) & (st->cap - 1);
	     st->seen[h]; h = (h + 1) & (st->cap - 1))
		if (st->seen[h] == nid + 1)
			return 0;
	st->seen[h] = nid + 1;
	st->count++;
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

/* Physical bytes of @vi's data, extent by extent (holes cost nothing). */
static int dump_ondisk_bytes(struct erofs_inode *vi, uint64_t *bytes)
{
	struct erofs_iter it;
	struct erofs_piece p;
	int err;

	*bytes = 0;
	err = erofs_iter_init(&it, vi, 0, vi->size);
	if (err)
		return err;
	/* nothing is read: one piece per extent */
	it.chunk = vi->size;
	while ((err = erofs_iter_next(&it, &p)) > 0)
		if (p.map.m_flags & EROFS_MAP_MAPPED)
			*bytes += p.map.m_plen;
	erofs_iter_fini(&it);
	return err;
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

	err = dump_seen_add(st, nid);
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
		err = dump_ondisk_bytes(&vi, &ondisk);
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

static void dump_stats_json(const struct dump_stats *st, struct erofs_json *j,
			    unsigned int last)
{
	static const char *const keys[EROFS_FT_MAX] = {
		"unknown", "regular_files", "directories", "character_devices",
		"block_devices", "fifos", "sockets", "symlinks",
	};
	unsigned int i;

	erofs_json_object(j, "statistics");
	erofs_json_u64(j, "inodes", st->count);
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
	free(st.seen);
	if (err)
		return err;
	for (i = 0; i < DUMP_SIZE_BUCKETS; i++)
		if (st.sizes[i])
			last = i;
	if (j) {
		dump_stats_json(&st, j, last);
		return 0;
	}
	printf("Inodes:                 %zu\n", st.count);
	for (i = 1; i < EROFS_FT_MAX; i++)
		printf("  %s:%*s%llu\n", names[i],
		       (int)(21 - strlen(names[i])), "", st.types[i]);
	printf("Compressed files:       %llu\n", st.compressed);
	printf("Uncompressed files:     %llu\n", st.uncompressed);
	printf("File bytes:             %llu\n", st.logical);
	printf("On-disk bytes:          %llu\n", st.ondisk);
	printf("Compression ratio:      %.2f\n",
	       st.ondisk ? (double)st.logical / st.ondisk : 1.0);
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
