/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Pinwheel's version.
 */

#ifndef PINWHEEL_VERSION_H
#define PINWHEEL_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define PW_VERSION_MAJOR 0	/**< incompatible ABI changes */
#define PW_VERSION_MINOR 1	/**< compatible additions */
#define PW_VERSION_PATCH 0	/**< fixes */

/** "Pinwheel vMAJOR.MINOR.PATCH" for the library actually loaded (any thread). */
const char *pw_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* PINWHEEL_VERSION_H */
