#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
"""Check a Chrome trace JSON file written by pw_trace_write_chrome().

check_chrome.py FILE [--reader-core N] [--require-place] [--require-foreign]
                     [--require CAT ...]

Checks, whatever the program:
- the file is well formed JSON, in the object form ({"traceEvents": [...],
  "displayTimeUnit", "otherData" with pinwheel_version, tick_hz,
  lost_records}); every event has a known "ph", pid 1, an integer tid, and a
  numeric "ts" (metadata aside);
- every track (tid) is named by thread_name metadata;
- timestamps never go backwards on a track, in file order;
- spans ("B"/"E", and "X") are closed and properly nested per track: an "E"
  ends the innermost open "B" of its track, with the same name and category;
- every flow has exactly one start ("s") and one end ("f", "bp":"e"), the end
  not before the start, and each lies inside a span of its track (Perfetto and
  Chrome bind a flow to its enclosing slice);
- instants ("i") have a scope "s" of t, p or g;
- every message run that an arrow reaches says who sent it ("from").

With --reader-core N (poller_test, hello_event): the message hello_reader ran
exactly once, on track N (reactor N), inside a slice of its thread, after the
thread was created and, when placements are recorded (--require-place), after
its placement on core N. --require-foreign: at least one message names a
foreign pthread as its sender. --require CAT: at least one event of that
category.

Exit 0 when the file passes, 1 with one line per defect otherwise (at most 20).
Python 3, standard library only.
"""

import argparse
import json
import sys

PHASES = set("BEXisftnbeMCNODPR")


class Checker:
    def __init__(self):
        self.errors = []

    def error(self, msg):
        self.errors.append(msg)

    def check(self, doc, reader_core=None, require_place=False, require_foreign=False,
              require=()):
        if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
            self.error("not a trace object: no traceEvents list")
            return self.errors
        if doc.get("displayTimeUnit") not in ("ms", "ns"):
            self.error("displayTimeUnit is %r, not ms or ns" % doc.get("displayTimeUnit"))
        other = doc.get("otherData")
        if not isinstance(other, dict):
            self.error("no otherData object")
        else:
            for key in ("pinwheel_version", "tick_hz", "lost_records"):
                if key not in other:
                    self.error("otherData has no %s" % key)
        events = doc["traceEvents"]
        named = set()
        tracks = {}
        for n, ev in enumerate(events):
            if not isinstance(ev, dict):
                self.error("event %d is not an object" % n)
                continue
            ph = ev.get("ph")
            if ph not in PHASES:
                self.error("event %d: unknown ph %r" % (n, ph))
                continue
            if ev.get("pid") != 1:
                self.error("event %d: pid %r, not 1" % (n, ev.get("pid")))
            if not isinstance(ev.get("tid"), int) or isinstance(ev.get("tid"), bool):
                self.error("event %d: tid %r is not an integer" % (n, ev.get("tid")))
                continue
            if ph == "M":
                if ev.get("name") == "thread_name":
                    named.add(ev["tid"])
                continue
            ts = ev.get("ts")
            if not isinstance(ts, (int, float)) or isinstance(ts, bool) or ts < 0:
                self.error("event %d: ts %r is not a number >= 0" % (n, ts))
                continue
            tracks.setdefault(ev["tid"], []).append((n, ev))
        for tid in sorted(tracks):
            if tid not in named:
                self.error("track %d has no thread_name metadata" % tid)
        flows = {}
        spans = []  # (tid, begin, end, name, cat, args)
        for tid in sorted(tracks):
            self.check_track(tid, tracks[tid], flows, spans)
        self.check_flows(flows)
        self.check_senders(events, spans)
        if reader_core is not None:
            self.check_reader(events, spans, reader_core, require_place)
        if require_foreign and not any(
                str((s[5] or {}).get("from", "")).startswith("foreign pthread ")
                for s in spans if s[4] == "msg"):
            self.error("no message names a foreign pthread as its sender")
        for cat in require:
            if not any(isinstance(e, dict) and e.get("cat") == cat for e in events):
                self.error("no event of category %r" % cat)
        return self.errors

    def check_track(self, tid, evs, flows, spans):
        last = None
        stack = []   # [name, cat, ts, args, end-or-None (X)]
        for n, ev in evs:
            ph, ts = ev["ph"], ev["ts"]
            if last is not None and ts < last:
                self.error("track %d: time goes backwards at event %d (%s after %s)"
                           % (tid, n, ts, last))
            last = ts
            # X spans end by themselves: close those that ended before ts.
            while stack and stack[-1][4] is not None and stack[-1][4] <= ts and ph != "E":
                x = stack.pop()
                spans.append((tid, x[2], x[4], x[0], x[1], x[3]))
            if ph == "B":
                stack.append([ev.get("name"), ev.get("cat"), ts, ev.get("args"), None])
            elif ph == "X":
                dur = ev.get("dur")
                if not isinstance(dur, (int, float)) or dur < 0:
                    self.error("track %d: event %d: X without a dur >= 0" % (tid, n))
                    continue
                if stack and stack[-1][4] is not None and ts + dur > stack[-1][4]:
                    self.error("track %d: event %d: span %r crosses the end of %r"
                               % (tid, n, ev.get("name"), stack[-1][0]))
                stack.append([ev.get("name"), ev.get("cat"), ts, ev.get("args"), ts + dur])
            elif ph == "E":
                if not stack or stack[-1][4] is not None:
                    self.error("track %d: event %d: E %r with no open B"
                               % (tid, n, ev.get("name")))
                    continue
                top = stack.pop()
                if ("name" in ev and ev["name"] != top[0]) or ("cat" in ev and ev["cat"] != top[1]):
                    self.error("track %d: event %d: E %r/%r ends B %r/%r (spans cross)"
                               % (tid, n, ev.get("name"), ev.get("cat"), top[0], top[1]))
                spans.append((tid, top[2], ts, top[0], top[1], top[3]))
            elif ph in "sf":
                if "id" not in ev:
                    self.error("track %d: event %d: flow without id" % (tid, n))
                    continue
                if not stack:
                    self.error("track %d: event %d: flow %s of id %r outside any span"
                               % (tid, n, ph, ev["id"]))
                if ph == "f" and ev.get("bp") != "e":
                    self.error("track %d: event %d: flow end without \"bp\":\"e\"" % (tid, n))
                key = (ev.get("cat"), ev["id"])
                flows.setdefault(key, []).append((ph, ts, tid, n, stack[-1] if stack else None))
            elif ph == "i":
                if ev.get("s", "t") not in ("t", "p", "g"):
                    self.error("track %d: event %d: instant scope %r" % (tid, n, ev.get("s")))
        while stack and stack[-1][4] is not None:
            x = stack.pop()
            spans.append((tid, x[2], x[4], x[0], x[1], x[3]))
        for s in stack:
            self.error("track %d: span %r (%s) opened at %s is never closed"
                       % (tid, s[0], s[1], s[2]))

    def check_flows(self, flows):
        for key, points in sorted(flows.items(), key=lambda kv: str(kv[0])):
            starts = [p for p in points if p[0] == "s"]
            ends = [p for p in points if p[0] == "f"]
            if len(starts) != 1 or len(ends) != 1:
                self.error("flow %r: %d start(s) and %d end(s), expected one of each"
                           % (key[1], len(starts), len(ends)))
                continue
            if ends[0][1] < starts[0][1]:
                # Different tracks may read different cpus' clocks: allow 1 us.
                if ends[0][2] == starts[0][2] or starts[0][1] - ends[0][1] > 1.0:
                    self.error("flow %r ends (%s) before it starts (%s)"
                               % (key[1], ends[0][1], starts[0][1]))

    def check_senders(self, events, spans):
        # A message span that an arrow reaches must say who sent it.
        ends = {}
        for ev in events:
            if isinstance(ev, dict) and ev.get("ph") == "f":
                ends.setdefault(ev.get("tid"), []).append(ev.get("ts"))
        for tid, begin, end, name, cat, args in spans:
            if cat != "msg" or tid not in ends:
                continue
            if any(t == begin for t in ends[tid]) and not (args or {}).get("from"):
                self.error("track %d: message %r at %s is reached by an arrow but names no sender"
                           % (tid, name, begin))

    def check_reader(self, events, spans, core, require_place):
        runs = [s for s in spans if s[4] == "msg" and s[3] == "hello_reader"]
        if len(runs) != 1:
            self.error("%d hello_reader message(s), expected 1" % len(runs))
            return
        tid, begin, end, name, cat, args = runs[0]
        if tid != core:
            self.error("hello_reader ran on track %d, not on reactor %d" % (tid, core))
        thread = (args or {}).get("thread")
        if not thread:
            self.error("hello_reader names no thread")
            return
        slices = [s for s in spans if s[0] == tid and s[4] == "slice" and s[1] <= begin <= s[2]]
        if not any((s[5] or {}).get("thread") == thread for s in slices):
            self.error("hello_reader is not inside a slice of thread %r" % thread)
        inst = [e for e in events if isinstance(e, dict) and e.get("ph") == "i"]
        created = [e for e in inst if e.get("cat") == "thread" and
                   (e.get("args") or {}).get("thread") == thread and
                   str(e.get("name", "")).startswith("create")]
        if not created:
            self.error("no create instant for thread %r" % thread)
        elif created[0]["ts"] > begin:
            self.error("hello_reader (%s) runs before thread %r is created (%s)"
                       % (begin, thread, created[0]["ts"]))
        placed = [e for e in inst if e.get("cat") in ("place", "move") and
                  (e.get("args") or {}).get("thread") == thread and e["ts"] <= begin]
        if require_place:
            if not placed:
                self.error("no placement of thread %r before hello_reader ran" % thread)
            elif placed[-1]["args"].get("to") != core:
                self.error("thread %r was last placed on core %r before hello_reader, not %d"
                           % (thread, placed[-1]["args"].get("to"), core))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--reader-core", type=int)
    ap.add_argument("--require-place", action="store_true")
    ap.add_argument("--require-foreign", action="store_true")
    ap.add_argument("--require", action="append", default=[])
    a = ap.parse_args(argv)
    try:
        with open(a.file, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print("%s: not readable JSON: %s" % (a.file, e))
        return 1
    errors = Checker().check(doc, a.reader_core, a.require_place, a.require_foreign, a.require)
    for e in errors[:20]:
        print("%s: %s" % (a.file, e))
    if len(errors) > 20:
        print("%s: ... and %d more" % (a.file, len(errors) - 20))
    if errors:
        return 1
    n = len(doc["traceEvents"])
    print("%s: ok (%d events)" % (a.file, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
