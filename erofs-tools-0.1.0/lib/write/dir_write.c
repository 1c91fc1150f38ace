// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs_fs.h"
#include "erofs/dir.h"
#include "erofs/inode.h"
#include "erofs/dir_write.h"

struct erofs_dir_wentry {
	const char *name;
	uint8_t namelen;
	struct erofs_node *node;
};

/* Every entry of @dir, "." and ".." included, in on-disk order: malloc'ed. */
static struct erofs_dir_wentry *dir_entries(struct erofs_node *dir)
{
	/* "." sorts before "..": merge both into the sorted children. */
	const struct erofs_dir_wentry dots[2] = {
		{ ".", 1, dir }, { "..", 2, dir->parent },
	};
	struct erofs_dir_wentry *ents = malloc((dir->nchildren + 2) * sizeof(*ents));
	uint32_t c = 0, d = 0, n = 0;

	if (!ents)
		return NULL;
	while (c < dir->nchildren || d < 2) {
		const struct erofs_dentry *ch = &dir->children[c];

		if (d < 2 && (c >= dir->nchildren ||
			      erofs_dir_name_cmp(dots[d].name, dots[d].namelen,
					     ch->name, ch->namelen) < 0)) {
			ents[n++] = dots[d++];
		} else {
			ents[n].name = ch->name;
			ents[n].namelen = ch->namelen;
			ents[n].node = ch->node;
			n++;
			c++;
		}
	}
	return ents;
}

/* Entries pack into a block while their dirents and names fit. */
static uint32_t block_end(const struct erofs_dir_wentry *ents, uint32_t i,
			  uint32_t n, uint32_t blksz, uint32_t *used)
{
	*used = 0;
	for (; i < n; i++) {
		uint32_t need = sizeof(struct erofs_dirent) + ents[i].namelen;

		if (*used + need > blksz)
			break;
		*used += need;
	}
	return i;
}

static uint64_t dir_size(const struct erofs_dir_wentry *ents, uint32_t n,
			 unsigned int blkszbits)
{
	const uint32_t blksz = 1u << blkszbits;
	uint64_t size = 0;
	uint32_t i = 0, used = 0;

	while (i < n) {
		if (size || i)
			size += blksz;
		i = block_end(ents, i, n, blksz, &used);
	}
	return size + used;
}

/* Fill @buf (zeroed) with the blocks; every entry's node has its nid. */
static void dir_fill(const struct erofs_dir_wentry *ents, uint32_t n,
		     unsigned int blkszbits, uint8_t *buf)
{
	const uint32_t blksz = 1u << blkszbits;
	uint32_t i = 0, used;

	while (i < n) {
		uint32_t end = block_end(ents, i, n, blksz, &used);
		uint32_t nameoff = (end - i) * sizeof(struct erofs_dirent);
		struct erofs_dirent *de = (struct erofs_dirent *)buf;

		for (uint32_t k = i; k < end; k++, de++) {
			de->nid = erofs_cpu_to_le64(ents[k].node->nid);
			de->nameoff = erofs_cpu_to_le16(nameoff);
			de->file_type = erofs_mode_to_ftype(ents[k].node->mode);
			de->reserved = 0;
			memcpy(buf + nameoff, ents[k].name, ents[k].namelen);
			nameoff += ents[k].namelen;
		}
		i = end;
		buf += blksz;
	}
}

int erofs_dir_measure(struct erofs_node *dir, unsigned int blkszbits)
{
	struct erofs_dir_wentry *ents = dir_entries(dir);

	if (!ents)
		return -ENOMEM;
	dir->size = dir_size(ents, dir->nchildren + 2, blkszbits);
	free(ents);
	return 0;
}

uint8_t *erofs_dir_encode(struct erofs_node *dir, unsigned int blkszbits)
{
	struct erofs_dir_wentry *ents = dir_entries(dir);
	uint8_t *buf = calloc(1, EROFS_ROUND_UP(dir->size, 1ull << blkszbits));

	if (!ents || !buf) {
		free(buf);
		buf = NULL;
	} else {
		dir_fill(ents, dir->nchildren + 2, blkszbits, buf);
	}
	free(ents);
	return buf;
}
