/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * JSON: a parser into a flat array of values, decoders that fill C
 * structures from parsed values, helpers to walk parsed values, and a
 * streaming writer.
 *
 * Parsing. spdk_json_parse() turns a buffer of UTF-8 text into a flat array
 * of struct spdk_json_val, in document order. Scalars take one entry; an
 * array or object takes a _BEGIN entry, the entries of its members, and an
 * _END entry; inside an object every member is a NAME entry followed by its
 * value. Nothing is allocated: strings and numbers point into the caller's
 * buffer, which must outlive the values.
 *
 * Decoding. spdk_json_decode_object() and friends copy parsed values into a
 * C structure described by a table of struct spdk_json_object_decoder.
 * Strings decoded with spdk_json_decode_string() are allocated with malloc()
 * and belong to the caller (spdk_json_free_object() releases them).
 *
 * Writing. spdk_json_write_begin() returns a context that buffers text and
 * hands it to a callback; every spdk_json_write_*() call appends one token.
 * The first failure (from the callback, an allocation, invalid UTF-8 or a
 * misplaced token) sticks: later calls return an error too, and
 * spdk_json_write_end() reports it.
 *
 * Threads: no function here touches global state or depends on the
 * threading library. Any thread may call any function on data it owns; a
 * parsed value array or a write context must not be used by two threads at
 * the same time.
 *
 * Not provided yet: the uuid writers and decoder (spdk_json_write_uuid(),
 * spdk_json_write_named_uuid(), spdk_json_decode_uuid()), which need
 * spdk/uuid.h.
 */

#ifndef SPDK_JSON_H_
#define SPDK_JSON_H_

#include "spdk/stdinc.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Kind of one parsed value. Each kind is a distinct bit so that a set of
 * kinds can be tested with a mask.
 */
enum spdk_json_val_type {
	/** Not a value; also means "any kind" for spdk_json_find(). */
	SPDK_JSON_VAL_INVALID = 0,
/** Accept any kind (spdk_json_find()). */
#define SPDK_JSON_VAL_ANY SPDK_JSON_VAL_INVALID
	/** `null`. */
	SPDK_JSON_VAL_NULL = 1U << 1,
	/** `true`. */
	SPDK_JSON_VAL_TRUE = 1U << 2,
	/** `false`. */
	SPDK_JSON_VAL_FALSE = 1U << 3,
	/** A number, kept as its text. */
	SPDK_JSON_VAL_NUMBER = 1U << 4,
	/** A string value (decoded, without quotes). */
	SPDK_JSON_VAL_STRING = 1U << 5,
	/** `[`: len counts the entries up to the matching ARRAY_END. */
	SPDK_JSON_VAL_ARRAY_BEGIN = 1U << 6,
	/** `]`. */
	SPDK_JSON_VAL_ARRAY_END = 1U << 7,
	/** `{`: len counts the entries up to the matching OBJECT_END. */
	SPDK_JSON_VAL_OBJECT_BEGIN = 1U << 8,
	/** `}`. */
	SPDK_JSON_VAL_OBJECT_END = 1U << 9,
	/** The name of an object member (decoded, without quotes). */
	SPDK_JSON_VAL_NAME = 1U << 10,
};

/** One entry of a parsed document. */
struct spdk_json_val {
	/**
	 * Where the value is in the parsed buffer.
	 *
	 * STRING and NAME: the first byte of the decoded UTF-8 text (quotes
	 * stripped, escapes resolved when parsing with
	 * SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE). The text is not
	 * NUL-terminated and may contain NUL bytes (from `\u0000`).
	 * NUMBER: the first byte of the number as written in the input.
	 * ARRAY_BEGIN / OBJECT_BEGIN: the opening bracket.
	 */
	void *start;

	/**
	 * STRING, NAME, NUMBER: length in bytes of the text at start.
	 * ARRAY_BEGIN / OBJECT_BEGIN: number of entries between this one and
	 * the matching _END entry (nested ones included, the _END excluded),
	 * so `val + val->len + 1` is the _END entry.
	 * TRUE, FALSE, NULL: length of the literal's text (4 or 5);
	 * ARRAY_END / OBJECT_END: 1.
	 */
	uint32_t len;

	/** Kind of value. */
	enum spdk_json_val_type type;
};

/** The input is not valid JSON (returned by spdk_json_parse()). */
#define SPDK_JSON_PARSE_INVALID			-1

/**
 * The input is valid JSON so far but ends before the first value is complete
 * (returned by spdk_json_parse()); more bytes may complete it.
 */
#define SPDK_JSON_PARSE_INCOMPLETE		-2

/** Arrays and objects are nested deeper than the parser allows. */
#define SPDK_JSON_PARSE_MAX_DEPTH_EXCEEDED	-3

/**
 * Resolve escapes of strings and names inside the input buffer (the buffer
 * is modified). Without this flag the input is left untouched: escapes are
 * validated but not resolved, so a STRING or NAME holding an escape does
 * not hold its decoded text (its len is the decoded length, as in SPDK).
 * Callers that read strings should always pass this flag.
 */
#define SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE	0x000000001

/**
 * Accept `/ * ... * /` and `//` comments where white space may appear. JSON
 * (RFC 8259) has no comments, so this is off by default.
 */
#define SPDK_JSON_PARSE_FLAG_ALLOW_COMMENTS	0x000000002

/**
 * Parse the first JSON value of a buffer.
 *
 * Leading white space is skipped; parsing stops after the first complete
 * value, so a buffer holding several concatenated values (a stream) is
 * parsed one value per call, with \p end telling where the next one starts.
 * A number at the very end of the buffer counts as complete (as in SPDK), so
 * a stream of bare numbers needs a separator; objects and arrays do not.
 *
 * The input must be UTF-8: invalid sequences, overlong forms, surrogates
 * encoded in UTF-8 and unpaired `\u` surrogate escapes are rejected;
 * control characters inside strings must be escaped. `\u0000` is accepted
 * and puts a NUL byte into the decoded string.
 *
 * Truncated input is SPDK_JSON_PARSE_INCOMPLETE whenever the bytes present
 * could still begin a valid value, including a UTF-8 sequence or a
 * `true`/`false`/`null` cut short by the end of the buffer; bytes that can
 * never become valid are SPDK_JSON_PARSE_INVALID.
 *
 * Any thread may call this.
 *
 * \param json Input text; not NUL-terminated. With
 * SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE its strings are rewritten in place.
 * The values point into it, so it must outlive them. Borrowed.
 * \param size Length of the input in bytes.
 * \param values Array to fill, or NULL to only validate the input and count
 * the values it holds.
 * \param num_values Capacity of \p values (entries).
 * \param end If not NULL, receives on success a pointer just past the value
 * and the white space that follows it (where the next value of a stream
 * starts), on failure a pointer near the byte where parsing stopped.
 * \param flags SPDK_JSON_PARSE_FLAG_* bits.
 *
 * \return the number of values the document holds (it may exceed
 * \p num_values: then only the first \p num_values were stored; call again
 * with a larger array, or first with \p values NULL to count), or
 * SPDK_JSON_PARSE_INVALID for invalid JSON (or a NULL \p json with a
 * non-zero \p size),
 * SPDK_JSON_PARSE_INCOMPLETE if the input ends before the value does (an
 * empty or all-blank input included),
 * SPDK_JSON_PARSE_MAX_DEPTH_EXCEEDED if nesting is deeper than 64 levels.
 */
ssize_t spdk_json_parse(void *json, size_t size, struct spdk_json_val *values, size_t num_values,
			void **end, uint32_t flags);

/**
 * Decoder of one value: convert \p val and store the result at \p out.
 *
 * \return 0 on success, non-zero if the value has the wrong kind or range.
 */
typedef int (*spdk_json_decode_fn)(const struct spdk_json_val *val, void *out);

/** How to decode one member of an object (one row of a decoder table). */
struct spdk_json_object_decoder {
	/** Member name (NUL-terminated). */
	const char *name;
	/** Byte offset of the destination field in the output structure. */
	size_t offset;
	/** Function that converts the member's value into that field. */
	spdk_json_decode_fn decode_func;
	/** A missing member is not an error (the field is left untouched). */
	bool optional;
};

/**
 * Decode an object into a structure, strictly.
 *
 * Every member of the object must match one decoder by name; each decoder
 * converts its member into `out + offset`. The call fails if a member has
 * no decoder, a member appears twice, a non-optional decoder finds no
 * member, or a decoder fails. Fields already decoded stay written when a
 * later one fails: strings among them must be freed by the caller (for
 * example with spdk_json_free_object()).
 *
 * Any thread may call this.
 *
 * \param values An OBJECT_BEGIN entry followed by its members (borrowed).
 * \param decoders Table of \p num_decoders decoders (borrowed).
 * \param num_decoders Number of decoders.
 * \param out Structure to fill.
 *
 * \return 0 on success, -1 on any failure (including NULL arguments or
 * \p values not being an object). A NULL argument is logged with
 * SPDK_ERRLOG; a document that does not match the table is an ordinary
 * outcome for an RPC server (it answers with an error), so the reason is
 * logged only under the debug flag `json_util`, as in SPDK.
 */
int spdk_json_decode_object(const struct spdk_json_val *values,
			    const struct spdk_json_object_decoder *decoders, size_t num_decoders, void *out);

/**
 * Like spdk_json_decode_object(), but members without a decoder are
 * skipped instead of failing the call.
 *
 * \return 0 on success, -1 on failure (see spdk_json_decode_object()).
 */
int spdk_json_decode_object_relaxed(const struct spdk_json_val *values,
				    const struct spdk_json_object_decoder *decoders, size_t num_decoders, void *out);

/**
 * Decode each element of an array.
 *
 * Element i is decoded by \p decode_func into `out + i * stride`.
 *
 * Any thread may call this.
 *
 * \param values An ARRAY_BEGIN entry followed by its elements (borrowed).
 * \param decode_func Decoder applied to every element.
 * \param out Destination of the first element.
 * \param max_size Largest number of elements accepted.
 * \param out_size Receives the number of elements decoded (on failure, the
 * number decoded before the failure).
 * \param stride Bytes between two destinations.
 *
 * \return 0 on success, -1 if \p values is not an array, it holds more than
 * \p max_size elements, or an element fails to decode.
 */
int spdk_json_decode_array(const struct spdk_json_val *values, spdk_json_decode_fn decode_func,
			   void *out, size_t max_size, size_t *out_size, size_t stride);

/**
 * Decode `true` or `false` into a bool at \p out.
 * \return 0, or -1 for any other value (or NULL arguments).
 */
int spdk_json_decode_bool(const struct spdk_json_val *val, void *out);

/**
 * Decode a number into a uint8_t at \p out (see spdk_json_number_to_uint8()).
 * \return 0, -EINVAL for a non-number, -ERANGE for a non-integer or a value
 * out of range.
 */
int spdk_json_decode_uint8(const struct spdk_json_val *val, void *out);

/**
 * Decode a number into a uint16_t at \p out (see spdk_json_number_to_uint8()).
 * \return 0, -EINVAL for a non-number, -ERANGE for a non-integer or a value
 * out of range.
 */
int spdk_json_decode_uint16(const struct spdk_json_val *val, void *out);

/**
 * Decode a number into an int32_t at \p out (see spdk_json_number_to_uint8()).
 * \return 0, -EINVAL for a non-number, -ERANGE for a non-integer or a value
 * out of range.
 */
int spdk_json_decode_int32(const struct spdk_json_val *val, void *out);

/**
 * Decode a number into a uint32_t at \p out (see spdk_json_number_to_uint8()).
 * \return 0, -EINVAL for a non-number, -ERANGE for a non-integer or a value
 * out of range.
 */
int spdk_json_decode_uint32(const struct spdk_json_val *val, void *out);

/**
 * Decode a number into a uint64_t at \p out (see spdk_json_number_to_uint8()).
 * \return 0, -EINVAL for a non-number, -ERANGE for a non-integer or a value
 * out of range.
 */
int spdk_json_decode_uint64(const struct spdk_json_val *val, void *out);

/**
 * Decode a string into a newly allocated C string stored at \p out (a
 * `char **`). A previous string at \p out is freed first, so a field decoded
 * twice does not leak; the field must therefore be NULL or a malloc()ed
 * string before the call.
 *
 * Ownership: the new string belongs to the caller (release with free()).
 *
 * \return 0, or -1 if the value is not a string or name, holds a NUL byte,
 * or memory is exhausted (\p out then holds NULL).
 */
int spdk_json_decode_string(const struct spdk_json_val *val, void *out);

/**
 * Release what the decoders of a table allocated in \p obj: as in SPDK,
 * each decoder's function is called once with a value of type
 * SPDK_JSON_VAL_INVALID. spdk_json_decode_string() then frees its string
 * and leaves NULL; the other built-in decoders fail without writing; an
 * application's own decoders should free their allocations the same way.
 *
 * Any thread may call this. NULL \p decoders or \p obj: nothing happens.
 */
void spdk_json_free_object(const struct spdk_json_object_decoder *decoders, size_t num_decoders,
			   void *obj);

/**
 * Number of entries a value occupies: for ARRAY_BEGIN / OBJECT_BEGIN its
 * members plus the _BEGIN and _END entries, for anything else 1. Adding
 * this to a value pointer skips the value.
 *
 * Any thread may call this.
 *
 * \return the entry count; 0 for a NULL \p val.
 */
size_t spdk_json_val_len(const struct spdk_json_val *val);

/**
 * Count the elements of an array (nested containers count once).
 *
 * \return the element count, 0 if \p val is NULL or not an ARRAY_BEGIN.
 */
size_t spdk_json_array_count(const struct spdk_json_val *val);

/**
 * Compare a STRING or NAME value with a C string.
 *
 * \return true if \p val is a STRING or NAME whose bytes equal \p str
 * exactly (same length, no NUL in the value); false otherwise, also for
 * NULL arguments.
 */
bool spdk_json_strequal(const struct spdk_json_val *val, const char *str);

/**
 * Copy a STRING or NAME value into a newly allocated C string.
 *
 * Ownership: the result belongs to the caller (release with free()).
 *
 * \return the copy; NULL if \p val is NULL, not a string or name, holds a
 * NUL byte, or memory is exhausted.
 */
char *spdk_json_strdup(const struct spdk_json_val *val);

/**
 * Convert a NUMBER value to an integer, exactly.
 *
 * Integers are converted from their digits without a detour through
 * floating point, so every 64-bit value is exact. A fraction or exponent is
 * accepted only when the value it denotes is an integer (`1.0`, `5e2`,
 * `1.5e1`, `100e-2`). A minus sign makes the unsigned conversions fail even
 * on zero (`-0`), as in SPDK.
 *
 * Any thread may call these.
 *
 * \return 0 on success; -EINVAL if \p val is not a number (or NULL
 * arguments); -ERANGE if the value is not an integer or does not fit the
 * type.
 */
int spdk_json_number_to_uint8(const struct spdk_json_val *val, uint8_t *num);
/** \copydoc spdk_json_number_to_uint8 */
int spdk_json_number_to_uint16(const struct spdk_json_val *val, uint16_t *num);
/** \copydoc spdk_json_number_to_uint8 */
int spdk_json_number_to_int32(const struct spdk_json_val *val, int32_t *num);
/** \copydoc spdk_json_number_to_uint8 */
int spdk_json_number_to_uint32(const struct spdk_json_val *val, uint32_t *num);
/** \copydoc spdk_json_number_to_uint8 */
int spdk_json_number_to_uint64(const struct spdk_json_val *val, uint64_t *num);

/** A streaming writer (opaque). */
struct spdk_json_write_ctx;

/** Indent the output: one member or element per line, two spaces a level. */
#define SPDK_JSON_WRITE_FLAG_FORMATTED		0x00000001

/**
 * spdk_json_write_batch_begin() / _end() write nothing, so the elements of a
 * batch join the enclosing array.
 */
#define SPDK_JSON_WRITE_FLAG_FLATTEN_BATCHES	0x00000002

/**
 * Receives output from a writer.
 *
 * \param cb_ctx The context given to spdk_json_write_begin().
 * \param data Bytes to consume (borrowed: valid only during the call).
 * \param size Number of bytes.
 * \return 0 on success, non-zero to make the writer fail.
 */
typedef int (*spdk_json_write_cb)(void *cb_ctx, const void *data, size_t size);

/**
 * Start writing one JSON document (or a stream of top-level values).
 *
 * Output is buffered and handed to \p write_cb in pieces, at the latest
 * from spdk_json_write_end().
 *
 * Any thread may call this; the context is then used by one thread at a time.
 *
 * \param write_cb Output callback (required).
 * \param cb_ctx Passed to \p write_cb.
 * \param flags SPDK_JSON_WRITE_FLAG_* bits.
 * \return a new context owned by the caller until spdk_json_write_end();
 * NULL if \p write_cb is NULL or memory is exhausted.
 */
struct spdk_json_write_ctx *spdk_json_write_begin(spdk_json_write_cb write_cb, void *cb_ctx,
		uint32_t flags);

/**
 * Flush buffered output to the callback and release the context.
 *
 * \param w Context from spdk_json_write_begin(); freed by this call. NULL is
 * accepted and returns 0.
 * \return 0 if every write succeeded, every array and object was closed and
 * no name is left without its value; -1 otherwise (the output is then
 * unusable). SPDK checks only the writes, not the balance.
 */
int spdk_json_write_end(struct spdk_json_write_ctx *w);

/**
 * Drop buffered output that has not reached the callback yet, forget the
 * nesting and clear a failure, as if the context had just been created
 * (output already handed to the callback stays there). A JSON-RPC server
 * uses this to replace a half-written result with an error. Does nothing
 * for a NULL \p w.
 */
void spdk_json_write_reset(struct spdk_json_write_ctx *w);

/**
 * OR \p flags into the context's flags. Does nothing for a NULL \p w.
 */
void spdk_json_write_add_flags(struct spdk_json_write_ctx *w, uint32_t flags);

/*
 * Value writers. Each writes one value: as the next element of an array, as
 * the value after spdk_json_write_name() in an object, or as a top-level
 * value (a second top-level value is preceded by a comma, as in SPDK).
 *
 * Each returns 0 on success, or -1 if \p w is NULL, the context has already
 * failed, the value is not allowed here (a value in an object without a
 * name first), the text is not valid UTF-8, memory is exhausted, or the
 * callback failed; the context then stays failed.
 */

/** Write `null`. \return 0 or -1 (see above). */
int spdk_json_write_null(struct spdk_json_write_ctx *w);
/** Write `true` or `false`. \return 0 or -1. */
int spdk_json_write_bool(struct spdk_json_write_ctx *w, bool val);
/** Write an unsigned integer. \return 0 or -1. */
int spdk_json_write_uint8(struct spdk_json_write_ctx *w, uint8_t val);
/** Write an unsigned integer. \return 0 or -1. */
int spdk_json_write_uint16(struct spdk_json_write_ctx *w, uint16_t val);
/** Write a signed integer. \return 0 or -1. */
int spdk_json_write_int32(struct spdk_json_write_ctx *w, int32_t val);
/** Write an unsigned integer. \return 0 or -1. */
int spdk_json_write_uint32(struct spdk_json_write_ctx *w, uint32_t val);
/** Write a signed integer. \return 0 or -1. */
int spdk_json_write_int64(struct spdk_json_write_ctx *w, int64_t val);
/** Write an unsigned integer. \return 0 or -1. */
int spdk_json_write_uint64(struct spdk_json_write_ctx *w, uint64_t val);
/**
 * Write the unsigned 128-bit integer `high_val * 2^64 + low_val` in decimal.
 * \return 0 or -1.
 */
int spdk_json_write_uint128(struct spdk_json_write_ctx *w, uint64_t low_val, uint64_t high_val);
/**
 * Write a floating-point number (printf "%.20e", as SPDK does).
 * \return 0 or -1; NaN and infinities are not JSON and fail with -1
 * (SPDK writes `nan` / `inf`, which no parser accepts).
 */
int spdk_json_write_double(struct spdk_json_write_ctx *w, double val);
/**
 * Write a NUL-terminated UTF-8 string, quoted and escaped. The output is
 * ASCII: `"` `\` and control characters are escaped, and every code point
 * outside printable ASCII becomes `\uXXXX` (a surrogate pair above
 * U+FFFF), byte for byte as SPDK writes it.
 * \return 0 or -1 (NULL \p val, invalid UTF-8, ...).
 */
int spdk_json_write_string(struct spdk_json_write_ctx *w, const char *val);
/**
 * Write \p len bytes of UTF-8 (NUL bytes allowed, written as `\u0000`),
 * quoted and escaped.
 * \return 0 or -1.
 */
int spdk_json_write_string_raw(struct spdk_json_write_ctx *w, const char *val, size_t len);
/**
 * Write bytes as a string of upper-case hex digits, two per byte (as SPDK).
 * \return 0 or -1.
 */
int spdk_json_write_bytearray(struct spdk_json_write_ctx *w, const void *val, size_t len);
/**
 * Write a NUL-terminated UTF-16LE string as a JSON string.
 * \return 0 or -1 (also for an unpaired surrogate).
 */
int spdk_json_write_string_utf16le(struct spdk_json_write_ctx *w, const uint16_t *val);
/**
 * Write \p len UTF-16LE code units (NUL units allowed) as a JSON string.
 * \return 0 or -1 (also for an unpaired surrogate).
 */
int spdk_json_write_string_utf16le_raw(struct spdk_json_write_ctx *w, const uint16_t *val,
				       size_t len);
/**
 * Write a printf-formatted string, quoted and escaped.
 * \return 0 or -1 (also if formatting fails).
 */
int spdk_json_write_string_fmt(struct spdk_json_write_ctx *w, const char *fmt,
			       ...) __attribute__((__format__(__printf__, 2, 3)));
/** va_list form of spdk_json_write_string_fmt(). \return 0 or -1. */
int spdk_json_write_string_fmt_v(struct spdk_json_write_ctx *w, const char *fmt, va_list args)
__attribute__((__format__(__printf__, 2, 0)));

/** Open an array (`[`). \return 0 or -1 (also beyond 64 levels). */
int spdk_json_write_array_begin(struct spdk_json_write_ctx *w);
/** Close the innermost array. \return 0, or -1 if it is not an array. */
int spdk_json_write_array_end(struct spdk_json_write_ctx *w);
/**
 * Open a batch: an array, or nothing at all with
 * SPDK_JSON_WRITE_FLAG_FLATTEN_BATCHES. \return 0 or -1.
 */
int spdk_json_write_batch_begin(struct spdk_json_write_ctx *w);
/** Close a batch opened with spdk_json_write_batch_begin(). \return 0 or -1. */
int spdk_json_write_batch_end(struct spdk_json_write_ctx *w);
/** Open an object (`{`). \return 0 or -1 (also beyond 64 levels). */
int spdk_json_write_object_begin(struct spdk_json_write_ctx *w);
/**
 * Close the innermost object. \return 0, or -1 if it is not an object or a
 * name is waiting for its value.
 */
int spdk_json_write_object_end(struct spdk_json_write_ctx *w);
/**
 * Write a member name inside an object; the next call writes its value.
 * \return 0, or -1 outside an object, after a name, or for invalid UTF-8.
 */
int spdk_json_write_name(struct spdk_json_write_ctx *w, const char *name);
/** spdk_json_write_name() with an explicit length. \return 0 or -1. */
int spdk_json_write_name_raw(struct spdk_json_write_ctx *w, const char *name, size_t len);

/**
 * Write a parsed value (with everything nested in it) back out.
 *
 * \param val A value from spdk_json_parse() (a _BEGIN entry is followed by
 * its members); borrowed.
 * \return 0 or -1 (also for a malformed value array).
 */
int spdk_json_write_val(struct spdk_json_write_ctx *w, const struct spdk_json_val *val);

/**
 * Append bytes to the output as they are, without validation: the caller
 * is responsible for keeping the document valid.
 * \return 0 or -1.
 */
int spdk_json_write_val_raw(struct spdk_json_write_ctx *w, const void *data, size_t len);

/*
 * Named writers: spdk_json_write_name(w, name) followed by the value writer.
 * Each returns 0 or -1 as its two parts do.
 */

/** Write member \p name with value `null`. */
int spdk_json_write_named_null(struct spdk_json_write_ctx *w, const char *name);
/** Write member \p name with a boolean value. */
int spdk_json_write_named_bool(struct spdk_json_write_ctx *w, const char *name, bool val);
/** Write member \p name with an integer value. */
int spdk_json_write_named_uint8(struct spdk_json_write_ctx *w, const char *name, uint8_t val);
/** Write member \p name with an integer value. */
int spdk_json_write_named_uint16(struct spdk_json_write_ctx *w, const char *name, uint16_t val);
/** Write member \p name with an integer value. */
int spdk_json_write_named_int32(struct spdk_json_write_ctx *w, const char *name, int32_t val);
/** Write member \p name with an integer value. */
int spdk_json_write_named_uint32(struct spdk_json_write_ctx *w, const char *name, uint32_t val);
/** Write member \p name with an integer value. */
int spdk_json_write_named_int64(struct spdk_json_write_ctx *w, const char *name, int64_t val);
/** Write member \p name with an integer value. */
int spdk_json_write_named_uint64(struct spdk_json_write_ctx *w, const char *name, uint64_t val);
/** Write member \p name with a 128-bit integer value. */
int spdk_json_write_named_uint128(struct spdk_json_write_ctx *w, const char *name,
				  uint64_t low_val, uint64_t high_val);
/** Write member \p name with a floating-point value. */
int spdk_json_write_named_double(struct spdk_json_write_ctx *w, const char *name, double val);
/** Write member \p name with a string value. */
int spdk_json_write_named_string(struct spdk_json_write_ctx *w, const char *name, const char *val);
/** Write member \p name with a printf-formatted string value. */
int spdk_json_write_named_string_fmt(struct spdk_json_write_ctx *w, const char *name,
				     const char *fmt, ...) __attribute__((__format__(__printf__, 3, 4)));
/** va_list form of spdk_json_write_named_string_fmt(). */
int spdk_json_write_named_string_fmt_v(struct spdk_json_write_ctx *w, const char *name,
				       const char *fmt, va_list args) __attribute__((__format__(__printf__, 3, 0)));
/** Write member \p name with a hex string of \p len bytes. */
int spdk_json_write_named_bytearray(struct spdk_json_write_ctx *w, const char *name,
				    const void *val, size_t len);
/** Write member \p name and open an array as its value. */
int spdk_json_write_named_array_begin(struct spdk_json_write_ctx *w, const char *name);
/** Write member \p name and open an object as its value. */
int spdk_json_write_named_object_begin(struct spdk_json_write_ctx *w, const char *name);

/**
 * Find a member of an object by name (members of nested objects are not
 * searched).
 *
 * Any thread may call this.
 *
 * \param object An OBJECT_BEGIN entry followed by its members (borrowed).
 * \param key_name Member name to look for.
 * \param key If not NULL, receives the NAME entry found.
 * \param val If not NULL, receives the value entry found.
 * \param type Kind the value must have, or SPDK_JSON_VAL_ANY. For arrays
 * and objects give the _BEGIN kind.
 * \return 0 if found; -EINVAL for NULL \p object or \p key_name, a
 * malformed object, or a name that appears more than once; -EPROTOTYPE if
 * \p object is not an OBJECT_BEGIN; -ENOENT if no member has that name (then
 * \p key and \p val receive NULL); -EDOM if the member exists but its value
 * has another kind.
 */
int spdk_json_find(struct spdk_json_val *object, const char *key_name, struct spdk_json_val **key,
		   struct spdk_json_val **val, enum spdk_json_val_type type);

/**
 * spdk_json_find() with type SPDK_JSON_VAL_STRING.
 * \return as spdk_json_find().
 */
int spdk_json_find_string(struct spdk_json_val *object, const char *key_name,
			  struct spdk_json_val **key, struct spdk_json_val **val);

/**
 * spdk_json_find() with type SPDK_JSON_VAL_ARRAY_BEGIN.
 * \return as spdk_json_find().
 */
int spdk_json_find_array(struct spdk_json_val *object, const char *key_name,
			 struct spdk_json_val **key, struct spdk_json_val **value);

/**
 * First member of an object, to iterate with spdk_json_next().
 *
 * \param object An OBJECT_BEGIN entry.
 * \return the first member's NAME entry; NULL if the object is empty, or
 * \p object is NULL or not an OBJECT_BEGIN.
 */
struct spdk_json_val *spdk_json_object_first(struct spdk_json_val *object);

/**
 * First element of an array, to iterate with spdk_json_next().
 *
 * \param array_begin An ARRAY_BEGIN entry.
 * \return the first element; NULL if the array is empty, or \p array_begin
 * is NULL or not an ARRAY_BEGIN.
 */
struct spdk_json_val *spdk_json_array_first(struct spdk_json_val *array_begin);

/**
 * Next member of an object or element of an array.
 *
 * \param pos A NAME entry of an object (from spdk_json_object_first() or a
 * previous call), or an element of an array (from spdk_json_array_first()
 * or a previous call). Anything else gives an unspecified result, as in
 * SPDK (but NULL gives NULL).
 * \return the next NAME entry or element; NULL after the last one (SPDK
 * returns the closing _END entry after a last element that is a scalar).
 */
struct spdk_json_val *spdk_json_next(struct spdk_json_val *pos);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_JSON_H_ */
