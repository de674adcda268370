"""Literal prefilters for compiled rule regexes.

Case-insensitive regexes with long word alternations cost ~50 µs per sentence each in Python's
`re`; most never match. From the parsed pattern we derive literal substrings at least one of which
must occur in any match, and skip the regex when none is in the lower-cased sentence (a plain
`in` check). The gate only ever skips patterns that cannot match, so results are unchanged.
"""
from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as C, _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

Gate = frozenset  # of lower-case substrings; None means "cannot tell, always run"


def _seq(items) -> frozenset | None:
    """Best gate for a sequence: a literal run, or any required sub-item, most selective first."""
    candidates: list[frozenset] = []
    run: list[str] = []

    def flush():
        if run:
            candidates.append(frozenset(["".join(run).lower()]))
            run.clear()

    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        flush()
        sub = _node(op, av)
        if sub:
            candidates.append(sub)
    flush()
    if not candidates:
        return None
    # Fewer, longer alternatives filter more sentences out.
    return max(candidates, key=lambda s: (min(len(x) for x in s) >= 3, -len(s), min(len(x) for x in s)))


def _node(op, av) -> frozenset | None:
    if op is C.SUBPATTERN:
        return _seq(av[-1])
    if op is C.BRANCH:
        parts = [_seq(b) for b in av[1]]
        if any(p is None for p in parts):
            return None
        return frozenset().union(*parts)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        lo, _hi, body = av
        return _seq(body) if lo >= 1 else None
    if op is getattr(C, "ATOMIC_GROUP", None):
        return _seq(av)
    return None  # classes, anchors, lookarounds: no literal guarantee


def literal_gate(rx: re.Pattern) -> frozenset | None:
    try:
        tree = P.parse(rx.pattern, rx.flags)
    except Exception:  # the regex compiled, so this only guards parser internals
        return None
    gate = _seq(list(tree))
    if gate is None or any(not g.strip() for g in gate):
        return None
    return gate


def _fold(pattern: str) -> str:
    """Lower-case a pattern's literals, leaving escapes (\\S, \\W, \\B, ...) untouched."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        out.append(ch.lower())
        i += 1
    return "".join(out)


_CASE_FREE_ESCAPES = set("bBwWsSdDAZntrfv")
_ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _folds_to_ascii(c: str) -> bool:
    """Whether IGNORECASE lets this non-ASCII character match an ASCII letter (K, long s, dotless i ...)."""
    return any(re.fullmatch(re.escape(c), a, re.IGNORECASE) for a in _ASCII_LETTERS)


def _tree_ok(items) -> bool:
    """True when lower-casing the pattern's literals is exact on ASCII text (see `_ascii_fold`)."""
    for op, av in items:
        if op in (C.LITERAL, C.NOT_LITERAL):
            if av >= 0x80 and _folds_to_ascii(chr(av)):
                return False
        elif op is C.IN:
            if not _tree_ok(av):
                return False
        elif op is C.RANGE:
            lo, hi = av
            if not (
                (97 <= lo <= hi <= 122) or (65 <= lo <= hi <= 90) or hi < 65 or (90 < lo and hi < 97)
                or (lo > 122 and hi < 0x80)
            ):
                return False
        elif op is C.SUBPATTERN:
            _group, add, dele, body = av
            if add or dele or not _tree_ok(body):
                return False
        elif op is C.BRANCH:
            if not all(_tree_ok(b) for b in av[1]):
                return False
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            if not _tree_ok(av[2]):
                return False
        elif op in (C.ASSERT, C.ASSERT_NOT):
            if not _tree_ok(av[1]):
                return False
        elif op is getattr(C, "ATOMIC_GROUP", None):
            if not _tree_ok(av):
                return False
        elif op in (C.AT, C.CATEGORY, C.ANY, C.NEGATE):
            continue
        else:  # group references, conditionals, anything unusual: keep the original regex
            return False
    return True


def _ascii_fold(rx: re.Pattern) -> re.Pattern | None:
    """A case-sensitive twin of a case-insensitive regex, exact over `text.lower()` for ASCII `text`.

    Only literals and ranges that behave identically are allowed; escapes other than the
    case-free classes and punctuation, inline flags and back references keep the original.
    """
    if not rx.flags & re.IGNORECASE or rx.flags & (re.LOCALE | re.VERBOSE | re.ASCII):
        return None
    pattern = rx.pattern
    try:
        tree = P.parse(pattern, rx.flags)
    except Exception:
        return None
    if tree.state.flags != rx.flags or not _tree_ok(list(tree)):
        return None
    out, i, n = [], 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1 : i + 2]
            if nxt.isalnum() and nxt not in _CASE_FREE_ESCAPES:
                return None
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern.startswith("(?P", i):
            j = pattern.find(">", i) if pattern.startswith("(?P<", i) else pattern.find(")", i)
            if j < 0:
                return None
            out.append(pattern[i : j + 1])  # group names keep their case
            i = j + 1
            continue
        out.append(ch.lower())
        i += 1
    try:
        folded = re.compile("".join(out), rx.flags & ~re.IGNORECASE)
    except re.error:
        return None
    if folded.groups != rx.groups or folded.groupindex != rx.groupindex:
        return None
    return folded


class Rx:
    """A compiled regex with its gate; callers pass the sentence and its lower-cased copy.

    A case-insensitive pattern with no case-sensitive part is recompiled case-sensitively over
    the lower-cased sentence (several times faster in `re`); spans are identical because callers
    only pass a lower-cased copy of the same length. `_ascii_rx` is a stricter fold (it also
    handles named groups) used only for ASCII sentences, where it is exact.

    `slot` is the bit this regex owns in a `Scanner` mask (None when not in a scanner).
    """

    __slots__ = ("rx", "gate", "_gate_rx", "_low_rx", "_ascii_rx", "slot")

    def __init__(self, rx: re.Pattern):
        self.rx = rx
        self.gate = literal_gate(rx)
        self._gate_rx = (
            re.compile("|".join(re.escape(g) for g in sorted(self.gate, key=len, reverse=True))) if self.gate else None
        )
        self._low_rx = None
        if rx.flags & re.IGNORECASE and "(?-i" not in rx.pattern:
            try:
                self._low_rx = re.compile(_fold(rx.pattern), rx.flags & ~re.IGNORECASE)
            except re.error:
                self._low_rx = None
        self._ascii_rx = _ascii_fold(rx) if self._low_rx is None else None
        self.slot = None

    def open(self, low: str) -> bool:
        return self._gate_rx is None or self._gate_rx.search(low) is not None

    def _pick(self, text: str, low: str):
        if low is not text:
            if self._low_rx is not None:
                return self._low_rx, low
            if self._ascii_rx is not None and text.isascii():
                return self._ascii_rx, low
        return self.rx, text

    def search(self, text: str, low: str):
        if not self.open(low):
            return None
        rx, s = self._pick(text, low)
        return rx.search(s)

    def finditer(self, text: str, low: str):
        if not self.open(low):
            return iter(())
        rx, s = self._pick(text, low)
        return rx.finditer(s)

    # Ungated variants: the caller already knows the gate is open (a `Scanner` mask bit).
    def search_open(self, text: str, low: str):
        rx, s = self._pick(text, low)
        return rx.search(s)

    def finditer_open(self, text: str, low: str):
        rx, s = self._pick(text, low)
        return rx.finditer(s)


def _trie_regex(words) -> str:
    """A regex matching the longest of `words` at a position (greedy, longest alternative first)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node) -> str:
        end = "" in node
        kids = sorted(k for k in node if k)
        if not kids:
            return ""
        alts = []
        for k in kids:
            # Compress single-child chains into one literal run.
            run, sub = [k], node[k]
            while len(sub) == 1 and "" not in sub:
                (c,) = sub.keys()
                run.append(c)
                sub = sub[c]
            alts.append(re.escape("".join(run)) + build(sub))
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if end:
            return ("(?:" + body + ")?") if len(alts) > 1 or len(body) > 1 else body + "?"
        return body

    return build(trie)


class Scanner:
    """All gates of a set of `Rx` evaluated in one pass over the lower-cased sentence.

    One regex finds, at every position, the longest gate literal starting there; every literal
    starting at the same position is a prefix of it, so the set of literals present in the
    sentence is exactly the prefix-closure of what was found. `mask(low)` has bit `rx.slot` set
    when `rx.open(low)` would be True.
    """

    def __init__(self, rxs):
        self.rxs = list(rxs)
        always = 0
        by_literal: dict[str, int] = {}
        for i, rx in enumerate(self.rxs):
            rx.slot = i
            if rx._gate_rx is None:
                always |= 1 << i
            else:
                for g in rx.gate:
                    by_literal[g] = by_literal.get(g, 0) | (1 << i)
        self.always = always
        lits = sorted(by_literal)
        closure: dict[str, int] = {}
        for w in lits:
            bits = 0
            for k in range(1, len(w) + 1):
                bits |= by_literal.get(w[:k], 0)
            closure[w] = bits
        self._bits = closure
        self._rx = re.compile("(?=(" + _trie_regex(lits) + "))", re.DOTALL) if lits else None

    def mask(self, low: str) -> int:
        m = self.always
        if self._rx is not None:
            bits = self._bits
            for w in set(self._rx.findall(low)):
                m |= bits[w]
        return m
