/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * File descriptor groups over epoll.
 *
 * Every event source is a struct fd_handler, kept on the list of the group it
 * was added to (its owner) and registered, with the handler as epoll data, in
 * exactly one epoll instance: the owner's own, or the root's while the owner
 * is nested. Nesting and unnesting re-register a whole subtree from one epoll
 * instance into another, adding everywhere first so that a refusal can be
 * rolled back.
 *
 * A wait copies the kernel's batch of ready events and pins each handler in it
 * (a counter, so that nested waits pin independently) before running any
 * handler. spdk_fd_group_remove() unregisters at once but only marks a pinned
 * handler; the wait skips marked handlers and frees them when it unpins the
 * last reference.
 */

#include "spdk/fd_group.h"
#include "spdk/log.h"
#include "spdk/queue.h"
#include "spdk/util.h"
#include "common/pw_common.h"

#include <sys/epoll.h>

/* Longest name kept for an event source, as SPDK. */
#define FD_NAME_MAX 256

/* Events handled per wait from the stack; more come from the heap. */
#define WAIT_STACK_EVENTS 64

struct fd_handler {
	TAILQ_ENTRY(fd_handler)	link;
	struct spdk_fd_group	*owner;
	spdk_fd_fn		fn;
	void			*fn_arg;
	int			fd;
	uint32_t		events;
	uint32_t		fd_type;
	/* Number of running waits whose event batch refers to this handler. */
	uint32_t		pins;
	/* Removed from its group; must never be called again. */
	bool			removed;
	/* Its fd was closed before removal, so the epoll instance may still
	 * hold a registration pointing here (a dup of the fd keeps it alive):
	 * parked on that group's graveyard until its epoll fd is closed. */
	bool			zombie;
	char			name[];
};

struct spdk_fd_group {
	int				epfd;
	/* Handlers on this group's own list. */
	uint32_t			nr_handlers;
	/* Registrations in this group's epoll instance: its own handlers and
	 * those of its whole subtree when it is a root, 0 while nested. */
	uint32_t			nr_registered;
	struct spdk_fd_group		*parent;
	spdk_fd_group_wrapper_fn	wrapper_fn;
	void				*wrapper_ctx;
	TAILQ_HEAD(, fd_handler)	handlers;
	/* Removed handlers that epfd may still report (see fd_handler.zombie). */
	TAILQ_HEAD(, fd_handler)	graveyard;
	TAILQ_HEAD(, spdk_fd_group)	children;
	TAILQ_ENTRY(spdk_fd_group)	child_link;
};

/* The event whose handler runs now on this pthread (innermost wait). */
static __thread const struct epoll_event *g_current_event;

/* ---- helpers --------------------------------------------------------------- */

static struct spdk_fd_group *
root_of(struct spdk_fd_group *fgrp)
{
	while (fgrp->parent != NULL) {
		fgrp = fgrp->parent;
	}
	return fgrp;
}

static struct fd_handler *
find_handler(struct spdk_fd_group *fgrp, int fd)
{
	struct fd_handler *h;

	TAILQ_FOREACH(h, &fgrp->handlers, link) {
		if (h->fd == fd) {
			return h;
		}
	}
	return NULL;
}

/* epoll_ctl() for one handler; 0 or a negative errno. */
static int
handler_ctl(int epfd, int op, struct fd_handler *h)
{
	struct epoll_event ev = { .events = h->events, .data.ptr = h };

	if (epoll_ctl(epfd, op, h->fd, op == EPOLL_CTL_DEL ? NULL : &ev) != 0) {
		return -errno;
	}
	return 0;
}

static void
handler_release(struct fd_handler *h)
{
	if (h->removed && h->pins == 0 && !h->zombie) {
		free(h);
	}
}

/*
 * Apply op (ADD or DEL) on epfd to the handlers of fgrp and of every group
 * below it, in a fixed order (the group's own handlers, then each child's
 * subtree), stopping after `limit` handlers. *done counts the successful
 * calls. With stop_on_error the walk ends at the first failure; otherwise
 * failures are logged and skipped. Returns the first error, or 0.
 */
static int
subtree_ctl(struct spdk_fd_group *fgrp, int epfd, int op, bool stop_on_error,
	    uint32_t limit, uint32_t *done)
{
	struct fd_handler *h;
	struct spdk_fd_group *child;
	int rc, first_err = 0;

	TAILQ_FOREACH(h, &fgrp->handlers, link) {
		if (*done >= limit) {
			return first_err;
		}
		rc = handler_ctl(epfd, op, h);
		if (rc != 0) {
			SPDK_ERRLOG("fd group %p: cannot %s fd %d (%s) %s epoll fd %d: %s\n",
				    (void *)fgrp, op == EPOLL_CTL_ADD ? "register" : "unregister",
				    h->fd, h->name, op == EPOLL_CTL_ADD ? "in" : "from", epfd,
				    strerror(-rc));
			if (stop_on_error) {
				return rc;
			}
			if (first_err == 0) {
				first_err = rc;
			}
			continue;
		}
		(*done)++;
	}
	TAILQ_FOREACH(child, &fgrp->children, child_link) {
		rc = subtree_ctl(child, epfd, op, stop_on_error, limit, done);
		if (rc != 0) {
			if (stop_on_error) {
				return rc;
			}
			if (first_err == 0) {
				first_err = rc;
			}
		}
	}
	return first_err;
}

/*
 * Move the registrations of fgrp's subtree from the epoll instance of group
 * `from` to that of group `to`. Returns a negative errno with nothing changed,
 * 0 when done, or -ENOTRECOVERABLE when done but some fd could not be taken
 * out of `from` (then registered twice, logged).
 */
static int
subtree_move(struct spdk_fd_group *fgrp, struct spdk_fd_group *from, struct spdk_fd_group *to)
{
	uint32_t added = 0, undone = 0, deleted = 0;
	int rc;

	rc = subtree_ctl(fgrp, to->epfd, EPOLL_CTL_ADD, true, UINT32_MAX, &added);
	if (rc != 0) {
		subtree_ctl(fgrp, to->epfd, EPOLL_CTL_DEL, false, added, &undone);
		return rc;
	}
	rc = subtree_ctl(fgrp, from->epfd, EPOLL_CTL_DEL, false, UINT32_MAX, &deleted);

	assert(from->nr_registered >= added);
	from->nr_registered -= added;
	to->nr_registered += added;
	return rc == 0 ? 0 : -ENOTRECOVERABLE;
}

static bool
group_ok(const struct spdk_fd_group *fgrp, const char *func)
{
	if (fgrp == NULL) {
		SPDK_ERRLOG("%s: the fd group is NULL\n", func);
		return false;
	}
	return true;
}

/* Copy the caller's options field by field, as far as its opts_size reaches. */
static int
opts_copy(struct spdk_event_handler_opts *dst, const struct spdk_event_handler_opts *src)
{
	if (src->opts_size == 0) {
		SPDK_ERRLOG("spdk_fd_group_add_ext: opts->opts_size is 0 (fill the options with "
			    "spdk_fd_group_get_default_event_handler_opts())\n");
		return -EINVAL;
	}
	if (offsetof(struct spdk_event_handler_opts, events) + sizeof(src->events) <=
	    src->opts_size) {
		dst->events = src->events;
	}
	if (offsetof(struct spdk_event_handler_opts, fd_type) + sizeof(src->fd_type) <=
	    src->opts_size) {
		dst->fd_type = src->fd_type;
	}
	/* A new field needs a copy above. */
	SPDK_STATIC_ASSERT(sizeof(struct spdk_event_handler_opts) == 16, "new field not copied");
	return 0;
}

/*
 * Clear an eventfd before its handler runs. Returns 1 to run the handler, 0
 * to skip it (counter already 0), or a negative errno.
 */
static int
eventfd_clear(struct fd_handler *h)
{
	uint64_t count;
	ssize_t n;

	n = read(h->fd, &count, sizeof(count));
	if (n == (ssize_t)sizeof(count)) {
		return 1;
	}
	if (n < 0) {
		int err = errno;

		if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) {
			return 0;
		}
		SPDK_ERRLOG("fd group %p: cannot clear eventfd %d (%s): %s\n",
			    (void *)h->owner, h->fd, h->name, strerror(err));
		return -err;
	}
	SPDK_ERRLOG("fd group %p: read %zd bytes from eventfd %d (%s), expected %zu; "
		    "is it really an eventfd?\n", (void *)h->owner, n, h->fd, h->name,
		    sizeof(count));
	return -EINVAL;
}

/* Run one ready handler; returns 0 or the negative errno of its eventfd read. */
static int
dispatch(struct fd_handler *h, const struct epoll_event *ev)
{
	const struct epoll_event *outer = g_current_event;
	struct spdk_fd_group *owner = h->owner;
	int rc;

	if (h->fd_type == SPDK_FD_TYPE_EVENTFD) {
		rc = eventfd_clear(h);
		if (rc <= 0) {
			return rc;
		}
	}

	g_current_event = ev;
	if (owner->wrapper_fn != NULL) {
		owner->wrapper_fn(owner->wrapper_ctx, h->fn, h->fn_arg);
	} else {
		h->fn(h->fn_arg);
	}
	g_current_event = outer;
	return 0;
}

/* ---- options and event sources ------------------------------------------ */

PW_EXPORT void
spdk_fd_group_get_default_event_handler_opts(struct spdk_event_handler_opts *opts,
		size_t opts_size)
{
	if (opts == NULL) {
		SPDK_ERRLOG("spdk_fd_group_get_default_event_handler_opts: opts is NULL\n");
		return;
	}
	if (opts_size == 0) {
		SPDK_ERRLOG("spdk_fd_group_get_default_event_handler_opts: opts_size is 0\n");
		return;
	}

	memset(opts, 0, opts_size);
	opts->opts_size = opts_size;
	if (offsetof(struct spdk_event_handler_opts, events) + sizeof(opts->events) <= opts_size) {
		opts->events = EPOLLIN;
	}
	if (offsetof(struct spdk_event_handler_opts, fd_type) + sizeof(opts->fd_type) <=
	    opts_size) {
		opts->fd_type = SPDK_FD_TYPE_DEFAULT;
	}
}

PW_EXPORT int
spdk_fd_group_add_ext(struct spdk_fd_group *fgrp, int efd, spdk_fd_fn fn, void *arg,
		      const char *name, struct spdk_event_handler_opts *opts)
{
	struct spdk_event_handler_opts o = {
		.opts_size = sizeof(o), .events = EPOLLIN, .fd_type = SPDK_FD_TYPE_DEFAULT
	};
	struct fd_handler *h;
	size_t name_len;
	int flags = 0, rc;

	if (!group_ok(fgrp, __func__)) {
		return -EINVAL;
	}
	if (efd < 0) {
		SPDK_ERRLOG("fd group %p: cannot add fd %d (%s): negative fd\n", (void *)fgrp, efd,
			    name ? name : "");
		return -EINVAL;
	}
	if (fn == NULL) {
		SPDK_ERRLOG("fd group %p: cannot add fd %d (%s): the handler function is NULL\n",
			    (void *)fgrp, efd, name ? name : "");
		return -EINVAL;
	}
	if (opts != NULL) {
		rc = opts_copy(&o, opts);
		if (rc != 0) {
			return rc;
		}
	}
	if (o.fd_type != SPDK_FD_TYPE_DEFAULT && o.fd_type != SPDK_FD_TYPE_EVENTFD) {
		SPDK_ERRLOG("fd group %p: cannot add fd %d (%s): unknown fd_type %" PRIu32 "\n",
			    (void *)fgrp, efd, name ? name : "", o.fd_type);
		return -EINVAL;
	}
	h = find_handler(fgrp, efd);
	if (h != NULL) {
		SPDK_ERRLOG("fd group %p: fd %d is already in the group (handler %s)\n",
			    (void *)fgrp, efd, h->name);
		return -EEXIST;
	}
	if (o.fd_type == SPDK_FD_TYPE_EVENTFD) {
		flags = fcntl(efd, F_GETFL);
		if (flags < 0) {
			rc = -errno;
			SPDK_ERRLOG("fd group %p: cannot add eventfd %d (%s): %s\n", (void *)fgrp,
				    efd, name ? name : "", strerror(-rc));
			return rc;
		}
	}

	name_len = name ? strnlen(name, FD_NAME_MAX) : 0;
	h = calloc(1, sizeof(*h) + name_len + 1);
	if (h == NULL) {
		SPDK_ERRLOG("fd group %p: no memory to add fd %d\n", (void *)fgrp, efd);
		return -ENOMEM;
	}
	h->owner = fgrp;
	h->fn = fn;
	h->fn_arg = arg;
	h->fd = efd;
	h->events = o.events;
	h->fd_type = o.fd_type;
	if (name_len > 0) {
		memcpy(h->name, name, name_len);
	}
	h->name[name_len] = '\0';

	/* A nested group's fds live in its root's epoll instance. */
	rc = handler_ctl(root_of(fgrp)->epfd, EPOLL_CTL_ADD, h);
	if (rc != 0) {
		SPDK_ERRLOG("fd group %p: cannot add fd %d (%s): %s\n", (void *)fgrp, efd, h->name,
			    rc == -EEXIST ? "already in a group of the same tree" : strerror(-rc));
		free(h);
		return rc;
	}
	/* Clearing the counter must never block the wait, even if something
	 * else read it between the kernel's report and our read. */
	if (o.fd_type == SPDK_FD_TYPE_EVENTFD && !(flags & O_NONBLOCK) &&
	    fcntl(efd, F_SETFL, flags | O_NONBLOCK) != 0) {
		SPDK_WARNLOG("fd group %p: cannot make eventfd %d (%s) non-blocking: %s\n",
			     (void *)fgrp, efd, h->name, strerror(errno));
	}

	TAILQ_INSERT_TAIL(&fgrp->handlers, h, link);
	fgrp->nr_handlers++;
	root_of(fgrp)->nr_registered++;
	return 0;
}

PW_EXPORT int
spdk_fd_group_add_for_events(struct spdk_fd_group *fgrp, int efd, uint32_t events,
			     spdk_fd_fn fn, void *arg, const char *name)
{
	struct spdk_event_handler_opts opts;

	spdk_fd_group_get_default_event_handler_opts(&opts, sizeof(opts));
	opts.events = events;
	return spdk_fd_group_add_ext(fgrp, efd, fn, arg, name, &opts);
}

PW_EXPORT int
spdk_fd_group_add(struct spdk_fd_group *fgrp, int efd, spdk_fd_fn fn, void *arg,
		  const char *name)
{
	return spdk_fd_group_add_for_events(fgrp, efd, EPOLLIN, fn, arg, name);
}

PW_EXPORT void
spdk_fd_group_remove(struct spdk_fd_group *fgrp, int efd)
{
	struct spdk_fd_group *root;
	struct fd_handler *h;
	int rc;

	if (!group_ok(fgrp, __func__)) {
		return;
	}
	if (efd < 0) {
		SPDK_ERRLOG("fd group %p: cannot remove fd %d: negative fd\n", (void *)fgrp, efd);
		return;
	}
	h = find_handler(fgrp, efd);
	if (h == NULL) {
		SPDK_ERRLOG("fd group %p: cannot remove fd %d: it is not in this group\n",
			    (void *)fgrp, efd);
		return;
	}

	root = root_of(fgrp);
	rc = handler_ctl(root->epfd, EPOLL_CTL_DEL, h);
	if (rc == -EBADF) {
		/* Closed before removal: the kernel dropped the registration
		 * unless a dup keeps the file open, in which case events may
		 * still point at h, so h lives as long as root's epoll fd. */
		SPDK_ERRLOG("fd group %p: fd %d (%s) was closed before being removed; "
			    "remove fds before closing them\n", (void *)fgrp, efd, h->name);
		h->zombie = true;
	} else if (rc == -ENOENT) {
		SPDK_ERRLOG("fd group %p: fd %d (%s) was no longer registered in epoll "
			    "(closed and reopened before being removed?)\n", (void *)fgrp, efd,
			    h->name);
	} else if (rc != 0) {
		SPDK_ERRLOG("fd group %p: cannot remove fd %d (%s): %s\n", (void *)fgrp, efd,
			    h->name, strerror(-rc));
		return;
	}

	TAILQ_REMOVE(&fgrp->handlers, h, link);
	fgrp->nr_handlers--;
	assert(root->nr_registered > 0);
	root->nr_registered--;
	h->removed = true;
	if (h->zombie) {
		TAILQ_INSERT_TAIL(&root->graveyard, h, link);
	}
	/* A wait that holds h in its batch frees it when done with it. */
	handler_release(h);
}

PW_EXPORT int
spdk_fd_group_event_modify(struct spdk_fd_group *fgrp, int efd, int event_types)
{
	struct fd_handler *h;
	uint32_t old;
	int rc;

	if (!group_ok(fgrp, __func__)) {
		return -EINVAL;
	}
	if (efd < 0) {
		SPDK_ERRLOG("fd group %p: cannot modify fd %d: negative fd\n", (void *)fgrp, efd);
		return -EINVAL;
	}
	h = find_handler(fgrp, efd);
	if (h == NULL) {
		SPDK_ERRLOG("fd group %p: cannot modify fd %d: it is not in this group\n",
			    (void *)fgrp, efd);
		return -EINVAL;
	}

	old = h->events;
	h->events = (uint32_t)event_types;
	rc = handler_ctl(root_of(fgrp)->epfd, EPOLL_CTL_MOD, h);
	if (rc != 0) {
		h->events = old;
		SPDK_ERRLOG("fd group %p: cannot set events 0x%x on fd %d (%s): %s\n",
			    (void *)fgrp, (unsigned)event_types, efd, h->name, strerror(-rc));
	}
	return rc;
}

PW_EXPORT int
spdk_fd_group_get_epoll_event(struct epoll_event *event)
{
	if (event == NULL) {
		SPDK_ERRLOG("spdk_fd_group_get_epoll_event: event is NULL\n");
		return -EINVAL;
	}
	if (g_current_event == NULL) {
		SPDK_ERRLOG("spdk_fd_group_get_epoll_event: no fd group handler is running on "
			    "this thread (call it from a handler during spdk_fd_group_wait())\n");
		return -EINVAL;
	}
	*event = *g_current_event;
	return 0;
}

/* ---- groups ------------------------------------------------------------------ */

PW_EXPORT int
spdk_fd_group_create(struct spdk_fd_group **_fgrp)
{
	struct spdk_fd_group *fgrp;
	int rc;

	if (_fgrp == NULL) {
		SPDK_ERRLOG("spdk_fd_group_create: the result pointer is NULL\n");
		return -EINVAL;
	}
	fgrp = calloc(1, sizeof(*fgrp));
	if (fgrp == NULL) {
		SPDK_ERRLOG("spdk_fd_group_create: out of memory\n");
		return -ENOMEM;
	}
	fgrp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (fgrp->epfd < 0) {
		rc = -errno;
		SPDK_ERRLOG("spdk_fd_group_create: epoll_create1 failed: %s\n", strerror(-rc));
		free(fgrp);
		return rc;
	}
	TAILQ_INIT(&fgrp->handlers);
	TAILQ_INIT(&fgrp->graveyard);
	TAILQ_INIT(&fgrp->children);
	*_fgrp = fgrp;
	return 0;
}

PW_EXPORT void
spdk_fd_group_destroy(struct spdk_fd_group *fgrp)
{
	struct fd_handler *h;

	if (!group_ok(fgrp, __func__)) {
		return;
	}
	if (fgrp->nr_handlers > 0) {
		SPDK_ERRLOG("cannot destroy fd group %p: %" PRIu32 " fds are still in it "
			    "(first: fd %d, %s); remove them first\n", (void *)fgrp,
			    fgrp->nr_handlers, TAILQ_FIRST(&fgrp->handlers)->fd,
			    TAILQ_FIRST(&fgrp->handlers)->name);
		return;
	}
	if (fgrp->parent != NULL) {
		SPDK_ERRLOG("cannot destroy fd group %p: it is nested in fd group %p; "
			    "unnest it first\n", (void *)fgrp, (void *)fgrp->parent);
		return;
	}
	if (!TAILQ_EMPTY(&fgrp->children)) {
		SPDK_ERRLOG("cannot destroy fd group %p: fd group %p is nested in it; "
			    "unnest it first\n", (void *)fgrp, (void *)TAILQ_FIRST(&fgrp->children));
		return;
	}
	close(fgrp->epfd);
	/* No registration can point at these any more (a wait running now
	 * still holds its pinned ones, and frees them). */
	while ((h = TAILQ_FIRST(&fgrp->graveyard)) != NULL) {
		TAILQ_REMOVE(&fgrp->graveyard, h, link);
		h->zombie = false;
		handler_release(h);
	}
	free(fgrp);
}

PW_EXPORT int
spdk_fd_group_get_fd(struct spdk_fd_group *fgrp)
{
	if (!group_ok(fgrp, __func__)) {
		return -EINVAL;
	}
	return fgrp->epfd;
}

PW_EXPORT int
spdk_fd_group_set_wrapper(struct spdk_fd_group *fgrp, spdk_fd_group_wrapper_fn cb_fn,
			  void *ctx)
{
	if (!group_ok(fgrp, __func__)) {
		return -EINVAL;
	}
	if (cb_fn != NULL && fgrp->wrapper_fn != NULL) {
		SPDK_ERRLOG("fd group %p already has a wrapper; clear it (NULL) first\n",
			    (void *)fgrp);
		return -EEXIST;
	}
	if (!TAILQ_EMPTY(&fgrp->children)) {
		SPDK_ERRLOG("fd group %p: a group with nested groups cannot have a wrapper\n",
			    (void *)fgrp);
		return -EINVAL;
	}
	fgrp->wrapper_fn = cb_fn;
	fgrp->wrapper_ctx = ctx;
	return 0;
}

PW_EXPORT int
spdk_fd_group_nest(struct spdk_fd_group *parent, struct spdk_fd_group *child)
{
	struct spdk_fd_group *g;
	int rc;

	if (!group_ok(parent, __func__) || !group_ok(child, __func__)) {
		return -EINVAL;
	}
	if (child->parent != NULL) {
		SPDK_ERRLOG("cannot nest fd group %p in %p: it is already nested in %p\n",
			    (void *)child, (void *)parent, (void *)child->parent);
		return -EINVAL;
	}
	for (g = parent; g != NULL; g = g->parent) {
		if (g == child) {
			SPDK_ERRLOG("cannot nest fd group %p in %p: %s\n", (void *)child,
				    (void *)parent, parent == child ? "a group cannot nest in itself" :
				    "the parent is nested in the child (cycle)");
			return -EINVAL;
		}
	}
	if (parent->wrapper_fn != NULL) {
		SPDK_ERRLOG("cannot nest fd group %p in %p: a group with a wrapper cannot have "
			    "nested groups\n", (void *)child, (void *)parent);
		return -EINVAL;
	}

	rc = subtree_move(child, child, root_of(parent));
	if (rc != 0 && rc != -ENOTRECOVERABLE) {
		return rc;
	}
	child->parent = parent;
	TAILQ_INSERT_TAIL(&parent->children, child, child_link);
	return rc;
}

PW_EXPORT int
spdk_fd_group_unnest(struct spdk_fd_group *parent, struct spdk_fd_group *child)
{
	int rc;

	if (!group_ok(parent, __func__) || !group_ok(child, __func__)) {
		return -EINVAL;
	}
	if (child->parent != parent) {
		SPDK_ERRLOG("cannot unnest fd group %p from %p: it is %s\n", (void *)child,
			    (void *)parent, child->parent ? "nested in another group" : "not nested");
		return -EINVAL;
	}

	rc = subtree_move(child, root_of(parent), child);
	if (rc != 0 && rc != -ENOTRECOVERABLE) {
		return rc;
	}
	TAILQ_REMOVE(&parent->children, child, child_link);
	child->parent = NULL;
	return rc;
}

/* ---- waiting ------------------------------------------------------------------ */

PW_EXPORT int
spdk_fd_group_wait(struct spdk_fd_group *fgrp, int timeout)
{
	struct epoll_event stack_events[WAIT_STACK_EVENTS];
	struct epoll_event *events = stack_events;
	struct fd_handler *h;
	uint32_t max_events;
	int n, i, rc, result;

	if (!group_ok(fgrp, __func__)) {
		return -EINVAL;
	}
	if (fgrp->parent != NULL) {
		if (timeout < 0) {
			SPDK_ERRLOG("fd group %p is nested in %p: an endless wait on it would never "
				    "return (wait on the root instead)\n", (void *)fgrp,
				    (void *)fgrp->parent);
			return -EINVAL;
		}
		SPDK_WARNLOG("fd group %p is nested in %p: its events are reported by the root's "
			     "wait only\n", (void *)fgrp, (void *)fgrp->parent);
		return 0;
	}

	max_events = fgrp->nr_registered;
	if (max_events == 0) {
		if (timeout < 0) {
			SPDK_ERRLOG("fd group %p holds no fd: an endless wait on it would never "
				    "return\n", (void *)fgrp);
			return -EINVAL;
		}
		/* Nothing can be reported: epoll_wait() just sleeps. */
		max_events = 1;
	} else if (max_events > WAIT_STACK_EVENTS) {
		events = malloc(max_events * sizeof(*events));
		if (events == NULL) {
			/* The rest stays ready for the next wait. */
			events = stack_events;
			max_events = WAIT_STACK_EVENTS;
		}
	}
	if (max_events > INT_MAX) {
		max_events = INT_MAX;
	}

	n = epoll_wait(fgrp->epfd, events, (int)max_events, timeout);
	if (n < 0) {
		result = -errno;
		if (result != -EINTR) {
			SPDK_ERRLOG("fd group %p: epoll_wait failed: %s\n", (void *)fgrp,
				    strerror(-result));
		}
		goto out;
	}

	/* Pin the whole batch before any handler can remove one of them. */
	for (i = 0; i < n; i++) {
		h = events[i].data.ptr;
		h->pins++;
	}
	/* From here fgrp may be destroyed by a handler: do not touch it. */
	result = n;
	for (i = 0; i < n; i++) {
		h = events[i].data.ptr;
		if (!h->removed) {
			rc = dispatch(h, &events[i]);
			if (rc < 0 && result >= 0) {
				result = rc;
			}
		}
		h->pins--;
		handler_release(h);
	}

out:
	if (events != stack_events) {
		free(events);
	}
	return result;
}
