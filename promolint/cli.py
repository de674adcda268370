"""The promolint command line.

`review` runs the pipeline in-process (no Prefect) so one packet takes well under a second;
`batch`, `watch` and `serve` go through the Prefect flows in flows/. Prefect is imported only by
those commands. Every command takes each packet through promolint.pipeline.review_ref and exits
with the code promolint.pipeline.exit_code gives (the table in the README).
"""
from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Optional

# No pydantic plugins (observability hooks) for promolint's own models: finding them scans every
# installed distribution's entry points, 10-20 ms of each start. A value set by the user is kept.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from promolint import cache as _cache  # noqa: E402

_cache.preload_patterns()  # before the heavy imports below: their re.compile calls become lookups

import typer  # noqa: E402

from promolint.errors import ConfigError, SourceError, literal

EXIT_USAGE = 2

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Review promotion packets the way a skeptical committee does.",
    pretty_exceptions_enable=False,
)


class _Stderr:
    """One line per message on stderr. Plain lines are written as they are (what rich writes with
    markup and highlighting off); rich, 30-40 ms to import, is loaded only for a line with markup."""

    _console = None

    def print(self, text: str, markup: bool = True) -> None:
        if markup:
            if self._console is None:
                from rich.console import Console

                self._console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
            self._console.print(text)
        else:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()


err = _Stderr()


def _load_config(path: Optional[Path], formats: Optional[str] = None):
    from promolint.analysis import list_rules
    from promolint.config import load_config

    try:
        config = load_config(path)
        list_rules(config)  # rule files and severity overrides: one config error now, not one per packet
    except ConfigError as e:
        err.print(f"config error {literal(str(e))}", markup=False)  # a path may hold [brackets]
        raise typer.Exit(EXIT_USAGE)
    if formats:
        wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
        unknown = sorted(set(wanted) - {"docx", "md", "html"})
        if unknown:
            err.print(f"[red]unknown format[/red] {', '.join(unknown)} (choose from docx, md, html)")
            raise typer.Exit(EXIT_USAGE)
        config.output.formats = wanted
    return config


def _internal_error_line(name: str, exc: BaseException) -> str:
    # The exception text may quote document content, so only its type is shown.
    return f"{name}: internal error ({type(exc).__name__}); rerun with PROMOLINT_DEBUG=1 for details"


def outcome_line(r, out_dir: Path, listed_only: bool = False) -> str:
    """One stderr line per packet; names and reasons only, never packet text, printed literally."""
    return literal(_outcome_line(r, out_dir, listed_only))


def _outcome_line(r, out_dir: Path, listed_only: bool) -> str:
    if r.status == "reviewed":
        shared = f", shared with {', '.join(r.shared_with)}" if r.shared_with else ""
        back = f"; delivered back{shared}" + (f" ({r.note})" if r.note else "") if r.drive else ""
        first = next((o for o in r.outputs if o.endswith(".annotated.docx")), r.outputs[0] if r.outputs else "")
        structure = f"; {r.structure}" if r.structure else ""
        return (f"{r.name}: {r.claims} claims, {r.weak_claims} weak, readiness {r.readiness or 'n/a'}{structure} -> "
                f"{out_dir}/{Path(first).name}{back}")
    if r.status == "failed" and r.code == "internal":
        return f"{r.name}: {r.reason}; rerun with PROMOLINT_DEBUG=1 for details"
    if r.status == "failed":
        return f"{r.name}: {r.reason}"
    # listed_only: the source would not offer the file (so it was skipped, not read and rejected)
    return f"{r.name}: {'skipped' if listed_only else r.status}: {r.reason}"


def _save_patterns() -> None:
    """Persist the patterns the stages compile on import, for the next start. Before the config
    (a ruleset build's patterns are cached apart) and before any packet is read (no pattern may
    hold packet text)."""
    import promolint.analysis  # noqa: F401  (imported by every review anyway)
    import promolint.annotate  # noqa: F401
    import promolint.render.chart  # noqa: F401
    import promolint.render.docx_writer  # noqa: F401
    from promolint.extractors import container  # noqa: F401

    _cache.save_patterns()


class Interrupted(BaseException):
    """Ctrl-C: not a KeyboardInterrupt, which click turns into "Aborted!" and exit 1."""


def _raise_interrupted(signum, frame):
    raise Interrupted()


def _interrupt_exits_130() -> None:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _raise_interrupted)


@app.command()
def review(
    paths: list[str] = typer.Argument(..., help="A .docx packet, a folder of them, or a Drive folder (gdrive://FOLDER_ID or its link).",
                                      show_default=False),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default: reviewed/ beside the input; required for Drive)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="An organisation's config file (YAML)."),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="Feedback formats, e.g. docx,md,html."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help="Exit 1 if a finding of this severity or worse exists: error | warning."),
) -> None:
    """Review packets: annotated copy, feedback document and findings JSON per packet.

    From a Drive folder, the annotated copy and the feedback also go back to Drive, shared with the
    packet's author (see docs/DRIVE.md); packets already reviewed there are left alone.
    """
    _interrupt_exits_130()
    try:
        _review(paths, out, config, format, fail_on)
    except Interrupted:  # outputs are atomic: nothing half-written is left behind
        err.print("interrupted; the outputs written so far are complete", markup=False)
        from promolint.pipeline import EXIT_INTERRUPTED

        raise typer.Exit(EXIT_INTERRUPTED)


def _review(paths: list[str], out: Optional[Path], config: Optional[Path], format: Optional[str],
            fail_on: Optional[str]) -> None:
    # a process that has not yet loaded a stage has read no packet (the CLI's own process);
    # elsewhere (tests, embedding) earlier packets could have compiled patterns from their text
    pristine = _cache.no_stage_loaded()
    from promolint.model import SEVERITY_RANK
    from promolint.pipeline import exit_code, skipped_result
    from promolint.sources import open_source
    from promolint.sources.base import Skipped
    from promolint.workers import ReviewPool, worker_count

    if fail_on and fail_on not in ("error", "warning"):
        err.print("[red]--fail-on[/red] takes error or warning")
        raise typer.Exit(EXIT_USAGE)
    if pristine:
        _save_patterns()
    cfg = _load_config(config, format)
    threshold = SEVERITY_RANK[fail_on] if fail_on else None

    inputs = []
    for spec in paths:
        try:
            source = open_source(spec, cfg)
        except SourceError as e:
            err.print(literal(f"{spec}: {e.reason}"), markup=False)
            raise typer.Exit(EXIT_USAGE)
        out_dir = out or source.default_out()
        if out_dir is None:
            err.print(f"{spec}: --out is required for this source (findings and local copies are written there)")
            raise typer.Exit(EXIT_USAGE)
        if Path(out_dir).resolve() in {p.resolve() for p in source.watch_paths() if Path(spec).is_dir()}:
            err.print(literal(f"{spec}: --out is the folder being reviewed; the next run would review its own "
                              "outputs (choose another folder)"), markup=False)
            raise typer.Exit(EXIT_USAGE)
        inputs.append((spec, source, Path(out_dir)))
    results = []
    listed = []
    for spec, source, out_dir in inputs:
        try:
            source.check()
            listed += [(item, out_dir, spec) for item in source.list()]
        except SourceError as e:  # a Drive folder that is missing or not a folder, credentials
            err.print(literal(f"{spec}: {e.reason}"), markup=False)
            raise typer.Exit(EXIT_USAGE)
        except Exception as e:  # messages could name anything: only the type is shown
            if os.environ.get("PROMOLINT_DEBUG"):
                raise
            err.print(_internal_error_line(str(spec), e))
            raise typer.Exit(EXIT_USAGE)
    # Each review in a worker process (time and memory capped, one per core); lines in listing
    # order. review_ref claims each output stem (unique per source under out_dir).
    with ReviewPool(cfg, workers=min(worker_count(cfg), max(1, len(listed))), wait=False) as pool:
        futures = [None if isinstance(item, Skipped) else pool.submit(spec, item, out_dir)
                   for item, out_dir, spec in listed]
        for (item, out_dir, _spec), future in zip(listed, futures):
            try:
                r = skipped_result(item) if future is None else pool.result(future, item, out_dir)
            except ConfigError as e:  # e.g. the principles file: the same for every packet, so said once
                err.print(f"config error {literal(str(e))}", markup=False)
                raise typer.Exit(EXIT_USAGE)
            if r.code == "environment":  # disk full, read-only: every later packet would fail alike
                err.print(literal(r.reason or ""), markup=False)
                raise typer.Exit(exit_code(Counter(), environment=True))
            err.print(outcome_line(r, out_dir, listed_only=isinstance(item, Skipped)), markup=False)
            results.append(r)
    counts = Counter(r.status for r in results)
    dirs = sorted({str(d) for _, _, d in inputs})
    err.print(f"reviewed {counts['reviewed']}, rejected {counts['rejected']}"
              + (f", unchanged {counts['unchanged']}" if counts["unchanged"] else "")
              + (f", failed {counts['failed']}" if counts["failed"] else "")
              + f"; outputs in {literal(', '.join(dirs)) or '-'}", markup=False)
    hit = threshold is not None and any(r.worst >= threshold for r in results if r.status == "reviewed")
    raise typer.Exit(exit_code(counts, findings=hit))


@app.command()
def rules(config: Optional[Path] = typer.Option(None, "--config", "-c")) -> None:
    """List the rules with their ids, severities and one example each."""
    from rich.console import Console
    from rich.table import Table

    from promolint.analysis import list_rules

    cfg = _load_config(config)
    table = Table(box=None, pad_edge=False)
    table.add_column("rule", no_wrap=True)  # ids are what `explain` takes: never cut them
    table.add_column("severity", no_wrap=True)
    table.add_column("category", no_wrap=True)
    table.add_column("example", overflow="fold")
    for r in list_rules(cfg):
        table.add_row(r["id"], r["severity"] if r.get("enabled", True) else "off", r["category"], r.get("example") or "")
    Console().print(table)


@app.command()
def explain(rule: str, config: Optional[Path] = typer.Option(None, "--config", "-c")) -> None:
    """Print a rule's rationale, message, rewrite shape and example."""
    from promolint.analysis import explain_rule

    cfg = _load_config(config)
    try:
        text = explain_rule(rule, cfg)
    except KeyError:
        err.print(f"unknown rule {rule!r}; `promolint rules` lists them")
        raise typer.Exit(EXIT_USAGE)
    from rich.console import Console

    Console(soft_wrap=True).print(text, markup=False, highlight=False)  # a path must stay copyable


@app.command()
def batch(
    source: str = typer.Argument(..., help="A folder, or gdrive://FOLDER_ID."),
    out: Path = typer.Option(..., "--out", "-o", help="Output root."),
    config: Optional[Path] = typer.Option(None, "--config", "-c"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar on a terminal."),
) -> None:
    """Review every packet in a source through the Prefect cycle flow."""
    from promolint.flows.commands import run_batch

    raise typer.Exit(run_batch(source, out, config, progress=progress and sys.stderr.isatty()))


@app.command()
def watch(
    source: str = typer.Argument(..., help="A folder, or gdrive://FOLDER_ID."),
    out: Path = typer.Option(..., "--out", "-o"),
    config: Optional[Path] = typer.Option(None, "--config", "-c"),
    once: bool = typer.Option(False, "--once", help="Process what is new and exit."),
    poll: bool = typer.Option(False, "--poll", help="Poll on an interval instead of file events."),
) -> None:
    """Review packets that are new or changed since the last run."""
    from promolint.flows.commands import run_watch

    raise typer.Exit(run_watch(source, out, config, once=once, poll=poll))


@app.command()
def serve(config: Optional[Path] = typer.Option(None, "--config", "-c")) -> None:
    """Serve the deployments defined in config (cycle on a cron, watcher on an interval)."""
    from promolint.flows.commands import run_serve

    raise typer.Exit(run_serve(config))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
