/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of spdk/trace.h's registrations, masks and groups: groups added
 * by SPDK_TRACE_REGISTER_FN run at spdk_trace_init() in the order of their
 * ids; SPDK's mask and group rules (set/clear by mask, enable/disable by name
 * and "all", the group mask, names to masks); owners and their ids; and every
 * misuse (NULL or reserved names, duplicate ids and names, group ids out of
 * range, registering twice, before init, init twice) refused with a log line.
 */

#include "harness.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"

#include "trace/trace_internal.h"

#define GROUP_A		3
#define GROUP_B		1
#define TP_A0		SPDK_TPOINT_ID(GROUP_A, 0)
#define TP_A1		SPDK_TPOINT_ID(GROUP_A, 1)
#define TP_A63		SPDK_TPOINT_ID(GROUP_A, 63)
#define TP_B0		SPDK_TPOINT_ID(GROUP_B, 0)

static int g_order[8];
static int g_order_n;

static void
group_a_trace(void)
{
	struct spdk_trace_tpoint_opts opts[] = {
		{ "A_ZERO", TP_A0, OWNER_TYPE_NONE, OBJECT_NONE, 0, {{ "x", SPDK_TRACE_ARG_TYPE_INT, 8 }} },
		{ "A_One", TP_A1, 7, 9, 1, {{ "p", SPDK_TRACE_ARG_TYPE_PTR, 8 }, { "n", SPDK_TRACE_ARG_TYPE_INT, 4 }} },
		{ "A_LAST", TP_A63, OWNER_TYPE_NONE, OBJECT_NONE, 0, {{ NULL, 0, 0 }} },
	};

	g_order[g_order_n++] = GROUP_A;
	spdk_trace_register_owner_type(7, 'o');
	spdk_trace_register_object(9, 'b');
	spdk_trace_register_description_ext(opts, SPDK_COUNTOF(opts));
}
SPDK_TRACE_REGISTER_FN(group_a_trace, "tgroup_a", GROUP_A)

static void
group_b_trace(void)
{
	g_order[g_order_n++] = GROUP_B;
	spdk_trace_register_description("B_ZERO", TP_B0, OWNER_TYPE_NONE, OBJECT_NONE, 0,
					SPDK_TRACE_ARG_TYPE_INT, "val");
}
SPDK_TRACE_REGISTER_FN(group_b_trace, "tgroup_b", GROUP_B)

static void
init_ok(void)
{
	ASSERT_EQ(spdk_trace_init("/test_trace", 64, 0), 0);
}

TEST(groups_run_at_init_in_id_order)
{
	struct spdk_trace_register_fn *r;
	int last = -1;

	/* The list is sorted by group id whatever the constructor order. */
	for (r = spdk_trace_get_first_register_fn(); r != NULL; r = spdk_trace_get_next_register_fn(r)) {
		ASSERT_GT((int)r->tgroup_id, last);
		last = r->tgroup_id;
	}
	ASSERT_NULL(spdk_trace_get_next_register_fn(NULL));
	ASSERT_EQ(g_order_n, 0);
	init_ok();
	ASSERT_EQ(g_order_n, 2);
	ASSERT_EQ(g_order[0], GROUP_B);
	ASSERT_EQ(g_order[1], GROUP_A);
	ASSERT_TRUE(pw_trace_is_initialized());
	ASSERT_STR_EQ(pw_trace_get_name(), "/test_trace");
	/* Every tracepoint starts disabled. */
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), 0);
	ASSERT_FALSE(pw_trace_group_on(GROUP_A));
	spdk_trace_cleanup();
	ASSERT_FALSE(pw_trace_is_initialized());
	ASSERT_NULL(pw_trace_get_name());
	/* A second init runs them again (the registrations were forgotten). */
	init_ok();
	ASSERT_EQ(g_order_n, 4);
	ASSERT_NOT_NULL(pw__trace_get_tpoint(TP_A1));
	spdk_trace_cleanup();
	ASSERT_NULL(pw__trace_get_tpoint(TP_A1));
}

TEST(descriptions_are_kept)
{
	const struct spdk_trace_tpoint *tp;

	init_ok();
	tp = pw__trace_get_tpoint(TP_A1);
	ASSERT_NOT_NULL(tp);
	ASSERT_STR_EQ(tp->name, "A_One");
	ASSERT_EQ(tp->tpoint_id, TP_A1);
	ASSERT_EQ(tp->owner_type, 7);
	ASSERT_EQ(tp->object_type, 9);
	ASSERT_EQ(tp->new_object, 1);
	ASSERT_EQ(tp->num_args, 2);
	ASSERT_STR_EQ(tp->args[0].name, "p");
	ASSERT_EQ(tp->args[0].type, SPDK_TRACE_ARG_TYPE_PTR);
	ASSERT_EQ(tp->args[1].size, 4);
	ASSERT_EQ(pw__trace_get_tpoint(TP_A63)->num_args, 0);
	/* spdk_trace_register_description(): one 8-byte argument. */
	tp = pw__trace_get_tpoint(TP_B0);
	ASSERT_EQ(tp->num_args, 1);
	ASSERT_EQ(tp->args[0].size, 8);
	ASSERT_STR_EQ(tp->args[0].name, "val");
	ASSERT_NULL(pw__trace_get_tpoint(SPDK_TPOINT_ID(GROUP_A, 2)));
	ASSERT_NULL(pw__trace_get_tpoint(SPDK_TRACE_MAX_TPOINT_ID));
	spdk_trace_cleanup();
}

TEST(set_and_clear_tpoints)
{
	init_ok();
	spdk_trace_set_tpoints(GROUP_A, 0x5);
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GROUP_A), 0x5);
	/* Set adds, clear removes: the other bits keep their state. */
	spdk_trace_set_tpoints(GROUP_A, 0x2);
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GROUP_A), 0x7);
	spdk_trace_clear_tpoints(GROUP_A, 0x1);
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GROUP_A), 0x6);
	ASSERT_TRUE(pw_trace_tpoint_on(TP_A1));
	ASSERT_FALSE(pw_trace_tpoint_on(TP_A0));
	ASSERT_TRUE(spdk_trace_tpoint_enabled(TP_A1));
	ASSERT_FALSE(spdk_trace_tpoint_enabled(TP_A0));
	ASSERT_TRUE(pw_trace_group_on(GROUP_A));
	ASSERT_FALSE(pw_trace_group_on(GROUP_B));
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), SPDK_BIT(GROUP_A));
	/* A mask may name tracepoints nobody registered, as in SPDK. */
	spdk_trace_set_tpoints(GROUP_B, SPDK_BIT(63));
	ASSERT_TRUE(pw_trace_tpoint_on(SPDK_TPOINT_ID(GROUP_B, 63)));
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), SPDK_BIT(GROUP_A) | SPDK_BIT(GROUP_B));
	spdk_trace_clear_tpoints(GROUP_A, UINT64_MAX);
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), SPDK_BIT(GROUP_B));
	/* Out-of-range ids answer "off" and never read past the masks. */
	ASSERT_FALSE(pw_trace_group_on(SPDK_TRACE_MAX_GROUP_ID));
	ASSERT_FALSE(pw_trace_tpoint_on(SPDK_TRACE_MAX_TPOINT_ID));
	ASSERT_FALSE(spdk_trace_tpoint_enabled(SPDK_TRACE_MAX_TPOINT_ID));
	spdk_trace_cleanup();
	/* The cleanup disabled everything. */
	ASSERT_FALSE(pw_trace_tpoint_on(SPDK_TPOINT_ID(GROUP_B, 63)));
	ASSERT_EQ(pw_trace_g_masks.tpoint_mask[GROUP_B], 0);
}

TEST(group_masks)
{
	init_ok();
	spdk_trace_set_tpoint_group_mask(SPDK_BIT(GROUP_A) | SPDK_BIT(GROUP_B));
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GROUP_A), UINT64_MAX);
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GROUP_B), UINT64_MAX);
	ASSERT_EQ(spdk_trace_get_tpoint_mask(0), 0);
	spdk_trace_clear_tpoint_group_mask(SPDK_BIT(GROUP_B));
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GROUP_B), 0);
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), SPDK_BIT(GROUP_A));
	/* Bits of groups past SPDK_TRACE_MAX_GROUP_ID are ignored. */
	spdk_trace_set_tpoint_group_mask(SPDK_BIT(SPDK_TRACE_MAX_GROUP_ID) | SPDK_BIT(63));
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), SPDK_BIT(GROUP_A));
	spdk_trace_cleanup();
}

TEST(groups_by_name)
{
	struct spdk_trace_register_fn *r;
	uint64_t all = 0;

	init_ok();
	ASSERT_EQ(spdk_trace_create_tpoint_group_mask("tgroup_a"), SPDK_BIT(GROUP_A));
	ASSERT_EQ(spdk_trace_create_tpoint_group_mask("tgroup_b"), SPDK_BIT(GROUP_B));
	ASSERT_EQ(spdk_trace_create_tpoint_group_mask("TGROUP_A"), 0);	/* names are exact */
	ASSERT_EQ(spdk_trace_create_tpoint_group_mask("nope"), 0);
	ASSERT_EQ(spdk_trace_create_tpoint_group_mask(NULL), 0);
	for (r = spdk_trace_get_first_register_fn(); r != NULL; r = r->next) {
		all |= SPDK_BIT(r->tgroup_id);
	}
	ASSERT_EQ(spdk_trace_create_tpoint_group_mask("all"), all);
	ASSERT_EQ(all & (SPDK_BIT(GROUP_A) | SPDK_BIT(GROUP_B)), SPDK_BIT(GROUP_A) | SPDK_BIT(GROUP_B));

	ASSERT_EQ(spdk_trace_enable_tpoint_group("tgroup_b"), 0);
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), SPDK_BIT(GROUP_B));
	ASSERT_EQ(spdk_trace_enable_tpoint_group("all"), 0);
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), all);
	ASSERT_EQ(spdk_trace_disable_tpoint_group("tgroup_a"), 0);
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), all & ~SPDK_BIT(GROUP_A));
	ASSERT_EQ(spdk_trace_disable_tpoint_group("all"), 0);
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), 0);

	log_capture_start();
	ASSERT_EQ(spdk_trace_enable_tpoint_group("nope"), -1);
	ASSERT_EQ(spdk_trace_disable_tpoint_group(NULL), -1);
	ASSERT_TRUE(log_capture_contains("no tracepoint group named 'nope'"));
	log_capture_stop();
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), 0);
	spdk_trace_cleanup();
}

TEST(tpoint_mask_by_name)
{
	init_ok();
	ASSERT_EQ(spdk_trace_create_tpoint_mask(GROUP_A, "A_ZERO"), SPDK_BIT(0));
	ASSERT_EQ(spdk_trace_create_tpoint_mask(GROUP_A, "a_one"), SPDK_BIT(1)); /* any case */
	ASSERT_EQ(spdk_trace_create_tpoint_mask(GROUP_A, "A_LAST"), SPDK_BIT(63));
	ASSERT_EQ(spdk_trace_create_tpoint_mask(GROUP_B, "A_ZERO"), 0);	/* another group's */
	ASSERT_EQ(spdk_trace_create_tpoint_mask(GROUP_A, "nope"), 0);
	ASSERT_EQ(spdk_trace_create_tpoint_mask(GROUP_A, NULL), 0);
	ASSERT_EQ(spdk_trace_create_tpoint_mask(SPDK_TRACE_MAX_GROUP_ID, "A_ZERO"), 0);
	spdk_trace_cleanup();
	ASSERT_EQ(spdk_trace_create_tpoint_mask(GROUP_A, "A_ZERO"), 0);
}

TEST(mask_usage_lists_groups)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_NOT_NULL(f);
	spdk_trace_mask_usage(f, "-e");
	fclose(f);
	ASSERT_STR_CONTAINS(text, " -e, --tpoint-group <group-name>");
	ASSERT_STR_CONTAINS(text, "tgroup_b, ");
	ASSERT_STR_CONTAINS(text, "tgroup_a, ");
	ASSERT_STR_CONTAINS(text, "all).");
	/* In id order: b (1) before a (3). */
	ASSERT_LT(strstr(text, "tgroup_b") - text, strstr(text, "tgroup_a") - text);
	free(text);
	spdk_trace_mask_usage(NULL, "-e");	/* ignored, no crash */
}

TEST(masks_refused_out_of_range_or_before_init)
{
	log_capture_start();
	/* Before init: nothing changes, every change is logged. */
	spdk_trace_set_tpoints(GROUP_A, 1);
	ASSERT_EQ(pw_trace_g_masks.tpoint_mask[GROUP_A], 0);
	spdk_trace_set_tpoint_group_mask(SPDK_BIT(GROUP_A));
	ASSERT_EQ(pw_trace_g_masks.tpoint_mask[GROUP_A], 0);
	ASSERT_EQ(spdk_trace_enable_tpoint_group("tgroup_a"), -1);
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GROUP_A), 0);
	ASSERT_EQ(log_capture_count_matching("trace is not initialized"), 3);
	log_capture_reset();

	init_ok();
	spdk_trace_set_tpoints(SPDK_TRACE_MAX_GROUP_ID, 1);
	spdk_trace_clear_tpoints(SPDK_TRACE_MAX_GROUP_ID, 1);
	ASSERT_EQ(spdk_trace_get_tpoint_mask(SPDK_TRACE_MAX_GROUP_ID), 0);
	ASSERT_EQ(log_capture_count_matching("invalid tracepoint group id 20"), 3);
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), 0);
	log_capture_stop();
	spdk_trace_cleanup();
}

static void
noop_reg(void)
{
}

TEST(register_fn_misuse)
{
	static struct spdk_trace_register_fn no_name = { NULL, 7, noop_reg, NULL };
	static struct spdk_trace_register_fn all = { "all", 7, noop_reg, NULL };
	static struct spdk_trace_register_fn too_big = { "big", SPDK_TRACE_MAX_GROUP_ID, noop_reg, NULL };
	static struct spdk_trace_register_fn same_id = { "other", GROUP_A, noop_reg, NULL };
	static struct spdk_trace_register_fn same_name = { "tgroup_a", 7, noop_reg, NULL };
	static struct spdk_trace_register_fn no_fn = { "nofn", 7, NULL, NULL };
	static struct spdk_trace_register_fn good = { "good", 7, noop_reg, NULL };
	struct spdk_trace_register_fn *r;
	int n = 0;

	log_capture_start();
	spdk_trace_add_register_fn(NULL);
	spdk_trace_add_register_fn(&no_name);
	spdk_trace_add_register_fn(&all);
	spdk_trace_add_register_fn(&too_big);
	spdk_trace_add_register_fn(&same_id);
	spdk_trace_add_register_fn(&same_name);
	spdk_trace_add_register_fn(&no_fn);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 7);
	ASSERT_TRUE(log_capture_contains("'all' is not a group name"));
	ASSERT_TRUE(log_capture_contains("group id 20 is not below 20"));
	ASSERT_TRUE(log_capture_contains("group id 3 is taken by 'tgroup_a'"));
	ASSERT_TRUE(log_capture_contains("the name is taken by group id 3"));
	spdk_trace_add_register_fn(&good);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 7);
	spdk_trace_add_register_fn(&good);
	ASSERT_TRUE(log_capture_contains("'good' refused: added twice"));
	log_capture_stop();
	for (r = spdk_trace_get_first_register_fn(); r != NULL; r = r->next) {
		ASSERT_TRUE(r != &no_name && r != &all && r != &too_big && r != &same_id &&
			    r != &same_name && r != &no_fn);
		n += r == &good;
	}
	ASSERT_EQ(n, 1);
	ASSERT_EQ(spdk_trace_create_tpoint_group_mask("good"), SPDK_BIT(7));
}

TEST(description_misuse)
{
	struct spdk_trace_tpoint_opts bad[] = {
		{ NULL, SPDK_TPOINT_ID(GROUP_B, 5), 0, 0, 0, {{ NULL, 0, 0 }} },
		{ "", SPDK_TPOINT_ID(GROUP_B, 6), 0, 0, 0, {{ NULL, 0, 0 }} },
		{ "OUT", SPDK_TRACE_MAX_TPOINT_ID, 0, 0, 0, {{ NULL, 0, 0 }} },
		{ "DUP", TP_B0, 0, 0, 0, {{ NULL, 0, 0 }} },
		{ "INT3", SPDK_TPOINT_ID(GROUP_B, 7), 0, 0, 0, {{ "x", SPDK_TRACE_ARG_TYPE_INT, 3 }} },
		{ "STR0", SPDK_TPOINT_ID(GROUP_B, 8), 0, 0, 0, {{ "s", SPDK_TRACE_ARG_TYPE_STR, 0 }} },
		{ "TYPE9", SPDK_TPOINT_ID(GROUP_B, 9), 0, 0, 0, {{ "t", 9, 8 }} },
		{ "GOOD_AFTER_BAD", SPDK_TPOINT_ID(GROUP_B, 10), 0, 0, 0, {{ "s", SPDK_TRACE_ARG_TYPE_STR, 40 }} },
		{ "A_NAME_LONGER_THAN_23_CHARS", SPDK_TPOINT_ID(GROUP_B, 11), 0, 0, 0, {{ NULL, 0, 0 }} },
	};

	log_capture_start();
	/* Before init: refused. */
	spdk_trace_register_description_ext(bad + 7, 1);
	spdk_trace_register_owner_type(5, 'x');
	spdk_trace_register_object(5, 'x');
	spdk_trace_tpoint_register_relation(TP_A0, 9, 0);
	ASSERT_EQ(log_capture_count_matching("trace is not initialized"), 4);
	log_capture_reset();

	init_ok();
	ASSERT_NULL(pw__trace_get_tpoint(SPDK_TPOINT_ID(GROUP_B, 10)));
	spdk_trace_register_description_ext(bad, SPDK_COUNTOF(bad));
	ASSERT_TRUE(log_capture_contains("tracepoint 69 refused: no name"));
	ASSERT_TRUE(log_capture_contains("tracepoint 70 refused: no name"));
	ASSERT_TRUE(log_capture_contains("'OUT' refused: id 1280 is not below 1280"));
	ASSERT_TRUE(log_capture_contains("'DUP' refused: id 64 (group 1, tracepoint 0) is 'B_ZERO' already"));
	ASSERT_TRUE(log_capture_contains("argument 'x' is 3 bytes"));
	ASSERT_TRUE(log_capture_contains("string argument 's' has size 0"));
	ASSERT_TRUE(log_capture_contains("unknown type 9"));
	ASSERT_TRUE(log_capture_contains("is too long: cut to 23 characters"));
	ASSERT_STR_EQ(pw__trace_get_tpoint(TP_B0)->name, "B_ZERO");
	ASSERT_NULL(pw__trace_get_tpoint(SPDK_TPOINT_ID(GROUP_B, 7)));
	ASSERT_NULL(pw__trace_get_tpoint(SPDK_TPOINT_ID(GROUP_B, 8)));
	ASSERT_NULL(pw__trace_get_tpoint(SPDK_TPOINT_ID(GROUP_B, 9)));
	ASSERT_EQ(pw__trace_get_tpoint(SPDK_TPOINT_ID(GROUP_B, 10))->args[0].size, 40);
	ASSERT_STR_EQ(pw__trace_get_tpoint(SPDK_TPOINT_ID(GROUP_B, 11))->name,
		      "A_NAME_LONGER_THAN_23_C");
	log_capture_reset();
	spdk_trace_register_description_ext(NULL, 1);
	ASSERT_TRUE(log_capture_contains("NULL descriptions"));

	/* Owner and object types: 0 and duplicates refused. */
	log_capture_reset();
	spdk_trace_register_owner_type(OWNER_TYPE_NONE, 'x');
	spdk_trace_register_owner_type(7, 'x');		/* group A registered it */
	spdk_trace_register_object(OBJECT_NONE, 'x');
	spdk_trace_register_object(9, 'x');
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 4);
	ASSERT_EQ(log_capture_count_matching("registered already"), 2);

	/* Relations: 16 per tracepoint, then refused. */
	log_capture_reset();
	for (int i = 0; i < SPDK_TRACE_MAX_RELATIONS; i++) {
		spdk_trace_tpoint_register_relation(TP_A0, 9, 0);
	}
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	ASSERT_EQ(pw__trace_get_tpoint(TP_A0)->related_objects[15].object_type, 9);
	spdk_trace_tpoint_register_relation(TP_A0, 9, 0);
	ASSERT_TRUE(log_capture_contains("has 16 relations already"));
	spdk_trace_tpoint_register_relation(TP_A0, OBJECT_NONE, 0);
	spdk_trace_tpoint_register_relation(SPDK_TRACE_MAX_TPOINT_ID, 9, 0);
	spdk_trace_tpoint_register_relation(TP_A0, 9, SPDK_TRACE_MAX_ARGS_COUNT);
	ASSERT_EQ(log_capture_count_matching("relation refused"), 4);
	log_capture_stop();
	spdk_trace_cleanup();
}

TEST(relation_before_description_is_kept)
{
	init_ok();
	spdk_trace_tpoint_register_relation(SPDK_TPOINT_ID(GROUP_B, 20), 9, 1);
	spdk_trace_register_description("LATER", SPDK_TPOINT_ID(GROUP_B, 20), 0, 0, 0,
					SPDK_TRACE_ARG_TYPE_INT, "v");
	ASSERT_EQ(pw__trace_get_tpoint(SPDK_TPOINT_ID(GROUP_B, 20))->related_objects[0].object_type, 9);
	ASSERT_EQ(pw__trace_get_tpoint(SPDK_TPOINT_ID(GROUP_B, 20))->related_objects[0].arg_index, 1);
	spdk_trace_cleanup();
}

TEST(init_rules)
{
	log_capture_start();
	/* 0 entries: no trace, as SPDK. */
	ASSERT_EQ(spdk_trace_init("x", 0, 0), 0);
	ASSERT_FALSE(pw_trace_is_initialized());
	ASSERT_EQ(spdk_trace_init("x", 1000, 0), -EINVAL);
	ASSERT_TRUE(log_capture_contains("must be a power of 2"));
	ASSERT_EQ(spdk_trace_init("x", 64, SPDK_TRACE_MAX_LCORE), -EINVAL);
	ASSERT_FALSE(pw_trace_is_initialized());
	ASSERT_EQ(spdk_trace_init(NULL, 64, 4), 0);
	ASSERT_STR_EQ(pw_trace_get_name(), "");
	ASSERT_EQ(g_order_n, 2);
	/* Init twice: refused, the first stays. */
	ASSERT_EQ(spdk_trace_init("y", 64, 0), -EBUSY);
	ASSERT_TRUE(log_capture_contains("initialized already"));
	ASSERT_EQ(g_order_n, 2);
	ASSERT_STR_EQ(pw_trace_get_name(), "");
	log_capture_stop();
	spdk_trace_cleanup();
	spdk_trace_cleanup();	/* twice: nothing */
	ASSERT_FALSE(pw_trace_is_initialized());
}

TEST(owners)
{
	uint16_t a, b, c;
	uint8_t type = 0;
	char buf[200];

	/* Before init: "no owner", as SPDK. */
	ASSERT_EQ(spdk_trace_register_owner(7, "early"), OWNER_ID_NONE);
	spdk_trace_unregister_owner(300);
	init_ok();
	a = spdk_trace_register_owner(7, "thread app");
	b = spdk_trace_register_owner(7, NULL);
	ASSERT_EQ(a, PW_TRACE_OWNER_ID_FIRST);
	ASSERT_EQ(b, PW_TRACE_OWNER_ID_FIRST + 1);
	ASSERT_EQ(pw_trace_owner_get(a, &type, buf, sizeof(buf)), 0);
	ASSERT_EQ(type, 7);
	ASSERT_STR_EQ(buf, "thread app");
	ASSERT_EQ(pw_trace_owner_get(b, NULL, buf, sizeof(buf)), 0);
	ASSERT_STR_EQ(buf, "");
	spdk_trace_owner_append_description(a, "core 1");
	ASSERT_EQ(pw_trace_owner_get(a, NULL, buf, sizeof(buf)), 0);
	ASSERT_STR_EQ(buf, "thread app core 1");
	spdk_trace_owner_set_description(a, "renamed");
	ASSERT_EQ(pw_trace_owner_get(a, NULL, buf, 4), 0);
	ASSERT_STR_EQ(buf, "ren");
	/* Appending past the field cuts, never overflows. */
	memset(buf, 'z', 150);
	buf[150] = '\0';
	spdk_trace_owner_append_description(a, buf);
	ASSERT_EQ(pw_trace_owner_get(a, NULL, buf, sizeof(buf)), 0);
	ASSERT_EQ(strlen(buf), PW_TRACE_OWNER_DESC_SIZE - 1);
	ASSERT_EQ(strncmp(buf, "renamed z", 9), 0);
	spdk_trace_owner_append_description(a, "more");
	ASSERT_EQ(pw_trace_owner_get(a, NULL, buf, sizeof(buf)), 0);
	ASSERT_EQ(strlen(buf), PW_TRACE_OWNER_DESC_SIZE - 1);

	/* An id given back is reused last (FIFO). */
	spdk_trace_unregister_owner(a);
	ASSERT_EQ(pw_trace_owner_get(a, NULL, buf, sizeof(buf)), -ENOENT);
	c = spdk_trace_register_owner(7, "c");
	ASSERT_EQ(c, PW_TRACE_OWNER_ID_FIRST + 2);

	log_capture_start();
	spdk_trace_unregister_owner(OWNER_ID_NONE);
	spdk_trace_owner_append_description(OWNER_ID_NONE, "x");
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	spdk_trace_unregister_owner(a);			/* twice */
	spdk_trace_unregister_owner(5);			/* never handed out */
	spdk_trace_owner_set_description(a, "x");
	ASSERT_EQ(log_capture_count_matching("is not registered"), 3);
	ASSERT_EQ(pw_trace_owner_get(b, NULL, NULL, 1), -EINVAL);
	ASSERT_EQ(pw_trace_owner_get(b, NULL, buf, 0), -EINVAL);
	log_capture_stop();
	spdk_trace_cleanup();
	ASSERT_EQ(pw_trace_owner_get(b, NULL, buf, sizeof(buf)), -ENOENT);
}

TEST(every_owner_id)
{
	uint16_t id, last = 0;
	int n = 0;

	init_ok();
	while ((id = spdk_trace_register_owner(1, "o")) != OWNER_ID_NONE) {
		ASSERT_GE(id, PW_TRACE_OWNER_ID_FIRST);
		ASSERT_GT(id, last);
		last = id;
		n++;
	}
	ASSERT_EQ(n, PW_TRACE_NUM_OWNERS - PW_TRACE_OWNER_ID_FIRST);
	spdk_trace_unregister_owner(1000);
	ASSERT_EQ(spdk_trace_register_owner(1, "again"), 1000);
	spdk_trace_cleanup();
}

TEST(names)
{
	pw_trace_name(1, 5, "before init");
	ASSERT_NULL(pw_trace_name_lookup(1, 5));
	init_ok();
	pw_trace_name(1, 5, "app_thread");
	pw_trace_name(2, 5, "a poller");
	pw_trace_name(1, 6, NULL);
	ASSERT_STR_EQ(pw_trace_name_lookup(1, 5), "app_thread");
	ASSERT_STR_EQ(pw_trace_name_lookup(2, 5), "a poller");
	ASSERT_NULL(pw_trace_name_lookup(1, 6));
	const char *old = pw_trace_name_lookup(1, 5);
	pw_trace_name(1, 5, "renamed");
	ASSERT_STR_EQ(pw_trace_name_lookup(1, 5), "renamed");
	ASSERT_STR_EQ(old, "app_thread");	/* still valid until the cleanup */
	for (uint64_t i = 0; i < 5000; i++) {
		char n[32];

		snprintf(n, sizeof(n), "t%" PRIu64, i);
		pw_trace_name(3, i, n);
	}
	ASSERT_STR_EQ(pw_trace_name_lookup(3, 4321), "t4321");
	spdk_trace_cleanup();
	ASSERT_NULL(pw_trace_name_lookup(1, 5));
}
