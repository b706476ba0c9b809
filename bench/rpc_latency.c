/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * What the RPC server costs an idle app, and how fast it answers one that sleeps.
 *
 *   rpc_latency [--smoke] [--samples N] [--idle-seconds S]
 *
 * One app (spdk_app_start() on cores 0 and 1, -m 0x3) with its RPC server on a
 * private socket; nothing else runs in it. A client pthread (not a reactor,
 * pinned to cpu 1) then:
 *   idle           sleeps S seconds; the process's cpu time over that window
 *                  (CLOCK_PROCESS_CPUTIME_ID: both reactors, the server, the
 *                  sleeping client) as a share of one core.
 *   rpc_sleeping   N times: waits until the app thread's reactor is asleep
 *                  (its waker's sleeping flag is up), sends
 *                  {"jsonrpc":"2.0","method":"spdk_get_version","id":i} on
 *                  one connection and reads the response up to its "\n";
 *                  the sample is send-to-newline, in ns.
 *   floor_unix_echo  sample for sample in turns with rpc_sleeping: the same
 *                  request bytes over a Unix stream socketpair to a pthread
 *                  pinned to cpu 0 (where the app thread runs) blocked in
 *                  read(); it writes back a reply of the response's size.
 *                  The kernel's cost of waking a sleeping pthread and a round
 *                  trip on a Unix socket: what no server can beat.
 * Lines are "name value unit"; percentiles over all samples.
 *
 * Exit 77 when cpus 0 and 1 are not both usable; 1 on any failure.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"

#include "thread/thread_internal.h"	/* struct pw_waker: sleeping */

#include <sys/socket.h>
#include <sys/un.h>

#define GAP_US		2000	/* between samples: far longer than the reactors' spin window */
#define REPLY_MAX	4096

static uint32_t g_samples = 1000;
static double g_idle_s = 3.0;

static uint64_t *g_rpc_ns;
static uint64_t *g_floor_ns;
static uint32_t g_n;
static double g_idle_cpu = -1;
static uint32_t g_not_asleep;	/* samples sent to a reactor that did not fall asleep in time */
static bool g_failed;

static char g_dir[64];
static char g_sock[96];	/* fits sun_path */
static pthread_t g_client;

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
sleep_us(uint64_t us)
{
	struct timespec ts = { .tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static int
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static bool
app_thread_asleep(void)
{
	struct pw_waker *w = pw_thread_get_waker(spdk_thread_get_app_thread());

	return w != NULL && atomic_load_explicit(&w->sleeping, memory_order_relaxed) != 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads up to and including the first '\n' (the server ends each response so). */
static ssize_t
read_line(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap - 1) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		len += (size_t)n;
		if (memchr(buf, '\n', len) != NULL) {
			buf[len] = '\0';
			return (ssize_t)len;
		}
	}
	return -1;
}

/* ---- the floor: an echo pthread on cpu 0 -------------------------------- */

struct echo {
	int	fd;
	size_t	reply_len;
};

static void *
echo_main(void *arg)
{
	struct echo *e = arg;
	char buf[REPLY_MAX], reply[REPLY_MAX];

	pin(0);
	memset(reply, 'x', sizeof(reply));
	for (;;) {
		ssize_t n = read(e->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		reply[e->reply_len - 1] = '\n';
		if (write_all(e->fd, reply, e->reply_len) != 0) {
			break;
		}
	}
	return NULL;
}

/* ---- the client --------------------------------------------------------- */

static int
connect_server(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, i;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", g_sock);
	for (i = 0; i < 5000; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			return fd;
		}
		close(fd);
		sleep_us(1000);
	}
	return -1;
}

static void
stop_app(void *ctx)
{
	spdk_app_stop(g_failed ? 1 : 0);
}

static void
fail(const char *what)
{
	fprintf(stderr, "rpc_latency: %s\n", what);
	g_failed = true;
}

static void *
client_main(void *arg)
{
	char req[128], reply[REPLY_MAX];
	struct echo echo = { .fd = -1 };
	pthread_t echo_thread;
	int fd, sv[2] = { -1, -1 };
	bool echo_started = false;
	uint64_t t0, c0;
	uint32_t i;

	pin(1);
	fd = connect_server();
	if (fd < 0) {
		fail("cannot connect to the app's RPC socket");
		goto out;
	}

	/* Idle: nothing asks the server anything. */
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_ns(CLOCK_MONOTONIC);
	sleep_us((uint64_t)(g_idle_s * 1e6));
	g_idle_cpu = 100.0 * (double)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) /
		     (double)(now_ns(CLOCK_MONOTONIC) - t0);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		fail("socketpair failed");
		goto out;
	}
	for (i = 0; i < g_samples && !g_failed; i++) {
		int len = snprintf(req, sizeof(req),
				   "{\"jsonrpc\":\"2.0\",\"method\":\"spdk_get_version\",\"id\":%u}", i);
		ssize_t got;
		uint32_t waited = 0;

		sleep_us(GAP_US);
		while (!app_thread_asleep() && waited < 100) {
			sleep_us(100);
			waited++;
		}
		if (!app_thread_asleep()) {
			g_not_asleep++;
		}
		t0 = now_ns(CLOCK_MONOTONIC);
		if (write_all(fd, req, (size_t)len) != 0 ||
		    (got = read_line(fd, reply, sizeof(reply))) < 0) {
			fail("the server did not answer");
			break;
		}
		g_rpc_ns[g_n] = now_ns(CLOCK_MONOTONIC) - t0;
		if (strstr(reply, "\"result\"") == NULL || strstr(reply, "\"version\"") == NULL) {
			fprintf(stderr, "rpc_latency: unexpected response %s", reply);
			fail("bad response");
			break;
		}

		if (!echo_started) {
			echo.fd = sv[1];
			echo.reply_len = (size_t)got;
			if (pthread_create(&echo_thread, NULL, echo_main, &echo) != 0) {
				fail("cannot start the echo pthread");
				break;
			}
			echo_started = true;
		}
		sleep_us(GAP_US);
		t0 = now_ns(CLOCK_MONOTONIC);
		if (write_all(sv[0], req, (size_t)len) != 0 ||
		    read_line(sv[0], reply, sizeof(reply)) < 0) {
			fail("the echo pthread did not answer");
			break;
		}
		g_floor_ns[g_n] = now_ns(CLOCK_MONOTONIC) - t0;
		g_n++;
	}
out:
	if (sv[0] >= 0) {
		close(sv[0]);	/* the echo pthread reads EOF and ends */
	}
	if (echo_started) {
		pthread_join(echo_thread, NULL);
	}
	if (sv[1] >= 0) {
		close(sv[1]);
	}
	if (fd >= 0) {
		close(fd);
	}
	if (spdk_thread_send_msg(spdk_thread_get_app_thread(), stop_app, NULL) != 0) {
		fprintf(stderr, "rpc_latency: cannot ask the app thread to stop\n");
		abort();
	}
	return NULL;
}

static void
start(void *ctx)
{
	if (pthread_create(&g_client, NULL, client_main, NULL) != 0) {
		fail("cannot start the client pthread");
		spdk_app_stop(1);
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_us(uint64_t *v, uint32_t n, double p)
{
	uint32_t i = (uint32_t)(p / 100.0 * (n - 1) + 0.5);

	return (double)v[i] / 1e3;
}

static void
report(const char *name, uint64_t *v, uint32_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("%s_p50 %.1f us\n", name, pct_us(v, n, 50));
	printf("%s_p90 %.1f us\n", name, pct_us(v, n, 90));
	printf("%s_p99 %.1f us\n", name, pct_us(v, n, 99));
	printf("%s_max %.1f us\n", name, (double)v[n - 1] / 1e3);
}

static bool
cpus_usable(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_ISSET(0, &set) &&
	       CPU_ISSET(1, &set);
}

static int
parse(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			g_samples = 20;
			g_idle_s = 0.3;
		} else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
			g_samples = (uint32_t)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--idle-seconds") == 0 && i + 1 < argc) {
			g_idle_s = strtod(argv[++i], NULL);
		} else {
			fprintf(stderr, "usage: rpc_latency [--smoke] [--samples N] [--idle-seconds S]\n");
			return -1;
		}
	}
	if (g_samples < 1 || g_samples > 1000000 || !(g_idle_s >= 0 && g_idle_s <= 600)) {
		fprintf(stderr, "rpc_latency: --samples 1..1000000, --idle-seconds 0..600\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct spdk_app_opts opts;
	int rc;

	if (parse(argc, argv) != 0) {
		return 1;
	}
	if (!cpus_usable()) {
		printf("# cpus 0 and 1 are not both usable: skipped\n");
		return 77;
	}
	g_rpc_ns = calloc(g_samples, sizeof(uint64_t));
	g_floor_ns = calloc(g_samples, sizeof(uint64_t));
	snprintf(g_dir, sizeof(g_dir), "/tmp/pw-rpc-latency.XXXXXX");
	if (g_rpc_ns == NULL || g_floor_ns == NULL || mkdtemp(g_dir) == NULL) {
		fprintf(stderr, "rpc_latency: out of memory or no temporary directory\n");
		return 1;
	}
	snprintf(g_sock, sizeof(g_sock), "%s/rpc.sock", g_dir);

	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "rpc_latency";
	opts.reactor_mask = "0x3";
	opts.rpc_addr = g_sock;
	opts.print_level = SPDK_LOG_WARN;
	rc = spdk_app_start(&opts, start, NULL);
	if (g_client) {
		pthread_join(g_client, NULL);
	}
	spdk_app_fini();
	rmdir(g_dir);
	if (rc != 0 || g_failed || g_n == 0) {
		fprintf(stderr, "rpc_latency: failed (app rc %d, %u samples)\n", rc, g_n);
		return 1;
	}
	printf("# %u samples, %u us apart; %u sent to an app thread that was not asleep\n", g_n,
	       GAP_US, g_not_asleep);
	printf("idle_cpu %.3f %%\n", g_idle_cpu);
	report("rpc_sleeping", g_rpc_ns, g_n);
	report("floor_unix_echo", g_floor_ns, g_n);
	printf("rpc_sleeping_vs_floor_p50 %.2f x\n",
	       pct_us(g_rpc_ns, g_n, 50) / pct_us(g_floor_ns, g_n, 50));
	free(g_rpc_ns);
	free(g_floor_ns);
	return 0;
}
