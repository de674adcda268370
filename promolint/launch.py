"""The `promolint` command's entry point, and the `review` command's body.

typer (and the pydantic adapters it builds for each parameter) costs every start about 50 ms; a
plain `promolint review PATH... [-o DIR] [-c FILE] [-f FORMATS] [--fail-on SEVERITY]` is read
here and run without it. Everything else (help, the other commands, `--opt=value`, an option
value that starts with "-", anything unexpected) goes to the typer app in promolint.cli, so the
interface stays typer's; both paths run `review_command`.
"""
from __future__ import annotations

import gc
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Optional

# No pydantic plugins (observability hooks) for promolint's own models: finding them scans every
# installed distribution's entry points, 10-20 ms of each start. A value set by the user is kept.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from promolint import cache as _cache  # noqa: E402

_cache.preload_patterns()  # before the heavy imports: their re.compile calls become lookups

from promolint.errors import ConfigError, SourceError, literal  # noqa: E402

EXIT_USAGE = 2
_REVIEW_OPTIONS = {"--out": "out", "-o": "out", "--config": "config", "-c": "config", "--format": "format",
                   "-f": "format", "--fail-on": "fail_on"}


def main() -> None:
    plain = plain_review_args(sys.argv[1:])
    if plain is None:
        from promolint.cli import app

        app()
        return
    paths, opts = plain
    # A review's imports allocate ~300k long-lived objects (modules, classes, compiled rules); the
    # collector would walk them again and again (a full pass ~25 ms) and free nothing. It is off
    # until they are loaded, then they are frozen out of every later pass (`_collect_from_here`).
    gc.disable()
    try:
        review_command(paths, Path(opts["out"]) if "out" in opts else None,
                       Path(opts["config"]) if "config" in opts else None, opts.get("format"), opts.get("fail_on"))
    finally:
        gc.enable()


def plain_review_args(argv: list[str]) -> tuple[list[str], dict[str, str]] | None:
    """(paths, options) of a `review` command line in the plain form; None for anything else."""
    if not argv or argv[0] != "review":
        return None
    paths, opts, rest = [], {}, iter(argv[1:])
    for a in rest:
        if a in _REVIEW_OPTIONS:
            value = next(rest, None)
            if value is None or value.startswith("-"):
                return None
            opts[_REVIEW_OPTIONS[a]] = value
        elif a.startswith("-"):
            return None
        else:
            paths.append(a)
    return (paths, opts) if paths else None


def review_command(paths: list[str], out: Optional[Path], config: Optional[Path], format: Optional[str],
                   fail_on: Optional[str]) -> None:
    """`promolint review`: always ends in SystemExit with the run's exit code."""
    _interrupt_exits_130()
    try:
        _review(paths, out, config, format, fail_on)
    except Interrupted:  # outputs are atomic: nothing half-written is left behind
        err.print("interrupted; the outputs written so far are complete", markup=False)
        from promolint.pipeline import EXIT_INTERRUPTED

        raise SystemExit(EXIT_INTERRUPTED)


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


def load_cli_config(path: Optional[Path], formats: Optional[str] = None):
    from promolint.analysis import list_rules
    from promolint.config import load_config

    try:
        config = load_config(path)
        list_rules(config)  # rule files and severity overrides: one config error now, not one per packet
    except ConfigError as e:
        err.print(f"config error {literal(str(e))}", markup=False)  # a path may hold [brackets]
        raise SystemExit(EXIT_USAGE)
    if formats:
        wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
        unknown = sorted(set(wanted) - {"docx", "md", "html"})
        if unknown:
            err.print(f"[red]unknown format[/red] {', '.join(unknown)} (choose from docx, md, html)")
            raise SystemExit(EXIT_USAGE)
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


def _collect_from_here(pristine: bool) -> None:
    """In the command's own process everything allocated so far lives until exit: move it out of
    the collector's sight (also fewer copy-on-write pages in a forked review), then collect as usual."""
    if pristine:
        gc.freeze()
    gc.enable()


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
        raise SystemExit(EXIT_USAGE)
    if pristine:
        _save_patterns()
    cfg = load_cli_config(config, format)
    threshold = SEVERITY_RANK[fail_on] if fail_on else None

    inputs = []
    for spec in paths:
        try:
            source = open_source(spec, cfg)
        except SourceError as e:
            err.print(literal(f"{spec}: {e.reason}"), markup=False)
            raise SystemExit(EXIT_USAGE)
        out_dir = out or source.default_out()
        if out_dir is None:
            err.print(f"{spec}: --out is required for this source (findings and local copies are written there)")
            raise SystemExit(EXIT_USAGE)
        if Path(out_dir).resolve() in {p.resolve() for p in source.watch_paths() if Path(spec).is_dir()}:
            err.print(literal(f"{spec}: --out is the folder being reviewed; the next run would review its own "
                              "outputs (choose another folder)"), markup=False)
            raise SystemExit(EXIT_USAGE)
        inputs.append((spec, source, Path(out_dir)))
    results = []
    listed = []
    for spec, source, out_dir in inputs:
        try:
            source.check()
            listed += [(item, out_dir, spec) for item in source.list()]
        except SourceError as e:  # a Drive folder that is missing or not a folder, credentials
            err.print(literal(f"{spec}: {e.reason}"), markup=False)
            raise SystemExit(EXIT_USAGE)
        except Exception as e:  # messages could name anything: only the type is shown
            if os.environ.get("PROMOLINT_DEBUG"):
                raise
            err.print(_internal_error_line(str(spec), e))
            raise SystemExit(EXIT_USAGE)
    # Each review in a worker process (time and memory capped, one per core); lines in listing
    # order. review_ref claims each output stem (unique per source under out_dir).
    to_review = sum(not isinstance(item, Skipped) for item, _, _ in listed)
    with ReviewPool(cfg, workers=min(worker_count(cfg), max(1, len(listed))), wait=False, packets=to_review) as pool:
        _collect_from_here(pristine)  # the pool has imported the stages and loaded the rules (`workers.warm`)
        futures = [None if isinstance(item, Skipped) else pool.submit(spec, item, out_dir)
                   for item, out_dir, spec in listed]
        for (item, out_dir, _spec), future in zip(listed, futures):
            try:
                r = skipped_result(item) if future is None else pool.result(future, item, out_dir)
            except ConfigError as e:  # e.g. the principles file: the same for every packet, so said once
                err.print(f"config error {literal(str(e))}", markup=False)
                raise SystemExit(EXIT_USAGE)
            if r.code == "environment":  # disk full, read-only: every later packet would fail alike
                err.print(literal(r.reason or ""), markup=False)
                raise SystemExit(exit_code(Counter(), environment=True))
            err.print(outcome_line(r, out_dir, listed_only=isinstance(item, Skipped)), markup=False)
            results.append(r)
    counts = Counter(r.status for r in results)
    dirs = sorted({str(d) for _, _, d in inputs})
    err.print(f"reviewed {counts['reviewed']}, rejected {counts['rejected']}"
              + (f", unchanged {counts['unchanged']}" if counts["unchanged"] else "")
              + (f", failed {counts['failed']}" if counts["failed"] else "")
              + f"; outputs in {literal(', '.join(dirs)) or '-'}", markup=False)
    hit = threshold is not None and any(r.worst >= threshold for r in results if r.status == "reviewed")
    raise SystemExit(exit_code(counts, findings=hit))
