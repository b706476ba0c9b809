/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Export of the recorded trace to the Chrome "Trace Event Format" (JSON
 * object form), which Perfetto and chrome://tracing open:
 * pw_trace_write_chrome().
 *
 * Three steps:
 * 1. collect: every record of every pthread's ring (pw_trace_foreach_entry()),
 *    its arguments reassembled from SPDK's continuation entries;
 * 2. per pthread (one track, "tid"), in record order: spans for slices,
 *    messages, pollers and events, kept properly nested (a span whose begin
 *    was overwritten in the ring loses its end; one still open at the end of
 *    the trace, or crossed by an outer end, is closed there, marked "cut"),
 *    timestamps made monotonic, instants for the rest;
 * 3. flow arrows: each MSG_SEND is matched to a MSG_RUN_BEGIN by (destination
 *    thread, fn, ctx), in FIFO order per destination (the queue is FIFO and a
 *    message keeps its 2-word format, so no id travels with it); a send or a
 *    run with no partner gets no arrow.
 *
 * Function names come from dladdr(), or, for functions it cannot name (static
 * ones), from the symbol table of their object file; else "0x...".
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/string.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"
#include "pinwheel/version.h"
#include "common/pw_common.h"
#include "common/pw_tracepoints.h"

#include <dlfcn.h>
#include <elf.h>
#include <sys/mman.h>

#define MAX_REC_ARGS	4	/* 8-byte arguments kept per record */
#define NO_LCORE	UINT32_MAX
#define OTHER_TID_BASE	1000

/* ---------------------------------------------------------------------------
 * Records
 * ------------------------------------------------------------------------- */

struct rec {
	uint64_t	tsc;
	uint64_t	object_id;
	uint64_t	args[MAX_REC_ARGS];
	uint32_t	ring;		/* index in collect.rings */
	uint16_t	tpoint;
};

struct ring {
	uint32_t	index;		/* the recording layer's ring number */
	uint64_t	os_tid;
	uint32_t	lcore;
	uint64_t	lost;
	int		tid;		/* in the JSON */
	char		name[64];
};

enum ev_kind {
	EV_SLICE, EV_MSG, EV_POLLER, EV_EVENT, EV_SEND_WRAP,	/* spans */
	EV_FLOW_S, EV_FLOW_F,
	EV_THREAD, EV_PLACE, EV_SLEEP, EV_WAKE, EV_APP, EV_EVENT_CALL, EV_OTHER,	/* instants */
};

struct ev {
	double		ts;
	uint64_t	a[4];
	int64_t		flow;		/* flow id (0: none), or for EV_MSG the matched send's event */
	int64_t		begin;		/* for an 'E': its 'B' */
	int		tid;
	uint16_t	tpoint;
	uint8_t		kind;
	char		ph;
	bool		cut;		/* closed by the exporter, not by a record */
	bool		skip;
};

struct send {
	uint64_t	dest, fn, ctx, tsc;
	int64_t		ev;		/* its EV_FLOW_S */
};

struct open_span {
	uint8_t		kind;
	uint64_t	key;
	int64_t		ev;
};

struct sym_object {
	uintptr_t	base;
	void		*map;
	size_t		len;
	const Elf64_Sym	*syms;
	size_t		nsyms;
	const char	*strs;
	size_t		strs_len;
	bool		dyn;		/* ET_DYN: addresses relative to base */
};

struct fn_name {
	uintptr_t	addr;
	char		*name;
};

struct exporter {
	struct rec		*recs;
	size_t			nrecs, cap_recs;
	struct ring		*rings;
	size_t			nrings, cap_rings;
	struct ev		*evs;
	size_t			nevs, cap_evs;
	struct send		*sends;
	size_t			nsends, cap_sends;
	struct send		*runs;		/* dest: thread id of the run; ev: its EV_FLOW_F */
	size_t			nruns, cap_runs;
	struct fn_name		*names;
	size_t			nnames, cap_names;
	struct sym_object	objs[16];
	size_t			nobjs;
	uint64_t		tsc0;
	uint64_t		hz;
	uint64_t		lost;
	int64_t			next_flow;
	bool			nomem;
};

static bool
grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap) {
		return true;
	}
	ncap = *cap ? *cap * 2 : 256;
	p = realloc(*arr, ncap * elem);
	if (p == NULL) {
		return false;
	}
	*arr = p;
	*cap = ncap;
	return true;
}

#define PUSH(x, arr, n, cap) \
	(grow((void **)&(x)->arr, &(x)->cap, (x)->n, sizeof((x)->arr[0])) ? &(x)->arr[(x)->n++] : NULL)

/* ---------------------------------------------------------------------------
 * Step 1: collect
 * ------------------------------------------------------------------------- */

static struct ring *
ring_of(struct exporter *x, const struct pw_trace_ring_info *info)
{
	struct ring *r;

	for (size_t i = x->nrings; i > 0; i--) {
		if (x->rings[i - 1].index == info->index) {
			return &x->rings[i - 1];
		}
	}
	r = PUSH(x, rings, nrings, cap_rings);
	if (r == NULL) {
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->index = info->index;
	r->os_tid = info->tid;
	r->lcore = info->lcore;
	r->lost = info->lost;
	snprintf(r->name, sizeof(r->name), "%s", info->name);
	return r;
}

static int
collect_entry(const struct pw_trace_ring_info *info, const struct pw_trace_entry *entry,
	      void *ctx)
{
	struct exporter *x = ctx;
	struct ring *r = ring_of(x, info);
	struct rec *rec;

	if (r == NULL) {
		x->nomem = true;
		return -ENOMEM;
	}
	rec = PUSH(x, recs, nrecs, cap_recs);
	if (rec == NULL) {
		x->nomem = true;
		return -ENOMEM;
	}
	memset(rec, 0, sizeof(*rec));
	rec->tsc = entry->tsc;
	rec->tpoint = entry->tpoint_id;
	rec->object_id = entry->object_id;
	rec->ring = (uint32_t)(r - x->rings);
	/* Pinwheel's tracepoints have INT/PTR arguments only; another
	 * library's string arguments are not exported. */
	for (uint32_t i = 0; i < entry->num_args && i < MAX_REC_ARGS; i++) {
		if (entry->tpoint == NULL || entry->tpoint->args[i].type != SPDK_TRACE_ARG_TYPE_STR) {
			rec->args[i] = entry->args[i].integer;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Function names
 * ------------------------------------------------------------------------- */

static void
sym_object_load(struct sym_object *o, const char *path)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		return;
	}
	if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return;
	}
	o->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (o->map == MAP_FAILED) {
		o->map = NULL;
		return;
	}
	o->len = (size_t)st.st_size;
	eh = o->map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > o->len) {
		return;
	}
	o->dyn = eh->e_type == ET_DYN;
	sh = (const Elf64_Shdr *)((const uint8_t *)o->map + eh->e_shoff);
	for (uint32_t i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *strsh;

		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) {
			continue;
		}
		strsh = &sh[sh[i].sh_link];
		if (sh[i].sh_offset + sh[i].sh_size > o->len ||
		    strsh->sh_offset + strsh->sh_size > o->len) {
			return;
		}
		o->syms = (const Elf64_Sym *)((const uint8_t *)o->map + sh[i].sh_offset);
		o->nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
		o->strs = (const char *)o->map + strsh->sh_offset;
		o->strs_len = strsh->sh_size;
		return;
	}
}

/* The name of the function at addr in the symbol table of its object file
 * (static functions, which dladdr() cannot name), or NULL. */
static const char *
symtab_name(struct exporter *x, const Dl_info *dli, uintptr_t addr)
{
	struct sym_object *o = NULL;
	uintptr_t base = (uintptr_t)dli->dli_fbase;
	uint64_t want;

	for (size_t i = 0; i < x->nobjs; i++) {
		if (x->objs[i].base == base) {
			o = &x->objs[i];
		}
	}
	if (o == NULL) {
		if (x->nobjs == SPDK_COUNTOF(x->objs)) {
			return NULL;
		}
		o = &x->objs[x->nobjs++];
		memset(o, 0, sizeof(*o));
		o->base = base;
		sym_object_load(o, dli->dli_fname != NULL ? dli->dli_fname : "/proc/self/exe");
	}
	if (o->syms == NULL) {
		return NULL;
	}
	want = o->dyn ? addr - base : addr;
	for (size_t i = 0; i < o->nsyms; i++) {
		const Elf64_Sym *s = &o->syms[i];

		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_name >= o->strs_len ||
		    s->st_value == 0) {
			continue;
		}
		if (want == s->st_value || (want > s->st_value && want < s->st_value + s->st_size)) {
			return o->strs + s->st_name;
		}
	}
	return NULL;
}

static const char *
fn_name(struct exporter *x, uint64_t addr)
{
	struct fn_name *n;
	const char *found = NULL;
	char buf[32];
	Dl_info dli;

	for (size_t i = 0; i < x->nnames; i++) {
		if (x->names[i].addr == addr) {
			return x->names[i].name;
		}
	}
	memset(&dli, 0, sizeof(dli));
	if (addr != 0 && dladdr((void *)(uintptr_t)addr, &dli) != 0) {
		if (dli.dli_sname != NULL && (uintptr_t)dli.dli_saddr == addr) {
			found = dli.dli_sname;
		} else {
			found = symtab_name(x, &dli, (uintptr_t)addr);
		}
	}
	if (found == NULL) {
		snprintf(buf, sizeof(buf), "0x%" PRIx64, addr);
		found = buf;
	}
	n = PUSH(x, names, nnames, cap_names);
	if (n == NULL) {
		x->nomem = true;
		return "?";
	}
	n->addr = addr;
	n->name = strdup(found);
	if (n->name == NULL) {
		x->nnames--;
		x->nomem = true;
		return "?";
	}
	return n->name;
}

/* ---------------------------------------------------------------------------
 * Step 2: tracks
 * ------------------------------------------------------------------------- */

static struct ev *
ev_add(struct exporter *x, int tid, double ts, char ph, uint8_t kind, uint16_t tpoint)
{
	struct ev *e = PUSH(x, evs, nevs, cap_evs);

	if (e == NULL) {
		x->nomem = true;
		return NULL;
	}
	memset(e, 0, sizeof(*e));
	e->tid = tid;
	e->ts = ts;
	e->ph = ph;
	e->kind = kind;
	e->tpoint = tpoint;
	e->flow = 0;
	e->begin = -1;
	return e;
}

struct track {
	struct open_span	*stack;
	size_t			depth, cap;
	int			tid;
	double			last_ts;
};

static void
span_open(struct exporter *x, struct track *t, double ts, uint8_t kind, uint64_t key,
	  const uint64_t a[4], uint16_t tpoint)
{
	struct open_span *s;
	struct ev *e;

	if (!grow((void **)&t->stack, &t->cap, t->depth, sizeof(t->stack[0]))) {
		x->nomem = true;
		return;
	}
	e = ev_add(x, t->tid, ts, 'B', kind, tpoint);
	if (e == NULL) {
		return;
	}
	memcpy(e->a, a, sizeof(e->a));
	e->flow = -1;
	s = &t->stack[t->depth++];
	s->kind = kind;
	s->key = key;
	s->ev = (int64_t)(x->nevs - 1);
}

/* Close the top span at ts; cut: by the exporter. Returns its 'B'. */
static struct ev *
span_close_top(struct exporter *x, struct track *t, double ts, bool cut)
{
	struct open_span *s = &t->stack[--t->depth];
	struct ev *b, *e;

	e = ev_add(x, t->tid, ts, 'E', s->kind, 0);
	if (e == NULL) {
		return NULL;
	}
	e->begin = s->ev;
	e->cut = cut;
	b = &x->evs[s->ev];
	b->cut = cut;
	return b;
}

/* The end of a span: close it (and, first, whatever is open inside it); an
 * end with no open begin is dropped. Returns the begin, or NULL. */
static struct ev *
span_end(struct exporter *x, struct track *t, double ts, uint8_t kind, uint64_t key)
{
	size_t i;

	for (i = t->depth; i > 0; i--) {
		if (t->stack[i - 1].kind == kind && t->stack[i - 1].key == key) {
			break;
		}
	}
	if (i == 0) {
		return NULL;
	}
	while (t->depth > i) {
		span_close_top(x, t, ts, true);
	}
	return span_close_top(x, t, ts, false);
}

static double
rec_ts(const struct exporter *x, struct track *t, uint64_t tsc)
{
	double ts = tsc > x->tsc0 ? (double)(tsc - x->tsc0) * 1e6 / (double)x->hz : 0.0;

	/* Monotonic per track even if the pthread changed cpu and the cpus'
	 * counters disagree a little. */
	if (ts < t->last_ts) {
		ts = t->last_ts;
	}
	t->last_ts = ts;
	return ts;
}

static void
instant(struct exporter *x, struct track *t, double ts, uint8_t kind, const struct rec *r,
	uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct ev *e = ev_add(x, t->tid, ts, 'i', kind, r->tpoint);

	if (e != NULL) {
		e->a[0] = a0;
		e->a[1] = a1;
		e->a[2] = a2;
		e->a[3] = a3;
	}
}

static void
track_record(struct exporter *x, struct track *t, const struct rec *r)
{
	double ts = rec_ts(x, t, r->tsc);
	const uint64_t *a = r->args;
	uint64_t v[4] = { 0 };
	struct send *s;
	struct ev *b;

	switch (r->tpoint) {
	case PW_TP_SLICE_BEGIN:
		v[0] = r->object_id;
		span_open(x, t, ts, EV_SLICE, r->object_id, v, r->tpoint);
		break;
	case PW_TP_SLICE_END:
		b = span_end(x, t, ts, EV_SLICE, r->object_id);
		if (b != NULL) {
			b->a[1] = a[0];
		}
		break;
	case PW_TP_MSG_RUN_BEGIN:
		/* thread, fn, ctx; a[3] (the matched send's event) is set in step 3. */
		v[0] = r->object_id;
		v[1] = a[0];
		v[2] = a[1];
		span_open(x, t, ts, EV_MSG, a[0], v, r->tpoint);
		s = PUSH(x, runs, nruns, cap_runs);
		if (s != NULL && ev_add(x, t->tid, ts, 'f', EV_FLOW_F, r->tpoint) != NULL) {
			s->dest = r->object_id;
			s->fn = a[0];
			s->ctx = a[1];
			s->tsc = r->tsc;
			s->ev = (int64_t)(x->nevs - 1);
			x->evs[s->ev].begin = (int64_t)(x->nevs - 2);	/* its message's 'B' */
		} else if (s != NULL) {
			x->nruns--;
		} else {
			x->nomem = true;
		}
		break;
	case PW_TP_MSG_RUN_END:
		span_end(x, t, ts, EV_MSG, a[0]);
		break;
	case PW_TP_POLLER_RUN_BEGIN:
		v[0] = r->object_id;
		v[1] = a[0];
		span_open(x, t, ts, EV_POLLER, r->object_id, v, r->tpoint);
		break;
	case PW_TP_POLLER_RUN_END:
		b = span_end(x, t, ts, EV_POLLER, r->object_id);
		if (b != NULL) {
			b->a[2] = a[0];
			b->a[3] = 1;	/* rc known */
		}
		break;
	case PW_TP_EVENT_RUN_BEGIN:
		v[0] = r->object_id;
		v[1] = a[0];
		span_open(x, t, ts, EV_EVENT, r->object_id, v, r->tpoint);
		break;
	case PW_TP_EVENT_RUN_END:
		span_end(x, t, ts, EV_EVENT, r->object_id);
		break;
	case PW_TP_MSG_SEND: {
		/* A flow needs an enclosing span: a send from outside any span (a
		 * foreign pthread) gets a span of its own, of no length. */
		bool wrap = t->depth == 0;

		if (wrap) {
			v[0] = a[0];
			v[1] = r->object_id;
			span_open(x, t, ts, EV_SEND_WRAP, 0, v, r->tpoint);
		}
		s = PUSH(x, sends, nsends, cap_sends);
		if (s != NULL && ev_add(x, t->tid, ts, 's', EV_FLOW_S, r->tpoint) != NULL) {
			s->dest = r->object_id;
			s->fn = a[0];
			s->ctx = a[1];
			s->tsc = r->tsc;
			s->ev = (int64_t)(x->nevs - 1);
			x->evs[s->ev].a[0] = a[2];	/* sender thread id */
			x->evs[s->ev].a[1] = x->rings[r->ring].os_tid;
		} else if (s != NULL) {
			x->nsends--;
		} else {
			x->nomem = true;
		}
		if (wrap) {
			span_end(x, t, ts, EV_SEND_WRAP, 0);
		}
		break;
	}
	case PW_TP_THREAD_CREATE:
	case PW_TP_THREAD_EXIT:
	case PW_TP_THREAD_DESTROY:
		instant(x, t, ts, EV_THREAD, r, r->object_id, 0, 0, 0);
		break;
	case PW_TP_THREAD_PLACE:
	case PW_TP_THREAD_MOVE:
		instant(x, t, ts, EV_PLACE, r, r->object_id, a[0], a[1], a[2]);
		break;
	case PW_TP_REACTOR_SLEEP:
		instant(x, t, ts, EV_SLEEP, r, r->object_id, 0, 0, 0);
		break;
	case PW_TP_REACTOR_WAKE:
		instant(x, t, ts, EV_WAKE, r, r->object_id, a[0], 0, 0);
		break;
	case PW_TP_APP_START:
	case PW_TP_APP_STOP:
		instant(x, t, ts, EV_APP, r, a[0], 0, 0, 0);
		break;
	case PW_TP_EVENT_CALL:
		instant(x, t, ts, EV_EVENT_CALL, r, r->object_id, a[0], a[1], 0);
		break;
	default:
		/* Another library's tracepoint (SPDK-style code of the user). */
		instant(x, t, ts, EV_OTHER, r, r->object_id, a[0], r->tpoint, 0);
		break;
	}
}

static int
rec_cmp(const void *pa, const void *pb)
{
	const struct rec *a = pa, *b = pb;

	if (a->ring != b->ring) {
		return a->ring < b->ring ? -1 : 1;
	}
	/* Same ring: keep the ring's order (the array is filled in it). */
	return a < b ? -1 : a > b;
}

static void
build_tracks(struct exporter *x)
{
	struct track t = { 0 };
	size_t i = 0;
	int other = 0;

	/* Reactors keep their core as track id; other pthreads 1000 + k. */
	for (size_t r = 0; r < x->nrings; r++) {
		bool taken = false;

		for (size_t q = 0; q < r; q++) {
			taken |= x->rings[q].lcore == x->rings[r].lcore;
		}
		if (x->rings[r].lcore != NO_LCORE && x->rings[r].lcore < OTHER_TID_BASE && !taken) {
			x->rings[r].tid = (int)x->rings[r].lcore;
		} else {
			x->rings[r].tid = OTHER_TID_BASE + other++;
			x->rings[r].lcore = NO_LCORE;
		}
	}
	/* The records are in ring order already; sorted only to be sure. */
	/* qsort()'s array must not be NULL, even for 0 elements (C11 7.22.5). */
	if (x->nrecs > 1) {
		qsort(x->recs, x->nrecs, sizeof(x->recs[0]), rec_cmp);
	}
	while (i < x->nrecs && !x->nomem) {
		uint32_t ring = x->recs[i].ring;

		t.tid = x->rings[ring].tid;
		t.depth = 0;
		t.last_ts = 0;
		for (; i < x->nrecs && x->recs[i].ring == ring; i++) {
			track_record(x, &t, &x->recs[i]);
		}
		while (t.depth > 0) {
			span_close_top(x, &t, t.last_ts, true);
		}
	}
	free(t.stack);
}

/* ---------------------------------------------------------------------------
 * Step 3: flow arrows
 * ------------------------------------------------------------------------- */

static int
send_cmp(const void *pa, const void *pb)
{
	const struct send *a = pa, *b = pb;

	if (a->dest != b->dest) {
		return a->dest < b->dest ? -1 : 1;
	}
	if (a->fn != b->fn) {
		return a->fn < b->fn ? -1 : 1;
	}
	if (a->ctx != b->ctx) {
		return a->ctx < b->ctx ? -1 : 1;
	}
	if (a->tsc != b->tsc) {
		return a->tsc < b->tsc ? -1 : 1;
	}
	return a->ev < b->ev ? -1 : a->ev > b->ev;
}

static int
key_cmp(const struct send *a, const struct send *b)
{
	if (a->dest != b->dest) {
		return a->dest < b->dest ? -1 : 1;
	}
	if (a->fn != b->fn) {
		return a->fn < b->fn ? -1 : 1;
	}
	return a->ctx < b->ctx ? -1 : a->ctx > b->ctx;
}

static void
match_flows(struct exporter *x)
{
	size_t i = 0, j = 0;

	/* Not qsort(NULL, 0, ...): a trace without messages has no array. */
	if (x->nsends > 1) {
		qsort(x->sends, x->nsends, sizeof(x->sends[0]), send_cmp);
	}
	if (x->nruns > 1) {
		qsort(x->runs, x->nruns, sizeof(x->runs[0]), send_cmp);
	}
	/* Walk both, one (dest, fn, ctx) group at a time, each in time order:
	 * the oldest unmatched send that is not later than the run. */
	while (i < x->nsends && j < x->nruns) {
		int c = key_cmp(&x->sends[i], &x->runs[j]);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else if (x->sends[i].tsc > x->runs[j].tsc) {
			j++;		/* its send was lost */
		} else {
			struct ev *s = &x->evs[x->sends[i].ev], *f = &x->evs[x->runs[j].ev];

			s->flow = f->flow = ++x->next_flow;
			/* The message's span learns who sent it. */
			x->evs[f->begin].a[3] = (uint64_t)x->sends[i].ev + 1;
			i++;
			j++;
		}
	}
	for (size_t k = 0; k < x->nevs; k++) {
		if ((x->evs[k].kind == EV_FLOW_S || x->evs[k].kind == EV_FLOW_F) &&
		    x->evs[k].flow == 0) {
			x->evs[k].skip = true;
		}
	}
}

/* ---------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------- */

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
		} else if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
		} else {
			fputc(c, f);
		}
	}
	fputc('"', f);
}

static const char *
thread_name(uint64_t id, char *buf, size_t len)
{
	const char *n = pw_trace_name_lookup(PW_TP_NAME_THREAD, id);

	if (n == NULL) {
		snprintf(buf, len, "thread %" PRIu64, id);
		n = buf;
	}
	return n;
}

static const char *
lcore_str(uint64_t lcore, char *buf, size_t len)
{
	if ((uint32_t)lcore == NO_LCORE) {
		return "none";
	}
	snprintf(buf, len, "%" PRIu64, lcore);
	return buf;
}

static const char *
reason_str(uint64_t reason)
{
	switch (reason) {
	case PW_TP_REASON_ROUND_ROBIN:
		return "round-robin";
	case PW_TP_REASON_CPUMASK:
		return "cpumask";
	case PW_TP_REASON_SCHEDULER:
		return "scheduler";
	case PW_TP_REASON_REQUEST:
		return "request";
	default:
		return "?";
	}
}

static void
write_head(FILE *f, const struct ev *e, const char *name, const char *cat)
{
	fprintf(f, "{\"ph\":\"%c\",\"pid\":1,\"tid\":%d,\"ts\":%.3f,\"cat\":\"%s\",\"name\":", e->ph,
		e->tid, e->ts, cat);
	json_str(f, name);
}

static void
write_sender(struct exporter *x, FILE *f, const struct ev *s)
{
	char buf[64];

	if (s->a[0] != 0) {
		json_str(f, thread_name(s->a[0], buf, sizeof(buf)));
	} else {
		snprintf(buf, sizeof(buf), "foreign pthread %" PRIu64, s->a[1]);
		json_str(f, buf);
	}
}

static void
write_ev(struct exporter *x, FILE *f, const struct ev *e)
{
	char name[160], b1[64], b2[64];
	const struct ev *b = e->ph == 'E' ? &x->evs[e->begin] : e;
	const char *pname;

	switch (e->kind) {
	case EV_SLICE:
		write_head(f, e, thread_name(b->a[0], b1, sizeof(b1)), "slice");
		if (e->ph == 'B') {
			fprintf(f, ",\"args\":{\"thread\":");
			json_str(f, thread_name(b->a[0], b1, sizeof(b1)));
			fprintf(f, ",\"thread_id\":%" PRIu64 ",\"busy\":%s%s}", b->a[0],
				b->a[1] ? "true" : "false", b->cut ? ",\"cut\":true" : "");
		}
		break;
	case EV_MSG:
		write_head(f, e, fn_name(x, b->a[1]), "msg");
		if (e->ph == 'B') {
			fprintf(f, ",\"args\":{\"fn\":\"0x%" PRIx64 "\",\"ctx\":\"0x%" PRIx64
				"\",\"thread\":", b->a[1], b->a[2]);
			json_str(f, thread_name(b->a[0], b1, sizeof(b1)));
			if (b->a[3] != 0) {
				fprintf(f, ",\"from\":");
				write_sender(x, f, &x->evs[b->a[3] - 1]);
			}
			fprintf(f, "%s}", b->cut ? ",\"cut\":true" : "");
		}
		break;
	case EV_POLLER:
		pname = pw_trace_name_lookup(PW_TP_NAME_POLLER, b->a[0]);
		write_head(f, e, pname != NULL ? pname : fn_name(x, b->a[1]), "poller");
		if (e->ph == 'B') {
			fprintf(f, ",\"args\":{\"fn\":");
			json_str(f, fn_name(x, b->a[1]));
			fprintf(f, ",\"thread\":");
			json_str(f, thread_name(b->a[0] >> 32, b1, sizeof(b1)));
			if (b->a[3]) {
				fprintf(f, ",\"rc\":%" PRId64, (int64_t)b->a[2]);
			}
			fprintf(f, "%s}", b->cut ? ",\"cut\":true" : "");
		}
		break;
	case EV_EVENT:
		write_head(f, e, fn_name(x, b->a[0]), "event");
		if (e->ph == 'B') {
			fprintf(f, ",\"args\":{\"fn\":\"0x%" PRIx64 "\",\"arg1\":\"0x%" PRIx64 "\"%s}",
				b->a[0], b->a[1], b->cut ? ",\"cut\":true" : "");
		}
		break;
	case EV_SEND_WRAP:
		snprintf(name, sizeof(name), "send %s", fn_name(x, b->a[0]));
		write_head(f, e, name, "msg");
		if (e->ph == 'B') {
			fprintf(f, ",\"args\":{\"to\":");
			json_str(f, thread_name(b->a[1], b1, sizeof(b1)));
			fprintf(f, "}");
		}
		break;
	case EV_FLOW_S:
	case EV_FLOW_F:
		write_head(f, e, "message", "msg");
		fprintf(f, ",\"id\":%" PRId64 "%s", e->flow, e->ph == 'f' ? ",\"bp\":\"e\"" : "");
		break;
	case EV_THREAD:
		snprintf(name, sizeof(name), "%s %s", e->tpoint == PW_TP_THREAD_CREATE ? "create" :
			 e->tpoint == PW_TP_THREAD_EXIT ? "exit" : "destroy",
			 thread_name(e->a[0], b1, sizeof(b1)));
		write_head(f, e, name, "thread");
		fprintf(f, ",\"s\":\"t\",\"args\":{\"thread\":");
		json_str(f, thread_name(e->a[0], b1, sizeof(b1)));
		fprintf(f, ",\"thread_id\":%" PRIu64 "}", e->a[0]);
		break;
	case EV_PLACE:
		snprintf(name, sizeof(name), "%s %s -> %s", e->tpoint == PW_TP_THREAD_PLACE ? "place" :
			 "move", thread_name(e->a[0], b1, sizeof(b1)), lcore_str(e->a[2], b2, sizeof(b2)));
		write_head(f, e, name, e->tpoint == PW_TP_THREAD_PLACE ? "place" : "move");
		fprintf(f, ",\"s\":\"t\",\"args\":{\"thread\":");
		json_str(f, thread_name(e->a[0], b1, sizeof(b1)));
		fprintf(f, ",\"thread_id\":%" PRIu64 ",\"from\":%s", e->a[0],
			(uint32_t)e->a[1] == NO_LCORE ? "null" : lcore_str(e->a[1], b2, sizeof(b2)));
		fprintf(f, ",\"to\":%s,\"reason\":\"%s\"}", lcore_str(e->a[2], b2, sizeof(b2)),
			reason_str(e->a[3]));
		break;
	case EV_SLEEP:
		write_head(f, e, "sleep", "sleep");
		fprintf(f, ",\"s\":\"t\",\"args\":{\"lcore\":%" PRIu64 "}", e->a[0]);
		break;
	case EV_WAKE:
		write_head(f, e, "wake", "wake");
		fprintf(f, ",\"s\":\"t\",\"args\":{\"lcore\":%" PRIu64 ",\"cause\":\"%s\"}", e->a[0],
			e->a[1] ? "woken" : "timeout");
		break;
	case EV_APP:
		write_head(f, e, e->tpoint == PW_TP_APP_START ? "app start" : "app stop", "app");
		fprintf(f, ",\"s\":\"t\"");
		if (e->tpoint == PW_TP_APP_STOP) {
			fprintf(f, ",\"args\":{\"rc\":%" PRId64 "}", (int64_t)e->a[0]);
		}
		break;
	case EV_EVENT_CALL:
		snprintf(name, sizeof(name), "call %s", fn_name(x, e->a[1]));
		write_head(f, e, name, "event");
		fprintf(f, ",\"s\":\"t\",\"args\":{\"lcore\":%" PRIu64 ",\"fn\":\"0x%" PRIx64
			"\",\"arg1\":\"0x%" PRIx64 "\"}", e->a[0], e->a[1], e->a[2]);
		break;
	default:
		snprintf(name, sizeof(name), "tpoint %" PRIu64, e->a[2]);
		write_head(f, e, name, "spdk");
		fprintf(f, ",\"s\":\"t\",\"args\":{\"object_id\":%" PRIu64 ",\"arg0\":%" PRIu64 "}",
			e->a[0], e->a[1]);
		break;
	}
	fputc('}', f);
}

static void
write_file(struct exporter *x, FILE *f)
{
	bool first = true;

	fprintf(f, "{\"traceEvents\":[\n");
	fprintf(f, "{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"process_name\","
		"\"args\":{\"name\":\"pinwheel\"}}");
	for (size_t r = 0; r < x->nrings; r++) {
		const struct ring *ring = &x->rings[r];
		char name[96];

		if (ring->lcore != NO_LCORE) {
			snprintf(name, sizeof(name), "reactor %u", ring->lcore);
		} else if (ring->name[0] != '\0') {
			snprintf(name, sizeof(name), "%s (tid %" PRIu64 ")", ring->name, ring->os_tid);
		} else {
			snprintf(name, sizeof(name), "pthread %" PRIu64, ring->os_tid);
		}
		fprintf(f, ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"name\":\"thread_name\","
			"\"args\":{\"name\":", ring->tid);
		json_str(f, name);
		fprintf(f, "}}");
		fprintf(f, ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"name\":\"thread_sort_index\","
			"\"args\":{\"sort_index\":%d}}", ring->tid, ring->tid);
	}
	for (size_t i = 0; i < x->nevs; i++) {
		if (x->evs[i].skip) {
			continue;
		}
		fputs(",\n", f);
		write_ev(x, f, &x->evs[i]);
		first = false;
	}
	(void)first;
	fprintf(f, "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"pinwheel_version\":\"%d.%d.%d\","
		"\"tick_hz\":%" PRIu64 ",\"lost_records\":%" PRIu64 "}}\n", PW_VERSION_MAJOR,
		PW_VERSION_MINOR, PW_VERSION_PATCH, x->hz, x->lost);
}

static void
exporter_free(struct exporter *x)
{
	for (size_t i = 0; i < x->nnames; i++) {
		free(x->names[i].name);
	}
	for (size_t i = 0; i < x->nobjs; i++) {
		if (x->objs[i].map != NULL) {
			munmap(x->objs[i].map, x->objs[i].len);
		}
	}
	free(x->names);
	free(x->recs);
	free(x->rings);
	free(x->evs);
	free(x->sends);
	free(x->runs);
}

PW_EXPORT int
pw_trace_write_chrome(const char *path)
{
	struct exporter x;
	char tmp[PATH_MAX];
	FILE *f;
	int rc;

	if (path == NULL || path[0] == '\0') {
		SPDK_ERRLOG("pw_trace_write_chrome: no file name\n");
		return -EINVAL;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		SPDK_ERRLOG("pw_trace_write_chrome: file name too long: %s\n", path);
		return -ENAMETOOLONG;
	}
	memset(&x, 0, sizeof(x));
	x.hz = spdk_get_ticks_hz();
	if (x.hz == 0) {
		x.hz = 1;
	}
	rc = pw_trace_foreach_entry(collect_entry, &x);
	if (rc == 0 && !x.nomem) {
		x.tsc0 = UINT64_MAX;
		for (size_t i = 0; i < x.nrecs; i++) {
			x.tsc0 = spdk_min(x.tsc0, x.recs[i].tsc);
		}
		for (size_t r = 0; r < x.nrings; r++) {
			x.lost += x.rings[r].lost;
		}
		build_tracks(&x);
		match_flows(&x);
	}
	if (rc == 0 && x.nomem) {
		rc = -ENOMEM;
	}
	if (rc != 0) {
		SPDK_ERRLOG("pw_trace_write_chrome: cannot read the trace: %s\n", spdk_strerror(-rc));
		exporter_free(&x);
		return rc;
	}
	/* Written aside, then renamed: a reader never sees half a file. */
	f = fopen(tmp, "w");
	if (f == NULL) {
		rc = -errno;
		SPDK_ERRLOG("pw_trace_write_chrome: cannot create %s: %s\n", tmp, spdk_strerror(-rc));
		exporter_free(&x);
		return rc;
	}
	write_file(&x, f);
	rc = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && rc == 0) {
		rc = -errno;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -errno;
	}
	if (rc != 0) {
		SPDK_ERRLOG("pw_trace_write_chrome: cannot write %s: %s\n", path, spdk_strerror(-rc));
		unlink(tmp);
	}
	exporter_free(&x);
	return rc;
}
