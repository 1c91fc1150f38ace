// SPDX-License-Identifier: MIT
/*
 * The walk: every inode reachable from the start nid is read once through
 * the library, and what only a whole-tree view can see is checked here --
 * entry order and names, '.' and '..', entry types against modes, link
 * counts, cycles.  Extraction and comparison are jobs riding on the same
 * walk (job.h), so that nothing is written for an entry fsck has not just
 * checked, and they are told of each entry in the order fsck meets it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "erofs_fs.h"
#include "erofs/dir.h"
#include "erofs/iter.h"
#include "erofs/print.h"
#include "fsck.h"

/* One child entry, copied out of its directory block for the recursion. */
struct fsck_child {
	erofs_nid_t nid;
	unsigned int ftype;
	unsigned int namelen;
	char name[EROFS_NAME_LEN + 1];
};

struct fsck_dir_scan {
	struct fsck_ctx *ctx;
	struct erofs_inode *dir;
	erofs_nid_t parent;		/* (erofs_nid_t)-1: not known */
	struct fsck_child *kids;
	size_t nkids, cap;
	char prev[EROFS_NAME_LEN];
	unsigned int prevlen;
	bool have_prev, seen_dot, seen_dotdot;
	int err;			/* -ENOMEM */
};

static int fsck_scan_entry(const struct erofs_dir_entry *de, void *arg)
{
	struct fsck_dir_scan *s = arg;
	struct fsck_ctx *ctx = s->ctx;
	erofs_nid_t self = s->dir->nid;
	bool bad = false;

	if (memchr(de->name, '/', de->namelen)) {
		fsck_corrupt(ctx, self, "entry name \"%.*s\" contains '/' (offset %llu)",
			     (int)de->namelen, de->name,
			     (unsigned long long)de->name_pos);
		bad = true;
	}
	if (memchr(de->name, '\0', de->namelen)) {
		fsck_corrupt(ctx, self, "entry name contains a NUL byte (offset %llu)",
			     (unsigned long long)de->name_pos);
		bad = true;
	}
	if (s->have_prev &&
	    erofs_dir_name_cmp(s->prev, s->prevlen, de->name, de->namelen) >= 0)
		fsck_corrupt(ctx, self, "entry \"%.*s\" out of order after \"%.*s\" (offset %llu)",
			     (int)de->namelen, de->name, (int)s->prevlen,
			     s->prev, (unsigned long long)de->pos);
	memcpy(s->prev, de->name, de->namelen);
	s->prevlen = de->namelen;
	s->have_prev = true;
	if (de->file_type == EROFS_FT_UNKNOWN || de->file_type >= EROFS_FT_MAX) {
		fsck_corrupt(ctx, self, "entry \"%.*s\" has bad file type %u (offset %llu)",
			     (int)de->namelen, de->name, de->file_type,
			     (unsigned long long)de->pos);
		bad = true;
	}

	if (de->namelen == 1 && de->name[0] == '.') {
		if (s->seen_dot)
			return 0;	/* already reported as out of order */
		s->seen_dot = true;
		if (erofs_dir_dot_omitted(s->dir))
			fsck_corrupt(ctx, self, "\".\" entry present though the inode says it is omitted (offset %llu)",
				     (unsigned long long)de->pos);
		else if (de->nid != self || de->file_type != EROFS_FT_DIR)
			fsck_corrupt(ctx, self, "\".\" points to nid %llu type %u, not to itself (offset %llu)",
				     (unsigned long long)de->nid,
				     de->file_type, (unsigned long long)de->pos);
		return 0;
	}
	if (de->namelen == 2 && !memcmp(de->name, "..", 2)) {
		if (s->seen_dotdot)
			return 0;
		s->seen_dotdot = true;
		if (de->file_type != EROFS_FT_DIR ||
		    (s->parent != (erofs_nid_t)-1 && de->nid != s->parent))
			fsck_corrupt(ctx, self, "\"..\" points to nid %llu type %u, parent is nid %llu (offset %llu)",
				     (unsigned long long)de->nid,
				     de->file_type,
				     (unsigned long long)s->parent,
				     (unsigned long long)de->pos);
		return 0;
	}
	if (bad)
		return 0;	/* never descend into, or extract, a bad name */

	if (s->nkids == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		struct fsck_child *n = realloc(s->kids, ncap * sizeof(*n));

		if (!n) {
			s->err = -ENOMEM;
			return -ENOMEM;
		}
		s->kids = n;
		s->cap = ncap;
	}
	s->kids[s->nkids].nid = de->nid;
	s->kids[s->nkids].ftype = de->file_type;
	s->kids[s->nkids].namelen = de->namelen;
	memcpy(s->kids[s->nkids].name, de->name, de->namelen);
	s->kids[s->nkids].name[de->namelen] = '\0';
	s->nkids++;
	return 0;
}

static int fsck_visit(struct fsck_ctx *ctx, erofs_nid_t nid, int ftype,
		      erofs_nid_t parent, unsigned int depth, const char *name,
		      bool *isdir);

/*
 * Check directory @dir (already read) and everything under it.  True when
 * every entry of it could be read.
 */
static bool fsck_check_dir(struct fsck_ctx *ctx, struct erofs_inode *dir,
			   erofs_nid_t parent, unsigned int depth)
{
	struct fsck_dir_scan s = { .ctx = ctx, .dir = dir, .parent = parent };
	unsigned long subdirs = 0;
	size_t i;
	int err;

	if (!dir->size) {
		fsck_corrupt(ctx, dir->nid, "empty directory: no \".\" or \"..\" (inode at offset %llu)",
			     (unsigned long long)dir->iloc);
		return false;
	}
	err = erofs_iterate_dir(dir, fsck_scan_entry, &s);
	if (err) {
		/* the library reported where; count, then check what we have */
		fsck_count_error(ctx, err);
		if (s.err)
			goto out_free;
	} else {
		ctx->bytes += dir->size;
		/* i_format may say "." is left out: readers supply it */
		if (!s.seen_dot && !erofs_dir_dot_omitted(dir))
			fsck_corrupt(ctx, dir->nid, "no \".\" entry");
		if (!s.seen_dotdot)
			fsck_corrupt(ctx, dir->nid, "no \"..\" entry");
	}

	for (i = 0; i < s.nkids; i++) {
		size_t oldlen = ctx->path.len;
		bool kid_isdir = false;

		if (fsck_path_push(&ctx->path, s.kids[i].name, s.kids[i].namelen)) {
			ctx->op_errors++;
			break;
		}
		fsck_jobs_child(ctx, s.kids[i].name, s.kids[i].namelen,
				s.kids[i].ftype);
		fsck_visit(ctx, s.kids[i].nid, s.kids[i].ftype, dir->nid,
			   depth + 1, s.kids[i].name, &kid_isdir);
		fsck_path_pop(&ctx->path, oldlen);
		subdirs += kid_isdir;
	}
	/* a directory is linked from its parent, its own ".", each child ".." */
	if (!err && dir->nlink != 2 + subdirs)
		fsck_corrupt(ctx, dir->nid, "directory nlink %u, expected %lu (2 + %lu subdirectories)",
			     dir->nlink, 2 + subdirs, subdirs);
out_free:
	free(s.kids);
	return !err;
}

/*
 * The target buffer is on the heap: a page-sized array in fsck_visit()'s
 * frame, once per level of a 2048-deep tree, overflowed the stack.
 */
static void fsck_check_symlink(struct fsck_ctx *ctx, struct erofs_inode *vi,
			       bool *ok)
{
	char *target = malloc(EROFS_SYMLINK_MAX + 1);
	ssize_t n = target ? erofs_read_symlink(vi, target, EROFS_SYMLINK_MAX + 1) :
		    -ENOMEM;

	*ok = n >= 0;
	if (n < 0)
		fsck_count_error(ctx, n);
	else
		ctx->bytes += n;
	free(target);
}

/*
 * Visit inode @nid reached through entry @name (of type @ftype, -1 for the
 * start) in directory @parent.
 */
static int fsck_visit(struct fsck_ctx *ctx, erofs_nid_t nid, int ftype,
		      erofs_nid_t parent, unsigned int depth, const char *name,
		      bool *isdir)
{
	struct fsck_inode_rec *rec;
	struct erofs_inode vi;
	bool fresh, ok = true, complete;
	int err, outfd;

	rec = fsck_itable_get(&ctx->itable, nid, &fresh);
	if (!rec) {
		ctx->op_errors++;
		return -ENOMEM;
	}
	rec->links_found++;
	if (!fresh) {
		*isdir = rec->isdir;
		if (rec->bad)
			return 0;
		if (rec->isdir) {
			fsck_corrupt(ctx, nid, "directory reached a second time: directory cycle or hardlinked directory");
			*isdir = false;
			return 0;
		}
		if (ftype >= 0 && (unsigned int)ftype != rec->ftype)
			fsck_corrupt(ctx, nid, "entry type %d but inode type %u",
				     ftype, rec->ftype);
		fsck_jobs_link(ctx, name, rec);
		return 0;
	}

	err = erofs_read_inode(ctx->sbi, nid, &vi);
	if (err) {
		rec->bad = true;
		fsck_count_error(ctx, err);
		erofs_err("%s: nid %llu: inode unreadable, skipped",
			  ctx->path.len ? ctx->path.buf : "/",
			  (unsigned long long)nid);
		return 0;
	}
	rec->nlink = vi.nlink;
	rec->isdir = S_ISDIR(vi.mode);
	rec->ftype = erofs_mode_to_ftype(vi.mode);
	*isdir = rec->isdir;
	ctx->inodes++;
	if (ftype >= 0 && (unsigned int)ftype != rec->ftype)
		fsck_corrupt(ctx, nid, "entry type %d but inode mode 0%o (type %u)",
			     ftype, (unsigned int)vi.mode, rec->ftype);
	fsck_jobs_inode(ctx, &vi, rec);
	rec = NULL;	/* the recursion below may move the table */
	fsck_check_xattrs(ctx, &vi);
	erofs_progress_update(&ctx->progress, ctx->physical, ctx->inodes);

	switch (vi.mode & S_IFMT) {
	case S_IFDIR:
		ctx->dirs++;
		if (depth > FSCK_MAX_DEPTH) {
			fsck_corrupt(ctx, nid, "directory nested %u deep: impossible depth",
				     depth);
			return 0;
		}
		fsck_jobs_dir_begin(ctx, name, &vi);
		complete = fsck_check_dir(ctx, &vi, parent, depth);
		fsck_jobs_dir_end(ctx, &vi, complete);
		return 0;
	case S_IFREG:
		ctx->files++;
		err = fsck_jobs_file_begin(ctx, name, &vi, &outfd);
		if (err)
			fsck_jobs_finish_file(ctx, -1, &vi, err, 0);
		else
			fsck_file_data(ctx, &vi, outfd);
		return 0;
	case S_IFLNK:
		ctx->others++;
		fsck_check_symlink(ctx, &vi, &ok);
		if (!ok)
			return 0;
		break;
	default:
		ctx->others++;
		break;
	}
	fsck_jobs_other(ctx, name, &vi);
	return 0;
}

void fsck_file_data(struct fsck_ctx *ctx, struct erofs_inode *vi, int outfd)
{
	erofs_off_t hi;
	int err;

	if (ctx->pool) {
		fsck_pool_submit(ctx, vi, outfd);
		return;
	}
	err = fsck_copy_range(ctx, vi, outfd, 0, vi->size, &hi);
	if (err)
		fsck_count_error(ctx, err);
	fsck_jobs_finish_file(ctx, outfd, vi, err, hi);
}

/*
 * The packed inode hangs off the superblock, not off a directory: it is
 * counted as what it is, and every byte of it must decode (a file's
 * fragment is checked again as that file's bytes).
 */
static void fsck_check_packed(struct fsck_ctx *ctx)
{
	struct fsck_job *jobs = ctx->jobs;
	unsigned long long logical = ctx->logical;
	struct fsck_inode_rec *rec;
	struct erofs_inode vi;
	erofs_off_t hi;
	bool fresh;
	int err;

	err = erofs_read_packed_inode(ctx->sbi, &vi);
	if (err == -ENOENT)
		return;
	rec = fsck_itable_get(&ctx->itable, ctx->sbi->packed_nid, &fresh);
	if (!rec) {
		ctx->op_errors++;
		return;
	}
	/* also linked from a directory: counted and checked there */
	if (!fresh)
		return;
	if (err) {
		rec->bad = true;
		fsck_count_error(ctx, err);
		erofs_err("nid %llu: the packed inode is unreadable",
			  (unsigned long long)ctx->sbi->packed_nid);
		return;
	}
	/* no directory entry links it: nothing to count against i_nlink */
	rec->nlink = rec->links_found = 0;
	rec->ftype = EROFS_FT_REG_FILE;
	ctx->inodes++;
	ctx->packed++;
	fsck_check_xattrs(ctx, &vi);
	/* nothing of it is extracted or compared: no job sees its bytes */
	ctx->jobs = NULL;
	err = fsck_copy_range(ctx, &vi, -1, 0, vi.size, &hi);
	ctx->jobs = jobs;
	/* for -p: its bytes on disk count, its content was the fragments' */
	ctx->logical = logical;
	if (err)
		fsck_count_error(ctx, err);
}

/*
 * The metabox inode is in no directory: it holds other inodes.  Opening
 * the image decoded all of it (every stream checked); here it is read
 * again as an inode, counted as what it is, and must not be a tree entry.
 */
static void fsck_check_metabox(struct fsck_ctx *ctx)
{
	struct erofs_sb_info *sbi = ctx->sbi;
	struct fsck_inode_rec *rec;
	struct erofs_inode vi;
	bool fresh;
	int err;

	if (!(sbi->feature_incompat & EROFS_FEATURE_INCOMPAT_METABOX))
		return;
	err = erofs_read_inode(sbi, sbi->metabox_nid, &vi);
	if (err) {
		fsck_count_error(ctx, err);
		return;
	}
	rec = fsck_itable_get(&ctx->itable, sbi->metabox_nid, &fresh);
	if (!rec) {
		ctx->op_errors++;
		return;
	}
	if (!fresh) {
		erofs_err("nid %llu: the metabox inode is also a directory entry (offset %llu)",
			  (unsigned long long)vi.nid, (unsigned long long)vi.iloc);
		ctx->corrupt++;
		return;
	}
	/* no link to it, none expected */
	rec->nlink = rec->links_found = 0;
	ctx->inodes++;
	ctx->metabox++;
}

int fsck_check_tree(struct fsck_ctx *ctx, erofs_nid_t nid, erofs_nid_t parent,
		    const char *name)
{
	struct fsck_itable_iter it = { 0 };
	struct fsck_inode_rec *rec;
	bool isdir;

	fsck_visit(ctx, nid, -1, parent, 0, name, &isdir);
	/* every file's findings are in before the totals are judged */
	fsck_pool_stop(ctx);

	/*
	 * A part this build cannot read (or a device not given) hides links
	 * and inodes: short totals then say nothing about the image.
	 */
	if (!ctx->whole_tree || ctx->unsupported)
		return 0;
	fsck_check_packed(ctx);
	fsck_check_metabox(ctx);
	/* link counts and the inode total only add up over the whole tree */
	while ((rec = fsck_itable_next(&ctx->itable, &it))) {
		if (rec->bad || rec->isdir)
			continue;
		if (rec->links_found != rec->nlink) {
			erofs_err("nid %llu: nlink %u but %u links found",
				  (unsigned long long)rec->nid, rec->nlink,
				  rec->links_found);
			ctx->corrupt++;
		}
	}
	/* unreadable inodes already made the count meaningless */
	if (ctx->inodes != ctx->sbi->inos && !ctx->corrupt) {
		erofs_err("superblock: inode count %llu but %llu inodes reachable from the root",
			  (unsigned long long)ctx->sbi->inos, ctx->inodes);
		ctx->corrupt++;
	}
	return 0;
}
