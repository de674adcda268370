"""Deployments from config (cron cycle, interval watcher) and a local Prefect server for `serve`.

Serving needs a server whose scheduler creates runs; Prefect's ephemeral server runs no
scheduler, so without PREFECT_API_URL `promolint serve` starts `prefect server start` itself.
"""
from __future__ import annotations

import ctypes
import os
import signal
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
            parameters=_params(fc.cycle, config_path), entrypoint_type=EntrypointType.MODULE_PATH,
            concurrency_limit=1))
    if fc.watch.source and fc.watch.out:
        deps.append(watch_folder.to_deployment(
            name=WATCH_DEPLOYMENT, schedule=Interval(fc.watch.interval_seconds),
            parameters=_params(fc.watch, config_path), entrypoint_type=EntrypointType.MODULE_PATH,
            concurrency_limit=1))
    return deps


def relative_to_config(spec: str, config_path: str | None) -> str:
    """A local path in the config means relative to the config file (as the README says), not to
    whichever directory the server or worker runs in; URLs (gdrive://) pass through."""
    if "://" in spec or not config_path:
        return str(Path(spec).resolve()) if "://" not in spec else spec
    return str((Path(config_path).resolve().parent / spec).resolve())


def _params(dep, config_path: str | None) -> dict:
    return {"source": relative_to_config(dep.source, config_path), "out": relative_to_config(dep.out, config_path),
            "config_path": config_path}


def describe(deployments: list, ui_url: str) -> list[str]:
    """What `serve` tells the operator before it blocks: each deployment, its schedule and folders."""
    lines = []
    for d in deployments:
        sched = d.schedules[0].schedule if d.schedules else None
        if getattr(sched, "interval", None) is not None:
            when = f"every {int(sched.interval.total_seconds())} s"
        elif getattr(sched, "cron", None):
            when = f"cron '{sched.cron}' ({sched.timezone or 'UTC'})"
        else:
            when = "no schedule"
        lines.append(f"serving {d.flow_name}/{d.name}: {when}; source {d.parameters['source']} -> out {d.parameters['out']}")
    lines.append(f"Prefect UI: {ui_url} (runs, states and artifacts); stop with Ctrl-C or SIGINT")
    return lines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@retry(stop=stop_after_delay(180), wait=wait_fixed(0.5), retry=retry_if_exception_type((httpx.HTTPError, AssertionError)),
       reraise=True)
def wait_healthy(api_url: str) -> None:
    assert httpx.get(f"{api_url}/health", timeout=5).status_code == 200


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _dies_with(parent: int):
    """A preexec_fn: the child gets SIGTERM when `parent` dies, even by SIGKILL, so a killed CLI
    leaves no server behind (Linux prctl; elsewhere the CLI's own cleanup is all there is)."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork
    except (OSError, AttributeError):
        return None

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def start_local_server(port: int | None = None, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """`prefect server start` on 127.0.0.1; returns the process and its API URL once healthy.
    The server is stopped when this process dies, however it dies."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/api"
    # The UI otherwise calls the default 127.0.0.1:4200 and shows "Can't connect to Server API".
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "PREFECT_UI_API_URL": url, **(env or {})}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
        preexec_fn=_dies_with(os.getpid()))
    try:
        wait_healthy(url)
    except BaseException:
        stop_server(proc)
        raise
    return proc, url


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL to its whole session if it has not stopped within 30 s."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
