"""Sentence spans for claims.

Hand-written with compiled regexes because pysbd is far too slow for per-packet use and packet
prose is narrow: business English with numbers, money, versions and a few abbreviations.
A boundary is a run of . ! ? or an ellipsis (plus closing quotes/brackets) followed by space and a
capital, digit or opening mark; a line break always ends a sentence; semicolons never do.
"""
from __future__ import annotations

import re

_CANDIDATE = re.compile(r"(?:[.!?]+|…)[\"'”’»)\]]*(?=\s)|\n")
_NEXT = re.compile(r"\s*([\"'“‘«(\[]*)(\S?)(\S*)")
_ROMAN = re.compile(r"[ivx]{1,4}")

# Abbreviations that never end a sentence, and ones that may (only before a likely sentence start).
_NEVER_END = {
    "e.g", "eg", "i.e", "ie", "vs", "v", "cf", "mr", "mrs", "ms", "dr", "prof", "st", "approx", "ca",
    "fig", "no", "nos", "vol", "pp", "al", "est", "dept", "sen", "rep", "gen", "lt", "col", "sgt",
    "capt", "mt", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}
_MAY_END = {"etc", "inc", "ltd", "corp", "co", "llc", "jr", "sr", "u.s", "u.k", "e.u", "a.m", "p.m", "ph.d", "phd"}
_STARTERS = {
    "i", "we", "the", "this", "that", "these", "those", "it", "he", "she", "they", "our", "my", "in",
    "after", "before", "then", "as", "when", "by", "with", "a", "an", "since", "on", "for", "at",
}


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trimmed of surrounding whitespace, in order."""
    spans, start = [], 0
    for m in _CANDIDATE.finditer(text):
        end = m.end()
        if m.group() == "\n" or _is_boundary(text, start, m.start(), end):
            _add(spans, text, start, end)
            start = end
    _add(spans, text, start, len(text))
    if text.count(":") > 1:
        spans = [piece for span in spans for piece in _split_fields(text, *span)]
    return spans


# "Impact: ... Context: ... Skills: ...": labelled fields whose line breaks were lost (a soft-wrapped
# Markdown paragraph) are one sentence each. Only a span that itself opens with a label is split.
_FIELD_START = re.compile(r"[^\w\n]{0,3}[A-Z][\w&/()' -]{0,30}:\s")
_FIELD = re.compile(r"(?<=[^\s.!?:;,])\s+(?=[A-Z][\w&/()-]*(?:[ ][\w&/()-]+){0,2}:\s)")


def _split_fields(text: str, start: int, end: int) -> list[tuple[int, int]]:
    head = _FIELD_START.match(text, start, end)
    if head is None:
        return [(start, end)]
    out, at = [], start
    for m in _FIELD.finditer(text, head.end(), end):
        out.append((at, m.start()))
        at = m.end()
    out.append((at, end))
    return out


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        lead = len(chunk) - len(chunk.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))


def _is_boundary(text: str, sent_start: int, mark: int, end: int) -> bool:
    nxt = _NEXT.match(text, end)
    opener, first, rest = nxt.group(1), nxt.group(2), nxt.group(3)
    if not first and not opener:
        return False  # only whitespace follows: the final split handles it
    if first.islower():
        return False
    if text[mark] != ".":
        return True
    token_start = _token_start(text, sent_start, mark)
    word = text[token_start:mark].lstrip("\"'“‘([").lower()
    if text[mark:end].startswith(".."):
        return True  # ellipsis before a capital
    if word in _NEVER_END:
        return False
    if word in _MAY_END:
        return (first + rest).lower().strip(",;:") in _STARTERS or word in {"etc", "inc", "ltd", "corp", "llc"}
    if len(word) == 1 and word.isalpha() and first.isupper():
        return False  # an initial: "J. Smith"
    if _is_enumerator(text, sent_start, token_start, word):
        return False
    return True


def _token_start(text: str, sent_start: int, mark: int) -> int:
    i = mark
    while i > sent_start and not text[i - 1].isspace():
        i -= 1
    return i


def _is_enumerator(text: str, sent_start: int, token_start: int, word: str) -> bool:
    """'1.' or 'IV.' opening a sentence numbers it rather than ending it."""
    if not (word.isdigit() and len(word) <= 2 or _ROMAN.fullmatch(word)):
        return False
    return not text[sent_start:token_start].strip()
