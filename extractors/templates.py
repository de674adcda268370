"""Unfilled templates and left-over placeholders ("[Project name]", "X%", "TBD").

A template's lines are instructions (addressed to "you", questions, prompts) and placeholders;
a filled packet has a few placeholders left, each reported where it sits rather than reviewed.
"""
from __future__ import annotations

import re
from functools import lru_cache

from promolint.extractors.sections import names_only, normalize_title
from promolint.extractors.sentences import split_sentences
from promolint.model import Block, Claim, Section

_YOU = re.compile(r"\b(?:you|your|yours)\b", re.I)
# Template code a generator fills in: Hugo/Jinja/Handlebars "{{ .Date }}", "{% include x %}", mail-merge "«Name»"
_TEMPLATE_CODE = re.compile(r"\{\{[^{}\n]{1,80}\}\}|\{%[^{}\n]{1,80}%\}|«[^«»\n]{1,40}»")


@lru_cache(maxsize=8)
def placeholder_pattern(patterns: tuple[str, ...]) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


_FIELD = re.compile(r"^[^\W\d_][^:]{0,30}:$")  # "Period:", "Main themes:" with nothing after: a blank to fill


def _is_instruction(text: str, placeholder: re.Pattern | None, prompts: frozenset[str] = frozenset()) -> bool:
    stripped = text.strip()
    first = re.match(r"[^\w]*(\w+)", stripped)
    return bool(_YOU.search(stripped) or stripped.endswith("?") or (placeholder and placeholder.search(stripped))
                or (first and first.group(1)[0].isupper() and first.group(1).lower() in prompts)
                or stripped.startswith(("☐", "[ ]")) or _FIELD.match(stripped) and len(stripped.split()) <= 4
                or bool(_TEMPLATE_CODE.fullmatch(stripped)))


def _empty_sections(blocks: list[Block]) -> int:
    """Headings with no text before the next heading of the same or a higher level: slots left blank."""
    texts = [b for b in blocks if b.text.strip()]
    empty = 0
    for k, b in enumerate(texts):
        if b.kind == "heading":
            nxt = texts[k + 1] if k + 1 < len(texts) else None
            empty += nxt is None or nxt.kind == "heading" and (nxt.level or 0) <= (b.level or 0)
    return empty


def _inventories(blocks: list[Block]) -> set[int]:
    """Lists of short names under one heading ("Cost savings", "Feature launches"): the kinds of entry
    a template suggests, or a filled document's stack; neither filled in nor an instruction."""
    runs, run = [], []
    for b in blocks:
        if b.kind == "list_item" and b.text.strip():
            run.append(b)
        elif b.kind == "heading" or b.text.strip():
            runs.append(run)
            run = []
    runs.append(run)
    return {b.index for run in runs if names_only([b.text for b in run], lead_only=True) for b in run}


def looks_like_template(blocks: list[Block], config) -> bool:
    """Announced as a template, or mostly instructions, placeholders, blank fields and empty sections."""
    listed = _inventories(blocks)
    body = [b for b in blocks if b.kind != "heading" and b.text.strip()]
    first = next((b for b in blocks if b.text.strip()), None)
    if first is not None and first.kind == "heading" and (set(normalize_title(first.text).split()) & set(config.template_titles)
                                                          or _TEMPLATE_CODE.search(first.text)):
        return True  # "Brag Doc Template", or a title still in template code ("{{ .Title }}")
    markers = [normalize_title(m) for m in config.template_markers]
    head = " ".join(normalize_title(b.text) for b in body[:3])
    if any(m and f" {m} " in f" {head} " for m in markers):
        return True
    placeholder = placeholder_pattern(tuple(config.placeholders))
    prompts = frozenset(p.lower() for p in config.template_prompts)
    empty = _empty_sections(blocks)
    told = [_is_instruction(b.text, placeholder, prompts) for b in body]
    slots = sum(t or b.index not in listed for b, t in zip(body, told)) + empty
    unfilled = sum(told) + empty
    return slots >= 3 and unfilled / slots > config.template_share


def find_placeholders(sections: list[Section], owners: dict, config) -> list[Claim]:
    """Each placeholder in a reviewed section, anchored like a claim on the sentence holding it."""
    placeholder = placeholder_pattern(tuple(config.placeholders))
    found: list[Claim] = []
    if placeholder is None:
        return found
    for i in sorted(owners):
        section, subsection = owners[i]
        for block in sections[i].blocks:
            for start, end in split_sentences(block.text):
                m = placeholder.search(block.text, start, end)
                if m:
                    found.append(Claim(id=f"p{len(found) + 1}", section=section, subsection=subsection,
                                       paragraph=block.index, offset=start, text=block.text[start:end],
                                       kind=block.kind))
    return found

