// SPDX-License-Identifier: MIT
/*
 * erofsfuse operations.  Nothing is kept per inode: each request reads
 * the inodes it names by nid (small reads, served by the per-thread block
 * cache of io.c) and works on its own copy, so requests on any number of
 * threads share nothing but the image, read-only, and the decoded
 * pclusters of file reads: one cache for all threads (z_erofs_shared), as
 * the kernel hands the consecutive ranges of a file to whichever thread
 * is free, so each pcluster is decoded once.  The read buffer, and the
 * pcluster cache of everything else (directories, symlinks, xattrs; the
 * bounce buffer and read-ahead window of decoding), are per thread: each
 * thread binds a cache of its own (z_erofs_pcache_bind), freed when the
 * thread ends.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/dir.h"
#include "erofs/iter.h"
#include "erofs/namei.h"
#include "erofs/xattr.h"
#include "erofs/zdata.h"
#include "ops.h"

/* the shared cache: slots, and the bytes their buffers may take */
#define ERF_PCACHE_SLOTS	64
#define ERF_PCACHE_BYTES	(16u << 20)
/* the kernel's read-ahead window, the largest read request it sends */
#define ERF_WINDOW_BYTES	(128u << 10)

/* What one thread keeps between requests. */
struct erofsfuse_thread {
	struct z_erofs_pcache *pc;
	uint8_t *buf;			/* read replies */
	size_t cap;
};

static pthread_key_t erofsfuse_key;
static pthread_once_t erofsfuse_key_once = PTHREAD_ONCE_INIT;
static int erofsfuse_key_err;

static void erofsfuse_thread_free(void *p)
{
	struct erofsfuse_thread *t = p;

	/* the counters of a server's caches are never shown */
	z_erofs_pcache_merge_free(t->pc, NULL);
	free(t->buf);
	free(t);
}

static void erofsfuse_key_create(void)
{
	erofsfuse_key_err = pthread_key_create(&erofsfuse_key,
					       erofsfuse_thread_free);
}

/* The calling thread's state, made and bound on its first request. */
static struct erofsfuse_thread *erofsfuse_thread(void)
{
	struct erofsfuse_thread *t = pthread_getspecific(erofsfuse_key);

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->pc = z_erofs_pcache_new();
	if (!t->pc || pthread_setspecific(erofsfuse_key, t)) {
		free(t->pc);
		free(t);
		return NULL;
	}
	z_erofs_pcache_bind(t->pc);
	return t;
}

int erofsfuse_init(struct erofsfuse *fs, struct erofs_sb_info *sbi,
		   erofs_nid_t root)
{
	pthread_once(&erofsfuse_key_once, erofsfuse_key_create);
	if (erofsfuse_key_err)
		return -erofsfuse_key_err;
	memset(fs, 0, sizeof(*fs));
	fs->sbi = sbi;
	fs->root = root;
	fs->pcache = z_erofs_shared_new(ERF_PCACHE_SLOTS, ERF_PCACHE_BYTES);
	return fs->pcache ? 0 : -ENOMEM;
}

void erofsfuse_fini(struct erofsfuse *fs)
{
	struct erofsfuse_thread *t = pthread_getspecific(erofsfuse_key);

	if (t) {
		pthread_setspecific(erofsfuse_key, NULL);
		erofsfuse_thread_free(t);
	}
	z_erofs_shared_free(fs->pcache);
	fs->pcache = NULL;
}

uint64_t erofsfuse_ino(const struct erofsfuse *fs, erofs_nid_t nid)
{
	if (nid == fs->root)
		nid = 0;
	else if (nid == 0)
		nid = fs->root;
	return nid + 1;
}

erofs_nid_t erofsfuse_nid(const struct erofsfuse *fs, uint64_t ino)
{
	erofs_nid_t nid = ino - 1;

	if (nid == 0)
		return fs->root;
	return nid == fs->root ? 0 : nid;
}

/*
 * What the VFS sees of a library error: what a caller can act on passes,
 * anything else (corruption, a missing device, an unsupported algorithm)
 * is an I/O error of that file, already reported with its nid and offset.
 */
static int erofsfuse_errno(int err)
{
	switch (err) {
	case -ENOMEM:
	case -ENOENT:
	case -ENOTDIR:
	case -ENODATA:
	case -ERANGE:
	case -ENAMETOOLONG:
		return err;
	}
	return -EIO;
}

/* Read inode @ino into @vi for a request (binding the thread first). */
static int erofsfuse_iget(const struct erofsfuse *fs, uint64_t ino,
			  struct erofs_inode *vi)
{
	int err;

	if (!erofsfuse_thread())
		return -ENOMEM;
	err = erofs_read_inode(fs->sbi, erofsfuse_nid(fs, ino), vi);
	return err ? erofsfuse_errno(err) : 0;
}

void erofsfuse_fill_stat(const struct erofsfuse *fs,
			 const struct erofs_inode *vi, struct stat *st)
{
	const unsigned int bsz = fs->sbi->blksz;

	memset(st, 0, sizeof(*st));
	st->st_ino = erofsfuse_ino(fs, vi->nid);
	st->st_mode = vi->mode;
	st->st_nlink = vi->nlink;
	st->st_uid = vi->uid;
	st->st_gid = vi->gid;
	if (S_ISCHR(vi->mode) || S_ISBLK(vi->mode))
		st->st_rdev = vi->rdev;
	st->st_size = vi->size;
	st->st_blksize = bsz;
	st->st_blocks = EROFS_ROUND_UP(vi->size, (uint64_t)bsz) >> 9;
	/* EROFS keeps one time: the kernel shows it as all three */
	st->st_mtim.tv_sec = vi->mtime;
	st->st_mtim.tv_nsec = vi->mtime_nsec;
	st->st_atim = st->st_mtim;
	st->st_ctim = st->st_mtim;
}

int erofsfuse_getattr(const struct erofsfuse *fs, uint64_t ino,
		      struct stat *st)
{
	struct erofs_inode vi;
	int err = erofsfuse_iget(fs, ino, &vi);

	if (!err)
		erofsfuse_fill_stat(fs, &vi, st);
	return err;
}

int erofsfuse_lookup(const struct erofsfuse *fs, uint64_t parent,
		     const char *name, size_t len, struct stat *st)
{
	struct erofs_inode dir, vi;
	erofs_nid_t nid;
	int err;

	err = erofsfuse_iget(fs, parent, &dir);
	if (err)
		return err;
	if (!S_ISDIR(dir.mode))
		return -ENOTDIR;
	if (len > EROFS_NAME_LEN)
		return -ENAMETOOLONG;
	err = erofs_dir_bsearch(&dir, name, len, &nid, NULL);
	if (!err)
		err = erofs_read_inode(fs->sbi, nid, &vi);
	if (err)
		return erofsfuse_errno(err);
	erofsfuse_fill_stat(fs, &vi, st);
	return 0;
}

int erofsfuse_file(const struct erofsfuse *fs, uint64_t ino,
		   struct erofs_inode *vi)
{
	int err = erofsfuse_iget(fs, ino, vi);

	if (!err && !S_ISREG(vi->mode))
		err = S_ISDIR(vi->mode) ? -EISDIR : -EINVAL;
	return err;
}

int erofsfuse_open(const struct erofsfuse *fs, uint64_t ino, int flags,
		   struct erofs_inode **vip)
{
	struct erofs_inode *vi;
	int err;

	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	vi = malloc(sizeof(*vi));
	if (!vi)
		return -ENOMEM;
	err = erofsfuse_file(fs, ino, vi);
	if (err) {
		free(vi);
		return err;
	}
	*vip = vi;
	return 0;
}

void erofsfuse_release(struct erofs_inode *vi)
{
	free(vi);
}

ssize_t erofsfuse_read(const struct erofsfuse *fs,
		       const struct erofs_inode *vi, size_t size, off_t off,
		       const void **data)
{
	struct erofsfuse_thread *t = erofsfuse_thread();
	/* mapping decodes into the inode: a copy of the request's own */
	struct erofs_inode v = *vi;
	size_t n;
	int err;

	if (!t)
		return -ENOMEM;
	if (off < 0)
		return -EINVAL;
	if ((uint64_t)off >= v.size || !size)
		return 0;
	n = EROFS_MIN((uint64_t)size, v.size - off);
	if (t->cap < n) {
		uint8_t *b = realloc(t->buf, n);

		if (!b)
			return -ENOMEM;
		t->buf = b;
		t->cap = n;
	}
	/*
	 * The kernel reads ahead in windows of 128 KiB: a shorter request is
	 * a random read (or a file's end), whose last extent is decoded only
	 * as far as it needs; a window takes its extents whole, as the next
	 * window will want the rest.
	 */
	err = erofs_pread_shared(&v, fs->pcache, t->buf, n, off,
				 n < ERF_WINDOW_BYTES);
	if (err)
		return erofsfuse_errno(err);
	*data = t->buf;
	return n;
}

ssize_t erofsfuse_readlink(const struct erofsfuse *fs, uint64_t ino,
			   char *buf, size_t size)
{
	struct erofs_inode vi;
	ssize_t ret;
	int err = erofsfuse_iget(fs, ino, &vi);

	if (err)
		return err;
	if (!S_ISLNK(vi.mode))
		return -EINVAL;
	ret = erofs_read_symlink(&vi, buf, size);
	return ret < 0 ? erofsfuse_errno(ret) : ret;
}

/* d_type of an on-disk file type (EROFS_FT_* follow the S_IF* order) */
static unsigned int erofsfuse_dtype(unsigned int ft)
{
	static const unsigned char dt[] = {
		[EROFS_FT_REG_FILE] = S_IFREG >> 12,
		[EROFS_FT_DIR] = S_IFDIR >> 12,
		[EROFS_FT_CHRDEV] = S_IFCHR >> 12,
		[EROFS_FT_BLKDEV] = S_IFBLK >> 12,
		[EROFS_FT_FIFO] = S_IFIFO >> 12,
		[EROFS_FT_SOCK] = S_IFSOCK >> 12,
		[EROFS_FT_SYMLINK] = S_IFLNK >> 12,
	};

	return ft < sizeof(dt) ? dt[ft] : 0;
}

struct erofsfuse_readdir_ctx {
	const struct erofsfuse *fs;
	bool plus;
	erofsfuse_fill_t fill;
	void *arg;
};

/*
 * The cursor after an on-disk entry at @lpos: resuming at @lpos + 1 (the
 * "- 1" in erofsfuse_readdir) skips it; 1 is taken by a supplied ".".
 */
#define ERF_CURSOR(lpos)	((lpos) + 2)

static int erofsfuse_readdir_cb(const struct erofs_dir_entry *de, void *arg)
{
	struct erofsfuse_readdir_ctx *c = arg;
	unsigned int dtype = erofsfuse_dtype(de->file_type);
	uint64_t ino = erofsfuse_ino(c->fs, de->nid);
	struct stat st, *stp = NULL;
	struct erofs_inode vi;

	/* an unreadable inode is still listed; its lookup says EIO */
	if (c->plus && !erofs_read_inode(c->fs->sbi, de->nid, &vi)) {
		erofsfuse_fill_stat(c->fs, &vi, &st);
		stp = &st;
	}
	return c->fill(c->arg, de->name, de->namelen, ino, dtype, stp,
		       ERF_CURSOR(de->lpos)) ? 1 : 0;
}

int erofsfuse_readdir(const struct erofsfuse *fs, uint64_t ino, uint64_t off,
		      bool plus, erofsfuse_fill_t fill, void *arg)
{
	struct erofsfuse_readdir_ctx c = {
		.fs = fs, .plus = plus, .fill = fill, .arg = arg,
	};
	struct erofs_inode dir;
	int err;

	err = erofsfuse_iget(fs, ino, &dir);
	if (err)
		return err;
	if (!S_ISDIR(dir.mode))
		return -ENOTDIR;
	if (!off && erofs_dir_dot_omitted(&dir)) {
		struct stat st;

		erofsfuse_fill_stat(fs, &dir, &st);
		if (fill(arg, ".", 1, ino, S_IFDIR >> 12, plus ? &st : NULL, 1))
			return 0;
		off = 1;
	}
	err = erofs_iterate_dir_from(&dir, off ? off - 1 : 0,
				     erofsfuse_readdir_cb, &c);
	return err < 0 ? erofsfuse_errno(err) : 0;
}

ssize_t erofsfuse_getxattr(const struct erofsfuse *fs, uint64_t ino,
			   const char *name, void *buf, size_t size)
{
	struct erofs_inode vi;
	ssize_t ret;
	int err = erofsfuse_iget(fs, ino, &vi);

	if (err)
		return err;
	ret = erofs_getxattr(&vi, name, buf, size);
	return ret < 0 ? erofsfuse_errno(ret) : ret;
}

ssize_t erofsfuse_listxattr(const struct erofsfuse *fs, uint64_t ino,
			    char *buf, size_t size)
{
	struct erofs_inode vi;
	ssize_t ret;
	int err = erofsfuse_iget(fs, ino, &vi);

	if (err)
		return err;
	ret = erofs_listxattr(&vi, buf, size);
	return ret < 0 ? erofsfuse_errno(ret) : ret;
}

void erofsfuse_statfs(const struct erofsfuse *fs, struct statvfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_bsize = fs->sbi->blksz;
	st->f_frsize = fs->sbi->blksz;
	st->f_blocks = fs->sbi->blocks;
	st->f_files = fs->sbi->inos;
	st->f_namemax = EROFS_NAME_LEN;
	st->f_flag = ST_RDONLY;
}
