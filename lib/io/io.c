// SPDX-License-Identifier: MIT
/*
 * Backends of struct erofs_io: a file descriptor, a read-only memory buffer,
 * and a fault-injecting wrapper.
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs/io.h"

int erofs_fd_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENODATA;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int erofs_fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENOSPC;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int fd_pread_raw(struct erofs_io *io, void *buf, size_t len,
			erofs_off_t pos)
{
	int err;

	if (pos > io->size || len > io->size - pos)
		return -EIO;
	err = erofs_fd_pread_all(io->fd, buf, len, io->offset + pos);
	return err == -ENODATA ? -EIO : err;
}

/*
 * The block cache of read-only images: per thread, so workers never lock,
 * direct-mapped by block number, each block tagged with the generation of
 * the io it came from (a new io never hits an old one's blocks).
 */
#define RO_BLOCK_BITS	12
#define RO_BLOCK	(1u << RO_BLOCK_BITS)
#define RO_SLOTS	32
#define RO_SMALL	2048	/* larger reads go straight to pread */

struct ro_slot {
	uint64_t gen;		/* 0: empty */
	erofs_off_t blk;
	uint8_t data[RO_BLOCK];
};

static __thread struct ro_slot ro_cache[RO_SLOTS];
static uint64_t ro_next_gen;

/* Small reads of a read-only image (io->gen set) go through the cache. */
static int fd_pread(struct erofs_io *io, void *buf, size_t len, erofs_off_t pos)
{
	erofs_off_t blk = pos >> RO_BLOCK_BITS;
	size_t off = pos & (RO_BLOCK - 1);
	struct ro_slot *s = &ro_cache[blk % RO_SLOTS];

	if (!io->gen || len > RO_SMALL || off + len > RO_BLOCK ||
	    pos > io->size || len > io->size - pos)
		return fd_pread_raw(io, buf, len, pos);
	if (s->gen != io->gen || s->blk != blk) {
		uint32_t n = EROFS_MIN(io->size - (blk << RO_BLOCK_BITS),
				       (erofs_off_t)RO_BLOCK);
		int err;

		s->gen = 0;
		err = fd_pread_raw(io, s->data, n, blk << RO_BLOCK_BITS);
		if (err)
			return err;
		s->gen = io->gen;
		s->blk = blk;
	}
	memcpy(buf, s->data + off, len);
	return 0;
}

static int fd_pwrite(struct erofs_io *io, const void *buf, size_t len,
		     erofs_off_t pos)
{
	int err = erofs_fd_pwrite_all(io->fd, buf, len, io->offset + pos);

	if (err)
		return err;
	if (pos + len > io->size)
		io->size = pos + len;
	return 0;
}

/*
 * copy_file_range(2): the page cache copies file to file, one copy fewer
 * than pread and pwrite and no buffer.  When the kernel will not (another
 * filesystem, a block device, an old kernel), nothing has been written and
 * the caller copies through memory; a refusal midway is finished here.
 */
static int fd_copy_from(struct erofs_io *io, int fd, uint64_t srcoff,
			size_t len, erofs_off_t pos)
{
	loff_t in = srcoff, out = io->offset + pos;
	size_t done = 0;

	while (done < len) {
		ssize_t n = copy_file_range(fd, &in, io->fd, &out, len - done, 0);

		if (n > 0) {
			done += n;
			continue;
		}
		if (n == 0)
			return -ENODATA;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP &&
		    errno != ENOSYS && errno != ETXTBSY)
			return -errno;
		if (errno != EXDEV)
			io->nocopy = true;	/* this image never takes it */
		if (!done)
			return -EOPNOTSUPP;
		/* refused midway: the rest through a buffer */
		for (char buf[16384]; done < len;) {
			size_t want = EROFS_MIN(len - done, sizeof(buf));
			int err = erofs_fd_pread_all(fd, buf, want, srcoff + done);

			if (!err)
				err = erofs_fd_pwrite_all(io->fd, buf, want,
							  io->offset + pos + done);
			if (err)
				return err;
			done += want;
		}
	}
	if (pos + len > io->size)
		io->size = pos + len;
	return 0;
}

static int fd_truncate(struct erofs_io *io, erofs_off_t size)
{
	if (ftruncate(io->fd, io->offset + size))
		return -errno;
	io->size = size;
	return 0;
}

static int fd_sync(struct erofs_io *io)
{
	return fsync(io->fd) ? -errno : 0;
}

static void fd_close(struct erofs_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

static const struct erofs_io_ops erofs_fd_ops = {
	.pread = fd_pread,
	.pwrite = fd_pwrite,
	.truncate = fd_truncate,
	.sync = fd_sync,
	.copy_from = fd_copy_from,
	.close = fd_close,
};

int erofs_io_open_ro(struct erofs_io *io, const char *path, erofs_off_t offset)
{
	struct stat st;
	uint64_t size;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out_close;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size)) {
			err = -errno;
			goto out_close;
		}
	} else if (S_ISREG(st.st_mode)) {
		size = st.st_size;
	} else {
		err = -EINVAL;
		goto out_close;
	}
	if (offset > size) {
		err = -EINVAL;
		goto out_close;
	}
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->offset = offset;
	io->size = size - offset;
	io->ops = &erofs_fd_ops;
	io->gen = __atomic_add_fetch(&ro_next_gen, 1, __ATOMIC_RELAXED);
	return 0;
out_close:
	close(fd);
	return err;
}

int erofs_io_init_fd(struct erofs_io *io, int fd)
{
	memset(io, 0, sizeof(*io));
	io->ops = &erofs_fd_ops;
	io->fd = fd;
	return 0;
}

/*
 * Memory backend: a read-only image held in a caller's buffer (fuzzing,
 * unit tests).  The buffer must outlive the io; nothing is copied.
 */
static int mem_pread(struct erofs_io *io, void *buf, size_t len,
		     erofs_off_t pos)
{
	if (pos > io->size || len > io->size - pos)
		return -EIO;
	memcpy(buf, (const char *)io->priv + pos, len);
	return 0;
}

static int mem_pwrite(struct erofs_io *io, const void *buf, size_t len,
		      erofs_off_t pos)
{
	(void)io, (void)buf, (void)len, (void)pos;
	return -EROFS;
}

static int mem_truncate(struct erofs_io *io, erofs_off_t size)
{
	(void)io, (void)size;
	return -EROFS;
}

static int mem_sync(struct erofs_io *io)
{
	(void)io;
	return 0;
}

static void mem_close(struct erofs_io *io)
{
	io->priv = NULL;
}

static const struct erofs_io_ops erofs_mem_ops = {
	.pread = mem_pread,
	.pwrite = mem_pwrite,
	.truncate = mem_truncate,
	.sync = mem_sync,
	.close = mem_close,
};

int erofs_io_init_mem(struct erofs_io *io, const void *buf, size_t len)
{
	memset(io, 0, sizeof(*io));
	io->ops = &erofs_mem_ops;
	io->fd = -1;
	io->size = len;
	io->priv = (void *)buf;
	return 0;
}

/*
 * Fault injection for tests: EROFS_FAULT="OP:N:ERR" makes the Nth call of
 * OP (read, write, truncate, sync) fail with ERR (EIO, ENOSPC) or, with
 * ERR "short", perform only half of a write and report ENOSPC as a full
 * disk would.
 */
struct erofs_fault {
	const struct erofs_io_ops *inner;
	char op[16];
	long nth;
	int err;	/* positive errno, or 0 for "short" */
	long count;
};

static int fault_hit(struct erofs_io *io, const char *op)
{
	struct erofs_fault *f = io->priv;

	if (strcmp(f->op, op))
		return 0;
	/* counted across threads: exactly one call is the nth */
	return __atomic_add_fetch(&f->count, 1, __ATOMIC_RELAXED) == f->nth;
}

static int fault_pread(struct erofs_io *io, void *buf, size_t len,
		       erofs_off_t pos)
{
	struct erofs_fault *f = io->priv;

	if (fault_hit(io, "read"))
		return f->err ? -f->err : -EIO;
	return f->inner->pread(io, buf, len, pos);
}

static int fault_pwrite(struct erofs_io *io, const void *buf, size_t len,
			erofs_off_t pos)
{
	struct erofs_fault *f = io->priv;

	if (fault_hit(io, "write")) {
		if (!f->err) {
			int err = f->inner->pwrite(io, buf, len / 2, pos);

			return err ? err : -ENOSPC;
		}
		return -f->err;
	}
	return f->inner->pwrite(io, buf, len, pos);
}

static int fault_truncate(struct erofs_io *io, erofs_off_t size)
{
	struct erofs_fault *f = io->priv;

	if (fault_hit(io, "truncate"))
		return f->err ? -f->err : -EIO;
	return f->inner->truncate(io, size);
}

static int fault_sync(struct erofs_io *io)
{
	struct erofs_fault *f = io->priv;

	if (fault_hit(io, "sync"))
		return f->err ? -f->err : -EIO;
	return f->inner->sync(io);
}

static void fault_close(struct erofs_io *io)
{
	struct erofs_fault *f = io->priv;

	f->inner->close(io);
	free(f);
	io->priv = NULL;
}

static const struct erofs_io_ops erofs_fault_ops = {
	.pread = fault_pread,
	.pwrite = fault_pwrite,
	.truncate = fault_truncate,
	.sync = fault_sync,
	.close = fault_close,
};

int erofs_io_fault_wrap(struct erofs_io *io)
{
	const char *spec = getenv("EROFS_FAULT");
	struct erofs_fault *f;
	char errname[16];

	if (!spec || !*spec)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	if (sscanf(spec, "%15[a-z]:%ld:%15s", f->op, &f->nth, errname) != 3 ||
	    f->nth < 1) {
		free(f);
		return -EINVAL;
	}
	if (!strcmp(errname, "ENOSPC"))
		f->err = ENOSPC;
	else if (!strcmp(errname, "short"))
		f->err = 0;
	else
		f->err = EIO;
	f->inner = io->ops;
	io->priv = f;
	io->ops = &erofs_fault_ops;
	return 0;
}
