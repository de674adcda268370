"""The promolint command line.

`review` runs the pipeline in-process (no Prefect) so one packet takes well under a second;
`batch`, `watch` and `serve` go through the Prefect flows in flows/. Prefect is imported only by
those commands. Every command takes each packet through promolint.pipeline.review_ref and exits
with the code promolint.pipeline.exit_code gives (the table in the README). The `promolint`
script starts in promolint.launch, which runs a plain `review` without importing typer.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from promolint.launch import EXIT_USAGE, err, load_cli_config as _load_config, outcome_line, review_command  # noqa: F401

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Review promotion packets the way a skeptical committee does.",
    pretty_exceptions_enable=False,
)


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
    review_command(paths, out, config, format, fail_on)


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
    from promolint.launch import main as launch

    launch()


if __name__ == "__main__":
    main()
