"""The destination abstraction: where a reviewed packet's outputs go.

Local folders (per-author when configured) and Google Drive implement the same protocol, so flows
never care where outputs end up.
"""
from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from promolint.sources.base import PacketRef


class Delivered(BaseModel):
    """What was written where: identifiers only, never packet text."""

    ref: PacketRef
    author: str | None = None
    locations: dict[str, str] = {}   # output name -> path or Drive file id
    shared_with: list[str] = []
    note: str | None = None          # e.g. "author unknown: not shared"


class Destination(Protocol):
    def deliver(self, ref: PacketRef, files: dict[str, bytes], author: str | None) -> Delivered: ...
