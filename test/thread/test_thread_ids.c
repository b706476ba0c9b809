/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The index of live threads by id (thread_ids.c): the table against a plain
 * reference under insertions and removals in every order (it grows, shrinks,
 * wraps around its end, and removals shift runs back), then
 * spdk_thread_get_by_id() and the library's sends by id through real
 * threads, thousands of them, with SPDK's answers for ids never given out.
 */

#include "harness.h"
#include "ut_thread.h"
#include "log_capture.h"

#include "thread/thread_internal.h"

/* A fixed pseudo-random sequence (xorshift), so that a failure repeats. */
static uint64_t g_rng = 88172645463325252ull;

static uint64_t
rnd(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return g_rng;
}

/* Every fake thread's presence in the index matches `in`. */
static void
check_all(struct spdk_thread *fake, const bool *in, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		ASSERT_PTR_EQ(pw__thread_ids_find(fake[i].id), in[i] ? &fake[i] : NULL);
	}
}

/* Ids with a given stride (1: sequential; a power of two puts every id on the
 * same residue, the worst case for a hash that would mask the low bits). */
static void
table_against_reference(uint64_t first, uint64_t stride, uint32_t n)
{
	struct spdk_thread *fake = calloc(n, sizeof(*fake));
	bool *in = calloc(n, sizeof(*in));
	uint32_t live = 0;

	ASSERT_NOT_NULL(fake);
	ASSERT_NOT_NULL(in);
	ASSERT_EQ(pw__thread_ids_slots(), 0);
	for (uint32_t i = 0; i < n; i++) {
		fake[i].id = first + i * stride;
	}
	/* All in, in order: the table grows. */
	for (uint32_t i = 0; i < n; i++) {
		ASSERT_EQ(pw__thread_ids_insert(&fake[i]), 0);
		in[i] = true;
		live++;
	}
	check_all(fake, in, n);
	ASSERT_GE(pw__thread_ids_slots() * 3, (size_t)live * 4);
	ASSERT_NULL(pw__thread_ids_find(first + n * stride));
	ASSERT_NULL(pw__thread_ids_find(0));
	/* Random removals and re-insertions. */
	for (uint32_t k = 0; k < 4 * n; k++) {
		uint32_t i = (uint32_t)(rnd() % n);

		if (in[i]) {
			pw__thread_ids_remove(&fake[i]);
			live--;
		} else {
			ASSERT_EQ(pw__thread_ids_insert(&fake[i]), 0);
			live++;
		}
		in[i] = !in[i];
		if (k % 97 == 0) {
			check_all(fake, in, n);
		}
	}
	check_all(fake, in, n);
	/* All out but one: the table shrinks to its smallest. */
	for (uint32_t i = 1; i < n; i++) {
		if (in[i]) {
			pw__thread_ids_remove(&fake[i]);
			in[i] = false;
			live--;
		}
	}
	if (!in[0]) {
		ASSERT_EQ(pw__thread_ids_insert(&fake[0]), 0);
		in[0] = true;
	}
	check_all(fake, in, n);
	ASSERT_EQ(pw__thread_ids_slots(), 64);
	pw__thread_ids_remove(&fake[0]);
	ASSERT_EQ(pw__thread_ids_slots(), 0);	/* freed with the last thread */
	ASSERT_NULL(pw__thread_ids_find(fake[0].id));
	free(fake);
	free(in);
}

TEST(index_sequential_ids)
{
	table_against_reference(1, 1, 5000);
}

TEST(index_strided_ids)
{
	table_against_reference(1, 1024, 3000);
	table_against_reference(UINT64_MAX - 4000, 1, 3000);	/* near the end of the id space */
}

/* Removals in creation order and in reverse: every run is shifted back. */
TEST(index_removal_orders)
{
	struct spdk_thread fake[700];

	memset(fake, 0, sizeof(fake));
	for (uint32_t i = 0; i < 700; i++) {
		fake[i].id = 1000 + i;
		ASSERT_EQ(pw__thread_ids_insert(&fake[i]), 0);
	}
	for (uint32_t i = 0; i < 700; i += 2) {
		pw__thread_ids_remove(&fake[i]);
	}
	for (uint32_t i = 0; i < 700; i++) {
		ASSERT_PTR_EQ(pw__thread_ids_find(fake[i].id), i % 2 ? &fake[i] : NULL);
	}
	for (int i = 699; i >= 1; i -= 2) {
		pw__thread_ids_remove(&fake[i]);
		for (int j = 1; j < i; j += 2) {
			ASSERT_PTR_EQ(pw__thread_ids_find(fake[j].id), &fake[j]);
		}
	}
	ASSERT_EQ(pw__thread_ids_slots(), 0);
}

/* Real threads: thousands created, half destroyed, more created. */
TEST(get_by_id_many_threads)
{
	enum { N = 4000 };
	struct spdk_thread **t = calloc(2 * N, sizeof(*t));
	uint64_t first;

	ASSERT_NOT_NULL(t);
	ut_threads_init(1);
	for (uint32_t i = 0; i < N; i++) {
		t[i] = spdk_thread_create(NULL, NULL);
		ASSERT_NOT_NULL(t[i]);
	}
	first = spdk_thread_get_id(t[0]);
	for (uint32_t i = 0; i < N; i++) {
		ASSERT_EQ(spdk_thread_get_id(t[i]), first + i);
		ASSERT_PTR_EQ(spdk_thread_get_by_id(first + i), t[i]);
	}
	/* Destroy every odd one. */
	for (uint32_t i = 1; i < N; i += 2) {
		spdk_set_thread(t[i]);
		ASSERT_EQ(spdk_thread_exit(t[i]), 0);
		while (!spdk_thread_is_exited(t[i])) {
			spdk_thread_poll(t[i], 0, 0);
		}
		spdk_thread_destroy(t[i]);
		t[i] = NULL;
	}
	spdk_set_thread(NULL);
	ASSERT_EQ(spdk_thread_get_count(), 1 + N / 2);
	log_capture_start();
	for (uint32_t i = 0; i < N; i++) {
		ASSERT_PTR_EQ(spdk_thread_get_by_id(first + i), t[i]);
	}
	/* Destroyed ids: not found, and no error (they were given out). */
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	/* Never given out: refused with SPDK's error. */
	ASSERT_NULL(spdk_thread_get_by_id(first + N));
	ASSERT_NULL(spdk_thread_get_by_id(0));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	ASSERT_TRUE(log_capture_contains("invalid thread id"));
	log_capture_stop();
	/* New ones continue the sequence, never reusing an id. */
	for (uint32_t i = N; i < 2 * N; i++) {
		t[i] = spdk_thread_create(NULL, NULL);
		ASSERT_NOT_NULL(t[i]);
		ASSERT_EQ(spdk_thread_get_id(t[i]), first + i);
	}
	for (uint32_t i = 0; i < 2 * N; i++) {
		ASSERT_PTR_EQ(spdk_thread_get_by_id(first + i), t[i]);
	}
	for (uint32_t i = 0; i < 2 * N; i++) {
		if (t[i] == NULL) {
			continue;
		}
		spdk_set_thread(t[i]);
		ASSERT_EQ(spdk_thread_exit(t[i]), 0);
		while (!spdk_thread_is_exited(t[i])) {
			spdk_thread_poll(t[i], 0, 0);
		}
		spdk_thread_destroy(t[i]);
	}
	spdk_set_thread(NULL);
	ut_threads_fini();
	ASSERT_EQ(pw__thread_ids_slots(), 0);
	free(t);
}

static void
count_msg(void *ctx)
{
	(*(int *)ctx)++;
}

/* The library's send by id reaches a live thread among many, and answers
 * -EIO for a destroyed one. */
TEST(send_to_thread_id)
{
	int ran = 0;
	uint64_t id1;

	ut_threads_init(60);
	id1 = spdk_thread_get_id(ut_thread(30));
	ASSERT_EQ(pw__send_to_thread_id(id1, count_msg, &ran), 0);
	ut_poll_thread(30);
	ASSERT_EQ(ran, 1);
	ut_set_thread(30);
	ASSERT_EQ(spdk_thread_exit(ut_thread(30)), 0);
	ut_poll_thread(30);
	ASSERT_TRUE(spdk_thread_is_exited(ut_thread(30)));
	spdk_thread_destroy(ut_thread(30));
	ut_thread_forget(30);
	ut_set_thread(UT_NONE);
	ASSERT_EQ(pw__send_to_thread_id(id1, count_msg, &ran), -EIO);
	ASSERT_EQ(ran, 1);
	ut_threads_fini();
}
