/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The tick counter: the TSC on x86 CPUs whose TSC is invariant (runs at one
 * rate in every power state and is synchronised across cores), otherwise
 * CLOCK_MONOTONIC in nanoseconds. Plus the settable test clock.
 *
 * spdk_get_ticks() reads one variable, g_ticks_src. While it says "TSC" the
 * call is one predictable branch and one rdtsc. Every other state (not set up
 * yet, CLOCK_MONOTONIC, test clock) takes the out-of-line slow path, so the
 * test clock costs the real clock nothing.
 *
 * The rate is found once, on first use (pthread_once), by comparing the TSC
 * with CLOCK_MONOTONIC over CALIBRATION_WINDOW_NS. CPUID may also announce
 * the rate (leaf 0x15, or a hypervisor's timing leaf); that exact figure is
 * used when the measurement confirms it. Leaf 0x16 only gives a rounded
 * nominal frequency, not the TSC rate, so it is not used.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/likely.h"
#include "spdk/log.h"
#include "spdk/util.h"

#include "common/pw_common.h"
#include "env_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#define PW_HAVE_TSC 1
#include <cpuid.h>
#endif

/* Long enough for a few ppm of error on the development machines (each end
 * is pinned to within ~30 ns), short enough to keep start-up fast. */
#define CALIBRATION_WINDOW_NS	1000000ULL
/* Samples per end of the window: the tightest rdtsc/clock/rdtsc triple wins,
 * so a preemption inside one sample does not spoil the result. */
#define CALIBRATION_SAMPLES	5
/* How far a CPUID-announced rate may be from the measured one and still be
 * trusted (parts per million). */
#define CPUID_AGREEMENT_PPM	500
/* Rates outside this range mean the TSC cannot be trusted. */
#define TSC_HZ_MIN		10000000ULL
#define TSC_HZ_MAX		100000000000ULL

enum ticks_src {
	TICKS_SRC_UNSET = 0,	/* not set up yet: the slow path sets it up */
	TICKS_SRC_TSC,
	TICKS_SRC_MONOTONIC,
	TICKS_SRC_MOCK,
};

/* What spdk_get_ticks() reads. Written under g_mock_lock (and by
 * ticks_setup() under it); read with relaxed loads: the values it selects
 * are themselves atomics or set up before it is published (see ticks_setup). */
static int g_ticks_src;

/* The real source and its rate: written once by ticks_setup(), inside
 * pthread_once and under g_mock_lock. */
static int g_real_src;
static uint64_t g_real_hz;
static const char *g_real_method = "none";
static uint64_t g_setup_ns;
static pthread_once_t g_setup_once = PTHREAD_ONCE_INIT;

/* Test clock. g_mock_now and g_mock_hz are only accessed atomically, so any
 * pthread may read the clock while a test moves it. */
static pthread_mutex_t g_mock_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_mock_on;			/* under g_mock_lock */
static uint64_t g_mock_now;
static uint64_t g_mock_hz;

static uint64_t
monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SPDK_SEC_TO_NSEC + (uint64_t)ts.tv_nsec;
}

#ifdef PW_HAVE_TSC
static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Whether the kernel lists every one of \p flags in the "flags" line of
 * /proc/cpuinfo. Used only when CPUID does not report an invariant TSC
 * (some hypervisors hide the bit but the kernel still knows). */
static bool
cpuinfo_has_flags(const char *const *flags, size_t count)
{
	char *line = NULL;
	size_t cap = 0;
	bool found_all = false;
	FILE *f;

	f = fopen("/proc/cpuinfo", "r");
	if (f == NULL) {
		return false;
	}
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "flags", 5) != 0) {
			continue;
		}
		found_all = true;
		for (size_t i = 0; i < count; i++) {
			size_t len = strlen(flags[i]);
			const char *p = line;

			/* Match whole words only: "tsc" must not match "constant_tsc". */
			while ((p = strstr(p, flags[i])) != NULL) {
				if (p[-1] == ' ' && (p[len] == ' ' || p[len] == '\n' || p[len] == '\0')) {
					break;
				}
				p += len;
			}
			if (p == NULL) {
				found_all = false;
				break;
			}
		}
		break;
	}
	free(line);
	fclose(f);
	return found_all;
}

static bool
tsc_is_invariant(void)
{
	static const char *const kernel_flags[] = { "constant_tsc", "nonstop_tsc" };
	unsigned int a, b, c, d;

	if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000007) {
		__cpuid(0x80000007, a, b, c, d);
		if (d & (1u << 8)) {
			return true;
		}
	}
	return cpuinfo_has_flags(kernel_flags, SPDK_COUNTOF(kernel_flags));
}

/* The TSC rate as CPUID announces it, or 0 when it does not. */
static uint64_t
tsc_hz_from_cpuid(const char **method)
{
	unsigned int a, b, c, d;
	unsigned int max_leaf = __get_cpuid_max(0, NULL);

	/* Leaf 0x15: TSC = crystal (ECX Hz) * EBX / EAX. */
	if (max_leaf >= 0x15) {
		__cpuid_count(0x15, 0, a, b, c, d);
		if (a != 0 && b != 0 && c != 0) {
			*method = "cpuid-0x15";
			return (uint64_t)c * b / a;
		}
	}

	/* Hypervisor timing leaf 0x40000010: EAX = TSC rate in kHz. Only valid
	 * when the hypervisor says it has that many leaves. */
	__cpuid(1, a, b, c, d);
	if (c & (1u << 31)) {
		__cpuid(0x40000000, a, b, c, d);
		if (a >= 0x40000010 && a < 0x50000000) {
			__cpuid(0x40000010, a, b, c, d);
			if (a != 0) {
				*method = "hypervisor";
				return (uint64_t)a * 1000;
			}
		}
	}
	return 0;
}

/* One (tsc, ns) pair taken as close together as this pthread manages. */
static void
tsc_sample(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < CALIBRATION_SAMPLES; i++) {
		uint64_t before = rdtsc();
		uint64_t now = monotonic_ns();
		uint64_t after = rdtsc();

		if (after - before < best) {
			best = after - before;
			*tsc = before + (after - before) / 2;
			*ns = now;
		}
	}
}

/* Measure the TSC rate against CLOCK_MONOTONIC; 0 if it makes no sense. */
static uint64_t
tsc_hz_measure(void)
{
	uint64_t tsc0, ns0, tsc1, ns1;

	tsc_sample(&tsc0, &ns0);
	while (monotonic_ns() - ns0 < CALIBRATION_WINDOW_NS) {
		pw__pause();
	}
	tsc_sample(&tsc1, &ns1);

	if (tsc1 <= tsc0 || ns1 <= ns0) {
		return 0;
	}
	return (uint64_t)((unsigned __int128)(tsc1 - tsc0) * SPDK_SEC_TO_NSEC / (ns1 - ns0));
}

/* Decide whether the TSC can be the tick source; if so fill its rate and
 * how the rate was found, and return true. */
static bool
tsc_setup(uint64_t *hz, const char **method)
{
	const char *cpuid_method = NULL;
	uint64_t measured, announced;

	if (!tsc_is_invariant()) {
		return false;
	}
	measured = tsc_hz_measure();
	if (measured < TSC_HZ_MIN || measured > TSC_HZ_MAX) {
		SPDK_WARNLOG("TSC rate measured as %" PRIu64 " Hz, which cannot be right; "
			     "using CLOCK_MONOTONIC for ticks\n", measured);
		return false;
	}
	*hz = measured;
	*method = "measured";

	announced = tsc_hz_from_cpuid(&cpuid_method);
	if (announced != 0) {
		uint64_t diff = announced > measured ? announced - measured : measured - announced;

		if (diff <= measured / 1000000 * CPUID_AGREEMENT_PPM) {
			*hz = announced;
			*method = cpuid_method;
		}
	}
	return true;
}
#endif /* PW_HAVE_TSC */

static void
ticks_setup(void)
{
	uint64_t start = monotonic_ns();
	int src = TICKS_SRC_MONOTONIC;
	uint64_t hz = SPDK_SEC_TO_NSEC;
	const char *method = "nominal";

#ifdef PW_HAVE_TSC
	if (tsc_setup(&hz, &method)) {
		src = TICKS_SRC_TSC;
	}
#endif

	/* g_real_* are written under g_mock_lock because
	 * pw__ticks_mock_disable() may read g_real_src from another pthread at
	 * any time; every other reader runs after pthread_once. */
	pthread_mutex_lock(&g_mock_lock);
	g_real_src = src;
	g_real_hz = hz;
	g_real_method = method;
	g_setup_ns = monotonic_ns() - start;
	if (!g_mock_on) {
		/* Pairs with the loads of g_ticks_src in spdk_get_ticks() and
		 * friends; they need nothing but the value itself. */
		__atomic_store_n(&g_ticks_src, src, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&g_mock_lock);
}

static inline void
ticks_ensure_setup(void)
{
	pthread_once(&g_setup_once, ticks_setup);
}

/* The real clock, set up. */
static uint64_t
real_ticks(void)
{
#ifdef PW_HAVE_TSC
	if (g_real_src == TICKS_SRC_TSC) {
		return rdtsc();
	}
#endif
	return monotonic_ns();
}

static uint64_t __attribute__((noinline))
ticks_slow(int src)
{
	switch (src) {
	case TICKS_SRC_MOCK:
		return __atomic_load_n(&g_mock_now, __ATOMIC_RELAXED);
	case TICKS_SRC_MONOTONIC:
		return monotonic_ns();
	default:
		ticks_ensure_setup();
		/* The test clock may have been switched on meanwhile. */
		if (__atomic_load_n(&g_ticks_src, __ATOMIC_ACQUIRE) == TICKS_SRC_MOCK) {
			return __atomic_load_n(&g_mock_now, __ATOMIC_RELAXED);
		}
		return real_ticks();
	}
}

PW_EXPORT uint64_t
spdk_get_ticks(void)
{
	int src = __atomic_load_n(&g_ticks_src, __ATOMIC_RELAXED);

#ifdef PW_HAVE_TSC
	if (spdk_likely(src == TICKS_SRC_TSC)) {
		return rdtsc();
	}
#endif
	return ticks_slow(src);
}

PW_EXPORT uint64_t
spdk_get_ticks_hz(void)
{
	if (__atomic_load_n(&g_ticks_src, __ATOMIC_ACQUIRE) == TICKS_SRC_MOCK) {
		return __atomic_load_n(&g_mock_hz, __ATOMIC_RELAXED);
	}
	ticks_ensure_setup();
	return g_real_hz;
}

static uint64_t
us_to_ticks(uint64_t us, uint64_t hz)
{
	return (uint64_t)((unsigned __int128)us * hz / SPDK_SEC_TO_USEC);
}

PW_EXPORT void
spdk_delay_us(unsigned int us)
{
	uint64_t start, need, ns_end;

	if (__atomic_load_n(&g_ticks_src, __ATOMIC_ACQUIRE) == TICKS_SRC_MOCK) {
		uint64_t hz = __atomic_load_n(&g_mock_hz, __ATOMIC_RELAXED);

		__atomic_fetch_add(&g_mock_now, us_to_ticks(us, hz), __ATOMIC_RELAXED);
		return;
	}
	if (us == 0) {
		return;
	}

	ticks_ensure_setup();
	/* Wait until both clocks agree that the time has passed: the caller may
	 * measure with spdk_get_ticks() or with CLOCK_MONOTONIC, and the
	 * calibrated rate is only accurate to a few parts per million. */
	start = real_ticks();
	need = us_to_ticks(us, g_real_hz) + 1;
	ns_end = monotonic_ns() + (uint64_t)us * SPDK_USEC_TO_NSEC;
	while (real_ticks() - start < need || monotonic_ns() < ns_end) {
		pw__pause();
	}
}

PW_EXPORT void
spdk_pause(void)
{
	pw__pause();
}

void
pw__ticks_mock_enable(uint64_t hz, uint64_t start)
{
	if (hz == 0) {
		SPDK_ERRLOG("test clock: a rate of 0 ticks per second is not allowed; "
			    "the clock is left as it was\n");
		return;
	}
	pthread_mutex_lock(&g_mock_lock);
	g_mock_on = true;
	__atomic_store_n(&g_mock_hz, hz, __ATOMIC_RELAXED);
	__atomic_store_n(&g_mock_now, start, __ATOMIC_RELAXED);
	/* Pairs with the acquire loads of g_ticks_src in spdk_get_ticks_hz() and
	 * spdk_delay_us(): a reader that sees MOCK sees the rate and start too. */
	__atomic_store_n(&g_ticks_src, TICKS_SRC_MOCK, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g_mock_lock);
}

static bool
mock_check(const char *what)
{
	if (__atomic_load_n(&g_ticks_src, __ATOMIC_ACQUIRE) != TICKS_SRC_MOCK) {
		SPDK_ERRLOG("test clock: %s called while the test clock is not enabled "
			    "(call pw__ticks_mock_enable() first); ignored\n", what);
		return false;
	}
	return true;
}

void
pw__ticks_mock_set(uint64_t now)
{
	if (mock_check("pw__ticks_mock_set()")) {
		__atomic_store_n(&g_mock_now, now, __ATOMIC_RELAXED);
	}
}

void
pw__ticks_mock_advance(uint64_t delta)
{
	if (mock_check("pw__ticks_mock_advance()")) {
		__atomic_fetch_add(&g_mock_now, delta, __ATOMIC_RELAXED);
	}
}

void
pw__ticks_mock_disable(void)
{
	pthread_mutex_lock(&g_mock_lock);
	g_mock_on = false;
	/* g_real_src is still UNSET when the real clock was never used: the
	 * next reader then sets it up. ticks_setup() writes it under this lock. */
	__atomic_store_n(&g_ticks_src, g_real_src, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g_mock_lock);
}

void
pw__ticks_get_source(const char **source, const char **method, uint64_t *hz,
		     uint64_t *setup_ns)
{
	ticks_ensure_setup();
	if (source != NULL) {
		*source = g_real_src == TICKS_SRC_TSC ? "tsc" : "clock_monotonic";
	}
	if (method != NULL) {
		*method = g_real_method;
	}
	if (hz != NULL) {
		*hz = g_real_hz;
	}
	if (setup_ns != NULL) {
		*setup_ns = g_setup_ns;
	}
}
