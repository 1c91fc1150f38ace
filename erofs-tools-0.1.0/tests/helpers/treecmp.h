/* SPDX-License-Identifier: MIT */
/*
 * treecmp's two halves: treecmp.c walks both trees and compares what
 * stat() shows, treecmp_data.c what an entry holds beyond that (file
 * bytes, symlink targets, extended attributes).
 */
#ifndef TREECMP_H
#define TREECMP_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct inode;

struct tree {
	const char *root;
	int rootfd;
	struct inode *inodes;
	size_t ninodes, cap;
	/* open hash: index into inodes + 1, 0 = empty */
	size_t *hash;
	size_t hcap;
};

/* number of difference lines printed so far */
extern unsigned long ndiffs;

void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* n bytes of s, non-printable ones and the backslash as \xHH, \n as \n */
void put_bytes(FILE *f, const char *s, size_t n);
void put_escaped(FILE *f, const char *s);
/* print "PATH: KIND: " and count a difference; the caller ends the line */
void diff_begin(const char *path, const char *kind);
/* print "PATH: KIND: detail" and count it */
void diff(const char *path, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* report an I/O error on tree/path (errno), which makes treecmp exit 2 */
void ioerr(const char *tree, const char *path, const char *what);

/* treecmp_data.c; path is relative to both roots */
void data_init(void);
void compare_content(struct tree *ta, struct tree *tb, const char *path,
		     off_t size);
void compare_symlink(struct tree *ta, struct tree *tb, const char *path);
void compare_xattrs(struct tree *ta, struct tree *tb, const char *path);

#endif
