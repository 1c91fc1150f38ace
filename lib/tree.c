// SPDX-License-Identifier: MIT
/*
 * Source directory -> in-memory tree.  The walk is breadth-first with every
 * directory's entries sorted, so the node order (and so the image) does not
 * depend on readdir order or on where the tree lies.
 */
#include <dirent.h>
#include <fcntl.h>
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
static int scan_holes(struct erofs_node *node, int dfd, const char *name,
		      const struct stat *st, unsigned int blkszbits)
{
	int fd, err;

	if (!st->st_size || (uint64_t)st->st_blocks * 512 >= (uint64_t)st->st_size)
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = erofs_tree_scan_holes(node, fd, 0, st->st_size, blkszbits);
	close(fd);
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

/* @path names the entry in messages; @dfd and @name find it. */
static struct erofs_node *new_node(struct scan *s, const char *path, int dfd,
				   const char *name, const struct stat *st,
				   int *errp)
{
	const struct erofs_tree_opts *o = s->opts;
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
		err = scan_holes(node, dfd, name, st, o->blkszbits);
		if (err) {
			erofs_err("%s: %s", path, strerror(-err));
			goto out_free;
		}
		s->tree->data_bytes += node->size;
		break;
	case S_IFLNK: {
		char buf[EROFS_SYMLINK_MAX + 2];
		ssize_t n = readlinkat(dfd, name, buf, sizeof(buf));

		if (n < 0) {
			err = -errno;
			erofs_err("%s: %s", path, strerror(errno));
			goto out_free;
		}
		if (n > EROFS_SYMLINK_MAX) {
			err = -ENAMETOOLONG;
			erofs_err("%s: symlink target longer than %d bytes",
				  path, EROFS_SYMLINK_MAX);
			goto out_free;
		}
		node->link = malloc(n + 1);
		if (!node->link) {
			err = -ENOMEM;
			goto out_free;
		}
		memcpy(node->link, buf, n);
		node->link[n] = '\0';
		node->size = n;
		break;
	}
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
	free(node->src.path);
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
				       int dfd, const char *name,
				       const struct stat *st, int *errp)
{
	struct hardlink key = { .dev = st->st_dev, .ino = st->st_ino }, *hl, **found;
	struct erofs_node *node;

	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return new_node(s, path, dfd, name, st, errp);
	found = tfind(&key, &s->hardlinks, hardlink_cmp);
	if (found)
		return (*found)->node;
	node = new_node(s, path, dfd, name, st, errp);
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

/* Read, filter and sort one directory's entries into @dir->children. */
static int scan_dir(struct scan *s, struct erofs_node *dir, const char *path,
		    const char *rel)
{
	struct erofs_dentry *ents = NULL;
	uint32_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir(path);
	if (!d) {
		err = -errno;
		erofs_err("%s: %s", path, strerror(errno));
		return err;
	}
	for (;;) {
		size_t len;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				err = -errno;
				erofs_err("%s: %s", path, strerror(errno));
			}
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		len = strlen(de->d_name);
		if (len > EROFS_NAME_LEN) {
			err = -ENAMETOOLONG;
			erofs_err("%s/%s: name longer than %d bytes", path,
				  de->d_name, EROFS_NAME_LEN);
			break;
		}
		if (n == cap) {
			struct erofs_dentry *e;

			cap = cap ? cap * 2 : 16;
			e = realloc(ents, cap * sizeof(*e));
			if (!e) {
				err = -ENOMEM;
				break;
			}
			ents = e;
		}
		ents[n].name = strdup(de->d_name);
		if (!ents[n].name) {
			err = -ENOMEM;
			break;
		}
		ents[n].namelen = len;
		ents[n].node = NULL;
		n++;
	}
	if (!err && n)
		qsort(ents, n, sizeof(*ents), dentry_cmp);

	/* Resolve entries in name order so inode numbering is stable. */
	uint32_t kept = 0;

	for (uint32_t i = 0; i < n && !err; i++) {
		char *child = join_path(path, ents[i].name);
		char *crel = *rel ? join_path(rel, ents[i].name) : strdup(ents[i].name);
		struct stat st;

		if (!child || !crel) {
			err = -ENOMEM;
		} else if (fstatat(dirfd(d), ents[i].name, &st, AT_SYMLINK_NOFOLLOW)) {
			err = -errno;
			erofs_err("%s: %s", child, strerror(errno));
		} else if (erofs_tree_excluded(s->opts, crel) ||
			   (s->opts->have_skip && st.st_dev == s->opts->skip_dev &&
			    st.st_ino == s->opts->skip_ino)) {
			erofs_dbg("%s: excluded", child);
			free(ents[i].name);
			ents[i].name = NULL;
		} else {
			struct erofs_node *node = lookup_entry(s, child, dirfd(d),
							       ents[i].name,
							       &st, &err);

			if (node) {
				node->nlink++;
				if (!node->parent) {
					node->parent = dir;
					node->dname = ents[i].name;
					node->dnamelen = ents[i].namelen;
				}
				if (S_ISDIR(node->mode))
					dir->nlink++;
				ents[i].node = node;
				ents[kept++] = ents[i];
			}
		}
		free(child);
		free(crel);
	}
	/* kept open so far: entries are looked up by name in it */
	closedir(d);
	if (err) {
		for (uint32_t i = 0; i < n; i++)
			free(ents[i].name);
		free(ents);
		return err;
	}
	dir->children = ents;
	dir->nchildren = kept;
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

int erofs_tree_build(struct erofs_tree *tree, const char *srcdir,
		     const struct erofs_tree_opts *opts)
{
	struct scan s = { .tree = tree, .opts = opts };
	struct stat st;
	uint64_t next = 0;
	int err = 0;

	memset(tree, 0, sizeof(*tree));
	tree->srcdir = srcdir;
	if (stat(srcdir, &st)) {
		erofs_err("%s: %s", srcdir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		erofs_err("%s: not a directory", srcdir);
		return -ENOTDIR;
	}
	tree->root = new_node(&s, srcdir, AT_FDCWD, srcdir, &st, &err);
	if (!tree->root)
		goto out;
	tree->root->parent = tree->root;
	tree->root->nlink = 2;

	/*
	 * Breadth-first: nodes[] doubles as the queue.  Directories are never
	 * hardlinked, so each is scanned once; the path is rebuilt from the
	 * parents instead of being kept for every directory.
	 */
	while (next < tree->nnodes && !err) {
		struct erofs_node *dir = tree->nodes[next++];
		char *path, *rel;

		if (!S_ISDIR(dir->mode))
			continue;
		err = -ENOMEM;
		rel = erofs_node_relpath(tree->root, dir);
		path = !rel ? NULL : *rel ? join_path(srcdir, rel) : strdup(srcdir);
		if (path && rel)
			err = scan_dir(&s, dir, path, rel);
		free(path);
		free(rel);
	}
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
