#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Bad input never hurts the app. Against examples/rpc_hello on a private
# socket, one app for the whole test:
#
# - truncated requests (a connection dropped mid-request, or left waiting);
# - an oversized request (more than the 256 KiB receive buffer): an error
#   answer or a close, never a hang, and the app lives on;
# - deeply nested JSON, alone and as params: an error, then a close;
# - invalid UTF-8 in a string (bad bytes, overlong forms, surrogates): an
#   error, then a close;
# - wrong-typed params for every method that takes params: an error answer;
# - 1,000 connections opened and dropped, in waves of 50 (some mid-request,
#   some with a request whose answer is never read, some reset), and one
#   wave of 100 at once (more than the server's 64 connections);
#
# after all of which the app still answers, gives the right answer to
# hello_threads, and exits with status 0 after spdk_kill_instance. Under
# the ASan build a leak makes LeakSanitizer end the app with a non-zero
# status, so the exit status is the leak check; the app's stderr is shown
# on failure.
#
#   rpc_bad_input.py --app build/examples/rpc_hello [--spdk] [--app-arg ARG ...]

import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import rpcapp  # noqa: E402

rpc = rpcapp.rpc
RECV_BUF = 256 * 1024


def request(method, req_id, params=None):
    r = {"jsonrpc": "2.0", "method": method, "id": req_id}
    if params is not None:
        r["params"] = params
    return json.dumps(r, indent=2).encode()


def send_tolerant(sock, data):
    """Send what the app lets through: it may close while we send."""
    try:
        sock.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False


def read_until_closed(sock):
    """Everything the app sends before it closes the connection."""
    got = b""
    deadline = time.monotonic() + rpcapp.CALL_TIMEOUT
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "the app kept the connection open; got %r" % got[:300]
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return got
        if not data:
            return got
        got += data


def values(data):
    """The JSON values in data (which must be whole values)."""
    text = data.decode("utf-8").strip()
    out = []
    dec = json.JSONDecoder()
    while text:
        val, end = dec.raw_decode(text)
        out.append(val)
        text = text[end:].lstrip()
    return out


def expect_error_and_close(app, data, what, codes=(-32700, -32600)):
    """data is refused: at most error answers (with one of codes), then a close."""
    with app.raw() as s:
        send_tolerant(s, data)
        got = read_until_closed(s)
    try:
        answers = values(got)
    except ValueError:
        raise AssertionError("%s: not JSON before the close: %r" % (what, got[:300])) from None
    for a in answers:
        assert isinstance(a, dict) and "error" in a, "%s: answered %r" % (what, a)
        assert a["error"].get("code") in codes, "%s: error %r, expected one of %s" % (
            what, a["error"], codes)
    return answers


def still_answers(app, what):
    try:
        assert app.call("framework_wait_init") is True
    except (rpc.RpcConnectionError, rpc.RpcError) as e:
        raise AssertionError("after %s the app no longer answers: %s\n%s"
                             % (what, e, app.logs())) from None
    assert app.alive(), "after %s the app is gone\n%s" % (what, app.logs())


def truncated(app, opts):
    full = request("hello_threads", 1)
    for cut in (1, 2, len(full) // 2, len(full) - 1):
        with app.raw() as s:
            s.sendall(full[:cut])
        # And one left waiting: nothing is answered, the rest completes it.
        with app.raw() as s:
            s.sendall(full[:cut])
            s.settimeout(0.2)
            try:
                data = s.recv(4096)
            except socket.timeout:
                data = None
            assert data is None, "an answer to %d bytes of a request: %r" % (cut, data)
            s.settimeout(rpcapp.CALL_TIMEOUT)
            s.sendall(full[cut:])
            got = b""
            while not got.endswith(b"\n"):
                data = s.recv(65536)
                assert data, "closed after the rest of a split request"
                got += data
            ans = values(got)
            assert len(ans) == 1 and ans[0].get("id") == 1 and "result" in ans[0], ans
    still_answers(app, "truncated requests")


def oversized(app, opts):
    filler = "A" * (RECV_BUF + 4096)
    data = request("spdk_get_version", 2, {"x": filler})
    expect_error_and_close(app, data, "a request of %d bytes" % len(data),
                           (-32700, -32600, -32603))
    # Never-ending whitespace and an endless string are no better.
    expect_error_and_close(app, b"{" + b" " * (RECV_BUF + 10), "endless whitespace",
                           (-32700, -32600, -32603))
    expect_error_and_close(app, b'["' + b"x" * (RECV_BUF + 10), "an endless string",
                           (-32700, -32600, -32603))
    still_answers(app, "oversized requests")


def deeply_nested(app, opts):
    for depth in (1000, 20000):
        expect_error_and_close(app, b"[" * depth + b"]" * depth, "%d nested arrays" % depth)
        expect_error_and_close(app, b'{"a":' * depth + b"1" + b"}" * depth,
                               "%d nested objects" % depth)
        body = (b'{"jsonrpc": "2.0", "method": "spdk_get_version", "id": 3, "params": ' +
                b"[" * depth + b"]" * depth + b"}")
        expect_error_and_close(app, body, "params nested %d deep" % depth,
                               (-32700, -32600, -32602))
    # Unbalanced: opened and never closed, then the connection dropped.
    with app.raw() as s:
        s.sendall(b"[" * 5000)
    still_answers(app, "deeply nested requests")


BAD_UTF8 = (b"\xff", b"\xc3", b"\xc3(", b"\xe2\x28\xa1", b"\xf0\x90\x28\xbc",
            b"\xc0\xaf",            # overlong "/"
            b"\xe0\x80\xaf",        # overlong, three bytes
            b"\xed\xa0\x80",        # a UTF-16 surrogate
            b"\xf4\x90\x80\x80",    # above U+10FFFF
            b"\x80", b"\xfe\xfe")


def invalid_utf8(app, opts):
    for bad in BAD_UTF8:
        in_method = (b'{"jsonrpc": "2.0", "method": "spdk_get' + bad +
                     b'_version", "id": 4}')
        in_params = (b'{"jsonrpc": "2.0", "method": "log_set_flag", "id": 5, '
                     b'"params": {"flag": "x' + bad + b'"}}')
        in_key = b'{"jsonrpc": "2.0", "method": "spdk_get_version", "id": 6, "' + bad + b'": 1}'
        for data, where in ((in_method, "method"), (in_params, "params"), (in_key, "key")):
            expect_error_and_close(app, data, "invalid UTF-8 %r in the %s" % (bad, where))
    still_answers(app, "invalid UTF-8")


WRONG_PARAMS = (
    ("rpc_get_methods", {"current": "yes"}), ("rpc_get_methods", {"include_aliases": 1}),
    ("rpc_get_methods", {"nope": True}), ("rpc_get_methods", [1, 2]),
    ("spdk_get_version", {"x": 1}),
    ("spdk_kill_instance", {"sig_name": 2}), ("spdk_kill_instance", {"sig_name": "SIGNOPE"}),
    ("spdk_kill_instance", {}), ("spdk_kill_instance", ["SIGINT"]),
    ("framework_get_reactors", {"x": 1}), ("thread_get_stats", {"x": 1}),
    ("thread_get_pollers", {"x": 1}), ("thread_get_io_channels", {"x": 1}),
    ("thread_set_cpumask", {"id": "1", "cpumask": "0x1"}),
    ("thread_set_cpumask", {"id": 1, "cpumask": 1}),
    ("thread_set_cpumask", {"id": -1, "cpumask": "0x1"}),
    ("thread_set_cpumask", {"id": 1.5, "cpumask": "0x1"}),
    ("thread_set_cpumask", {"id": 1 << 64, "cpumask": "0x1"}),
    ("thread_set_cpumask", {"id": 1, "cpumask": "0xzz"}),
    ("thread_set_cpumask", {"id": 1, "cpumask": "0x1" * 3000}),
    ("thread_set_cpumask", {"id": 1}), ("thread_set_cpumask", {"cpumask": "0x1"}),
    ("thread_set_cpumask", {"id": 1, "cpumask": "0x1", "id ": 2}),
    ("thread_set_cpumask", {"id": None, "cpumask": None}),
    ("framework_get_scheduler", {"x": 1}),
    ("log_set_flag", {"flag": 1}), ("log_set_flag", {}), ("log_clear_flag", {"flag": []}),
    ("log_set_level", {"level": 5}), ("log_set_level", {"level": "LOUD"}),
    ("log_set_print_level", {"level": {}}), ("log_enable_timestamps", {"enabled": "yes"}),
    ("log_enable_timestamps", {}), ("framework_get_config", {"name": 7}),
    ("framework_get_config", {}), ("framework_get_subsystems", {"x": 1}),
    ("hello_threads", {"x": 1}), ("hello_threads", []), ("hello_threads", {}),
)


def wrong_types(app, opts):
    with app.client() as c:
        for method, params in WRONG_PARAMS:
            resp = c.call_raw(method, params)
            shown = repr(params)[:200]
            assert "error" in resp, "%s %s: answered %r" % (method, shown, resp)
            assert resp["error"].get("code") in (-32602, -32603, -32600), \
                "%s %s: error %r" % (method, shown, resp["error"])
        # The same connection still works.
        assert c.call("framework_wait_init") is True
    # A duplicate key (same spelling twice) is refused too.
    with app.raw() as s:
        s.settimeout(rpcapp.CALL_TIMEOUT)
        s.sendall(b'{"jsonrpc": "2.0", "method": "thread_set_cpumask", "id": 9, '
                  b'"params": {"id": 1, "id": 1, "cpumask": "0x1"}}')
        got = b""
        while not got.endswith(b"\n"):
            data = s.recv(65536)
            assert data, "closed after a duplicate key"
            got += data
        ans = values(got)
        assert len(ans) == 1 and "error" in ans[0], "a duplicate key was accepted: %r" % ans
    still_answers(app, "wrong-typed params")


def connect(path):
    """A connection, waiting (bounded) while the listen backlog is full."""
    deadline = time.monotonic() + rpcapp.CALL_TIMEOUT
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(rpcapp.CALL_TIMEOUT)
        try:
            s.connect(path)
            return s
        except (BlockingIOError, ConnectionRefusedError, socket.timeout):
            s.close()
            g_connect_retries[0] += 1
            if time.monotonic() > deadline:
                return None
            time.sleep(0.005)


g_connect_retries = [0]


def dropped_connections(app, opts):
    full = request("spdk_get_version", 7)
    opened = 0
    refused = 0

    def wave(count):
        nonlocal opened, refused
        socks = []
        for i in range(count):
            s = connect(app.sock)
            if s is None:
                refused += 1
                continue
            opened += 1
            kind = i % 5
            if kind == 1:
                send_tolerant(s, full[:len(full) // 2])     # mid-request
            elif kind == 2:
                send_tolerant(s, full)                      # answer never read
            elif kind == 3:
                send_tolerant(s, full + full[:10])          # one and a half
            elif kind == 4:
                # Reset instead of an orderly close.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            socks.append(s)
        for s in socks:
            s.close()

    for _ in range(18):
        wave(50)
    wave(100)
    print("  dropped %d connections (%d connects retried on a full backlog, %d gave up)"
          % (opened, g_connect_retries[0], refused))
    assert opened + refused == 1000
    assert refused == 0, "%d connections could not be made within %.0f s each" % (
        refused, rpcapp.CALL_TIMEOUT)
    # Closed connections are noticed on the app's next polls: give it a moment
    # to free all 64 slots before asking (a refusal here is retried, a wrong
    # or missing answer is not).
    deadline = time.monotonic() + 10 * rpcapp.SCALE
    while True:
        try:
            assert app.call("framework_wait_init") is True
            break
        except rpc.RpcConnectionError:
            if time.monotonic() > deadline:
                raise AssertionError("the app no longer takes connections after 1,000 dropped"
                                     "\n%s" % app.logs()) from None
            time.sleep(0.1)
    still_answers(app, "1,000 dropped connections")


def bad_input(opts):
    mask = "0x3" if {0, 1} <= os.sched_getaffinity(0) else "0x1"
    app = rpcapp.start_app(opts, ["-m", mask])
    try:
        for step in (truncated, oversized, deeply_nested, invalid_utf8, wrong_types,
                     dropped_connections):
            if opts.only and step.__name__ not in opts.only and "bad_input" not in opts.only:
                continue
            start = time.monotonic()
            try:
                step(app, opts)
            except AssertionError as e:
                raise AssertionError("%s: %s" % (step.__name__, e)) from None
            print("  %s: ok (%.1f s)" % (step.__name__, time.monotonic() - start))
            sys.stdout.flush()
        hello = app.call("hello_threads")
        assert sorted(hello["threads"]) == ["app_thread", "hello_worker"], hello
        assert hello["answered_by"] == "hello_worker", hello
        app.stop_cleanly()
    finally:
        app.cleanup()


if __name__ == "__main__":
    bad_input.has_steps = True  # "only" may name its steps
    sys.exit(rpcapp.run("Bad input never hurts the app.", [bad_input]))
