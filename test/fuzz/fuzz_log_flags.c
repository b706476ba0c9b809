/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * libFuzzer target: log flags set, cleared and read by name, "all" and glob
 * pattern, and registrations that must be refused.
 *
 * Input: lines; the first character of a line is the operation, the rest its
 * argument:
 *   s<pattern>  spdk_log_set_flag      c<pattern>  spdk_log_clear_flag
 *   g<name>     spdk_log_get_flag      r<name>     spdk_log_register_flag
 *   u<arg>      spdk_log_usage (to /dev/null)
 * (any other first character picks one of them by its value). Only the first
 * MAX_OPS non-empty lines are used.
 *
 * A model of every flag's state is kept beside the library's and compared
 * after each operation. The model's rules are the contract: "all" (any case)
 * sets every flag; otherwise a pattern selects the flags it matches with
 * fnmatch(FNM_CASEFOLD), as in SPDK, and matching none is -EINVAL with an
 * error message; a name is looked up without regard to case. Registration
 * is attempted only with names the contract refuses (empty, "all", glob
 * characters, or the name of a registered flag in any case), because a flag
 * cannot be unregistered and every run must start from the same state; it
 * must leave the list unchanged and log why.
 */

#include "fuzz_common.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <strings.h>

#define MAX_FLAGS 32
/* Operations looked at per input: enough for any interplay of a few flags,
 * few enough to keep the target fast. */
#define MAX_OPS 16

/* Registered by this target besides whatever the library registers. */
static const char *const g_own_names[] = {
	"app_rpc", "bdev", "bdev_nvme", "nvme", "Mixed_Case", "x", "log-flag.1",
	"a b", "zz_last", "Thread_pool",
};
static struct spdk_log_flag g_own[sizeof(g_own_names) / sizeof(g_own_names[0])];

/* The model: every registered flag, in the library's list order. */
static struct {
	const char	*name;
	bool		enabled;
} g_model[MAX_FLAGS];
static size_t g_nmodel;

static FILE *g_null;

static void
check_model(const char *op, const char *arg)
{
	struct spdk_log_flag *flag = spdk_log_get_first_flag();
	size_t i = 0;

	for (; flag != NULL; flag = spdk_log_get_next_flag(flag), i++) {
		FUZZ_CHECK(i < g_nmodel, "after %s'%s': more flags listed than registered", op,
			   arg);
		FUZZ_CHECK(strcmp(flag->name, g_model[i].name) == 0,
			   "after %s'%s': flag %zu is '%s', expected '%s'", op, arg, i, flag->name,
			   g_model[i].name);
		FUZZ_CHECK(spdk_log_get_flag(g_model[i].name) == g_model[i].enabled,
			   "after %s'%s': flag '%s' is %s, expected %s", op, arg, g_model[i].name,
			   g_model[i].enabled ? "off" : "on", g_model[i].enabled ? "on" : "off");
	}
	FUZZ_CHECK(i == g_nmodel, "after %s'%s': %zu flags listed, %zu registered", op, arg, i,
		   g_nmodel);
}

static void
op_set(const char *pattern, bool value)
{
	bool all = strcasecmp(pattern, "all") == 0, matched = false;
	int rc;

	for (size_t i = 0; i < g_nmodel; i++) {
		if (all || fnmatch(pattern, g_model[i].name, FNM_CASEFOLD) == 0) {
			g_model[i].enabled = value;
			matched = true;
		}
	}
	g_fuzz_errors = 0;
	rc = value ? spdk_log_set_flag(pattern) : spdk_log_clear_flag(pattern);
	if (all || matched) {
		FUZZ_CHECK(rc == 0, "%s('%s') = %d, expected 0", value ? "set" : "clear", pattern,
			   rc);
	} else {
		FUZZ_CHECK(rc == -EINVAL, "%s('%s') = %d, expected -EINVAL (nothing matches)",
			   value ? "set" : "clear", pattern, rc);
		FUZZ_CHECK(g_fuzz_errors > 0, "%s('%s') refused without an error message",
			   value ? "set" : "clear", pattern);
	}
}

static void
op_get(const char *name)
{
	bool want = false;

	for (size_t i = 0; i < g_nmodel; i++) {
		if (strcasecmp(name, g_model[i].name) == 0) {
			want = g_model[i].enabled;
		}
	}
	FUZZ_CHECK(spdk_log_get_flag(name) == want, "get('%s') is %s, expected %s", name,
		   want ? "off" : "on", want ? "on" : "off");
}

static void
op_register(const char *name)
{
	static struct spdk_log_flag scratch;
	bool refused = name[0] == '\0' || strcasecmp(name, "all") == 0 ||
		       strpbrk(name, "*?[]\\") != NULL;

	for (size_t i = 0; i < g_nmodel && !refused; i++) {
		refused = strcasecmp(name, g_model[i].name) == 0;
	}
	if (!refused) {
		return;	/* it would be accepted for good: see the top of the file */
	}
	memset(&scratch, 0, sizeof(scratch));
	g_fuzz_errors = 0;
	spdk_log_register_flag(name, &scratch);
	FUZZ_CHECK(g_fuzz_errors > 0, "register('%s') was not refused with a message", name);
	for (struct spdk_log_flag *f = spdk_log_get_first_flag(); f != NULL;
	     f = spdk_log_get_next_flag(f)) {
		FUZZ_CHECK(f != &scratch, "register('%s') was accepted", name);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct spdk_log_flag *flag;

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	g_null = fopen("/dev/null", "w");
	if (g_null == NULL) {
		abort();
	}
	for (size_t i = 0; i < sizeof(g_own_names) / sizeof(g_own_names[0]); i++) {
		spdk_log_register_flag(g_own_names[i], &g_own[i]);
	}
	for (flag = spdk_log_get_first_flag(); flag != NULL; flag = spdk_log_get_next_flag(flag)) {
		if (g_nmodel == MAX_FLAGS) {
			abort();
		}
		g_model[g_nmodel++].name = flag->name;
	}
	/* Ours are all there, and the list is sorted without regard to case. */
	FUZZ_CHECK(g_nmodel >= sizeof(g_own_names) / sizeof(g_own_names[0]), "%zu flags",
		   g_nmodel);
	for (size_t i = 1; i < g_nmodel; i++) {
		FUZZ_CHECK(strcasecmp(g_model[i - 1].name, g_model[i].name) < 0,
			   "flags '%s' and '%s' out of order", g_model[i - 1].name, g_model[i].name);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	char *line = text, *next;
	int ops = 0;

	/* Every run starts with every flag off. */
	spdk_log_clear_flag("all");
	for (size_t i = 0; i < g_nmodel; i++) {
		g_model[i].enabled = false;
	}

	for (; line != NULL && ops < MAX_OPS; line = next) {
		char op[2] = { line[0], '\0' };
		const char *arg;

		next = strchr(line, '\n');
		if (next != NULL) {
			*next++ = '\0';
		}
		if (line[0] == '\0') {
			continue;
		}
		arg = line + 1;
		ops++;
		switch (strchr("scgru", line[0]) != NULL ? line[0] : "scgru"[(uint8_t)line[0] % 5]) {
		case 's':
			op_set(arg, true);
			break;
		case 'c':
			op_set(arg, false);
			break;
		case 'g':
			op_get(arg);
			break;
		case 'r':
			op_register(arg);
			break;
		default:
			spdk_log_usage(g_null, arg);
			break;
		}
		check_model(op, arg);
	}
	free(text);
	return 0;
}
