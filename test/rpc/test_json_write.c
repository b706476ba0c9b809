/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of the streaming writer: the exact bytes (compact and
 * formatted, as SPDK writes them), numbers at their limits, string
 * escaping and UTF-8 validation, misplaced tokens and unbalanced output,
 * callback failures, reset, output larger than the internal buffer, and
 * write -> parse -> write round trips.
 */

#include "harness.h"

#include "spdk/json.h"

#include <math.h>
#include <stdlib.h>

struct out {
	char *buf;
	size_t len, cap;
	int calls;
	int fail_at_call;	/* 0: never */
};

static int
out_cb(void *ctx, const void *data, size_t size)
{
	struct out *o = ctx;

	o->calls++;
	if (o->fail_at_call != 0 && o->calls == o->fail_at_call) {
		return -EIO;
	}
	if (o->len + size + 1 > o->cap) {
		o->cap = (o->len + size + 1) * 2;
		o->buf = realloc(o->buf, o->cap);
		ASSERT_NOT_NULL(o->buf);
	}
	memcpy(o->buf + o->len, data, size);
	o->len += size;
	o->buf[o->len] = '\0';
	return 0;
}

static struct spdk_json_write_ctx *
begin(struct out *o, uint32_t flags)
{
	struct spdk_json_write_ctx *w;

	memset(o, 0, sizeof(*o));
	w = spdk_json_write_begin(out_cb, o, flags);
	ASSERT_NOT_NULL(w);
	return w;
}

static void
write_sample(struct spdk_json_write_ctx *w)
{
	ASSERT_EQ(spdk_json_write_object_begin(w), 0);
	ASSERT_EQ(spdk_json_write_named_uint32(w, "a", 1), 0);
	ASSERT_EQ(spdk_json_write_named_array_begin(w, "b"), 0);
	ASSERT_EQ(spdk_json_write_bool(w, true), 0);
	ASSERT_EQ(spdk_json_write_null(w), 0);
	ASSERT_EQ(spdk_json_write_object_begin(w), 0);
	ASSERT_EQ(spdk_json_write_named_string(w, "s", "x"), 0);
	ASSERT_EQ(spdk_json_write_object_end(w), 0);
	ASSERT_EQ(spdk_json_write_array_end(w), 0);
	ASSERT_EQ(spdk_json_write_named_object_begin(w, "c"), 0);
	ASSERT_EQ(spdk_json_write_object_end(w), 0);
	ASSERT_EQ(spdk_json_write_named_array_begin(w, "d"), 0);
	ASSERT_EQ(spdk_json_write_array_end(w), 0);
	ASSERT_EQ(spdk_json_write_object_end(w), 0);
}

/* ---- exact bytes ----------------------------------------------------------------- */

TEST(compact_output)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);

	write_sample(w);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_EQ(o.buf, "{\"a\":1,\"b\":[true,null,{\"s\":\"x\"}],\"c\":{},\"d\":[]}");
	free(o.buf);
}

TEST(formatted_output_as_spdk)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, SPDK_JSON_WRITE_FLAG_FORMATTED);

	write_sample(w);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_EQ(o.buf,
		      "{\n"
		      "  \"a\": 1,\n"
		      "  \"b\": [\n"
		      "    true,\n"
		      "    null,\n"
		      "    {\n"
		      "      \"s\": \"x\"\n"
		      "    }\n"
		      "  ],\n"
		      "  \"c\": {},\n"
		      "  \"d\": []\n"
		      "}");
	free(o.buf);
}

TEST(top_level_values_are_comma_separated)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);

	ASSERT_EQ(spdk_json_write_uint32(w, 1), 0);
	ASSERT_EQ(spdk_json_write_string(w, "two"), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_EQ(o.buf, "1,\"two\"");
	free(o.buf);
}

TEST(integers_at_their_limits)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);

	ASSERT_EQ(spdk_json_write_array_begin(w), 0);
	ASSERT_EQ(spdk_json_write_uint8(w, UINT8_MAX), 0);
	ASSERT_EQ(spdk_json_write_uint16(w, UINT16_MAX), 0);
	ASSERT_EQ(spdk_json_write_int32(w, INT32_MIN), 0);
	ASSERT_EQ(spdk_json_write_int32(w, INT32_MAX), 0);
	ASSERT_EQ(spdk_json_write_uint32(w, UINT32_MAX), 0);
	ASSERT_EQ(spdk_json_write_int64(w, INT64_MIN), 0);
	ASSERT_EQ(spdk_json_write_int64(w, 0), 0);
	ASSERT_EQ(spdk_json_write_uint64(w, UINT64_MAX), 0);
	ASSERT_EQ(spdk_json_write_uint128(w, 0, 1), 0);
	ASSERT_EQ(spdk_json_write_uint128(w, UINT64_MAX, UINT64_MAX), 0);
	ASSERT_EQ(spdk_json_write_uint128(w, 5, 0), 0);
	ASSERT_EQ(spdk_json_write_array_end(w), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_EQ(o.buf, "[255,65535,-2147483648,2147483647,4294967295,"
		      "-9223372036854775808,0,18446744073709551615,18446744073709551616,"
		      "340282366920938463463374607431768211455,5]");
	free(o.buf);
}

TEST(doubles)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);

	ASSERT_EQ(spdk_json_write_array_begin(w), 0);
	ASSERT_EQ(spdk_json_write_double(w, 1.5), 0);
	ASSERT_EQ(spdk_json_write_double(w, -0.25), 0);
	ASSERT_EQ(spdk_json_write_array_end(w), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_EQ(o.buf, "[1.50000000000000000000e+00,-2.50000000000000000000e-01]");
	free(o.buf);

	/* not JSON numbers: refused (SPDK writes "nan") */
	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_double(w, NAN), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);
	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_double(w, INFINITY), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);
}

/* ---- strings ------------------------------------------------------------------------ */

TEST(string_escapes_as_spdk)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);

	ASSERT_EQ(spdk_json_write_string(w, "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f "
					 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_EQ(o.buf, "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001F\\u007F "
		      "\\u00E9\\u20AC\\uD83D\\uDE00\"");
	free(o.buf);
}

TEST(string_raw_carries_nul)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);

	ASSERT_EQ(spdk_json_write_string_raw(w, "a\0b", 3), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_EQ(o.buf, "\"a\\u0000b\"");
	free(o.buf);
}

TEST(invalid_utf8_fails_the_write)
{
	static const char *const bad[] = {
		"\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", "ok\xff",
		"\xe2\x82",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct out o;
		struct spdk_json_write_ctx *w = begin(&o, 0);

		if (spdk_json_write_string(w, bad[i]) != -1) {
			FAIL("string %zu accepted", i);
		}
		/* sticky: later writes fail too, and so does the end */
		ASSERT_EQ(spdk_json_write_null(w), -1);
		ASSERT_EQ(spdk_json_write_end(w), -1);
		free(o.buf);
	}
}

TEST(invalid_utf8_in_a_name_fails)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);

	ASSERT_EQ(spdk_json_write_object_begin(w), 0);
	ASSERT_EQ(spdk_json_write_named_uint32(w, "bad\xc3", 1), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);
}

TEST(formatted_strings)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);
	char long_text[600];

	memset(long_text, 'z', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	ASSERT_EQ(spdk_json_write_object_begin(w), 0);
	ASSERT_EQ(spdk_json_write_named_string_fmt(w, "m", "0x%x-%s", 255, "t"), 0);
	ASSERT_EQ(spdk_json_write_name(w, "l"), 0);
	ASSERT_EQ(spdk_json_write_string_fmt(w, "%s!", long_text), 0);
	ASSERT_EQ(spdk_json_write_object_end(w), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_CONTAINS(o.buf, "{\"m\":\"0xff-t\",\"l\":\"zzzz");
	ASSERT_EQ(o.len, strlen("{\"m\":\"0xff-t\",\"l\":\"") + 599 + strlen("!\"}"));
	free(o.buf);
}

TEST(bytearray_and_utf16)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);
	static const uint8_t bytes[] = { 0x00, 0xAB, 0x7F, 0xFF };
	static const uint16_t text[] = { 'A', 0xD83D, 0xDE00, 0xE9, 0 };
	static const uint16_t lone[] = { 'A', 0xDC00, 0 };

	ASSERT_EQ(spdk_json_write_array_begin(w), 0);
	ASSERT_EQ(spdk_json_write_bytearray(w, bytes, sizeof(bytes)), 0);
	ASSERT_EQ(spdk_json_write_bytearray(w, NULL, 0), 0);
	ASSERT_EQ(spdk_json_write_string_utf16le(w, text), 0);
	ASSERT_EQ(spdk_json_write_array_end(w), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_EQ(o.buf, "[\"00AB7FFF\",\"\",\"A\\uD83D\\uDE00\\u00E9\"]");
	free(o.buf);

	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_string_utf16le(w, lone), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);
}

/* ---- structure ------------------------------------------------------------------------ */

TEST(misplaced_tokens_are_refused)
{
	struct out o;
	struct spdk_json_write_ctx *w;

	/* a value inside an object without a name */
	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_object_begin(w), 0);
	ASSERT_EQ(spdk_json_write_uint32(w, 1), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);

	/* a name at the top level, or in an array */
	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_name(w, "x"), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);
	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_array_begin(w), 0);
	ASSERT_EQ(spdk_json_write_name(w, "x"), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);

	/* a name after a name */
	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_object_begin(w), 0);
	ASSERT_EQ(spdk_json_write_name(w, "x"), 0);
	ASSERT_EQ(spdk_json_write_name(w, "y"), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);

	/* closing what is not open */
	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_object_begin(w), 0);
	ASSERT_EQ(spdk_json_write_array_end(w), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);
	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_object_end(w), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);

	/* closing an object while a name waits for its value */
	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_object_begin(w), 0);
	ASSERT_EQ(spdk_json_write_name(w, "x"), 0);
	ASSERT_EQ(spdk_json_write_object_end(w), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);
}

TEST(unbalanced_end_fails)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);

	ASSERT_EQ(spdk_json_write_array_begin(w), 0);
	ASSERT_EQ(spdk_json_write_uint32(w, 1), 0);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);

	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);	/* nothing written is balanced */
	ASSERT_EQ(o.len, 0);
	free(o.buf);
}

TEST(nesting_limit)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);

	for (int i = 0; i < 128; i++) {
		ASSERT_EQ(spdk_json_write_array_begin(w), 0);
	}
	ASSERT_EQ(spdk_json_write_array_begin(w), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);

	w = begin(&o, 0);
	for (int i = 0; i < 128; i++) {
		ASSERT_EQ(spdk_json_write_object_begin(w), 0);
		ASSERT_EQ(spdk_json_write_name(w, "k"), 0);
	}
	ASSERT_EQ(spdk_json_write_null(w), 0);
	for (int i = 0; i < 128; i++) {
		ASSERT_EQ(spdk_json_write_object_end(w), 0);
	}
	ASSERT_EQ(spdk_json_write_end(w), 0);
	free(o.buf);
}

/* ---- callback, reset, flags ------------------------------------------------------------ */

TEST(large_output_goes_through_the_buffer)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);
	char *big = malloc(20001);
	size_t expect;

	ASSERT_NOT_NULL(big);
	memset(big, 'x', 20000);
	big[20000] = '\0';
	ASSERT_EQ(spdk_json_write_array_begin(w), 0);
	for (int i = 0; i < 1000; i++) {
		ASSERT_EQ(spdk_json_write_uint32(w, 1000000), 0);
	}
	ASSERT_EQ(spdk_json_write_string(w, big), 0);
	ASSERT_EQ(spdk_json_write_array_end(w), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	expect = 1 + 1000 * 8 + 20002 + 1;
	ASSERT_EQ(o.len, expect);
	ASSERT_GT(o.calls, 1);
	ASSERT_EQ(memcmp(o.buf, "[1000000,1000000,", 17), 0);
	ASSERT_EQ(memcmp(o.buf + o.len - 4, "xx\"]", 4), 0);
	free(big);
	free(o.buf);
}

TEST(callback_failure)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);
	int rc = 0;

	o.fail_at_call = 2;
	ASSERT_EQ(spdk_json_write_array_begin(w), 0);
	for (int i = 0; i < 2000 && rc == 0; i++) {
		rc = spdk_json_write_uint64(w, UINT64_MAX);
	}
	ASSERT_EQ(rc, -1);
	ASSERT_EQ(o.calls, 2);
	ASSERT_EQ(spdk_json_write_array_end(w), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	ASSERT_EQ(o.calls, 2);	/* nothing more after the failure */
	free(o.buf);

	/* a failure in the final flush */
	w = begin(&o, 0);
	o.fail_at_call = 1;
	ASSERT_EQ(spdk_json_write_null(w), 0);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);
}

TEST(reset_replaces_a_half_written_result)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);

	ASSERT_EQ(spdk_json_write_object_begin(w), 0);
	ASSERT_EQ(spdk_json_write_named_array_begin(w, "result"), 0);
	ASSERT_EQ(spdk_json_write_string(w, "\xff"), -1);
	spdk_json_write_reset(w);
	ASSERT_EQ(spdk_json_write_object_begin(w), 0);
	ASSERT_EQ(spdk_json_write_named_int32(w, "code", -32603), 0);
	ASSERT_EQ(spdk_json_write_object_end(w), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_EQ(o.buf, "{\"code\":-32603}");
	free(o.buf);
	spdk_json_write_reset(NULL);
}

TEST(batches_flatten_on_request)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);

	ASSERT_EQ(spdk_json_write_array_begin(w), 0);
	ASSERT_EQ(spdk_json_write_batch_begin(w), 0);
	ASSERT_EQ(spdk_json_write_uint32(w, 1), 0);
	ASSERT_EQ(spdk_json_write_batch_end(w), 0);
	spdk_json_write_add_flags(w, SPDK_JSON_WRITE_FLAG_FLATTEN_BATCHES);
	ASSERT_EQ(spdk_json_write_batch_begin(w), 0);
	ASSERT_EQ(spdk_json_write_uint32(w, 2), 0);
	ASSERT_EQ(spdk_json_write_batch_end(w), 0);
	ASSERT_EQ(spdk_json_write_array_end(w), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_EQ(o.buf, "[[1],2]");
	free(o.buf);
	spdk_json_write_add_flags(NULL, 0);
}

TEST(named_writers)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);
	static const uint8_t b[] = { 1, 2 };

	ASSERT_EQ(spdk_json_write_object_begin(w), 0);
	ASSERT_EQ(spdk_json_write_named_null(w, "n"), 0);
	ASSERT_EQ(spdk_json_write_named_bool(w, "b", false), 0);
	ASSERT_EQ(spdk_json_write_named_uint8(w, "u8", 8), 0);
	ASSERT_EQ(spdk_json_write_named_uint16(w, "u16", 16), 0);
	ASSERT_EQ(spdk_json_write_named_int32(w, "i32", -32), 0);
	ASSERT_EQ(spdk_json_write_named_uint32(w, "u32", 32), 0);
	ASSERT_EQ(spdk_json_write_named_int64(w, "i64", -64), 0);
	ASSERT_EQ(spdk_json_write_named_uint64(w, "u64", 64), 0);
	ASSERT_EQ(spdk_json_write_named_uint128(w, "u128", 128, 0), 0);
	ASSERT_EQ(spdk_json_write_named_double(w, "d", 2.0), 0);
	ASSERT_EQ(spdk_json_write_named_string(w, "s", "v"), 0);
	ASSERT_EQ(spdk_json_write_named_string_fmt(w, "f", "%d", 5), 0);
	ASSERT_EQ(spdk_json_write_named_bytearray(w, "h", b, 2), 0);
	ASSERT_EQ(spdk_json_write_name_raw(w, "raw!", 3), 0);
	ASSERT_EQ(spdk_json_write_val_raw(w, "[1, 2]", 6), 0);
	ASSERT_EQ(spdk_json_write_object_end(w), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	ASSERT_STR_EQ(o.buf, "{\"n\":null,\"b\":false,\"u8\":8,\"u16\":16,\"i32\":-32,\"u32\":32,"
		      "\"i64\":-64,\"u64\":64,\"u128\":128,\"d\":2.00000000000000000000e+00,"
		      "\"s\":\"v\",\"f\":\"5\",\"h\":\"0102\",\"raw\":[1, 2]}");
	free(o.buf);
}

TEST(null_arguments)
{
	struct out o;
	struct spdk_json_write_ctx *w;

	ASSERT_NULL(spdk_json_write_begin(NULL, NULL, 0));
	ASSERT_EQ(spdk_json_write_end(NULL), 0);
	ASSERT_EQ(spdk_json_write_null(NULL), -1);
	ASSERT_EQ(spdk_json_write_uint64(NULL, 1), -1);
	ASSERT_EQ(spdk_json_write_string(NULL, "x"), -1);
	ASSERT_EQ(spdk_json_write_double(NULL, 1.0), -1);
	ASSERT_EQ(spdk_json_write_array_begin(NULL), -1);
	ASSERT_EQ(spdk_json_write_object_end(NULL), -1);
	ASSERT_EQ(spdk_json_write_name(NULL, "x"), -1);
	ASSERT_EQ(spdk_json_write_named_string(NULL, "x", "y"), -1);
	ASSERT_EQ(spdk_json_write_val(NULL, NULL), -1);

	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_string(w, NULL), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);
	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_val(w, NULL), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);
}

/* ---- round trips ------------------------------------------------------------------------ */

static char *
reparse_and_write(const char *text, uint32_t flags, ssize_t *count)
{
	size_t len = strlen(text);
	char *copy = strdup(text);
	struct spdk_json_val v[256];
	struct out o;
	struct spdk_json_write_ctx *w;

	ASSERT_NOT_NULL(copy);
	*count = spdk_json_parse(copy, len, v, 256, NULL, SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);
	ASSERT_GT(*count, 0);
	ASSERT_LE(*count, 256);
	w = begin(&o, flags);
	ASSERT_EQ(spdk_json_write_val(w, v), 0);
	ASSERT_EQ(spdk_json_write_end(w), 0);
	free(copy);
	return o.buf;
}

TEST(round_trip_write_parse_write)
{
	const char *doc = "{\"s\":\"caf\\u00E9 \\uD83D\\uDE00 \\\"q\\\" \\\\ \\n\\u0000\","
			  "\"n\":[-1.5e-3,0,18446744073709551615,true,false,null],"
			  "\"o\":{\"\":{},\"a\":[[]]}}";
	ssize_t n1, n2;
	char *once = reparse_and_write(doc, 0, &n1);
	char *twice = reparse_and_write(once, 0, &n2);
	char *pretty = reparse_and_write(doc, SPDK_JSON_WRITE_FLAG_FORMATTED, &n2);
	char *back = reparse_and_write(pretty, 0, &n2);

	ASSERT_STR_EQ(once, doc);	/* the writer's own output is a fixed point */
	ASSERT_STR_EQ(twice, doc);
	ASSERT_STR_EQ(back, doc);	/* formatting changes only white space */
	ASSERT_EQ(n1, n2);
	free(once);
	free(twice);
	free(pretty);
	free(back);
}

TEST(write_val_of_a_malformed_array_fails)
{
	struct out o;
	struct spdk_json_write_ctx *w = begin(&o, 0);
	struct spdk_json_val v[3] = {
		{ .start = (void *)"[", .len = 1, .type = SPDK_JSON_VAL_ARRAY_BEGIN },
		{ .start = (void *)"}", .len = 1, .type = SPDK_JSON_VAL_OBJECT_END },
		{ .start = NULL, .len = 0, .type = SPDK_JSON_VAL_INVALID },
	};

	ASSERT_EQ(spdk_json_write_val(w, v), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);

	w = begin(&o, 0);
	ASSERT_EQ(spdk_json_write_val(w, &v[2]), -1);
	ASSERT_EQ(spdk_json_write_end(w), -1);
	free(o.buf);
}
