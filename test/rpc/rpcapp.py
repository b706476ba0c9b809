# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# What the Python RPC tests (test/rpc/rpc_*.py) share: starting an app
# (examples/rpc_hello) on a private socket under a temporary directory,
# connecting to it, stopping it, and the rules that keep a test from hanging:
# every socket operation has a timeout, a watchdog (SIGALRM) ends the whole
# test, the app dies with the test (PR_SET_PDEATHSIG) and is killed at the
# end whatever happens.
#
# A test is a list of functions run in order; each may raise AssertionError
# (a failed check, reported, the next one still runs) or anything else
# (reported as an error). Exit status: 0 all passed, 1 something failed.
#
# Common options of every test: --app PATH (the binary), --app-arg ARG
# (repeatable, added to every start: e.g. SPDK's env options when the test
# runs against the example built with SPDK), --spdk (the app is SPDK's: skip
# what only Pinwheel offers, such as --pw-rpc-compat).

import argparse
import atexit
import ctypes
import importlib.machinery
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.realpath(__file__))
SCRIPTS = os.path.join(HERE, "..", "..", "scripts")

# Sanitizer builds and a loaded machine are slow: every limit is scaled by
# PW_TEST_TIMEOUT_SCALE, as the C tests' limits are.
SCALE = max(1.0, float(os.environ.get("PW_TEST_TIMEOUT_SCALE", "1") or 1))
START_TIMEOUT = 30.0 * SCALE
CALL_TIMEOUT = 20.0 * SCALE
STOP_TIMEOUT = 30.0 * SCALE


def load_rpc():
    """scripts/pinwheel-rpc as a module (its RpcClient)."""
    path = os.path.join(SCRIPTS, "pinwheel-rpc")
    loader = importlib.machinery.SourceFileLoader("pinwheel_rpc", path)
    spec = importlib.util.spec_from_loader("pinwheel_rpc", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


rpc = load_rpc()
_apps = []


def _die_with_parent():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def kill_all():
    for app in list(_apps):
        app.kill()


atexit.register(kill_all)


class App:
    """One run of the app under test on a private socket."""

    def __init__(self, binary, args=(), extra=()):
        self.binary = binary
        self.args = list(args) + list(extra)
        self.dir = tempfile.mkdtemp(prefix="pw-rpc-test-")
        self.sock = os.path.join(self.dir, "rpc.sock")
        self.out_path = os.path.join(self.dir, "stdout")
        self.err_path = os.path.join(self.dir, "stderr")
        self.proc = None
        self.returncode = None

    def start(self, wait_socket=True):
        cmd = [self.binary, "-r", self.sock] + self.args
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         preexec_fn=_die_with_parent)
        _apps.append(self)
        if wait_socket:
            self.wait_socket()
        return self

    def wait_socket(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("the app exited (%d) before its socket answered\n%s"
                                     % (self.proc.returncode, self.logs()))
            try:
                rpc.RpcClient(self.sock, 2.0).close()
                return
            except rpc.RpcConnectionError:
                time.sleep(0.05)
        raise AssertionError("no socket at %s after %.0f s\n%s"
                             % (self.sock, START_TIMEOUT, self.logs()))

    def client(self, timeout=None):
        return rpc.RpcClient(self.sock, CALL_TIMEOUT if timeout is None else timeout)

    def call(self, method, params=None):
        with self.client() as c:
            return c.call(method, params)

    def raw(self):
        """A plain socket to the app, with the call timeout."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(CALL_TIMEOUT)
        s.connect(self.sock)
        return s

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """spdk_kill_instance, then the exit status (killed after STOP_TIMEOUT)."""
        if self.alive():
            try:
                with self.client() as c:
                    c.call("spdk_kill_instance", {"sig_name": "SIGINT"})
            except rpc.ConnectionClosed:
                pass  # the app may be gone before its answer, as in SPDK
            except (rpc.RpcConnectionError, rpc.RpcError) as e:
                print("note: spdk_kill_instance: %s" % e)
        return self.wait()

    def wait(self):
        try:
            self.returncode = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("the app did not exit within %.0f s\n%s"
                                 % (STOP_TIMEOUT, self.logs()))
        self._forget()
        return self.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self._forget()

    def _forget(self):
        if self in _apps:
            _apps.remove(self)

    def stdout(self):
        try:
            with open(self.out_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stderr(self):
        try:
            with open(self.err_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def logs(self):
        return "--- app stdout\n%s--- app stderr\n%s---" % (self.stdout(), self.stderr())

    def stop_cleanly(self):
        """Stop the app and check the exit: status 0, no sanitizer report."""
        rc = self.stop()
        err = self.stderr()
        assert rc == 0, "the app exited with status %s\n%s" % (rc, self.logs())
        assert "Sanitizer" not in err, "a sanitizer report\n%s" % self.logs()
        assert not os.path.exists(self.sock), "the socket is still there after the exit"

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def options(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--app", required=True, help="the app binary (examples/rpc_hello)")
    parser.add_argument("--app-arg", action="append", default=[],
                        help="an option added to every start of the app (repeatable)")
    parser.add_argument("--spdk", action="store_true",
                        help="the app is built with SPDK: skip Pinwheel-only checks")
    parser.add_argument("--limit", type=float, default=300.0,
                        help="seconds after which the whole test fails (scaled)")
    parser.add_argument("only", nargs="*", help="run only these checks")
    return parser.parse_args()


def run(description, checks):
    """Run checks (functions taking the options) and exit with the verdict."""
    opts = options(description)

    def watchdog(signum, frame):
        print("FAIL: the test did not finish within %.0f s" % (opts.limit * SCALE))
        for app in list(_apps):
            print(app.logs())
        kill_all()
        os._exit(1)

    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(int(opts.limit * SCALE))
    if not os.access(opts.app, os.X_OK):
        print("no executable %s" % opts.app)
        return 1
    failed = 0
    for check in checks:
        if opts.only and check.__name__ not in opts.only and \
                not getattr(check, "has_steps", False):
            continue
        start = time.monotonic()
        try:
            check(opts)
            print("ok   %s (%.1f s)" % (check.__name__, time.monotonic() - start))
        except AssertionError as e:
            failed += 1
            where = [f for f in traceback.extract_tb(e.__traceback__)
                     if os.path.basename(f.filename) != "rpcapp.py"]
            print("FAIL %s (lines %s): %s" % (check.__name__,
                                             ",".join(str(f.lineno) for f in where) or "?", e))
        except Exception:
            failed += 1
            print("FAIL %s: an exception\n%s" % (check.__name__, traceback.format_exc()))
        finally:
            kill_all()
        sys.stdout.flush()
    print("%d check(s) failed" % failed if failed else "all checks passed")
    return 1 if failed else 0


def start_app(opts, args=()):
    app = App(os.path.abspath(opts.app), args, opts.app_arg)
    try:
        app.start()
    except BaseException:
        app.cleanup()
        raise
    return app
