"""Local files and folders. Originals are only ever opened for reading."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator

from promolint.sources.base import PacketRef, Skipped

# Extensions offered for review; anything Word-like is offered so the extractor can say why it
# rejects it (legacy .doc, templates, macros) instead of silently ignoring it.
WORD_SUFFIXES = {".docx", ".docm", ".dotx", ".dotm", ".doc"}


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalSource:
    def __init__(self, paths: list[Path]):
        self.paths = [Path(p) for p in paths]

    def _files(self) -> Iterator[Path]:
        for p in self.paths:
            if p.is_dir():
                yield from sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith((".", "~$")))
            else:
                yield p

    def list(self) -> Iterator[PacketRef | Skipped]:
        for f in self._files():
            if f.suffix.lower() not in WORD_SUFFIXES:
                if any(q.is_dir() and f.parent == q for q in self.paths):
                    continue  # a folder's non-Word files are not packets; say nothing
                yield Skipped(source_id=str(f.resolve()), name=f.name, reason="not a Word document (.docx)")
                continue
            try:
                version = content_hash(f.read_bytes())
            except OSError as e:
                yield Skipped(source_id=str(f), name=f.name, reason=f"cannot be read ({e.strerror or 'I/O error'})")
                continue
            yield PacketRef(source_id=str(f.resolve()), name=f.name, version=version)

    def fetch(self, ref: PacketRef) -> bytes:
        return Path(ref.source_id).read_bytes()
