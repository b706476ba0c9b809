/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * poll_groups [-m MASK] [-n ROUNDS]: poll groups as an NVMe-oF target makes
 * them. The start callback (app thread) creates one spdk_thread per core of
 * the mask, "poll_group_<core>", pinned to that core. Each group registers an
 * untimed poller that counts its runs; the first run reports the group ready.
 * Once every group is ready, a token travels around the ring (group i hands it
 * to group i + 1 mod n) for ROUNDS rounds; every hop checks that it runs on
 * its group's core and thread. Then every group unregisters its poller and
 * exits, and the app thread prints a summary and stops.
 *
 * -n is not spdk_app_parse_args()'s (there it means --mem-channels), so this
 * example parses its two options itself, like SPDK's test/event tools.
 */

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/string.h"
#include "spdk/thread.h"

#include "example_rpc.h"

#define DEFAULT_ROUNDS	1000
#define MAX_ROUNDS	100000000

struct poll_group {
	uint32_t		core;
	char			name[32];
	struct spdk_thread	*thread;
	struct spdk_poller	*poller;
	/* Written by the group's thread only; the app thread reads them after
	 * the group's last message to it (group_stopped). */
	uint64_t		msgs;		/* token hops handled */
	uint64_t		polls;		/* poller runs */
};

/* The token: only its holder touches it, and it changes hands by message. */
struct token {
	uint64_t	hops;
	uint64_t	wrong;		/* hops that ran on the wrong core or thread */
	uint32_t	at;		/* index of the group it was sent to */
};

static long g_rounds = DEFAULT_ROUNDS;
static struct poll_group *g_groups;	/* one per core; set up by the app thread */
static uint32_t g_group_count;
static struct token g_token;

/* App thread only. */
static uint32_t g_ready;
static uint32_t g_stopped;
static bool g_failed;

static void group_stop(void *ctx);

static void
send_or_stop(struct spdk_thread *thread, spdk_msg_fn fn, void *ctx, const char *what)
{
	if (spdk_thread_send_msg(thread, fn, ctx) != 0) {
		fprintf(stderr, "poll_groups: cannot send %s; stopping\n", what);
		spdk_app_stop(1);
	}
}

/* On the app thread: one group has exited; after the last, the summary. */
static void
group_stopped(void *ctx)
{
	if (++g_stopped < g_group_count) {
		return;
	}
	for (uint32_t i = 0; i < g_group_count; i++) {
		struct poll_group *pg = &g_groups[i];

		printf("%s: core %u, %" PRIu64 " messages, %" PRIu64 " poller runs\n",
		       pg->name, pg->core, pg->msgs, pg->polls);
	}
	if (!g_failed) {
		printf("poll_groups: done %ld rounds, %" PRIu64 " hops\n", g_rounds, g_token.hops);
	}
	fflush(stdout);
	if (g_token.wrong != 0) {
		fprintf(stderr, "poll_groups: %" PRIu64 " hop(s) ran on the wrong core or thread\n",
			g_token.wrong);
	}
	spdk_app_stop(g_failed || g_token.wrong != 0 ? 1 : 0);
}

/* On the app thread: the token is back, or the ring is broken. */
static void
stop_groups(void *ctx)
{
	for (uint32_t i = 0; i < g_group_count; i++) {
		send_or_stop(g_groups[i].thread, group_stop, &g_groups[i], "group_stop");
	}
}

/* On a group's thread. */
static void
group_stop(void *ctx)
{
	struct poll_group *pg = ctx;

	spdk_poller_unregister(&pg->poller);
	spdk_thread_exit(spdk_get_thread());
	send_or_stop(spdk_thread_get_app_thread(), group_stopped, NULL, "group_stopped");
}

/* On the group the token was sent to: check where we are, pass it on. */
static void
token_hop(void *ctx)
{
	struct token *token = ctx;
	struct poll_group *pg = &g_groups[token->at];
	uint32_t core = spdk_env_get_current_core();
	struct spdk_thread *thread = spdk_get_thread();

	if (core != pg->core || thread != pg->thread) {
		fprintf(stderr, "poll_groups: hop %" PRIu64 " for %s ran on core %u, thread %s "
			"(expected core %u)\n", token->hops + 1, pg->name, core,
			thread != NULL ? spdk_thread_get_name(thread) : "(none)", pg->core);
		token->wrong++;
	}
	pg->msgs++;
	token->hops++;
	if (token->hops == (uint64_t)g_rounds * g_group_count) {
		send_or_stop(spdk_thread_get_app_thread(), stop_groups, NULL, "the end of the ring");
		return;
	}
	token->at = (token->at + 1) % g_group_count;
	send_or_stop(g_groups[token->at].thread, token_hop, token, "the token");
}

/* On the app thread: one more group's poller has run. */
static void
group_ready(void *ctx)
{
	if (++g_ready < g_group_count) {
		return;
	}
	if (g_failed) {
		stop_groups(NULL);
		return;
	}
	g_token.hops = 0;
	g_token.at = 0;
	send_or_stop(g_groups[0].thread, token_hop, &g_token, "the token");
}

/* A group's untimed poller: it has nothing to poll but counts its runs. */
static int
group_poll(void *ctx)
{
	struct poll_group *pg = ctx;

	if (++pg->polls == 1) {
		send_or_stop(spdk_thread_get_app_thread(), group_ready, NULL, "group_ready");
	}
	return SPDK_POLLER_IDLE;
}

/* On a group's thread, its first message. */
static void
group_start(void *ctx)
{
	struct poll_group *pg = ctx;

	pg->poller = SPDK_POLLER_REGISTER(group_poll, pg, 0);
	if (pg->poller == NULL) {
		fprintf(stderr, "poll_groups: %s cannot register its poller\n", pg->name);
		spdk_app_stop(1);
	}
}

/* The start callback, on the app thread. */
static void
poll_groups_start(void *ctx)
{
	struct spdk_cpuset mask;
	uint32_t core, created = 0;

	g_groups = calloc(spdk_env_get_core_count(), sizeof(*g_groups));
	if (g_groups == NULL) {
		fprintf(stderr, "poll_groups: no memory for the poll groups\n");
		spdk_app_stop(1);
		return;
	}
	SPDK_ENV_FOREACH_CORE(core) {
		struct poll_group *pg = &g_groups[created];

		pg->core = core;
		snprintf(pg->name, sizeof(pg->name), "poll_group_%u", core);
		spdk_cpuset_zero(&mask);
		spdk_cpuset_set_cpu(&mask, core, true);
		pg->thread = spdk_thread_create(pg->name, &mask);
		if (pg->thread == NULL) {
			fprintf(stderr, "poll_groups: cannot create %s\n", pg->name);
			g_failed = true;
			break;
		}
		created++;
	}
	g_group_count = created;
	if (created == 0) {
		spdk_app_stop(1);
		return;
	}
	for (uint32_t i = 0; i < created; i++) {
		send_or_stop(g_groups[i].thread, group_start, &g_groups[i], "group_start");
	}
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: poll_groups [-m MASK] [-n ROUNDS]\n"
		"  -m MASK    cores, one poll group each: hex mask (0x3) or list ([0-1]); "
		"default core 0\n"
		"  -n ROUNDS  times the token goes around the ring, 1 to %d (default %d)\n"
		"  -h         show this help\n", MAX_ROUNDS, DEFAULT_ROUNDS);
}

int
main(int argc, char **argv)
{
	struct spdk_app_opts opts;
	int ch, rc;

	spdk_app_opts_init(&opts, sizeof(opts));
	example_rpc_addr_from_env(&opts);
	opts.name = "poll_groups";

	while ((ch = getopt(argc, argv, "m:n:h")) != -1) {
		switch (ch) {
		case 'm':
			opts.reactor_mask = optarg;
			break;
		case 'n':
			g_rounds = spdk_strtol(optarg, 10);
			if (g_rounds < 1 || g_rounds > MAX_ROUNDS) {
				fprintf(stderr, "poll_groups: -n wants a whole number from 1 to %d, "
					"not '%s'\n", MAX_ROUNDS, optarg);
				return 1;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "poll_groups: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}

	rc = spdk_app_start(&opts, poll_groups_start, NULL);
	spdk_app_fini();
	free(g_groups);
	return rc;
}
