/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * libFuzzer target: spdk_json_parse() on the input, then the decoders, the
 * walkers and the writer on what it produced.
 *
 * Input: the first byte chooses options (bit 0: allow comments; bit 1:
 * relaxed decoding); the rest is the JSON text.
 *
 * Checked against:
 * - a reference recognizer written here (recursive descent, independent
 *   of the library's state machine) that gives the same answer: the value
 *   count and end offset, or which of INVALID / INCOMPLETE /
 *   MAX_DEPTH_EXCEEDED; for UTF-8 it asks whether any completion of a cut
 *   sequence could still be a valid code point;
 * - the shape of the value array: every _BEGIN's len lands on its _END,
 *   object members alternate NAME / value, pointers stay in the buffer, and
 *   counting (values NULL) agrees with filling;
 * - number conversions agree with each other across widths, and with
 *   strtoull for plain digit strings;
 * - iteration with spdk_json_next() visits spdk_json_array_count() elements
 *   and every member name spdk_json_find() can find;
 * - decoding an object with a table of every decoder: strict success
 *   implies relaxed success, and spdk_json_free_object() leaves no leak;
 * - writing the values back (compact and formatted) succeeds, the output
 *   parses to as many values, and writing that again gives the same bytes.
 */

#include "fuzz_common.h"

#include <errno.h>
#include <stdbool.h>

#include "spdk/json.h"

#define REF_MAX_DEPTH 64

/* ---- the reference recognizer ---------------------------------------------------------- */

struct ref {
	const uint8_t *p, *end;
	size_t count;
	int depth;
	bool comments;
};

static int
ref_blank(struct ref *r)
{
	while (r->p < r->end) {
		uint8_t c = *r->p;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			r->p++;
		} else if (c == '/') {
			if (!r->comments) {
				return SPDK_JSON_PARSE_INVALID;
			}
			if (r->p + 1 == r->end) {
				return SPDK_JSON_PARSE_INCOMPLETE;
			}
			if (r->p[1] == '*') {
				const uint8_t *q = r->p + 2;

				while (q + 1 < r->end && !(q[0] == '*' && q[1] == '/')) {
					q++;
				}
				if (q + 1 >= r->end) {
					return SPDK_JSON_PARSE_INCOMPLETE;
				}
				r->p = q + 2;
			} else if (r->p[1] == '/') {
				const uint8_t *q = r->p + 2;

				while (q < r->end && *q != '\n' && *q != '\r') {
					q++;
				}
				if (q == r->end) {
					return SPDK_JSON_PARSE_INCOMPLETE;
				}
				r->p = q;
			} else {
				return SPDK_JSON_PARSE_INVALID;
			}
		} else {
			break;
		}
	}
	return 0;
}

static int
ref_hex4(struct ref *r, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c;

		if (r->p == r->end) {
			return SPDK_JSON_PARSE_INCOMPLETE;
		}
		c = (char)*r->p++;
		if (c >= '0' && c <= '9') {
			*v = *v * 16 + (uint32_t)(c - '0');
		} else if (c >= 'a' && c <= 'f') {
			*v = *v * 16 + (uint32_t)(c - 'a' + 10);
		} else if (c >= 'A' && c <= 'F') {
			*v = *v * 16 + (uint32_t)(c - 'A' + 10);
		} else {
			return SPDK_JSON_PARSE_INVALID;
		}
	}
	return 0;
}

/* Can some code point in [lo, hi] be valid when encoded with n bytes? */
static bool
ref_cp_possible(uint32_t lo, uint32_t hi, int n)
{
	static const uint32_t min_for_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };

	if (lo < min_for_len[n]) {
		lo = min_for_len[n];
	}
	if (hi > 0x10FFFF) {
		hi = 0x10FFFF;
	}
	if (lo > hi) {
		return false;
	}
	/* all of [lo, hi] inside the surrogates? */
	return !(lo >= 0xD800 && hi <= 0xDFFF);
}

static int
ref_utf8(struct ref *r)
{
	uint8_t c = *r->p;
	int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
	uint32_t cp;
	int have;

	if (n == 0 || c >= 0xF8) {
		return SPDK_JSON_PARSE_INVALID;
	}
	cp = c & (0x7F >> n);
	for (have = 1; have < n; have++) {
		uint32_t shift = 6 * (uint32_t)(n - have - 1);

		if (r->p + have == r->end) {
			/* cut short: is any completion valid? */
			uint32_t lo = cp << (6 * (n - have));
			uint32_t hi = lo | ((1u << (6 * (n - have))) - 1);

			return ref_cp_possible(lo, hi, n) ? SPDK_JSON_PARSE_INCOMPLETE :
			       SPDK_JSON_PARSE_INVALID;
		}
		if ((r->p[have] & 0xC0) != 0x80) {
			return SPDK_JSON_PARSE_INVALID;
		}
		cp = (cp << 6) | (r->p[have] & 0x3F);
		/* a prefix no completion can rescue is invalid at once */
		if (!ref_cp_possible(cp << shift, (cp << shift) | ((1u << shift) - 1), n)) {
			return SPDK_JSON_PARSE_INVALID;
		}
	}
	r->p += n;
	return 0;
}

static int
ref_string(struct ref *r)
{
	uint32_t u, low;
	int rc;

	r->p++;	/* the opening quote */
	for (;;) {
		if (r->p == r->end) {
			return SPDK_JSON_PARSE_INCOMPLETE;
		}
		if (*r->p == '"') {
			r->p++;
			r->count++;
			return 0;
		}
		if (*r->p < 0x20) {
			return SPDK_JSON_PARSE_INVALID;
		}
		if (*r->p >= 0x80) {
			rc = ref_utf8(r);
			if (rc != 0) {
				return rc;
			}
			continue;
		}
		if (*r->p != '\\') {
			r->p++;
			continue;
		}
		if (++r->p == r->end) {
			return SPDK_JSON_PARSE_INCOMPLETE;
		}
		if (strchr("\"\\/bfnrt", *r->p) != NULL && *r->p != '\0') {
			r->p++;
			continue;
		}
		if (*r->p++ != 'u') {
			return SPDK_JSON_PARSE_INVALID;
		}
		rc = ref_hex4(r, &u);
		if (rc != 0) {
			return rc;
		}
		if (u >= 0xDC00 && u <= 0xDFFF) {
			return SPDK_JSON_PARSE_INVALID;
		}
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (r->p == r->end) {
				return SPDK_JSON_PARSE_INCOMPLETE;
			}
			if (*r->p++ != '\\') {
				return SPDK_JSON_PARSE_INVALID;
			}
			if (r->p == r->end) {
				return SPDK_JSON_PARSE_INCOMPLETE;
			}
			if (*r->p++ != 'u') {
				return SPDK_JSON_PARSE_INVALID;
			}
			rc = ref_hex4(r, &low);
			if (rc != 0) {
				return rc;
			}
			if (low < 0xDC00 || low > 0xDFFF) {
				return SPDK_JSON_PARSE_INVALID;
			}
		}
	}
}

static bool
ref_digit(const struct ref *r)
{
	return r->p < r->end && *r->p >= '0' && *r->p <= '9';
}

/* Digits required here: none yet and the input ends is INCOMPLETE. */
static int
ref_need_digits(struct ref *r)
{
	if (r->p == r->end) {
		return SPDK_JSON_PARSE_INCOMPLETE;
	}
	if (!ref_digit(r)) {
		return SPDK_JSON_PARSE_INVALID;
	}
	while (ref_digit(r)) {
		r->p++;
	}
	return 0;
}

static int
ref_number(struct ref *r)
{
	int rc;

	if (*r->p == '-') {
		r->p++;
	}
	if (r->p < r->end && *r->p == '0') {
		r->p++;
	} else {
		rc = ref_need_digits(r);
		if (rc != 0) {
			return rc;
		}
	}
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		rc = ref_need_digits(r);
		if (rc != 0) {
			return rc;
		}
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-')) {
			r->p++;
		}
		rc = ref_need_digits(r);
		if (rc != 0) {
			return rc;
		}
	}
	r->count++;
	return 0;
}

static int
ref_literal(struct ref *r, const char *word)
{
	size_t len = strlen(word);

	for (size_t i = 0; i < len; i++) {
		if (r->p + i == r->end) {
			return SPDK_JSON_PARSE_INCOMPLETE;
		}
		if (r->p[i] != (uint8_t)word[i]) {
			return SPDK_JSON_PARSE_INVALID;
		}
	}
	r->p += len;
	r->count++;
	return 0;
}

static int ref_value(struct ref *r);

/* An array or object, from its opening bracket. */
static int
ref_container(struct ref *r, bool object)
{
	char close = object ? '}' : ']';
	int rc;

	if (r->depth == REF_MAX_DEPTH) {
		return SPDK_JSON_PARSE_MAX_DEPTH_EXCEEDED;
	}
	r->depth++;
	r->count++;
	r->p++;
	rc = ref_blank(r);
	if (rc != 0) {
		return rc;
	}
	if (r->p < r->end && *r->p == close) {
		goto closed;
	}
	for (;;) {
		if (object) {
			rc = ref_blank(r);
			if (rc != 0) {
				return rc;
			}
			if (r->p == r->end) {
				return SPDK_JSON_PARSE_INCOMPLETE;
			}
			if (*r->p != '"') {
				return SPDK_JSON_PARSE_INVALID;
			}
			rc = ref_string(r);
			if (rc == 0) {
				rc = ref_blank(r);
			}
			if (rc != 0) {
				return rc;
			}
			if (r->p == r->end) {
				return SPDK_JSON_PARSE_INCOMPLETE;
			}
			if (*r->p++ != ':') {
				return SPDK_JSON_PARSE_INVALID;
			}
		}
		rc = ref_value(r);
		if (rc == 0) {
			rc = ref_blank(r);
		}
		if (rc != 0) {
			return rc;
		}
		if (r->p == r->end) {
			return SPDK_JSON_PARSE_INCOMPLETE;
		}
		if (*r->p == close) {
			break;
		}
		if (*r->p++ != ',') {
			return SPDK_JSON_PARSE_INVALID;
		}
	}
closed:
	r->p++;
	r->count++;
	r->depth--;
	return 0;
}

static int
ref_value(struct ref *r)
{
	int rc = ref_blank(r);

	if (rc != 0) {
		return rc;
	}
	if (r->p == r->end) {
		return SPDK_JSON_PARSE_INCOMPLETE;
	}
	switch (*r->p) {
	case '{':
		return ref_container(r, true);
	case '[':
		return ref_container(r, false);
	case '"':
		return ref_string(r);
	case 't':
		return ref_literal(r, "true");
	case 'f':
		return ref_literal(r, "false");
	case 'n':
		return ref_literal(r, "null");
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
			return ref_number(r);
		}
		return SPDK_JSON_PARSE_INVALID;
	}
}

/* ---- checks of the library's answers --------------------------------------------------- */

/* Check the value at v[i] and everything inside it; returns the index past it. */
static size_t
check_value(const struct spdk_json_val *v, size_t i, size_t n, const uint8_t *buf, size_t size)
{
	enum spdk_json_val_type t;
	size_t j, end;

	FUZZ_CHECK(i < n, "value %zu missing", i);
	t = v[i].type;
	FUZZ_CHECK((const uint8_t *)v[i].start >= buf &&
		   (const uint8_t *)v[i].start + ((t & (SPDK_JSON_VAL_STRING | SPDK_JSON_VAL_NAME |
				   SPDK_JSON_VAL_NUMBER)) ? v[i].len : 1) <= buf + size,
		   "value %zu outside the buffer", i);
	if (t != SPDK_JSON_VAL_ARRAY_BEGIN && t != SPDK_JSON_VAL_OBJECT_BEGIN) {
		FUZZ_CHECK(t == SPDK_JSON_VAL_NULL || t == SPDK_JSON_VAL_TRUE ||
			   t == SPDK_JSON_VAL_FALSE || t == SPDK_JSON_VAL_NUMBER ||
			   t == SPDK_JSON_VAL_STRING, "value %zu: type %#x is not a value", i, t);
		return i + 1;
	}
	end = i + v[i].len + 1;
	FUZZ_CHECK(end < n && v[end].type == (t << 1), "value %zu: len does not land on its _END", i);
	for (j = i + 1; j < end;) {
		if (t == SPDK_JSON_VAL_OBJECT_BEGIN) {
			FUZZ_CHECK(v[j].type == SPDK_JSON_VAL_NAME, "value %zu: member without a name", j);
			j++;
		}
		j = check_value(v, j, end, buf, size);
	}
	FUZZ_CHECK(j == end, "value %zu: members overrun the container", i);
	return end + 1;
}

static void
check_shape(const struct spdk_json_val *v, size_t n, const uint8_t *buf, size_t size)
{
	FUZZ_CHECK(check_value(v, 0, n, buf, size) == n, "values after the top-level value");
}

static void
check_numbers(const struct spdk_json_val *v)
{
	uint64_t u64 = 0;
	uint32_t u32 = 0;
	uint16_t u16 = 0;
	uint8_t u8 = 0;
	int32_t i32 = 0;
	int r64 = spdk_json_number_to_uint64(v, &u64);
	int r32 = spdk_json_number_to_uint32(v, &u32);
	int r16 = spdk_json_number_to_uint16(v, &u16);
	int r8 = spdk_json_number_to_uint8(v, &u8);
	int ri = spdk_json_number_to_int32(v, &i32);
	const char *t = v->start;
	bool plain = true;

	FUZZ_CHECK(r64 == 0 || r64 == -ERANGE, "uint64 rc %d", r64);
	FUZZ_CHECK((r32 == 0) == (r64 == 0 && u64 <= UINT32_MAX), "uint32 disagrees");
	FUZZ_CHECK((r16 == 0) == (r64 == 0 && u64 <= UINT16_MAX), "uint16 disagrees");
	FUZZ_CHECK((r8 == 0) == (r64 == 0 && u64 <= UINT8_MAX), "uint8 disagrees");
	if (r32 == 0) {
		FUZZ_CHECK(u32 == u64 && (r16 != 0 || u16 == u64) && (r8 != 0 || u8 == u64),
			   "widths disagree on the value");
	}
	if (r64 == 0 && u64 <= INT32_MAX) {
		FUZZ_CHECK(ri == 0 && (uint64_t)i32 == u64, "int32 disagrees");
	}
	if (ri == 0 && i32 < 0) {
		FUZZ_CHECK(t[0] == '-' && r64 == -ERANGE, "a negative int32 from a positive text");
	}
	/* plain digit strings: against strtoull */
	for (uint32_t i = 0; i < v->len; i++) {
		plain = plain && t[i] >= '0' && t[i] <= '9';
	}
	if (plain && v->len <= 19) {
		char text[24];

		memcpy(text, t, v->len);
		text[v->len] = '\0';
		FUZZ_CHECK(r64 == 0 && u64 == strtoull(text, NULL, 10), "%s: %d %lu", text, r64,
			   (unsigned long)u64);
	}
}

struct out {
	uint8_t *buf;
	size_t len, cap;
};

static int
out_cb(void *ctx, const void *data, size_t size)
{
	struct out *o = ctx;

	if (o->len + size > o->cap) {
		o->cap = (o->len + size) * 2;
		o->buf = realloc(o->buf, o->cap);
		if (o->buf == NULL) {
			abort();
		}
	}
	memcpy(o->buf + o->len, data, size);
	o->len += size;
	return 0;
}

/* Write v compactly (or formatted) into a fresh buffer. */
static struct out
write_back(const struct spdk_json_val *v, uint32_t flags)
{
	struct out o = { 0 };
	struct spdk_json_write_ctx *w = spdk_json_write_begin(out_cb, &o, flags);
	int rc;

	FUZZ_CHECK(w != NULL, "write_begin");
	rc = spdk_json_write_val(w, v);
	FUZZ_CHECK(rc == 0, "write_val failed on parsed values");
	FUZZ_CHECK(spdk_json_write_end(w) == 0, "write_end failed on parsed values");
	return o;
}

struct all {
	char *s;
	uint8_t u8;
	uint16_t u16;
	int32_t i32;
	uint32_t u32;
	uint64_t u64;
	bool b;
	uint32_t arr[4];
	size_t narr;
	char *inner;
};

static int
decode_arr(const struct spdk_json_val *val, void *out)
{
	struct all *a = (struct all *)((char *)out - offsetof(struct all, arr));

	return spdk_json_decode_array(val, spdk_json_decode_uint32, a->arr, 4, &a->narr,
				      sizeof(uint32_t));
}

static const struct spdk_json_object_decoder g_inner_decoders[] = {
	{ "name", 0, spdk_json_decode_string, false },
};

static int
decode_inner(const struct spdk_json_val *val, void *out)
{
	return spdk_json_decode_object_relaxed(val, g_inner_decoders, 1, out);
}

static const struct spdk_json_object_decoder g_all_decoders[] = {
	{ "method", offsetof(struct all, s), spdk_json_decode_string, true },
	{ "u8", offsetof(struct all, u8), spdk_json_decode_uint8, true },
	{ "u16", offsetof(struct all, u16), spdk_json_decode_uint16, true },
	{ "i32", offsetof(struct all, i32), spdk_json_decode_int32, true },
	{ "u32", offsetof(struct all, u32), spdk_json_decode_uint32, true },
	{ "id", offsetof(struct all, u64), spdk_json_decode_uint64, true },
	{ "b", offsetof(struct all, b), spdk_json_decode_bool, true },
	{ "arr", offsetof(struct all, arr), decode_arr, true },
	{ "params", offsetof(struct all, inner), decode_inner, true },
};
#define NUM_ALL (sizeof(g_all_decoders) / sizeof(g_all_decoders[0]))

static void
free_all(struct all *a)
{
	spdk_json_free_object(g_all_decoders, NUM_ALL, a);
	free(a->inner);	/* decode_inner's string (a custom decoder frees its own) */
	a->inner = NULL;
	FUZZ_CHECK(a->s == NULL, "free_object left a string");
}

static void
check_walk(struct spdk_json_val *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t count = 0;

		if (v[i].type == SPDK_JSON_VAL_ARRAY_BEGIN) {
			for (struct spdk_json_val *it = spdk_json_array_first(&v[i]); it != NULL;
			     it = spdk_json_next(it)) {
				count++;
			}
			FUZZ_CHECK(count == spdk_json_array_count(&v[i]), "array iteration");
		} else if (v[i].type == SPDK_JSON_VAL_OBJECT_BEGIN) {
			for (struct spdk_json_val *it = spdk_json_object_first(&v[i]); it != NULL;
			     it = spdk_json_next(it)) {
				char name[64];
				struct spdk_json_val *val = NULL;
				int rc;

				FUZZ_CHECK(it->type == SPDK_JSON_VAL_NAME, "member without a name");
				count++;
				if (it->len >= sizeof(name) || memchr(it->start, '\0', it->len) != NULL) {
					continue;
				}
				memcpy(name, it->start, it->len);
				name[it->len] = '\0';
				rc = spdk_json_find(&v[i], name, NULL, &val, SPDK_JSON_VAL_ANY);
				FUZZ_CHECK(rc == 0 || rc == -EINVAL, "find: %d", rc);
				FUZZ_CHECK(rc != 0 || val == it + 1, "find: wrong member");
			}
			FUZZ_CHECK(count * 2 <= v[i].len, "object iteration");
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t flags;
	bool relaxed;
	uint8_t *buf;
	struct spdk_json_val *v;
	struct ref r;
	void *end = NULL;
	ssize_t rc, count;
	int ref_rc;

	if (size == 0) {
		return 0;
	}
	fuzz_quiet_log();
	flags = (data[0] & 1) ? SPDK_JSON_PARSE_FLAG_ALLOW_COMMENTS : 0;
	relaxed = (data[0] & 2) != 0;
	data++;
	size--;

	/* exact-size copies, so that ASan sees any read past the input */
	buf = malloc(size ? size : 1);
	FUZZ_CHECK(buf != NULL, "malloc");
	memcpy(buf, data, size);

	r = (struct ref) { .p = data, .end = data + size, .comments = flags != 0 };
	ref_rc = ref_value(&r);

	count = spdk_json_parse(buf, size, NULL, 0, NULL, flags);
	if (ref_rc != 0) {
		FUZZ_CHECK(count == ref_rc, "rc %zd, reference %d", count, ref_rc);
		free(buf);
		return 0;
	}
	FUZZ_CHECK(count == (ssize_t)r.count, "count %zd, reference %zu", count, r.count);

	v = calloc((size_t)count + 1, sizeof(*v));
	FUZZ_CHECK(v != NULL, "calloc");
	rc = spdk_json_parse(buf, size, v, (size_t)count, &end,
			     flags | SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);
	FUZZ_CHECK(rc == count, "filling gives %zd, counting %zd", rc, count);
	/* the reference stops after the value; the library also skips blanks */
	while (r.p < r.end && (*r.p == ' ' || *r.p == '\t' || *r.p == '\n' || *r.p == '\r')) {
		r.p++;
	}
	FUZZ_CHECK((uint8_t *)end - buf == r.p - data, "end %td, reference %td",
		   (uint8_t *)end - buf, r.p - data);

	check_shape(v, (size_t)count, buf, size);
	for (ssize_t i = 0; i < count; i++) {
		if (v[i].type == SPDK_JSON_VAL_NUMBER) {
			check_numbers(&v[i]);
		}
	}
	check_walk(v, (size_t)count);

	if (v[0].type == SPDK_JSON_VAL_OBJECT_BEGIN) {
		struct all a = { 0 }, b = { 0 };
		int strict = spdk_json_decode_object(v, g_all_decoders, NUM_ALL, &a);
		int lax = spdk_json_decode_object_relaxed(v, g_all_decoders, NUM_ALL, &b);

		FUZZ_CHECK(strict != 0 || lax == 0, "strict decode passed, relaxed failed");
		if (lax == 0 && b.s != NULL) {
			/* decoded once, so present once, as a string */
			FUZZ_CHECK(spdk_json_find_string(v, "method", NULL, NULL) == 0, "method");
		}
		if (relaxed) {
			/* the other order: relaxed first must not change strict's answer */
			struct all c = { 0 };

			FUZZ_CHECK(spdk_json_decode_object(v, g_all_decoders, NUM_ALL, &c) == strict,
				   "strict decode not repeatable");
			free_all(&c);
		}
		free_all(&a);
		free_all(&b);
	}

	/* write back, reparse, write again: the writer's output is a fixed point */
	{
		struct out once = write_back(v, 0);
		struct out pretty = write_back(v, SPDK_JSON_WRITE_FLAG_FORMATTED);
		struct spdk_json_val *v2 = calloc((size_t)count + 1, sizeof(*v2));
		uint8_t *copy = malloc(once.len);
		struct out twice;

		FUZZ_CHECK(v2 != NULL && copy != NULL, "calloc");
		memcpy(copy, once.buf, once.len);
		rc = spdk_json_parse(pretty.buf, pretty.len, v2, (size_t)count, NULL,
				     SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);
		FUZZ_CHECK(rc == count, "formatted output parses to %zd values, not %zd", rc, count);
		rc = spdk_json_parse(copy, once.len, v2, (size_t)count, &end,
				     SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);
		FUZZ_CHECK(rc == count, "output parses to %zd values, not %zd", rc, count);
		FUZZ_CHECK((uint8_t *)end == copy + once.len, "output has bytes after its value");
		twice = write_back(v2, 0);
		FUZZ_CHECK(twice.len == once.len && memcmp(twice.buf, once.buf, once.len) == 0,
			   "writing the reparsed output changed it");
		free(copy);
		free(once.buf);
		free(twice.buf);
		free(pretty.buf);
		free(v2);
	}

	free(v);
	free(buf);
	return 0;
}
