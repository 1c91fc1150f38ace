// SPDX-License-Identifier: MIT
/*
 * Tarballs into the in-memory tree, through libarchive (every tar dialect,
 * sparse entries, pax xattrs and ACLs, gzip/xz/zstd/bzip2 streams found by
 * their magic).  Entries may come in any order: parents are made on the
 * way and take the attributes of their own entry when it comes; a later
 * entry for the same path wins, as tar extraction does.  File bytes go to
 * a staging file, at block-aligned offsets so that sparse holes stay holes;
 * in index mode (--tar=i) they stay where they are, each file pointing at
 * its bytes in the archive, which the image names as its device 1; with
 * --tar=headerball the archive has none (tar_headerball.c reads it) and
 * files are holes.
 * An entry's xattrs and ACLs are tar_xattr.c's, aufs names tar_aufs.c's.
 */
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "erofs_fs.h"
#include "erofs/print.h"
#include "erofs/tar.h"
#include "tar_xattr.h"

#define TAR_STAGE_ALIGN		4096
#define TAR_BLOCK		512

struct tar_path {
	char *path;		/* normalized, "" for the root */
	struct erofs_node *node;
};

struct tar_state {
	struct erofs_tree *tree;
	const struct erofs_tree_opts *opts;
	struct erofs_tar_opts *topts;
	struct archive *a;
	const char *name;		/* the archive, for messages */
	int stage_fd;
	const char *stage_path;
	uint64_t stage_end;
	void *paths;			/* tsearch: struct tar_path by path */
	struct erofs_node **all;	/* every node made, to free the dropped */
	size_t nall, capall;
};

static int tar_path_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tar_path *)a)->path,
		      ((const struct tar_path *)b)->path);
}

static void tar_path_free(void *p)
{
	free(((struct tar_path *)p)->path);
	free(p);
}

static int64_t tar_offset(struct tar_state *s)
{
	int64_t off = archive_read_header_position(s->a);

	return off < 0 ? archive_filter_bytes(s->a, -1) : off;
}

static int tar_fail(struct tar_state *s, const char *entry, int err,
		    const char *why)
{
	erofs_err("%s: %s%s%s (archive offset %lld)", s->name,
		  entry ? entry : "", entry ? ": " : "", why,
		  (long long)tar_offset(s));
	return err;
}

/*
 * "./a//b/" -> "a/b"; "" is the root.  A ".." anywhere would reach out of
 * the root: refused, like an absolute path is made relative.
 */
static int tar_normalize(const char *in, char **out)
{
	size_t len = strlen(in);
	char *buf = malloc(len + 1), *o = buf;
	const char *p = in;

	if (!buf)
		return -ENOMEM;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			free(buf);
			return -EPERM;
		}
		if (n && !(n == 1 && p[0] == '.')) {
			if (n > EROFS_NAME_LEN) {
				free(buf);
				return -ENAMETOOLONG;
			}
			if (o != buf)
				*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	*o = '\0';
	*out = buf;
	return 0;
}

static struct erofs_node *tar_lookup(struct tar_state *s, const char *path)
{
	struct tar_path key = { .path = (char *)path }, **found;

	found = tfind(&key, &s->paths, tar_path_cmp);
	return found ? (*found)->node : NULL;
}

static struct erofs_node *tar_new_node(struct tar_state *s)
{
	struct erofs_node *n;

	if (s->nall == s->capall) {
		size_t cap = s->capall ? s->capall * 2 : 256;
		struct erofs_node **v = realloc(s->all, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->all = v;
		s->capall = cap;
	}
	n = calloc(1, sizeof(*n));
	if (n)
		s->all[s->nall++] = n;
	return n;
}

/*
 * --hard-dereference: a hardlink becomes an inode of its own with the same
 * attributes and bytes (a staged file's bytes are shared, not copied).
 */
static struct erofs_node *tar_clone_node(struct tar_state *s,
					 const struct erofs_node *from)
{
	struct erofs_node *n = tar_new_node(s);
	size_t hlen = from->src.holes ?
		      EROFS_DIV_ROUND_UP(EROFS_DIV_ROUND_UP(from->size,
				1ull << (s->opts->blkszbits + from->chunkbits)), 8) : 0;
	bool ok = true;

	if (!n)
		return NULL;
	*n = *from;
	n->nlink = 0;
	n->parent = NULL;
	n->src.path = from->src.staged || !from->src.path ? from->src.path :
		      strdup(from->src.path);
	n->src.holes = hlen ? malloc(hlen) : NULL;
	n->link = from->link ? strdup(from->link) : NULL;
	n->xattrs = from->nxattrs ? calloc(from->nxattrs, sizeof(*n->xattrs)) : NULL;
	if (hlen && n->src.holes)
		memcpy(n->src.holes, from->src.holes, hlen);
	ok = (!from->src.path || n->src.path) && (!hlen || n->src.holes) &&
	     (!from->link || n->link) && (!from->nxattrs || n->xattrs);
	for (uint32_t k = 0; ok && k < from->nxattrs; k++) {
		n->xattrs[k].name = strdup(from->xattrs[k].name);
		n->xattrs[k].value = malloc(from->xattrs[k].len ?: 1);
		n->xattrs[k].len = from->xattrs[k].len;
		ok = n->xattrs[k].name && n->xattrs[k].value;
		if (ok)
			memcpy(n->xattrs[k].value, from->xattrs[k].value,
			       from->xattrs[k].len);
	}
	/* what failed is freed with the tree (erofs_node_free) */
	return ok ? n : NULL;
}

/* Point @path at @node in the index and in its parent directory. */
static int tar_link(struct tar_state *s, struct erofs_node *dir,
		    const char *path, struct erofs_node *node)
{
	const char *name = strrchr(path, '/');
	struct tar_path *tp, **found;
	size_t namelen;

	name = name ? name + 1 : path;
	namelen = strlen(name);
	tp = calloc(1, sizeof(*tp));
	if (!tp || !(tp->path = strdup(path))) {
		free(tp);
		return -ENOMEM;
	}
	tp->node = node;
	found = tsearch(tp, &s->paths, tar_path_cmp);
	if (!found) {
		tar_path_free(tp);
		return -ENOMEM;
	}
	if (*found != tp) {
		/* the path existed: swap the node in place, in the parent too */
		struct erofs_node *old = (*found)->node;

		tar_path_free(tp);
		(*found)->node = node;
		for (uint32_t i = 0; i < dir->nchildren; i++)
			if (dir->children[i].node == old &&
			    dir->children[i].namelen == namelen &&
			    !memcmp(dir->children[i].name, name, namelen)) {
				dir->children[i].node = node;
				return 0;
			}
		return -EFSCORRUPTED;
	}
	/* grow at powers of two */
	if (!(dir->nchildren & (dir->nchildren - 1))) {
		struct erofs_dentry *v = realloc(dir->children,
				(dir->nchildren ? dir->nchildren * 2 : 4) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		dir->children = v;
	}
	dir->children[dir->nchildren].name = strdup(name);
	if (!dir->children[dir->nchildren].name)
		return -ENOMEM;
	dir->children[dir->nchildren].namelen = namelen;
	dir->children[dir->nchildren].node = node;
	dir->nchildren++;
	return 0;
}

/* Attributes for directories no entry described (yet): 0755, root, now. */
static int tar_default_dir(struct tar_state *s, struct erofs_node *n,
			   const char *what)
{
	struct stat st = {
		.st_mode = S_IFDIR | 0755,
		.st_mtim = { .tv_sec = s->opts->build_time,
			     .tv_nsec = s->opts->build_time_nsec },
	};

	return erofs_node_set_attrs(n, &st, s->opts, what);
}

/* The directory at @path, made (with its parents) if missing. */
static int tar_dir(struct tar_state *s, const char *path,
		   struct erofs_node **dirp)
{
	struct erofs_node *n = tar_lookup(s, path), *parent;
	char *up, *slash;
	int err;

	if (n) {
		if (!S_ISDIR(n->mode))
			return -ENOTDIR;
		*dirp = n;
		return 0;
	}
	up = strdup(path);
	if (!up)
		return -ENOMEM;
	slash = strrchr(up, '/');
	if (slash)
		*slash = '\0';
	else
		up[0] = '\0';
	err = tar_dir(s, up, &parent);
	free(up);
	if (err)
		return err;
	n = tar_new_node(s);
	if (!n)
		return -ENOMEM;
	err = tar_default_dir(s, n, path);
	if (!err)
		err = tar_link(s, parent, path, n);
	*dirp = n;
	return err;
}

/* Copy an entry's bytes to the staging file; holes stay holes. */
static int tar_stage(struct tar_state *s, struct erofs_node *n,
		     struct archive_entry *e, const char *path)
{
	const uint64_t base = EROFS_ROUND_UP(s->stage_end, TAR_STAGE_ALIGN);
	uint64_t seen = 0;
	int err;

	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = archive_read_data_block(s->a, &buf, &len, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return tar_fail(s, path, -EIO, archive_error_string(s->a));
		if (off < 0 || (uint64_t)off > n->size || len > n->size - off)
			return tar_fail(s, path, -EFSCORRUPTED,
					"data beyond the entry's size");
		for (size_t done = 0; done < len;) {
			ssize_t w = pwrite(s->stage_fd, (const char *)buf + done,
					   len - done, base + off + done);

			if (w <= 0) {
				err = w < 0 ? -errno : -ENOSPC;
				erofs_err("%s: %s", s->stage_path, strerror(-err));
				return err;
			}
			done += w;
		}
		seen = EROFS_MAX(seen, (uint64_t)off + len);
	}
	/* trailing holes: the staging file must reach the entry's end */
	if (seen < n->size) {
		struct stat st;

		if (fstat(s->stage_fd, &st))
			return -errno;
		if ((uint64_t)st.st_size < base + n->size &&
		    ftruncate(s->stage_fd, base + n->size))
			return -errno;
	}
	n->src.path = (char *)s->stage_path;
	n->src.staged = true;
	n->src.offset = base;
	s->stage_end = base + n->size;
	s->tree->data_bytes += n->size;
	if (archive_entry_sparse_count(e) > 0) {
		err = erofs_tree_scan_holes(n, s->stage_fd, base, n->size,
					    s->opts->blkszbits);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Index mode: the file's bytes are read where they lie in the archive,
 * which libarchive has just read up to them; they are one run of whole
 * 512-byte blocks from there, unless the entry is sparse.
 */
static int tar_index(struct tar_state *s, struct erofs_node *n,
		     struct archive_entry *e, const char *path)
{
	la_int64_t off = archive_filter_bytes(s->a, 0);

	if (archive_entry_sparse_count(e) > 0)
		return tar_fail(s, path, -EOPNOTSUPP,
				"a sparse file cannot be indexed: its bytes are not one run in the archive");
	if (off < 0 || off % TAR_BLOCK)
		return tar_fail(s, path, -EFSCORRUPTED,
				"file data not at a 512-byte boundary of the archive");
	n->src.blob = true;
	n->src.offset = off;
	return 0;
}

/*
 * --tar=headerball: the archive has no bytes for the file, which is all
 * zeros: one chunk-based hole, the staging file its (never read) source.
 */
static int tar_zero(struct tar_state *s, struct erofs_node *n)
{
	const unsigned int bits = s->opts->blkszbits;
	unsigned int cbits = n->size > 1 ? 64 - __builtin_clzll(n->size - 1) : 0;
	uint64_t nchunks;

	if (!n->size)
		return 0;
	cbits = EROFS_MIN(EROFS_MAX(cbits, bits), bits + EROFS_CHUNK_FORMAT_BLKBITS_MASK);
	n->chunkbits = cbits - bits;
	nchunks = EROFS_DIV_ROUND_UP(n->size, 1ull << cbits);
	n->src.holes = malloc(EROFS_DIV_ROUND_UP(nchunks, 8));
	if (!n->src.holes)
		return -ENOMEM;
	memset(n->src.holes, 0xff, EROFS_DIV_ROUND_UP(nchunks, 8));
	n->src.path = (char *)s->stage_path;
	n->src.staged = true;
	return 0;
}

/*
 * --aufs: an opaque mark is taken by its directory here (1 returned);
 * a whiteout's @path is cut to the name it hides and @whiteout set.
 */
static int tar_aufs_name(struct tar_state *s, const char *raw, char *path,
			 bool *whiteout)
{
	char *base = strrchr(path, '/');
	const char *hidden = NULL;
	struct erofs_node *dir;
	int kind, err;

	base = base ? base + 1 : path;
	kind = erofs_aufs_classify(base, &hidden);
	if (kind < 0)
		return tar_fail(s, raw, kind, "an aufs whiteout without a name");
	if (kind == EROFS_AUFS_WHITEOUT) {
		memmove(base, hidden, strlen(hidden) + 1);
		*whiteout = true;
		return 0;
	}
	if (kind != EROFS_AUFS_OPAQUE)
		return 0;
	base[base == path ? 0 : -1] = '\0';
	err = tar_dir(s, path, &dir);
	if (err == -ENOTDIR)
		return tar_fail(s, raw, err, "a parent is not a directory");
	return err ?: erofs_aufs_set_opaque(dir) ?: 1;
}

static int tar_entry(struct tar_state *s, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e), *hl, *lnk;
	struct erofs_node *n, *dir, *old;
	struct stat st = { 0 };
	char *path = NULL, *up = NULL, *slash;
	bool whiteout = false;
	int err;

	if (!raw)
		return tar_fail(s, NULL, -EINVAL, "entry without a name");
	err = tar_normalize(raw, &path);
	if (err == -EPERM)
		return tar_fail(s, raw, err, "a \"..\" would leave the image root");
	if (err == -ENAMETOOLONG)
		return tar_fail(s, raw, err, "a name is longer than 255 bytes");
	if (err)
		return err;
	if (*path && erofs_tree_excluded(s->opts, path)) {
		free(path);
		return 0;
	}
	if (*path && s->topts->aufs) {
		err = tar_aufs_name(s, raw, path, &whiteout);
		if (err) {
			free(path);
			return err < 0 ? err : 0;
		}
	}

	hl = whiteout ? NULL : archive_entry_hardlink(e);
	if (hl) {
		char *target;

		err = tar_normalize(hl, &target);
		if (err) {
			free(path);
			return tar_fail(s, raw, -EINVAL, "bad hardlink target");
		}
		n = *target ? tar_lookup(s, target) : NULL;
		if (!n || S_ISDIR(n->mode)) {
			err = tar_fail(s, raw, -EINVAL, !*target || (n && S_ISDIR(n->mode)) ?
				       "hardlink to a directory" :
				       "hardlink to an entry not in the archive");
			free(target);
			free(path);
			return err;
		}
		free(target);
		if (!*path) {
			free(path);
			return tar_fail(s, raw, -EINVAL, "hardlink in place of the root");
		}
		if (s->opts->hard_dereference) {
			n = tar_clone_node(s, n);
			if (!n) {
				free(path);
				return -ENOMEM;
			}
		}
		goto link;
	}

	st.st_mode = archive_entry_mode(e);
	st.st_uid = archive_entry_uid(e);
	st.st_gid = archive_entry_gid(e);
	st.st_mtim.tv_sec = archive_entry_mtime(e);
	st.st_mtim.tv_nsec = archive_entry_mtime_nsec(e);
	st.st_rdev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
	if (whiteout) {
		/* what overlayfs makes: mode 0, device 0:0 */
		st.st_mode = S_IFCHR;
		st.st_rdev = 0;
	}
	if (archive_entry_uid(e) < 0 || archive_entry_gid(e) < 0) {
		free(path);
		return tar_fail(s, raw, -ERANGE, "negative owner");
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR:
	case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		break;
	default:
		free(path);
		return tar_fail(s, raw, -EINVAL, "unsupported entry type");
	}

	/* the root itself ("./"): only its attributes */
	if (!*path) {
		free(path);
		if (!S_ISDIR(st.st_mode))
			return tar_fail(s, raw, -EINVAL, "the root is not a directory");
		err = erofs_node_set_attrs(s->tree->root, &st, s->opts, raw);
		return err ? err : erofs_tar_xattrs(s->tree->root, e);
	}
	old = tar_lookup(s, path);
	if (old && S_ISDIR(old->mode) && S_ISDIR(st.st_mode)) {
		/* a directory seen before (maybe made on the way): update it */
		free(path);
		err = erofs_node_set_attrs(old, &st, s->opts, raw);
		return err ? err : erofs_tar_xattrs(old, e);
	}
	if (old && S_ISDIR(old->mode) && old->nchildren) {
		free(path);
		return tar_fail(s, raw, -ENOTEMPTY,
				"would replace a directory that has entries");
	}
	n = tar_new_node(s);
	if (!n) {
		free(path);
		return -ENOMEM;
	}
	err = erofs_node_set_attrs(n, &st, s->opts, raw);
	if (err)
		goto out;
	if (S_ISREG(st.st_mode)) {
		la_int64_t size = archive_entry_size(e);

		if (size < 0) {
			err = tar_fail(s, raw, -EFSCORRUPTED, "negative size");
			goto out;
		}
		n->size = size;
		err = s->topts->mode == EROFS_TAR_INDEX ? tar_index(s, n, e, raw) :
		      s->topts->mode == EROFS_TAR_HEADERBALL ? tar_zero(s, n) :
							  tar_stage(s, n, e, raw);
	} else if (S_ISLNK(st.st_mode)) {
		lnk = archive_entry_symlink(e);
		if (!lnk || !*lnk || strlen(lnk) > EROFS_SYMLINK_MAX) {
			err = tar_fail(s, raw, -EINVAL, "symlink target empty or longer than 4095 bytes");
			goto out;
		}
		n->link = strdup(lnk);
		n->size = strlen(lnk);
		if (!n->link)
			err = -ENOMEM;
	}
	if (!err)
		err = erofs_tar_xattrs(n, e);
	if (err)
		goto out;
	n->aufs_whiteout = whiteout;
link:
	up = strdup(path);
	if (!up) {
		err = -ENOMEM;
		goto out;
	}
	slash = strrchr(up, '/');
	if (slash)
		*slash = '\0';
	else
		up[0] = '\0';
	err = tar_dir(s, up, &dir);
	if (err == -ENOTDIR)
		err = tar_fail(s, raw, err, "a parent is not a directory");
	if (!err)
		err = tar_link(s, dir, path, n);
out:
	free(up);
	free(path);
	return err;
}

int erofs_tar_build(struct erofs_tree *tree, const char *archive,
		    int stage_fd, const char *stage_path,
		    const struct erofs_tree_opts *opts,
		    struct erofs_tar_opts *topts)
{
	bool from_stdin = !archive || !strcmp(archive, "-");
	struct tar_state s = {
		.tree = tree, .opts = opts, .topts = topts, .stage_fd = stage_fd,
		.stage_path = stage_path,
		.name = from_stdin ? "(stdin)" : archive,
	};
	struct archive_entry *e;
	struct tar_path *rootp;
	int r, err = 0;

	memset(tree, 0, sizeof(*tree));
	s.a = archive_read_new();
	tree->root = tar_new_node(&s);
	rootp = calloc(1, sizeof(*rootp));
	if (!s.a || !tree->root || !rootp || !(rootp->path = strdup(""))) {
		free(rootp);
		err = -ENOMEM;
		goto out;
	}
	rootp->node = tree->root;
	if (!tsearch(rootp, &s.paths, tar_path_cmp)) {
		tar_path_free(rootp);
		err = -ENOMEM;
		goto out;
	}
	err = tar_default_dir(&s, tree->root, s.name);
	if (err)
		goto out;
	tree->root->parent = tree->root;

	/*
	 * Names are bytes: with a UTF-8 locale libarchive hands pax names over
	 * as stored instead of failing to convert them to ASCII.
	 */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "");
	archive_read_support_filter_all(s.a);
	archive_read_support_format_tar(s.a);
	archive_read_support_format_gnutar(s.a);
	if (topts->mode == EROFS_TAR_HEADERBALL)
		r = erofs_headerball_open(s.a, from_stdin ? NULL : archive);
	else if (from_stdin)
		r = archive_read_open_fd(s.a, STDIN_FILENO, 1 << 16);
	else
		r = archive_read_open_filename(s.a, archive, 1 << 16);
	if (r != ARCHIVE_OK) {
		err = tar_fail(&s, NULL, -EIO, archive_error_string(s.a));
		goto out;
	}
	if (topts->mode == EROFS_TAR_INDEX && archive_filter_count(s.a) > 1) {
		err = tar_fail(&s, NULL, -EINVAL,
			       "--tar=i needs an uncompressed tar: the image points into its bytes");
		goto out;
	}
	while (!err) {
		r = archive_read_next_header(s.a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_WARN) {
			erofs_warn("%s: %s (archive offset %lld)", s.name,
				   archive_error_string(s.a), (long long)tar_offset(&s));
		} else if (r != ARCHIVE_OK) {
			err = tar_fail(&s, NULL, -EIO, archive_error_string(s.a));
			break;
		}
		err = tar_entry(&s, e);
	}
	/* the end-of-archive blocks read, not the padding of the last record */
	topts->tar_bytes = archive_filter_bytes(s.a, 0);
	if (!err)
		err = erofs_aufs_finish(s.all, s.nall, topts->ovlfs_strip);
	if (!err)
		err = erofs_tree_index(tree);
	if (err == -ENOMEM)
		erofs_err("out of memory");
out:
	if (s.a)
		archive_read_free(s.a);
	tdestroy(s.paths, tar_path_free);
	/* nodes a later entry replaced are in no directory any more */
	for (size_t i = 0; i < s.nall; i++)
		if (err || !s.all[i]->placed)
			erofs_node_free(s.all[i]);
	free(s.all);
	if (err) {
		free(tree->nodes);
		memset(tree, 0, sizeof(*tree));
	}
	return err;
}
