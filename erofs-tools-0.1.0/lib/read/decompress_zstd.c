// SPDX-License-Identifier: MIT
/*
 * ZSTD pclusters: one Zstandard frame after the zero padding, ending at
 * the pcluster end, decoded as a stream so that a partial reference can
 * stop after its prefix.  The window is capped at what the image declares
 * (at most 1 MiB), so a frame header cannot make us allocate more.
 */
#include <zstd.h>
#include "erofs_fs.h"
#include "decompress_codecs.h"

static unsigned int z_erofs_zstd_windowlog(uint32_t window)
{
	unsigned int log = 10;	/* ZSTD_WINDOWLOG_ABSOLUTEMIN */

	if (!window || window > Z_EROFS_ZSTD_MAX_DICT_SIZE)
		window = Z_EROFS_ZSTD_MAX_DICT_SIZE;
	while ((1u << log) < window)
		log++;
	return log;
}

int z_erofs_zstd_decompress(const struct z_erofs_decompress_req *rq)
{
	ZSTD_inBuffer in;
	ZSTD_outBuffer out = { rq->out, rq->outlen, 0 };
	const uint8_t *src;
	uint32_t srclen;
	ZSTD_DCtx *d;
	uint8_t spare;
	size_t ret;
	int err;

	err = z_erofs_stream_start(rq, &src, &srclen);
	if (err)
		return err;
	in = (ZSTD_inBuffer){ src, srclen, 0 };
	d = ZSTD_createDCtx();
	if (!d)
		return -ENOMEM;
	if (ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax,
			z_erofs_zstd_windowlog(rq->window)))) {
		err = -ENOMEM;
		goto out_free;
	}
	err = -EFSCORRUPTED;
	for (;;) {
		size_t in_pos = in.pos, out_pos = out.pos;

		ret = ZSTD_decompressStream(d, &out, &in);
		if (ZSTD_isError(ret))
			break;
		if (out.dst == &spare) {
			/* past the extent: the frame must end with no more bytes */
			if (out.pos)
				break;
			if (!ret) {
				err = 0;
				break;
			}
		} else if (out.pos == out.size) {
			if (rq->partial || !ret) {
				err = 0;
				break;
			}
			/* whole extent out: see whether the frame holds more */
			out = (ZSTD_outBuffer){ &spare, 1, 0 };
			continue;
		} else if (!ret) {
			break;		/* the frame ended early */
		}
		if (in.pos == in_pos && out.pos == out_pos)
			break;		/* input used up, frame unfinished */
	}
out_free:
	ZSTD_freeDCtx(d);
	return err;
}
