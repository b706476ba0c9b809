#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Smoke test of examples/poller_perf: poller_perf.sh <bindir>
#
# Runs "poller_perf -b 1000 -l 0 -t 1" and "-l 1" and checks the exit code and
# SPDK's summary lines (the figures are not judged, only their form and that
# the counts are consistent), the PW_PERF_REPORT extras, that an SPDK option
# (-m) goes through spdk_app_parse_args(), and bad options.

set -u

# fail, allowed/has_cpu, temp_files, exit_if_failed
# shellcheck source=examples/tests/common.bash
. "$(dirname "$0")/common.bash"

bindir=${1:?usage: poller_perf.sh <bindir>}
prog=$bindir/poller_perf
temp_files
# The RPC server on a private path.
rpc=(-r "$rpcdir/spdk.sock")

[[ -x $prog ]] || { echo "no executable $prog"; exit 1; }

# check_summary <label> <pollers> <period>
check_summary() {
	local label=$1 n=$2 period=$3 busy runs hz cyc nsec
	local first="Running $n pollers for 1 seconds with $period microseconds period."
	[[ $(sed -n 1p "$out") == "$first" ]] || fail "$label: first line"
	[[ $(grep -c $'^\r ======================================$' "$out") == 2 ]] ||
		fail "$label: expected two separator lines"
	busy=$(sed -n $'s/^\r busy:\\([0-9]*\\) (cyc)$/\\1/p' "$out")
	runs=$(sed -n $'s/^\r total_run_count: \\([0-9]*\\)$/\\1/p' "$out")
	hz=$(sed -n $'s/^\r tsc_hz: \\([0-9]*\\) (cyc)$/\\1/p' "$out")
	cyc=$(sed -n $'s/^\r poller_cost: \\([0-9]*\\) (cyc), [0-9]* (nsec)$/\\1/p' "$out")
	nsec=$(sed -n $'s/^\r poller_cost: [0-9]* (cyc), \\([0-9]*\\) (nsec)$/\\1/p' "$out")
	if [[ -z $busy || -z $runs || -z $hz || -z $cyc || -z $nsec ]]; then
		fail "$label: a summary line is missing or malformed"
		return
	fi
	echo "$label: busy $busy, runs $runs, tsc_hz $hz, cost $cyc cyc / $nsec ns"
	[[ $runs -ge $n ]] || fail "$label: total_run_count $runs < $n pollers"
	[[ $hz -gt 0 && $busy -gt 0 ]] || fail "$label: zero busy or tsc_hz"
	[[ $cyc == $((busy / runs)) ]] || fail "$label: cost $cyc != busy / runs"
	[[ $nsec == $((cyc * 1000000000 / hz)) ]] || fail "$label: nsec $nsec != cyc * 1e9 / hz"
	[[ $(wc -l < "$out") == 7 ]] || fail "$label: expected 7 lines"
}

for period in 0 1; do
	"$prog" "${rpc[@]}" -b 1000 -l "$period" -t 1 > "$out" 2> "$err"
	rc=$?
	[[ $rc == 0 ]] || fail "-l $period exited $rc"
	check_summary "poller_perf -b 1000 -l $period -t 1" 1000 "$period"
done

# -m is SPDK's option, parsed by spdk_app_parse_args().
"$prog" "${rpc[@]}" -m 0x1 -b 3 -l 0 -t 1 > "$out" 2> "$err" || fail "-m 0x1 -b 3 run failed"
check_summary "poller_perf -m 0x1 -b 3 -l 0 -t 1" 3 0

PW_PERF_REPORT=1 "$prog" "${rpc[@]}" -b 10 -l 0 -t 1 > "$out" 2> "$err" || fail "PW_PERF_REPORT=1 run failed"
for key in poller_cost_exact poller_floor_before poller_floor_after; do
	grep -Eq "^$key [0-9]+\.[0-9]+ ns$" "$err" || fail "no '$key' line on stderr"
done
grep -Eq '^vm_rss [1-9][0-9]* kB$' "$err" || fail "no vm_rss line"
grep -Eq '^vm_hwm [1-9][0-9]* kB$' "$err" || fail "no vm_hwm line"
grep -Eq '^startup_app_start_to_first_cb [0-9]+\.[0-9] us$' "$err" || fail "no startup line"

# Bad values: a message on stderr, exit 1, nothing run.
for bad in "-b 0 -t 1" "-b 1001 -t 1" "-b 10" "-b 10 -t 0"; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$prog" "${rpc[@]}" $bad > "$out" 2> "$err"
	rc=$?
	[[ $rc == 1 ]] || fail "poller_perf $bad: exited $rc, expected 1"
	[[ -s $err ]] || fail "poller_perf $bad: no message"
	! grep -q '^Running' "$out" || fail "poller_perf $bad: ran anyway"
done
# Unparsable values and unknown options: spdk_app_parse_args() fails (2, as SPDK).
for bad in "-b x -t 1" "-b 10 -l -1 -t 1" "-z"; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$prog" "${rpc[@]}" $bad > "$out" 2> "$err"
	rc=$?
	[[ $rc == 2 ]] || fail "poller_perf $bad: exited $rc, expected 2"
	[[ -s $err ]] || fail "poller_perf $bad: no message"
	! grep -q '^Running' "$out" || fail "poller_perf $bad: ran anyway"
done
"$prog" "${rpc[@]}" -h > "$out" 2> "$err"
rc=$?
[[ $rc == 0 ]] || fail "poller_perf -h: exited $rc, expected 0"
grep -q -- '-b <number>' "$out" || fail "poller_perf -h: the tool's options are not in the usage"

exit_if_failed
echo "poller_perf: all checks passed"
