#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
"""The RPC method pw_trace_write {"file": PATH} and the app option --pw-trace-file,
on examples/rpc_hello:

- untraced (--num-trace-entries 0: SPDK's way to turn tracing off; without it
  every app sets tracing up, as SPDK's do, and only -e turns groups on):
  pw_trace_write is refused (tracing is not on), and no file appears;
- with --pw-trace-file F: pw_trace_write writes a snapshot of the running app
  that passes test/trace/check_chrome.py, twice (the second replaces the
  first); bad params are refused (-32602), an unwritable path gets an error
  naming it; at the end (spdk_kill_instance) F itself is written and passes
  the checker, with the hello_threads request's messages in it.
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import rpcapp  # noqa: E402

rpc = rpcapp.rpc
CHECKER = os.path.join(rpcapp.HERE, "..", "trace", "check_chrome.py")


def check_file(path, *extra):
    p = subprocess.run([sys.executable, CHECKER, path] + list(extra), capture_output=True,
                       text=True, timeout=rpcapp.CALL_TIMEOUT * 3)
    assert p.returncode == 0, "%s does not pass the checker:\n%s%s" % (path, p.stdout, p.stderr)


def refused(app, params, code=None, text=None):
    try:
        app.call("pw_trace_write", params)
    except rpc.RpcError as e:
        assert code is None or e.code == code, "error %s, expected %s: %s" % (e.code, code, e)
        assert text is None or text in e.message, "%r lacks %r" % (e.message, text)
        return e
    raise AssertionError("pw_trace_write %r was accepted" % (params,))


def untraced(opts):
    app = rpcapp.start_app(opts, ["-m", "0x1", "--num-trace-entries", "0"])
    try:
        path = os.path.join(app.dir, "now.json")
        refused(app, {"file": path}, text="tracing is not on")
        assert not os.path.exists(path), "a file was written while tracing is off"
        app.call("spdk_kill_instance", {"sig_name": "SIGTERM"})
        assert app.wait() == 0, app.logs()
    finally:
        app.cleanup()


def traced(opts):
    app = rpcapp.App(os.path.abspath(opts.app), [], opts.app_arg)
    end = os.path.join(app.dir, "end.json")
    app.args = ["-m", "0x1", "--pw-trace-file", end] + app.args
    try:
        app.start()
        assert app.call("hello_threads")["answered_by"] == "hello_worker"
        now = os.path.join(app.dir, "now.json")
        for _ in range(2):
            answer = app.call("pw_trace_write", {"file": now})
            assert answer == {"file": now}, answer
            check_file(now, "--require", "slice", "--require", "msg")
        with open(now, encoding="utf-8") as f:
            doc = json.load(f)
        names = {e.get("name") for e in doc["traceEvents"]}
        assert "rpc_hello_threads" in names or any("hello" in str(n) for n in names), \
            "no hello in the snapshot"
        refused(app, None, code=-32602)
        refused(app, {"path": now}, code=-32602)
        bad = os.path.join(app.dir, "no", "such", "dir", "x.json")
        refused(app, {"file": bad}, text=bad)
        assert not os.path.exists(end), "the end file is written before the end"
        app.call("spdk_kill_instance", {"sig_name": "SIGTERM"})
        assert app.wait() == 0, app.logs()
        assert os.path.exists(end), "--pw-trace-file wrote nothing\n" + app.logs()
        check_file(end, "--require", "slice", "--require", "msg", "--require", "app")
    finally:
        app.cleanup()


if __name__ == "__main__":
    sys.exit(rpcapp.run(__doc__.splitlines()[0], [untraced, traced]))
