// SPDX-License-Identifier: MIT
/*
 * LZMA pclusters: MicroLZMA streams (LZMA1 without a header; the first
 * byte carries the inverted properties) through liblzma.  The stream
 * starts after the zero padding and ends at the pcluster end, so its
 * compressed size is known exactly; the decoded size is the extent's, or
 * at most that for a partial reference.
 */
#include <lzma.h>
#include "erofs_fs.h"
#include "decompress_codecs.h"

/* liblzma refuses smaller dictionaries */
#define Z_EROFS_LZMA_MIN_DICT	4096u

int z_erofs_lzma_decompress(const struct z_erofs_decompress_req *rq)
{
	lzma_stream s = LZMA_STREAM_INIT;
	const uint8_t *src;
	uint32_t srclen, dict;
	lzma_ret ret;
	int err;

	err = z_erofs_stream_start(rq, &src, &srclen);
	if (err)
		return err;
	/*
	 * No match reaches further back than the bytes decoded so far, so
	 * the dictionary never needs more than the output: memory follows
	 * the extent, not a figure from the image.
	 */
	dict = rq->window ? rq->window : Z_EROFS_LZMA_MAX_DICT_SIZE;
	if (dict > rq->outlen)
		dict = rq->outlen;
	if (dict < Z_EROFS_LZMA_MIN_DICT)
		dict = Z_EROFS_LZMA_MIN_DICT;
	ret = lzma_microlzma_decoder(&s, srclen, rq->outlen, !rq->partial, dict);
	if (ret != LZMA_OK)
		return ret == LZMA_MEM_ERROR ? -ENOMEM : -EFSCORRUPTED;
	s.next_in = src;
	s.avail_in = srclen;
	s.next_out = rq->out;
	s.avail_out = rq->outlen;
	ret = lzma_code(&s, LZMA_FINISH);
	if (ret == LZMA_MEM_ERROR)
		err = -ENOMEM;
	else if (ret != LZMA_STREAM_END || s.total_out != rq->outlen)
		err = -EFSCORRUPTED;
	lzma_end(&s);
	return err;
}
