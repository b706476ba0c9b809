#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# save_config / load_config (and the per-subsystem pair) of scripts/pinwheel-rpc,
# which follow SPDK's rpc.py:
#
# - against a model app (a fake client with methods of each RPC state,
#   framework_start_init, subsystems with dependencies and a configuration
#   that setter methods change): rpc.py's output, byte for byte (indent 2,
#   compact with -i -1, -s with dependencies); load_config's rounds (STARTUP
#   entries, framework_start_init, RUNTIME entries, in file order); the
#   "skipped" message; an unknown method refused before anything is called;
#   batch entries; and save -> load into a fresh app giving the same
#   configuration;
# - against examples/rpc_hello started with --wait-for-rpc, as a user runs
#   the script: load_config applies the STARTUP entries, starts the framework
#   and applies the RUNTIME ones; save_config prints what
#   framework_get_subsystems and framework_get_config say, in rpc.py's
#   format; bad files give exit 1 with a clear message.
#
#   rpc_config.py --app build/examples/rpc_hello [--spdk] [--app-arg ARG ...]

import io
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import rpcapp  # noqa: E402

rpc = rpcapp.rpc
RPC = os.path.join(rpcapp.SCRIPTS, "pinwheel-rpc")

STARTUP, RUNTIME = 1, 2


class ModelApp:
    """A fake client: an app's method registry, state and subsystems."""

    def __init__(self):
        self.state = STARTUP
        self.calls = []
        # name -> (state mask, handler)
        self.methods = {
            "rpc_get_methods": (STARTUP | RUNTIME, self._get_methods),
            "framework_start_init": (STARTUP, self._start_init),
            "framework_get_subsystems": (RUNTIME, self._get_subsystems),
            "framework_get_config": (RUNTIME, self._get_config),
            "a_set_opts": (STARTUP, self._setter("a", "a_set_opts")),
            "b_add": (RUNTIME, self._setter("b", "b_add")),
            "c_both": (STARTUP | RUNTIME, self._setter("c", "c_both")),
        }
        self.aliases = {"a_set_options": "a_set_opts"}
        # in initialisation order, each with its dependencies
        self.subsystems = [("a", []), ("c", []), ("b", ["a"])]
        self.config = {"a": [], "b": [], "c": None}

    def _setter(self, subsystem, method):
        def handler(params):
            if self.config[subsystem] is None:
                self.config[subsystem] = []
            entry = {"method": method}
            if params is not None:
                entry["params"] = params
            self.config[subsystem].append(entry)
            return True
        return handler

    def _get_methods(self, params):
        params = params or {}
        names = [n for n, (mask, _) in self.methods.items()
                 if not params.get("current") or mask & self.state]
        if params.get("include_aliases"):
            names += list(self.aliases)
        return names

    def _start_init(self, params):
        self.state = RUNTIME
        return True

    def _get_subsystems(self, params):
        return [{"subsystem": n, "depends_on": d} for n, d in self.subsystems]

    def _get_config(self, params):
        assert set(params) == {"name", "with_batches"}, params
        return self.config[params["name"]]

    def call(self, method, params=None):
        self.calls.append(method)
        method = self.aliases.get(method, method)
        if method not in self.methods:
            raise rpc.RpcError(method, {"code": -32601, "message": "Method not found"})
        mask, handler = self.methods[method]
        if not mask & self.state:
            raise rpc.RpcError(method, {"code": -1, "message": "wrong state"})
        return handler(params)


def saved(app, **kw):
    out = io.StringIO()
    rpc.save_config(app, out, **kw)
    return out.getvalue()


def loaded(app, text, **kw):
    out = io.StringIO()
    rpc.load_config(app, io.StringIO(text), out=out, **kw)
    return out.getvalue()


def model_save(opts):
    app = ModelApp()
    app.state = RUNTIME
    app.config["a"] = [{"method": "a_set_opts", "params": {"x": 1}}]
    expected = {"subsystems": [
        {"subsystem": "a", "config": [{"method": "a_set_opts", "params": {"x": 1}}]},
        {"subsystem": "c", "config": None},
        {"subsystem": "b", "config": []},
    ]}
    # rpc.py: json.dump with indent 2 and a newline; -i -1 is compact.
    assert saved(app) == json.dumps(expected, indent=2) + "\n", saved(app)
    assert saved(app, indent=-1) == json.dumps(expected) + "\n"
    assert saved(app, indent=4) == json.dumps(expected, indent=4) + "\n"
    # -s b: b and what it depends on, in initialisation order.
    only_b = json.loads(saved(app, subsystems="b"))
    assert [s["subsystem"] for s in only_b["subsystems"]] == ["a", "b"], only_b
    only_c = json.loads(saved(app, subsystems="c"))
    assert [s["subsystem"] for s in only_c["subsystems"]] == ["c"], only_c
    try:
        saved(app, subsystems="nope")
        raise AssertionError("an unknown subsystem was accepted")
    except rpc.ConfigError as e:
        assert "no subsystem named 'nope'" in str(e), e
    out = io.StringIO()
    rpc.save_subsystem_config(app, out, "a")
    assert json.loads(out.getvalue()) == expected["subsystems"][0], out.getvalue()


def model_load_rounds(opts):
    app = ModelApp()
    text = json.dumps({"subsystems": [
        {"subsystem": "b", "config": [{"method": "b_add", "params": {"n": 1}},
                                      {"method": "a_set_opts", "params": {"x": 2}}]},
        {"subsystem": "c", "config": [{"method": "c_both"}]},
        {"subsystem": "a", "config": None},
    ]})
    assert loaded(app, text) == ""
    assert app.state == RUNTIME
    setters = [c for c in app.calls if c in ("a_set_opts", "b_add", "c_both",
                                             "framework_start_init")]
    # STARTUP round in file order, then the framework starts, then RUNTIME.
    assert setters == ["a_set_opts", "c_both", "framework_start_init", "b_add"], app.calls
    assert app.config == {"a": [{"method": "a_set_opts", "params": {"x": 2}}],
                          "b": [{"method": "b_add", "params": {"n": 1}}],
                          "c": [{"method": "c_both"}]}, app.config


def model_load_skips_and_refusals(opts):
    # A STARTUP-only entry loaded into a running app is reported as skipped.
    app = ModelApp()
    app.state = RUNTIME
    text = json.dumps({"subsystems": [{"subsystem": "a", "config": [
        {"method": "a_set_opts"}, {"method": "b_add"}]}]})
    assert loaded(app, text) == ("Some configs were skipped because the RPC state that can "
                                 "call them passed over.\n")
    assert "b_add" in app.calls and "a_set_opts" not in app.calls, app.calls
    # An unknown method: refused before anything is called.
    app = ModelApp()
    text = json.dumps({"subsystems": [{"subsystem": "a", "config": [
        {"method": "c_both"}, {"method": "nope"}]}]})
    try:
        loaded(app, text)
        raise AssertionError("an unknown method was accepted")
    except rpc.ConfigError as e:
        assert "Unknown method was included in the config file" in str(e), e
    assert app.calls == ["rpc_get_methods"], app.calls
    # Aliases only with -i (include_aliases).
    app = ModelApp()
    text = json.dumps({"subsystems": [{"subsystem": "a", "config": [
        {"method": "a_set_options", "params": {"x": 3}}]}]})
    try:
        loaded(app, text)
        raise AssertionError("an alias was accepted without include_aliases")
    except rpc.ConfigError:
        pass
    app = ModelApp()
    assert loaded(app, text, include_aliases=True) == ""
    assert app.config["a"] == [{"method": "a_set_opts", "params": {"x": 3}}], app.config
    # No entry at all: rpc.py just starts the framework.
    app = ModelApp()
    assert loaded(app, json.dumps({"subsystems": [{"subsystem": "a", "config": []}]})) == ""
    assert app.calls == ["rpc_get_methods", "framework_start_init"], app.calls
    # Batch entries: their calls, in order, in the state that allows them all.
    app = ModelApp()
    text = json.dumps({"subsystems": [{"subsystem": "b", "config": [
        [{"method": "b_add", "params": {"n": 1}}, {"method": "b_add", "params": {"n": 2}}],
        [], {"method": "a_set_opts"}]}]})
    assert loaded(app, text) == ""
    assert [c for c in app.calls if c in ("a_set_opts", "b_add")] == \
        ["a_set_opts", "b_add", "b_add"], app.calls
    # Malformed files.
    for bad, why in (("{", "not valid JSON"), ("[]", "no \"subsystems\" array"),
                     ('{"subsystems": [{"subsystem": "a"}]}', "without \"config\"")):
        try:
            loaded(ModelApp(), bad)
            raise AssertionError("accepted: %s" % bad)
        except rpc.ConfigError as e:
            assert why in str(e), (bad, e)


def model_save_then_load(opts):
    app = ModelApp()
    app.state = RUNTIME
    app.config = {"a": [{"method": "a_set_opts", "params": {"x": 7}}],
                  "b": [{"method": "b_add", "params": {"n": 1}},
                        {"method": "b_add", "params": {"n": 2}}],
                  "c": [{"method": "c_both", "params": {"s": "v"}}]}
    text = saved(app)
    fresh = ModelApp()
    assert loaded(fresh, text) == ""
    fresh_text = saved(fresh)
    assert fresh_text == text, "save -> load -> save differs:\n%s\n%s" % (text, fresh_text)


def run(*args, stdin=None):
    p = subprocess.run([sys.executable, RPC] + list(args), input=stdin, capture_output=True,
                       text=True, timeout=rpcapp.CALL_TIMEOUT * 4)
    return p.returncode, p.stdout, p.stderr


def live(opts):
    app = rpcapp.start_app(opts, ["--wait-for-rpc"])
    tmp = tempfile.mkdtemp(prefix="pw-rpc-config-")
    try:
        conf = os.path.join(tmp, "conf.json")
        with open(conf, "w") as f:
            json.dump({"subsystems": [
                {"subsystem": "log", "config": [
                    {"method": "log_set_print_level", "params": {"level": "WARNING"}}]},
                {"subsystem": "hello", "config": [{"method": "hello_threads"}]},
                {"subsystem": "empty", "config": None},
            ]}, f)
        # While the app waits: framework_get_subsystems is a RUNTIME method.
        assert app.call("rpc_get_methods", {"current": True}).count("framework_start_init") == 1
        rc, out, err = run("-s", app.sock, "load_config", "-j", conf)
        assert rc == 0 and out == "" and err == "", (rc, out, err)
        assert app.call("log_get_print_level") == "WARNING"
        current = app.call("rpc_get_methods", {"current": True})
        assert "framework_start_init" not in current, "the framework did not start"
        # The same file on stdin, now that the app runs: the STARTUP-and-RUNTIME
        # entry is called again, hello_threads too; nothing is skipped.
        with open(conf) as f:
            rc, out, err = run("-s", app.sock, "load_config", stdin=f.read())
        assert rc == 0 and out == "", (rc, out, err)

        # save_config: rpc.py's format, from the two methods' answers.
        subsystems = app.call("framework_get_subsystems")
        expected = {"subsystems": [
            {"subsystem": s["subsystem"],
             "config": app.call("framework_get_config",
                                {"name": s["subsystem"], "with_batches": False})}
            for s in subsystems]}
        rc, out, err = run("-s", app.sock, "save_config")
        assert rc == 0 and err == "", (rc, out, err)
        assert out == json.dumps(expected, indent=2) + "\n", out
        rc, out, err = run("-s", app.sock, "save_config", "-i", "-1")
        assert rc == 0 and out == json.dumps(expected) + "\n", (rc, out, err)

        # Bad input: exit 1, a message naming the problem.
        unknown = os.path.join(tmp, "unknown.json")
        with open(unknown, "w") as f:
            json.dump({"subsystems": [{"subsystem": "x", "config": [
                {"method": "no_such_method"}]}]}, f)
        rc, out, err = run("-s", app.sock, "load_config", "-j", unknown)
        assert rc == 1 and "Unknown method was included in the config file" in err, \
            (rc, out, err)
        rc, out, err = run("-s", app.sock, "load_config", "-j", os.path.join(tmp, "missing"))
        assert rc == 1 and "cannot read" in err and "missing" in err, (rc, out, err)
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"subsystems": [')
        rc, out, err = run("-s", app.sock, "load_config", "-j", bad)
        assert rc == 1 and "not valid JSON" in err, (rc, out, err)
        failing = os.path.join(tmp, "failing.json")
        with open(failing, "w") as f:
            json.dump({"subsystems": [{"subsystem": "log", "config": [
                {"method": "log_set_print_level", "params": {"level": "NOPE"}}]}]}, f)
        rc, out, err = run("-s", app.sock, "load_config", "-j", failing)
        assert rc == 1 and "log_set_print_level failed: error" in err, (rc, out, err)
        rc, out, err = run("-s", app.sock, "save_config", "--bogus")
        assert rc == 2 and "unrecognized arguments" in err, (rc, out, err)
        app.stop_cleanly()
    finally:
        app.cleanup()
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)


if __name__ == "__main__":
    sys.exit(rpcapp.run("save_config / load_config of pinwheel-rpc, as rpc.py's.",
                        [model_save, model_load_rounds, model_load_skips_and_refusals,
                         model_save_then_load, live]))
