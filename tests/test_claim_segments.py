"""How a line is cut into what the rules read: labelled fields, date stamps, checkboxes, emoji and
log tags are layout; findings still point at the author's words in the original line."""
from __future__ import annotations

import pytest

from promolint.analysis import ruleset_for
from promolint.analysis.engine import check_claim
from promolint.config import load_config
from promolint.extractors.sentences import split_sentences

CONFIG = load_config()
RULES = ruleset_for(CONFIG)


def pieces(text):
    return [text[a:b] for a, b in split_sentences(text)]


def test_labelled_fields_glued_into_one_paragraph_split_at_each_label():
    text = ("Impact: Cut query latency by 60%; kept uptime at 99.5% Context: Legacy systems could not handle "
            "growth Skills: ETL architecture, Python/SQL Keywords: Snowflake")
    assert pieces(text) == ["Impact: Cut query latency by 60%; kept uptime at 99.5%",
                            "Context: Legacy systems could not handle growth",
                            "Skills: ETL architecture, Python/SQL", "Keywords: Snowflake"]


@pytest.mark.parametrize("text", [
    "Mentoring Program Started: Began mentoring 3 engineers (Martin Rivera, Jason Seger) to grow",
    "I chose Postgres over Mongo: the team knew it. Then I shipped it.",
])
def test_a_line_that_does_not_open_with_a_field_label_is_not_split_at_colons(text):
    assert "".join(pieces(text)).replace(" ", "") == text.replace(" ", "") and len(pieces(text)) <= 2


def _weak_spans(text):
    hits, _, _ = check_claim(text, RULES, CONFIG)
    return [(h.finding.rule, text[h.finding.start:h.finding.end]) for h in hits
            if h.finding.severity != "info" and h.finding.start is not None]


@pytest.mark.parametrize("text, word", [
    ("01/07/18: \U0001F697 Bought a car", "Bought"),
    ("2024-03-01 - Bought a car", "Bought"),
    ("March 15, 2025: Rebuilt the pricing service", "Rebuilt"),
    ("[x] Bought a car", "Bought"),
    ("Impact: Rebuilt the pricing service", "Rebuilt"),
])
def test_a_lead_in_stamp_or_label_is_skipped_and_the_finding_lands_on_the_verb(text, word):
    spans = _weak_spans(text)
    assert spans and all(s.startswith(word) for _, s in spans), spans


def test_trailing_log_tags_are_not_read_as_the_claim():
    assert _weak_spans("Bought a car @personal @life") == _weak_spans("Bought a car")


@pytest.mark.parametrize("text, quoted", [
    ("AWS Certified Developer - Associate", "AWS Certified Developer - Associate"),
    ("Full blogging system with user profiles, markdown posts, tagging.", "Full blogging system with user profiles"),
    ("people manager", "people manager"),
])
def test_a_topic_comment_quotes_a_whole_phrase_of_the_line(text, quoted):
    hits, _, _ = check_claim(text, RULES, CONFIG)
    (f,) = [h.finding for h in hits if h.finding.rule in ("narrative.topic-only", "outcome.no-act")]
    assert f'"{quoted}"' in f.message and text[f.start:f.end] == quoted


@pytest.mark.parametrize("text", ["Integrates Google Maps API with geolocation", "Building agent systems",
                                  "The service handles 3M requests a day", "Long process:", "Date: March 8, 2025",
                                  "Why not just use the commands?", "I'm proud of this", "Rebuilt the pricing service"])
def test_a_line_with_a_clause_is_not_a_topic(text):
    hits, _, _ = check_claim(text, RULES, CONFIG)
    assert "narrative.topic-only" not in {h.finding.rule for h in hits}


def test_a_rule_yields_to_a_sharper_rule_that_fired_on_the_same_line(tmp_path):
    """params.yields_to: one comment, not two, where two rules cover one class of line."""
    from promolint.analysis.rules import load_ruleset

    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - {id: t.broad, category: narrative, message: broad, patterns: ['topic'], params: {yields_to: [t.sharp, t.absent]}}\n"
        "  - {id: t.sharp, category: outcome, message: sharp, patterns: ['sharp topic']}\n", encoding="utf-8")
    rules = load_ruleset((str(path),))
    fired = lambda text: sorted(h.finding.rule for h in check_claim(text, rules, CONFIG)[0])  # noqa: E731
    assert fired("a sharp topic") == ["t.sharp"]
    assert fired("a plain topic") == ["t.broad"]  # an id that never fires (t.absent) changes nothing
