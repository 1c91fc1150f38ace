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
	struct erofs_json *j = arg;

	if (j) {
		/* the value escaped like paths: bytes recoverable exactly */
		erofs_json_object(j, NULL);
		erofs_json_str(j, "name", x->name);
		erofs_json_strn(j, "value", x->value, x->value_len);
		erofs_json_u64(j, "value_length", x->value_len);
		erofs_json_bool(j, "shared", x->shared);
		erofs_json_end(j);
		return 0;
	}
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

int dump_xattrs(struct erofs_inode *vi, struct erofs_json *j)
{
	int err = 0;

	if (j) {
		erofs_json_u64(j, "xattr_body_size", vi->xattr_isize);
		erofs_json_array(j, "xattrs");
		if (vi->xattr_isize)
			err = erofs_xattr_iterate(vi, dump_xattr_one, j);
		erofs_json_end(j);
		return err;
	}
	if (!vi->xattr_isize) {
		printf("Xattrs:                 none\n");
		return 0;
	}
	printf("Xattrs:                 %u bytes inline body\n", vi->xattr_isize);
	return erofs_xattr_iterate(vi, dump_xattr_one, NULL);
}
