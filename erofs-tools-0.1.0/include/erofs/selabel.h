/* SPDX-License-Identifier: MIT */
/*
 * SELinux labels from a file_contexts file (mkfs --file-contexts).  Built
 * on libselinux when configure finds it (selabel.c), else a stub that
 * refuses to open (selabel_none.c).
 */
#ifndef EROFS_SELABEL_H
#define EROFS_SELABEL_H

#include <sys/types.h>

struct erofs_selabel;

/*
 * Open the file_contexts file @path: 0 with *@hp set, or -errno after one
 * "path: reason" message (-EOPNOTSUPP when built without libselinux).
 */
int erofs_selabel_open(const char *path, struct erofs_selabel **hp);

/*
 * The label of @path (absolute, as inside the mounted image) of type @mode:
 * 0 with a malloc'd NUL-terminated context in *@ctx, -ENOENT when no rule
 * matches, or -errno.
 */
int erofs_selabel_lookup(struct erofs_selabel *h, const char *path,
			 mode_t mode, char **ctx);

void erofs_selabel_close(struct erofs_selabel *h);

#endif
