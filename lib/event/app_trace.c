/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The app's tracing: spdk_app_setup_trace(), called by spdk_app_start() once
 * the reactors are set up and before the app thread exists, and the parse of
 * `-e` / `--tpoint-group` (opts->tpoint_group_mask), SPDK's syntax:
 *
 *   ITEM[,ITEM...]        items are applied together
 *   ITEM = GROUP          every tracepoint of GROUP
 *        | GROUP:TPOINTS  some tracepoints of one group
 *   GROUP  = a registered group name ("pinwheel", "thread", ...), "all", or a
 *            group mask in hex (0x80000 is group 19); with ":" one group only
 *   TPOINTS = a tracepoint mask in hex (bit n = the group's tracepoint n), or
 *            tracepoint names joined by '+' (case-insensitive)
 *
 * Where we differ from SPDK, on purpose: the whole text is checked before
 * anything is enabled (SPDK enables the items before a bad one); a name is
 * looked up before the text is read as hex (SPDK reads "add" as 0xadd); empty
 * items (SPDK skips repeated commas), empty masks, masks of 0 and group masks
 * naming groups past the last are refused (SPDK accepts them and enables
 * nothing, or ignores the bits).
 */

#include "event/event_internal.h"

#include "spdk/event.h"
#include "spdk/log.h"
#include "spdk/string.h"
#include "spdk/trace.h"
#include "spdk/util.h"

/* Read \p s, all of it, as a hex number with an optional 0x: 0 on success. */
static int
parse_hex(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
	}
	for (; *s != '\0'; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9') {
			d = *s - '0';
		} else if (*s >= 'a' && *s <= 'f') {
			d = *s - 'a' + 10;
		} else if (*s >= 'A' && *s <= 'F') {
			d = *s - 'A' + 10;
		} else {
			return -EINVAL;
		}
		if (digits == 16) {
			return -ERANGE;
		}
		v = (v << 4) | (uint64_t)d;
	}
	if (digits == 0) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* A group name, "all", or a hex group mask, into a group mask. */
static int
parse_group(const char *text, const char *item, uint64_t *mask)
{
	uint64_t m = spdk_trace_create_tpoint_group_mask(text);

	if (m == 0) {
		if (parse_hex(text, &m) != 0) {
			SPDK_ERRLOG("-e '%s': no tracepoint group named '%s' (see --help for the "
				    "groups; or give a group mask in hex)\n", item, text);
			return -EINVAL;
		}
		if (m == 0 || (m >> SPDK_TRACE_MAX_GROUP_ID) != 0) {
			SPDK_ERRLOG("-e '%s': group mask %s must name groups 0 to %d\n", item, text,
				    SPDK_TRACE_MAX_GROUP_ID - 1);
			return -EINVAL;
		}
	}
	*mask = m;
	return 0;
}

/* Tracepoints of \p group_id: a hex mask or names joined by '+'. */
static int
parse_tpoints(uint32_t group_id, const char *text, const char *item, uint64_t *mask)
{
	char *names, *cursor, *name;
	uint64_t m = 0, bit;

	if (parse_hex(text, &m) == 0) {
		if (m == 0) {
			SPDK_ERRLOG("-e '%s': the tracepoint mask is 0 (nothing to enable)\n", item);
			return -EINVAL;
		}
		*mask = m;
		return 0;
	}
	names = strdup(text);
	if (names == NULL) {
		SPDK_ERRLOG("-e '%s': no memory\n", item);
		return -ENOMEM;
	}
	cursor = names;
	while ((name = strsep(&cursor, "+")) != NULL) {
		bit = spdk_trace_create_tpoint_mask(group_id, name);
		if (bit == 0) {
			SPDK_ERRLOG("-e '%s': no tracepoint '%s' in group %u (a hex mask or "
				    "tracepoint names joined by '+')\n", item, name, group_id);
			free(names);
			return -EINVAL;
		}
		m |= bit;
	}
	free(names);
	*mask = m;
	return 0;
}

int
pw__app_trace_parse(const char *spec, uint64_t masks[SPDK_TRACE_MAX_GROUP_ID])
{
	char *copy, *cursor, *item, *colon;
	uint64_t groups, tpoints;
	uint32_t g;
	int rc = 0;

	memset(masks, 0, SPDK_TRACE_MAX_GROUP_ID * sizeof(masks[0]));
	if (spec == NULL || spec[0] == '\0') {
		SPDK_ERRLOG("-e: no tracepoint group given\n");
		return -EINVAL;
	}
	copy = strdup(spec);
	if (copy == NULL) {
		SPDK_ERRLOG("-e '%s': no memory\n", spec);
		return -ENOMEM;
	}
	cursor = copy;
	while (rc == 0 && (item = strsep(&cursor, ",")) != NULL) {
		if (item[0] == '\0') {
			SPDK_ERRLOG("-e '%s': an empty item (two commas, or one at an end)\n", spec);
			rc = -EINVAL;
			break;
		}
		colon = strchr(item, ':');
		if (colon == NULL) {
			rc = parse_group(item, item, &groups);
			tpoints = UINT64_MAX;
		} else {
			*colon = '\0';
			rc = parse_group(item, spec, &groups);
			if (rc == 0 && !spdk_u64_is_pow2(groups)) {
				SPDK_ERRLOG("-e '%s': '%s' names several groups: a tracepoint mask "
					    "applies to one group only\n", spec, item);
				rc = -EINVAL;
			}
			if (rc == 0) {
				rc = parse_tpoints(spdk_u64log2(groups), colon + 1, spec, &tpoints);
			}
		}
		for (g = 0; rc == 0 && g < SPDK_TRACE_MAX_GROUP_ID; g++) {
			if (groups & SPDK_BIT(g)) {
				masks[g] |= tpoints;
			}
		}
	}
	free(copy);
	if (rc != 0) {
		memset(masks, 0, SPDK_TRACE_MAX_GROUP_ID * sizeof(masks[0]));
	}
	return rc;
}

PW_EXPORT int
spdk_app_setup_trace(struct spdk_app_opts *opts)
{
	uint64_t masks[SPDK_TRACE_MAX_GROUP_ID];
	char name[64];
	uint32_t g;
	int rc;

	if (opts == NULL) {
		SPDK_ERRLOG("spdk_app_setup_trace: NULL opts\n");
		return -EINVAL;
	}
	if (opts->shm_id >= 0) {
		snprintf(name, sizeof(name), "/%s%s%d", opts->name ? opts->name : "spdk",
			 SPDK_TRACE_SHM_NAME_BASE, opts->shm_id);
	} else {
		snprintf(name, sizeof(name), "/%s%spid%d", opts->name ? opts->name : "spdk",
			 SPDK_TRACE_SHM_NAME_BASE, (int)getpid());
	}
	if (opts->num_entries == 0) {
		if (opts->tpoint_group_mask != NULL) {
			SPDK_WARNLOG("-e '%s' has no effect: --num-trace-entries is 0 (no trace)\n",
				     opts->tpoint_group_mask);
		}
		return 0;
	}
	/* Tracepoint names are known once the groups registered them, so the
	 * text is checked after spdk_trace_init(); a bad -e ends the trace
	 * again, with nothing enabled. */
	rc = spdk_trace_init(name, opts->num_entries, opts->num_trace_threads);
	if (rc != 0) {
		SPDK_ERRLOG("Unable to set up the trace (%s)\n", spdk_strerror(-rc));
		return rc;
	}
	if (opts->tpoint_group_mask == NULL) {
		return 0;
	}
	rc = pw__app_trace_parse(opts->tpoint_group_mask, masks);
	if (rc != 0) {
		spdk_trace_cleanup();
		return rc;
	}
	for (g = 0; g < SPDK_TRACE_MAX_GROUP_ID; g++) {
		if (masks[g] != 0) {
			spdk_trace_set_tpoints(g, masks[g]);
		}
	}
	SPDK_NOTICELOG("Tracepoint Group Mask %s specified: tracepoint group mask 0x%" PRIx64 ".\n",
		       opts->tpoint_group_mask, spdk_trace_get_tpoint_group_mask());
	SPDK_NOTICELOG("Records stay in this process's memory (%" PRIu64 " entries per "
		       "recording pthread); no shared-memory file is written.\n", opts->num_entries);
	return 0;
}
