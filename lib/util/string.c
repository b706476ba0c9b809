/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The spdk/string.h subset: allocating printf, error text, strict integer
 * parsing and small in-place string edits.
 */

#include "spdk/string.h"
#include "spdk/log.h"
#include "common/pw_common.h"

/* Large enough for every glibc message and for "Unknown error -2147483648". */
#define STRERROR_BUF_SIZE 128

static __thread char g_strerror_buf[STRERROR_BUF_SIZE];

static bool
arg_ok(const void *ptr, const char *what, const char *func)
{
	if (ptr == NULL) {
		SPDK_ERRLOG("%s: %s is NULL\n", func, what);
		return false;
	}
	return true;
}

/*
 * Shared checks of spdk_strtol()/spdk_strtoll() once the C library has
 * parsed: err is the errno it left, end where it stopped, negative whether
 * the value is below zero. Returns 0 when the value may be returned.
 */
static int
classify_number(const char *nptr, const char *end, int err, bool negative)
{
	if (end == nptr) {
		return -EINVAL;		/* no digits at all (also covers "") */
	}
	if (err == ERANGE) {
		return -ERANGE;
	}
	if (err != 0) {
		return -err;
	}
	if (*end != '\0') {
		return -EINVAL;		/* something follows the number */
	}
	if (negative) {
		return -ERANGE;		/* SPDK treats a negative input as out of range */
	}
	return 0;
}

static bool
base_ok(int base)
{
	return base == 0 || (base >= 2 && base <= 36);
}

PW_EXPORT char *
spdk_vsprintf_append_realloc(char *buffer, const char *format, va_list args)
{
	size_t old_len, total;
	char *grown;
	va_list probe;
	int need;

	if (!arg_ok(format, "the format", __func__)) {
		return NULL;
	}
	old_len = buffer != NULL ? strlen(buffer) : 0;

	/* First pass measures, second pass writes: args must be copied for the first. */
	va_copy(probe, args);
	need = vsnprintf(NULL, 0, format, probe);
	va_end(probe);
	if (need < 0) {
		return NULL;
	}
	if ((size_t)need > SIZE_MAX - old_len - 1) {
		return NULL;
	}
	total = old_len + (size_t)need + 1;

	/* realloc() leaves the old block intact on failure, as the contract promises. */
	grown = realloc(buffer, total);
	if (grown == NULL) {
		return NULL;
	}
	vsnprintf(grown + old_len, total - old_len, format, args);
	return grown;
}

PW_EXPORT char *
spdk_sprintf_append_realloc(char *buffer, const char *format, ...)
{
	va_list args;
	char *out;

	va_start(args, format);
	out = spdk_vsprintf_append_realloc(buffer, format, args);
	va_end(args);
	return out;
}

PW_EXPORT char *
spdk_vsprintf_alloc(const char *format, va_list args)
{
	return spdk_vsprintf_append_realloc(NULL, format, args);
}

PW_EXPORT char *
spdk_sprintf_alloc(const char *format, ...)
{
	va_list args;
	char *out;

	va_start(args, format);
	out = spdk_vsprintf_append_realloc(NULL, format, args);
	va_end(args);
	return out;
}

PW_EXPORT char *
spdk_strlwr(char *s)
{
	char *p;

	if (s == NULL) {
		return NULL;
	}
	for (p = s; *p != '\0'; p++) {
		*p = (char)tolower((unsigned char)*p);
	}
	return s;
}

PW_EXPORT char *
spdk_strsepq(char **stringp, const char *delim)
{
	char *field, *in, *out;
	char quote = '\0';	/* the open quote character, or NUL outside quotes */

	if (!arg_ok(stringp, "stringp", __func__) || !arg_ok(delim, "delim", __func__)) {
		return NULL;
	}
	field = *stringp;
	if (field == NULL) {
		return NULL;
	}

	/* Unescaped text is compacted towards the field start as we go. */
	in = out = field;
	while (*in != '\0' && *in != '\n') {
		char c = *in;

		if (c == '\\' && quote != '\'') {
			if (in[1] == '\0' || in[1] == '\n') {
				in++;		/* a final backslash escapes nothing */
				break;
			}
			*out++ = in[1];
			in += 2;
			continue;
		}
		if (quote != '\0') {
			if (c == quote) {
				quote = '\0';
			} else {
				*out++ = c;
			}
			in++;
			continue;
		}
		if (c == '"' || c == '\'') {
			quote = c;
			in++;
			continue;
		}
		if (strchr(delim, c) != NULL) {
			in++;
			break;
		}
		*out++ = c;
		in++;
	}
	*out = '\0';

	if (*in == '\n') {
		*stringp = NULL;	/* a newline ends the whole string */
		return field;
	}
	while (*in != '\0' && strchr(delim, *in) != NULL) {
		in++;
	}
	*stringp = *in != '\0' ? in : NULL;
	return field;
}

PW_EXPORT char *
spdk_str_trim(char *s)
{
	char *start, *end;
	size_t len;

	if (s == NULL) {
		return NULL;
	}
	start = s;
	while (isspace((unsigned char)*start)) {
		start++;
	}
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1])) {
		end--;
	}
	len = (size_t)(end - start);
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

PW_EXPORT void
spdk_strerror_r(int errnum, char *buf, size_t buflen)
{
	char scratch[STRERROR_BUF_SIZE];
	const char *msg;

	if (!arg_ok(buf, "buf", __func__)) {
		return;
	}
	if (buflen == 0) {
		SPDK_ERRLOG("%s: buflen is 0\n", __func__);
		return;
	}
	/* GNU strerror_r returns either its own static text or the buffer it was given. */
	msg = strerror_r(errnum, scratch, sizeof(scratch));
	if (msg == NULL || msg[0] == '\0') {
		snprintf(buf, buflen, "Unknown error %d", errnum);
		return;
	}
	snprintf(buf, buflen, "%s", msg);
}

PW_EXPORT const char *
spdk_strerror(int errnum)
{
	spdk_strerror_r(errnum, g_strerror_buf, sizeof(g_strerror_buf));
	return g_strerror_buf;
}

PW_EXPORT size_t
spdk_str_chomp(char *s)
{
	size_t len, removed = 0;

	if (!arg_ok(s, "the string", __func__)) {
		return 0;
	}
	len = strlen(s);
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r')) {
		s[--len] = '\0';
		removed++;
	}
	return removed;
}

PW_EXPORT void
spdk_strcpy_pad(void *dst, const char *src, size_t size, int pad)
{
	size_t n;

	if (size == 0) {
		return;
	}
	if (!arg_ok(dst, "dst", __func__) || !arg_ok(src, "src", __func__)) {
		return;
	}
	n = strnlen(src, size);
	memcpy(dst, src, n);
	memset((char *)dst + n, pad, size - n);
}

PW_EXPORT size_t
spdk_strlen_pad(const void *str, size_t size, int pad)
{
	const uint8_t *bytes = str;
	uint8_t pad_byte = (uint8_t)pad;

	if (size == 0) {
		return 0;
	}
	if (!arg_ok(str, "str", __func__)) {
		return 0;
	}
	while (size > 0 && bytes[size - 1] == pad_byte) {
		size--;
	}
	return size;
}

PW_EXPORT int
spdk_parse_capacity(const char *cap_str, uint64_t *cap, bool *has_prefix)
{
	const char *p;
	uint64_t val = 0;
	unsigned int shift;

	if (!arg_ok(cap_str, "cap_str", __func__) || !arg_ok(cap, "cap", __func__) ||
	    !arg_ok(has_prefix, "has_prefix", __func__)) {
		return -EINVAL;
	}
	p = cap_str;
	while (isspace((unsigned char)*p)) {
		p++;
	}
	if (*p < '0' || *p > '9') {
		return -EINVAL;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int digit = (unsigned int)(*p - '0');

		if (val > (UINT64_MAX - digit) / 10) {
			return -ERANGE;
		}
		val = val * 10 + digit;
	}

	switch (*p) {
	case '\0':
		*cap = val;
		*has_prefix = false;
		return 0;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (val > (UINT64_MAX >> shift)) {
		return -ERANGE;
	}
	*cap = val << shift;
	*has_prefix = true;
	return 0;
}

PW_EXPORT bool
spdk_mem_all_zero(const void *data, size_t size)
{
	const uint8_t *bytes = data;
	size_t i;

	if (size == 0) {
		return true;
	}
	if (!arg_ok(data, "data", __func__)) {
		return false;
	}
	for (i = 0; i < size; i++) {
		if (bytes[i] != 0) {
			return false;
		}
	}
	return true;
}

PW_EXPORT long int
spdk_strtol(const char *nptr, int base)
{
	int saved_errno = errno;
	char *end;
	long val;
	int rc;

	if (!arg_ok(nptr, "nptr", __func__)) {
		return -EINVAL;
	}
	if (!base_ok(base)) {
		return -EINVAL;
	}
	errno = 0;
	val = strtol(nptr, &end, base);
	rc = classify_number(nptr, end, errno, val < 0);
	errno = saved_errno;	/* callers must not depend on errno; leave theirs alone */
	return rc != 0 ? rc : val;
}

PW_EXPORT long long int
spdk_strtoll(const char *nptr, int base)
{
	int saved_errno = errno;
	char *end;
	long long val;
	int rc;

	if (!arg_ok(nptr, "nptr", __func__)) {
		return -EINVAL;
	}
	if (!base_ok(base)) {
		return -EINVAL;
	}
	errno = 0;
	val = strtoll(nptr, &end, base);
	rc = classify_number(nptr, end, errno, val < 0);
	errno = saved_errno;
	return rc != 0 ? rc : val;
}
