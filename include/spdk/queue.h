/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * BSD intrusive lists and queues (<sys/queue.h>) plus the iteration helpers
 * that glibc's copy lacks and SPDK code uses.
 */

#ifndef SPDK_QUEUE_H
#define SPDK_QUEUE_H

#include <stddef.h>
#include <sys/queue.h>

/* Iterate while allowing the current element to be removed: the next
 * element is read before the body runs. */
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST((head));				\
	     (var) && ((tvar) = TAILQ_NEXT((var), field), 1);		\
	     (var) = (tvar))
#endif

#ifndef TAILQ_FOREACH_REVERSE_SAFE
#define TAILQ_FOREACH_REVERSE_SAFE(var, head, headname, field, tvar)	\
	for ((var) = TAILQ_LAST((head), headname);			\
	     (var) && ((tvar) = TAILQ_PREV((var), headname, field), 1);	\
	     (var) = (tvar))
#endif

#ifndef TAILQ_FOREACH_FROM
#define TAILQ_FOREACH_FROM(var, head, field)				\
	for ((var) = ((var) ? (var) : TAILQ_FIRST((head)));		\
	     (var);							\
	     (var) = TAILQ_NEXT((var), field))
#endif

#ifndef STAILQ_FOREACH_SAFE
#define STAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = STAILQ_FIRST((head));				\
	     (var) && ((tvar) = STAILQ_NEXT((var), field), 1);		\
	     (var) = (tvar))
#endif

#ifndef SLIST_FOREACH_SAFE
#define SLIST_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = SLIST_FIRST((head));				\
	     (var) && ((tvar) = SLIST_NEXT((var), field), 1);		\
	     (var) = (tvar))
#endif

#ifndef LIST_FOREACH_SAFE
#define LIST_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = LIST_FIRST((head));				\
	     (var) && ((tvar) = LIST_NEXT((var), field), 1);		\
	     (var) = (tvar))
#endif

#ifndef STAILQ_LAST
#define STAILQ_LAST(head, type, field)					\
	(STAILQ_EMPTY((head)) ? NULL :					\
	 ((struct type *)(void *)((char *)((head)->stqh_last) -	\
				  offsetof(struct type, field))))
#endif

#ifndef TAILQ_SWAP
#define TAILQ_SWAP(head1, head2, type, field) do {			\
	struct type *swap_first = (head1)->tqh_first;			\
	struct type **swap_last = (head1)->tqh_last;			\
	(head1)->tqh_first = (head2)->tqh_first;			\
	(head1)->tqh_last = (head2)->tqh_last;				\
	(head2)->tqh_first = swap_first;				\
	(head2)->tqh_last = swap_last;					\
	if (((swap_first) = (head1)->tqh_first) != NULL)		\
		swap_first->field.tqe_prev = &(head1)->tqh_first;	\
	else								\
		(head1)->tqh_last = &(head1)->tqh_first;		\
	if (((swap_first) = (head2)->tqh_first) != NULL)		\
		swap_first->field.tqe_prev = &(head2)->tqh_first;	\
	else								\
		(head2)->tqh_last = &(head2)->tqh_first;		\
} while (0)
#endif

#endif /* SPDK_QUEUE_H */
