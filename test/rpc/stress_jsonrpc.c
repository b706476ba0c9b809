/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The JSON-RPC server under real pthreads (run under TSan in CI): the
 * server's spdk_thread on its own pthread, driven by fd readiness; two worker
 * spdk_threads on two more pthreads and one plain pthread (no spdk_thread)
 * answering requests the handler hands them; client pthreads hammering the
 * server with pipelined requests and batches, some leaving with requests
 * outstanding. Every answered request of a client that stays is received
 * exactly once; at the end every request was answered and the server shuts
 * down with nothing left (ASan/LSan check the memory).
 */

#include "harness.h"
#include "ut_stress.h"

#include "spdk/stdinc.h"
#include "spdk/jsonrpc.h"
#include "spdk/thread.h"

#include <poll.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/un.h>

/* LeakSanitizer's, present only in sanitizer builds. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

#define N_CLIENTS	4
#define N_WORKERS	2
#define WINDOW		8
#define WAIT_MS		(30000 * (int)pw_test_timeout_scale())

struct driver {
	struct spdk_thread	*thread;
	pthread_t		pthread;
	int			fd;
};

static struct driver g_app, g_workers[N_WORKERS];
static atomic_bool g_stop_app, g_stop_workers, g_stop_foreign, g_listening;
static struct spdk_jsonrpc_server *g_server;
static char g_path[64];
static char g_dir[32];

/* Requests handed to the foreign pthread. */
static pthread_mutex_t g_foreign_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spdk_jsonrpc_request *g_foreign_q[4096];
static size_t g_foreign_len;

/* Requests the handler saw, and those answered (any pthread). */
static atomic_uint_fast64_t g_handled, g_answered;
static atomic_uint g_rr;

static void
answer(struct spdk_jsonrpc_request *request)
{
	struct spdk_json_write_ctx *w = spdk_jsonrpc_begin_result(request);

	spdk_json_write_string(w, "done");
	spdk_jsonrpc_end_result(request, w);
	/* Release: pairs with the acquire load in app_main(): the response's
	 * message is queued before the count says so. */
	atomic_fetch_add_explicit(&g_answered, 1, memory_order_release);
}

static void
answer_msg(void *ctx)
{
	answer(ctx);
}

static void
handle(struct spdk_jsonrpc_request *request, const struct spdk_json_val *method,
       const struct spdk_json_val *params)
{
	unsigned k;

	(void)method;
	(void)params;
	/* Relaxed: counters only. */
	atomic_fetch_add_explicit(&g_handled, 1, memory_order_relaxed);
	k = atomic_fetch_add_explicit(&g_rr, 1, memory_order_relaxed) % 4;
	if (k == 0) {
		answer(request);
	} else if (k == 3) {
		pthread_mutex_lock(&g_foreign_lock);
		ASSERT_LT(g_foreign_len, SPDK_COUNTOF(g_foreign_q));
		g_foreign_q[g_foreign_len++] = request;
		pthread_mutex_unlock(&g_foreign_lock);
	} else {
		ASSERT_EQ(spdk_thread_send_msg(g_workers[k - 1].thread, answer_msg, request), 0);
	}
}

/* Drive an spdk_thread from its interrupt fd until *stop. */
static void
drive(struct driver *d, atomic_bool *stop)
{
	struct pollfd p = { .fd = d->fd, .events = POLLIN };

	/* Acquire: pairs with the release store that asks to stop, after which
	 * the stopping pthread reads nothing of ours but joins us. */
	while (!atomic_load_explicit(stop, memory_order_acquire)) {
		ASSERT_GE(poll(&p, 1, 5), 0);
		spdk_thread_poll(d->thread, 0, 0);
	}
}

static void *
app_main(void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	(void)arg;
	spdk_set_thread(g_app.thread);
	memcpy(sa.sun_path, g_path, strlen(g_path) + 1);
	g_server = spdk_jsonrpc_server_listen(AF_UNIX, 0, (struct sockaddr *)&sa, sizeof(sa), handle);
	ASSERT_NOT_NULL(g_server);
	/* Release: pairs with the acquire load before the clients start. */
	atomic_store_explicit(&g_listening, true, memory_order_release);
	drive(&g_app, &g_stop_app);
	/* Shut down with requests maybe still at workers: they complete into nothing. */
	spdk_jsonrpc_server_shutdown(g_server);
	g_server = NULL;
	/* Until every request is answered, and every response message has run. */
	/* Acquire: pairs with the release increment in answer(). g_handled is
	 * only written on this pthread. */
	while (atomic_load_explicit(&g_answered, memory_order_acquire) !=
	       atomic_load_explicit(&g_handled, memory_order_relaxed) ||
	       spdk_thread_poll(g_app.thread, 0, 0) != 0) {
		struct pollfd p = { .fd = g_app.fd, .events = POLLIN };

		ASSERT_GE(poll(&p, 1, 5), 0);
	}
	spdk_set_thread(NULL);
	return NULL;
}

static void *
worker_main(void *arg)
{
	struct driver *d = arg;

	spdk_set_thread(d->thread);
	drive(d, &g_stop_workers);
	spdk_set_thread(NULL);
	return NULL;
}

static void *
foreign_main(void *arg)
{
	struct spdk_jsonrpc_request *batch[64];
	size_t n, i;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&g_foreign_lock);
		n = g_foreign_len < SPDK_COUNTOF(batch) ? g_foreign_len : SPDK_COUNTOF(batch);
		g_foreign_len -= n;
		memcpy(batch, &g_foreign_q[g_foreign_len], n * sizeof(batch[0]));
		pthread_mutex_unlock(&g_foreign_lock);
		for (i = 0; i < n; i++) {
			/* Not an spdk_thread: the answer goes back by a message. */
			ASSERT_NULL(spdk_get_thread());
			answer(batch[i]);
		}
		/* Acquire: pairs with the release store in the main pthread. */
		if (n == 0) {
			if (atomic_load_explicit(&g_stop_foreign, memory_order_acquire)) {
				pthread_mutex_lock(&g_foreign_lock);
				n = g_foreign_len;
				pthread_mutex_unlock(&g_foreign_lock);
				if (n == 0) {
					return NULL;
				}
			}
			usleep(100);
		}
	}
}

struct client {
	int		id;
	uint64_t	seed;
	uint64_t	received;
	pthread_t	pthread;
};

static int
client_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ASSERT_GE(fd, 0);
	memcpy(sa.sun_path, g_path, strlen(g_path) + 1);
	ASSERT_EQ(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void
write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, s, len, MSG_NOSIGNAL);
		ASSERT_GT(n, 0);
		s += n;
		len -= (size_t)n;
	}
}

/* Read responses until `want` more lines arrived; counts ids seen (each once). */
static void
read_lines(int fd, uint8_t *seen, uint64_t nseen, uint64_t want, char *buf, size_t *len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char *line, *nl;
	uint64_t id;
	ssize_t n;

	while (want > 0) {
		nl = memchr(buf, '\n', *len);
		if (nl == NULL) {
			ASSERT_EQ(poll(&p, 1, WAIT_MS), 1);
			n = recv(fd, buf + *len, 65536 - *len, 0);
			ASSERT_GT(n, 0);
			*len += (size_t)n;
			continue;
		}
		*nl = '\0';
		line = buf;
		if (line[0] == '[') {
			/* A batch: every "id" inside. */
			char *q = line;

			while ((q = strstr(q, "\"id\":")) != NULL) {
				id = strtoull(q + 5, &q, 10);
				ASSERT_LT(id, nseen);
				ASSERT_EQ(seen[id], 0);
				seen[id] = 1;
				want--;
			}
		} else {
			ASSERT_STR_CONTAINS(line, "\"result\":\"done\"");
			id = strtoull(strstr(line, "\"id\":") + 5, NULL, 10);
			ASSERT_LT(id, nseen);
			ASSERT_EQ(seen[id], 0);
			seen[id] = 1;
			want--;
		}
		*len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, *len);
	}
}

static void *
client_main(void *arg)
{
	struct client *c = arg;
	uint64_t rounds = env_u64("PW_STRESS_RPC_ROUNDS", 300), r, next_id = 0, i, k;
	uint64_t nseen = rounds * WINDOW;
	uint8_t *seen = calloc(nseen, 1);
	char *buf = malloc(65536), req[WINDOW * 96];
	size_t len = 0, off;
	int fd = client_connect();

	ASSERT_NOT_NULL(seen);
	ASSERT_NOT_NULL(buf);
	for (r = 0; r < rounds; r++) {
		k = 1 + rnd(&c->seed) % WINDOW;
		off = 0;
		if (rnd(&c->seed) % 3 == 0) {
			/* A batch of k, pretty-printed. */
			req[off++] = '[';
			for (i = 0; i < k; i++) {
				off += (size_t)snprintf(req + off, sizeof(req) - off,
							"%s{\n \"jsonrpc\": \"2.0\",\n \"method\": \"x\",\n \"id\": %" PRIu64 "\n}",
							i == 0 ? "" : ",", next_id++);
			}
			req[off++] = ']';
		} else {
			/* k requests in one write. */
			for (i = 0; i < k; i++) {
				off += (size_t)snprintf(req + off, sizeof(req) - off,
							"{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":%" PRIu64 "}",
							next_id++);
			}
		}
		ASSERT_LT(off, sizeof(req));
		write_all(fd, req, off);
		if (c->id == 0 && r % 50 == 49) {
			/* Leave with these requests outstanding, come back on a new connection. */
			close(fd);
			fd = client_connect();
			len = 0;
			continue;
		}
		read_lines(fd, seen, nseen, k, buf, &len);
		c->received += k;
	}
	close(fd);
	free(seen);
	free(buf);
	return NULL;
}

TEST_TIMEOUT(clients_hammer_one_server_answered_from_other_threads, 300)
{
	struct client clients[N_CLIENTS];
	pthread_t foreign;
	char *dir;
	int i;

	snprintf(g_dir, sizeof(g_dir), "/tmp/pw_rpcs_XXXXXX");
	dir = mkdtemp(g_dir);
	ASSERT_NOT_NULL(dir);
	snprintf(g_path, sizeof(g_path), "%s/s.sock", dir);
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	g_app.thread = spdk_thread_create("app", NULL);
	ASSERT_NOT_NULL(g_app.thread);
	g_app.fd = spdk_thread_get_interrupt_fd(g_app.thread);
	ASSERT_GE(g_app.fd, 0);
	for (i = 0; i < N_WORKERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "w%d", i);
		g_workers[i].thread = spdk_thread_create(name, NULL);
		ASSERT_NOT_NULL(g_workers[i].thread);
		g_workers[i].fd = spdk_thread_get_interrupt_fd(g_workers[i].thread);
		ASSERT_GE(g_workers[i].fd, 0);
	}
	ASSERT_EQ(pthread_create(&g_app.pthread, NULL, app_main, NULL), 0);
	for (i = 0; i < N_WORKERS; i++) {
		ASSERT_EQ(pthread_create(&g_workers[i].pthread, NULL, worker_main, &g_workers[i]), 0);
	}
	ASSERT_EQ(pthread_create(&foreign, NULL, foreign_main, NULL), 0);
	/* Wait for the server to listen: the socket file exists from bind() on,
	 * and a connect() between bind() and listen() is refused. */
	while (!atomic_load_explicit(&g_listening, memory_order_acquire)) {
		usleep(1000);
	}
	for (i = 0; i < N_CLIENTS; i++) {
		clients[i].id = i;
		clients[i].seed = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		clients[i].received = 0;
		ASSERT_EQ(pthread_create(&clients[i].pthread, NULL, client_main, &clients[i]), 0);
	}
	for (i = 0; i < N_CLIENTS; i++) {
		ASSERT_EQ(pthread_join(clients[i].pthread, NULL), 0);
		ASSERT_GT(clients[i].received, 0);
	}
	/* Release: pairs with the acquire loads in drive() and foreign_main().
	 * The app pthread shuts the server down and waits for every answer, so
	 * the answering pthreads stop after it. */
	atomic_store_explicit(&g_stop_app, true, memory_order_release);
	ASSERT_EQ(pthread_join(g_app.pthread, NULL), 0);
	atomic_store_explicit(&g_stop_foreign, true, memory_order_release);
	ASSERT_EQ(pthread_join(foreign, NULL), 0);
	atomic_store_explicit(&g_stop_workers, true, memory_order_release);
	for (i = 0; i < N_WORKERS; i++) {
		ASSERT_EQ(pthread_join(g_workers[i].pthread, NULL), 0);
	}
	ASSERT_EQ(atomic_load(&g_answered), atomic_load(&g_handled));
	ASSERT_GT(atomic_load(&g_handled), 0);
	for (i = 0; i < N_WORKERS; i++) {
		spdk_set_thread(g_workers[i].thread);
		spdk_thread_exit(g_workers[i].thread);
		while (!spdk_thread_is_exited(g_workers[i].thread)) {
			spdk_thread_poll(g_workers[i].thread, 0, 0);
		}
		spdk_thread_destroy(g_workers[i].thread);
	}
	spdk_set_thread(g_app.thread);
	spdk_thread_exit(g_app.thread);
	while (!spdk_thread_is_exited(g_app.thread)) {
		spdk_thread_poll(g_app.thread, 0, 0);
	}
	spdk_thread_destroy(g_app.thread);
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
	unlink(g_path);
	rmdir(dir);
	if (__lsan_do_recoverable_leak_check != NULL) {
		ASSERT_EQ(__lsan_do_recoverable_leak_check(), 0);
	}
}
