#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# The trace's RPC methods and the app's -e, as a user meets them, against
# examples/rpc_hello on a private socket:
#
# - -e 0x4 enables group 2 (a hex group mask): trace_get_info and
#   trace_get_tpoint_group_mask answer SPDK's keys with the mask; every
#   registered group is listed with its "mask" and "tpoint_mask";
# - trace_enable/disable_tpoint_group and trace_set/clear_tpoint_mask change
#   the masks of a registered group (when the app has one) and refuse unknown
#   names, "all" for a mask and bad params with -32602; trace_clear answers;
# - SPDK's own scripts/rpc.py (if $SPDK_RPC_PY names it) prints the same
#   trace_get_info as our client reads;
# - a bad -e or --num-trace-entries stops the app before it starts, with a
#   message saying what was wrong.
#
#   rpc_trace.py --app build/examples/rpc_hello [--spdk] [--app-arg ARG ...]

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import rpcapp  # noqa: E402

rpc = rpcapp.rpc


def expect_invalid(app, method, params):
    try:
        got = app.call(method, params)
    except rpc.RpcError as e:
        assert e.code == -32602, "%s %r: error %s, expected -32602" % (method, params, e.code)
        return
    raise AssertionError("%s %r: answered %r, expected -32602" % (method, params, got))


def groups_of(info):
    return sorted(k for k, v in info.items() if isinstance(v, dict))


def methods(opts):
    app = rpcapp.start_app(opts, ["-m", "0x1", "-e", "0x4"])
    try:
        info = app.call("trace_get_info")
        assert info["tpoint_group_mask"] == "0x4", info
        assert info["tpoint_shm_path"].startswith("/dev/shm/"), info
        if not opts.spdk:
            assert info["tpoint_shm_path"].endswith("_trace.pid%d" % app.proc.pid), info
            assert info["pw_in_process_memory"] is True, info
        for g in groups_of(info):
            assert set(info[g]) == {"mask", "tpoint_mask"}, info[g]
            assert int(info[g]["mask"], 16) & (int(info[g]["mask"], 16) - 1) == 0, info[g]
        masks = app.call("trace_get_tpoint_group_mask")
        assert masks["tpoint_group_mask"] == "0x4", masks
        assert groups_of(masks) == groups_of(info), (masks, info)

        groups = groups_of(info)
        if groups:
            name = "pinwheel" if "pinwheel" in groups else groups[0]
            bit = int(info[name]["mask"], 16)
            assert app.call("trace_enable_tpoint_group", {"name": name}) is True
            got = app.call("trace_get_tpoint_group_mask")
            assert got[name]["enabled"] is True and got[name]["tpoint_mask"] == \
                "0xffffffffffffffff", got[name]
            assert int(got["tpoint_group_mask"], 16) == 0x4 | bit, got
            for tp in got[name]["tpoints"]:
                assert set(tp) == {"name", "tpoint_id", "enabled"} and tp["enabled"], tp
            assert app.call("trace_disable_tpoint_group", {"name": name}) is True
            assert app.call("trace_set_tpoint_mask", {"name": name, "tpoint_mask": 5}) is True
            assert app.call("trace_get_info")[name]["tpoint_mask"] == "0x5"
            assert app.call("trace_clear_tpoint_mask", {"name": name, "tpoint_mask": 1}) is True
            assert app.call("trace_get_info")[name]["tpoint_mask"] == "0x4"
            assert app.call("trace_disable_tpoint_group", {"name": "all"}) is True
            assert app.call("trace_get_info")["tpoint_group_mask"] == "0x4"
        else:
            # No group registered: "all" names none, as in SPDK.
            expect_invalid(app, "trace_enable_tpoint_group", {"name": "all"})
        assert app.call("trace_clear") is True

        expect_invalid(app, "trace_enable_tpoint_group", {"name": "no_such_group"})
        expect_invalid(app, "trace_disable_tpoint_group", {"name": "no_such_group"})
        expect_invalid(app, "trace_enable_tpoint_group", {"name": 1})
        expect_invalid(app, "trace_enable_tpoint_group", None)
        expect_invalid(app, "trace_set_tpoint_mask", {"name": "no_such_group", "tpoint_mask": 1})
        expect_invalid(app, "trace_set_tpoint_mask", {"name": "x"})
        if not opts.spdk:
            expect_invalid(app, "trace_set_tpoint_mask", {"name": "all", "tpoint_mask": 1})
        expect_invalid(app, "trace_get_info", {})
        expect_invalid(app, "trace_get_tpoint_group_mask", {})
        assert app.call("trace_get_info")["tpoint_group_mask"] == "0x4"
        app.stop_cleanly()
    finally:
        app.cleanup()


def spdk_rpc_py(opts):
    """SPDK's rpc.py reads the same answer (when $SPDK_RPC_PY is set)."""
    script = os.environ.get("SPDK_RPC_PY")
    if not script or not os.path.exists(script):
        print("  (SPDK_RPC_PY not set: SPDK's rpc.py not tried)")
        return
    app = rpcapp.start_app(opts, ["-m", "0x1", "-e", "0x4"])
    try:
        p = subprocess.run([sys.executable, script, "-s", app.sock, "trace_get_info"],
                           capture_output=True, text=True, timeout=rpcapp.CALL_TIMEOUT)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout) == app.call("trace_get_info"), p.stdout
        p = subprocess.run([sys.executable, script, "-s", app.sock, "trace_enable_tpoint_group",
                            "no_such_group"], capture_output=True, text=True,
                           timeout=rpcapp.CALL_TIMEOUT)
        assert p.returncode != 0 and "-32602" in p.stdout + p.stderr, (p.stdout, p.stderr)
        app.stop_cleanly()
    finally:
        app.cleanup()


def refused_at_start(opts, args, message):
    app = rpcapp.App(os.path.abspath(opts.app), ["-m", "0x1"] + args, opts.app_arg)
    try:
        app.start(wait_socket=False)
        rc = app.wait()
        assert rc != 0, "the app started with %s\n%s" % (args, app.logs())
        assert message in app.stderr() + app.stdout(), \
            "no '%s' for %s\n%s" % (message, args, app.logs())
        assert not os.path.exists(app.sock), "a socket after a refused start"
    finally:
        app.cleanup()


def bad_options(opts):
    if opts.spdk:
        return
    refused_at_start(opts, ["-e", "no_such_group"], "no tracepoint group named 'no_such_group'")
    refused_at_start(opts, ["-e", "0x4:0"], "the tracepoint mask is 0")
    refused_at_start(opts, ["-e", "0x6:0x1"], "names several groups")
    refused_at_start(opts, ["--num-trace-entries", "1000"], "must be a power of 2")


if __name__ == "__main__":
    sys.exit(rpcapp.run("The trace's RPC methods and -e.", [methods, spdk_rpc_py, bad_options]))
