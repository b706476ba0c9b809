/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Sets of CPU cores (core masks).
 *
 * A struct spdk_cpuset holds one bit for each of SPDK_CPUSET_SIZE cores and
 * a text buffer used by spdk_cpuset_fmt(). The structure is public, as in
 * SPDK, so a set may live on the stack or inside another structure
 * (initialise it with spdk_cpuset_zero() or `= {}`), or be allocated with
 * spdk_cpuset_alloc().
 *
 * Threads: no function here touches global state. Any thread may call any
 * function, provided no other thread writes the same set at the same time
 * (spdk_cpuset_fmt() writes the set's text buffer, so it counts as a write).
 *
 * Errors: a NULL set, a core number >= SPDK_CPUSET_SIZE or a malformed
 * string is logged with SPDK_ERRLOG; the call then does nothing (functions
 * returning void), returns false / 0 (queries) or a negative errno
 * (spdk_cpuset_parse()). Nothing here aborts.
 */

#ifndef SPDK_CPUSET_H
#define SPDK_CPUSET_H

#include "spdk/stdinc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Number of cores a set can describe: cores 0 .. SPDK_CPUSET_SIZE - 1. */
#define SPDK_CPUSET_SIZE 1024

/**
 * A set of cores.
 *
 * Only the functions below should read or write the fields; they are public
 * so that the structure can be embedded and copied by value.
 */
struct spdk_cpuset {
	/** Text written by spdk_cpuset_fmt(): at most one hex digit per 4 cores, plus NUL. */
	char str[SPDK_CPUSET_SIZE / 4 + 1];
	/** Bit (n % 8) of byte (n / 8) is set when core n is in the set. */
	uint8_t cpus[SPDK_CPUSET_SIZE / 8];
};

/**
 * Allocate an empty set on the heap.
 *
 * Any thread may call this.
 *
 * \return the new set, with no core in it, owned by the caller (release it
 * with spdk_cpuset_free()); NULL when memory is exhausted.
 */
struct spdk_cpuset *spdk_cpuset_alloc(void);

/**
 * Release a set obtained from spdk_cpuset_alloc().
 *
 * \param set the set to release, or NULL (then nothing happens). Any text
 * returned by spdk_cpuset_fmt() for this set becomes invalid.
 */
void spdk_cpuset_free(struct spdk_cpuset *set);

/**
 * Tell whether two sets hold exactly the same cores.
 *
 * Only the core bits are compared, never the text buffers.
 *
 * \param set1 first set (borrowed, read only).
 * \param set2 second set (borrowed, read only).
 *
 * \return true when every core is in both sets or in neither; false
 * otherwise, and false (with a log line) when either pointer is NULL.
 */
bool spdk_cpuset_equal(const struct spdk_cpuset *set1, const struct spdk_cpuset *set2);

/**
 * Make \p dst hold the same cores as \p src.
 *
 * The text buffer of \p dst is not touched.
 *
 * \param dst set to overwrite (borrowed).
 * \param src set to read (borrowed); may be the same as \p dst.
 */
void spdk_cpuset_copy(struct spdk_cpuset *dst, const struct spdk_cpuset *src);

/**
 * Intersection: keep in \p dst only the cores that are also in \p src.
 *
 * \param dst first operand and result (borrowed).
 * \param src second operand (borrowed, read only).
 */
void spdk_cpuset_and(struct spdk_cpuset *dst, const struct spdk_cpuset *src);

/**
 * Union: add to \p dst every core of \p src.
 *
 * \param dst first operand and result (borrowed).
 * \param src second operand (borrowed, read only).
 */
void spdk_cpuset_or(struct spdk_cpuset *dst, const struct spdk_cpuset *src);

/**
 * Symmetric difference: \p dst keeps the cores that are in exactly one of
 * the two sets.
 *
 * \param dst first operand and result (borrowed).
 * \param src second operand (borrowed, read only).
 */
void spdk_cpuset_xor(struct spdk_cpuset *dst, const struct spdk_cpuset *src);

/**
 * Complement: every one of the SPDK_CPUSET_SIZE cores changes state.
 *
 * \param set the set to invert in place (borrowed).
 */
void spdk_cpuset_negate(struct spdk_cpuset *set);

/**
 * Remove every core from a set.
 *
 * \param set the set to clear (borrowed).
 */
void spdk_cpuset_zero(struct spdk_cpuset *set);

/**
 * Add a core to, or remove it from, a set.
 *
 * \param set the set to change (borrowed).
 * \param cpu core number; a number >= SPDK_CPUSET_SIZE is logged and the set
 * is left unchanged.
 * \param state true to add the core, false to remove it.
 */
void spdk_cpuset_set_cpu(struct spdk_cpuset *set, uint32_t cpu, bool state);

/**
 * Tell whether a core is in a set.
 *
 * \param set the set to read (borrowed).
 * \param cpu core number.
 *
 * \return true when \p cpu is in the set; false when it is not, and false
 * (with a log line) when \p set is NULL or \p cpu >= SPDK_CPUSET_SIZE.
 */
bool spdk_cpuset_get_cpu(const struct spdk_cpuset *set, uint32_t cpu);

/**
 * Call \p fn once for each core in a set, in increasing core order.
 *
 * The set must not be changed by another thread meanwhile; \p fn may change
 * it, but the walk uses the cores present when each group of 8 is reached.
 *
 * \param set the set to walk (borrowed, read only).
 * \param fn called as fn(ctx, cpu) on the calling thread.
 * \param ctx passed unchanged to \p fn (borrowed, may be NULL).
 */
void spdk_cpuset_for_each_cpu(const struct spdk_cpuset *set,
			      void (*fn)(void *ctx, uint32_t cpu), void *ctx);

/**
 * Count the cores in a set.
 *
 * \param set the set to read (borrowed).
 *
 * \return the number of cores in the set, 0 .. SPDK_CPUSET_SIZE (0 with a
 * log line when \p set is NULL).
 */
uint32_t spdk_cpuset_count(const struct spdk_cpuset *set);

/**
 * Write a set as a hexadecimal mask, the way SPDK does.
 *
 * Lower-case digits, no "0x" prefix, no leading zeros ("0" for an empty
 * set), the highest core on the left: cores 0 and 1 give "3", core 9 gives
 * "200", all 1024 cores give 256 'f' digits. spdk_cpuset_parse() reads the
 * text back into an equal set.
 *
 * \param set the set to format (borrowed); its \p str buffer receives the text.
 *
 * \return \p set->str: owned by the set, valid until the next call on the same
 * set or until the set is freed; copy it to keep it. For a NULL \p set the
 * call is logged and returns a constant empty string.
 */
const char *spdk_cpuset_fmt(struct spdk_cpuset *set);

/**
 * Read a core mask written as text into a set.
 *
 * Two forms are accepted; spaces and tabs around the whole string are
 * ignored:
 * - a hexadecimal mask, with or without a "0x"/"0X" prefix, highest core on
 *   the left ("0x3" = cores 0 and 1). Commas are skipped, so the masks Linux
 *   writes in sysfs ("00000000,00000003") are accepted. At least one digit is
 *   needed; leading zeros are allowed in any number, but a set bit for a core
 *   >= SPDK_CPUSET_SIZE is an error.
 * - a list of decimal core numbers and inclusive ranges in square brackets:
 *   "[0-3,5]". Spaces and tabs may surround numbers, dashes and commas. A
 *   range must not descend ("[3-1]"), the list must not be empty ("[]"), and
 *   nothing may follow the closing bracket.
 *
 * Pinwheel is stricter than SPDK where SPDK silently accepts junk: SPDK
 * ignores text after "]", accepts "0x" alone as an empty set, reads
 * "[1-2-3]" as "[2-3]" and drops hex digits beyond core 1023; here each of
 * those is an error.
 *
 * \param set receives the result (borrowed). It is changed only on success.
 * \param mask NUL-terminated text (borrowed, read only).
 *
 * \return 0 on success; -EINVAL when \p set or \p mask is NULL, or the text
 * is empty or malformed (each case is logged with the reason).
 */
int spdk_cpuset_parse(struct spdk_cpuset *set, const char *mask);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_CPUSET_H */
