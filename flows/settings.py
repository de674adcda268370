"""Flow and deployment settings, read from `flows:` in the config (defaults when absent)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from promolint.config import Config


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CycleDeployment(_Strict):
    source: str | None = None          # folder (or gdrive://...) reviewed by the scheduled cycle
    out: str | None = None
    cron: str = "0 6 * * 1"            # Mondays 06:00
    timezone: str = "UTC"


class WatchDeployment(_Strict):
    source: str | None = None
    out: str | None = None
    interval_seconds: int = 300


class FlowsConfig(_Strict):
    concurrency: int = 4               # packets in flight at once
    task_runner: str = "thread"        # thread | dask
    dask_workers: int = 2              # processes when task_runner is dask
    retries: int = 2                   # transient failures only (I/O, timeouts)
    retry_delay_seconds: float = 2.0
    settle_seconds: float = 2.0        # a watched file must keep size and mtime this long
    debounce_ms: int = 1600            # watchfiles grouping of change events
    summary_formats: list[str] | None = None   # default: md plus output.formats
    cycle: CycleDeployment = CycleDeployment()
    watch: WatchDeployment = WatchDeployment()


def flows_config(config: Config) -> FlowsConfig:
    return FlowsConfig.model_validate(config.extra.get("flows", {}) or {})


def summary_formats(config: Config, fc: FlowsConfig) -> list[str]:
    if fc.summary_formats is not None:
        return list(dict.fromkeys(["md", *fc.summary_formats]))
    return list(dict.fromkeys(["md", *(f for f in config.output.formats if f in ("docx", "html"))]))
