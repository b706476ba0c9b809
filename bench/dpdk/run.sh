#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# spdk_ring next to DPDK's rte_ring, in one program and one run: builds
# bench/ring_bench.c with -DPW_RING_BENCH_DPDK plus bench/dpdk/ring_dpdk.c
# (compiled with `pkg-config --cflags libdpdk`), links Pinwheel's static
# library and DPDK (`pkg-config --libs libdpdk`), and runs it. The cases and
# output lines are ring_bench's, with a "dpdk" implementation added and
# "<case>_vs_dpdk" ratio lines (spdk_ring time per object / rte_ring's).
#
# No EAL is started (rte_ring_init() works on our own memory), so no
# hugepages, PCI access or --no-huge/--no-pci arguments are needed.
#
# Not part of the CMake build. Needs Debian's libdpdk-dev (exit 77 without it).
#
#   bench/dpdk/run.sh [ring_bench options]      e.g. --smoke, --runs 7, --cpus 0,1
#   PW_DPDK_BENCH_BUILD=<dir>                   build directory (default build-dpdk-bench)

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${PW_DPDK_BENCH_BUILD:-$root/build-dpdk-bench}
cc=${CC:-cc}

if ! pkg-config --exists libdpdk; then
	echo "libdpdk not found by pkg-config (Debian: apt-get install libdpdk-dev): skipped" >&2
	exit 77
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DPW_BUILD_TESTS=OFF -DPW_BUILD_EXAMPLES=OFF -DPW_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target pinwheel_static -j"$(nproc)" >/dev/null

# Same optimisation as CMake's RelWithDebInfo build of the library.
opt=(-O2 -g -DNDEBUG)
"$cc" "${opt[@]}" -std=gnu11 -D_GNU_SOURCE -DPW_RING_BENCH_DPDK -Wall -Wextra \
	-I"$root/include" -I"$root/lib" -c "$root/bench/ring_bench.c" -o "$build/ring_bench_dpdk.o"
# shellcheck disable=SC2046 # pkg-config output is a list of words
"$cc" "${opt[@]}" -Wall $(pkg-config --cflags libdpdk) \
	-c "$here/ring_dpdk.c" -o "$build/ring_dpdk.o"
# shellcheck disable=SC2046
"$cc" -o "$build/ring_bench_dpdk" "$build/ring_bench_dpdk.o" "$build/ring_dpdk.o" \
	"$build/libpinwheel.a" $(pkg-config --libs libdpdk) -lpthread

echo "# rte_ring from DPDK $(pkg-config --modversion libdpdk)"
exec "$build/ring_bench_dpdk" "$@"
