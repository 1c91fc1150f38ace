// SPDX-License-Identifier: MIT
/*
 * Source directory -> in-memory tree.  The walk is breadth-first with every
 * directory's entries sorted, so the node order (and so the image) does not
 * depend on readdir order or on where the tree lies.  The directories of a
 * level are read on several threads; their nodes are made on one.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "erofs_fs.h"
#include "erofs/dir.h"
#include "erofs/print.h"
#include "erofs/tree.h"
#include "erofs/workpool.h"

/* Directories read in parallel before their nodes are made, at most. */
#define EROFS_READ_BATCH	256
/* Above this many chunks a sparse file's map grows its chunk size instead. */
#define EROFS_MAX_CHUNKS	65536

static int dentry_cmp(const void *x, const void *y)
{
	const struct erofs_dentry *a = x, *b = y;

	return erofs_dir_name_cmp(a->name, a->namelen, b->name, b->namelen);
}

struct hardlink {
	dev_t dev;
	ino_t ino;
	struct erofs_node *node;
};

static int hardlink_cmp(const void *x, const void *y)
{
	const struct hardlink *a = x, *b = y;

	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return 0;
}

struct scan {
	struct erofs_tree *tree;
	const struct erofs_tree_opts *opts;
	void *hardlinks;		/* tsearch tree of struct hardlink */
	uint64_t cap;
};

/*
 * What reading a directory found out about one entry, before any node is
 * made: everything that needs a system call, so that directories can be
 * read by several threads and the nodes still made in one fixed order.
 */
struct entry_info {
	struct stat st;
	char *link;		/* symlink target */
	uint8_t *holes;		/* sparse regular file: its hole bitmap */
	uint8_t chunkbits;
	bool skip;		/* excluded, or the image being replaced */
};

static int add_node(struct scan *s, struct erofs_node *node)
{
	struct erofs_tree *t = s->tree;

	if (t->nnodes == s->cap) {
		uint64_t cap = s->cap ? s->cap * 2 : 1024;
		struct erofs_node **n = realloc(t->nodes, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->nodes = n;
		s->cap = cap;
	}
	t->nodes[t->nnodes++] = node;
	node->ino = t->nnodes;
	return 0;
}

static int map_id(int64_t id, int64_t forced, int64_t offset, bool all_root,
		  uint32_t *out)
{
	int64_t v;

	if (all_root)
		v = 0;
	else if (forced >= 0)
		v = forced;
	else
		v = id + offset;
	if (v < 0 || v > UINT32_MAX)
		return -ERANGE;
	*out = v;
	return 0;
}

static void set_mtime(struct erofs_node *node, const struct stat *st,
		      const struct erofs_tree_opts *o)
{
	node->mtime = st->st_mtim.tv_sec;
	node->mtime_nsec = st->st_mtim.tv_nsec;
	switch (o->time_policy) {
	case EROFS_TIME_FIXED:
		node->mtime = o->build_time;
		node->mtime_nsec = o->build_time_nsec;
		break;
	case EROFS_TIME_CLAMP:
		if (node->mtime > o->build_time ||
		    (node->mtime == o->build_time &&
		     node->mtime_nsec > o->build_time_nsec)) {
			node->mtime = o->build_time;
			node->mtime_nsec = o->build_time_nsec;
		}
		break;
	case EROFS_TIME_KEEP:
		break;
	}
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

int erofs_node_set_attrs(struct erofs_node *node, const struct stat *st,
			 const struct erofs_tree_opts *o, const char *what)
{
	node->mode = st->st_mode;
	if (map_id(st->st_uid, o->force_uid, o->uid_offset, o->all_root, &node->uid) ||
	    map_id(st->st_gid, o->force_gid, o->gid_offset, o->all_root, &node->gid)) {
		erofs_err("%s: uid/gid out of range after mapping", what);
		return -ERANGE;
	}
	set_mtime(node, st, o);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		node->rdev = erofs_encode_dev(major(st->st_rdev), minor(st->st_rdev));
	return 0;
}

/* @path names the entry in messages; @ei is what was read of it. */
static struct erofs_node *new_node(struct scan *s, const char *path,
				   struct entry_info *ei, int *errp)
{
	const struct erofs_tree_opts *o = s->opts;
	const struct stat *st = &ei->st;
	struct erofs_node *node = calloc(1, sizeof(*node));
	int err;

	if (!node) {
		*errp = -ENOMEM;
		return NULL;
	}
	/* a directory's own "." link; each entry naming a node adds one */
	node->nlink = S_ISDIR(st->st_mode);
	err = erofs_node_set_attrs(node, st, o, path);
	if (err)
		goto out_free;

	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		/* the path is rebuilt from the parents when the file is read */
		node->size = st->st_size;
		node->src.holes = ei->holes;
		node->chunkbits = ei->chunkbits;
		ei->holes = NULL;
		s->tree->data_bytes += node->size;
		break;
	case S_IFLNK:
		node->link = ei->link;
		node->size = strlen(ei->link);
		ei->link = NULL;
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFDIR:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	default:
		erofs_err("%s: unsupported file type 0%o", path,
			  (unsigned int)(st->st_mode & S_IFMT));
		err = -EINVAL;
		goto out_free;
	}
	err = add_node(s, node);
	if (err)
		goto out_free;
	return node;
out_free:
	free(node->src.holes);
	free(node->link);
	free(node);
	*errp = err;
	return NULL;
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

/* Resolve one directory entry to a node: a new one or a hardlink's. */
static struct erofs_node *lookup_entry(struct scan *s, const char *path,
				       struct entry_info *ei, int *errp)
{
	const struct stat *st = &ei->st;
	struct hardlink key = { .dev = st->st_dev, .ino = st->st_ino }, *hl, **found;
	struct erofs_node *node;

	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return new_node(s, path, ei, errp);
	found = tfind(&key, &s->hardlinks, hardlink_cmp);
	if (found)
		return (*found)->node;
	node = new_node(s, path, ei, errp);
	if (!node)
		return NULL;
	hl = malloc(sizeof(*hl));
	if (hl) {
		*hl = key;
		hl->node = node;
	}
	if (!hl || !tsearch(hl, &s->hardlinks, hardlink_cmp)) {
		free(hl);
		*errp = -ENOMEM;
		return NULL;
	}
	return node;
}

static char *join_path(const char *dir, const char *name)
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

/* One directory read, not yet turned into nodes. */
struct dir_read {
	struct erofs_node *dir;
	char *path;		/* as the source names it, for messages */
	struct erofs_dentry *ents;	/* sorted by name */
	struct entry_info *info;	/* parallel to ents */
	uint32_t n;
	uint32_t failed_at;	/* entries before this one were read whole */
	int err;
	char *msg;		/* why it failed, printed in walk order */
};

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
static void read_dir(const struct scan *s, struct dir_read *r)
{
	const struct erofs_tree_opts *o = s->opts;
	char *rel = erofs_node_relpath(s->tree->root, r->dir);
	char *path = !rel ? NULL : *rel ? join_path(s->tree->srcdir, rel)
					: strdup(s->tree->srcdir);
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
		qsort(r->ents, r->n, sizeof(*r->ents), dentry_cmp);
		r->info = calloc(r->n, sizeof(*r->info));
		if (!r->info)
			r->err = -ENOMEM;
	}
	/* attributes in name order: the first failure is the one reported */
	for (uint32_t i = 0; i < r->n && !r->err; i++) {
		struct entry_info *ei = &r->info[i];
		const char *name = r->ents[i].name;
		char *crel = *rel ? join_path(rel, name) : strdup(name);
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

/* Free what is left of a directory read (names not handed to the dir). */
static void dir_read_free(struct dir_read *r)
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

/*
 * Turn a directory read into nodes, in name order: this is what numbers
 * the inodes, so it runs on one thread.  The entries kept become
 * @r->dir->children.
 */
static int make_children(struct scan *s, struct dir_read *r)
{
	struct erofs_node *dir = r->dir;
	/* up to a failed read, nodes are made, and may fail first */
	const uint32_t n = r->err ? r->failed_at : r->n;
	uint32_t kept = 0;
	int err = 0;

	for (uint32_t i = 0; i < n && !err; i++) {
		struct entry_info *ei = &r->info[i];
		struct erofs_node *node = NULL;
		char *path;

		if (ei->skip)
			continue;
		path = join_path(r->path, r->ents[i].name);
		if (path)
			node = lookup_entry(s, path, ei, &err);
		else
			err = -ENOMEM;
		free(path);
		if (!node)
			break;
		node->nlink++;
		if (!node->parent) {
			node->parent = dir;
			node->dname = r->ents[i].name;
			node->dnamelen = r->ents[i].namelen;
		}
		if (S_ISDIR(node->mode))
			dir->nlink++;
		r->ents[i].node = node;
	}
	if (!err && r->err) {
		err = r->err;
		if (r->msg)
			erofs_err("%s", r->msg);
	}
	if (err)
		return err;
	for (uint32_t i = 0; i < r->n; i++) {
		if (r->info[i].skip)
			free(r->ents[i].name);
		else
			r->ents[kept++] = r->ents[i];
	}
	dir->children = r->ents;
	dir->nchildren = kept;
	r->ents = NULL;
	return 0;
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
	const struct scan *s;
	struct dir_read *dirs;
};

static void read_one(void *ctx, size_t i)
{
	struct level_read *lr = ctx;

	read_dir(lr->s, &lr->dirs[i]);
}

int erofs_tree_build(struct erofs_tree *tree, const char *srcdir,
		     const struct erofs_tree_opts *opts)
{
	struct scan s = { .tree = tree, .opts = opts };
	struct entry_info root = { 0 };
	struct dir_read *level = NULL;
	uint64_t nlevel = 0, first = 0;
	int err = 0;

	memset(tree, 0, sizeof(*tree));
	tree->srcdir = srcdir;
	if (stat(srcdir, &root.st)) {
		erofs_err("%s: %s", srcdir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(root.st.st_mode)) {
		erofs_err("%s: not a directory", srcdir);
		return -ENOTDIR;
	}
	tree->root = new_node(&s, srcdir, &root, &err);
	if (!tree->root)
		goto out;
	tree->root->parent = tree->root;
	tree->root->nlink = 2;

	/*
	 * Breadth-first, a level at a time: the directories of a level are
	 * read in parallel, then their entries become nodes in walk order, so
	 * nodes[] (and the inode numbers) come out as from a plain queue.
	 * Directories are never hardlinked, so each is read once; paths are
	 * rebuilt from the parents instead of being kept for every directory.
	 */
	while (!err && first < tree->nnodes) {
		uint64_t end = tree->nnodes, k = 0;

		for (uint64_t i = first; i < end; i++)
			k += S_ISDIR(tree->nodes[i]->mode);
		if (!k)
			break;
		level = calloc(k, sizeof(*level));
		if (!level) {
			err = -ENOMEM;
			break;
		}
		nlevel = k;
		for (uint64_t i = first, j = 0; i < end; i++)
			if (S_ISDIR(tree->nodes[i]->mode))
				level[j++].dir = tree->nodes[i];
		/* a few hundred directories at a time: what is read waits little */
		for (uint64_t j0 = 0; j0 < nlevel && !err; j0 += EROFS_READ_BATCH) {
			uint64_t m = EROFS_MIN(nlevel - j0, (uint64_t)EROFS_READ_BATCH);

			erofs_parallel_for(opts->workers, m, read_one,
					   &(struct level_read){ .s = &s, .dirs = level + j0 });
			for (uint64_t j = j0; j < j0 + m && !err; j++)
				err = make_children(&s, &level[j]);
			for (uint64_t j = j0; j < j0 + m; j++)
				dir_read_free(&level[j]);
		}
		free(level);
		level = NULL;
		first = end;
	}
	if (err == -ENOMEM)
		erofs_err("out of memory");
out:
	tdestroy(s.hardlinks, free);
	if (err)
		erofs_tree_free(tree);
	return err;
}

char *erofs_node_source_path(const struct erofs_tree *tree,
			     const struct erofs_node *n)
{
	char *rel, *path;

	if (n->src.staged || !tree->srcdir)
		return n->src.path ? strdup(n->src.path) : NULL;
	rel = erofs_node_relpath(tree->root, n);
	if (!rel)
		return NULL;
	path = *rel ? join_path(tree->srcdir, rel) : strdup(tree->srcdir);
	free(rel);
	return path;
}

void erofs_node_free(struct erofs_node *n)
{
	for (uint32_t k = 0; k < n->nchildren; k++)
		free(n->children[k].name);
	free(n->children);
	if (!n->src.staged)
		free(n->src.path);
	free(n->src.holes);
	free(n->link);
	free(n->body);
	free(n->xattr_body);
	for (uint32_t k = 0; k < n->nxattrs; k++) {
		free(n->xattrs[k].name);
		free(n->xattrs[k].value);
	}
	free(n->xattrs);
	free(n);
}

void erofs_tree_free(struct erofs_tree *tree)
{
	for (uint64_t i = 0; i < tree->nnodes; i++)
		erofs_node_free(tree->nodes[i]);
	free(tree->nodes);
	memset(tree, 0, sizeof(*tree));
}

int erofs_tree_index(struct erofs_tree *tree)
{
	uint64_t cap = 1024, next = 0;

	free(tree->nodes);
	tree->nnodes = 0;
	tree->nodes = malloc(cap * sizeof(*tree->nodes));
	if (!tree->nodes)
		return -ENOMEM;
	/* the root's "." and its ".." (itself); every other link is counted */
	tree->root->nlink = 2;
	tree->root->placed = true;
	tree->nodes[tree->nnodes++] = tree->root;
	while (next < tree->nnodes) {
		struct erofs_node *dir = tree->nodes[next++];

		if (!S_ISDIR(dir->mode))
			continue;
		if (dir->nchildren)
			qsort(dir->children, dir->nchildren,
			      sizeof(*dir->children), dentry_cmp);
		for (uint32_t i = 0; i < dir->nchildren; i++) {
			struct erofs_node *n = dir->children[i].node;

			n->nlink++;
			if (S_ISDIR(n->mode))
				dir->nlink++;
			if (n->placed)
				continue;
			n->placed = true;
			if (S_ISDIR(n->mode))
				n->nlink++;	/* its own "." */
			if (!n->parent) {
				n->parent = dir;
				n->dname = dir->children[i].name;
				n->dnamelen = dir->children[i].namelen;
			}
			if (tree->nnodes == cap) {
				struct erofs_node **v;

				cap *= 2;
				v = realloc(tree->nodes, cap * sizeof(*v));
				if (!v)
					return -ENOMEM;
				tree->nodes = v;
			}
			tree->nodes[tree->nnodes++] = n;
			n->ino = tree->nnodes;
		}
	}
	tree->root->ino = 1;
	return 0;
}
