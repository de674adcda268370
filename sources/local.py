"""Local files and folders. Originals are only ever opened for reading."""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Iterator

from promolint.errors import PacketRejected
from promolint.sources.base import PacketRef, Skipped, Source

# Extensions offered for review; anything Word-like is offered so the extractor can say why it
# rejects it (legacy .doc, templates, macros) instead of silently ignoring it.
WORD_SUFFIXES = {".docx", ".docm", ".dotx", ".dotm", ".doc"}


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalSource(Source):
    scheme = "file"

    def __init__(self, paths: list[Path], max_bytes: int | None = None):
        self.paths = [Path(p) for p in paths]
        self.max_bytes = max_bytes   # limits.max_file_bytes: checked by stat before any read

    def _files(self) -> Iterator[Path]:
        for p in self.paths:
            if p.is_dir():
                yield from sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith((".", "~$")))
            else:
                yield p

    def list(self) -> Iterator[PacketRef | Skipped]:
        for f in self._files():
            if not f.exists():
                yield Skipped(source_id=str(f), name=str(f), reason="no such file or folder", code="not-found")
                continue
            if f.suffix.lower() not in WORD_SUFFIXES:
                if any(q.is_dir() and f.parent == q for q in self.paths):
                    continue  # a folder's non-Word files are not packets; say nothing
                yield Skipped(source_id=str(f.resolve()), name=f.name, reason="not a Word document (.docx)",
                              code="not-word")
                continue
            try:
                size = f.stat().st_size
                if self.max_bytes is not None and size > self.max_bytes:
                    from promolint.extractors.container import too_large_reason
                    yield Skipped(source_id=str(f.resolve()), name=f.name, code="too-large",
                                  reason=too_large_reason(size, self.max_bytes))
                    continue
                with open(f, "rb") as fh:
                    version = hashlib.file_digest(fh, "sha256").hexdigest()  # streamed, never whole in memory
            except OSError as e:
                yield Skipped(source_id=str(f), name=f.name, reason=f"cannot be read ({e.strerror or 'I/O error'})",
                              code="unreadable")
                continue
            yield PacketRef(source_id=str(f.resolve()), name=f.name, version=version)

    def fetch(self, ref: PacketRef) -> bytes:
        """A bounded read: a file grown past the limit since listing costs at most the limit."""
        with open(ref.source_id, "rb") as f:
            if self.max_bytes is None:
                return f.read()
            data = f.read(self.max_bytes + 1)
            if len(data) > self.max_bytes:
                from promolint.extractors.container import too_large_reason
                size = os.fstat(f.fileno()).st_size
                raise PacketRejected(ref.name, too_large_reason(max(size, len(data)), self.max_bytes), "too-large")
            return data

    # -- capabilities

    def default_out(self) -> Path | None:
        first = self.paths[0]
        return (first if first.is_dir() else first.parent) / "reviewed"

    def fetched_current(self, ref: PacketRef, data: bytes) -> bool:
        return content_hash(data) == ref.version

    def watch_paths(self) -> list[Path]:
        return sorted({p if p.is_dir() else p.parent for p in self.paths})

    def settle(self, refs: list[PacketRef], seconds: float) -> tuple[list[PacketRef], list[PacketRef]]:
        """Ready: size and mtime unchanged across `seconds`. One wait covers all candidates, and
        files already untouched for that long need none."""
        def stat(r: PacketRef):
            try:
                s = os.stat(r.source_id)
                return (s.st_size, s.st_mtime_ns)
            except OSError:
                return None

        first = {r.source_id: stat(r) for r in refs}
        now_ns = time.time_ns()
        young = [r for r in refs if first[r.source_id] is None or now_ns - first[r.source_id][1] < seconds * 1e9]
        if young:
            time.sleep(seconds)
        moving = {r.source_id for r in young if first[r.source_id] is None or stat(r) != first[r.source_id]}
        return [r for r in refs if r.source_id not in moving], [r for r in refs if r.source_id in moving]
