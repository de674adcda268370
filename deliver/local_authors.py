"""Local delivery, optionally one folder per author, ready for a manager to hand back.

The author comes from, in configurable order: the packet's core properties (dc:creator), a
"Name:" line near the top, or the file name. Only the small zip members needed are read, with
entity resolution off; the extractor has already applied the full safety limits.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from lxml import etree

from promolint.deliver.base import Delivered
from promolint.deliver.local import write_atomic
from promolint.sources.base import PacketRef

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
# Creators written by tools and templates, not people.
_GENERIC_CREATORS = {"", "python-docx", "microsoft office user", "author", "user", "admin", "administrator",
                     "unknown", "docx4j", "apache poi", "windows user"}
_NAME_LINE = re.compile(r"^\s*(?:full\s+)?name\s*[:\-–]\s*(.{2,80}?)\s*$", re.IGNORECASE)
_FILE_NOISE = re.compile(r"\b(packet|promo(tion)?|draft|final|review|doc|v\d+|\d{4}(-\d\d){0,2})\b", re.IGNORECASE)
_MAX_MEMBER_BYTES = 1 << 20
_NAME_LINE_PARAGRAPHS = 40
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _core_author(zf: zipfile.ZipFile) -> str | None:
    try:
        info = zf.getinfo("docProps/core.xml")
    except KeyError:
        return None
    if info.file_size > _MAX_MEMBER_BYTES:
        return None
    node = etree.fromstring(zf.read(info), _PARSER).find(_DC_CREATOR)
    name = (node.text or "").strip() if node is not None else ""
    return None if name.lower() in _GENERIC_CREATORS else name


def _name_line_author(zf: zipfile.ZipFile) -> str | None:
    try:
        stream = zf.open("word/document.xml")
    except KeyError:
        return None
    with stream:
        for n, (_, p) in enumerate(etree.iterparse(stream, tag=f"{_W}p", resolve_entities=False)):
            m = _NAME_LINE.match("".join(t.text or "" for t in p.iter(f"{_W}t")))
            if m:
                return m.group(1)
            if n >= _NAME_LINE_PARAGRAPHS:
                return None
    return None


def _file_name_author(ref: PacketRef) -> str | None:
    words = _FILE_NOISE.sub(" ", re.sub(r"[_\-.]+", " ", ref.stem)).split()
    return " ".join(w if not w.islower() else w.capitalize() for w in words) or None


def resolve_author(data: bytes, ref: PacketRef, order: list[str]) -> str | None:
    """First author found by the configured methods; a malformed file just skips a method."""
    zf = None
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        pass
    for method in order:
        try:
            if method == "core_properties" and zf:
                found = _core_author(zf)
            elif method == "name_line" and zf:
                found = _name_line_author(zf)
            elif method == "file_name":
                found = _file_name_author(ref)
            else:
                found = None
        except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError):
            found = None
        if found:
            return found
    return None


def author_folder(author: str) -> str:
    """A folder name that is safe on every OS and still readable."""
    cleaned = "".join(c if c.isalnum() or c in " .-_'" else "_" for c in author).strip(" ._")
    return cleaned[:80] or "unknown-author"


class LocalAuthorDestination:
    """Writes outputs atomically under `root`, or `root/<author>/` when per_author is on."""

    def __init__(self, root: Path, per_author: bool = True):
        self.root = Path(root)
        self.per_author = per_author

    def folder_for(self, author: str | None) -> Path:
        if not self.per_author:
            return self.root
        return self.root / author_folder(author or "unknown-author")

    def deliver(self, ref: PacketRef, files: dict[str, bytes], author: str | None) -> Delivered:
        folder = self.folder_for(author)
        locations = {name: str(write_atomic(folder / name, data)) for name, data in files.items()}
        note = None if author or not self.per_author else "author unknown: filed under unknown-author"
        return Delivered(ref=ref, author=author, locations=locations, note=note)
