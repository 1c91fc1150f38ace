// SPDX-License-Identifier: MIT
/*
 * Lookups.  A linear scan rather than the kernel's binary search: it costs
 * little in userspace and still finds names in a wrongly sorted directory,
 * which fsck reports separately.
 */
#include <string.h>
#include <sys/stat.h>
#include "erofs_fs.h"
#include "erofs/dir.h"
#include "erofs/namei.h"

struct erofs_lookup_ctx {
	const char *name;
	size_t len;
	erofs_nid_t nid;
	unsigned int ftype;
};

static int erofs_lookup_cb(const struct erofs_dir_entry *de, void *arg)
{
	struct erofs_lookup_ctx *ctx = arg;

	if (de->namelen != ctx->len || memcmp(de->name, ctx->name, ctx->len))
		return 0;
	ctx->nid = de->nid;
	ctx->ftype = de->file_type;
	return 1;
}

int erofs_lookup(struct erofs_inode *dir, const char *name, size_t len,
		 erofs_nid_t *nid, unsigned int *ftype)
{
	struct erofs_lookup_ctx ctx = { .name = name, .len = len };
	int ret;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (!len || len > EROFS_NAME_LEN)
		return -ENOENT;
	ret = erofs_iterate_dir(dir, erofs_lookup_cb, &ctx);
	if (ret < 0)
		return ret;
	if (!ret)
		return -ENOENT;
	*nid = ctx.nid;
	if (ftype)
		*ftype = ctx.ftype;
	return 0;
}

int erofs_namei(struct erofs_sb_info *sbi, const char *path, erofs_nid_t *nid)
{
	erofs_nid_t cur = sbi->root_nid;
	struct erofs_inode dir;
	int err;

	while (*path) {
		const char *end;
		size_t len;

		while (*path == '/')
			path++;
		if (!*path)
			break;
		end = strchrnul(path, '/');
		len = end - path;
		if (len > EROFS_NAME_LEN)
			return -ENAMETOOLONG;
		err = erofs_read_inode(sbi, cur, &dir);
		if (err)
			return err;
		err = erofs_lookup(&dir, path, len, &cur, NULL);
		if (err)
			return err;
		path = end;
	}
	*nid = cur;
	return 0;
}
