// SPDX-License-Identifier: MIT
/*
 * Source directory -> in-memory tree.  The walk is breadth-first with every
 * directory's entries sorted, so the node order (and so the image) does not
 * depend on readdir order or on where the tree lies.  The directories of a
 * level are read on several threads (tree_read.c); their nodes are made on
 * one.
 */
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "erofs_fs.h"
#include "erofs/print.h"
#include "erofs/tree.h"
#include "tree_read.h"

/* Directories read in parallel before their nodes are made, at most. */
#define EROFS_READ_BATCH	256

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

int erofs_node_set_ids(struct erofs_node *node, int64_t uid, int64_t gid,
		       const struct erofs_tree_opts *o, const char *what)
{
	if (map_id(uid, o->force_uid, o->uid_offset, o->all_root, &node->uid) ||
	    map_id(gid, o->force_gid, o->gid_offset, o->all_root, &node->gid)) {
		erofs_err("%s: uid/gid out of range after mapping", what);
		return -ERANGE;
	}
	return 0;
}

int erofs_node_set_attrs(struct erofs_node *node, const struct stat *st,
			 const struct erofs_tree_opts *o, const char *what)
{
	int err;

	node->mode = st->st_mode;
	err = erofs_node_set_ids(node, st->st_uid, st->st_gid, o, what);
	if (err)
		return err;
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

/* Resolve one directory entry to a node: a new one or a hardlink's. */
static struct erofs_node *lookup_entry(struct scan *s, const char *path,
				       struct entry_info *ei, int *errp)
{
	const struct stat *st = &ei->st;
	struct hardlink key = { .dev = st->st_dev, .ino = st->st_ino }, *hl, **found;
	struct erofs_node *node;

	if (S_ISDIR(st->st_mode) || st->st_nlink < 2 || s->opts->hard_dereference)
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
		path = erofs_tree_join_path(r->path, r->ents[i].name);
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

			erofs_tree_read_level(tree, opts, level + j0, m);
			for (uint64_t j = j0; j < j0 + m && !err; j++)
				err = make_children(&s, &level[j]);
			for (uint64_t j = j0; j < j0 + m; j++)
				erofs_dir_read_free(&level[j]);
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
	path = *rel ? erofs_tree_join_path(tree->srcdir, rel)
		    : strdup(tree->srcdir);
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
			      sizeof(*dir->children), erofs_tree_dentry_cmp);
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
