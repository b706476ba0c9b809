/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The streaming JSON writer.
 *
 * Output collects in a fixed buffer inside the context and goes to the
 * caller's callback whenever the buffer fills and at spdk_json_write_end().
 * The context remembers the open containers (one bit each: object or
 * array) so that a value without a name inside an object, a name outside an
 * object, or a closer that does not match is refused instead of producing
 * text no parser would accept.
 *
 * The text is SPDK's byte for byte: compact by default; with
 * SPDK_JSON_WRITE_FLAG_FORMATTED one member or element per line, indented
 * by two spaces a level, ": " after names, and empty containers as `{}` and
 * `[]`. Strings come out as pure ASCII: every code point outside printable
 * ASCII is written as a `\u` escape (upper-case hex, a surrogate pair
 * above U+FFFF), as SPDK does.
 */

#include <math.h>

#include "spdk/json.h"
#include "spdk/log.h"
#include "spdk/string.h"
#include "spdk/likely.h"
#include "rpc/json_internal.h"
#include "common/pw_common.h"

#define WRITE_BUF_SIZE 4096

struct spdk_json_write_ctx {
	spdk_json_write_cb write_cb;
	void *cb_ctx;
	uint32_t flags;
	uint32_t depth;		/* open containers */
	uint64_t is_object[PW_JSON_WRITE_MAX_DEPTH / 64];	/* bit per level */
	bool first;		/* the next value needs no comma before it */
	bool opened;		/* the innermost container has nothing in it yet */
	bool after_name;	/* a name was written, its value has not */
	bool failed;		/* sticky: a write failed or was refused */
	size_t fill;
	uint8_t buf[WRITE_BUF_SIZE];
};

/* Bytes a string may carry as they are: printable ASCII but '"' and '\'. */
static const bool g_plain[256] = {
	[0x20 ... 0x21] = true,		/* '"' is 0x22 */
	[0x23 ... 0x5B] = true,		/* '\\' is 0x5C */
	[0x5D ... 0x7E] = true,		/* 0x7F (DEL) is escaped, as SPDK does */
};

static const char g_hex_upper[] = "0123456789ABCDEF";

static int
fail(struct spdk_json_write_ctx *w)
{
	w->failed = true;
	return -1;
}

static int
flush_buf(struct spdk_json_write_ctx *w)
{
	if (w->fill > 0) {
		if (w->write_cb(w->cb_ctx, w->buf, w->fill) != 0) {
			SPDK_ERRLOG("JSON write callback failed\n");
			return fail(w);
		}
		w->fill = 0;
	}
	return 0;
}

/* Out of line: fill the buffer, hand it to the callback, repeat. */
static int
emit_slow(struct spdk_json_write_ctx *w, const void *data, size_t size)
{
	const uint8_t *p = data;

	while (size > WRITE_BUF_SIZE - w->fill) {
		size_t part = WRITE_BUF_SIZE - w->fill;

		memcpy(w->buf + w->fill, p, part);
		w->fill += part;
		if (flush_buf(w) != 0) {
			return -1;
		}
		p += part;
		size -= part;
	}
	memcpy(w->buf + w->fill, p, size);
	w->fill += size;
	return 0;
}

static inline int
emit(struct spdk_json_write_ctx *w, const void *data, size_t size)
{
	if (spdk_likely(size <= WRITE_BUF_SIZE - w->fill)) {
		memcpy(w->buf + w->fill, data, size);
		w->fill += size;
		return 0;
	}
	return emit_slow(w, data, size);
}

static inline int
emit_byte(struct spdk_json_write_ctx *w, uint8_t c)
{
	if (spdk_likely(w->fill < WRITE_BUF_SIZE)) {
		w->buf[w->fill++] = c;
		return 0;
	}
	return emit_slow(w, &c, 1);
}

static inline bool
formatted(const struct spdk_json_write_ctx *w)
{
	return (w->flags & SPDK_JSON_WRITE_FLAG_FORMATTED) != 0;
}

/* Newline and indentation before an entry at the current depth (formatted only). */
static int
emit_newline(struct spdk_json_write_ctx *w)
{
	static const char spaces[] = "                                ";	/* 32 */
	size_t n;

	if (!formatted(w)) {
		return 0;
	}
	if (emit_byte(w, '\n') != 0) {
		return -1;
	}
	for (n = (size_t)w->depth * 2; n > 0;) {
		size_t part = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		if (emit(w, spaces, part) != 0) {
			return -1;
		}
		n -= part;
	}
	return 0;
}

static inline bool
in_object(const struct spdk_json_write_ctx *w)
{
	uint32_t top = w->depth - 1;

	return w->depth > 0 && (w->is_object[top / 64] >> (top % 64) & 1) != 0;
}

/*
 * Everything that goes before a value or a name: the check that it may
 * stand here, then the comma and the line break.
 */
static int
begin_entry(struct spdk_json_write_ctx *w, bool is_name)
{
	if (w == NULL) {
		SPDK_ERRLOG("JSON write context is NULL\n");
		return -1;
	}
	if (w->failed) {
		return -1;
	}
	if (is_name ? (!in_object(w) || w->after_name) : (in_object(w) && !w->after_name)) {
		SPDK_ERRLOG("JSON write: %s\n", !is_name ? "a value inside an object needs a name first" :
			    w->after_name ? "a name follows a name" : "a name outside an object");
		return fail(w);
	}
	if (w->after_name) {
		w->after_name = false;
	} else if (w->opened) {
		if (emit_newline(w) != 0) {
			return -1;
		}
	} else if (!w->first) {
		if (emit_byte(w, ',') != 0 || emit_newline(w) != 0) {
			return -1;
		}
	}
	w->first = false;
	w->opened = false;
	return 0;
}

static int
emit_value(struct spdk_json_write_ctx *w, const void *text, size_t len)
{
	if (begin_entry(w, false) != 0) {
		return -1;
	}
	return emit(w, text, len);
}

static int
write_unsigned(struct spdk_json_write_ctx *w, bool negative, uint64_t v)
{
	char buf[24];
	char *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (negative) {
		*--p = '-';
	}
	return emit_value(w, p, (size_t)(buf + sizeof(buf) - p));
}

static int
write_signed(struct spdk_json_write_ctx *w, int64_t v)
{
	/* The magnitude of INT64_MIN fits only in unsigned arithmetic. */
	return write_unsigned(w, v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

/* A code point as an escape: the short forms JSON has, else \uXXXX. */
static int
emit_escaped(struct spdk_json_write_ctx *w, uint32_t cp)
{
	char out[12];
	size_t n = 0;

	switch (cp) {
	case '"':
		return emit(w, "\\\"", 2);
	case '\\':
		return emit(w, "\\\\", 2);
	case '\b':
		return emit(w, "\\b", 2);
	case '\f':
		return emit(w, "\\f", 2);
	case '\n':
		return emit(w, "\\n", 2);
	case '\r':
		return emit(w, "\\r", 2);
	case '\t':
		return emit(w, "\\t", 2);
	default:
		break;
	}
	if (cp >= 0x10000) {
		uint32_t v = cp - 0x10000;
		uint32_t high = 0xD800 | (v >> 10), low = 0xDC00 | (v & 0x3FF);

		out[n++] = '\\';
		out[n++] = 'u';
		for (int s = 12; s >= 0; s -= 4) {
			out[n++] = g_hex_upper[(high >> s) & 0xF];
		}
		cp = low;
	}
	out[n++] = '\\';
	out[n++] = 'u';
	for (int s = 12; s >= 0; s -= 4) {
		out[n++] = g_hex_upper[(cp >> s) & 0xF];
	}
	return emit(w, out, n);
}

/* Quote and escape len bytes of UTF-8 (the opening quote included). */
static int
write_text(struct spdk_json_write_ctx *w, const char *val, size_t len)
{
	const uint8_t *p = (const uint8_t *)val;
	const uint8_t *end = p + len;

	if (val == NULL) {
		SPDK_ERRLOG("JSON write: string is NULL\n");
		return fail(w);
	}
	if (emit_byte(w, '"') != 0) {
		return -1;
	}
	while (p < end) {
		const uint8_t *run = p;
		int n;

		while (p < end && g_plain[*p]) {
			p++;
		}
		if (p != run && emit(w, run, (size_t)(p - run)) != 0) {
			return -1;
		}
		if (p == end) {
			break;
		}
		n = pw__utf8_seq_len(p, end);
		if (n <= 0) {
			SPDK_ERRLOG("JSON write: invalid UTF-8 at byte %zu of a string\n",
				    (size_t)(p - (const uint8_t *)val));
			return fail(w);
		}
		if (emit_escaped(w, pw__utf8_decode(p, n)) != 0) {
			return -1;
		}
		p += n;
	}
	return emit_byte(w, '"');
}

/* Quote and escape len UTF-16LE code units. */
static int
write_text_utf16le(struct spdk_json_write_ctx *w, const uint16_t *val, size_t len)
{
	const uint8_t *b = (const uint8_t *)val;

	if (val == NULL) {
		SPDK_ERRLOG("JSON write: string is NULL\n");
		return fail(w);
	}
	if (emit_byte(w, '"') != 0) {
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		uint32_t u = (uint32_t)b[2 * i] | (uint32_t)b[2 * i + 1] << 8;
		uint32_t low;

		if (pw__is_high_surrogate(u) && i + 1 < len) {
			low = (uint32_t)b[2 * i + 2] | (uint32_t)b[2 * i + 3] << 8;
			if (pw__is_low_surrogate(low)) {
				u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
				i++;
			}
		}
		if (pw__is_high_surrogate(u) || pw__is_low_surrogate(u)) {
			SPDK_ERRLOG("JSON write: unpaired UTF-16 surrogate at unit %zu\n", i);
			return fail(w);
		}
		if (u < 0x80 && g_plain[u]) {
			uint8_t c = (uint8_t)u;

			if (emit(w, &c, 1) != 0) {
				return -1;
			}
		} else if (emit_escaped(w, u) != 0) {
			return -1;
		}
	}
	return emit_byte(w, '"');
}

static int
open_container(struct spdk_json_write_ctx *w, bool object)
{
	uint32_t level;

	if (begin_entry(w, false) != 0) {
		return -1;
	}
	if (w->depth == PW_JSON_WRITE_MAX_DEPTH) {
		SPDK_ERRLOG("JSON write: nesting deeper than %d levels\n", PW_JSON_WRITE_MAX_DEPTH);
		return fail(w);
	}
	level = w->depth++;
	if (object) {
		w->is_object[level / 64] |= UINT64_C(1) << (level % 64);
	} else {
		w->is_object[level / 64] &= ~(UINT64_C(1) << (level % 64));
	}
	w->first = true;
	w->opened = true;
	return emit_byte(w, object ? '{' : '[');
}

static int
close_container(struct spdk_json_write_ctx *w, bool object)
{
	if (w == NULL) {
		SPDK_ERRLOG("JSON write context is NULL\n");
		return -1;
	}
	if (w->failed) {
		return -1;
	}
	if (w->depth == 0 || in_object(w) != object || w->after_name) {
		SPDK_ERRLOG("JSON write: %s\n", w->depth == 0 ? "nothing to close" :
			    w->after_name ? "a name without its value" :
			    object ? "closing an array as an object" : "closing an object as an array");
		return fail(w);
	}
	w->depth--;
	if (!w->opened && emit_newline(w) != 0) {
		return -1;
	}
	w->opened = false;
	w->first = false;
	return emit_byte(w, object ? '}' : ']');
}

/* ---- the context ---------------------------------------------------------- */

PW_EXPORT struct spdk_json_write_ctx *
spdk_json_write_begin(spdk_json_write_cb write_cb, void *cb_ctx, uint32_t flags)
{
	struct spdk_json_write_ctx *w;

	if (write_cb == NULL) {
		SPDK_ERRLOG("spdk_json_write_begin: write_cb is NULL\n");
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return NULL;
	}
	w->write_cb = write_cb;
	w->cb_ctx = cb_ctx;
	w->flags = flags;
	w->first = true;
	return w;
}

PW_EXPORT int
spdk_json_write_end(struct spdk_json_write_ctx *w)
{
	bool failed;

	if (w == NULL) {
		return 0;
	}
	failed = w->failed;
	if (!failed && (w->depth != 0 || w->after_name)) {
		SPDK_ERRLOG("JSON write: ended with %u container(s) open%s\n", w->depth,
			    w->after_name ? " and a name without its value" : "");
		failed = true;
	}
	if (!w->failed && flush_buf(w) != 0) {
		failed = true;
	}
	free(w);
	return failed ? -1 : 0;
}

PW_EXPORT void
spdk_json_write_reset(struct spdk_json_write_ctx *w)
{
	if (w == NULL) {
		return;
	}
	w->fill = 0;
	w->depth = 0;
	w->first = true;
	w->opened = false;
	w->after_name = false;
	w->failed = false;
}

PW_EXPORT void
spdk_json_write_add_flags(struct spdk_json_write_ctx *w, uint32_t flags)
{
	if (w != NULL) {
		w->flags |= flags;
	}
}

/* ---- values ----------------------------------------------------------- */

PW_EXPORT int
spdk_json_write_val_raw(struct spdk_json_write_ctx *w, const void *data, size_t len)
{
	if (data == NULL && len > 0) {
		SPDK_ERRLOG("spdk_json_write_val_raw: data is NULL\n");
		return w != NULL ? fail(w) : -1;
	}
	return emit_value(w, data, len);
}

PW_EXPORT int
spdk_json_write_null(struct spdk_json_write_ctx *w)
{
	return emit_value(w, "null", 4);
}

PW_EXPORT int
spdk_json_write_bool(struct spdk_json_write_ctx *w, bool val)
{
	return val ? emit_value(w, "true", 4) : emit_value(w, "false", 5);
}

PW_EXPORT int
spdk_json_write_uint8(struct spdk_json_write_ctx *w, uint8_t val)
{
	return write_unsigned(w, false, val);
}

PW_EXPORT int
spdk_json_write_uint16(struct spdk_json_write_ctx *w, uint16_t val)
{
	return write_unsigned(w, false, val);
}

PW_EXPORT int
spdk_json_write_int32(struct spdk_json_write_ctx *w, int32_t val)
{
	return write_signed(w, val);
}

PW_EXPORT int
spdk_json_write_uint32(struct spdk_json_write_ctx *w, uint32_t val)
{
	return write_unsigned(w, false, val);
}

PW_EXPORT int
spdk_json_write_int64(struct spdk_json_write_ctx *w, int64_t val)
{
	return write_signed(w, val);
}

PW_EXPORT int
spdk_json_write_uint64(struct spdk_json_write_ctx *w, uint64_t val)
{
	return write_unsigned(w, false, val);
}

PW_EXPORT int
spdk_json_write_uint128(struct spdk_json_write_ctx *w, uint64_t low_val, uint64_t high_val)
{
	unsigned __int128 v = ((unsigned __int128)high_val << 64) | low_val;
	char buf[40];
	char *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + (unsigned)(v % 10));
		v /= 10;
	} while (v != 0);
	return emit_value(w, p, (size_t)(buf + sizeof(buf) - p));
}

PW_EXPORT int
spdk_json_write_double(struct spdk_json_write_ctx *w, double val)
{
	char buf[40];
	int n;

	if (!isfinite(val)) {
		SPDK_ERRLOG("spdk_json_write_double: %f is not a JSON number\n", val);
		return w != NULL ? fail(w) : -1;
	}
	n = snprintf(buf, sizeof(buf), "%.20e", val);
	if (n <= 0 || (size_t)n >= sizeof(buf)) {
		return w != NULL ? fail(w) : -1;
	}
	return emit_value(w, buf, (size_t)n);
}

PW_EXPORT int
spdk_json_write_string_raw(struct spdk_json_write_ctx *w, const char *val, size_t len)
{
	if (begin_entry(w, false) != 0) {
		return -1;
	}
	return write_text(w, val, len);
}

PW_EXPORT int
spdk_json_write_string(struct spdk_json_write_ctx *w, const char *val)
{
	return spdk_json_write_string_raw(w, val, val != NULL ? strlen(val) : 0);
}

PW_EXPORT int
spdk_json_write_string_utf16le_raw(struct spdk_json_write_ctx *w, const uint16_t *val, size_t len)
{
	if (begin_entry(w, false) != 0) {
		return -1;
	}
	return write_text_utf16le(w, val, len);
}

PW_EXPORT int
spdk_json_write_string_utf16le(struct spdk_json_write_ctx *w, const uint16_t *val)
{
	size_t len = 0;

	while (val != NULL && val[len] != 0) {
		len++;
	}
	return spdk_json_write_string_utf16le_raw(w, val, len);
}

PW_EXPORT int
spdk_json_write_string_fmt_v(struct spdk_json_write_ctx *w, const char *fmt, va_list args)
{
	char small[256];
	char *s = small;
	va_list copy;
	int n, rc;

	if (fmt == NULL) {
		SPDK_ERRLOG("spdk_json_write_string_fmt: fmt is NULL\n");
		return w != NULL ? fail(w) : -1;
	}
	va_copy(copy, args);
	n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n < 0) {
		return w != NULL ? fail(w) : -1;
	}
	if ((size_t)n >= sizeof(small)) {
		s = spdk_vsprintf_alloc(fmt, args);
		if (s == NULL) {
			return w != NULL ? fail(w) : -1;
		}
	}
	rc = spdk_json_write_string_raw(w, s, (size_t)n);
	if (s != small) {
		free(s);
	}
	return rc;
}

PW_EXPORT int
spdk_json_write_string_fmt(struct spdk_json_write_ctx *w, const char *fmt, ...)
{
	va_list args;
	int rc;

	va_start(args, fmt);
	rc = spdk_json_write_string_fmt_v(w, fmt, args);
	va_end(args);
	return rc;
}

PW_EXPORT int
spdk_json_write_bytearray(struct spdk_json_write_ctx *w, const void *val, size_t len)
{
	const uint8_t *b = val;
	char chunk[128];
	size_t n = 0;

	if (val == NULL && len > 0) {
		SPDK_ERRLOG("spdk_json_write_bytearray: val is NULL\n");
		return w != NULL ? fail(w) : -1;
	}
	if (begin_entry(w, false) != 0 || emit_byte(w, '"') != 0) {
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		chunk[n++] = g_hex_upper[b[i] >> 4];
		chunk[n++] = g_hex_upper[b[i] & 0xF];
		if (n == sizeof(chunk) && emit(w, chunk, n) != 0) {
			return -1;
		}
		n %= sizeof(chunk);
	}
	if (emit(w, chunk, n) != 0) {
		return -1;
	}
	return emit_byte(w, '"');
}

/* ---- containers and names ----------------------------------------------- */

PW_EXPORT int
spdk_json_write_array_begin(struct spdk_json_write_ctx *w)
{
	return open_container(w, false);
}

PW_EXPORT int
spdk_json_write_array_end(struct spdk_json_write_ctx *w)
{
	return close_container(w, false);
}

PW_EXPORT int
spdk_json_write_object_begin(struct spdk_json_write_ctx *w)
{
	return open_container(w, true);
}

PW_EXPORT int
spdk_json_write_object_end(struct spdk_json_write_ctx *w)
{
	return close_container(w, true);
}

PW_EXPORT int
spdk_json_write_batch_begin(struct spdk_json_write_ctx *w)
{
	if (w != NULL && (w->flags & SPDK_JSON_WRITE_FLAG_FLATTEN_BATCHES)) {
		return w->failed ? -1 : 0;
	}
	return open_container(w, false);
}

PW_EXPORT int
spdk_json_write_batch_end(struct spdk_json_write_ctx *w)
{
	if (w != NULL && (w->flags & SPDK_JSON_WRITE_FLAG_FLATTEN_BATCHES)) {
		return w->failed ? -1 : 0;
	}
	return close_container(w, false);
}

PW_EXPORT int
spdk_json_write_name_raw(struct spdk_json_write_ctx *w, const char *name, size_t len)
{
	if (begin_entry(w, true) != 0 || write_text(w, name, len) != 0) {
		return -1;
	}
	w->after_name = true;
	return formatted(w) ? emit(w, ": ", 2) : emit_byte(w, ':');
}

PW_EXPORT int
spdk_json_write_name(struct spdk_json_write_ctx *w, const char *name)
{
	return spdk_json_write_name_raw(w, name, name != NULL ? strlen(name) : 0);
}

PW_EXPORT int
spdk_json_write_val(struct spdk_json_write_ctx *w, const struct spdk_json_val *val)
{
	size_t count, i;
	int rc = 0;

	if (val == NULL) {
		SPDK_ERRLOG("spdk_json_write_val: val is NULL\n");
		return w != NULL ? fail(w) : -1;
	}
	/* The entries of a container are written in order, without recursion:
	 * the writer's own nesting checks catch a malformed array. */
	count = spdk_json_val_len(val);
	for (i = 0; i < count && rc == 0; i++) {
		const struct spdk_json_val *v = &val[i];

		switch (v->type) {
		case SPDK_JSON_VAL_NUMBER:
			rc = spdk_json_write_val_raw(w, v->start, v->len);
			break;
		case SPDK_JSON_VAL_STRING:
			rc = spdk_json_write_string_raw(w, v->start, v->len);
			break;
		case SPDK_JSON_VAL_NAME:
			rc = spdk_json_write_name_raw(w, v->start, v->len);
			break;
		case SPDK_JSON_VAL_TRUE:
		case SPDK_JSON_VAL_FALSE:
			rc = spdk_json_write_bool(w, v->type == SPDK_JSON_VAL_TRUE);
			break;
		case SPDK_JSON_VAL_NULL:
			rc = spdk_json_write_null(w);
			break;
		case SPDK_JSON_VAL_ARRAY_BEGIN:
			rc = spdk_json_write_array_begin(w);
			break;
		case SPDK_JSON_VAL_OBJECT_BEGIN:
			rc = spdk_json_write_object_begin(w);
			break;
		case SPDK_JSON_VAL_ARRAY_END:
			rc = spdk_json_write_array_end(w);
			break;
		case SPDK_JSON_VAL_OBJECT_END:
			rc = spdk_json_write_object_end(w);
			break;
		default:
			SPDK_ERRLOG("spdk_json_write_val: entry %zu has invalid type %#x\n", i, v->type);
			rc = w != NULL ? fail(w) : -1;
			break;
		}
	}
	return rc;
}
