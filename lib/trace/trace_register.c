/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * What the trace knows about: the groups' registration functions (added by
 * constructors, kept for the life of the process, sorted by group id), and
 * what they register while the trace is initialised: tracepoint
 * descriptions, owner types, object types and relations.
 *
 * Registration happens inside spdk_trace_init() (one pthread), or later from
 * one pthread at a time while nothing records the tracepoint being described;
 * the record path reads a description only after its tracepoint is enabled.
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"
#include "spdk/trace.h"
#include "spdk/util.h"

#include "common/pw_common.h"
#include "trace_internal.h"

struct pw__trace_desc g_pw__trace_descs[SPDK_TRACE_MAX_TPOINT_ID];

static struct spdk_trace_register_fn *g_reg_fn_head;
static struct spdk_trace_owner_type g_owner_types[SPDK_TRACE_MAX_OWNER_TYPE];
static struct spdk_trace_object g_objects[SPDK_TRACE_MAX_OBJECT];

void
pw__trace_register_reset(void)
{
	memset(g_pw__trace_descs, 0, sizeof(g_pw__trace_descs));
	memset(g_owner_types, 0, sizeof(g_owner_types));
	memset(g_objects, 0, sizeof(g_objects));
}

void
pw__trace_register_run(void)
{
	struct spdk_trace_register_fn *r;

	for (r = g_reg_fn_head; r != NULL; r = r->next) {
		r->reg_fn();
	}
}

const struct spdk_trace_tpoint *
pw__trace_get_tpoint(uint16_t tpoint_id)
{
	if (tpoint_id >= SPDK_TRACE_MAX_TPOINT_ID || !g_pw__trace_descs[tpoint_id].registered) {
		return NULL;
	}
	return &g_pw__trace_descs[tpoint_id].tp;
}

PW_EXPORT void
spdk_trace_add_register_fn(struct spdk_trace_register_fn *reg_fn)
{
	struct spdk_trace_register_fn *r, **link;

	if (reg_fn == NULL || reg_fn->name == NULL || reg_fn->reg_fn == NULL) {
		SPDK_ERRLOG("trace group refused: %s\n", reg_fn == NULL ? "NULL registration" :
			    reg_fn->name == NULL ? "no name" : "no registration function");
		return;
	}
	if (strcmp(reg_fn->name, "all") == 0) {
		SPDK_ERRLOG("trace group refused: 'all' is not a group name (it means every group)\n");
		return;
	}
	if (reg_fn->tgroup_id >= SPDK_TRACE_MAX_GROUP_ID) {
		SPDK_ERRLOG("trace group '%s' refused: group id %u is not below %d\n",
			    reg_fn->name, reg_fn->tgroup_id, SPDK_TRACE_MAX_GROUP_ID);
		return;
	}
	for (r = g_reg_fn_head; r != NULL; r = r->next) {
		if (r == reg_fn) {
			SPDK_ERRLOG("trace group '%s' refused: added twice\n", reg_fn->name);
			return;
		}
		if (r->tgroup_id == reg_fn->tgroup_id) {
			SPDK_ERRLOG("trace group '%s' refused: group id %u is taken by '%s'\n",
				    reg_fn->name, reg_fn->tgroup_id, r->name);
			return;
		}
		if (strcmp(r->name, reg_fn->name) == 0) {
			SPDK_ERRLOG("trace group '%s' refused: the name is taken by group id %u\n",
				    reg_fn->name, r->tgroup_id);
			return;
		}
	}
	/* Sorted by group id, as SPDK: registration and listings follow it. */
	for (link = &g_reg_fn_head; *link != NULL && (*link)->tgroup_id < reg_fn->tgroup_id;
	     link = &(*link)->next) {
	}
	reg_fn->next = *link;
	*link = reg_fn;
}

PW_EXPORT struct spdk_trace_register_fn *
spdk_trace_get_first_register_fn(void)
{
	return g_reg_fn_head;
}

PW_EXPORT struct spdk_trace_register_fn *
spdk_trace_get_next_register_fn(struct spdk_trace_register_fn *register_fn)
{
	return register_fn == NULL ? NULL : register_fn->next;
}

static void
register_type(uint8_t type, char id_prefix, uint8_t none, const char *what,
	      uint8_t *slot_type, char *slot_prefix)
{
	if (!pw__trace_on()) {
		SPDK_ERRLOG("%s %u not registered: trace is not initialized\n", what, type);
		return;
	}
	if (type == none) {
		SPDK_ERRLOG("%s 0 refused: 0 means none\n", what);
		return;
	}
	if (*slot_type != 0) {
		SPDK_ERRLOG("%s %u refused: registered already\n", what, type);
		return;
	}
	*slot_type = type;
	*slot_prefix = id_prefix;
}

PW_EXPORT void
spdk_trace_register_owner_type(uint8_t type, char id_prefix)
{
	register_type(type, id_prefix, OWNER_TYPE_NONE, "owner type",
		      &g_owner_types[type].type, &g_owner_types[type].id_prefix);
}

PW_EXPORT void
spdk_trace_register_object(uint8_t type, char id_prefix)
{
	register_type(type, id_prefix, OBJECT_NONE, "object type",
		      &g_objects[type].type, &g_objects[type].id_prefix);
}

/* Entries a record of \p tp takes, as the record path lays it out. */
static uint8_t
record_entries(const struct spdk_trace_tpoint *tp)
{
	uint32_t off = PW_TRACE_HEAD_ARGS_OFF, entries = 1, i, left;

	for (i = 0; i < tp->num_args; i++) {
		left = tp->args[i].size;
		while (left > 0) {
			if (off == PW_TRACE_ENTRY_SIZE) {
				entries++;
				off = PW_TRACE_CONT_DATA_OFF;
			}
			uint32_t chunk = spdk_min(PW_TRACE_ENTRY_SIZE - off, left);
			off += chunk;
			left -= chunk;
		}
	}
	return (uint8_t)entries;
}

static int
check_arg(const struct spdk_trace_tpoint_opts *o, size_t i)
{
	switch (o->args[i].type) {
	case SPDK_TRACE_ARG_TYPE_INT:
	case SPDK_TRACE_ARG_TYPE_PTR:
		if (o->args[i].size != 4 && o->args[i].size != 8) {
			SPDK_ERRLOG("tracepoint '%s' refused: argument '%s' is %u bytes, "
				    "an integer or pointer takes 4 or 8\n",
				    o->name, o->args[i].name, o->args[i].size);
			return -EINVAL;
		}
		return 0;
	case SPDK_TRACE_ARG_TYPE_STR:
		if (o->args[i].size == 0) {
			SPDK_ERRLOG("tracepoint '%s' refused: string argument '%s' has size 0\n",
				    o->name, o->args[i].name);
			return -EINVAL;
		}
		return 0;
	default:
		SPDK_ERRLOG("tracepoint '%s' refused: argument '%s' has the unknown type %u\n",
			    o->name, o->args[i].name, o->args[i].type);
		return -EINVAL;
	}
}

static void
register_one(const struct spdk_trace_tpoint_opts *o)
{
	struct pw__trace_desc *d;
	struct spdk_trace_tpoint tp;
	size_t i;

	if (o->name == NULL || o->name[0] == '\0') {
		SPDK_ERRLOG("tracepoint %u refused: no name\n", o->tpoint_id);
		return;
	}
	if (o->tpoint_id >= SPDK_TRACE_MAX_TPOINT_ID) {
		SPDK_ERRLOG("tracepoint '%s' refused: id %u is not below %d\n", o->name,
			    o->tpoint_id, SPDK_TRACE_MAX_TPOINT_ID);
		return;
	}
	d = &g_pw__trace_descs[o->tpoint_id];
	if (d->registered) {
		SPDK_ERRLOG("tracepoint '%s' refused: id %u (group %u, tracepoint %u) is '%s' already\n",
			    o->name, o->tpoint_id, o->tpoint_id / 64, o->tpoint_id % 64, d->tp.name);
		return;
	}
	if (strlen(o->name) >= sizeof(tp.name)) {
		SPDK_ERRLOG("tracepoint name '%s' is too long: cut to %zu characters\n", o->name,
			    sizeof(tp.name) - 1);
	}
	/* Relations may have been registered before the description. */
	memcpy(&tp, &d->tp, sizeof(tp));
	memset(&tp, 0, offsetof(struct spdk_trace_tpoint, related_objects));
	snprintf(tp.name, sizeof(tp.name), "%s", o->name);
	tp.tpoint_id = o->tpoint_id;
	tp.owner_type = o->owner_type;
	tp.object_type = o->object_type;
	tp.new_object = o->new_object;
	for (i = 0; i < SPDK_TRACE_MAX_ARGS_COUNT; i++) {
		if (o->args[i].name == NULL || o->args[i].name[0] == '\0') {
			break;
		}
		if (check_arg(o, i) != 0) {
			return;
		}
		if (strlen(o->args[i].name) >= sizeof(tp.args[i].name)) {
			SPDK_ERRLOG("tracepoint '%s': argument name '%s' is too long: cut to %zu "
				    "characters\n", o->name, o->args[i].name, sizeof(tp.args[i].name) - 1);
		}
		snprintf(tp.args[i].name, sizeof(tp.args[i].name), "%s", o->args[i].name);
		tp.args[i].type = o->args[i].type;
		tp.args[i].size = o->args[i].size;
	}
	tp.num_args = (uint8_t)i;
	d->tp = tp;
	d->entries = record_entries(&tp);
	d->warned = false;
	d->registered = true;
}

PW_EXPORT void
spdk_trace_register_description_ext(const struct spdk_trace_tpoint_opts *opts, size_t num_opts)
{
	size_t i;

	if (!pw__trace_on()) {
		SPDK_ERRLOG("tracepoints not registered: trace is not initialized\n");
		return;
	}
	if (opts == NULL && num_opts > 0) {
		SPDK_ERRLOG("tracepoints not registered: NULL descriptions\n");
		return;
	}
	for (i = 0; i < num_opts; i++) {
		register_one(&opts[i]);
	}
}

PW_EXPORT void
spdk_trace_register_description(const char *name, uint16_t tpoint_id, uint8_t owner_type,
				uint8_t object_type, uint8_t new_object,
				uint8_t arg1_type, const char *arg1_name)
{
	struct spdk_trace_tpoint_opts opts = {
		.name = name,
		.tpoint_id = tpoint_id,
		.owner_type = owner_type,
		.object_type = object_type,
		.new_object = new_object,
	};

	opts.args[0].name = arg1_name;
	opts.args[0].type = arg1_type;
	opts.args[0].size = sizeof(uint64_t);
	spdk_trace_register_description_ext(&opts, 1);
}

PW_EXPORT void
spdk_trace_tpoint_register_relation(uint16_t tpoint_id, uint8_t object_type, uint8_t arg_index)
{
	struct spdk_trace_tpoint *tp;
	size_t i;

	if (!pw__trace_on()) {
		SPDK_ERRLOG("relation not registered: trace is not initialized\n");
		return;
	}
	if (tpoint_id >= SPDK_TRACE_MAX_TPOINT_ID || object_type == OBJECT_NONE ||
	    arg_index >= SPDK_TRACE_MAX_ARGS_COUNT) {
		SPDK_ERRLOG("relation refused: tracepoint %u, object type %u, argument %u "
			    "(ids below %d, a type other than 0, arguments below %d)\n",
			    tpoint_id, object_type, arg_index, SPDK_TRACE_MAX_TPOINT_ID,
			    SPDK_TRACE_MAX_ARGS_COUNT);
		return;
	}
	tp = &g_pw__trace_descs[tpoint_id].tp;
	for (i = 0; i < SPDK_COUNTOF(tp->related_objects); i++) {
		if (tp->related_objects[i].object_type == OBJECT_NONE) {
			tp->related_objects[i].object_type = object_type;
			tp->related_objects[i].arg_index = arg_index;
			return;
		}
	}
	SPDK_ERRLOG("relation refused: tracepoint %u has %d relations already\n", tpoint_id,
		    SPDK_TRACE_MAX_RELATIONS);
}
