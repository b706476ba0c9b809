#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Test of examples/subsystems: subsystems.sh <bindir>
#
# 1. Starts subsystems on a private socket without --json: it must take
#    subsystems.json from next to its executable (pool of 4, alice and bob),
#    initialise pool before greeter and greet both before "ready".
# 2. Over RPC (scripts/pinwheel-rpc): greeter_add carol, greeter_remove bob,
#    greeter_add dave and eve (the pool's 4 slots are then taken), erin is
#    refused with -ENOSPC; pool_set_options is refused (STARTUP only: the app
#    runs). Then save_config writes the configuration to a file.
# 3. Stops the app (SIGINT): greeter finished before pool, exit 0.
# 4. Starts it again with --json on the saved file and checks the same state
#    (greeter_get), then saves again: the two saved files are the same.
# 5. A malformed configuration (a name that is not a string) makes the start
#    fail with a message naming the method, and exit 1.

set -u

# fail, allowed/has_cpu, temp_files, exit_if_failed
# shellcheck source=examples/tests/common.bash
. "$(dirname "$0")/common.bash"

bindir=${1:?usage: subsystems.sh <bindir>}
prog=$bindir/subsystems
here=$(cd "$(dirname "$0")" && pwd)
rpc=$here/../../scripts/pinwheel-rpc
tmp=$(mktemp -d)
out=$tmp/out
err=$tmp/err
res=$tmp/res
sock=$tmp/rpc.sock
pid=

cleanup() {
	[[ -n $pid ]] && kill -9 "$pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

[[ -x $prog ]] || { echo "no executable $prog"; exit 1; }
[[ -r $bindir/subsystems.json ]] || { echo "no $bindir/subsystems.json next to the executable"; exit 1; }
command -v python3 > /dev/null || { echo "no python3: skipped"; exit 77; }

# start [args...]: run the app in the background until "subsystems: ready".
start() {
	local i
	: > "$out"
	: > "$err"
	"$prog" -r "$sock" "$@" > "$out" 2> "$err" &
	pid=$!
	# Up to 30 s: sanitizer builds on a loaded machine start slowly.
	for ((i = 0; i < 600; i++)); do
		grep -q '^subsystems: ready$' "$out" && [[ -S $sock ]] && return 0
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.05
	done
	fail "$*: not ready with a socket at $sock within 30 s"
	return 1
}

# stop: SIGINT, wait for the exit; the exit status must be 0.
stop() {
	local i rc
	kill -INT "$pid"
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2> /dev/null; then
		fail "still running 30 s after SIGINT"
		kill -9 "$pid"
	fi
	wait "$pid"
	rc=$?
	pid=
	[[ $rc == 0 ]] || fail "exit status $rc after SIGINT"
	grep -qx 'subsystems: done (0)' "$out" || fail "no 'subsystems: done (0)'"
	# The teardown runs in reverse: greeter, then the pool it uses.
	grep -A1 -x 'subsystems: greeter: finished' "$out" | grep -qx 'subsystems: pool: finished' ||
		fail "greeter was not finished just before pool"
	! grep -Eq '\*ERROR\*|Sanitizer' "$err" || fail "error on stderr"
}

# state <expected JSON>: greeter_get must answer it.
state() {
	if ! "$rpc" -s "$sock" -t 20 greeter_get > "$res" 2>> "$err"; then
		fail "greeter_get failed"
		return
	fi
	python3 - "$res" "$1" <<- 'EOF' || fail "greeter_get: $(tr -d ' \n' < "$res"), expected $1"
		import json, sys
		assert json.load(open(sys.argv[1])) == json.loads(sys.argv[2])
	EOF
}

# 1. The configuration next to the executable.
if start; then
	grep -qx "subsystems: configuration $bindir/subsystems.json" "$out" ||
		grep -q "^subsystems: configuration .*/subsystems.json$" "$out" ||
		fail "the default configuration was not used"
	grep -A1 -x 'subsystems: pool: 4 slots' "$out" | grep -qx 'subsystems: greeter: ready' ||
		fail "pool was not initialised just before greeter"
	grep -qx 'subsystems: greetings: hello, alice! hello, bob!' "$out" || fail "no greetings"
	state '{"pool_size": 4, "names": ["alice", "bob"]}'

	# 2. Change the state over RPC, then save it.
	"$rpc" -s "$sock" -t 20 greeter_add --name carol > /dev/null 2>> "$err" ||
		fail "greeter_add carol failed"
	"$rpc" -s "$sock" -t 20 greeter_remove --name bob > /dev/null 2>> "$err" ||
		fail "greeter_remove bob failed"
	"$rpc" -s "$sock" -t 20 greeter_add --name dave > /dev/null 2>> "$err" ||
		fail "greeter_add dave failed"
	"$rpc" -s "$sock" -t 20 greeter_add --name eve > /dev/null 2> "$tmp/err2" ||
		fail "greeter_add eve (the fourth name) failed: $(cat "$tmp/err2")"
	"$rpc" -s "$sock" -t 20 greeter_add --name erin > /dev/null 2> "$tmp/err2" &&
		fail "greeter_add erin succeeded with the pool full"
	grep -q "error -$(python3 -c 'import errno; print(errno.ENOSPC)')" "$tmp/err2" ||
		fail "greeter_add erin: no -ENOSPC in: $(cat "$tmp/err2")"
	"$rpc" -s "$sock" -t 20 pool_set_options --size 8 > /dev/null 2> "$tmp/err2" &&
		fail "pool_set_options succeeded while the app runs"
	state '{"pool_size": 4, "names": ["alice", "dave", "carol", "eve"]}'
	"$rpc" -s "$sock" -t 20 save_config > "$tmp/saved.json" 2>> "$err" ||
		fail "save_config failed"
	python3 - "$tmp/saved.json" <<- 'EOF' || fail "save_config wrote: $(cat "$tmp/saved.json")"
		import json, sys
		conf = {s["subsystem"]: s["config"] for s in json.load(open(sys.argv[1]))["subsystems"]}
		assert conf["pool"] == [{"method": "pool_set_options", "params": {"size": 4}}], conf
		assert [e["params"]["name"] for e in conf["greeter"]] == ["alice", "dave", "carol", "eve"], conf
	EOF

	# 3. Stop.
	stop
fi

# 4. Load the saved file: the same state, saved again the same.
if [[ -s $tmp/saved.json ]] && start --json "$tmp/saved.json"; then
	grep -qx "subsystems: configuration $tmp/saved.json" "$out" || fail "--json not used"
	state '{"pool_size": 4, "names": ["alice", "dave", "carol", "eve"]}'
	"$rpc" -s "$sock" -t 20 save_config > "$tmp/saved2.json" 2>> "$err" ||
		fail "the second save_config failed"
	cmp -s "$tmp/saved.json" "$tmp/saved2.json" ||
		fail "saved again differently: $(diff "$tmp/saved.json" "$tmp/saved2.json")"
	stop
	echo "save_config -> --json -> save_config: the same configuration"
fi

# 5. A malformed configuration: the start fails, naming the method.
cat > "$tmp/bad.json" <<- 'EOF'
	{"subsystems": [{"subsystem": "greeter", "config": [
	  {"method": "greeter_add", "params": {"name": 42}}]}]}
EOF
"$prog" -r "$sock" --json "$tmp/bad.json" > "$out" 2> "$err"
rc=$?
[[ $rc == 1 ]] || fail "a malformed configuration: exit $rc, expected 1"
grep -q 'greeter_add' "$err" || fail "a malformed configuration: no message naming greeter_add"
grep -q "subsystems: ready" "$out" && fail "a malformed configuration: the app started"
[[ ! -e $sock ]] || fail "the socket is still there after the failed start"

exit_if_failed
echo "subsystems: all checks passed"
