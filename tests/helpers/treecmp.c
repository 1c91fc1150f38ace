// SPDX-License-Identifier: MIT
/*
 * treecmp - compare two directory trees entry by entry.
 *
 *   treecmp [OPTIONS] A B
 *
 * Walks both trees with lstat semantics (symlinks are never followed) and
 * prints one line per difference:
 *
 *   PATH: KIND: detail
 *
 * PATH is relative to the tree roots ("." is the root itself); bytes outside
 * printable ASCII, and the backslash, are written as \xHH (\n for newline),
 * so every difference stays on one line.  KIND is one of
 *   missing  extra  type  mode  owner  size  content  symlink  rdev  mtime
 *   hardlink  nlink  xattr
 * "missing" means present in A only, "extra" present in B only.  "xattr"
 * covers every extended attribute the filesystem lists (user., trusted.,
 * security. including security.capability, and the POSIX ACLs as
 * system.posix_acl_access / _default): a name on one side only, or the
 * same name with different value bytes, one line per name -- except an
 * empty trusted.overlay.origin that one side alone has on a directory
 * holding a whiteout (character device 0:0): mkfs.erofs adds it by rule.
 *
 * Hard links are compared as groups: the set of paths sharing an inode in
 * A must be the set sharing one inode in B.  nlink is checked within each
 * tree: a non-directory must have exactly as many links as paths found in
 * its tree, a directory 2 + its number of subdirectories.  Paths given to
 * --skip still count for nlink (they are walked, just not compared).
 *
 * Options:
 *   --no-mtime     do not compare modification times
 *   --no-dir-mtime do not compare modification times of directories
 *   --mtime-sec    compare modification times to the second only
 *   --no-owner     do not compare uid/gid
 *   --no-nlink     do not check link counts
 *   --no-xattr     do not compare extended attributes
 *   --skip PATH    do not compare PATH (relative, raw bytes) nor below it,
 *                  whether B has it or not: an entry A has and B lacks is
 *                  not "missing".  A PATH that only B has is still
 *                  reported as "extra": skipping is for entries of A that
 *                  cannot be compared or are meant to be left out of B,
 *                  never a way to let B grow.  Repeatable.
 *
 * Exit: 0 identical, 1 differences found, 2 usage or I/O error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "treecmp.h"

static bool opt_no_mtime, opt_no_dir_mtime, opt_mtime_sec, opt_no_owner;
static bool opt_no_nlink, opt_no_xattr;
static char **skips;
static size_t nskips;
unsigned long ndiffs;
static bool io_error;

/* ---- small helpers ---------------------------------------------------- */

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("treecmp: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

static char *join(const char *dir, const char *name)
{
	size_t a, b;
	char *p;

	if (!strcmp(dir, "."))
		return xstrdup(name);
	a = strlen(dir);
	b = strlen(name);
	p = xrealloc(NULL, a + b + 2);
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

void put_bytes(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c >= 0x7f || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

void put_escaped(FILE *f, const char *s)
{
	put_bytes(f, s, strlen(s));
}

void diff_begin(const char *path, const char *kind)
{
	put_escaped(stdout, path);
	printf(": %s: ", kind);
	ndiffs++;
}

void diff(const char *path, const char *kind, const char *fmt, ...)
{
	va_list ap;

	diff_begin(path, kind);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void ioerr(const char *tree, const char *path, const char *what)
{
	int e = errno;

	fprintf(stderr, "treecmp: %s/", tree);
	put_escaped(stderr, path);
	fprintf(stderr, ": %s: %s\n", what, strerror(e));
	io_error = true;
}

static bool skipped(const char *path)
{
	for (size_t i = 0; i < nskips; i++)
		if (!strcmp(skips[i], path))
			return true;
	return false;
}

static const char *type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "chardev";
	case S_IFBLK: return "blockdev";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "unknown";
	}
}

/* ---- per-tree inode table (hard links, nlink) ------------------------- */

struct inode {
	dev_t dev;
	ino_t ino;
	nlink_t nlink;		/* st_nlink */
	bool is_dir;
	unsigned long count;	/* paths (non-dirs) or subdirs (dirs) seen */
	char *first;		/* first path seen, for messages */
	char **paths;		/* compared (non-skipped) paths, non-dirs only */
	size_t npaths;
	bool reported;		/* hardlink difference already printed */
	bool nlink_reported;
};


static size_t hslot(const struct tree *t, dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ULL ^ (uint64_t)dev;

	return (size_t)(h ^ (h >> 29)) & (t->hcap - 1);
}

static struct inode *inode_get(struct tree *t, const struct stat *st,
			       const char *path)
{
	size_t s;

	if (t->ninodes * 2 >= t->hcap) {
		size_t oldcap = t->hcap;
		size_t *old = t->hash;

		t->hcap = oldcap ? oldcap * 2 : 1024;
		t->hash = xrealloc(NULL, t->hcap * sizeof(*t->hash));
		memset(t->hash, 0, t->hcap * sizeof(*t->hash));
		for (size_t i = 0; i < t->ninodes; i++) {
			s = hslot(t, t->inodes[i].dev, t->inodes[i].ino);
			while (t->hash[s])
				s = (s + 1) & (t->hcap - 1);
			t->hash[s] = i + 1;
		}
		free(old);
	}
	s = hslot(t, st->st_dev, st->st_ino);
	while (t->hash[s]) {
		struct inode *in = &t->inodes[t->hash[s] - 1];

		if (in->dev == st->st_dev && in->ino == st->st_ino)
			return in;
		s = (s + 1) & (t->hcap - 1);
	}
	if (t->ninodes == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->inodes = xrealloc(t->inodes, t->cap * sizeof(*t->inodes));
	}
	t->hash[s] = ++t->ninodes;
	struct inode *in = &t->inodes[t->ninodes - 1];

	memset(in, 0, sizeof(*in));
	in->dev = st->st_dev;
	in->ino = st->st_ino;
	in->nlink = st->st_nlink;
	in->is_dir = S_ISDIR(st->st_mode);
	in->first = xstrdup(path);
	return in;
}

static struct inode *inode_find(struct tree *t, dev_t dev, ino_t ino)
{
	size_t s = hslot(t, dev, ino);

	while (t->hash[s]) {
		struct inode *in = &t->inodes[t->hash[s] - 1];

		if (in->dev == dev && in->ino == ino)
			return in;
		s = (s + 1) & (t->hcap - 1);
	}
	return NULL;
}

/*
 * --skip names entries of A: a skipped path of B that A lacks is an extra
 * entry, compared (and counted in B's hard link groups) like any other.
 * a is NULL while taking A's census.
 */
static bool skipped_in(const struct tree *a, const char *path)
{
	struct stat st;

	if (!skipped(path))
		return false;
	return !a || !fstatat(a->rootfd, path, &st, AT_SYMLINK_NOFOLLOW);
}

/* Pass 1: record every inode and its paths; nothing is compared here. */
static void census(struct tree *t, const struct tree *a, const char *path,
		   bool skip, size_t parent)	/* index + 1, 0 for none */
{
	struct stat st;
	const char *name = strcmp(path, ".") ? path : ".";

	if (fstatat(t->rootfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		ioerr(t->root, path, "lstat");
		return;
	}
	/* t->inodes moves when it grows: hold indices across recursion */
	struct inode *in = inode_get(t, &st, path);
	size_t self = in - t->inodes + 1;

	if (!S_ISDIR(st.st_mode)) {
		in->count++;
		if (!skip) {
			in->paths = xrealloc(in->paths,
					     (in->npaths + 1) * sizeof(char *));
			in->paths[in->npaths++] = xstrdup(path);
		}
		return;
	}
	if (parent)
		t->inodes[parent - 1].count++;

	int fd = openat(t->rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

	if (fd < 0) {
		ioerr(t->root, path, "open directory");
		return;
	}
	DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		ioerr(t->root, path, "fdopendir");
		close(fd);
		return;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *child = join(path, de->d_name);

		census(t, a, child, skip || skipped_in(a, child), self);
		free(child);
	}
	if (errno)
		ioerr(t->root, path, "readdir");
	closedir(d);
}

/* ---- directory listing ------------------------------------------------ */

struct list {
	char **names;
	size_t n;
};

static int cmpname(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool list_dir(struct tree *t, const char *path, struct list *l)
{
	const char *name = strcmp(path, ".") ? path : ".";
	int fd = openat(t->rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	DIR *d;
	struct dirent *de;
	size_t cap = 0;

	l->names = NULL;
	l->n = 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		ioerr(t->root, path, "open directory");
		if (fd >= 0)
			close(fd);
		return false;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (l->n == cap) {
			cap = cap ? cap * 2 : 64;
			l->names = xrealloc(l->names, cap * sizeof(char *));
		}
		l->names[l->n++] = xstrdup(de->d_name);
	}
	if (errno)
		ioerr(t->root, path, "readdir");
	closedir(d);
	if (l->n)
		qsort(l->names, l->n, sizeof(char *), cmpname);
	return true;
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
}

/* ---- the walk ----------------------------------------------------------- */

static bool check_hardlinks(struct tree *ta, struct tree *tb, const char *path,
			    const struct stat *sa, const struct stat *sb)
{
	struct inode *ia = inode_find(ta, sa->st_dev, sa->st_ino);
	struct inode *ib = inode_find(tb, sb->st_dev, sb->st_ino);

	if (!ia || !ib || ia->reported)
		return true;
	/* Same group size, and every A partner is linked to the same B inode. */
	bool same = ia->npaths == ib->npaths;

	for (size_t i = 0; same && i < ia->npaths; i++) {
		struct stat st;

		if (fstatat(tb->rootfd, ia->paths[i], &st, AT_SYMLINK_NOFOLLOW) ||
		    st.st_dev != sb->st_dev || st.st_ino != sb->st_ino)
			same = false;
	}
	if (same)
		return true;
	ia->reported = true;
	put_escaped(stdout, path);
	fputs(": hardlink: linked with {", stdout);
	for (size_t i = 0; i < ia->npaths; i++) {
		fputs(i ? ", " : "", stdout);
		put_escaped(stdout, ia->paths[i]);
	}
	fputs("} in A but {", stdout);
	for (size_t i = 0; i < ib->npaths; i++) {
		fputs(i ? ", " : "", stdout);
		put_escaped(stdout, ib->paths[i]);
	}
	fputs("} in B\n", stdout);
	ndiffs++;
	return false;
}

static void check_nlink(struct tree *t, const char *which, const char *path,
			const struct stat *st)
{
	struct inode *in = inode_find(t, st->st_dev, st->st_ino);
	unsigned long want;

	if (opt_no_nlink || !in || in->nlink_reported)
		return;
	want = in->is_dir ? in->count + 2 : in->count;
	if ((unsigned long)st->st_nlink != want) {
		in->nlink_reported = true;
		diff(path, "nlink", "%s has st_nlink %lu, expected %lu (%s)",
		     which, (unsigned long)st->st_nlink, want,
		     in->is_dir ? "2 + subdirectories" : "links in the tree");
	}
}

static void compare_entry(struct tree *ta, struct tree *tb, const char *path)
{
	struct stat sa, sb;
	bool bad_a = fstatat(ta->rootfd, path, &sa, AT_SYMLINK_NOFOLLOW);
	bool bad_b = fstatat(tb->rootfd, path, &sb, AT_SYMLINK_NOFOLLOW);

	if (bad_a || bad_b) {
		if (bad_a)
			ioerr(ta->root, path, "lstat");
		if (bad_b)
			ioerr(tb->root, path, "lstat");
		return;
	}
	if ((sa.st_mode & S_IFMT) != (sb.st_mode & S_IFMT)) {
		diff(path, "type", "%s vs %s", type_name(sa.st_mode),
		     type_name(sb.st_mode));
		return;
	}
	if ((sa.st_mode & 07777) != (sb.st_mode & 07777))
		diff(path, "mode", "%04o vs %04o", sa.st_mode & 07777,
		     sb.st_mode & 07777);
	if (!opt_no_owner && (sa.st_uid != sb.st_uid || sa.st_gid != sb.st_gid))
		diff(path, "owner", "%lu:%lu vs %lu:%lu",
		     (unsigned long)sa.st_uid, (unsigned long)sa.st_gid,
		     (unsigned long)sb.st_uid, (unsigned long)sb.st_gid);

	bool is_dir = S_ISDIR(sa.st_mode);

	if (!opt_no_mtime && !(is_dir && opt_no_dir_mtime)) {
		bool same = sa.st_mtim.tv_sec == sb.st_mtim.tv_sec &&
			(opt_mtime_sec || sa.st_mtim.tv_nsec == sb.st_mtim.tv_nsec);

		if (!same)
			diff(path, "mtime", "%lld.%09ld vs %lld.%09ld",
			     (long long)sa.st_mtim.tv_sec, sa.st_mtim.tv_nsec,
			     (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
	}
	switch (sa.st_mode & S_IFMT) {
	case S_IFREG:
		if (sa.st_size != sb.st_size)
			diff(path, "size", "%lld vs %lld", (long long)sa.st_size,
			     (long long)sb.st_size);
		else
			compare_content(ta, tb, path, sa.st_size);
		break;
	case S_IFLNK:
		compare_symlink(ta, tb, path);
		break;
	case S_IFCHR:
	case S_IFBLK:
		if (sa.st_rdev != sb.st_rdev)
			diff(path, "rdev", "%u:%u vs %u:%u",
			     major(sa.st_rdev), minor(sa.st_rdev),
			     major(sb.st_rdev), minor(sb.st_rdev));
		break;
	}
	if (!opt_no_xattr)
		compare_xattrs(ta, tb, path);
	if (!is_dir)
		check_hardlinks(ta, tb, path, &sa, &sb);
	check_nlink(ta, "A", path, &sa);
	check_nlink(tb, "B", path, &sb);

	if (!is_dir)
		return;

	struct list la, lb;
	bool oka = list_dir(ta, path, &la), okb = list_dir(tb, path, &lb);
	size_t i = 0, j = 0;

	if (!oka || !okb)
		goto out;
	while (i < la.n || j < lb.n) {
		int c = i == la.n ? 1 : j == lb.n ? -1 :
			strcmp(la.names[i], lb.names[j]);
		const char *name = c <= 0 ? la.names[i] : lb.names[j];
		char *child = join(path, name);

		if (c > 0)
			diff(child, "extra", "only in B");
		else if (skipped(child))
			;
		else if (c < 0)
			diff(child, "missing", "only in A");
		else
			compare_entry(ta, tb, child);
		free(child);
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
out:
	list_free(&la);
	list_free(&lb);
}

static void usage(int code)
{
	fputs("usage: treecmp [--no-mtime] [--no-dir-mtime] [--mtime-sec] "
	      "[--no-owner] [--no-nlink] [--no-xattr] [--skip PATH]... A B\n",
	      code ? stderr : stdout);
	exit(code);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-mtime", no_argument, NULL, 'm' },
		{ "no-dir-mtime", no_argument, NULL, 'D' },
		{ "mtime-sec", no_argument, NULL, 's' },
		{ "no-owner", no_argument, NULL, 'o' },
		{ "no-nlink", no_argument, NULL, 'n' },
		{ "no-xattr", no_argument, NULL, 'X' },
		{ "skip", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	/* static: what the census holds lives until exit, not a leak */
	static struct tree ta, tb;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': opt_no_mtime = true; break;
		case 'D': opt_no_dir_mtime = true; break;
		case 's': opt_mtime_sec = true; break;
		case 'o': opt_no_owner = true; break;
		case 'n': opt_no_nlink = true; break;
		case 'X': opt_no_xattr = true; break;
		case 'x': {
			char *p = optarg;

			while (p[0] == '.' && p[1] == '/')
				p += 2;
			size_t n = strlen(p);

			while (n > 1 && p[n - 1] == '/')
				p[--n] = 0;
			skips = xrealloc(skips, (nskips + 1) * sizeof(char *));
			skips[nskips++] = xstrdup(p);
			break;
		}
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (argc - optind != 2)
		usage(2);
	ta.root = argv[optind];
	tb.root = argv[optind + 1];
	ta.rootfd = open(ta.root, O_RDONLY | O_DIRECTORY);
	if (ta.rootfd < 0) {
		fprintf(stderr, "treecmp: %s: %s\n", ta.root, strerror(errno));
		return 2;
	}
	tb.rootfd = open(tb.root, O_RDONLY | O_DIRECTORY);
	if (tb.rootfd < 0) {
		fprintf(stderr, "treecmp: %s: %s\n", tb.root, strerror(errno));
		return 2;
	}
	data_init();
	census(&ta, NULL, ".", false, 0);
	census(&tb, &ta, ".", false, 0);
	/* stable messages whatever the readdir order */
	for (size_t i = 0; i < ta.ninodes; i++)
		if (ta.inodes[i].npaths > 1)
			qsort(ta.inodes[i].paths, ta.inodes[i].npaths, sizeof(char *), cmpname);
	for (size_t i = 0; i < tb.ninodes; i++)
		if (tb.inodes[i].npaths > 1)
			qsort(tb.inodes[i].paths, tb.inodes[i].npaths, sizeof(char *), cmpname);
	compare_entry(&ta, &tb, ".");
	fflush(stdout);
	if (io_error)
		return 2;
	return ndiffs ? 1 : 0;
}
