/* SPDX-License-Identifier: MIT */
#ifndef MKFS_ZOPTS_H
#define MKFS_ZOPTS_H

#include "erofs/build.h"

/*
 * Parse -z ALG[,level=N][,dictsize=N][,lc=N][,lp=N][,pb=N][:ALG2...]
 * (or the older ALG,N) into @b->zcfgs: 0, or -EINVAL with one line
 * saying why in @msg.
 */
int mkfs_parse_z(const char *arg, struct erofs_build_opts *b, char *msg,
		 size_t len);
/* Resolve every algorithm's dictionary size for pclusters up to @pclsz. */
void mkfs_resolve_dictsizes(struct erofs_build_opts *b, uint32_t pclsz);

#endif
