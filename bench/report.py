#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
"""The figures that README.md and doc/ quote, from one run of the benchmarks.

Run through bench/report.sh (see its usage there, or --help here):

  bench/report.sh <builddir> [--quick] [--runs N] [--secs S] [--spdk-env FILE]
  bench/report.sh --render        tables from the results file, nothing measured
  bench/report.sh --check         the tables in README.md and doc/ are exactly
                                  what the results file gives (CI runs this)

A run executes every benchmark RUNS times, in rounds (round 1 of every
benchmark, then round 2, ...), one process at a time, so that the machine's
changes of state spread over all figures alike. Every figure is the median
over the runs of what the program printed for it (a C benchmark's own value
is itself the median of its internal samples); each figure has its floor
measured in the same run: the C benchmarks sample figure and floor in turns,
the SPDK perf tools on a two-core mask run right after a cache-line ping-pong,
and poller_perf and event_perf measure their own floors (PW_PERF_REPORT=1).
With an SPDK build (SPDK_ENV or --spdk-env: an env.sh that exports
SPDK_EVENT_PERF, SPDK_REACTOR_PERF, SPDK_POLLER_PERF(_OPTS), SPDK_REACTOR),
SPDK's tools run with the same options, alternating with Pinwheel's run by
run, and their medians go in the SPDK columns.

Everything goes to one results file (doc/figures.json): every series (name,
unit, median, min, max, the value of each run, the command), the figures
with their floors next to them, each run's command, wall time, the cpu its
process received and what other processes took meanwhile, and the machine.
The tables in README.md and doc/*.md between
    <!-- figures:begin NAME -->  and  <!-- figures:end NAME -->
are then written from that file, so no figure in them is typed by hand.
"""

import argparse
import datetime
import difflib
import json
import math
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = "doc/figures.json"
DOCS = ["README.md", "doc/bench.md", "doc/bench_idle.md", "doc/perf_tools.md", "doc/rpc.md",
        "doc/iobuf.md", "doc/scheduler.md", "doc/trace.md"]
BEGIN = re.compile(r"^<!-- figures:begin ([a-z0-9_-]+) -->$")
END = re.compile(r"^<!-- figures:end ([a-z0-9_-]+) -->$")
DASH = "–"

# Reactors that never sleep, for the perf tools, which parse their options as
# SPDK's do (so --pw-no-sleep cannot be passed): preloaded, its constructor
# sets what --pw-no-sleep sets.
NOSLEEP_C = r"""/* Reactors that never sleep (--pw-no-sleep) for tools with their own options. */
#include "pinwheel/event.h"

__attribute__((constructor)) static void
report_no_sleep(void)
{
	struct pw_reactor_opts opts;

	pw_reactor_opts_init(&opts, sizeof(opts));
	opts.sleep = false;
	pw_reactor_set_opts(&opts);
}
"""


# ---------------------------------------------------------------------------
# Running one program
# ---------------------------------------------------------------------------

def cpu_jiffies():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return sum(v) - idle, sum(v)


class Run:
    """One finished process: output, exit code, wall time, resources."""

    def __init__(self, argv, rc, out, err, wall, cpu, maxrss_kb, others_pct, timed_out):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.wall = wall
        self.cpu = cpu
        self.maxrss_kb = maxrss_kb
        self.others_pct = others_pct
        self.timed_out = timed_out


def run_process(argv, env, timeout, cwd=None):
    """Runs argv to its end (killed with its process group after timeout s)."""
    hz = os.sysconf("SC_CLK_TCK")
    ncpu = os.cpu_count() or 1
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        b0, t0 = cpu_jiffies()
        w0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, env=env,
                             cwd=cwd, start_new_session=True)
        expired = threading.Event()

        def kill():
            expired.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        # The peak resident memory of the program itself: its VmHWM, read
        # every 0.2 s until it ends (the last read after exec wins; getrusage
        # would also count this Python process copied by fork before exec).
        hwm = [0]
        done = threading.Event()

        def watch():
            while not done.wait(0.2):
                try:
                    with open("/proc/%d/status" % p.pid) as f:
                        m = re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M)
                    if m:
                        hwm[0] = int(m.group(1))
                except OSError:
                    pass

        watcher = threading.Thread(target=watch)
        watcher.start()
        # wait4 rather than Popen.wait: the child's own cpu time.
        _, status, ru = os.wait4(p.pid, 0)
        done.set()
        watcher.join()
        timer.cancel()
        wall = time.monotonic() - w0
        b1, t1 = cpu_jiffies()
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out = fo.read().decode(errors="replace")
        err = fe.read().decode(errors="replace")
    cpu = ru.ru_utime + ru.ru_stime
    # Busy time of the whole machine minus this process's, as a share of
    # all cpus: what other processes took while it ran.
    busy_s = (b1 - b0) / hz
    others = max(0.0, busy_s - cpu) / (ncpu * wall) * 100 if wall > 0 and t1 > t0 else 0.0
    return Run(argv, p.returncode, out, err, wall, cpu, hwm[0], others, expired.is_set())


def nvu_lines(text):
    """The "name value unit" lines of a benchmark's output, as (name, value, unit)."""
    for line in text.splitlines():
        line = line.strip().strip("\r")
        if not line or line.startswith("#"):
            continue
        f = line.split()
        if len(f) < 2 or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", f[0]):
            continue
        try:
            v = float(f[1])
        except ValueError:
            continue
        if math.isfinite(v):
            yield f[0], v, (f[2] if len(f) > 2 else "")


# ---------------------------------------------------------------------------
# A report run
# ---------------------------------------------------------------------------

class Report:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.builddir)
        self.series = {}
        self.runs_log = []
        self.failures = []
        self.spdk_env = None
        self.spdk_version = None
        self.tmp = tempfile.mkdtemp(prefix="pw_report_")
        self.nosleep = None

    # -- bookkeeping --------------------------------------------------------

    def add(self, name, value, unit, command):
        s = self.series.setdefault(name, {"unit": unit, "command": command, "runs": []})
        s["runs"].append(value)

    def log(self, msg):
        print(msg, file=sys.stderr, flush=True)

    def run(self, label, argv, env=None, ncores=1, timeout=None, spdk=False):
        """Runs one benchmark process; returns its Run, or None on failure."""
        e = dict(os.environ)
        if spdk:
            e = dict(self.spdk_env)
        else:
            # Our programs serve RPC on a private path (examples/example_rpc.h),
            # never on SPDK's default one another program may hold.
            e["PW_RPC_SOCKET"] = os.path.join(self.tmp, "spdk.sock")
        if env:
            e.update(env)
        if timeout is None:
            timeout = self.args.secs * 4 + 120
        r = run_process(argv, e, timeout)
        shown = " ".join(shlex.quote(a) for a in self.display_argv(argv, env))
        got = r.cpu / (ncores * r.wall) * 100 if ncores and r.wall > 0 else None
        self.runs_log.append({
            "label": label, "command": shown, "rc": r.rc, "wall_s": round(r.wall, 3),
            "cpu_s": round(r.cpu, 3), "cpu_got_pct": None if got is None else round(got, 1),
            "others_pct": round(r.others_pct, 1), "maxrss_kb": r.maxrss_kb,
        })
        if spdk:
            # DPDK leaves a runtime directory named after the process.
            subprocess.run(["rm", "-rf", "/var/run/dpdk/spdk_pid%d" % self.last_pid(r)],
                           check=False)
        status = "ok"
        if r.timed_out:
            status = "timed out after %.0f s" % timeout
        elif r.rc == 77:
            status = "skipped (77)"
        elif r.rc != 0:
            status = "exit %d" % r.rc
        self.log("  %-28s %6.1f s  cpu %s  others %4.1f%%  %s" % (
            label, r.wall, "  -  " if got is None else "%4.0f%%" % got, r.others_pct, status))
        if status != "ok":
            self.failures.append({"label": label, "command": shown, "status": status,
                                  "stderr_tail": r.err[-600:], "stdout_tail": r.out[-600:]})
            return None
        r.cpu_got = got
        return r

    def last_pid(self, r):
        # The DPDK prefix is spdk_pid<pid>; the pid is in SPDK's EAL line.
        m = re.search(r"--file-prefix=spdk_pid(\d+)", r.err + r.out)
        return int(m.group(1)) if m else 0

    def display_argv(self, argv, env):
        """The command as a person would type it: relative to the build or SPDK."""
        out = []
        for k, v in (env or {}).items():
            if k in ("PW_PERF_REPORT",):
                continue
            if k == "LD_PRELOAD":
                v = "<no-sleep preload>"
            out.append("%s=%s" % (k, v))
        for a in argv:
            if a.startswith(self.build + "/"):
                a = os.path.relpath(a, self.build)
            elif self.spdk_env and a.startswith(self.spdk_env.get("SPDK_DIR", "\0") + "/"):
                a = "SPDK:" + os.path.relpath(a, self.spdk_env["SPDK_DIR"])
            out.append(a)
        return out

    def cpu_series(self, name, r):
        if r.cpu_got is not None:
            self.add(name + ".cpu_got", r.cpu_got, "%", "")

    # -- preparation --------------------------------------------------------

    def check_build(self):
        need = ["bench/msg_bench", "bench/msg_flow", "bench/poller_bench", "bench/mempool_bench",
                "bench/ring_bench", "bench/cacheline_pingpong", "bench/idle_cpu",
                "bench/wakeup_latency", "bench/json_bench", "bench/rpc_latency", "bench/iobuf_bench",
                "bench/sched_round", "bench/sched_power", "bench/trace_bench",
                "bench/many_threads",
                "examples/event_perf", "examples/reactor_perf",
                "examples/poller_perf", "examples/reactor", "examples/poller_test",
                "examples/hello_event"]
        missing = [p for p in need if not os.access(os.path.join(self.build, p), os.X_OK)]
        if missing:
            sys.exit("report: missing in %s: %s (build first: cmake -S . -B %s && "
                     "cmake --build %s -j2)" % (self.build, " ".join(missing), self.args.builddir,
                                                 self.args.builddir))
        cache = {}
        try:
            with open(os.path.join(self.build, "CMakeCache.txt")) as f:
                for line in f:
                    m = re.match(r"([A-Za-z0-9_]+):[A-Z]+=(.*)", line.rstrip("\n"))
                    if m:
                        cache[m.group(1)] = m.group(2)
        except OSError:
            pass
        self.cache = cache
        if cache.get("PW_SANITIZE"):
            sys.exit("report: %s is a sanitizer build (PW_SANITIZE=%s): figures would measure "
                     "the sanitizer" % (self.build, cache["PW_SANITIZE"]))
        if cache.get("CMAKE_BUILD_TYPE", "") not in ("RelWithDebInfo", "Release"):
            self.log("report: warning: build type %r, figures are meant for RelWithDebInfo" %
                     cache.get("CMAKE_BUILD_TYPE", ""))

    def build_nosleep(self):
        src = os.path.join(self.tmp, "nosleep.c")
        so = os.path.join(self.tmp, "nosleep.so")
        with open(src, "w") as f:
            f.write(NOSLEEP_C)
        cc = self.cache.get("CMAKE_C_COMPILER", "cc") or "cc"
        r = subprocess.run([cc, "-shared", "-fPIC", "-O2", "-I", os.path.join(ROOT, "include"),
                            "-o", so, src, "-L", self.build, "-lpinwheel"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("report: cannot build the no-sleep preload library:\n" + r.stderr)
        self.nosleep = so

    def load_spdk(self, path):
        """SPDK's env.sh, sourced in a subshell: its environment for SPDK's tools only."""
        r = subprocess.run(["bash", "-c", '. "$1" >/dev/null && env -0', "spdk-env", path],
                           capture_output=True)
        if r.returncode != 0:
            sys.exit("report: cannot source %s: %s" % (path, r.stderr.decode(errors="replace")))
        env = {}
        for item in r.stdout.split(b"\0"):
            if b"=" in item:
                k, v = item.split(b"=", 1)
                env[k.decode()] = v.decode(errors="replace")
        for k in ("SPDK_EVENT_PERF", "SPDK_REACTOR_PERF", "SPDK_POLLER_PERF", "SPDK_REACTOR"):
            if not os.access(env.get(k, ""), os.X_OK):
                sys.exit("report: %s from %s is not an executable: %r" % (k, path, env.get(k)))
        self.spdk_env = env
        self.build_spdk_flow()

    def build_spdk_flow(self):
        """bench/msg_flow.c uses SPDK's public API only: build it on SPDK too, linked
        with the libraries SPDK's own event_perf is linked with."""
        self.spdk_flow = None
        sdir = self.spdk_env.get("SPDK_DIR", "")
        libdir = os.path.join(sdir, "build", "lib")
        r = subprocess.run(["ldd", self.spdk_env["SPDK_EVENT_PERF"]], capture_output=True,
                           text=True, env=self.spdk_env)
        libs = []
        for m in re.finditer(r"^\s*lib([\w+-]+)\.so", r.stdout, re.M):
            if m.group(1) not in ("c", "gcc_s"):
                libs.append("-l" + m.group(1))
        out = os.path.join(self.tmp, "msg_flow_spdk")
        cc = self.cache.get("CMAKE_C_COMPILER", "cc") or "cc"
        argv = [cc, "-O2", "-g", "-D_GNU_SOURCE", "-I", os.path.join(sdir, "include"),
                "-o", out, os.path.join(ROOT, "bench", "msg_flow.c"), "-L", libdir,
                "-Wl,-rpath," + libdir, "-Wl,--no-as-needed"] + libs
        r = subprocess.run(argv, capture_output=True, text=True)
        if r.returncode != 0:
            self.log("report: cannot build bench/msg_flow.c on SPDK (its SPDK column stays "
                     "empty):\n" + r.stderr[-800:])
            return
        self.spdk_flow = out

    def flow(self, rnd):
        """bench/msg_flow on Pinwheel and the same source on SPDK, in turns."""
        extra = ["--smoke"] if self.args.quick else ["-N", "3"]
        jobs = [("pw", [os.path.join(self.build, "bench", "msg_flow")] + extra)]
        if self.spdk_env and getattr(self, "spdk_flow", None):
            jobs.append(("spdk", [self.spdk_flow] + extra + shlex.split(
                self.spdk_env.get("SPDK_POLLER_PERF_OPTS", ""))))
        if rnd % 2:
            jobs.reverse()
        for kind, argv in jobs:
            name = "msg_flow" if kind == "pw" else "spdk.msg_flow"
            r = self.run(name, argv, ncores=2, spdk=kind == "spdk")
            if r is None:
                continue
            cmd = ("SPDK: the same source built on SPDK, " if kind == "spdk" else "") + \
                " ".join(["bench/msg_flow"] + extra)
            for n, v, u in nvu_lines(r.out):
                self.add(name + "." + n, v, u, cmd)

    # -- the benchmarks -----------------------------------------------------

    def c_bench(self, prog, extra, ncores=1, timeout=None):
        argv = [os.path.join(self.build, "bench", prog)] + extra
        r = self.run(prog, argv, ncores=ncores, timeout=timeout)
        if r is None:
            return None
        cmd = " ".join(["bench/" + prog] + extra)
        for n, v, u in nvu_lines(r.out):
            self.add(prog + "." + n, v, u, cmd)
        if prog == "idle_cpu":
            # "# <case> run N: ...; others used X% of the machine"
            for m in re.finditer(r"^# (\w+) run \d+:.*others used ([\d.]+)% of the machine",
                                 r.out, re.M):
                self.add("idle_cpu.others_" + m.group(1), float(m.group(2)), "%", cmd)
        return r

    def pingpong(self, name):
        """The cache-line round trip right before a cross-core run, kept as its floor."""
        argv = [os.path.join(self.build, "bench", "cacheline_pingpong"), "--runs", "3",
                "--rounds", "5000"]
        r = self.run("cacheline_pingpong", argv, ncores=2)
        if r is not None:
            for n, v, u in nvu_lines(r.out):
                if n == "pingpong_rtt":
                    self.add(name + ".pingpong_ns", v, "ns",
                             "bench/cacheline_pingpong --runs 3 --rounds 5000, right before")

    def tool_figures(self, name, r, tool, spdk):
        """The figures of one perf tool run, from its SPDK-compatible stdout."""
        out = r.out.replace("\r", "")
        cmd = self.tool_cmd[name]
        if tool == "event_perf":
            cores = [float(m.group(1)) for m in re.finditer(r"^lcore\s+\d+:\s+(\d+)", out, re.M)]
            if cores:
                self.add(name + ".per_core", sum(cores) / len(cores), "events/s", cmd)
        elif tool == "reactor_perf":
            m = re.search(r"^Performance:\s+(\d+) events per second", out, re.M)
            if m:
                self.add(name + ".events", float(m.group(1)), "events/s", cmd)
        elif tool == "poller_perf":
            busy = re.search(r"busy:(\d+)", out)
            runs = re.search(r"total_run_count:\s*(\d+)", out)
            hz = re.search(r"tsc_hz:\s*(\d+)", out)
            if busy and runs and hz and int(runs.group(1)) > 0:
                # busy ticks per run in ns, to 0.01 ns: the tool's own
                # poller_cost line rounds down to whole ns.
                ns = int(busy.group(1)) / int(runs.group(1)) / int(hz.group(1)) * 1e9
                self.add(name + ".cost_ns", ns, "ns", cmd)
        elif tool == "reactor":
            self.add(name + ".beyond_t", (r.wall - 1.0) * 1e3, "ms",
                     cmd + " (process wall time - 1 s)")
        if r.maxrss_kb:
            self.add(name + ".peak_rss", r.maxrss_kb, "kB", cmd + " (VmHWM, last read)")
        if not spdk:
            for n, v, u in nvu_lines(r.err):
                self.add(name + "." + n, v, u, "PW_PERF_REPORT=1 " + cmd)
        self.cpu_series(name, r)

    def tools(self, rnd):
        S = str(self.args.secs)
        ex = os.path.join(self.build, "examples")
        env_rep = {"PW_PERF_REPORT": "1"}
        # name: (tool, args, ncores, extra env, pingpong before, spdk, polling A/B)
        cfgs = [
            ("event_perf_m0x3", "event_perf", ["-m", "0x3", "-t", S], 2, {}, True, True, True),
            ("event_perf_m0x3_pad", "event_perf", ["-m", "0x3", "-t", S], 2,
             {"PW_EVENT_PERF_PAD": "1"}, True, False, False),
            ("event_perf_m0x1", "event_perf", ["-m", "0x1", "-t", S], 1, {}, False, True, True),
            ("reactor_perf_q1", "reactor_perf", ["-t", S, "-q", "1"], 1, {}, False, True, True),
            ("reactor_perf_q128", "reactor_perf", ["-t", S, "-q", "128"], 1, {}, False, True,
             True),
            ("poller_perf_l0", "poller_perf", ["-b", "1000", "-l", "0", "-t", S], 1, {}, False,
             True, False),
            ("poller_perf_l1", "poller_perf", ["-b", "1000", "-l", "1", "-t", S], 1, {}, False,
             True, False),
            ("reactor_t1", "reactor", ["-t", "1"], 0, {}, False, True, False),
            # Pinwheel's own tracepoints on (doc/trace.md, "Cost"): the same
            # runs with -e pinwheel, in the same rounds.
            # (PW_PERF_TRACE: these tools keep SPDK's command line, without -e.)
            ("event_perf_m0x3_traced", "event_perf", ["-m", "0x3", "-t", S], 2,
             {"PW_PERF_TRACE": "pinwheel"}, True, False, False),
            ("reactor_perf_q1_traced", "reactor_perf", ["-t", S, "-q", "1"], 1,
             {"PW_PERF_TRACE": "pinwheel"}, False, False, False),
        ]
        spdk_bin = {"event_perf": "SPDK_EVENT_PERF", "reactor_perf": "SPDK_REACTOR_PERF",
                    "poller_perf": "SPDK_POLLER_PERF", "reactor": "SPDK_REACTOR"}
        self.tool_cmd = {}
        for name, tool, targs, ncores, xenv, pp, has_spdk, ab in cfgs:
            envs = " ".join("%s=%s" % kv for kv in xenv.items())
            self.tool_cmd[name] = (envs + " " if envs else "") + " ".join([tool] + targs)
            self.tool_cmd[name + "_poll"] = self.tool_cmd[name] + " (never sleeping)"
            self.tool_cmd["spdk." + name] = "SPDK " + self.tool_cmd[name]
            jobs = [("pw", name)]
            if ab and self.nosleep:
                jobs.append(("poll", name + "_poll"))
            if has_spdk and self.spdk_env:
                jobs.append(("spdk", "spdk." + name))
            if rnd % 2:
                jobs.reverse()
            for kind, series in jobs:
                if pp:
                    self.pingpong(series)
                if kind == "spdk":
                    argv = [self.spdk_env[spdk_bin[tool]]]
                    if tool == "poller_perf":
                        argv += shlex.split(self.spdk_env.get("SPDK_POLLER_PERF_OPTS", ""))
                    argv += targs
                    r = self.run(series, argv, env=xenv, ncores=ncores, spdk=True)
                    if r is not None and self.spdk_version is None:
                        m = re.search(r"Starting (SPDK \S+(?: git sha1 \S+)?)", r.err + r.out)
                        if m:
                            self.spdk_version = m.group(1)
                else:
                    env = dict(env_rep)
                    env.update(xenv)
                    if kind == "poll":
                        env["LD_PRELOAD"] = self.nosleep
                    r = self.run(series, [os.path.join(ex, tool)] + targs, env=env,
                                 ncores=ncores)
                if r is not None:
                    self.tool_figures(series, r, tool, kind == "spdk")

    def extra_benches(self):
        """Benchmarks that stand alone (no SPDK counterpart, no floor from another run):
        also what --only may rerun by itself."""
        q = self.args.quick
        return {
            "json_bench": ["--smoke"] if q else ["--runs", "3"],
            "rpc_latency": (["--samples", "100", "--idle-seconds", "0.5"] if q else
                            ["--samples", "1000", "--idle-seconds", "3"]),
            "iobuf_bench": ["--smoke"] if q else ["--runs", "5"],
            "sched_round": ["--smoke"] if q else ["--runs", "3"],
            "sched_power": ["--smoke"] if q else ["--runs", "1"],
            "trace_bench": ["--smoke"] if q else ["--runs", "5"],
            # One run of each N per invocation: its walks of 100,000 threads take
            # the longest, and the report's rounds give the runs the medians need.
            "many_threads": ["--smoke"] if q else ["--runs", "1", "--big-runs", "1"],
        }

    # Stand-alone benchmarks that need longer than the default limit (secs * 4 + 120):
    # many_threads walks 100,000 threads twice (spdk_for_each_thread, thread_get_stats)
    # and creates and destroys them; measured at about 90 s on a loaded 2-cpu machine
    # (bench/many_threads --runs 3 --big-runs 1), so 600 s leaves a wide margin.
    EXTRA_TIMEOUTS = {"many_threads": 600}

    def one_round(self, rnd):
        a = self.args
        q = a.quick
        if a.only:
            for name in a.only:
                self.c_bench(name, self.extra_benches()[name], ncores=0,
                             timeout=self.EXTRA_TIMEOUTS.get(name))
            return
        runs = ["--runs", "1" if q else "3"]
        # The thread library: messages and pollers.
        self.c_bench("msg_bench", (["--smoke"] if q else runs), ncores=2)
        self.flow(rnd)
        self.c_bench("poller_bench", (["--smoke"] if q else runs))
        # env: mempool and ring.
        self.c_bench("mempool_bench", (["--smoke"] if q else runs), ncores=2)
        self.c_bench("ring_bench", (["--smoke"] if q else runs + ["--seconds", "0.1"]),
                     ncores=2)
        # SPDK's perf tools, with SPDK's own next to them.
        self.tools(rnd)
        # Sleeping reactors: idle cpu and wake-up latency.
        self.c_bench("idle_cpu", ["--runs", "1", "--window", str(a.idle_window)], ncores=0,
                     timeout=a.idle_window * 8 + 120)
        if q:
            self.c_bench("wakeup_latency", ["--rounds", "1", "--samples", "100",
                                            "--late-seconds", "0.5", "--load-seconds", "0.2"],
                         ncores=0)
        else:
            self.c_bench("wakeup_latency", ["--rounds", "1"], ncores=0)
        # JSON and the RPC server; iobuf.
        for name, extra in self.extra_benches().items():
            self.c_bench(name, extra, ncores=0, timeout=self.EXTRA_TIMEOUTS.get(name))

    def machine(self):
        m = {"nproc": os.cpu_count()}
        try:
            with open("/proc/cpuinfo") as f:
                info = f.read()
            mm = re.search(r"^model name\s*:\s*(.*)$", info, re.M)
            m["cpu"] = mm.group(1).strip() if mm else "unknown"
            m["virtual"] = bool(re.search(r"^flags\s*:.*\bhypervisor\b", info, re.M))
        except OSError:
            m["cpu"] = "unknown"
        m["kernel"] = os.uname().release
        cc = self.cache.get("CMAKE_C_COMPILER", "cc") or "cc"
        try:
            v = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout
            ver = subprocess.run([cc, "-dumpfullversion"], capture_output=True,
                                 text=True).stdout.strip()
            if not ver or "clang" in v:
                ver = subprocess.run([cc, "-dumpversion"], capture_output=True,
                                     text=True).stdout.strip()
            m["compiler"] = "%s %s" % ("clang" if "clang" in v else "gcc", ver)
            m["compiler_version"] = v.splitlines()[0].strip()
        except (OSError, IndexError):
            m["compiler"] = cc
        bt = self.cache.get("CMAKE_BUILD_TYPE", "")
        m["build_type"] = bt
        m["cflags"] = self.cache.get("CMAKE_C_FLAGS_" + bt.upper(), "")
        try:
            m["commit"] = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty",
                                          "--abbrev=7"], capture_output=True,
                                         text=True).stdout.strip()
        except OSError:
            m["commit"] = "unknown"
        with open("/proc/loadavg") as f:
            m["loadavg_before"] = float(f.read().split()[0])
        return m

    def go(self):
        a = self.args
        self.check_build()
        if a.spdk_env:
            self.load_spdk(a.spdk_env)
        if not a.no_polling:
            self.build_nosleep()
        t0 = time.monotonic()
        started = datetime.datetime.now(datetime.timezone.utc)
        machine = self.machine()
        self.log("report: %d round(s), perf tools %s s each, %s; results to %s" % (
            a.runs, a.secs, "with SPDK" if self.spdk_env else "no SPDK", a.out))
        for rnd in range(a.runs):
            self.log("round %d of %d (%.0f s so far)" % (rnd + 1, a.runs, time.monotonic() - t0))
            self.one_round(rnd)
        elapsed = time.monotonic() - t0
        if a.only:
            return self.merge_only(started, elapsed)
        res = {
            "generated_by": "bench/report.sh",
            "command": a.command_line,
            "date": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration_s": round(elapsed),
            "mode": "quick" if a.quick else "default",
            "options": {"runs": a.runs, "secs": a.secs, "idle_window": a.idle_window,
                        "polling": not a.no_polling},
            "machine": machine,
            "spdk": None if not self.spdk_env else {
                "version": self.spdk_version or "unknown", "env": a.spdk_env,
                "poller_perf_opts": self.spdk_env.get("SPDK_POLLER_PERF_OPTS", "")},
            "failures": self.failures,
            "series": {},
            "figures": [],
            "runs": self.runs_log,
        }
        for k in sorted(self.series):
            res["series"][k] = self.series_json(k)
        res["figures"] = figure_list(res)
        with open(os.path.join(ROOT, a.out), "w") as f:
            json.dump(res, f, indent=1, ensure_ascii=False)
            f.write("\n")
        self.log("report: %d series, %d failure(s), %.0f s; wrote %s" % (
            len(res["series"]), len(self.failures), elapsed, a.out))
        for fl in self.failures:
            self.log("  failed: %s: %s" % (fl["command"], fl["status"]))
        subprocess.run(["rm", "-rf", self.tmp], check=False)
        return res


    def series_json(self, k):
        s = self.series[k]
        v = s["runs"]
        return {"unit": s["unit"], "median": rnd6(statistics.median(v)), "min": rnd6(min(v)),
                "max": rnd6(max(v)), "n": len(v), "runs": [rnd6(x) for x in v],
                "command": s["command"]}

    def merge_only(self, started, elapsed):
        """--only: the named benchmarks' series replace theirs in the results file; the
        rest of it (and its command, date, machine) stays, and "updates" says what was
        rerun, when and how."""
        a = self.args
        path = os.path.join(ROOT, a.out)
        try:
            with open(path) as f:
                res = json.load(f)
        except (OSError, ValueError) as e:
            sys.exit("report: --only updates %s, which cannot be read: %s" % (a.out, e))
        for k in [k for k in res["series"] if k.split(".")[0] in a.only]:
            del res["series"][k]
        for k in sorted(self.series):
            res["series"][k] = self.series_json(k)
        res.setdefault("updates", []).append({
            "command": a.command_line, "date": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration_s": round(elapsed), "benchmarks": a.only, "runs": a.runs,
            "commit": self.machine().get("commit", "unknown"),
            "failures": self.failures})
        res["figures"] = figure_list(res)
        with open(path, "w") as f:
            json.dump(res, f, indent=1, ensure_ascii=False)
            f.write("\n")
        self.log("report: --only %s: %d series, %d failure(s), %.0f s; updated %s" % (
            ",".join(a.only), len(self.series), len(self.failures), elapsed, a.out))
        subprocess.run(["rm", "-rf", self.tmp], check=False)
        return res


def rnd6(x):
    return float("%.6g" % x)


# ---------------------------------------------------------------------------
# Figures: which series is a figure, and which floor and SPDK value go with it
# ---------------------------------------------------------------------------

# (figure, what it is, floor series..., SPDK series or None)
FIGURES = [
    ("poller_perf_l0.cost_ns", "untimed poller dispatch, poller_perf -b 1000 -l 0",
     ["poller_perf_l0.poller_floor_before", "poller_perf_l0.poller_floor_after"],
     "spdk.poller_perf_l0.cost_ns"),
    ("poller_perf_l1.cost_ns", "timed poller dispatch (1 us period), poller_perf -b 1000 -l 1",
     ["poller_perf_l1.poller_floor_before", "poller_perf_l1.poller_floor_after"],
     "spdk.poller_perf_l1.cost_ns"),
    ("event_perf_m0x1.per_core", "events, one core, event_perf -m 0x1",
     ["event_perf_m0x1.clock_read"], "spdk.event_perf_m0x1.per_core"),
    ("event_perf_m0x3.per_core", "events between two cores, per core, event_perf -m 0x3",
     ["event_perf_m0x3.pingpong_ns"], "spdk.event_perf_m0x3.per_core"),
    ("event_perf_m0x3_pad.per_core", "the same with the tool's counters padded apart",
     ["event_perf_m0x3_pad.pingpong_ns"], None),
    ("reactor_perf_q1.events", "events to self, 1 queued, reactor_perf -q 1", [],
     "spdk.reactor_perf_q1.events"),
    ("reactor_perf_q128.events", "events to self, 128 queued, reactor_perf -q 128", [],
     "spdk.reactor_perf_q128.events"),
    ("reactor_t1.startup_app_start_to_first_cb", "start-up, spdk_app_start() to first callback",
     [], None),
    ("reactor_t1.shutdown_stop_to_return", "shutdown, spdk_app_stop() to return", [], None),
    ("reactor_t1.beyond_t", "reactor -t 1: process wall time beyond its 1 s", [],
     "spdk.reactor_t1.beyond_t"),
    ("poller_perf_l0.peak_rss", "peak resident memory, poller_perf -b 1000", [],
     "spdk.poller_perf_l0.peak_rss"),
    ("msg_bench.msg_samecore_self_mmsgs", "messages to itself, one pthread",
     ["msg_bench.msg_samecore_floor_indirect_call_ns"], None),
    ("msg_bench.msg_samecore_other_mmsgs", "messages to another thread, one pthread",
     ["msg_bench.msg_samecore_floor_indirect_call_ns"], None),
    ("msg_bench.msg_pingpong_rtt_ns", "message ping-pong round trip, cpu0 <-> cpu1",
     ["msg_bench.msg_pingpong_floor_cacheline_rtt_ns",
      "msg_bench.msg_pingpong_floor_twoline_rtt_ns"], None),
    ("msg_bench.msg_xcore_poller_w128_mmsgs", "messages cpu0 -> cpu1, 128 in flight, poller",
     ["msg_bench.msg_xcore_poller_w128_floor_spsc_mitems",
      "msg_bench.msg_xcore_poller_w128_floor_cacheline_rtt_ns"], None),
    ("msg_bench.msg_xcore_foreign_w128_mmsgs", "messages cpu0 -> cpu1, 128 in flight, foreign",
     ["msg_bench.msg_xcore_foreign_w128_floor_spsc_mitems",
      "msg_bench.msg_xcore_foreign_w128_floor_cacheline_rtt_ns"], None),
    ("msg_bench.msg_xcore_poller_w1_ns", "one message at a time cpu0 -> cpu1, poller",
     ["msg_bench.msg_xcore_poller_w1_floor_cacheline_rtt_ns"], None),
    ("msg_flow.msg_flow_mmsgs", "messages core 0 -> core 1, flow-controlled (128 in flight, "
     "a credit per 32), msg_flow",
     ["msg_flow.msg_flow_floor_twoline_rtt_ns", "msg_flow.msg_flow_floor_cacheline_rtt_ns"],
     "spdk.msg_flow.msg_flow_mmsgs"),
    ("msg_flow.msg_flow_send_ns", "sender cost of one spdk_thread_send_msg, flow-controlled",
     [], "spdk.msg_flow.msg_flow_send_ns"),
    ("msg_flow.msg_flow_pingpong_rtt_ns", "message ping-pong round trip under spdk_app_start, "
     "msg_flow", ["msg_flow.msg_flow_floor_twoline_rtt_ns"], "spdk.msg_flow.msg_flow_pingpong_rtt_ns"),
    ("poller_bench.poller_untimed_1000_ns", "untimed poller dispatch (poller_bench)",
     ["poller_bench.poller_floor_indirect_call_ns"], None),
    ("poller_bench.poller_timed_1000_ns", "timed poller dispatch (poller_bench)",
     ["poller_bench.poller_floor_indirect_call_ns"], None),
    ("mempool_bench.mempool_get_put_cached_ns", "mempool get + put, cached",
     ["mempool_bench.ref_tls_freelist_ns", "mempool_bench.ref_malloc_free_ns"], None),
    ("ring_bench.xcore_pw_mp_sc_enq1_deq32", "ring cpu0 -> cpu1, MP/SC, 1 in, bursts out",
     ["ring_bench.xcore_ref_sp_sc_enq1_deq32", "ring_bench.pingpong_rtt_start"], None),
    ("idle_cpu.poller_test_sleep_max_cpu_exact", "idle poller_test -m 0x3, busier reactor",
     ["idle_cpu.poller_test_poll_max_cpu_exact"], None),
    ("idle_cpu.hello_event_sleep_max_cpu_exact", "idle hello_event -m 0x3, busier reactor",
     ["idle_cpu.hello_event_poll_max_cpu_exact"], None),
    ("wakeup_latency.msg_sleeping_p50", "message to a sleeping reactor, p50",
     ["wakeup_latency.floor_eventfd_epoll_p50"], None),
    ("wakeup_latency.late_1ms_p50", "1 ms timed poller on a sleeping reactor, lateness p50",
     ["wakeup_latency.floor_timer_1ms_p50"], None),
]


def figure_list(res):
    """The figures with their floors and SPDK values, resolved from the series."""
    S = res["series"]

    def brief(k):
        if k not in S:
            return None
        s = S[k]
        return {"name": k, "median": s["median"], "min": s["min"], "max": s["max"],
                "unit": s["unit"], "n": s["n"]}

    out = []
    for k, what, floors, spdk in FIGURES:
        if k not in S:
            continue
        f = dict(brief(k))
        f["what"] = what
        f["runs"] = S[k]["runs"]
        f["command"] = S[k]["command"]
        f["floors"] = [b for b in (brief(x) for x in floors) if b]
        f["spdk"] = brief(spdk) if spdk else None
        out.append(f)
    return out


# ---------------------------------------------------------------------------
# Tables, written from the results file
# ---------------------------------------------------------------------------

def num(x, digits=3):
    """x to about `digits` significant digits, without exponent."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if x == 0:
        return "0"
    mag = int(math.floor(math.log10(abs(x))))
    dec = max(0, digits - 1 - mag)
    if abs(x) >= 1000:
        return "{:,.0f}".format(x)
    return "%.*f" % (dec, x)


class View:
    """Formats series of one results file for the tables."""

    def __init__(self, res):
        self.res = res
        self.S = res["series"]
        self.runs = res["options"]["runs"]
        self.secs = res["options"]["secs"]

    def has(self, k):
        return k in self.S

    def m(self, k, scale=1.0, unit="", digits=3, fmt=None):
        """Median of series k, scaled, with its unit; a dash if not measured."""
        if k not in self.S:
            return DASH
        v = self.S[k]["median"] * scale
        s = (fmt % v) if fmt else num(v, digits)
        return s + (" " + unit if unit else "")

    def r(self, k, scale=1.0, unit="", digits=3, fmt=None):
        """Median (min-max) of series k."""
        if k not in self.S:
            return DASH
        s = self.S[k]

        def f(v):
            return (fmt % (v * scale)) if fmt else num(v * scale, digits)
        txt = "%s (%s-%s)" % (f(s["median"]), f(s["min"]), f(s["max"]))
        return txt + (" " + unit if unit else "")

    def ratio(self, a, b, fmt="%.2f", suffix="x"):
        """Median over runs of a/b, run by run (both taken in the same runs)."""
        if a not in self.S or b not in self.S:
            return DASH
        ra, rb = self.S[a]["runs"], self.S[b]["runs"]
        if len(ra) != len(rb) or not ra:
            return DASH
        v = [x / y for x, y in zip(ra, rb) if y]
        if not v:
            return DASH
        return (fmt % statistics.median(v)) + suffix

    def mean2(self, a, b, scale=1.0, unit="", digits=3):
        """Median of the per-run means of two series (a floor taken before and after)."""
        if a not in self.S or b not in self.S:
            return self.m(a if a in self.S else b, scale, unit, digits)
        v = [(x + y) / 2 for x, y in zip(self.S[a]["runs"], self.S[b]["runs"])]
        return num(statistics.median(v) * scale, digits) + (" " + unit if unit else "")

    def cmd(self, k):
        return self.S[k]["command"] if k in self.S else DASH

    def caption(self, what=""):
        res = self.res
        mc = res["machine"]
        spdk = res.get("spdk")
        parts = [
            "Generated by `bench/report.sh` from [doc/figures.json](%s) (do not edit): "
            % ("doc/figures.json" if self.in_readme else "figures.json"),
            "%s, %s, %d cpus%s, Linux %s, %s %s (%s), Pinwheel %s; "
            % (res["date"][:10], mc["cpu"], mc["nproc"], " (VM)" if mc.get("virtual") else "",
               mc["kernel"], mc["compiler"],
               mc["build_type"], mc["cflags"].split(" ")[0] if mc["cflags"] else "",
               mc["commit"]),
            "median of %d runs%s" % (res["options"]["runs"],
                                     " (quick mode)" if res.get("mode") == "quick" else ""),
        ]
        if spdk and what == "spdk":
            parts.append("; SPDK %s, its tools run in turns with Pinwheel's" %
                         re.sub(r"^SPDK ", "", spdk["version"]))
        fails = res.get("failures") or []
        if fails:
            parts.append("; %d run(s) failed (see the results file)" % len(fails))
        return "".join(parts) + "."


def stand_alone_caption(v, bench):
    """Caption of a stand-alone benchmark's table: the full run's, or the --only run's
    that last replaced its series."""
    cap = v.caption()
    ups = [u for u in v.res.get("updates", []) if bench in u.get("benchmarks", [])]
    if ups:
        u = ups[-1]
        cap = cap[:-1] + ("; `%s` rerun on %s at Pinwheel %s by `%s` (median of %d runs)." %
                          (bench, u["date"][:10], u.get("commit", "?"), u["command"], u["runs"]))
    return cap


def t_rpc_latency(v):
    w = "rpc_latency."
    L = [stand_alone_caption(v, "rpc_latency"),
         "Median over the runs of each run's percentile (min-max over the runs); "
         "`bench/rpc_latency`, one app on `-m 0x3` with its RPC server on.", "",
         "| | p50 | p99 |", "|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    row("floor: the same bytes over a Unix socketpair to a pthread blocked in `read()`",
        v.r(w + "floor_unix_echo_p50", 1, "us"), v.r(w + "floor_unix_echo_p99", 1, "us"))
    row("`spdk_get_version` to an app whose reactor sleeps, send to response",
        v.r(w + "rpc_sleeping_p50", 1, "us"), v.r(w + "rpc_sleeping_p99", 1, "us"))
    L += ["", "Idle, server on, nothing asking: the process used %s of one core "
          "(both reactors and the server)." % v.r(w + "idle_cpu", 1, "%", fmt="%.3f")]
    return L


def t_json_speed(v):
    j = "json_bench."
    L = [stand_alone_caption(v, "json_bench"),
         "`bench/json_bench`: a `thread_get_pollers`-like result of %s and a 120-byte "
         "pretty-printed request." % v.m(j + "pollers_bytes", 1, "bytes", fmt="%.0f"), "",
         "| what | Pinwheel | floor, same run | times the floor |", "|---|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    row("`spdk_json_parse`, large document", v.r(j + "parse_pollers_mbps", 1, "MB/s"),
        "`memchr` " + v.r(j + "memchr_pollers_mbps", 1, "MB/s"),
        v.m(j + "parse_vs_memchr", fmt="%.0f") + "x slower")
    row("`spdk_json_write_*` producing it", v.r(j + "write_pollers_mbps", 1, "MB/s"),
        "`memcpy` " + v.r(j + "memcpy_pollers_mbps", 1, "MB/s"),
        v.m(j + "write_vs_memcpy", fmt="%.0f") + "x slower")
    row("`spdk_json_write_val` of its parsed values", v.r(j + "write_val_pollers_mbps", 1, "MB/s"),
        "", "")
    row("`spdk_json_parse`, small request", v.r(j + "parse_request_ns", 1, "ns"), "", "")
    row("parse + `spdk_json_decode_object`, small request",
        v.r(j + "parse_decode_request_ns", 1, "ns"), "", "")
    return L


def t_iobuf(v):
    w = "iobuf_bench."
    L = [stand_alone_caption(v, "iobuf_bench"),
         "`bench/iobuf_bench`, SPDK's default pools (8192 x 8 KiB, 1024 x 132 KiB), small "
         "buffers, channel caches of 128; pthreads pinned to cpus 0 and 1.", "",
         "| what | iobuf | floor, same run | times the floor |", "|---|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    row("`spdk_iobuf_get` + `spdk_iobuf_put`, one thread, cache hit",
        v.r(w + "cache_hit_ns", 1, "ns"),
        "per-thread free list pop + push " + v.r(w + "floor_tls_freelist_ns", 1, "ns"),
        v.ratio(w + "cache_hit_ns", w + "floor_tls_freelist_ns"))
    row("got on cpu 0, passed through an SPSC ring, put on cpu 1 (per buffer)",
        v.r(w + "cross_core_ns", 1, "ns"),
        "the same SPSC pass, no allocator " + v.r(w + "floor_cross_core_ns", 1, "ns"),
        v.ratio(w + "cross_core_ns", w + "floor_cross_core_ns"))
    row("pool empty: a get that queues, a put that serves it (per pair)",
        v.r(w + "exhausted_wait_ns", 1, "ns"),
        "FIFO insert + remove + indirect call " + v.r(w + "floor_queue_call_ns", 1, "ns"),
        v.ratio(w + "exhausted_wait_ns", w + "floor_queue_call_ns"))
    L += ["",
          "| memory | |", "|---|---|",
          "| idle app (one core, no RPC server), its subsystems initialised (iobuf reserved "
          "SPDK's default pools) | %s |" % v.m(w + "app_rss_kib", 1, "KiB", fmt="%.0f"),
          "| resident memory added by `spdk_iobuf_initialize()` | %s |" %
          v.r(w + "init_rss_kib", 1, "KiB", fmt="%.0f"),
          "| address space it reserves | %s |" % v.m(w + "init_vm_mib", 1, "MiB", fmt="%.0f"),
          "| first get of a never-used buffer (its first page fault; excluded above) | %s |" %
          v.r(w + "first_touch_us", 1, "us")]
    return L


def t_readme_perf(v):
    S = str(v.secs)
    spdk = v.res.get("spdk")
    L = [v.caption("spdk"), "",
         "| what | command | Pinwheel | floor, same run | SPDK, same run |",
         "|---|---|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    sp = (lambda k, **kw: v.m(k, **kw)) if spdk else (lambda k, **kw: "not run")
    row("untimed poller dispatch", "`poller_perf -b 1000 -l 0 -t %s`" % S,
        v.m("poller_perf_l0.cost_ns", unit="ns"),
        "%s: the tool's callback through an indirect call" %
        v.mean2("poller_perf_l0.poller_floor_before", "poller_perf_l0.poller_floor_after",
                unit="ns"),
        sp("spdk.poller_perf_l0.cost_ns", unit="ns"))
    row("timed poller dispatch, 1 us period", "`poller_perf -b 1000 -l 1 -t %s`" % S,
        v.m("poller_perf_l1.cost_ns", unit="ns"),
        "%s: the same with a deadline check" %
        v.mean2("poller_perf_l1.poller_floor_before", "poller_perf_l1.poller_floor_after",
                unit="ns"),
        sp("spdk.poller_perf_l1.cost_ns", unit="ns"))
    row("messages, one pthread: to itself / to another thread", "`bench/msg_bench`",
        "%s / %s" % (v.m("msg_bench.msg_samecore_self_mmsgs"),
                     v.m("msg_bench.msg_samecore_other_mmsgs", unit="M/s")),
        "indirect call %s" % v.m("msg_bench.msg_samecore_floor_indirect_call_ns", unit="ns"),
        "no such tool")
    row("messages cpu0 -> cpu1, 128 in flight: poller / foreign sender", "`bench/msg_bench`",
        "%s / %s" % (v.m("msg_bench.msg_xcore_poller_w128_mmsgs"),
                     v.m("msg_bench.msg_xcore_foreign_w128_mmsgs", unit="M/s")),
        "SPSC ring %s / %s items; ping-pong %s / %s" % (
            v.m("msg_bench.msg_xcore_poller_w128_floor_spsc_mitems"),
            v.m("msg_bench.msg_xcore_foreign_w128_floor_spsc_mitems", unit="M/s"),
            v.m("msg_bench.msg_xcore_poller_w128_floor_cacheline_rtt_ns"),
            v.m("msg_bench.msg_xcore_foreign_w128_floor_cacheline_rtt_ns", unit="ns")),
        "no such tool")
    row("message ping-pong round trip, cpu0 <-> cpu1", "`bench/msg_bench`",
        v.m("msg_bench.msg_pingpong_rtt_ns", unit="ns"),
        "cache line round trip: one line %s, two lines %s" % (
            v.m("msg_bench.msg_pingpong_floor_cacheline_rtt_ns", unit="ns"),
            v.m("msg_bench.msg_pingpong_floor_twoline_rtt_ns", unit="ns")),
        "no such tool")
    row("messages core 0 -> core 1 under `spdk_app_start`, flow-controlled (128 in flight, "
        "a credit message per 32, refilled in its handler); sender cost per send",
        "`bench/msg_flow`",
        "%s; %s" % (v.m("msg_flow.msg_flow_mmsgs", unit="M/s"),
                    v.m("msg_flow.msg_flow_send_ns", unit="ns")),
        "two-line cache-line round trip %s" % v.m("msg_flow.msg_flow_floor_twoline_rtt_ns",
                                                  unit="ns"),
        "%s; %s (same source)" % (sp("spdk.msg_flow.msg_flow_mmsgs", unit="M/s"),
                                  sp("spdk.msg_flow.msg_flow_send_ns", unit="ns")))
    row("message ping-pong round trip under `spdk_app_start`", "`bench/msg_flow`",
        v.m("msg_flow.msg_flow_pingpong_rtt_ns", unit="ns"),
        "two lines %s (%s)" % (v.m("msg_flow.msg_flow_floor_twoline_rtt_ns", unit="ns"),
                               v.ratio("msg_flow.msg_flow_pingpong_rtt_ns",
                                       "msg_flow.msg_flow_floor_twoline_rtt_ns")),
        sp("spdk.msg_flow.msg_flow_pingpong_rtt_ns", unit="ns"))
    row("events, one core", "`event_perf -m 0x1 -t %s`" % S,
        v.m("event_perf_m0x1.per_core", 1e-6, "M/s"),
        "clock read %s (one per event)" % v.m("event_perf_m0x1.clock_read", unit="ns"),
        sp("spdk.event_perf_m0x1.per_core", scale=1e-6, unit="M/s"))
    row("events between two cores, per core", "`event_perf -m 0x3 -t %s`" % S,
        v.m("event_perf_m0x3.per_core", 1e-6, "M/s"),
        "cache line ping-pong right before: %s" % v.m("event_perf_m0x3.pingpong_ns",
                                                       unit="ns"),
        sp("spdk.event_perf_m0x3.per_core", scale=1e-6, unit="M/s"))
    row("the same, the tool's two counters on separate lines",
        "`PW_EVENT_PERF_PAD=1 event_perf -m 0x3 -t %s`" % S,
        v.m("event_perf_m0x3_pad.per_core", 1e-6, "M/s"),
        "ping-pong right before: %s" % v.m("event_perf_m0x3_pad.pingpong_ns", unit="ns"),
        "not comparable")
    row("events to self, 1 / 128 queued", "`reactor_perf -t %s -q 1` / `-q 128`" % S,
        "%s / %s" % (v.m("reactor_perf_q1.events", 1e-6),
                     v.m("reactor_perf_q128.events", 1e-6, "M/s")),
        DASH,
        "%s / %s" % (sp("spdk.reactor_perf_q1.events", scale=1e-6),
                     sp("spdk.reactor_perf_q128.events", scale=1e-6, unit="M/s"))
        if spdk else "not run")
    row("start-up: `spdk_app_start()` to first callback", "`reactor -t 1`",
        v.m("reactor_t1.startup_app_start_to_first_cb", 1e-3, "ms"),
        "of which ~1 ms is tick calibration", DASH)
    row("shutdown: `spdk_app_stop()` to return", "`reactor -t 1`",
        v.m("reactor_t1.shutdown_stop_to_return", unit="us"), DASH, DASH)
    row("whole process beyond its 1 s run", "`reactor -t 1`",
        v.m("reactor_t1.beyond_t", unit="ms"), DASH,
        sp("spdk.reactor_t1.beyond_t", unit="ms"))
    row("peak resident memory", "`poller_perf -b 1000 -l 0 -t %s`" % S,
        v.m("poller_perf_l0.peak_rss", 1 / 1024, "MB"), DASH,
        sp("spdk.poller_perf_l0.peak_rss", scale=1 / 1024, unit="MB"))
    return L


def t_readme_idle(v):
    W = "%g" % v.res["options"]["idle_window"]
    L = [v.caption(), "",
         "| what | sleeping | polling / floor, same run |",
         "|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    for prog, poll in (("poller_test", "-b"), ("hello_event", "--pw-no-sleep")):
        row("idle `%s -m 0x3`, cpu per reactor (0 / 1) over %s s" % (prog, W),
            "%s%% / %s%%" % (v.m("idle_cpu.%s_sleep_reactor0_cpu_exact" % prog, fmt="%.3f"),
                             v.m("idle_cpu.%s_sleep_reactor1_cpu_exact" % prog, fmt="%.3f")),
            "%s%% / %s%% polling (`%s`)" % (
                v.m("idle_cpu.%s_poll_reactor0_cpu_exact" % prog, fmt="%.1f"),
                v.m("idle_cpu.%s_poll_reactor1_cpu_exact" % prog, fmt="%.1f"), poll))
    row("busy: `event_perf -m 0x3` / `-m 0x1`, `reactor_perf -q 1` / `-q 128`",
        " / ".join(v.ratio(a, a.replace(".", "_poll.", 1), fmt="%.3f", suffix="") for a in (
            "event_perf_m0x3.per_core", "event_perf_m0x1.per_core", "reactor_perf_q1.events",
            "reactor_perf_q128.events")) + " of polling",
        "the same tools with reactors that never sleep, in turns")
    row("message to a sleeping reactor, p50 / p99",
        "%s / %s" % (v.m("wakeup_latency.msg_sleeping_p50", 1e-3),
                     v.m("wakeup_latency.msg_sleeping_p99", 1e-3, "us")),
        "eventfd + `epoll_wait` floor %s / %s; polling reactor %s / %s" % (
            v.m("wakeup_latency.floor_eventfd_epoll_p50", 1e-3),
            v.m("wakeup_latency.floor_eventfd_epoll_p99", 1e-3, "us"),
            v.m("wakeup_latency.msg_polling_p50", 1e-3),
            v.m("wakeup_latency.msg_polling_p99", 1e-3, "us")))
    row("1 ms timed poller on a sleeping reactor, lateness p50 / p99",
        "%s / %s" % (v.m("wakeup_latency.late_1ms_p50"),
                     v.m("wakeup_latency.late_1ms_p99", unit="us")),
        "`ppoll` timer floor %s / %s" % (v.m("wakeup_latency.floor_timer_1ms_p50"),
                                         v.m("wakeup_latency.floor_timer_1ms_p99", unit="us")))
    return L


def t_bench_thread(v):
    L = [v.caption(), "Median (min-max) over the runs; ratios are taken run by run; the goal "
         "is the program's `_target` line.", "",
         "| figure | measured | floor in the same run | figure / floor | goal |",
         "|---|---|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    p = "poller_bench."
    row("untimed poller dispatch (1,000 pollers)", v.r(p + "poller_untimed_1000_ns", unit="ns"),
        "indirect call " + v.r(p + "poller_floor_indirect_call_ns", unit="ns"),
        v.ratio(p + "poller_untimed_1000_ns", p + "poller_floor_indirect_call_ns"),
        "<= " + v.m(p + "poller_untimed_target_ns", unit="ns"))
    row("timed poller dispatch (1,000 pollers, 1 us)", v.r(p + "poller_timed_1000_ns", unit="ns"),
        "indirect call " + v.r(p + "poller_floor_indirect_call_ns", unit="ns"),
        v.ratio(p + "poller_timed_1000_ns", p + "poller_floor_indirect_call_ns"),
        "<= " + v.m(p + "poller_timed_target_ns", unit="ns"))
    row("idle slice", v.r(p + "poller_idle_slice_ns", unit="ns"),
        "`spdk_get_ticks()` " + v.r(p + "poller_floor_get_ticks_ns", unit="ns") +
        " (two per slice)",
        v.ratio(p + "poller_idle_slice_ns", p + "poller_floor_get_ticks_ns"), DASH)
    row("100 us poller lateness p50 / p99", "%s / %s" % (
        v.r(p + "poller_lateness_p50_ns"), v.r(p + "poller_lateness_p99_ns", unit="ns")),
        "spinning on the clock %s / %s" % (v.r(p + "poller_lateness_floor_p50_ns"),
                                           v.r(p + "poller_lateness_floor_p99_ns", unit="ns")),
        v.ratio(p + "poller_lateness_p50_ns", p + "poller_lateness_floor_p50_ns") + " (p50)",
        DASH)
    m = "msg_bench.msg_"
    for t, what in (("self", "to itself"), ("other", "to another thread")):
        row("messages on one pthread, %s" % what,
            "%s (%s)" % (v.r(m + "samecore_%s_mmsgs" % t, unit="M/s"),
                         v.m(m + "samecore_%s_ns" % t, unit="ns")),
            "indirect call " + v.r(m + "samecore_floor_indirect_call_ns", unit="ns"),
            v.m(m + "samecore_%s_ratio" % t, fmt="%.1f") + "x",
            ">= " + v.m(m + "samecore_target_mmsgs", unit="M/s"))
    row("message ping-pong round trip", v.r(m + "pingpong_rtt_ns", unit="ns"),
        "one line %s; two lines %s" % (v.r(m + "pingpong_floor_cacheline_rtt_ns", unit="ns"),
                                       v.r(m + "pingpong_floor_twoline_rtt_ns", unit="ns")),
        "%s one line, %s two lines" % (v.m(m + "pingpong_ratio", fmt="%.2f") + "x",
                                       v.m(m + "pingpong_ratio_twoline", fmt="%.2f") + "x"),
        "<= " + v.m(m + "pingpong_ratio_target", fmt="%.1f") + "x one line")
    for s in ("poller", "foreign"):
        row("cpu0 -> cpu1, 128 in flight, %s sender" % s,
            "%s (%s)" % (v.r(m + "xcore_%s_w128_mmsgs" % s, unit="M/s"),
                         v.m(m + "xcore_%s_w128_ns" % s, unit="ns")),
            "SPSC ring %s items; ping-pong %s" % (
                v.r(m + "xcore_%s_w128_floor_spsc_mitems" % s, unit="M/s"),
                v.r(m + "xcore_%s_w128_floor_cacheline_rtt_ns" % s, unit="ns")),
            v.m(m + "xcore_%s_w128_ratio_spsc" % s, fmt="%.1f") + "x (ns per message / "
            "ns per item)",
            ">= " + v.m(m + "xcore_%s_w128_target_mmsgs" % s, unit="M/s") +
            " (median of the state's goals)")
    for s in ("poller", "foreign"):
        row("cpu0 -> cpu1, 1 in flight, %s sender" % s,
            v.r(m + "xcore_%s_w1_ns" % s, unit="ns"),
            "ping-pong " + v.r(m + "xcore_%s_w1_floor_cacheline_rtt_ns" % s, unit="ns"),
            v.m(m + "xcore_%s_w1_ratio_rtt" % s, fmt="%.2f") + "x", DASH)
    return L


def t_bench_env(v):
    L = [v.caption(), "", "| figure | measured | floor / reference in the same run |",
         "|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    p = "mempool_bench."
    for k, what in (("get_put_cached", "get + put, one pthread, cache on"),
                    ("get_put_nocache", "get + put, one pthread, no cache"),
                    ("bulk32_cached", "get_bulk(32) + put_bulk(32), cache on"),
                    ("bulk32_nocache", "get_bulk(32) + put_bulk(32), no cache")):
        row("mempool %s" % what, v.r(p + "mempool_%s_ns" % k, unit="ns"),
            "thread-local free list %s; malloc + free %s" % (
                v.m(p + "ref_tls_freelist_ns", unit="ns"), v.m(p + "ref_malloc_free_ns",
                                                               unit="ns")))
    for k, what in (("contended_cached", "get + put on two cpus at once, cache on"),
                    ("contended_nocache", "get + put on two cpus at once, no cache"),
                    ("handoff_cached", "taken on cpu0, put on cpu1, cache on"),
                    ("handoff_nocache", "taken on cpu0, put on cpu1, no cache")):
        row("mempool %s" % what, v.r(p + "mempool_%s_ns" % k, unit="ns"),
            "malloc + free on two cpus at once %s" % v.m(p + "ref_malloc_contended_ns",
                                                         unit="ns"))
    g = "ring_bench."
    for t in ("sp_sc", "mp_sc", "mp_mc"):
        for pat in ("enq1_deq1", "enq1_deq32", "enq32_deq32"):
            c = "%s_%s" % (t, pat)
            row("spdk_ring %s cpu0 -> cpu1, %s" % (t.upper().replace("_", "/"),
                                                   pat.replace("_", ", ")),
                v.r(g + "xcore_pw_" + c, unit="ns/obj"),
                "plain SPSC queue %s (%s); ping-pong %s" % (
                    v.m(g + "xcore_ref_sp_sc_" + pat, unit="ns/obj"),
                    v.m(g + "xcore_pw_%s_vs_ref" % c, fmt="%.2f") + "x",
                    v.m(g + "xcore_%s_rtt" % c, unit="ns")))
    for t in ("sp_sc", "mp_sc", "mp_mc"):
        for pat in ("enq1_deq1", "enq32_deq32"):
            c = "%s_%s" % (t, pat)
            row("spdk_ring %s one pthread, %s" % (t.upper().replace("_", "/"),
                                                  pat.replace("_", ", ")),
                v.r(g + "local_pw_" + c, unit="ns/obj"),
                "plain SPSC queue %s (%s)" % (v.m(g + "local_ref_sp_sc_" + pat, unit="ns/obj"),
                                              v.m(g + "local_pw_%s_vs_ref" % c, fmt="%.2f") +
                                              "x"))
    return L


def t_perf_tools(v):
    spdk = v.res.get("spdk")
    S = str(v.secs)
    L = [v.caption("spdk"), "Median (min-max) over the runs; \"cpu\" is the cpu time the "
         "process received as a share of the cores it spins on (median over the runs).", "",
         "| command | Pinwheel | cpu | floor, same run | SPDK, same run | cpu |",
         "|---|---|---|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    def cpu(k):
        return v.m(k + ".cpu_got", fmt="%.0f") + "%" if v.has(k + ".cpu_got") else DASH

    def sp(k, **kw):
        return v.r(k, **kw) if spdk else "not run"

    row("`event_perf -m 0x3 -t %s` (per core)" % S,
        v.r("event_perf_m0x3.per_core", 1e-6, "M/s"), cpu("event_perf_m0x3"),
        "ping-pong right before " + v.r("event_perf_m0x3.pingpong_ns", unit="ns"),
        sp("spdk.event_perf_m0x3.per_core", scale=1e-6, unit="M/s"),
        cpu("spdk.event_perf_m0x3"))
    row("same, `PW_EVENT_PERF_PAD=1`", v.r("event_perf_m0x3_pad.per_core", 1e-6, "M/s"),
        cpu("event_perf_m0x3_pad"),
        "ping-pong right before " + v.r("event_perf_m0x3_pad.pingpong_ns", unit="ns"),
        DASH, DASH)
    row("`event_perf -m 0x1 -t %s`" % S, v.r("event_perf_m0x1.per_core", 1e-6, "M/s"),
        cpu("event_perf_m0x1"), "clock read " + v.r("event_perf_m0x1.clock_read", unit="ns"),
        sp("spdk.event_perf_m0x1.per_core", scale=1e-6, unit="M/s"),
        cpu("spdk.event_perf_m0x1"))
    for q in ("1", "128"):
        row("`reactor_perf -t %s -q %s`" % (S, q),
            v.r("reactor_perf_q%s.events" % q, 1e-6, "M/s"), cpu("reactor_perf_q" + q), DASH,
            sp("spdk.reactor_perf_q%s.events" % q, scale=1e-6, unit="M/s"),
            cpu("spdk.reactor_perf_q" + q))
    for l in ("0", "1"):
        row("`poller_perf -b 1000 -l %s -t %s` (ns per run)" % (l, S),
            v.r("poller_perf_l%s.cost_ns" % l, unit="ns"), cpu("poller_perf_l" + l),
            "before %s, after %s" % (v.r("poller_perf_l%s.poller_floor_before" % l, unit="ns"),
                                     v.r("poller_perf_l%s.poller_floor_after" % l, unit="ns")),
            sp("spdk.poller_perf_l%s.cost_ns" % l, unit="ns"), cpu("spdk.poller_perf_l" + l))
    L += ["", "| per run of | start-up: `spdk_app_start()` to first callback | shutdown: "
          "`spdk_app_stop()` to return | `spdk_app_fini()` | VmRSS / VmHWM after the run | "
          "VmHWM read by the report, SPDK's in the same run |",
          "|---|---|---|---|---|---|"]
    for k, what in (("event_perf_m0x3", "`event_perf -m 0x3`"),
                    ("event_perf_m0x1", "`event_perf -m 0x1`"),
                    ("reactor_perf_q1", "`reactor_perf -q 1`"),
                    ("poller_perf_l0", "`poller_perf -b 1000 -l 0`"),
                    ("reactor_t1", "`reactor -t 1`")):
        row(what, v.r(k + ".startup_app_start_to_first_cb", 1e-3, "ms"),
            v.r(k + ".shutdown_stop_to_return", unit="us"),
            v.r(k + ".shutdown_fini", unit="us"),
            "%s / %s" % (v.m(k + ".vm_rss", 1 / 1024), v.m(k + ".vm_hwm", 1 / 1024, "MB")),
            "%s / %s" % (v.m(k + ".peak_rss", 1 / 1024, "MB") if v.has(k + ".peak_rss") else DASH,
                         v.m("spdk." + k + ".peak_rss", 1 / 1024, "MB")
                         if v.has("spdk." + k + ".peak_rss") else DASH))
    L += ["", "`reactor -t 1`, the whole process beyond its 1 s: Pinwheel %s, SPDK %s." % (
        v.r("reactor_t1.beyond_t", unit="ms"), sp("spdk.reactor_t1.beyond_t", unit="ms"))]
    return L


def t_idle_cpu(v):
    W = "%g" % v.res["options"]["idle_window"]
    L = [v.caption(), "Share of one core used by each reactor pthread over a %s s window, "
         "from `/proc/<pid>/task/<tid>/schedstat`: median (min-max) over the runs." % W, "",
         "| program (on -m 0x3) | reactor 0 (main) | reactor 1 | other processes meanwhile |",
         "|---|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    for case, what in (("poller_test_sleep", "`poller_test` (sleeps: the default)"),
                       ("poller_test_poll", "`poller_test -b` (busy-polls)"),
                       ("hello_event_sleep", "`hello_event` (sleeps: the default)"),
                       ("hello_event_poll", "`hello_event --pw-no-sleep`")):
        fmt = "%.3f" if case.endswith("sleep") else "%.1f"
        row(what, v.r("idle_cpu.%s_reactor0_cpu_exact" % case, fmt=fmt) + " %",
            v.r("idle_cpu.%s_reactor1_cpu_exact" % case, fmt=fmt) + " %",
            v.m("idle_cpu.others_%s" % case, fmt="%.1f") + " %"
            if v.has("idle_cpu.others_%s" % case) else DASH)
    L += ["", "Sleeping / polling, the busier reactor: poller_test %s, hello_event %s." % (
        v.m("idle_cpu.poller_test_sleep_vs_poll", fmt="%.5f"),
        v.m("idle_cpu.hello_event_sleep_vs_poll", fmt="%.5f"))]
    return L


def t_idle_load(v):
    S = str(v.secs)
    L = [v.caption(), "", "| tool, `-t %s` | sleeping | polling | sleeping / polling, "
         "run by run |" % S, "|---|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    for k, what in (("event_perf_m0x3.per_core", "`event_perf -m 0x3` (events/s per core)"),
                    ("event_perf_m0x1.per_core", "`event_perf -m 0x1`"),
                    ("reactor_perf_q1.events", "`reactor_perf -q 1`"),
                    ("reactor_perf_q128.events", "`reactor_perf -q 128`")):
        pk = k.replace(".", "_poll.", 1)
        row(what, v.r(k, 1e-6, "M"), v.r(pk, 1e-6, "M"), v.ratio(k, pk, "%.3f", ""))
    w = "wakeup_latency."
    L += ["", "| case (`wakeup_latency`) | sleeping | polling | sleeping / polling |",
          "|---|---|---|---|"]
    row("ping-pong core 0 <-> core 1 (ns per round trip)",
        v.r(w + "pingpong_sleeping_rtt"), v.r(w + "pingpong_polling_rtt"),
        v.m(w + "pingpong_sleeping_vs_polling", fmt="%.3f") + " (time)")
    row("stream core 0 -> core 1, 128 in flight (M msg/s)", v.r(w + "stream_w128_sleeping"),
        v.r(w + "stream_w128_polling"), v.m(w + "stream_w128_sleeping_vs_polling", fmt="%.3f"))
    return L


def t_idle_wakeup(v):
    w = "wakeup_latency."
    L = [v.caption(), "Median over the runs of each run's p50 and p99 (min-max over the runs).",
         "", "| | p50 | p99 |", "|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    row("floor: eventfd -> pthread in `epoll_wait`", v.r(w + "floor_eventfd_epoll_p50", 1e-3,
                                                         "us"),
        v.r(w + "floor_eventfd_epoll_p99", 1e-3, "us"))
    row("message to a sleeping reactor", v.r(w + "msg_sleeping_p50", 1e-3, "us"),
        v.r(w + "msg_sleeping_p99", 1e-3, "us"))
    row("message to a polling reactor (`--pw-no-sleep`)", v.r(w + "msg_polling_p50", 1e-3, "us"),
        v.r(w + "msg_polling_p99", 1e-3, "us"))
    L += ["", "Sleeping reactor against its floor, sample for sample in the same app: "
          "%s later, %s the floor (medians over the runs)." % (
              v.m(w + "msg_sleeping_minus_floor_by_round", 1e-3, "us"),
              v.m(w + "msg_sleeping_vs_floor_by_round", fmt="%.2f") + "x")]
    return L


def t_idle_timers(v):
    w = "wakeup_latency."
    L = [v.caption(), "", "| | p50 | p99 | max |", "|---|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    for k, what in (("late_1ms", "1 ms poller"), ("late_10ms", "10 ms poller"),
                    ("floor_timer_1ms", "floor: `ppoll()` 1 ms timeout")):
        row(what, v.r(w + k + "_p50", unit="us"), v.r(w + k + "_p99", unit="us"),
            v.r(w + k + "_max", unit="us"))
    return L


def t_sched_round(v):
    w = "sched_round."
    L = [stand_alone_caption(v, "sched_round"),
         "`bench/sched_round`: the dynamic scheduler's `balance()` on simulated cores, 1,000 "
         "threads (60% idle 0-5%, 30% moderate 10-50%, 10% busy 100%; 1% draw a new load each "
         "round), 200 rounds per run; median (min-max) over the runs.", "",
         "| cores | one round's `balance()` | history record | moves, first round | "
         "moves per round after | cores with threads at the end |", "|---|---|---|---|---|---|"]
    for c in (64, 256):
        k = w + "c%d_" % c
        L.append("| %d | %s | %s | %s | %s | %s |" % (
            c, v.r(k + "us_per_round", 1, "us"), v.r(k + "record_us_per_round", 1, "us"),
            v.r(k + "moves_first_round", fmt="%.0f"), v.r(k + "moves_per_round", fmt="%.2f"),
            v.r(k + "busy_cores_end", fmt="%.0f")))
    return L


def sched_power_rows(v):
    w = "sched_power."
    L = ["| scheduler | process cpu (% of one core) | worker's throughput (units/s) |",
         "|---|---|---|"]
    for s in ("static", "dynamic"):
        L.append("| `%s` | %s | %s |" % (s, v.r(w + s + "_cpu_pct", 1, "%", fmt="%.1f"),
                                         v.r(w + s + "_units_per_s", fmt="%.0f")))
    L += ["", "Dynamic / static: cpu %s, throughput %s (offered: %s units/s)." % (
        v.m(w + "dynamic_vs_static_cpu", fmt="%.2f"), v.m(w + "dynamic_vs_static_units",
                                                          fmt="%.2f"),
        v.m(w + "offered_units_per_s", fmt="%.0f"))]
    return L


def t_sched_power(v):
    L = [stand_alone_caption(v, "sched_power"),
         "`bench/sched_power`: `-m 0x3`, 8 idle threads (untimed pollers that find no work) "
         "and one worker running 20 us work units at 50% of a core; static against dynamic "
         "(period 20 ms); process cpu from `/proc/self/task/*/schedstat` over 3 s after 1.5 s "
         "of settling; median (min-max) over the runs.", ""]
    return L + sched_power_rows(v)


def per_n_rows(header, cells, counts=(1000, 10000, 100000)):
    """A many_threads table: the header row, then one row per N of the cells
    cells(k) gives for the key prefix k ("many_threads.n<N>_")."""
    L = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for n in counts:
        L.append("| %s | %s |" % ("{:,}".format(n), " | ".join(cells("many_threads.n%d_" % n))))
    return L


def many_rows(v):
    return per_n_rows(
        ["N threads (1% busy)", "create per thread", "destroy per thread", "RSS per idle thread",
         "reactor iteration (floor: busy only)", "busy threads' messages (floor)",
         "share of the floor's rate (goal >= 0.80)"],
        lambda k: [v.r(k + "create_us", unit="us", fmt="%.2f"),
                   v.r(k + "destroy_us", unit="us", fmt="%.2f"),
                   v.r(k + "rss_per_idle_b", unit="B", fmt="%.0f"),
                   "%s (%s)" % (v.r(k + "iter_ns", unit="ns", fmt="%.0f"),
                                v.m(k + "floor_iter_ns", unit="ns", fmt="%.0f")),
                   "%s (%s)" % (v.r(k + "msg_mmsgs", unit="M/s", fmt="%.2f"),
                                v.m(k + "floor_msg_mmsgs", unit="M/s", fmt="%.2f")),
                   v.r(k + "msg_ratio", fmt="%.2f")])


def many_walk_rows(v):
    """The walks over every thread and a scheduling round, per thread, same runs."""
    return per_n_rows(
        ["N threads (1% busy)", "`spdk_for_each_thread` per thread",
         "`thread_get_stats` walk per thread", "its JSON per thread",
         "busy threads' rate during it (share of the floor)",
         "scheduling round per thread: gather / balance / apply (moves)"],
        lambda k: [v.r(k + "for_each_us", unit="us", fmt="%.2f"),
                   v.r(k + "stats_us", unit="us", fmt="%.2f"),
                   v.m(k + "stats_json_b", unit="B", fmt="%.0f"),
                   v.r(k + "stats_msg_ratio", fmt="%.2f"),
                   "%s / %s / %s (%s)" % (v.m(k + "gather_ns", unit="ns", fmt="%.0f"),
                                          v.m(k + "balance_ns", unit="ns", fmt="%.0f"),
                                          v.m(k + "apply_ns", unit="ns", fmt="%.0f"),
                                          v.m(k + "moves", fmt="%.0f"))])


def t_many_threads(v):
    L = [stand_alone_caption(v, "many_threads"),
         "`bench/many_threads`: `-m 0x3`, N lightweight threads, 1% of them busy (pairs across "
         "the two cores, 8 messages bouncing in each), the rest idle (one message each, then "
         "nothing); each figure next to the same run with only the busy threads (the floor); "
         "median (min-max) over the runs (N = 100,000: one run per invocation).", ""]
    return L + many_rows(v) + ["", "With the same threads: a walk over every thread, the walk "
                               "the `thread_get_stats` RPC makes (each thread's stats and poller "
                               "counts written as JSON), while the busy threads run; then one "
                               "scheduling round of the dynamic scheduler (idle threads of core 1 "
                               "go to core 0), its phases' cost summed over both reactors and "
                               "divided by N.", ""] + many_walk_rows(v)


def t_readme_many(v):
    return (["`bench/many_threads` (N threads on `-m 0x3`, 1%% busy, the rest idle; %s):" %
             stand_alone_caption(v, "many_threads").rstrip("."), ""] + many_rows(v) +
            ["", "Walks over every thread and a scheduling round, per thread (same runs):", ""] +
            many_walk_rows(v))


def t_readme_sched(v):
    return (["`bench/sched_power` (8 idle threads + one worker at 50%% of a core, `-m 0x3`; "
             "%s):" % stand_alone_caption(v, "sched_power").rstrip("."), ""] + sched_power_rows(v))


def t_trace_cost(v):
    w = "trace_bench."
    L = [stand_alone_caption(v, "trace_bench"),
         "`bench/trace_bench`: rings of 4096 entries (128 KiB per pthread), wrapped many "
         "times in every run; one pthread pinned to a cpu unless said.", "",
         "| what | per record | floor, same run | times the floor |", "|---|---|---|---|"]

    def row(*c):
        L.append("| " + " | ".join(c) + " |")

    row("`spdk_trace_record()` of a disabled tracepoint (the mask test)",
        v.r(w + "off_ns", 1, "ns"), "the empty loop " + v.r(w + "floor_loop_ns", 1, "ns"),
        v.ratio(w + "off_ns", w + "floor_loop_ns"))
    row("`if (spdk_unlikely(pw_trace_group_on(G)))` with the group off",
        v.r(w + "group_off_ns", 1, "ns"), "the empty loop " + v.r(w + "floor_loop_ns", 1, "ns"),
        v.ratio(w + "group_off_ns", w + "floor_loop_ns"))
    row("`spdk_trace_record_tsc()`, one 8-byte argument (1 entry), tsc given",
        v.r(w + "record_tsc_ns", 1, "ns"),
        "32 bytes into a private ring slot " + v.r(w + "floor_store_ns", 1, "ns"),
        v.ratio(w + "record_tsc_ns", w + "floor_store_ns"))
    row("`spdk_trace_record()`, one 8-byte argument, clock read",
        v.r(w + "record_ns", 1, "ns"), "`spdk_get_ticks()` " + v.r(w + "floor_ticks_ns", 1, "ns"),
        v.ratio(w + "record_ns", w + "floor_ticks_ns"))
    row("`spdk_trace_record()`, four 8-byte arguments (3 entries), clock read",
        v.r(w + "record_4args_ns", 1, "ns"), "", "")
    row("%s pthreads recording at once, each on its cpu and ring (each)" %
        v.m(w + "par_pthreads", fmt="%.0f"), v.r(w + "par_record_ns", 1, "ns"),
        "one pthread alone " + v.r(w + "record_ns", 1, "ns"),
        v.ratio(w + "par_record_ns", w + "record_ns"))
    L += ["",
          "| throughput | records/s |", "|---|---|",
          "| one pthread (clock read) | %s |" % v.r(w + "records_per_s", 1e-6, "M", fmt="%.1f"),
          "| %s pthreads together | %s |" % (v.m(w + "par_pthreads", fmt="%.0f"),
                                             v.r(w + "par_records_per_s", 1e-6, "M", fmt="%.1f"))]
    return L


def t_trace_slowdown(v):
    S = str(v.secs)
    L = [v.caption(),
         "Each tool run twice per round, as usual and with `PW_PERF_TRACE=pinwheel` (as "
         "`-e pinwheel`: every record of "
         "Pinwheel's own tracepoints written to its pthread's ring, which overwrites its "
         "oldest entries when full); the ratio is taken round by round.", "",
         "| what | command | tracing off | `PW_PERF_TRACE=pinwheel` | on / off |",
         "|---|---|---|---|---|"]

    def row(what, cmd, off, on, scale, unit):
        L.append("| %s | %s | %s | %s | %s |" % (what, cmd, v.m(off, scale, unit),
                                                  v.m(on, scale, unit), v.ratio(on, off)))

    row("events between two cores, per core", "`event_perf -m 0x3 -t %s`" % S,
        "event_perf_m0x3.per_core", "event_perf_m0x3_traced.per_core", 1e-6, "M/s")
    row("events to self, 1 queued", "`reactor_perf -t %s -q 1`" % S,
        "reactor_perf_q1.events", "reactor_perf_q1_traced.events", 1e-6, "M/s")
    return L


TABLES = {
    "readme-idle": ("README.md", t_readme_idle),
    "readme-perf": ("README.md", t_readme_perf),
    "bench-thread": ("doc/bench.md", t_bench_thread),
    "bench-env": ("doc/bench.md", t_bench_env),
    "perf-tools": ("doc/perf_tools.md", t_perf_tools),
    "idle-cpu": ("doc/bench_idle.md", t_idle_cpu),
    "idle-load": ("doc/bench_idle.md", t_idle_load),
    "idle-wakeup": ("doc/bench_idle.md", t_idle_wakeup),
    "idle-timers": ("doc/bench_idle.md", t_idle_timers),
    "rpc-latency": ("doc/rpc.md", t_rpc_latency),
    "json-speed": ("doc/rpc.md", t_json_speed),
    "iobuf": ("doc/iobuf.md", t_iobuf),
    "sched-round": ("doc/scheduler.md", t_sched_round),
    "sched-power": ("doc/scheduler.md", t_sched_power),
    "readme-sched": ("README.md", t_readme_sched),
    "trace-cost": ("doc/trace.md", t_trace_cost),
    "trace-slowdown": ("doc/trace.md", t_trace_slowdown),
    "many-threads": ("doc/bench.md", t_many_threads),
    "readme-many": ("README.md", t_readme_many),
}


def render(res, name):
    path, fn = TABLES[name]
    v = View(res)
    v.in_readme = path == "README.md"
    return fn(v)


def regenerate(res, write):
    """Rewrites (or, write=False, compares) every figures block; returns the problems."""
    problems = []
    seen = set()
    for path in DOCS:
        full = os.path.join(ROOT, path)
        with open(full) as f:
            lines = f.read().split("\n")
        out = []
        i = 0
        while i < len(lines):
            m = BEGIN.match(lines[i])
            if not m:
                if END.match(lines[i]):
                    problems.append("%s:%d: figures:end without its begin" % (path, i + 1))
                out.append(lines[i])
                i += 1
                continue
            name = m.group(1)
            j = i + 1
            while j < len(lines) and not END.match(lines[j]):
                if BEGIN.match(lines[j]):
                    break
                j += 1
            if j == len(lines) or END.match(lines[j]).group(1) != name:
                problems.append("%s:%d: figures:begin %s has no matching end" % (path, i + 1, name))
                out.append(lines[i])
                i += 1
                continue
            if name not in TABLES or TABLES[name][0] != path:
                problems.append("%s:%d: unknown figures block %r (known here: %s)" % (
                    path, i + 1, name, ", ".join(k for k, t in TABLES.items() if t[0] == path)))
                out += lines[i:j + 1]
                i = j + 1
                continue
            if name in seen:
                problems.append("%s:%d: figures block %s appears twice" % (path, i + 1, name))
            seen.add(name)
            want = render(res, name)
            have = lines[i + 1:j]
            if have != want:
                diff = "\n".join(difflib.unified_diff(have, want, "%s (as committed)" % path,
                                                      "%s (from %s)" % (path, RESULTS),
                                                      lineterm="", n=0))
                problems.append("%s:%d: figures block %s differs from what %s gives:\n%s" % (
                    path, i + 1, name, RESULTS, diff))
            out.append(lines[i])
            out += want
            out.append(lines[j])
            i = j + 1
        if write:
            new = "\n".join(out)
            if new != "\n".join(lines):
                with open(full, "w") as f:
                    f.write(new)
    for name, (path, _) in TABLES.items():
        if name not in seen:
            problems.append("%s: figures block %s is missing (<!-- figures:begin %s --> ... "
                            "<!-- figures:end %s -->)" % (path, name, name, name))
    return problems


# Benchmarks --only may rerun by themselves (Report.extra_benches()).
STAND_ALONE = ("json_bench", "rpc_latency", "iobuf_bench", "sched_round", "sched_power",
               "trace_bench", "many_threads")


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        prog="bench/report.sh",
        description="Runs the benchmarks, writes doc/figures.json and regenerates the "
                    "figure tables of README.md and doc/*.md from it.")
    ap.add_argument("builddir", nargs="?", help="a built tree (RelWithDebInfo or Release)")
    ap.add_argument("--quick", action="store_true",
                    help="a try-out run of about 2 minutes: 2 rounds, smoke-sized benchmarks, "
                         "1 s perf tools (figures are rough)")
    ap.add_argument("--runs", type=int, help="rounds: runs of every benchmark (default 5)")
    ap.add_argument("--secs", type=int, help="seconds per perf tool run (default 3)")
    ap.add_argument("--idle-window", type=float,
                    help="idle_cpu's measuring window in s (default 3)")
    ap.add_argument("--spdk-env", default=os.environ.get("SPDK_ENV") or None,
                    help="SPDK's env.sh (default: $SPDK_ENV): run SPDK's tools in turns with "
                         "Pinwheel's")
    ap.add_argument("--no-polling", action="store_true",
                    help="skip the never-sleeping runs of the perf tools (sleeping vs polling)")
    ap.add_argument("--only", type=lambda x: x.split(","),
                    help="NAME[,NAME]: rerun only these stand-alone benchmarks (json_bench, "
                         "rpc_latency, iobuf_bench, sched_round, sched_power, trace_bench, "
                         "many_threads) and replace their series in the results file")
    ap.add_argument("--out", default=RESULTS, help="results file, relative to the source tree "
                    "(default %s)" % RESULTS)
    ap.add_argument("--no-render", action="store_true",
                    help="write the results file only, leave README.md and doc/ alone")
    ap.add_argument("--render", action="store_true",
                    help="measure nothing: rewrite the tables from the results file")
    ap.add_argument("--check", action="store_true",
                    help="measure nothing: exit 1 if a table differs from what the results "
                         "file gives")
    a = ap.parse_args()
    a.command_line = "bench/report.sh " + " ".join(shlex.quote(x) for x in sys.argv[1:])
    if a.spdk_env and "--spdk-env" not in sys.argv[1:]:
        a.command_line = "SPDK_ENV=%s %s" % (shlex.quote(a.spdk_env), a.command_line)

    if a.check or a.render:
        try:
            with open(os.path.join(ROOT, a.out)) as f:
                res = json.load(f)
        except (OSError, ValueError) as e:
            sys.exit("report: cannot read %s: %s" % (a.out, e))
        problems = regenerate(res, write=a.render)
        if a.check:
            for p in problems:
                print(p, file=sys.stderr)
            if problems:
                print("report: %d problem(s): the figures in README.md and doc/ must be what "
                      "`bench/report.sh --render` writes from %s (a new run: "
                      "`bench/report.sh <builddir>`)" % (len(problems), a.out), file=sys.stderr)
                sys.exit(1)
            print("report: every figures block of %s is what %s gives (%d blocks)" % (
                ", ".join(DOCS), a.out, len(TABLES)))
            return
        for p in problems:
            if "differs" not in p:
                print(p, file=sys.stderr)
        return

    if not a.builddir:
        ap.error("a build directory is needed (or --check / --render)")
    if a.quick:
        a.runs = a.runs or 2
        a.secs = a.secs or 1
        a.idle_window = a.idle_window or 0.5
    else:
        a.runs = a.runs or 5
        a.secs = a.secs or 3
        a.idle_window = a.idle_window or 3.0
    if a.runs < 1 or a.runs > 30 or a.secs < 1 or a.secs > 600:
        ap.error("--runs 1..30, --secs 1..600")
    if a.only:
        bad = [x for x in a.only if x not in STAND_ALONE]
        if bad:
            ap.error("--only takes %s, not %s" % (", ".join(STAND_ALONE), ",".join(bad)))
    if (os.cpu_count() or 1) < 2:
        sys.exit("report: two cpus are needed (cross-core figures)")
    res = Report(a).go()
    if not a.no_render:
        for p in regenerate(res, write=True):
            if "differs" not in p:
                print(p, file=sys.stderr)
        print("report: tables rewritten in %s" % ", ".join(DOCS), file=sys.stderr)


if __name__ == "__main__":
    main()
