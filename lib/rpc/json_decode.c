/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Decoding parsed values into C structures: objects through a table of
 * member decoders, arrays element by element, and the scalar decoders the
 * tables point at.
 *
 * A request that does not match its table is an ordinary event for an RPC
 * server (the caller answers it with an error), so mismatches are logged
 * under the json_util debug flag only; NULL arguments, a programming error,
 * are logged with SPDK_ERRLOG.
 */

#include "spdk/json.h"
#include "spdk/log.h"
#include "common/pw_common.h"

/* Tables up to this size track seen members on the stack. */
#define SEEN_ON_STACK 256

static int
decode_object(const struct spdk_json_val *values, const struct spdk_json_object_decoder *decoders,
	      size_t num_decoders, void *out, bool relaxed)
{
	bool seen_stack[SEEN_ON_STACK];
	bool *seen = seen_stack;
	bool failed = false;
	size_t i, d;

	if (values == NULL || (decoders == NULL && num_decoders > 0) || out == NULL) {
		SPDK_ERRLOG("spdk_json_decode_object: %s is NULL\n",
			    values == NULL ? "values" : decoders == NULL ? "decoders" : "out");
		return -1;
	}
	if (values->type != SPDK_JSON_VAL_OBJECT_BEGIN) {
		SPDK_DEBUGLOG(json_util, "value of type %#x is not an object\n", values->type);
		return -1;
	}
	if (num_decoders > SEEN_ON_STACK) {
		seen = calloc(num_decoders, sizeof(*seen));
		if (seen == NULL) {
			SPDK_ERRLOG("spdk_json_decode_object: out of memory\n");
			return -1;
		}
	} else {
		memset(seen, 0, num_decoders * sizeof(*seen));
	}

	/* Members are NAME, value pairs between values[1] and the OBJECT_END. */
	for (i = 1; i <= values->len; i += 1 + spdk_json_val_len(&values[i + 1])) {
		const struct spdk_json_val *name = &values[i];
		const struct spdk_json_val *val = &values[i + 1];

		if (name->type != SPDK_JSON_VAL_NAME || i + 1 > values->len) {
			SPDK_ERRLOG("spdk_json_decode_object: malformed object (entry %zu)\n", i);
			failed = true;
			break;
		}
		for (d = 0; d < num_decoders; d++) {
			if (spdk_json_strequal(name, decoders[d].name)) {
				break;
			}
		}
		if (d == num_decoders) {
			if (!relaxed) {
				SPDK_DEBUGLOG(json_util, "unknown key '%.*s'\n", (int)name->len,
					      (const char *)name->start);
				failed = true;
			}
			continue;
		}
		if (seen[d]) {
			SPDK_DEBUGLOG(json_util, "duplicate key '%s'\n", decoders[d].name);
			failed = true;
			continue;
		}
		seen[d] = true;
		/* Keep going after a failure, as SPDK does: every valid member is
		 * still decoded, so the caller can free what was allocated. */
		if (decoders[d].decode_func == NULL ||
		    decoders[d].decode_func(val, (char *)out + decoders[d].offset) != 0) {
			SPDK_DEBUGLOG(json_util, "key '%s': value does not decode\n", decoders[d].name);
			failed = true;
		}
	}

	for (d = 0; d < num_decoders; d++) {
		if (!seen[d] && !decoders[d].optional) {
			SPDK_DEBUGLOG(json_util, "missing key '%s'\n", decoders[d].name);
			failed = true;
		}
	}

	if (seen != seen_stack) {
		free(seen);
	}
	return failed ? -1 : 0;
}

PW_EXPORT int
spdk_json_decode_object(const struct spdk_json_val *values,
			const struct spdk_json_object_decoder *decoders, size_t num_decoders, void *out)
{
	return decode_object(values, decoders, num_decoders, out, false);
}

PW_EXPORT int
spdk_json_decode_object_relaxed(const struct spdk_json_val *values,
				const struct spdk_json_object_decoder *decoders, size_t num_decoders, void *out)
{
	return decode_object(values, decoders, num_decoders, out, true);
}

PW_EXPORT void
spdk_json_free_object(const struct spdk_json_object_decoder *decoders, size_t num_decoders,
		      void *obj)
{
	/* As in SPDK, every decoder is handed a value of type INVALID: the
	 * built-in string decoder frees its field and leaves NULL there, the
	 * others fail without writing, and an application's own decoders get
	 * the same chance to release what they allocated. */
	struct spdk_json_val none = { .start = (void *)"", .len = 0, .type = SPDK_JSON_VAL_INVALID };

	if (decoders == NULL || obj == NULL) {
		return;
	}
	for (size_t d = 0; d < num_decoders; d++) {
		if (decoders[d].decode_func != NULL) {
			decoders[d].decode_func(&none, (char *)obj + decoders[d].offset);
		}
	}
}

PW_EXPORT int
spdk_json_decode_array(const struct spdk_json_val *values, spdk_json_decode_fn decode_func,
		       void *out, size_t max_size, size_t *out_size, size_t stride)
{
	size_t i, n = 0;

	if (values == NULL || decode_func == NULL || out_size == NULL) {
		SPDK_ERRLOG("spdk_json_decode_array: %s is NULL\n",
			    values == NULL ? "values" : decode_func == NULL ? "decode_func" : "out_size");
		return -1;
	}
	if (values->type != SPDK_JSON_VAL_ARRAY_BEGIN) {
		SPDK_DEBUGLOG(json_util, "value of type %#x is not an array\n", values->type);
		return -1;
	}
	*out_size = 0;
	for (i = 1; i <= values->len; i += spdk_json_val_len(&values[i])) {
		if (n == max_size) {
			SPDK_DEBUGLOG(json_util, "array longer than %zu elements\n", max_size);
			return -1;
		}
		if (decode_func(&values[i], (char *)out + n * stride) != 0) {
			SPDK_DEBUGLOG(json_util, "array element %zu does not decode\n", n);
			return -1;
		}
		*out_size = ++n;
	}
	return 0;
}

PW_EXPORT int
spdk_json_decode_bool(const struct spdk_json_val *val, void *out)
{
	if (val == NULL || out == NULL) {
		return -1;
	}
	if (val->type != SPDK_JSON_VAL_TRUE && val->type != SPDK_JSON_VAL_FALSE) {
		return -1;
	}
	*(bool *)out = val->type == SPDK_JSON_VAL_TRUE;
	return 0;
}

PW_EXPORT int
spdk_json_decode_uint8(const struct spdk_json_val *val, void *out)
{
	return spdk_json_number_to_uint8(val, out);
}

PW_EXPORT int
spdk_json_decode_uint16(const struct spdk_json_val *val, void *out)
{
	return spdk_json_number_to_uint16(val, out);
}

PW_EXPORT int
spdk_json_decode_int32(const struct spdk_json_val *val, void *out)
{
	return spdk_json_number_to_int32(val, out);
}

PW_EXPORT int
spdk_json_decode_uint32(const struct spdk_json_val *val, void *out)
{
	return spdk_json_number_to_uint32(val, out);
}

PW_EXPORT int
spdk_json_decode_uint64(const struct spdk_json_val *val, void *out)
{
	return spdk_json_number_to_uint64(val, out);
}

PW_EXPORT int
spdk_json_decode_string(const struct spdk_json_val *val, void *out)
{
	char **field = out;

	if (out == NULL) {
		return -1;
	}
	free(*field);
	*field = spdk_json_strdup(val);
	return *field != NULL ? 0 : -1;
}
