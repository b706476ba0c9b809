/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The runner behind harness.h: every test runs in a forked child so that a
 * crash, a leak of global state or a hang stays inside that test; the parent
 * waits with a deadline, kills a hung child, and checks how the child ended
 * against what the test expects.
 */

#include "harness.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#define DEFAULT_TIMEOUT_S	30
#define SKIP_STATUS		77

static struct pw_test *g_tests;
static bool g_nofork;

void
pw_test_register(struct pw_test *t)
{
	struct pw_test **pos = &g_tests;

	/* Keep file then line order, whatever order the constructors ran in. */
	while (*pos != NULL) {
		int c = strcmp((*pos)->file, t->file);

		if (c > 0 || (c == 0 && (*pos)->line > t->line)) {
			break;
		}
		pos = &(*pos)->next;
	}
	t->next = *pos;
	*pos = t;
}

unsigned
pw_test_timeout_scale(void)
{
	const char *s = getenv("PW_TEST_TIMEOUT_SCALE");
	long v = s ? strtol(s, NULL, 10) : 1;

	return v > 0 ? (unsigned)v : 1;
}

/* LeakSanitizer's entry point, present only in ASan/LSan builds. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

__attribute__((noreturn)) static void
end_child(int status)
{
	/* _exit skips LeakSanitizer's check at exit: ask for it here, so that a
	 * test that passes but leaks fails in sanitizer builds. Threads still
	 * running are stopped and scanned by it, so what they hold is no leak. */
	if (status == 0 && __lsan_do_recoverable_leak_check != NULL &&
	    __lsan_do_recoverable_leak_check() != 0) {
		fprintf(stderr, "LeakSanitizer found leaks (above) in a test that passed\n");
		status = 1;
	}
	fflush(stdout);
	fflush(stderr);
	/* _exit: no atexit handlers, no destructors racing with the threads
	 * the test may still have running. */
	_exit(status);
}

void
pw_test_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write so that failures from several threads never interleave. */
	fprintf(stderr, "%s\n", msg);
	end_child(1);
}

static void
fmt_i128(char *buf, size_t len, __int128 v)
{
	if (v >= INT64_MIN && v <= INT64_MAX) {
		snprintf(buf, len, "%lld (%#llx)", (long long)v, (unsigned long long)v);
	} else {
		snprintf(buf, len, "%llu (%#llx)", (unsigned long long)v, (unsigned long long)v);
	}
}

void
pw_test_fail_int(const char *file, int line, const char *expr_a, const char *op,
		 const char *expr_b, __int128 a, __int128 b)
{
	char sa[64], sb[64];

	fmt_i128(sa, sizeof(sa), a);
	fmt_i128(sb, sizeof(sb), b);
	pw_test_fail(file, line, "expected %s %s %s, got %s vs %s", expr_a, op, expr_b, sa, sb);
}

void
pw_test_skip(const char *why)
{
	fprintf(stderr, "skipped: %s\n", why);
	end_child(SKIP_STATUS);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Returns 0 pass, 1 fail, 2 skip. */
static int
run_one(struct pw_test *t)
{
	unsigned timeout_s = t->timeout_s ? t->timeout_s : DEFAULT_TIMEOUT_S;
	const char *env = getenv("PW_TEST_TIMEOUT");
	double deadline, start = now_ms();
	int status = 0;
	pid_t pid, r;

	if (t->timeout_s == 0 && env != NULL && strtol(env, NULL, 10) > 0) {
		timeout_s = (unsigned)strtol(env, NULL, 10);
	}
	timeout_s *= pw_test_timeout_scale();

	if (g_nofork) {
		t->fn();
		return 0;
	}

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		t->fn();
		end_child(0);
	}

	deadline = start + timeout_s * 1e3;
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			break;
		}
		if (r < 0 && errno != EINTR) {
			perror("waitpid");
			return 1;
		}
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			printf("[ FAIL ] %s: timed out after %u s\n", t->name, timeout_s);
			return 1;
		}
		usleep(now_ms() - start < 100 ? 200 : 5000);
	}

	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == t->expect_signal) {
			return 0;
		}
		printf("[ FAIL ] %s: killed by signal %d (%s)%s\n", t->name, WTERMSIG(status),
		       strsignal(WTERMSIG(status)),
		       t->expect_signal ? ", expected another signal" : "");
		return 1;
	}
	if (t->expect_signal) {
		printf("[ FAIL ] %s: exited %d, expected signal %d (%s)\n", t->name,
		       WEXITSTATUS(status), t->expect_signal, strsignal(t->expect_signal));
		return 1;
	}
	if (WEXITSTATUS(status) == SKIP_STATUS && t->expect_exit != SKIP_STATUS) {
		return 2;
	}
	if (WEXITSTATUS(status) != t->expect_exit) {
		printf("[ FAIL ] %s: exit status %d, expected %d\n", t->name,
		       WEXITSTATUS(status), t->expect_exit);
		return 1;
	}
	return 0;
}

static bool
selected(const struct pw_test *t, int argc, char **argv)
{
	bool any = false;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			continue;
		}
		any = true;
		if (strcmp(argv[i], t->name) == 0) {
			return true;
		}
	}
	return !any;
}

int
main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0) {
			for (struct pw_test *t = g_tests; t; t = t->next) {
				printf("%s\n", t->name);
			}
			return 0;
		}
		if (strcmp(argv[i], "--nofork") == 0) {
			g_nofork = true;
		}
	}

	for (struct pw_test *t = g_tests; t; t = t->next) {
		double start;
		int rc;

		if (!selected(t, argc, argv)) {
			continue;
		}
		printf("[ RUN  ] %s\n", t->name);
		start = now_ms();
		rc = run_one(t);
		if (rc == 0) {
			printf("[  OK  ] %s (%.0f ms)\n", t->name, now_ms() - start);
			passed++;
		} else if (rc == 2) {
			printf("[ SKIP ] %s\n", t->name);
			skipped++;
		} else {
			failed++;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	if (failed > 0) {
		return 1;
	}
	if (passed == 0 && skipped > 0) {
		return SKIP_STATUS;
	}
	if (passed == 0) {
		printf("no test matched\n");
		return 1;
	}
	return 0;
}
