/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Model of the two indices of the mempool's shared store (lib/env/mempool.c,
 * pw__mempool_store_get() and store_put()) under C11's release/acquire and
 * relaxed atomics, for Spin. The cells are left out: they are the usual
 * per-cell sequence numbers with release/acquire pairs; what is checked here
 * is that the index loads are fresh enough for the two checks made on them:
 *
 *   get: enq read after deq is >= deq (else enq - deq wraps and the getter
 *        claims positions no putter has claimed: it waits for cells nobody
 *        fills);
 *   put: pos + n - deq <= size for every correct put (else a correct put is
 *        refused as a double put and its element dropped).
 *
 * Memory model: the view-based operational model of release/acquire and
 * relaxed atomics (as in Kang et al.'s promising semantics, without
 * promises, which RC11 also forbids: load buffering plays no part here).
 * Every location keeps its history of writes in modification order; every
 * write carries a view, the oldest write of each location that a thread
 * acquiring it may still read: a release write carries its writer's view, a
 * relaxed RMW only the view of the write it read (so that release sequences
 * through RMWs hold). A thread may read any write of a location at or after
 * its own view of that location; an acquire read also joins the write's
 * view into the thread's. An RMW reads the newest write (atomicity). Since the
 * indices are written by RMWs only, appending each write at the end of the
 * history is exact.
 *
 * Each of NTHR pthreads does ITER rounds of: get one element, and if it got
 * one, put it back. COUNT elements, a store of SIZE cells.
 *
 *   spin -a -DORDERED=1 mempool_index.pml && cc -O2 -DSAFETY -o pan pan.c && ./pan
 *       the orders of mempool.c: no error
 *   spin -a -DORDERED=0 -DCHECK=2 mempool_index.pml && ... && ./pan
 *       every index operation relaxed (the code before the fix): assertion
 *       violated; spin -t -DORDERED=0 -DCHECK=2 mempool_index.pml prints
 *       the loads and CASes of the failing interleaving
 *
 * check.sh beside this file runs the configurations that must pass and
 * those that must fail (Spin is Debian's package "spin").
 */

#ifndef ORDERED
#define ORDERED 1
#endif
#ifndef NTHR
#define NTHR 3
#endif
#ifndef ITER
#define ITER 1
#endif
#ifndef CHECK
#define CHECK 3			/* 1: the get check, 2: the put check, 3: both */
#endif
#ifndef COUNT
#define COUNT 2			/* elements */
#endif
#ifndef SIZE
#define SIZE 2			/* cells: a power of two >= COUNT */
#endif

#define ENQ 0
#define DEQ 1
#define HMAX (1 + NTHR * ITER)		/* initial write + one RMW per op */

/* history of writes: value, and the view attached (per location) */
byte hval[2 * HMAX];
byte hview[2 * HMAX * 2];
byte hlen[2];

/* each thread's view: the oldest write of each location it may still read */
byte tview[NTHR * 2];

#define HV(L, t)	hval[(L) * HMAX + (t)]
#define MV(L, t, M)	hview[((L) * HMAX + (t)) * 2 + (M)]
#define TV(th, L)	tview[(th) * 2 + (L)]
#define OTHER(L)	(1 - (L))
#define MAX(a, b)	((a) > (b) -> (a) : (b))

/* Load L into v; acq: 1 for an acquire load. */
inline load(th, L, acq, v)
{
	atomic {
		t = TV(th, L);
		do
		:: t < hlen[L] - 1 -> t++
		:: break
		od;
		TV(th, L) = t;
		if
		:: acq -> TV(th, OTHER(L)) = MAX(TV(th, OTHER(L)), MV(L, t, OTHER(L)))
		:: else -> skip
		fi;
		v = HV(L, t)
	}
}

/* Compare-and-swap L from exp to nv. On success ok = 1 and a new write is
 * appended (rel: a release); on failure ok = 0 and exp is reloaded like a
 * load (facq: acquire). */
inline cas(th, L, exp, nv, rel, facq, ok)
{
	atomic {
		if
		:: HV(L, hlen[L] - 1) == exp ->
			t = hlen[L] - 1;
			TV(th, L) = hlen[L];
			HV(L, hlen[L]) = nv;
			MV(L, hlen[L], L) = hlen[L];
			if
			:: rel -> MV(L, hlen[L], OTHER(L)) =
				MAX(TV(th, OTHER(L)), MV(L, t, OTHER(L)))
			:: else -> MV(L, hlen[L], OTHER(L)) = MV(L, t, OTHER(L))
			fi;
			hlen[L]++;
			ok = 1
		:: else ->
			/* a failed CAS is a load of some value other than exp */
			t = TV(th, L);
			do
			:: t < hlen[L] - 1 -> t++
			:: HV(L, t) != exp -> break
			od;
			TV(th, L) = t;
			if
			:: facq -> TV(th, OTHER(L)) = MAX(TV(th, OTHER(L)), MV(L, t, OTHER(L)))
			:: else -> skip
			fi;
			exp = HV(L, t);
			ok = 0
		fi
	}
}

proctype worker(byte th)
{
	byte t, pos, other, ok, round = 0, have;

	do
	:: round < ITER ->
		/* get 1: pw__mempool_store_get(mp, objs, 1, 1) */
		have = 0;
		load(th, DEQ, ORDERED, pos);
get_retry:
		load(th, ENQ, 0, other);
		printf("T%d get: deq %d, then enq %d\n", th, pos, other);
		assert((CHECK & 1) == 0 || other >= pos);	/* enq - deq does not wrap */
		if
		:: other - pos >= 1 ->
			cas(th, DEQ, pos, pos + 1, ORDERED, ORDERED, ok);
			if
			:: ok -> have = 1; printf("T%d get: deq %d -> %d\n", th, pos, pos + 1)
			:: else -> goto get_retry
			fi
		:: else -> skip			/* empty */
		fi;

		/* put it back: store_put(mp, objs, 1) */
		if
		:: have ->
			load(th, ENQ, ORDERED, pos);
put_retry:
			load(th, DEQ, 0, other);
			printf("T%d put: enq %d, then deq %d\n", th, pos, other);
			/* the double-put check never fires on a correct put */
			assert((CHECK & 2) == 0 || pos + 1 <= SIZE + other);
			cas(th, ENQ, pos, pos + 1, ORDERED, ORDERED, ok);
			if
			:: ok -> printf("T%d put: enq %d -> %d\n", th, pos, pos + 1)
			:: else -> goto put_retry
			fi
		:: else -> skip
		fi;
		round++
	:: else -> break
	od
}

init
{
	byte i;

	atomic {
		HV(ENQ, 0) = COUNT;
		HV(DEQ, 0) = 0;
		hlen[ENQ] = 1;
		hlen[DEQ] = 1;
		for (i : 0 .. NTHR - 1) {
			run worker(i)
		}
	}
}
