#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Test of examples/poll_groups: poll_groups.sh <bindir>
#
# Runs the example on one core and (when cpus 0 and 1 are usable) on two,
# with the default 1000 rounds and with 1 round, and checks the summary: one
# line per core of the mask, each group handled exactly ROUNDS token
# messages and ran its poller at least once, then
# "poll_groups: done ROUNDS rounds, ROUNDS * groups hops" last, exit 0 and
# no error on stderr. Then bad options.

set -u

# fail, allowed/has_cpu, temp_files, exit_if_failed
# shellcheck source=examples/tests/common.bash
. "$(dirname "$0")/common.bash"

bindir=${1:?usage: poll_groups.sh <bindir>}
prog=$bindir/poll_groups
temp_files
# The RPC server on a private path (examples/example_rpc.h).
export PW_RPC_SOCKET=$rpcdir/spdk.sock

[[ -x $prog ]] || { echo "no executable $prog"; exit 1; }

# run_ok <rounds> <mask> <cores of the mask...>
run_ok() {
	local rounds=$1 mask=$2 rc label core line polls
	shift 2
	label="poll_groups -m $mask -n $rounds"
	"$prog" -m "$mask" -n "$rounds" > "$out" 2> "$err"
	rc=$?
	echo "$label: exit $rc"
	sed 's/^/    /' "$out"
	[[ $rc == 0 ]] || fail "$label exited $rc"
	[[ $(wc -l < "$out") == $(($# + 1)) ]] || fail "$label: expected $(($# + 1)) lines"
	for core in "$@"; do
		line=$(grep -E "^poll_group_$core: core $core, [0-9]+ messages, [0-9]+ poller runs$" "$out")
		if [[ -z $line ]]; then
			fail "$label: no summary line for core $core"
			continue
		fi
		[[ $line == *", $rounds messages,"* ]] ||
			fail "$label: poll_group_$core did not handle exactly $rounds messages"
		polls=$(sed -E 's/.* ([0-9]+) poller runs$/\1/' <<< "$line")
		[[ $polls -ge 1 ]] || fail "$label: the poller of poll_group_$core never ran"
	done
	[[ $(tail -n1 "$out") == "poll_groups: done $rounds rounds, $((rounds * $#)) hops" ]] ||
		fail "$label: last line is not 'poll_groups: done $rounds rounds, $((rounds * $#)) hops'"
	! grep -Eq '\*(ERROR|WARNING)\*|^poll_groups:' "$err" || fail "$label: error on stderr"
}

# run_bad <text expected on stderr> <args...>
run_bad() {
	local want=$1 rc
	shift
	"$prog" "$@" > "$out" 2> "$err"
	rc=$?
	[[ $rc == 1 ]] || fail "poll_groups $* exited $rc, expected 1"
	grep -qF -- "$want" "$err" || fail "poll_groups $*: stderr lacks '$want'"
	! grep -q '^poll_group' "$out" || fail "poll_groups $*: ran anyway"
}

if has_cpu 0; then
	run_ok 1000 0x1 0
	run_ok 1 0x1 0
else
	echo "cpu 0 is not usable: one-core runs skipped"
fi

if [[ $(nproc) -lt 2 ]] || ! has_cpu 0 || ! has_cpu 1; then
	echo "cpus 0 and 1 are not both usable (nproc $(nproc)): two-core runs skipped"
else
	run_ok 1000 0x3 0 1
	run_ok 1 0x3 0 1
	run_ok 20000 '[0-1]' 0 1
fi

# The default is 1000 rounds.
if has_cpu 0; then
	"$prog" > "$out" 2> "$err" || fail "poll_groups with no option failed"
	[[ $(tail -n1 "$out") == "poll_groups: done 1000 rounds, 1000 hops" ]] ||
		fail "poll_groups with no option: not 1000 rounds on one group"
fi

run_bad "core mask '0xzz'" -m 0xzz
run_bad "-n wants a whole number" -n x
run_bad "-n wants a whole number" -n 0
run_bad "-n wants a whole number" -n -3
run_bad "usage: poll_groups" -x
run_bad "unexpected argument 'extra'" extra

"$prog" -h > "$out" 2> "$err" || fail "poll_groups -h should exit 0"
grep -q "^usage: poll_groups" "$out" || fail "poll_groups -h: no usage text"

exit_if_failed
echo "poll_groups: all checks passed"
