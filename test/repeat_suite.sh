#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Hunt flaky tests: run a build's whole test suite several times in a row,
# optionally while other processes keep every cpu busy, and report each run.
#
#   test/repeat_suite.sh BUILD_DIR RUNS [--load] [-- CTEST_ARGS...]
#
#   --load       start one `yes > /dev/null` per cpu for the whole time
#   CTEST_ARGS   passed to ctest (default: -j <cpus>); e.g. -L 'stress|unit'
#
# Environment (TSAN_OPTIONS, PW_TEST_TIMEOUT_SCALE, ...) is passed through.
# Prints one line per run ("run 3/20: 62 tests, 0 failed, 91 s") and the
# names of failed tests; keeps each failing run's log as
# BUILD_DIR/repeat-<n>.log. Exits 1 if any run failed.
set -uo pipefail

usage() {
	sed -n '5,16p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

[ $# -ge 2 ] || usage
build=$1
runs=$2
shift 2
load=false
if [ "${1:-}" = "--load" ]; then
	load=true
	shift
fi
[ "${1:-}" = "--" ] && shift
cpus=$(nproc 2>/dev/null || echo 2)
ctest_args=("$@")
[ ${#ctest_args[@]} -gt 0 ] || ctest_args=(-j "$cpus")
[ -d "$build" ] || { echo "no build directory $build" >&2; exit 2; }
case $runs in '' | *[!0-9]*) usage ;; esac

loaders=()
cleanup() {
	[ ${#loaders[@]} -gt 0 ] && kill "${loaders[@]}" 2>/dev/null
	wait 2>/dev/null
}
trap cleanup EXIT
if $load; then
	for _ in $(seq "$cpus"); do
		yes >/dev/null &
		loaders+=($!)
	done
	echo "load: ${#loaders[@]} x 'yes > /dev/null' (pids ${loaders[*]})"
fi

bad=0
for n in $(seq "$runs"); do
	start=$(date +%s)
	log=$(cd "$build" && ctest "${ctest_args[@]}" 2>&1)
	rc=$?
	secs=$(($(date +%s) - start))
	summary=$(printf '%s\n' "$log" | grep -E 'tests passed|tests failed' | tail -n 1)
	printf 'run %d/%d: rc %d, %s, %d s\n' "$n" "$runs" "$rc" "${summary:-no summary}" "$secs"
	if [ $rc -ne 0 ]; then
		bad=$((bad + 1))
		printf '%s\n' "$log" > "$build/repeat-$n.log"
		printf '%s\n' "$log" | sed -n '/The following tests FAILED/,$p'
	fi
done
echo "$((runs - bad)) of $runs runs green"
[ $bad -eq 0 ]
