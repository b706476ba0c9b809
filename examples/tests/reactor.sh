#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Smoke test of examples/reactor: reactor.sh <bindir>
#
# Runs "reactor -t 1" and checks its lines as SPDK's tool prints them:
# "test_start", then "oneshot" exactly once, "tick 100/250/500" lines, and
# "test_end" last. Tick counts are only bounded from above (a timed poller
# cannot fire more often than its period: at most 9, 3 and 1 in one second,
# since the end poller was registered first); a loaded machine may make
# fewer, so only one "tick 100" is required. Then bad options.

set -u

# fail, allowed/has_cpu, temp_files, exit_if_failed
# shellcheck source=examples/tests/common.bash
. "$(dirname "$0")/common.bash"

bindir=${1:?usage: reactor.sh <bindir>}
prog=$bindir/reactor
temp_files
# The RPC server on a private path (examples/example_rpc.h).
export PW_RPC_SOCKET=$rpcdir/spdk.sock

[[ -x $prog ]] || { echo "no executable $prog"; exit 1; }

"$prog" -t 1 > "$out" 2> "$err"
rc=$?
[[ $rc == 0 ]] || fail "reactor -t 1 exited $rc"
[[ $(sed -n 1p "$out") == "test_start" ]] || fail "first line is not test_start"
[[ $(sed -n 2p "$out") == "oneshot" ]] || fail "second line is not oneshot"
[[ $(grep -c '^oneshot$' "$out") == 1 ]] || fail "oneshot printed more than once"
[[ $(tail -n1 "$out") == "test_end" ]] || fail "last line is not test_end"
[[ $(grep -c '^test_end$' "$out") == 1 ]] || fail "test_end printed more than once"
! grep -q '^never' "$out" || fail "the poller unregistered before its first run ran"
! grep -Ev '^(test_start|oneshot|test_end|tick (100|250|500))$' "$out" | grep -q . ||
	fail "unexpected line(s)"
t100=$(grep -c '^tick 100$' "$out")
t250=$(grep -c '^tick 250$' "$out")
t500=$(grep -c '^tick 500$' "$out")
echo "reactor -t 1: tick 100 x$t100, tick 250 x$t250, tick 500 x$t500"
[[ $t100 -ge 1 && $t100 -le 9 ]] || fail "tick 100 printed $t100 times (1 to 9 expected)"
[[ $t250 -le 3 ]] || fail "tick 250 printed $t250 times (at most 3)"
[[ $t500 -le 1 ]] || fail "tick 500 printed $t500 times (at most 1)"

PW_PERF_REPORT=1 "$prog" -t 1 > "$out" 2> "$err" || fail "PW_PERF_REPORT=1 run failed"
grep -Eq '^startup_app_start_to_first_cb [0-9]+\.[0-9] us$' "$err" || fail "no startup line"
grep -Eq '^shutdown_stop_to_return [0-9]+\.[0-9] us$' "$err" || fail "no shutdown line"

for bad in "" "-t 0" "-t -2" "-t x" "-x" "-t 1 extra"; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$prog" $bad > "$out" 2> "$err"
	rc=$?
	[[ $rc == 1 ]] || fail "reactor $bad: exited $rc, expected 1"
	grep -q 'options' "$out" || fail "reactor $bad: no usage text"
	! grep -q '^test_start' "$out" || fail "reactor $bad: ran anyway"
done

exit_if_failed
echo "reactor: all checks passed"
