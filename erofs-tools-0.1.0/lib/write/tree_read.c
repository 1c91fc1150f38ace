// SPDX-License-Identifier: MIT
/*
 * Reading the source directories of one level of tree.c's walk, on several
 * threads: each directory's entries, sorted, and what every entry needs a
 * system call for (lstat, link target, hole map).  No node is made here.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs_fs.h"
#include "erofs/dir.h"
#include "erofs/print.h"
#include "erofs/tree.h"
#include "erofs/workpool.h"
#include "tree_read.h"

/* Above this many chunks a sparse file's map grows its chunk size instead. */
#define EROFS_MAX_CHUNKS	65536

int erofs_tree_dentry_cmp(const void *x, const void *y)
{
	const struct erofs_dentry *a = x, *b = y;

	return erofs_dir_name_cmp(a->name, a->namelen, b->name, b->namelen);
}

int erofs_tree_scan_holes(struct erofs_node *node, int fd, uint64_t base,
			  uint64_t size, unsigned int blkszbits)
{
	uint64_t chunk, nchunks, pos = 0;
	unsigned int bits = 0;
	bool any_hole = false;
	uint8_t *data;
	int err = 0;

	if (!size)
		return 0;
	while (EROFS_DIV_ROUND_UP(size, 1ull << (blkszbits + bits)) > EROFS_MAX_CHUNKS)
		bits++;
	chunk = 1ull << (blkszbits + bits);
	nchunks = EROFS_DIV_ROUND_UP(size, chunk);
	data = calloc(EROFS_DIV_ROUND_UP(nchunks, 8), 1);
	if (!data)
		return -ENOMEM;
	while (pos < size) {
		off_t d = lseek(fd, base + pos, SEEK_DATA), h;

		if (d < 0) {
			if (errno != ENXIO)
				err = -errno;
			break;
		}
		if ((uint64_t)d >= base + size)
			break;
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0) {
			err = -errno;
			break;
		}
		if ((uint64_t)h > base + size)
			h = base + size;
		for (uint64_t c = (d - base) / chunk;
		     c < EROFS_DIV_ROUND_UP((uint64_t)h - base, chunk); c++)
			data[c >> 3] |= 1 << (c & 7);
		if (h <= d)
			break;
		pos = h - base;
	}
	if (err) {
		free(data);
		return err;
	}
	/* Invert: keep a bitmap of holes, and only if there is one. */
	for (uint64_t c = 0; c < nchunks; c++) {
		data[c >> 3] ^= 1 << (c & 7);
		if (data[c >> 3] & (1 << (c & 7)))
			any_hole = true;
	}
	if (!any_hole) {
		free(data);
		return 0;
	}
	node->src.holes = data;
	node->chunkbits = bits;
	return 0;
}

/*
 * Find which chunks of a sparse file hold data.  Only files whose allocated
 * blocks fall short of their size are probed; the answer depends on the
 * file's holes, never on the order anything was read.
 */
static int scan_holes(struct entry_info *ei, int dfd, const char *name,
		      unsigned int blkszbits)
{
	const struct stat *st = &ei->st;
	struct erofs_node tmp = { 0 };
	int fd, err;

	if (!st->st_size || (uint64_t)st->st_blocks * 512 >= (uint64_t)st->st_size)
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = erofs_tree_scan_holes(&tmp, fd, 0, st->st_size, blkszbits);
	close(fd);
	ei->holes = tmp.src.holes;
	ei->chunkbits = tmp.chunkbits;
	return err;
}

bool erofs_tree_excluded(const struct erofs_tree_opts *o, const char *rel)
{
	for (unsigned int i = 0; i < o->nexclude_paths; i++)
		if (!strcmp(o->exclude_paths[i], rel))
			return true;
	for (unsigned int i = 0; i < o->nexclude_regexes; i++)
		if (!regexec(&o->exclude_regexes[i], rel, 0, NULL, 0))
			return true;
	return false;
}

char *erofs_tree_join_path(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = malloc(dl + nl + 2);

	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	return p;
}

static void read_fail(struct dir_read *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void read_fail(struct dir_read *r, int err, const char *fmt, ...)
{
	va_list ap;

	r->err = err;
	va_start(ap, fmt);
	if (vasprintf(&r->msg, fmt, ap) < 0) {
		r->msg = NULL;
		r->err = -ENOMEM;
	}
	va_end(ap);
}

/* Read one directory's entries: names, sorted, and each one's attributes. */
static void read_dir(const struct erofs_tree *tree,
		     const struct erofs_tree_opts *o, struct dir_read *r)
{
	char *rel = erofs_node_relpath(tree->root, r->dir);
	char *path = !rel ? NULL
			 : *rel ? erofs_tree_join_path(tree->srcdir, rel)
				: strdup(tree->srcdir);
	uint32_t cap = 0;
	struct dirent *de;
	DIR *d = NULL;

	r->path = path;		/* kept for make_children()'s messages */
	if (!path) {
		r->err = -ENOMEM;
		goto out;
	}
	d = opendir(path);
	if (!d) {
		read_fail(r, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		size_t len;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				read_fail(r, -errno, "%s: %s", path, strerror(errno));
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		len = strlen(de->d_name);
		if (len > EROFS_NAME_LEN) {
			read_fail(r, -ENAMETOOLONG, "%s/%s: name longer than %d bytes",
				  path, de->d_name, EROFS_NAME_LEN);
			break;
		}
		if (r->n == cap) {
			struct erofs_dentry *e;

			cap = cap ? cap * 2 : 16;
			e = realloc(r->ents, cap * sizeof(*e));
			if (!e) {
				r->err = -ENOMEM;
				break;
			}
			r->ents = e;
		}
		r->ents[r->n].name = strdup(de->d_name);
		if (!r->ents[r->n].name) {
			r->err = -ENOMEM;
			break;
		}
		r->ents[r->n].namelen = len;
		r->ents[r->n].node = NULL;
		r->n++;
	}
	if (!r->err && r->n) {
		qsort(r->ents, r->n, sizeof(*r->ents), erofs_tree_dentry_cmp);
		r->info = calloc(r->n, sizeof(*r->info));
		if (!r->info)
			r->err = -ENOMEM;
	}
	/* attributes in name order: the first failure is the one reported */
	for (uint32_t i = 0; i < r->n && !r->err; i++) {
		struct entry_info *ei = &r->info[i];
		const char *name = r->ents[i].name;
		char *crel = *rel ? erofs_tree_join_path(rel, name)
				  : strdup(name);
		int err = 0;

		r->failed_at = i;

		if (!crel) {
			r->err = -ENOMEM;
		} else if (fstatat(dirfd(d), name, &ei->st, AT_SYMLINK_NOFOLLOW)) {
			read_fail(r, -errno, "%s/%s: %s", path, name, strerror(errno));
		} else if (erofs_tree_excluded(o, crel) ||
			   (o->have_skip && ei->st.st_dev == o->skip_dev &&
			    ei->st.st_ino == o->skip_ino)) {
			erofs_dbg("%s/%s: excluded", path, name);
			ei->skip = true;
		} else if (S_ISREG(ei->st.st_mode)) {
			err = scan_holes(ei, dirfd(d), name, o->blkszbits);
			if (err)
				read_fail(r, err, "%s/%s: %s", path, name, strerror(-err));
		} else if (S_ISLNK(ei->st.st_mode)) {
			char buf[EROFS_SYMLINK_MAX + 2];
			ssize_t n = readlinkat(dirfd(d), name, buf, sizeof(buf));

			if (n < 0) {
				read_fail(r, -errno, "%s/%s: %s", path, name,
					  strerror(errno));
			} else if (n > EROFS_SYMLINK_MAX) {
				read_fail(r, -ENAMETOOLONG,
					  "%s/%s: symlink target longer than %d bytes",
					  path, name, EROFS_SYMLINK_MAX);
			} else {
				ei->link = malloc(n + 1);
				if (!ei->link) {
					r->err = -ENOMEM;
				} else {
					memcpy(ei->link, buf, n);
					ei->link[n] = '\0';
				}
			}
		}
		free(crel);
	}
out:
	if (d)
		closedir(d);
	free(rel);
}

void erofs_dir_read_free(struct dir_read *r)
{
	for (uint32_t i = 0; r->ents && i < r->n; i++)
		free(r->ents[i].name);
	for (uint32_t i = 0; r->info && i < r->n; i++) {
		free(r->info[i].link);
		free(r->info[i].holes);
	}
	free(r->ents);
	free(r->info);
	free(r->msg);
	free(r->path);
	memset(r, 0, sizeof(*r));
}

char *erofs_node_relpath(const struct erofs_node *root,
			 const struct erofs_node *dir)
{
	size_t len = 0;
	char *rel, *q;

	for (const struct erofs_node *n = dir; n != root; n = n->parent)
		len += n->dnamelen + 1;
	rel = malloc(len + 1);
	if (!rel)
		return NULL;
	q = rel + len;
	*q = '\0';
	for (const struct erofs_node *n = dir; n != root; n = n->parent) {
		q -= n->dnamelen;
		memcpy(q, n->dname, n->dnamelen);
		*--q = '/';
	}
	/* drop the leading '/' written before the topmost name */
	if (len)
		memmove(rel, rel + 1, len);
	return rel;
}

/* Read the directories of one level of the walk, on several threads. */
struct level_read {
	const struct erofs_tree *tree;
	const struct erofs_tree_opts *opts;
	struct dir_read *dirs;
};

static void read_one(void *ctx, size_t i)
{
	struct level_read *lr = ctx;

	read_dir(lr->tree, lr->opts, &lr->dirs[i]);
}

void erofs_tree_read_level(const struct erofs_tree *tree,
			   const struct erofs_tree_opts *opts,
			   struct dir_read *dirs, uint64_t n)
{
	erofs_parallel_for(opts->workers, n, read_one,
			   &(struct level_read){ .tree = tree, .opts = opts,
						 .dirs = dirs });
}
