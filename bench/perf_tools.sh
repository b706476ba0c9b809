#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# bench/perf_tools.sh [-n RUNS] [-t SECONDS] [-c CLEAN_PCT] [-r RETRIES] <builddir>
#
# Runs the SPDK-compatible perf tools of <builddir>/examples RUNS times each
# (default 5) for SECONDS each (default 5), with PW_PERF_REPORT=1, and prints
# every run and the median of each figure. Every cross-core run (event_perf
# -m 0x3) is preceded by <builddir>/bench/cacheline_pingpong, whose round trip
# is printed next to it: this VM alternates between a "near" (~120-190 ns)
# and a "far" (~460-540 ns) state and cross-core figures must be read against
# it. Next to every run: the share of the machine's cpu time that other
# processes took meanwhile, and the hypervisor's steal time. A reactor that
# shares its cpu with another process is descheduled for milliseconds, which
# a 100 ms ping-pong does not see but a 5 s run does: runs with "other" above
# a few percent are not clean (the event queue stalls behind a descheduled
# producer) and should be rerun or reported apart.
#
#   event_perf -m 0x3 -t S      per-core events/s (+ ping-pong before each run)
#   event_perf -m 0x3 -t S      the same with PW_EVENT_PERF_PAD=1 (counters on
#                               their own cache lines; not what SPDK measures)
#   event_perf -m 0x1 -t S      events/s, clock read cost
#   reactor_perf -t S -q 1/128  events/s
#   poller_perf -b 1000 -l 0/1 -t S   ns per poller (exact), floor before/after
#   reactor -t 1                start-up and shutdown
# Start-up, shutdown and memory medians are taken over all runs of each tool.
# Every median is also given over the clean runs only: those whose reactors
# got at least CLEAN_PCT (default 97) percent of their cpus (see measured()).
# -r RETRIES runs an unclean measurement again, up to RETRIES more times.
#
# -s runs only the sleeping/polling comparison instead: event_perf -m 0x3,
# event_perf -m 0x1 and reactor_perf -q 1/128, each run RUNS times with
# sleeping reactors (the default) and with reactors that never sleep, in
# turns (the order flips every run), then the medians and their ratio. These
# tools parse their own options as SPDK's do, so --pw-no-sleep cannot be
# passed; polling is chosen by preloading a small library, built here, whose
# constructor calls pw_reactor_set_opts() with sleep = false.

set -u

runs=5
secs=5
clean_pct=97
retries=0
sleep_ab=0
while getopts "n:t:c:r:s" opt; do
	case $opt in
	n) runs=$OPTARG ;;
	t) secs=$OPTARG ;;
	c) clean_pct=$OPTARG ;;
	r) retries=$OPTARG ;;
	s) sleep_ab=1 ;;
	*) echo "usage: $0 [-n RUNS] [-t SECONDS] [-c CLEAN_PCT] [-r RETRIES] [-s] <builddir>" >&2; exit 1 ;;
	esac
done
shift $((OPTIND - 1))
build=${1:?usage: $0 [-n RUNS] [-t SECONDS] [-c CLEAN_PCT] [-r RETRIES] <builddir>}
ex=$build/examples
pingpong=$build/bench/cacheline_pingpong
for p in "$ex/event_perf" "$ex/reactor_perf" "$ex/poller_perf" "$ex/reactor" "$pingpong"; do
	[[ -x $p ]] || { echo "missing $p (build first)" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Our tools serve RPC on a private path (examples/example_rpc.h), never on
# SPDK's default one another program may hold.
export PW_RPC_SOCKET=$tmp/spdk.sock

median() {	# median of the numbers on stdin
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a"; exit }
		if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.15g\n", m }'
}

# key <file> <name>: the value of a "name value unit" line
key() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

load() { cut -d' ' -f1 /proc/loadavg; }

# measured <ncores> <out> <err> <command...>: runs the command and sets $got
# (ncores 0: a tool that sleeps between timers, never judged unclean)
# to the cpu time it received as a share of <ncores> cpus over its wall time
# (a reactor spins, so anything below ~97% means other processes took our
# cpus meanwhile), and $gotnum to the same as a bare number. A reactor that
# shares its cpu is descheduled for milliseconds at a time, which a 100 ms
# ping-pong does not see but a 5 s run does; such runs are not clean.
measured() {
	local n=$1 o=$2 e=$3 w0 w1 attempt
	shift 3
	local TIMEFORMAT='%U %S'
	for ((attempt = 0; attempt <= retries; attempt++)); do
		w0=$(date +%s%N)
		{ time "$@" > "$o" 2> "$e"; } 2> "$tmp/time"
		w1=$(date +%s%N)
		gotnum=$(awk -v n="$n" -v w="$((w1 - w0))" \
			'{ v = (w > 0 && n > 0) ? 100 * ($1 + $2) * 1e9 / (n * w) : 0; printf("%.0f", v) }' \
			"$tmp/time")
		got="$gotnum%"
		if [[ $n == 0 ]]; then
			# A tool whose reactor sleeps between its timers: its cpu
			# share says nothing about other processes.
			got="$got (sleeps: not judged)"
			gotnum=100
		fi
		[[ $gotnum -ge $clean_pct ]] && break
	done
	[[ $attempt -gt 0 ]] && got="$got (attempt $((attempt > retries ? retries + 1 : attempt + 1)))"
	return 0
}

# keep <file> <value>: the value goes to <file>, and to <file>.clean when
# the run was clean (gotnum >= $clean_pct).
keep() {
	echo "$2" >> "$1"
	[[ $gotnum -ge $clean_pct ]] && echo "$2" >> "$1.clean"
	return 0
}

# both <file>: "median (clean-run median, n clean)"
both() {
	local m c n=0
	m=$(median < "$1")
	[[ -f $1.clean ]] && n=$(wc -l < "$1.clean")
	if [[ $n -gt 0 ]]; then c=$(median < "$1.clean"); else c=n/a; fi
	echo "$m (clean runs: $c, $n of them)"
}

rtt() { "$pingpong" | awk '$1 == "pingpong_rtt" { print $2 }'; }

# Start-up / shutdown / memory of one run, kept for the tool's medians.
keep_report() {	# <tool> <stderr file>
	local k
	for k in startup_app_start_to_first_cb startup_main_to_first_cb shutdown_stop_to_return \
		 shutdown_fini vm_rss vm_hwm; do
		keep "$tmp/$1.$k" "$(key "$2" "$k")"
	done
}

# The sleeping/polling comparison (-s).
sleep_vs_poll() {
	local src i mode first cfg name n v f s p
	src=$(cd "$(dirname "$0")/.." && pwd)
	cat > "$tmp/nosleep.c" <<'EOF'
/* Reactors that never sleep (--pw-no-sleep) for tools with their own options. */
#include "pinwheel/event.h"

__attribute__((constructor)) static void
perf_tools_no_sleep(void)
{
	struct pw_reactor_opts opts;

	pw_reactor_opts_init(&opts, sizeof(opts));
	opts.sleep = false;
	pw_reactor_set_opts(&opts);
}
EOF
	cc -shared -fPIC -I"$src/include" -o "$tmp/nosleep.so" "$tmp/nosleep.c" \
		-L"$build" -lpinwheel || { echo "cannot build the no-sleep library" >&2; exit 1; }
	echo "# perf_tools.sh -s: $runs runs of $secs s each, sleeping vs polling reactors;" \
	     "$(nproc) cpus; $(date -u +%FT%TZ); load $(load)"
	for i in $(seq 1 "$runs"); do
		first=sleep
		[[ $((i % 2)) == 0 ]] && first=poll
		for cfg in "event_perf -m 0x3" "event_perf -m 0x1" "reactor_perf -q 1" \
			   "reactor_perf -q 128"; do
			for mode in $first $([[ $first == sleep ]] && echo poll || echo sleep); do
				name=${cfg// /_}
				n=1
				[[ $cfg == *0x3 ]] && n=2
				# $cfg is split on purpose: the tool, then its options.
				# shellcheck disable=SC2086
				if [[ $mode == poll ]]; then
					measured "$n" "$tmp/out" "$tmp/err" env LD_PRELOAD="$tmp/nosleep.so" \
						"$ex/"$cfg -t "$secs"
				else
					measured "$n" "$tmp/out" "$tmp/err" "$ex/"$cfg -t "$secs"
				fi
				# event_perf: one line per core; reactor_perf: one total.
				v=$(awk '$1 == "lcore" { printf "%s ", $3 }
					 $1 == "Performance:" { printf "%s ", $2 }' "$tmp/out")
				echo "$name $mode run $i: $v events/s; cpu got $got; load $(load)"
				for f in $v; do keep "$tmp/$name.$mode" "$f"; done
			done
		done
	done
	echo "# medians (per core for event_perf -m 0x3): sleeping, polling, ratio;" \
	     "over all runs, then over clean runs only"
	for name in event_perf_-m_0x3 event_perf_-m_0x1 reactor_perf_-q_1 reactor_perf_-q_128; do
		for f in "" .clean; do
			s=n/a p=n/a
			[[ -f $tmp/$name.sleep$f ]] && s=$(median < "$tmp/$name.sleep$f")
			[[ -f $tmp/$name.poll$f ]] && p=$(median < "$tmp/$name.poll$f")
			echo "$name${f:+ (clean)} sleeping $s polling $p events/s ratio" \
			     "$(awk -v s="$s" -v p="$p" 'BEGIN { if (p + 0 > 0 && s + 0 > 0) printf("%.3f", s / p); else printf("n/a") }')"
		done
	done
}

if [[ $sleep_ab == 1 ]]; then
	sleep_vs_poll
	exit 0
fi

echo "# perf_tools.sh: $runs runs of $secs s each; $(nproc) cpus; $(date -u +%FT%TZ);" \
     "load $(load); clean = the run got >= $clean_pct% of its cpus"

for pad in 0 1; do
	name=event_perf_m0x3
	[[ $pad == 1 ]] && name=event_perf_m0x3_pad
	for i in $(seq 1 "$runs"); do
		r=$(rtt)
		measured 2 "$tmp/out" "$tmp/err" env PW_EVENT_PERF_PAD=$pad PW_PERF_REPORT=1 \
			"$ex/event_perf" -m 0x3 -t "$secs"
		r2=$(rtt)
		c0=$(awk '$1 == "lcore" && $2 == "0:" { print $3 }' "$tmp/out")
		c1=$(awk '$1 == "lcore" && $2 == "1:" { print $3 }' "$tmp/out")
		echo "$name run $i: pingpong $r ns before, $r2 ns after; lcore 0 $c0/s," \
		     "lcore 1 $c1/s; cpu got $got"
		keep "$tmp/$name.rtt" "$r"
		keep "$tmp/$name.core" "$c0"
		keep "$tmp/$name.core" "$c1"
		[[ $pad == 0 ]] && keep_report event_perf "$tmp/err"
	done
done

for i in $(seq 1 "$runs"); do
	measured 1 "$tmp/out" "$tmp/err" env PW_PERF_REPORT=1 "$ex/event_perf" -m 0x1 -t "$secs"
	c0=$(awk '$1 == "lcore" && $2 == "0:" { print $3 }' "$tmp/out")
	cr=$(key "$tmp/err" clock_read)
	echo "event_perf_m0x1 run $i: lcore 0 $c0/s; clock read $cr ns; cpu got $got"
	keep "$tmp/event_perf_m0x1" "$c0"
	keep "$tmp/clock_read" "$cr"
	keep_report event_perf "$tmp/err"
done

for q in 1 128; do
	for i in $(seq 1 "$runs"); do
		measured 1 "$tmp/out" "$tmp/err" env PW_PERF_REPORT=1 "$ex/reactor_perf" \
			-t "$secs" -q "$q"
		v=$(awk '$1 == "Performance:" { print $2 }' "$tmp/out")
		echo "reactor_perf_q$q run $i: $v events/s; cpu got $got"
		keep "$tmp/reactor_perf_q$q" "$v"
		keep_report reactor_perf "$tmp/err"
	done
done

for l in 0 1; do
	for i in $(seq 1 "$runs"); do
		measured 1 "$tmp/out" "$tmp/err" env PW_PERF_REPORT=1 "$ex/poller_perf" \
			-b 1000 -l "$l" -t "$secs"
		v=$(key "$tmp/err" poller_cost_exact)
		f=$(key "$tmp/err" poller_floor_before)
		f2=$(key "$tmp/err" poller_floor_after)
		line=$(tr -d '\r' < "$tmp/out" | grep 'poller_cost:')
		echo "poller_perf_l$l run $i: $v ns per poller (floor $f ns before, $f2 ns after)" \
		     "[$line]; cpu got $got"
		keep "$tmp/poller_perf_l$l" "$v"
		keep "$tmp/poller_floor_l$l" "$f"
		keep "$tmp/poller_floor_l$l" "$f2"
		keep_report poller_perf "$tmp/err"
	done
done

for i in $(seq 1 "$runs"); do
	measured 0 "$tmp/out" "$tmp/err" env PW_PERF_REPORT=1 "$ex/reactor" -t 1
	keep_report reactor "$tmp/err"
done

echo "# medians over all runs (and over clean runs only)"
echo "event_perf -m 0x3 -t $secs: $(both "$tmp/event_perf_m0x3.core") events/s per core;" \
     "pingpong $(both "$tmp/event_perf_m0x3.rtt") ns"
echo "event_perf -m 0x3 -t $secs, PW_EVENT_PERF_PAD=1:" \
     "$(both "$tmp/event_perf_m0x3_pad.core") events/s per core;" \
     "pingpong $(both "$tmp/event_perf_m0x3_pad.rtt") ns"
echo "event_perf -m 0x1 -t $secs: $(both "$tmp/event_perf_m0x1") events/s;" \
     "clock read $(both "$tmp/clock_read") ns"
echo "reactor_perf -t $secs -q 1: $(both "$tmp/reactor_perf_q1") events/s"
echo "reactor_perf -t $secs -q 128: $(both "$tmp/reactor_perf_q128") events/s"
echo "poller_perf -b 1000 -l 0 -t $secs: $(both "$tmp/poller_perf_l0") ns per poller;" \
     "floor $(both "$tmp/poller_floor_l0") ns"
echo "poller_perf -b 1000 -l 1 -t $secs: $(both "$tmp/poller_perf_l1") ns per poller;" \
     "floor $(both "$tmp/poller_floor_l1") ns"
for tool in event_perf reactor_perf poller_perf reactor; do
	echo "$tool: start-up $(both "$tmp/$tool.startup_app_start_to_first_cb") us;" \
	     "shutdown $(both "$tmp/$tool.shutdown_stop_to_return") us;" \
	     "fini $(both "$tmp/$tool.shutdown_fini") us;" \
	     "VmRSS $(both "$tmp/$tool.vm_rss") kB; VmHWM $(both "$tmp/$tool.vm_hwm") kB"
done
