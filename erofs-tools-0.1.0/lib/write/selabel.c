// SPDX-License-Identifier: MIT
/* file_contexts lookups through libselinux's labeling interface. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <selinux/label.h>
#include <selinux/selinux.h>
#include "erofs/defs.h"
#include "erofs/print.h"
#include "erofs/selabel.h"

struct erofs_selabel {
	struct selabel_handle *h;
};

int erofs_selabel_open(const char *path, struct erofs_selabel **hp)
{
	/*
	 * No validation: contexts are checked against the loaded policy,
	 * and the build host need not run (or even know) the target's.
	 */
	struct selinux_opt opts[] = {
		{ SELABEL_OPT_PATH, path },
		{ SELABEL_OPT_VALIDATE, NULL },
	};
	struct erofs_selabel *s = malloc(sizeof(*s));

	if (!s) {
		erofs_err("out of memory");
		return -ENOMEM;
	}
	errno = 0;
	s->h = selabel_open(SELABEL_CTX_FILE, opts, EROFS_ARRAY_SIZE(opts));
	if (!s->h) {
		int err = errno ? errno : EINVAL;

		erofs_err("%s: cannot load file contexts: %s", path,
			  strerror(err));
		free(s);
		return -err;
	}
	*hp = s;
	return 0;
}

int erofs_selabel_lookup(struct erofs_selabel *s, const char *path,
			 mode_t mode, char **ctx)
{
	char *con = NULL;

	if (selabel_lookup(s->h, &con, path, mode))
		return errno == ENOENT ? -ENOENT : -(errno ? errno : EINVAL);
	*ctx = strdup(con);
	freecon(con);
	return *ctx ? 0 : -ENOMEM;
}

void erofs_selabel_close(struct erofs_selabel *s)
{
	if (!s)
		return;
	selabel_close(s->h);
	free(s);
}
