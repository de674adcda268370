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


_LITERAL_RUN = object()  # marks a run of consecutive literal characters in `_items`


def _items(items):
    """The parsed sequence with consecutive literals joined: (_LITERAL_RUN, frozenset([run])) or (op, av)."""
    run: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        if run:
            yield _LITERAL_RUN, frozenset(["".join(run).lower()])
            run = []
        yield op, av
    if run:
        yield _LITERAL_RUN, frozenset(["".join(run).lower()])


def _seq(items) -> frozenset | None:
    """Best gate for a sequence: a literal run, or any required sub-item, most selective first."""
    candidates: list[frozenset] = []
    for op, av in _items(items):
        sub = av if op is _LITERAL_RUN else _node(op, av)
        if sub:
            candidates.append(sub)
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


def _seq_all(items) -> list[frozenset]:
    """Every literal set a match of this sequence must hit (AND of ORs); see `literal_gates`."""
    out: list[frozenset] = []
    for op, av in _items(items):
        if op is _LITERAL_RUN:
            out.append(av)
        elif op is C.SUBPATTERN:
            out.extend(_seq_all(av[-1]))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            if av[0] >= 1:
                out.extend(_seq_all(av[2]))
        elif op is getattr(C, "ATOMIC_GROUP", None):
            out.extend(_seq_all(av))
        elif op is C.BRANCH:
            sub = _node(op, av)
            if sub:
                out.append(sub)
    return out


def _has_group_refs(items) -> bool:
    """Whether a parsed pattern uses back references or conditionals (group numbers matter)."""
    for op, av in items:
        if op in (C.GROUPREF, C.GROUPREF_EXISTS) or op is getattr(C, "GROUPREF_IGNORE", None):
            return True
        if op is C.SUBPATTERN and _has_group_refs(av[-1]):
            return True
        if op is C.BRANCH and any(_has_group_refs(b) for b in av[1]):
            return True
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)) and _has_group_refs(av[2]):
            return True
        if op in (C.ASSERT, C.ASSERT_NOT) and _has_group_refs(av[1]):
            return True
        if op is getattr(C, "ATOMIC_GROUP", None) and _has_group_refs(av):
            return True
    return False


def uses_group_numbers(rx: re.Pattern) -> bool:
    """Whether splitting `rx` into its alternatives would change what it matches."""
    return _has_group_refs(list(P.parse(rx.pattern, rx.flags)))


def _useful(g: frozenset) -> bool:
    return bool(g) and len(g) <= 64 and all(len(x) >= 3 and x.strip() == x for x in g)


def literal_gates(rx: re.Pattern, primary: frozenset | None) -> list[frozenset]:
    """Further literal sets (besides `primary`) that every match must also hit.

    Each set is necessary on its own (one of its literals occurs in any match), so a pattern
    whose sets are not all present in the lower-cased sentence cannot match. Only selective
    sets are kept (literals of 3+ characters, not too many): short literals would make the
    `Scanner` pass slower than the regexes it saves.
    """
    if primary is None:
        return []
    try:
        tree = P.parse(rx.pattern, rx.flags)
    except Exception:
        return []
    seen = {primary}
    out = []
    for g in _seq_all(list(tree)):
        if g not in seen and _useful(g):
            seen.add(g)
            out.append(g)
    return out


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
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}  # escape letter -> hex digits of the code it names
_ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _folds_to_ascii(c: str) -> bool:
    """Whether IGNORECASE lets this non-ASCII character match an ASCII letter (K, long s, dotless i ...)."""
    return any(re.fullmatch(re.escape(c), a, re.IGNORECASE) for a in _ASCII_LETTERS)


def _tree_ok(items) -> bool:
    """True when lower-casing the pattern's literals is exact on ASCII text (see `ascii_fold`)."""
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


def ascii_fold(rx: re.Pattern) -> re.Pattern | None:
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
            width = _HEX_ESCAPES.get(nxt)
            if width is not None:
                # A character by code: an ASCII one is folded like a literal; any other stays as
                # written (`_tree_ok` refused those IGNORECASE maps onto an ASCII letter).
                code = pattern[i + 2 : i + 2 + width]
                if len(code) != width or not all(c in "0123456789abcdefABCDEF" for c in code):
                    return None
                c = chr(int(code, 16))
                out.append(re.escape(c.lower()) if c.isascii() else pattern[i : i + 2 + width])
                i += 2 + width
                continue
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


def _scoped_ok(items, negative: bool = False) -> bool:
    """No construct under which dropping a `(?-i:...)` scope could lose a match (see `_relaxed`)."""
    for op, av in items:
        if op is C.SUBPATTERN:
            _group, add, dele, body = av
            if add or dele:
                if negative or add or dele != re.IGNORECASE:
                    return False
            if not _scoped_ok(body, negative):
                return False
        elif op is C.BRANCH:
            if not all(_scoped_ok(b, negative) for b in av[1]):
                return False
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            if not _scoped_ok(av[2], negative):
                return False
        elif op in (C.ASSERT, C.ASSERT_NOT):
            if not _scoped_ok(av[1], negative or op is C.ASSERT_NOT):
                return False
        elif op in (C.IN, C.LITERAL, C.NOT_LITERAL, C.AT, C.CATEGORY, C.ANY, C.NEGATE, C.RANGE):
            continue
        else:  # atomic groups, possessive repeats, group references: a wider match may commit elsewhere
            return False
    return True


def _count_scoped(items) -> int:
    n = 0
    for op, av in items:
        if op is C.SUBPATTERN:
            n += bool(av[1] or av[2]) + _count_scoped(av[3])
        elif op is C.BRANCH:
            n += sum(_count_scoped(b) for b in av[1])
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            n += _count_scoped(av[2])
        elif op in (C.ASSERT, C.ASSERT_NOT):
            n += _count_scoped(av[1])
    return n


def _relaxed(rx: re.Pattern) -> re.Pattern | None:
    """A necessary-condition twin of a case-insensitive regex with `(?-i:...)` scopes.

    Dropping the scopes gives a fully case-insensitive regex that matches wherever the original
    does (a scope only ever narrows; constructs where narrowing could widen elsewhere - negative
    lookarounds, atomic groups, back references - are refused), and `ascii_fold` turns that
    into an exact case-sensitive twin over the lower-cased sentence (ASCII text). So if the twin
    finds nothing, the original finds nothing; if the twin's leftmost match starts at p, the
    original cannot match before p and `rx.search(text, p)` is `rx.search(text)`.
    """
    if not rx.flags & re.IGNORECASE or "(?-i:" not in rx.pattern:
        return None
    try:
        tree = P.parse(rx.pattern, rx.flags)
        if not _scoped_ok(list(tree)) or _count_scoped(list(tree)) != rx.pattern.count("(?-i:"):
            return None
        wide = re.compile(rx.pattern.replace("(?-i:", "(?:"), rx.flags)
    except Exception:
        return None
    if wide.groups != rx.groups or wide.groupindex != rx.groupindex:
        return None
    return ascii_fold(wide)


class Rx:
    """A compiled regex with its gate; callers pass the sentence and its lower-cased copy.

    A case-insensitive pattern with no case-sensitive part is recompiled case-sensitively over
    the lower-cased sentence (several times faster in `re`); spans are identical because callers
    only pass a lower-cased copy of the same length. `_ascii_rx` is a stricter fold (it also
    handles named groups) used only for ASCII sentences, where it is exact.

    `slot` is the bit this regex owns in a `Scanner` mask (None when not in a scanner).
    """

    __slots__ = ("rx", "gate", "gates", "_gate_rx", "_low_rx", "_ascii_rx", "_pre", "slot", "req")

    def __init__(self, rx: re.Pattern):
        key = (rx.pattern, rx.flags)
        derived = _DERIVED.get(key)
        if derived is None:
            derived = _derive(rx)
            if len(_DERIVED) < 8192:
                _DERIVED[key] = derived
        self.rx = rx
        self.gate, self.gates, self._gate_rx, self._low_rx, self._ascii_rx, self._pre = derived
        self.slot = None
        self.req = None  # Scanner bits that must all be set (primary `slot` plus `gates`)

    def set_ascii_only(self) -> None:
        """Drop the lower-case twin (used on any same-length lower-casing) for the vetted ASCII fold."""
        if self._low_rx is not None:
            self._low_rx = None
            self._ascii_rx = ascii_fold(self.rx)
            self._pre = None if self._ascii_rx is not None else _relaxed(self.rx)

    def ascii_plan(self) -> tuple:
        """(mode, regex, regex2) for an ASCII sentence whose lower-cased copy is `low`:
        1: `regex.search(low)` is exact; 2: `regex` is the prefilter over `low` and `regex2`, run on
        the text from the prefilter's match start, is exact; 0: call `search_open`/`finditer_open`."""
        if self._low_rx is not None:
            return 1, self._low_rx, None
        if self._ascii_rx is not None:
            return 1, self._ascii_rx, None
        if self._pre is not None:
            return 2, self._pre, self.rx
        return 0, None, None

    def _prefilter(self, text: str, low: str):
        """None: no shortcut; -1: cannot match; else the first position a match can start at."""
        if self._pre is None or low is text or not text.isascii():
            return None
        m = self._pre.search(low)
        return -1 if m is None else m.start()

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
        return self.search_open(text, low)

    def finditer(self, text: str, low: str):
        if not self.open(low):
            return iter(())
        return self.finditer_open(text, low)

    # Ungated variants: the caller already knows the gate is open (a `Scanner` mask bit).
    def search_open(self, text: str, low: str):
        rx, s = self._pick(text, low)
        if rx is self.rx and self._pre is not None:
            p = self._prefilter(text, low)
            if p is not None:
                return None if p < 0 else rx.search(s, p)
        return rx.search(s)

    def finditer_open(self, text: str, low: str):
        rx, s = self._pick(text, low)
        if rx is self.rx and self._pre is not None:
            p = self._prefilter(text, low)
            if p is not None:
                return iter(()) if p < 0 else rx.finditer(s, p)
        return rx.finditer(s)


_DERIVED: dict[tuple[str, int], tuple] = {}  # pattern text and flags -> what `Rx` derives (see `_derive`)


def _derive(rx: re.Pattern) -> tuple:
    """(gate, further gates, gate regex, lower-case twin, ASCII twin, prefilter) for one regex.

    Pure functions of the pattern text and flags, so they are cached across rule reloads: a
    reload after one YAML file changes recompiles only the patterns whose text changed.
    """
    gate = literal_gate(rx)
    gates = literal_gates(rx, gate)
    gate_rx = re.compile("|".join(re.escape(g) for g in sorted(gate, key=len, reverse=True))) if gate else None
    low_rx = None
    if rx.flags & re.IGNORECASE and "(?-i" not in rx.pattern:
        try:
            low_rx = re.compile(_fold(rx.pattern), rx.flags & ~re.IGNORECASE)
        except re.error:
            low_rx = None
    ascii_rx = ascii_fold(rx) if low_rx is None else None
    pre = _relaxed(rx) if low_rx is None and ascii_rx is None else None
    return gate, tuple(gates), gate_rx, low_rx, ascii_rx, pre


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
    when `rx.open(low)` would be True; `rx` can match only if `mask & rx.req == rx.req` (its
    further gate sets, `Rx.gates`, each own one more bit).
    """

    def __init__(self, rxs):
        self.rxs = list(rxs)
        always = 0
        by_literal: dict[str, int] = {}
        extra = len(self.rxs)  # bits past the slots: one per further gate set (`Rx.gates`)
        for i, rx in enumerate(self.rxs):
            rx.slot = i
            rx.req = 1 << i
            if rx._gate_rx is None:
                always |= 1 << i
            else:
                for g in rx.gate:
                    by_literal[g] = by_literal.get(g, 0) | (1 << i)
                for gs in getattr(rx, "gates", ()):
                    rx.req |= 1 << extra
                    for g in gs:
                        by_literal[g] = by_literal.get(g, 0) | (1 << extra)
                    extra += 1
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
