/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress tests of the log layer on real pthreads:
 *  - many pthreads log distinctive lines to stderr redirected to a pipe (with
 *    lines longer than PIPE_BUF among them) and to a file; every line must
 *    come out whole, once, and in each thread's order;
 *  - rate-limit and deprecation counters lose nothing under contention;
 *  - flags and sinks change while other pthreads log (run under TSan).
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"

#include "harness.h"
#include "log_capture.h"
#include "log/log_internal.h"

#define NTHREADS	6
#define LINES		4000

SPDK_LOG_REGISTER_COMPONENT(stress_flag)
SPDK_LOG_DEPRECATION_REGISTER(stress_dep, "hammered", "never", 1)

/* ---- helpers ---------------------------------------------------------- */

struct growbuf {
	char *data;
	size_t len, cap;
};

static void
growbuf_add(struct growbuf *g, const char *p, size_t n)
{
	if (g->len + n + 1 > g->cap) {
		g->cap = (g->len + n + 1) * 2;
		g->data = realloc(g->data, g->cap);
		ASSERT_NOT_NULL(g->data);
	}
	memcpy(g->data + g->len, p, n);
	g->len += n;
	g->data[g->len] = '\0';
}

/* Length of the payload of line `seq` of thread `t`: mostly short, every
 * 97th longer than the stack buffer, every 499th longer than PIPE_BUF. */
static size_t
payload_len(int t, int seq)
{
	if (seq % 499 == 0) {
		return 5000 + (size_t)t;
	}
	if (seq % 97 == 0) {
		return 1500 + (size_t)t;
	}
	return 10 + (size_t)((seq * 7 + t) % 60);
}

static char
payload_char(int t, int seq)
{
	return (char)('a' + (t * 7 + seq) % 26);
}

static void *
writer(void *arg)
{
	int t = (int)(intptr_t)arg, seq;
	char *payload = malloc(8192);

	ASSERT_NOT_NULL(payload);
	for (seq = 0; seq < LINES; seq++) {
		size_t n = payload_len(t, seq);

		memset(payload, payload_char(t, seq), n);
		payload[n] = '\0';
		SPDK_NOTICELOG("T%d S%d L%zu %s\n", t, seq, n, payload);
	}
	free(payload);
	return NULL;
}

/* Check every line: whole, in each thread's order, none missing. */
static void
verify_output(char *text, bool timestamps)
{
	int next[NTHREADS] = { 0 };
	char *line, *save = NULL;
	size_t nlines = 0;
	int t;

	ASSERT_GT(strlen(text), 0);
	ASSERT_EQ(text[strlen(text) - 1], '\n');
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *p = line;
		int th, seq, consumed = 0;
		size_t n, i;

		if (timestamps) {
			if (p[0] != '[' || strlen(p) < 29 || p[27] != ']') {
				FAIL("bad timestamp in line %zu: \"%.80s\"", nlines, line);
			}
			p += 29;
		}
		p = strstr(p, ": *NOTICE*: ");
		if (p == NULL) {
			FAIL("no header in line %zu: \"%.80s\"", nlines, line);
		}
		p += strlen(": *NOTICE*: ");
		if (sscanf(p, "T%d S%d L%zu %n", &th, &seq, &n, &consumed) != 3 || consumed == 0) {
			FAIL("mangled line %zu: \"%.80s\"", nlines, line);
		}
		ASSERT_GE(th, 0);
		ASSERT_LT(th, NTHREADS);
		ASSERT_EQ(seq, next[th]);
		ASSERT_EQ(n, payload_len(th, seq));
		p += consumed;
		ASSERT_EQ(strlen(p), n);
		for (i = 0; i < n; i++) {
			if (p[i] != payload_char(th, seq)) {
				FAIL("line T%d S%d: byte %zu is '%c'", th, seq, i, p[i]);
			}
		}
		next[th]++;
		nlines++;
	}
	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(next[t], LINES);
	}
	ASSERT_EQ(nlines, (size_t)NTHREADS * LINES);
}

static void
run_writers(void)
{
	pthread_t th[NTHREADS];
	int t;

	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(pthread_create(&th[t], NULL, writer, (void *)(intptr_t)t), 0);
	}
	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(pthread_join(th[t], NULL), 0);
	}
}

/* ---- lines through a pipe --------------------------------------------- */

struct reader_ctx {
	int fd;
	struct growbuf out;
};

static void *
reader(void *arg)
{
	struct reader_ctx *r = arg;
	char buf[65536];
	ssize_t n;

	while ((n = read(r->fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			ASSERT_EQ(errno, EINTR);
			continue;
		}
		growbuf_add(&r->out, buf, (size_t)n);
	}
	return NULL;
}

TEST_TIMEOUT(lines_through_a_pipe_never_interleave, 600)
{
	struct reader_ctx r = { 0 };
	pthread_t rt;
	int fds[2], saved;

	/* A small pipe makes the kernel split long writes as often as it can. */
	ASSERT_EQ(pipe(fds), 0);
	fcntl(fds[1], F_SETPIPE_SZ, 4096);
	r.fd = fds[0];
	ASSERT_EQ(pthread_create(&rt, NULL, reader, &r), 0);
	saved = dup(STDERR_FILENO);
	ASSERT_EQ(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
	close(fds[1]);

	spdk_log_enable_timestamps(true);
	run_writers();

	ASSERT_EQ(dup2(saved, STDERR_FILENO), STDERR_FILENO);	/* closes the last write end */
	close(saved);
	ASSERT_EQ(pthread_join(rt, NULL), 0);
	close(fds[0]);
	ASSERT_NOT_NULL(r.out.data);
	verify_output(r.out.data, true);
	free(r.out.data);
}

static void
lines_into_file(int fd)
{
	struct stat st;
	char *text;
	int saved;

	saved = dup(STDERR_FILENO);
	ASSERT_EQ(dup2(fd, STDERR_FILENO), STDERR_FILENO);

	spdk_log_enable_timestamps(false);
	run_writers();

	ASSERT_EQ(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	ASSERT_EQ(fstat(fd, &st), 0);
	text = malloc((size_t)st.st_size + 1);
	ASSERT_NOT_NULL(text);
	ASSERT_EQ(pread(fd, text, (size_t)st.st_size, 0), st.st_size);
	text[st.st_size] = '\0';
	close(fd);
	verify_output(text, false);
	free(text);
}

/* A memfd does not serialise its file offset in the kernel: without the log
 * layer's own serialisation, concurrent lines overwrite each other. */
TEST_TIMEOUT(lines_into_a_memfd_never_interleave, 600)
{
	int fd = memfd_create("stderr", 0);

	ASSERT_GE(fd, 0);
	lines_into_file(fd);
}

TEST_TIMEOUT(lines_into_a_file_never_interleave, 600)
{
	char path[] = "/tmp/pw_stress_log_XXXXXX";
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	unlink(path);
	lines_into_file(fd);
}

/* ---- counters under contention ---------------------------------------- */

#define RL_CALLS	20000

static uint64_t g_clock_ns = 1;

/* Each read moves time on by 50 us: about 1 window in 20000 reads. */
static uint64_t
ticking_clock(void)
{
	return __atomic_add_fetch(&g_clock_ns, 50000, __ATOMIC_RELAXED);
}

static struct pw_log_ratelimit g_shared_rl;

struct rl_result {
	uint64_t passed, reported;
};

static void *
rl_worker(void *arg)
{
	struct rl_result *res = arg;
	uint64_t sq;
	int i;

	for (i = 0; i < RL_CALLS; i++) {
		if (pw_log_ratelimit_check(&g_shared_rl, &sq)) {
			res->passed++;
			res->reported += sq;
		}
	}
	return NULL;
}

TEST(ratelimit_counts_every_call)
{
	struct rl_result res[NTHREADS] = { { 0, 0 } };
	pthread_t th[NTHREADS];
	uint64_t passed = 0, reported = 0;
	int t;

	pw__log_set_clock(ticking_clock);
	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(pthread_create(&th[t], NULL, rl_worker, &res[t]), 0);
	}
	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(pthread_join(th[t], NULL), 0);
		passed += res[t].passed;
		reported += res[t].reported;
	}
	pw__log_set_clock(NULL);
	/* Every call either went through or is counted exactly once as squashed,
	 * in a later report or in what is still pending. */
	ASSERT_EQ(passed + reported + g_shared_rl.squashed, (uint64_t)NTHREADS * RL_CALLS);
	/* 120000 clock reads move it 6 s: at most one message per second (plus
	 * the first), whatever the interleaving. */
	ASSERT_GE(passed, 1);
	ASSERT_LE(passed, 7);
}

static uint64_t g_dep_messages;
static uint64_t g_dep_suppressed;

static void __attribute__((format(printf, 5, 0)))
dep_sink(int level, const char *file, const int line, const char *func,
	 const char *format, va_list args)
{
	char msg[256];
	unsigned long long n;

	vsnprintf(msg, sizeof(msg), format, args);
	if (strstr(msg, "deprecated feature hammered") != NULL) {
		__atomic_fetch_add(&g_dep_messages, 1, __ATOMIC_RELAXED);
	} else if (sscanf(msg, "stress_dep: %llu messages suppressed", &n) == 1) {
		__atomic_fetch_add(&g_dep_suppressed, n, __ATOMIC_RELAXED);
	} else {
		FAIL("unexpected message \"%s\"", msg);
	}
}

static void *
dep_worker(void *arg)
{
	int i;

	for (i = 0; i < RL_CALLS; i++) {
		SPDK_LOG_DEPRECATED(stress_dep);
	}
	return NULL;
}

TEST(deprecation_hits_are_exact)
{
	pthread_t th[NTHREADS];
	int t;

	pw__log_set_clock(ticking_clock);
	spdk_log_open(dep_sink);
	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(pthread_create(&th[t], NULL, dep_worker, NULL), 0);
	}
	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(pthread_join(th[t], NULL), 0);
	}
	spdk_log_close();
	pw__log_set_clock(NULL);
	ASSERT_EQ(spdk_deprecation_get_hits(_deprecated_stress_dep), (uint64_t)NTHREADS * RL_CALLS);
	ASSERT_GE(g_dep_messages, 1);
	ASSERT_LE(g_dep_messages + g_dep_suppressed, (uint64_t)NTHREADS * RL_CALLS);
}

/* ---- state changes while logging -------------------------------------- */

static bool g_stop;
static uint64_t g_sink_calls;

static void __attribute__((format(printf, 5, 0)))
counting_sink(int level, const char *file, const int line, const char *func,
	      const char *format, va_list args)
{
	char msg[128];

	vsnprintf(msg, sizeof(msg), format, args);
	__atomic_fetch_add(&g_sink_calls, 1, __ATOMIC_RELAXED);
}

static void *
busy_logger(void *arg)
{
	uint64_t i = 0;

	while (!__atomic_load_n(&g_stop, __ATOMIC_RELAXED)) {
		SPDK_INFOLOG(stress_flag, "info %" PRIu64 "\n", i);
		SPDK_ERRLOG("err %" PRIu64 "\n", i);
		(void)spdk_log_get_flag("stress_flag");
		(void)spdk_log_get_print_level();
		i++;
	}
	return NULL;
}

TEST_TIMEOUT(flags_levels_and_sinks_change_under_load, 300)
{
	static struct spdk_log_flag late[64];
	static char names[64][16];
	pthread_t th[4];
	int t, i, fd, saved;

	/* Whatever reaches stderr in between goes nowhere (so would a failure
	 * message from this test: rerun it with --nofork under gdb if needed). */
	fd = open("/dev/null", O_WRONLY);
	ASSERT_GE(fd, 0);
	saved = dup(STDERR_FILENO);
	ASSERT_EQ(dup2(fd, STDERR_FILENO), STDERR_FILENO);

	for (t = 0; t < 4; t++) {
		ASSERT_EQ(pthread_create(&th[t], NULL, busy_logger, NULL), 0);
	}
	for (i = 0; i < 2000; i++) {
		ASSERT_EQ(spdk_log_set_flag(i % 2 ? "stress*" : "all"), 0);
		ASSERT_EQ(spdk_log_clear_flag("stress_flag"), 0);
		spdk_log_set_print_level(i % 3 ? SPDK_LOG_INFO : SPDK_LOG_DISABLED);
		spdk_log_enable_timestamps(i % 2);
		if (i % 50 == 0) {
			spdk_log_open(counting_sink);
		} else if (i % 50 == 25) {
			spdk_log_close();
		}
		if (i < 64) {
			snprintf(names[i], sizeof(names[i]), "late%02d", 63 - i);
			spdk_log_register_flag(names[i], &late[i]);
		}
	}
	/* The loggers are still running: the sink must see their messages. */
	spdk_log_open(counting_sink);
	while (__atomic_load_n(&g_sink_calls, __ATOMIC_RELAXED) == 0) {
		sched_yield();
	}
	spdk_log_close();
	__atomic_store_n(&g_stop, true, __ATOMIC_RELAXED);
	for (t = 0; t < 4; t++) {
		ASSERT_EQ(pthread_join(th[t], NULL), 0);
	}
	ASSERT_EQ(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(fd);

	/* The flags registered during the storm are all there, in order. */
	{
		struct spdk_log_flag *f, *prev = NULL;
		int count = 0;

		for (f = spdk_log_get_first_flag(); f != NULL; f = spdk_log_get_next_flag(f)) {
			if (prev != NULL) {
				ASSERT_LT(strcasecmp(prev->name, f->name), 0);
			}
			prev = f;
			count++;
		}
		ASSERT_EQ(count, 65);
	}
}

/* The sink's state lives from the open hook to the close hook: close must
 * wait for sink calls in flight, or ASan sees a use after free. */
struct sink_state {
	uint64_t calls;
	uint64_t magic;
};

static struct sink_state *g_state;

static void
state_open(void *ctx)
{
	struct sink_state *st = calloc(1, sizeof(*st));

	ASSERT_NOT_NULL(st);
	st->magic = 0x5eed;
	__atomic_store_n(&g_state, st, __ATOMIC_RELEASE);
}

static void
state_close(void *ctx)
{
	struct sink_state *st = __atomic_exchange_n(&g_state, NULL, __ATOMIC_ACQ_REL);

	ASSERT_NOT_NULL(st);
	st->magic = 0;
	free(st);
}

static void __attribute__((format(printf, 5, 0)))
state_sink(int level, const char *file, const int line, const char *func,
	   const char *format, va_list args)
{
	struct sink_state *st = __atomic_load_n(&g_state, __ATOMIC_ACQUIRE);
	char msg[64];

	ASSERT_NOT_NULL(st);
	vsnprintf(msg, sizeof(msg), format, args);
	sched_yield();		/* widen the window */
	ASSERT_EQ(__atomic_load_n(&st->magic, __ATOMIC_RELAXED), 0x5eed);
	__atomic_fetch_add(&st->calls, 1, __ATOMIC_RELAXED);
}

TEST_TIMEOUT(close_waits_for_sink_calls_in_flight, 300)
{
	struct spdk_log_opts opts = {
		.size = sizeof(opts), .log = state_sink, .open = state_open, .close = state_close,
	};
	pthread_t th[4];
	int t, i;

	/* Between sinks, the loggers' messages are dropped by the print level. */
	spdk_log_set_print_level(SPDK_LOG_DISABLED);
	__atomic_store_n(&g_stop, false, __ATOMIC_RELAXED);
	for (t = 0; t < 4; t++) {
		ASSERT_EQ(pthread_create(&th[t], NULL, busy_logger, NULL), 0);
	}
	for (i = 0; i < 3000; i++) {
		spdk_log_open_ext(&opts);
		if (i % 2) {
			sched_yield();
		}
		spdk_log_close();
	}
	__atomic_store_n(&g_stop, true, __ATOMIC_RELAXED);
	for (t = 0; t < 4; t++) {
		ASSERT_EQ(pthread_join(th[t], NULL), 0);
	}
	ASSERT_NULL(g_state);
}

/* ---- capture from many pthreads --------------------------------------- */

static void *
capture_writer(void *arg)
{
	int t = (int)(intptr_t)arg, i;

	for (i = 0; i < 2000; i++) {
		if (i % 2) {
			SPDK_ERRLOG("cap T%d I%d\n", t, i);
		} else {
			SPDK_WARNLOG("cap T%d I%d\n", t, i);
		}
	}
	return NULL;
}

TEST(capture_from_many_threads)
{
	pthread_t th[NTHREADS];
	int t;

	log_capture_start();
	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(pthread_create(&th[t], NULL, capture_writer, (void *)(intptr_t)t), 0);
	}
	for (t = 0; t < NTHREADS; t++) {
		ASSERT_EQ(pthread_join(th[t], NULL), 0);
	}
	log_capture_stop();
	ASSERT_EQ(log_capture_total(), NTHREADS * 2000);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), NTHREADS * 1000);
	ASSERT_EQ(log_capture_count(SPDK_LOG_WARN), NTHREADS * 1000);
	ASSERT_EQ(log_capture_count_matching("cap T3 I1999\n"), 1);
}
