/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Tracepoint masks and groups: which tracepoints record.
 *
 * One 64-bit word per group (pw_trace_g_masks, public so that the inline
 * tests of spdk/trace.h and pinwheel/trace.h cost one load). Words change
 * with atomic or/and, so two pthreads changing one group at once both win;
 * readers load them relaxed (a tracepoint turned on shows up at the next
 * record of each pthread, which is all a flag needs).
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"
#include "spdk/trace.h"
#include "spdk/util.h"

#include "common/pw_common.h"
#include "trace_internal.h"

/* Three cache lines of their own: read by every record, written rarely. */
PW_EXPORT struct pw_trace_masks pw_trace_g_masks __attribute__((aligned(64)));

void
pw__trace_mask_reset(void)
{
	uint32_t g;

	for (g = 0; g < SPDK_TRACE_MAX_GROUP_ID; g++) {
		/* Relaxed: pairs with the relaxed loads of the inline tests. */
		__atomic_store_n(&pw_trace_g_masks.tpoint_mask[g], 0, __ATOMIC_RELAXED);
	}
}

PW_EXPORT uint64_t
spdk_trace_get_tpoint_mask(uint32_t group_id)
{
	if (group_id >= SPDK_TRACE_MAX_GROUP_ID) {
		SPDK_ERRLOG("invalid tracepoint group id %u (groups are 0 to %d)\n", group_id,
			    SPDK_TRACE_MAX_GROUP_ID - 1);
		return 0;
	}
	if (!pw__trace_on()) {
		return 0;
	}
	/* Relaxed: pairs with the atomic or/and below. */
	return __atomic_load_n(&pw_trace_g_masks.tpoint_mask[group_id], __ATOMIC_RELAXED);
}

static bool
check_group(uint32_t group_id)
{
	if (!pw__trace_on()) {
		SPDK_ERRLOG("trace is not initialized\n");
		return false;
	}
	if (group_id >= SPDK_TRACE_MAX_GROUP_ID) {
		SPDK_ERRLOG("invalid tracepoint group id %u (groups are 0 to %d)\n", group_id,
			    SPDK_TRACE_MAX_GROUP_ID - 1);
		return false;
	}
	return true;
}

PW_EXPORT void
spdk_trace_set_tpoints(uint32_t group_id, uint64_t tpoint_mask)
{
	if (check_group(group_id)) {
		/* Relaxed: pairs with the relaxed loads of the inline tests. */
		__atomic_fetch_or(&pw_trace_g_masks.tpoint_mask[group_id], tpoint_mask,
				  __ATOMIC_RELAXED);
	}
}

PW_EXPORT void
spdk_trace_clear_tpoints(uint32_t group_id, uint64_t tpoint_mask)
{
	if (check_group(group_id)) {
		/* Relaxed: pairs with the relaxed loads of the inline tests. */
		__atomic_fetch_and(&pw_trace_g_masks.tpoint_mask[group_id], ~tpoint_mask,
				   __ATOMIC_RELAXED);
	}
}

PW_EXPORT uint64_t
spdk_trace_get_tpoint_group_mask(void)
{
	uint64_t mask = 0;
	uint32_t g;

	if (!pw__trace_on()) {
		return 0;
	}
	for (g = 0; g < SPDK_TRACE_MAX_GROUP_ID; g++) {
		/* Relaxed: pairs with the atomic or/and of set/clear. */
		if (__atomic_load_n(&pw_trace_g_masks.tpoint_mask[g], __ATOMIC_RELAXED) != 0) {
			mask |= SPDK_BIT(g);
		}
	}
	return mask;
}

/* fn(g, UINT64_MAX) for every group g of tpoint_group_mask, lowest first. */
static void
each_group(uint64_t tpoint_group_mask, void (*fn)(uint32_t group_id, uint64_t tpoint_mask))
{
	uint32_t g;

	for (g = 0; g < SPDK_TRACE_MAX_GROUP_ID; g++) {
		if (tpoint_group_mask & SPDK_BIT(g)) {
			fn(g, UINT64_MAX);
		}
	}
}

PW_EXPORT void
spdk_trace_set_tpoint_group_mask(uint64_t tpoint_group_mask)
{
	if (!pw__trace_on()) {
		SPDK_ERRLOG("trace is not initialized\n");
		return;
	}
	each_group(tpoint_group_mask, spdk_trace_set_tpoints);
}

PW_EXPORT void
spdk_trace_clear_tpoint_group_mask(uint64_t tpoint_group_mask)
{
	if (!pw__trace_on()) {
		SPDK_ERRLOG("trace is not initialized\n");
		return;
	}
	each_group(tpoint_group_mask, spdk_trace_clear_tpoints);
}

PW_EXPORT uint64_t
spdk_trace_create_tpoint_group_mask(const char *group_name)
{
	struct spdk_trace_register_fn *r;
	uint64_t mask = 0;
	bool all;

	if (group_name == NULL) {
		return 0;
	}
	all = strcmp(group_name, "all") == 0;
	for (r = spdk_trace_get_first_register_fn(); r != NULL; r = r->next) {
		if (all || strcmp(group_name, r->name) == 0) {
			mask |= SPDK_BIT(r->tgroup_id);
		}
	}
	return mask;
}

PW_EXPORT uint64_t
spdk_trace_create_tpoint_mask(uint32_t group_id, const char *tpoint_name)
{
	const struct spdk_trace_tpoint *tp;
	uint32_t n;

	if (tpoint_name == NULL || !pw__trace_on() || group_id >= SPDK_TRACE_MAX_GROUP_ID) {
		return 0;
	}
	for (n = 0; n < 64; n++) {
		tp = pw__trace_get_tpoint((uint16_t)SPDK_TPOINT_ID(group_id, n));
		if (tp != NULL && strcasecmp(tp->name, tpoint_name) == 0) {
			return SPDK_BIT(n);
		}
	}
	return 0;
}

static int
change_group(const char *group_name, bool enable)
{
	uint64_t mask;

	if (!pw__trace_on()) {
		SPDK_ERRLOG("trace is not initialized\n");
		return -1;
	}
	mask = spdk_trace_create_tpoint_group_mask(group_name);
	if (mask == 0) {
		SPDK_ERRLOG("no tracepoint group named '%s'\n", group_name ? group_name : "(null)");
		return -1;
	}
	if (enable) {
		spdk_trace_set_tpoint_group_mask(mask);
	} else {
		spdk_trace_clear_tpoint_group_mask(mask);
	}
	return 0;
}

PW_EXPORT int
spdk_trace_enable_tpoint_group(const char *group_name)
{
	return change_group(group_name, true);
}

PW_EXPORT int
spdk_trace_disable_tpoint_group(const char *group_name)
{
	return change_group(group_name, false);
}

#define USAGE_INDENT	"                           "
#define USAGE_WIDTH	100

PW_EXPORT void
spdk_trace_mask_usage(FILE *f, const char *tmask_arg)
{
	struct spdk_trace_register_fn *r;
	size_t col;

	if (f == NULL) {
		return;
	}
	fprintf(f, " %s, --tpoint-group <group-name>[:<tpoint_mask>|<tpoint_name>[+<tpoint_name>...]]\n",
		tmask_arg ? tmask_arg : "-e");
	col = (size_t)fprintf(f, "%sgroup_name - tracepoint group name (", USAGE_INDENT);
	for (r = spdk_trace_get_first_register_fn(); r != NULL; r = r->next) {
		if (col + strlen(r->name) + 2 > USAGE_WIDTH) {
			col = (size_t)fprintf(f, "\n%s", USAGE_INDENT) - 1;
		}
		col += (size_t)fprintf(f, "%s, ", r->name);
	}
	fprintf(f, "all).\n");
	fprintf(f, "%sor a group mask in hex (e.g. 0x80000 for group 19).\n", USAGE_INDENT);
	fprintf(f, "%stpoint_mask - tracepoint mask inside a group, in hex: its first\n",
		USAGE_INDENT);
	fprintf(f, "%stracepoint is 0x1 (e.g. pinwheel:0x1); or tracepoint names joined\n",
		USAGE_INDENT);
	fprintf(f, "%sby '+'. Comma-separated lists combine (e.g. thread,pinwheel:0x3).\n",
		USAGE_INDENT);
}
