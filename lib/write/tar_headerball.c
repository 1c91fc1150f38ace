// SPDX-License-Identifier: MIT
/*
 * --tar=headerball: a tar stream whose regular files have their headers
 * but not their bytes (erofs-utils 1.9.3's meaning; every such file is
 * all zeros in the image).  libarchive reads it through this reader,
 * which passes headers and the records that have bytes (pax, GNU long
 * names) through and stands in for each file's missing bytes with zeros
 * it never has to make when libarchive skips them.
 */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/defs.h"
#include "tar_xattr.h"

#define HB_BLOCK	512
#define HB_BUF		65536

enum hb_state { HB_HEADER, HB_REAL, HB_ZERO, HB_END };

struct erofs_headerball {
	int fd;
	bool own_fd;			/* opened here: closed here */
	enum hb_state state;
	uint64_t left;			/* bytes of the current region */
	int64_t pax_size;		/* a pax "size" for the next entry, or -1 */
	bool pax;			/* the current region is a pax header's */
	char *paxbuf;			/* ... its records, gathered */
	size_t paxlen;
	uint8_t hdr[HB_BLOCK];
	uint8_t buf[HB_BUF];
};

static const uint8_t hb_zeros[HB_BUF];

/* Read exactly @len bytes unless the input ends: the count read, or -1. */
static ssize_t hb_read_full(int fd, void *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = read(fd, (char *)p + done, len - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (!r)
			break;
		done += r;
	}
	return done;
}

/* An octal or base-256 (GNU) number field; -1 if neither. */
static int64_t hb_number(const uint8_t *f, size_t len)
{
	int64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		for (i = 1; i < len; i++) {
			if (v >> 55)
				return -1;
			v = v << 8 | f[i];
		}
		return f[0] & 0x40 ? -1 : v;
	}
	while (i < len && f[i] == ' ')
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v << 3 | (f[i] - '0');
	}
	return v;
}

/* The "size" record of pax records @p (@len bytes), or -1. */
static int64_t hb_pax_size(const char *p, size_t len)
{
	int64_t size = -1;

	while (len) {
		char *end;
		unsigned long n = strtoul(p, &end, 10);

		if (!n || n > len || *end != ' ')
			break;
		if (!strncmp(end + 1, "size=", 5))
			size = strtoll(end + 6, NULL, 10);
		p += n;
		len -= n;
	}
	return size;
}

/* What follows the header just read: its own bytes, or stand-in zeros. */
static void hb_header(struct erofs_headerball *hb)
{
	const uint8_t type = hb->hdr[156];
	int64_t size = hb_number(hb->hdr + 124, 12);

	hb->pax = type == 'x';
	hb->paxlen = 0;
	if (type == '0' || type == '7' || type == '\0' || type == '1') {
		if (hb->pax_size >= 0)
			size = hb->pax_size;
		hb->state = HB_ZERO;
	} else {
		hb->state = HB_REAL;
	}
	if (type != 'x' && type != 'g')
		hb->pax_size = -1;
	hb->left = size > 0 ? EROFS_ROUND_UP((uint64_t)size, HB_BLOCK) : 0;
	if (!hb->left)
		hb->state = HB_HEADER;
}

static la_ssize_t hb_read(struct archive *a, void *data, const void **out)
{
	struct erofs_headerball *hb = data;
	ssize_t r = 0;

	switch (hb->state) {
	case HB_END:
		return 0;
	case HB_HEADER:
		r = hb_read_full(hb->fd, hb->hdr, HB_BLOCK);
		if (r < 0) {
			archive_set_error(a, errno, "read error");
			return -1;
		}
		if (r < HB_BLOCK) {
			/* the stream may end without the end-of-archive blocks */
			hb->state = HB_END;
			*out = hb_zeros;
			return 2 * HB_BLOCK;
		}
		if (memcmp(hb->hdr, hb_zeros, HB_BLOCK))
			hb_header(hb);
		*out = hb->hdr;
		return HB_BLOCK;
	case HB_ZERO:
		r = EROFS_MIN(hb->left, (uint64_t)HB_BUF);
		*out = hb_zeros;
		break;
	case HB_REAL:
		r = hb_read_full(hb->fd, hb->buf, EROFS_MIN(hb->left, (uint64_t)HB_BUF));
		if (r <= 0) {
			archive_set_error(a, r ? errno : EIO, "truncated archive");
			return -1;
		}
		if (hb->pax) {
			char *p = realloc(hb->paxbuf, hb->paxlen + r);

			if (!p) {
				archive_set_error(a, ENOMEM, "out of memory");
				return -1;
			}
			memcpy(p + hb->paxlen, hb->buf, r);
			hb->paxbuf = p;
			hb->paxlen += r;
		}
		*out = hb->buf;
		break;
	}
	hb->left -= r;
	if (!hb->left) {
		if (hb->pax)
			hb->pax_size = hb_pax_size(hb->paxbuf, hb->paxlen);
		hb->state = HB_HEADER;
	}
	return r;
}

/* Zeros skipped cost nothing; anything else is read. */
static la_int64_t hb_skip(struct archive *a, void *data, la_int64_t want)
{
	struct erofs_headerball *hb = data;
	uint64_t n;

	(void)a;
	if (hb->state != HB_ZERO || want <= 0)
		return 0;
	n = EROFS_MIN(hb->left, (uint64_t)want);
	hb->left -= n;
	if (!hb->left)
		hb->state = HB_HEADER;
	return n;
}

static int hb_close(struct archive *a, void *data)
{
	struct erofs_headerball *hb = data;

	(void)a;
	if (hb->own_fd)
		close(hb->fd);
	free(hb->paxbuf);
	free(hb);
	return ARCHIVE_OK;
}

int erofs_headerball_open(struct archive *a, const char *path)
{
	struct erofs_headerball *hb = calloc(1, sizeof(*hb));

	if (!hb)
		return ARCHIVE_FATAL;
	hb->fd = path ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (hb->fd < 0) {
		archive_set_error(a, errno, "cannot open: %s", strerror(errno));
		free(hb);
		return ARCHIVE_FATAL;
	}
	hb->own_fd = path;
	hb->pax_size = -1;
	archive_read_set_read_callback(a, hb_read);
	archive_read_set_skip_callback(a, hb_skip);
	archive_read_set_close_callback(a, hb_close);
	archive_read_set_callback_data(a, hb);
	return archive_read_open1(a);
}
