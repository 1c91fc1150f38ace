// SPDX-License-Identifier: MIT
/*
 * --compare=SRCDIR: an inode's extended attributes against those mkfs
 * would have stored for its source -- what llistxattr() shows there, less
 * the names EROFS cannot hold, with the --file-contexts label in place of
 * the source's own SELinux label, plus the overlayfs origin mark mkfs adds
 * to a directory holding a whiteout.  Both sides are sorted by name and
 * walked side by side.  --compare=IMAGE2 walks the attributes of the two
 * images' inodes the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include "erofs/print.h"
#include "erofs/selabel.h"
#include "erofs/xattr.h"
#include "erofs/xattr_write.h"
#include "compare.h"
#include "fsck.h"

#define XATTR_SELINUX	"security.selinux"

/* One attribute, copied out of the image or read from the source. */
struct cmp_xattr {
	char *name;
	void *value;
	size_t len;
};

struct cmp_xattrs {
	struct cmp_xattr *v;
	size_t n, cap;
};

static int cmp_xattrs_add(struct cmp_xattrs *xs, const char *name,
			  const void *value, size_t len)
{
	struct cmp_xattr *x;

	if (xs->n == xs->cap) {
		size_t cap = xs->cap ? xs->cap * 2 : 8;

		x = realloc(xs->v, cap * sizeof(*x));
		if (!x)
			return -ENOMEM;
		xs->v = x;
		xs->cap = cap;
	}
	x = &xs->v[xs->n];
	x->name = strdup(name);
	x->value = malloc(len ? len : 1);
	if (!x->name || !x->value) {
		free(x->name);
		free(x->value);
		return -ENOMEM;
	}
	memcpy(x->value, value, len);
	x->len = len;
	xs->n++;
	return 0;
}

static bool cmp_xattrs_has(const struct cmp_xattrs *xs, const char *name)
{
	for (size_t i = 0; i < xs->n; i++)
		if (!strcmp(xs->v[i].name, name))
			return true;
	return false;
}

static void cmp_xattrs_free(struct cmp_xattrs *xs)
{
	for (size_t i = 0; i < xs->n; i++) {
		free(xs->v[i].name);
		free(xs->v[i].value);
	}
	free(xs->v);
}

static int cmp_xattr_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cmp_xattr *)a)->name,
		      ((const struct cmp_xattr *)b)->name);
}

static int cmp_image_xattr(const struct erofs_xattr *x, void *arg)
{
	return cmp_xattrs_add(arg, x->name, x->value, x->value_len);
}

/* The attributes mkfs would have stored for the entry at @path. */
static int cmp_source_xattrs(struct fsck_ctx *ctx,
			     const struct fsck_cmp_labels *c,
			     const char *path, const char *rel,
			     const struct erofs_node *src,
			     struct cmp_xattrs *xs)
{
	char *list = NULL, *name, *val = NULL;
	ssize_t len, vlen;
	int err = 0;

	len = llistxattr(path, NULL, 0);
	if (len > 0) {
		list = malloc(len);
		if (!list)
			return -ENOMEM;
		len = llistxattr(path, list, len);
	}
	if (len < 0) {
		free(list);
		/* a source that cannot hold attributes gave mkfs none */
		return errno == ENOTSUP ? 0 : -errno;
	}
	for (name = list; !err && name < list + len; name += strlen(name) + 1) {
		size_t plen;
		unsigned int index = erofs_xattr_match_short(name, strlen(name),
							     &plen);

		/* mkfs leaves out names EROFS cannot store */
		if (!index || index == EROFS_XATTR_INDEX_LUSTRE)
			continue;
		if ((c->selabel || c->ignore_selinux) &&
		    !strcmp(name, XATTR_SELINUX))
			continue;	/* the file_contexts label replaces it */
		vlen = lgetxattr(path, name, NULL, 0);
		if (vlen < 0) {
			err = errno == ENODATA ? 0 : -errno;
			continue;
		}
		free(val);
		val = malloc(vlen ? vlen : 1);
		if (!val) {
			err = -ENOMEM;
			break;
		}
		vlen = lgetxattr(path, name, val, vlen);
		if (vlen < 0)
			err = -errno;
		else
			err = cmp_xattrs_add(xs, name, val, vlen);
	}
	free(val);
	free(list);
	if (!err && c->selabel) {
		const char *mp = ctx->opts->mount_point ?
				 ctx->opts->mount_point : "";
		size_t mplen = strlen(mp);
		char *lpath, *label = NULL;

		while (mplen && mp[mplen - 1] == '/')
			mplen--;
		lpath = malloc(mplen + strlen(rel) + 2);
		if (!lpath)
			return -ENOMEM;
		memcpy(lpath, mp, mplen);
		strcpy(lpath + mplen, rel);
		if (!lpath[0])
			strcpy(lpath, "/");
		err = erofs_selabel_lookup(c->selabel, lpath, src->mode, &label);
		if (!err)	/* stored with its NUL, as mkfs does */
			err = cmp_xattrs_add(xs, XATTR_SELINUX, label,
					     strlen(label) + 1);
		else if (err == -ENOENT)
			err = 0;
		free(label);
		free(lpath);
	}
	return err;
}

/*
 * Report what @want (found in @other) and @have (the image's) do not
 * share; with @ignore_selinux the image's label is not a difference.
 */
static void cmp_xattrs_diff(struct fsck_ctx *ctx, const char *other,
			    struct cmp_xattrs *want, struct cmp_xattrs *have,
			    bool ignore_selinux)
{
	size_t i = 0, k = 0;

	if (want->n)
		qsort(want->v, want->n, sizeof(*want->v), cmp_xattr_name_cmp);
	if (have->n)
		qsort(have->v, have->n, sizeof(*have->v), cmp_xattr_name_cmp);
	while (i < want->n || k < have->n) {
		const struct cmp_xattr *w = i < want->n ? &want->v[i] : NULL;
		const struct cmp_xattr *h = k < have->n ? &have->v[k] : NULL;
		int r = !w ? 1 : !h ? -1 : strcmp(w->name, h->name);

		if (r > 0 && ignore_selinux && !strcmp(h->name, XATTR_SELINUX)) {
			k++;
		} else if (r < 0) {
			fsck_differ(ctx, "xattr", "%s: not in the image",
				    w->name);
			i++;
		} else if (r > 0) {
			fsck_differ(ctx, "xattr", "%s: not in %s", h->name,
				    other);
			k++;
		} else {
			if (w->len != h->len || memcmp(w->value, h->value, w->len))
				fsck_differ(ctx, "xattr", "%s: value differs (%zu bytes in %s, %zu in the image)",
					    w->name, w->len, other, h->len);
			i++;
			k++;
		}
	}
}

void fsck_compare_xattrs(struct fsck_ctx *ctx, const struct fsck_cmp_labels *l,
			 struct erofs_inode *vi, const struct erofs_node *src,
			 const char *path, const char *rel)
{
	struct cmp_xattrs want = { 0 }, have = { 0 };
	int err;

	err = cmp_source_xattrs(ctx, l, path, rel, src, &want);
	if (!err && erofs_xattr_wants_ovl_origin(src) &&
	    !cmp_xattrs_has(&want, EROFS_XATTR_OVL_ORIGIN))
		err = cmp_xattrs_add(&want, EROFS_XATTR_OVL_ORIGIN, "", 0);
	if (err) {
		erofs_err("compare: %s: cannot read attributes: %s", path,
			  strerror(-err));
		ctx->op_errors++;
		goto out;
	}
	/* a bad body was reported and counted by the check of this inode */
	if (vi->xattr_isize && erofs_xattr_iterate(vi, cmp_image_xattr, &have))
		goto out;
	cmp_xattrs_diff(ctx, FSCK_CMP_SOURCE, &want, &have, l->ignore_selinux);
out:
	cmp_xattrs_free(&want);
	cmp_xattrs_free(&have);
}

void fsck_compare_image_xattrs(struct fsck_ctx *ctx, struct erofs_inode *vi,
			       struct erofs_inode *vo)
{
	struct cmp_xattrs want = { 0 }, have = { 0 };
	int err = 0;

	/* a bad body of the image's was reported by the check of the inode */
	if (vi->xattr_isize && erofs_xattr_iterate(vi, cmp_image_xattr, &have))
		goto out_free;
	if (vo->xattr_isize)
		err = erofs_xattr_iterate(vo, cmp_image_xattr, &want);
	if (err) {
		erofs_err("compare: %s: nid %llu of the other image: cannot read attributes: %s",
			  fsck_path_str(ctx), (unsigned long long)vo->nid,
			  strerror(-err));
		ctx->op_errors++;
		goto out_free;
	}
	cmp_xattrs_diff(ctx, FSCK_CMP_OTHER, &want, &have, false);
out_free:
	cmp_xattrs_free(&want);
	cmp_xattrs_free(&have);
}
