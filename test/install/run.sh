#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Build the programs of test/install against an *installed* Pinwheel through
# pkg-config, with nothing from the source tree but the .c files, and run
# them:
#   consumer.c   env init/fini through the installed headers and library
#   nvmf_like.c  SPDK's nvmf_main.c pattern: a main that only calls
#                spdk_app_start(), a subsystem linked in (init before the start
#                function, fini at stop), spdk_memzone_dump() at start
#                (MEMZONE_DUMP) and on SIGUSR1, SIGINT stops it
#   svc_like.c   SPDK's bdev_svc.c pattern: spdk_unaffinitize_thread() when no
#                -m is given, a sentinel file, a shutdown callback on SIGTERM
#
# Usage: test/install/run.sh PREFIX   (what `cmake --install build --prefix` got)
# Needs gcc and pkg-config. Every wait is bounded (PW_INSTALL_TIMEOUT seconds,
# default 60), so a hang fails the run instead of stalling CI.
set -euo pipefail

prefix=${1:?usage: $0 PREFIX}
src=$(cd "$(dirname "$0")" && pwd)
limit=${PW_INSTALL_TIMEOUT:-60}

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib/$(gcc -print-multiarch 2>/dev/null)/pkgconfig
LD_LIBRARY_PATH=$(pkg-config --variable=libdir pinwheel)
export LD_LIBRARY_PATH

work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "test/install: $*" >&2
	for f in "$work"/*.out "$work"/*.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
	done
	exit 1
}

# Wait until file $1 has a line matching $2 (grep -E), or fail; fail at once
# if process $3 (when given) has exited meanwhile.
wait_for_line() {
	local deadline=$((SECONDS + limit))
	until grep -qE -- "$2" "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || fail "no line matching '$2' in $1 after ${limit}s"
		if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then
			grep -qE -- "$2" "$1" 2>/dev/null && break
			fail "process $3 exited before printing a line matching '$2'"
		fi
		sleep 0.1
	done
}

# Wait for process $1 to exit, or fail; its exit status goes to $rc.
wait_exit() {
	local pid=$1 deadline=$((SECONDS + limit))
	while kill -0 "$pid" 2>/dev/null; do
		if [ $SECONDS -ge $deadline ]; then
			fail "process $pid did not exit within ${limit}s"
		fi
		sleep 0.1
	done
	rc=0
	wait "$pid" || rc=$?
}

for prog in consumer nvmf_like svc_like; do
	cp "$src/$prog.c" "$work/"
	# shellcheck disable=SC2046
	gcc -Wall -Wextra -Werror -o "$work/$prog" "$work/$prog.c" $(pkg-config --cflags --libs pinwheel)
done

echo "test/install: consumer"
timeout "$limit" "$work/consumer"

echo "test/install: nvmf_like (subsystem, memzone dump at start and on SIGUSR1, SIGINT)"
MEMZONE_DUMP=1 "$work/nvmf_like" -r "$work/nvmf.sock" >"$work/nvmf.out" 2>"$work/nvmf.err" &
pid=$!
pids+=("$pid")
wait_for_line "$work/nvmf.out" '^nvmf_like: started$' "$pid"
grep -q '^install_demo: init$' "$work/nvmf.out" || fail "the subsystem's init did not run"
[ "$(grep -n '^install_demo: init$' "$work/nvmf.out" | cut -d: -f1)" -lt \
  "$(grep -n '^nvmf_like: started$' "$work/nvmf.out" | cut -d: -f1)" ] ||
	fail "the subsystem's init ran after the start function"
wait_for_line "$work/nvmf.out" '^No DPDK memzones: .*: 1$'
wait_for_line "$work/nvmf.out" '^Zone 0: name:<install_demo>, len:0x1000'
kill -USR1 "$pid"
deadline=$((SECONDS + limit))
until [ "$(grep -c '^Zone 0: name:<install_demo>' "$work/nvmf.out")" -ge 2 ]; do
	[ $SECONDS -lt $deadline ] || fail "SIGUSR1 gave no memzone dump within ${limit}s"
	sleep 0.1
done
kill -INT "$pid"
wait_exit "$pid"
[ "$rc" = 0 ] || fail "nvmf_like exited with $rc after SIGINT"
grep -q '^install_demo: fini$' "$work/nvmf.out" || fail "the subsystem's fini did not run"

echo "test/install: svc_like (unaffinitize, sentinel, shutdown_cb on SIGTERM)"
PW_SVC_SENTINEL_DIR=$work "$work/svc_like" -i 7 -r "$work/svc.sock" \
	>"$work/svc.out" 2>"$work/svc.err" &
pid=$!
pids+=("$pid")
wait_for_line "$work/svc.out" '^svc_like: started' "$pid"
[ -e "$work/pw_svc_like7" ] || fail "svc_like created no sentinel file"
# Pinned to core 0 by spdk_app_start(), unpinned to every cpu this process was
# given (as many as nproc, which reads the same affinity mask).
grep -qE "^svc_like: started, cpus 1 -> $(nproc), tid [0-9]+$" "$work/svc.out" ||
	fail "svc_like was not unpinned to $(nproc) cpu(s): $(cat "$work/svc.out")"
kill -TERM "$pid"
wait_exit "$pid"
[ "$rc" = 0 ] || fail "svc_like exited with $rc after SIGTERM"
grep -q '^svc_like: shutdown$' "$work/svc.out" || fail "the shutdown callback did not run"
[ ! -e "$work/pw_svc_like7" ] || fail "the shutdown callback left the sentinel file"

echo "test/install: passed"
