/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * What an idle program costs: cpu time of each reactor pthread, sleeping
 * reactors against polling ones.
 *
 *   idle_cpu [--smoke] [--runs N] [--window S] [--examples DIR]
 *
 * Runs (fork + exec) four idle programs on cores 0 and 1 (-m 0x3):
 *   poller_test_sleep   examples/poller_test -m 0x3 -t T        (own reactors)
 *   poller_test_poll    examples/poller_test -m 0x3 -t T -b
 *   hello_event_sleep   examples/hello_event -m 0x3 -t T        (event framework)
 *   hello_event_poll    examples/hello_event -m 0x3 -t T --pw-no-sleep
 * Both programs have only timed pollers: "hello poller" every 500 ms on core
 * 1 and the stop poller on core 0. Their reactors are the main pthread (core
 * 0) and the pthread named reactor_1. After a start-up delay, the cpu time of
 * each reactor is read from /proc/<pid>/task/<tid>/stat (utime + stime, in
 * clock ticks) and /proc/<pid>/task/<tid>/schedstat (run time in ns), and
 * again WINDOW seconds later, while the program is still running; the
 * difference over the wall time between the two reads is the share of a core
 * the reactor used. T covers start-up, the window and a quarter second more.
 *
 * The cases run in turns (each case once per run), and each figure printed
 * is the median over the runs. Lines are "name value unit":
 *   <case>_reactor<N>_cpu        % of a core from stat (1/CLK_TCK resolution)
 *   <case>_reactor<N>_cpu_exact  % of a core from schedstat (ns)
 *   <case>_max_cpu_exact         the busier reactor's median
 *   <prog>_sleep_vs_poll         sleeping / polling, max reactor (ratio)
 * Comment lines (#) give each run and the cpu share other processes used
 * meanwhile (from /proc/stat), which says how quiet the machine was.
 *
 * Exit 77 when cpus 0 and 1 are not both usable; 1 when a program is missing
 * or fails.
 */

#include "spdk/stdinc.h"
#include "spdk/util.h"

#include <dirent.h>
#include <libgen.h>
#include <sys/wait.h>

#include "bench_util.h"

#define MAX_RUNS	32
#define MAX_REACTORS	2
#define MAX_TASKS	64

struct task_cpu {
	pid_t		tid;
	int		reactor;	/* 0 = main pthread, N = reactor_N, -1 = other */
	char		comm[32];
	uint64_t	stat_ticks;	/* utime + stime */
	uint64_t	run_ns;		/* schedstat, 0 if not available */
};

struct idle_case {
	const char	*name;
	const char	*prog;
	const char	*extra;		/* NULL or one extra argument */
	/* % of a core per reactor and run */
	double		cpu[MAX_REACTORS][MAX_RUNS];
	double		exact[MAX_REACTORS][MAX_RUNS];
};

static struct idle_case g_cases[] = {
	{ .name = "poller_test_sleep", .prog = "poller_test" },
	{ .name = "poller_test_poll", .prog = "poller_test", .extra = "-b" },
	{ .name = "hello_event_sleep", .prog = "hello_event" },
	{ .name = "hello_event_poll", .prog = "hello_event", .extra = "--pw-no-sleep" },
};
#define NUM_CASES	(sizeof(g_cases) / sizeof(g_cases[0]))

static char g_examples[PATH_MAX];
/* A private folder for the examples' RPC sockets (examples/example_rpc.h):
 * never SPDK's default path, which another program may hold. */
static char g_rpc_dir[] = "/tmp/pw_idle_cpu.XXXXXX";

static void
remove_rpc_dir(void)
{
	rmdir(g_rpc_dir);
}
static unsigned g_runs = 3;
static double g_settle_s = 1.0;
static double g_window_s = 10.0;

static void
sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* The tasks of \p pid with their cpu time; returns how many (-1 on error). */
static int
read_tasks(pid_t pid, struct task_cpu *tasks, int max)
{
	char dir[64], tdir[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	if (d == NULL) {
		return -1;
	}
	while ((de = readdir(d)) != NULL && n < max) {
		struct task_cpu *t = &tasks[n];
		FILE *f;
		int core;

		if (de->d_name[0] == '.') {
			continue;
		}
		snprintf(tdir, sizeof(tdir), "%s/%s", dir, de->d_name);
		t->tid = (pid_t)atoi(de->d_name);
		snprintf(tdir + strlen(tdir), sizeof(tdir) - strlen(tdir), "/comm");
		f = fopen(tdir, "r");
		if (f == NULL || fgets(t->comm, sizeof(t->comm), f) == NULL) {
			t->comm[0] = '\0';
		}
		if (f != NULL) {
			fclose(f);
		}
		t->comm[strcspn(t->comm, "\n")] = '\0';
		tdir[strlen(tdir) - strlen("/comm")] = '\0';
		if (!bench_stat_ticks(tdir, &t->stat_ticks)) {
			continue;	/* the task just ended */
		}
		t->run_ns = bench_task_run_ns(tdir);
		if (t->tid == pid) {
			t->reactor = 0;
		} else if (sscanf(t->comm, "reactor_%d", &core) == 1 && core > 0 &&
			   core < MAX_REACTORS) {
			t->reactor = core;
		} else {
			t->reactor = -1;
		}
		n++;
	}
	closedir(d);
	return n;
}

/* Busy and total jiffies of the whole machine (first line of /proc/stat). */
static bool
read_machine(uint64_t *busy, uint64_t *total)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (f == NULL) {
		return false;
	}
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 5) {
		return false;
	}
	*total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	*busy = *total - v[3] - v[4];	/* minus idle and iowait */
	return true;
}

static const struct task_cpu *
find_reactor(const struct task_cpu *tasks, int n, int reactor)
{
	for (int i = 0; i < n; i++) {
		if (tasks[i].reactor == reactor) {
			return &tasks[i];
		}
	}
	return NULL;
}

/* One run of one case: fills its figures for run \p run; false on failure. */
static bool
run_case(struct idle_case *c, unsigned run)
{
	struct task_cpu a[MAX_TASKS], b[MAX_TASKS];
	char path[PATH_MAX + 32], secs[16];
	char *argv[8];
	uint64_t busy0 = 0, total0 = 0, busy1 = 0, total1 = 0, proc_ticks = 0;
	double t0, t1, hz = (double)sysconf(_SC_CLK_TCK);
	int na, nb, status, run_s, argc = 0;
	bool ok = true;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", g_examples, c->prog);
	/* The whole seconds that cover start-up, the window and a margin. */
	run_s = (int)(g_settle_s + g_window_s + 1.0);
	if (run_s < g_settle_s + g_window_s + 1.0) {
		run_s++;
	}
	snprintf(secs, sizeof(secs), "%d", run_s);
	argv[argc++] = path;
	argv[argc++] = "-m";
	argv[argc++] = "0x3";
	argv[argc++] = "-t";
	argv[argc++] = secs;
	if (c->extra != NULL) {
		argv[argc++] = (char *)c->extra;
	}
	argv[argc] = NULL;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("idle_cpu: fork");
		return false;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execv(path, argv);
		_exit(127);
	}

	/* Under load the child may take a while to start its reactors: the
	 * settle time counts from when every reactor's task is there (its -t
	 * clock starts about then too). */
	for (int tries = 0; tries < 1000; tries++) {
		int n = read_tasks(pid, a, MAX_TASKS), found = 0;

		for (int r = 0; r < MAX_REACTORS && n > 0; r++) {
			found += find_reactor(a, n, r) != NULL;
		}
		if (found == MAX_REACTORS) {
			break;
		}
		sleep_s(0.01);
	}
	sleep_s(g_settle_s);
	read_machine(&busy0, &total0);
	t0 = bench_now_s();
	na = read_tasks(pid, a, MAX_TASKS);
	sleep_s(g_window_s);
	nb = read_tasks(pid, b, MAX_TASKS);
	t1 = bench_now_s();
	read_machine(&busy1, &total1);

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "idle_cpu: %s did not exit 0 (status 0x%x)\n", path, status);
		return false;
	}
	if (na < 0 || nb < 0) {
		fprintf(stderr, "idle_cpu: cannot read the tasks of %s\n", c->name);
		return false;
	}

	printf("# %s run %u:", c->name, run + 1);
	for (int r = 0; r < MAX_REACTORS; r++) {
		const struct task_cpu *x = find_reactor(a, na, r), *y = find_reactor(b, nb, r);

		if (x == NULL || y == NULL) {
			fprintf(stderr, "idle_cpu: %s: reactor %d not found (%d task(s))\n",
				c->name, r, nb);
			ok = false;
			continue;
		}
		c->cpu[r][run] = 100.0 * (double)(y->stat_ticks - x->stat_ticks) / hz / (t1 - t0);
		c->exact[r][run] = 100.0 * (double)(y->run_ns - x->run_ns) / 1e9 / (t1 - t0);
		printf(" %s %.3f%% (stat %.1f%%)", y->comm, c->exact[r][run], c->cpu[r][run]);
	}
	for (int i = 0; i < nb; i++) {
		const struct task_cpu *x = NULL;

		for (int j = 0; j < na; j++) {
			if (a[j].tid == b[i].tid) {
				x = &a[j];
			}
		}
		if (x != NULL) {
			proc_ticks += b[i].stat_ticks - x->stat_ticks;
		}
		if (b[i].reactor < 0) {
			printf(" [other task %s]", b[i].comm);
		}
	}
	if (total1 > total0) {
		double other = (double)(busy1 - busy0) - (double)proc_ticks;

		/* Share of the whole machine (all cpus) used by other processes. */
		printf("; others used %.1f%% of the machine", 100.0 * (other > 0 ? other : 0) /
		       (double)(total1 - total0));
	}
	printf("\n");
	return ok;
}

static bool
cpus_usable(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		return false;
	}
	return CPU_ISSET(0, &set) && CPU_ISSET(1, &set) && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [--smoke] [--runs N] [--window SECONDS] [--examples DIR]\n", prog);
}

int
main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t len;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			g_runs = 1;
			g_settle_s = 0.25;
			g_window_s = 0.5;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			g_runs = (unsigned)atoi(argv[++i]);
		} else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc) {
			g_window_s = atof(argv[++i]);
		} else if (strcmp(argv[i], "--examples") == 0 && i + 1 < argc) {
			snprintf(g_examples, sizeof(g_examples), "%s", argv[++i]);
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout, argv[0]);
			return 0;
		} else {
			usage(stderr, argv[0]);
			return 1;
		}
	}
	if (g_runs < 1 || g_runs > MAX_RUNS || g_window_s < 0.1 || g_window_s > 3600) {
		fprintf(stderr, "idle_cpu: --runs wants 1..%d and --window 0.1..3600 s\n", MAX_RUNS);
		return 1;
	}
	if (getenv("PW_RPC_SOCKET") == NULL && mkdtemp(g_rpc_dir) != NULL) {
		char sock[sizeof(g_rpc_dir) + 16];

		snprintf(sock, sizeof(sock), "%s/spdk.sock", g_rpc_dir);
		setenv("PW_RPC_SOCKET", sock, 1);
		atexit(remove_rpc_dir);
	}
	if (g_examples[0] == '\0') {
		/* bench/idle_cpu -> examples/ next to bench/ in the build tree. */
		len = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (len <= 0) {
			perror("idle_cpu: /proc/self/exe");
			return 1;
		}
		self[len] = '\0';
		snprintf(g_examples, sizeof(g_examples), "%s/../examples", dirname(self));
	}
	if (!cpus_usable()) {
		printf("# cpus 0 and 1 are not both usable: skipped\n");
		return 77;
	}
	for (size_t i = 0; i < NUM_CASES; i++) {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/%s", g_examples, g_cases[i].prog);
		if (access(path, X_OK) != 0) {
			fprintf(stderr, "idle_cpu: no executable %s (build the examples, or "
				"--examples DIR)\n", path);
			return 1;
		}
	}

	printf("# idle_cpu: examples in %s; %u run(s) per case, window %.1f s after %.1f s of "
	       "start-up; %% of one core per reactor pthread\n", g_examples, g_runs, g_window_s,
	       g_settle_s);
	for (unsigned run = 0; run < g_runs; run++) {
		for (size_t i = 0; i < NUM_CASES; i++) {
			if (!run_case(&g_cases[i], run)) {
				return 1;
			}
		}
	}

	for (size_t i = 0; i < NUM_CASES; i++) {
		struct idle_case *c = &g_cases[i];
		double max = 0;

		for (int r = 0; r < MAX_REACTORS; r++) {
			double m = bench_median(c->exact[r], g_runs);

			printf("%s_reactor%d_cpu %.2f %%core\n", c->name, r,
			       bench_median(c->cpu[r], g_runs));
			printf("%s_reactor%d_cpu_exact %.3f %%core\n", c->name, r, m);
			max = m > max ? m : max;
		}
		printf("%s_max_cpu_exact %.3f %%core\n", c->name, max);
	}
	for (size_t i = 0; i + 1 < NUM_CASES; i += 2) {
		double s = 0, p = 0;

		for (int r = 0; r < MAX_REACTORS; r++) {
			s = spdk_max(s, bench_median(g_cases[i].exact[r], g_runs));
			p = spdk_max(p, bench_median(g_cases[i + 1].exact[r], g_runs));
		}
		printf("%s_sleep_vs_poll %.5f ratio\n", g_cases[i].prog, p > 0 ? s / p : 0);
	}
	return 0;
}
