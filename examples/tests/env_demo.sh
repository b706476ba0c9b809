#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Test of examples/env_demo: env_demo.sh <bindir>
#
# Runs the demo on one core and (when two cpus are usable) on two, checks each
# core's report line, the summary and the exit code, then checks that bad
# masks exit 1 with a clear message.

set -u

# fail, allowed/has_cpu, temp_files, exit_if_failed
# shellcheck source=examples/tests/common.bash
. "$(dirname "$0")/common.bash"

bindir=${1:?usage: env_demo.sh <bindir>}
demo=$bindir/env_demo
temp_files

# run_ok <mask> <ncores> <main core> <other cores...>
run_ok() {
	local mask=$1 ncores=$2 main=$3
	shift 3
	if ! "$demo" -m "$mask" -t 0.05 > "$out" 2> "$err"; then
		fail "env_demo -m $mask exited $?"
		return
	fi
	local qmask
	qmask=$(printf '%s' "$mask" | sed 's/[][\.*^$]/\\&/g')
	grep -q "^env_demo: $ncores cores (mask $qmask), main core $main, [0-9]* ticks per second$" "$out" ||
		fail "-m $mask: header line"
	grep -Eq "^core $main: cpu [0-9]+, thread .* \(main pthread, not pinned\), [1-9][0-9]* rounds, [1-9][0-9]* ticks" "$out" ||
		fail "-m $mask: main core line"
	for c in "$@"; do
		grep -Eq "^core $c: cpu $c, thread reactor_$c, [1-9][0-9]* rounds, [1-9][0-9]* ticks \([0-9.]+ ms\)$" "$out" ||
			fail "-m $mask: line of core $c"
	done
	grep -q "^summary: $ncores cores, $((ncores - 1)) pinned, [1-9][0-9]* rounds" "$out" ||
		fail "-m $mask: summary line"
	[[ $(grep -c '^core ' "$out") == "$ncores" ]] || fail "-m $mask: expected $ncores core lines"
}

# run_bad <mask> <text expected on stderr>
run_bad() {
	"$demo" -m "$1" > "$out" 2> "$err"
	local rc=$?
	[[ $rc == 1 ]] || fail "env_demo -m '$1' exited $rc, expected 1"
	grep -qF "cannot initialise the environment with core mask '$1'" "$err" ||
		fail "-m '$1': no error message from env_demo"
	grep -qF "$2" "$err" || fail "-m '$1': stderr lacks '$2'"
}

if has_cpu 0; then
	run_ok 0x1 1 0
else
	run_ok "[${allowed[0]}]" 1 "${allowed[0]}"
fi

if has_cpu 0 && has_cpu 1; then
	run_ok 0x3 2 0 1
elif [[ ${#allowed[@]} -ge 2 ]]; then
	run_ok "[${allowed[0]},${allowed[1]}]" 2 "${allowed[0]}" "${allowed[1]}"
else
	echo "only one usable cpu: two-core run skipped"
fi

run_bad 0x0 "selects no core"
run_bad zz "malformed"
run_bad "[1000]" "selects cpu 1000"

"$demo" > "$out" 2> "$err"
[[ $? == 1 ]] || fail "env_demo without -m should exit 1"
grep -q "usage: env_demo -m MASK" "$err" || fail "env_demo without -m: no usage text"

exit_if_failed
echo "env_demo: all checks passed"
