#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Smoke test of examples/reactor_perf: reactor_perf.sh <bindir>
#
# Runs "reactor_perf -t 1" with queue depths 1 and 128 and checks the exit
# code and SPDK's lines (test_start, test_end, "Performance: N events per
# second" with N > 0; the figure itself is not judged). Then stops a long run
# with SIGTERM ("test_abort", exit 0, within a few seconds: chains of events
# that resend themselves must not keep the application from stopping), and
# checks bad options.

set -u

# fail, allowed/has_cpu, temp_files, exit_if_failed
# shellcheck source=examples/tests/common.bash
. "$(dirname "$0")/common.bash"

bindir=${1:?usage: reactor_perf.sh <bindir>}
prog=$bindir/reactor_perf
temp_files
# The RPC server on a private path (examples/example_rpc.h).
export PW_RPC_SOCKET=$rpcdir/spdk.sock

[[ -x $prog ]] || { echo "no executable $prog"; exit 1; }

for q in "" 1 128; do
	args=(-t 1)
	[[ -n $q ]] && args+=(-q "$q")
	"$prog" "${args[@]}" > "$out" 2> "$err"
	rc=$?
	[[ $rc == 0 ]] || fail "reactor_perf ${args[*]} exited $rc"
	[[ $(sed -n 1p "$out") == "test_start" ]] || fail "${args[*]}: first line"
	[[ $(sed -n 2p "$out") == "test_end" ]] || fail "${args[*]}: second line"
	grep -Eq '^Performance: +[1-9][0-9]* events per second$' "$out" ||
		fail "${args[*]}: no Performance line with a count"
	[[ $(wc -l < "$out") == 3 ]] || fail "${args[*]}: expected 3 lines"
done

# SIGTERM once the handlers are in (SigCgt has SIGTERM's bit, 1 << 14).
"$prog" -t 60 -q 4 > "$out" 2> "$err" &
pid=$!
for _ in $(seq 1 100); do
	cgt=$(awk '/^SigCgt:/ { print $2 }' "/proc/$pid/status" 2> /dev/null)
	[[ -n $cgt && $(( 0x$cgt & 0x4000 )) != 0 ]] && break
	sleep 0.05
done
start=$(date +%s%N)
kill -TERM "$pid"
for _ in $(seq 1 100); do
	kill -0 "$pid" 2> /dev/null || break
	sleep 0.05
done
if kill -0 "$pid" 2> /dev/null; then
	fail "reactor_perf still running 5 s after SIGTERM"
	kill -KILL "$pid"
fi
wait "$pid"
rc=$?
echo "reactor_perf: stopped $((($(date +%s%N) - start) / 1000000)) ms after SIGTERM, exit $rc"
[[ $rc == 0 ]] || fail "SIGTERM: exit $rc, expected 0"
grep -q '^test_abort$' "$out" || fail "SIGTERM: no test_abort line"
grep -Eq '^Performance: +[0-9]+ events per second$' "$out" || fail "SIGTERM: no Performance line"

for bad in "" "-q 4" "-t 0" "-x" "-t 1 extra"; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$prog" $bad > "$out" 2> "$err"
	rc=$?
	[[ $rc == 1 ]] || fail "reactor_perf $bad: exited $rc, expected 1"
	grep -q 'options' "$out" || fail "reactor_perf $bad: no usage text"
done
for bad in "-t -1" "-t x" "-q -3 -t 1"; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$prog" $bad > "$out" 2> "$err"
	rc=$?
	[[ $rc == 1 ]] || fail "reactor_perf $bad: exited $rc, expected 1"
	grep -q 'Converting a string to integer failed' "$err" || fail "reactor_perf $bad: no message"
	! grep -q '^test_start' "$out" || fail "reactor_perf $bad: ran anyway"
done

exit_if_failed
echo "reactor_perf: all checks passed"
