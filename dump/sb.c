// SPDX-License-Identifier: MIT
/* -s: the superblock as the library decoded it, every feature by name. */
#include <stdio.h>
#include <string.h>
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

/* erofs-utils' label, padded to its column. */
#define SB_LINE(label)	printf("%-46s", "Filesystem " label ":")

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

	SB_LINE("extra devices");
	printf("%u\n", sbi->extra_devices);
	for (unsigned int i = 0; i < sbi->extra_devices; i++) {
		const struct erofs_device *dev = &sbi->devs[i];

		dump_device_tag(dev, tag);
		printf("Filesystem device %-28u tag \"%s\" blocks %llu mapped_blkaddr %llu (%s)\n",
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
		SB_LINE("compression");
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

/* erofs-utils' names, where they differ from ours, for its feature lines */
static const char *dump_feature_eu_name(const char *name)
{
	return !strcmp(name, "0padding") ? "lz4_0padding" : name;
}

/* The first upstream kernel that reads each feature, as 100 * x + y. */
static const struct { const char *name; unsigned int kver; } dump_kvers[] = {
	{ "0padding", 504 }, { "compr_cfgs", 513 }, { "big_pcluster", 513 },
	{ "chunked_file", 515 }, { "device_table", 516 },
	{ "ztailpacking", 517 }, { "fragments", 601 }, { "dedupe", 601 },
	{ "xattr_prefixes", 604 }, { "48bit", 615 }, { "metabox", 617 },
};

struct dump_feature_walk {
	bool incompat;		/* the line being printed */
	unsigned int kver;	/* the newest kernel a feature printed needs */
};

static void dump_feature_line(const char *name, bool incompat, void *arg)
{
	struct dump_feature_walk *w = arg;

	/* compr_head2 shares device_table's bit: erofs-utils shows the latter */
	if (incompat != w->incompat || !strcmp(name, "compr_head2"))
		return;
	printf("%s ", dump_feature_eu_name(name));
	for (size_t i = 0; i < EROFS_ARRAY_SIZE(dump_kvers); i++)
		if (!strcmp(name, dump_kvers[i].name))
			w->kver = EROFS_MAX(w->kver, dump_kvers[i].kver);
}

/*
 * The text form: erofs-utils 1.9.3's lines first, with its labels, which
 * scripts parse ("Filesystem UUID:"), then what only we show.  --json is
 * the stable interface.
 */
int dump_superblock(struct erofs_sb_info *sbi, struct erofs_json *j)
{
	time_t created = (time_t)(sbi->epoch + sbi->build_time);
	char when[64], ctimebuf[64];
	struct dump_feature_walk w = { false, 0 };
	struct tm tm;
	int i;

	if (j)
		return dump_superblock_json(sbi, j);

	/* build_time counts from the epoch (0 on images that predate it) */
	dump_format_time(when, sizeof(when), sbi->epoch + sbi->build_time,
			 sbi->fixed_nsec);
	SB_LINE("magic number");
	printf("0x%04X\n", EROFS_SUPER_MAGIC_V1);
	SB_LINE("blocksize");
	printf("%u\n", sbi->blksz);
	SB_LINE("blocks");
	printf("%llu\n", (unsigned long long)sbi->blocks);
	SB_LINE("inode metadata start block");
	printf("%u\n", sbi->meta_blkaddr);
	SB_LINE("shared xattr metadata start block");
	printf("%u\n", sbi->xattr_blkaddr);
	SB_LINE("root nid");
	printf("%llu\n", (unsigned long long)sbi->root_nid);
	if (sbi->packed_nid) {
		SB_LINE("packed nid");
		printf("%llu\n", (unsigned long long)sbi->packed_nid);
	}
	if (sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_METABOX) {
		SB_LINE("metabox nid");
		printf("%llu (%llu bytes decoded)\n",
		       (unsigned long long)sbi->metabox_nid,
		       (unsigned long long)(sbi->mbox_io ? sbi->mbox_io->size : 0));
	}
	if (sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_COMPR_CFGS) {
		bool first = true;

		SB_LINE("compr_algs");
		for (unsigned int alg = 0; alg < Z_EROFS_COMPRESSION_MAX; alg++) {
			if (!(sbi->available_compr_algs & (1u << alg)))
				continue;
			printf("%s%s", first ? "" : ", ", z_erofs_algorithm_name(alg));
			first = false;
		}
		printf("\n");
	} else {
		SB_LINE("lz4_max_distance");
		printf("%u\n", sbi->lz4_max_distance);
	}
	SB_LINE("sb_size");
	printf("%u\n", sbi->sb_size);
	SB_LINE("inode count");
	printf("%llu\n", (unsigned long long)sbi->inos);
	SB_LINE("created");
	if (localtime_r(&created, &tm) && asctime_r(&tm, ctimebuf))
		printf("%s", ctimebuf);
	else
		printf("%s\n", when);
	SB_LINE("compatible features");
	erofs_sb_for_each_feature(sbi, dump_feature_line, &w);
	printf("\n");
	SB_LINE("incompatible features");
	w.incompat = true;
	erofs_sb_for_each_feature(sbi, dump_feature_line, &w);
	printf("\n");
	SB_LINE("UUID");
	for (i = 0; i < 16; i++)
		printf("%02x%s", sbi->uuid[i],
		       (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
	printf("\n");
	if (sbi->available_compr_algs & (1u << Z_EROFS_COMPRESSION_LZMA))
		w.kver = EROFS_MAX(w.kver, 516u);
	if (sbi->available_compr_algs & (1u << Z_EROFS_COMPRESSION_DEFLATE))
		w.kver = EROFS_MAX(w.kver, 606u);
	if (sbi->available_compr_algs & (1u << Z_EROFS_COMPRESSION_ZSTD))
		w.kver = EROFS_MAX(w.kver, 610u);
	if (w.kver)
		printf("%-46s%u.%u\n", "Required upstream Linux kernel version:",
		       w.kver / 100, w.kver % 100);
	/* ours */
	SB_LINE("build time");
	printf("%s (%llu)\n", when,
	       (unsigned long long)(sbi->epoch + sbi->build_time));
	if (sbi->build_time) {
		SB_LINE("epoch");
		printf("%lld (compact inode times count from it)\n",
		       (long long)sbi->epoch);
	}
	SB_LINE("label");
	printf("%s\n", sbi->volume_name);
	SB_LINE("checksum");
	printf("0x%08x (%s)\n", sbi->checksum, dump_checksum_state(sbi));
	/* each name comes with a space before it */
	printf("%-45s", "Filesystem features:");
	erofs_sb_for_each_feature(sbi, dump_feature, NULL);
	printf("\n");
	dump_devices(sbi);
	dump_algorithms(sbi, NULL);
	return 0;
}
