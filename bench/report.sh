#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# The figures that README.md and doc/ quote, from one run of the benchmarks.
#
#   bench/report.sh <builddir> [--quick] [--runs N] [--secs S] [--spdk-env FILE]
#       runs every benchmark N times (default 5; perf tools S seconds, default 3),
#       one process at a time, writes doc/figures.json (every series: median,
#       min, max, each run, unit, command, its floor measured in the same run;
#       the machine, the date, the command) and rewrites the tables between
#       <!-- figures:begin NAME --> and <!-- figures:end NAME --> in README.md
#       and doc/*.md from it. ~10 min (add ~3 min with SPDK); --quick: ~2 min.
#       SPDK_ENV=<SPDK's env.sh> (or --spdk-env) runs SPDK's perf tools in turns
#       with Pinwheel's and fills the SPDK columns.
#   bench/report.sh <builddir> --only json_bench,rpc_latency [--runs N]
#       reruns only these stand-alone benchmarks and replaces their series in
#       doc/figures.json (listed under "updates" with the command and date)
#   bench/report.sh --render     rewrites the tables from doc/figures.json
#   bench/report.sh --check      exits 1 when a table is not what doc/figures.json
#                                gives (a hand-typed figure); run by .ci/run
#   bench/report.sh --help       every option
#
# The work is done by bench/report.py (python3, standard library only).
set -euo pipefail
command -v python3 >/dev/null || { echo "bench/report.sh needs python3" >&2; exit 1; }
exec python3 "$(dirname "$0")/report.py" "$@"
