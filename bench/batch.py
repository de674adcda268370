"""Cycle benchmark over the same generated packets: the plain in-process loop, the review pool
(promolint.workers) with 1 and with 2 worker processes, the `review_cycle` flow, and the whole
`promolint batch` command in a fresh process (Prefect's start-up included).

    .venv/bin/python bench/batch.py 1000           # thread runner over the review pool
    .venv/bin/python bench/batch.py 1000 --runner dask

Runs in a fresh PREFECT_HOME. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
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


def pool_loop(src: Path, out: Path, config, workers: int) -> float:
    """review_ref for every packet through a ReviewPool, as `promolint review` does."""
    from promolint.sources import open_source
    from promolint.workers import ReviewPool

    t = time.perf_counter()
    with ReviewPool(config, workers=workers) as pool:
        refs = list(open_source(src, config).list())
        futures = [pool.submit(str(src), r, out) for r in refs]
        results = [pool.result(f, r, out) for f, r in zip(futures, refs)]
    assert all(r.status == "reviewed" for r in results), {r.status for r in results}
    return time.perf_counter() - t


def batch_command(src: Path, out: Path, cfg: Path) -> float:
    """`promolint batch` in a fresh process and a fresh PREFECT_HOME: what a user waits for."""
    home = tempfile.mkdtemp(prefix="promolint-bench-prefect-cli-")
    env = {**os.environ, "PREFECT_HOME": home}
    env.pop("PREFECT_API_URL", None)
    cli = Path(sys.executable).with_name("promolint")
    t = time.perf_counter()
    subprocess.run([str(cli), "batch", str(src), "--out", str(out), "--config", str(cfg), "--no-progress"],
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=500)
    ap.add_argument("--runner", default="thread", choices=["thread", "dask"])
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--skip-plain", action="store_true")
    ap.add_argument("--skip-cli", action="store_true")
    a = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="promolint-bench-"))
    src = work / "in"
    make_packets(src, a.n)
    cfg = work / "config.yaml"
    cfg.write_text(yaml.safe_dump({"flows": {"task_runner": a.runner, "concurrency": a.concurrency,
                                             "dask_workers": a.concurrency},
                                   "limits": {"workers": a.concurrency}}))
    from promolint.config import load_config

    config = load_config(cfg)
    res = {"packets": a.n, "runner": a.runner, "concurrency": a.concurrency, "cpus": os.cpu_count()}
    if not a.skip_plain:
        res["plain_loop_s"] = round(plain_loop(src, work / "plain", config), 2)
        for n in (1, 2):
            res[f"pool_{n}_workers_s"] = round(pool_loop(src, work / f"pool{n}", config, n), 2)

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
    if not a.skip_cli:
        res["batch_command_s"] = round(batch_command(src, work / "cli", cfg), 2)
    if "plain_loop_s" in res:
        plain = res["plain_loop_s"]
        res["overhead_pct"] = round(100 * (res["flow_s"] - plain) / plain, 1)
        res["speedup_pool_2_vs_1"] = round(res["pool_1_workers_s"] / res["pool_2_workers_s"], 2)
        res["speedup_pool_2_vs_plain"] = round(plain / res["pool_2_workers_s"], 2)
        res["speedup_flow_vs_plain"] = round(plain / res["flow_s"], 2)
    res["per_packet_ms"] = {k.removesuffix("_s"): round(1000 * v / a.n, 1) for k, v in res.items()
                            if k.endswith("_s") and k != "prefect_startup_s"}
    print(json.dumps(res))


if __name__ == "__main__":
    sys.exit(main())
