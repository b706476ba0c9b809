/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private interface of the init layer (subsystem.c, subsystem_rpc.c,
 * json_config.c) and the hooks its tests use. What SPDK's lib/init/subsystem.h
 * offers, with Pinwheel's pw__ names.
 *
 * All functions run on the app thread (or, before any spdk_thread exists,
 * on the main pthread, as the test hooks do); none is thread-safe.
 */

#ifndef PW_INIT_INTERNAL_H
#define PW_INIT_INTERNAL_H

#include "spdk/stdinc.h"
#include "spdk/init.h"

struct spdk_json_write_ctx;

/* The registered subsystem named name, or NULL (also for a NULL name). */
struct spdk_subsystem *pw__subsystem_find(const char *name);

/*
 * Iterate over the registered subsystems: first, then next until NULL.
 * Before the first spdk_subsystem_init() the order is that of registration;
 * from the moment spdk_subsystem_init() has checked the dependencies it is the
 * initialisation order (dependencies first), which it keeps afterwards.
 */
struct spdk_subsystem *pw__subsystem_get_first(void);
struct spdk_subsystem *pw__subsystem_get_next(struct spdk_subsystem *cur);

/* Iterate over the registered dependencies, in registration order (an entry
 * may name a subsystem that is not registered: spdk_subsystem_init() refuses
 * that, the iteration does not filter it). */
struct spdk_subsystem_depend *pw__subsystem_get_first_depend(void);
struct spdk_subsystem_depend *pw__subsystem_get_next_depend(struct spdk_subsystem_depend *cur);

/*
 * Write the configuration of subsystem (its write_config_json output: a JSON
 * array) to w, or the JSON value null when subsystem is NULL or has no
 * write_config_json.
 */
void pw__subsystem_config_json(struct spdk_json_write_ctx *w, struct spdk_subsystem *subsystem);

/* Does nothing; calling it keeps subsystem_rpc.c (framework_get_subsystems,
 * framework_get_config, registered from constructors) in a static link.
 * spdk_subsystem_init() calls it. */
void pw__subsystem_rpc_link(void);

/*
 * TEST HOOK, for test/init only. Registration is process-wide constructor
 * state, so a test that wants its own set of subsystems first calls this: it
 * forgets every registered subsystem and dependency (including those of
 * libraries linked into the test and any recorded registration error) and
 * resets the init/fini state to "never initialised"; the test then
 * registers its own with spdk_add_subsystem() / spdk_add_subsystem_depend()
 * (objects it keeps alive until the next reset). Must not be called while an
 * init or fini chain is running. Not for applications: a reset registry
 * cannot be restored.
 */
void pw__subsystem_reset_for_tests(void);

#endif /* PW_INIT_INTERNAL_H */
