// SPDX-License-Identifier: MIT
/* An inode's extended attributes: printable values as text, others in hex. */
#include <ctype.h>
#include <stdio.h>
#include "erofs/xattr.h"
#include "dump.h"

/* Text when every byte prints; one trailing NUL (as labels carry) is fine. */
static bool dump_printable(const unsigned char *v, unsigned int len)
{
	if (len && !v[len - 1])
		len--;
	if (!len)
		return false;
	for (unsigned int i = 0; i < len; i++)
		if (!isprint(v[i]) || v[i] == '"' || v[i] == '\\')
			return false;
	return true;
}

static int dump_xattr_one(const struct erofs_xattr *x, void *arg)
{
	const unsigned char *v = x->value;

	(void)arg;
	printf("  %-22s %s ", x->name, x->shared ? "shared" : "inline");
	if (dump_printable(v, x->value_len)) {
		unsigned int len = x->value_len - !v[x->value_len - 1];

		printf("\"%.*s\"%s\n", (int)len, (const char *)v,
		       len < x->value_len ? " (NUL-terminated)" : "");
		return 0;
	}
	printf("0x");
	for (unsigned int i = 0; i < x->value_len; i++)
		printf("%02x", v[i]);
	printf(" (%u bytes)\n", x->value_len);
	return 0;
}

int dump_xattrs(struct erofs_inode *vi)
{
	if (!vi->xattr_isize) {
		printf("Xattrs:                 none\n");
		return 0;
	}
	printf("Xattrs:                 %u bytes inline body\n", vi->xattr_isize);
	return erofs_xattr_iterate(vi, dump_xattr_one, NULL);
}
