#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# test/check_layers_selftest.sh CHECKER: the layering check must fail on each
# kind of violation, and pass on a tree that keeps the rule.
set -u
checker=${1:?usage: $0 path/to/check_layers.sh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# tree NAME FILE=CONTENT...: a small source tree.
tree() {
	local dir=$tmp/$1 kv
	shift
	mkdir -p "$dir/include/spdk" "$dir/lib/common" "$dir/lib/env" "$dir/lib/util"
	for kv in "$@"; do
		mkdir -p "$(dirname "$dir/${kv%%=*}")"
		printf '%b\n' "${kv#*=}" > "$dir/${kv%%=*}"
	done
	echo "$dir"
}

expect() {
	local want=$1 name=$2 dir=$3 rc
	"$checker" "$dir" > "$tmp/out" 2>&1
	rc=$?
	if [[ $want == pass && $rc != 0 ]] || [[ $want == fail && $rc == 0 ]]; then
		echo "FAIL: $name: expected $want, got exit $rc:"
		cat "$tmp/out"
		failures=$((failures + 1))
	else
		echo "ok: $name ($want)"
	fi
}

expect pass "clean tree" "$(tree clean \
	'include/spdk/env.h=#include "spdk/stdinc.h"' \
	'lib/env/a.c=#include "spdk/env.h"\n#include "spdk/log.h"\n#include "env/b.h"\n#include "common/pw_common.h"' \
	'lib/env/b.h=#include "spdk/cpuset.h"')"
expect fail "env includes the event layer's public header" "$(tree up \
	'lib/env/a.c=#include "spdk/event.h"')"
expect fail "util includes env's private header" "$(tree private \
	'lib/util/a.c=#include "env/env_internal.h"')"
expect fail "env includes the trace layer's public header" "$(tree envtrace \
	'lib/env/a.c=#include "spdk/trace.h"')"
expect pass "the trace layer includes env" "$(tree traceenv \
	'lib/trace/a.c=#include "spdk/env.h"\n#include "spdk/trace.h"')"
expect fail "the trace layer includes the thread layer" "$(tree tracethread \
	'lib/trace/a.c=#include "spdk/thread.h"')"
expect fail "a public header includes a higher one" "$(tree pubup \
	'include/spdk/env.h=#include "spdk/thread.h"')"
expect fail "common includes a layer's public header" "$(tree common \
	'lib/common/q.h=#include "spdk/log.h"')"
expect fail "a public header with no layer" "$(tree unknown \
	'include/spdk/newthing.h=#include "spdk/stdinc.h"')"
expect fail "an unknown directory under lib/" "$(tree newlayer \
	'lib/rpcx/a.c=#include "spdk/stdinc.h"')"

[[ $failures == 0 ]] || exit 1
