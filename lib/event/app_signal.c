/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Shutdown requests: spdk_app_start_shutdown() and SIGINT/SIGTERM, which run
 * the application's shutdown_cb (or spdk_app_stop(0)) on the app thread
 * through its critical message; a second signal during the shutdown exits
 * at once, saying what is still alive. app.c arms and disarms them around a
 * run.
 */

#include "event/event_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"

#include <stdatomic.h>

/* Set by pw__app_signals_arm() before the reactors run, read on the app
 * thread. */
static spdk_app_shutdown_cb g_shutdown_cb;
/* A shutdown request is on its way to the app thread: another one
 * meanwhile is the same request (SPDK: its critical slot refuses it). */
static _Atomic bool g_shutdown_queued;
static _Atomic int g_signals_received;
static _Atomic(struct spdk_thread *) g_signal_target;
static bool g_signals_installed;
static struct sigaction g_old_sigint;
static struct sigaction g_old_sigterm;
static struct sigaction g_old_sigpipe;

static void
shutdown_on_app_thread(void *arg)
{
	spdk_app_shutdown_cb cb = g_shutdown_cb;

	/* Requests from now on are new ones. */
	atomic_store(&g_shutdown_queued, false);
	/* The application's callback runs once; a second request stops. */
	g_shutdown_cb = NULL;
	if (cb != NULL) {
		cb();
	} else {
		spdk_app_stop(0);
	}
}

PW_EXPORT void
spdk_app_start_shutdown(void)
{
	struct spdk_thread *app_thread = spdk_thread_get_app_thread();

	if (app_thread == NULL) {
		SPDK_ERRLOG("spdk_app_start_shutdown: the framework is not running\n");
		return;
	}
	/* As SPDK: through the app thread's critical message, also when called
	 * on the app thread (the callback runs at its next slice, not inside the
	 * caller). When the slot is taken (another critical message is
	 * outstanding), an ordinary message carries the request instead of
	 * losing it; when that fails too, the app thread has exited: the
	 * framework is stopping already. */
	if (atomic_exchange(&g_shutdown_queued, true)) {
		SPDK_INFOLOG(app, "spdk_app_start_shutdown: a shutdown request is already on its "
			     "way\n");
		return;
	}
	if (spdk_thread_send_critical_msg(app_thread, shutdown_on_app_thread) != 0 &&
	    spdk_thread_send_msg(app_thread, shutdown_on_app_thread, NULL) != 0) {
		atomic_store(&g_shutdown_queued, false);
		SPDK_INFOLOG(app, "spdk_app_start_shutdown: the app thread has exited; the "
			     "framework is stopping already\n");
	}
}

/* ---------------------------------------------------------------------------
 * Signals
 * ------------------------------------------------------------------------- */

/* Async-signal-safe string output. */
static void
write_str(const char *s)
{
	ssize_t rc = write(STDERR_FILENO, s, strlen(s));

	(void)rc;
}

static void
shutdown_signal(int signo)
{
	char summary[512];
	struct spdk_thread *target;

	if (atomic_fetch_add(&g_signals_received, 1) == 0) {
		target = atomic_load(&g_signal_target);
		/* Lock-free exchange and compare-and-swap: safe in a signal
		 * handler. A request already on its way is this one. */
		if (target != NULL && !atomic_exchange(&g_shutdown_queued, true) &&
		    spdk_thread_send_critical_msg(target, shutdown_on_app_thread) != 0) {
			atomic_store(&g_shutdown_queued, false);
		}
		return;
	}
	/* A second signal: the shutdown is stuck or too slow for the user
	 * (SPDK ignores it). Say what is still alive and leave. */
	pw__reactors_alive_summary(summary, sizeof(summary));
	write_str("\nsecond signal during shutdown: exiting now; still alive: ");
	write_str(summary);
	write_str("\n");
	_exit(128 + signo);
}

int
pw__app_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = shutdown_signal;
	if (sigaction(SIGINT, &sa, &g_old_sigint) != 0 ||
	    sigaction(SIGTERM, &sa, &g_old_sigterm) != 0) {
		SPDK_ERRLOG("cannot install the SIGINT/SIGTERM handlers: %s\n",
			    spdk_strerror(errno));
		return -errno;
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &g_old_sigpipe);
	g_signals_installed = true;
	return 0;
}

void
pw__app_signals_restore(void)
{
	if (!g_signals_installed) {
		return;
	}
	sigaction(SIGINT, &g_old_sigint, NULL);
	sigaction(SIGTERM, &g_old_sigterm, NULL);
	sigaction(SIGPIPE, &g_old_sigpipe, NULL);
	g_signals_installed = false;
}

void
pw__app_signals_arm(struct spdk_thread *app_thread, spdk_app_shutdown_cb shutdown_cb)
{
	g_shutdown_cb = shutdown_cb;
	atomic_store(&g_shutdown_queued, false);
	atomic_store(&g_signals_received, 0);
	atomic_store(&g_signal_target, app_thread);
}

void
pw__app_signals_disarm(void)
{
	atomic_store(&g_signal_target, NULL);
}
