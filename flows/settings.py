"""Flow settings helpers; the `flows:` config models live in promolint.config."""
from __future__ import annotations

from promolint.config import Config, CycleDeployment, FlowsConfig, WatchDeployment

__all__ = ["CycleDeployment", "FlowsConfig", "WatchDeployment", "flows_config", "summary_formats"]


def flows_config(config: Config) -> FlowsConfig:
    return config.flows


def summary_formats(config: Config, fc: FlowsConfig) -> list[str]:
    if fc.summary_formats is not None:
        return list(dict.fromkeys(["md", *fc.summary_formats]))
    return list(dict.fromkeys(["md", *(f for f in config.output.formats if f in ("docx", "html"))]))
