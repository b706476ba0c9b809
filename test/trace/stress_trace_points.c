/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of Pinwheel's own tracepoints and of the Chrome exporter on real
 * pthreads (run under ThreadSanitizer in CI):
 *
 * - snapshot_*: NPTHREADS pthreads each poll an spdk_thread of their own and
 *   send messages to the next one's, and a foreign pthread (no spdk_thread)
 *   sends too, all recording with the group "pinwheel" on, into small rings
 *   that wrap; meanwhile the main pthread writes the trace again and again
 *   (pw_trace_write_chrome() from a pthread that does not record). Every
 *   snapshot must be a whole file with as many span ends as begins and as
 *   many flow ends as starts (the exporter closes or drops what the rings
 *   cut, even while they move).
 * - exact_*: the same traffic, a bounded number of messages, rings large
 *   enough to keep everything: after the pthreads are joined, the file has
 *   exactly one message span named stress_msg per message sent, and as many
 *   arrows (each send matched to its run, across pthreads).
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/thread.h"
#include "spdk/trace.h"
#include "pinwheel/thread.h"
#include "pinwheel/trace.h"

#include "harness.h"

#include <stdatomic.h>

#define NPTHREADS	3
#define BURST		16
#define EXACT_MSGS	3000	/* per sender, exact_* */
#define IN_FLIGHT	20000	/* messages sent and not yet run, at most (about) */

struct worker {
	pthread_t		pt;
	int			index;
	struct spdk_thread	*thread;
	uint64_t		sent;
	uint64_t		quota;	/* 0: until g_stop */
};

static struct worker g_workers[NPTHREADS];
static struct worker g_foreign;
static _Atomic uint64_t g_received;
static _Atomic uint64_t g_sent;
static _Atomic bool g_stop;
static _Atomic int g_senders_left;
static pthread_barrier_t g_start;

static void
stress_msg(void *ctx)
{
	atomic_fetch_add_explicit(&g_received, 1, memory_order_relaxed);
}

static bool
send_burst(struct worker *w, struct spdk_thread *to)
{
	/* Far ahead of the receivers: let them catch up (the message pool is
	 * bounded, and -ENOMEM is not what this test is about). */
	if ((int64_t)(atomic_load(&g_sent) - atomic_load(&g_received)) > IN_FLIGHT) {
		return w->quota == 0 || w->sent < w->quota;
	}
	for (int i = 0; i < BURST; i++) {
		if (w->quota != 0 && w->sent >= w->quota) {
			return false;
		}
		ASSERT_EQ(spdk_thread_send_msg(to, stress_msg, (void *)(uintptr_t)w->sent), 0);
		w->sent++;
		atomic_fetch_add(&g_sent, 1);
	}
	return w->quota == 0 || w->sent < w->quota;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct spdk_thread *to = g_workers[(w->index + 1) % NPTHREADS].thread;
	bool sending = true;

	spdk_set_thread(w->thread);
	pthread_barrier_wait(&g_start);
	/* Polled only when it has messages (and now and then when idle): the
	 * rings of exact_* must not fill with idle slices. */
	while (sending) {
		sending = !atomic_load(&g_stop) && send_burst(w, to);
		if (w->quota == 0 || pw_thread_has_pending_messages(w->thread)) {
			spdk_thread_poll(w->thread, 0, 0);
		}
	}
	atomic_fetch_sub(&g_senders_left, 1);
	/* Keep polling until every sender is done and this queue is empty. */
	while (atomic_load(&g_senders_left) > 0 || pw_thread_has_pending_messages(w->thread)) {
		if (pw_thread_has_pending_messages(w->thread)) {
			spdk_thread_poll(w->thread, 0, 0);
		} else {
			sched_yield();
		}
	}
	spdk_set_thread(NULL);
	return NULL;
}

static void *
foreign_run(void *arg)
{
	struct worker *w = arg;
	bool sending = true;

	pthread_barrier_wait(&g_start);
	while (sending) {
		sending = !atomic_load(&g_stop) && send_burst(w, g_workers[0].thread);
		sched_yield();
	}
	atomic_fetch_sub(&g_senders_left, 1);
	return NULL;
}

static void
start(uint64_t ring_entries, uint64_t quota)
{
	char name[16];

	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	ASSERT_EQ(spdk_trace_init("stress_trace_points", ring_entries, 0), 0);
	ASSERT_EQ(spdk_trace_enable_tpoint_group("pinwheel"), 0);
	ASSERT_EQ(pthread_barrier_init(&g_start, NULL, NPTHREADS + 2), 0);
	atomic_store(&g_senders_left, NPTHREADS + 1);
	for (int i = 0; i < NPTHREADS; i++) {
		snprintf(name, sizeof(name), "stress_%d", i);
		g_workers[i].index = i;
		g_workers[i].quota = quota;
		g_workers[i].thread = spdk_thread_create(name, NULL);
		ASSERT_NOT_NULL(g_workers[i].thread);
	}
	g_foreign.quota = quota;
	for (int i = 0; i < NPTHREADS; i++) {
		ASSERT_EQ(pthread_create(&g_workers[i].pt, NULL, worker_run, &g_workers[i]), 0);
	}
	ASSERT_EQ(pthread_create(&g_foreign.pt, NULL, foreign_run, &g_foreign), 0);
	pthread_barrier_wait(&g_start);
}

static uint64_t
finish(void)
{
	uint64_t sent = g_foreign.sent;

	atomic_store(&g_stop, true);
	for (int i = 0; i < NPTHREADS; i++) {
		ASSERT_EQ(pthread_join(g_workers[i].pt, NULL), 0);
		sent += g_workers[i].sent;
	}
	ASSERT_EQ(pthread_join(g_foreign.pt, NULL), 0);
	ASSERT_EQ(atomic_load(&g_received), sent);
	return sent;
}

static void
stop_threads(void)
{
	for (int i = 0; i < NPTHREADS; i++) {
		struct spdk_thread *t = g_workers[i].thread;

		spdk_set_thread(t);
		ASSERT_EQ(spdk_thread_exit(t), 0);
		while (!spdk_thread_is_exited(t)) {
			spdk_thread_poll(t, 0, 0);
		}
		spdk_thread_destroy(t);
	}
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
	spdk_trace_cleanup();
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ASSERT_NOT_NULL(f);
	ASSERT_EQ(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ASSERT_GT(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ASSERT_NOT_NULL(buf);
	ASSERT_EQ(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint64_t
count(const char *text, const char *what)
{
	uint64_t n = 0;

	for (const char *p = strstr(text, what); p != NULL; p = strstr(p + 1, what)) {
		n++;
	}
	return n;
}

/* A whole file whose spans and flows are balanced. */
static void
check_file(const char *path, char **text_out)
{
	size_t len;
	char *text = slurp(path, &len);

	ASSERT_EQ(strncmp(text, "{\"traceEvents\":[", 16), 0);
	ASSERT_GE(len, 3);
	ASSERT_STR_EQ(text + len - 3, "}}\n");
	ASSERT_EQ(count(text, "\"ph\":\"B\""), count(text, "\"ph\":\"E\""));
	ASSERT_EQ(count(text, "\"ph\":\"s\""), count(text, "\"ph\":\"f\""));
	if (text_out != NULL) {
		*text_out = text;
	} else {
		free(text);
	}
}

static void
tmp_path(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/pw_stress_trace_%d.json", (int)getpid());
}

TEST_TIMEOUT(snapshot_while_recording, 300)
{
	uint64_t deadline, snapshots = 0;
	char path[64];

	tmp_path(path, sizeof(path));
	/* Small rings: they wrap many times while the exporter reads them. */
	start(512, 0);
	deadline = spdk_get_ticks() + spdk_get_ticks_hz() * 2;
	while (spdk_get_ticks() < deadline || snapshots < 3) {
		ASSERT_EQ(pw_trace_write_chrome(path), 0);
		check_file(path, NULL);
		snapshots++;
	}
	finish();
	ASSERT_EQ(pw_trace_write_chrome(path), 0);
	check_file(path, NULL);
	unlink(path);
	stop_threads();
}

TEST_TIMEOUT(exact_after_join, 300)
{
	char path[64], *text;
	uint64_t sent;

	tmp_path(path, sizeof(path));
	/* Rings that keep everything: a slice, a message and a send are a few
	 * entries each. */
	start(1u << 20, EXACT_MSGS);
	/* The senders stop at their quota; snapshots meanwhile must be whole. */
	while (atomic_load(&g_senders_left) > 0) {
		ASSERT_EQ(pw_trace_write_chrome(path), 0);
		check_file(path, NULL);
	}
	sent = finish();
	ASSERT_EQ(sent, (uint64_t)EXACT_MSGS * (NPTHREADS + 1));
	ASSERT_EQ(pw_trace_write_chrome(path), 0);
	check_file(path, &text);
	ASSERT_EQ(count(text, "\"ph\":\"B\",\"pid\":1,\"tid\""), count(text, "\"ph\":\"E\""));
	ASSERT_EQ(count(text, "\"cat\":\"msg\",\"name\":\"stress_msg\",\"args\""), sent);
	ASSERT_EQ(count(text, "\"ph\":\"f\""), sent);
	ASSERT_EQ(count(text, "\"from\":\"foreign pthread "), (uint64_t)EXACT_MSGS);
	free(text);
	unlink(path);
	stop_threads();
}
