"""Where packets come from: local files and folders, or a Google Drive folder."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from promolint.sources.base import PacketRef, Skipped, Source
from promolint.sources.local import LocalSource

__all__ = ["PacketRef", "Skipped", "Source", "LocalSource", "open_source", "is_gdrive_spec"]


def is_gdrive_spec(spec: Any) -> bool:
    return isinstance(spec, str) and (spec.startswith("gdrive://") or "drive.google.com/" in spec)


def open_source(spec: str | Path | list, config: Any | None = None) -> Source:
    """A user's source argument -> a Source: gdrive://FOLDER_ID or a Drive folder link, else local paths.

    The Drive client is imported only for Drive specs (it costs ~0.4 s to import).
    """
    if is_gdrive_spec(spec):
        from promolint.sources.gdrive import open_gdrive

        return open_gdrive(str(spec), config)
    specs = spec if isinstance(spec, list) else [spec]
    return LocalSource([Path(s) for s in specs])
