"""Local delivery, optionally one folder per author, ready for a manager to hand back.

The author is the one promolint.extractors.authors resolves (the memo's addressee), so a packet's
folder and its memo always name the same person.
"""
from __future__ import annotations

from pathlib import Path

from promolint.deliver.base import Delivered
from promolint.deliver.local import write_atomic
from promolint.sources.base import PacketRef

UNKNOWN_AUTHOR = "unknown-author"
# Names the output root uses itself (the cycle summary, the ledger's folder): never an author's.
RESERVED_PREFIXES = ("cycle-summary", ".promolint", "promolint")


def author_folder(author: str) -> str:
    """A folder name that is safe on every OS and still readable ("Jane Doe" stays "Jane Doe")."""
    cleaned = "".join(c if c.isalnum() or c in " .-_'" else "_" for c in author).strip(" ._")
    cleaned = cleaned[:80].rstrip(" ._")
    if cleaned.casefold().startswith(RESERVED_PREFIXES):
        cleaned = f"author {cleaned}"
    return cleaned or UNKNOWN_AUTHOR


class LocalAuthorDestination:
    """Writes outputs atomically under `root`, or `root/<author>/` when per_author is on."""

    def __init__(self, root: Path, per_author: bool = True):
        self.root = Path(root)
        self.per_author = per_author

    def folder_for(self, author: str | None) -> Path:
        if not self.per_author:
            return self.root
        return self.root / author_folder(author or UNKNOWN_AUTHOR)

    def deliver(self, ref: PacketRef, files: dict[str, bytes], author: str | None) -> Delivered:
        folder = self.folder_for(author)
        locations = {name: str(write_atomic(folder / name, data, root=self.root)) for name, data in files.items()}
        note = None if author or not self.per_author else f"author unknown: filed under {UNKNOWN_AUTHOR}"
        return Delivered(ref=ref, author=author, locations=locations, note=note)
