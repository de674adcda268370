"""Sentence spans: the boundaries a committee reader would draw, and fast enough per packet."""
from __future__ import annotations

import time

import pytest

from promolint.extractors.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize("text, expected", [
    ("I led the migration. It shipped in Q3.", ["I led the migration.", "It shipped in Q3."]),
    ("I cut toil, e.g. paging, by half. It stuck.", ["I cut toil, e.g. paging, by half.", "It stuck."]),
    ("One owner, i.e. me. Then review.", ["One owner, i.e. me.", "Then review."]),
    ("Kafka vs. Pulsar was my call. I chose Kafka.", ["Kafka vs. Pulsar was my call.", "I chose Kafka."]),
    ("Mentored Mr. Chen and Dr. Okafor. Both promoted.", ["Mentored Mr. Chen and Dr. Okafor.", "Both promoted."]),
    ("Saved approx. 40 hours a week. Team agreed.", ["Saved approx. 40 hours a week.", "Team agreed."]),
    ("Signed Acme Inc. The deal closed.", ["Signed Acme Inc.", "The deal closed."]),
    ("Shipped A, B, etc. Then stopped.", ["Shipped A, B, etc.", "Then stopped."]),
    ("Moved to the U.S. We grew. The U.S. Army agreed.", ["Moved to the U.S.", "We grew.", "The U.S. Army agreed."]),
    ("Conversion rose 9.1% to $2.3M. Costs fell.", ["Conversion rose 9.1% to $2.3M.", "Costs fell."]),
    ("Upgraded to v1.2.3 on Python 3.11. No outages.", ["Upgraded to v1.2.3 on Python 3.11.", "No outages."]),
    ("Worked with J. R. Smith on it. It worked.", ["Worked with J. R. Smith on it.", "It worked."]),
    ("We tried... and it worked. We tried... It failed.", ["We tried... and it worked.", "We tried...", "It failed."]),
    ("Waited… Then shipped.", ["Waited…", "Then shipped."]),
    ('He said "ship it." Then we did.', ['He said "ship it."', "Then we did."]),
    ("It helped (see the doc.) Then more.", ["It helped (see the doc.)", "Then more."]),
    ("It helped (see doc.) and then more.", ["It helped (see doc.) and then more."]),
    ("Did it! Really? Yes.", ["Did it!", "Really?", "Yes."]),
    ("Cut cost; improved latency; shipped it", ["Cut cost; improved latency; shipped it"]),
    ("Led the redesign\nCut p99 by 40%", ["Led the redesign", "Cut p99 by 40%"]),
    ("1. Did X. 2. Did Y.", ["1. Did X.", "2. Did Y."]),
    ("Grew revenue in 2023. 40% came from me.", ["Grew revenue in 2023.", "40% came from me."]),
    ("  padded sentence.   ", ["padded sentence."]),
    ("", []),
    ("   \n  ", []),
])
def test_sentence_boundaries(text, expected):
    assert sentences(text) == expected


def test_spans_are_trimmed_and_ordered():
    text = "  First one.  Second one.\n Third "
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["First one.", "Second one.", "Third"]
    assert all(a < b <= c for (a, b), (c, _) in zip(spans, spans[1:]))


def test_three_thousand_words_well_under_five_ms():
    para = ("I owned the rollout of the ledger service to 14 regions, e.g. EU and U.S. East. "
            "p99 latency fell from 900 ms to 120 ms; cost fell 9.1% ($2.3M a year). ")
    text = para * (3000 // len(para.split()) + 1)
    split_sentences(text)
    best = min(_timed(text) for _ in range(5))
    assert best < 0.005


def _timed(text: str) -> float:
    t0 = time.perf_counter()
    split_sentences(text)
    return time.perf_counter() - t0
