#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
"""The checker of trace files (check_chrome.py) checks itself: a small good
trace passes, and each broken variant of it (an unclosed span, crossed spans,
a flow with one end, time going backwards on a track, an unnamed track, ...)
fails with the expected complaint. A checker that passes everything would be
a test that cannot fail.

check_chrome_selftest.py [CHECKER]   (default: check_chrome.py next to it)
"""

import copy
import json
import os
import subprocess
import sys
import tempfile


def meta(tid, name):
    return {"ph": "M", "pid": 1, "tid": tid, "name": "thread_name", "args": {"name": name}}


def good():
    ev = [
        meta(0, "reactor 0"), meta(1, "reactor 1"), meta(1000, "main (tid 7)"),
        {"ph": "i", "pid": 1, "tid": 1000, "ts": 0.5, "s": "t", "cat": "thread",
         "name": "create reader", "args": {"thread": "reader", "thread_id": 2}},
        {"ph": "B", "pid": 1, "tid": 1000, "ts": 1.0, "cat": "msg", "name": "send hello_reader"},
        {"ph": "s", "pid": 1, "tid": 1000, "ts": 1.0, "cat": "msg", "name": "message", "id": 1},
        {"ph": "E", "pid": 1, "tid": 1000, "ts": 1.0, "cat": "msg", "name": "send hello_reader"},
        {"ph": "i", "pid": 1, "tid": 0, "ts": 1.5, "s": "t", "cat": "place", "name": "place",
         "args": {"thread": "reader", "from": None, "to": 1, "reason": "cpumask"}},
        {"ph": "B", "pid": 1, "tid": 1, "ts": 2.0, "cat": "slice", "name": "reader",
         "args": {"thread": "reader", "thread_id": 2, "busy": True}},
        {"ph": "B", "pid": 1, "tid": 1, "ts": 2.5, "cat": "msg", "name": "hello_reader",
         "args": {"fn": "0x1", "ctx": "0x0", "thread": "reader", "from": "foreign pthread 7"}},
        {"ph": "f", "pid": 1, "tid": 1, "ts": 2.5, "cat": "msg", "name": "message", "id": 1,
         "bp": "e"},
        {"ph": "E", "pid": 1, "tid": 1, "ts": 3.0, "cat": "msg", "name": "hello_reader"},
        {"ph": "B", "pid": 1, "tid": 1, "ts": 3.0, "cat": "poller", "name": "hello_poller"},
        {"ph": "E", "pid": 1, "tid": 1, "ts": 3.5, "cat": "poller", "name": "hello_poller"},
        {"ph": "E", "pid": 1, "tid": 1, "ts": 4.0, "cat": "slice", "name": "reader"},
        {"ph": "X", "pid": 1, "tid": 0, "ts": 5.0, "dur": 2.0, "cat": "event", "name": "ev"},
        {"ph": "X", "pid": 1, "tid": 0, "ts": 5.5, "dur": 1.0, "cat": "msg", "name": "inner"},
    ]
    return {"traceEvents": ev, "displayTimeUnit": "ns",
            "otherData": {"pinwheel_version": "0.1.0", "tick_hz": 1000000000, "lost_records": 0}}


def find(doc, ph, name=None, cat=None):
    for i, e in enumerate(doc["traceEvents"]):
        if e.get("ph") == ph and (name is None or e.get("name") == name) and \
                (cat is None or e.get("cat") == cat):
            return i
    raise KeyError((ph, name, cat))


def variant_unclosed(d):
    del d["traceEvents"][find(d, "E", "reader", "slice")]


def variant_crossed(d):
    # The poller's end and the slice's end swapped: the spans cross.
    ev = d["traceEvents"]
    i, j = find(d, "E", "hello_poller"), find(d, "E", "reader", "slice")
    ev[i]["name"], ev[i]["cat"], ev[j]["name"], ev[j]["cat"] = "reader", "slice", "hello_poller", "poller"


def variant_crossed_x(d):
    d["traceEvents"][find(d, "X", "inner")]["dur"] = 5.0


def variant_e_without_b(d):
    del d["traceEvents"][find(d, "B", "hello_poller")]


def variant_flow_no_end(d):
    del d["traceEvents"][find(d, "f")]


def variant_flow_no_start(d):
    del d["traceEvents"][find(d, "s")]


def variant_flow_twice(d):
    d["traceEvents"].insert(find(d, "E", "hello_reader"), dict(d["traceEvents"][find(d, "f")]))


def variant_flow_outside(d):
    ev = d["traceEvents"]
    del ev[find(d, "E", "send hello_reader")]
    del ev[find(d, "B", "send hello_reader")]


def variant_backwards(d):
    d["traceEvents"][find(d, "E", "hello_poller")]["ts"] = 2.9


def variant_unnamed_track(d):
    del d["traceEvents"][1]


def variant_no_sender(d):
    del d["traceEvents"][find(d, "B", "hello_reader")]["args"]["from"]


def variant_reader_elsewhere(d):
    for e in d["traceEvents"]:
        if e.get("tid") == 1:
            e["tid"] = 0


def variant_not_placed(d):
    del d["traceEvents"][find(d, "i", cat="place")]


def variant_bad_ts(d):
    d["traceEvents"][find(d, "B", "hello_poller")]["ts"] = "3.0"


def variant_no_other_data(d):
    del d["otherData"]


VARIANTS = [
    (variant_unclosed, "never closed"),
    (variant_crossed, "spans cross"),
    (variant_crossed_x, "crosses the end"),
    (variant_e_without_b, "with no open B"),
    (variant_flow_no_end, "0 end(s)"),
    (variant_flow_no_start, "0 start(s)"),
    (variant_flow_twice, "2 end(s)"),
    (variant_flow_outside, "outside any span"),
    (variant_backwards, "time goes backwards"),
    (variant_unnamed_track, "no thread_name"),
    (variant_no_sender, "names no sender"),
    (variant_reader_elsewhere, "not on reactor 1"),
    (variant_not_placed, "no placement"),
    (variant_bad_ts, "is not a number"),
    (variant_no_other_data, "no otherData"),
]

ARGS = ["--reader-core", "1", "--require-place", "--require-foreign"]


def run(checker, doc, raw=None):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(raw if raw is not None else json.dumps(doc))
        path = f.name
    try:
        p = subprocess.run([sys.executable, checker, path] + ARGS, capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr
    finally:
        os.unlink(path)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    checker = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "check_chrome.py")
    failures = 0
    rc, out = run(checker, good())
    if rc != 0:
        print("FAIL: the good trace is refused:\n" + out)
        failures += 1
    else:
        print("ok: the good trace passes")
    for variant, want in VARIANTS:
        doc = copy.deepcopy(good())
        variant(doc)
        rc, out = run(checker, doc)
        if rc == 0 or want not in out:
            print("FAIL: %s: exit %d, expected a complaint with %r:\n%s"
                  % (variant.__name__, rc, want, out))
            failures += 1
        else:
            print("ok: %s is refused (%s)" % (variant.__name__, want))
    rc, out = run(checker, None, raw=json.dumps(good())[:-20])
    if rc == 0 or "not readable JSON" not in out:
        print("FAIL: a truncated file is accepted:\n" + out)
        failures += 1
    else:
        print("ok: a truncated file is refused")
    if failures:
        print("%d failure(s)" % failures)
        return 1
    print("check_chrome.py: all %d self-checks passed" % (len(VARIANTS) + 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
