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
 *
 * Also the shape of the framework_get_reactors RPC's answer, for older
 * spdk_top releases (--pw-rpc-compat).
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

/**
 * Which spdk_top release the reactor objects of the framework_get_reactors RPC
 * are shaped for. spdk_top decodes them strictly: a key it does not know, or
 * one it wants and does not find, makes it exit at start. Every other method
 * answers the same whatever the setting.
 */
enum pw_rpc_compat {
	/** The newest shape (the default): lcore, busy, idle, irq, sys, usr,
	 *  in_interrupt, lw_threads, tid, numa_id. */
	PW_RPC_COMPAT_LATEST = 0,
	/** spdk_top v24.01 and older: lcore, busy, idle, in_interrupt, lw_threads. */
	PW_RPC_COMPAT_V24_01,
	/** spdk_top v24.05: v24.01's keys + irq, sys, usr. */
	PW_RPC_COMPAT_V24_05,
	/** spdk_top v24.09 to v26.01: v24.05's keys + tid. */
	PW_RPC_COMPAT_V24_09,
};

/**
 * Choose the shape of framework_get_reactors' reactor objects (process-wide;
 * takes effect at the next request). Any pthread, any time. The command line
 * option --pw-rpc-compat <version> sets it too (spdk_app_parse_args()).
 *
 * \return 0; -EINVAL (logged) for a value that is not an enum pw_rpc_compat.
 */
int pw_app_set_rpc_compat(enum pw_rpc_compat compat);

/** The current setting (PW_RPC_COMPAT_LATEST unless changed). Any pthread. */
enum pw_rpc_compat pw_app_get_rpc_compat(void);

/**
 * Parse the text of --pw-rpc-compat: "latest", or the spdk_top release to
 * serve as [v]YY.MM ("v24.01", "24.05", "v25.09"...): releases up to v24.01
 * get PW_RPC_COMPAT_V24_01, v24.05 PW_RPC_COMPAT_V24_05, v24.09 to v26.01
 * PW_RPC_COMPAT_V24_09, later ones PW_RPC_COMPAT_LATEST. Any pthread.
 *
 * \param text The text (borrowed).
 * \param compat Where to put the setting (untouched on error).
 * \return 0; -EINVAL for NULL arguments or a text that is neither (logged,
 * with the accepted forms).
 */
int pw_app_parse_rpc_compat(const char *text, enum pw_rpc_compat *compat);

#ifdef __cplusplus
}
#endif

#endif /* PINWHEEL_EVENT_H */
