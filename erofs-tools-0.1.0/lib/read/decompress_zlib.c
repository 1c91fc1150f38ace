// SPDX-License-Identifier: MIT
/*
 * DEFLATE pclusters through zlib: a raw DEFLATE stream after the zero
 * padding, ending at the pcluster end.  zlib's streaming inflate stops
 * when the output is full, which is what a partial reference needs; a
 * whole extent must also reach the end of the stream there.  The window
 * is always zlib's largest (32 KiB), which reads every windowbits.
 */
#include <zlib.h>
#include "decompress_codecs.h"

int z_erofs_zlib_decompress(const struct z_erofs_decompress_req *rq)
{
	z_stream z = { 0 };
	const uint8_t *src;
	uint32_t srclen;
	int ret, err;

	err = z_erofs_stream_start(rq, &src, &srclen);
	if (err)
		return err;
	ret = inflateInit2(&z, -MAX_WBITS);
	if (ret != Z_OK)
		return ret == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	z.next_in = (Bytef *)src;
	z.avail_in = srclen;
	z.next_out = rq->out;
	z.avail_out = rq->outlen;
	ret = inflate(&z, rq->partial ? Z_SYNC_FLUSH : Z_FINISH);
	if (ret == Z_MEM_ERROR)
		err = -ENOMEM;
	else if (z.total_out != rq->outlen)
		err = -EFSCORRUPTED;	/* short, or a bad stream */
	else if (!rq->partial && ret != Z_STREAM_END)
		err = -EFSCORRUPTED;	/* more than the extent */
	else if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
		err = -EFSCORRUPTED;
	inflateEnd(&z);
	return err;
}
