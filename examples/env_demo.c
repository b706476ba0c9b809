/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * env_demo: the environment layer on its own.
 *
 *   env_demo -m MASK [-t SECONDS]
 *
 * Initialises the environment with a core mask, starts a pinned pthread on
 * every core but the main one, runs the same short piece of work on each of
 * them and on the main pthread, and reports where each one ran: the core it
 * serves, the cpu it actually ran on, its thread name (as `ps -T` shows it),
 * how many rounds of work it did and how many ticks that took.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/util.h"

#define DEFAULT_SECONDS	0.1
#define MAX_SECONDS	3600.0
#define STEPS_PER_ROUND	1000

struct core_work {
	uint32_t	core;		/* core this work was launched for */
	uint32_t	current_core;	/* what spdk_env_get_current_core() said */
	int		cpu;		/* sched_getcpu() */
	char		name[16];	/* pthread name */
	uint64_t	rounds;
	uint64_t	ticks;
	uint64_t	start_ns;	/* CLOCK_MONOTONIC when the work began */
	uint64_t	checksum;	/* keeps the work from being optimised away */
} __attribute__((aligned(SPDK_CACHE_LINE_SIZE)));

static uint64_t g_work_ticks;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SPDK_SEC_TO_NSEC + (uint64_t)ts.tv_nsec;
}

/* Runs on each core: spin on a little arithmetic until the time is up. */
static int
do_work(void *arg)
{
	struct core_work *w = arg;
	uint64_t start, now, x = w->core + 1;

	w->start_ns = now_ns();
	w->current_core = spdk_env_get_current_core();
	w->cpu = sched_getcpu();
	pthread_getname_np(pthread_self(), w->name, sizeof(w->name));

	start = spdk_get_ticks();
	do {
		for (int i = 0; i < STEPS_PER_ROUND; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		}
		w->rounds++;
		now = spdk_get_ticks();
	} while (now - start < g_work_ticks);

	w->ticks = now - start;
	w->checksum = x;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: env_demo -m MASK [-t SECONDS]\n"
		"  -m MASK     cores to use: hex mask (0x3) or list ([0,2-3])\n"
		"  -t SECONDS  how long each core works (default %.1f)\n", DEFAULT_SECONDS);
}

int
main(int argc, char **argv)
{
	struct spdk_env_opts opts;
	struct core_work *works;
	const char *mask = NULL;
	double seconds = DEFAULT_SECONDS;
	uint32_t core, main_core, count, i = 0, misplaced = 0;
	uint64_t init_ns, total_rounds = 0, first_start = UINT64_MAX;
	char *end;
	int ch, rc;

	while ((ch = getopt(argc, argv, "m:t:h")) != -1) {
		switch (ch) {
		case 'm':
			mask = optarg;
			break;
		case 't':
			seconds = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(seconds > 0 && seconds <= MAX_SECONDS)) {
				fprintf(stderr, "env_demo: -t wants a number of seconds in (0, %.0f], "
					"not '%s'\n", MAX_SECONDS, optarg);
				return 1;
			}
			break;
		default:
			usage();
			return ch == 'h' ? 0 : 1;
		}
	}
	if (mask == NULL || optind != argc) {
		usage();
		return 1;
	}

	spdk_env_opts_init(&opts);
	opts.name = "env_demo";
	opts.core_mask = mask;
	init_ns = now_ns();
	rc = spdk_env_init(&opts);
	if (rc != 0) {
		fprintf(stderr, "env_demo: cannot initialise the environment with core mask '%s': %s\n",
			mask, strerror(-rc));
		return 1;
	}

	count = spdk_env_get_core_count();
	main_core = spdk_env_get_main_core();
	g_work_ticks = (uint64_t)(seconds * (double)spdk_get_ticks_hz());
	printf("env_demo: %u cores (mask %s), main core %u, %" PRIu64 " ticks per second\n",
	       count, mask, main_core, spdk_get_ticks_hz());

	/* One cache line per core, so the cores do not share the lines they write. */
	works = spdk_zmalloc(count * sizeof(*works), 0, NULL, SPDK_ENV_NUMA_ID_ANY,
			     SPDK_MALLOC_DMA);
	if (works == NULL) {
		fprintf(stderr, "env_demo: out of memory\n");
		spdk_env_fini();
		return 1;
	}

	SPDK_ENV_FOREACH_CORE(core) {
		works[i].core = core;
		if (core != main_core) {
			rc = spdk_env_thread_launch_pinned(core, do_work, &works[i]);
			if (rc != 0) {
				fprintf(stderr, "env_demo: cannot launch a pthread on core %u: %s\n",
					core, strerror(-rc));
				works[i].cpu = -1;
			}
		}
		i++;
	}
	/* The main core's share runs right here, on the pthread that called
	 * spdk_env_init(); it is not pinned, so its cpu may be any allowed one. */
	for (i = 0; i < count; i++) {
		if (works[i].core == main_core) {
			do_work(&works[i]);
		}
	}
	spdk_env_thread_wait_all();

	for (i = 0; i < count; i++) {
		struct core_work *w = &works[i];
		bool is_main = w->core == main_core;

		printf("core %u: cpu %d, thread %s%s, %" PRIu64 " rounds, %" PRIu64 " ticks (%.1f ms)\n",
		       w->core, w->cpu, w->name, is_main ? " (main pthread, not pinned)" : "",
		       w->rounds, w->ticks, (double)w->ticks * 1e3 / (double)spdk_get_ticks_hz());
		if (w->current_core != w->core || (!is_main && w->cpu != (int)w->core)) {
			misplaced++;
		}
		total_rounds += w->rounds;
		if (!is_main) {
			first_start = spdk_min(first_start, w->start_ns);
		}
	}
	printf("summary: %u cores, %u pinned, %" PRIu64 " rounds", count, count - 1, total_rounds);
	if (first_start != UINT64_MAX) {
		printf(", first one working %.2f ms after spdk_env_init()",
		       (double)(first_start - init_ns) / 1e6);
	}
	printf("\n");

	spdk_free(works);
	spdk_env_fini();
	if (misplaced > 0) {
		fprintf(stderr, "env_demo: %u cores ran somewhere else than they should\n", misplaced);
		return 1;
	}
	return 0;
}
