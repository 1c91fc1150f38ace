// SPDX-License-Identifier: MIT
/* Built without libselinux: --file-contexts is refused, nothing else. */
#include <errno.h>
#include "erofs/print.h"
#include "erofs/selabel.h"

int erofs_selabel_open(const char *path, struct erofs_selabel **hp)
{
	(void)hp;
	erofs_err("%s: cannot label files: built without libselinux "
		  "(reconfigure with --with-selinux)", path);
	return -EOPNOTSUPP;
}

int erofs_selabel_lookup(struct erofs_selabel *h, const char *path,
			 mode_t mode, char **ctx)
{
	(void)h; (void)path; (void)mode; (void)ctx;
	return -EOPNOTSUPP;
}

void erofs_selabel_close(struct erofs_selabel *h)
{
	(void)h;
}
