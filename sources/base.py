"""The source abstraction flows and commands read packets through.

A `PacketRef` is a small reference (safe to pass as a Prefect parameter): it never holds
packet text. `version` changes whenever the content does, so the ledger can skip unchanged packets.
"""
from __future__ import annotations

from typing import Iterator, Protocol

from pydantic import BaseModel


class PacketRef(BaseModel):
    source_id: str   # stable identity: absolute path, or a Drive file id
    name: str        # file name as the user sees it, e.g. "jane-doe.docx"
    version: str     # content hash (local) or revision / md5Checksum (Drive)
    kind: str = "local"
    # Source-specific identifiers (never packet text), e.g. a Drive file's parent folder and owner,
    # so a worker in another process (Dask) needs no extra call to find them.
    meta: dict[str, str] = {}

    @property
    def stem(self) -> str:
        return self.name.rsplit(".", 1)[0] if "." in self.name else self.name


class Skipped(BaseModel):
    """A file a source saw but will not offer, with a one-line reason."""

    source_id: str
    name: str
    reason: str


class Source(Protocol):
    def list(self) -> Iterator[PacketRef | Skipped]: ...

    def fetch(self, ref: PacketRef) -> bytes: ...
