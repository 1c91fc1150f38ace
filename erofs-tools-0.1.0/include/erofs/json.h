/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer for the tools' --json output: one document
 * written as it is produced, commas and nesting tracked here.  Strings are
 * byte strings; bytes that are not valid UTF-8 are written as the escape
 * \udcXX (XX the byte), so the original bytes can be recovered exactly
 * (Python: os.fsencode(), i.e. the "surrogateescape" error handler).
 */
#ifndef EROFS_JSON_H
#define EROFS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EROFS_JSON_MAX_DEPTH	32

struct erofs_json {
	FILE *fp;
	unsigned int depth;
	bool need_comma[EROFS_JSON_MAX_DEPTH];	/* a member was written */
	bool is_array[EROFS_JSON_MAX_DEPTH];
};

/* Start writing to @fp; nothing is written yet. */
void erofs_json_init(struct erofs_json *j, FILE *fp);

/*
 * Containers and values.  @key names the member inside an object and must
 * be NULL inside an array or at the top level.  Nesting deeper than
 * EROFS_JSON_MAX_DEPTH is a programming error (asserted).
 */
void erofs_json_object(struct erofs_json *j, const char *key);
void erofs_json_array(struct erofs_json *j, const char *key);
/* Close the innermost object or array; the top level ends with a newline. */
void erofs_json_end(struct erofs_json *j);

void erofs_json_str(struct erofs_json *j, const char *key, const char *s);
/* @len bytes of @s, which may hold NULs and invalid UTF-8. */
void erofs_json_strn(struct erofs_json *j, const char *key, const char *s,
		     size_t len);
void erofs_json_u64(struct erofs_json *j, const char *key, uint64_t v);
void erofs_json_i64(struct erofs_json *j, const char *key, int64_t v);
/* Finite @v with up to 6 significant decimals; NaN/inf become null. */
void erofs_json_double(struct erofs_json *j, const char *key, double v);
void erofs_json_bool(struct erofs_json *j, const char *key, bool v);
void erofs_json_null(struct erofs_json *j, const char *key);

#endif
