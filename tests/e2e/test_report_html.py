"""report.html end to end (SPEC S7, issue 6): `qualm run` on the smoke experiment (with a cost
table, so every chart has data), `qualm report`, then the page in headless Chromium: no console
messages, nothing fetched, one mark per data point in each chart as summary.json implies (or
the chart's note where its section is empty), a screenshot that is not blank, and a screen
from the top of each of the verdict, its forest plot and where configurations disagree (taken
through the DevTools protocol, tests/e2e/chromium_page.py; kept in QUALM_SCREENSHOT_DIR when it
is set).

Skips (77) when Chromium or the shared data is absent; install it with
`apt-get install chromium` (Debian) or set QUALM_CHROMIUM to a Chrome/Chromium binary."""

import json
import os
import re
import struct
import sys
import tempfile
import unittest
import zlib
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from chromium_page import CHROME_FLAGS, DevToolsPage, find_chromium  # noqa: E402
from qualm_e2e import FIXTURES, QUALM, SKIP, SOURCE, require_data, run  # noqa: E402

CHARTS = ("forest", "pareto", "task-bars", "cv-distribution", "kld-percentiles")
# Scores on a bounded 0-1 or -1-1 scale: the forest plot draws their deltas (the harm
# thresholds judge perplexity and KLD).
BOUNDED = {"rouge_l", "rouge_lsum", "bleu", "sacrebleu", "chrf", "exact_match", "output_length", "repetition",
           "bertscore", "coherence", "acc", "acc_norm", "acc_bytes", "acc_token_mean", "same_top", "dp_mean", "rms_dp",
           "logprob_correlation"}
KLD_KEYS = ("p50", "p90", "p95", "p99", "max")
# Screenshots a reader is shown (issue 19): the verdict, its forest plot, where configurations disagree.
SECTIONS = {"verdict": "verdict", "forest": "chart-forest", "disagreements": "where-configurations-disagree"}
BACKGROUND = (255, 255, 255)
FIRST_SERIES = (0x4E, 0x79, 0xA7)  # the palette's first colour: the first model's marks


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def expected_marks(summary):
    """Marks per chart as report.html's contract (src/report/html_report.h) derives them."""
    def rows(key, inner=None):
        section = summary.get(key)
        if isinstance(section, dict) and inner:
            section = section.get(inner)
        return [r for r in section or [] if isinstance(r, dict)]

    kld = summary.get("kld")
    return {
        "forest": sum(t.get("metric") in BOUNDED and all(is_number(t.get(k)) for k in ("delta", "delta_ci_low", "delta_ci_high"))
                      for p in rows("quantization_impact", "pairs") for t in p.get("tasks") or []),
        "pareto": sum(is_number(p.get("quality")) and is_number(p.get("usd_per_million_tokens"))
                      for p in rows("pareto", "points")),
        "task-bars": len(rows("tasks")),
        "cv-distribution": sum(is_number(v) for c in rows("sampling_variance", "cells") for v in c.get("cvs") or []),
        "kld-percentiles": sum(is_number((r.get("percentiles") or {}).get(k))
                               for r in (rows("kld", "rows") if isinstance(kld, dict) else rows("kld"))
                               for k in KLD_KEYS),
    }


class PageCounter(HTMLParser):
    """Marks inside each <svg class="chart NAME">, the charts' notes, and anything fetched."""

    def __init__(self):
        super().__init__()
        self.chart = None
        self.marks = {}
        self.notes = set()
        self.fetched = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "svg" and "chart" in classes:
            self.chart = next(c for c in classes if c != "chart")
            self.marks.setdefault(self.chart, 0)
        elif "mark" in classes and self.chart:
            self.marks[self.chart] += 1
        if "chart-note" in classes:
            self.notes.add(a.get("data-chart"))
        if tag == "script":
            self.scripts += 1
        for key in ("src", "srcset", "data") + (("href",) if tag != "a" else ()):
            if a.get(key) and not a[key].startswith(("data:", "#")):
                self.fetched.append(f"<{tag} {key}={a[key]}>")

    def handle_endtag(self, tag):
        if tag == "svg":
            self.chart = None


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG, decoded with zlib."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    prev, out = bytearray(stride), []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return width, height, out


class ReportHtmlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.chromium = find_chromium()
        if cls.chromium is None:
            print("SKIPPED: chromium not found (apt-get install chromium, or set QUALM_CHROMIUM)")
            sys.exit(SKIP)
        require_data()
        cls.tmp = tempfile.TemporaryDirectory(prefix="qualm-report-html-")
        tmp = Path(cls.tmp.name)
        os.environ["QUALM_CACHE_DIR"] = str(tmp / "cache")
        text = (SOURCE / "configs" / "smoke.yaml").read_text()
        text = text.replace("../build/fixtures/tiny-bert.gguf", str(FIXTURES / "tiny-bert.gguf"))
        if "\ncost:" not in text:
            text += "\ncost: costs.csv\n"
        (tmp / "smoke.yaml").write_text(text)
        (tmp / "costs.csv").write_text("model,variant,backend,usd_per_million_tokens\n"
                                       "stories260k,f32,cpu,0.40\nstories260k,Q8_0,cpu,0.22\n")
        cls.run_dir = tmp / "run"
        run([QUALM, "run", tmp / "smoke.yaml", "--limit", "2", "--out", cls.run_dir])
        (cls.run_dir / "report.html").unlink(missing_ok=True)  # `qualm report` must write it again
        run([QUALM, "report", cls.run_dir])
        cls.page = cls.run_dir / "report.html"
        assert cls.page.is_file(), f"qualm report wrote no {cls.page}"
        cls.summary = json.loads((cls.run_dir / "summary.json").read_text())
        cls.dom, cls.log = cls.chrome("--dump-dom")
        cls.shot = tmp / "shot.png"
        cls.chrome(f"--screenshot={cls.shot}", "--window-size=1280,4000")
        # The first screen, kept where QUALM_SCREENSHOT_DIR says (for a look by eye).
        cls.top = Path(os.environ.get("QUALM_SCREENSHOT_DIR", tmp)) / "report-top.png"
        cls.top.parent.mkdir(parents=True, exist_ok=True)
        cls.chrome(f"--screenshot={cls.top}", "--window-size=1280,900")
        # A screen from the top of each section the issue asks to see, kept beside it.
        cls.sections = {name: cls.top.parent / f"report-{name}.png" for name in SECTIONS}
        cls.section_tops = {}
        with DevToolsPage(cls.chromium, cls.page.resolve().as_uri()) as page:
            for name, path in cls.sections.items():
                cls.section_tops[SECTIONS[name]] = page.screenshot_at(SECTIONS[name], path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def chrome(cls, *args):
        with tempfile.TemporaryDirectory(prefix="qualm-chromium-") as profile:
            proc = run([cls.chromium, *CHROME_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                        *args, cls.page.resolve().as_uri()], timeout=300)
        return proc.stdout, proc.stderr

    def test_no_console_messages(self):
        console = [line for line in self.log.splitlines() if ":CONSOLE" in line]
        self.assertEqual(console, [], "the page logged to the console")

    def test_self_contained(self):
        html = self.page.read_text()
        counter = PageCounter()
        counter.feed(html)
        self.assertEqual(counter.scripts, 0)
        self.assertEqual(counter.fetched, [], "report.html must fetch nothing")
        self.assertNotIn("http://", html.replace('xmlns="http://www.w3.org/2000/svg"', ""))

    def test_one_mark_per_data_point(self):
        counter = PageCounter()
        counter.feed(self.dom)  # the DOM as Chromium parsed it
        want = expected_marks(self.summary)
        print("marks per chart (summary.json):", want, file=sys.stderr)
        for chart in CHARTS:
            if want[chart]:
                self.assertEqual(counter.marks.get(chart), want[chart], chart)
            else:
                self.assertIn(chart, counter.notes, f"{chart}: no data, so a note is expected")
                self.assertNotIn(chart, counter.marks)
        self.assertGreater(want["task-bars"], 0)

    def test_verdict_comes_first(self):
        """The verdict and its forest plot come before every other section and chart."""
        verdict, charts = self.dom.find('<section id="verdict"'), self.dom.find('<section id="charts"')
        self.assertGreater(verdict, 0)
        self.assertLess(verdict, charts)
        self.assertIn(">Verdict</h2>", self.dom[verdict:charts])
        self.assertIn('id="chart-forest"', self.dom[verdict:charts])
        width, height, rows = png_pixels(self.top)
        self.assertEqual((width, height), (1280, 900))

    def test_section_screenshots(self):
        """A screen from the top of each section a reader is shown (the verdict, its forest plot,
        where configurations disagree): the verdict and its forest plot within the first two screens,
        each screenshot inked, the forest plot's with its marks in the first series' colour. Kept in
        QUALM_SCREENSHOT_DIR for a look by eye."""
        print("section tops (px):", self.section_tops, file=sys.stderr)
        self.assertLess(self.section_tops[SECTIONS["verdict"]], 300)
        self.assertLess(self.section_tops[SECTIONS["forest"]], 1800)
        for name in SECTIONS:
            width, height, rows = png_pixels(self.sections[name])
            self.assertEqual((width, height), (1280, 900), name)
            inked = sum(p != BACKGROUND for row in rows for p in row)
            series = sum(max(abs(a - b) for a, b in zip(p, FIRST_SERIES)) <= 12 for row in rows for p in row)
            print(f"screenshot {self.sections[name].name}: {inked} pixels inked, {series} in the first series' "
                  f"colour", file=sys.stderr)
            self.assertGreater(inked, width * height // 100, name)
            if name == "forest":
                self.assertGreater(series, 50, "the forest plot's marks")

    def test_flip_matrices(self):
        """One 2 x 2 flip matrix per pair of configurations and multiple-choice benchmark, in the charts
        section: its cells are summary.json's counts and sum to the items both scored."""
        want = [m for p in self.summary["disagreements"]["pairs"] for m in p["multiple_choice"].get("by_task", [])]
        self.assertGreater(len(want), 0)
        charts = self.dom.find('<section id="charts"')
        self.assertGreater(self.dom.find('id="chart-flips"'), charts)
        tables = re.findall(r'<table class="flips">(.*?)</table>', self.dom, re.S)
        self.assertEqual(len(tables), len(want))
        for m, table in zip(want, tables):
            cells = [int(x) for x in re.findall(r"<td[^>]*>(\d+)</td>", table)]
            self.assertEqual(cells, [m["both_right"], m["only_a_right"], m["only_b_right"], m["both_wrong"]])
            self.assertEqual(sum(cells), m["compared"])
            self.assertIn(f'{m["task"]}: {m["answers_differ"]} of {m["compared"]} answers differ', table)

    def test_screenshot_is_not_blank(self):
        width, height, rows = png_pixels(self.shot)
        self.assertEqual((width, height), (1280, 4000))
        inked = sum(p != BACKGROUND for row in rows for p in row)
        series = sum(max(abs(a - b) for a, b in zip(p, FIRST_SERIES)) <= 12 for row in rows for p in row)
        print(f"screenshot: {inked} of {width * height} pixels inked, {series} in the first series' colour",
              file=sys.stderr)
        self.assertGreater(inked, width * height // 50)  # text, axes and bars, not a white page
        self.assertGreater(series, 200)  # the charts' marks were painted


if __name__ == "__main__":
    unittest.main()
