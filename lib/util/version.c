/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

#include "pinwheel/version.h"
#include "common/pw_common.h"

#define PW_STR2(x) #x
#define PW_STR(x) PW_STR2(x)

PW_EXPORT const char *
pw_version_string(void)
{
	return "Pinwheel v" PW_STR(PW_VERSION_MAJOR) "." PW_STR(PW_VERSION_MINOR) "."
	       PW_STR(PW_VERSION_PATCH);
}
