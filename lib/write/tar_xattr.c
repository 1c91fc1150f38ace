// SPDX-License-Identifier: MIT
/*
 * An entry's extended attributes for --tar (tar.c): its pax xattrs as they
 * are, and its POSIX ACLs, which libarchive hands over in its own model,
 * turned into the system.posix_acl_* values the kernel reads.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs_fs.h"
#include "tar_xattr.h"

/* POSIX ACLs as the kernel stores them in system.posix_acl_* */
#define ACL_XATTR_VERSION	2
#define ACL_UNDEFINED_ID	0xffffffffu
enum { ACL_TAG_USER_OBJ = 1, ACL_TAG_USER = 2, ACL_TAG_GROUP_OBJ = 4,
       ACL_TAG_GROUP = 8, ACL_TAG_MASK = 0x10, ACL_TAG_OTHER = 0x20 };

int erofs_tar_xattr_set(struct erofs_node *n, const char *name,
			const void *value, size_t len)
{
	struct erofs_xattr_pair *v, *p;

	/* a later record for the same name replaces the earlier one */
	for (uint32_t i = 0; i < n->nxattrs; i++) {
		p = &n->xattrs[i];
		if (strcmp(p->name, name))
			continue;
		free(p->value);
		p->value = malloc(len ? len : 1);
		if (!p->value)
			return -ENOMEM;
		memcpy(p->value, value, len);
		p->len = len;
		return 0;
	}
	v = realloc(n->xattrs, (n->nxattrs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n->xattrs = v;
	p = &v[n->nxattrs];
	p->name = strdup(name);
	p->value = malloc(len ? len : 1);
	if (!p->name || !p->value) {
		free(p->name);
		free(p->value);
		return -ENOMEM;
	}
	memcpy(p->value, value, len);
	p->len = len;
	n->nxattrs++;
	return 0;
}

void erofs_tar_xattr_remove(struct erofs_node *n, const char *name)
{
	for (uint32_t i = 0; i < n->nxattrs; i++) {
		if (strcmp(n->xattrs[i].name, name))
			continue;
		free(n->xattrs[i].name);
		free(n->xattrs[i].value);
		memmove(&n->xattrs[i], &n->xattrs[i + 1],
			(n->nxattrs - i - 1) * sizeof(n->xattrs[i]));
		n->nxattrs--;
		return;
	}
}

struct acl_ent {
	uint16_t tag, perm;
	uint32_t id;
};

static int acl_ent_cmp(const void *x, const void *y)
{
	const struct acl_ent *a = x, *b = y;

	if (a->tag != b->tag)
		return a->tag < b->tag ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* One ACL of the entry as the system.posix_acl_* value the kernel reads. */
static int tar_acl(struct erofs_node *n, struct archive_entry *e, int type,
		   const char *xname)
{
	int count = archive_entry_acl_reset(e, type), t, perm, tag, qual;
	struct acl_ent *ents;
	bool extended = false, have_obj[3] = { false };
	const char *name;
	uint8_t *buf;
	int k = 0, err;

	if (count <= 0)
		return 0;
	ents = calloc(count + 3, sizeof(*ents));
	if (!ents)
		return -ENOMEM;
	while (k < count &&
	       archive_entry_acl_next(e, type, &t, &perm, &tag, &qual, &name) == ARCHIVE_OK) {
		struct acl_ent *a = &ents[k++];

		a->perm = perm & 7;
		a->id = ACL_UNDEFINED_ID;
		switch (tag) {
		case ARCHIVE_ENTRY_ACL_USER_OBJ:
			a->tag = ACL_TAG_USER_OBJ;
			have_obj[0] = true;
			break;
		case ARCHIVE_ENTRY_ACL_GROUP_OBJ:
			a->tag = ACL_TAG_GROUP_OBJ;
			have_obj[1] = true;
			break;
		case ARCHIVE_ENTRY_ACL_OTHER:
			a->tag = ACL_TAG_OTHER;
			have_obj[2] = true;
			break;
		case ARCHIVE_ENTRY_ACL_MASK:
			a->tag = ACL_TAG_MASK;
			extended = true;
			break;
		case ARCHIVE_ENTRY_ACL_USER:
			a->tag = ACL_TAG_USER;
			a->id = qual;
			extended = true;
			break;
		case ARCHIVE_ENTRY_ACL_GROUP:
			a->tag = ACL_TAG_GROUP;
			a->id = qual;
			extended = true;
			break;
		default:
			k--;	/* NFSv4 and friends have no POSIX form */
			break;
		}
	}
	/* an access ACL of just the mode bits is the mode itself */
	if (type == ARCHIVE_ENTRY_ACL_TYPE_ACCESS && !extended) {
		free(ents);
		return 0;
	}
	if (type == ARCHIVE_ENTRY_ACL_TYPE_ACCESS) {
		/* the owner, group and other entries come from the mode */
		if (!have_obj[0])
			ents[k++] = (struct acl_ent){ ACL_TAG_USER_OBJ, (n->mode >> 6) & 7, ACL_UNDEFINED_ID };
		if (!have_obj[1])
			ents[k++] = (struct acl_ent){ ACL_TAG_GROUP_OBJ, (n->mode >> 3) & 7, ACL_UNDEFINED_ID };
		if (!have_obj[2])
			ents[k++] = (struct acl_ent){ ACL_TAG_OTHER, n->mode & 7, ACL_UNDEFINED_ID };
	}
	qsort(ents, k, sizeof(*ents), acl_ent_cmp);
	/*
	 * With an access ACL the mode's group bits are the mask (POSIX.1e);
	 * libarchive may hand over the group entry's bits instead.
	 */
	for (int i = 0; type == ARCHIVE_ENTRY_ACL_TYPE_ACCESS && i < k; i++) {
		if (ents[i].tag == ACL_TAG_USER_OBJ)
			n->mode = (n->mode & ~0700) | (ents[i].perm << 6);
		else if (ents[i].tag == ACL_TAG_MASK)
			n->mode = (n->mode & ~0070) | (ents[i].perm << 3);
		else if (ents[i].tag == ACL_TAG_OTHER)
			n->mode = (n->mode & ~0007) | ents[i].perm;
	}
	buf = malloc(4 + 8 * k);
	if (!buf) {
		free(ents);
		return -ENOMEM;
	}
	*(uint32_t *)buf = erofs_cpu_to_le32(ACL_XATTR_VERSION);
	for (int i = 0; i < k; i++) {
		uint16_t tg = erofs_cpu_to_le16(ents[i].tag), pm = erofs_cpu_to_le16(ents[i].perm);
		uint32_t id = erofs_cpu_to_le32(ents[i].id);

		memcpy(buf + 4 + 8 * i, &tg, 2);
		memcpy(buf + 6 + 8 * i, &pm, 2);
		memcpy(buf + 8 + 8 * i, &id, 4);
	}
	err = erofs_tar_xattr_set(n, xname, buf, 4 + 8 * k);
	free(buf);
	free(ents);
	return err;
}

int erofs_tar_xattrs(struct erofs_node *n, struct archive_entry *e)
{
	const char *name;
	const void *value;
	size_t len;
	int err = 0;

	archive_entry_xattr_reset(e);
	while (!err && archive_entry_xattr_next(e, &name, &value, &len) == ARCHIVE_OK)
		err = erofs_tar_xattr_set(n, name, value, len);
	if (!err)
		err = tar_acl(n, e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS,
			      "system.posix_acl_access");
	if (!err && S_ISDIR(n->mode))
		err = tar_acl(n, e, ARCHIVE_ENTRY_ACL_TYPE_DEFAULT,
			      "system.posix_acl_default");
	return err;
}
