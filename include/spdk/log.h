/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Logging: levels, per-component flags, a replaceable sink, hex dumps and
 * deprecation notices (SPDK's `spdk/log.h`).
 *
 * Every message goes through spdk_vlog(). With no user sink installed, a
 * message whose level is at or below the *print level* is written to stderr
 * as one line, with one write(2) made under a process-wide lock, so lines
 * logged by different pthreads never interleave whatever fd 2 is (pipe,
 * file, tty); after spdk_log_open(NULL) a message at or below the *log
 * level* also goes to syslog. A sink installed with spdk_log_open() or
 * spdk_log_open_ext() receives every message, unfiltered, instead.
 *
 * Every function here may be called from any pthread, also before main()
 * (from constructors) and after the library's other layers have stopped.
 * Logging never changes errno.
 *
 * Differences from SPDK (also listed in the README):
 *  - the default log and print levels are SPDK_LOG_NOTICE (SPDK leaves both
 *    at SPDK_LOG_ERROR until spdk_app_start() sets them);
 *  - syslog is written only between spdk_log_open(NULL) and spdk_log_close();
 *  - a stderr line is never cut (SPDK falls back to a 1 KiB cut when out of
 *    memory; here the cut, if memory is short, is marked in the line);
 *  - opening a sink while another is open closes the previous one first;
 *  - SPDK_ERRLOG_RATELIMIT() is thread-safe and needs no env layer;
 *  - level and flag state are read and written atomically (no data races);
 *  - bad arguments (levels out of range, NULL pointers, duplicate or
 *    reserved flag names, duplicate deprecation tags) are logged and refused
 *    instead of asserted;
 *  - deprecation strings are copied whole (SPDK cuts them at 63 bytes);
 *  - every hex-dump line has the same layout (SPDK's last line has one more
 *    space), and an empty dump prints only its label.
 */

#ifndef SPDK_LOG_H
#define SPDK_LOG_H

#include "spdk/stdinc.h"
#include "spdk/queue.h"
#include "spdk/assert.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A user-provided log sink: receives every message logged after it was
 * installed, whatever its level (no filtering is applied).
 *
 * It is called on the pthread that logged, possibly from several pthreads at
 * once, so it must be thread-safe. It may log (the message comes back to
 * it), but must not call spdk_log_open(), spdk_log_open_ext() or
 * spdk_log_close(). When built with clang and -Wformat=2, define the sink
 * with __attribute__((format(printf, 5, 0))) so that formatting \p format
 * inside it does not warn.
 *
 * \param level Level of the message (an enum spdk_log_level value).
 * \param file Source file of the message, or NULL for SPDK_PRINTF() output.
 * \param line Source line, or -1 when \p file is NULL.
 * \param func Function name, or NULL when \p file is NULL.
 * \param format printf() format of the message (borrowed for the call).
 * \param args Arguments of \p format; consume them with va_copy() if they
 *        are needed more than once.
 */
typedef void spdk_log_cb(int level, const char *file, const int line,
			 const char *func, const char *format, va_list args);

/** Older SPDK name of spdk_log_cb, kept so existing sinks compile. */
typedef spdk_log_cb logfunc;

/**
 * Called once by spdk_log_open_ext() after the sink is installed.
 *
 * \param ctx The spdk_log_opts::user_ctx given at open time.
 */
typedef void spdk_log_open_cb(void *ctx);

/**
 * Called once by spdk_log_close() before the sink is removed.
 *
 * \param ctx The spdk_log_opts::user_ctx given at open time.
 */
typedef void spdk_log_close_cb(void *ctx);

/** Options of spdk_log_open_ext(). */
struct spdk_log_opts {
	/**
	 * sizeof(struct spdk_log_opts) as the caller knows it. Fields that lie
	 * beyond this size are taken as NULL, so that programs built against
	 * an older header keep working.
	 */
	size_t			size;

	/** Sink receiving every message; NULL keeps the stderr output. */
	spdk_log_cb		*log;

	/** Called by spdk_log_open_ext() once the sink is in place; may be NULL. */
	spdk_log_open_cb	*open;

	/** Called by spdk_log_close(); may be NULL. */
	spdk_log_close_cb	*close;

	/** Passed to \ref open and \ref close; borrowed, never freed by the library. */
	void			*user_ctx;
};
SPDK_STATIC_ASSERT(sizeof(struct spdk_log_opts) == 40, "Incorrect size");

/**
 * Install a sink, or the default output.
 *
 * \param logf The sink that will receive every message from now on; NULL
 *        selects the default output: stderr (messages at or below the print
 *        level) plus syslog (messages at or below the log level, ident
 *        "spdk", facility LOG_LOCAL7).
 *
 * Logging works without calling this function (to stderr only). Any pthread
 * may call it, but a message logged concurrently by another pthread may
 * still reach the previous sink.
 */
void spdk_log_open(spdk_log_cb *logf);

/**
 * Install a sink with open/close hooks and a user context.
 *
 * \param opts The options, or NULL for the default output (same as
 *        spdk_log_open(NULL)). Copied: the caller keeps ownership. An
 *        \p opts whose \c size is 0 is refused (logged) and the default
 *        output is installed instead. opts->open(opts->user_ctx) is
 *        called before this function returns.
 */
void spdk_log_open_ext(struct spdk_log_opts *opts);

/**
 * Remove the current sink, calling its close hook (the default output closes
 * syslog). Afterwards messages go to stderr only, filtered by the print level.
 * Calling it when nothing is open is harmless.
 */
void spdk_log_close(void);

/**
 * Turn the "[YYYY-MM-DD HH:MM:SS.uuuuuu] " prefix of stderr lines on or off
 * (on by default). Any pthread may call it.
 *
 * \param value true to print timestamps.
 */
void spdk_log_enable_timestamps(bool value);

/** Severity of a message; a smaller value is more severe. */
enum spdk_log_level {
	/** All messages will be suppressed. */
	SPDK_LOG_DISABLED = -1,
	SPDK_LOG_ERROR,
	SPDK_LOG_WARN,
	SPDK_LOG_NOTICE,
	SPDK_LOG_INFO,
	SPDK_LOG_DEBUG,
};

/**
 * Set the log level: messages at or below it go to syslog (after
 * spdk_log_open(NULL)). The default is SPDK_LOG_NOTICE.
 *
 * \param level SPDK_LOG_DISABLED .. SPDK_LOG_DEBUG. A value out of range is
 *        refused with an error message and leaves the level unchanged.
 */
void spdk_log_set_level(enum spdk_log_level level);

/**
 * Get the log level (the syslog threshold).
 *
 * \return the current log level.
 */
enum spdk_log_level spdk_log_get_level(void);

/**
 * Map a level to the syslog(3) priority used for it.
 *
 * \param level A level.
 * \return LOG_ERR, LOG_WARNING, LOG_NOTICE or LOG_INFO (for INFO and DEBUG,
 *         and for unknown values); -1 for SPDK_LOG_DISABLED.
 */
int spdk_log_to_syslog_level(enum spdk_log_level level);

/**
 * Set the print level: messages at or below it are written to stderr.
 * SPDK_LOG_DISABLED silences stderr. The default is SPDK_LOG_NOTICE.
 *
 * \param level SPDK_LOG_DISABLED .. SPDK_LOG_DEBUG. A value out of range is
 *        refused with an error message and leaves the level unchanged.
 */
void spdk_log_set_print_level(enum spdk_log_level level);

/**
 * Get the print level (the stderr threshold).
 *
 * \return the current print level.
 */
enum spdk_log_level spdk_log_get_print_level(void);

/* Reads of a flag's \c enabled field from the logging macros are atomic
 * (relaxed): flags may be flipped by one pthread while others log. */
#define SPDK_LOG_FLAG_IS_ENABLED_(f) __atomic_load_n(&(f).enabled, __ATOMIC_RELAXED)

#ifdef DEBUG
#define SPDK_DEBUGLOG_FLAG_ENABLED(name) spdk_log_get_flag(name)
#else
#define SPDK_DEBUGLOG_FLAG_ENABLED(name) false
#endif

/** Log an error with the caller's file, line and function. */
#define SPDK_ERRLOG(...) \
	spdk_log(SPDK_LOG_ERROR, __FILE__, __LINE__, __func__, __VA_ARGS__)
/** Log a warning with the caller's file, line and function. */
#define SPDK_WARNLOG(...) \
	spdk_log(SPDK_LOG_WARN, __FILE__, __LINE__, __func__, __VA_ARGS__)
/** Log a notice with the caller's file, line and function. */
#define SPDK_NOTICELOG(...) \
	spdk_log(SPDK_LOG_NOTICE, __FILE__, __LINE__, __func__, __VA_ARGS__)
/** Print a message at notice level without the file/line/function header. */
#define SPDK_PRINTF(...) \
	spdk_log(SPDK_LOG_NOTICE, NULL, -1, NULL, __VA_ARGS__)

/** Log at info level when the component flag \p flag is enabled. */
#define SPDK_INFOLOG(flag, ...)								\
	do {										\
		extern struct spdk_log_flag SPDK_LOG_##flag;				\
		if (SPDK_LOG_FLAG_IS_ENABLED_(SPDK_LOG_##flag)) {			\
			spdk_log(SPDK_LOG_INFO, __FILE__, __LINE__, __func__, __VA_ARGS__); \
		}									\
	} while (0)

#ifdef DEBUG
/** Log at debug level when \p flag is enabled (compiled only with -DDEBUG). */
#define SPDK_DEBUGLOG(flag, ...)							\
	do {										\
		extern struct spdk_log_flag SPDK_LOG_##flag;				\
		if (SPDK_LOG_FLAG_IS_ENABLED_(SPDK_LOG_##flag)) {			\
			spdk_log(SPDK_LOG_DEBUG, __FILE__, __LINE__, __func__, __VA_ARGS__); \
		}									\
	} while (0)

/** Hex-dump a buffer to stderr when \p flag is enabled (only with -DDEBUG). */
#define SPDK_LOGDUMP(flag, label, buf, len)						\
	do {										\
		extern struct spdk_log_flag SPDK_LOG_##flag;				\
		if (SPDK_LOG_FLAG_IS_ENABLED_(SPDK_LOG_##flag)) {			\
			spdk_log_dump(stderr, (label), (buf), (len));			\
		}									\
	} while (0)
#else
#define SPDK_DEBUGLOG(...) do { } while (0)
#define SPDK_LOGDUMP(...) do { } while (0)
#endif

/*
 * Pinwheel addition: the state behind SPDK_ERRLOG_RATELIMIT().
 */

/**
 * State of one rate-limited call site. Zero-initialised (a static variable)
 * it is ready to use. Its fields are private to the log layer and are only
 * accessed atomically.
 */
struct pw_log_ratelimit {
	uint64_t last_ns;	/**< time of the last message let through; 0: never */
	uint64_t squashed;	/**< messages held back since then */
};

/**
 * Decide whether a rate-limited message may be logged now: at most one per
 * second per \p rl. Lock-free; any number of pthreads may share \p rl.
 *
 * \param rl Call-site state (borrowed, usually a function-local static).
 * \param squashed Receives, when true is returned, how many messages were
 *        held back since the previous one let through (0 if none).
 * \return true if the caller should log its message (and then a
 *         "(same message squashed N times)" line when *squashed > 0);
 *         false if the message was counted as squashed.
 */
bool pw_log_ratelimit_check(struct pw_log_ratelimit *rl, uint64_t *squashed);

/**
 * Log an error at most once per second per call site; the next message let
 * through is followed by "(same message squashed N times)". Thread-safe.
 */
#define SPDK_ERRLOG_RATELIMIT(...)							\
	do {										\
		static struct pw_log_ratelimit pw_rl_;					\
		uint64_t pw_squashed_;							\
		if (pw_log_ratelimit_check(&pw_rl_, &pw_squashed_)) {			\
			SPDK_ERRLOG(__VA_ARGS__);					\
			if (pw_squashed_ > 0) {						\
				SPDK_ERRLOG("(same message squashed %" PRIu64 " times)\n",	\
					    pw_squashed_);				\
			}								\
		}									\
	} while (0)

/**
 * Log a message (normally through the SPDK_*LOG macros).
 *
 * With a user sink installed, the sink receives the message whatever its
 * level. Otherwise the message is written to stderr as
 * "[timestamp] file:line:func: *LEVEL*: message" when \p level is at or below
 * the print level (just "[timestamp] message" when \p file is NULL), and to
 * syslog when it is at or below the log level and the default output was
 * opened. The message is written as given: it should end with '\n'.
 * SPDK_LOG_DISABLED messages are never written by the default output.
 *
 * \param level Level of the message.
 * \param file Source file (borrowed), or NULL for a bare message.
 * \param line Source line.
 * \param func Function name (borrowed); may be NULL.
 * \param format printf() format (borrowed).
 */
void spdk_log(enum spdk_log_level level, const char *file, const int line, const char *func,
	      const char *format, ...) __attribute__((__format__(__printf__, 5, 6)));

/**
 * spdk_log() taking a va_list. \p ap is consumed.
 *
 * \param level Level of the message.
 * \param file Source file (borrowed), or NULL for a bare message.
 * \param line Source line.
 * \param func Function name (borrowed); may be NULL.
 * \param format printf() format (borrowed).
 * \param ap Arguments of \p format.
 */
void spdk_vlog(enum spdk_log_level level, const char *file, const int line, const char *func,
	       const char *format, va_list ap) __attribute__((__format__(__printf__, 5, 0)));

/**
 * Write a message to \p fp whatever the levels and sink:
 * "[timestamp] file:line:func: message" (or "[timestamp] message" when \p file
 * is NULL), in one fwrite() followed by fflush().
 *
 * \param fp Stream (borrowed); NULL is refused with an error message.
 * \param file Source file (borrowed) or NULL.
 * \param line Source line.
 * \param func Function name (borrowed); may be NULL.
 * \param format printf() format (borrowed).
 */
void spdk_flog(FILE *fp, const char *file, const int line, const char *func,
	       const char *format, ...) __attribute__((__format__(__printf__, 5, 6)));

/**
 * spdk_flog() taking a va_list. \p ap is consumed.
 *
 * \param fp Stream (borrowed); NULL is refused with an error message.
 * \param file Source file (borrowed) or NULL.
 * \param line Source line.
 * \param func Function name (borrowed); may be NULL.
 * \param format printf() format (borrowed).
 * \param ap Arguments of \p format.
 */
void spdk_vflog(FILE *fp, const char *file, const int line, const char *func,
		const char *format, va_list ap) __attribute__((__format__(__printf__, 5, 0)));

/**
 * Write a hex dump of a buffer to \p fp: the label on its own line, then one
 * line per 16 bytes, "OFFSET8  xx xx .. xx  xx .. xx  ASCII", non-printable
 * bytes shown as '.'. The whole dump is written with one fwrite().
 *
 * \param fp Stream (borrowed); NULL is refused with an error message.
 * \param label Text of the first line (borrowed); NULL prints an empty line.
 * \param buf Bytes to dump (borrowed); may be NULL only when \p len is 0.
 * \param len Number of bytes.
 */
void spdk_log_dump(FILE *fp, const char *label, const void *buf, size_t len);

/** A component flag enabling that component's INFO/DEBUG messages (-L). */
struct spdk_log_flag {
	TAILQ_ENTRY(spdk_log_flag) tailq;	/**< link in the sorted flag list */
	const char *name;			/**< name given to -L */
	bool enabled;				/**< read and written atomically */
};

/**
 * Register a flag, keeping the flag list sorted by name (normally through
 * SPDK_LOG_REGISTER_COMPONENT(), before main()).
 *
 * \param name Name of the flag (borrowed; must outlive the process's use of
 *        the flag). A NULL or empty name, one containing glob characters,
 *        the name "all", or a name already registered is refused with an
 *        error message and the flag is not added.
 * \param flag The flag (borrowed; must stay valid for the rest of the
 *        process). Its \c name is set to \p name.
 */
void spdk_log_register_flag(const char *name, struct spdk_log_flag *flag);

/** Define the component flag SPDK_LOG_<flag> and register it before main(). */
#define SPDK_LOG_REGISTER_COMPONENT(flag)						\
struct spdk_log_flag SPDK_LOG_##flag = {						\
	.tailq = { NULL, NULL },							\
	.name = #flag,									\
	.enabled = false,								\
};											\
__attribute__((constructor)) static void register_flag_##flag(void)			\
{											\
	spdk_log_register_flag(#flag, &SPDK_LOG_##flag);				\
}

/**
 * First registered flag (the smallest name).
 *
 * \return the flag, or NULL when none is registered.
 */
struct spdk_log_flag *spdk_log_get_first_flag(void);

/**
 * Next registered flag in name order.
 *
 * \param flag A registered flag (borrowed); NULL returns NULL.
 * \return the following flag, or NULL after the last one.
 */
struct spdk_log_flag *spdk_log_get_next_flag(struct spdk_log_flag *flag);

/**
 * Whether a flag exists and is enabled.
 *
 * \param flag Exact flag name (borrowed); NULL returns false.
 * \return true if the flag is registered and enabled.
 */
bool spdk_log_get_flag(const char *flag);

/**
 * Enable flags.
 *
 * \param flag A flag name, "all", or an fnmatch(3) glob pattern such as
 *        "thr*" (borrowed). Every matching flag is enabled.
 * \return 0 on success (also for "all" when no flag is registered);
 *         -EINVAL (logged) when \p flag is NULL or matches no registered
 *         flag. Names and patterns ignore case, as in SPDK.
 */
int spdk_log_set_flag(const char *flag);

/**
 * Disable flags.
 *
 * \param flag A flag name, "all", or an fnmatch(3) glob pattern (borrowed).
 *        Every matching flag is disabled.
 * \return 0 on success (also for "all" when no flag is registered);
 *         -EINVAL (logged) when \p flag is NULL or matches no registered
 *         flag. Names and patterns ignore case, as in SPDK.
 */
int spdk_log_clear_flag(const char *flag);

/**
 * Print the help of the flag option (e.g. "-L"), with the list of every
 * registered flag, to \p f.
 *
 * \param f Stream (borrowed); NULL is refused with an error message.
 * \param log_arg The option's spelling as shown to the user (borrowed).
 */
void spdk_log_usage(FILE *f, const char *log_arg);

/** A deprecated feature: opaque, owned by the library, never freed. */
struct spdk_deprecation;

/**
 * Register a deprecated feature (normally through
 * SPDK_LOG_DEPRECATION_REGISTER(), before main()).
 *
 * \param tag Unique short name, printed with every notice (copied).
 * \param description What is deprecated (copied).
 * \param remove_release Release that will remove the feature (copied).
 * \param rate_limit_seconds Minimum interval between two notices of this
 *        deprecation; 0 logs every use.
 * \param reg Receives the handle (owned by the library).
 * \return 0 on success; -EINVAL (logged) for a NULL argument or an empty
 *         tag; -EEXIST (logged) when \p tag is already registered; -ENOMEM
 *         (logged) when out of memory.
 */
int spdk_log_deprecation_register(const char *tag, const char *description,
				  const char *remove_release, uint32_t rate_limit_seconds,
				  struct spdk_deprecation **reg);

/** Define the static handle _deprecated_<tag> and register it before main(). */
#define SPDK_LOG_DEPRECATION_REGISTER(tag, desc, release, rate)				\
	static struct spdk_deprecation *_deprecated_##tag;				\
	static void __attribute__((constructor)) _spdk_deprecation_register_##tag(void)	\
	{										\
		int rc;									\
		rc = spdk_log_deprecation_register(#tag, desc, release, rate, &_deprecated_##tag); \
		(void)rc;								\
		assert(rc == 0);							\
	}

/**
 * Record a use of a deprecated feature: count it, and log a warning naming
 * the tag, description, removal release and caller (at most once per the
 * deprecation's rate-limit interval, with the number of uses held back).
 * Thread-safe.
 *
 * \param deprecation The handle (borrowed); NULL is logged and ignored.
 * \param file Caller's source file (borrowed).
 * \param line Caller's line.
 * \param func Caller's function (borrowed).
 */
void spdk_log_deprecated(struct spdk_deprecation *deprecation, const char *file, uint32_t line,
			 const char *func);

/** Record a use of the deprecation registered under \p tag in this file. */
#define SPDK_LOG_DEPRECATED(tag) \
	spdk_log_deprecated(_deprecated_##tag, __FILE__, __LINE__, __func__)

/**
 * Callback of spdk_log_for_each_deprecation().
 *
 * \param ctx The caller's context.
 * \param deprecation A deprecation (borrowed).
 * \return 0 to go on, non-zero to stop.
 */
typedef int (*spdk_log_for_each_deprecation_fn)(void *ctx, struct spdk_deprecation *deprecation);

/**
 * Call \p fn on each registered deprecation, in registration order, until it
 * returns non-zero. \p fn must not register deprecations.
 *
 * \param ctx Passed to \p fn.
 * \param fn Callback; NULL returns -EINVAL (logged).
 * \return the last value \p fn returned, or 0 when there is no deprecation.
 */
int spdk_log_for_each_deprecation(void *ctx, spdk_log_for_each_deprecation_fn fn);

/**
 * \param deprecation A deprecation (borrowed).
 * \return its tag (owned by the library).
 */
const char *spdk_deprecation_get_tag(const struct spdk_deprecation *deprecation);

/**
 * \param deprecation A deprecation (borrowed).
 * \return its description (owned by the library).
 */
const char *spdk_deprecation_get_description(const struct spdk_deprecation *deprecation);

/**
 * \param deprecation A deprecation (borrowed).
 * \return the release that will remove it (owned by the library).
 */
const char *spdk_deprecation_get_remove_release(const struct spdk_deprecation *deprecation);

/**
 * \param deprecation A deprecation (borrowed).
 * \return how many times spdk_log_deprecated() was called on it.
 */
uint64_t spdk_deprecation_get_hits(const struct spdk_deprecation *deprecation);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_LOG_H */
