"""The promolint command line.

`review` runs the plain pipeline in-process (no Prefect) so one packet takes well under a second;
`batch`, `watch` and `serve` go through the Prefect flows in flows/. Prefect is imported only by
those commands.

Exit codes: 0 reviewed; 1 a finding at or above --fail-on; 2 usage or config error;
3 at least one file was rejected (the others were still reviewed); 4 internal error.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from promolint.errors import ConfigError, PacketRejected

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_REJECTED, EXIT_INTERNAL = 0, 1, 2, 3, 4

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Review promotion packets the way a skeptical committee does.",
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _load_config(path: Optional[Path], formats: Optional[str] = None):
    from promolint.config import load_config

    try:
        config = load_config(path)
    except ConfigError as e:
        err.print(f"[red]config error[/red] {e}")
        raise typer.Exit(EXIT_USAGE)
    if formats:
        wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
        unknown = sorted(set(wanted) - {"docx", "md", "html"})
        if unknown:
            err.print(f"[red]unknown format[/red] {', '.join(unknown)} (choose from docx, md, html)")
            raise typer.Exit(EXIT_USAGE)
        config.output.formats = wanted
    return config


def _default_out(path: Path) -> Path:
    return (path if path.is_dir() else path.parent) / "reviewed"


def _internal_error_line(name: str, exc: BaseException) -> str:
    # The exception text may quote document content, so only its type is shown.
    return f"{name}: internal error ({type(exc).__name__}); rerun with PROMOLINT_DEBUG=1 for details"


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
    from promolint.model import SEVERITY_RANK
    from promolint.pipeline import review_bytes, write_outputs
    from promolint.sources import is_gdrive_spec, open_source
    from promolint.sources.base import Skipped

    if fail_on and fail_on not in ("error", "warning"):
        err.print("[red]--fail-on[/red] takes error or warning")
        raise typer.Exit(EXIT_USAGE)
    cfg = _load_config(config, format)
    threshold = SEVERITY_RANK[fail_on] if fail_on else None

    drive_specs = [p for p in paths if is_gdrive_spec(p)]
    if drive_specs and out is None:
        err.print("--out is required to review a Drive folder (findings and local copies are written there)")
        raise typer.Exit(EXIT_USAGE)
    local = [Path(p) for p in paths if not is_gdrive_spec(p)]
    missing = [p for p in local if not p.exists()]
    for p in missing:
        err.print(f"{p}: no such file or folder")
    inputs = [(spec, out) for spec in drive_specs] + [(p, out or _default_out(p)) for p in local if p.exists()]
    rejected, reviewed, internal, worst = len(missing), 0, 0, -1  # worst: highest severity rank seen
    for spec, out_dir in inputs:
        try:
            source = open_source(spec, cfg)
            items = list(source.list())
        except PacketRejected as e:  # a Drive folder that is missing or not a folder
            err.print(f"{spec}: {e.reason}")
            raise typer.Exit(EXIT_USAGE)
        except Exception as e:  # bad Drive link, credentials; messages name settings, never packet text
            if os.environ.get("PROMOLINT_DEBUG"):
                raise
            err.print(f"{spec}: {e}" if type(e).__name__ in ("ValueError", "DriveAuthError")
                      else _internal_error_line(str(spec), e))
            raise typer.Exit(EXIT_USAGE)
        stems: set[str] = set()
        for item in items:
            if isinstance(item, Skipped):
                from promolint.flows.core import already_reviewed_on_drive

                err.print(f"{item.name}: skipped: {item.reason}")
                rejected += 0 if already_reviewed_on_drive(item) else 1
                continue
            name = item.name
            stem = item.stem if item.stem not in stems else f"{item.stem}-{item.source_id[-8:]}"
            stems.add(stem)
            note = ""
            try:
                data = source.fetch(item)
                outputs = review_bytes(data, name, cfg)
                written = write_outputs(outputs, out_dir, stem)
                if isinstance(spec, str):  # Drive: the same delivery the flows use
                    from promolint.deliver.local_authors import resolve_author
                    from promolint.flows.core import deliver_back

                    author = resolve_author(data, item, cfg.delivery.author_from)
                    delivered = deliver_back(source, item, outputs.files(stem), author, cfg)
                    if delivered is not None:
                        shared = ", ".join(delivered.shared_with)
                        note = f"; on Drive{', shared with ' + shared if shared else ''}"
                        note += f" ({delivered.note})" if delivered.note else ""
            except PacketRejected as e:
                err.print(f"{name}: rejected: {e.reason}")
                rejected += 1
                continue
            except Exception as e:  # one bad packet never stops the others
                if os.environ.get("PROMOLINT_DEBUG"):
                    raise
                from promolint.flows.core import drive_failure

                reason = drive_failure(e)
                err.print(f"{name}: {reason}" if reason else _internal_error_line(name, e))
                if reason:
                    rejected += 1
                else:
                    internal += 1
                continue
            reviewed += 1
            s = outputs.review.summary
            sev = [SEVERITY_RANK[f.severity] for c in outputs.review.claims for f in c.findings]
            sev += [SEVERITY_RANK[f.severity] for f in outputs.review.packet_findings]
            worst = max([worst, *sev])
            err.print(
                f"{name}: {s.get('claims', len(outputs.review.claims))} claims, "
                f"{s.get('weak_claims', 0)} weak, readiness {s.get('readiness', 'n/a')} -> {out_dir}/{written[0].name}{note}"
            )
    dirs = sorted({str(d) for _, d in inputs})
    err.print(f"reviewed {reviewed}, rejected {rejected}" + (f", internal errors {internal}" if internal else "")
              + f"; outputs in {', '.join(dirs) or '-'}")
    if internal:
        raise typer.Exit(EXIT_INTERNAL)
    if rejected:
        raise typer.Exit(EXIT_REJECTED)
    if threshold is not None and worst >= threshold:
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def rules(config: Optional[Path] = typer.Option(None, "--config", "-c")) -> None:
    """List the rules with their ids, severities and one example each."""
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
    Console().print(text, markup=False, highlight=False)


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
