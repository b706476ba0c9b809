/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The fault injector (see pw_fault.h). Built into the library only with
 * -DPW_FAULT_INJECTION=ON; this file is empty otherwise.
 */

#ifdef PW_FAULT_INJECTION

/* This file calls the real functions: no renaming macros here. */
#define PW_FAULT_IMPL
#include "common/pw_fault.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>

/* Relaxed is enough: the counts only order the calls among themselves, and
 * a test reads them after the pthreads it started have joined. */
static _Atomic uint64_t g_points;	/* crossed since arming */
static _Atomic uint64_t g_fail_at;	/* 0: never */
static _Atomic bool g_sticky;
static _Atomic uint64_t g_injected;
static _Atomic bool g_suspended;	/* points neither counted nor failed */

void
pw__fault_arm(uint64_t nth, bool sticky)
{
	atomic_store(&g_fail_at, 0);
	atomic_store(&g_points, 0);
	atomic_store(&g_injected, 0);
	atomic_store(&g_sticky, sticky);
	atomic_store(&g_fail_at, nth);
}

uint64_t
pw__fault_points(void)
{
	return atomic_load(&g_points);
}

uint64_t
pw__fault_injected(void)
{
	return atomic_load(&g_injected);
}

void
pw__fault_suspend(bool suspend)
{
	atomic_store(&g_suspended, suspend);
}

/* Count one injection point; whether it must fail. */
static bool
fail_here(void)
{
	if (atomic_load_explicit(&g_suspended, memory_order_relaxed)) {
		return false;
	}
	uint64_t n = atomic_fetch_add_explicit(&g_points, 1, memory_order_relaxed) + 1;
	uint64_t at = atomic_load_explicit(&g_fail_at, memory_order_relaxed);

	if (at == 0 || n < at || (n > at && !atomic_load_explicit(&g_sticky, memory_order_relaxed))) {
		return false;
	}
	atomic_fetch_add_explicit(&g_injected, 1, memory_order_relaxed);
	return true;
}

void *
pw__fault_malloc(size_t size)
{
	if (fail_here()) {
		errno = ENOMEM;
		return NULL;
	}
	return malloc(size);
}

void *
pw__fault_calloc(size_t n, size_t size)
{
	if (fail_here()) {
		errno = ENOMEM;
		return NULL;
	}
	return calloc(n, size);
}

void *
pw__fault_realloc(void *p, size_t size)
{
	if (fail_here()) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, size);
}

int
pw__fault_posix_memalign(void **p, size_t align, size_t size)
{
	if (fail_here()) {
		return ENOMEM;
	}
	return posix_memalign(p, align, size);
}

void *
pw__fault_aligned_alloc(size_t align, size_t size)
{
	if (fail_here()) {
		errno = ENOMEM;
		return NULL;
	}
	return aligned_alloc(align, size);
}

char *
pw__fault_strdup(const char *s)
{
	if (fail_here()) {
		errno = ENOMEM;
		return NULL;
	}
	return strdup(s);
}

void *
pw__fault_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fail_here()) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return mmap(addr, len, prot, flags, fd, off);
}

int
pw__fault_eventfd(unsigned int initval, int flags)
{
	if (fail_here()) {
		errno = EMFILE;
		return -1;
	}
	return eventfd(initval, flags);
}

int
pw__fault_epoll_create1(int flags)
{
	if (fail_here()) {
		errno = EMFILE;
		return -1;
	}
	return epoll_create1(flags);
}

int
pw__fault_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	/* Removing a registration fails only for a bad fd, never for want of
	 * resources: EPOLL_CTL_DEL is not an injection point. */
	if (op != EPOLL_CTL_DEL && fail_here()) {
		errno = ENOMEM;
		return -1;
	}
	return epoll_ctl(epfd, op, fd, ev);
}

int
pw__fault_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	if (fail_here()) {
		errno = EINTR;
		return -1;
	}
	return epoll_wait(epfd, evs, max, timeout);
}

int
pw__fault_timerfd_create(int clockid, int flags)
{
	if (fail_here()) {
		errno = EMFILE;
		return -1;
	}
	return timerfd_create(clockid, flags);
}

int
pw__fault_timerfd_settime(int fd, int flags, const struct itimerspec *new_value,
			  struct itimerspec *old_value)
{
	if (fail_here()) {
		errno = EINVAL;
		return -1;
	}
	return timerfd_settime(fd, flags, new_value, old_value);
}

int
pw__fault_pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *),
			 void *arg)
{
	if (fail_here()) {
		return EAGAIN;
	}
	return pthread_create(th, attr, fn, arg);
}

int
pw__fault_pthread_setaffinity_np(pthread_t th, size_t size, const cpu_set_t *set)
{
	if (fail_here()) {
		return EINVAL;
	}
	return pthread_setaffinity_np(th, size, set);
}


/* The RPC server's sockets and its lock file. */

int
pw__fault_socket(int domain, int type, int protocol)
{
	if (fail_here()) {
		errno = EMFILE;
		return -1;
	}
	return socket(domain, type, protocol);
}

int
pw__fault_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	if (fail_here()) {
		errno = ENOMEM;
		return -1;
	}
	return bind(fd, addr, len);
}

int
pw__fault_listen(int fd, int backlog)
{
	if (fail_here()) {
		errno = ENOBUFS;
		return -1;
	}
	return listen(fd, backlog);
}

int
pw__fault_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	if (fail_here()) {
		errno = EMFILE;
		return -1;
	}
	return accept4(fd, addr, len, flags);
}

ssize_t
pw__fault_recv(int fd, void *buf, size_t len, int flags)
{
	if (fail_here()) {
		errno = ECONNRESET;
		return -1;
	}
	return recv(fd, buf, len, flags);
}

ssize_t
pw__fault_send(int fd, const void *buf, size_t len, int flags)
{
	if (fail_here()) {
		errno = ECONNRESET;
		return -1;
	}
	return send(fd, buf, len, flags);
}

int
pw__fault_flock(int fd, int op)
{
	if (fail_here()) {
		errno = ENOLCK;
		return -1;
	}
	return flock(fd, op);
}

#else

/* ISO C wants a translation unit to declare something. */
typedef int pw_fault_injection_is_off;

#endif /* PW_FAULT_INJECTION */
