"""Flow settings helpers; the `flows:` config models live in promolint.config."""
from __future__ import annotations

from promolint.config import Config


def summary_formats(config: Config) -> list[str]:
    if config.flows.summary_formats is not None:
        return list(dict.fromkeys(["md", *config.flows.summary_formats]))
    return list(dict.fromkeys(["md", *(f for f in config.output.formats if f in ("docx", "html"))]))
