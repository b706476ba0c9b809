/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * The standard C and POSIX headers every Pinwheel (and SPDK) header may rely on.
 *
 * Programs written for SPDK include "spdk/stdinc.h" first and then use the C
 * library freely; this header gives them the same set of system headers.
 */

#ifndef SPDK_STDINC_H
#define SPDK_STDINC_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

/* C standard library */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* POSIX */
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#endif /* SPDK_STDINC_H */
