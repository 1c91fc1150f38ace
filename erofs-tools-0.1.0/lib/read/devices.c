// SPDX-License-Identifier: MIT
/*
 * Extra devices (DEVICE_TABLE): the table of slots the superblock points
 * at, and the files behind them.  Chunk indexes name a device by id; the
 * map bounds every address by what the device's slot says and iter.c
 * reads through erofs_sb_device_io(), so nothing else knows there is more
 * than one file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "erofs_fs.h"
#include "erofs/print.h"
#include "erofs/sb.h"

/* Smallest 2^n - 1 that covers @n: the kernel masks device ids by it. */
static uint16_t erofs_device_mask(unsigned int n)
{
	unsigned int m = 1;

	while (m < n + 1)
		m <<= 1;
	return m - 1;
}

int erofs_sb_read_device_table(struct erofs_sb_info *sbi, uint16_t count,
			       uint16_t slotoff)
{
	const erofs_off_t image = erofs_sb_image_bytes(sbi);
	erofs_off_t pos = (erofs_off_t)slotoff * EROFS_DEVT_SLOT_SIZE;
	bool wide = sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_48BIT;
	unsigned int i;

	if (!count)
		return 0;
	/* the kernel reads the slots wherever they are: only bound them */
	if (pos + (erofs_off_t)count * EROFS_DEVT_SLOT_SIZE > image) {
		erofs_err("superblock: device table of %u slots at offset %llu runs past the end of the %llu-byte image (offset %zu)",
			  count, (unsigned long long)pos,
			  (unsigned long long)image, EROFS_SUPER_OFFSET +
			  offsetof(struct erofs_super_block, devt_slotoff));
		return -EFSCORRUPTED;
	}
	sbi->devs = calloc(count, sizeof(*sbi->devs));
	if (!sbi->devs)
		return -ENOMEM;
	sbi->extra_devices = count;
	sbi->device_id_mask = erofs_device_mask(count);
	for (i = 0; i < count; i++, pos += EROFS_DEVT_SLOT_SIZE) {
		struct erofs_device *dev = &sbi->devs[i];
		struct erofs_deviceslot ds;
		int err;

		err = erofs_io_read(sbi->io, &ds, sizeof(ds), pos);
		if (err)
			return err == -EIO ? -EFSCORRUPTED : err;
		memcpy(dev->tag, ds.tag, sizeof(dev->tag));
		dev->blocks = erofs_le32(ds.blocks_lo);
		dev->mapped_blkaddr = erofs_le32(ds.mapped_blkaddr_lo);
		if (wide) {
			dev->blocks |= (uint64_t)erofs_le16(ds.blocks_hi) << 32;
			dev->mapped_blkaddr |=
				(uint64_t)erofs_le16(ds.mapped_blkaddr_hi) << 32;
		}
		dev->slot_pos = pos;
	}
	return 0;
}

static const char *erofs_device_name(const struct erofs_device *dev,
				     unsigned int id, char *buf, size_t len)
{
	char tag[sizeof(dev->tag) + 1];
	size_t i;

	for (i = 0; i < sizeof(dev->tag) && dev->tag[i]; i++)
		tag[i] = dev->tag[i] >= 0x20 && dev->tag[i] < 0x7f ?
			 dev->tag[i] : '?';
	tag[i] = '\0';
	snprintf(buf, len, "device %u%s%s%s (%llu blocks)", id,
		 *tag ? " \"" : "", tag, *tag ? "\"" : "",
		 (unsigned long long)dev->blocks);
	return buf;
}

const char *erofs_sb_device_name(const struct erofs_sb_info *sbi,
				 unsigned int id, char *buf, size_t len)
{
	if (!id || id > sbi->extra_devices) {
		snprintf(buf, len, "device %u", id);
		return buf;
	}
	return erofs_device_name(&sbi->devs[id - 1], id, buf, len);
}

/* With no --device: the kernel reads device k at its mapped_blkaddr. */
static void erofs_devices_in_image(struct erofs_sb_info *sbi)
{
	for (unsigned int i = 0; i < sbi->extra_devices; i++) {
		struct erofs_device *dev = &sbi->devs[i];
		erofs_off_t start = dev->mapped_blkaddr << sbi->blkszbits;

		if (!dev->mapped_blkaddr ||
		    dev->mapped_blkaddr >= (UINT64_MAX >> sbi->blkszbits) ||
		    start > sbi->io->size ||
		    dev->blocks > EROFS_DIV_ROUND_UP(sbi->io->size - start,
						     sbi->blksz))
			continue;
		dev->io = sbi->io;
		dev->base = start;
		dev->in_image = true;
	}
}

int erofs_sb_open_devices(struct erofs_sb_info *sbi, const char *const *paths,
			  unsigned int n)
{
	char name[128];
	unsigned int i;
	int err;

	if (!n) {
		erofs_devices_in_image(sbi);
		return 0;
	}
	if (n != sbi->extra_devices) {
		erofs_err("%u --device given, the image has %u extra devices",
			  n, sbi->extra_devices);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		struct erofs_device *dev = &sbi->devs[i];
		struct erofs_io *io = malloc(sizeof(*io));

		if (!io)
			return -ENOMEM;
		err = erofs_io_open_ro(io, paths[i], 0);
		if (err) {
			free(io);
			erofs_err("%s: cannot open %s: %s", paths[i],
				  erofs_device_name(dev, i + 1, name,
						    sizeof(name)),
				  strerror(-err));
			return err;
		}
		dev->io = io;
		dev->own_io = true;
		/* a last block cut short reads up to the end of the file */
		if (dev->blocks > EROFS_DIV_ROUND_UP(io->size, sbi->blksz)) {
			erofs_err("superblock: %s: slot claims %llu bytes, %s holds %llu (slot at offset %llu)",
				  erofs_device_name(dev, i + 1, name,
						    sizeof(name)),
				  (unsigned long long)(dev->blocks <<
						       sbi->blkszbits),
				  paths[i], (unsigned long long)io->size,
				  (unsigned long long)dev->slot_pos);
			return -EFSCORRUPTED;
		}
	}
	return 0;
}

unsigned int erofs_sb_missing_device(const struct erofs_sb_info *sbi)
{
	/* a device of no blocks holds nothing to read */
	for (unsigned int i = 0; i < sbi->extra_devices; i++)
		if (!sbi->devs[i].io && sbi->devs[i].blocks)
			return i + 1;
	return 0;
}

struct erofs_io *erofs_sb_device_io(const struct erofs_sb_info *sbi,
				    unsigned int id, erofs_off_t pos,
				    erofs_off_t *at)
{
	const struct erofs_device *dev;

	if (!id) {
		*at = pos;
		return sbi->io;
	}
	if (id > sbi->extra_devices)
		return NULL;
	dev = &sbi->devs[id - 1];
	*at = dev->base + pos;
	return dev->io;
}

erofs_off_t erofs_sb_device_bytes(const struct erofs_sb_info *sbi,
				  unsigned int id)
{
	const struct erofs_device *dev;
	erofs_off_t bytes;

	if (!id)
		return erofs_sb_image_bytes(sbi);
	if (id > sbi->extra_devices)
		return 0;
	dev = &sbi->devs[id - 1];
	bytes = dev->blocks > UINT64_MAX >> sbi->blkszbits ? UINT64_MAX :
		dev->blocks << sbi->blkszbits;
	/* what the slot says, but never past the end of the file */
	if (dev->io && bytes > dev->io->size - dev->base)
		bytes = dev->io->size - dev->base;
	return bytes;
}

unsigned int erofs_sb_flat_device(const struct erofs_sb_info *sbi,
				  uint64_t *blk, uint64_t *left)
{
	for (unsigned int i = 0; i < sbi->extra_devices; i++) {
		const struct erofs_device *dev = &sbi->devs[i];

		if (dev->mapped_blkaddr && *blk >= dev->mapped_blkaddr &&
		    *blk - dev->mapped_blkaddr < dev->blocks) {
			*blk -= dev->mapped_blkaddr;
			*left = dev->blocks - *blk;
			return i + 1;
		}
	}
	return 0;
}

void erofs_sb_close_devices(struct erofs_sb_info *sbi)
{
	for (unsigned int i = 0; sbi->devs && i < sbi->extra_devices; i++) {
		struct erofs_device *dev = &sbi->devs[i];

		if (dev->own_io) {
			erofs_io_close(dev->io);
			free(dev->io);
		}
	}
	free(sbi->devs);
	sbi->devs = NULL;
}
