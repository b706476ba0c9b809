#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Test of examples/rpc_hello: rpc_hello.sh <bindir>
#
# Starts rpc_hello on a private socket (under a temporary directory) on one
# core and, when cpus 0 and 1 are usable, on two; calls its own method
# hello_threads through scripts/pinwheel-rpc and checks the answer: the
# names of every thread (app_thread and hello_worker), answered by
# hello_worker, not by the server's thread; params are refused with -32602.
# Then stops the app with spdk_kill_instance and checks a clean exit: status
# 0, "rpc_hello: done (0)", the socket removed, no error on stderr.
# RPC_HELLO_EXTRA_ARGS adds options to the app's command line (e.g. to run
# the same checks against the example built with SPDK itself).

set -u

# fail, allowed/has_cpu, temp_files, exit_if_failed
# shellcheck source=examples/tests/common.bash
. "$(dirname "$0")/common.bash"

bindir=${1:?usage: rpc_hello.sh <bindir>}
prog=$bindir/rpc_hello
here=$(cd "$(dirname "$0")" && pwd)
rpc=$here/../../scripts/pinwheel-rpc
tmp=$(mktemp -d)
out=$tmp/out
err=$tmp/err
res=$tmp/res
sock=$tmp/rpc.sock
pid=
# shellcheck disable=SC2206 # word splitting wanted
extra=(${RPC_HELLO_EXTRA_ARGS:-})

cleanup() {
	[[ -n $pid ]] && kill -9 "$pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

[[ -x $prog ]] || { echo "no executable $prog"; exit 1; }
command -v python3 > /dev/null || { echo "no python3: skipped"; exit 77; }

# run <mask>: one life of the app, from start to spdk_kill_instance.
run() {
	local mask=$1 rc i
	: > "$out"
	: > "$err"
	"$prog" -m "$mask" -r "$sock" "${extra[@]}" > "$out" 2> "$err" &
	pid=$!
	# Up to 30 s: sanitizer builds on a loaded machine start slowly.
	for ((i = 0; i < 600; i++)); do
		grep -q '^rpc_hello: ready$' "$out" && [[ -S $sock ]] && break
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.05
	done
	if ! grep -q '^rpc_hello: ready$' "$out" || [[ ! -S $sock ]]; then
		fail "-m $mask: not ready with a socket at $sock within 30 s"
		return
	fi

	if "$rpc" -s "$sock" -t 20 hello_threads > "$res" 2>> "$err"; then
		echo "-m $mask: hello_threads answered $(tr -d ' \n' < "$res")"
		python3 - "$res" <<- 'EOF' || fail "-m $mask: wrong answer: $(cat "$res")"
			import json, sys
			ans = json.load(open(sys.argv[1]))
			assert set(ans) == {"threads", "answered_by"}, ans
			assert isinstance(ans["threads"], list), ans
			assert all(isinstance(n, str) for n in ans["threads"]), ans
			assert sorted(ans["threads"]) == ["app_thread", "hello_worker"], ans
			assert ans["answered_by"] == "hello_worker", ans
		EOF
	else
		fail "-m $mask: hello_threads failed"
	fi

	if "$rpc" -s "$sock" -t 20 hello_threads '{"x": 1}' > "$res" 2> "$tmp/err2"; then
		fail "-m $mask: hello_threads with params succeeded"
	elif ! grep -q -- 'error -32602' "$tmp/err2"; then
		fail "-m $mask: hello_threads with params: no -32602 in: $(cat "$tmp/err2")"
	fi

	"$rpc" -s "$sock" -t 20 spdk_kill_instance --sig_name SIGINT > "$res" 2>> "$err" ||
		fail "-m $mask: spdk_kill_instance failed"
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2> /dev/null; then
		fail "-m $mask: still running 30 s after spdk_kill_instance"
		kill -9 "$pid"
	fi
	wait "$pid"
	rc=$?
	pid=
	echo "-m $mask: exit $rc after spdk_kill_instance"
	[[ $rc == 0 ]] || fail "-m $mask: exit status $rc"
	grep -qx 'rpc_hello: done (0)' "$out" || fail "-m $mask: no 'rpc_hello: done (0)'"
	[[ ! -e $sock ]] || fail "-m $mask: the socket is still there after the exit"
	! grep -Eq '\*ERROR\*|^rpc_hello:|Sanitizer' "$err" || fail "-m $mask: error on stderr"
}

if has_cpu 0; then
	run 0x1
else
	echo "cpu 0 is not usable: the one-core run is skipped"
fi
if [[ $(nproc) -ge 2 ]] && has_cpu 0 && has_cpu 1; then
	run 0x3
else
	echo "cpus 0 and 1 are not both usable: the two-core run is skipped"
fi

"$prog" extra > "$out" 2> "$err"
rc=$?
[[ $rc == 1 ]] || fail "rpc_hello extra: exited $rc, expected 1"
grep -q "unexpected argument 'extra'" "$err" || fail "rpc_hello extra: no message"

exit_if_failed
echo "rpc_hello: all checks passed"
