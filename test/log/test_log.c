/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of the log layer: levels, stderr format, sinks, flags, usage,
 * rate limiting, hex dumps, spdk_flog, deprecations, and the log_capture
 * helper the other tests rely on.
 */

/* SPDK_DEBUGLOG and SPDK_LOGDUMP are compiled only with DEBUG, as in SPDK. */
#define DEBUG 1

#include "spdk/stdinc.h"
#include "spdk/log.h"
#include "spdk/util.h"

#include "harness.h"
#include "log_capture.h"
#include "log/log_internal.h"

/* Registered out of order on purpose: the list must come out sorted. */
SPDK_LOG_REGISTER_COMPONENT(zulu)
SPDK_LOG_REGISTER_COMPONENT(thread_x)
SPDK_LOG_REGISTER_COMPONENT(alpha)
SPDK_LOG_REGISTER_COMPONENT(thread_a)
SPDK_LOG_REGISTER_COMPONENT(Mike)

SPDK_LOG_DEPRECATION_REGISTER(ut_every_time, "not rate limited", "never", 0)
SPDK_LOG_DEPRECATION_REGISTER(ut_limited, "with rate limit", "v99.01", 2)
SPDK_LOG_DEPRECATION_REGISTER(ut_never_used, "not called", "maybe", 0)

/* ---- helpers ---------------------------------------------------------- */

static int g_saved_stderr = -1;

/* Send fd 2 to an anonymous file until stderr_end(). */
static int
stderr_begin(void)
{
	int fd = memfd_create("stderr", 0);

	ASSERT_GE(fd, 0);
	fflush(stderr);
	g_saved_stderr = dup(STDERR_FILENO);
	ASSERT_GE(g_saved_stderr, 0);
	ASSERT_EQ(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	return fd;
}

/* Restore fd 2 and return what was written to it (caller frees). */
static char *
stderr_end(int fd)
{
	struct stat st;
	char *text;

	fflush(stderr);
	ASSERT_EQ(dup2(g_saved_stderr, STDERR_FILENO), STDERR_FILENO);
	close(g_saved_stderr);
	ASSERT_EQ(fstat(fd, &st), 0);
	text = calloc(1, (size_t)st.st_size + 1);
	ASSERT_NOT_NULL(text);
	ASSERT_EQ(pread(fd, text, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	return text;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		n += *s == '\n';
	}
	return n;
}

/* A fake clock for rate limits. */
static uint64_t g_fake_ns = 1000;

static uint64_t
fake_clock(void)
{
	return __atomic_load_n(&g_fake_ns, __ATOMIC_RELAXED);
}

#define NSEC_PER_SEC 1000000000ULL

/* ---- levels ----------------------------------------------------------- */

TEST(default_levels)
{
	ASSERT_EQ(spdk_log_get_level(), SPDK_LOG_NOTICE);
	ASSERT_EQ(spdk_log_get_print_level(), SPDK_LOG_NOTICE);
}

TEST(set_get_levels)
{
	int l;

	for (l = SPDK_LOG_DISABLED; l <= SPDK_LOG_DEBUG; l++) {
		spdk_log_set_level((enum spdk_log_level)l);
		ASSERT_EQ(spdk_log_get_level(), l);
		spdk_log_set_print_level((enum spdk_log_level)l);
		ASSERT_EQ(spdk_log_get_print_level(), l);
	}
}

TEST(bad_levels_are_refused_and_logged)
{
	spdk_log_set_level(SPDK_LOG_WARN);
	spdk_log_set_print_level(SPDK_LOG_INFO);
	log_capture_start();
	spdk_log_set_level((enum spdk_log_level)7);
	spdk_log_set_level((enum spdk_log_level) - 2);
	spdk_log_set_print_level((enum spdk_log_level)5);
	log_capture_stop();
	ASSERT_EQ(spdk_log_get_level(), SPDK_LOG_WARN);
	ASSERT_EQ(spdk_log_get_print_level(), SPDK_LOG_INFO);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 3);
	ASSERT_TRUE(log_capture_contains("log level 7 is out of range"));
	ASSERT_TRUE(log_capture_contains("log level -2 is out of range"));
	ASSERT_TRUE(log_capture_contains("print level 5 is out of range"));
}

TEST(syslog_level_mapping)
{
	ASSERT_EQ(spdk_log_to_syslog_level(SPDK_LOG_DISABLED), -1);
	ASSERT_EQ(spdk_log_to_syslog_level(SPDK_LOG_ERROR), LOG_ERR);
	ASSERT_EQ(spdk_log_to_syslog_level(SPDK_LOG_WARN), LOG_WARNING);
	ASSERT_EQ(spdk_log_to_syslog_level(SPDK_LOG_NOTICE), LOG_NOTICE);
	ASSERT_EQ(spdk_log_to_syslog_level(SPDK_LOG_INFO), LOG_INFO);
	ASSERT_EQ(spdk_log_to_syslog_level(SPDK_LOG_DEBUG), LOG_INFO);
	ASSERT_EQ(spdk_log_to_syslog_level((enum spdk_log_level)42), LOG_INFO);
}

/* ---- stderr output ---------------------------------------------------- */

TEST(stderr_line_format)
{
	char expect[256];
	char *out;
	int fd, line;

	spdk_log_enable_timestamps(false);
	fd = stderr_begin();
	line = __LINE__ + 1;
	SPDK_ERRLOG("value %d\n", 42);
	SPDK_WARNLOG("careful\n");
	SPDK_NOTICELOG("note\n");
	SPDK_PRINTF("bare %s\n", "text");
	out = stderr_end(fd);

	snprintf(expect, sizeof(expect),
		 "%s:%4d:%s: *ERROR*: value 42\n"
		 "%s:%4d:%s: *WARNING*: careful\n"
		 "%s:%4d:%s: *NOTICE*: note\n"
		 "bare text\n",
		 __FILE__, line, __func__, __FILE__, line + 1, __func__,
		 __FILE__, line + 2, __func__);
	ASSERT_STR_EQ(out, expect);
	free(out);
}

/* "[YYYY-MM-DD HH:MM:SS.uuuuuu] " */
static void
check_timestamp(const char *s)
{
	static const char pattern[] = "[dddd-dd-dd dd:dd:dd.dddddd] ";
	size_t i;

	for (i = 0; i < sizeof(pattern) - 1; i++) {
		if (pattern[i] == 'd') {
			ASSERT_TRUE(isdigit((unsigned char)s[i]));
		} else {
			ASSERT_EQ(s[i], pattern[i]);
		}
	}
}

TEST(timestamps_on_by_default_and_switchable)
{
	char *out, *second;
	int fd;

	fd = stderr_begin();
	SPDK_ERRLOG("stamped\n");
	SPDK_PRINTF("stamped bare\n");
	spdk_log_enable_timestamps(false);
	SPDK_PRINTF("plain\n");
	out = stderr_end(fd);

	ASSERT_EQ(count_lines(out), 3);
	check_timestamp(out);
	ASSERT_STR_CONTAINS(out + 29, __FILE__ ":");
	second = strchr(out, '\n') + 1;
	check_timestamp(second);
	ASSERT_EQ(strncmp(second + 29, "stamped bare\n", 13), 0);
	ASSERT_STR_CONTAINS(second, "\nplain\n");
	free(out);
}

TEST(print_level_filters_stderr)
{
	char *out;
	int fd;

	spdk_log_enable_timestamps(false);
	spdk_log_set_print_level(SPDK_LOG_WARN);
	fd = stderr_begin();
	SPDK_ERRLOG("e1\n");
	SPDK_WARNLOG("w1\n");
	SPDK_NOTICELOG("n1\n");
	SPDK_PRINTF("p1\n");
	spdk_log(SPDK_LOG_INFO, __FILE__, __LINE__, __func__, "i1\n");
	spdk_log_set_print_level(SPDK_LOG_DEBUG);
	spdk_log(SPDK_LOG_DEBUG, __FILE__, __LINE__, __func__, "d1\n");
	spdk_log(SPDK_LOG_DISABLED, __FILE__, __LINE__, __func__, "never\n");
	spdk_log_set_print_level(SPDK_LOG_DISABLED);
	SPDK_ERRLOG("e2\n");
	out = stderr_end(fd);

	ASSERT_EQ(count_lines(out), 3);
	ASSERT_STR_CONTAINS(out, "*ERROR*: e1\n");
	ASSERT_STR_CONTAINS(out, "*WARNING*: w1\n");
	ASSERT_STR_CONTAINS(out, "*DEBUG*: d1\n");
	ASSERT_NULL(strstr(out, "never"));
	ASSERT_NULL(strstr(out, "e2"));
	free(out);
}

static void
long_message(size_t n)
{
	char *big = malloc(n + 1), *out, *p;
	int fd;

	ASSERT_NOT_NULL(big);
	memset(big, 'x', n);
	big[0] = '<';
	big[n - 1] = '>';
	big[n] = '\0';
	spdk_log_enable_timestamps(true);
	fd = stderr_begin();
	SPDK_ERRLOG("%s|end\n", big);
	out = stderr_end(fd);

	ASSERT_EQ(count_lines(out), 1);
	p = strstr(out, "*ERROR*: <");
	ASSERT_NOT_NULL(p);
	p += strlen("*ERROR*: ");
	ASSERT_EQ(strlen(p), n + strlen("|end\n"));
	ASSERT_EQ(memcmp(p, big, n), 0);
	ASSERT_STR_EQ(p + n, "|end\n");
	free(out);
	free(big);
}

TEST(long_messages_are_not_truncated)
{
	long_message(900);	/* header + message cross the stack buffer */
	long_message(1024);
	long_message(5000);	/* longer than PIPE_BUF */
	long_message(1 << 20);
}

static void *
failing_malloc(size_t size)
{
	return NULL;
}

TEST(long_line_without_memory_is_cut_visibly)
{
	static const char note[] = "... [log line cut: out of memory]\n";
	char big[5000], *out;
	int fd;

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	spdk_log_enable_timestamps(false);
	pw__log_set_malloc(failing_malloc);
	fd = stderr_begin();
	spdk_log(SPDK_LOG_ERROR, "f.c", 1, "g", "%s\n", big);
	SPDK_PRINTF("short lines still fit\n");
	out = stderr_end(fd);
	pw__log_set_malloc(NULL);

	/* The stack buffer's worth (1023 bytes), then the note, then the next line. */
	ASSERT_EQ(count_lines(out), 2);
	ASSERT_EQ(strncmp(out, "f.c:   1:g: *ERROR*: yyyy", 25), 0);
	ASSERT_EQ(strlen(out), 1023 + strlen(note) + strlen("short lines still fit\n"));
	ASSERT_EQ(memcmp(out + 1023, note, strlen(note)), 0);
	free(out);
}

static char *dump_to_string(const char *label, const void *buf, size_t len);

TEST(dump_without_memory_is_complete)
{
	size_t len = 3000, i;
	uint8_t *buf = malloc(len);
	char *normal, *degraded;

	ASSERT_NOT_NULL(buf);
	for (i = 0; i < len; i++) {
		buf[i] = (uint8_t)(i * 7);
	}
	normal = dump_to_string("label", buf, len);
	pw__log_set_malloc(failing_malloc);
	degraded = dump_to_string("label", buf, len);
	pw__log_set_malloc(NULL);
	ASSERT_STR_EQ(degraded, normal);
	free(normal);
	free(degraded);
	free(buf);
}

TEST(long_file_name_is_kept)
{
	char file[2000];
	char *out;
	int fd;

	memset(file, 'f', sizeof(file) - 1);
	file[sizeof(file) - 1] = '\0';
	spdk_log_enable_timestamps(false);
	fd = stderr_begin();
	spdk_log(SPDK_LOG_ERROR, file, 7, "fn", "msg %d\n", 1);
	out = stderr_end(fd);
	ASSERT_EQ(strlen(out), sizeof(file) - 1 + strlen(":   7:fn: *ERROR*: msg 1\n"));
	ASSERT_STR_EQ(out + sizeof(file) - 1, ":   7:fn: *ERROR*: msg 1\n");
	free(out);
}

TEST(errno_is_preserved)
{
	int fd = stderr_begin();

	errno = ENOSPC;
	SPDK_ERRLOG("something failed\n");
	ASSERT_EQ(errno, ENOSPC);
	errno = EBADF;
	SPDK_ERRLOG("%s\n", "with heap buffer, long enough? no, but fine");
	ASSERT_EQ(errno, EBADF);
	free(stderr_end(fd));
}

/* ---- sinks ------------------------------------------------------------ */

struct sink_record {
	int level;
	char file[128];
	int line;
	char func[64];
	char msg[256];
};

static struct sink_record g_rec[16];
static int g_nrec;

static void __attribute__((format(printf, 5, 0)))
record_sink(int level, const char *file, const int line, const char *func,
	    const char *format, va_list args)
{
	struct sink_record *r;

	ASSERT_LT(g_nrec, 16);
	r = &g_rec[g_nrec++];
	r->level = level;
	snprintf(r->file, sizeof(r->file), "%s", file ? file : "(null)");
	r->line = line;
	snprintf(r->func, sizeof(r->func), "%s", func ? func : "(null)");
	vsnprintf(r->msg, sizeof(r->msg), format, args);
}

TEST(sink_gets_every_message_unfiltered)
{
	char *out;
	int fd, line;

	spdk_log_set_print_level(SPDK_LOG_DISABLED);
	spdk_log_set_level(SPDK_LOG_DISABLED);
	fd = stderr_begin();
	spdk_log_open(record_sink);
	line = __LINE__ + 1;
	SPDK_ERRLOG("err %d\n", 1);
	spdk_log(SPDK_LOG_DEBUG, "f.c", 3, "g", "dbg\n");
	SPDK_PRINTF("bare\n");
	spdk_log_close();
	SPDK_ERRLOG("after close\n");
	out = stderr_end(fd);

	ASSERT_EQ(g_nrec, 3);
	ASSERT_EQ(g_rec[0].level, SPDK_LOG_ERROR);
	ASSERT_STR_EQ(g_rec[0].file, __FILE__);
	ASSERT_EQ(g_rec[0].line, line);
	ASSERT_STR_EQ(g_rec[0].func, __func__);
	ASSERT_STR_EQ(g_rec[0].msg, "err 1\n");
	ASSERT_EQ(g_rec[1].level, SPDK_LOG_DEBUG);
	ASSERT_STR_EQ(g_rec[1].msg, "dbg\n");
	ASSERT_EQ(g_rec[2].level, SPDK_LOG_NOTICE);
	ASSERT_STR_EQ(g_rec[2].file, "(null)");
	ASSERT_EQ(g_rec[2].line, -1);
	/* Nothing reached stderr: the print level is DISABLED and the sink took
	 * the rest. */
	ASSERT_STR_EQ(out, "");
	free(out);
}

TEST(close_restores_stderr)
{
	char *out;
	int fd;

	spdk_log_enable_timestamps(false);
	fd = stderr_begin();
	spdk_log_open(record_sink);
	SPDK_ERRLOG("to sink\n");
	spdk_log_close();
	SPDK_ERRLOG("to stderr\n");
	spdk_log_close();	/* harmless twice */
	out = stderr_end(fd);
	ASSERT_EQ(g_nrec, 1);
	ASSERT_EQ(count_lines(out), 1);
	ASSERT_STR_CONTAINS(out, "*ERROR*: to stderr\n");
	free(out);
}

TEST(default_open_and_close)
{
	char *out;
	int fd;

	spdk_log_enable_timestamps(false);
	spdk_log_set_level(SPDK_LOG_ERROR);
	fd = stderr_begin();
	spdk_log_open(NULL);
	SPDK_NOTICELOG("still on stderr\n");
	spdk_log_close();
	out = stderr_end(fd);
	ASSERT_STR_CONTAINS(out, "*NOTICE*: still on stderr\n");
	free(out);
}

enum ext_state { EXT_UNUSED, EXT_OPENED, EXT_USED, EXT_CLOSED };
static enum ext_state g_ext_state;
static int g_ext_closes;

static void __attribute__((format(printf, 5, 0)))
ext_log(int level, const char *file, const int line, const char *func,
	const char *format, va_list args)
{
	g_ext_state = EXT_USED;
}

static void
ext_open(void *ctx)
{
	*(enum ext_state *)ctx = EXT_OPENED;
}

static void
ext_close(void *ctx)
{
	*(enum ext_state *)ctx = EXT_CLOSED;
	g_ext_closes++;
}

TEST(open_ext_hooks_and_ctx)
{
	struct spdk_log_opts opts = {
		.log = ext_log, .open = ext_open, .close = ext_close, .user_ctx = &g_ext_state,
	};

	opts.size = SPDK_SIZEOF(&opts, user_ctx);
	ASSERT_EQ(g_ext_state, EXT_UNUSED);
	spdk_log_open_ext(&opts);
	ASSERT_EQ(g_ext_state, EXT_OPENED);
	SPDK_WARNLOG("x\n");
	ASSERT_EQ(g_ext_state, EXT_USED);
	spdk_log_close();
	ASSERT_EQ(g_ext_state, EXT_CLOSED);
	ASSERT_EQ(g_ext_closes, 1);
}

TEST(open_ext_honours_size)
{
	struct spdk_log_opts opts = {
		.log = record_sink, .open = ext_open, .close = ext_close, .user_ctx = &g_ext_state,
	};

	/* A caller that only knows the fields up to .log: the rest are ignored. */
	opts.size = SPDK_SIZEOF(&opts, log);
	spdk_log_open_ext(&opts);
	ASSERT_EQ(g_ext_state, EXT_UNUSED);
	SPDK_ERRLOG("one\n");
	spdk_log_close();
	ASSERT_EQ(g_ext_closes, 0);
	ASSERT_EQ(g_nrec, 1);
}

TEST(open_ext_size_zero_is_refused)
{
	struct spdk_log_opts opts = { .size = 0, .log = record_sink };
	char *out;
	int fd;

	fd = stderr_begin();
	spdk_log_open_ext(&opts);
	SPDK_ERRLOG("went to stderr\n");
	spdk_log_close();
	out = stderr_end(fd);
	ASSERT_EQ(g_nrec, 0);
	ASSERT_STR_CONTAINS(out, "spdk_log_opts.size is 0");
	ASSERT_STR_CONTAINS(out, "went to stderr");
	free(out);
}

TEST(reopen_closes_previous_sink)
{
	struct spdk_log_opts opts = {
		.size = sizeof(opts), .log = ext_log, .close = ext_close, .user_ctx = &g_ext_state,
	};

	spdk_log_open_ext(&opts);
	spdk_log_open(record_sink);
	ASSERT_EQ(g_ext_closes, 1);
	SPDK_ERRLOG("to the new sink\n");
	ASSERT_EQ(g_nrec, 1);
	spdk_log_close();
	ASSERT_EQ(g_ext_closes, 1);
}

static int g_reentry_calls;
static char g_reentry_msgs[4][160];

static void __attribute__((format(printf, 5, 0)))
reentrant_sink(int level, const char *file, const int line, const char *func,
	       const char *format, va_list args)
{
	int n = g_reentry_calls++;

	ASSERT_LT(n, 4);
	vsnprintf(g_reentry_msgs[n], sizeof(g_reentry_msgs[n]), format, args);
	if (n == 0) {
		spdk_log_close();		/* would wait for itself */
		spdk_log_open(NULL);
	}
}

TEST(open_and_close_from_a_sink_are_refused)
{
	spdk_log_open(reentrant_sink);
	SPDK_ERRLOG("trigger\n");
	ASSERT_EQ(g_reentry_calls, 3);
	ASSERT_STR_EQ(g_reentry_msgs[0], "trigger\n");
	ASSERT_STR_EQ(g_reentry_msgs[1],
		      "spdk_log_close called from a log sink or open/close hook; ignored\n");
	ASSERT_STR_EQ(g_reentry_msgs[2],
		      "spdk_log_open_ext called from a log sink or open/close hook; ignored\n");
	/* Still installed. */
	SPDK_ERRLOG("again\n");
	ASSERT_EQ(g_reentry_calls, 4);
	spdk_log_close();
}

static void
reopening_hook(void *ctx)
{
	spdk_log_open(NULL);
}

TEST(open_from_an_open_hook_is_refused)
{
	struct spdk_log_opts opts = {
		.size = sizeof(opts), .log = record_sink, .open = reopening_hook,
	};

	spdk_log_open_ext(&opts);
	/* The refusal was logged while the new sink was not yet in place. */
	SPDK_ERRLOG("after\n");
	ASSERT_EQ(g_nrec, 1);
	ASSERT_STR_EQ(g_rec[0].msg, "after\n");
	spdk_log_close();
}

/* ---- flags ------------------------------------------------------------ */

TEST(flags_registered_before_main_in_name_order)
{
	static const char *const expect[] = { "alpha", "Mike", "thread_a", "thread_x", "zulu" };
	struct spdk_log_flag *f;
	size_t i = 0;

	for (f = spdk_log_get_first_flag(); f != NULL; f = spdk_log_get_next_flag(f)) {
		ASSERT_LT(i, SPDK_COUNTOF(expect));
		ASSERT_STR_EQ(f->name, expect[i]);
		ASSERT_FALSE(f->enabled);
		i++;
	}
	ASSERT_EQ(i, SPDK_COUNTOF(expect));
	ASSERT_NULL(spdk_log_get_next_flag(NULL));
}

TEST(runtime_registration_keeps_order)
{
	static struct spdk_log_flag late_b, late_a, last;
	struct spdk_log_flag *f;

	spdk_log_register_flag("nvme", &late_b);
	spdk_log_register_flag("bdev", &late_a);
	spdk_log_register_flag("zz_top", &last);
	f = spdk_log_get_first_flag();
	ASSERT_STR_EQ(f->name, "alpha");
	f = spdk_log_get_next_flag(f);
	ASSERT_PTR_EQ(f, &late_a);
	ASSERT_STR_EQ(spdk_log_get_next_flag(f)->name, "Mike");
	f = spdk_log_get_next_flag(spdk_log_get_next_flag(f));
	ASSERT_PTR_EQ(f, &late_b);
	ASSERT_PTR_EQ(spdk_log_get_next_flag(&SPDK_LOG_zulu), &last);
	ASSERT_NULL(spdk_log_get_next_flag(&last));
}

TEST(bad_registrations_are_refused)
{
	static struct spdk_log_flag dup, all, glob, empty;

	log_capture_start();
	spdk_log_register_flag("ALPHA", &dup);
	spdk_log_register_flag("all", &all);
	spdk_log_register_flag("th*", &glob);
	spdk_log_register_flag("", &empty);
	spdk_log_register_flag(NULL, &empty);
	spdk_log_register_flag("x", NULL);
	log_capture_stop();
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 6);
	ASSERT_TRUE(log_capture_contains("'ALPHA': a flag of that name exists"));
	ASSERT_TRUE(log_capture_contains("'all': the name is reserved"));
	ASSERT_TRUE(log_capture_contains("'th*': the name is reserved or holds glob"));
	ASSERT_TRUE(log_capture_contains("flag is NULL"));
	ASSERT_EQ(log_capture_count_matching("name is NULL or empty"), 2);
	/* None of them joined the list. */
	ASSERT_NULL(dup.tailq.tqe_prev);
	ASSERT_NULL(all.tailq.tqe_prev);
	ASSERT_NULL(glob.tailq.tqe_prev);
	ASSERT_NULL(empty.tailq.tqe_prev);
}

TEST(set_and_clear_one_flag)
{
	ASSERT_FALSE(spdk_log_get_flag("alpha"));
	ASSERT_EQ(spdk_log_set_flag("alpha"), 0);
	ASSERT_TRUE(spdk_log_get_flag("alpha"));
	ASSERT_TRUE(spdk_log_get_flag("ALPHA"));	/* names ignore case */
	ASSERT_TRUE(SPDK_LOG_alpha.enabled);
	ASSERT_FALSE(spdk_log_get_flag("zulu"));
	ASSERT_EQ(spdk_log_clear_flag("Alpha"), 0);
	ASSERT_FALSE(spdk_log_get_flag("alpha"));
	ASSERT_FALSE(spdk_log_get_flag("nonexistent"));
	ASSERT_FALSE(spdk_log_get_flag(NULL));
	ASSERT_TRUE(SPDK_DEBUGLOG_FLAG_ENABLED("alpha") == false);
}

TEST(set_and_clear_all)
{
	struct spdk_log_flag *f;

	ASSERT_EQ(spdk_log_set_flag("all"), 0);
	for (f = spdk_log_get_first_flag(); f != NULL; f = spdk_log_get_next_flag(f)) {
		ASSERT_TRUE(f->enabled);
	}
	ASSERT_EQ(spdk_log_clear_flag("ALL"), 0);
	for (f = spdk_log_get_first_flag(); f != NULL; f = spdk_log_get_next_flag(f)) {
		ASSERT_FALSE(f->enabled);
	}
}

TEST(set_and_clear_glob)
{
	ASSERT_EQ(spdk_log_set_flag("thr*"), 0);
	ASSERT_TRUE(spdk_log_get_flag("thread_a"));
	ASSERT_TRUE(spdk_log_get_flag("thread_x"));
	ASSERT_FALSE(spdk_log_get_flag("alpha"));
	ASSERT_EQ(spdk_log_clear_flag("*_x"), 0);
	ASSERT_TRUE(spdk_log_get_flag("thread_a"));
	ASSERT_FALSE(spdk_log_get_flag("thread_x"));
	ASSERT_EQ(spdk_log_set_flag("[az]*"), 0);
	ASSERT_TRUE(spdk_log_get_flag("alpha"));
	ASSERT_TRUE(spdk_log_get_flag("zulu"));
	ASSERT_FALSE(spdk_log_get_flag("mike"));
	ASSERT_EQ(spdk_log_set_flag("MI?E"), 0);
	ASSERT_TRUE(spdk_log_get_flag("mike"));
}

TEST(unknown_flags_fail_and_log)
{
	log_capture_start();
	ASSERT_EQ(spdk_log_set_flag("nope"), -EINVAL);
	ASSERT_EQ(spdk_log_clear_flag("nope*"), -EINVAL);
	ASSERT_EQ(spdk_log_set_flag(NULL), -EINVAL);
	log_capture_stop();
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 3);
	ASSERT_TRUE(log_capture_contains("unknown log flag 'nope'"));
	ASSERT_TRUE(log_capture_contains("unknown log flag 'nope*'"));
	ASSERT_TRUE(log_capture_contains("log flag name is NULL"));
}

TEST(info_and_debug_logs_follow_flags)
{
	spdk_log_set_print_level(SPDK_LOG_ERROR);	/* the sink ignores it anyway */
	log_capture_start();
	SPDK_INFOLOG(alpha, "info off\n");
	SPDK_DEBUGLOG(alpha, "debug off\n");
	spdk_log_set_flag("alpha");
	SPDK_INFOLOG(alpha, "info on %d\n", 1);
	SPDK_DEBUGLOG(alpha, "debug on %d\n", 2);
	SPDK_INFOLOG(zulu, "other flag\n");
	log_capture_stop();
	ASSERT_EQ(log_capture_total(), 2);
	ASSERT_EQ(log_capture_count(SPDK_LOG_INFO), 1);
	ASSERT_EQ(log_capture_count(SPDK_LOG_DEBUG), 1);
	ASSERT_TRUE(log_capture_contains("*INFO*: info on 1\n"));
	ASSERT_TRUE(log_capture_contains("*DEBUG*: debug on 2\n"));
	ASSERT_TRUE(SPDK_DEBUGLOG_FLAG_ENABLED("alpha"));
}

TEST(logdump_macro_follows_flag)
{
	char *out;
	int fd;

	fd = stderr_begin();
	SPDK_LOGDUMP(zulu, "off:", "abc", 3);
	spdk_log_set_flag("zulu");
	SPDK_LOGDUMP(zulu, "on:", "abc", 3);
	out = stderr_end(fd);
	ASSERT_STR_EQ(out, "on:\n00000000  61 62 63" "                                          abc\n");
	free(out);
}

/* ---- usage ------------------------------------------------------------ */

TEST(usage_lists_flags)
{
	char buf[512] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	ASSERT_NOT_NULL(f);
	spdk_log_usage(f, "-L");
	fclose(f);
	ASSERT_STR_EQ(buf, " -L, --logflag <flag>    enable log flag "
		      "(all, alpha, Mike, thread_a, thread_x, zulu)\n");
}

TEST(usage_null_stream_is_logged)
{
	log_capture_start();
	spdk_log_usage(NULL, "-L");
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("spdk_log_usage: f is NULL"));
}

/* ---- rate limit ------------------------------------------------------- */

static void
ratelimited_site(int i)
{
	SPDK_ERRLOG_RATELIMIT("burst %d\n", i);
}

TEST(ratelimit_squashes_within_a_second)
{
	int i;

	pw__log_set_clock(fake_clock);
	log_capture_start();
	for (i = 0; i < 10; i++) {
		ratelimited_site(i);	/* only the first gets through */
	}
	ASSERT_EQ(log_capture_total(), 1);
	ASSERT_TRUE(log_capture_contains("*ERROR*: burst 0\n"));

	g_fake_ns += NSEC_PER_SEC - 1;	/* not yet a second */
	ratelimited_site(10);
	ASSERT_EQ(log_capture_total(), 1);

	g_fake_ns += 1;
	ratelimited_site(11);
	ASSERT_EQ(log_capture_total(), 3);
	ASSERT_TRUE(log_capture_contains("*ERROR*: burst 11\n"));
	ASSERT_TRUE(log_capture_contains("*ERROR*: (same message squashed 10 times)\n"));

	/* A quiet second: the next message goes through with nothing squashed. */
	g_fake_ns += 5 * NSEC_PER_SEC;
	ratelimited_site(12);
	ASSERT_EQ(log_capture_total(), 4);
	ASSERT_EQ(log_capture_count_matching("squashed"), 1);
	log_capture_stop();
	pw__log_set_clock(NULL);
}

TEST(ratelimit_call_sites_are_independent)
{
	int i;

	pw__log_set_clock(fake_clock);
	log_capture_start();
	for (i = 0; i < 3; i++) {
		SPDK_ERRLOG_RATELIMIT("site A\n");
		SPDK_ERRLOG_RATELIMIT("site B\n");
	}
	log_capture_stop();
	ASSERT_EQ(log_capture_count_matching("site A"), 1);
	ASSERT_EQ(log_capture_count_matching("site B"), 1);
	pw__log_set_clock(NULL);
}

TEST(ratelimit_check_api)
{
	struct pw_log_ratelimit rl = { 0, 0 };
	uint64_t sq = 99;

	pw__log_set_clock(fake_clock);
	ASSERT_TRUE(pw_log_ratelimit_check(&rl, &sq));
	ASSERT_EQ(sq, 0);
	ASSERT_FALSE(pw_log_ratelimit_check(&rl, &sq));
	ASSERT_FALSE(pw_log_ratelimit_check(&rl, NULL));
	g_fake_ns += NSEC_PER_SEC;
	ASSERT_TRUE(pw_log_ratelimit_check(&rl, &sq));
	ASSERT_EQ(sq, 2);
	log_capture_start();
	ASSERT_TRUE(pw_log_ratelimit_check(NULL, &sq));
	log_capture_stop();
	ASSERT_EQ(sq, 0);
	ASSERT_TRUE(log_capture_contains("rl is NULL"));
	pw__log_set_clock(NULL);
}

TEST(ratelimit_real_clock_lets_first_through)
{
	log_capture_start();
	ratelimited_site(1);
	ratelimited_site(2);
	log_capture_stop();
	ASSERT_EQ(log_capture_total(), 1);
}

/* ---- hex dump and flog ------------------------------------------------ */

static char *
dump_to_string(const char *label, const void *buf, size_t len)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	ASSERT_NOT_NULL(f);
	spdk_log_dump(f, label, buf, len);
	fclose(f);
	return text;
}

TEST(dump_format)
{
	char expect[512];
	char *s;

	/* Short last lines are padded so that the text column stays aligned. */
	s = dump_to_string("spdk dump test:", "spdk dump", 9);
	snprintf(expect, sizeof(expect), "spdk dump test:\n"
		 "00000000  73 70 64 6b 20 64 75 6d  70%*s%s\n", 23, "", "spdk dump");
	ASSERT_STR_EQ(s, expect);
	free(s);

	s = dump_to_string("label", "spdk dump 16 more chars", 23);
	snprintf(expect, sizeof(expect), "label\n"
		 "00000000  73 70 64 6b 20 64 75 6d  70 20 31 36 20 6d 6f 72  spdk dump 16 mor\n"
		 "00000010  65 20 63 68 61 72 73%*s%s\n", 30, "", "e chars");
	ASSERT_STR_EQ(s, expect);
	free(s);

	s = dump_to_string("bin", "\x00\x01\x7f\x80\xff\n\t~", 8);
	snprintf(expect, sizeof(expect), "bin\n"
		 "00000000  00 01 7f 80 ff 0a 09 7e%*s%s\n", 27, "", ".......~");
	ASSERT_STR_EQ(s, expect);
	free(s);

	s = dump_to_string("empty", NULL, 0);
	ASSERT_STR_EQ(s, "empty\n");
	free(s);

	s = dump_to_string(NULL, "A", 1);
	snprintf(expect, sizeof(expect), "\n00000000  41%*s%s\n", 48, "", "A");
	ASSERT_STR_EQ(s, expect);
	free(s);
}

TEST(dump_large_buffer)
{
	size_t len = 4096 + 5, i, lines = 0;
	uint8_t *buf = malloc(len);
	char *s, *p;

	ASSERT_NOT_NULL(buf);
	for (i = 0; i < len; i++) {
		buf[i] = (uint8_t)i;
	}
	s = dump_to_string("big", buf, len);
	for (p = s; *p; p++) {
		lines += *p == '\n';
	}
	ASSERT_EQ(lines, 1 + (len + 15) / 16);
	ASSERT_STR_CONTAINS(s, "\n00001000  00 01 02 03 04 ");
	ASSERT_STR_CONTAINS(s, "\n00000ff0  f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  ");
	free(s);
	free(buf);
}

TEST(dump_bad_arguments_are_logged)
{
	log_capture_start();
	spdk_log_dump(NULL, "x", "a", 1);
	spdk_log_dump(stderr, "x", NULL, 1);
	log_capture_stop();
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	ASSERT_TRUE(log_capture_contains("spdk_log_dump: fp is NULL"));
	ASSERT_TRUE(log_capture_contains("spdk_log_dump: buf is NULL"));
}

TEST(flog_format)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	char expect[256];

	ASSERT_NOT_NULL(f);
	spdk_log_enable_timestamps(false);
	spdk_log_set_print_level(SPDK_LOG_DISABLED);	/* flog ignores levels */
	spdk_flog(f, "file.c", 12, "fn", "hello %s\n", "there");
	spdk_flog(f, NULL, 0, NULL, "bare\n");
	fclose(f);
	snprintf(expect, sizeof(expect), "file.c:  12:fn: hello there\nbare\n");
	ASSERT_STR_EQ(text, expect);
	free(text);

	log_capture_start();
	spdk_flog(NULL, "f", 1, "g", "x\n");
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("spdk_vflog: fp is NULL"));
}

/* ---- deprecations ----------------------------------------------------- */

TEST(deprecation_without_rate_limit)
{
	int line;

	log_capture_start();
	line = __LINE__ + 1;
	SPDK_LOG_DEPRECATED(ut_every_time);
	SPDK_LOG_DEPRECATED(ut_every_time);
	log_capture_stop();
	ASSERT_EQ(spdk_deprecation_get_hits(_deprecated_ut_every_time), 2);
	ASSERT_EQ(log_capture_count(SPDK_LOG_WARN), 2);
	ASSERT_EQ(log_capture_count_matching(
			  "*WARNING*: ut_every_time: deprecated feature not rate limited "
			  "to be removed in never\n"), 2);
	{
		char where[128];

		snprintf(where, sizeof(where), "%s:%4d:%s: ", __FILE__, line, __func__);
		ASSERT_TRUE(log_capture_contains(where));
	}
}

TEST(deprecation_with_rate_limit)
{
	pw__log_set_clock(fake_clock);
	log_capture_start();
	SPDK_LOG_DEPRECATED(ut_limited);
	SPDK_LOG_DEPRECATED(ut_limited);
	SPDK_LOG_DEPRECATED(ut_limited);
	ASSERT_EQ(spdk_deprecation_get_hits(_deprecated_ut_limited), 3);
	ASSERT_EQ(log_capture_total(), 1);

	g_fake_ns += 2 * NSEC_PER_SEC - 1;
	SPDK_LOG_DEPRECATED(ut_limited);
	ASSERT_EQ(log_capture_total(), 1);

	g_fake_ns += 1;
	SPDK_LOG_DEPRECATED(ut_limited);
	ASSERT_EQ(spdk_deprecation_get_hits(_deprecated_ut_limited), 5);
	ASSERT_EQ(log_capture_total(), 3);
	ASSERT_TRUE(log_capture_contains(":spdk_log_deprecated: *WARNING*: "
					 "ut_limited: 3 messages suppressed\n"));
	log_capture_stop();
	pw__log_set_clock(NULL);
}

struct dep_walk {
	int seen;
	bool every, limited, never;
	int stop_after;
};

static int
dep_cb(void *ctx, struct spdk_deprecation *dep)
{
	struct dep_walk *w = ctx;

	w->seen++;
	if (dep == _deprecated_ut_every_time) {
		w->every = true;
		ASSERT_STR_EQ(spdk_deprecation_get_tag(dep), "ut_every_time");
		ASSERT_STR_EQ(spdk_deprecation_get_description(dep), "not rate limited");
		ASSERT_STR_EQ(spdk_deprecation_get_remove_release(dep), "never");
		ASSERT_EQ(spdk_deprecation_get_hits(dep), 1);
	} else if (dep == _deprecated_ut_limited) {
		w->limited = true;
		ASSERT_STR_EQ(spdk_deprecation_get_remove_release(dep), "v99.01");
	} else if (dep == _deprecated_ut_never_used) {
		w->never = true;
		ASSERT_STR_EQ(spdk_deprecation_get_description(dep), "not called");
		ASSERT_EQ(spdk_deprecation_get_hits(dep), 0);
	}
	return w->seen == w->stop_after ? 7 : 0;
}

TEST(deprecation_for_each)
{
	struct dep_walk w = { 0 };

	log_capture_start();
	SPDK_LOG_DEPRECATED(ut_every_time);
	log_capture_stop();
	ASSERT_EQ(spdk_log_for_each_deprecation(&w, dep_cb), 0);
	ASSERT_EQ(w.seen, 3);
	ASSERT_TRUE(w.every && w.limited && w.never);

	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	ASSERT_EQ(spdk_log_for_each_deprecation(&w, dep_cb), 7);
	ASSERT_EQ(w.seen, 2);
}

TEST(deprecation_misuse)
{
	struct spdk_deprecation *dep = NULL;

	log_capture_start();
	ASSERT_EQ(spdk_log_deprecation_register("ut_every_time", "again", "x", 0, &dep), -EEXIST);
	ASSERT_EQ(spdk_log_deprecation_register(NULL, "d", "x", 0, &dep), -EINVAL);
	ASSERT_EQ(spdk_log_deprecation_register("t", "d", "x", 0, NULL), -EINVAL);
	ASSERT_EQ(spdk_log_deprecation_register("", "d", "x", 0, &dep), -EINVAL);
	ASSERT_EQ(spdk_log_for_each_deprecation(NULL, NULL), -EINVAL);
	spdk_log_deprecated(NULL, "here.c", 5, "fn");
	log_capture_stop();
	ASSERT_NULL(dep);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 6);
	ASSERT_TRUE(log_capture_contains("'ut_every_time': tag already registered"));
	ASSERT_TRUE(log_capture_contains("here.c:   5:fn: *ERROR*: NULL deprecation handle"));

	/* A long description is kept whole (SPDK cuts it at 63 bytes). */
	{
		char desc[200];

		memset(desc, 'd', sizeof(desc) - 1);
		desc[sizeof(desc) - 1] = '\0';
		ASSERT_EQ(spdk_log_deprecation_register("ut_long", desc, "r", 0, &dep), 0);
		ASSERT_STR_EQ(spdk_deprecation_get_description(dep), desc);
	}
}

/* ---- before main ------------------------------------------------------ */

static int g_ctor_records;
static char g_ctor_msg[64];

static void __attribute__((format(printf, 5, 0)))
ctor_sink(int level, const char *file, const int line, const char *func,
	  const char *format, va_list args)
{
	g_ctor_records++;
	vsnprintf(g_ctor_msg, sizeof(g_ctor_msg), format, args);
}

__attribute__((constructor)) static void
log_before_main(void)
{
	spdk_log_open(ctor_sink);
	SPDK_ERRLOG("from a constructor: %s\n", spdk_log_get_flag("alpha") ? "on" : "off");
	spdk_log_close();
}

TEST(logging_works_before_main)
{
	ASSERT_EQ(g_ctor_records, 1);
	ASSERT_STR_EQ(g_ctor_msg, "from a constructor: off\n");
}

/* ---- log_capture itself ----------------------------------------------- */

TEST(capture_helper)
{
	ASSERT_FALSE(log_capture_active());
	log_capture_start();
	ASSERT_TRUE(log_capture_active());
	SPDK_ERRLOG("first %d\n", 1);
	SPDK_WARNLOG("second\n");
	SPDK_PRINTF("third\n");
	spdk_log(SPDK_LOG_DEBUG, "d.c", 1, "f", "fourth\n");
	spdk_log((enum spdk_log_level)9, "d.c", 1, "f", "odd level\n");
	ASSERT_EQ(log_capture_total(), 5);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_EQ(log_capture_count(SPDK_LOG_WARN), 1);
	ASSERT_EQ(log_capture_count(SPDK_LOG_NOTICE), 1);
	ASSERT_EQ(log_capture_count(SPDK_LOG_INFO), 0);
	ASSERT_EQ(log_capture_count(SPDK_LOG_DEBUG), 1);
	ASSERT_EQ(log_capture_count((enum spdk_log_level)9), 1);
	ASSERT_TRUE(log_capture_contains("*ERROR*: first 1\n"));
	ASSERT_TRUE(log_capture_contains("second\nthird\n"));	/* across messages */
	ASSERT_FALSE(log_capture_contains("fifth"));
	ASSERT_STR_CONTAINS(log_capture_text(), "third\nd.c:   1:f: *DEBUG*: fourth\n");
	log_capture_reset();
	ASSERT_EQ(log_capture_total(), 0);
	ASSERT_STR_EQ(log_capture_text(), "");
	SPDK_ERRLOG("after reset\n");
	log_capture_stop();
	ASSERT_FALSE(log_capture_active());
	SPDK_PRINTF("not captured\n");
	ASSERT_EQ(log_capture_total(), 1);
	ASSERT_TRUE(log_capture_contains("after reset"));
}
