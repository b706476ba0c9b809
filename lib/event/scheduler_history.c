/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The round history: what the last scheduling rounds decided, each move with
 * its thread, its source and destination core, and the loads that decided
 * it, and the RPC method pw_scheduler_get_history that shows it.
 *
 * The scheduler notes why it moves each thread while it balances
 * (pw__scheduler_history_note); the round, once decided, is recorded from the
 * core_info array (pw__scheduler_history_record), so the moves of any
 * scheduler are kept, with the reason when the scheduler gave one. Rounds
 * without moves in a row share one entry, so a quiet hour does not push the
 * last moves out.
 *
 * Notes are written and read on the scheduling reactor only. The kept rounds
 * are read by the RPC's thread: they are guarded by a mutex (a round ends
 * once per period, nothing here is on a hot path).
 */

#include "event/event_internal.h"
#include "event/scheduler_dynamic_internal.h"

#include "spdk/env.h"
#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/log.h"
#include "spdk/rpc.h"
#include "spdk/thread.h"
#include "spdk/util.h"

#include <pthread.h>

#define HISTORY_ROUNDS		32	/* entries kept */
#define HISTORY_MOVES		64	/* moves kept per round (the others counted) */
#define NAME_LEN		64

struct hist_move {
	uint64_t		thread_id;
	char			thread_name[NAME_LEN];
	uint32_t		from;
	uint32_t		to;
	enum pw_sched_reason	reason;
	uint32_t		thread_pm;	/* the thread's load */
	uint32_t		src_pm;		/* its core's load before the move */
	uint32_t		dst_pm;		/* the destination's load before the move */
};

struct hist_round {
	uint64_t		first;		/* round number */
	uint64_t		rounds;		/* > 1: that many rounds without moves */
	uint64_t		tsc;		/* when the (last) round was recorded */
	uint64_t		period_tsc;	/* what the (last) round's stats cover */
	char			scheduler[32];
	uint32_t		cores;
	uint32_t		threads;
	uint32_t		moves;		/* all of them */
	uint32_t		kept;		/* in move[] */
	struct hist_move	move[HISTORY_MOVES];
};

struct note {
	uint64_t		thread_id;
	uint32_t		from;
	uint32_t		to;
	enum pw_sched_reason	reason;
	uint32_t		thread_pm;
	uint32_t		src_pm;
	uint32_t		dst_pm;
};

/* Scheduling reactor only. */
static struct note g_notes[HISTORY_MOVES];
static uint32_t g_note_count;

/* Guarded by g_lock. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hist_round *g_rounds;	/* ring of HISTORY_ROUNDS, allocated at first use */
static uint32_t g_head;			/* next slot */
static uint32_t g_used;
static uint64_t g_round_seq;
static uint64_t g_total_moves;

/* The RPC method must stay linked with the history; the history keeps the
 * dynamic scheduler linked (it registers from a constructor). */
static struct spdk_scheduler *(*const g_keep_dynamic)(void) __attribute__((used)) =
	pw__scheduler_dynamic;

const char *
pw__sched_reason_name(enum pw_sched_reason reason)
{
	switch (reason) {
	case PW_SCHED_REASON_IDLE:
		return "idle";
	case PW_SCHED_REASON_CONSOLIDATE:
		return "consolidate";
	case PW_SCHED_REASON_FIT:
		return "core over limit, fits";
	case PW_SCHED_REASON_SPREAD:
		return "core over limit, spread";
	case PW_SCHED_REASON_OTHER:
	default:
		return "scheduler";
	}
}

void
pw__scheduler_history_begin(void)
{
	g_note_count = 0;
}

void
pw__scheduler_history_note(uint64_t thread_id, uint32_t from, uint32_t to,
			   enum pw_sched_reason reason, uint32_t thread_pm,
			   uint32_t src_pm, uint32_t dst_pm)
{
	struct note *n;

	if (g_note_count == HISTORY_MOVES) {
		return;		/* the move is still recorded, with the loads of the array */
	}
	n = &g_notes[g_note_count++];
	n->thread_id = thread_id;
	n->from = from;
	n->to = to;
	n->reason = reason;
	n->thread_pm = thread_pm;
	n->src_pm = src_pm;
	n->dst_pm = dst_pm;
}

static uint32_t
per_mille(uint64_t part, uint64_t whole)
{
	uint64_t v;

	if (whole == 0) {
		return 0;
	}
	v = (part / whole) * 1000 + (part % whole) * 1000 / whole;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static uint32_t
core_pm(const struct spdk_scheduler_core_info *core)
{
	return per_mille(core->current_busy_tsc, core->current_busy_tsc + core->current_idle_tsc);
}

static void
fill_move(struct hist_move *m, const struct spdk_scheduler_core_info *cores, uint32_t count,
	  uint32_t from, const struct spdk_scheduler_thread_info *t)
{
	uint32_t i;

	m->thread_id = t->thread_id;
	m->thread_name[0] = '\0';
	if (cores != pw__scheduler_round_cores()) {
		/* An array of the caller's (tests): its threads are the
		 * caller's too. In a round the thread belongs to another
		 * reactor, which may destroy it now: its name comes from that
		 * reactor instead (pw__scheduler_history_name()). */
		struct spdk_thread *thread = spdk_thread_get_by_id(t->thread_id);

		snprintf(m->thread_name, sizeof(m->thread_name), "%s",
			 thread != NULL ? spdk_thread_get_name(thread) : "");
	}
	m->from = from;
	m->to = t->lcore;
	for (i = 0; i < g_note_count; i++) {
		if (g_notes[i].thread_id == t->thread_id && g_notes[i].to == t->lcore) {
			m->reason = g_notes[i].reason;
			m->thread_pm = g_notes[i].thread_pm;
			m->src_pm = g_notes[i].src_pm;
			m->dst_pm = g_notes[i].dst_pm;
			return;
		}
	}
	m->reason = PW_SCHED_REASON_OTHER;
	m->thread_pm = per_mille(t->current_stats.busy_tsc,
				 cores[from].current_busy_tsc + cores[from].current_idle_tsc);
	m->src_pm = core_pm(&cores[from]);
	m->dst_pm = t->lcore < count ? core_pm(&cores[t->lcore]) : 0;
}

void
pw__scheduler_history_record(const struct spdk_scheduler_core_info *cores, uint32_t count,
			     uint64_t period_tsc)
{
	struct spdk_scheduler *scheduler = spdk_scheduler_get();
	struct hist_round *r, *prev;
	uint32_t i, j, moves = 0, threads = 0;

	if (cores == NULL) {
		return;
	}
	for (i = 0; i < count; i++) {
		threads += cores[i].threads_count;
		for (j = 0; j < cores[i].threads_count; j++) {
			moves += cores[i].thread_infos[j].lcore != i;
		}
	}

	pthread_mutex_lock(&g_lock);
	if (g_rounds == NULL) {
		g_rounds = calloc(HISTORY_ROUNDS, sizeof(*g_rounds));
		if (g_rounds == NULL) {
			pthread_mutex_unlock(&g_lock);
			SPDK_ERRLOG("no memory for the scheduler's round history\n");
			g_note_count = 0;
			return;
		}
	}
	g_round_seq++;
	g_total_moves += moves;
	prev = g_used > 0 ? &g_rounds[(g_head + HISTORY_ROUNDS - 1) % HISTORY_ROUNDS] : NULL;
	if (moves == 0 && prev != NULL && prev->moves == 0 &&
	    strcmp(prev->scheduler, scheduler ? scheduler->name : "") == 0) {
		prev->rounds++;
		prev->tsc = spdk_get_ticks();
		prev->period_tsc = period_tsc;
		prev->cores = count;
		prev->threads = threads;
		pthread_mutex_unlock(&g_lock);
		g_note_count = 0;
		return;
	}
	r = &g_rounds[g_head];
	g_head = (g_head + 1) % HISTORY_ROUNDS;
	g_used = spdk_min(g_used + 1, HISTORY_ROUNDS);
	memset(r, 0, sizeof(*r));
	r->first = g_round_seq;
	r->rounds = 1;
	r->tsc = spdk_get_ticks();
	r->period_tsc = period_tsc;
	snprintf(r->scheduler, sizeof(r->scheduler), "%s", scheduler ? scheduler->name : "");
	r->cores = count;
	r->threads = threads;
	r->moves = moves;
	for (i = 0; i < count && r->kept < HISTORY_MOVES; i++) {
		for (j = 0; j < cores[i].threads_count && r->kept < HISTORY_MOVES; j++) {
			if (cores[i].thread_infos[j].lcore != i) {
				fill_move(&r->move[r->kept++], cores, count, i,
					  &cores[i].thread_infos[j]);
			}
		}
	}
	pthread_mutex_unlock(&g_lock);
	g_note_count = 0;
}

void
pw__scheduler_history_name(uint64_t thread_id, const char *name)
{
	struct hist_round *r;

	pthread_mutex_lock(&g_lock);
	if (g_rounds != NULL && g_used > 0) {
		r = &g_rounds[(g_head + HISTORY_ROUNDS - 1) % HISTORY_ROUNDS];
		for (uint32_t i = 0; i < r->kept; i++) {
			struct hist_move *m = &r->move[i];

			if (m->thread_id == thread_id && m->thread_name[0] == '\0') {
				snprintf(m->thread_name, sizeof(m->thread_name), "%s", name);
			}
		}
	}
	pthread_mutex_unlock(&g_lock);
}

/* A load in percent with one decimal ("35.2"), from per mille. */
static void
write_pct(struct spdk_json_write_ctx *w, const char *name, uint32_t pm)
{
	char num[16];
	int len = snprintf(num, sizeof(num), "%u.%u", pm / 10, pm % 10);

	spdk_json_write_name(w, name);
	spdk_json_write_val_raw(w, num, (size_t)len);
}

static void
write_round(struct spdk_json_write_ctx *w, const struct hist_round *r, uint64_t hz)
{
	uint32_t i;

	spdk_json_write_object_begin(w);
	spdk_json_write_named_uint64(w, "round", r->first);
	spdk_json_write_named_uint64(w, "rounds", r->rounds);
	spdk_json_write_named_uint64(w, "tsc", r->tsc);
	spdk_json_write_named_uint64(w, "period_us", hz ? r->period_tsc * 1000000 / hz : 0);
	spdk_json_write_named_string(w, "scheduler", r->scheduler);
	spdk_json_write_named_uint32(w, "cores", r->cores);
	spdk_json_write_named_uint32(w, "threads", r->threads);
	spdk_json_write_named_uint32(w, "moves_total", r->moves);
	spdk_json_write_named_array_begin(w, "moves");
	for (i = 0; i < r->kept; i++) {
		const struct hist_move *m = &r->move[i];

		spdk_json_write_object_begin(w);
		spdk_json_write_named_uint64(w, "thread_id", m->thread_id);
		spdk_json_write_named_string(w, "thread_name", m->thread_name);
		spdk_json_write_named_uint32(w, "from_lcore", m->from);
		spdk_json_write_named_uint32(w, "to_lcore", m->to);
		spdk_json_write_named_string(w, "reason", pw__sched_reason_name(m->reason));
		write_pct(w, "thread_load", m->thread_pm);
		write_pct(w, "from_core_load", m->src_pm);
		write_pct(w, "to_core_load", m->dst_pm);
		spdk_json_write_object_end(w);
	}
	spdk_json_write_array_end(w);
	spdk_json_write_object_end(w);
}

void
pw__scheduler_history_write(struct spdk_json_write_ctx *w, uint32_t max_rounds)
{
	uint64_t hz = spdk_get_ticks_hz();
	uint32_t n, i;

	spdk_json_write_array_begin(w);
	pthread_mutex_lock(&g_lock);
	n = g_used;
	if (max_rounds != 0 && max_rounds < n) {
		n = max_rounds;
	}
	for (i = 0; i < n; i++) {
		write_round(w, &g_rounds[(g_head + HISTORY_ROUNDS - n + i) % HISTORY_ROUNDS], hz);
	}
	pthread_mutex_unlock(&g_lock);
	spdk_json_write_array_end(w);
}

uint32_t
pw__scheduler_history_rounds(void)
{
	uint32_t n;

	pthread_mutex_lock(&g_lock);
	n = g_used;
	pthread_mutex_unlock(&g_lock);
	return n;
}

uint64_t
pw__scheduler_history_total_moves(void)
{
	uint64_t n;

	pthread_mutex_lock(&g_lock);
	n = g_total_moves;
	pthread_mutex_unlock(&g_lock);
	return n;
}

void
pw__scheduler_history_clear(void)
{
	pthread_mutex_lock(&g_lock);
	free(g_rounds);
	g_rounds = NULL;
	g_head = 0;
	g_used = 0;
	g_round_seq = 0;
	g_total_moves = 0;
	pthread_mutex_unlock(&g_lock);
	g_note_count = 0;
}

/* ---------------------------------------------------------------------------
 * pw_scheduler_get_history
 * ------------------------------------------------------------------------- */

void
pw__scheduler_history_rpc_link(void)
{
}

struct history_params {
	uint32_t count;
};

static const struct spdk_json_object_decoder g_history_decoders[] = {
	{"count", offsetof(struct history_params, count), spdk_json_decode_uint32, true},
};

/* {"count": N} (optional: every round kept) -> {"tick_rate", "rounds_total",
 * "moves_total", "rounds": [oldest first]}. */
static void
rpc_pw_scheduler_get_history(struct spdk_jsonrpc_request *request,
			     const struct spdk_json_val *params)
{
	struct history_params p = { .count = 0 };
	struct spdk_json_write_ctx *w;
	uint64_t seq, moves;

	if (params != NULL && spdk_json_decode_object(params, g_history_decoders,
			SPDK_COUNTOF(g_history_decoders), &p) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "pw_scheduler_get_history takes {\"count\": "
						 "<rounds, optional>}");
		return;
	}
	pthread_mutex_lock(&g_lock);
	seq = g_round_seq;
	moves = g_total_moves;
	pthread_mutex_unlock(&g_lock);

	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_uint64(w, "tick_rate", spdk_get_ticks_hz());
	spdk_json_write_named_uint64(w, "rounds_total", seq);
	spdk_json_write_named_uint64(w, "moves_total", moves);
	spdk_json_write_name(w, "rounds");
	pw__scheduler_history_write(w, p.count);
	spdk_json_write_object_end(w);
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("pw_scheduler_get_history", rpc_pw_scheduler_get_history, SPDK_RPC_RUNTIME)
