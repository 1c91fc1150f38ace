// SPDX-License-Identifier: MIT
/* --nid / --path: one inode, decoded by the library, formatted here. */
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "erofs_fs.h"
#include "erofs/data.h"
#include "erofs/iter.h"
#include "erofs/decompress.h"
#include "dump.h"

const char *dump_ftype_name(unsigned int ftype)
{
	static const char *const names[] = {
		[EROFS_FT_UNKNOWN] = "unknown",
		[EROFS_FT_REG_FILE] = "regular file",
		[EROFS_FT_DIR] = "directory",
		[EROFS_FT_CHRDEV] = "character device",
		[EROFS_FT_BLKDEV] = "block device",
		[EROFS_FT_FIFO] = "fifo",
		[EROFS_FT_SOCK] = "socket",
		[EROFS_FT_SYMLINK] = "symlink",
	};

	return ftype < EROFS_ARRAY_SIZE(names) ? names[ftype] : "unknown";
}

void dump_mode_string(mode_t mode, char *s)
{
	static const char types[] = "?-dcbpsl";
	const char *rwx = "rwxrwxrwx";
	int i;

	s[0] = types[erofs_mode_to_ftype(mode)];
	for (i = 0; i < 9; i++)
		s[i + 1] = (mode & (0400 >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		s[3] = (mode & S_IXUSR) ? 's' : 'S';
	if (mode & S_ISGID)
		s[6] = (mode & S_IXGRP) ? 's' : 'S';
	if (mode & S_ISVTX)
		s[9] = (mode & S_IXOTH) ? 't' : 'T';
	s[10] = '\0';
}

/* Where the data of @vi lives, in one line. */
static int dump_data_location(struct erofs_inode *vi)
{
	struct erofs_sb_info *sbi = vi->sbi;
	uint64_t nblocks;

	if (S_ISCHR(vi->mode) || S_ISBLK(vi->mode)) {
		printf("Device:                 %u:%u\n", major(vi->rdev),
		       minor(vi->rdev));
		return 0;
	}
	if (!S_ISREG(vi->mode) && !S_ISDIR(vi->mode) && !S_ISLNK(vi->mode))
		return 0;
	switch (vi->datalayout) {
	case EROFS_INODE_FLAT_PLAIN:
	case EROFS_INODE_FLAT_INLINE:
		nblocks = EROFS_DIV_ROUND_UP(vi->size, sbi->blksz);
		if (vi->datalayout == EROFS_INODE_FLAT_INLINE && nblocks)
			nblocks--;
		if (nblocks && vi->raw_blkaddr == EROFS_NULL_BLKADDR)
			printf("Data blocks:            none (reads as zeros)\n");
		else if (nblocks)
			printf("Data blocks:            %llu..%llu (offset %llu)\n",
			       (unsigned long long)vi->raw_blkaddr,
			       (unsigned long long)(vi->raw_blkaddr + nblocks - 1),
			       (unsigned long long)erofs_blk_pos(sbi, vi->raw_blkaddr));
		if (vi->datalayout == EROFS_INODE_FLAT_INLINE && vi->size)
			printf("Inline tail:            %llu bytes at offset %llu\n",
			       (unsigned long long)(vi->size -
						    nblocks * sbi->blksz),
			       (unsigned long long)erofs_inode_idata_pos(vi));
		break;
	case EROFS_INODE_CHUNK_BASED:
		printf("Chunk map:              %s, %llu-byte chunks, at offset %llu\n",
		       (vi->chunkformat & EROFS_CHUNK_FORMAT_INDEXES) ?
		       "8-byte indexes" : "4-byte block map",
		       1ull << vi->chunkbits,
		       (unsigned long long)EROFS_ROUND_UP(erofs_inode_idata_pos(vi),
			(vi->chunkformat & EROFS_CHUNK_FORMAT_INDEXES) ? 8 : 4));
		break;
	default: {
		int err = z_erofs_init_inode(vi);

		if (err)
			return err;
		if (vi->z_extents) {
			printf("Compressed:             %llu blocks, %u-byte extent records%s at offset %llu\n",
			       (unsigned long long)vi->raw_blkaddr, vi->z_recsz,
			       vi->z_recsz >= 16 ? "" : " (one per lcluster)",
			       (unsigned long long)vi->z_recpos);
			break;
		}
		printf("Compressed:             %llu blocks, %s indexes, %s%s%s%s\n",
		       (unsigned long long)vi->raw_blkaddr,
		       vi->datalayout == EROFS_INODE_COMPRESSED_FULL ?
		       "full" : "compacted",
		       z_erofs_algorithm_name(vi->z_algorithmtype[0]),
		       (vi->z_advise & (Z_EROFS_ADVISE_BIG_PCLUSTER_1 |
					Z_EROFS_ADVISE_BIG_PCLUSTER_2)) ?
		       ", big pclusters" : "",
		       vi->z_idata_size ? ", tail pcluster inline" : "",
		       (vi->z_advise & Z_EROFS_ADVISE_COMPACTED_2B) ?
		       ", 2-byte packs" : "");
		if (vi->z_advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER)
			printf("Fragment:               %s at offset %llu of the packed inode\n",
			       vi->z_tailextent_headlcn ? "tail" : "whole file",
			       (unsigned long long)vi->z_fragmentoff);
		if (vi->z_advise & Z_EROFS_ADVISE_INTERLACED_PCLUSTER)
			printf("Plain pclusters:        interlaced\n");
		break;
	}
	}
	return 0;
}

static int dump_inode_json(struct erofs_inode *vi, const char *path,
			   struct erofs_json *j)
{
	char mode[12], target[EROFS_SYMLINK_MAX + 1];
	ssize_t n;
	int err;

	dump_mode_string(vi->mode, mode);
	erofs_json_object(j, "inode");
	if (path)
		erofs_json_str(j, "path", path);
	erofs_json_u64(j, "nid", vi->nid);
	erofs_json_str(j, "type", dump_ftype_name(erofs_mode_to_ftype(vi->mode)));
	erofs_json_u64(j, "mode", vi->mode & 07777);
	erofs_json_str(j, "mode_string", mode);
	erofs_json_u64(j, "uid", vi->uid);
	erofs_json_u64(j, "gid", vi->gid);
	erofs_json_u64(j, "size", vi->size);
	erofs_json_u64(j, "links", vi->nlink);
	erofs_json_u64(j, "mtime", vi->mtime);
	erofs_json_u64(j, "mtime_nsec", vi->mtime_nsec);
	erofs_json_str(j, "inode_format", vi->extended ? "extended" : "compact");
	erofs_json_u64(j, "inode_size", vi->inode_isize);
	erofs_json_u64(j, "inode_offset", vi->iloc);
	erofs_json_str(j, "layout", erofs_layout_name(vi->datalayout));
	erofs_json_u64(j, "layout_id", vi->datalayout);
	if (S_ISCHR(vi->mode) || S_ISBLK(vi->mode)) {
		erofs_json_u64(j, "rdev_major", major(vi->rdev));
		erofs_json_u64(j, "rdev_minor", minor(vi->rdev));
	}
	if (S_ISLNK(vi->mode)) {
		n = erofs_read_symlink(vi, target, sizeof(target));
		if (n < 0)
			return n;
		erofs_json_strn(j, "target", target, n);
	}
	err = dump_xattrs(vi, j);
	erofs_json_end(j);
	return err;
}

int dump_inode_info(struct erofs_inode *vi, const char *path,
		    struct erofs_json *j)
{
	char mode[12], when[64], target[EROFS_SYMLINK_MAX + 1];
	ssize_t n;

	if (j)
		return dump_inode_json(vi, path, j);
	dump_mode_string(vi->mode, mode);
	dump_format_time(when, sizeof(when), vi->mtime, vi->mtime_nsec);
	if (path)
		printf("Path:                   %s\n", path);
	printf("NID:                    %llu\n", (unsigned long long)vi->nid);
	printf("Type:                   %s\n",
	       dump_ftype_name(erofs_mode_to_ftype(vi->mode)));
	printf("Mode:                   %04o (%s)\n",
	       (unsigned int)(vi->mode & 07777), mode);
	printf("Uid / Gid:              %u / %u\n", vi->uid, vi->gid);
	printf("Size:                   %llu\n", (unsigned long long)vi->size);
	printf("Links:                  %u\n", vi->nlink);
	printf("Mtime:                  %s\n", when);
	printf("Inode:                  %s, %u bytes at offset %llu%s\n",
	       vi->extended ? "extended" : "compact", vi->inode_isize,
	       (unsigned long long)vi->iloc,
	       erofs_nid_in_metabox(vi->nid) ? " of the metabox" : "");
	printf("Layout:                 %s (%u)\n",
	       erofs_layout_name(vi->datalayout), vi->datalayout);
	dump_data_location(vi);
	if (S_ISLNK(vi->mode)) {
		n = erofs_read_symlink(vi, target, sizeof(target));
		if (n < 0)
			return n;
		printf("Target:                 %s\n", target);
	}
	return dump_xattrs(vi, NULL);
}
