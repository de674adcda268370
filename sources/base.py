"""The source abstraction the pipeline, commands and flows read packets through.

A `PacketRef` is a small reference (safe to pass as a Prefect parameter): it never holds
packet text. `version` changes whenever the content does, so the ledger can skip unchanged packets.

`Source` holds what every source must do (`list`, `fetch`) and the capabilities callers ask of
it, with the defaults of a plain read-only store: a new kind of source (SharePoint, S3) is one
module with a `Source` subclass plus one `register` line in promolint.sources.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from pydantic import BaseModel

if TYPE_CHECKING:
    from promolint.deliver.base import Destination

# Skipped.code of a packet the source itself records as reviewed at its current version.
ALREADY_REVIEWED_CODE = "already-reviewed"


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
    """A file a source saw but will not offer, with a one-line reason and a reason code."""

    source_id: str
    name: str
    reason: str
    code: str = "skipped"

    @property
    def already_reviewed(self) -> bool:
        """The source's own record says this version was reviewed (by any worker): unchanged, not rejected."""
        return self.code == ALREADY_REVIEWED_CODE


class Source:
    """A place packets come from. Subclasses implement `list` and `fetch`; the rest are capabilities."""

    scheme = "file"          # the registry key (promolint.sources.register)

    def list(self) -> Iterator[PacketRef | Skipped]:
        raise NotImplementedError

    def fetch(self, ref: PacketRef) -> bytes:
        raise NotImplementedError

    # -- capabilities; the defaults suit a store whose files are complete once listed

    def check(self) -> None:
        """Raise SourceError if the source cannot be used (credentials, link), before any run."""

    def default_out(self) -> Path | None:
        """Where `review` writes when no --out is given; None: --out is required."""
        return None

    def fetched_current(self, ref: PacketRef, data: bytes) -> bool:
        """False if `data` is not the version listed (still being written): the packet is deferred."""
        return True

    def settle(self, refs: list[PacketRef], seconds: float) -> tuple[list[PacketRef], list[PacketRef]]:
        """(ready, still changing) among new packets, for a watcher."""
        return refs, []

    def watch_paths(self) -> list[Path]:
        """Local folders whose file events mean news; empty: the watcher polls instead."""
        return []

    def changes(self, state: dict | None) -> tuple[list[PacketRef | Skipped], dict] | None:
        """A change feed: (items changed since `state`, new state to persist); None: no feed, list instead."""
        return None

    def destination(self, config: Any) -> "Destination | None":
        """Where outputs also go back to, beside the packet (Drive); None: local outputs only."""
        return None

    def failure_reason(self, exc: BaseException) -> str | None:
        """A one-line reason (no packet text) for this source's service errors; None: not ours."""
        return None
