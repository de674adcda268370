"""Is a rewrite suggestion well-formed? Shared by tests/test_analysis_rewrites.py and bench/quality.py.

Independent of how analysis/engine.py cuts phrases: it reads only the finished suggestion. A quoted
stretch of the author's words (slots `<...>` aside) must be a whole phrase: no link, @tag or markup,
balanced brackets, and not ending on a word that needs more after it ("of", "the", "managed by").
"""
from __future__ import annotations

import re
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
FIELDS = sorted({m for f in (_ROOT / "config/rules").glob("*.yaml") for m in re.findall(r"\{(\w+)\}", f.read_text())})
_LEAK = re.compile(r"<[^<>]*\b(?:of|for|in)\s+(?:to|from|with|by|on|in|of|the)\b[^<>]*>|<(?:%s)>|\{\w+\}|<[^<>]*<|>[^<>]*>|<[^<>]*[!?][^<>]*>|<[^>]*$" % "|".join(FIELDS))
_QUOTE = re.compile(r'"([^"]*)"')
_BAD_IN = re.compile(r"\bhttps?\b|www\.|(?<!\w)@\w|\*\*|`|\[|\]")
_BAD_END = {"of", "the", "a", "an", "and", "or", "to", "with", "from", "for", "by", "in", "on", "at", "my", "our",
            "managed", "based", "used", "which", "that", "who", "is", "are", "was", "were", "can", "will", "as", "than",
            "into", "via", "using", "through", "new", "very", "more", "most"}
_SUBJ = {"i", "we", "they", "he", "she", "it"}
# Words that cannot be a clause's verb: "We mainly; I owned ..." is a subject with no predicate.
_NOT_VERB = {"also", "just", "only", "then", "all", "still", "even", "both", "really", "mostly", "mainly"}


def problems(suggestion: str) -> list[str]:
    """Why the suggestion is garbled (empty when it is well-formed)."""
    out = []
    if re.search(r"\b(?:him|her|them|me|us)\s+owned\b", suggestion):
        out.append("object pronoun as a subject")
    if _LEAK.search(suggestion):
        out.append("placeholder leak")
    if suggestion.count('"') % 2:
        out.append("unbalanced quotes")
    for q in _QUOTE.findall(suggestion):
        author = re.sub(r"<[^<>]*>", " ", q)
        if _BAD_IN.search(author):
            out.append(f"markup or link in {q!r}")
        # Each run of words ending at punctuation or at the quote's end must be whole; a run that leads
        # into a slot ("from <before>") is the template's own wording.
        for run in re.finditer(r"([^,;.!?:]+)(?=[,;.!?:]|$)", re.sub(r"<[^<>]*>", "\x00", q)):
            words = re.findall(r"[\w'’-]+", run.group(1).split("\x00")[-1])
            if words and words[-1].lower() in _BAD_END:
                out.append(f"fragment {q!r}")
                break
            if "\x00" not in run.group(1) and words and words[0].lower() in _SUBJ and all(
                    w.lower() in _NOT_VERB or w.lower().endswith("ly") for w in words[1:]):
                out.append(f"subject without a verb {q!r}")
                break
    return out
