"""Where packets come from, found by the scheme of the user's source argument.

A plain path (or file://) is a local file or folder; gdrive://FOLDER_ID or a Drive folder link is a
Google Drive folder. Each kind is registered once below with the module that opens it; the module
is imported only when a source of its kind is opened (the Drive client costs ~0.4 s to import).
"""
from __future__ import annotations

import importlib
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promolint.errors import SourceError
from promolint.sources.base import PacketRef, Skipped, Source
from promolint.sources.local import LocalSource

__all__ = ["PacketRef", "Skipped", "Source", "LocalSource", "open_source", "register", "scheme_of"]


@dataclass(frozen=True)
class SourceKind:
    scheme: str
    opener: str                  # "module:function", called as function(spec, config) -> Source
    hosts: tuple[str, ...] = ()  # https links on these hosts are this kind too


_KINDS: dict[str, SourceKind] = {}


def register(scheme: str, opener: str, hosts: tuple[str, ...] = ()) -> None:
    _KINDS[scheme] = SourceKind(scheme, opener, hosts)


register("file", "promolint.sources:_open_local")
register("gdrive", "promolint.sources.gdrive:open_gdrive", hosts=("drive.google.com",))


def scheme_of(spec: Any) -> str:
    """The registered scheme a source argument belongs to; "file" for plain paths."""
    if not isinstance(spec, str) or "://" not in spec:
        return "file"
    url = urllib.parse.urlsplit(spec.strip())
    if url.scheme in _KINDS:
        return url.scheme
    if url.scheme in ("http", "https"):
        for kind in _KINDS.values():
            if url.hostname in kind.hosts:
                return kind.scheme
    raise SourceError(f"{spec}: unknown source (use a path, or one of: "
                      + ", ".join(f"{s}://" for s in _KINDS if s != "file") + ")")


def open_source(spec: str | Path | list, config: Any | None = None) -> Source:
    """A user's source argument (or a list of local paths) -> its Source."""
    if isinstance(spec, list):
        return LocalSource([Path(s) for s in spec], _max_bytes(config))
    module, _, func = _KINDS[scheme_of(spec)].opener.partition(":")
    return getattr(importlib.import_module(module), func)(str(spec), config)


def _open_local(spec: str, config: Any | None = None) -> LocalSource:
    path = urllib.parse.unquote(urllib.parse.urlsplit(spec).path) if spec.startswith("file://") else spec
    return LocalSource([Path(path)], _max_bytes(config))


def _max_bytes(config: Any | None) -> int | None:
    return getattr(getattr(config, "limits", None), "max_file_bytes", None)
