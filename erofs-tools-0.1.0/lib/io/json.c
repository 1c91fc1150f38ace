// SPDX-License-Identifier: MIT
/* The --json writer: see erofs/json.h for the string escaping contract. */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "erofs/json.h"

void erofs_json_init(struct erofs_json *j, FILE *fp)
{
	j->fp = fp;
	j->depth = 0;
	j->need_comma[0] = false;
}

/* Length of the valid UTF-8 sequence at @s (at most @len bytes), or 0. */
static size_t json_utf8_len(const unsigned char *s, size_t len)
{
	unsigned int c = s[0], n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	cp = c & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and beyond U+10FFFF are invalid */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static void json_quote(FILE *fp, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	fputc('"', fp);
	while (i < len) {
		unsigned int c = s[i];

		if (c == '"' || c == '\\') {
			fputc('\\', fp);
			fputc(c, fp);
			i++;
		} else if (c == '\n') {
			fputs("\\n", fp);
			i++;
		} else if (c == '\t') {
			fputs("\\t", fp);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(fp, "\\u%04x", c);
			i++;
		} else if ((n = json_utf8_len(s + i, len - i))) {
			fwrite(s + i, 1, n, fp);
			i += n;
		} else {
			/* not UTF-8: a lone low surrogate carries the byte */
			fprintf(fp, "\\udc%02x", c);
			i++;
		}
	}
	fputc('"', fp);
}

/* Separator and key before a value or container. */
static void json_member(struct erofs_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->fp);
	j->need_comma[j->depth] = true;
	if (key) {
		json_quote(j->fp, key, strlen(key));
		fputc(':', j->fp);
	}
}

static void json_open(struct erofs_json *j, const char *key, bool array)
{
	json_member(j, key);
	fputc(array ? '[' : '{', j->fp);
	assert(j->depth + 1 < EROFS_JSON_MAX_DEPTH);
	j->depth++;
	j->need_comma[j->depth] = false;
	j->is_array[j->depth] = array;
}

void erofs_json_object(struct erofs_json *j, const char *key)
{
	json_open(j, key, false);
}

void erofs_json_array(struct erofs_json *j, const char *key)
{
	json_open(j, key, true);
}

void erofs_json_end(struct erofs_json *j)
{
	assert(j->depth > 0);
	fputc(j->is_array[j->depth] ? ']' : '}', j->fp);
	if (!--j->depth)
		fputc('\n', j->fp);
}

void erofs_json_strn(struct erofs_json *j, const char *key, const char *s,
		     size_t len)
{
	json_member(j, key);
	json_quote(j->fp, s, len);
}

void erofs_json_str(struct erofs_json *j, const char *key, const char *s)
{
	erofs_json_strn(j, key, s, strlen(s));
}

void erofs_json_u64(struct erofs_json *j, const char *key, uint64_t v)
{
	json_member(j, key);
	fprintf(j->fp, "%" PRIu64, v);
}

void erofs_json_i64(struct erofs_json *j, const char *key, int64_t v)
{
	json_member(j, key);
	fprintf(j->fp, "%" PRId64, v);
}

void erofs_json_double(struct erofs_json *j, const char *key, double v)
{
	json_member(j, key);
	if (isfinite(v))
		fprintf(j->fp, "%.6g", v);
	else
		fputs("null", j->fp);
}

void erofs_json_bool(struct erofs_json *j, const char *key, bool v)
{
	json_member(j, key);
	fputs(v ? "true" : "false", j->fp);
}

void erofs_json_null(struct erofs_json *j, const char *key)
{
	json_member(j, key);
	fputs("null", j->fp);
}
