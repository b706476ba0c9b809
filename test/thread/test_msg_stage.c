/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Staged sends (msgq.c, doc/design.md "Cross-core batches"): a send made
 * inside spdk_thread_poll() to another thread claims its slot at once and is
 * published when the callback returns. Checked on the deterministic
 * simulator (one pthread): a lone message is published by the end of the
 * callback that sent it and not before; FIFO per sender across staged and
 * immediate sends (a segment boundary, a full stage, more destinations than
 * the stage holds, sends from outside any callback); -ENOMEM returned by
 * spdk_thread_send_msg() itself inside a callback; -EIO for an exited
 * destination; a sender that exits in the callback; a destination polled from
 * inside the sender's callback (a driver of one's own).
 */

#include "harness.h"
#include "ut_thread.h"
#include "log_capture.h"

#include "thread/thread_internal.h"

#define NDEST	6

static uintptr_t g_expected[NDEST];
static uint32_t g_ran;

static uint32_t
thread_index(struct spdk_thread *t)
{
	for (uint32_t i = 0; i < ut_thread_count(); i++) {
		if (ut_thread(i) == t) {
			return i;
		}
	}
	FAIL("unknown thread");
}

/* ctx is the sequence number of the message for its destination. */
static void
seq_msg(void *ctx)
{
	uint32_t i = thread_index(spdk_get_thread());

	ASSERT_LT(i, NDEST);
	ASSERT_EQ((uintptr_t)ctx, g_expected[i]);
	g_expected[i]++;
	g_ran++;
}

static void
nop_msg(void *ctx)
{
	(void)ctx;
}

/* A thread holds no message segment until its first message, and the first
 * message to it is sent at once, not staged (doc/design.md "Small threads"):
 * give destination i its segment, for tests of staging proper. */
static void
give_segment(uint32_t i)
{
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(i), nop_msg, NULL), 0);
	ut_poll_thread(i);
	ASSERT_TRUE(pw__msgq_has_segment(ut_thread(i)));
}

static void
reset_expected(void)
{
	memset(g_expected, 0, sizeof(g_expected));
	g_ran = 0;
}

/* ---------------------------------------------------------------------------
 * A lone message: published by the end of its callback, not before
 * ------------------------------------------------------------------------- */

static int g_lone_staged_inside;
static int g_lone_count_inside = -1;

static int
lone_poller(void *arg)
{
	struct spdk_poller **self = arg;

	ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), seq_msg, (void *)0), 0);
	/* Claimed (the destination cannot become idle) but not yet visible. */
	g_lone_staged_inside = pw__msgq_staged();
	g_lone_count_inside = (int)pw__msgq_count(ut_thread(1));
	ASSERT_FALSE(spdk_thread_is_idle(ut_thread(1)));
	spdk_poller_unregister(self);
	return SPDK_POLLER_BUSY;
}

TEST(stage_lone_message_published_at_end_of_callback)
{
	struct spdk_poller *p;

	ut_threads_init(2);
	give_segment(1);
	reset_expected();
	ut_set_thread(0);
	p = spdk_poller_register(lone_poller, &p, 0);
	ASSERT_NOT_NULL(p);
	ut_set_thread(UT_NONE);
	ut_poll_thread_times(0, 1);
	ASSERT_EQ(g_lone_staged_inside, 1);
	ASSERT_EQ(g_lone_count_inside, 0);
	/* The callback returned: published, nothing left staged. */
	ASSERT_FALSE(pw__msgq_staged());
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), 1);
	ut_poll_thread(1);
	ASSERT_EQ(g_expected[1], 1);
	ut_threads_fini();
}

/* The next callback of the same slice already sees it published. Two pollers
 * of send_or_look_poller() on thread 0: whichever runs first sends to thread 1
 * (as_other: with thread 2 made current around the send), the other looks. */
struct send_or_look {
	bool	as_other;
	bool	sent;
	int	seen_staged;	/* what the looking one saw */
	int	seen_count;
	int	other_flag;	/* thread 2's msgs_staged after the send (as_other) */
};

static int
send_or_look_poller(void *arg)
{
	struct send_or_look *s = arg;
	struct spdk_thread *self = spdk_get_thread();

	if (!s->sent) {
		if (s->as_other) {
			spdk_set_thread(ut_thread(2));
		}
		ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), seq_msg, (void *)0), 0);
		if (s->as_other) {
			spdk_set_thread(self);
			s->other_flag = ut_thread(2)->msgs_staged;
		}
		s->sent = true;
	} else if (s->seen_count < 0) {
		s->seen_staged = pw__msgq_staged();
		s->seen_count = (int)pw__msgq_count(ut_thread(1));
	}
	return SPDK_POLLER_BUSY;
}

/* One slice of thread 0 with its two pollers (one sends, the other looks),
 * then the pollers gone and the message run on thread 1. */
static void
send_then_look(struct send_or_look *s)
{
	struct spdk_poller *p1, *p2;

	s->sent = false;
	s->seen_staged = s->seen_count = s->other_flag = -1;
	ut_set_thread(0);
	p1 = spdk_poller_register(send_or_look_poller, s, 0);
	p2 = spdk_poller_register(send_or_look_poller, s, 0);
	ASSERT_NOT_NULL(p1);
	ASSERT_NOT_NULL(p2);
	ut_set_thread(UT_NONE);
	ut_poll_thread_times(0, 1);	/* one slice: one sends, the other looks */
	ut_set_thread(0);
	spdk_poller_unregister(&p1);
	spdk_poller_unregister(&p2);
	ut_set_thread(UT_NONE);
	ut_poll_thread(1);
	ASSERT_EQ(g_expected[1], 1);
}

TEST(stage_published_before_the_next_callback_of_the_slice)
{
	struct send_or_look s = { .as_other = false };

	ut_threads_init(2);
	reset_expected();
	send_then_look(&s);
	ASSERT_EQ(s.seen_staged, 0);
	ASSERT_EQ(s.seen_count, 1);
	ut_threads_fini();
}

/* From a message handler too, and the slice ends with nothing staged. The
 * second handler follows one that sent one message alone: its lone send is
 * published at once (see stage_lone_after_lone_published_at_once). */
static int g_handler_staged[2] = { -1, -1 };

static void
send_one_msg(void *arg)
{
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), seq_msg, arg), 0);
	g_handler_staged[(uintptr_t)arg] = pw__msgq_staged();
}

TEST(stage_message_handler_send_published_after_handler)
{
	ut_threads_init(2);
	give_segment(1);
	reset_expected();
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), send_one_msg, (void *)0), 0);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), send_one_msg, (void *)1), 0);
	ut_poll_thread_times(0, 1);	/* one message per slice: one handler */
	ASSERT_EQ(g_handler_staged[0], 1);
	ASSERT_FALSE(pw__msgq_staged());
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), 1);
	ut_poll_thread_times(0, 1);
	ASSERT_EQ(g_handler_staged[1], 0);
	ASSERT_FALSE(pw__msgq_staged());
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), 2);
	ut_poll_thread(1);
	ASSERT_EQ(g_expected[1], 2);
	ut_threads_fini();
}

/* A callback whose predecessor (the last callback of this pthread that sent
 * to another thread) sent one message alone publishes its first send at
 * once, before it returns; its later sends are staged; after a callback that
 * sent more than one, a lone send is staged again. Calls of one poller, one
 * per slice, sending 1, 1, 3, 1, 1 messages. */
static const uint32_t g_lb[] = { 1, 1, 3, 1, 1 };
static uint32_t g_lb_call;
static uint64_t g_lb_seq;
/* Per call, per send: messages visible to thread 1 just after the send,
 * and whether anything was staged. */
static int g_lb_count[5][3];
static int g_lb_staged[5][3];

static int
lone_burst_poller(void *arg)
{
	struct spdk_poller **self = arg;
	uint32_t c = g_lb_call++;

	for (uint32_t k = 0; k < g_lb[c]; k++) {
		ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), seq_msg, (void *)(uintptr_t)g_lb_seq),
			  0);
		g_lb_seq++;
		g_lb_count[c][k] = (int)pw__msgq_count(ut_thread(1));
		g_lb_staged[c][k] = pw__msgq_staged();
	}
	if (g_lb_call == SPDK_COUNTOF(g_lb)) {
		spdk_poller_unregister(self);
	}
	return SPDK_POLLER_BUSY;
}

TEST(stage_lone_after_lone_published_at_once)
{
	struct spdk_poller *p;

	ut_threads_init(2);
	give_segment(1);
	reset_expected();
	ut_set_thread(0);
	p = spdk_poller_register(lone_burst_poller, &p, 0);
	ASSERT_NOT_NULL(p);
	ut_set_thread(UT_NONE);
	for (uint32_t c = 0; c < SPDK_COUNTOF(g_lb); c++) {
		ut_poll_thread_times(0, 1);
		ASSERT_EQ(g_lb_call, c + 1);
		/* Whatever the rule, nothing stays staged past the callback. */
		ASSERT_FALSE(pw__msgq_staged());
	}
	/* 1st call: the first send of the pthread: staged, unseen inside. */
	ASSERT_EQ(g_lb_staged[0][0], 1);
	ASSERT_EQ(g_lb_count[0][0], 0);
	/* 2nd: after a lone one: visible at once, nothing staged. */
	ASSERT_EQ(g_lb_staged[1][0], 0);
	ASSERT_EQ(g_lb_count[1][0], 2);
	/* 3rd (three sends) after a lone one: the first at once, the rest staged. */
	ASSERT_EQ(g_lb_staged[2][0], 0);
	ASSERT_EQ(g_lb_count[2][0], 3);
	ASSERT_EQ(g_lb_staged[2][1], 1);
	ASSERT_EQ(g_lb_count[2][1], 3);
	ASSERT_EQ(g_lb_staged[2][2], 1);
	ASSERT_EQ(g_lb_count[2][2], 3);
	/* 4th: after a callback that sent three: staged again. */
	ASSERT_EQ(g_lb_staged[3][0], 1);
	ASSERT_EQ(g_lb_count[3][0], 5);
	/* 5th: after a lone one again: at once. */
	ASSERT_EQ(g_lb_staged[4][0], 0);
	ASSERT_EQ(g_lb_count[4][0], 7);
	/* FIFO and exactly once. */
	ut_poll_thread(1);
	ASSERT_EQ(g_expected[1], 7);
	ASSERT_EQ(g_ran, 7);
	ut_threads_fini();
}

/* Sends from outside any callback are immediate. */
TEST(stage_send_outside_poll_is_immediate)
{
	ut_threads_init(2);
	reset_expected();
	ut_set_thread(0);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), seq_msg, (void *)0), 0);
	ASSERT_FALSE(pw__msgq_staged());
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), 1);
	ut_set_thread(UT_NONE);
	ut_poll_thread(1);
	ASSERT_EQ(g_expected[1], 1);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * FIFO per sender across staged and immediate sends
 * ------------------------------------------------------------------------- */

struct burst {
	uint32_t	count;		/* messages per destination per call */
	uint32_t	ndest;		/* destinations 1..ndest, round-robin */
	uintptr_t	next[NDEST];
};

static void
burst_send(struct burst *b)
{
	for (uint32_t k = 0; k < b->count; k++) {
		for (uint32_t d = 1; d <= b->ndest; d++) {
			ASSERT_EQ(spdk_thread_send_msg(ut_thread(d), seq_msg, (void *)b->next[d]), 0);
			b->next[d]++;
		}
	}
}

static int
burst_poller(void *arg)
{
	burst_send(arg);
	return SPDK_POLLER_BUSY;
}

static void
burst_msg(void *arg)
{
	burst_send(arg);
}

/* 300 messages to one destination in one callback: a full stage (64) is
 * published mid-callback and the segment boundary (255) is pushed at once;
 * then a message handler's sends, then sends from outside any callback, then
 * the poller again: the destination sees 0, 1, 2, ... */
TEST(stage_fifo_across_full_stage_segment_boundary_and_immediate)
{
	struct burst b = { .count = 300, .ndest = 1 };
	struct spdk_poller *p;

	ut_threads_init(2);
	reset_expected();
	ut_set_thread(0);
	p = spdk_poller_register(burst_poller, &b, 0);
	ASSERT_NOT_NULL(p);
	ut_set_thread(UT_NONE);
	ut_poll_thread_times(0, 1);
	ASSERT_EQ(b.next[1], 300);
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), 300);

	b.count = 5;
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), burst_msg, &b), 0);
	ut_set_thread(0);
	spdk_poller_pause(p);
	ut_set_thread(UT_NONE);
	ut_poll_thread_times(0, 1);	/* the handler, not the poller */
	ASSERT_EQ(b.next[1], 305);
	burst_send(&b);			/* immediate: no poll under way */
	ASSERT_EQ(b.next[1], 310);
	ut_set_thread(0);
	spdk_poller_resume(p);
	ut_set_thread(UT_NONE);
	ut_poll_thread_times(0, 2);
	ASSERT_GE(b.next[1], 315);
	ut_set_thread(0);
	spdk_poller_unregister(&p);
	ut_set_thread(UT_NONE);

	ut_poll_thread(1);
	ASSERT_EQ(g_expected[1], b.next[1]);
	ASSERT_EQ(g_ran, b.next[1]);
	ut_threads_fini();
}

/* Five destinations interleaved, more than the stage holds at once. */
TEST(stage_fifo_per_destination_beyond_stage_destinations)
{
	struct burst b = { .count = 40, .ndest = NDEST - 1 };
	struct spdk_poller *p;

	ASSERT_GT(b.ndest, PW_MSG_STAGE_DESTS);
	ut_threads_init(NDEST);
	reset_expected();
	ut_set_thread(0);
	p = spdk_poller_register(burst_poller, &b, 0);
	ASSERT_NOT_NULL(p);
	ut_set_thread(UT_NONE);
	ut_poll_thread_times(0, 3);
	ut_set_thread(0);
	spdk_poller_unregister(&p);
	ut_set_thread(UT_NONE);
	ASSERT_FALSE(pw__msgq_staged());
	ut_poll_threads();
	for (uint32_t d = 1; d < NDEST; d++) {
		ASSERT_EQ(g_expected[d], 120);
	}
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * Exhaustion, exited destinations, exits
 * ------------------------------------------------------------------------- */

static uintptr_t g_accepted;
static int g_last_rc;

static int
fill_poller(void *arg)
{
	struct spdk_poller **self = arg;
	int rc;

	while ((rc = spdk_thread_send_msg(ut_thread(1), seq_msg, (void *)g_accepted)) == 0) {
		g_accepted++;
		ASSERT_LT(g_accepted, 1000000);
	}
	g_last_rc = rc;
	spdk_poller_unregister(self);
	return SPDK_POLLER_BUSY;
}

/* -ENOMEM is spdk_thread_send_msg()'s own return inside a callback, and
 * every accepted message runs once, in order. */
TEST(stage_exhaustion_enomem_at_send_inside_callback)
{
	struct spdk_poller *p;

	ut_threads_init_ext(2, 255);
	reset_expected();
	g_accepted = 0;
	g_last_rc = 0;
	ut_set_thread(0);
	p = spdk_poller_register(fill_poller, &p, 0);
	ASSERT_NOT_NULL(p);
	ut_set_thread(UT_NONE);
	log_capture_start();
	ut_poll_thread_times(0, 1);
	log_capture_stop();
	ASSERT_EQ(g_last_rc, -ENOMEM);
	/* The small first segment and the full one after it are free of
	 * charge (pw_segq.h). */
	ASSERT_EQ(g_accepted, pw_segq_small_slots(PW_MSG_WORDS) + 255 * (1 + pw__msgq_segment_limit()));
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), g_accepted);
	ut_poll_thread(1);
	ASSERT_EQ(g_expected[1], g_accepted);
	ASSERT_EQ(g_ran, g_accepted);
	ut_threads_fini();
}

/* The lone-after-lone rule's at-once send meets exhaustion: -ENOMEM at the
 * send, nothing claimed or staged behind it, every accepted message runs once
 * in order, and sending works again once the queue drained. One send per
 * poller call, one call per slice: every send after the first is a lone one
 * published at once. */
static uint32_t g_lone_calls;

static int
lone_fill_poller(void *arg)
{
	struct spdk_poller **self = arg;
	int rc;

	g_lone_calls++;
	rc = spdk_thread_send_msg(ut_thread(1), seq_msg, (void *)g_accepted);
	if (rc == 0) {
		g_accepted++;
		ASSERT_LT(g_accepted, 1000000);
		/* After the first call (staged, or at once as the first message
		 * to a thread without a segment), published at once. */
		if (g_lone_calls > 1) {
			ASSERT_FALSE(pw__msgq_staged());
		}
		return SPDK_POLLER_BUSY;
	}
	g_last_rc = rc;
	ASSERT_FALSE(pw__msgq_staged());
	spdk_poller_unregister(self);
	return SPDK_POLLER_BUSY;
}

TEST(stage_lone_at_once_exhaustion_is_enomem_and_leaves_nothing_behind)
{
	struct spdk_poller *p;

	ut_threads_init_ext(2, 255);
	reset_expected();
	g_accepted = 0;
	g_last_rc = 0;
	g_lone_calls = 0;
	ut_set_thread(0);
	p = spdk_poller_register(lone_fill_poller, &p, 0);
	ASSERT_NOT_NULL(p);
	ut_set_thread(UT_NONE);
	log_capture_start();
	while (p != NULL) {
		ut_poll_thread_times(0, 1);
		ASSERT_FALSE(pw__msgq_staged());
	}
	log_capture_stop();
	ASSERT_EQ(g_last_rc, -ENOMEM);
	ASSERT_EQ(g_accepted, pw_segq_small_slots(PW_MSG_WORDS) + 255 * (1 + pw__msgq_segment_limit()));
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), g_accepted);
	ut_poll_thread(1);
	ASSERT_EQ(g_expected[1], g_accepted);
	ASSERT_EQ(g_ran, g_accepted);
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), 0);
	/* Room again: the next send is accepted and runs next in order. */
	ut_set_thread(0);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), seq_msg, (void *)g_accepted), 0);
	ut_set_thread(UT_NONE);
	ut_poll_thread(1);
	ASSERT_EQ(g_expected[1], g_accepted + 1);
	ut_threads_fini();
}

static int g_eio_rc;

static void
send_to_exited(void *arg)
{
	g_eio_rc = spdk_thread_send_msg(ut_thread(1), seq_msg, (void *)0);
}

TEST(stage_exited_destination_is_eio_at_send)
{
	ut_threads_init(2);
	reset_expected();
	ut_set_thread(1);
	ASSERT_EQ(spdk_thread_exit(ut_thread(1)), 0);
	ut_set_thread(UT_NONE);
	ut_poll_thread(1);
	ASSERT_TRUE(spdk_thread_is_exited(ut_thread(1)));
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), send_to_exited, NULL), 0);
	log_capture_start();
	ut_poll_thread(0);
	log_capture_stop();
	ASSERT_EQ(g_eio_rc, -EIO);
	ASSERT_FALSE(pw__msgq_staged());
	ut_threads_fini();
}

/* The sender exits in the callback that sent: its sends still arrive. */
static void
send_then_exit(void *arg)
{
	for (uintptr_t k = 0; k < 10; k++) {
		ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), seq_msg, (void *)k), 0);
	}
	ASSERT_EQ(spdk_thread_exit(spdk_get_thread()), 0);
}

TEST(stage_sender_exits_in_the_sending_callback)
{
	ut_threads_init(2);
	reset_expected();
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), send_then_exit, NULL), 0);
	ut_poll_thread(0);
	ASSERT_TRUE(spdk_thread_is_exited(ut_thread(0)));
	ut_poll_thread(1);
	ASSERT_EQ(g_expected[1], 10);
	ut_threads_fini();
}

/* An exiting destination with a staged (claimed) message does not become
 * exited before it ran it, also when the sender's callback polls it itself
 * (a driver of one's own inside a callback: the nested slice publishes). */
static int g_nested_exited_early;

static void
send_then_poll_dest(void *arg)
{
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), seq_msg, (void *)0), 0);
	ASSERT_TRUE(pw__msgq_staged());
	ASSERT_FALSE(spdk_thread_is_idle(ut_thread(1)));
	/* Nested slices of the destination. */
	for (int i = 0; i < 3; i++) {
		spdk_thread_poll(ut_thread(1), 0, 0);
		if (spdk_thread_is_exited(ut_thread(1)) && g_expected[1] == 0) {
			g_nested_exited_early = 1;
		}
	}
	ASSERT_FALSE(pw__msgq_staged());
}

TEST(stage_exiting_destination_waits_for_staged_message)
{
	ut_threads_init(2);
	give_segment(1);
	reset_expected();
	g_nested_exited_early = 0;
	ut_set_thread(1);
	ASSERT_EQ(spdk_thread_exit(ut_thread(1)), 0);
	ut_set_thread(UT_NONE);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), send_then_poll_dest, NULL), 0);
	ut_poll_thread(0);
	ASSERT_EQ(g_nested_exited_early, 0);
	ASSERT_EQ(g_expected[1], 1);
	ut_poll_thread(1);
	ASSERT_TRUE(spdk_thread_is_exited(ut_thread(1)));
	ut_threads_fini();
}

/* Messages to its own thread are not staged: SPDK's order, a later batch. */
static void
self_send(void *arg)
{
	ASSERT_EQ(spdk_thread_send_msg(spdk_get_thread(), seq_msg, (void *)0), 0);
	ASSERT_FALSE(pw__msgq_staged());
}

TEST(stage_self_send_is_immediate_and_runs_in_a_later_batch)
{
	ut_threads_init(1);
	reset_expected();
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), self_send, NULL), 0);
	ut_poll_thread_times(0, 1);
	ASSERT_EQ(g_expected[0], 0);
	ASSERT_EQ(pw__msgq_count(ut_thread(0)), 1);
	ut_poll_thread_times(0, 1);
	ASSERT_EQ(g_expected[0], 1);
	ut_threads_fini();
}

/* A callback that makes another thread current (spdk_set_thread()) around a
 * send: the send is still published when that callback returns, and the
 * other thread (which may be driven by another pthread) is not written. */
TEST(stage_send_with_another_current_thread_published_after_callback)
{
	struct send_or_look s = { .as_other = true };

	ut_threads_init(3);
	reset_expected();
	send_then_look(&s);
	ASSERT_EQ(s.other_flag, 0);
	ASSERT_EQ(s.seen_staged, 0);
	ASSERT_EQ(s.seen_count, 1);
	ut_threads_fini();
}
