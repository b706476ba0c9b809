#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Test of examples/poller_test: poller_test.sh <bindir>
#
# Runs the example on one core and (when two cpus are usable) on two, sleeping
# when idle (the default) and busy-polling (-b), checks its output, exit code
# and run time, looks at its pthreads with `ps -T` while the two-core run is
# going, then checks that bad options exit 1 with a message on stderr. (How
# much cpu each mode uses is measured by bench/idle_cpu, not tested here.)

set -u

# fail, allowed/has_cpu, temp_files, exit_if_failed
# shellcheck source=examples/tests/common.bash
. "$(dirname "$0")/common.bash"

bindir=${1:?usage: poller_test.sh <bindir>}
prog=$bindir/poller_test
out=$(mktemp)
err=$(mktemp)
pslog=$(mktemp)
trap 'rm -f "$out" "$err" "$pslog"' EXIT

# Slack on the run time: the machine is shared and sanitizer builds are slow
# (PW_TEST_TIMEOUT_SCALE, as the C tests: 3 under ASan, 5 under TSan in CI).
scale=${PW_TEST_TIMEOUT_SCALE:-1}
[[ $scale =~ ^[1-9][0-9]*$ ]] || scale=1
slack=$((${POLLER_TEST_SLACK:-5} * scale))

[[ -x $prog ]] || { echo "no executable $prog"; exit 1; }

# check_output <label> <min hello poller lines> <core of the reader>
check_output() {
	local label=$1 min_polls=$2 core=$3 readers first_reader first_poller polls
	readers=$(grep -c '^hello reader' "$out")
	polls=$(grep -c '^hello poller' "$out")
	first_reader=$(grep -n -m1 '^hello reader' "$out" | cut -d: -f1)
	first_poller=$(grep -n -m1 '^hello poller' "$out" | cut -d: -f1)
	[[ $readers == 1 ]] || fail "$label: $readers 'hello reader' lines, expected 1"
	grep -q "^hello reader (thread first_reader_thread on core $core)$" "$out" ||
		fail "$label: the reader did not run on core $core"
	# How many periods fit in a short run is the machine's business when a
	# sanitizer slows everything (scale > 1) and other processes load the cpus:
	# start-up may eat most of it. Then only "the poller ran" is asserted;
	# its period is measured by bench/wakeup_latency, not tested here.
	((scale > 1 && min_polls > 1)) && min_polls=1
	[[ $polls -ge $min_polls ]] || fail "$label: $polls 'hello poller' lines, expected >= $min_polls"
	! grep '^hello poller' "$out" | grep -qv '^hello poller (core [0-9]*)$' ||
		fail "$label: malformed 'hello poller' line"
	if [[ -n $first_poller && ( -z $first_reader || $first_reader -gt $first_poller ) ]]; then
		fail "$label: 'hello poller' before 'hello reader'"
	fi
	[[ $(tail -n1 "$out") == "poller_test: done" ]] || fail "$label: last line is not 'poller_test: done'"
	[[ ! -s $err ]] || fail "$label: unexpected output on stderr"
}

# run_ok <seconds> <min hello poller lines> <reader core> <args...>
run_ok() {
	local seconds=$1 min_polls=$2 core=$3 start elapsed rc label
	shift 3
	label="poller_test $* -t $seconds"
	label=${label//  / }
	start=$(date +%s%N)
	"$prog" "$@" -t "$seconds" > "$out" 2> "$err"
	rc=$?
	elapsed=$((($(date +%s%N) - start) / 1000000))
	echo "$label: exit $rc after $elapsed ms"
	[[ $rc == 0 ]] || fail "$label exited $rc"
	[[ $elapsed -le $(((seconds + slack) * 1000)) ]] || fail "$label took $elapsed ms"
	check_output "$label" "$min_polls" "$core"
}

# run_bad <text expected on stderr> <args...>
run_bad() {
	local want=$1 rc
	shift
	"$prog" "$@" > "$out" 2> "$err"
	rc=$?
	[[ $rc == 1 ]] || fail "poller_test $* exited $rc, expected 1"
	grep -qF -- "$want" "$err" || fail "poller_test $*: stderr lacks '$want'"
	! grep -q '^hello' "$out" || fail "poller_test $*: ran anyway"
}

# One core (the default mask 0x1): both threads share the main reactor.
if has_cpu 0; then
	run_ok 1 1 0
	# -r on one core: the only core to hop to is the one it is on.
	run_ok 1 2 0 -r -p 100000
	grep '^hello poller' "$out" | grep -qv '(core 0)' && fail "-r -m 0x1: the reader left core 0"
	# -b: the same story, with reactors that never sleep.
	run_ok 1 1 0 -b
	# A short period: the sleeping reactor must wake for every hello.
	run_ok 1 5 0 -p 1000
else
	echo "cpu 0 is not usable: one-core run skipped"
fi

# Two cores: the reader lands on core 1's pinned reactor.
if [[ $(nproc) -lt 2 ]] || ! has_cpu 0 || ! has_cpu 1; then
	echo "cpus 0 and 1 are not both usable (nproc $(nproc)): two-core run skipped"
else
	start=$(date +%s%N)
	"$prog" -m 0x3 -t 2 > "$out" 2> "$err" &
	pid=$!
	if command -v ps > /dev/null; then
		# Wait (up to about a second) for the pinned reactor to show up.
		for _ in $(seq 1 20); do
			ps -T -p "$pid" > "$pslog" 2>&1
			grep -qw 'reactor_1' "$pslog" && break
			sleep 0.05
		done
		echo "ps -T -p $pid while poller_test -m 0x3 -t 2 runs:"
		cat "$pslog"
		grep -Eq "^ *$pid +$pid .* poller_test$" "$pslog" ||
			fail "-m 0x3: ps -T shows no main thread"
		grep -Eq "^ *$pid +[0-9]+ .* reactor_1$" "$pslog" ||
			fail "-m 0x3: ps -T shows no reactor_1 thread"
	else
		echo "no ps: thread check skipped"
	fi
	wait "$pid"
	rc=$?
	elapsed=$((($(date +%s%N) - start) / 1000000))
	echo "poller_test -m 0x3 -t 2: exit $rc after $elapsed ms"
	[[ $rc == 0 ]] || fail "poller_test -m 0x3 -t 2 exited $rc"
	[[ $elapsed -le $(((2 + slack) * 1000)) ]] || fail "poller_test -m 0x3 -t 2 took $elapsed ms"
	check_output "-m 0x3 -t 2" 2 1

	# -r: the reader asks to move (SPDK_THREAD_OP_RESCHED) after every hello,
	# so its hellos alternate between the two reactors, starting on core 1.
	run_ok 2 4 1 -m 0x3 -r -p 100000
	cores=$(sed -n 's/^hello poller (core \([0-9]*\))$/\1/p' "$out" | tr -d '\n')
	[[ $cores =~ ^(10)*1?$ ]] || fail "-m 0x3 -r: the reader did not alternate cores ($cores)"
	run_ok 2 4 1 -m 0x3 -r -p 100000 -b
	cores=$(sed -n 's/^hello poller (core \([0-9]*\))$/\1/p' "$out" | tr -d '\n')
	[[ $cores =~ ^(10)*1?$ ]] || fail "-m 0x3 -r -b: the reader did not alternate cores ($cores)"
fi

run_bad "cannot initialise the environment with core mask '0xzz'" -m 0xzz
if has_cpu 16; then
	echo "cpu 16 is usable here: the unusable-cpu check is skipped"
else
	run_bad "cannot initialise the environment with core mask '0x10000'" -m 0x10000
fi
run_bad "-t wants a whole number" -t 0
run_bad "-t wants a whole number" -t 2x
run_bad "-p wants a whole number" -p -5
run_bad "usage: poller_test" -x
run_bad "unexpected argument 'extra'" extra

"$prog" -h > "$out" 2> "$err"
[[ $? == 0 ]] || fail "poller_test -h should exit 0"
grep -q "^usage: poller_test" "$out" || fail "poller_test -h: no usage text"
grep -q -- "-b  *busy-poll" "$out" || fail "poller_test -h: -b is not described"

exit_if_failed
echo "poller_test: all checks passed"
