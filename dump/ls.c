// SPDX-License-Identifier: MIT
/*
 * --ls: one line per directory entry: nid, type, name.  With -R, the
 * subtree in "ls -l" form, one line per entry (what find(1) shows of a
 * mount of the image, in the same order).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "erofs/dir.h"
#include "erofs/iter.h"
#include "erofs/print.h"
#include "dump.h"

static int dump_ls_entry(const struct erofs_dir_entry *de, void *arg)
{
	static const char *const types[] = {
		"unknown", "file", "dir", "chrdev", "blkdev", "fifo", "socket",
		"symlink",
	};
	const char *type = de->file_type < EROFS_ARRAY_SIZE(types) ?
			   types[de->file_type] : "unknown";
	struct erofs_json *j = arg;

	if (j) {
		erofs_json_object(j, NULL);
		erofs_json_u64(j, "nid", de->nid);
		erofs_json_str(j, "type", type);
		erofs_json_strn(j, "name", de->name, de->namelen);
		erofs_json_end(j);
		return 0;
	}
	printf("%12llu  %-8s %.*s\n", (unsigned long long)de->nid, type,
	       (int)de->namelen, de->name);
	return 0;
}

int dump_ls(struct erofs_inode *dir, struct erofs_json *j)
{
	int err;

	if (!S_ISDIR(dir->mode)) {
		erofs_err("nid %llu: not a directory",
			  (unsigned long long)dir->nid);
		return -ENOTDIR;
	}
	if (j) {
		erofs_json_object(j, "listing");
		erofs_json_u64(j, "nid", dir->nid);
		erofs_json_array(j, "entries");
		err = erofs_iterate_dir(dir, dump_ls_entry, j);
		erofs_json_end(j);
		erofs_json_end(j);
		return err;
	}
	printf("%12s  %-8s %s\n", "NID", "TYPE", "NAME");
	err = erofs_iterate_dir(dir, dump_ls_entry, NULL);
	return err;
}

/* -R: where the walk is, and what it keeps for every entry. */
struct dump_tree {
	struct erofs_sb_info *sbi;
	struct erofs_json *j;
	char *path;			/* of the entry shown */
	size_t len, cap;
	erofs_nid_t *dirs;		/* the directories the walk is in */
	unsigned int depth;
	char *target;			/* symlink targets */
};

/* An entry of the directory being listed, for the recursion. */
struct dump_child {
	erofs_nid_t nid;
	unsigned int namelen;
	char name[EROFS_NAME_LEN];
};

struct dump_children {
	struct dump_child *v;
	size_t n, cap;
};

/* A path longer than this cannot be named: a deeper tree is corrupt. */
#define DUMP_MAX_DEPTH	(PATH_MAX / 2)

static int dump_tree_push(struct dump_tree *t, const char *name, size_t len)
{
	bool slash = t->len && t->path[t->len - 1] != '/';

	if (t->len + len + 2 > t->cap) {
		size_t cap = (t->len + len + 2) * 2;
		char *p = realloc(t->path, cap);

		if (!p)
			return -ENOMEM;
		t->path = p;
		t->cap = cap;
	}
	if (slash)
		t->path[t->len++] = '/';
	memcpy(t->path + t->len, name, len);
	t->len += len;
	t->path[t->len] = '\0';
	return 0;
}

static int dump_collect(const struct erofs_dir_entry *de, void *arg)
{
	struct dump_children *c = arg;

	if ((de->namelen == 1 && de->name[0] == '.') ||
	    (de->namelen == 2 && !memcmp(de->name, "..", 2)))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct dump_child *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].nid = de->nid;
	c->v[c->n].namelen = de->namelen;
	memcpy(c->v[c->n].name, de->name, de->namelen);
	c->n++;
	return 0;
}

/* One entry: "MODE LINKS UID GID SIZE|MAJ,MIN DATE TIME PATH[ -> TARGET]". */
static int dump_tree_line(struct dump_tree *t, struct erofs_inode *vi)
{
	char mode[12], when[64];
	bool dev = S_ISCHR(vi->mode) || S_ISBLK(vi->mode);
	ssize_t n = 0;

	if (S_ISLNK(vi->mode)) {
		n = erofs_read_symlink(vi, t->target, EROFS_SYMLINK_MAX + 1);
		if (n < 0)
			return n;
	}
	dump_mode_string(vi->mode, mode);
	if (t->j) {
		struct erofs_json *j = t->j;

		erofs_json_object(j, NULL);
		erofs_json_str(j, "path", t->path);
		erofs_json_u64(j, "nid", vi->nid);
		erofs_json_str(j, "type", dump_ftype_name(erofs_mode_to_ftype(vi->mode)));
		erofs_json_u64(j, "mode", vi->mode & 07777);
		erofs_json_str(j, "mode_string", mode);
		erofs_json_u64(j, "links", vi->nlink);
		erofs_json_u64(j, "uid", vi->uid);
		erofs_json_u64(j, "gid", vi->gid);
		erofs_json_u64(j, "size", vi->size);
		if (dev) {
			erofs_json_u64(j, "rdev_major", major(vi->rdev));
			erofs_json_u64(j, "rdev_minor", minor(vi->rdev));
		}
		erofs_json_u64(j, "mtime", vi->mtime);
		erofs_json_u64(j, "mtime_nsec", vi->mtime_nsec);
		if (S_ISLNK(vi->mode))
			erofs_json_strn(j, "target", t->target, n);
		erofs_json_end(j);
		return 0;
	}
	dump_format_time(when, sizeof(when), vi->mtime, vi->mtime_nsec);
	if (dev)
		printf("%s %u %u %u %u,%u %s %s", mode, vi->nlink, vi->uid,
		       vi->gid, major(vi->rdev), minor(vi->rdev), when, t->path);
	else
		printf("%s %u %u %u %llu %s %s", mode, vi->nlink, vi->uid,
		       vi->gid, (unsigned long long)vi->size, when, t->path);
	if (S_ISLNK(vi->mode))
		printf(" -> %s", t->target);
	putchar('\n');
	return 0;
}

/* @vi at t->path, then, for a directory, each entry below it in order. */
static int dump_tree_visit(struct dump_tree *t, struct erofs_inode *vi)
{
	struct dump_children kids = { 0 };
	struct erofs_inode child;
	int err = dump_tree_line(t, vi);

	if (err || !S_ISDIR(vi->mode))
		return err;
	for (unsigned int i = 0; i < t->depth; i++) {
		if (t->dirs[i] == vi->nid) {
			erofs_err("%s: nid %llu: directory cycle", t->path,
				  (unsigned long long)vi->nid);
			return -EFSCORRUPTED;
		}
	}
	if (t->depth >= DUMP_MAX_DEPTH) {
		erofs_err("%s: nid %llu: directories nested %u deep",
			  t->path, (unsigned long long)vi->nid, t->depth);
		return -EFSCORRUPTED;
	}
	t->dirs[t->depth++] = vi->nid;
	err = erofs_iterate_dir(vi, dump_collect, &kids);
	for (size_t i = 0; !err && i < kids.n; i++) {
		size_t oldlen = t->len;

		err = dump_tree_push(t, kids.v[i].name, kids.v[i].namelen);
		if (!err)
			err = erofs_read_inode(t->sbi, kids.v[i].nid, &child);
		if (!err)
			err = dump_tree_visit(t, &child);
		t->len = oldlen;
		t->path[oldlen] = '\0';
	}
	t->depth--;
	free(kids.v);
	return err;
}

int dump_ls_tree(struct erofs_inode *vi, const char *path,
		 struct erofs_json *j)
{
	struct dump_tree t = { .sbi = vi->sbi, .j = j };
	int err;

	t.dirs = malloc(DUMP_MAX_DEPTH * sizeof(*t.dirs));
	t.target = malloc(EROFS_SYMLINK_MAX + 1);
	err = t.dirs && t.target ? dump_tree_push(&t, path, strlen(path)) :
	      -ENOMEM;
	if (err) {
		erofs_err("out of memory");
		goto out_free;
	}
	if (j) {
		erofs_json_object(j, "tree");
		erofs_json_u64(j, "nid", vi->nid);
		erofs_json_array(j, "entries");
	}
	err = dump_tree_visit(&t, vi);
	if (err == -ENOMEM)
		erofs_err("out of memory");
	if (j) {
		erofs_json_end(j);
		erofs_json_end(j);
	}
out_free:
	free(t.path);
	free(t.dirs);
	free(t.target);
	return err;
}
