// SPDX-License-Identifier: MIT
/*
 * Android's side files: the canned fs_config text file read into a sorted
 * table, applied to the tree after the scan; the block list written from
 * the layout once the image is built.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/android.h"
#include "erofs/print.h"
#include "builder.h"

struct fs_config_entry {
	char *path;
	uint32_t uid, gid, mode;
	uint64_t caps;
	size_t line;		/* later lines win */
};

struct erofs_fs_config {
	struct fs_config_entry *v;
	size_t n;
};

static int entry_cmp(const void *x, const void *y)
{
	const struct fs_config_entry *a = x, *b = y;
	int c = strcmp(a->path, b->path);

	return c ? c : a->line < b->line ? -1 : a->line > b->line;
}

/* Split off the path (quoted when it has spaces); NULL when ill-formed. */
static char *take_path(char **line)
{
	char *p = *line, *end;

	if (*p == '"' || *p == '\'') {
		end = strchr(p + 1, *p);
		if (!end)
			return NULL;
		*end = '\0';
		*line = end + 1;
		return p + 1;
	}
	p += strspn(p, " ");
	if (!*p)
		return NULL;
	end = p + strcspn(p, " ");
	if (*end)
		*end++ = '\0';
	*line = end;
	return p;
}

static int parse_line(char *line, size_t lineno, struct fs_config_entry *e)
{
	char *path, *tok, *save = NULL, *end;
	char *f[3];

	/* historical: a leading space stands for the root */
	path = *line == ' ' ? (line++, "") : take_path(&line);
	if (!path)
		return -EINVAL;
	if (*path == '/')
		path++;
	for (int i = 0; i < 3; i++) {
		f[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!f[i])
			return -EINVAL;
	}
	e->uid = strtoul(f[0], &end, 10);
	if (*end)
		return -EINVAL;
	e->gid = strtoul(f[1], &end, 10);
	if (*end)
		return -EINVAL;
	e->mode = strtoul(f[2], &end, 8);
	if (*end)
		return -EINVAL;
	e->caps = 0;
	while ((tok = strtok_r(NULL, " ", &save)))
		if (!strncmp(tok, "capabilities=", 13)) {
			e->caps = strtoull(tok + 13, &end, 0);
			if (*end)
				return -EINVAL;
		}
	/* other tokens (selabel=...) are ignored, as AOSP does */
	e->line = lineno;
	e->path = strdup(path);
	return e->path ? 0 : -ENOMEM;
}

int erofs_fs_config_load(const char *path, struct erofs_fs_config **out)
{
	struct erofs_fs_config *c = calloc(1, sizeof(*c));
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0, vcap = 0;
	ssize_t len;
	int err = 0;

	if (!f || !c) {
		err = f ? -ENOMEM : -errno;
		erofs_err("%s: %s", path, strerror(-err));
		goto out;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		if (c->n == vcap) {
			struct fs_config_entry *v;

			vcap = vcap ? vcap * 2 : 256;
			v = realloc(c->v, vcap * sizeof(*v));
			if (!v) {
				err = -ENOMEM;
				break;
			}
			c->v = v;
		}
		err = parse_line(line, lineno, &c->v[c->n]);
		if (err == -EINVAL)
			erofs_err("%s:%zu: ill-formed fs_config line (want PATH UID GID MODE [capabilities=N])",
				  path, lineno);
		if (err)
			break;
		c->n++;
	}
	if (err == -ENOMEM)
		erofs_err("out of memory");
	if (!err && ferror(f)) {
		err = -EIO;
		erofs_err("%s: %s", path, strerror(EIO));
	}
	if (!err)
		qsort(c->v, c->n, sizeof(*c->v), entry_cmp);
out:
	if (f)
		fclose(f);
	free(line);
	if (err) {
		erofs_fs_config_free(c);
		c = NULL;
	}
	*out = c;
	return err;
}

void erofs_fs_config_free(struct erofs_fs_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	free(c);
}

/* The last entry (in file order) for @key, or NULL. */
static const struct fs_config_entry *lookup(const struct erofs_fs_config *c,
					    const char *key)
{
	size_t lo = 0, hi = c->n;

	/* the first entry past every one for @key ... */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(c->v[mid].path, key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ... so the one before it is the last for @key, if any */
	return lo && !strcmp(c->v[lo - 1].path, key) ? &c->v[lo - 1] : NULL;
}

/* struct vfs_cap_data, revision 2, effective: what setcap(8) writes. */
static int add_caps(struct erofs_node *n, uint64_t caps)
{
	static const char name[] = "security.capability";
	struct erofs_xattr_pair *v;
	uint32_t w[5] = {
		erofs_cpu_to_le32(0x02000000u | 1u),
		erofs_cpu_to_le32((uint32_t)caps), 0,
		erofs_cpu_to_le32((uint32_t)(caps >> 32)), 0,
	};
	uint32_t k = 0;

	/* the fs_config's capabilities replace what the source had */
	while (k < n->nxattrs && strcmp(n->xattrs[k].name, name))
		k++;
	if (k == n->nxattrs) {
		v = realloc(n->xattrs, (n->nxattrs + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		n->xattrs = v;
		v[k].name = strdup(name);
		v[k].value = NULL;
		if (!v[k].name)
			return -ENOMEM;
		n->nxattrs++;
	}
	free(n->xattrs[k].value);
	n->xattrs[k].value = malloc(sizeof(w));
	if (!n->xattrs[k].value)
		return -ENOMEM;
	memcpy(n->xattrs[k].value, w, sizeof(w));
	n->xattrs[k].len = sizeof(w);
	return 0;
}

/* "system" for "/system/", "" for "/". */
static char *mount_prefix(const char *mp)
{
	size_t len;

	mp = mp ? mp : "";
	mp += strspn(mp, "/");
	len = strlen(mp);
	while (len && mp[len - 1] == '/')
		len--;
	return strndup(mp, len);
}

int erofs_fs_config_apply(struct erofs_tree *tree,
			  const struct erofs_fs_config *c,
			  const char *mount_point,
			  const struct erofs_tree_opts *opts)
{
	char *mp = mount_prefix(mount_point), *rel = NULL, *key = NULL;
	int err = mp ? 0 : -ENOMEM;

	for (uint64_t i = 0; i < tree->nnodes && !err; i++) {
		struct erofs_node *n = tree->nodes[i];
		const struct fs_config_entry *e;

		rel = erofs_node_relpath(tree->root, n);
		/* the root is "" whatever the mount point, as AOSP looks it up */
		key = !rel ? NULL : !*rel || !*mp ? strdup(rel) :
		      malloc(strlen(mp) + strlen(rel) + 2);
		if (!key) {
			err = -ENOMEM;
			break;
		}
		if (*rel && *mp)
			sprintf(key, "%s/%s", mp, rel);
		e = lookup(c, key);
		if (!e) {
			erofs_err("%s: not in the fs_config file", *key ? key : "(root)");
			err = -ENOENT;
		} else {
			n->mode = (n->mode & S_IFMT) | (e->mode & 07777);
			err = erofs_node_set_ids(n, e->uid, e->gid, opts, key);
			if (!err && e->caps)
				err = add_caps(n, e->caps);
		}
		free(rel);
		free(key);
		rel = key = NULL;
	}
	if (err == -ENOMEM)
		erofs_err("out of memory");
	free(mp);
	return err;
}

static void put_run(FILE *f, uint64_t first, uint64_t n)
{
	if (n == 1)
		fprintf(f, " %llu", (unsigned long long)first);
	else
		fprintf(f, " %llu-%llu", (unsigned long long)first,
			(unsigned long long)(first + n - 1));
}

/* The runs of a chunk map: consecutive chunks merged. */
static void put_chunks(FILE *f, const struct erofs_node *n,
		       unsigned int blkszbits)
{
	const uint64_t chunk = 1ull << (blkszbits + n->chunkbits);
	const uint32_t *map = (const uint32_t *)n->body;
	uint64_t first = 0, len = 0;

	for (uint64_t c = 0; c < n->body_len / sizeof(uint32_t); c++) {
		uint32_t blk = erofs_le32(map[c]);
		uint64_t nb = EROFS_DIV_ROUND_UP(EROFS_MIN(chunk, n->size - c * chunk),
						 1ull << blkszbits);

		if (blk == EROFS_NULL_ADDR)
			continue;
		if (len && first + len == blk) {
			len += nb;
			continue;
		}
		if (len)
			put_run(f, first, len);
		first = blk;
		len = nb;
	}
	if (len)
		put_run(f, first, len);
}

int erofs_write_block_list(FILE *f, const struct erofs_tree *tree,
			   unsigned int blkszbits, const char *mount_point)
{
	char *mp = mount_prefix(mount_point);

	if (!mp)
		return -ENOMEM;
	for (uint64_t i = 0; i < tree->nnodes; i++) {
		const struct erofs_node *n = tree->nodes[i];
		uint64_t nblocks = 0;
		char *rel;

		if (!S_ISREG(n->mode))
			continue;
		if (erofs_node_compressed(n))
			nblocks = n->zblocks;
		else if (n->datalayout != EROFS_INODE_CHUNK_BASED)
			nblocks = (n->size - n->inline_size) >> blkszbits;
		if (!nblocks && !n->inline_size &&
		    n->datalayout != EROFS_INODE_CHUNK_BASED)
			continue;
		rel = erofs_node_relpath(tree->root, n);
		if (!rel) {
			free(mp);
			return -ENOMEM;
		}
		fprintf(f, "%s%s/%s", *mp ? "/" : "", mp, rel);
		free(rel);
		if (n->datalayout == EROFS_INODE_CHUNK_BASED)
			put_chunks(f, n, blkszbits);
		else if (nblocks)
			put_run(f, n->blkaddr, nblocks);
		if (n->inline_size)
			put_run(f, (n->meta_off + n->meta_size - 1) >> blkszbits, 1);
		fputc('\n', f);
	}
	free(mp);
	return ferror(f) ? -EIO : 0;
}
