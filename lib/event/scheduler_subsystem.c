/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The "scheduler" subsystem, as SPDK's: its init selects "static" when no
 * scheduler is set, its fini stops the rounds and unsets the scheduler, and
 * its configuration is the framework_set_scheduler call that selects the
 * current scheduler again (name, period when set, and the scheduler's own
 * options from get_opts()), so that save_config keeps the scheduler.
 */

#include "event/event_internal.h"

#include "spdk/init.h"
#include "spdk/json.h"
#include "spdk/log.h"

void
pw__scheduler_subsystem_link(void)
{
}

static void
scheduler_subsystem_init(void)
{
	int rc = 0;

	if (spdk_scheduler_get() == NULL) {
		rc = spdk_scheduler_set("static");
	}
	spdk_subsystem_init_next(rc);
}

static void
scheduler_subsystem_fini(void)
{
	spdk_scheduler_set_period(0);
	spdk_scheduler_set(NULL);
	spdk_subsystem_fini_next();
}

static void
scheduler_write_config_json(struct spdk_json_write_ctx *w)
{
	struct spdk_scheduler *scheduler = spdk_scheduler_get();
	uint64_t period = spdk_scheduler_get_period();

	spdk_json_write_array_begin(w);
	if (scheduler == NULL) {
		/* Nothing to select again (it was unset). */
		SPDK_WARNLOG("scheduler subsystem: no scheduler is set; none is saved\n");
		spdk_json_write_array_end(w);
		return;
	}
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "method", "framework_set_scheduler");
	spdk_json_write_named_object_begin(w, "params");
	spdk_json_write_named_string(w, "name", scheduler->name);
	if (period != 0) {
		spdk_json_write_named_uint64(w, "period", period);
	}
	if (scheduler->get_opts != NULL) {
		scheduler->get_opts(w);
	}
	spdk_json_write_object_end(w);
	spdk_json_write_object_end(w);
	spdk_json_write_array_end(w);
}

static struct spdk_subsystem g_scheduler_subsystem = {
	.name = "scheduler",
	.init = scheduler_subsystem_init,
	.fini = scheduler_subsystem_fini,
	.write_config_json = scheduler_write_config_json,
};
SPDK_SUBSYSTEM_REGISTER(g_scheduler_subsystem);
