"""What the review says about the claims of real public documents (tests/data/real/packets, TUNE
split only): labelled weak claims get a comment, strong ones rarely do, rewrites quote whole phrases,
and the packet readings (dimensions, readiness, principle evidence) follow what the claims show.

Each packet's pandoc docx goes through the real extractor and analyze(); holdout packets are never
read here (bench/quality.py scores them once, separately).
"""
from __future__ import annotations

import re
import sys

import pytest

from conftest import REPO
from promolint.analysis import analyze
from promolint.config import load_config
from promolint.extractors import extract_packet
from rewrite_check import problems

sys.path.insert(0, str(REPO / "tests" / "data" / "real"))
from load import load_packets  # noqa: E402

TUNE = {p["name"]: p for p in load_packets(split="tune") if not p["template"]}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9%$]+", " ", text.lower()).split())


@pytest.fixture(scope="module")
def reviews():
    config = load_config()
    return {name: analyze(extract_packet(p["docx"].read_bytes(), name, config), config) for name, p in TUNE.items()}


def _claims_for(review, text: str):
    key = _norm(text)
    return [c for c in review.claims if _norm(c.text) and (_norm(c.text) in key or key in _norm(c.text))]


def test_most_weak_claims_get_a_comment_and_few_comments_sit_on_strong_ones(reviews):
    weak, commented, flagged, wrong = 0, 0, 0, 0
    for name, p in TUNE.items():
        for exp in p["claims"]:
            hits = [c for c in _claims_for(reviews[name], exp["text"]) if c.weak]
            flagged += len(hits)
            if exp["label"] == "weak":
                weak += 1
                commented += bool(hits)
            else:
                wrong += len(hits)
    assert commented / weak >= 0.85, (commented, weak)
    assert wrong / flagged <= 0.10, (wrong, flagged)


def test_no_rewrite_quotes_a_fragment_or_leaks_a_slot(reviews):
    bad = [(name, f.rule, problems(f.suggestion)) for name, r in reviews.items()
           for c in r.claims for f in c.findings if problems(f.suggestion)]
    assert bad == []


@pytest.mark.parametrize("name, text", [
    ("doerodney_accomplishments", "Linear modeling and ANOVA"),
    ("tcondit_accomplishments", "people manager"),
    ("srombauts_brag_2024_2025", "Unity VCS Package Roadmap revamp."),
    ("chuksugo_brag_2025", "Follow/unfollow users, generate feed, like/comment system, notification engine."),
    ("bahmutov_daily_log_2019_08", "team retrospective @internal"),
])
def test_a_bullet_that_only_names_a_topic_gets_one_verbless_line_comment(reviews, name, text):
    """narrative.topic-only or the sentence rules' outcome.no-act, never both (topic-only yields)."""
    (claim,) = _claims_for(reviews[name], text)
    rules = {f.rule for f in claim.findings if f.severity != "info"}
    assert len(rules & {"narrative.topic-only", "outcome.no-act"}) == 1, rules


def test_lead_in_lines_metadata_and_questions_are_not_called_topics(reviews):
    """'Long process:' introduces a list, 'Date: March 8, 2025' is metadata, a question is not a claim."""
    topics = [c.text for r in reviews.values() for c in r.claims
              if any(f.rule == "narrative.topic-only" for f in c.findings)]
    assert topics and not [t for t in topics if t.rstrip().endswith((":", "?")) or re.match(r"\W*date\s*:", t, re.I)]


def test_a_dated_log_line_is_judged_without_its_date_stamp_and_anchored_on_its_words(reviews):
    """'01/07/18: 🚗 Bought a car' reads as 'Bought a car'; the finding points past the stamp."""
    (claim,) = _claims_for(reviews["sekhri_accomplishments_2018"], "01/07/18: 🚗 Bought a car")
    f = next(f for f in claim.findings if f.severity != "info")
    assert claim.text[f.start:f.end].startswith("Bought")


def test_mentoring_a_head_count_is_not_a_business_result(reviews):
    (claim,) = _claims_for(reviews["brickey_accomplishment_log"], "Began mentoring 3 engineers")
    assert claim.weak


def test_labelled_fields_of_one_paragraph_are_read_as_separate_sentences(reviews):
    """'**Impact**: ... **Context**: ... **Skills**: ...' soft-wrapped into one paragraph: the impact
    is judged on its own, with the author as its actor, and the context is not glued to it."""
    r = reviews["twellman_accomplishments"]
    impact = [c for c in r.claims if c.text.startswith("Impact: Migrated data from 4 legacy systems")]
    assert len(impact) == 1 and "Context:" not in impact[0].text
    assert any(c.text.startswith("Context: ") and c.paragraph == impact[0].paragraph for c in r.claims)
    assert r.summary["ownership_ratio"]["ratio"] >= 0.75  # "Impact: Led ..." is the author acting


def test_a_packet_of_owned_quantified_business_results_is_not_called_not_ready(reviews):
    """twellman's claims carry owned money and cost results: Delivery scores and readiness follow."""
    s = reviews["twellman_accomplishments"].summary
    assert s["dimensions"]["delivery_results"]["score"] >= 60
    assert s["readiness"] == "needs work"
    # a packet with no business result at all stays where it was
    assert reviews["doerodney_accomplishments"].summary["readiness"] == "not ready"


def test_principle_evidence_comes_only_from_claims_that_show_work(reviews):
    """Topics, courses attended, goals and team mentions are never evidence for a principle."""
    for name, r in reviews.items():
        by_id = {c.id: c for c in r.claims}
        for e in r.summary["principles"]["with_evidence"]:
            for cid in e["claim_ids"]:
                rules = {f.rule for f in by_id[cid].findings if f.severity != "info"}
                assert not rules & {"narrative.topic-only", "outcome.activity-only", "outcome.duty-statement",
                                    "outcome.event-not-result"}, (name, e["principle"], rules)
    mvanni = reviews["mvanni_accomplishments"].summary
    assert mvanni["principles"]["with_evidence"] == []  # workshops attended and a course passed
    assert mvanni["dimensions"]["leadership"]["score"] == 0  # attending a workshop is not mentoring
    twellman = {e["principle"] for e in reviews["twellman_accomplishments"].summary["principles"]["with_evidence"]}
    assert {"Deliver Results", "Frugality"} <= twellman
