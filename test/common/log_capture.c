/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Log capture for tests (see log_capture.h).
 *
 * Every captured message is kept as its own NUL-terminated record in one
 * growing buffer, with its level in a parallel array, so that text, counts
 * and per-message matching are all answered from the same data.
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"

#include "log_capture.h"

#define LEVEL_SLOTS	(SPDK_LOG_DEBUG - SPDK_LOG_DISABLED + 2)	/* + "other" */

struct capture_msg {
	size_t off;	/* start of the record in g_buf */
	size_t len;	/* without its NUL */
	int level;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_active;
static bool g_echo;
static char *g_buf;		/* records, each followed by a NUL */
static size_t g_buf_len;
static size_t g_buf_cap;
static struct capture_msg *g_msgs;
static size_t g_nmsgs;
static size_t g_msgs_cap;
static size_t g_level_count[LEVEL_SLOTS];
static char *g_snapshot;	/* returned by log_capture_text() */

static size_t
level_slot(int level)
{
	if (level < SPDK_LOG_DISABLED || level > SPDK_LOG_DEBUG) {
		return LEVEL_SLOTS - 1;
	}
	return (size_t)(level - SPDK_LOG_DISABLED);
}

static const char *
level_name(int level)
{
	static const char *const names[] = { "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG" };

	if (level < SPDK_LOG_ERROR || level > SPDK_LOG_DEBUG) {
		return level == SPDK_LOG_DISABLED ? "DISABLED" : "UNKNOWN";
	}
	return names[level];
}

/* Lock held. Out of memory aborts the test: a capture that silently lost a
 * message would make assertions lie. */
static void
append_locked(const char *text, size_t len, int level)
{
	if (g_buf_len + len + 1 > g_buf_cap) {
		size_t cap = g_buf_cap ? g_buf_cap : 4096;

		while (cap < g_buf_len + len + 1) {
			cap *= 2;
		}
		g_buf = realloc(g_buf, cap);
		if (g_buf == NULL) {
			fprintf(stderr, "log_capture: out of memory\n");
			abort();
		}
		g_buf_cap = cap;
	}
	if (g_nmsgs == g_msgs_cap) {
		g_msgs_cap = g_msgs_cap ? g_msgs_cap * 2 : 64;
		g_msgs = realloc(g_msgs, g_msgs_cap * sizeof(*g_msgs));
		if (g_msgs == NULL) {
			fprintf(stderr, "log_capture: out of memory\n");
			abort();
		}
	}
	memcpy(g_buf + g_buf_len, text, len);
	g_buf[g_buf_len + len] = '\0';
	g_msgs[g_nmsgs].off = g_buf_len;
	g_msgs[g_nmsgs].len = len;
	g_msgs[g_nmsgs].level = level;
	g_nmsgs++;
	g_buf_len += len + 1;
	g_level_count[level_slot(level)]++;
}

static void __attribute__((format(printf, 5, 0)))
capture_sink(int level, const char *file, const int line, const char *func,
	     const char *format, va_list args)
{
	char *msg = NULL, *rec = NULL;
	int rc;

	if (format == NULL) {
		return;
	}
	if (vasprintf(&msg, format, args) < 0) {
		fprintf(stderr, "log_capture: out of memory\n");
		abort();
	}
	if (file != NULL) {
		rc = asprintf(&rec, "%s:%4d:%s: *%s*: %s", file, line, func ? func : "",
			      level_name(level), msg);
	} else {
		rc = asprintf(&rec, "%s", msg);
	}
	free(msg);
	if (rc < 0) {
		fprintf(stderr, "log_capture: out of memory\n");
		abort();
	}

	pthread_mutex_lock(&g_lock);
	append_locked(rec, (size_t)rc, level);
	pthread_mutex_unlock(&g_lock);

	if (g_echo) {
		fputs(rec, stderr);
	}
	free(rec);
}

/* Lock held. */
static void
reset_locked(void)
{
	g_buf_len = 0;
	g_nmsgs = 0;
	memset(g_level_count, 0, sizeof(g_level_count));
	free(g_snapshot);
	g_snapshot = NULL;
}

void
log_capture_start(void)
{
	const char *echo = getenv("PW_LOG_CAPTURE_ECHO");

	pthread_mutex_lock(&g_lock);
	reset_locked();
	g_echo = echo != NULL && strcmp(echo, "0") != 0;
	g_active = true;
	pthread_mutex_unlock(&g_lock);
	spdk_log_open(capture_sink);
}

void
log_capture_stop(void)
{
	spdk_log_close();
	pthread_mutex_lock(&g_lock);
	g_active = false;
	pthread_mutex_unlock(&g_lock);
}

bool
log_capture_active(void)
{
	bool active;

	pthread_mutex_lock(&g_lock);
	active = g_active;
	pthread_mutex_unlock(&g_lock);
	return active;
}

void
log_capture_reset(void)
{
	pthread_mutex_lock(&g_lock);
	reset_locked();
	pthread_mutex_unlock(&g_lock);
}

const char *
log_capture_text(void)
{
	size_t i, pos = 0;
	char *snap;

	pthread_mutex_lock(&g_lock);
	snap = malloc(g_buf_len + 1);
	if (snap == NULL) {
		fprintf(stderr, "log_capture: out of memory\n");
		abort();
	}
	for (i = 0; i < g_nmsgs; i++) {
		memcpy(snap + pos, g_buf + g_msgs[i].off, g_msgs[i].len);
		pos += g_msgs[i].len;
	}
	snap[pos] = '\0';
	free(g_snapshot);
	g_snapshot = snap;
	pthread_mutex_unlock(&g_lock);
	return snap;
}

size_t
log_capture_count_matching(const char *needle)
{
	size_t i, n = 0;

	if (needle == NULL) {
		return 0;
	}
	pthread_mutex_lock(&g_lock);
	for (i = 0; i < g_nmsgs; i++) {
		if (strstr(g_buf + g_msgs[i].off, needle) != NULL) {
			n++;
		}
	}
	pthread_mutex_unlock(&g_lock);
	return n;
}

bool
log_capture_contains(const char *needle)
{
	/* Also matches across two consecutive messages, like a search of the
	 * concatenated text would. */
	if (log_capture_count_matching(needle) > 0) {
		return true;
	}
	return needle != NULL && strstr(log_capture_text(), needle) != NULL;
}

size_t
log_capture_count(enum spdk_log_level level)
{
	size_t n;

	pthread_mutex_lock(&g_lock);
	n = g_level_count[level_slot((int)level)];
	pthread_mutex_unlock(&g_lock);
	return n;
}

size_t
log_capture_total(void)
{
	size_t n;

	pthread_mutex_lock(&g_lock);
	n = g_nmsgs;
	pthread_mutex_unlock(&g_lock);
	return n;
}
