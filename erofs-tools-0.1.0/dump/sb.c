// SPDX-License-Identifier: MIT
/* -s: the superblock as the library decoded it, every feature by name. */
#include <stdio.h>
#include <time.h>
#include "erofs_fs.h"
#include "erofs/decompress.h"
#include "dump.h"

void dump_format_time(char *buf, size_t len, uint64_t sec, uint32_t nsec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	size_t n;

	if ((uint64_t)t != sec || !gmtime_r(&t, &tm)) {
		snprintf(buf, len, "%llu.%09u", (unsigned long long)sec, nsec);
		return;
	}
	n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09u UTC", nsec);
}

static void dump_feature(const char *name, bool incompat, void *arg)
{
	(void)incompat;
	if (arg)
		erofs_json_str(arg, NULL, name);
	else
		printf(" %s", name);
}

static const char *dump_checksum_state(const struct erofs_sb_info *sbi)
{
	if (!(sbi->feature_compat & EROFS_FEATURE_COMPAT_SB_CHKSUM))
		return "not used";
	return sbi->checksum_verified ? "verified" : "not verified";
}

/* A device's tag as text: up to its NUL, unprintable bytes as '?'. */
static void dump_device_tag(const struct erofs_device *dev, char *buf)
{
	size_t i;

	for (i = 0; i < sizeof(dev->tag) && dev->tag[i]; i++)
		buf[i] = dev->tag[i] >= 0x20 && dev->tag[i] < 0x7f ?
			 dev->tag[i] : '?';
	buf[i] = '\0';
}

static const char *dump_device_state(const struct erofs_device *dev)
{
	if (!dev->io)
		return "missing";
	return dev->in_image ? "in the image file" : "from --device";
}

static void dump_devices_json(const struct erofs_sb_info *sbi,
			      struct erofs_json *j)
{
	char tag[65];

	erofs_json_array(j, "devices");
	for (unsigned int i = 0; i < sbi->extra_devices; i++) {
		const struct erofs_device *dev = &sbi->devs[i];

		dump_device_tag(dev, tag);
		erofs_json_object(j, NULL);
		erofs_json_u64(j, "id", i + 1);
		erofs_json_str(j, "tag", tag);
		erofs_json_u64(j, "blocks", dev->blocks);
		erofs_json_u64(j, "mapped_blkaddr", dev->mapped_blkaddr);
		erofs_json_str(j, "state", dump_device_state(dev));
		erofs_json_end(j);
	}
	erofs_json_end(j);
}

static void dump_devices(const struct erofs_sb_info *sbi)
{
	char tag[65];

	printf("Extra devices:          %u\n", sbi->extra_devices);
	for (unsigned int i = 0; i < sbi->extra_devices; i++) {
		const struct erofs_device *dev = &sbi->devs[i];

		dump_device_tag(dev, tag);
		printf("Device %-5u            tag \"%s\" blocks %llu mapped_blkaddr %llu (%s)\n",
		       i + 1, tag, (unsigned long long)dev->blocks,
		       (unsigned long long)dev->mapped_blkaddr,
		       dump_device_state(dev));
	}
}

/* What the configuration record of @alg says, for -s: 0 when nothing. */
static uint64_t dump_alg_figure(const struct erofs_sb_info *sbi,
				unsigned int alg, const char **what)
{
	switch (alg) {
	case Z_EROFS_COMPRESSION_LZ4:
		*what = "max_pcluster_blocks";
		return sbi->lz4_max_pclusterblks;
	case Z_EROFS_COMPRESSION_LZMA:
		*what = "dict_size";
		return sbi->lzma_dict_size;
	case Z_EROFS_COMPRESSION_DEFLATE:
		*what = "window_bits";
		return sbi->deflate_windowbits;
	case Z_EROFS_COMPRESSION_ZSTD:
		*what = "window_size";
		return sbi->zstd_window;
	}
	return 0;
}

/* The algorithms the superblock lists, each with its record's figure. */
static void dump_algorithms(const struct erofs_sb_info *sbi,
			    struct erofs_json *j)
{
	const char *what = NULL;
	bool first = true;
	uint64_t v;

	if (!erofs_sb_has_compression(sbi))
		return;
	if (j)
		erofs_json_array(j, "compression");
	else
		printf("Compression:            ");
	for (unsigned int alg = 0; alg < Z_EROFS_COMPRESSION_MAX; alg++) {
		if (!(sbi->available_compr_algs & (1u << alg)))
			continue;
		v = dump_alg_figure(sbi, alg, &what);
		if (j) {
			erofs_json_object(j, NULL);
			erofs_json_str(j, "algorithm", z_erofs_algorithm_name(alg));
			erofs_json_u64(j, what, v);
			erofs_json_end(j);
		} else {
			printf("%s%s (%s %llu)", first ? "" : ", ",
			       z_erofs_algorithm_name(alg), what,
			       (unsigned long long)v);
		}
		first = false;
	}
	if (j)
		erofs_json_end(j);
	else
		printf("\n");
}

static int dump_superblock_json(struct erofs_sb_info *sbi, struct erofs_json *j)
{
	char uuid[40];
	int i, n = 0;

	for (i = 0; i < 16; i++)
		n += snprintf(uuid + n, sizeof(uuid) - n, "%02x%s", sbi->uuid[i],
			      (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
	erofs_json_object(j, "superblock");
	erofs_json_u64(j, "magic", EROFS_SUPER_MAGIC_V1);
	erofs_json_u64(j, "block_size", sbi->blksz);
	erofs_json_u64(j, "blocks", sbi->blocks);
	erofs_json_u64(j, "inode_count", sbi->inos);
	erofs_json_u64(j, "root_nid", sbi->root_nid);
	if (sbi->packed_nid)
		erofs_json_u64(j, "packed_nid", sbi->packed_nid);
	else
		erofs_json_null(j, "packed_nid");
	erofs_json_u64(j, "meta_start_block", sbi->meta_blkaddr);
	erofs_json_u64(j, "xattr_start_block", sbi->xattr_blkaddr);
	if (sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_METABOX) {
		erofs_json_u64(j, "metabox_nid", sbi->metabox_nid);
		erofs_json_u64(j, "metabox_bytes",
			       sbi->mbox_io ? sbi->mbox_io->size : 0);
	}
	erofs_json_u64(j, "build_time", sbi->epoch + sbi->build_time);
	erofs_json_u64(j, "epoch", sbi->epoch);
	erofs_json_u64(j, "build_time_nsec", sbi->fixed_nsec);
	erofs_json_str(j, "uuid", uuid);
	erofs_json_str(j, "label", sbi->volume_name);
	erofs_json_u64(j, "checksum", sbi->checksum);
	erofs_json_str(j, "checksum_state", dump_checksum_state(sbi));
	erofs_json_array(j, "features");
	erofs_sb_for_each_feature(sbi, dump_feature, j);
	erofs_json_end(j);
	erofs_json_u64(j, "extra_devices", sbi->extra_devices);
	dump_devices_json(sbi, j);
	dump_algorithms(sbi, j);
	erofs_json_end(j);
	return 0;
}

int dump_superblock(struct erofs_sb_info *sbi, struct erofs_json *j)
{
	char when[64];
	int i;

	if (j)
		return dump_superblock_json(sbi, j);

	/* build_time counts from the epoch (0 on images that predate it) */
	dump_format_time(when, sizeof(when), sbi->epoch + sbi->build_time,
			 sbi->fixed_nsec);
	printf("Magic:                  0x%08X\n", EROFS_SUPER_MAGIC_V1);
	printf("Block size:             %u\n", sbi->blksz);
	printf("Blocks:                 %llu\n", (unsigned long long)sbi->blocks);
	printf("Inode count:            %llu\n", (unsigned long long)sbi->inos);
	printf("Root nid:               %llu\n",
	       (unsigned long long)sbi->root_nid);
	if (sbi->packed_nid)
		printf("Packed nid:             %llu\n",
		       (unsigned long long)sbi->packed_nid);
	else
		printf("Packed nid:             none\n");
	printf("Meta start block:       %u\n", sbi->meta_blkaddr);
	printf("Xattr start block:      %u\n", sbi->xattr_blkaddr);
	if (sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_METABOX)
		printf("Metabox nid:            %llu (%llu bytes decoded)\n",
		       (unsigned long long)sbi->metabox_nid,
		       (unsigned long long)(sbi->mbox_io ? sbi->mbox_io->size : 0));
	printf("Build time:             %s (%llu)\n", when,
	       (unsigned long long)(sbi->epoch + sbi->build_time));
	if (sbi->build_time)
		printf("Epoch:                  %lld (compact inode times count from it)\n",
		       (long long)sbi->epoch);
	printf("UUID:                   ");
	for (i = 0; i < 16; i++)
		printf("%02x%s", sbi->uuid[i],
		       (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
	printf("\n");
	printf("Label:                  %s\n", sbi->volume_name);
	printf("Checksum:               0x%08x (%s)\n", sbi->checksum,
	       dump_checksum_state(sbi));
	printf("Features:              ");
	erofs_sb_for_each_feature(sbi, dump_feature, NULL);
	printf("\n");
	dump_devices(sbi);
	dump_algorithms(sbi, NULL);
	return 0;
}
