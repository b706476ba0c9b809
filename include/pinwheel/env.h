/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Pinwheel's addition to the environment (spdk/env.h).
 */

#ifndef PINWHEEL_ENV_H
#define PINWHEEL_ENV_H

#include "spdk/stdinc.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Whether the environment is initialised: spdk_env_init() succeeded and
 * spdk_env_fini() has not finished it since.
 *
 * As with DPDK, the core set stays readable after spdk_env_fini() until the
 * next spdk_env_init() (spdk_env_get_core_count() and the core iterators keep
 * answering), so a non-zero core count does not tell whether the environment
 * is up; this does. Any pthread may call it; a call racing with
 * spdk_env_init() or spdk_env_fini() sees the state before or after.
 *
 * \return true between a successful spdk_env_init() and the spdk_env_fini()
 * that finishes it, false otherwise.
 */
bool pw_env_is_initialized(void);

#ifdef __cplusplus
}
#endif

#endif /* PINWHEEL_ENV_H */
