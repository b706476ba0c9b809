/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * SPDK's standard command line: spdk_app_parse_args() (its usage text is in
 * app_usage.c).
 *
 * The option set, the long names, the values stored in struct spdk_app_opts
 * and the rules (which numbers are refused, -A/-B exclusion, -m/--lcores
 * exclusion, the app's short letters must not reuse SPDK's) follow SPDK's
 * lib/event/app.c. Options that only mean something to DPDK are parsed and
 * validated the same way and then have no effect (the usage text says so).
 *
 * Where we do better than SPDK, on purpose:
 * - an option found in the application's long option table goes to the
 *   application's parse callback whatever its val (SPDK dispatches on val, so
 *   an app option with val 257 silently became --silence-noticelog);
 * - getopt's own messages are replaced by one SPDK_ERRLOG naming the bad
 *   option, and opterr is put back as the caller had it;
 * - a NULL getopt string is the same as "" (SPDK formatted it as "(null)",
 *   which made -l, -n... application options), and "" needs no parse callback;
 * - numbers that do not fit the int they are stored in are refused instead
 *   of being truncated;
 * - -B/-A/-W addresses are validated as SPDK does but not stored: the PCI
 *   lists stay as the caller left them, so nothing is allocated that a caller
 *   would have to free;
 * - --rpcs-allowed is checked (method names separated by commas, none empty)
 *   and kept in this file's storage, not in memory the caller must free: the
 *   list stays valid until the next spdk_app_parse_args() call.
 *
 * Pinwheel adds --pw-no-sleep, --pw-spin-us, --pw-idle-poller-sleep-us and
 * --pw-rpc-compat: they set the process-wide options of pinwheel/event.h,
 * once the whole command line was accepted.
 *
 * Not thread-safe: getopt keeps global state. Call it from main() before
 * spdk_app_start(), and reset optind to 1 before calling it again. optind 1
 * is taken as 0, glibc's and musl's full reset: after a parse that stopped
 * inside a group of short options ("-hd"), getopt still points into that
 * command line, and optind 1 alone would go on reading it.
 */

#include "event/event_internal.h"
#include "event/reactor_trace.h"

#include "spdk/event.h"
#include "spdk/log.h"
#include "spdk/string.h"
#include "spdk/util.h"
#include "pinwheel/event.h"
#include "pinwheel/version.h"
#include "common/pw_common.h"

#include <getopt.h>

/* Long-only options get values above any character, as in SPDK. */
enum {
	OPT_INTERRUPT_MODE = 256,
	OPT_SILENCE_NOTICELOG,
	OPT_WAIT_FOR_RPC,
	OPT_HUGE_DIR,
	OPT_NUM_TRACE_ENTRIES,
	OPT_JSON = 262,
	OPT_JSON_IGNORE_INIT_ERRORS,
	OPT_IOVA_MODE,
	OPT_BASE_VIRTADDR,
	OPT_ENV_CONTEXT,
	OPT_DISABLE_CPUMASK_LOCKS,
	OPT_RPCS_ALLOWED,
	OPT_VFIO_VF_TOKEN,
	OPT_MSG_MEMPOOL_SIZE,
	OPT_LCORES,
	OPT_NO_HUGE,
	OPT_NO_RPC_SERVER,
	OPT_ENFORCE_NUMA,
	/* Pinwheel's own (reactor sleeping, pinwheel/event.h), far from SPDK's. */
	OPT_PW_NO_SLEEP = 1024,
	OPT_PW_SPIN_US,
	OPT_PW_IDLE_POLLER_SLEEP_US,
	OPT_PW_RPC_COMPAT,
	OPT_PW_TRACE_FILE,
};

static const struct option g_spdk_long_opts[] = {
	{"config",			required_argument,	NULL, 'c'},
	{"limit-coredump",		no_argument,		NULL, 'd'},
	{"tpoint-group",		required_argument,	NULL, 'e'},
	{"single-file-segments",	no_argument,		NULL, 'g'},
	{"help",			no_argument,		NULL, 'h'},
	{"shm-id",			required_argument,	NULL, 'i'},
	{"cpumask",			required_argument,	NULL, 'm'},
	{"mem-channels",		required_argument,	NULL, 'n'},
	{"main-core",			required_argument,	NULL, 'p'},
	{"rpc-socket",			required_argument,	NULL, 'r'},
	{"mem-size",			required_argument,	NULL, 's'},
	{"no-pci",			no_argument,		NULL, 'u'},
	{"version",			no_argument,		NULL, 'v'},
	{"pci-blocked",			required_argument,	NULL, 'B'},
	{"logflag",			required_argument,	NULL, 'L'},
	{"huge-unlink",			no_argument,		NULL, 'R'},
	{"pci-allowed",			required_argument,	NULL, 'A'},
	{"interrupt-mode",		no_argument,		NULL, OPT_INTERRUPT_MODE},
	{"silence-noticelog",		no_argument,		NULL, OPT_SILENCE_NOTICELOG},
	{"wait-for-rpc",		no_argument,		NULL, OPT_WAIT_FOR_RPC},
	{"huge-dir",			required_argument,	NULL, OPT_HUGE_DIR},
	{"num-trace-entries",		required_argument,	NULL, OPT_NUM_TRACE_ENTRIES},
	{"json",			required_argument,	NULL, OPT_JSON},
	{"json-ignore-init-errors",	no_argument,		NULL, OPT_JSON_IGNORE_INIT_ERRORS},
	{"iova-mode",			required_argument,	NULL, OPT_IOVA_MODE},
	{"base-virtaddr",		required_argument,	NULL, OPT_BASE_VIRTADDR},
	{"env-context",			required_argument,	NULL, OPT_ENV_CONTEXT},
	{"disable-cpumask-locks",	no_argument,		NULL, OPT_DISABLE_CPUMASK_LOCKS},
	{"rpcs-allowed",		required_argument,	NULL, OPT_RPCS_ALLOWED},
	{"vfio-vf-token",		required_argument,	NULL, OPT_VFIO_VF_TOKEN},
	{"msg-mempool-size",		required_argument,	NULL, OPT_MSG_MEMPOOL_SIZE},
	{"lcores",			required_argument,	NULL, OPT_LCORES},
	{"no-huge",			no_argument,		NULL, OPT_NO_HUGE},
	{"no-rpc-server",		no_argument,		NULL, OPT_NO_RPC_SERVER},
	{"enforce-numa",		no_argument,		NULL, OPT_ENFORCE_NUMA},
	{"pw-no-sleep",			no_argument,		NULL, OPT_PW_NO_SLEEP},
	{"pw-spin-us",			required_argument,	NULL, OPT_PW_SPIN_US},
	{"pw-idle-poller-sleep-us",	required_argument,	NULL, OPT_PW_IDLE_POLLER_SLEEP_US},
	{"pw-rpc-compat",		required_argument,	NULL, OPT_PW_RPC_COMPAT},
	{"pw-trace-file",		required_argument,	NULL, OPT_PW_TRACE_FILE},
};

#define N_SPDK_LONG_OPTS ((int)SPDK_COUNTOF(g_spdk_long_opts))

#define OPTS_FIELD(field) offsetof(struct spdk_app_opts, field)

/* Options that only set a bool field. */
static const struct {
	int	ch;
	size_t	offset;
	bool	value;
} g_flag_opts[] = {
	{'d',				OPTS_FIELD(enable_coredump),		false},
	{'g',				OPTS_FIELD(hugepage_single_segments),	true},
	{'u',				OPTS_FIELD(no_pci),			true},
	{'R',				OPTS_FIELD(unlink_hugepage),		true},
	{OPT_INTERRUPT_MODE,		OPTS_FIELD(interrupt_mode),		true},
	{OPT_WAIT_FOR_RPC,		OPTS_FIELD(delay_subsystem_init),	true},
	{OPT_JSON_IGNORE_INIT_ERRORS,	OPTS_FIELD(json_config_ignore_errors),	true},
	{OPT_DISABLE_CPUMASK_LOCKS,	OPTS_FIELD(disable_cpumask_locks),	true},
	{OPT_NO_HUGE,			OPTS_FIELD(no_huge),			true},
	{OPT_ENFORCE_NUMA,		OPTS_FIELD(enforce_numa),		true},
};

/* Options whose argument is kept as is (a const char * field; the text is
 * borrowed from argv). */
static const struct {
	int	ch;
	size_t	offset;
} g_text_opts[] = {
	{'c',			OPTS_FIELD(json_config_file)},
	{OPT_JSON,		OPTS_FIELD(json_config_file)},
	{'e',			OPTS_FIELD(tpoint_group_mask)},
	{'r',			OPTS_FIELD(rpc_addr)},
	{OPT_HUGE_DIR,		OPTS_FIELD(hugedir)},
	{OPT_IOVA_MODE,		OPTS_FIELD(iova_mode)},
	{OPT_VFIO_VF_TOKEN,	OPTS_FIELD(vf_token)},
};

/* Internal results reuse the public enum: SUCCESS means "go on". */
#define OPT_OK		SPDK_APP_PARSE_ARGS_SUCCESS
#define OPT_HELP	SPDK_APP_PARSE_ARGS_HELP
#define OPT_FAIL	SPDK_APP_PARSE_ARGS_FAIL

/* What one spdk_app_parse_args() call works on. */
struct parse_ctx {
	struct spdk_app_opts	*opts;		/* full-size working copy */
	void			(*app_usage)(void);
	bool			saw_blocked;	/* -B given in this call */
	bool			saw_allowed;	/* -A or -W given in this call */
	struct pw_reactor_opts	reactor;	/* --pw-* options, applied on success */
	bool			reactor_changed;
	enum pw_rpc_compat	rpc_compat;	/* --pw-rpc-compat, applied on success */
	bool			rpc_compat_changed;
};

/* The --rpcs-allowed list given to the caller's opts: a copy of the text cut
 * at the commas, and the NULL-terminated array pointing into it. Replaced by
 * the next --rpcs-allowed. */
static char *g_allowlist_text;
static const char **g_allowlist;

/* ---- helpers ---------------------------------------------------------------- */

/* The first letter of the app's short options that SPDK also uses, or 0.
 * getopt's control characters are not letters. */
static int
app_letters_overlap(const char *app_opts)
{
	for (const char *c = app_opts; *c != '\0'; c++) {
		if (*c == ':' || *c == '+' || *c == '-') {
			continue;
		}
		if (strchr(SPDK_APP_GETOPT_STRING, *c) != NULL) {
			return (unsigned char)*c;
		}
	}
	return 0;
}

/* "-c/--config", "--json" or "-z": how the user can spell the option. */
static void
option_name(char *buf, size_t len, int ch, const struct option *table)
{
	const char *long_name = NULL;

	for (const struct option *o = table; o->name != NULL; o++) {
		if (o->flag == NULL && o->val == ch) {
			long_name = o->name;
			break;
		}
	}
	if (ch > 0 && ch < 256 && isgraph(ch) && long_name != NULL) {
		snprintf(buf, len, "-%c/--%s", ch, long_name);
	} else if (ch > 0 && ch < 256 && isgraph(ch)) {
		snprintf(buf, len, "-%c", ch);
	} else if (long_name != NULL) {
		snprintf(buf, len, "--%s", long_name);
	} else {
		snprintf(buf, len, "#%d", ch);
	}
}

/* Explain why getopt_long() answered '?' or ':' (opterr is off). */
static void
report_getopt_error(int argc, char **argv, const char *short_opts,
		    const struct option *table)
{
	char name[128];
	const struct option *known = NULL;

	if (optopt == 0) {
		/* An unknown or ambiguous long option: getopt has moved past it. */
		const char *tok = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

		SPDK_ERRLOG("unknown or ambiguous option '%s'\n", tok);
		return;
	}
	for (const struct option *o = table; o->name != NULL; o++) {
		if (o->flag == NULL && o->val == optopt) {
			known = o;
			break;
		}
	}
	if (known == NULL && optopt > 0 && optopt < 256 && optopt != ':' &&
	    strchr(short_opts, optopt) != NULL) {
		option_name(name, sizeof(name), optopt, table);
		SPDK_ERRLOG("option '%s' requires an argument\n", name);
	} else if (known != NULL) {
		option_name(name, sizeof(name), optopt, table);
		SPDK_ERRLOG("option '%s' %s\n", name, known->has_arg == no_argument ?
			    "does not take an argument" : "requires an argument");
	} else if (optopt > 0 && optopt < 256 && isgraph(optopt)) {
		SPDK_ERRLOG("unknown option '-%c'\n", optopt);
	} else {
		SPDK_ERRLOG("unknown option (character code %d)\n", optopt);
	}
}

/* A non-negative int in spdk_strtol()'s syntax (base 0), or -1. */
static int
parse_nonneg_int(const char *text)
{
	long v = spdk_strtol(text, 0);

	return v < 0 || v > INT_MAX ? -1 : (int)v;
}

/* Whether text is a PCI address in one of the forms SPDK accepts:
 * domain:bus:dev.func, domain.bus.dev.func, domain:bus:dev, bus:dev.func,
 * bus.dev.func, bus:dev or bus.dev, hex fields, nothing after the last. */
static bool
pci_addr_valid(const char *text)
{
	static const struct {
		const char	*seps;
		int		domain, bus, dev, func;	/* field index or -1 */
	} forms[] = {
		{"::.", 0, 1, 2, 3}, {"...", 0, 1, 2, 3}, {"::", 0, 1, 2, -1},
		{":.", -1, 0, 1, 2}, {"..", -1, 0, 1, 2}, {":", -1, 0, 1, -1},
		{".", -1, 0, 1, -1},
	};
	unsigned long field[4];
	char seps[4];
	int n = 0;
	const char *p = text;

	for (;;) {
		char *end;

		if (!isxdigit((unsigned char)*p)) {
			return false;
		}
		errno = 0;
		field[n] = strtoul(p, &end, 16);
		if (errno != 0 || field[n] > UINT32_MAX) {
			return false;
		}
		n++;
		if (*end == '\0') {
			break;
		}
		if (n == 4 || (*end != ':' && *end != '.')) {
			return false;
		}
		seps[n - 1] = *end;
		p = end + 1;
	}
	seps[n - 1] = '\0';

	for (size_t i = 0; i < SPDK_COUNTOF(forms); i++) {
		if (strcmp(seps, forms[i].seps) != 0) {
			continue;
		}
		return field[forms[i].bus] <= 0xFF && field[forms[i].dev] <= 0x1F &&
		       (forms[i].func < 0 || field[forms[i].func] <= 7);
	}
	return false;
}

/* -B, -A and -W: validated, never stored (see the top of the file). */
static spdk_app_parse_args_rvals_t
pci_option(struct parse_ctx *ctx, int ch, const char *arg)
{
	bool blocked = ch == 'B';

	if (ch == 'W') {
		SPDK_WARNLOG("-W is deprecated, use -A/--pci-allowed\n");
	}
	if (blocked ? (ctx->saw_allowed || ctx->opts->pci_allowed != NULL) :
	    (ctx->saw_blocked || ctx->opts->pci_blocked != NULL)) {
		SPDK_ERRLOG("-B and -A cannot be used at the same time\n");
		pw__app_usage(ctx->app_usage);
		return OPT_FAIL;
	}
	if (!pci_addr_valid(arg)) {
		SPDK_ERRLOG("invalid PCI address '%s' given to -%c "
			    "(expected domain:bus:device.function, like 0000:81:00.0)\n", arg, ch);
		return OPT_FAIL;
	}
	if (blocked) {
		ctx->saw_blocked = true;
	} else {
		ctx->saw_allowed = true;
	}
	return OPT_OK;
}

static spdk_app_parse_args_rvals_t
mem_size_option(struct parse_ctx *ctx, const char *arg)
{
	uint64_t size;
	bool has_prefix;

	if (spdk_parse_capacity(arg, &size, &has_prefix) != 0) {
		SPDK_ERRLOG("invalid memory size '-s %s': expected a number of MB or a size "
			    "with a k/m/g suffix\n", arg);
		pw__app_usage(ctx->app_usage);
		return OPT_FAIL;
	}
	/* A bare number is in MB; with a suffix it was converted to bytes. */
	if (has_prefix) {
		size /= 1024 * 1024;
	}
	if (size > INT_MAX) {
		SPDK_ERRLOG("invalid memory size '-s %s': more than %d MB\n", arg, INT_MAX);
		pw__app_usage(ctx->app_usage);
		return OPT_FAIL;
	}
	ctx->opts->mem_size = (int)size;
	return OPT_OK;
}

static spdk_app_parse_args_rvals_t
shm_id_option(struct parse_ctx *ctx, const char *arg)
{
	/* A leading '-' is allowed: a negative id turns sharing off. */
	bool negative = arg[0] == '-';
	int id = parse_nonneg_int(negative ? arg + 1 : arg);

	if (id < 0) {
		SPDK_ERRLOG("invalid shared memory id '-i %s': expected an integer\n", arg);
		return OPT_FAIL;
	}
	ctx->opts->shm_id = negative ? -id : id;
	return OPT_OK;
}

static spdk_app_parse_args_rvals_t
trace_entries_option(struct parse_ctx *ctx, const char *arg)
{
	long long v = spdk_strtoll(arg, 0);

	if (v < 0) {
		SPDK_ERRLOG("invalid --num-trace-entries '%s': expected a non-negative integer\n",
			    arg);
		pw__app_usage(ctx->app_usage);
		return OPT_FAIL;
	}
	if (v != 0 && (v & (v - 1)) != 0) {
		SPDK_ERRLOG("invalid --num-trace-entries '%s': must be a power of 2 (or 0)\n", arg);
		pw__app_usage(ctx->app_usage);
		return OPT_FAIL;
	}
	ctx->opts->num_entries = (uint64_t)v;
	return OPT_OK;
}

/* --rpcs-allowed: method names ([A-Za-z0-9_]) separated by commas. */
static spdk_app_parse_args_rvals_t
rpcs_allowed_option(struct parse_ctx *ctx, const char *arg)
{
	size_t n = 1, i = 0;
	const char *bad = NULL;
	char *text, *tok, *save = NULL;
	const char **list;

	for (const char *c = arg; *c != '\0' && bad == NULL; c++) {
		if (*c == ',') {
			n++;
			if (c == arg || c[1] == ',' || c[1] == '\0') {
				bad = "an empty method name";
			}
		} else if (!isalnum((unsigned char)*c) && *c != '_') {
			bad = "a character that is not in a method name";
		}
	}
	if (arg[0] == '\0') {
		bad = "no method name";
	}
	if (bad != NULL) {
		SPDK_ERRLOG("invalid --rpcs-allowed '%s': %s (expected method names separated by "
			    "commas, like rpc_get_methods,spdk_get_version)\n", arg, bad);
		return OPT_FAIL;
	}
	text = strdup(arg);
	list = calloc(n + 1, sizeof(*list));
	if (text == NULL || list == NULL) {
		SPDK_ERRLOG("--rpcs-allowed: out of memory\n");
		free(text);
		free(list);
		return OPT_FAIL;
	}
	for (tok = strtok_r(text, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		list[i++] = tok;
	}
	free(g_allowlist_text);
	free(g_allowlist);
	g_allowlist_text = text;
	g_allowlist = list;
	ctx->opts->rpc_allowlist = list;
	return OPT_OK;
}

/* One of SPDK's options: store it into the working copy. */
static spdk_app_parse_args_rvals_t
spdk_option(struct parse_ctx *ctx, int ch, char *arg)
{
	struct spdk_app_opts *opts = ctx->opts;
	long long v;

	for (size_t i = 0; i < SPDK_COUNTOF(g_flag_opts); i++) {
		if (g_flag_opts[i].ch == ch) {
			*(bool *)((char *)opts + g_flag_opts[i].offset) = g_flag_opts[i].value;
			return OPT_OK;
		}
	}
	for (size_t i = 0; i < SPDK_COUNTOF(g_text_opts); i++) {
		if (g_text_opts[i].ch == ch) {
			*(const char **)((char *)opts + g_text_opts[i].offset) = arg;
			return OPT_OK;
		}
	}

	switch (ch) {
	case 'h':
		pw__app_usage(ctx->app_usage);
		return OPT_HELP;
	case 'v':
		printf("%s\n", pw_version_string());
		fflush(stdout);
		return OPT_HELP;
	case 'i':
		return shm_id_option(ctx, arg);
	case 'm':
		if (opts->lcore_map != NULL) {
			SPDK_ERRLOG("-m/--cpumask and --lcores cannot be used at the same time\n");
			return OPT_FAIL;
		}
		opts->reactor_mask = arg;
		break;
	case OPT_LCORES:
		if (opts->reactor_mask != NULL) {
			SPDK_ERRLOG("-m/--cpumask and --lcores cannot be used at the same time\n");
			return OPT_FAIL;
		}
		opts->lcore_map = arg;
		break;
	case 'n':
		opts->mem_channel = parse_nonneg_int(arg);
		if (opts->mem_channel < 0) {
			SPDK_ERRLOG("invalid memory channel count '-n %s': expected a "
				    "non-negative integer\n", arg);
			return OPT_FAIL;
		}
		break;
	case 'p':
		opts->main_core = parse_nonneg_int(arg);
		if (opts->main_core < 0) {
			SPDK_ERRLOG("invalid main core '-p %s': expected a non-negative integer\n",
				    arg);
			return OPT_FAIL;
		}
		break;
	case OPT_SILENCE_NOTICELOG:
		opts->print_level = SPDK_LOG_WARN;
		break;
	case OPT_NO_RPC_SERVER:
		opts->rpc_addr = NULL;
		break;
	case 's':
		return mem_size_option(ctx, arg);
	case OPT_MSG_MEMPOOL_SIZE: {
		long n = spdk_strtol(arg, 10);

		if (n <= 0) {
			SPDK_ERRLOG("invalid --msg-mempool-size '%s': expected a decimal "
				    "integer > 0\n", arg);
			return OPT_FAIL;
		}
		opts->msg_mempool_size = (size_t)n;
		break;
	}
	case 'B':
	case 'A':
	case 'W':
		return pci_option(ctx, ch, arg);
	case 'L':
		if (spdk_log_set_flag(arg) < 0) {
			SPDK_ERRLOG("unknown log flag '-L %s'\n", arg);
			pw__app_usage(ctx->app_usage);
			return OPT_FAIL;
		}
#ifdef DEBUG
		/* As in SPDK's debug builds: make the flag's debug lines visible. */
		opts->print_level = SPDK_LOG_DEBUG;
#endif
		break;
	case OPT_BASE_VIRTADDR:
		v = spdk_strtoll(arg, 0);
		if (v <= 0) {
			SPDK_ERRLOG("invalid --base-virtaddr '%s': expected an integer > 0\n", arg);
			pw__app_usage(ctx->app_usage);
			return OPT_FAIL;
		}
		opts->base_virtaddr = (uint64_t)v;
		break;
	case OPT_NUM_TRACE_ENTRIES:
		return trace_entries_option(ctx, arg);
	case OPT_ENV_CONTEXT:
		opts->env_context = arg;
		break;
	case OPT_RPCS_ALLOWED:
		return rpcs_allowed_option(ctx, arg);
	case OPT_PW_TRACE_FILE:
		return pw__app_set_trace_file(arg) == 0 ? OPT_OK : OPT_FAIL;
	case OPT_PW_RPC_COMPAT:
		if (pw_app_parse_rpc_compat(arg, &ctx->rpc_compat) != 0) {
			return OPT_FAIL;
		}
		ctx->rpc_compat_changed = true;
		break;
	case OPT_PW_NO_SLEEP:
		ctx->reactor.sleep = false;
		ctx->reactor_changed = true;
		break;
	case OPT_PW_SPIN_US:
	case OPT_PW_IDLE_POLLER_SLEEP_US: {
		long us = spdk_strtol(arg, 10);

		if (us < 0 || us > 10 * 1000 * 1000) {
			SPDK_ERRLOG("invalid --%s '%s': expected microseconds, 0 to 10000000\n",
				    ch == OPT_PW_SPIN_US ? "pw-spin-us" : "pw-idle-poller-sleep-us",
				    arg);
			return OPT_FAIL;
		}
		if (ch == OPT_PW_SPIN_US) {
			ctx->reactor.spin_us = (uint32_t)us;
		} else {
			ctx->reactor.idle_poller_sleep_us = (uint32_t)us;
		}
		ctx->reactor_changed = true;
		break;
	}
	default:
		/* Every value in the table and in SPDK_APP_GETOPT_STRING is handled. */
		SPDK_ERRLOG("internal error: option %d has no handler\n", ch);
		return OPT_FAIL;
	}
	return OPT_OK;
}

static spdk_app_parse_args_rvals_t
app_option(int ch, char *arg, const char *name, int (*app_parse)(int ch, char *arg))
{
	int rc;

	if (app_parse == NULL) {
		SPDK_ERRLOG("application option '%s' given, but the application passed no "
			    "parse callback\n", name);
		return OPT_FAIL;
	}
	rc = app_parse(ch, arg);
	if (rc != 0) {
		SPDK_ERRLOG("the application refused option '%s'%s%s (rc %d)\n", name,
			    arg != NULL ? " with argument " : "", arg != NULL ? arg : "", rc);
		return OPT_FAIL;
	}
	return OPT_OK;
}

/* The getopt loop over the merged tables. */
static spdk_app_parse_args_rvals_t
parse_loop(struct parse_ctx *ctx, int argc, char **argv, const char *short_opts,
	   const struct option *table, int (*app_parse)(int ch, char *arg))
{
	for (;;) {
		int longindex = -1;
		int ch = getopt_long(argc, argv, short_opts, table, &longindex);
		spdk_app_parse_args_rvals_t r;
		char name[128];

		if (ch == -1) {
			return OPT_OK;
		}
		if (ch == '?' || ch == ':') {
			report_getopt_error(argc, argv, short_opts, table);
			pw__app_usage(ctx->app_usage);
			return OPT_FAIL;
		}
		if (longindex >= N_SPDK_LONG_OPTS) {
			/* The application's long option, whatever its val. One with a
			 * flag pointer was fully handled by getopt. */
			if (table[longindex].flag != NULL) {
				continue;
			}
			snprintf(name, sizeof(name), "--%s", table[longindex].name);
			r = app_option(ch, optarg, name, app_parse);
		} else if (longindex >= 0 ||
			   (ch > 0 && ch < 256 && strchr(SPDK_APP_GETOPT_STRING, ch) != NULL)) {
			r = spdk_option(ctx, ch, optarg);
		} else {
			snprintf(name, sizeof(name), "-%c", ch);
			r = app_option(ch, optarg, name, app_parse);
		}
		if (r != OPT_OK) {
			return r;
		}
	}
}

/* Warn about application long names hidden by SPDK's (getopt takes the first). */
static void
warn_hidden_long_opts(const struct option *app_long_opts, int n)
{
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < N_SPDK_LONG_OPTS; j++) {
			if (strcmp(app_long_opts[i].name, g_spdk_long_opts[j].name) == 0) {
				SPDK_WARNLOG("application option '--%s' has the name of an SPDK "
					     "option and will never be seen by the application\n",
					     app_long_opts[i].name);
			}
		}
	}
}

/* ---- public ----------------------------------------------------------------- */

PW_EXPORT spdk_app_parse_args_rvals_t
spdk_app_parse_args(int argc, char **argv, struct spdk_app_opts *opts,
		    const char *app_getopt_str, const struct option *app_long_opts,
		    int (*app_parse)(int ch, char *arg), void (*app_usage)(void))
{
	struct spdk_app_opts work;
	struct parse_ctx ctx = { .opts = &work, .app_usage = app_usage };
	struct option *table = NULL;
	char *short_opts = NULL;
	size_t size;
	int n_app = 0, letter, saved_opterr = opterr;
	spdk_app_parse_args_rvals_t r = OPT_FAIL;

	if (opts == NULL || argv == NULL || argc < 1 || argv[0] == NULL) {
		SPDK_ERRLOG("spdk_app_parse_args: %s\n", opts == NULL ? "opts is NULL" :
			    "argv is NULL or empty");
		return SPDK_APP_PARSE_ARGS_FAIL;
	}
	if (app_getopt_str == NULL) {
		app_getopt_str = "";
	}

	/* Work on a full-size copy and write back only what the caller's struct
	 * holds (opts_size 0: the caller zeroed it without spdk_app_opts_init()). */
	size = opts->opts_size == 0 || opts->opts_size > sizeof(work) ?
	       sizeof(work) : opts->opts_size;
	memset(&work, 0, sizeof(work));
	memcpy(&work, opts, size);
	pw__app_usage_set_defaults(&work);

	if (work.json_config_file != NULL && access(work.json_config_file, R_OK) != 0) {
		SPDK_WARNLOG("cannot read the JSON configuration file '%s'; ignoring it\n",
			     work.json_config_file);
		work.json_config_file = NULL;
	}

	letter = app_letters_overlap(app_getopt_str);
	if (letter != 0) {
		SPDK_ERRLOG("application option '-%c' is also an SPDK option (SPDK uses \"%s\")\n",
			    letter, SPDK_APP_GETOPT_STRING);
		goto out;
	}
	if (app_getopt_str[0] != '\0' && app_parse == NULL) {
		SPDK_ERRLOG("application options \"%s\" given without a parse callback\n",
			    app_getopt_str);
		goto out;
	}

	while (app_long_opts != NULL && app_long_opts[n_app].name != NULL) {
		n_app++;
	}
	warn_hidden_long_opts(app_long_opts, n_app);

	table = calloc((size_t)(N_SPDK_LONG_OPTS + n_app + 1), sizeof(*table));
	short_opts = spdk_sprintf_alloc("%s%s", app_getopt_str, SPDK_APP_GETOPT_STRING);
	if (table == NULL || short_opts == NULL) {
		SPDK_ERRLOG("spdk_app_parse_args: out of memory\n");
		goto out;
	}
	memcpy(table, g_spdk_long_opts, sizeof(g_spdk_long_opts));
	if (n_app > 0) {
		memcpy(&table[N_SPDK_LONG_OPTS], app_long_opts, (size_t)n_app * sizeof(*table));
	}

	pw__app_usage_set_name(argv[0]);
	pw_reactor_get_opts(&ctx.reactor, sizeof(ctx.reactor));
	if (optind == 1) {
		optind = 0;	/* start afresh (see the top of the file) */
	}
	opterr = 0;
	r = parse_loop(&ctx, argc, argv, short_opts, table, app_parse);
	opterr = saved_opterr;
	/* Process-wide, like the rest of pinwheel/event.h: set only when the
	 * whole command line was accepted. */
	if (r == OPT_OK && ctx.reactor_changed) {
		pw_reactor_set_opts(&ctx.reactor);
	}
	if (r == OPT_OK && ctx.rpc_compat_changed) {
		pw_app_set_rpc_compat(ctx.rpc_compat);
	}

out:
	memcpy(opts, &work, size);
	free(short_opts);
	free(table);
	return r;
}
