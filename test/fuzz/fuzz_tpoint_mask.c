/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * libFuzzer target: the tracepoint group text of `-e` / `--tpoint-group`
 * (pw__app_trace_parse(), lib/event/app_trace.c) and the group-name lookups
 * behind it and behind the RPC methods trace_enable_tpoint_group /
 * trace_disable_tpoint_group (spdk_trace_create_tpoint_group_mask(),
 * spdk_trace_enable_tpoint_group(), spdk_trace_disable_tpoint_group()).
 *
 * Input: the text, as given to -e (an embedded NUL ends it).
 *
 * The answer is checked against a model of the syntax (app_trace.c's top
 * comment), which looks group names up with spdk_trace_create_tpoint_group_mask()
 * and tracepoint names with spdk_trace_create_tpoint_mask():
 *   ITEM[,ITEM...]; an empty item is refused;
 *   ITEM = GROUP | GROUP:TPOINTS (the first ':');
 *   GROUP = a name (or "all"), else 1-16 hex digits with an optional 0x whose
 *           value is not 0 and names groups below SPDK_TRACE_MAX_GROUP_ID;
 *           before ':' it must name exactly one group;
 *   TPOINTS = 1-16 hex digits (optional 0x), not 0; else names joined by '+'.
 * A refusal is -EINVAL with an error message and every mask 0; an accepted
 * text logs no error. The group lookups must never report a group past the
 * last, and enabling a group by name succeeds exactly when the lookup finds it.
 */

#include "fuzz_common.h"

#include <errno.h>
#include <stdbool.h>
#include <strings.h>

#include "spdk/trace.h"
#include "spdk/util.h"

#include "event/event_internal.h"

/* Two groups of this target's own, with names that also read as hex. */
#define GROUP_A	3
#define GROUP_B	11

static void
group_a_trace(void)
{
	spdk_trace_register_description("ADD", SPDK_TPOINT_ID(GROUP_A, 0), OWNER_TYPE_NONE,
					OBJECT_NONE, 0, SPDK_TRACE_ARG_TYPE_INT, "v");
	spdk_trace_register_description("beta", SPDK_TPOINT_ID(GROUP_A, 5), OWNER_TYPE_NONE,
					OBJECT_NONE, 0, SPDK_TRACE_ARG_TYPE_INT, "v");
}
SPDK_TRACE_REGISTER_FN(group_a_trace, "fza", GROUP_A)

static void
group_b_trace(void)
{
	spdk_trace_register_description("last", SPDK_TPOINT_ID(GROUP_B, 63), OWNER_TYPE_NONE,
					OBJECT_NONE, 0, SPDK_TRACE_ARG_TYPE_INT, "v");
}
SPDK_TRACE_REGISTER_FN(group_b_trace, "bad", GROUP_B)

/* 0 and the value of \p s read as 1-16 hex digits with an optional 0x. */
static int
model_hex(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
	}
	for (; *s != '\0'; s++, n++) {
		const char *digits = "0123456789abcdef";
		const char *p = strchr(digits, *s >= 'A' && *s <= 'F' ? *s - 'A' + 'a' : *s);

		if (p == NULL || n == 16) {
			return -1;
		}
		v = (v << 4) | (uint64_t)(p - digits);
	}
	if (n == 0) {
		return -1;
	}
	*out = v;
	return 0;
}

static bool
model_group(const char *text, uint64_t *mask)
{
	uint64_t m = spdk_trace_create_tpoint_group_mask(text);

	FUZZ_CHECK((m >> SPDK_TRACE_MAX_GROUP_ID) == 0, "group mask of '%s' = 0x%llx", text,
		   (unsigned long long)m);
	if (m == 0 && (model_hex(text, &m) != 0 || m == 0 || (m >> SPDK_TRACE_MAX_GROUP_ID) != 0)) {
		return false;
	}
	*mask = m;
	return true;
}

static bool
model_tpoints(uint32_t group, char *text, uint64_t *mask)
{
	uint64_t m = 0, bit;
	char *name;

	if (model_hex(text, &m) == 0) {
		*mask = m;
		return m != 0;
	}
	while ((name = strsep(&text, "+")) != NULL) {
		bit = spdk_trace_create_tpoint_mask(group, name);
		FUZZ_CHECK(bit == 0 || spdk_u64_is_pow2(bit), "tracepoint '%s': mask 0x%llx",
			   name, (unsigned long long)bit);
		if (bit == 0) {
			return false;
		}
		m |= bit;
	}
	*mask = m;
	return true;
}

/* The model's masks for \p spec (which it cuts up): true if accepted. */
static bool
model_parse(char *spec, uint64_t masks[SPDK_TRACE_MAX_GROUP_ID])
{
	uint64_t groups, tpoints;
	char *item, *colon;

	memset(masks, 0, SPDK_TRACE_MAX_GROUP_ID * sizeof(masks[0]));
	if (spec[0] == '\0') {
		return false;
	}
	while ((item = strsep(&spec, ",")) != NULL) {
		if (item[0] == '\0') {
			return false;
		}
		colon = strchr(item, ':');
		tpoints = UINT64_MAX;
		if (colon != NULL) {
			*colon = '\0';
		}
		if (!model_group(item, &groups)) {
			return false;
		}
		if (colon != NULL && (!spdk_u64_is_pow2(groups) ||
				      !model_tpoints(spdk_u64log2(groups), colon + 1, &tpoints))) {
			return false;
		}
		for (uint32_t g = 0; g < SPDK_TRACE_MAX_GROUP_ID; g++) {
			if (groups & SPDK_BIT(g)) {
				masks[g] |= tpoints;
			}
		}
	}
	return true;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	if (spdk_trace_init("fuzz_tpoint_mask", 64, 0) != 0) {
		abort();
	}
	FUZZ_CHECK(spdk_trace_create_tpoint_group_mask("fza") == SPDK_BIT(GROUP_A), "fza");
	FUZZ_CHECK(spdk_trace_create_tpoint_group_mask("bad") == SPDK_BIT(GROUP_B), "bad");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t masks[SPDK_TRACE_MAX_GROUP_ID], want[SPDK_TRACE_MAX_GROUP_ID], lookup;
	char *text = fuzz_strndup(data, size);
	char *copy = strdup(text);
	bool accepted;
	int rc;

	if (copy == NULL) {
		abort();
	}
	accepted = model_parse(copy, want);
	g_fuzz_errors = 0;
	rc = pw__app_trace_parse(text, masks);
	if (accepted) {
		FUZZ_CHECK(rc == 0, "-e '%s' = %d, expected 0", text, rc);
		FUZZ_CHECK(g_fuzz_errors == 0, "-e '%s' accepted with an error message", text);
	} else {
		FUZZ_CHECK(rc == -EINVAL, "-e '%s' = %d, expected -EINVAL", text, rc);
		FUZZ_CHECK(g_fuzz_errors > 0, "-e '%s' refused without an error message", text);
	}
	for (uint32_t g = 0; g < SPDK_TRACE_MAX_GROUP_ID; g++) {
		FUZZ_CHECK(masks[g] == (accepted ? want[g] : 0),
			   "-e '%s': group %u mask 0x%llx, expected 0x%llx", text, g,
			   (unsigned long long)masks[g],
			   (unsigned long long)(accepted ? want[g] : 0));
	}

	/* The RPC methods' path: a group by name, enabled then disabled. */
	lookup = spdk_trace_create_tpoint_group_mask(text);
	FUZZ_CHECK((lookup >> SPDK_TRACE_MAX_GROUP_ID) == 0, "group mask of '%s' = 0x%llx", text,
		   (unsigned long long)lookup);
	g_fuzz_errors = 0;
	rc = spdk_trace_enable_tpoint_group(text);
	FUZZ_CHECK((rc == 0) == (lookup != 0), "enable('%s') = %d, lookup 0x%llx", text, rc,
		   (unsigned long long)lookup);
	FUZZ_CHECK(rc == 0 || g_fuzz_errors > 0, "enable('%s') refused without a message", text);
	FUZZ_CHECK((spdk_trace_get_tpoint_group_mask() & lookup) == lookup,
		   "enable('%s'): group mask 0x%llx lacks 0x%llx", text,
		   (unsigned long long)spdk_trace_get_tpoint_group_mask(),
		   (unsigned long long)lookup);
	rc = spdk_trace_disable_tpoint_group(text);
	FUZZ_CHECK((rc == 0) == (lookup != 0), "disable('%s') = %d", text, rc);
	FUZZ_CHECK((spdk_trace_get_tpoint_group_mask() & lookup) == 0,
		   "disable('%s'): group mask 0x%llx still has 0x%llx", text,
		   (unsigned long long)spdk_trace_get_tpoint_group_mask(),
		   (unsigned long long)lookup);

	free(copy);
	free(text);
	return 0;
}
