#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# Renders an SVG of scripts/pinwheel-trace with headless Chromium (Debian's
# `chromium`) to a PNG, and fails when the page had errors or the image is
# blank. Python 3 standard library only.
#
#   render.py SVG PNG                 render one SVG
#   render.py --trace JSON PNG [--svg OUT.svg] [--run CMD ARG...]
#       make the SVG with pinwheel-trace first; with --run, make the trace
#       first too, by running CMD ARG... (in the arguments @TRACE@ is the
#       trace file's path, @MASK@ the core mask of the first two cpus this
#       process may use: 0x3 on most machines, one core where only one is usable)
#
# The SVG is shown through a tiny HTML page as an <img>, whose onload and
# onerror handlers write to the console; Chromium's console goes to stderr
# (--enable-logging=stderr --v=0). The render passes when the console says
# the image loaded with the SVG's own size and nothing else (an error),
# Chromium exited 0 within the time limit, and the PNG (decoded here with
# zlib) has non-background pixels in at least 1% of its area and at least 8
# distinct colours.
#
# Exit status: 0 rendered and checked; 1 a check failed; 77 chromium is not
# installed (skip; .ci/run installs it, so CI always renders).

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.realpath(__file__))
TOOL = os.path.join(HERE, "..", "..", "scripts", "pinwheel-trace")
SCALE = float(os.environ.get("PW_TEST_TIMEOUT_SCALE", "1") or 1)
CHROMIUM_TIMEOUT = 120 * SCALE
LOADED_RE = re.compile(r'pinwheel-render: loaded (\d+)x(\d+)')


class PngError(Exception):
    pass


def png_pixels(data):
    """(width, height, rows) of an 8-bit, non-interlaced PNG; each row a bytes of RGBA."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise PngError("not a PNG (bad signature)")
    pos, ihdr, idat = 8, None, []
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length:
            raise PngError("truncated %r chunk" % ctype)
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            break
        pos += 12 + length
    if ihdr is None or not idat:
        raise PngError("no IHDR or IDAT chunk")
    width, height, depth, colour, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise PngError("unsupported PNG: depth %d, colour type %d, interlace %d"
                       % (depth, colour, interlace))
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise PngError("bad image data: %s" % e) from None
    stride = width * channels
    if len(raw) != height * (stride + 1):
        raise PngError("image data is %d bytes, not %d" % (len(raw), height * (stride + 1)))
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        unfilter(ftype, line, prev, channels)
        prev = line
        rows.append(to_rgba(bytes(line), channels))
    return width, height, rows


def unfilter(ftype, line, prev, bpp):
    n = len(line)
    if ftype == 0:
        return
    if ftype == 1:
        for i in range(bpp, n):
            line[i] = (line[i] + line[i - bpp]) & 0xFF
    elif ftype == 2:
        for i in range(n):
            line[i] = (line[i] + prev[i]) & 0xFF
    elif ftype == 3:
        for i in range(n):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif ftype == 4:
        for i in range(n):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + pred) & 0xFF
    else:
        raise PngError("bad filter type %d" % ftype)


def to_rgba(line, channels):
    if channels == 4:
        return line
    out = bytearray()
    for i in range(0, len(line), channels):
        px = line[i:i + channels]
        if channels == 3:
            out += px + b"\xff"
        elif channels == 1:
            out += px * 3 + b"\xff"
        else:
            out += px[:1] * 3 + px[1:2]
    return bytes(out)


def image_stats(png_bytes):
    """(width, height, distinct colours, share of pixels unlike the top-left one)."""
    width, height, rows = png_pixels(png_bytes)
    background = rows[0][:4] if rows else b""
    colours, other = set(), 0
    for row in rows:
        for i in range(0, len(row), 4):
            px = row[i:i + 4]
            colours.add(px)
            if px != background:
                other += 1
    total = width * height
    return width, height, len(colours), (other / total if total else 0.0)


def svg_size(path):
    with open(path, "r", encoding="utf-8") as f:
        head = f.read(4096)
    m = re.search(r'<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"', head)
    if not m:
        raise ValueError("%s: no width/height on the <svg> element" % path)
    return int(m.group(1)), int(m.group(2))


def render(svg, png):
    """Render svg to png with Chromium and check it; returns a list of failures."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("SKIP: chromium is not installed (apt-get install chromium; .ci/run installs it)")
        sys.exit(77)
    width, height = svg_size(svg)
    tmp = tempfile.mkdtemp(prefix="pw-render-")
    try:
        page = os.path.join(tmp, "page.html")
        with open(page, "w", encoding="utf-8") as f:
            f.write('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><style>'
                    'html,body{margin:0;background:#fff}img{display:block}</style></head>\n'
                    '<body><img src="%s" onload="console.log(\'pinwheel-render: loaded \' + '
                    'this.naturalWidth + \'x\' + this.naturalHeight)" onerror="console.error('
                    '\'pinwheel-render: the SVG did not load\')"></body></html>\n'
                    % ("file://" + os.path.abspath(svg)))
        if os.path.exists(png):
            os.unlink(png)
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--no-first-run", "--no-default-browser-check", "--disable-extensions",
               "--disable-background-networking", "--allow-file-access-from-files",
               "--user-data-dir=" + os.path.join(tmp, "profile"),
               "--enable-logging=stderr", "--v=0",
               "--window-size=%d,%d" % (width, height),
               "--screenshot=" + os.path.abspath(png), "file://" + page]
        env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=tmp, XDG_CACHE_HOME=tmp)
        print("render: %s" % " ".join(cmd))
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               errors="replace", timeout=CHROMIUM_TIMEOUT, env=env,
                               start_new_session=True)
        except subprocess.TimeoutExpired:
            return ["chromium did not finish within %d s" % CHROMIUM_TIMEOUT]
        log = p.stdout + p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    console = [l for l in log.splitlines() if ":CONSOLE" in l]
    for line in console:
        print("console: %s" % line)
    failures = []
    if p.returncode != 0:
        failures.append("chromium exited %d:\n%s" % (p.returncode, log[-3000:]))
    # The page's only script logs the loaded line; anything else on the
    # console (the onerror line, an uncaught error, a resource that failed)
    # is a page error. Chromium logs console.error at INFO too.
    errors = [l for l in console if not LOADED_RE.search(l)]
    if errors:
        failures.append("the page logged errors: %s" % "; ".join(errors))
    loaded = [LOADED_RE.search(l) for l in console]
    loaded = [m for m in loaded if m]
    if not loaded:
        failures.append("the page never said the SVG loaded (no console line 'pinwheel-render: "
                        "loaded'); chromium's log:\n%s" % log[-3000:])
    elif (int(loaded[0].group(1)), int(loaded[0].group(2))) != (width, height):
        failures.append("the SVG loaded as %sx%s, not %dx%d" % (loaded[0].group(1),
                                                               loaded[0].group(2), width, height))
    if not os.path.exists(png):
        failures.append("no screenshot written to %s" % png)
        return failures
    with open(png, "rb") as f:
        data = f.read()
    try:
        w, h, colours, share = image_stats(data)
    except PngError as e:
        failures.append("%s: %s" % (png, e))
        return failures
    print("png: %s %dx%d, %d bytes, %d distinct colours, %.1f%% non-background pixels"
          % (png, w, h, len(data), colours, 100 * share))
    if colours < 8 or share < 0.01:
        failures.append("the image is blank: %d colours, %.2f%% non-background pixels"
                        % (colours, 100 * share))
    return failures


def main():
    ap = argparse.ArgumentParser(description="Render a pinwheel-trace SVG with headless Chromium "
                                             "and check the picture.")
    ap.add_argument("svg", nargs="?", help="the SVG to render (not with --trace)")
    ap.add_argument("png", help="where the PNG goes")
    ap.add_argument("--trace", help="make the SVG from this trace JSON first")
    ap.add_argument("--svg", dest="svg_out", help="with --trace: where the SVG goes")
    ap.add_argument("--run", nargs=argparse.REMAINDER,
                    help="with --trace: the command that writes the trace (@TRACE@ = its path)")
    opts = ap.parse_args()
    if (opts.trace is None) == (opts.svg is None):
        ap.error("give either SVG or --trace JSON")
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        print("SKIP: chromium is not installed (apt-get install chromium; .ci/run installs it)")
        return 77
    svg = opts.svg
    if opts.trace:
        if opts.run:
            cpus = sorted(os.sched_getaffinity(0))[:2]
            mask = hex(sum(1 << c for c in cpus))
            cmd = [a.replace("@TRACE@", opts.trace).replace("@MASK@", mask) for a in opts.run]
            print("trace: %s" % " ".join(cmd))
            if os.path.exists(opts.trace):
                os.unlink(opts.trace)
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               errors="replace", timeout=120 * SCALE)
            if p.returncode != 0 or not os.path.exists(opts.trace):
                print("FAIL: %s exited %d without a trace:\n%s%s" % (cmd[0], p.returncode,
                                                                       p.stdout[-2000:],
                                                                       p.stderr[-2000:]))
                return 1
        svg = opts.svg_out or os.path.splitext(opts.png)[0] + ".svg"
        p = subprocess.run([sys.executable, TOOL, opts.trace, "--svg", svg, "--summary",
                            "--zoom", "auto"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=300 * SCALE)
        sys.stdout.write(p.stdout)
        if p.returncode != 0:
            print("FAIL: pinwheel-trace exited %d: %s" % (p.returncode, p.stderr))
            return 1
    failures = render(svg, opts.png)
    for f in failures:
        print("FAIL: %s" % f)
    if not failures:
        print("PASS: %s rendered to %s" % (svg, opts.png))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
