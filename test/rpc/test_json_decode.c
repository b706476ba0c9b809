/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of decoding: spdk_json_decode_object() (strict: unknown,
 * duplicate, missing key and wrong type fail), _relaxed, decode_array, the
 * scalar decoders, and freeing what a failed decode left behind (the ASan
 * build checks that nothing leaks).
 */

#include "harness.h"

#include "spdk/json.h"

#include <stdlib.h>

#define MAX_VALUES 64

struct doc {
	char buf[1024];
	struct spdk_json_val v[MAX_VALUES];
};

static struct doc *
doc_parse(const char *text)
{
	struct doc *d = calloc(1, sizeof(*d));

	ASSERT_NOT_NULL(d);
	ASSERT_LT(strlen(text), sizeof(d->buf));
	strcpy(d->buf, text);
	ASSERT_GT(spdk_json_parse(d->buf, strlen(text), d->v, MAX_VALUES, NULL,
				  SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE), 0);
	return d;
}

struct req {
	char *name;
	uint32_t id;
	uint64_t big;
	bool flag;
	int32_t delta;
	uint16_t port;
	uint8_t small;
	char *opt;
};

static const struct spdk_json_object_decoder g_req_decoders[] = {
	{ "name", offsetof(struct req, name), spdk_json_decode_string, false },
	{ "id", offsetof(struct req, id), spdk_json_decode_uint32, false },
	{ "big", offsetof(struct req, big), spdk_json_decode_uint64, false },
	{ "flag", offsetof(struct req, flag), spdk_json_decode_bool, true },
	{ "delta", offsetof(struct req, delta), spdk_json_decode_int32, true },
	{ "port", offsetof(struct req, port), spdk_json_decode_uint16, true },
	{ "small", offsetof(struct req, small), spdk_json_decode_uint8, true },
	{ "opt", offsetof(struct req, opt), spdk_json_decode_string, true },
};
#define NUM_REQ_DECODERS (sizeof(g_req_decoders) / sizeof(g_req_decoders[0]))

static int
decode(const char *text, struct req *r, bool relaxed)
{
	struct doc *d = doc_parse(text);
	int rc;

	rc = relaxed ? spdk_json_decode_object_relaxed(d->v, g_req_decoders, NUM_REQ_DECODERS, r) :
	     spdk_json_decode_object(d->v, g_req_decoders, NUM_REQ_DECODERS, r);
	free(d);
	return rc;
}

/* ---- objects ------------------------------------------------------------------- */

TEST(decode_object_all_fields)
{
	struct req r = { 0 };

	ASSERT_EQ(decode("{\"name\": \"n\\u00e9\", \"id\": 7, \"big\": 18446744073709551615, "
			 "\"flag\": true, \"delta\": -5, \"port\": 65535, \"small\": 255, "
			 "\"opt\": \"o\"}", &r, false), 0);
	ASSERT_STR_EQ(r.name, "n\xc3\xa9");
	ASSERT_EQ(r.id, 7);
	ASSERT_EQ(r.big, UINT64_MAX);
	ASSERT_TRUE(r.flag);
	ASSERT_EQ(r.delta, -5);
	ASSERT_EQ(r.port, 65535);
	ASSERT_EQ(r.small, 255);
	ASSERT_STR_EQ(r.opt, "o");
	spdk_json_free_object(g_req_decoders, NUM_REQ_DECODERS, &r);
	ASSERT_NULL(r.name);
	ASSERT_NULL(r.opt);
	ASSERT_EQ(r.id, 7);	/* other fields untouched */
}

TEST(optional_fields_left_alone)
{
	struct req r = { .delta = 42, .port = 9 };

	ASSERT_EQ(decode("{\"id\": 1, \"big\": 2, \"name\": \"x\"}", &r, false), 0);
	ASSERT_EQ(r.delta, 42);
	ASSERT_EQ(r.port, 9);
	ASSERT_NULL(r.opt);
	spdk_json_free_object(g_req_decoders, NUM_REQ_DECODERS, &r);
}

TEST(strict_rejects_unknown_key_relaxed_skips_it)
{
	const char *text = "{\"id\": 1, \"big\": 2, \"name\": \"x\", \"extra\": {\"deep\": [1]}}";
	struct req r = { 0 };

	ASSERT_EQ(decode(text, &r, false), -1);
	/* the known members were decoded anyway, as SPDK does */
	ASSERT_STR_EQ(r.name, "x");
	spdk_json_free_object(g_req_decoders, NUM_REQ_DECODERS, &r);

	memset(&r, 0, sizeof(r));
	ASSERT_EQ(decode(text, &r, true), 0);
	ASSERT_EQ(r.id, 1);
	ASSERT_EQ(r.big, 2);
	spdk_json_free_object(g_req_decoders, NUM_REQ_DECODERS, &r);
}

TEST(missing_required_key_fails)
{
	struct req r = { 0 };

	ASSERT_EQ(decode("{\"id\": 1, \"name\": \"x\"}", &r, false), -1);
	spdk_json_free_object(g_req_decoders, NUM_REQ_DECODERS, &r);
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(decode("{\"id\": 1, \"name\": \"x\"}", &r, true), -1);
	spdk_json_free_object(g_req_decoders, NUM_REQ_DECODERS, &r);
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(decode("{}", &r, false), -1);
}

TEST(duplicate_key_fails_without_leaking)
{
	struct req r = { 0 };

	ASSERT_EQ(decode("{\"id\": 1, \"big\": 2, \"name\": \"x\", \"name\": \"y\"}", &r, false), -1);
	ASSERT_STR_EQ(r.name, "x");	/* the first one, decoded once */
	spdk_json_free_object(g_req_decoders, NUM_REQ_DECODERS, &r);
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(decode("{\"id\": 1, \"big\": 2, \"name\": \"x\", \"id\": 1}", &r, true), -1);
	spdk_json_free_object(g_req_decoders, NUM_REQ_DECODERS, &r);
}

TEST(wrong_types_fail)
{
	static const char *const bad[] = {
		"{\"id\": \"1\", \"big\": 2, \"name\": \"x\"}",	/* string for a number */
		"{\"id\": 1, \"big\": 2, \"name\": 3}",		/* number for a string */
		"{\"id\": 1, \"big\": 2, \"name\": null}",
		"{\"id\": 1, \"big\": 2, \"name\": \"x\", \"flag\": 1}",
		"{\"id\": 1, \"big\": 2, \"name\": \"x\", \"flag\": \"true\"}",
		"{\"id\": 1.5, \"big\": 2, \"name\": \"x\"}",
		"{\"id\": -1, \"big\": 2, \"name\": \"x\"}",
		"{\"id\": 4294967296, \"big\": 2, \"name\": \"x\"}",
		"{\"id\": 1, \"big\": 18446744073709551616, \"name\": \"x\"}",
		"{\"id\": 1, \"big\": 2, \"name\": \"x\", \"port\": 65536}",
		"{\"id\": 1, \"big\": 2, \"name\": \"x\", \"small\": 256}",
		"{\"id\": 1, \"big\": 2, \"name\": \"x\", \"delta\": 2147483648}",
		"{\"id\": [1], \"big\": 2, \"name\": \"x\"}",
		"{\"id\": {}, \"big\": 2, \"name\": \"x\"}",
		"{\"id\": 1, \"big\": 2, \"name\": \"a\\u0000b\"}",	/* not a C string */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct req r = { 0 };
		int rc = decode(bad[i], &r, false);

		spdk_json_free_object(g_req_decoders, NUM_REQ_DECODERS, &r);
		if (rc != -1) {
			FAIL("'%s' decoded (rc %d)", bad[i], rc);
		}
	}
}

TEST(not_an_object_and_null_arguments)
{
	struct doc *d = doc_parse("[1, 2]");
	struct req r = { 0 };

	ASSERT_EQ(spdk_json_decode_object(d->v, g_req_decoders, NUM_REQ_DECODERS, &r), -1);
	ASSERT_EQ(spdk_json_decode_object_relaxed(d->v, g_req_decoders, NUM_REQ_DECODERS, &r), -1);
	ASSERT_EQ(spdk_json_decode_object(NULL, g_req_decoders, NUM_REQ_DECODERS, &r), -1);
	ASSERT_EQ(spdk_json_decode_object(d->v, NULL, 3, &r), -1);
	ASSERT_EQ(spdk_json_decode_object(d->v, g_req_decoders, NUM_REQ_DECODERS, NULL), -1);
	spdk_json_free_object(NULL, 3, &r);
	spdk_json_free_object(g_req_decoders, NUM_REQ_DECODERS, NULL);
	free(d);
}

TEST(empty_table_takes_only_an_empty_object)
{
	struct doc *e = doc_parse("{}");
	struct doc *d = doc_parse("{\"a\": 1}");
	int dummy;

	ASSERT_EQ(spdk_json_decode_object(e->v, NULL, 0, &dummy), 0);
	ASSERT_EQ(spdk_json_decode_object(d->v, NULL, 0, &dummy), -1);
	ASSERT_EQ(spdk_json_decode_object_relaxed(d->v, NULL, 0, &dummy), 0);
	free(e);
	free(d);
}

/* A table wider than the on-stack bookkeeping. */
TEST(large_decoder_table)
{
	enum { N = 300 };
	struct spdk_json_object_decoder *dec = calloc(N, sizeof(*dec));
	uint32_t *out = calloc(N, sizeof(*out));
	char (*names)[8] = calloc(N, 8);
	struct doc *d = doc_parse("{\"k7\": 70, \"k299\": 2990}");

	ASSERT_NOT_NULL(dec);
	for (int i = 0; i < N; i++) {
		snprintf(names[i], 8, "k%d", i);
		dec[i] = (struct spdk_json_object_decoder) {
			names[i], (size_t)i * sizeof(uint32_t), spdk_json_decode_uint32, true
		};
	}
	ASSERT_EQ(spdk_json_decode_object(d->v, dec, N, out), 0);
	ASSERT_EQ(out[7], 70);
	ASSERT_EQ(out[299], 2990);
	dec[5].optional = false;
	ASSERT_EQ(spdk_json_decode_object(d->v, dec, N, out), -1);
	free(d);
	free(names);
	free(out);
	free(dec);
}

/* ---- arrays ------------------------------------------------------------------------- */

TEST(decode_array_of_numbers)
{
	struct doc *d = doc_parse("[1, 2, 3]");
	struct doc *e = doc_parse("[]");
	uint32_t out[4] = { 0 };
	size_t n = 99;

	ASSERT_EQ(spdk_json_decode_array(d->v, spdk_json_decode_uint32, out, 4, &n,
					 sizeof(uint32_t)), 0);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(out[0], 1);
	ASSERT_EQ(out[2], 3);
	ASSERT_EQ(out[3], 0);

	ASSERT_EQ(spdk_json_decode_array(d->v, spdk_json_decode_uint32, out, 2, &n,
					 sizeof(uint32_t)), -1);	/* too many */
	ASSERT_EQ(n, 2);

	ASSERT_EQ(spdk_json_decode_array(e->v, spdk_json_decode_uint32, out, 0, &n,
					 sizeof(uint32_t)), 0);
	ASSERT_EQ(n, 0);
	free(d);
	free(e);
}

struct pair {
	char *name;
	uint64_t value;
};

static const struct spdk_json_object_decoder g_pair_decoders[] = {
	{ "name", offsetof(struct pair, name), spdk_json_decode_string, false },
	{ "value", offsetof(struct pair, value), spdk_json_decode_uint64, false },
};

static int
decode_pair(const struct spdk_json_val *val, void *out)
{
	return spdk_json_decode_object(val, g_pair_decoders, 2, out);
}

TEST(decode_array_of_objects)
{
	struct doc *d = doc_parse("[{\"name\": \"a\", \"value\": 1}, {\"value\": 2, \"name\": \"b\"}, "
				  "{\"name\": \"c\", \"value\": [3]}]");
	struct pair out[3] = { 0 };
	size_t n;

	ASSERT_EQ(spdk_json_decode_array(d->v, decode_pair, out, 3, &n, sizeof(out[0])), -1);
	ASSERT_EQ(n, 2);	/* the third fails */
	ASSERT_STR_EQ(out[0].name, "a");
	ASSERT_EQ(out[1].value, 2);
	for (int i = 0; i < 3; i++) {
		spdk_json_free_object(g_pair_decoders, 2, &out[i]);
	}
	free(d);
}

TEST(decode_array_misuse)
{
	struct doc *d = doc_parse("{\"a\": [true, 1]}");
	bool out[2];
	size_t n = 5;

	ASSERT_EQ(spdk_json_decode_array(d->v, spdk_json_decode_bool, out, 2, &n, 1), -1);
	ASSERT_EQ(n, 5);	/* not an array: untouched, as SPDK */
	ASSERT_EQ(spdk_json_decode_array(&d->v[2], spdk_json_decode_bool, out, 2, &n,
					 sizeof(bool)), -1);
	ASSERT_EQ(n, 1);
	ASSERT_TRUE(out[0]);
	ASSERT_EQ(spdk_json_decode_array(NULL, spdk_json_decode_bool, out, 2, &n, 1), -1);
	ASSERT_EQ(spdk_json_decode_array(&d->v[2], NULL, out, 2, &n, 1), -1);
	ASSERT_EQ(spdk_json_decode_array(&d->v[2], spdk_json_decode_bool, out, 2, NULL, 1), -1);
	free(d);
}

/* ---- scalar decoders ------------------------------------------------------------- */

TEST(scalar_decoders)
{
	struct doc *d = doc_parse("[true, false, \"s\", 3, null]");
	bool b = false;
	char *s = strdup("old");	/* replaced, not leaked */
	uint32_t u = 0;

	ASSERT_EQ(spdk_json_decode_bool(&d->v[1], &b), 0);
	ASSERT_TRUE(b);
	ASSERT_EQ(spdk_json_decode_bool(&d->v[2], &b), 0);
	ASSERT_FALSE(b);
	ASSERT_EQ(spdk_json_decode_bool(&d->v[4], &b), -1);
	ASSERT_EQ(spdk_json_decode_bool(NULL, &b), -1);
	ASSERT_EQ(spdk_json_decode_bool(&d->v[1], NULL), -1);

	ASSERT_EQ(spdk_json_decode_string(&d->v[3], &s), 0);
	ASSERT_STR_EQ(s, "s");
	ASSERT_EQ(spdk_json_decode_string(&d->v[4], &s), -1);
	ASSERT_NULL(s);		/* freed, and NULL on failure */
	ASSERT_EQ(spdk_json_decode_string(&d->v[5], &s), -1);
	ASSERT_EQ(spdk_json_decode_string(&d->v[3], NULL), -1);

	ASSERT_EQ(spdk_json_decode_uint32(&d->v[4], &u), 0);
	ASSERT_EQ(u, 3);
	ASSERT_EQ(spdk_json_decode_uint32(&d->v[3], &u), -EINVAL);
	ASSERT_EQ(spdk_json_decode_uint32(&d->v[5], &u), -EINVAL);
	free(d);
}
