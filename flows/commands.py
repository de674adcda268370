"""Plain functions the CLI calls: `promolint batch`, `watch`, `serve`. Each returns an exit code,
from the one table in promolint.pipeline (`exit_code`, stated in the README).
"""
from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from promolint.config import CycleDeployment, load_config
from promolint.errors import ConfigError, OutputFault, SourceError, literal
from promolint.pipeline import EXIT_ENVIRONMENT, EXIT_INTERRUPTED, EXIT_USAGE, exit_code

err = Console(stderr=True, highlight=False, soft_wrap=True)  # one line each, however long the path


def say(message: str) -> None:
    """Printed literally: a folder named `[red]x` is not markup, and control characters are escaped."""
    err.print(literal(message), markup=False)


def _config_arg(config_path: Path | None) -> str | None:
    return str(Path(config_path).resolve()) if config_path else None


def _source_arg(source: str) -> str:
    return source if "://" in source else str(Path(source).resolve())


@contextmanager
def prefect_api():
    """The Prefect API the flows report to: PREFECT_API_URL if set, else a server started here and
    stopped when this process ends, also by SIGKILL (Prefect's own temporary server outlived a
    killed CLI). Its UI shows the runs while they happen."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from promolint.flows.deploy import start_local_server, stop_server

    server, url = start_local_server()
    os.environ["PREFECT_API_URL"] = url
    # Plain print, flushed: under systemd or nohup there is no terminal for rich's live output.
    print(f"started a Prefect server (UI and API) at {url.removesuffix('/api')}", file=sys.stderr, flush=True)
    try:
        with temporary_settings({PREFECT_API_URL: url}):
            yield url
    finally:
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        for service in (APILogWorker, EventsWorker):  # send what is queued while the server still listens
            service.drain_all(timeout=10)
        os.environ.pop("PREFECT_API_URL", None)
        stop_server(server)


def _run_flow(fn, *args):
    """Runs a flow; a source that turns out unusable (Drive folder missing) is a usage error (None)."""
    try:
        return fn(*args)
    except SourceError as e:
        say(f"promolint: {e.reason}")
        return None


def _load_checked(source: str, config_path: Path | None, out: Path | None = None):
    """The config, once it, the source and `out` are usable; None after printing why not (exit 2)."""
    try:
        config = load_config(config_path)
    except ConfigError as e:
        say(f"promolint: {e}")
        return None
    try:
        from promolint.flows.core import cached_source, check_source

        src = cached_source(_source_arg(source), _config_arg(config_path))
        check_source(src)
    except SourceError as e:  # bad link, no credentials: messages name settings only
        say(f"promolint: {e}")
        return None
    if out is not None and Path(out).resolve() in {Path(p).resolve() for p in getattr(src, "paths", []) if Path(p).is_dir()}:
        say(f"promolint: {source}: --out is the folder being reviewed; the next run would review its own outputs "
            "(choose another folder)")
        return None
    if out is not None:
        from promolint.flows.ledger import LEDGER_DIR

        try:  # a read-only or unmakeable --out: one line and exit 5 now, not a traceback from inside the flow
            (Path(out) / LEDGER_DIR).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputFault.of(e, str(out)) from None
    return config


def run_batch(source: str, out: Path, config_path: Path | None = None, progress: bool = True) -> int:
    try:
        if _load_checked(source, config_path, out) is None:
            return EXIT_USAGE
    except OutputFault as e:
        say(f"promolint: {e}")
        return EXIT_ENVIRONMENT
    try:
        with prefect_api():
            return _batch(source, out, config_path, progress)
    except KeyboardInterrupt:
        say("interrupted; the outputs written so far are complete")
        return EXIT_INTERRUPTED


def _batch(source: str, out: Path, config_path: Path | None, progress: bool) -> int:
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
        return EXIT_USAGE
    say(f"{counts['reviewed']} reviewed ({counts['reviewed_this_run']} this run), {counts['skipped']} rejected, "
        f"{counts['failed']} failed; summary: {Path(out) / 'cycle-summary.md'}")
    return exit_code({"rejected": counts["skipped"], "failed": counts["failed"]})


def watch_events(source: str, out: Path, config_path: Path | None = None,
                 stop_event: threading.Event | None = None, max_runs: int | None = None) -> int:
    """Event-driven watcher: one pass now, then one per batch of file-system changes.

    Files deferred because they were still being written get another pass after a quiet period,
    since a finished copy produces no further events. A source with no local folders to watch
    (Drive) is polled every `flows.drive_poll_seconds` (each idle Drive pass is one `changes.list`).
    """
    import promolint.flows.flows as ff
    from promolint.flows.core import cached_source

    fc = load_config(config_path).flows
    src, dst, cfg = _source_arg(source), str(Path(out).resolve()), _config_arg(config_path)
    watched = cached_source(src, cfg).watch_paths()
    if not watched:
        return _poll(ff, src, dst, cfg, fc.drive_poll_seconds, stop_event or threading.Event(), max_runs)
    import watchfiles

    out_resolved = Path(dst)
    runs, outcomes = 0, Counter()  # outcome counts over every pass, for exit_code

    def one_pass() -> dict:
        nonlocal runs
        counts = ff.watch_folder(src, dst, cfg)
        runs += 1
        outcomes.update(counts)
        return counts

    counts = one_pass()
    retry_ms = int(max(fc.settle_seconds * 2, 1) * 1000)
    catch_up = True
    for changes in watchfiles.watch(*watched, debounce=fc.debounce_ms, stop_event=stop_event, rust_timeout=retry_ms,
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
        counts = one_pass()
    return exit_code(outcomes)


def _poll(ff, src: str, dst: str, cfg: str | None, every: float, stop: threading.Event,
          max_runs: int | None) -> int:
    runs, outcomes = 0, Counter()
    while not stop.is_set() and (max_runs is None or runs < max_runs):
        counts = _run_flow(ff.watch_folder, src, dst, cfg)
        if counts is None:
            return EXIT_USAGE
        runs += 1
        outcomes.update(counts)
        stop.wait(every)
    return exit_code(outcomes)


def run_watch(source: str, out: Path, config_path: Path | None = None, once: bool = False, poll: bool = False) -> int:
    try:
        config = _load_checked(source, config_path, out)
    except OutputFault as e:
        say(f"promolint: {e}")
        return EXIT_ENVIRONMENT
    if config is None:
        return EXIT_USAGE
    try:
        with prefect_api():
            return _watch(source, out, config_path, config, once, poll)
    except KeyboardInterrupt:  # the way to stop a watcher; what it wrote is complete
        return EXIT_INTERRUPTED


def _watch(source: str, out: Path, config_path: Path | None, config, once: bool, poll: bool) -> int:
    if once:
        import promolint.flows.flows as ff
        counts = _run_flow(ff.watch_folder, _source_arg(source), str(Path(out).resolve()), _config_arg(config_path))
        if counts is None:
            return EXIT_USAGE
        say(f"watch: {counts}")
        return exit_code(counts)
    if poll:  # the interval deployment, served locally
        watch = config.flows.watch.model_copy(update={"source": _source_arg(source), "out": str(Path(out).resolve())})
        flows = config.flows.model_copy(update={"watch": watch, "cycle": CycleDeployment()})
        return _serve(config.model_copy(update={"flows": flows}), _config_arg(config_path))
    return watch_events(source, out, config_path)


def run_serve(config_path: Path | None = None) -> int:
    try:
        config = load_config(config_path)
    except ConfigError as e:
        say(f"promolint: {e}")
        return EXIT_USAGE
    return _serve(config, _config_arg(config_path))


def _serve(config, config_path: str | None) -> int:
    from promolint.flows.deploy import build_deployments, describe

    deployments_cfg = build_deployments(config, config_path)
    if not deployments_cfg:
        say("promolint: nothing to serve: set flows.cycle.source/out and/or flows.watch.source/out in the config")
        return EXIT_USAGE
    try:
        with prefect_api() as url:
            # Plain print, flushed: under systemd or nohup there is no terminal for rich's live output.
            print("\n".join(describe(deployments_cfg, url.removesuffix("/api"))), flush=True)
            from prefect import serve

            serve(*deployments_cfg, print_starting_message=sys.stderr.isatty())
    except KeyboardInterrupt:
        pass
    return 0
