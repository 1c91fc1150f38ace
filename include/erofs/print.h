/* SPDX-License-Identifier: MIT */
/* Messages: "prog: text" on stderr, filtered by the -d level. */
#ifndef EROFS_PRINT_H
#define EROFS_PRINT_H

enum {
	EROFS_MSG_ERR = 0,
	EROFS_MSG_WARN = 1,
	EROFS_MSG_INFO = 2,	/* the default level */
	EROFS_MSG_DBG = 3,
};

/* Program name printed before every message; set once by main(). */
extern const char *erofs_progname;
/* Messages above this level are dropped; -d N sets it, --quiet lowers it. */
extern int erofs_msg_level;

/* Print one message line at @level; a newline is added. */
void erofs_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Where message lines go instead of stderr when set (a daemon's syslog):
 * @line is the message without the program name or a newline.  Set it
 * before threads start.
 */
extern void (*erofs_msg_sink)(int level, const char *line);

#define erofs_err(...)	erofs_msg(EROFS_MSG_ERR, __VA_ARGS__)
#define erofs_warn(...)	erofs_msg(EROFS_MSG_WARN, __VA_ARGS__)
#define erofs_info(...)	erofs_msg(EROFS_MSG_INFO, __VA_ARGS__)
#define erofs_dbg(...)	erofs_msg(EROFS_MSG_DBG, __VA_ARGS__)

#endif
