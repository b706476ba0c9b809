#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# A/B of the hot-path benchmarks: a base commit against the working tree.
#
#   bench/ab.sh BASE [--runs N] [--secs S] [--keep | --dir DIR]
#
# Builds BASE (any commit-ish) in a temporary git worktree and the working
# tree (committed or not) in a temporary build directory, both RelWithDebInfo
# as bench/report.sh wants, only the programs needed. Then runs, N rounds
# (default 5), each case once on base then once on head (odd rounds head
# first), so that both see the same state of the machine:
#
#   bench/msg_bench --runs 1            every figure it prints
#   bench/msg_flow -N 3                 (a base without it: the head's source,
#                                        which uses SPDK's API only, built
#                                        against the base's library)
#   bench/poller_bench --runs 1
#   examples/event_perf -m 0x3 -t S     events per second per core
#   examples/event_perf -m 0x1 -t S
#   examples/reactor_perf -t S -q 1     events per second
#   examples/reactor_perf -t S -q 128
#
# and prints, per figure, the median of base and of head, head/base, and
# "worse" where head is more than 5% worse (lower for a rate, higher for a
# time): a pointer to look at, not a verdict, on a loaded machine. The
# floors (lines with "floor") tell whether both saw the same machine.
# S defaults to 1 second; ~6 min with --runs 5 on a quiet 2-cpu machine.
# --keep keeps the temporary directory (printed) with every raw output;
# --dir DIR works in DIR instead and keeps it: a later run with the same DIR
# and BASE rebuilds only what changed (for repeated A/B while working).
# Needs git, cmake, a C compiler, python3; two cpus for the cross-core cases.
set -euo pipefail

usage() {
	sed -n '4,31p' "$0" | sed 's/^# \{0,1\}//'
}

BASE=""
RUNS=5
SECS=1
KEEP=0
DIR=""
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) RUNS="$2"; shift 2 ;;
	--secs) SECS="$2"; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--dir) DIR="$2"; KEEP=1; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "bench/ab.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) if [ -n "$BASE" ]; then echo "bench/ab.sh: one BASE only" >&2; exit 2; fi
	   BASE="$1"; shift ;;
	esac
done
if [ -z "$BASE" ]; then
	usage >&2
	exit 2
fi
case "$RUNS" in ''|*[!0-9]*|0) echo "bench/ab.sh: --runs wants a number >= 1" >&2; exit 2 ;; esac
case "$SECS" in ''|*[!0-9]*|0) echo "bench/ab.sh: --secs wants a whole number >= 1" >&2; exit 2 ;; esac
for tool in git cmake python3 cc timeout; do
	command -v "$tool" >/dev/null || { echo "bench/ab.sh: needs $tool" >&2; exit 1; }
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE_SHA=$(git -C "$ROOT" rev-parse --verify "$BASE^{commit}") ||
	{ echo "bench/ab.sh: $BASE is not a commit" >&2; exit 2; }
HEAD_DESC=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "working tree")
if [ -n "$DIR" ]; then
	mkdir -p "$DIR"
	TMP=$(cd "$DIR" && pwd)
else
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/pw-ab.XXXXXX")
fi
WT="$TMP/base-src"

cleanup() {
	if [ -z "$DIR" ] && git -C "$ROOT" worktree list --porcelain | grep -qx "worktree $WT"; then
		git -C "$ROOT" worktree remove --force "$WT" >/dev/null 2>&1 || true
	fi
	if [ "$KEEP" = 1 ]; then
		echo "# kept: $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "# $*" >&2; }

TARGETS="msg_bench poller_bench event_perf reactor_perf"

# build SRC DIR: RelWithDebInfo, the library and the programs above only.
build() {
	local src="$1" dir="$2" t have=""
	cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPW_BUILD_TESTS=OFF \
		-DPW_BUILD_BENCH=ON -DPW_BUILD_EXAMPLES=ON >"$dir.cmake.log" 2>&1 ||
		{ cat "$dir.cmake.log" >&2; return 1; }
	for t in $TARGETS msg_flow; do
		if [ -f "$src/bench/$t.c" ] || [ -f "$src/examples/$t.c" ]; then
			have="$have $t"
		fi
	done
	# shellcheck disable=SC2086
	cmake --build "$dir" -j2 --target $have >"$dir.build.log" 2>&1 ||
		{ tail -30 "$dir.build.log" >&2; return 1; }
}

log "base $BASE ($BASE_SHA), head $HEAD_DESC; $RUNS round(s); temporary directory $TMP"
if [ -e "$WT/.git" ]; then
	git -C "$WT" checkout -q --detach "$BASE_SHA" ||
		{ echo "bench/ab.sh: cannot check $BASE_SHA out in $WT" >&2; exit 1; }
else
	git -C "$ROOT" worktree add --detach "$WT" "$BASE_SHA" >/dev/null 2>&1 ||
		{ echo "bench/ab.sh: cannot add a worktree for $BASE_SHA" >&2; exit 1; }
fi
log "building base"
build "$WT" "$TMP/base"
log "building head"
build "$ROOT" "$TMP/head"
if [ ! -f "$WT/bench/msg_flow.c" ]; then
	# The base predates bench/msg_flow: the head's source (SPDK's API only)
	# against the base's static library.
	lib=$(find "$TMP/base" -maxdepth 1 -name 'libpinwheel.a' | head -1)
	if [ -n "$lib" ] && cc -O2 -g -std=gnu11 -D_GNU_SOURCE -I"$WT/include" \
		-o "$TMP/base/bench/msg_flow" "$ROOT/bench/msg_flow.c" "$lib" \
		-lpthread -lm -ldl -lrt >"$TMP/base.msg_flow.log" 2>&1; then
		log "base has no bench/msg_flow: the head's source built against the base's library"
	else
		log "base has no bench/msg_flow and the head's does not build on it: case skipped"
	fi
fi

# name|program (relative to a build dir)|arguments|ncpus
CASES="msg_bench|bench/msg_bench|--runs 1|2
msg_flow|bench/msg_flow|-N 3|2
poller_bench|bench/poller_bench|--runs 1|1
event_perf_m0x3|examples/event_perf|-m 0x3 -t $SECS|2
event_perf_m0x1|examples/event_perf|-m 0x1 -t $SECS|1
reactor_perf_q1|examples/reactor_perf|-t $SECS -q 1|1
reactor_perf_q128|examples/reactor_perf|-t $SECS -q 128|1"

NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
FAILED=0
rm -rf "$TMP/out"
mkdir -p "$TMP/out"
for ((r = 1; r <= RUNS; r++)); do
	log "round $r of $RUNS"
	while IFS='|' read -r name prog args ncpu; do
		if [ "$NCPU" -lt "$ncpu" ]; then
			continue
		fi
		if [ $((r % 2)) = 1 ]; then order="head base"; else order="base head"; fi
		for side in $order; do
			bin="$TMP/$side/$prog"
			[ -x "$bin" ] || continue
			out="$TMP/out/$name.$side.$r"
			# The examples serve RPC on a private path (PW_RPC_SOCKET),
			# never on SPDK's default one another program may hold.
			rc=0
			# shellcheck disable=SC2086
			PW_RPC_SOCKET="$TMP/$side.sock" timeout 300 "$bin" $args >"$out" 2>"$out.err" ||
				rc=$?
			if [ "$rc" != 0 ]; then
				log "$side $name round $r failed (exit $rc): see $out.err"
				mv "$out" "$out.failed"
				FAILED=$((FAILED + 1))
			fi
		done
	done <<<"$CASES"
done

python3 - "$TMP/out" "$RUNS" "$SECS" "$BASE" "$HEAD_DESC" "$FAILED" <<'EOF'
import os, re, sys, statistics

outdir, runs, secs, base, head = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
failed = int(sys.argv[6])
NVU = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*)\s+(-?[0-9.]+(?:e[-+]?\d+)?)\s+(\S+)\s*$")

def figures(case, text):
    """name -> (value, unit) of one run's output."""
    f = {}
    if case.startswith("event_perf"):
        cores = [float(m.group(1)) for m in re.finditer(r"^lcore\s+\d+:\s+(\d+)", text, re.M)]
        if cores:
            # event_perf prints each core's events per second already
            # (its count divided by -t), as SPDK's does.
            f["per_core"] = (sum(cores) / len(cores), "events/s")
    elif case.startswith("reactor_perf"):
        m = re.search(r"^Performance:\s+(\d+) events per second", text, re.M)
        if m:
            f["events"] = (float(m.group(1)), "events/s")
    else:
        for line in text.splitlines():
            m = NVU.match(line)
            if m and "target" not in m.group(1):
                f[m.group(1)] = (float(m.group(2)), m.group(3))
    return f

def higher_is_better(unit):
    return "/s" in unit

data = {}   # (case, figure) -> {side: [values]}, unit
order = []
for fn in sorted(os.listdir(outdir)):
    m = re.match(r"^(.+)\.(base|head)\.(\d+)$", fn)
    if not m:
        continue
    case, side = m.group(1), m.group(2)
    with open(os.path.join(outdir, fn), errors="replace") as fh:
        for name, (v, unit) in figures(case, fh.read()).items():
            key = (case, name)
            if key not in data:
                data[key] = {"base": [], "head": [], "unit": unit}
                order.append(key)
            data[key][side].append(v)

print("# bench/ab.sh: base %s vs head %s, medians of %d round(s), interleaved" %
      (base, head, runs))
print("%-17s %-48s %12s %12s %-10s %7s %s" % ("case", "figure", "base", "head", "unit",
                                             "head/b", ""))
worse = 0
for key in order:
    d = data[key]
    if not d["base"] or not d["head"]:
        continue
    b, h = statistics.median(d["base"]), statistics.median(d["head"])
    ratio = h / b if b else float("nan")
    flag = ""
    if "floor" in key[1]:
        flag = "(floor)"
    elif b and d["unit"] not in ("x", "msg") and "ratio" not in key[1]:
        if (higher_is_better(d["unit"]) and ratio < 0.95) or \
           (not higher_is_better(d["unit"]) and ratio > 1.05):
            flag = "worse"
            worse += 1
    print("%-17s %-48s %12.4g %12.4g %-10s %7.3f %s" % (key[0], key[1], b, h, d["unit"], ratio,
                                                      flag))
only = [k for k in order if not data[k]["base"] or not data[k]["head"]]
if only:
    print("# on one side only: " + ", ".join("%s.%s" % k for k in only))
print("# %d figure(s) more than 5%% worse on head (rates lower, times higher); floors and "
      "ratios not judged" % worse)
if failed:
    # Failed runs are left out of the medians (a case may be on one side
    # only): not a like-with-like comparison, so not a clean exit either.
    print("# FAILED: %d run(s) failed (their stderr: *.err, kept with --keep or --dir); "
          "the medians above leave them out" % failed)
    sys.exit(1)
EOF
