#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Smoke test of examples/event_perf: event_perf.sh <bindir>
#
# Runs event_perf for one second on core 0 and, when two cpus are usable, on
# cores 0 and 1; checks the exit code and SPDK's output lines (no figure is
# judged: timing lives in bench/). Then checks the extra PW_PERF_REPORT lines
# and that bad options exit non-zero with a message. Exits 77 after the
# one-core checks when the machine has a single cpu.

set -u

# fail, allowed/has_cpu, temp_files, exit_if_failed
# shellcheck source=examples/tests/common.bash
. "$(dirname "$0")/common.bash"

bindir=${1:?usage: event_perf.sh <bindir>}
prog=$bindir/event_perf
temp_files
# The RPC server on a private path (examples/example_rpc.h).
export PW_RPC_SOCKET=$rpcdir/spdk.sock

[[ -x $prog ]] || { echo "no executable $prog"; exit 1; }

# run_ok <cores...>: event_perf -m <mask of cores> -t 1
run_ok() {
	local mask=0 c rc
	for c in "$@"; do mask=$((mask | (1 << c))); done
	mask=$(printf '0x%x' "$mask")
	"$prog" -m "$mask" -t 1 > "$out" 2> "$err"
	rc=$?
	[[ $rc == 0 ]] || { fail "-m $mask exited $rc"; return; }
	[[ $(head -n1 "$out") == "Running I/O for 1 seconds...Running I/O for 1 seconds..." ]] ||
		fail "-m $mask: first line"
	for c in "$@"; do
		grep -Eq "^lcore +$c: +[1-9][0-9]*$" "$out" || fail "-m $mask: no lcore $c line with a count"
	done
	[[ $(grep -c '^lcore' "$out") == "$#" ]] || fail "-m $mask: expected $# lcore lines"
	[[ $(tail -n1 "$out") == "done." ]] || fail "-m $mask: last line is not 'done.'"
}

if ! has_cpu 0; then
	echo "cpu 0 is not usable here: skipped"
	exit 77
fi
run_ok 0

# The extra figures (stderr only; stdout stays SPDK's).
PW_PERF_REPORT=1 "$prog" -m 0x1 -t 1 > "$out" 2> "$err" || fail "PW_PERF_REPORT=1 run failed"
for key in startup_main_to_first_cb startup_app_start_to_first_cb shutdown_stop_to_return \
	   shutdown_fini clock_read; do
	grep -Eq "^$key [0-9]+\.[0-9]+ (us|ns)$" "$err" || fail "no '$key' line on stderr"
done
grep -Eq '^vm_rss [1-9][0-9]* kB$' "$err" || fail "no vm_rss line"
grep -Eq '^vm_hwm [1-9][0-9]* kB$' "$err" || fail "no vm_hwm line"
! grep -Eq '^(startup|shutdown|vm_|clock)' "$out" || fail "report lines leaked to stdout"

# PW_EVENT_PERF_PAD=1 changes the counters' layout, not the output.
PW_EVENT_PERF_PAD=1 "$prog" -m 0x1 -t 1 > "$out" 2> "$err" || fail "PW_EVENT_PERF_PAD=1 run failed"
grep -Eq '^lcore +0: +[1-9][0-9]*$' "$out" || fail "PW_EVENT_PERF_PAD=1: no lcore 0 line"

# Bad options: non-zero exit, a message, no figures.
"$prog" > "$out" 2> "$err"
[[ $? == 1 ]] || fail "no -t: expected exit 1"
grep -q 'options' "$out" || fail "no -t: no usage text"
"$prog" -t 1x > "$out" 2> "$err"
[[ $? == 1 ]] || fail "-t 1x: expected exit 1"
grep -q "Invalid run time '1x'" "$err" || fail "-t 1x: no message"
"$prog" -t 1 -q 3 > "$out" 2> "$err"
[[ $? == 1 ]] || fail "-q: expected exit 1 (unknown option)"
"$prog" -m 0x0 -t 1 > "$out" 2> "$err"
rc=$?
[[ $rc != 0 ]] || fail "-m 0x0: expected a non-zero exit"
grep -q "core mask '0x0'" "$err" || fail "-m 0x0: no message naming the mask"
! grep -q '^lcore' "$out" || fail "-m 0x0: printed figures"

exit_if_failed

if [[ $(nproc) -lt 2 ]] || ! has_cpu 0 || ! has_cpu 1; then
	echo "event_perf: one-core checks passed; cpus 0 and 1 are not both usable" \
	     "(nproc $(nproc)): two-core run skipped"
	exit 77
fi
run_ok 0 1
exit_if_failed
echo "event_perf: all checks passed"
