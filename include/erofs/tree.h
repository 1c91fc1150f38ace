/* SPDX-License-Identifier: MIT */
/*
 * The in-memory tree mkfs builds from a source directory: one node per
 * inode (hardlinks share a node), children sorted the way the kernel's
 * directory lookup expects, attributes already mapped by the build policy.
 */
#ifndef EROFS_TREE_H
#define EROFS_TREE_H

#include <regex.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "erofs/defs.h"

struct erofs_node;

struct erofs_dentry {
	struct erofs_node *node;
	char *name;
	uint8_t namelen;	/* 1..255; "." and ".." are not stored */
};

/* Where a regular file's bytes come from and which chunks hold data. */
struct erofs_source {
	char *path;		/* staged: the staging file; else rebuilt from parents */
	uint64_t offset;	/* where the bytes start in that file */
	bool staged;		/* @path is the tree's staging file, shared */
	bool blob;		/* --tar=i: the bytes are at @offset of device 1 */
	uint8_t *holes;		/* chunk bitmap, bit set = all-hole chunk */
	bool by_fd;		/* read through @fd (not owned): no name to open */
	int fd;
};

/* An attribute the source hands over itself (a tarball's pax records). */
struct erofs_xattr_pair {
	char *name;
	uint8_t *value;
	uint32_t len;
};

struct erofs_node {
	mode_t mode;
	uint32_t uid, gid;
	uint32_t nlink;		/* links inside the image, not the source's */
	uint32_t rdev;		/* encoded as the kernel decodes it */
	uint64_t size;
	int64_t mtime;
	uint32_t mtime_nsec;
	uint32_t ino;		/* sequential, for 32-bit stat() */

	struct erofs_node *parent;	/* first parent (directories: the only) */
	const char *dname;		/* name under that parent (borrowed) */
	uint8_t dnamelen;
	struct erofs_dentry *children;	/* sorted; directories only */
	uint32_t nchildren;

	struct erofs_source src;	/* regular files */
	struct erofs_xattr_pair *xattrs;	/* tar input: its attributes */
	uint32_t nxattrs;
	char *link;			/* symlink target */

	/* layout, filled in by the image builder */
	erofs_nid_t nid;
	erofs_off_t meta_off;	/* byte offset of the inode in the image */
	uint32_t meta_size;	/* inode + inline tail / chunk map */
	erofs_blk_t blkaddr;	/* first data block */
	uint32_t zblocks;	/* compressed: blocks of all its pclusters */
	uint32_t inline_size;	/* tail bytes stored after the inode */
	uint8_t *xattr_body;	/* inline xattrs right after the inode, or NULL */
	uint32_t xattr_isize;	/* ... its size: erofs_xattr_ibody_size(icount) */
	uint8_t *body;		/* after the xattrs: compressed indexes or chunk map */
	uint32_t body_len;
	uint8_t datalayout;
	uint8_t chunkbits;	/* chunk-based: chunk = block << chunkbits */
	struct erofs_node *dup_of;	/* an earlier file with the same bytes */
	bool chunk_indexes;	/* chunk-based: 8-byte indexes, not a block map */
	bool extended;
	bool placed;
	bool dir_pending;	/* directory blocks not given their place yet */
	bool aufs_whiteout;	/* a whiteout made from a tar's .wh.NAME */
};

enum erofs_time_policy {
	EROFS_TIME_KEEP,	/* keep every mtime (the default) */
	EROFS_TIME_FIXED,	/* -T: every mtime is the build time */
	EROFS_TIME_CLAMP,	/* SOURCE_DATE_EPOCH: newer mtimes clamped */
};

struct erofs_tree_opts {
	unsigned int blkszbits;
	int64_t build_time;
	uint32_t build_time_nsec;
	enum erofs_time_policy time_policy;
	bool all_root;
	int64_t force_uid, force_gid;	/* -1: keep */
	int64_t uid_offset, gid_offset;
	char **exclude_paths;		/* relative to the source root */
	unsigned int nexclude_paths;
	regex_t *exclude_regexes;
	unsigned int nexclude_regexes;
	dev_t skip_dev;			/* the image being replaced: never packed */
	ino_t skip_ino;
	bool have_skip;
	unsigned int workers;		/* threads reading directories; 0 or 1: one */
	bool hard_dereference;		/* hardlinks become separate inodes */
	char *mount_point;		/* --mount-point's copy, "/system" */
};

struct erofs_tree {
	const char *srcdir;		/* source directory (borrowed), or NULL */
	struct erofs_node *root;
	struct erofs_node **nodes;	/* every inode, in image order once laid out */
	uint64_t nnodes;
	uint64_t data_bytes;		/* regular file bytes to copy */
};

/*
 * Scan @srcdir into @tree under the policy in @opts.  Returns 0 or -errno;
 * on failure one "path: reason" message has been printed.
 */
int erofs_tree_build(struct erofs_tree *tree, const char *srcdir,
		     const struct erofs_tree_opts *opts);
/* Free everything erofs_tree_build() allocated. */
void erofs_tree_free(struct erofs_tree *tree);

/* Where @node's bytes are read from (malloc'ed), or NULL without memory. */
char *erofs_node_source_path(const struct erofs_tree *tree,
			     const struct erofs_node *node);

/* Path of @node below @root ("a/b", "" for the root), by first parents. */
char *erofs_node_relpath(const struct erofs_node *root,
			 const struct erofs_node *node);

/* For other tree readers (tar.c). */
/* Free one node and what it owns (not its children's nodes). */
void erofs_node_free(struct erofs_node *node);
/* Mode, owner (mapped), mtime (policy) and rdev of @node from @st. */
int erofs_node_set_attrs(struct erofs_node *node, const struct stat *st,
			 const struct erofs_tree_opts *o, const char *what);
/* uid and gid of @node: @uid and @gid under @o's mapping (-ERANGE, reported). */
int erofs_node_set_ids(struct erofs_node *node, int64_t uid, int64_t gid,
		       const struct erofs_tree_opts *o, const char *what);
/* Whether --exclude-path/--exclude-regex leave out @rel. */
bool erofs_tree_excluded(const struct erofs_tree_opts *o, const char *rel);
/* Record the all-hole chunks of bytes [@base, @base + @size) of @fd. */
int erofs_tree_scan_holes(struct erofs_node *node, int fd, uint64_t base,
			  uint64_t size, unsigned int blkszbits);
/*
 * Finish a tree whose directories list their children in any order: sort
 * them, count links, and number the nodes breadth-first into tree->nodes.
 */
int erofs_tree_index(struct erofs_tree *tree);

/* Kernel rdev encoding: minor low byte, 12-bit major, minor high bits. */
static inline uint32_t erofs_encode_dev(unsigned int major, unsigned int minor)
{
	return (minor & 0xff) | ((major & 0xfff) << 8) |
	       ((minor & ~0xffu) << 12);
}

#endif
