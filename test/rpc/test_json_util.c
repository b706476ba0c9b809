/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of the helpers around parsed values: lengths and counts,
 * string comparison and copy, member lookup, iteration, and the exact
 * number conversions (every boundary of every width, fractions and
 * exponents, and values a double would round).
 */

#include "harness.h"

#include "spdk/json.h"

#include <stdlib.h>

#define MAX_VALUES 64

struct doc {
	char buf[512];
	struct spdk_json_val v[MAX_VALUES];
	ssize_t n;
};

static struct doc *
doc_parse(const char *text)
{
	struct doc *d = calloc(1, sizeof(*d));

	ASSERT_NOT_NULL(d);
	ASSERT_LT(strlen(text), sizeof(d->buf));
	strcpy(d->buf, text);
	d->n = spdk_json_parse(d->buf, strlen(text), d->v, MAX_VALUES, NULL,
			       SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);
	ASSERT_GT(d->n, 0);
	return d;
}

static struct spdk_json_val
number(const char *text)
{
	struct spdk_json_val v = { .start = (void *)text, .len = (uint32_t)strlen(text),
		       .type = SPDK_JSON_VAL_NUMBER
	};

	return v;
}

/* ---- lengths, strings ---------------------------------------------------------- */

TEST(val_len_and_array_count)
{
	struct doc *d = doc_parse("[1, [2, 3], {\"a\": [4]}, \"s\", []]");

	ASSERT_EQ(spdk_json_val_len(&d->v[0]), (size_t)d->n);
	ASSERT_EQ(spdk_json_val_len(&d->v[1]), 1);
	ASSERT_EQ(spdk_json_val_len(&d->v[2]), 4);
	ASSERT_EQ(spdk_json_val_len(NULL), 0);
	ASSERT_EQ(spdk_json_array_count(&d->v[0]), 5);
	ASSERT_EQ(spdk_json_array_count(&d->v[2]), 2);
	ASSERT_EQ(spdk_json_array_count(&d->v[1]), 0);	/* not an array */
	ASSERT_EQ(spdk_json_array_count(NULL), 0);
	free(d);
}

TEST(strequal_and_strdup)
{
	struct doc *d = doc_parse("{\"key\": \"a\\u0000b\", \"k2\": \"value\", \"n\": 5}");
	char *s;

	ASSERT_TRUE(spdk_json_strequal(&d->v[1], "key"));	/* a NAME */
	ASSERT_FALSE(spdk_json_strequal(&d->v[1], "ke"));
	ASSERT_FALSE(spdk_json_strequal(&d->v[1], "keys"));
	ASSERT_FALSE(spdk_json_strequal(&d->v[2], "a"));	/* the NUL is part of it */
	ASSERT_TRUE(spdk_json_strequal(&d->v[4], "value"));
	ASSERT_FALSE(spdk_json_strequal(&d->v[6], "5"));	/* a NUMBER is not text */
	ASSERT_FALSE(spdk_json_strequal(NULL, "x"));
	ASSERT_FALSE(spdk_json_strequal(&d->v[4], NULL));

	s = spdk_json_strdup(&d->v[4]);
	ASSERT_STR_EQ(s, "value");
	free(s);
	s = spdk_json_strdup(&d->v[1]);
	ASSERT_STR_EQ(s, "key");
	free(s);
	ASSERT_NULL(spdk_json_strdup(&d->v[2]));	/* embedded NUL */
	ASSERT_NULL(spdk_json_strdup(&d->v[6]));
	ASSERT_NULL(spdk_json_strdup(NULL));
	free(d);
}

/* ---- lookup ------------------------------------------------------------------ */

TEST(find_members)
{
	struct doc *d = doc_parse("{\"\": 0, \"a\": \"x\", \"arr\": [1, 2], \"o\": {\"inner\": 1}, "
				  "\"n\": null}");
	struct spdk_json_val *key = NULL, *val = NULL;

	ASSERT_EQ(spdk_json_find(d->v, "a", &key, &val, SPDK_JSON_VAL_ANY), 0);
	ASSERT_EQ(key->type, SPDK_JSON_VAL_NAME);
	ASSERT_EQ(val->type, SPDK_JSON_VAL_STRING);
	ASSERT_PTR_EQ(val, key + 1);

	/* the empty name is a name like any other (SPDK says -EPROTOTYPE when it
	 * comes first) */
	ASSERT_EQ(spdk_json_find(d->v, "", NULL, &val, SPDK_JSON_VAL_NUMBER), 0);

	ASSERT_EQ(spdk_json_find_string(d->v, "a", NULL, &val), 0);
	ASSERT_EQ(spdk_json_find_array(d->v, "arr", NULL, &val), 0);
	ASSERT_EQ(spdk_json_array_count(val), 2);
	ASSERT_EQ(spdk_json_find_array(d->v, "a", NULL, NULL), -EDOM);
	ASSERT_EQ(spdk_json_find(d->v, "o", NULL, NULL, SPDK_JSON_VAL_OBJECT_BEGIN), 0);
	/* a mask of kinds */
	ASSERT_EQ(spdk_json_find(d->v, "n", NULL, NULL,
				 SPDK_JSON_VAL_NULL | SPDK_JSON_VAL_STRING), 0);

	key = val = (void *)1;
	ASSERT_EQ(spdk_json_find(d->v, "inner", &key, &val, SPDK_JSON_VAL_ANY), -ENOENT);
	ASSERT_NULL(key);	/* nested objects are not searched */
	ASSERT_NULL(val);
	ASSERT_EQ(spdk_json_find(&d->v[5], "x", NULL, NULL, SPDK_JSON_VAL_ANY), -EPROTOTYPE);
	ASSERT_EQ(spdk_json_find(NULL, "x", NULL, NULL, SPDK_JSON_VAL_ANY), -EINVAL);
	ASSERT_EQ(spdk_json_find(d->v, NULL, NULL, NULL, SPDK_JSON_VAL_ANY), -EINVAL);
	free(d);
}

TEST(find_duplicate_and_empty)
{
	struct doc *d = doc_parse("{\"a\": 1, \"b\": 2, \"a\": 3}");
	struct doc *e = doc_parse("{}");

	ASSERT_EQ(spdk_json_find(d->v, "a", NULL, NULL, SPDK_JSON_VAL_ANY), -EINVAL);
	ASSERT_EQ(spdk_json_find(d->v, "b", NULL, NULL, SPDK_JSON_VAL_ANY), 0);
	ASSERT_EQ(spdk_json_find(e->v, "a", NULL, NULL, SPDK_JSON_VAL_ANY), -ENOENT);
	free(d);
	free(e);
}

/* ---- iteration -------------------------------------------------------------- */

TEST(iterate_array)
{
	struct doc *d = doc_parse("[1, [2, [3]], {\"a\": {}}, \"s\", null]");
	static const enum spdk_json_val_type want[] = {
		SPDK_JSON_VAL_NUMBER, SPDK_JSON_VAL_ARRAY_BEGIN, SPDK_JSON_VAL_OBJECT_BEGIN,
		SPDK_JSON_VAL_STRING, SPDK_JSON_VAL_NULL,
	};
	size_t n = 0;

	for (struct spdk_json_val *it = spdk_json_array_first(d->v); it != NULL;
	     it = spdk_json_next(it)) {
		ASSERT_LT(n, 5);
		ASSERT_EQ(it->type, want[n]);
		n++;
	}
	/* the loop ends after the last element: SPDK hands out the ']' too */
	ASSERT_EQ(n, 5);
	ASSERT_EQ(n, spdk_json_array_count(d->v));
	free(d);
}

TEST(iterate_object)
{
	struct doc *d = doc_parse("{\"a\": [1, 2], \"b\": {\"c\": 3}, \"d\": 4}");
	const char *names[] = { "a", "b", "d" };
	size_t n = 0;

	for (struct spdk_json_val *it = spdk_json_object_first(d->v); it != NULL;
	     it = spdk_json_next(it)) {
		ASSERT_LT(n, 3);
		ASSERT_EQ(it->type, SPDK_JSON_VAL_NAME);
		ASSERT_TRUE(spdk_json_strequal(it, names[n]));
		n++;
	}
	ASSERT_EQ(n, 3);
	free(d);
}

TEST(first_of_empty_or_wrong_kind)
{
	struct doc *d = doc_parse("[[], {}, 1]");

	ASSERT_NULL(spdk_json_array_first(&d->v[1]));
	ASSERT_NULL(spdk_json_object_first(&d->v[3]));
	ASSERT_NULL(spdk_json_object_first(d->v));	/* an array */
	ASSERT_NULL(spdk_json_array_first(&d->v[3]));	/* an object */
	ASSERT_NULL(spdk_json_array_first(&d->v[5]));	/* a number */
	ASSERT_NULL(spdk_json_array_first(NULL));
	ASSERT_NULL(spdk_json_object_first(NULL));
	ASSERT_NULL(spdk_json_next(NULL));
	ASSERT_NULL(spdk_json_next(&d->v[2]));	/* an _END */
	free(d);
}

/* ---- numbers --------------------------------------------------------------------- */

TEST(number_boundaries)
{
	struct spdk_json_val v;
	uint8_t u8;
	uint16_t u16;
	int32_t i32;
	uint32_t u32;
	uint64_t u64;

	v = number("255");
	ASSERT_EQ(spdk_json_number_to_uint8(&v, &u8), 0);
	ASSERT_EQ(u8, 255);
	v = number("256");
	ASSERT_EQ(spdk_json_number_to_uint8(&v, &u8), -ERANGE);
	v = number("65535");
	ASSERT_EQ(spdk_json_number_to_uint16(&v, &u16), 0);
	ASSERT_EQ(u16, 65535);
	v = number("65536");
	ASSERT_EQ(spdk_json_number_to_uint16(&v, &u16), -ERANGE);
	v = number("2147483647");
	ASSERT_EQ(spdk_json_number_to_int32(&v, &i32), 0);
	ASSERT_EQ(i32, INT32_MAX);
	v = number("2147483648");
	ASSERT_EQ(spdk_json_number_to_int32(&v, &i32), -ERANGE);
	v = number("-2147483648");
	ASSERT_EQ(spdk_json_number_to_int32(&v, &i32), 0);
	ASSERT_EQ(i32, INT32_MIN);
	v = number("-2147483649");
	ASSERT_EQ(spdk_json_number_to_int32(&v, &i32), -ERANGE);
	v = number("4294967295");
	ASSERT_EQ(spdk_json_number_to_uint32(&v, &u32), 0);
	ASSERT_EQ(u32, UINT32_MAX);
	v = number("4294967296");
	ASSERT_EQ(spdk_json_number_to_uint32(&v, &u32), -ERANGE);
	v = number("18446744073709551615");
	ASSERT_EQ(spdk_json_number_to_uint64(&v, &u64), 0);
	ASSERT_EQ(u64, UINT64_MAX);
	v = number("18446744073709551616");
	ASSERT_EQ(spdk_json_number_to_uint64(&v, &u64), -ERANGE);
	v = number("99999999999999999999999");
	ASSERT_EQ(spdk_json_number_to_uint64(&v, &u64), -ERANGE);
}

TEST(numbers_are_exact)
{
	struct spdk_json_val v;
	uint64_t u64 = 0;

	/* 2^53 + 1 and 2^64 - 2: a double would round both */
	v = number("9007199254740993");
	ASSERT_EQ(spdk_json_number_to_uint64(&v, &u64), 0);
	ASSERT_EQ(u64, UINT64_C(9007199254740993));
	v = number("18446744073709551614");
	ASSERT_EQ(spdk_json_number_to_uint64(&v, &u64), 0);
	ASSERT_EQ(u64, UINT64_MAX - 1);
	v = number("1.8446744073709551615e19");
	ASSERT_EQ(spdk_json_number_to_uint64(&v, &u64), 0);
	ASSERT_EQ(u64, UINT64_MAX);
	v = number("1.8446744073709551616e19");
	ASSERT_EQ(spdk_json_number_to_uint64(&v, &u64), -ERANGE);
}

TEST(fractions_and_exponents)
{
	static const struct {
		const char *text;
		int rc;
		uint64_t value;
	} cases[] = {
		{ "1.0", 0, 1 }, { "1e2", 0, 100 }, { "1E+2", 0, 100 }, { "1.5e1", 0, 15 },
		{ "100e-2", 0, 1 }, { "0.0", 0, 0 }, { "0e-5", 0, 0 }, { "120e-1", 0, 12 },
		{ "1.5", -ERANGE, 0 }, { "1e-1", -ERANGE, 0 }, { "0.1e1", 0, 1 },
		{ "1e20", -ERANGE, 0 }, { "1e19", 0, UINT64_C(10000000000000000000) },
		/* zero with any exponent is zero, at once (SPDK loops once per unit
		 * of exponent here) */
		{ "0e999999999999999999999", 0, 0 },
		{ "1e999999999999999999999", -ERANGE, 0 },
		{ "1e-999999999999999999999", -ERANGE, 0 },
		/* more digits than 64 bits hold, but an integer that fits (SPDK: -ERANGE) */
		{ "100000000000000000000000e-10", 0, UINT64_C(10000000000000) },
		{ "-1", -ERANGE, 0 }, { "-0", -ERANGE, 0 }, /* a minus sign, as SPDK */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spdk_json_val v = number(cases[i].text);
		uint64_t u64 = 12345;
		int rc = spdk_json_number_to_uint64(&v, &u64);

		if (rc != cases[i].rc || (rc == 0 && u64 != cases[i].value)) {
			FAIL("%s: rc %d value %" PRIu64, cases[i].text, rc, u64);
		}
		if (rc != 0 && u64 != 12345) {
			FAIL("%s: output written on failure", cases[i].text);
		}
	}
}

TEST(signed_zero_and_negative)
{
	struct spdk_json_val v = number("-0");
	int32_t i32 = 7;

	ASSERT_EQ(spdk_json_number_to_int32(&v, &i32), 0);
	ASSERT_EQ(i32, 0);
	v = number("-2.5e1");
	ASSERT_EQ(spdk_json_number_to_int32(&v, &i32), 0);
	ASSERT_EQ(i32, -25);
}

TEST(not_a_number)
{
	struct spdk_json_val v = { .start = (void *)"12", .len = 2, .type = SPDK_JSON_VAL_STRING };
	uint64_t u64;

	ASSERT_EQ(spdk_json_number_to_uint64(&v, &u64), -EINVAL);
	ASSERT_EQ(spdk_json_number_to_uint64(NULL, &u64), -EINVAL);
	v = number("12");
	ASSERT_EQ(spdk_json_number_to_uint64(&v, NULL), -EINVAL);
	v = number("1x");	/* not from the parser: refused, not misread */
	ASSERT_EQ(spdk_json_number_to_uint64(&v, &u64), -EINVAL);
	v = number("");
	ASSERT_EQ(spdk_json_number_to_uint64(&v, &u64), -EINVAL);
	v = number("-");
	ASSERT_EQ(spdk_json_number_to_uint64(&v, &u64), -EINVAL);
}
