"""Property: the analyzer survives any claim text and its finding offsets stay inside the claim."""
from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promolint.config import load_config
from promolint.model import Claim, Packet, Section

from promolint import analysis
CONFIG = load_config()

# Mix of arbitrary unicode (RTL, combining marks, surrogates excluded) and promotion-ish words,
# so rules that only fire on English phrasing still get exercised.
WORDS = st.sampled_from([
    "I", "we", "led", "helped", "the", "team", "reduced", "latency", "by", "40%", "$1.2M", "p99",
    "ms", "users", "shipped", "Q3", "2024", "because", "so", "which", "—", ",", ".", "(", ")", "שלום",
    "مرحبا", "日本語", "e\u0301", "\u200b", "\t", "\n",
])
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=400),
    st.lists(WORDS, max_size=80).map(" ".join),
)


def _packet(texts: list[str]) -> Packet:
    claims = [Claim(id=f"c{i}", section="What You Did", paragraph=i, offset=0, text=t) for i, t in enumerate(texts)]
    return Packet(source="prop.docx", sections=[Section(title="What You Did", level=1, reviewed=True)], claims=claims)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_analyze_any_text(texts):
    review = analysis.analyze(_packet(texts), CONFIG)
    assert [c.text for c in review.claims] == texts  # text preserved, order kept
    for c in review.claims:
        for f in c.findings:
            if f.start is None:
                assert f.end is None
                continue
            assert 0 <= f.start <= f.end <= len(c.text), (f.rule, f.start, f.end, len(c.text))


def _rule_patterns() -> list[tuple[str, "re.Pattern"]]:
    rs = analysis.ruleset_for(CONFIG)
    out = [(f"signal {n}", rx.rx) for n, s in rs.signals.items() for rx in ([s.regex] if s.regex else []) + s.parts]
    out += [(f"rule {r.id}", rx.rx) for r in rs.rules.values() for rx in r.patterns]
    out += [(f"rule {r.id} exception", rx) for r in rs.rules.values() for rx in r.exceptions]
    return out


def _adversarial(pattern: "re.Pattern", size: int, share: float) -> str:
    """The first `share` of the pattern's own words repeated, commas but no sentence end: what
    makes a `[^.;]*` lookahead rescan the rest of the text from every position (a partial word
    list leaves out what a lookahead looks for, so it must scan all the way and fail)."""
    words = re.findall(r"[a-z]{2,}", pattern.pattern.lower()) or ["word"]
    unit = " ".join(words[: max(1, round(len(words) * share))][:400]) + ", "
    return (unit * (size // len(unit) + 1))[:size]


def _cost(pattern: "re.Pattern", text: str) -> float:
    best = float("inf")
    for _ in range(3):  # the minimum of a few runs resists noise on a shared machine
        t = time.perf_counter()
        sum(1 for _ in pattern.finditer(text))
        best = min(best, time.perf_counter() - t)
    return best


def test_rule_patterns_grow_linearly_on_long_sentences():
    """A 16x longer adversarial sentence may cost about 16x, never the 256x of a quadratic
    pattern. This compares growth, not absolute time; the factor (128x, half of quadratic) leaves room
    for a CPU shared with other jobs, where 64x was once reached by a linear pattern.
    Two screening sizes first, so a quadratic pattern fails fast instead of hanging at 100 KB."""
    def grows(rx, small, big, share):
        a, b = _cost(rx, _adversarial(rx, small, share)), _cost(rx, _adversarial(rx, big, share))
        return b > 128 * max(a, 1e-4), a, b

    slow = []
    for where, rx in _rule_patterns():
        for share in (0.5, 1.0):
            for small, big in ((625, 10_000), (6_250, 100_000)):
                bad, a, b = grows(rx, small, big, share)
                if bad and grows(rx, small, big, share)[0]:  # measured twice: a single slow run is noise
                    slow.append(f"{where}: {a * 1000:.1f} ms at {small} chars, {b * 1000:.1f} ms at {big}")
                    break
    assert not slow, "superlinear rule patterns:\n" + "\n".join(slow)
