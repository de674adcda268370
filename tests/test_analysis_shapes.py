"""Shapes real authors write (issue 12): the wrong flags it lists stay quiet, the misses it lists get
a finding. The sentences are ours (unit tests), not quality figures."""
from __future__ import annotations

import pytest

from packet_fixtures import packet_from_sentences
from promolint.analysis import analyze
from promolint.config import load_config

FLAG = {"warning", "error"}


@pytest.fixture(scope="module")
def config():
    return load_config()


def flagged(config, sentence: str) -> set[str]:
    review = analyze(packet_from_sentences([sentence]), config)
    return {f.rule for f in review.claims[0].findings if f.severity in FLAG}


@pytest.mark.parametrize("sentence", [
    # An explicit ownership split that names the other team.
    "Partnered with Payments to launch wallet top-ups; Payments owned the ledger and I owned the API, and top-ups reached 40K customers.",
    "We rebuilt the pricing pipeline; the platform team owned the cluster and I owned the pricing logic, which cut refunds 12%.",
    # The effect in a participle or relative clause.
    "Rewrote the checkout flow, cutting checkout time in half for 2M shoppers.",
    "Rebuilt the order cache, which reduced checkout errors for customers by 30%.",
    "Replaced the batch exporter, resulting in same-day reports for finance.",
    # A failure that belongs to someone else, or that the author prevented.
    "Found a race condition that would have corrupted orders, and fixed it before launch.",
    "After the vendor failed to deliver, I built the importer myself and onboarded 30 customers.",
    "Took over the integration when another squad missed the deadline, and the bank launched on time for 36M customers.",
    # Counts with an effect; ownership share; incident follow-up.
    "Conducted 20+ analyses that directly influenced C-level pricing decisions; 90% of my recommendations were implemented.",
    "I reviewed 23 PRs from teammates, and the team shipped the auth system two weeks early for 300 customers.",
    "I wrote 80% of the new billing engine myself, and it now bills 3M customers.",
    "Drove the postmortem and improvements after the cache system outage.",
    # Coordination as the way the author led.
    "Led the payment migration to Stripe, coordinating with finance and ops, which cut failed payments for customers from 3.2% to 1.9%.",
    # Praise as support for a claim, not the claim itself.
    "Since March I have written the design docs for the ledger cutover, which let 3 teams ship it without a meeting, and received consistent positive feedback.",
])
def test_no_wrong_flag(config, sentence):
    assert not flagged(config, sentence), sentence


def test_blame_clears_with_a_lesson(config):
    s = ("The launch slipped because the vendor missed the API date; the lesson I took was to build a stub "
         "on day one, which I now do on every integration.")
    assert "judgment.blame" not in flagged(config, s)


@pytest.mark.parametrize("sentence", [
    "fixed the flaky upload test and merged the PR @feature",
    "adding a way to force deploy via an environment variable",
    "implmented the new dashbaord for the sales team",  # typos do not hide the verb
    "Devloped a caching layer for the catalog pages and wired it into the API",
    "[x] reply to the hiring manager about the interview loop",
    "📈 Daily Progress - Showed up every day and kept learning",
    "Python Programming - Continued advancing programming skills and best practices",
])
def test_line_of_work_without_effect(config, sentence):
    assert "outcome.no-effect" in flagged(config, sentence), (sentence, flagged(config, sentence))


@pytest.mark.parametrize("sentence", [
    "fixed the flaky upload test, which cut failed deploys for customers from 9 a week to 1",
    "Pricing changes shipped in Q3 raised revenue per order by 4% for 2M shoppers.",
    "I did not do a public talk, deciding to focus on the metrics store instead, given its business impact.",
])
def test_line_of_work_with_effect_or_decision_is_not_no_effect(config, sentence):
    assert "outcome.no-effect" not in flagged(config, sentence), sentence


@pytest.mark.parametrize("sentence", [
    # The passive is the result of the author's act, or names its owner.
    "I created the architecture blueprint and a proof of concept. As a result, the project was delivered on time for 40 customers.",
    "During the widget project, Bob's design for the invigorator was delivered early, and 6 other teams adopted it.",
])
def test_passive_with_a_known_actor_is_not_agentless(config, sentence):
    assert "ownership.agentless-passive" not in flagged(config, sentence), (sentence, flagged(config, sentence))


def test_pushing_back_is_a_disagreement_not_a_bare_line(config):
    assert "outcome.no-effect" not in flagged(config, "T74382: pushing back on an inbound, low-quality code change from another team")


def test_a_bare_count_or_version_does_not_stand_in_for_an_effect(config):
    assert "outcome.no-effect" in flagged(config, "sent emails to two candidates @hiring")
    assert "outcome.no-effect" in flagged(config, "Led Data Vault 2.0 design for provider agreements entity")
    # A measured number still does: the engineering-metric rule speaks to it instead.
    assert "outcome.no-effect" not in flagged(config, "Cut p99 latency of the quote API from 900 ms to 250 ms")


def test_security_findings_are_an_effect(config):
    s = "Took on code reviews for teammates and identified three critical security vulnerabilities in the process."
    assert not flagged(config, s), flagged(config, s)


def test_a_trade_off_clears_a_line_of_work(config):
    s = "I shipped the cache without cross-region consistency, trading staleness of a few seconds for a far simpler failover."
    assert "outcome.no-effect" not in flagged(config, s)


# Misses the issue lists, each with the rule that must now speak.
@pytest.mark.parametrize("sentence, rule", [
    ("Teamed up cross-org with the billing folks to ship invoicing.", "ownership.collaboration"),
    ("I worked a lot with people from other teams on the search rollout.", "ownership.collaboration"),
    ("Coordinated across design, engineering, operations, and support", "ownership.collaboration"),
    ("Cleared my first design review.", "outcome.event-not-result"),
    ("Received positive comments from my lead on the migration plan and the rollout.", "outcome.event-not-result"),
    ("Positive peer review feedback", "outcome.event-not-result"),
    ("Accepted to the staff engineering leadership program this spring", "outcome.event-not-result"),
    ("The migration failed because the ops team did not provision the hosts in time.", "judgment.blame"),
    ("The executive didn't have visibility so it was under-resourced.", "judgment.blame"),
    ("I was right about the database choice but nobody listened.", "judgment.blame"),
    ("I single-handedly revolutionized our payment infrastructure.", "outcome.vague"),
    ("I guess I learned some things.", "outcome.self-description"),
    ("I completed my projects on time.", "outcome.table-stakes"),
    ("This feature solves the login problem.", "outcome.system-actor"),
    ("This new pipeline is an important step to moving off the old codebase.", "outcome.vague-result"),
    ("I came to the sprint meeting and the manager assigned me this ticket.", "outcome.event-not-result"),
    ("Impact: Laying groundwork for the AI transformation at the company", "outcome.no-effect"),
    ("Impact: Enables delegation of complex tasks, builds team capability", "outcome.no-effect"),
    ("Member of the Django Software Foundation", "outcome.self-description"),
    ("I’m a frequent point of contact for team stakeholders.", "outcome.self-description"),
    ("I feel I’ve made strong progress towards exceeding what is expected at my level.", "outcome.self-description"),
    ("I spent a lot of time mentoring and onboarding others.", "outcome.self-description"),
    ("I’ve been prioritizing business results, and the impact shows.", "outcome.vague-result"),
    ("However, I have helped Alex prepare for the university presentation.", "ownership.diluting-verb"),
    ("Consistent Learning - Maintained daily learning habits despite significant setbacks", "outcome.no-effect"),
])
def test_miss_now_flagged(config, sentence, rule):
    assert rule in flagged(config, sentence), (sentence, flagged(config, sentence))
