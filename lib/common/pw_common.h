/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private definitions shared by every layer of the library (never installed).
 */

#ifndef PW_COMMON_H
#define PW_COMMON_H

/* The library is built with -fvisibility=hidden: a function leaves the
 * shared object only when its definition carries PW_EXPORT (and the linker
 * version script agrees). Internal cross-file functions are named pw__*. */
#define PW_EXPORT __attribute__((visibility("default")))

/* Keep a hot field alone on its cache line. */
#define PW_CACHE_ALIGNED __attribute__((aligned(64)))

/* Fault injection builds only (-DPW_FAULT_INJECTION=ON): allocation and
 * system calls of the library go through counting wrappers. */
#include "common/pw_fault.h"

#endif /* PW_COMMON_H */
