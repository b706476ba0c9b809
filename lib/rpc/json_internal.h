/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private helpers shared by the JSON parser and writer: UTF-8 sequence
 * checks and the UTF-16 surrogate arithmetic used by `\u` escapes.
 */

#ifndef PW_RPC_JSON_INTERNAL_H
#define PW_RPC_JSON_INTERNAL_H

#include "spdk/stdinc.h"

/* Deepest nesting of arrays and objects the parser accepts (as SPDK). */
#define PW_JSON_MAX_DEPTH 64

/* Deepest nesting the writer accepts: room for everything the parser
 * accepts, plus an envelope (a JSON-RPC response wraps a result in one
 * object). */
#define PW_JSON_WRITE_MAX_DEPTH 128

/*
 * Length of the UTF-8 sequence that starts at p (p < end), per RFC 3629:
 * no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF.
 *
 * Returns 1..4 for a valid sequence, -1 for an invalid one, and 0 when the
 * bytes up to end are a valid beginning of a sequence that end cuts off
 * (the caller decides whether more input may follow).
 */
static inline int
pw__utf8_seq_len(const uint8_t *p, const uint8_t *end)
{
	uint8_t c = p[0];
	uint8_t lo = 0x80, hi = 0xBF;	/* allowed range of the second byte */
	int n;

	if (c < 0x80) {
		return 1;
	}
	if (c < 0xC2) {
		return -1;	/* a continuation byte, or an overlong 2-byte lead */
	} else if (c < 0xE0) {
		n = 2;
	} else if (c < 0xF0) {
		n = 3;
		if (c == 0xE0) {
			lo = 0xA0;	/* below: overlong */
		} else if (c == 0xED) {
			hi = 0x9F;	/* above: surrogates */
		}
	} else if (c < 0xF5) {
		n = 4;
		if (c == 0xF0) {
			lo = 0x90;	/* below: overlong */
		} else if (c == 0xF4) {
			hi = 0x8F;	/* above: beyond U+10FFFF */
		}
	} else {
		return -1;
	}

	for (int i = 1; i < n; i++) {
		if (p + i == end) {
			return 0;
		}
		if (p[i] < lo || p[i] > hi) {
			return -1;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return n;
}

/* Code point of a valid sequence of n bytes (from pw__utf8_seq_len()). */
static inline uint32_t
pw__utf8_decode(const uint8_t *p, int n)
{
	switch (n) {
	case 1:
		return p[0];
	case 2:
		return ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
	case 3:
		return ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) |
		       (p[2] & 0x3F);
	default:
		return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
		       ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
	}
}

/* Write code point cp (not a surrogate, <= U+10FFFF) as UTF-8; returns its length. */
static inline int
pw__utf8_encode(uint8_t *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xC0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xE0 | (cp >> 12));
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (uint8_t)(0xF0 | (cp >> 18));
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

static inline int
pw__utf8_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static inline bool
pw__is_high_surrogate(uint32_t u)
{
	return u >= 0xD800 && u <= 0xDBFF;
}

static inline bool
pw__is_low_surrogate(uint32_t u)
{
	return u >= 0xDC00 && u <= 0xDFFF;
}

#endif /* PW_RPC_JSON_INTERNAL_H */
