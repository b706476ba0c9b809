/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Fault injection (build option -DPW_FAULT_INJECTION=ON; nothing at all
 * otherwise).
 *
 * In such a build every call the library makes to allocate memory (malloc,
 * calloc, realloc, posix_memalign, aligned_alloc, strdup, mmap), to make or use an
 * eventfd, epoll or timerfd, to start a pthread or to pin one, goes through a
 * wrapper that counts it as an injection point and can make it fail, as the
 * real call fails (NULL / -1 with errno, or the error number for the pthread
 * calls). epoll_ctl(EPOLL_CTL_DEL) is not a point: the kernel refuses it only
 * for a bad fd, never for want of resources. A test arms the injector to fail the Nth point from now, once or
 * from then on, runs a scenario, and reads how many points it crossed
 * (test/fault/). The wrappers are macros over the real names, applied only
 * to the library's own files (PW_FAULT_WRAP, set for lib/ alone), so tests
 * and applications call the real functions.
 */

#ifndef PW_FAULT_H
#define PW_FAULT_H

#ifdef PW_FAULT_INJECTION

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Make the nth injection point crossed from now on fail (1: the next one);
 * with sticky, that one and every one after it. 0 disarms. Resets the count
 * of points crossed. Any pthread; the count is process-wide. */
void pw__fault_arm(uint64_t nth, bool sticky);
/* Injection points crossed since the last pw__fault_arm(). */
uint64_t pw__fault_points(void);
/* Failures injected since the last pw__fault_arm(). */
uint64_t pw__fault_injected(void);
/* While suspended, calls are neither counted nor failed: a test retries a
 * refused clean-up as an application would once the shortage is over. */
void pw__fault_suspend(bool suspend);

/* The real declarations first, so that the macros below rename only calls. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>

void *pw__fault_malloc(size_t size);
void *pw__fault_calloc(size_t n, size_t size);
void *pw__fault_realloc(void *p, size_t size);
int pw__fault_posix_memalign(void **p, size_t align, size_t size);
void *pw__fault_aligned_alloc(size_t align, size_t size);
char *pw__fault_strdup(const char *s);
void *pw__fault_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int pw__fault_eventfd(unsigned int initval, int flags);
int pw__fault_epoll_create1(int flags);
int pw__fault_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int pw__fault_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout);
int pw__fault_timerfd_create(int clockid, int flags);
int pw__fault_timerfd_settime(int fd, int flags, const struct itimerspec *new_value,
			      struct itimerspec *old_value);
int pw__fault_pthread_create(pthread_t *th, const pthread_attr_t *attr,
			     void *(*fn)(void *), void *arg);
int pw__fault_pthread_setaffinity_np(pthread_t th, size_t size, const cpu_set_t *set);
int pw__fault_socket(int domain, int type, int protocol);
int pw__fault_bind(int fd, const struct sockaddr *addr, socklen_t len);
int pw__fault_listen(int fd, int backlog);
int pw__fault_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
ssize_t pw__fault_recv(int fd, void *buf, size_t len, int flags);
ssize_t pw__fault_send(int fd, const void *buf, size_t len, int flags);
int pw__fault_flock(int fd, int op);

#if defined(PW_FAULT_WRAP) && !defined(PW_FAULT_IMPL)

#define malloc(size)			pw__fault_malloc(size)
#define calloc(n, size)			pw__fault_calloc(n, size)
#define realloc(p, size)		pw__fault_realloc(p, size)
#define posix_memalign(p, a, size)	pw__fault_posix_memalign(p, a, size)
#define aligned_alloc(a, size)		pw__fault_aligned_alloc(a, size)
#define strdup(s)			pw__fault_strdup(s)
#define mmap(a, l, p, f, fd, o)		pw__fault_mmap(a, l, p, f, fd, o)
#define eventfd(v, flags)		pw__fault_eventfd(v, flags)
#define epoll_create1(flags)		pw__fault_epoll_create1(flags)
#define epoll_ctl(e, op, fd, ev)	pw__fault_epoll_ctl(e, op, fd, ev)
#define epoll_wait(e, evs, max, t)	pw__fault_epoll_wait(e, evs, max, t)
#define timerfd_create(c, flags)	pw__fault_timerfd_create(c, flags)
#define timerfd_settime(fd, f, n, o)	pw__fault_timerfd_settime(fd, f, n, o)
#define pthread_create(th, a, fn, arg)	pw__fault_pthread_create(th, a, fn, arg)
#define pthread_setaffinity_np(th, n, s) pw__fault_pthread_setaffinity_np(th, n, s)
#define socket(d, t, p)			pw__fault_socket(d, t, p)
#define bind(fd, a, l)			pw__fault_bind(fd, a, l)
#define listen(fd, b)			pw__fault_listen(fd, b)
#define accept4(fd, a, l, f)		pw__fault_accept4(fd, a, l, f)
#define recv(fd, b, l, f)		pw__fault_recv(fd, b, l, f)
#define send(fd, b, l, f)		pw__fault_send(fd, b, l, f)
#define flock(fd, op)			pw__fault_flock(fd, op)
#endif /* PW_FAULT_WRAP */

#endif /* PW_FAULT_INJECTION */

#endif /* PW_FAULT_H */
