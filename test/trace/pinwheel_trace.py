#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# scripts/pinwheel-trace, run as a user runs it, against the hand-made trace
# test/trace/fixtures/sample.json (two reactors, a foreign pthread, slices
# busy and idle, messages and pollers nested in them, an event outside them,
# flows with one send that never ran, placements, a move, sleeps and
# wake-ups, thread and app instants):
#
# - --summary: the numbers worked out by hand from the fixture (busy %,
#   asleep %, counts per lane, top functions, latency, placements and moves);
# - --svg: well formed XML (xml.etree) with a lane per track, a box per span
#   by kind, one arrow per matched flow, the markers, the legend, tooltips;
#   names that need escaping stay well formed;
# - a big generated trace: spans narrower than a pixel are merged, the SVG
#   stays small and says so in its legend, the summary still counts them all;
# - malformed inputs: exit 2 with a message naming the problem, no traceback;
# - the PNG decoder of render.py (every filter type, blank and not blank),
#   without Chromium.
#
#   pinwheel_trace.py

import json
import os
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

HERE = os.path.dirname(os.path.realpath(__file__))
TOOL = os.path.join(HERE, "..", "..", "scripts", "pinwheel-trace")
SAMPLE = os.path.join(HERE, "fixtures", "sample.json")
SVGNS = "{http://www.w3.org/2000/svg}"
sys.path.insert(0, HERE)
import render  # noqa: E402


def run(*args, stdin=None):
    p = subprocess.run([sys.executable, TOOL] + list(args), input=stdin,
                       stdin=None if stdin is not None else subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def summary_numbers():
    rc, out, err = run(SAMPLE, "--summary")
    assert rc == 0, (rc, err)
    lines = out.splitlines()
    assert lines[0] == "trace sample.json: duration 100.000 us, 2 reactors, 3 lanes", lines[0]
    rows = {l.split()[0] + " " + l.split()[1]: l.split()[2:] for l in lines
            if l.startswith("reactor ")}
    rows["main"] = [l.split()[1:] for l in lines if l.startswith("main ")][0]
    # busy: slices 5-25, 60-80, 94-98 and the event 34-38 outside slices;
    # asleep 40-60; 4 slices (30-32 idle), 2 messages, 3 pollers, 1 event.
    # It sent one message (hello_reader, 8).
    assert rows["reactor 0"] == ["48.00", "20.00", "4", "1", "2", "3", "1", "1", "1", "1"], rows
    # busy: 10-30 and 84-90; asleep 35-50; 50-54 idle.
    assert rows["reactor 1"] == ["26.00", "15.00", "3", "1", "2", "1", "0", "0", "1", "1"], rows
    # The foreign pthread sent three messages; its "send" spans are neither
    # messages run nor busy time.
    assert rows["main"] == ["0.00", "0.00", "0", "0", "0", "0", "0", "3", "0", "0"], rows
    # The lanes in order: reactors by lcore, then the other pthread.
    order = [l.split()[0] for l in lines if l.startswith(("reactor ", "main "))]
    assert order == ["reactor", "reactor", "main"], order

    top = lines[lines.index("top functions by total time (messages and pollers):") + 2:]
    top = [l.split() for l in top[:5]]
    assert [(t[0], t[2], t[-1]) for t in top] == [
        ("16.000", "2", "app_poller"), ("12.000", "2", "hello_poller"),
        ("9.000", "2", "hello_reader"), ("6.000", "1", "start_fn"), ("4.000", "1", "stop_fn")], top
    assert [(t[3], t[5], t[7]) for t in top][:3] == [
        ("8.000", "10.000", "poller"), ("6.000", "10.000", "poller"),
        ("4.500", "6.000", "msg")], top

    # Flows: 5.5 -> 6, 8 -> 10, 83 -> 85; the send at 99 never ran.
    assert "messages sent -> run (flow arrows): 3; latency mean 1.500 us, max 2.000 us" \
        in lines, out
    assert "  1 send(s) without a run, 0 run(s) without a send" in lines, out

    moves = lines[lines.index("placements and moves:") + 1:]
    moves = [" ".join(l.split()) for l in moves if l.strip()]
    assert moves == [
        "2.000 us place app_thread -> reactor 0 (cpumask)",
        "4.000 us place worker reactor 0 -> reactor 1 (cpumask)",
        "92.000 us move worker reactor 1 -> reactor 0 (scheduler)"], moves

    # --top, and the summary is the default without --svg.
    rc, out2, err = run(SAMPLE, "--top", "2")
    assert rc == 0 and "  ... and 3 more" in out2 and "start_fn" not in out2, (rc, out2, err)
    # stdin as "-", the array form of the format.
    with open(SAMPLE) as f:
        events = json.load(f)["traceEvents"]
    rc, out3, err = run("-", stdin=json.dumps(events))
    assert rc == 0 and "reactor 0   48.00" in out3, (rc, out3, err)


def classes(root, name):
    return [e for e in root.iter() if e.get("class") == name]


def svg_picture():
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "sample.svg")
        rc, text, err = run(SAMPLE, "--svg", out)
        assert rc == 0 and text == "", (rc, text, err)    # no summary unless asked
        root = ET.parse(out).getroot()
        rc, text, err = run(SAMPLE, "--svg", out, "--summary", "--width", "900")
        assert rc == 0 and text.startswith("trace sample.json"), (rc, text, err)
        assert ET.parse(out).getroot().get("width") == "900"
    assert root.tag == SVGNS + "svg", root.tag
    head = root.find(SVGNS + "title").text
    assert head.startswith("poller_test: sample.json") and "2 reactors, 3 lanes, 18 spans, " \
        "3 message arrows" in head, head

    lanes = root.find(SVGNS + "g[@id='lanes']")
    labels = [t.text for t in lanes.iter(SVGNS + "text") if t.get("font-weight") == "bold"]
    assert labels == ["reactor 0", "reactor 1", "main"], labels
    counts = {k: len(classes(lanes, k)) for k in ("slice", "msg", "poller", "event", "send",
                                                  "merged")}
    assert counts == {"slice": 7, "msg": 4, "poller": 4, "event": 1, "send": 2, "merged": 0}, \
        counts
    # Idle slices are dashed; the tooltip of a message has its duration and args.
    dashed = [r for r in classes(lanes, "slice") if r.get("stroke-dasharray")]
    assert len(dashed) == 2, len(dashed)
    tips = [r.find(SVGNS + "title").text for r in classes(lanes, "msg")]
    start = [t for t in tips if t.startswith("start_fn (msg)")]
    assert start and "duration 6.000 us, at 6.000 us" in start[0] and \
        "from: foreign pthread 4242" in start[0], tips
    # Slices of one thread share a colour; two threads differ.
    fills = {}
    for r in classes(lanes, "slice"):
        if not r.get("stroke-dasharray"):
            fills.setdefault(r.find(SVGNS + "title").text.split(" ")[0], set()).add(r.get("fill"))
    assert len(fills["app_thread"]) == 1 and len(fills["worker"]) == 1 and \
        fills["app_thread"] != fills["worker"], fills
    # Nested boxes sit below their slice: a message's row is under its slice's.
    slice_y = min(float(r.get("y")) for r in classes(lanes, "slice"))
    assert all(float(r.get("y")) > slice_y for r in classes(lanes, "msg")), "nesting"
    labels = [t.text for t in lanes.iter(SVGNS + "text")]
    assert "app_thread" in labels and "hello_poller" in labels, labels

    over = root.find(SVGNS + "g[@id='overlay']")
    flows = classes(over, "flow")
    assert len(flows) == 3, len(flows)
    ftips = sorted(f.find(SVGNS + "title").text for f in flows)
    assert any(t.startswith("message hello_reader: sent on reactor 0 at 8.000 us, run on "
                            "reactor 1 at 10.000 us") for t in ftips), ftips
    assert any(t.startswith("message start_fn: sent on main at 5.500 us, run on reactor 0 at "
                            "6.000 us") for t in ftips), ftips
    assert all(f.get("marker-end") == "url(#arrow)" for f in flows)
    marks = {k: len(classes(over, "mark-" + k)) for k in
             ("place", "move", "sleep", "wake", "thread", "app", "other")}
    assert marks == {"place": 2, "move": 1, "sleep": 2, "wake": 2, "thread": 4, "app": 2,
                     "other": 0}, marks
    assert len(classes(over, "move-path")) == 1

    legend = root.find(SVGNS + "g[@id='legend']")
    ltext = [t.text for t in legend.iter(SVGNS + "text")]
    for want in ("thread app_thread", "thread worker", "message", "poller", "event",
                 "send from outside a slice",
                 "message sent \u2192 run", "placed", "moved (from \u2192 to)", "goes to sleep",
                 "wakes up", "reactor asleep", "1 flow end(s) without a partner, not drawn"):
        assert want in ltext, (want, ltext)
    assert not any("merged" in t for t in ltext), ltext
    axis = [t.text for t in root.find(SVGNS + "g[@id='axis']").iter(SVGNS + "text")]
    assert axis[0] == "0 \u00b5s" and axis[-1] == "100 \u00b5s" and len(axis) >= 5, axis

    # A window: 80 to 100 us shows the move, the last send -> run, no placement.
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "window.svg")
        rc, text, err = run(SAMPLE, "--svg", out, "--from", "80", "--to", "100")
        assert rc == 0, (rc, err)
        root = ET.parse(out).getroot()
        rc, text, err = run(SAMPLE, "--svg", out, "--from", "50", "--to", "20")
        assert rc == 2 and "not a window" in err, (rc, err)
    head = root.find(SVGNS + "title").text
    assert head.endswith("; showing 80.000 us to 100.000 us"), head
    over = root.find(SVGNS + "g[@id='overlay']")
    assert len(classes(over, "flow")) == 1 and len(classes(over, "mark-move")) == 1 and \
        len(classes(over, "mark-place")) == 0, "window"
    lanes = root.find(SVGNS + "g[@id='lanes']")
    counts = {k: len(classes(lanes, k)) for k in ("slice", "msg", "poller")}
    assert counts == {"slice": 3, "msg": 1, "poller": 1}, counts
    axis = [t.text for t in root.find(SVGNS + "g[@id='axis']").iter(SVGNS + "text")]
    assert axis[0] == "80 \u00b5s" and axis[-1] == "100 \u00b5s", axis

    # Zooms: a panel each under the whole trace, marked on it.
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "zoom.svg")
        rc, text, err = run(SAMPLE, "--svg", out, "--zoom", "0:30", "--zoom", "80:100")
        assert rc == 0, (rc, err)
        root = ET.parse(out).getroot()
        for bad in ("30:0", "x", "5", "1:inf"):
            rc, text, err = run(SAMPLE, "--svg", out, "--zoom", bad)
            assert rc == 2 and "--zoom" in err and "Traceback" not in err, (bad, rc, err)
    assert len(classes(root.find(SVGNS + "g[@id='overlay']"), "zoom-mark")) == 2
    z1 = root.find(SVGNS + "g[@id='lanes-z1']")
    z2 = root.find(SVGNS + "g[@id='lanes-z2']")
    assert z1 is not None and z2 is not None, "zoom panels"
    # 0-30: slices 5-25 (r0) and 10-30 (r1), 30-32 touches; send start_fn.
    assert len(classes(z1, "slice")) == 3 and len(classes(z1, "msg")) == 2, "zoom 1"
    assert len(classes(root.find(SVGNS + "g[@id='overlay-z1']"), "flow")) == 2, "zoom 1 flows"
    assert len(classes(root.find(SVGNS + "g[@id='overlay-z2']"), "mark-move")) == 1, "zoom 2"
    assert root.find(SVGNS + "title").text.endswith("; 2 zooms below")


def escaping():
    """Names with markup and control characters keep the SVG well formed."""
    evs = [{"ph": "M", "pid": 1, "tid": 0, "name": "thread_name", "args": {"name": "reactor 0"}},
           {"ph": "X", "pid": 1, "tid": 0, "ts": 0, "dur": 10, "cat": "slice",
            "name": "a<b>&\"c\"\u0001\ud800", "args": {"thread": "<t>", "busy": True}},
           {"ph": "i", "s": "g", "pid": 1, "ts": 5, "name": "g&lobal"}]
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "t.json"), os.path.join(tmp, "t.svg")
        with open(src, "w") as f:
            json.dump({"traceEvents": evs}, f)
        rc, text, err = run(src, "--svg", out, "--summary")
        assert rc == 0, (rc, err)
        root = ET.parse(out).getroot()
    tips = [r.find(SVGNS + "title").text for r in classes(root, "slice")]
    assert tips[0].startswith('a<b>&"c"\ufffd\ufffd (slice)'), tips
    assert len(classes(root, "mark-global")) == 1


def big_trace():
    """40000 pollers of 1 us on two reactors: merged to a few MB, all counted."""
    evs = [{"ph": "M", "pid": 1, "tid": t, "name": "thread_name",
            "args": {"name": "reactor %d" % t}} for t in (0, 1)]
    n = 10000
    for t in (0, 1):
        for k in range(n):
            ts = k * 10.0
            evs.append({"ph": "B", "pid": 1, "tid": t, "ts": ts, "cat": "slice",
                        "name": "thr%d" % (k % 7), "args": {"thread": "thr%d" % (k % 7),
                                                           "busy": True}})
            evs.append({"ph": "X", "pid": 1, "tid": t, "ts": ts + 1, "dur": 1, "cat": "poller",
                        "name": "p%d" % (k % 3)})
            evs.append({"ph": "E", "pid": 1, "tid": t, "ts": ts + 4})
            if t == 0:
                evs.append({"ph": "s", "pid": 1, "tid": 0, "ts": ts + 2, "cat": "msg",
                            "name": "m", "id": k})
                evs.append({"ph": "f", "bp": "e", "pid": 1, "tid": 1, "ts": ts + 3, "cat": "msg",
                            "name": "m", "id": k})
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "big.json"), os.path.join(tmp, "big.svg")
        with open(src, "w") as f:
            json.dump({"traceEvents": evs}, f)
        rc, text, err = run(src, "--svg", out, "--summary")
        assert rc == 0, (rc, err)
        size = os.path.getsize(out)
        root = ET.parse(out).getroot()
    assert size < 3 * 1024 * 1024, size
    merged = classes(root, "merged")
    assert merged, "no merged boxes"
    legend = [t.text for t in root.find(SVGNS + "g[@id='legend']").iter(SVGNS + "text")]
    assert any(t.startswith("40000 spans in view (over 2000 per panel):") and "merged" in t
               for t in legend), legend
    assert "merged spans" in legend, legend
    assert len(classes(root, "flow")) < n, "arrows not thinned"
    rows = [l.split() for l in text.splitlines() if l.startswith("reactor ")]
    assert rows[0][2:] == ["40.00", "0.00", "10000", "0", "0", "10000", "0", "10000", "0", "0"], \
        rows
    assert "messages sent -> run (flow arrows): 10000; latency mean 1.000 us, max 1.000 us" \
        in text, text
    print("big trace: 40000 spans, SVG %d bytes, %d merged boxes" % (size, len(merged)))


MALFORMED = [
    ("not JSON", b"{\"traceEvents\": [", "not JSON"),
    ("not UTF-8", b"\xff\xfe{}", "not UTF-8"),
    ("a number", b"42", "not a Chrome trace"),
    ("no traceEvents", b"{\"displayTimeUnit\": \"ns\"}", "no \"traceEvents\""),
    ("traceEvents not an array", b"{\"traceEvents\": {}}", "\"traceEvents\" is not an array"),
    ("an event not an object", b"{\"traceEvents\": [3]}", "event #0: not an object"),
    ("no ph", b"{\"traceEvents\": [{\"ts\": 1}]}", "no \"ph\""),
    ("B without ts", b"{\"traceEvents\": [{\"ph\": \"B\", \"pid\": 1, \"tid\": 0}]}",
     "ts is missing"),
    ("ts a string", b"{\"traceEvents\": [{\"ph\": \"i\", \"pid\": 1, \"tid\": 0, \"ts\": \"5\"}]}",
     "ts is not a number"),
    ("no tid", b"{\"traceEvents\": [{\"ph\": \"B\", \"pid\": 1, \"ts\": 1}]}", "tid is missing"),
    ("E without B", b"{\"traceEvents\": [{\"ph\": \"E\", \"pid\": 1, \"tid\": 0, \"ts\": 1}]}",
     "\"E\" closes no span"),
    ("E on another track", b"{\"traceEvents\": [{\"ph\": \"B\", \"pid\": 1, \"tid\": 0, \"ts\": 1},"
     b"{\"ph\": \"E\", \"pid\": 1, \"tid\": 1, \"ts\": 2}]}", "\"B\" is never closed"),
    ("E before its B", b"{\"traceEvents\": [{\"ph\": \"E\", \"pid\": 1, \"tid\": 0, \"ts\": 1},"
     b"{\"ph\": \"B\", \"pid\": 1, \"tid\": 0, \"ts\": 2}]}", "\"E\" closes no span"),
    ("B never closed", b"{\"traceEvents\": [{\"ph\": \"B\", \"pid\": 1, \"tid\": 0, \"ts\": 1, "
     b"\"name\": \"s\"}]}", "\"B\" is never closed"),
    ("E of another name", b"{\"traceEvents\": [{\"ph\": \"B\", \"pid\": 1, \"tid\": 0, \"ts\": 1, "
     b"\"name\": \"a\"}, {\"ph\": \"E\", \"pid\": 1, \"tid\": 0, \"ts\": 2, \"name\": \"b\"}]}",
     "closes the span 'a'"),
    ("X without dur", b"{\"traceEvents\": [{\"ph\": \"X\", \"pid\": 1, \"tid\": 0, \"ts\": 1}]}",
     "dur is missing"),
    ("X negative dur", b"{\"traceEvents\": [{\"ph\": \"X\", \"pid\": 1, \"tid\": 0, \"ts\": 1, "
     b"\"dur\": -2}]}", "negative dur"),
    ("spans crossing", b"{\"traceEvents\": [{\"ph\": \"X\", \"pid\": 1, \"tid\": 0, \"ts\": 0, "
     b"\"dur\": 10, \"name\": \"a\"}, {\"ph\": \"X\", \"pid\": 1, \"tid\": 0, \"ts\": 5, "
     b"\"dur\": 10, \"name\": \"b\"}]}", "crosses span 'a'"),
    ("flow without id", b"{\"traceEvents\": [{\"ph\": \"s\", \"pid\": 1, \"tid\": 0, \"ts\": 1}]}",
     "without an \"id\""),
    ("ts infinite", b"{\"traceEvents\": [{\"ph\": \"i\", \"pid\": 1, \"tid\": 0, \"ts\": 1e999}]}",
     "ts is not a number"),
    ("nested too deeply", b"[" * 100000 + b"]" * 100000, "nested too deeply"),
]


def malformed():
    with tempfile.TemporaryDirectory() as tmp:
        for what, data, want in MALFORMED:
            path = os.path.join(tmp, "bad.json")
            with open(path, "wb") as f:
                f.write(data)
            rc, out, err = run(path, "--svg", os.path.join(tmp, "bad.svg"))
            assert rc == 2, (what, rc, out, err)
            assert err.startswith("pinwheel-trace: ") and want in err and "Traceback" not in err, \
                (what, want, err)
            assert not os.path.exists(os.path.join(tmp, "bad.svg")), what
        rc, out, err = run(os.path.join(tmp, "missing.json"))
        assert rc == 2 and "cannot read" in err and "Traceback" not in err, (rc, err)
        # An output that cannot be written: exit 1.
        rc, out, err = run(SAMPLE, "--svg", os.path.join(tmp, "no", "such", "dir.svg"))
        assert rc == 1 and "cannot write" in err, (rc, err)
    rc, out, err = run(SAMPLE, "--width", "10")
    assert rc == 2 and "--width" in err, (rc, err)
    rc, out, err = run("--help")
    assert rc == 0 and "--svg" in out and "--summary" in out, (rc, out)


def png(width, height, pixels, filters, colour_type=6):
    """A PNG of RGBA pixel rows, each row written with filters[y % len(filters)]."""
    ch = 4 if colour_type == 6 else 3
    raw, prev = bytearray(), bytes(width * ch)
    for y, row in enumerate(pixels):
        line = bytes(b for px in row for b in px[:ch])
        ft = filters[y % len(filters)]
        out = bytearray()
        for i, v in enumerate(line):
            a = line[i - ch] if i >= ch else 0
            b = prev[i]
            c = prev[i - ch] if i >= ch else 0
            if ft == 0:
                pred = 0
            elif ft == 1:
                pred = a
            elif ft == 2:
                pred = b
            elif ft == 3:
                pred = (a + b) >> 1
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out.append((v - pred) & 0xFF)
        raw += bytes([ft]) + out
        prev = line

    def chunk(t, body):
        return struct.pack(">I", len(body)) + t + body + struct.pack(">I", zlib.crc32(t + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8,
                                                              colour_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b""))


def png_decoder():
    w, h = 12, 10
    pixels = [[((x * 20) & 0xFF, (y * 25) & 0xFF, (x * y) & 0xFF, 255) for x in range(w)]
              for y in range(h)]
    for ct in (6, 2):
        data = png(w, h, pixels, [0, 1, 2, 3, 4], ct)
        dw, dh, rows = render.png_pixels(data)
        assert (dw, dh) == (w, h)
        want = [bytes(b for px in row for b in px) for row in pixels]
        assert rows == want, "filters decode wrong (colour type %d)" % ct
    assert render.image_stats(png(w, h, pixels, [4]))[2] > 8
    white = [[(255, 255, 255, 255)] * w for _ in range(h)]
    _, _, colours, share = render.image_stats(png(w, h, white, [0, 1]))
    assert colours == 1 and share == 0.0, (colours, share)
    for bad in (b"GIF89a", png(w, h, white, [0])[:40]):
        try:
            render.png_pixels(bad)
        except render.PngError:
            continue
        raise AssertionError("a bad PNG was decoded")


def main():
    for name, fn in (("summary", summary_numbers), ("svg", svg_picture), ("escaping", escaping),
                     ("malformed", malformed), ("big trace", big_trace),
                     ("png decoder", png_decoder)):
        fn()
        print("ok: %s" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
