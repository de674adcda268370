"""Cycle benchmark: the plain pipeline loop vs the `review_cycle` flow over the same packets.

    .venv/bin/python bench/batch.py 500            # thread runner
    .venv/bin/python bench/batch.py 1000 --runner dask

Runs in a fresh PREFECT_HOME (ephemeral server start-up is reported separately, not counted as
per-cycle overhead since `serve` and a real server pay it once). Prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="promolint-bench-prefect-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import docx  # noqa: E402
import yaml  # noqa: E402

CLAIMS = [
    "I helped with the migration of the billing service.",
    "I led the payments migration, cutting p99 latency from 900 ms to 120 ms for 4 million users.",
    "We improved reliability a lot during the year.",
    "I decided to shard the ledger after benchmarking three designs, which saved $40k per month.",
    "Was involved in the on-call rotation and mentoring.",
]


def make_packets(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        d = docx.Document()
        d.core_properties.author = f"Author {i:04d}"
        d.add_heading(f"Promotion packet {i}", 0)
        d.add_heading("What You Did", 1)
        for j in range(8):
            d.add_paragraph(f"{CLAIMS[(i + j) % len(CLAIMS)]} (item {i}.{j})")
        d.save(folder / f"packet-{i:04d}.docx")


def plain_loop(src: Path, out: Path, config) -> float:
    from promolint.pipeline import review_bytes, write_outputs
    from promolint.sources import open_source

    t = time.perf_counter()
    for ref in open_source(src).list():
        write_outputs(review_bytes(Path(ref.source_id).read_bytes(), ref.source_id, config), out, ref.stem)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=500)
    ap.add_argument("--runner", default="thread", choices=["thread", "dask"])
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--skip-plain", action="store_true")
    a = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="promolint-bench-"))
    src = work / "in"
    make_packets(src, a.n)
    cfg = work / "config.yaml"
    cfg.write_text(yaml.safe_dump({"flows": {"task_runner": a.runner, "concurrency": a.concurrency,
                                             "dask_workers": a.concurrency}}))
    from promolint.config import load_config

    config = load_config(cfg)
    res = {"packets": a.n, "runner": a.runner, "concurrency": a.concurrency, "cpus": os.cpu_count()}
    if not a.skip_plain:
        res["plain_loop_s"] = round(plain_loop(src, work / "plain", config), 2)

    t = time.perf_counter()
    from prefect.testing.utilities import prefect_test_harness  # noqa: F401  (import cost counted here)
    from promolint.flows.flows import review_cycle
    from prefect import flow

    @flow
    def warm() -> None:  # starts the ephemeral server once
        pass

    warm()
    res["prefect_startup_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    counts = review_cycle(str(src), str(work / "flow"), str(cfg))
    res["flow_s"] = round(time.perf_counter() - t, 2)
    assert counts["reviewed_this_run"] == a.n, counts
    t = time.perf_counter()
    review_cycle(str(src), str(work / "flow"), str(cfg))
    res["rerun_unchanged_s"] = round(time.perf_counter() - t, 2)
    if "plain_loop_s" in res:
        res["overhead_pct"] = round(100 * (res["flow_s"] - res["plain_loop_s"]) / res["plain_loop_s"], 1)
    print(json.dumps(res))


if __name__ == "__main__":
    sys.exit(main())
