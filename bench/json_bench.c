/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk/json.h speed, next to a floor measured in the same run.
 *
 *   json_bench [--smoke] [--runs N]
 *
 * Two documents: a thread_get_pollers-like result (one thread with a few
 * hundred pollers, ~40 KB compact, the size of a busy app's answer) and a
 * small request as rpc.py sends it (pretty-printed, 120 bytes).
 *
 * Prints "name value unit" lines; every value is the median of several
 * runs, and the cases take turns within each run so that all see the same
 * machine:
 *
 *   pollers_bytes             size of the large document
 *   parse_pollers_mbps        spdk_json_parse (decoding in place) of it
 *   write_pollers_mbps        producing it with spdk_json_write_* calls from
 *                             a C array, into a buffer (what a method does)
 *   write_val_pollers_mbps    spdk_json_write_val of its parsed values
 *   parse_request_ns          spdk_json_parse of the small request
 *   parse_decode_request_ns   the same plus spdk_json_decode_object of it
 *   memchr_pollers_mbps       memchr for an absent byte over the large
 *                             document: the floor (reading every byte once)
 *   memcpy_pollers_mbps       memcpy of it: the floor for producing bytes
 *   parse_vs_memchr           memchr speed / parse speed (times slower)
 *   write_vs_memcpy           memcpy speed / write speed (times slower)
 *
 * MB is 10^6 bytes. --smoke: about one second in all.
 */

#include "spdk/stdinc.h"
#include "spdk/json.h"

#include "bench_util.h"

#define NUM_POLLERS	300
#define MAX_RUNS	31

static bool g_smoke;
static unsigned g_runs = 7;
static double g_run_s = 0.2;	/* length of one case in one run */

/* Keep the compiler from dropping a result. */
static volatile uintptr_t g_sink;

/* ---- the documents -------------------------------------------------------------------- */

struct poller {
	char name[48];
	const char *state;
	uint64_t id, run_count, busy_count, period_ticks;
};

static struct poller g_pollers[NUM_POLLERS];

struct buf {
	char *p;
	size_t len, cap;
};

static int
buf_cb(void *ctx, const void *data, size_t size)
{
	struct buf *b = ctx;

	if (b->len + size > b->cap) {
		size_t cap = (b->len + size) * 2;
		char *p = realloc(b->p, cap);

		if (p == NULL) {
			return -ENOMEM;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, size);
	b->len += size;
	return 0;
}

static void
make_pollers(void)
{
	static const char *const states[] = { "waiting", "running", "paused" };

	for (int i = 0; i < NUM_POLLERS; i++) {
		struct poller *p = &g_pollers[i];

		snprintf(p->name, sizeof(p->name), "nvmf_tgt_poll_group_%d_poller_%d", i % 4, i);
		p->state = states[i % 3];
		p->id = (uint64_t)i + 1;
		p->run_count = UINT64_C(1234567890123) * (uint64_t)(i + 1);
		p->busy_count = UINT64_C(98765432) * (uint64_t)(i + 1);
		p->period_ticks = i % 2 ? UINT64_C(2400000) * (uint64_t)i : 0;
	}
}

static void
write_poller_array(struct spdk_json_write_ctx *w, const char *key, int from, int to, bool timed)
{
	spdk_json_write_named_array_begin(w, key);
	for (int i = from; i < to; i++) {
		const struct poller *p = &g_pollers[i];

		spdk_json_write_object_begin(w);
		spdk_json_write_named_string(w, "name", p->name);
		spdk_json_write_named_string(w, "state", p->state);
		spdk_json_write_named_uint64(w, "id", p->id);
		spdk_json_write_named_uint64(w, "run_count", p->run_count);
		spdk_json_write_named_uint64(w, "busy_count", p->busy_count);
		if (timed) {
			spdk_json_write_named_uint64(w, "period_ticks", p->period_ticks);
		}
		spdk_json_write_object_end(w);
	}
	spdk_json_write_array_end(w);
}

/* The thread_get_pollers result, as lib/event would write it. */
static int
write_pollers(struct buf *out)
{
	struct spdk_json_write_ctx *w = spdk_json_write_begin(buf_cb, out, 0);

	if (w == NULL) {
		return -ENOMEM;
	}
	spdk_json_write_object_begin(w);
	spdk_json_write_named_uint64(w, "tick_rate", UINT64_C(2400000000));
	spdk_json_write_named_array_begin(w, "threads");
	for (int t = 0; t < 2; t++) {
		int base = t * NUM_POLLERS / 2;

		spdk_json_write_object_begin(w);
		spdk_json_write_named_string_fmt(w, "name", "nvmf_tgt_poll_group_%d", t);
		spdk_json_write_named_uint64(w, "id", (uint64_t)t + 2);
		write_poller_array(w, "active_pollers", base, base + NUM_POLLERS / 4, false);
		write_poller_array(w, "timed_pollers", base + NUM_POLLERS / 4, base + NUM_POLLERS / 2,
				   true);
		spdk_json_write_named_array_begin(w, "paused_pollers");
		spdk_json_write_array_end(w);
		spdk_json_write_object_end(w);
	}
	spdk_json_write_array_end(w);
	spdk_json_write_object_end(w);
	return spdk_json_write_end(w);
}

static const char g_request[] =
	"{\n  \"jsonrpc\": \"2.0\",\n  \"method\": \"thread_set_cpumask\",\n"
	"  \"params\": {\n    \"id\": 3,\n    \"cpumask\": \"0x3\"\n  },\n  \"id\": 1\n}";

struct params {
	uint64_t id;
	char *cpumask;
};

static const struct spdk_json_object_decoder g_params_decoders[] = {
	{ "id", offsetof(struct params, id), spdk_json_decode_uint64, false },
	{ "cpumask", offsetof(struct params, cpumask), spdk_json_decode_string, false },
};

/* ---- the cases ------------------------------------------------------------------------- */

struct ctx {
	struct buf doc;			/* the large document */
	struct spdk_json_val *vals;	/* its parsed values */
	size_t nvals;
	char req[sizeof(g_request)];
	struct buf scratch;
};

/* Each case does one unit of work and returns the bytes it covered. */
typedef size_t (*case_fn)(struct ctx *c);

static size_t
case_parse_pollers(struct ctx *c)
{
	/* The document has no escapes, so decoding in place leaves it as it
	 * is and it can be parsed again without a fresh copy. */
	ssize_t n = spdk_json_parse(c->doc.p, c->doc.len, c->vals, c->nvals, NULL,
				    SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);

	g_sink += (uintptr_t)n;
	return c->doc.len;
}

static size_t
case_write_pollers(struct ctx *c)
{
	c->scratch.len = 0;
	if (write_pollers(&c->scratch) != 0) {
		abort();
	}
	g_sink += c->scratch.len;
	return c->scratch.len;
}

static size_t
case_write_val_pollers(struct ctx *c)
{
	struct spdk_json_write_ctx *w;

	c->scratch.len = 0;
	w = spdk_json_write_begin(buf_cb, &c->scratch, 0);
	if (w == NULL || spdk_json_write_val(w, c->vals) != 0 || spdk_json_write_end(w) != 0) {
		abort();
	}
	g_sink += c->scratch.len;
	return c->scratch.len;
}

static size_t
case_parse_request(struct ctx *c)
{
	struct spdk_json_val v[16];

	memcpy(c->req, g_request, sizeof(g_request));	/* as a server gets it: fresh */
	g_sink += (uintptr_t)spdk_json_parse(c->req, sizeof(g_request) - 1, v, 16, NULL,
					     SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);
	return 1;
}

static size_t
case_parse_decode_request(struct ctx *c)
{
	struct spdk_json_val v[16], *params = NULL;
	struct params p = { 0 };

	memcpy(c->req, g_request, sizeof(g_request));
	if (spdk_json_parse(c->req, sizeof(g_request) - 1, v, 16, NULL,
			    SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE) <= 0 ||
	    spdk_json_find(v, "params", NULL, &params, SPDK_JSON_VAL_OBJECT_BEGIN) != 0 ||
	    spdk_json_decode_object(params, g_params_decoders, 2, &p) != 0) {
		abort();
	}
	g_sink += p.id;
	free(p.cpumask);
	return 1;
}

static size_t
case_memchr(struct ctx *c)
{
	g_sink += (uintptr_t)memchr(c->doc.p, '\x01', c->doc.len);
	return c->doc.len;
}

static size_t
case_memcpy(struct ctx *c)
{
	memcpy(c->scratch.p, c->doc.p, c->doc.len);
	__asm__ volatile("" : : "r"(c->scratch.p) : "memory");
	return c->doc.len;
}

enum { PER_BYTE, PER_OP };

static const struct {
	const char *name;
	case_fn fn;
	int kind;
} g_cases[] = {
	{ "parse_pollers_mbps", case_parse_pollers, PER_BYTE },
	{ "write_pollers_mbps", case_write_pollers, PER_BYTE },
	{ "write_val_pollers_mbps", case_write_val_pollers, PER_BYTE },
	{ "parse_request_ns", case_parse_request, PER_OP },
	{ "parse_decode_request_ns", case_parse_decode_request, PER_OP },
	{ "memchr_pollers_mbps", case_memchr, PER_BYTE },
	{ "memcpy_pollers_mbps", case_memcpy, PER_BYTE },
};
#define NUM_CASES (sizeof(g_cases) / sizeof(g_cases[0]))

/* One timed run of a case: MB/s or ns per operation. */
static double
run_case(struct ctx *c, case_fn fn, int kind)
{
	double start = bench_now_s(), elapsed;
	uint64_t units = 0, ops = 0;

	do {
		for (int i = 0; i < 16; i++) {
			units += fn(c);
		}
		ops += 16;
		elapsed = bench_now_s() - start;
	} while (elapsed < g_run_s);
	return kind == PER_BYTE ? (double)units / elapsed / 1e6 : elapsed * 1e9 / (double)ops;
}

static void
usage(const char *prog)
{
	printf("usage: %s [--smoke] [--runs N]\n"
	       "  spdk/json.h parse and write speed next to memchr/memcpy floors.\n"
	       "  --smoke   about one second in all\n"
	       "  --runs N  runs per case (1..%d, default 7); the median is printed\n",
	       prog, MAX_RUNS);
}

int
main(int argc, char **argv)
{
	static double results[NUM_CASES][MAX_RUNS];
	double med[NUM_CASES];
	struct ctx c = { 0 };
	ssize_t n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			g_smoke = true;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			g_runs = (unsigned)atoi(argv[++i]);
			if (g_runs < 1 || g_runs > MAX_RUNS) {
				usage(argv[0]);
				return 2;
			}
		} else {
			usage(argv[0]);
			return strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ? 0 : 2;
		}
	}
	if (g_smoke) {
		g_runs = 3;
		g_run_s = 0.04;
	}

	make_pollers();
	if (write_pollers(&c.doc) != 0) {
		fprintf(stderr, "json_bench: cannot write the document\n");
		return 1;
	}
	n = spdk_json_parse(c.doc.p, c.doc.len, NULL, 0, NULL, 0);
	if (n <= 0) {
		fprintf(stderr, "json_bench: the document does not parse (%zd)\n", n);
		return 1;
	}
	c.nvals = (size_t)n;
	c.vals = calloc(c.nvals, sizeof(*c.vals));
	c.scratch.cap = c.doc.len * 2;
	c.scratch.p = malloc(c.scratch.cap);
	if (c.vals == NULL || c.scratch.p == NULL) {
		fprintf(stderr, "json_bench: out of memory\n");
		return 1;
	}
	case_parse_pollers(&c);

	for (unsigned r = 0; r < g_runs; r++) {
		for (size_t k = 0; k < NUM_CASES; k++) {
			results[k][r] = run_case(&c, g_cases[k].fn, g_cases[k].kind);
		}
	}

	printf("# json_bench: %d pollers, %zu values, request %zu bytes, median of %u runs\n",
	       NUM_POLLERS, c.nvals, sizeof(g_request) - 1, g_runs);
	printf("pollers_bytes %zu bytes\n", c.doc.len);
	for (size_t k = 0; k < NUM_CASES; k++) {
		med[k] = bench_median_sort(results[k], g_runs);
		printf("%s %.1f %s\n", g_cases[k].name, med[k],
		       g_cases[k].kind == PER_BYTE ? "MB/s" : "ns");
	}
	printf("parse_vs_memchr %.1f x\n", med[5] / med[0]);
	printf("write_vs_memcpy %.1f x\n", med[6] / med[1]);

	free(c.vals);
	free(c.scratch.p);
	free(c.doc.p);
	return 0;
}
