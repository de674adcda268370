"""Property: the analyzer survives any claim text and its finding offsets stay inside the claim."""
from __future__ import annotations

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
