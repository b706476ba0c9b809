/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * When reactors sleep (Pinwheel's addition to the event framework).
 *
 * A reactor whose threads have nothing to do spins for a short window after
 * its last work, then sleeps in epoll until a message, an event, an interrupt
 * source or its next timed poller is due. An untimed poller keeps its reactor
 * polling, as in SPDK, unless it can work from interrupts (interrupt mode) or
 * the bounded sleep below is chosen. Options are process-wide; set them before
 * spdk_app_start() (or spdk_reactors_start()), or on the command line:
 * --pw-no-sleep, --pw-spin-us N, --pw-idle-poller-sleep-us N.
 */

#ifndef PINWHEEL_EVENT_H
#define PINWHEEL_EVENT_H

#include "spdk/stdinc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Reactor sleeping options. */
struct pw_reactor_opts {
	/** sizeof(struct pw_reactor_opts) as the caller knows it (pw_reactor_opts_init sets it). */
	size_t		opts_size;
	/** Reactors may sleep when idle (default true; false: always poll, as SPDK). */
	bool		sleep;
	/** Keep polling this long after the last work before sleeping (default 100 us). */
	uint32_t	spin_us;
	/**
	 * Bounded sleep with untimed pollers: when every poller of a reactor has
	 * reported idle for spin_us, sleep at most this long, then poll again
	 * (0, the default: never — such a reactor keeps polling). Each poller
	 * may then see new work this much later.
	 */
	uint32_t	idle_poller_sleep_us;
};

/** Fill \p opts with the defaults. */
void pw_reactor_opts_init(struct pw_reactor_opts *opts, size_t opts_size);

/**
 * Set the options (copied). Call from any pthread before the reactors start;
 * reactors already running pick them up within one iteration.
 *
 * \return 0; -EINVAL (logged) for NULL or opts_size 0.
 */
int pw_reactor_set_opts(const struct pw_reactor_opts *opts);

/** Copy the current options into \p opts (as far as \p opts_size goes). */
void pw_reactor_get_opts(struct pw_reactor_opts *opts, size_t opts_size);

#ifdef __cplusplus
}
#endif

#endif /* PINWHEEL_EVENT_H */
