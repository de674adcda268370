"""Deployments from config (cron cycle, interval watcher) and a local Prefect server for `serve`.

Serving needs a server whose scheduler creates runs; Prefect's ephemeral server runs no
scheduler, so without PREFECT_API_URL `promolint serve` starts `prefect server start` itself.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

from promolint.config import Config

CYCLE_DEPLOYMENT = "promolint-cycle"
WATCH_DEPLOYMENT = "promolint-watch"


def build_deployments(config: Config, config_path: str | None) -> list:
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron, Interval

    from promolint.flows.flows import review_cycle, watch_folder

    fc = config.flows
    deps = []
    if fc.cycle.source and fc.cycle.out:
        deps.append(review_cycle.to_deployment(
            name=CYCLE_DEPLOYMENT, schedule=Cron(fc.cycle.cron, timezone=fc.cycle.timezone),
            parameters={"source": fc.cycle.source, "out": fc.cycle.out, "config_path": config_path},
            entrypoint_type=EntrypointType.MODULE_PATH, concurrency_limit=1))
    if fc.watch.source and fc.watch.out:
        deps.append(watch_folder.to_deployment(
            name=WATCH_DEPLOYMENT, schedule=Interval(fc.watch.interval_seconds),
            parameters={"source": fc.watch.source, "out": fc.watch.out, "config_path": config_path},
            entrypoint_type=EntrypointType.MODULE_PATH, concurrency_limit=1))
    return deps


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@retry(stop=stop_after_delay(180), wait=wait_fixed(0.5), retry=retry_if_exception_type((httpx.HTTPError, AssertionError)),
       reraise=True)
def wait_healthy(api_url: str) -> None:
    assert httpx.get(f"{api_url}/health", timeout=5).status_code == 200


def start_local_server(port: int | None = None, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """`prefect server start` on 127.0.0.1; returns the process and its API URL once healthy."""
    port = port or free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    try:
        wait_healthy(url)
    except BaseException:
        proc.terminate()
        raise
    return proc, url
