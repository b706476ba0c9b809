/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * libFuzzer target: spdk_app_parse_args() with a command line from the input.
 *
 * Input: lines; each line is one argument (a NUL inside ends it), the first
 * is argv[0] and its first character picks how the application calls the
 * parser:
 *   'N'  no options of its own (NULL getopt string, long options, callbacks)
 *   'E'  an empty getopt string and a parse callback
 *   'P'  "+xy:z::" (POSIX order: stop at the first non-option) and long options
 *   'S'  the options of 'A', in a struct as old programs know it (opts_size
 *        ends after the opts_size field)
 *   'Z'  the options of 'A', in a struct zeroed without spdk_app_opts_init()
 *   'B'  a getopt string reusing SPDK's letter 'm' (must be refused)
 *   else 'A': "xy:z::", long options --app-flag, --app-value <v>, --app-opt[=v],
 *        --app-long <v> (val 300), --app-set (sets a variable through getopt's
 *        flag pointer) and --cpumask (hidden by SPDK's own --cpumask)
 * The parse callback refuses the argument "bad".
 *
 * Each argument and the options struct are heap blocks of their exact size,
 * so ASan sees any access past them. Checked after the call: the answer is
 * SUCCESS, HELP or FAIL; nothing leaked (LSan); every text field of the
 * options still holds its default or points into one of the arguments; the
 * numbers hold values their options can produce; and parsing the same
 * command line again, from fresh copies, gives the same answer, the same
 * options and the same callback calls. Before each parse optind is reset to
 * 1, as the documentation of spdk_app_parse_args() asks (a parse that
 * stopped inside "-hd" once made the next one go on with the old "d"). The
 * parser prints usage text to stdout, which goes to /dev/null; its log
 * messages go to a sink that drops them.
 */

#include "fuzz_common.h"

#include <getopt.h>
#include <stdbool.h>
#include <unistd.h>

#include "spdk/event.h"
#include "pinwheel/event.h"

#define MAX_ARGS 64

/* One parse: the command line, and what the application saw. */
struct run {
	int		argc;
	char		*args[MAX_ARGS + 1];	/* the strings, in input order */
	size_t		lens[MAX_ARGS];
	char		*argv[MAX_ARGS + 1];	/* what getopt may permute */
	struct spdk_app_opts *opts;
	struct spdk_app_opts defaults;		/* *opts before the parse */
	size_t		opts_size;		/* of the caller's struct */
	size_t		want_opts_size;		/* what opts->opts_size must stay */
	int		rc;
	uint64_t	calls_hash;		/* the callback's (ch, arg) calls */
	unsigned int	ncalls;
};

static struct run *g_run;
static int g_app_set;
static struct pw_reactor_opts g_reactor_defaults;

static const struct option g_app_long_opts[] = {
	{"app-flag",	no_argument,		NULL,		'x'},
	{"app-value",	required_argument,	NULL,		'y'},
	{"app-opt",	optional_argument,	NULL,		'z'},
	{"app-long",	required_argument,	NULL,		300},
	{"app-set",	no_argument,		&g_app_set,	7},
	{"cpumask",	required_argument,	NULL,		'q'},
	{NULL,		0,			NULL,		0},
};

/* Where p points: 0 for NULL, 1 + index * 2^16 + offset inside an argument,
 * or ~0 when it points anywhere else. */
static uint64_t
locate(const struct run *r, const void *p)
{
	if (p == NULL) {
		return 0;
	}
	for (int i = 0; i < r->argc; i++) {
		if ((const char *)p >= r->args[i] && (const char *)p <= r->args[i] + r->lens[i]) {
			return 1 + ((uint64_t)i << 16) + (uint64_t)((const char *)p - r->args[i]);
		}
	}
	return ~0ull;
}

static int
app_parse(int ch, char *arg)
{
	struct run *r = g_run;

	r->calls_hash = r->calls_hash * 1000003u + (uint64_t)ch;
	r->calls_hash = r->calls_hash * 1000003u + locate(r, arg);
	r->ncalls++;
	if (arg != NULL) {
		FUZZ_CHECK(locate(r, arg) != ~0ull, "option %d got an argument outside argv", ch);
	}
	return arg != NULL && strcmp(arg, "bad") == 0 ? -1 : 0;
}

static void
app_usage(void)
{
	printf(" -x, --app-flag      an application flag\n");
}

/* Split the input into arguments (exact-size copies). */
static void
make_args(struct run *r, const uint8_t *data, size_t size)
{
	size_t start = 0;

	r->argc = 0;
	while (r->argc < MAX_ARGS) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t end = nl != NULL ? (size_t)(nl - data) : size;

		r->args[r->argc] = fuzz_strndup(data + start, end - start);
		r->lens[r->argc] = strlen(r->args[r->argc]);
		r->argv[r->argc] = r->args[r->argc];
		r->argc++;
		if (nl == NULL) {
			break;
		}
		start = end + 1;
	}
	r->args[r->argc] = NULL;
	r->argv[r->argc] = NULL;
}

static void
free_run(struct run *r)
{
	for (int i = 0; i < r->argc; i++) {
		free(r->args[i]);
	}
	free(r->opts);
}

/* Whether the caller's struct (r->opts_size bytes) holds the field. */
#define HAS(r, field) \
	(offsetof(struct spdk_app_opts, field) + sizeof(((struct spdk_app_opts *)0)->field) <= \
	 (r)->opts_size)

static void
parse(struct run *r, char profile)
{
	const char *getopt_str = "xy:z::";
	const struct option *long_opts = g_app_long_opts;
	int (*parse_cb)(int, char *) = app_parse;
	void (*usage_cb)(void) = app_usage;

	r->opts_size = sizeof(struct spdk_app_opts);
	if (profile == 'S') {
		r->opts_size = offsetof(struct spdk_app_opts, opts_size) + sizeof(size_t);
	}
	r->opts = malloc(r->opts_size);
	if (r->opts == NULL) {
		abort();
	}
	memset(r->opts, 0, r->opts_size);
	if (profile != 'Z') {
		spdk_app_opts_init(r->opts, r->opts_size);
	}
	r->want_opts_size = profile == 'Z' ? 0 : r->opts_size;
	memset(&r->defaults, 0, sizeof(r->defaults));
	memcpy(&r->defaults, r->opts, r->opts_size);
	switch (profile) {
	case 'N':
		getopt_str = NULL;
		long_opts = NULL;
		parse_cb = NULL;
		usage_cb = NULL;
		break;
	case 'E':
		getopt_str = "";
		long_opts = NULL;
		break;
	case 'P':
		getopt_str = "+xy:z::";
		break;
	case 'B':
		getopt_str = "xm";
		break;
	default:
		break;
	}

	g_run = r;
	g_app_set = 0;
	pw_reactor_set_opts(&g_reactor_defaults);
	optind = 1;	/* what the documentation asks; the parser resets getopt fully */
	r->rc = spdk_app_parse_args(r->argc, r->argv, r->opts, getopt_str, long_opts, parse_cb,
				    usage_cb);
	g_run = NULL;
	if (profile == 'B') {
		FUZZ_CHECK(r->rc == SPDK_APP_PARSE_ARGS_FAIL, "'-m' in the app's getopt string "
			   "was accepted (rc %d)", r->rc);
	}
}

static void
check_opts(const struct run *r)
{
	const struct spdk_app_opts *o = r->opts;
	const struct spdk_app_opts *d = &r->defaults;

	FUZZ_CHECK(r->rc == SPDK_APP_PARSE_ARGS_SUCCESS || r->rc == SPDK_APP_PARSE_ARGS_HELP ||
		   r->rc == SPDK_APP_PARSE_ARGS_FAIL, "rc %d", r->rc);
	/* Each text field holds its default or points into an argument. */
#define CHECK_TEXT(field) \
	FUZZ_CHECK(!HAS(r, field) || o->field == d->field || \
		   locate(r, o->field) != ~0ull, "opts." #field " points outside the arguments")
	CHECK_TEXT(name);
	CHECK_TEXT(json_config_file);
	CHECK_TEXT(rpc_addr);
	CHECK_TEXT(reactor_mask);
	CHECK_TEXT(tpoint_group_mask);
	CHECK_TEXT(hugedir);
	CHECK_TEXT(iova_mode);
	CHECK_TEXT(env_context);
	CHECK_TEXT(vf_token);
	CHECK_TEXT(lcore_map);
#undef CHECK_TEXT
	FUZZ_CHECK(o->opts_size == r->want_opts_size, "opts_size changed from %zu to %zu",
		   r->want_opts_size, o->opts_size);
	if (r->rc != SPDK_APP_PARSE_ARGS_SUCCESS) {
		return;
	}
	FUZZ_CHECK(o->main_core >= -1, "main_core %d", o->main_core);
	FUZZ_CHECK(o->mem_channel >= -1, "mem_channel %d", o->mem_channel);
	FUZZ_CHECK(o->mem_size >= -1, "mem_size %d", o->mem_size);
	FUZZ_CHECK(o->print_level >= SPDK_LOG_DISABLED && o->print_level <= SPDK_LOG_DEBUG,
		   "print_level %d", o->print_level);
	FUZZ_CHECK((o->num_entries & (o->num_entries - 1)) == 0, "num_entries %llu",
		   (unsigned long long)o->num_entries);
	if (HAS(r, msg_mempool_size) && o->opts_size != 0) {
		FUZZ_CHECK(o->msg_mempool_size > 0, "msg_mempool_size 0");
	}
}

/* The options with every pointer into the arguments replaced by its place. */
static void
canonical(const struct run *r, struct spdk_app_opts *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out, r->opts, r->opts_size);
#define CANON(field) \
	do { if (HAS(r, field)) { \
		out->field = (void *)(uintptr_t)locate(r, r->opts->field); \
	} } while (0)
	CANON(name);
	CANON(json_config_file);
	CANON(rpc_addr);
	CANON(reactor_mask);
	CANON(tpoint_group_mask);
	CANON(hugedir);
	CANON(iova_mode);
	CANON(env_context);
	CANON(vf_token);
	CANON(lcore_map);
#undef CANON
	/* --rpcs-allowed: a list the parser owns, new at every parse; what
	 * counts is the names in it. */
	if (HAS(r, rpc_allowlist) && r->opts->rpc_allowlist != NULL) {
		uint64_t h = 1469598103934665603ull;	/* FNV-1a over "name,name,..." */

		for (const char **p = r->opts->rpc_allowlist; *p != NULL; p++) {
			for (const char *c = *p; *c != '\0'; c++) {
				h = (h ^ (uint8_t)*c) * 1099511628211ull;
			}
			h = (h ^ ',') * 1099511628211ull;
		}
		out->rpc_allowlist = (const char **)(uintptr_t)h;
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	/* Usage and version text: the parser prints them on -h, -v and errors. */
	if (freopen("/dev/null", "w", stdout) == NULL) {
		abort();
	}
	pw_reactor_get_opts(&g_reactor_defaults, sizeof(g_reactor_defaults));
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run first, second;
	struct spdk_app_opts a, b;
	char profile;
	int set_first;

	memset(&first, 0, sizeof(first));
	memset(&second, 0, sizeof(second));
	make_args(&first, data, size);
	profile = first.args[0][0];
	parse(&first, profile);
	set_first = g_app_set;
	check_opts(&first);

	canonical(&first, &a);

	/* The first command line is still allocated: getopt state kept from it
	 * shows as a different answer, which names the input (freed, it would
	 * go unseen: glibc is not instrumented and ASan reuses freed bytes). */
	make_args(&second, data, size);
	parse(&second, profile);
	check_opts(&second);
	canonical(&second, &b);
	free_run(&first);
	FUZZ_CHECK(first.rc == second.rc, "the same command line gave %d, then %d", first.rc,
		   second.rc);
	FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0, "the same command line gave other options");
	FUZZ_CHECK(first.ncalls == second.ncalls && first.calls_hash == second.calls_hash,
		   "the same command line gave other callback calls (%u, then %u)", first.ncalls,
		   second.ncalls);
	FUZZ_CHECK(set_first == g_app_set, "--app-set gave %d, then %d", set_first, g_app_set);
	free_run(&second);
	return 0;
}
