"""Rewrite suggestions quote a whole phrase of the author's or none (issue 12): on the real tune
packets and on sentences of the shapes the issue found garbled."""
from __future__ import annotations

import pytest

from packet_fixtures import packet_from_sentences
from promolint.analysis import analyze
from promolint.config import load_config
from promolint.extractors import extract_packet
from rewrite_check import problems
from data.real.load import load_packets


@pytest.fixture(scope="module")
def config():
    return load_config()


def _suggestions(review):
    return [(c.text, f.rule, f.suggestion) for c in review.claims for f in c.findings]


def test_checker_rejects_the_garbled_shapes():
    assert problems('Add the result, e.g. "I wrote a blog post https, which <cut/raised what> from <before> to <after>."')
    assert problems('Name the part of "the service from EC2 instances managed" you owned.')
    assert problems('Say what you owned, e.g. "I owned <my part of !>; they owned <their part>."')
    assert problems('e.g. "We <rest>; I owned <your part>."')
    assert problems('Name the part of "BrowserView for electron testing @feature" you owned.')
    # A collective subject whose verb was cut away: "We mainly; I owned ...".
    assert problems('Keep the team credit and add your boundary, e.g. "We mainly; I owned <your part> and decided <your decision>."')
    assert not problems('Keep the team credit and add your boundary, e.g. "We rebuilt the pricing pipeline; I owned <your part>."')
    assert not problems('Add the result, e.g. "I built the ranking service, which <cut/raised what> from <before> to <after>."')


def test_real_tune_packets_have_no_garbled_rewrite(config):
    seen = 0
    for p in load_packets(split="tune"):
        review = analyze(extract_packet(p["docx"].read_bytes(), p["name"], config), config)
        for _, rule, suggestion in _suggestions(review):
            seen += 1
            assert not problems(suggestion), (p["name"], rule, problems(suggestion))
    assert seen > 100  # the packets do draw comments


@pytest.mark.parametrize("sentence, rule, quoted", [
    ("Wrote a blog post https://example.com/post about retries @blog", "outcome.output-only", "I wrote a blog post,"),
    ("Added MIT license to the images repo @feature", "outcome.output-only", "I added MIT license,"),
    ("Created an example showing how to get code coverage", "outcome.output-only", "I created an example,"),
    ("Built an awesome new tool to help people record screencasts", "outcome.output-only", "I built an awesome new tool,"),
    ("I migrated the service from EC2 instances managed by hand to Kubernetes.", "outcome.output-only",
     "I migrated the service,"),
    ("I helped with the platform rewrite of the billing system.", "ownership.diluting-verb", '"the platform rewrite of the billing system"'),
    # A noun compound with an "-ing" head is one phrase; a thousands separator is not a stop.
    ("Implemented retry handling for the card reader.", "outcome.output-only", "I implemented retry handling,"),
    ("Wrote 12,000 lines of Go for the importer.", "outcome.output-only", "I wrote 12,000 lines of Go,"),
    # A past participle after a noun opens a modifier ("scripts used in"); after "the" it is an adjective.
    ("Contributed improvements to the build scripts used in the nightly release.", "ownership.diluting-verb",
     '"the build scripts"'),
    ("Helped with the redesigned onboarding flow.", "ownership.diluting-verb", '"the redesigned onboarding flow"'),
])
def test_quoted_phrase_is_whole(config, sentence, rule, quoted):
    review = analyze(packet_from_sentences([sentence]), config)
    found = [s for _, r, s in _suggestions(review) if r == rule]
    assert found, (sentence, _suggestions(review))
    assert quoted in found[0]
    assert not problems(found[0])


def test_no_phrase_means_no_quote(config):
    # A tail that is a clause, not a noun phrase, is not quoted back at all.
    review = analyze(packet_from_sentences(["I wrote an example people can see online."]), config)
    found = [s for _, r, s in _suggestions(review) if r == "outcome.output-only"]
    assert found and "people can see" not in found[0] and not problems(found[0])


def test_an_infinitive_after_a_partner_is_not_quoted_as_the_part_owned(config):
    # "joined forces with X to work on Y": "to work" is the start of a clause, not the object of a part.
    review = analyze(packet_from_sentences(["Joined forces with Priya to work on the billing export."]), config)
    found = [s for _, r, s in _suggestions(review) if r == "ownership.collaboration"]
    assert found and "to work" not in found[0] and not problems(found[0]), found


def test_committee_questions_on_real_packets_never_carry_a_slot(config):
    """A question is read as the committee's words: "<what>" or "<rest>" in it is a leak, not a slot."""
    asked, full = 0, 0
    for p in load_packets(split="tune"):
        review = analyze(extract_packet(p["docx"].read_bytes(), p["name"], config), config)
        for story in review.stories:
            if story.question:
                asked += 1
                assert "<" not in story.question and ">" not in story.question, (p["name"], story.title)
            if all(story.parts.values()):
                full += 1
                assert story.rewrite is None, (p["name"], story.title)  # nothing to add: no "(keep your ...)" shape
    assert asked > 20 and full > 0
