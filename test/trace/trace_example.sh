#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# trace_example.sh <bindir> <poller_test|hello_event>
#
# Runs the example traced (-e pinwheel --pw-trace-file F) on cores 0 and 1
# (core 0 alone when cpu 1 is not usable), checks that its own checks still
# hold (its normal output, exit 0), then checks the trace with check_chrome.py:
# well formed, spans closed and nested, flow arrows with both ends, time
# monotonic per track, hello_reader on the reader's core after the thread was
# created (and, for hello_event, placed there), foreign senders named.
# PW_TRACE_KEEP=DIR keeps the trace file there.

set -u
bindir=${1:?usage: trace_example.sh <bindir> <poller_test|hello_event>}
example=${2:?usage: trace_example.sh <bindir> <poller_test|hello_event>}
here=$(cd "$(dirname "$0")" && pwd)
prog=$bindir/$example
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trace=$work/$example.json

[[ -x $prog ]] || { echo "no executable $prog"; exit 1; }
command -v python3 > /dev/null || { echo "no python3: skipped"; exit 77; }

allowed=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
has_cpu() {
	local r
	IFS=, read -r -a ranges <<< "$allowed"
	for r in "${ranges[@]}"; do
		(($1 >= ${r%-*} && $1 <= ${r#*-})) && return 0
	done
	return 1
}
has_cpu 0 || { echo "cpu 0 is not usable: skipped"; exit 77; }
if has_cpu 1 && [[ $(nproc) -ge 2 ]]; then
	mask=0x3 core=1
else
	echo "cpu 1 is not usable: traced on core 0 only"
	mask=0x1 core=0
fi

extra=()
checks=(--reader-core "$core" --require slice --require msg --require poller)
case $example in
poller_test)
	# Its own reactors: no placement by the framework, the main pthread
	# (no spdk_thread) sends the first message.
	checks+=(--require-foreign)
	;;
hello_event)
	extra=(-r "$work/spdk.sock")
	checks+=(--require-place --require event --require app)
	;;
*)
	echo "unknown example $example"; exit 1 ;;
esac

"$prog" "${extra[@]}" -m "$mask" -t 1 -e pinwheel --pw-trace-file "$trace" > "$work/out" 2> "$work/err"
rc=$?
echo "$example -m $mask -t 1 -e pinwheel --pw-trace-file F: exit $rc"
failures=0
fail() {
	echo "FAIL: $*"
	echo "--- stdout"; cat "$work/out"
	echo "--- stderr"; cat "$work/err"
	failures=$((failures + 1))
}
[[ $rc == 0 ]] || fail "exit $rc"
grep -qx "hello reader (thread first_reader_thread on core $core)" "$work/out" ||
	fail "no hello reader on core $core"
[[ $(tail -n1 "$work/out") == "$example: done" ]] || fail "last line is not '$example: done'"
! grep -Eq '\*(ERROR|WARNING)\*' "$work/err" || fail "error on stderr"
[[ -s $trace ]] || fail "no trace file written"
if [[ -s $trace ]]; then
	python3 "$here/check_chrome.py" "$trace" "${checks[@]}" || fail "the trace does not pass"
	if [[ -n ${PW_TRACE_KEEP:-} ]]; then
		cp "$trace" "$PW_TRACE_KEEP/" && echo "kept $PW_TRACE_KEEP/$example.json"
	fi
fi
# Without the options the example leaves no trace file behind and prints
# what it always printed.
if [[ $example == poller_test ]]; then
	(cd "$work" && "$prog" -m "$mask" -t 1 > "$work/out" 2> "$work/err") || fail "untraced run failed"
	! grep -q "trace" "$work/out" || fail "an untraced run talks about a trace"
fi
if ((failures > 0)); then
	echo "$failures check(s) failed"
	exit 1
fi
echo "$example traced: all checks passed"
