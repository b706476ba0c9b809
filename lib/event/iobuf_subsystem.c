/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The "iobuf" subsystem, as SPDK's module/event/subsystems/iobuf: its init
 * reserves the pools (spdk_iobuf_initialize(), with the options an
 * iobuf_set_options call set before, e.g. from a JSON configuration during
 * --wait-for-rpc), its fini releases them once every channel is closed
 * (spdk_iobuf_finish()), and its configuration is one iobuf_set_options call
 * with the current options.
 *
 * Every app gets it, as every SPDK app that links a bdev layer does, so the
 * pools are reserved at every start. That is cheap in Pinwheel: the buffers
 * are an mmap'd reservation that costs no resident memory until a buffer is
 * used; only the two rings of free buffers are written (8 bytes a buffer:
 * 72 KiB with SPDK's default counts). bench/iobuf_bench measures both.
 */

#include "event/event_internal.h"

#include "spdk/init.h"
#include "spdk/json.h"
#include "spdk/log.h"
#include "spdk/string.h"
#include "spdk/thread.h"

void
pw__iobuf_subsystem_link(void)
{
}

static void
iobuf_subsystem_init(void)
{
	int rc = spdk_iobuf_initialize();

	if (rc != 0) {
		SPDK_ERRLOG("iobuf subsystem: cannot initialise the buffer pools: %s\n",
			    spdk_strerror(-rc));
	}
	spdk_subsystem_init_next(rc);
}

static void
iobuf_finished(void *arg)
{
	(void)arg;
	spdk_subsystem_fini_next();
}

static void
iobuf_subsystem_fini(void)
{
	spdk_iobuf_finish(iobuf_finished, NULL);
}

static void
iobuf_write_config_json(struct spdk_json_write_ctx *w)
{
	struct spdk_iobuf_opts opts;

	spdk_iobuf_get_opts(&opts, sizeof(opts));
	spdk_json_write_array_begin(w);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "method", "iobuf_set_options");
	spdk_json_write_named_object_begin(w, "params");
	spdk_json_write_named_uint64(w, "small_pool_count", opts.small_pool_count);
	spdk_json_write_named_uint64(w, "large_pool_count", opts.large_pool_count);
	spdk_json_write_named_uint32(w, "small_bufsize", opts.small_bufsize);
	spdk_json_write_named_uint32(w, "large_bufsize", opts.large_bufsize);
	spdk_json_write_named_bool(w, "enable_numa", opts.enable_numa != 0);
	spdk_json_write_object_end(w);
	spdk_json_write_object_end(w);
	spdk_json_write_array_end(w);
}

static struct spdk_subsystem g_iobuf_subsystem = {
	.name = "iobuf",
	.init = iobuf_subsystem_init,
	.fini = iobuf_subsystem_fini,
	.write_config_json = iobuf_write_config_json,
};

SPDK_SUBSYSTEM_REGISTER(g_iobuf_subsystem)
