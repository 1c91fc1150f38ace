// SPDX-License-Identifier: MIT
/* The image builder's reads of the files the tree names, and their errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/print.h"
#include "builder.h"

void erofs_dircache_drop(struct erofs_dircache *dc)
{
	if (dc->dir && dc->fd >= 0)
		close(dc->fd);
	dc->dir = NULL;
}

int erofs_src_open(const struct erofs_tree *t, const struct erofs_node *n,
		   struct erofs_dircache *dc)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
	char *path;
	int fd;

	if (n->src.by_fd) {
		fd = fcntl(n->src.fd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	if (!n->src.staged && t->srcdir && n->parent != n) {
		if (dc->dir != n->parent) {
			erofs_dircache_drop(dc);
			path = erofs_node_source_path(t, n->parent);
			if (!path)
				return -ENOMEM;
			dc->dir = n->parent;
			dc->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
			free(path);
		}
		if (dc->fd >= 0) {
			char name[EROFS_NAME_LEN + 1];

			memcpy(name, n->dname, n->dnamelen);
			name[n->dnamelen] = '\0';
			fd = openat(dc->fd, name, flags);
			return fd < 0 ? -errno : fd;
		}
		/* the directory cannot be opened: the whole path says why */
	}
	path = erofs_node_source_path(t, n);
	if (!path)
		return -ENOMEM;
	fd = open(path, flags);
	free(path);
	return fd < 0 ? -errno : fd;
}

int erofs_src_open_reported(struct erofs_builder *b, const struct erofs_node *n)
{
	int fd = erofs_src_open(b->tree, n, &b->dc);

	return fd < 0 ? erofs_src_error(b, n, fd) : fd;
}

/*
 * A file that grew since the scan would lose its new bytes silently.  The
 * staging file of a tarball holds other files' bytes after this one's.
 */
bool erofs_src_grew(int fd, const struct erofs_node *n)
{
	char probe;

	return !n->src.staged && pread(fd, &probe, 1, n->src.offset + n->size) > 0;
}

/* The image's own errors are reported by the builder, without a source path. */
int erofs_src_error(struct erofs_builder *b, const struct erofs_node *n, int err)
{
	char *path;

	if (b->bm.write_failed || b->reported)
		return err;
	path = erofs_node_source_path(b->tree, n);
	if (err == -ESTALE)
		erofs_err("%s: file changed size during the build", path);
	else if (err == -ENOMEM || !path)
		erofs_err("out of memory");
	else
		erofs_err("%s: %s", path, strerror(-err));
	free(path);
	b->reported = true;
	return err;
}

/* Read exactly @len bytes, @off on: 0, -ESTALE if the file is shorter, or -errno. */
static int read_full(int fd, const struct erofs_node *n, uint8_t *buf,
		     uint64_t off, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t r = pread(fd, buf + got, len - got,
				  n->src.offset + off + got);

		if (r < 0 && errno != EINTR)
			return -errno;
		if (r == 0)
			return -ESTALE;
		if (r > 0)
			got += r;
	}
	return 0;
}

int erofs_src_read(int fd, const struct erofs_node *n, unsigned int holebits,
		   uint8_t *buf, uint64_t off, size_t len)
{
	const uint64_t hole = 1ull << holebits;

	if (!n->src.holes)
		return read_full(fd, n, buf, off, len);
	/* the chunks the scan found all holes read as zeros, unread */
	for (uint64_t pos = off, end = off + len; pos < end;) {
		uint64_t c = pos >> holebits;
		size_t piece = EROFS_MIN((c + 1) * hole, end) - pos;
		int err = 0;

		if (n->src.holes[c >> 3] & (1 << (c & 7)))
			memset(buf + (pos - off), 0, piece);
		else
			err = read_full(fd, n, buf + (pos - off), pos, piece);
		if (err)
			return err;
		pos += piece;
	}
	return 0;
}
