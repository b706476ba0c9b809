/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of spdk_json_parse(): the flat value array, in-place string
 * decoding, stream framing with the end pointer, INCOMPLETE for every
 * truncation of valid input, INVALID for bad syntax and bad UTF-8, the
 * nesting limit, comments, and misuse (NULL buffer, short value array).
 */

#include "harness.h"

#include "spdk/json.h"

#include <stdlib.h>

#define MAX_VALUES 128

/* A private, writable copy of the input (the parser decodes in place). */
struct parsed {
	char *buf;
	size_t len;
	ssize_t rc;
	char *end;
	struct spdk_json_val v[MAX_VALUES];
};

static struct parsed *
parse_n(const char *text, size_t len, uint32_t flags)
{
	struct parsed *p = calloc(1, sizeof(*p));
	void *end = NULL;

	ASSERT_NOT_NULL(p);
	p->buf = malloc(len + 1);
	ASSERT_NOT_NULL(p->buf);
	memcpy(p->buf, text, len);
	p->buf[len] = '\0';
	p->len = len;
	p->rc = spdk_json_parse(p->buf, len, p->v, MAX_VALUES, &end,
				flags | SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);
	p->end = end;
	return p;
}

static struct parsed *
parse(const char *text)
{
	return parse_n(text, strlen(text), 0);
}

static void
parsed_free(struct parsed *p)
{
	free(p->buf);
	free(p);
}

static ssize_t
rc_of_n(const char *text, size_t len, uint32_t flags)
{
	struct parsed *p = parse_n(text, len, flags);
	ssize_t rc = p->rc;

	parsed_free(p);
	return rc;
}

static ssize_t
rc_of(const char *text)
{
	return rc_of_n(text, strlen(text), 0);
}

static bool
text_is(const struct spdk_json_val *v, const char *s, size_t len)
{
	return v->len == len && memcmp(v->start, s, len) == 0;
}

#define TEXT_IS(v, lit) text_is((v), (lit), sizeof(lit) - 1)

/* ---- valid documents ------------------------------------------------------ */

TEST(scalars_at_top_level)
{
	struct parsed *p;

	p = parse(" true ");
	ASSERT_EQ(p->rc, 1);
	ASSERT_EQ(p->v[0].type, SPDK_JSON_VAL_TRUE);
	ASSERT_EQ(p->v[0].len, 4);
	ASSERT_PTR_EQ(p->v[0].start, p->buf + 1);
	ASSERT_PTR_EQ(p->end, p->buf + 6);	/* past the trailing blank */
	parsed_free(p);

	p = parse("false");
	ASSERT_EQ(p->rc, 1);
	ASSERT_EQ(p->v[0].type, SPDK_JSON_VAL_FALSE);
	ASSERT_EQ(p->v[0].len, 5);
	parsed_free(p);

	p = parse("null");
	ASSERT_EQ(p->rc, 1);
	ASSERT_EQ(p->v[0].type, SPDK_JSON_VAL_NULL);
	parsed_free(p);

	p = parse("-12.5e+3");
	ASSERT_EQ(p->rc, 1);
	ASSERT_EQ(p->v[0].type, SPDK_JSON_VAL_NUMBER);
	ASSERT(TEXT_IS(&p->v[0], "-12.5e+3"));	/* numbers stay text */
	parsed_free(p);

	p = parse("\"hi\"");
	ASSERT_EQ(p->rc, 1);
	ASSERT_EQ(p->v[0].type, SPDK_JSON_VAL_STRING);
	ASSERT(TEXT_IS(&p->v[0], "hi"));
	ASSERT_PTR_EQ(p->v[0].start, p->buf + 1);
	parsed_free(p);
}

TEST(nested_document_is_flat)
{
	struct parsed *p = parse("{\"a\": [1, {\"b\": null}, []], \"c\": {}}");
	static const enum spdk_json_val_type want[] = {
		SPDK_JSON_VAL_OBJECT_BEGIN, SPDK_JSON_VAL_NAME, SPDK_JSON_VAL_ARRAY_BEGIN,
		SPDK_JSON_VAL_NUMBER, SPDK_JSON_VAL_OBJECT_BEGIN, SPDK_JSON_VAL_NAME,
		SPDK_JSON_VAL_NULL, SPDK_JSON_VAL_OBJECT_END, SPDK_JSON_VAL_ARRAY_BEGIN,
		SPDK_JSON_VAL_ARRAY_END, SPDK_JSON_VAL_ARRAY_END, SPDK_JSON_VAL_NAME,
		SPDK_JSON_VAL_OBJECT_BEGIN, SPDK_JSON_VAL_OBJECT_END, SPDK_JSON_VAL_OBJECT_END,
	};

	ASSERT_EQ(p->rc, (ssize_t)(sizeof(want) / sizeof(want[0])));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ASSERT_EQ(p->v[i].type, want[i]);
	}
	/* _BEGIN len: entries up to the matching _END */
	ASSERT_EQ(p->v[0].len, 13);
	ASSERT_EQ(p->v[2].len, 7);
	ASSERT_EQ(p->v[4].len, 2);
	ASSERT_EQ(p->v[8].len, 0);
	ASSERT_EQ(p->v[12].len, 0);
	ASSERT_EQ(p->v[0 + p->v[0].len + 1].type, SPDK_JSON_VAL_OBJECT_END);
	ASSERT(TEXT_IS(&p->v[1], "a"));
	ASSERT(TEXT_IS(&p->v[11], "c"));
	ASSERT_EQ(p->v[7].len, 1);
	ASSERT_PTR_EQ(p->end, p->buf + p->len);
	parsed_free(p);
}

TEST(escapes_are_decoded_in_place)
{
	/* \" \\ \/ \b \f \n \r \t, e-acute, U+1F600 as a surrogate pair, NUL */
	struct parsed *p = parse("[\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\uD83D\\ude00\", \"a\\u0000b\"]");

	ASSERT_EQ(p->rc, 5);
	ASSERT(TEXT_IS(&p->v[1], "q\"b\\s/\b\f\n\r\t"));
	ASSERT(TEXT_IS(&p->v[2], "\xc3\xa9\xf0\x9f\x98\x80"));
	ASSERT(TEXT_IS(&p->v[3], "a\0b"));
	parsed_free(p);
}

TEST(raw_utf8_is_accepted)
{
	struct parsed *p = parse("\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \x7f\"");

	ASSERT_EQ(p->rc, 1);
	ASSERT(TEXT_IS(&p->v[0], "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \x7f"));
	parsed_free(p);
}

TEST(without_decode_in_place_the_buffer_is_untouched)
{
	char buf[] = "[\"a\\nb\"]";
	char copy[sizeof(buf)];
	struct spdk_json_val v[4];

	memcpy(copy, buf, sizeof(buf));
	ASSERT_EQ(spdk_json_parse(buf, strlen(buf), v, 4, NULL, 0), 3);
	ASSERT_EQ(memcmp(buf, copy, sizeof(buf)), 0);
	ASSERT_EQ(v[1].type, SPDK_JSON_VAL_STRING);
	ASSERT_EQ(v[1].len, 3);	/* the decoded length, as SPDK */
}

TEST(counting_and_a_short_value_array)
{
	char doc[] = "[1, [2, 3], {\"k\": 4}]";
	struct spdk_json_val v[5];

	ASSERT_EQ(spdk_json_parse(doc, strlen(doc), NULL, 0, NULL, 0), 11);

	/* Only the first 4 are stored; the 5th slot is a guard. */
	memset(v, 0xA5, sizeof(v));
	ASSERT_EQ(spdk_json_parse(doc, strlen(doc), v, 4, NULL,
				  SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE), 11);
	ASSERT_EQ(v[0].type, SPDK_JSON_VAL_ARRAY_BEGIN);
	ASSERT_EQ(v[0].len, 9);
	ASSERT_EQ(v[2].type, SPDK_JSON_VAL_ARRAY_BEGIN);
	ASSERT_EQ(v[3].type, SPDK_JSON_VAL_NUMBER);
	ASSERT_EQ(((unsigned char *)&v[4])[0], 0xA5);
	ASSERT_EQ(((unsigned char *)&v[4])[sizeof(v[4]) - 1], 0xA5);
}

/* ---- stream framing --------------------------------------------------------- */

TEST(end_pointer_frames_a_stream)
{
	/* pretty-printed requests back to back, as rpc.py sends them */
	const char *stream = "{\n  \"id\": 1\n}{\"id\":2}\n\n  [3]\t{\"id\"";
	struct parsed *p = parse(stream);
	char *next;
	void *end;
	struct spdk_json_val v[8];

	ASSERT_EQ(p->rc, 4);
	next = p->end;
	ASSERT_EQ(*next, '{');
	ASSERT_EQ(next - p->buf, 13);

	ASSERT_EQ(spdk_json_parse(next, p->len - (size_t)(next - p->buf), v, 8, &end,
				  SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE), 4);
	next = end;
	ASSERT_EQ(*next, '[');	/* blank lines after a value are skipped */

	ASSERT_EQ(spdk_json_parse(next, p->len - (size_t)(next - p->buf), v, 8, &end,
				  SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE), 3);
	next = end;
	ASSERT_EQ(*next, '{');
	ASSERT_EQ(spdk_json_parse(next, p->len - (size_t)(next - p->buf), v, 8, &end,
				  SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE), SPDK_JSON_PARSE_INCOMPLETE);
	parsed_free(p);
}

TEST(number_at_end_of_buffer_is_complete)
{
	struct parsed *p = parse("12");

	/* as SPDK: a top-level number ends at the buffer's end */
	ASSERT_EQ(p->rc, 1);
	ASSERT(TEXT_IS(&p->v[0], "12"));
	parsed_free(p);

	p = parse("01");	/* "0" is a whole number; "1" starts the next value */
	ASSERT_EQ(p->rc, 1);
	ASSERT_PTR_EQ(p->end, p->buf + 1);
	parsed_free(p);
}

/* ---- truncation ------------------------------------------------------------ */

TEST(every_prefix_of_a_valid_document_is_incomplete)
{
	const char *doc = "  {\"name\": \"caf\xc3\xa9 \\u00e9\\ud83d\\ude00 \xf0\x9f\x98\x80\","
			  " \"n\": [-1.5e-3, 0, 12, true, false, null, {}, [[]]],"
			  " \"o\": {\"x\\\"y\": \"\\\\\"}}";
	size_t len = strlen(doc);

	ASSERT_EQ(rc_of_n(doc, len, 0), 24);
	for (size_t i = 0; i < len; i++) {
		ssize_t rc = rc_of_n(doc, i, 0);

		if (rc != SPDK_JSON_PARSE_INCOMPLETE) {
			FAIL("prefix of %zu bytes: rc %zd, not INCOMPLETE", i, rc);
		}
	}
}

TEST(empty_and_blank_input_is_incomplete)
{
	char blank[] = " \t\r\n";

	ASSERT_EQ(rc_of(""), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(spdk_json_parse(blank, 4, NULL, 0, NULL, 0), SPDK_JSON_PARSE_INCOMPLETE);
}

TEST(truncated_utf8_sequence_is_incomplete)
{
	/* SPDK says INVALID here, which breaks a request split by the
	 * transport inside a multi-byte character; more bytes may follow. */
	ASSERT_EQ(rc_of("\"\xc3"), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("\"\xe2\x82"), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("\"\xf0\x9f\x98"), SPDK_JSON_PARSE_INCOMPLETE);
	/* but a sequence that is already wrong is INVALID */
	ASSERT_EQ(rc_of("\"\xe2\x28"), SPDK_JSON_PARSE_INVALID);
	ASSERT_EQ(rc_of("\"\xed\xa0"), SPDK_JSON_PARSE_INVALID);
}

TEST(truncated_literals_and_numbers)
{
	ASSERT_EQ(rc_of("tr"), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("[fals"), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("nu"), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("tx"), SPDK_JSON_PARSE_INVALID);	/* can never become "true" */
	ASSERT_EQ(rc_of("-"), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("1."), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("1e"), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("1e-"), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("\"\\u12"), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("\"\\ud83d"), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("\"\\ud83d\\"), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of("\"\\ud83d\\ude"), SPDK_JSON_PARSE_INCOMPLETE);
}

/* ---- invalid input ------------------------------------------------------------ */

TEST(bad_syntax_is_invalid)
{
	static const char *const bad[] = {
		"[1,]", "{\"a\":1,}", "{\"a\" 1}", "{1:2}", "[1 2]", "[01]", "]", "}", "[}", "{]",
		"{\"a\":1]", ":", ",", "[,1]", "{,}", "{\"a\"::1}", "'a'", "[-a]", "[1.e5]",
		"[1e+x]", "[.5]", "[+1]", "[tx]", "nul!", "{\"a\":}", "[\"a\":1]", "x", "\"\\x\"",
		"\"\\u12G4\"", "[NaN]", "[Infinity]", "/* comment */ 1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ssize_t rc = rc_of(bad[i]);

		if (rc != SPDK_JSON_PARSE_INVALID) {
			FAIL("'%s': rc %zd, not INVALID", bad[i], rc);
		}
	}
}

TEST(bad_strings_are_invalid)
{
	static const char *const bad[] = {
		"\"\\udc00\"",		/* a low surrogate alone */
		"\"\\ud800\\u0041\"",	/* a high surrogate without its low half */
		"\"\\ud800x\"",
		"\"\\ud800\\ud800\"",
		"\"a\x01\"",		/* control characters must be escaped */
		"\"a\nb\"",
		"\"\xc0\x80\"",		/* overlong NUL */
		"\"\xc1\xbf\"",		/* overlong */
		"\"\xe0\x9f\xbf\"",	/* overlong 3-byte */
		"\"\xf0\x8f\xbf\xbf\"",	/* overlong 4-byte */
		"\"\xed\xa0\x80\"",	/* a surrogate encoded in UTF-8 */
		"\"\xf4\x90\x80\x80\"",	/* above U+10FFFF */
		"\"\xf5\x80\x80\x80\"",
		"\"\x80\"",		/* a continuation byte alone */
		"\"\xff\"",
		"\"\xe2\x28\xa1\"",
		"\"\xc3\xc3\"",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ssize_t rc = rc_of(bad[i]);

		if (rc != SPDK_JSON_PARSE_INVALID) {
			FAIL("string %zu: rc %zd, not INVALID", i, rc);
		}
	}
}

/* ---- depth ---------------------------------------------------------------------- */

static char *
nested(size_t depth, bool close)
{
	char *s = malloc(2 * depth + 1);
	size_t n = 0;

	ASSERT_NOT_NULL(s);
	for (size_t i = 0; i < depth; i++) {
		s[n++] = '[';
	}
	for (size_t i = 0; close && i < depth; i++) {
		s[n++] = ']';
	}
	s[n] = '\0';
	return s;
}

TEST(nesting_limit_is_64)
{
	char *ok = nested(64, true);
	char *deep = nested(65, true);
	char *open = nested(100000, false);

	ASSERT_EQ(rc_of(ok), 128);
	ASSERT_EQ(rc_of(deep), SPDK_JSON_PARSE_MAX_DEPTH_EXCEEDED);
	/* also before the input ends: a huge unclosed nest fails at once */
	ASSERT_EQ(rc_of(open), SPDK_JSON_PARSE_MAX_DEPTH_EXCEEDED);
	ASSERT_EQ(rc_of("[[[[{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["),
		  SPDK_JSON_PARSE_MAX_DEPTH_EXCEEDED);
	free(ok);
	free(deep);
	free(open);
}

/* ---- comments ------------------------------------------------------------------- */

TEST(comments_only_when_allowed)
{
	const char *doc = "/* head */ {\"a\": // to the end of the line\n 1 /**/}";
	struct parsed *p = parse_n(doc, strlen(doc), SPDK_JSON_PARSE_FLAG_ALLOW_COMMENTS);

	ASSERT_EQ(p->rc, 4);
	ASSERT_EQ(p->v[2].type, SPDK_JSON_VAL_NUMBER);
	parsed_free(p);

	ASSERT_EQ(rc_of(doc), SPDK_JSON_PARSE_INVALID);
	ASSERT_EQ(rc_of_n("/* open", 7, SPDK_JSON_PARSE_FLAG_ALLOW_COMMENTS),
		  SPDK_JSON_PARSE_INCOMPLETE);
	/* SPDK reads past the buffer on this one */
	ASSERT_EQ(rc_of_n("[1/*", 4, SPDK_JSON_PARSE_FLAG_ALLOW_COMMENTS),
		  SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of_n("/", 1, SPDK_JSON_PARSE_FLAG_ALLOW_COMMENTS),
		  SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of_n("// only", 7, SPDK_JSON_PARSE_FLAG_ALLOW_COMMENTS),
		  SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_EQ(rc_of_n("/x 1", 4, SPDK_JSON_PARSE_FLAG_ALLOW_COMMENTS),
		  SPDK_JSON_PARSE_INVALID);
}

/* ---- misuse ---------------------------------------------------------------------- */

TEST(null_buffer)
{
	void *end = (void *)1;
	struct spdk_json_val v[2];

	ASSERT_EQ(spdk_json_parse(NULL, 0, v, 2, &end, 0), SPDK_JSON_PARSE_INCOMPLETE);
	ASSERT_NULL(end);
	ASSERT_EQ(spdk_json_parse(NULL, 10, v, 2, NULL, 0), SPDK_JSON_PARSE_INVALID);
}

TEST(end_on_failure_points_into_the_buffer)
{
	struct parsed *p = parse("[1, 2, x]");

	ASSERT_EQ(p->rc, SPDK_JSON_PARSE_INVALID);
	ASSERT_PTR_EQ(p->end, p->buf + 7);
	parsed_free(p);
}
