// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include "erofs/print.h"

const char *erofs_progname = "erofs";
int erofs_msg_level = EROFS_MSG_INFO;
void (*erofs_msg_sink)(int level, const char *line);

void erofs_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > erofs_msg_level)
		return;
	if (erofs_msg_sink) {
		char line[1024];

		va_start(ap, fmt);
		vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		erofs_msg_sink(level, line);
		return;
	}
	/* one whole line, even when other threads report at the same time */
	flockfile(stderr);
	fprintf(stderr, "%s: ", erofs_progname);
	if (level == EROFS_MSG_WARN)
		fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}
