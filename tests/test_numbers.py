"""The number parser: kinds, units, business vs engineering, baselines and spans."""
import pytest

from promolint.analysis.numbers import parse_quantities


def one(text, i=0):
    qs = parse_quantities(text)
    assert qs, f"no quantity in {text!r}"
    return qs[i]


@pytest.mark.parametrize(
    "text, value, unit",
    [
        ("saving $2.3M a year", 2.3e6, "USD"),
        ("a 340K budget cut, in dollars", 340e3, ""),
        ("EUR 1.2 million in licences", 1.2e6, "EUR"),
        ("about £40k of spend", 40e3, "GBP"),
    ],
)
def test_money_and_magnitudes(text, value, unit):
    q = one(text)
    assert q.value == pytest.approx(value)
    if unit:
        assert q.kind == "money" and q.unit == unit and q.domain == "business"


def test_percent_and_points():
    q = one("conversion rose by 4%")
    assert (q.kind, q.value, q.baseline) == ("percent", 4.0, False)
    p = one("churn fell 2.5 percentage points")
    assert (p.kind, p.unit) == ("points", "pp")


def test_from_to_links_baseline_and_borrows_unit():
    a, b = parse_quantities("cutting ramp-up from ten weeks to five across the org")
    assert a.baseline and b.baseline
    assert (a.kind, a.unit, a.value) == ("duration", "week", 10)
    assert (b.kind, b.unit, b.value) == ("duration", "week", 5)
    assert a.pair == (b.start, b.end)


def test_spans_point_at_the_number():
    text = "I cut p99 latency from 900 ms to 250 ms."
    a, b = parse_quantities(text)
    assert text[a.start : a.end] == "900 ms" and text[b.start : b.end] == "250 ms"


@pytest.mark.parametrize(
    "text, domain",
    [
        ("I cut p99 latency of the quote API from 900 ms to 250 ms.", "engineering"),
        ("I reduced build times by 40%.", "engineering"),
        ("Raised unit test coverage from 55% to 85%.", "engineering"),
        ("Cut memory usage by 2 GB per pod.", "engineering"),
        ("checkout abandonment fell from 9.1% to 6.4%", "business"),
        ("customer-visible outages went from eight in 2024 to two in 2025", "business"),
        ("refund tickets fell by 4,200 a month", "business"),
        ("we launched six weeks earlier", "business"),
        ("saving about 9,000 engineer-hours a year", "business"),
    ],
)
def test_business_vs_engineering(text, domain):
    assert one(text).domain == domain


def test_rates_multipliers_counts():
    assert one("now serves 12M requests a day").kind == "rate"
    m = one("I made CI builds 3x faster")
    assert (m.kind, m.value, m.domain) == ("multiplier", 3.0, "engineering")
    assert one("Cut the Android crash rate in half.").value == 0.5
    c = one("used by 23 services across three orgs")
    assert (c.kind, c.value) == ("count", 23)


@pytest.mark.parametrize("text", ["In month 1 I traced the bug", "Shipped in 2024", "promoted to L6", "p99 latency was fine",
                                  "Reviewed PR: [#968] Enforce option order #1867", "Upgraded the icon package from version 4 to 6."])
def test_labels_and_years_are_not_quantities(text):
    assert parse_quantities(text) == []


def test_word_number_and_unit_free_one_ignored():
    assert parse_quantities("one confusing refund screen") == []
    assert one("freeing three engineers").value == 3


@pytest.mark.parametrize(
    "text,domain",
    [
        ("unit test coverage of the payments module from 41% to 87%", "engineering"),
        ("the fraud model's AUC from 0.81 to 0.86", "engineering"),
        ("firmware boot time from 9 s to 2.5 s", "engineering"),
        ("Kafka consumer lag from several minutes to under two seconds", "engineering"),
        ("replication lag between regions down to under one second", "engineering"),
        ("crash-free session rate from 99.1% to 99.6%", "engineering"),
        ("add-to-cart rate from 7.2% to 8.0%", "business"),
        ("click-through rate from 11.4% to 13.0%", "business"),
    ],
)
def test_metric_classes(text, domain):
    qs = parse_quantities(text)
    assert qs and qs[-1].domain == domain, [(q.text, q.domain, q.noun) for q in qs]


def test_shares_and_parameters_are_not_changes_without_baseline():
    a = parse_quantities("41% of node-hours were idle")[0]
    b = parse_quantities("the 10% holdout design")[0]
    c = parse_quantities("volume grew 23%")[0]
    assert a.baseline and b.baseline and not c.baseline


def test_vague_magnitudes_only_as_ends_of_from_to():
    qs = parse_quantities("from thousands of jobs to a few dozen")
    assert len(qs) == 2 and all(q.pair for q in qs)
    assert parse_quantities("made several services faster") == []


def test_model_scores():
    q = parse_quantities("Boosted precision of the fraud classifier to 0.97.")[0]
    assert (q.kind, q.domain) == ("score", "engineering")


@pytest.mark.parametrize(
    "text",
    [
        "Began mentoring 3 engineers to develop architectural capabilities",  # a head count sizes the work
        "Led teams of 14+ people across a matrix organisation",
        "Skied for ten minutes",  # a period the activity lasted
        "code coverage for all the releases in nearly two years",
        "Conducted 20+ analyses over 5 years",
    ],
)
def test_head_counts_and_periods_size_the_work_and_are_not_business_results(text):
    from promolint.analysis.numbers import summarize

    flags = summarize(parse_quantities(text))
    assert not flags["business_number"], [(q.text, q.domain) for q in parse_quantities(text)]
    assert not flags["measured_number"]


@pytest.mark.parametrize("text", ["freeing three engineers for the roadmap", "saved 40 engineers 2 hours a week",
                                  "we launched six weeks earlier", "cutting ramp-up from ten weeks to five"])
def test_people_freed_and_time_saved_stay_business(text):
    assert any(q.domain == "business" for q in parse_quantities(text))


@pytest.mark.parametrize("text, domain", [
    # The time the work took, or tenure, sizes the work; it is not a result anyone measured.
    ("Rebuilt the settings screen in 3 weeks.", "scope"),
    ("Platform engineer with 9 years of experience in storage.", "scope"),
    ("Page views grew by 40% over a 6 month period.", "scope"),
    # A deadline met after someone else missed it, or people's time, stays a business figure.
    ("Stepped in and delivered the integration within 2 weeks of the missed date.", "business"),
    ("Cut invoice approval from 9 days to 2 days.", "business"),
])
def test_delivery_time_and_tenure_are_scope(text, domain):
    durations = [q for q in parse_quantities(text) if q.kind == "duration"]
    assert durations and durations[-1].domain == domain, (text, durations)


def test_a_count_after_to_measures_the_metric_before_it():
    q = parse_quantities("Crash reports fell to 3 a week after the fix.")[0]
    assert q.domain == "business", q
