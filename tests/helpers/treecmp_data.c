// SPDX-License-Identifier: MIT
/*
 * treecmp: what an entry holds beyond its stat data: the bytes of a
 * regular file, the target of a symlink, the extended attributes of any
 * entry.  Differences are printed as described in treecmp.c.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "treecmp.h"

#define BUFSZ (1 << 20)
static char *bufa, *bufb;

void data_init(void)
{
	bufa = xrealloc(NULL, BUFSZ);
	bufb = xrealloc(NULL, BUFSZ);
}

/* ---- file content ------------------------------------------------------- */

static ssize_t pread_full(int fd, char *buf, size_t n, off_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, off + got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!r)
			break;
		got += r;
	}
	return got;
}

/* Start of the next data at or after off; size when only a hole is left.
 * Filesystems without hole reporting say "data here", which is safe. */
static off_t next_data(int fd, off_t off, off_t size)
{
	off_t d = lseek(fd, off, SEEK_DATA);

	if (d < 0)
		return errno == ENXIO ? size : off;
	return d < size ? d : size;
}

/* Both files have the same size.  Holes reported by both sides are
 * skipped; a hole on one side only is compared as zeros. */
void compare_content(struct tree *ta, struct tree *tb, const char *path,
		     off_t size)
{
	int fa = openat(ta->rootfd, path, O_RDONLY | O_NOFOLLOW);
	int fb = openat(tb->rootfd, path, O_RDONLY | O_NOFOLLOW);
	off_t off = 0;

	if (fa < 0)
		ioerr(ta->root, path, "open");
	if (fb < 0)
		ioerr(tb->root, path, "open");
	if (fa < 0 || fb < 0)
		goto out;
	while (off < size) {
		off_t da = next_data(fa, off, size), db = next_data(fb, off, size);
		off_t len = size - off < BUFSZ ? size - off : BUFSZ;
		ssize_t ra, rb;

		if (da > off && db > off) {
			off = da < db ? da : db;
			continue;
		}
		if (da > off && da - off < len)
			len = da - off;
		if (db > off && db - off < len)
			len = db - off;
		if (da > off) {
			memset(bufa, 0, len);
			ra = len;
		} else {
			ra = pread_full(fa, bufa, len, off);
		}
		if (db > off) {
			memset(bufb, 0, len);
			rb = len;
		} else {
			rb = pread_full(fb, bufb, len, off);
		}
		if (ra < 0) {
			ioerr(ta->root, path, "read");
			break;
		}
		if (rb < 0) {
			ioerr(tb->root, path, "read");
			break;
		}
		size_t n = ra < rb ? ra : rb;

		if (memcmp(bufa, bufb, n)) {
			size_t i = 0;

			while (bufa[i] == bufb[i])
				i++;
			diff(path, "content", "first difference at byte %lld",
			     (long long)(off + i));
			break;
		}
		if (ra != rb || !n) {
			diff(path, "content", "short read at byte %lld of %lld",
			     (long long)(off + n), (long long)size);
			break;
		}
		off += n;
	}
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
}

void compare_symlink(struct tree *ta, struct tree *tb, const char *path)
{
	static char la[PATH_MAX + 1], lb[PATH_MAX + 1];
	ssize_t na = readlinkat(ta->rootfd, path, la, PATH_MAX);
	ssize_t nb = readlinkat(tb->rootfd, path, lb, PATH_MAX);

	if (na < 0)
		ioerr(ta->root, path, "readlink");
	if (nb < 0)
		ioerr(tb->root, path, "readlink");
	if (na < 0 || nb < 0)
		return;
	la[na] = lb[nb] = 0;
	if (na != nb || memcmp(la, lb, na)) {
		diff_begin(path, "symlink");
		putchar('\'');
		put_escaped(stdout, na > 200 ? "(long)" : la);
		printf("' (%zd bytes) vs '", na);
		put_escaped(stdout, nb > 200 ? "(long)" : lb);
		printf("' (%zd bytes)\n", nb);
	}
}

/* ---- extended attributes ------------------------------------------------ */

/*
 * There is no llistxattrat(): the calls take the path relative to the
 * tree's root, after making that root the working directory.
 */
static bool enter(const struct tree *t, const char *path)
{
	if (!fchdir(t->rootfd))
		return true;
	ioerr(t->root, path, "fchdir to the tree");
	return false;
}

/* One entry's attribute names, sorted; names[] points into buf. */
struct xattr_names {
	char *buf;
	const char **names;
	size_t n;
};

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool list_xattrs(const struct tree *t, const char *path,
			struct xattr_names *x)
{
	ssize_t n;

	x->buf = NULL;
	x->names = NULL;
	x->n = 0;
	if (!enter(t, path))
		return false;
	for (;;) {
		n = llistxattr(path, NULL, 0);
		if (n < 0 && errno == ENOTSUP)
			return true;	/* a filesystem without xattrs: none */
		if (n >= 0) {
			x->buf = xrealloc(x->buf, n);
			n = llistxattr(path, x->buf, n);
			if (n >= 0)
				break;
		}
		if (errno != ERANGE) {	/* ERANGE: the list grew meanwhile */
			ioerr(t->root, path, "llistxattr");
			free(x->buf);
			x->buf = NULL;
			return false;
		}
	}
	for (ssize_t i = 0; i < n; i += strlen(x->buf + i) + 1) {
		x->names = xrealloc(x->names, (x->n + 1) * sizeof(*x->names));
		x->names[x->n++] = x->buf + i;
	}
	if (x->n > 1)
		qsort(x->names, x->n, sizeof(*x->names), cmpstr);
	return true;
}

/* The value of name, malloc'ed, its length in *len; NULL on error. */
static char *get_xattr(const struct tree *t, const char *path,
		       const char *name, size_t *len)
{
	char *v = NULL;
	ssize_t n;

	if (!enter(t, path))
		return NULL;
	for (;;) {
		n = lgetxattr(path, name, NULL, 0);
		if (n >= 0) {
			v = xrealloc(v, n);
			n = lgetxattr(path, name, v, n);
			if (n >= 0) {
				*len = n;
				return v;
			}
		}
		if (errno != ERANGE)
			break;
	}
	ioerr(t->root, path, "lgetxattr");
	free(v);
	return NULL;
}

static void put_value(const char *v, size_t n)
{
	if (n > 64) {
		printf("(%zu bytes)", n);
		return;
	}
	putchar('\'');
	put_bytes(stdout, v, n);
	printf("' (%zu bytes)", n);
}

static void compare_value(struct tree *ta, struct tree *tb, const char *path,
			  const char *name)
{
	size_t na, nb, i = 0;
	char *va = get_xattr(ta, path, name, &na);
	char *vb = va ? get_xattr(tb, path, name, &nb) : NULL;

	if (!vb)
		goto out;
	if (na == nb && !memcmp(va, vb, na))
		goto out;
	diff_begin(path, "xattr");
	put_escaped(stdout, name);
	fputs(": ", stdout);
	put_value(va, na);
	fputs(" vs ", stdout);
	put_value(vb, nb);
	while (i < na && i < nb && va[i] == vb[i])
		i++;
	printf(", first difference at byte %zu\n", i);
out:
	free(va);
	free(vb);
}

#define OVL_ORIGIN	"trusted.overlay.origin"

/*
 * Whether @name of @path, listed in @t only, is the empty overlayfs origin
 * mark that mkfs.erofs adds (as erofs-utils 1.9.3 does) to a directory
 * built from a source directory holding a whiteout, a character device
 * 0:0: a rule of one builder (a tarball's raw 0:0 entries get none), not
 * a difference.
 */
static bool added_origin(struct tree *t, const char *path, const char *name)
{
	size_t n = 1;
	char *v;
	bool found = false;
	int fd;
	DIR *d;

	if (strcmp(name, OVL_ORIGIN))
		return false;
	v = get_xattr(t, path, name, &n);
	free(v);
	if (n)
		return false;
	fd = openat(t->rootfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	for (struct dirent *e; !found && (e = readdir(d));) {
		struct stat st;

		found = e->d_type != DT_DIR &&
			!fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
			S_ISCHR(st.st_mode) && !st.st_rdev;
	}
	closedir(d);
	return found;
}

void compare_xattrs(struct tree *ta, struct tree *tb, const char *path)
{
	struct xattr_names xa, xb;
	size_t i = 0, j = 0;

	if (!list_xattrs(ta, path, &xa) || !list_xattrs(tb, path, &xb)) {
		free(xa.buf);
		free(xa.names);
		return;
	}
	while (i < xa.n || j < xb.n) {
		int c = i == xa.n ? 1 : j == xb.n ? -1 :
			strcmp(xa.names[i], xb.names[j]);

		if (c && (c < 0 ? added_origin(ta, path, xa.names[i])
				: added_origin(tb, path, xb.names[j]))) {
			;
		} else if (c) {
			diff_begin(path, "xattr");
			put_escaped(stdout, c < 0 ? xa.names[i] : xb.names[j]);
			puts(c < 0 ? ": only in A" : ": only in B");
		} else {
			compare_value(ta, tb, path, xa.names[i]);
		}
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	free(xa.buf);
	free(xa.names);
	free(xb.buf);
	free(xb.names);
}
