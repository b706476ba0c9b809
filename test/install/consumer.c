/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/* Built by .ci/run against the installed library through pkg-config: proves
 * that the headers land where `#include "spdk/..."` finds them and that the
 * exported symbols link. */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "pinwheel/version.h"

int
main(void)
{
	struct spdk_env_opts opts;

	spdk_env_opts_init(&opts);
	opts.name = "consumer";
	if (spdk_env_init(&opts) != 0) {
		fprintf(stderr, "spdk_env_init failed\n");
		return 1;
	}
	printf("%s: %u core(s), ticks at %" PRIu64 " Hz\n", pw_version_string(),
	       spdk_env_get_core_count(), spdk_get_ticks_hz());
	spdk_env_fini();
	return 0;
}
