#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Test of examples/hello_event: hello_event.sh <bindir>
#
# Runs the example for 2 s on one core and (when cpus 0 and 1 are usable) on
# two, and checks its lines: one "hello event" per core of the mask, exactly
# one "hello reader" on the last core, "hello poller" lines only from that
# core, "hello_event: done" last, exit 0 and no error on stderr. How many
# "hello poller" lines fit in 2 s is the machine's business (a loaded machine
# may give none): that the poller runs again and again is checked by a long
# run ended with SIGINT once two "hello poller" lines are out. Then the same
# with SIGINT (and SIGTERM) sent about 0.5 s after the reader said hello,
# which must end the run the orderly way, and bad options.

set -u

# fail, allowed/has_cpu, temp_files, exit_if_failed
# shellcheck source=examples/tests/common.bash
. "$(dirname "$0")/common.bash"

bindir=${1:?usage: hello_event.sh <bindir>}
prog=$bindir/hello_event
temp_files
# The RPC server on a private path.
rpc=(-r "$rpcdir/spdk.sock")

[[ -x $prog ]] || { echo "no executable $prog"; exit 1; }

scale=${PW_TEST_TIMEOUT_SCALE:-1}
[[ $scale =~ ^[1-9][0-9]*$ ]] || scale=1

# check_output <label> <min hello poller lines> <cores of the mask...>
check_output() {
	local label=$1 min_polls=$2 last readers polls events core
	shift 2
	last=${!#}
	readers=$(grep -c '^hello reader' "$out")
	polls=$(grep -c '^hello poller' "$out")
	events=$(grep -c '^hello event' "$out")
	[[ $readers == 1 ]] || fail "$label: $readers 'hello reader' lines, expected 1"
	grep -qx "hello reader (thread first_reader_thread on core $last)" "$out" ||
		fail "$label: the reader did not run on core $last"
	# Callers ask for poller lines only of runs that waited for them; the
	# period is measured by bench/wakeup_latency, not tested here.
	[[ $polls -ge $min_polls ]] || fail "$label: $polls 'hello poller' lines, expected >= $min_polls"
	! grep '^hello poller' "$out" | grep -qvx "hello poller (core $last)" ||
		fail "$label: a 'hello poller' line not from core $last"
	[[ $events == "$#" ]] || fail "$label: $events 'hello event' lines, expected $#"
	for core in "$@"; do
		[[ $(grep -cx "hello event (core $core)" "$out") == 1 ]] ||
			fail "$label: not exactly one 'hello event (core $core)'"
	done
	! grep -Ev '^(hello (reader|poller|event) .*|hello_event: done)$' "$out" | grep -q . ||
		fail "$label: unexpected line(s) on stdout"
	[[ $(grep -c '^hello_event: done$' "$out") == 1 ]] || fail "$label: not one 'done' line"
	[[ $(tail -n1 "$out") == "hello_event: done" ]] || fail "$label: last line is not 'done'"
	! grep -Eq '\*(ERROR|WARNING)\*|^hello_event:' "$err" || fail "$label: error on stderr"
}

# run_ok <args...>: a timed run of 2 s.
run_ok() {
	local rc
	"$prog" "${rpc[@]}" "$@" -t 2 > "$out" 2> "$err"
	rc=$?
	echo "hello_event $* -t 2: exit $rc, $(grep -c '^hello poller' "$out") hello poller line(s)"
	[[ $rc == 0 ]] || fail "hello_event $* -t 2 exited $rc"
}

# run_signal <signal> <args...>: a long run ended by a signal, sent about
# 0.5 s after the reader said hello.
run_signal() {
	run_signal_after "^hello reader" 1 "$@"
}

# run_signal_after <pattern> <count> <signal> <args...>: a long run ended by
# a signal, sent about 0.5 s after <count> lines matching <pattern> are out.
run_signal_after() {
	local pattern=$1 count=$2 sig=$3 rc pid start elapsed
	shift 3
	# Empty the files first: the background job opens them asynchronously, and
	# the loop below must not see the previous run's "hello reader".
	: > "$out"
	: > "$err"
	start=$(date +%s%N)
	"$prog" "${rpc[@]}" "$@" -t 60 > "$out" 2> "$err" &
	pid=$!
	# Wait (up to 20 s, times the scale: sanitizer builds start slowly, a
	# loaded machine runs them slowly) for the lines, so that the framework's
	# handlers are in place, then a little more.
	for _ in $(seq 1 $((400 * scale))); do
		(($(grep -c -- "$pattern" "$out") >= count)) && break
		sleep 0.05
	done
	(($(grep -c -- "$pattern" "$out") >= count)) ||
		fail "hello_event $*: not $count line(s) '$pattern' within $((20 * scale)) s"
	sleep 0.5
	kill -s "$sig" "$pid" 2> /dev/null || fail "hello_event $*: ended before SIG$sig"
	wait "$pid"
	rc=$?
	elapsed=$((($(date +%s%N) - start) / 1000000))
	echo "hello_event $* -t 60, SIG$sig after $count line(s) '$pattern': exit $rc after $elapsed ms"
	[[ $rc == 0 ]] || fail "hello_event $*: SIG$sig gave exit $rc"
	[[ $elapsed -lt 50000 ]] || fail "hello_event $*: SIG$sig did not end the run"
}

# run_bad <text expected on stderr> <args...>
run_bad() {
	local want=$1 rc
	shift
	"$prog" "${rpc[@]}" "$@" > "$out" 2> "$err"
	rc=$?
	[[ $rc == 1 ]] || fail "hello_event $* exited $rc, expected 1"
	grep -qF -- "$want" "$err" || fail "hello_event $*: stderr lacks '$want'"
	! grep -q '^hello ' "$out" || fail "hello_event $*: ran anyway"
}

if has_cpu 0; then
	run_ok -m 0x1
	check_output "-m 0x1 -t 2" 0 0
	run_signal_after "^hello poller" 2 INT -m 0x1
	check_output "-m 0x1, SIGINT after 2 hello poller lines" 2 0
	run_signal INT -m 0x1
	check_output "-m 0x1, SIGINT" 0 0
else
	echo "cpu 0 is not usable: one-core runs skipped"
fi

if [[ $(nproc) -lt 2 ]] || ! has_cpu 0 || ! has_cpu 1; then
	echo "cpus 0 and 1 are not both usable (nproc $(nproc)): two-core runs skipped"
else
	run_ok -m 0x3
	check_output "-m 0x3 -t 2" 0 0 1
	run_signal_after "^hello poller" 2 INT -m 0x3
	check_output "-m 0x3, SIGINT after 2 hello poller lines" 2 0 1
	run_signal INT -m 0x3
	check_output "-m 0x3, SIGINT" 0 0 1
	run_signal TERM -m 0x3
	check_output "-m 0x3, SIGTERM" 0 0 1
fi

run_bad "core mask '0xzz'" -m 0xzz
run_bad "-t wants a whole number" -t x
run_bad "-t wants a whole number" -t 0
run_bad "-t wants a whole number" -t 5s
run_bad "unknown option '-x'" -x
run_bad "unexpected argument 'extra'" -t 1 extra

"$prog" "${rpc[@]}" -h > "$out" 2> "$err" || fail "hello_event -h should exit 0"
grep -q -- "-t <seconds>" "$out" || fail "hello_event -h: no -t in the usage text"
grep -q -- "--cpumask" "$out" || fail "hello_event -h: no SPDK options in the usage text"

exit_if_failed
echo "hello_event: all checks passed"
