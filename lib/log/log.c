/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The message path: levels, sink selection, line formatting, stderr/syslog
 * output, spdk_flog() and hex dumps.
 *
 * A stderr line is formatted completely (timestamp, header, message) and then
 * handed to the kernel with a single write(2) on fd 2. The kernel serialises
 * writes on one open file, so lines logged by different pthreads never mix,
 * and nothing here takes a lock. Messages that do not fit the stack buffer
 * are formatted into a heap buffer sized for them; if even that allocation
 * fails the line is still written, in pieces, and marked.
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"

#include <poll.h>

#include "common/pw_common.h"
#include "log/log_internal.h"

/* Most lines fit here; longer ones go to a heap buffer of the exact size. */
#define LOG_STACK_BUF	1024
/* "[YYYY-MM-DD HH:MM:SS.uuuuuu] " needs 29 bytes plus NUL. */
#define LOG_TS_BUF	64
/* How long a write to a full non-blocking stderr waits for room. */
#define LOG_EAGAIN_WAIT_MS	1000

static const char *const g_level_names[] = {
	[SPDK_LOG_ERROR]	= "ERROR",
	[SPDK_LOG_WARN]		= "WARNING",
	[SPDK_LOG_NOTICE]	= "NOTICE",
	[SPDK_LOG_INFO]		= "INFO",
	[SPDK_LOG_DEBUG]	= "DEBUG",
};

/* Levels and switches are read on every message by any pthread and written
 * rarely: relaxed atomics, no ordering with other data is needed. */
static int g_log_level = SPDK_LOG_NOTICE;
static int g_print_level = SPDK_LOG_NOTICE;
static bool g_timestamps = true;

/* The installed sink. Stored with release by spdk_log_open_ext() and loaded
 * with acquire by spdk_vlog(), so a sink's own setup done before opening is
 * visible to the pthreads that call it. */
static spdk_log_cb *g_sink;
/* Number of pthreads inside a call to the sink. spdk_log_close() waits for it
 * to drop to zero before calling the close hook, so a sink never runs after
 * its owner was told it is closed. */
static uint64_t g_sink_users;
/* Non-zero while this pthread runs a sink or an open/close hook: opening or
 * closing from there would wait for itself, and is refused. */
static __thread unsigned t_in_callback;
/* True between spdk_log_open(NULL) and spdk_log_close(): syslog is written. */
static bool g_syslog;

/* Held around each stderr write (write_stderr()). */
static pthread_mutex_t g_write_lock = PTHREAD_MUTEX_INITIALIZER;

/* Replaced only by tests (pw__log_set_malloc()). */
static pw__log_malloc_fn *g_malloc = malloc;

/* Serialises open and close; guards g_opts. */
static pthread_mutex_t g_open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spdk_log_opts g_opts;

const char *
pw__log_level_name(int level)
{
	if (level < SPDK_LOG_ERROR || level > SPDK_LOG_DEBUG) {
		return "UNKNOWN";
	}
	return g_level_names[level];
}

void
pw__log_set_malloc(pw__log_malloc_fn *fn)
{
	__atomic_store_n(&g_malloc, fn != NULL ? fn : malloc, __ATOMIC_RELAXED);
}

void *
pw__log_malloc(size_t size)
{
	return __atomic_load_n(&g_malloc, __ATOMIC_RELAXED)(size);
}

static bool
level_valid(int level)
{
	return level >= SPDK_LOG_DISABLED && level <= SPDK_LOG_DEBUG;
}

PW_EXPORT void
spdk_log_set_level(enum spdk_log_level level)
{
	if (!level_valid((int)level)) {
		SPDK_ERRLOG("log level %d is out of range (%d..%d); level unchanged\n",
			    (int)level, SPDK_LOG_DISABLED, SPDK_LOG_DEBUG);
		return;
	}
	__atomic_store_n(&g_log_level, (int)level, __ATOMIC_RELAXED);
}

PW_EXPORT enum spdk_log_level
spdk_log_get_level(void)
{
	return (enum spdk_log_level)__atomic_load_n(&g_log_level, __ATOMIC_RELAXED);
}

PW_EXPORT void
spdk_log_set_print_level(enum spdk_log_level level)
{
	if (!level_valid((int)level)) {
		SPDK_ERRLOG("print level %d is out of range (%d..%d); level unchanged\n",
			    (int)level, SPDK_LOG_DISABLED, SPDK_LOG_DEBUG);
		return;
	}
	__atomic_store_n(&g_print_level, (int)level, __ATOMIC_RELAXED);
}

PW_EXPORT enum spdk_log_level
spdk_log_get_print_level(void)
{
	return (enum spdk_log_level)__atomic_load_n(&g_print_level, __ATOMIC_RELAXED);
}

PW_EXPORT int
spdk_log_to_syslog_level(enum spdk_log_level level)
{
	switch (level) {
	case SPDK_LOG_DISABLED:
		return -1;
	case SPDK_LOG_ERROR:
		return LOG_ERR;
	case SPDK_LOG_WARN:
		return LOG_WARNING;
	case SPDK_LOG_NOTICE:
		return LOG_NOTICE;
	case SPDK_LOG_INFO:
	case SPDK_LOG_DEBUG:
	default:
		return LOG_INFO;
	}
}

PW_EXPORT void
spdk_log_enable_timestamps(bool value)
{
	__atomic_store_n(&g_timestamps, value, __ATOMIC_RELAXED);
}

/* ---- opening and closing --------------------------------------------- */

static void
default_open(void *ctx)
{
	openlog("spdk", LOG_PID, LOG_LOCAL7);
	__atomic_store_n(&g_syslog, true, __ATOMIC_RELAXED);
}

static void
default_close(void *ctx)
{
	__atomic_store_n(&g_syslog, false, __ATOMIC_RELAXED);
	closelog();
}

/* Called with g_open_lock held. */
static void
close_locked(void)
{
	struct spdk_log_opts old = g_opts;

	memset(&g_opts, 0, sizeof(g_opts));
	/* seq_cst store then seq_cst load of g_sink_users, against spdk_vlog()'s
	 * seq_cst increment then re-load of g_sink: either that pthread sees
	 * NULL, or this one sees it counted and waits for it. */
	__atomic_store_n(&g_sink, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&g_sink_users, __ATOMIC_SEQ_CST) != 0) {
		sched_yield();
	}
	if (old.close != NULL) {
		t_in_callback++;
		old.close(old.user_ctx);
		t_in_callback--;
	}
}

static bool
refuse_from_callback(const char *what)
{
	if (t_in_callback == 0) {
		return false;
	}
	SPDK_ERRLOG("%s called from a log sink or open/close hook; ignored\n", what);
	return true;
}

/* The field of a caller's opts if its declared size covers it, else NULL. */
#define OPTS_FIELD(opts, field) \
	((opts)->size >= offsetof(struct spdk_log_opts, field) + sizeof((opts)->field) ? \
	 (opts)->field : NULL)

PW_EXPORT void
spdk_log_open_ext(struct spdk_log_opts *opts)
{
	struct spdk_log_opts next = { .size = sizeof(next) };

	if (opts != NULL && opts->size == 0) {
		SPDK_ERRLOG("spdk_log_opts.size is 0 (set it to sizeof(struct spdk_log_opts)); "
			    "using the default log output\n");
		opts = NULL;
	}
	if (opts == NULL) {
		next.open = default_open;
		next.close = default_close;
	} else {
		next.log = OPTS_FIELD(opts, log);
		next.open = OPTS_FIELD(opts, open);
		next.close = OPTS_FIELD(opts, close);
		next.user_ctx = OPTS_FIELD(opts, user_ctx);
	}

	if (refuse_from_callback("spdk_log_open_ext")) {
		return;
	}
	pthread_mutex_lock(&g_open_lock);
	/* SPDK forgets the previous sink without closing it; closing it first
	 * lets its owner release what it opened. */
	close_locked();
	g_opts = next;
	if (next.open != NULL) {
		t_in_callback++;
		next.open(next.user_ctx);
		t_in_callback--;
	}
	/* Pairs with the acquire load in spdk_vlog(). */
	__atomic_store_n(&g_sink, next.log, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g_open_lock);
}

PW_EXPORT void
spdk_log_open(spdk_log_cb *logf)
{
	struct spdk_log_opts opts = { .size = sizeof(opts), .log = logf };

	spdk_log_open_ext(logf != NULL ? &opts : NULL);
}

PW_EXPORT void
spdk_log_close(void)
{
	if (refuse_from_callback("spdk_log_close")) {
		return;
	}
	pthread_mutex_lock(&g_open_lock);
	close_locked();
	pthread_mutex_unlock(&g_open_lock);
}

/* ---- formatting ------------------------------------------------------ */

/* Writes the timestamp prefix (or nothing) into buf; returns its length. */
static size_t
format_timestamp(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	size_t n;
	int rc;

	buf[0] = '\0';
	if (!__atomic_load_n(&g_timestamps, __ATOMIC_RELAXED)) {
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (localtime_r(&ts.tv_sec, &tm) == NULL) {
		rc = snprintf(buf, cap, "[unknown date.%06ld] ", ts.tv_nsec / 1000);
		return rc > 0 ? (size_t)rc : 0;
	}
	n = strftime(buf, cap, "[%Y-%m-%d %H:%M:%S", &tm);
	rc = snprintf(buf + n, cap - n, ".%06ld] ", ts.tv_nsec / 1000);
	return n + (rc > 0 ? (size_t)rc : 0);
}

/* Writes all of buf to fd, retrying on EINTR and short writes, and waiting
 * (a bounded time) for room when fd is non-blocking. */
static void
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t rc = write(fd, buf, len);

		if (rc < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };

				if (poll(&pfd, 1, LOG_EAGAIN_WAIT_MS) > 0) {
					continue;
				}
			}
			return;	/* nowhere left to report it */
		}
		buf += rc;
		len -= (size_t)rc;
	}
}

/*
 * Writes one line to stderr, holding g_write_lock. The kernel keeps a write
 * of up to PIPE_BUF bytes to a pipe in one piece, and a write to a file opened
 * with open(2) too, but a longer line to a pipe or socket may be split and
 * mixed with other writers' lines, and some files (memfd, for one) do not
 * serialise their offset. Writes to one stderr are serialised by the kernel
 * anyway, so the lock costs almost nothing and makes every line whole
 * whatever fd 2 is (for the pthreads of this process).
 */
static void
write_stderr(const char *buf, size_t len, const char *tail, size_t tail_len)
{
	pthread_mutex_lock(&g_write_lock);
	write_all(STDERR_FILENO, buf, len);
	if (tail_len > 0) {
		write_all(STDERR_FILENO, tail, tail_len);
	}
	pthread_mutex_unlock(&g_write_lock);
}

/* A fork()ed child has only the forking pthread: a lock another pthread held
 * at the fork would never be released there. */
static void
reinit_locks_in_child(void)
{
	pthread_mutex_t init = PTHREAD_MUTEX_INITIALIZER;

	g_write_lock = init;
	g_open_lock = init;
	/* Only this pthread survives, and it is not inside a sink call. */
	g_sink_users = 0;
}

__attribute__((constructor)) static void
log_init(void)
{
	pthread_atfork(NULL, NULL, reinit_locks_in_child);
}

/* A formatted line: "<timestamp><header><message>". */
struct log_line {
	char *buf;		/* the stack buffer or heap */
	size_t len;		/* bytes in buf, excluding the NUL */
	size_t ts_len;		/* length of the timestamp prefix */
	char *heap;		/* to free, or NULL */
	bool truncated;		/* heap allocation failed: buf holds a prefix */
};

/*
 * Formats a line into stack (of LOG_STACK_BUF bytes) or, when too long, into
 * a heap buffer. level < 0 leaves the "*LEVEL*: " part out (spdk_flog).
 * Returns false only when format itself is invalid.
 */
static bool __attribute__((format(printf, 7, 0)))
format_line(struct log_line *l, char *stack, int level, const char *file, int line,
	    const char *func, const char *format, va_list ap)
{
	char ts[LOG_TS_BUF];
	const char *lname = level >= 0 ? pw__log_level_name(level) : NULL;
	int hlen = 0, mlen;
	size_t total;
	va_list cp;

	memset(l, 0, sizeof(*l));
	l->ts_len = format_timestamp(ts, sizeof(ts));
	func = func != NULL ? func : "";

	/* First pass into the stack buffer; the return values give the sizes. */
	memcpy(stack, ts, l->ts_len + 1);
	if (file != NULL) {
		if (lname != NULL) {
			hlen = snprintf(stack + l->ts_len, LOG_STACK_BUF - l->ts_len,
					"%s:%4d:%s: *%s*: ", file, line, func, lname);
		} else {
			hlen = snprintf(stack + l->ts_len, LOG_STACK_BUF - l->ts_len,
					"%s:%4d:%s: ", file, line, func);
		}
		if (hlen < 0) {
			return false;
		}
	}
	if (l->ts_len + (size_t)hlen < LOG_STACK_BUF) {
		va_copy(cp, ap);
		mlen = vsnprintf(stack + l->ts_len + hlen, LOG_STACK_BUF - l->ts_len - hlen,
				 format, cp);
		va_end(cp);
	} else {
		char dummy;

		va_copy(cp, ap);
		mlen = vsnprintf(&dummy, 1, format, cp);
		va_end(cp);
	}
	if (mlen < 0) {
		return false;
	}
	total = l->ts_len + (size_t)hlen + (size_t)mlen;
	l->buf = stack;
	if (total < LOG_STACK_BUF) {
		l->len = total;
		return true;
	}

	/* Too long for the stack: format again into a buffer of the exact size. */
	l->heap = pw__log_malloc(total + 1);
	if (l->heap == NULL) {
		l->len = strnlen(stack, LOG_STACK_BUF - 1);
		l->truncated = true;
		return true;
	}
	memcpy(l->heap, ts, l->ts_len);
	if (file != NULL) {
		if (lname != NULL) {
			snprintf(l->heap + l->ts_len, total + 1 - l->ts_len,
				 "%s:%4d:%s: *%s*: ", file, line, func, lname);
		} else {
			snprintf(l->heap + l->ts_len, total + 1 - l->ts_len,
				 "%s:%4d:%s: ", file, line, func);
		}
	}
	va_copy(cp, ap);
	vsnprintf(l->heap + l->ts_len + hlen, (size_t)mlen + 1, format, cp);
	va_end(cp);
	l->buf = l->heap;
	l->len = total;
	return true;
}

static const char g_truncated_note[] = "... [log line cut: out of memory]\n";
static const char g_bad_format[] = "[log: invalid format string]\n";

/* ---- logging --------------------------------------------------------- */

PW_EXPORT void
spdk_vlog(enum spdk_log_level level, const char *file, const int line, const char *func,
	  const char *format, va_list ap)
{
	char stack[LOG_STACK_BUF];
	struct log_line l;
	bool to_stderr, to_syslog;
	int saved_errno = errno;
	spdk_log_cb *sink;

	/* Pairs with the stores in spdk_log_open_ext()/close_locked(). */
	sink = __atomic_load_n(&g_sink, __ATOMIC_ACQUIRE);
	if (sink != NULL) {
		/* Announce the call, then look again (see close_locked()). */
		__atomic_fetch_add(&g_sink_users, 1, __ATOMIC_SEQ_CST);
		sink = __atomic_load_n(&g_sink, __ATOMIC_SEQ_CST);
		if (sink != NULL) {
			t_in_callback++;
			sink((int)level, file, line, func, format, ap);
			t_in_callback--;
		}
		/* Read by the wait in close_locked(). */
		__atomic_fetch_sub(&g_sink_users, 1, __ATOMIC_RELEASE);
		if (sink != NULL) {
			errno = saved_errno;
			return;
		}
	}

	if ((int)level < SPDK_LOG_ERROR || format == NULL) {
		return;
	}
	to_stderr = (int)level <= __atomic_load_n(&g_print_level, __ATOMIC_RELAXED);
	to_syslog = __atomic_load_n(&g_syslog, __ATOMIC_RELAXED) &&
		    (int)level <= __atomic_load_n(&g_log_level, __ATOMIC_RELAXED);
	if (!to_stderr && !to_syslog) {
		return;
	}

	if (!format_line(&l, stack, (int)level, file, line, func, format, ap)) {
		if (to_stderr) {
			write_stderr(g_bad_format, sizeof(g_bad_format) - 1, NULL, 0);
		}
		goto out;
	}
	if (to_stderr) {
		write_stderr(l.buf, l.len, g_truncated_note,
			     l.truncated ? sizeof(g_truncated_note) - 1 : 0);
	}
	if (to_syslog) {
		syslog(spdk_log_to_syslog_level(level), "%s%s", l.buf + l.ts_len,
		       l.truncated ? g_truncated_note : "");
	}
	free(l.heap);
out:
	/* Callers often log and then return -errno. */
	errno = saved_errno;
}

PW_EXPORT void
spdk_log(enum spdk_log_level level, const char *file, const int line, const char *func,
	 const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	spdk_vlog(level, file, line, func, format, ap);
	va_end(ap);
}

PW_EXPORT void
spdk_vflog(FILE *fp, const char *file, const int line, const char *func,
	   const char *format, va_list ap)
{
	char stack[LOG_STACK_BUF];
	struct log_line l;

	if (fp == NULL || format == NULL) {
		SPDK_ERRLOG("spdk_vflog: %s is NULL\n", fp == NULL ? "fp" : "format");
		return;
	}
	if (!format_line(&l, stack, -1, file, line, func, format, ap)) {
		fputs(g_bad_format, fp);
		fflush(fp);
		return;
	}
	flockfile(fp);
	fwrite(l.buf, 1, l.len, fp);
	if (l.truncated) {
		fputs(g_truncated_note, fp);
	}
	fflush(fp);
	funlockfile(fp);
	free(l.heap);
}

PW_EXPORT void
spdk_flog(FILE *fp, const char *file, const int line, const char *func,
	  const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	spdk_vflog(fp, file, line, func, format, ap);
	va_end(ap);
}
