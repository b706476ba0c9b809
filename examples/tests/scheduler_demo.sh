#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Test of examples/scheduler_demo: scheduler_demo.sh <bindir>
#
# Runs the demo for 3 s on cores 0 and 1 under each scheduler and checks its
# lines: a header, then for every second t=1s..t=3s one line per core whose
# threads, over both lines (and the "not started yet" ones), are the six
# threads exactly once; "done" last; exit 0 and no error. Under static no
# thread changes core from t=2s on and nothing is
# logged as moved; under dynamic with -L scheduler every logged move names a
# reason and the loads (whether a move happens depends on how loaded the
# machine is, so none is required). Then bad options.

set -u

# fail, allowed/has_cpu, temp_files, exit_if_failed
# shellcheck source=examples/tests/common.bash
. "$(dirname "$0")/common.bash"

bindir=${1:?usage: scheduler_demo.sh <bindir>}
prog=$bindir/scheduler_demo
temp_files

[[ -x $prog ]] || { echo "no executable $prog"; exit 1; }
cpus_list=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
if ! taskset -c 0,1 true 2>/dev/null; then
	echo "cpus 0 and 1 are not both usable ($cpus_list): skipped"
	exit 77
fi

threads="burst full idle0 idle1 steady30a steady30b"

# check_seconds <label>: every second lists the six threads exactly once.
check_seconds() {
	local label=$1 t got
	for t in 1 2 3; do
		grep -qE "^t=${t}s core 0: +[0-9]+%" "$out" || fail "$label: no line for core 0 at t=${t}s"
		grep -qE "^t=${t}s core 1: +[0-9]+%" "$out" || fail "$label: no line for core 1 at t=${t}s"
		got=$( (grep -E "^t=${t}s core [01]:" "$out" | sed 's/^[^%]*%//'
			grep -E "^t=${t}s not started yet:" "$out" | sed 's/^.*: //') |
			tr ' ' '\n' | grep -v '^$' | sort | tr '\n' ' ')
		[[ $got == "$threads " ]] || fail "$label: t=${t}s lists '$got', expected '$threads '"
	done
	[[ $(tail -n 1 "$out") == "scheduler_demo: done" ]] || fail "$label: 'done' is not last"
	grep -q '\*ERROR\*' "$err" && fail "$label: an error was logged"
}

# static: placement never changes
if ! "$prog" -t 3 -S static -L scheduler >"$out" 2>"$err"; then
	fail "static: exit status $?"
fi
check_seconds static
grep -q "^scheduler_demo: scheduler static, period 0 us" "$out" ||
	fail "static: header missing or a period set"
for c in 0 1; do
	n=$(grep -E "^t=[23]s core $c:" "$out" | sed 's/^[^%]*%//' | sort -u | wc -l)
	[[ $n == 1 ]] || fail "static: the threads of core $c changed over the run"
done
grep -q "explain_move" "$err" && fail "static: a move was logged"

# dynamic: moves, if any, are explained
if ! "$prog" -t 3 -S dynamic -P 100000 -L scheduler >"$out" 2>"$err"; then
	fail "dynamic: exit status $?"
fi
check_seconds dynamic
grep -q "^scheduler_demo: scheduler dynamic, period 100000 us" "$out" ||
	fail "dynamic: header missing"
if grep "explain_move" "$err" | grep -vqE "core [01] -> [01], (idle|consolidate|core over limit, fits|core over limit, spread): thread load [0-9.]+% \(demand [0-9.]+%\), core [01] at [0-9.]+%, core [01] at [0-9.]+%"; then
	fail "dynamic: a move logged without its reason and loads"
fi

# bad options
for bad in "-S fair" "-t 0" "-P 10"; do
	# shellcheck disable=SC2086
	if "$prog" $bad >"$out" 2>"$err"; then
		fail "'$bad' was accepted"
	fi
	grep -q "scheduler_demo: -" "$err" || fail "'$bad': no message naming the option"
done

[[ $failures == 0 ]] || { echo "$failures failure(s)"; exit 1; }
echo "scheduler_demo: all checks passed"
