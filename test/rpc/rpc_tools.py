#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# The tools, run as a user runs them, against examples/rpc_hello on a
# private socket:
#
# - scripts/pinwheel-rpc: a result printed as indented JSON, exit 0; params
#   as --key value (typed: integers, true/false, JSON) and as one JSON
#   argument; --list; an error answer gives exit 1 with its code and message;
#   a missing socket and a refusing one give exit 1 with a clear message;
#   --dry-run; the parsing of values and params on its own;
# - scripts/pinwheel-top --once: the three tabs, with the example's threads
#   and pollers in them, for every tab alone and all together.
#
#   rpc_tools.py --app build/examples/rpc_hello [--spdk] [--app-arg ARG ...]

import json
import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import rpcapp  # noqa: E402

rpc = rpcapp.rpc
RPC = os.path.join(rpcapp.SCRIPTS, "pinwheel-rpc")
TOP = os.path.join(rpcapp.SCRIPTS, "pinwheel-top")


def run(cmd, *args):
    p = subprocess.run([sys.executable, cmd] + list(args), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=rpcapp.CALL_TIMEOUT * 2)
    return p.returncode, p.stdout, p.stderr


def parsing(opts):
    pv = rpc.parse_value
    assert pv("12") == 12 and pv("-3") == -3 and pv("0x3") == "0x3", "integers"
    assert pv("true") is True and pv("false") is False and pv("null") is None, "literals"
    assert pv('["a", 1]') == ["a", 1] and pv('{"k": 2}') == {"k": 2} and pv('"7"') == "7"
    assert pv("SIGINT") == "SIGINT" and pv("1.5") == "1.5" and pv("") == ""
    pp = rpc.parse_params
    assert pp([]) is None
    assert pp(["--id", "2", "--cpumask", "0x2"]) == {"id": 2, "cpumask": "0x2"}
    assert pp(["--include-aliases", "--current"]) == {"include_aliases": True, "current": True}
    assert pp(["--name=x y"]) == {"name": "x y"}
    assert pp(['{"a": [1]}']) == {"a": [1]}
    for bad in (["x"], ["--a", "1", "b"], ["--a", "1", "--a", "2"], ["{oops"], ["5"]):
        try:
            pp(bad)
        except ValueError:
            continue
        raise AssertionError("parse_params(%r) did not refuse" % bad)


def pinwheel_rpc(opts):
    app = rpcapp.start_app(opts, ["-m", "0x1"])
    try:
        rc, out, err = run(RPC, "-s", app.sock, "hello_threads")
        assert rc == 0, (rc, err)
        assert out.startswith("{\n  "), "not indented JSON: %r" % out
        assert json.loads(out)["answered_by"] == "hello_worker", out

        rc, out, err = run(RPC, "-s", app.sock, "-t", "10", "rpc_get_methods", "--current",
                           "true", "--include-aliases")
        assert rc == 0 and "hello_threads" in json.loads(out), (rc, out, err)
        rc, out, err = run(RPC, "--server", app.sock, "rpc_get_methods", '{"current": true}')
        assert rc == 0 and "hello_threads" in json.loads(out), (rc, out, err)
        rc, out, err = run(RPC, "-s", app.sock, "--list")
        assert rc == 0 and "hello_threads" in out.split("\n"), (rc, out, err)

        stats = app.call("thread_get_stats")["threads"]
        worker = [t for t in stats if t["name"] == "hello_worker"][0]
        rc, out, err = run(RPC, "-s", app.sock, "thread_set_cpumask", "--id", str(worker["id"]),
                           "--cpumask", "0x1")
        assert rc == 0 and json.loads(out) is True, (rc, out, err)

        rc, out, err = run(RPC, "-s", app.sock, "no_such_method")
        assert rc == 1 and "-32601" in err and "Method not found" in err, (rc, out, err)
        rc, out, err = run(RPC, "-s", app.sock, "thread_set_cpumask", "--id", "x",
                           "--cpumask", "0x1")
        assert rc == 1 and "error -3260" in err, (rc, out, err)
        rc, out, err = run(RPC, "-s", app.sock, "hello_threads", "--verbose-nonsense", "1")
        assert rc == 1 and "-32602" in err, (rc, out, err)

        rc, out, err = run(RPC, "-s", app.sock, "-v", "spdk_get_version")
        assert rc == 0 and "request:" in err and '"method": "spdk_get_version"' in err, err

        rc, out, err = run(RPC, "-s", app.sock, "spdk_kill_instance", "--sig_name", "SIGTERM")
        assert rc == 0, (rc, out, err)
        rc = app.wait()
        assert rc == 0, "exit %s after pinwheel-rpc spdk_kill_instance\n%s" % (rc, app.logs())
    finally:
        app.cleanup()

    with tempfile.TemporaryDirectory(prefix="pw-rpc-test-") as d:
        missing = os.path.join(d, "none.sock")
        rc, out, err = run(RPC, "-s", missing, "spdk_get_version")
        assert rc == 1 and "no socket at" in err and missing in err, (rc, out, err)
        # A socket file nobody listens on refuses.
        dead = os.path.join(d, "dead.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(dead)
        s.close()
        rc, out, err = run(RPC, "-s", dead, "spdk_get_version")
        assert rc == 1 and "refused" in err, (rc, out, err)
        rc, out, err = run(RPC, "-s", dead, "-r", "2", "spdk_get_version")
        assert rc == 1 and "refused" in err, (rc, out, err)
        rc, out, err = run(RPC, "--dry-run", "thread_set_cpumask", "--id", "2", "--cpumask", "3")
        assert rc == 0 and json.loads(out)["params"] == {"id": 2, "cpumask": 3}, (rc, out)
        rc, out, err = run(RPC, "-s", missing)
        assert rc == 2 and "method" in err, (rc, out, err)
        rc, out, err = run(RPC, "-s", missing, "-t", "0", "x")
        assert rc == 1, (rc, out, err)


def pinwheel_top(opts):
    mask = "0x3" if {0, 1} <= os.sched_getaffinity(0) else "0x1"
    app = rpcapp.start_app(opts, ["-m", mask])
    try:
        rc, out, err = run(TOP, "-s", app.sock, "-d", "0.3", "--once")
        assert rc == 0, (rc, out, err)
        lines = out.split("\n")
        assert lines[0].startswith("pinwheel-top") and "pid %d" % app.proc.pid in lines[0], out
        for title in ("[threads]", "[pollers]", "[cores]"):
            assert title in lines, "no %s in\n%s" % (title, out)
        threads = out[out.index("[threads]"):out.index("[pollers]")]
        pollers = out[out.index("[pollers]"):out.index("[cores]")]
        cores = out[out.index("[cores]"):]
        assert "app_thread" in threads and "hello_worker" in threads, threads
        assert any(line.startswith("hello_tick ") and "Timed" in line and "hello_worker" in line
                   for line in pollers.split("\n")), pollers
        assert any(line.startswith("hello_paused ") and "Paused" in line and "paused" in line
                   for line in pollers.split("\n")), pollers
        core_lines = [line for line in cores.split("\n")[2:] if line.strip()]
        assert len(core_lines) == (2 if mask == "0x3" else 1), cores
        for tab in ("threads", "pollers", "cores"):
            rc, out, err = run(TOP, "-s", app.sock, "-d", "0.2", "--once", "-t", tab)
            assert rc == 0 and "[%s]" % tab in out, (rc, out, err)
            others = {"[threads]", "[pollers]", "[cores]"} - {"[%s]" % tab}
            assert not any(o in out for o in others), out
        app.stop_cleanly()
    finally:
        app.cleanup()
    rc, out, err = run(TOP, "-s", "/nonexistent/pw.sock", "--once", "-d", "0.1")
    assert rc == 1 and "no socket at" in err, (rc, out, err)
    rc, out, err = run(TOP, "-s", "/nonexistent/pw.sock")
    assert rc == 2 and "--once" in err, "not on a terminal: %r" % ((rc, out, err),)


if __name__ == "__main__":
    sys.exit(rpcapp.run("pinwheel-rpc and pinwheel-top, run as a user runs them.",
                        [parsing, pinwheel_rpc, pinwheel_top]))
