/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Walking parsed values (lengths, member lookup, iteration), comparing and
 * copying strings, and exact conversion of number text to integers.
 *
 * Every function here trusts the shape of the value array only as far as
 * the _BEGIN lengths written by spdk_json_parse(); NULL pointers are
 * answered, never dereferenced.
 */

#include "spdk/json.h"
#include "spdk/log.h"
#include "common/pw_common.h"

/* Any exponent beyond this magnitude is as good as infinite: a value with
 * one significant digit is then either 0 or far beyond 64 bits. */
#define EXP_CLAMP 1000000000LL

PW_EXPORT size_t
spdk_json_val_len(const struct spdk_json_val *val)
{
	if (val == NULL) {
		return 0;
	}
	if (val->type == SPDK_JSON_VAL_ARRAY_BEGIN || val->type == SPDK_JSON_VAL_OBJECT_BEGIN) {
		return (size_t)val->len + 2;
	}
	return 1;
}

PW_EXPORT size_t
spdk_json_array_count(const struct spdk_json_val *val)
{
	size_t count = 0;

	if (val == NULL || val->type != SPDK_JSON_VAL_ARRAY_BEGIN) {
		return 0;
	}
	for (size_t i = 1; i <= val->len; i += spdk_json_val_len(&val[i])) {
		count++;
	}
	return count;
}

static bool
is_text(const struct spdk_json_val *val)
{
	return val->type == SPDK_JSON_VAL_STRING || val->type == SPDK_JSON_VAL_NAME;
}

PW_EXPORT bool
spdk_json_strequal(const struct spdk_json_val *val, const char *str)
{
	if (val == NULL || str == NULL || !is_text(val)) {
		return false;
	}
	return strlen(str) == val->len && memcmp(val->start, str, val->len) == 0;
}

PW_EXPORT char *
spdk_json_strdup(const struct spdk_json_val *val)
{
	char *s;

	if (val == NULL || !is_text(val)) {
		return NULL;
	}
	/* A NUL inside (from \u0000) cannot be carried by a C string. */
	if (memchr(val->start, '\0', val->len) != NULL) {
		return NULL;
	}
	s = malloc((size_t)val->len + 1);
	if (s == NULL) {
		return NULL;
	}
	memcpy(s, val->start, val->len);
	s[val->len] = '\0';
	return s;
}

/* The digits of a number's text as one sequence: the integer part, then the
 * fraction. */
struct digits {
	const char *ip;	/* integer digits */
	size_t ilen;
	const char *fp;	/* fraction digits */
	size_t flen;
};

static inline char
digit_at(const struct digits *d, size_t i)
{
	return i < d->ilen ? d->ip[i] : d->fp[i - d->ilen];
}

static size_t
scan_digits(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && *p >= '0' && *p <= '9') {
		p++;
	}
	return (size_t)(p - s);
}

/*
 * The exact value of a NUMBER as sign and magnitude, when it is an integer
 * that fits 64 bits. The text is taken apart into digits and exponent and
 * the integer is built from the significant digits alone, so "1.5e1",
 * "100e-2" and "18446744073709551615" are exact and nothing passes through
 * floating point.
 *
 * Returns 0, -EINVAL (not a number) or -ERANGE (a fraction, or too large).
 */
static int
number_magnitude(const struct spdk_json_val *val, bool *negative, uint64_t *mag)
{
	const char *p, *end;
	struct digits d = { 0 };
	int64_t exp = 0;
	size_t total, first, last, i;
	uint64_t m = 0;

	if (val == NULL || val->type != SPDK_JSON_VAL_NUMBER || val->start == NULL || val->len == 0) {
		return -EINVAL;
	}
	p = val->start;
	end = p + val->len;

	*negative = *p == '-';
	if (*negative) {
		p++;
	}
	d.ip = p;
	d.ilen = scan_digits(p, end);
	if (d.ilen == 0) {
		return -EINVAL;
	}
	p += d.ilen;
	if (p < end && *p == '.') {
		d.fp = ++p;
		d.flen = scan_digits(p, end);
		if (d.flen == 0) {
			return -EINVAL;
		}
		p += d.flen;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		bool eneg = false;
		size_t elen;

		p++;
		if (p < end && (*p == '+' || *p == '-')) {
			eneg = *p++ == '-';
		}
		elen = scan_digits(p, end);
		if (elen == 0) {
			return -EINVAL;
		}
		for (i = 0; i < elen; i++) {
			exp = exp * 10 + (p[i] - '0');
			if (exp > EXP_CLAMP) {
				exp = EXP_CLAMP;
				break;
			}
		}
		p += elen;
		if (eneg) {
			exp = -exp;
		}
	}
	if (p != end) {
		return -EINVAL;
	}

	total = d.ilen + d.flen;
	for (first = 0; first < total && digit_at(&d, first) == '0'; first++) {
	}
	if (first == total) {
		*mag = 0;	/* zero, whatever the exponent */
		return 0;
	}
	for (last = total - 1; digit_at(&d, last) == '0'; last--) {
	}
	/* value = digits[first..last] * 10^(exp - flen + trailing zeros) */
	exp += (int64_t)(total - 1 - last) - (int64_t)d.flen;
	if (exp < 0) {
		return -ERANGE;	/* not an integer */
	}
	if ((int64_t)(last - first + 1) + exp > 20) {
		return -ERANGE;	/* 21 digits or more: beyond UINT64_MAX */
	}
	for (i = first; i <= last; i++) {
		unsigned dig = (unsigned)(digit_at(&d, i) - '0');

		if (m > (UINT64_MAX - dig) / 10) {
			return -ERANGE;
		}
		m = m * 10 + dig;
	}
	for (; exp > 0; exp--) {
		if (m > UINT64_MAX / 10) {
			return -ERANGE;
		}
		m *= 10;
	}
	*mag = m;
	return 0;
}

/* Unsigned conversions: a minus sign is out of range, even on zero (as SPDK). */
static int
number_to_unsigned(const struct spdk_json_val *val, uint64_t max, uint64_t *out)
{
	bool negative;
	uint64_t mag;
	int rc;

	rc = number_magnitude(val, &negative, &mag);
	if (rc != 0) {
		return rc;
	}
	if (negative || mag > max) {
		return -ERANGE;
	}
	*out = mag;
	return 0;
}

PW_EXPORT int
spdk_json_number_to_uint8(const struct spdk_json_val *val, uint8_t *num)
{
	uint64_t v;
	int rc;

	if (num == NULL) {
		return -EINVAL;
	}
	rc = number_to_unsigned(val, UINT8_MAX, &v);
	if (rc == 0) {
		*num = (uint8_t)v;
	}
	return rc;
}

PW_EXPORT int
spdk_json_number_to_uint16(const struct spdk_json_val *val, uint16_t *num)
{
	uint64_t v;
	int rc;

	if (num == NULL) {
		return -EINVAL;
	}
	rc = number_to_unsigned(val, UINT16_MAX, &v);
	if (rc == 0) {
		*num = (uint16_t)v;
	}
	return rc;
}

PW_EXPORT int
spdk_json_number_to_uint32(const struct spdk_json_val *val, uint32_t *num)
{
	uint64_t v;
	int rc;

	if (num == NULL) {
		return -EINVAL;
	}
	rc = number_to_unsigned(val, UINT32_MAX, &v);
	if (rc == 0) {
		*num = (uint32_t)v;
	}
	return rc;
}

PW_EXPORT int
spdk_json_number_to_uint64(const struct spdk_json_val *val, uint64_t *num)
{
	if (num == NULL) {
		return -EINVAL;
	}
	return number_to_unsigned(val, UINT64_MAX, num);
}

PW_EXPORT int
spdk_json_number_to_int32(const struct spdk_json_val *val, int32_t *num)
{
	bool negative;
	uint64_t mag;
	int rc;

	if (num == NULL) {
		return -EINVAL;
	}
	rc = number_magnitude(val, &negative, &mag);
	if (rc != 0) {
		return rc;
	}
	if (mag > (negative ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX)) {
		return -ERANGE;
	}
	*num = negative ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
	return 0;
}

/* ---- walking ------------------------------------------------------------ */

PW_EXPORT struct spdk_json_val *
spdk_json_object_first(struct spdk_json_val *object)
{
	if (object == NULL || object->type != SPDK_JSON_VAL_OBJECT_BEGIN || object->len == 0) {
		return NULL;
	}
	return object + 1;
}

PW_EXPORT struct spdk_json_val *
spdk_json_array_first(struct spdk_json_val *array_begin)
{
	if (array_begin == NULL || array_begin->type != SPDK_JSON_VAL_ARRAY_BEGIN ||
	    array_begin->len == 0) {
		return NULL;
	}
	return array_begin + 1;
}

PW_EXPORT struct spdk_json_val *
spdk_json_next(struct spdk_json_val *pos)
{
	struct spdk_json_val *next;

	if (pos == NULL) {
		return NULL;
	}
	switch (pos->type) {
	case SPDK_JSON_VAL_NAME:
		next = pos + 1 + spdk_json_val_len(pos + 1);	/* skip the member's value */
		break;
	case SPDK_JSON_VAL_NULL:
	case SPDK_JSON_VAL_TRUE:
	case SPDK_JSON_VAL_FALSE:
	case SPDK_JSON_VAL_NUMBER:
	case SPDK_JSON_VAL_STRING:
	case SPDK_JSON_VAL_ARRAY_BEGIN:
	case SPDK_JSON_VAL_OBJECT_BEGIN:
		next = pos + spdk_json_val_len(pos);
		break;
	default:
		return NULL;	/* an _END or an invalid entry: nothing follows */
	}
	if (next->type == SPDK_JSON_VAL_ARRAY_END || next->type == SPDK_JSON_VAL_OBJECT_END ||
	    next->type == SPDK_JSON_VAL_INVALID) {
		return NULL;
	}
	return next;
}

PW_EXPORT int
spdk_json_find(struct spdk_json_val *object, const char *key_name, struct spdk_json_val **key,
	       struct spdk_json_val **val, enum spdk_json_val_type type)
{
	struct spdk_json_val *found = NULL;
	size_t i;

	if (object == NULL || key_name == NULL) {
		SPDK_ERRLOG("spdk_json_find: %s is NULL\n", object == NULL ? "object" : "key_name");
		return -EINVAL;
	}
	if (object->type != SPDK_JSON_VAL_OBJECT_BEGIN) {
		SPDK_DEBUGLOG(json_util, "value of type %#x is not an object\n", object->type);
		return -EPROTOTYPE;
	}

	for (i = 1; i <= object->len; i += 1 + spdk_json_val_len(&object[i + 1])) {
		struct spdk_json_val *name = &object[i];

		if (name->type != SPDK_JSON_VAL_NAME || i + 1 > object->len) {
			SPDK_ERRLOG("spdk_json_find: malformed object (entry %zu)\n", i);
			return -EINVAL;
		}
		if (!spdk_json_strequal(name, key_name)) {
			continue;
		}
		if (found != NULL) {
			SPDK_DEBUGLOG(json_util, "duplicate key '%s'\n", key_name);
			return -EINVAL;
		}
		if (type != SPDK_JSON_VAL_ANY && (name[1].type & type) == 0) {
			SPDK_DEBUGLOG(json_util, "key '%s' has type %#x, not %#x\n", key_name,
				      name[1].type, type);
			return -EDOM;
		}
		found = name;
	}

	if (key != NULL) {
		*key = found;
	}
	if (val != NULL) {
		*val = found != NULL ? found + 1 : NULL;
	}
	return found != NULL ? 0 : -ENOENT;
}

PW_EXPORT int
spdk_json_find_string(struct spdk_json_val *object, const char *key_name,
		      struct spdk_json_val **key, struct spdk_json_val **val)
{
	return spdk_json_find(object, key_name, key, val, SPDK_JSON_VAL_STRING);
}

PW_EXPORT int
spdk_json_find_array(struct spdk_json_val *object, const char *key_name,
		     struct spdk_json_val **key, struct spdk_json_val **value)
{
	return spdk_json_find(object, key_name, key, value, SPDK_JSON_VAL_ARRAY_BEGIN);
}

SPDK_LOG_REGISTER_COMPONENT(json_util)
