/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * File descriptor groups: a set of event sources (eventfds, pipes, sockets,
 * timerfds...) gathered in one Linux epoll instance, each with a handler
 * function that spdk_fd_group_wait() calls when its fd is ready
 * (SPDK's `spdk/fd_group.h`).
 *
 * A group can be *nested* in another one: the child's fds then move into the
 * epoll instance of the top of the tree (the *root*), so that one wait on the
 * root runs the handlers of every group in the tree. Unnesting moves them back
 * into the child's own epoll instance. This is how an interrupt-driven
 * scheduler sleeps on the fds of many threads at once.
 *
 * Threads: a group is not thread-safe. A group and every group nested in it
 * (the whole tree) must be used by one pthread at a time; unrelated groups may
 * be used on different pthreads at once. Any pthread may *write* to the fds
 * (that is what wakes a waiter), and handlers may call any function of this
 * header, on any group of the tree, including spdk_fd_group_remove() of their
 * own fd and spdk_fd_group_wait() on another group.
 *
 * Errors: every function returns 0 or a negative errno (or nothing, for
 * remove and destroy) and logs what was wrong with SPDK_ERRLOG; bad input
 * (NULL group, negative fd, NULL handler, unknown fd, duplicate fd, a group
 * still in use) never crashes, asserts or changes state.
 *
 * Differences from SPDK (also listed in the README):
 *  - every misuse is logged and refused with an error; SPDK crashes on a NULL
 *    group in spdk_fd_group_wait(), spdk_fd_group_get_fd() and
 *    spdk_fd_group_set_wrapper(), and asserts on the destruction of a group
 *    that is nested or has nested groups;
 *  - spdk_fd_group_nest() refuses cycles (SPDK then loops forever) and refuses
 *    to merge two trees that hold the same fd, returning -EEXIST with nothing
 *    changed (SPDK takes the duplicate as success, after which one handler is
 *    never called and unnesting unregisters the other group's fd);
 *  - spdk_fd_group_event_modify() returns a negative errno on failure (SPDK
 *    returns -1) and keeps the previous event types when the kernel refuses
 *    the new ones;
 *  - an SPDK_FD_TYPE_EVENTFD fd is switched to non-blocking mode when it is
 *    added, so that clearing it can never block a wait; when the read fails
 *    for another reason than an empty counter, the other handlers of the
 *    batch still run before the error is returned (SPDK returns at once and
 *    leaves the rest of the batch unprocessed);
 *  - waiting on a group with no fd sleeps for the timeout and returns 0 (SPDK
 *    fails with -EINVAL); only an endless wait on an empty group, which could
 *    never return, is refused with -EINVAL;
 *  - one wait is safe to re-enter from a handler, also on the same group, and
 *    the event seen by spdk_fd_group_get_epoll_event() is the innermost
 *    handler's, restored when a nested wait returns;
 *  - removing an fd that was closed first still drops its handler (SPDK
 *    keeps it, so that the group can never be destroyed);
 *  - a wait handles up to all the group's registered fds as SPDK does, but
 *    takes its event array from the heap instead of the stack when the tree
 *    holds more than 64 fds.
 */

#ifndef SPDK_FD_GROUP_H
#define SPDK_FD_GROUP_H

#include "spdk/stdinc.h"
#include "spdk/assert.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * What kind of fd an event source is; the group treats some kinds specially
 * when their fd becomes ready.
 */
enum spdk_fd_type {
	/** Any fd: the handler is called and does all the reading itself. */
	SPDK_FD_TYPE_DEFAULT		= 0x0,
	/**
	 * An eventfd(2): before calling the handler, the group reads the fd
	 * once, which resets its counter to 0, so the handler need not. If
	 * the counter is already 0 (someone else read it), the handler is not
	 * called for that event.
	 */
	SPDK_FD_TYPE_EVENTFD		= 0x1,
};

/**
 * Options of spdk_fd_group_add_ext(). Fill it with
 * spdk_fd_group_get_default_event_handler_opts() first, then change what you
 * need.
 */
struct spdk_event_handler_opts {
	/**
	 * sizeof(struct spdk_event_handler_opts) as the caller knows it. The
	 * library reads only the fields that lie within this size and takes
	 * the default for the others, so that programs built against an older
	 * header keep working. Must not be 0.
	 */
	size_t opts_size;

	/** epoll(7) event types to wait for (EPOLLIN, EPOLLOUT, EPOLLET...); default EPOLLIN. */
	uint32_t events;

	/** A value of enum spdk_fd_type; default SPDK_FD_TYPE_DEFAULT. */
	uint32_t fd_type;
};
SPDK_STATIC_ASSERT(sizeof(struct spdk_event_handler_opts) == 16, "Incorrect size");

/**
 * Handler of an event source, called by spdk_fd_group_wait() on the waiting
 * pthread each time the source's fd is reported ready.
 *
 * \param ctx The arg given when the fd was added (borrowed; the group never
 * reads or frees it).
 *
 * \return SPDK's convention, which the group itself ignores: 0 when the
 * notification found no work, positive when work was done, negative when no
 * event information is available.
 */
typedef int (*spdk_fd_fn)(void *ctx);

/**
 * A group of event sources gathered in one epoll instance ("fgrp"). Opaque.
 */
struct spdk_fd_group;

/**
 * Fill an options structure with the defaults: events = EPOLLIN,
 * fd_type = SPDK_FD_TYPE_DEFAULT.
 *
 * Any pthread may call this.
 *
 * \param[out] opts The structure to fill (borrowed): its first \p opts_size
 * bytes are zeroed, then every known field that fits in \p opts_size is set.
 * NULL is logged and ignored.
 * \param opts_size sizeof(*opts) as the caller knows it; stored in
 * opts->opts_size. 0 is logged and ignored.
 */
void spdk_fd_group_get_default_event_handler_opts(struct spdk_event_handler_opts *opts,
		size_t opts_size);

/**
 * Create an empty group with its own epoll instance (close-on-exec).
 *
 * Any pthread may call this.
 *
 * \param fgrp Where to store the new group (owned by the caller, who frees it
 * with spdk_fd_group_destroy()). Left untouched on failure.
 *
 * \return 0 on success; -EINVAL when \p fgrp is NULL; -ENOMEM when memory is
 * exhausted; the negative errno of epoll_create1() (e.g. -EMFILE) when no
 * epoll instance can be created.
 */
int spdk_fd_group_create(struct spdk_fd_group **fgrp);

/**
 * Close a group's epoll instance and free it.
 *
 * The group must be empty and alone: every fd removed, not nested in another
 * group, no group nested in it. Otherwise the call is logged and refused, and
 * the group stays usable. May be called from a handler running in a wait on
 * this group: that wait then returns normally.
 *
 * \param fgrp The group to destroy (its ownership ends here). NULL is logged
 * and ignored.
 */
void spdk_fd_group_destroy(struct spdk_fd_group *fgrp);

/**
 * Wait for events on the group's fds (including, for a root, the fds of every
 * group nested in it) and run the handler of each fd reported ready, once,
 * on the calling pthread.
 *
 * Within one wait, a handler removed by an earlier handler (or by itself) is
 * not called again, and its memory is released only after the wait has done
 * with it. For an SPDK_FD_TYPE_EVENTFD fd the counter is read (cleared)
 * before the handler runs. When the fd's group has a wrapper (see
 * spdk_fd_group_set_wrapper()), the wrapper is called instead, with the
 * handler and its arg.
 *
 * \param fgrp The group to wait on; it must not be nested in another group
 * (its fds live in the root's epoll instance, so it would never see any).
 * \param timeout Longest time to block, in milliseconds: 0 returns at once,
 * -1 (any negative value) blocks until an event arrives.
 *
 * \return the number of events the kernel reported (each one was either
 * handled or dropped because its handler had been removed in this wait or
 * its eventfd was already cleared): 0 when the timeout expired.
 * Negative errno on failure: -EINVAL for a NULL group, for a nested group
 * with a negative timeout, or for a negative timeout on a tree that holds no
 * fd (such a wait could never end); -EINTR when a signal interrupted the
 * wait (not logged); the negative errno of a failed eventfd read (the rest of
 * the batch still ran); another negative errno from epoll_wait(). A nested
 * group with a timeout >= 0 logs a warning and returns 0 at once, as SPDK.
 */
int spdk_fd_group_wait(struct spdk_fd_group *fgrp, int timeout);

/**
 * Return the fd of the group's own epoll instance, e.g. to add it to another
 * poll set. While the group is nested, its fds live in the root's epoll
 * instance and this one reports nothing.
 *
 * \param fgrp The group (borrowed).
 *
 * \return the epoll fd, owned by the group (do not close it); -EINVAL when
 * \p fgrp is NULL.
 */
int spdk_fd_group_get_fd(struct spdk_fd_group *fgrp);

/**
 * Nest \p child in \p parent: the fds of the child and of every group nested
 * in it move into the epoll instance of the parent's root, so that
 * spdk_fd_group_wait() on the root runs their handlers (with the child's own
 * wrapper, if it has one). Fds added to the child later go there too.
 *
 * \param parent The group to nest into (borrowed); it may itself be nested,
 * but must not have a wrapper.
 * \param child The group to nest (borrowed); it must not be nested already.
 *
 * \return 0 on success. -EINVAL (nothing changed) for a NULL group, a child
 * that is already nested, parent == child, a parent that is the child or lies
 * below it (a cycle), or a parent with a wrapper. Another negative errno
 * (nothing changed) when the kernel refuses to move an fd: -EEXIST when the
 * same fd is registered in both trees, -EBADF for an fd that was closed while
 * registered. -ENOTRECOVERABLE when an fd could not be taken out of the
 * child's epoll instance after all were added to the root's: the nesting is
 * done, and the error is logged.
 */
int spdk_fd_group_nest(struct spdk_fd_group *parent, struct spdk_fd_group *child);

/**
 * Undo spdk_fd_group_nest(): the fds of \p child and of the groups nested in
 * it move back into the child's own epoll instance.
 *
 * \param parent The group \p child is nested in (borrowed).
 * \param child The nested group (borrowed).
 *
 * \return 0 on success; -EINVAL (nothing changed) for a NULL group or when
 * \p child is not nested directly in \p parent; another negative errno from
 * the kernel, with the meaning given for spdk_fd_group_nest().
 */
int spdk_fd_group_unnest(struct spdk_fd_group *parent, struct spdk_fd_group *child);

/**
 * Add an event source that reports input (EPOLLIN), level-triggered, as an
 * SPDK_FD_TYPE_DEFAULT fd. Same as spdk_fd_group_add_for_events() with
 * EPOLLIN.
 *
 * \param fgrp The group (borrowed).
 * \param efd The fd to watch (borrowed: the group never closes it). Remove it
 * from the group before closing it.
 * \param fn Handler called by spdk_fd_group_wait() when \p efd is ready.
 * \param arg Passed to \p fn (borrowed).
 * \param name Name of the source for log messages (copied, at most 256
 * characters kept); NULL gives an empty name.
 *
 * \return 0 on success; -EINVAL for a NULL group, a negative fd or a NULL
 * handler; -EEXIST when \p efd is already in this group, or elsewhere in its
 * tree; -ENOMEM; another negative errno from epoll_ctl() (e.g. -EBADF for a
 * closed fd, -EPERM for a regular file).
 */
int spdk_fd_group_add(struct spdk_fd_group *fgrp, int efd,
		      spdk_fd_fn fn, void *arg, const char *name);

/**
 * Add an event source waiting for the given epoll(7) event types, as an
 * SPDK_FD_TYPE_DEFAULT fd.
 *
 * \param events Bit mask of epoll event types (EPOLLIN, EPOLLOUT, EPOLLET,
 * EPOLLONESHOT...); the values of SPDK's enum spdk_interrupt_event_types are
 * the same bits.
 *
 * The other parameters and the return codes are those of spdk_fd_group_add().
 */
int spdk_fd_group_add_for_events(struct spdk_fd_group *fgrp, int efd, uint32_t events,
				 spdk_fd_fn fn, void *arg, const char *name);

/**
 * Add an event source described by an options structure (event types and
 * fd type).
 *
 * An SPDK_FD_TYPE_EVENTFD fd is put in non-blocking mode (O_NONBLOCK, which is
 * shared by every descriptor of the same open eventfd).
 *
 * \param opts Options (borrowed, read during the call only), filled with
 * spdk_fd_group_get_default_event_handler_opts() first; NULL takes the
 * defaults.
 *
 * The other parameters are those of spdk_fd_group_add().
 *
 * \return as spdk_fd_group_add(), plus -EINVAL when opts->opts_size is 0 or
 * opts->fd_type is not a value of enum spdk_fd_type.
 */
int spdk_fd_group_add_ext(struct spdk_fd_group *fgrp, int efd, spdk_fd_fn fn, void *arg,
			  const char *name, struct spdk_event_handler_opts *opts);

/**
 * spdk_fd_group_add() with the handler's name as the source's name.
 */
#define SPDK_FD_GROUP_ADD(fgrp, efd, fn, arg) \
	spdk_fd_group_add(fgrp, efd, fn, arg, #fn)

/**
 * spdk_fd_group_add_ext() with the handler's name as the source's name.
 */
#define SPDK_FD_GROUP_ADD_EXT(fgrp, efd, fn, arg, opts) \
	spdk_fd_group_add_ext(fgrp, efd, fn, arg, #fn, opts)

/**
 * Remove an event source: its fd leaves the epoll instance and its handler is
 * never called again, also not later in a wait that is running (a handler may
 * remove its own fd or another one). The fd itself is not closed.
 *
 * \param fgrp The group the fd was added to (not its parent).
 * \param efd The fd.
 *
 * A NULL group, a negative fd, or an fd that is not in \p fgrp is logged and
 * ignored. An fd that was closed before being removed is logged, and its
 * handler is still dropped.
 */
void spdk_fd_group_remove(struct spdk_fd_group *fgrp, int efd);

/**
 * Change the epoll(7) event types an event source waits for, e.g. add
 * EPOLLOUT while there is data to send and take it away afterwards, or re-arm
 * an EPOLLONESHOT source.
 *
 * \param fgrp The group the fd was added to.
 * \param efd The fd.
 * \param event_types New bit mask of epoll event types.
 *
 * \return 0 on success; -EINVAL for a NULL group, a negative fd or an fd that
 * is not in \p fgrp; another negative errno from epoll_ctl(), with the old
 * event types kept.
 */
int spdk_fd_group_event_modify(struct spdk_fd_group *fgrp,
			       int efd, int event_types);

/* Declared here so that this header needs no <sys/epoll.h>. */
struct epoll_event;

/**
 * Copy the epoll(7) event (its event bits and data) that made
 * spdk_fd_group_wait() call the running handler, e.g. to tell EPOLLIN from
 * EPOLLOUT or EPOLLHUP.
 *
 * Meant to be called from a handler (or wrapper) during
 * spdk_fd_group_wait(), on the waiting pthread.
 *
 * \param event Where to copy the event (borrowed).
 *
 * \return 0 on success; -EINVAL (logged) when \p event is NULL or when no
 * handler of this pthread is running.
 */
int spdk_fd_group_get_epoll_event(struct epoll_event *event);

/**
 * A wrapper that runs a handler on behalf of spdk_fd_group_wait(), e.g. to
 * set up a context around it.
 *
 * \param wrapper_ctx The ctx given to spdk_fd_group_set_wrapper().
 * \param cb_fn The handler to run; the wrapper must call it (once).
 * \param cb_ctx The handler's arg.
 *
 * \return ignored by the group.
 */
typedef int (*spdk_fd_group_wrapper_fn)(void *wrapper_ctx, spdk_fd_fn cb_fn, void *cb_ctx);

/**
 * Set (or clear) the wrapper through which the group's own handlers run. A
 * group has at most one wrapper; it applies to the handlers of the fds added
 * to this group, also while it is nested, not to those of nested groups.
 *
 * \param fgrp The group (borrowed).
 * \param cb_fn The wrapper, or NULL to remove the current one.
 * \param ctx Passed to \p cb_fn (borrowed).
 *
 * \return 0 on success; -EINVAL for a NULL group or when groups are nested in
 * \p fgrp; -EEXIST when \p cb_fn is not NULL and a wrapper is already set.
 */
int spdk_fd_group_set_wrapper(struct spdk_fd_group *fgrp, spdk_fd_group_wrapper_fn cb_fn,
			      void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_FD_GROUP_H */
