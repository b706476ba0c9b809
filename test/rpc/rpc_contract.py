#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# The RPC contract: every method issue 16 lists answers with SPDK's result
# keys and types, and the objects spdk_top decodes strictly carry exactly the
# keys its decoders want (app/spdk_top/spdk_top.c: rpc_core_info_decoders,
# rpc_core_thread_info_decoders, rpc_thread_info_decoders,
# rpc_pollers_decoders, rpc_thread_pollers_decoders, rpc_scheduler_decoders,
# the tick_rate decoder) for every --pw-rpc-compat setting:
#
#   reactor objects   <= v24.01: lcore busy idle in_interrupt lw_threads
#                     v24.05:    + irq sys usr
#                     v24.09 to v26.01: + tid
#                     later / latest / default: + numa_id
#                     (core_freq may appear in any: spdk_top has it optional)
#
# One unknown or missing key makes spdk_top exit at start, so the sets are
# compared exactly. Runs examples/rpc_hello (app_thread and hello_worker,
# whose timed poller hello_tick and paused poller hello_paused fill the
# poller lists) on a private socket.
#
#   rpc_contract.py --app build/examples/rpc_hello [--spdk] [--app-arg ARG ...]

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import rpcapp  # noqa: E402

rpc = rpcapp.rpc

METHODS = (
    "rpc_get_methods", "spdk_get_version", "spdk_kill_instance", "framework_start_init",
    "framework_wait_init", "framework_get_reactors", "thread_get_stats", "thread_get_pollers",
    "thread_get_io_channels", "thread_set_cpumask", "framework_get_scheduler", "log_set_flag",
    "log_clear_flag", "log_get_flags", "log_set_level", "log_get_level", "log_set_print_level",
    "log_get_print_level", "log_enable_timestamps", "framework_get_subsystems",
    "framework_get_config", "hello_threads",
)
STARTUP_ONLY = ("framework_start_init",)


# ---- types, as SPDK's decoders accept them ----------------------------------

def u64(v):
    return type(v) is int and 0 <= v < 1 << 64


def u32(v):
    return type(v) is int and 0 <= v < 1 << 32


def i32(v):
    return type(v) is int and -(1 << 31) <= v < 1 << 31


def boolean(v):
    return type(v) is bool


def string(v):
    return type(v) is str


def array(v):
    return type(v) is list


def hexmask(v):
    """A cpumask as SPDK prints it: hex digits, no 0x."""
    return type(v) is str and re.fullmatch(r"[0-9a-fA-F]+", v) is not None


REACTOR_BASE = {"lcore": u32, "busy": u64, "idle": u64, "in_interrupt": boolean,
                "lw_threads": array}
REACTOR_STAT = {"irq": u64, "sys": u64, "usr": u64}
REACTOR_TID = {"tid": u64}
REACTOR_NUMA = {"numa_id": i32}
REACTOR_OPTIONAL = {"core_freq": u32}


def reactor_keys(compat):
    keys = dict(REACTOR_BASE)
    if compat in ("v24.05", "v24.09", "v26.01", "latest", None):
        keys.update(REACTOR_STAT)
    if compat in ("v24.09", "v26.01", "latest", None):
        keys.update(REACTOR_TID)
    if compat in ("latest", None):
        keys.update(REACTOR_NUMA)
    return keys


LW_THREAD = {"name": string, "id": u64, "cpumask": hexmask, "elapsed": u64}
THREAD_STATS = {"name": string, "id": u64, "cpumask": hexmask, "busy": u64, "idle": u64,
                "active_pollers_count": u64, "timed_pollers_count": u64,
                "paused_pollers_count": u64}
POLLER_THREAD = {"name": string, "id": u64, "active_pollers": array, "timed_pollers": array,
                 "paused_pollers": array}
POLLER = {"name": string, "state": string, "id": u64, "run_count": u64, "busy_count": u64}
POLLER_STATES = ("waiting", "running", "unregistered", "pausing", "paused")


def check_object(obj, spec, where, optional=None):
    """obj has exactly spec's keys (plus any of optional's), each of its type."""
    assert isinstance(obj, dict), "%s: not an object: %r" % (where, obj)
    optional = optional or {}
    keys = set(obj)
    missing = set(spec) - keys
    unknown = keys - set(spec) - set(optional)
    assert not missing and not unknown, "%s: missing %s, unknown %s in %r" % (
        where, sorted(missing), sorted(unknown), obj)
    for key, value in obj.items():
        test = spec.get(key) or optional.get(key)
        assert test(value), "%s: %s = %r is not a %s" % (where, key, value, test.__name__)


def expect_error(app, method, params, codes):
    try:
        result = app.call(method, params)
    except rpc.RpcError as e:
        assert e.code in codes, "%s %r: error %s (%s), expected %s" % (
            method, params, e.code, e.message, codes)
        assert string(e.message) and e.message, "%s: an error without a message" % method
        return e
    raise AssertionError("%s %r succeeded (%r), expected an error %s" % (
        method, params, result, codes))


def cpu_mask():
    allowed = os.sched_getaffinity(0)
    return "0x3" if {0, 1} <= allowed else "0x1"


# ---- the checks of framework_get_reactors, shared by every setting ----------

def check_reactors(app, compat, opts):
    res = app.call("framework_get_reactors")
    check_object(res, {"tick_rate": u64, "pid": u64, "reactors": array},
                 "framework_get_reactors")
    assert res["pid"] == app.proc.pid, "pid %s, the app is %s" % (res["pid"], app.proc.pid)
    assert res["tick_rate"] > 0
    want_cores = [0, 1] if cpu_mask() == "0x3" else [0]
    assert sorted(r.get("lcore") for r in res["reactors"]) == want_cores, res["reactors"]
    names = []
    for r in res["reactors"]:
        where = "reactor %s (compat %s)" % (r.get("lcore"), compat or "default")
        check_object(r, reactor_keys(compat), where, REACTOR_OPTIONAL)
        for t in r["lw_threads"]:
            check_object(t, LW_THREAD, where + " lw_thread")
            names.append(t["name"])
    assert sorted(names) == ["app_thread", "hello_worker"], "threads on reactors: %s" % names
    return res


# ---- the checks ---------------------------------------------------------------

def methods_listed(opts):
    app = rpcapp.start_app(opts, ["-m", cpu_mask()])
    try:
        every = app.call("rpc_get_methods")
        assert array(every) and all(string(m) for m in every), every
        missing = [m for m in METHODS if m not in every]
        assert not missing, "rpc_get_methods lacks %s" % missing
        assert len(set(every)) == len(every), "a method listed twice: %s" % every
        current = app.call("rpc_get_methods", {"current": True})
        for m in METHODS:
            if m in STARTUP_ONLY:
                assert m not in current, "%s listed as current in RUNTIME" % m
            else:
                assert m in current, "%s not listed as current in RUNTIME" % m
        aliases = app.call("rpc_get_methods", {"include_aliases": True})
        assert set(every) <= set(aliases), "include_aliases lost methods"
        expect_error(app, "rpc_get_methods", {"current": "yes"}, (-32602, -32603))
        app.stop_cleanly()
    finally:
        app.cleanup()


def every_method(opts):
    app = rpcapp.start_app(opts, ["-m", cpu_mask()])
    try:
        ver = app.call("spdk_get_version")
        check_object(ver, {"version": string, "fields": lambda v: isinstance(v, dict)},
                     "spdk_get_version")
        check_object(ver["fields"], {"major": i32, "minor": i32, "patch": i32, "suffix": string},
                     "spdk_get_version.fields", {"commit": string})
        if not opts.spdk:
            assert ver["version"].startswith("Pinwheel"), ver

        expect_error(app, "framework_start_init", None, (-1,))
        assert app.call("framework_wait_init") is True

        reactors = check_reactors(app, None, opts)
        tick_rate = reactors["tick_rate"]

        stats = app.call("thread_get_stats")
        check_object(stats, {"tick_rate": u64, "threads": array}, "thread_get_stats")
        assert stats["tick_rate"] == tick_rate, "tick_rate differs between methods"
        for t in stats["threads"]:
            check_object(t, THREAD_STATS, "thread_get_stats thread %s" % t.get("name"))
        by_name = {t["name"]: t for t in stats["threads"]}
        assert set(by_name) == {"app_thread", "hello_worker"}, sorted(by_name)
        worker = by_name["hello_worker"]
        assert worker["timed_pollers_count"] == 1 and worker["paused_pollers_count"] == 1, worker

        pollers = app.call("thread_get_pollers")
        check_object(pollers, {"tick_rate": u64, "threads": array}, "thread_get_pollers")
        assert pollers["tick_rate"] == tick_rate
        seen = {}
        for t in pollers["threads"]:
            where = "thread_get_pollers thread %s" % t.get("name")
            check_object(t, POLLER_THREAD, where)
            for kind in ("active_pollers", "timed_pollers", "paused_pollers"):
                for p in t[kind]:
                    if kind == "timed_pollers":
                        check_object(p, dict(POLLER, period_ticks=u64), where + " " + kind)
                    else:
                        check_object(p, POLLER, where + " " + kind)
                    assert p["state"] in POLLER_STATES, "%s: state %r" % (where, p["state"])
                    assert p["busy_count"] <= p["run_count"], p
                    seen[(t["name"], p["name"])] = (kind, p)
        kind, tick = seen.get(("hello_worker", "hello_tick"), (None, None))
        assert kind == "timed_pollers", "hello_tick not a timed poller of hello_worker: %s" % seen
        assert tick["period_ticks"] == tick_rate // 10 or \
            abs(tick["period_ticks"] - tick_rate / 10) <= tick_rate / 1000, tick
        kind, paused = seen.get(("hello_worker", "hello_paused"), (None, None))
        assert kind == "paused_pollers", "hello_paused not a paused poller: %s" % seen
        assert paused["state"] == "paused", paused

        chans = app.call("thread_get_io_channels")
        check_object(chans, {"tick_rate": u64, "threads": array}, "thread_get_io_channels")
        for t in chans["threads"]:
            check_object(t, {"name": string, "io_channels": array}, "thread_get_io_channels")
            for ch in t["io_channels"]:
                check_object(ch, {"name": string, "ref": u32}, "io_channel")

        assert app.call("thread_set_cpumask", {"id": worker["id"],
                                               "cpumask": worker["cpumask"]}) is True
        expect_error(app, "thread_set_cpumask", {"id": 1 << 40, "cpumask": "0x1"}, (-32602,))
        expect_error(app, "thread_set_cpumask", {"id": worker["id"], "cpumask": "0x0"},
                     (-32602, -32603))

        sched = app.call("framework_get_scheduler")
        optional = {"governor_name": string, "isolated_core_mask": hexmask,
                    "scheduling_core": u32}
        spec = {"scheduler_period": u64, "scheduler_name": string}
        if opts.spdk and "scheduler_name" not in sched:
            spec.pop("scheduler_name")  # SPDK leaves it out until a scheduler is set
        check_object(sched, spec, "framework_get_scheduler", optional)

        flags = app.call("log_get_flags")
        assert isinstance(flags, dict) and all(boolean(v) for v in flags.values()), flags
        if flags:
            flag = sorted(flags)[0]
            assert app.call("log_set_flag", {"flag": flag}) is True
            assert app.call("log_get_flags")[flag] is True
            assert app.call("log_clear_flag", {"flag": flag}) is True
            assert app.call("log_get_flags")[flag] is False
        expect_error(app, "log_set_flag", {"flag": "no_such_flag_here"}, (-32602, -32603))

        for get, put in (("log_get_level", "log_set_level"),
                         ("log_get_print_level", "log_set_print_level")):
            before = app.call(get)
            assert before in ("ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"), (get, before)
            assert app.call(put, {"level": "ERROR"}) is True
            assert app.call(get) == "ERROR", get
            assert app.call(put, {"level": before}) is True
            assert app.call(get) == before, get
            expect_error(app, put, {"level": "LOUD"}, (-32602, -32603))
        assert app.call("log_enable_timestamps", {"enabled": True}) is True
        assert app.call("log_enable_timestamps", {"enabled": False}) is True

        subs = app.call("framework_get_subsystems")
        assert array(subs), subs
        if not opts.spdk:
            # The framework's subsystems: iobuf and the scheduler's (lib/event/*_subsystem.c).
            assert sorted(subs, key=lambda x: x["subsystem"]) == [
                {"subsystem": "iobuf", "depends_on": []},
                {"subsystem": "scheduler", "depends_on": []}], subs
            conf = app.call("framework_get_config", {"name": "scheduler"})
            assert conf[0]["method"] == "framework_set_scheduler", conf
            assert conf[0]["params"]["name"] == "static", conf
        expect_error(app, "framework_get_config", {"name": "no_such_subsystem"}, (-32602,))

        hello = app.call("hello_threads")
        assert hello == {"threads": ["app_thread", "hello_worker"],
                         "answered_by": "hello_worker"} or \
            (sorted(hello.get("threads", [])) == ["app_thread", "hello_worker"] and
             hello.get("answered_by") == "hello_worker"), hello

        # spdk_kill_instance, last: stop_cleanly() calls it and checks the exit.
        expect_error(app, "spdk_kill_instance", {"sig_name": "SIGNOPE"}, (-32602, -32603))
        app.stop_cleanly()
    finally:
        app.cleanup()


# --pw-rpc-compat <setting> -> the reactor keys of that spdk_top release.
COMPAT = (("v23.09", "v24.01"), ("v24.01", "v24.01"), ("24.01", "v24.01"),
          ("v24.05", "v24.05"), ("v24.09", "v24.09"), ("v26.01", "v26.01"),
          ("v26.05", "latest"), ("latest", "latest"))


def compat_settings(opts):
    if opts.spdk:
        print("skip compat_settings: --pw-rpc-compat is Pinwheel's")
        return
    for setting, release in COMPAT:
        app = rpcapp.start_app(opts, ["-m", cpu_mask(), "--pw-rpc-compat", setting])
        try:
            check_reactors(app, release, opts)
            # The other objects do not change with the setting.
            for t in app.call("thread_get_stats")["threads"]:
                check_object(t, THREAD_STATS, "thread_get_stats (compat %s)" % setting)
            app.stop_cleanly()
        except AssertionError as e:
            raise AssertionError("--pw-rpc-compat %s: %s" % (setting, e)) from None
        finally:
            app.cleanup()


def compat_refused(opts):
    if opts.spdk:
        print("skip compat_refused: --pw-rpc-compat is Pinwheel's")
        return
    for bad in ("v24", "24.13", "vv24.01", "", "newest"):
        app = rpcapp.App(os.path.abspath(opts.app), ["--pw-rpc-compat", bad], opts.app_arg)
        try:
            app.start(wait_socket=False)
            rc = app.wait()
            assert rc != 0, "--pw-rpc-compat %r: the app ran (exit %s)" % (bad, rc)
            assert app.stderr().strip(), "--pw-rpc-compat %r: refused without a message" % bad
            assert "rpc_hello: ready" not in app.stdout(), "--pw-rpc-compat %r: ran" % bad
        finally:
            app.cleanup()


if __name__ == "__main__":
    sys.exit(rpcapp.run("The RPC contract (methods, spdk_top's key sets, compat settings).",
                        [methods_listed, every_method, compat_settings, compat_refused]))
