#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# rpc.py's wire habits and JSON-RPC's framing, byte by byte, against
# examples/rpc_hello on a private socket:
#
# - a request pretty-printed without a trailing newline (as rpc.py sends it)
#   is answered; the answer is one compact JSON value followed by "\n";
# - one request split byte by byte over many sends is answered once;
# - several requests in one send are all answered;
# - a batch array is answered by one array (notifications in it get nothing);
# - a notification (no id) gets no answer at all;
# - ids of any JSON-RPC type come back unchanged;
# - errors: -32700 for bad JSON (and the connection is closed), -32600 for an
#   invalid request, -32601 for an unknown method, -32602 for bad params, and
#   -1 for a RUNTIME-only method while the app waits in STARTUP
#   (--wait-for-rpc), which framework_start_init ends.
#
#   rpc_wire.py --app build/examples/rpc_hello [--spdk] [--app-arg ARG ...]

import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import rpcapp  # noqa: E402

rpc = rpcapp.rpc


def req(method, req_id=None, params=None):
    r = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        r["params"] = params
    if req_id is not None:
        r["id"] = req_id
    return r


def pretty(obj):
    return json.dumps(obj, indent=2).encode()


class Reader:
    """Reads whole JSON values (and the raw bytes of each) from a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def value(self, timeout=None):
        """(value, raw bytes including the whitespace after it)."""
        deadline = time.monotonic() + (timeout or rpcapp.CALL_TIMEOUT)
        dec = json.JSONDecoder()
        while True:
            text = self.buf.lstrip()
            if text:
                try:
                    val, end = dec.raw_decode(text.decode("utf-8"))
                    raw_len = len(text.decode("utf-8")[:end].encode("utf-8"))
                    rest = text[raw_len:]
                    trail = len(rest) - len(rest.lstrip())
                    raw = text[:raw_len + trail]
                    self.buf = rest[trail:]
                    return val, raw
                except (ValueError, UnicodeDecodeError):
                    pass
            left = deadline - time.monotonic()
            assert left > 0, "no complete answer within the limit; got %r" % self.buf[:300]
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            assert data, "the app closed the connection; got %r" % self.buf[:300]
            self.buf += data

    def nothing(self, seconds):
        """Nothing arrives within seconds (the connection stays open)."""
        self.sock.settimeout(seconds)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        assert not data, "unexpected bytes: %r" % data[:300]
        raise AssertionError("the app closed the connection")

    def closed(self):
        """The app closes the connection (after whatever was pending)."""
        deadline = time.monotonic() + rpcapp.CALL_TIMEOUT
        while True:
            left = deadline - time.monotonic()
            assert left > 0, "the connection is still open"
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return
            if not data:
                return
            self.buf += data


def check_answer(val, req_id):
    assert isinstance(val, dict), val
    assert val.get("jsonrpc") == "2.0", val
    assert val.get("id") == req_id, "id %r, expected %r: %r" % (val.get("id"), req_id, val)
    assert ("result" in val) != ("error" in val), val
    return val


def check_error(val, req_id, code):
    check_answer(val, req_id)
    assert "error" in val, "expected error %d, got %r" % (code, val)
    err = val["error"]
    assert set(err) <= {"code", "message", "data"} and "message" in err, err
    assert err["code"] == code, "error %r, expected %d" % (err, code)
    return err


def parse_error_then_close(r, opts):
    """-32700 (null id), then the connection closes. SPDK itself closes the
    connection in the same poll that queued the answer, so the answer never
    leaves: with --spdk a bare close is accepted."""
    r.closed()
    if not r.buf.strip() and opts.spdk:
        return
    text = r.buf.decode("utf-8", "replace")
    try:
        val, end = json.JSONDecoder().raw_decode(text.lstrip())
    except ValueError:
        raise AssertionError("no -32700 answer before the close: %r" % text[:300]) from None
    check_error(val, None, -32700)
    assert not text.lstrip()[end:].strip(), "more after the -32700 answer: %r" % text[:300]


def wire_habits(opts):
    app = rpcapp.start_app(opts, ["-m", "0x1"])
    try:
        # Pretty-printed, no newline; a compact answer ending in "\n".
        with app.raw() as s:
            r = Reader(s)
            s.sendall(pretty(req("spdk_get_version", 1)))
            val, raw = r.value()
            check_answer(val, 1)
            assert "version" in val["result"], val
            assert raw.endswith(b"\n") and b"\n" not in raw.rstrip(b"\n"), \
                "the answer is not one compact line: %r" % raw[:300]
            assert b": " not in raw and b", " not in raw.replace(b'", "', b""), \
                "the answer is not compact: %r" % raw[:300]

            # One request across many sends, a byte at a time.
            for i, byte in enumerate(pretty(req("hello_threads", 2))):
                s.sendall(bytes([byte]))
                if i % 8 == 0:
                    time.sleep(0.001)
            val, _ = r.value()
            check_answer(val, 2)
            assert val["result"]["answered_by"] == "hello_worker", val

            # Several requests in one send, with and without whitespace between.
            s.sendall(pretty(req("spdk_get_version", 3)) + b"\n" +
                      json.dumps(req("framework_wait_init", 4)).encode() +
                      pretty(req("rpc_get_methods", 5)) + b" \t\r\n " +
                      json.dumps(req("hello_threads", 6)).encode())
            got = {}
            for _ in range(4):
                val, _ = r.value()
                got[val.get("id")] = val
            assert sorted(got) == [3, 4, 5, 6], "answers for %s" % sorted(got)
            for i, val in got.items():
                check_answer(val, i)
            assert got[4]["result"] is True

            # Ids of every type JSON-RPC allows come back as they were sent.
            for odd in ("abc", "", 0, -7, 1 << 62, "\u00e9\u4e2d\U0001F600"):
                s.sendall(pretty(req("framework_wait_init", odd)))
                check_answer(r.value()[0], odd)

            # A notification gets nothing; the next request is answered first.
            s.sendall(pretty(req("spdk_get_version")))
            s.sendall(pretty(req("log_get_level")))
            r.nothing(0.3)
            s.sendall(pretty(req("framework_wait_init", 7)))
            check_answer(r.value()[0], 7)

            # A batch: one array of answers, none for its notification.
            batch = [req("spdk_get_version", 10), req("spdk_get_version"),
                     req("hello_threads", 11), req("no_such_method", 12)]
            s.sendall(pretty(batch))
            val, raw = r.value()
            assert isinstance(val, list) and len(val) == 3, "batch answer %r" % val
            assert raw.endswith(b"\n"), raw[-50:]
            by_id = {a.get("id"): a for a in val}
            assert sorted(by_id) == [10, 11, 12], val
            check_answer(by_id[10], 10)
            check_answer(by_id[11], 11)
            check_error(by_id[12], 12, -32601)

            # A batch of notifications only: no answer at all.
            s.sendall(pretty([req("spdk_get_version"), req("log_get_level")]))
            r.nothing(0.3)

            # An empty batch is an invalid request.
            s.sendall(b"[]")
            check_error(r.value()[0], None, -32600)

            # The connection still works after all of that.
            s.sendall(pretty(req("spdk_get_version", 13)))
            check_answer(r.value()[0], 13)

        # A client of our own, through the same habits.
        with app.client() as c:
            assert c.call("framework_wait_init") is True
        app.stop_cleanly()
    finally:
        app.cleanup()


def error_codes(opts):
    app = rpcapp.start_app(opts, ["-m", "0x1"])
    try:
        with app.raw() as s:
            r = Reader(s)
            # -32600: not a request object.
            for bad, req_id in ((b'{"jsonrpc": "2.0", "id": 1}', 1),
                                (b'{"jsonrpc": "2.0", "method": 5, "id": 2}', 2),
                                (b'{"jsonrpc": "2.0", "method": "spdk_get_version", '
                                 b'"id": {"x": 1}}', None),
                                (b'{"jsonrpc": "1.0", "method": "spdk_get_version", "id": 3}', 3),
                                (b'{"jsonrpc": "2.0", "method": "spdk_get_version", '
                                 b'"params": 7, "id": 4}', 4),
                                (b'"just a string"', None), (b'42', None)):
                s.sendall(bad)
                try:
                    val, _ = r.value()
                except AssertionError as e:
                    raise AssertionError("%r: %s" % (bad, e)) from None
                assert isinstance(val, dict) and "error" in val, "%r: %r" % (bad, val)
                assert val["error"]["code"] == -32600, "%r: %r" % (bad, val)
                # SPDK answers these with a null id; the request's own id is
                # fine too.
                assert val.get("id") in (None, req_id), "%r: %r" % (bad, val)
            # -32601: no such method.
            s.sendall(pretty(req("no_such_method", 20)))
            check_error(r.value()[0], 20, -32601)
            # -32602: params the method does not take.
            s.sendall(pretty(req("hello_threads", 21, {"x": 1})))
            check_error(r.value()[0], 21, -32602)
            s.sendall(pretty(req("thread_set_cpumask", 22, {"id": "one", "cpumask": "0x1"})))
            err = r.value()[0]
            check_answer(err, 22)
            assert err["error"]["code"] in (-32602, -32603), err
            # The connection still answers after errors that are not parse errors.
            s.sendall(pretty(req("spdk_get_version", 23)))
            check_answer(r.value()[0], 23)

            # -32700: not JSON; the answer comes, then the connection closes.
            s.sendall(b'{"jsonrpc": "2.0", "method": "spdk_get_version", "id": 24, oops}')
            parse_error_then_close(r, opts)
        with app.raw() as s:
            r = Reader(s)
            s.sendall(b"}")
            parse_error_then_close(r, opts)
        # Others are not disturbed.
        assert app.call("framework_wait_init") is True
        app.stop_cleanly()
    finally:
        app.cleanup()


def startup_state(opts):
    app = rpcapp.start_app(opts, ["-m", "0x1", "--wait-for-rpc"])
    try:
        with app.raw() as s:
            r = Reader(s)
            # The app waits in STARTUP: RUNTIME-only methods answer -1.
            for i, method in enumerate(("hello_threads", "framework_get_reactors",
                                        "thread_get_stats")):
                s.sendall(pretty(req(method, 30 + i)))
                check_error(r.value()[0], 30 + i, -1)
            s.sendall(pretty(req("rpc_get_methods", 40, {"current": True})))
            current = check_answer(r.value()[0], 40)["result"]
            assert "framework_start_init" in current and "hello_threads" not in current, current
            assert "rpc_hello: ready" not in app.stdout(), "started before framework_start_init"
            s.sendall(pretty(req("framework_start_init", 41)))
            assert check_answer(r.value()[0], 41)["result"] is True
            # framework_wait_init answers once the app is up.
            s.sendall(pretty(req("framework_wait_init", 42)))
            assert check_answer(r.value()[0], 42)["result"] is True
            s.sendall(pretty(req("hello_threads", 43)))
            res = check_answer(r.value()[0], 43)["result"]
            assert res["answered_by"] == "hello_worker", res
            s.sendall(pretty(req("framework_start_init", 44)))
            check_error(r.value()[0], 44, -1)
        app.stop_cleanly()
    finally:
        app.cleanup()


if __name__ == "__main__":
    sys.exit(rpcapp.run("rpc.py's wire habits, JSON-RPC framing and error codes.",
                        [wire_habits, error_codes, startup_state]))
