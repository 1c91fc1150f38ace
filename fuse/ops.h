/* SPDX-License-Identifier: MIT */
/*
 * erofsfuse: the file system operations, apart from libfuse, so that the
 * fuzzer drives them without a mount (lowlevel.c adapts them to FUSE).
 * Each returns 0 (or a length) or the -errno the VFS should see: a
 * corrupt image is -EIO, its one message line (nid and offset) already
 * logged by the library.  Every operation may run on any thread at once.
 */
#ifndef EROFSFUSE_OPS_H
#define EROFSFUSE_OPS_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include "erofs/inode.h"

/* The mounted image, read-only once erofsfuse_init() returned. */
struct erofsfuse {
	struct erofs_sb_info *sbi;
	erofs_nid_t root;		/* the nid shown as the mount's root */
	unsigned int max_read;		/* FUSE: -o max_read, init() repeats it */
	/*
	 * Set by init() when the kernel can do without open and opendir:
	 * files and directories are then opened without a request (kept
	 * cached, as we would ask) and read by inode number.
	 */
	bool no_open;
	/* decoded pclusters, shared by the threads (zdata.h) */
	struct z_erofs_shared *pcache;
};

/*
 * FUSE names the root 1 and never 0: inode numbers are nids plus one,
 * with the root's nid and nid 0 trading places, so hardlinks share theirs.
 */
uint64_t erofsfuse_ino(const struct erofsfuse *fs, erofs_nid_t nid);
erofs_nid_t erofsfuse_nid(const struct erofsfuse *fs, uint64_t ino);

/*
 * Set up the shared pcluster cache and per-thread state: 0 or -errno.
 * erofsfuse_fini() undoes it.
 */
int erofsfuse_init(struct erofsfuse *fs, struct erofs_sb_info *sbi,
		   erofs_nid_t root);
void erofsfuse_fini(struct erofsfuse *fs);

/* stat of inode @ino (by number), or of @vi as read. */
int erofsfuse_getattr(const struct erofsfuse *fs, uint64_t ino,
		      struct stat *st);
void erofsfuse_fill_stat(const struct erofsfuse *fs,
			 const struct erofs_inode *vi, struct stat *st);
/* @name (@len bytes) in directory @parent: its stat, -ENOENT, -EIO... */
int erofsfuse_lookup(const struct erofsfuse *fs, uint64_t parent,
		     const char *name, size_t len, struct stat *st);

/* Regular file @ino read into @vi: 0, -EISDIR, -EINVAL (not one), -EIO... */
int erofsfuse_file(const struct erofsfuse *fs, uint64_t ino,
		   struct erofs_inode *vi);
/* A regular file opened for reading: *@vi to pass to read and release. */
int erofsfuse_open(const struct erofsfuse *fs, uint64_t ino, int flags,
		   struct erofs_inode **vi);
void erofsfuse_release(struct erofs_inode *vi);
/*
 * Up to @size bytes at @off of @vi into a buffer of the calling thread's,
 * *@data pointing at them until its next read: the length (0 at or past
 * the end), or -errno.
 */
ssize_t erofsfuse_read(const struct erofsfuse *fs,
		       const struct erofs_inode *vi, size_t size, off_t off,
		       const void **data);

/* The target of symlink @ino into @buf (NUL-terminated): length or -errno. */
ssize_t erofsfuse_readlink(const struct erofsfuse *fs, uint64_t ino,
			   char *buf, size_t size);

/*
 * One entry for readdir: @next is the cursor that resumes after it; @st
 * its attributes when readdirplus asked for them and the entry's inode
 * could be read, else NULL.  A non-zero return (the reply buffer is
 * full) stops the listing.
 */
typedef int (*erofsfuse_fill_t)(void *arg, const char *name, size_t len,
				uint64_t ino, unsigned int dtype,
				const struct stat *st, uint64_t next);
/*
 * List directory @ino from cursor @off (0: the start; else a @next handed
 * out before): 0 when the end or a full buffer stopped it, or -errno
 * (-EIO past a corrupt block, after the entries before it were filled).
 * Cursors are positions in the directory's content: no state is kept
 * between calls, so concurrent listings never disturb each other.
 */
int erofsfuse_readdir(const struct erofsfuse *fs, uint64_t ino, uint64_t off,
		      bool plus, erofsfuse_fill_t fill, void *arg);

/* getxattr/listxattr(2) of @ino; @size 0 asks for the length. */
ssize_t erofsfuse_getxattr(const struct erofsfuse *fs, uint64_t ino,
			   const char *name, void *buf, size_t size);
ssize_t erofsfuse_listxattr(const struct erofsfuse *fs, uint64_t ino,
			    char *buf, size_t size);

void erofsfuse_statfs(const struct erofsfuse *fs, struct statvfs *st);

#endif
