"""Plain functions the CLI calls: `promolint batch`, `watch`, `serve`. Each returns an exit code.

Exit codes: 0 all packets reviewed; 1 some quarantined (rejected/failed); 2 bad arguments/config.
"""
from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from rich.console import Console

from promolint.config import CycleDeployment, load_config
from promolint.errors import ConfigError

err = Console(stderr=True)


def _config_arg(config_path: Path | None) -> str | None:
    return str(Path(config_path).resolve()) if config_path else None


def _source_arg(source: str) -> str:
    return source if "://" in source else str(Path(source).resolve())


def _check_source(source: str, config_path: Path | None) -> str | None:
    """A reason the source cannot be used (bad Drive link, no Drive credentials), checked before any run."""
    from promolint.sources import is_gdrive_spec

    if not is_gdrive_spec(source):
        return None
    try:
        from promolint.flows.core import cached_source

        cached_source(source, _config_arg(config_path)).client.service  # loads credentials; no Drive call
    except Exception as e:  # ValueError (not a folder link), DriveAuthError: messages name settings only
        if type(e).__name__ not in ("ValueError", "DriveAuthError"):
            raise
        return str(e)
    return None


def _run_flow(fn, *args):
    """Runs a flow; a Drive folder that is missing or not a folder is a usage error (None)."""
    from promolint.errors import PacketRejected

    try:
        return fn(*args)
    except PacketRejected as e:
        err.print(f"promolint: {e.reason}")
        return None


def _load_checked(source: str, config_path: Path | None):
    """The config, once it and the source are usable; None after printing why not (exit 2)."""
    try:
        config = load_config(config_path)
    except ConfigError as e:
        err.print(f"promolint: {e}")
        return None
    problem = _check_source(source, config_path)
    if problem:
        err.print(f"promolint: {problem}")
        return None
    return config


def run_batch(source: str, out: Path, config_path: Path | None = None, progress: bool = True) -> int:
    if _load_checked(source, config_path) is None:
        return 2
    import promolint.flows.flows as ff
    args = dict(source=_source_arg(source), out=str(Path(out).resolve()), config_path=_config_arg(config_path))
    if progress and err.is_terminal:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("reviewing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=False) as bar:
            job = bar.add_task("packets", total=None)
            ff.TOTAL = lambda n: bar.update(job, total=n)
            ff.PROGRESS = lambda r: bar.advance(job)
            try:
                counts = _run_flow(ff.review_cycle, *args.values())
            finally:
                ff.TOTAL = ff.PROGRESS = None
    else:
        counts = _run_flow(ff.review_cycle, *args.values())
    if counts is None:
        return 2
    err.print(f"{counts['reviewed']} reviewed ({counts['reviewed_this_run']} this run), {counts['skipped']} skipped, "
              f"{counts['failed']} failed; summary: {Path(out) / 'cycle-summary.md'}")
    return 1 if counts["failed"] or counts["skipped"] else 0


def watch_events(source: str, out: Path, config_path: Path | None = None,
                 stop_event: threading.Event | None = None, max_runs: int | None = None) -> int:
    """Event-driven watcher: one pass now, then one per batch of file-system changes.

    Files deferred because they were still being written get another pass after a quiet period,
    since a finished copy produces no further events. A Drive folder has no local events: it is
    polled every `flows.drive_poll_seconds` (each idle pass is one `changes.list` call).
    """
    import promolint.flows.flows as ff
    from promolint.flows.settings import flows_config
    from promolint.sources import is_gdrive_spec

    fc = flows_config(load_config(config_path))
    src, dst, cfg = _source_arg(source), str(Path(out).resolve()), _config_arg(config_path)
    if is_gdrive_spec(src):
        return _poll_drive(ff, src, dst, cfg, fc.drive_poll_seconds, stop_event or threading.Event(), max_runs)
    import watchfiles

    watched = Path(src) if Path(src).is_dir() else Path(src).parent
    out_resolved = Path(dst)
    runs, quarantined = 0, 0
    counts = ff.watch_folder(src, dst, cfg)
    runs += 1
    quarantined += counts["rejected"] + counts["failed"]
    retry_ms = int(max(fc.settle_seconds * 2, 1) * 1000)
    catch_up = True
    for changes in watchfiles.watch(watched, debounce=fc.debounce_ms, stop_event=stop_event, rust_timeout=retry_ms,
                                    yield_on_timeout=True, recursive=False):
        if max_runs is not None and runs >= max_runs:
            break
        # The outputs folder may sit inside the watched one: our own writes are not news.
        relevant = {p for _, p in changes if not Path(p).is_relative_to(out_resolved)}
        if not relevant and not counts["deferred"] and not catch_up:
            continue
        # The first wake-up always passes once more: files dropped between the first pass and the
        # moment the watcher started produced no event.
        catch_up = False
        counts = ff.watch_folder(src, dst, cfg)
        runs += 1
        quarantined += counts["rejected"] + counts["failed"]
    return 1 if quarantined else 0


def _poll_drive(ff, src: str, dst: str, cfg: str | None, every: float, stop: threading.Event,
                max_runs: int | None) -> int:
    runs, quarantined = 0, 0
    while not stop.is_set() and (max_runs is None or runs < max_runs):
        counts = _run_flow(ff.watch_folder, src, dst, cfg)
        if counts is None:
            return 2
        runs += 1
        quarantined += counts["rejected"] + counts["failed"]
        stop.wait(every)
    return 1 if quarantined else 0


def run_watch(source: str, out: Path, config_path: Path | None = None, once: bool = False, poll: bool = False) -> int:
    config = _load_checked(source, config_path)
    if config is None:
        return 2
    if once:
        import promolint.flows.flows as ff
        counts = _run_flow(ff.watch_folder, _source_arg(source), str(Path(out).resolve()), _config_arg(config_path))
        if counts is None:
            return 2
        err.print(f"watch: {counts}")
        return 1 if counts["rejected"] or counts["failed"] else 0
    if poll:  # the interval deployment, served locally
        watch = config.flows.watch.model_copy(update={"source": _source_arg(source), "out": str(Path(out).resolve())})
        flows = config.flows.model_copy(update={"watch": watch, "cycle": CycleDeployment()})
        return _serve(config.model_copy(update={"flows": flows}), _config_arg(config_path))
    try:
        return watch_events(source, out, config_path)
    except KeyboardInterrupt:
        return 0


def run_serve(config_path: Path | None = None) -> int:
    try:
        config = load_config(config_path)
    except ConfigError as e:
        err.print(f"promolint: {e}")
        return 2
    return _serve(config, _config_arg(config_path))


def _serve(config, config_path: str | None) -> int:
    from promolint.flows.deploy import build_deployments, start_local_server

    deployments_cfg = build_deployments(config, config_path)
    if not deployments_cfg:
        err.print("promolint: nothing to serve: set flows.cycle.source/out and/or flows.watch.source/out in the config")
        return 2
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server, url = start_local_server()
        os.environ["PREFECT_API_URL"] = url
        err.print(f"Prefect server (UI and API) at {url.removesuffix('/api')}")
    try:
        from prefect import serve
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: os.environ["PREFECT_API_URL"]}):
            serve(*deployments_cfg, print_starting_message=sys.stderr.isatty())
    except KeyboardInterrupt:
        pass
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    return 0
