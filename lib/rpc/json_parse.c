/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_json_parse(): one pass over the input, no allocation, no recursion.
 *
 * Containers are tracked on a fixed stack of PW_JSON_MAX_DEPTH entries that
 * remember where each _BEGIN value went, so its len can be filled in when
 * the container closes. Strings are scanned in runs of plain bytes and, with
 * SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE, decoded over themselves: an escape
 * never decodes to more bytes than it occupies, so the write position never
 * passes the read position.
 *
 * Truncated input: whenever the bytes seen so far could still be the start
 * of a valid document, the answer is SPDK_JSON_PARSE_INCOMPLETE, so a
 * stream reader can wait for more bytes; only bytes that can never become
 * valid give SPDK_JSON_PARSE_INVALID.
 */

#include "spdk/json.h"
#include "spdk/likely.h"
#include "rpc/json_internal.h"
#include "common/pw_common.h"

/* Byte classes inside a string. */
enum {
	STR_PLAIN = 0,	/* printable ASCII other than '"' and '\' */
	STR_QUOTE,
	STR_ESCAPE,
	STR_CONTROL,	/* below 0x20: must be escaped */
	STR_MULTI,	/* 0x80 and above: part of a UTF-8 sequence */
};

#define CTRL8(x) x, x, x, x, x, x, x, x
#define MULTI16 CTRL8(STR_MULTI), CTRL8(STR_MULTI)

static const uint8_t g_str_class[256] = {
	CTRL8(STR_CONTROL), CTRL8(STR_CONTROL), CTRL8(STR_CONTROL), CTRL8(STR_CONTROL),
	['"'] = STR_QUOTE,
	['\\'] = STR_ESCAPE,
	[0x80] = MULTI16, MULTI16, MULTI16, MULTI16, MULTI16, MULTI16, MULTI16, MULTI16,
};

enum parse_state {
	ST_VALUE,		/* a value must come (top level, after ':' or ',') */
	ST_FIRST_VALUE,		/* just after '[': a value or ']' */
	ST_NAME,		/* after ',' in an object: a name must come */
	ST_FIRST_NAME,		/* just after '{': a name or '}' */
	ST_COLON,		/* after a name */
	ST_AFTER,		/* after a value inside a container: ',' or the closer */
	ST_DONE,		/* the top-level value is complete */
};

struct parser {
	struct spdk_json_val *values;
	size_t num_values;
	size_t count;		/* values seen, stored or not */
};

static inline void
add_value(struct parser *ps, enum spdk_json_val_type type, void *start, size_t len)
{
	if (ps->values != NULL && ps->count < ps->num_values) {
		ps->values[ps->count].type = type;
		ps->values[ps->count].start = start;
		ps->values[ps->count].len = (uint32_t)len;
	}
	ps->count++;
}

static int
hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	c |= 0x20;	/* lower case */
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	return -1;
}

/* Read the 4 hex digits of a \u escape at p. */
static int
read_hex4(const uint8_t *p, const uint8_t *end, uint32_t *u)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		int d;

		if (p + i == end) {
			return SPDK_JSON_PARSE_INCOMPLETE;
		}
		d = hex_digit(p[i]);
		if (d < 0) {
			return SPDK_JSON_PARSE_INVALID;
		}
		v = (v << 4) | (uint32_t)d;
	}
	*u = v;
	return 0;
}

/*
 * Decode the escape at *pp (a backslash). On success *pp moves past it, the
 * decoded bytes go to out (when not NULL) and *out_len is their number.
 * On failure *pp is left where the problem is.
 */
static int
parse_escape(uint8_t **pp, const uint8_t *end, uint8_t *out, int *out_len)
{
	uint8_t *in = *pp;
	uint32_t cp, low;
	uint8_t c;
	int rc;

	if (end - in < 2) {
		return SPDK_JSON_PARSE_INCOMPLETE;
	}
	switch (in[1]) {
	case '"':
	case '\\':
	case '/':
		c = in[1];
		break;
	case 'b':
		c = '\b';
		break;
	case 'f':
		c = '\f';
		break;
	case 'n':
		c = '\n';
		break;
	case 'r':
		c = '\r';
		break;
	case 't':
		c = '\t';
		break;
	case 'u':
		rc = read_hex4(in + 2, end, &cp);
		if (rc != 0) {
			return rc;
		}
		in += 6;
		if (pw__is_low_surrogate(cp)) {
			return SPDK_JSON_PARSE_INVALID;	/* a low half without its high half */
		}
		if (pw__is_high_surrogate(cp)) {
			/* The low half must follow at once, as another \u escape. */
			if (in == end || (in[0] == '\\' && in + 1 == end)) {
				return SPDK_JSON_PARSE_INCOMPLETE;
			}
			if (in[0] != '\\' || in[1] != 'u') {
				return SPDK_JSON_PARSE_INVALID;
			}
			rc = read_hex4(in + 2, end, &low);
			if (rc != 0) {
				return rc;
			}
			if (!pw__is_low_surrogate(low)) {
				return SPDK_JSON_PARSE_INVALID;
			}
			in += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
		}
		*out_len = out != NULL ? pw__utf8_encode(out, cp) : pw__utf8_len(cp);
		*pp = in;
		return 0;
	default:
		*pp = in + 1;
		return SPDK_JSON_PARSE_INVALID;
	}
	if (out != NULL) {
		*out = c;
	}
	*out_len = 1;
	*pp = in + 2;
	return 0;
}

/*
 * Scan (and, when in_place, decode) the string whose opening quote is at
 * *pp. On success *pp is just past the closing quote and *len is the
 * decoded length; on failure *pp is where the problem is.
 */
static int
parse_string(uint8_t **pp, const uint8_t *end, bool in_place, size_t *len)
{
	uint8_t *in = *pp + 1;
	uint8_t *out = in;	/* where the next decoded byte goes (written only in place) */
	uint8_t *start = in;
	uint8_t *run;
	int n, rc;

	for (;;) {
		run = in;
		while (in < end && g_str_class[*in] == STR_PLAIN) {
			in++;
		}
		if (in != run) {
			if (in_place && out != run) {
				memmove(out, run, (size_t)(in - run));
			}
			out += in - run;
		}
		if (in == end) {
			*pp = in;
			return SPDK_JSON_PARSE_INCOMPLETE;
		}

		switch (g_str_class[*in]) {
		case STR_QUOTE:
			*pp = in + 1;
			*len = (size_t)(out - start);
			return 0;
		case STR_ESCAPE:
			rc = parse_escape(&in, end, in_place ? out : NULL, &n);
			if (rc != 0) {
				*pp = in;
				return rc;
			}
			out += n;
			break;
		case STR_CONTROL:
			*pp = in;
			return SPDK_JSON_PARSE_INVALID;
		default:
			n = pw__utf8_seq_len(in, end);
			if (n <= 0) {
				*pp = in;
				return n == 0 ? SPDK_JSON_PARSE_INCOMPLETE : SPDK_JSON_PARSE_INVALID;
			}
			if (in_place && out != in) {
				memmove(out, in, (size_t)n);
			}
			in += n;
			out += n;
			break;
		}
	}
}

static inline bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Length of the number at p: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
scan_number(const uint8_t *p, const uint8_t *end, size_t *len)
{
	const uint8_t *s = p;

	if (*p == '-' && ++p == end) {
		return SPDK_JSON_PARSE_INCOMPLETE;
	}
	if (*p == '0') {
		p++;
	} else if (is_digit(*p)) {
		while (p < end && is_digit(*p)) {
			p++;
		}
	} else {
		return SPDK_JSON_PARSE_INVALID;
	}
	if (p < end && *p == '.') {
		if (++p == end) {
			return SPDK_JSON_PARSE_INCOMPLETE;
		}
		if (!is_digit(*p)) {
			return SPDK_JSON_PARSE_INVALID;
		}
		while (p < end && is_digit(*p)) {
			p++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p == end) {
			return SPDK_JSON_PARSE_INCOMPLETE;
		}
		if ((*p == '+' || *p == '-') && ++p == end) {
			return SPDK_JSON_PARSE_INCOMPLETE;
		}
		if (!is_digit(*p)) {
			return SPDK_JSON_PARSE_INVALID;
		}
		while (p < end && is_digit(*p)) {
			p++;
		}
	}
	*len = (size_t)(p - s);
	return 0;
}

/* Length of a comment at p (a '/'), line terminator not included. */
static int
scan_comment(const uint8_t *p, const uint8_t *end, size_t *len)
{
	const uint8_t *s = p;

	if (end - p < 2) {
		return SPDK_JSON_PARSE_INCOMPLETE;
	}
	if (p[1] == '*') {
		for (p += 2; end - p >= 2; p++) {
			if (p[0] == '*' && p[1] == '/') {
				*len = (size_t)(p + 2 - s);
				return 0;
			}
		}
		return SPDK_JSON_PARSE_INCOMPLETE;
	}
	if (p[1] != '/') {
		return SPDK_JSON_PARSE_INVALID;
	}
	for (p += 2; p < end; p++) {
		if (*p == '\n' || *p == '\r') {
			*len = (size_t)(p - s);
			return 0;
		}
	}
	return SPDK_JSON_PARSE_INCOMPLETE;
}

/* Match true/false/null at p; a prefix cut off by end is INCOMPLETE. */
static int
scan_literal(const uint8_t *p, const uint8_t *end, enum spdk_json_val_type *type, size_t *len)
{
	const char *word;
	size_t avail = (size_t)(end - p);

	switch (*p) {
	case 't':
		word = "true";
		*type = SPDK_JSON_VAL_TRUE;
		break;
	case 'f':
		word = "false";
		*type = SPDK_JSON_VAL_FALSE;
		break;
	default:
		word = "null";
		*type = SPDK_JSON_VAL_NULL;
		break;
	}
	*len = strlen(word);
	if (memcmp(p, word, avail < *len ? avail : *len) != 0) {
		return SPDK_JSON_PARSE_INVALID;
	}
	return avail < *len ? SPDK_JSON_PARSE_INCOMPLETE : 0;
}

static inline bool
is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

PW_EXPORT ssize_t
spdk_json_parse(void *json, size_t size, struct spdk_json_val *values, size_t num_values,
		void **end, uint32_t flags)
{
	struct parser ps = { .values = values, .num_values = num_values, .count = 0 };
	size_t open[PW_JSON_MAX_DEPTH];		/* index of each open container's _BEGIN */
	bool open_is_object[PW_JSON_MAX_DEPTH];
	size_t depth = 0;
	enum parse_state state = ST_VALUE;
	bool in_place = (flags & SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE) != 0;
	uint8_t *p = json;
	uint8_t *buf_end;
	enum spdk_json_val_type type;
	size_t len;
	int rc = 0;

	if (json == NULL) {
		if (end != NULL) {
			*end = NULL;
		}
		return size == 0 ? SPDK_JSON_PARSE_INCOMPLETE : SPDK_JSON_PARSE_INVALID;
	}
	buf_end = p + size;

	while (p < buf_end && state != ST_DONE) {
		uint8_t c = *p;
		bool value_done = false;

		switch (c) {
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			p++;
			continue;

		case '/':
			if (!(flags & SPDK_JSON_PARSE_FLAG_ALLOW_COMMENTS)) {
				goto invalid;
			}
			rc = scan_comment(p, buf_end, &len);
			if (rc != 0) {
				goto fail;
			}
			p += len;
			continue;

		case '"':
			if (state == ST_NAME || state == ST_FIRST_NAME) {
				type = SPDK_JSON_VAL_NAME;
			} else if (state == ST_VALUE || state == ST_FIRST_VALUE) {
				type = SPDK_JSON_VAL_STRING;
			} else {
				goto invalid;
			}
			{
				uint8_t *s = p + 1;

				rc = parse_string(&p, buf_end, in_place, &len);
				if (rc != 0) {
					goto fail;
				}
				if (len > UINT32_MAX) {
					goto invalid;
				}
				add_value(&ps, type, s, len);
			}
			if (type == SPDK_JSON_VAL_NAME) {
				state = ST_COLON;
			} else {
				value_done = true;
			}
			break;

		case '-':
		case '0' ... '9':
			if (state != ST_VALUE && state != ST_FIRST_VALUE) {
				goto invalid;
			}
			rc = scan_number(p, buf_end, &len);
			if (rc != 0) {
				goto fail;
			}
			if (len > UINT32_MAX) {
				goto invalid;
			}
			add_value(&ps, SPDK_JSON_VAL_NUMBER, p, len);
			p += len;
			value_done = true;
			break;

		case 't':
		case 'f':
		case 'n':
			if (state != ST_VALUE && state != ST_FIRST_VALUE) {
				goto invalid;
			}
			rc = scan_literal(p, buf_end, &type, &len);
			if (rc != 0) {
				goto fail;
			}
			add_value(&ps, type, p, len);
			p += len;
			value_done = true;
			break;

		case '{':
		case '[':
			if (state != ST_VALUE && state != ST_FIRST_VALUE) {
				goto invalid;
			}
			if (depth == PW_JSON_MAX_DEPTH) {
				rc = SPDK_JSON_PARSE_MAX_DEPTH_EXCEEDED;
				goto fail;
			}
			open[depth] = ps.count;
			open_is_object[depth] = c == '{';
			depth++;
			add_value(&ps, c == '{' ? SPDK_JSON_VAL_OBJECT_BEGIN : SPDK_JSON_VAL_ARRAY_BEGIN,
				  p, 1);
			state = c == '{' ? ST_FIRST_NAME : ST_FIRST_VALUE;
			p++;
			break;

		case '}':
		case ']':
			if (c == '}' ? !(state == ST_FIRST_NAME ||
					 (state == ST_AFTER && open_is_object[depth - 1])) :
			    !(state == ST_FIRST_VALUE ||
			      (state == ST_AFTER && !open_is_object[depth - 1]))) {
				goto invalid;
			}
			depth--;
			if (values != NULL && open[depth] < num_values) {
				values[open[depth]].len = (uint32_t)(ps.count - open[depth] - 1);
			}
			add_value(&ps, c == '}' ? SPDK_JSON_VAL_OBJECT_END : SPDK_JSON_VAL_ARRAY_END, p, 1);
			p++;
			value_done = true;
			break;

		case ',':
			if (state != ST_AFTER) {
				goto invalid;
			}
			state = open_is_object[depth - 1] ? ST_NAME : ST_VALUE;
			p++;
			break;

		case ':':
			if (state != ST_COLON) {
				goto invalid;
			}
			state = ST_VALUE;
			p++;
			break;

		default:
			goto invalid;
		}

		if (value_done) {
			state = depth > 0 ? ST_AFTER : ST_DONE;
		}
	}

	if (state != ST_DONE) {
		rc = SPDK_JSON_PARSE_INCOMPLETE;
		goto fail;
	}
	while (p < buf_end && is_space(*p)) {
		p++;
	}
	if (end != NULL) {
		*end = p;
	}
	return (ssize_t)ps.count;

invalid:
	rc = SPDK_JSON_PARSE_INVALID;
fail:
	if (end != NULL) {
		*end = p;
	}
	return rc;
}
