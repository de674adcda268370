"""Median time to render a feedback document, per format without the chart, and the chart alone.

Budget (issue: six-pager feedback): a document under 150 ms excluding the chart; the chart under 300 ms.
Run: .venv/bin/python bench/render_speed.py [--runs 30]. Exits 1 when the wall-clock median is over
budget. CPU time is printed beside it because this machine is shared: under load, wall time
mostly measures other people's work.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_render_fixtures as F  # noqa: E402  (realistic Review objects)
from promolint.render import render_chart_png, render_feedback  # noqa: E402

DOC_BUDGET_MS = 150.0
CHART_BUDGET_MS = 300.0


def _median_ms(fn, runs: int) -> tuple[float, float]:
    """(wall, cpu) medians in ms."""
    fn()  # warm: template compile, first import
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    config, today = F.config(), dt.date(2025, 11, 24)
    t = time.perf_counter()
    import PIL.Image, PIL.ImageDraw  # noqa: F401,E401  (reported separately: paid once per process)
    import_ms = (time.perf_counter() - t) * 1000
    over = False
    for name, review in (("typical (14 claims, 4 stories)", F.review()), ("long (49 claims, 7 stories)", F.large_review())):
        print(name)
        for formats in (["docx"], ["md"], ["html"], ["docx", "md", "html"]):
            ms, cpu = _median_ms(lambda: render_feedback(review, config, formats, today=today, chart=False), args.runs)
            over |= ms > DOC_BUDGET_MS
            print(f"  {'+'.join(formats):<14} {ms:7.1f} ms wall {cpu:7.1f} ms cpu  (budget {DOC_BUDGET_MS:.0f}, no chart)")
        ms, cpu = _median_ms(lambda: render_chart_png(review, config), args.runs)
        over |= ms > CHART_BUDGET_MS
        print(f"  {'chart':<14} {ms:7.1f} ms wall {cpu:7.1f} ms cpu  (budget {CHART_BUDGET_MS:.0f})")
    print(f"Pillow import, once per process: {import_ms:.0f} ms")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
