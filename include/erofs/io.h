/* SPDX-License-Identifier: MIT */
/*
 * Image I/O behind a small vtable, so tests can swap the backend (fault
 * injection) and the read path can sit on a file, a block device or a
 * window of a larger file (--offset).
 */
#ifndef EROFS_IO_H
#define EROFS_IO_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "erofs/defs.h"

struct erofs_io;

struct erofs_io_ops {
	/* Read exactly @len bytes at @pos: 0, -EIO on a short read, or -errno. */
	int (*pread)(struct erofs_io *io, void *buf, size_t len, erofs_off_t pos);
	/* Write exactly @len bytes at @pos: 0 or -errno. */
	int (*pwrite)(struct erofs_io *io, const void *buf, size_t len,
		      erofs_off_t pos);
	/* Set the size (grow with a hole or shrink): 0 or -errno. */
	int (*truncate)(struct erofs_io *io, erofs_off_t size);
	/* Flush to stable storage: 0 or -errno. */
	int (*sync)(struct erofs_io *io);
	/*
	 * Optional: copy @len bytes of @fd from @srcoff to @pos without
	 * passing them through memory.  0; -EOPNOTSUPP when it cannot, with
	 * nothing written (copy through memory instead); -ENODATA when @fd
	 * ended first; or -errno.
	 */
	int (*copy_from)(struct erofs_io *io, int fd, uint64_t srcoff,
			 size_t len, erofs_off_t pos);
	void (*close)(struct erofs_io *io);
};

struct erofs_io {
	const struct erofs_io_ops *ops;
	int fd;
	erofs_off_t offset;	/* where the image starts inside the file */
	erofs_off_t size;	/* bytes available after @offset */
	void *priv;		/* backend-specific state */
	uint64_t gen;		/* read-only: tags its blocks in the block cache; 0: none */
	bool nocopy;		/* copy_from found the kernel cannot: not tried again */
};

/*
 * Open @path read-only (file or block device); the image starts at @offset.
 * Small reads (inodes, index packs, xattrs, short directory blocks) are
 * served from a per-thread cache of the blocks last read, so that the
 * hundreds of thousands of them in a walk cost a few thousand syscalls.
 */
int erofs_io_open_ro(struct erofs_io *io, const char *path, erofs_off_t offset);
/* Wrap an fd opened for writing; the io owns the fd from now on. */
int erofs_io_init_fd(struct erofs_io *io, int fd);

/*
 * Serve the @len bytes at @buf as a read-only image (writes fail with
 * -EROFS); @buf is not copied and must outlive the io.
 */
int erofs_io_init_mem(struct erofs_io *io, const void *buf, size_t len);

/*
 * All @len bytes at @off of file descriptor @fd, retrying short transfers
 * and EINTR: 0, -errno, or -ENODATA (read: the file ends first) / -ENOSPC
 * (write: nothing more is taken).
 */
int erofs_fd_pread_all(int fd, void *buf, size_t len, uint64_t off);
int erofs_fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

/* Wrap @inner so that the Nth operation fails (see EROFS_FAULT in io.c). */
int erofs_io_fault_wrap(struct erofs_io *io);

static inline int erofs_io_read(struct erofs_io *io, void *buf, size_t len,
				erofs_off_t pos)
{
	return io->ops->pread(io, buf, len, pos);
}

static inline int erofs_io_write(struct erofs_io *io, const void *buf,
				 size_t len, erofs_off_t pos)
{
	return io->ops->pwrite(io, buf, len, pos);
}

static inline int erofs_io_copy_from(struct erofs_io *io, int fd,
				     uint64_t srcoff, size_t len,
				     erofs_off_t pos)
{
	if (!io->ops->copy_from || io->nocopy)
		return -EOPNOTSUPP;
	return io->ops->copy_from(io, fd, srcoff, len, pos);
}

static inline int erofs_io_truncate(struct erofs_io *io, erofs_off_t size)
{
	return io->ops->truncate(io, size);
}

static inline int erofs_io_sync(struct erofs_io *io)
{
	return io->ops->sync(io);
}

static inline void erofs_io_close(struct erofs_io *io)
{
	if (io->ops)
		io->ops->close(io);
	io->ops = NULL;
}

#endif
