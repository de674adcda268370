"""Who wrote a packet: the one resolver the extractor, local delivery and Drive delivery share.

Methods, tried in the configured order (`delivery.author_from`), first match wins:
  core_properties  the document's dc:creator, unless a tool or template wrote it
  name_line        a "Name: ..." / "Candidate: ..." line among the first paragraphs
  file_name        the file name without packet words ("jane_doe-promo-v2.docx" -> "Jane Doe")
The extractor records the document's own answer (the first two) as `Packet.author`; delivery
adds the file-name fallback through `resolve_author`, so a memo and its folder always agree.
"""
from __future__ import annotations

import re
from typing import Iterable

DOCUMENT_METHODS = ("core_properties", "name_line")
METHODS = (*DOCUMENT_METHODS, "file_name")

# Creators written by tools and templates, not people.
PLACEHOLDER_AUTHORS = {"", "python-docx", "microsoft office user", "author", "user", "admin", "administrator",
                       "unknown", "docx4j", "apache poi", "windows user"}
NAME_LINE = re.compile(
    r"^\s*(?:full\s+name|name|candidate|nominee|employee|engineer|prepared by)\s*[:\-–—]\s*(\S.{0,79}?)\s*$", re.I)
PERSON_NAME = re.compile(r"[^\W\d_]+(?:[ .'’-]{1,2}[^\W\d_]+){0,4}\.?")  # up to five words, no digits
NAME_LINE_WINDOW = 15   # non-empty paragraphs from the top
_FILE_NOISE = re.compile(r"\b(packet|promo(tion)?|draft|final|review|doc|v\d+|\d{4}(-\d\d){0,2})\b", re.IGNORECASE)


def core_author(creator: str | None) -> str | None:
    name = (creator or "").strip()
    return None if name.lower() in PLACEHOLDER_AUTHORS else name


def name_line_author(paragraphs: Iterable[str]) -> str | None:
    seen = 0
    for text in paragraphs:
        if not text.strip():
            continue
        m = NAME_LINE.match(text)
        if m and PERSON_NAME.fullmatch(m.group(1)):  # "Engineer - led the migration..." is body text
            return m.group(1)
        seen += 1
        if seen >= NAME_LINE_WINDOW:
            return None
    return None


def file_name_author(name: str) -> str | None:
    stem = name.rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    words = _FILE_NOISE.sub(" ", re.sub(r"[_\-.]+", " ", stem)).split()
    return " ".join(w if not w.islower() else w.capitalize() for w in words) or None


def document_author(creator: str | None, paragraphs: Iterable[str], order: Iterable[str] = METHODS) -> str | None:
    """The document's own answer: core properties and the name line, in the configured order."""
    for method in order:
        found = core_author(creator) if method == "core_properties" else (
            name_line_author(paragraphs) if method == "name_line" else None)
        if found:
            return found
    return None


def resolve_author(packet_author: str | None, file_name: str, order: Iterable[str] = METHODS) -> str | None:
    """The author used everywhere after extraction: the packet's own (`Packet.author`, found with
    the same order) or the file name, whichever the configured order reaches first."""
    for method in order:
        if method in DOCUMENT_METHODS and packet_author:
            return packet_author
        if method == "file_name":
            found = file_name_author(file_name)
            if found:
                return found
    return None
