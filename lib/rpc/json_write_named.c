/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The named writers of spdk/json.h: spdk_json_write_name() followed by a
 * value writer, each stopping at the first failure (json_write.c has the
 * writer itself).
 */

#include "spdk/json.h"
#include "common/pw_common.h"

#define NAMED(w, name, call) (spdk_json_write_name((w), (name)) != 0 ? -1 : (call))

PW_EXPORT int
spdk_json_write_named_null(struct spdk_json_write_ctx *w, const char *name)
{
	return NAMED(w, name, spdk_json_write_null(w));
}

PW_EXPORT int
spdk_json_write_named_bool(struct spdk_json_write_ctx *w, const char *name, bool val)
{
	return NAMED(w, name, spdk_json_write_bool(w, val));
}

PW_EXPORT int
spdk_json_write_named_uint8(struct spdk_json_write_ctx *w, const char *name, uint8_t val)
{
	return NAMED(w, name, spdk_json_write_uint8(w, val));
}

PW_EXPORT int
spdk_json_write_named_uint16(struct spdk_json_write_ctx *w, const char *name, uint16_t val)
{
	return NAMED(w, name, spdk_json_write_uint16(w, val));
}

PW_EXPORT int
spdk_json_write_named_int32(struct spdk_json_write_ctx *w, const char *name, int32_t val)
{
	return NAMED(w, name, spdk_json_write_int32(w, val));
}

PW_EXPORT int
spdk_json_write_named_uint32(struct spdk_json_write_ctx *w, const char *name, uint32_t val)
{
	return NAMED(w, name, spdk_json_write_uint32(w, val));
}

PW_EXPORT int
spdk_json_write_named_int64(struct spdk_json_write_ctx *w, const char *name, int64_t val)
{
	return NAMED(w, name, spdk_json_write_int64(w, val));
}

PW_EXPORT int
spdk_json_write_named_uint64(struct spdk_json_write_ctx *w, const char *name, uint64_t val)
{
	return NAMED(w, name, spdk_json_write_uint64(w, val));
}

PW_EXPORT int
spdk_json_write_named_uint128(struct spdk_json_write_ctx *w, const char *name,
			      uint64_t low_val, uint64_t high_val)
{
	return NAMED(w, name, spdk_json_write_uint128(w, low_val, high_val));
}

PW_EXPORT int
spdk_json_write_named_double(struct spdk_json_write_ctx *w, const char *name, double val)
{
	return NAMED(w, name, spdk_json_write_double(w, val));
}

PW_EXPORT int
spdk_json_write_named_string(struct spdk_json_write_ctx *w, const char *name, const char *val)
{
	return NAMED(w, name, spdk_json_write_string(w, val));
}

PW_EXPORT int
spdk_json_write_named_string_fmt_v(struct spdk_json_write_ctx *w, const char *name,
				   const char *fmt, va_list args)
{
	return NAMED(w, name, spdk_json_write_string_fmt_v(w, fmt, args));
}

PW_EXPORT int
spdk_json_write_named_string_fmt(struct spdk_json_write_ctx *w, const char *name,
				 const char *fmt, ...)
{
	va_list args;
	int rc;

	va_start(args, fmt);
	rc = spdk_json_write_named_string_fmt_v(w, name, fmt, args);
	va_end(args);
	return rc;
}

PW_EXPORT int
spdk_json_write_named_bytearray(struct spdk_json_write_ctx *w, const char *name,
				const void *val, size_t len)
{
	return NAMED(w, name, spdk_json_write_bytearray(w, val, len));
}

PW_EXPORT int
spdk_json_write_named_array_begin(struct spdk_json_write_ctx *w, const char *name)
{
	return NAMED(w, name, spdk_json_write_array_begin(w));
}

PW_EXPORT int
spdk_json_write_named_object_begin(struct spdk_json_write_ctx *w, const char *name)
{
	return NAMED(w, name, spdk_json_write_object_begin(w));
}
