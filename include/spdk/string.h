/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * String helpers: formatting into fresh buffers, error text, strict number
 * parsing, and small in-place edits.
 *
 * This is the part of SPDK's spdk/string.h that Pinwheel provides; names,
 * signatures and results follow SPDK. None of these functions keeps shared
 * state (spdk_strerror() uses a buffer private to the calling thread), so any
 * thread may call any of them on its own buffers.
 *
 * Misuse such as a NULL pointer is logged with SPDK_ERRLOG and answered with
 * the function's error value (NULL, 0 or a negative errno) instead of a
 * crash. Malformed numbers are not logged: the caller gets the error code and
 * decides.
 */

#ifndef SPDK_STRING_H
#define SPDK_STRING_H

#include "spdk/stdinc.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Format into a buffer allocated to fit, like asprintf().
 *
 * \param format printf-style format (borrowed).
 *
 * \return the text, owned by the caller (release with free()); NULL when
 * \p format is NULL (logged), formatting fails or memory is exhausted.
 */
char *spdk_sprintf_alloc(const char *format, ...) __attribute__((format(printf, 1, 2)));

/**
 * spdk_sprintf_alloc() taking a va_list.
 *
 * \param format printf-style format (borrowed).
 * \param args the arguments; \p args itself is consumed as by vsnprintf().
 *
 * \return the text, owned by the caller (release with free()), or NULL as
 * for spdk_sprintf_alloc().
 */
char *spdk_vsprintf_alloc(const char *format, va_list args) __attribute__((format(printf, 1, 0)));

/**
 * Append formatted text to a heap string, growing it with realloc().
 *
 * \param buffer NUL-terminated string from malloc()/these functions, or NULL
 * (then this is spdk_sprintf_alloc()). On success ownership passes to the
 * returned pointer (\p buffer may have moved and must not be used again); on
 * failure \p buffer is left as it was and still belongs to the caller.
 * \param format printf-style format (borrowed).
 *
 * \return the combined text, owned by the caller; NULL on failure (NULL
 * \p format, formatting error, size overflow or memory exhausted).
 */
char *spdk_sprintf_append_realloc(char *buffer, const char *format, ...)
__attribute__((format(printf, 2, 3)));

/**
 * spdk_sprintf_append_realloc() taking a va_list.
 *
 * \param buffer as for spdk_sprintf_append_realloc().
 * \param format printf-style format (borrowed).
 * \param args the arguments; consumed as by vsnprintf().
 *
 * \return as for spdk_sprintf_append_realloc().
 */
char *spdk_vsprintf_append_realloc(char *buffer, const char *format, va_list args)
__attribute__((format(printf, 2, 0)));

/**
 * Lower-case an ASCII string in place.
 *
 * \param s string to change (borrowed), or NULL.
 *
 * \return \p s; NULL when \p s is NULL.
 */
char *spdk_strlwr(char *s);

/**
 * Cut the next field off a string, honouring quotes and backslashes.
 *
 * Like strsep(): the field starts at *\p stringp and ends at the first
 * character of \p delim that is not quoted or escaped. Outside quotes a
 * backslash takes the next character literally; text between single quotes
 * is literal; between double quotes a backslash still escapes. The quotes
 * and escaping backslashes are removed from the field, which is written in
 * place and NUL-terminated. A newline ends the whole string. Delimiters
 * directly after the field are skipped.
 *
 * \param stringp in: where to start (borrowed; the text is modified). out:
 * the start of the next field, or NULL when nothing is left.
 * \param delim NUL-terminated set of delimiter characters (borrowed).
 *
 * \return the field (inside the caller's string); NULL when *\p stringp is
 * NULL, or when \p stringp or \p delim is NULL (logged).
 */
char *spdk_strsepq(char **stringp, const char *delim);

/**
 * Remove leading and trailing white space (isspace()) in place.
 *
 * The remaining text is moved to the start of \p s.
 *
 * \param s string to change (borrowed), or NULL.
 *
 * \return \p s; NULL when \p s is NULL.
 */
char *spdk_str_trim(char *s);

/**
 * Write the message for an error number into a caller's buffer.
 *
 * The text is strerror()'s ("Invalid argument" for EINVAL), or
 * "Unknown error N" for a number the C library does not know; it is cut to
 * fit and always NUL-terminated. Pass a positive errno value.
 *
 * \param errnum error number.
 * \param buf destination (borrowed).
 * \param buflen size of \p buf in bytes; a NULL \p buf or zero \p buflen is
 * logged and nothing is written.
 */
void spdk_strerror_r(int errnum, char *buf, size_t buflen);

/**
 * Message for an error number, in a buffer private to the calling thread.
 *
 * \param errnum error number (positive errno value).
 *
 * \return the text; valid until the same thread calls spdk_strerror()
 * again or exits. Never NULL.
 */
const char *spdk_strerror(int errnum);

/**
 * Remove every trailing '\\r' and '\\n' in place.
 *
 * \param s string to change (borrowed).
 *
 * \return the number of characters removed; 0 when \p s is NULL (logged).
 */
size_t spdk_str_chomp(char *s);

/**
 * Fill a fixed-size field with a string, padding the rest.
 *
 * Copies min(strlen(\p src), \p size) bytes, then fills up to \p size bytes
 * with \p pad. No NUL is added: the field is not a C string.
 *
 * \param dst destination of \p size bytes (borrowed).
 * \param src NUL-terminated source (borrowed).
 * \param size number of bytes of \p dst to write.
 * \param pad the filling byte.
 *
 * A NULL \p dst or \p src with a non-zero \p size is logged and nothing is written.
 */
void spdk_strcpy_pad(void *dst, const char *src, size_t size, int pad);

/**
 * Length of a fixed-size field without its trailing padding.
 *
 * \param str the field (borrowed).
 * \param size size of the field in bytes.
 * \param pad the padding byte.
 *
 * \return the offset just past the last byte that is not \p pad (0 when
 * every byte is padding, when \p size is 0, or when \p str is NULL — logged).
 */
size_t spdk_strlen_pad(const void *str, size_t size, int pad);

/**
 * Read a byte count with an optional binary suffix.
 *
 * Leading white space is skipped, then decimal digits are read. A following
 * 'k'/'K', 'm'/'M' or 'g'/'G' multiplies by 2^10, 2^20 or 2^30, and whatever
 * follows that letter is ignored, as in SPDK ("12KB" is 12288, "100M 512k"
 * is 100 MiB).
 *
 * \param cap_str NUL-terminated text (borrowed).
 * \param cap receives the value on success.
 * \param has_prefix receives whether a suffix letter was present, on success.
 *
 * \return 0 on success; -EINVAL when an argument is NULL (logged), when the
 * text does not start with a digit, or when the character after the digits
 * is not a suffix letter; -ERANGE when the value does not fit in 64 bits.
 */
int spdk_parse_capacity(const char *cap_str, uint64_t *cap, bool *has_prefix);

/**
 * Tell whether a buffer holds only zero bytes.
 *
 * \param data the buffer (borrowed); may be NULL only when \p size is 0.
 * \param size its size in bytes.
 *
 * \return true when every byte is zero (and for an empty buffer); false
 * otherwise, and false for a NULL \p data with a non-zero \p size (logged).
 */
bool spdk_mem_all_zero(const void *data, size_t size);

/**
 * Strictly convert a whole string to a non-negative long.
 *
 * The text must be one number in \p base (strtol()'s syntax: leading white
 * space and a '+' are allowed; base 0 accepts "0x"/"0" prefixes; base 16
 * accepts an optional "0x") and nothing after it.
 *
 * \param nptr NUL-terminated text (borrowed).
 * \param base 0 or 2..36.
 *
 * \return the value (>= 0) on success, or a negative errno:
 * -EINVAL for a NULL \p nptr (logged), an empty string, no digits,
 * characters after the number or a bad \p base; -ERANGE when the value does
 * not fit in a long or is negative (SPDK's code answers -ERANGE for any
 * negative number, not -EINVAL). Unlike SPDK, "" is -EINVAL rather than 0.
 */
long int spdk_strtol(const char *nptr, int base);

/**
 * spdk_strtol() for long long.
 *
 * \param nptr NUL-terminated text (borrowed).
 * \param base 0 or 2..36.
 *
 * \return the value (>= 0) on success; -EINVAL or -ERANGE exactly as for
 * spdk_strtol(), with the range of long long.
 */
long long int spdk_strtoll(const char *nptr, int base);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_STRING_H */
