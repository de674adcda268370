"""The four dimension scores: evidence density and quality, ordered the way a committee would."""
from pathlib import Path

import pytest

from promolint.analysis import analyze, ruleset_for
from packet_fixtures import packet_from_sentences, packet_from_yaml
from promolint.config import load_config

CFG = load_config()
ROOT = Path(__file__).resolve().parents[1]
PACKETS = sorted((Path(__file__).parent / "data" / "packets").glob("*.yaml"))
EXAMPLES = ROOT / "examples"
DIMS = ("technical_excellence", "delivery_results", "judgment_and_communication", "leadership")


def _scores(summary):
    return {k: summary["dimensions"][k]["score"] for k in DIMS}


@pytest.fixture(scope="module")
def labelled():
    out = []
    for p in PACKETS:
        packet, expected = packet_from_yaml(p)
        out.append((p.stem, expected["readiness"], _scores(analyze(packet, CFG).summary)))
    return out


def _by(labelled, readiness, dim):
    return [s[dim] for _, r, s in labelled if r == readiness]


@pytest.mark.parametrize("dim", ["delivery_results", "judgment_and_communication", "leadership"])
def test_strong_labelled_packets_beat_not_ready_ones(labelled, dim):
    assert min(_by(labelled, "strong", dim)) > max(_by(labelled, "not ready", dim))


@pytest.mark.parametrize("dim", DIMS)
def test_labelled_packets_order_by_readiness_on_average(labelled, dim):
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    strong, work, not_ready = (mean(_by(labelled, r, dim)) for r in ("strong", "needs work", "not ready"))
    assert strong > not_ready and work > not_ready
    if dim != "leadership":  # reach beyond the team is not what makes the small labelled packets strong
        assert strong > work


def test_not_ready_labelled_packets_are_low_everywhere(labelled):
    for name, r, s in labelled:
        if r == "not ready":
            assert max(s.values()) <= 30, (name, s)


@pytest.fixture(scope="module")
def examples():
    pytest.importorskip("docx")
    from promolint.pipeline import review_bytes

    out = {}
    for p in sorted(EXAMPLES.glob("0*.docx")):
        out[p.name[:2]] = _scores(review_bytes(p.read_bytes(), p.name, CFG).review.summary)
    if len(out) < 4:
        pytest.skip("example packets not built")
    return out


@pytest.mark.parametrize("dim", ["delivery_results", "judgment_and_communication", "leadership"])
def test_examples_order_strong_over_mixed_over_weak(examples, dim):
    s = {k: v[dim] for k, v in examples.items()}
    assert s["03"] > s["02"] > s["01"] and s["03"] > s["04"] > s["01"]


def test_examples_weak_low_everywhere_strong_high_everywhere(examples):
    assert max(examples["01"].values()) <= 40
    assert min(examples["03"].values()) >= 75
    assert examples["03"]["technical_excellence"] > max(examples[k]["technical_excellence"] for k in ("01", "02", "04"))


def _dims(sentences):
    return analyze(packet_from_sentences(sentences), CFG).summary["dimensions"]


STRONG_STORY = [
    "Refunds for late deliveries were costing $90K a month.",
    "I traced the late deliveries to a batching job that held orders for up to six hours.",
    "I proposed streaming dispatch instead of hourly batches, accepting a higher queue cost.",
    "Late deliveries fell from 8% to 2% and refunds dropped to $20K a month.",
    "The dispatch library is now used by five teams across two orgs.",
]


def test_scores_saturate_and_do_not_punish_length():
    short = _dims(STRONG_STORY)
    filler = ["I joined the weekly planning meeting."] * 40  # neutral sentences: no credit, no penalty
    long = _dims(STRONG_STORY + filler)
    for k in DIMS:
        assert long[k]["score"] == short[k]["score"], k
    more = _dims(STRONG_STORY * 6)
    for k in DIMS:
        assert short[k]["score"] <= more[k]["score"] <= 100


def test_weak_findings_remove_credit():
    strong = _dims(["Checkout conversion rose from 2.1% to 2.6% after I rebuilt the payment form, worth $1M a year."])
    diluted = _dims(["I helped rebuild the payment form, and checkout conversion rose from 2.1% to 2.6%, worth $1M a year."])
    assert strong["delivery_results"]["score"] > 0
    assert diluted["delivery_results"]["score"] == 0 and diluted["delivery_results"]["evidence"] == []


def test_output_only_claims_earn_no_technical_credit():
    d = _dims(["I built an internal feature-flag service.", "I wrote unit tests for the pricing module.",
               "Reviewed 140 pull requests this half."])
    assert all(v["score"] == 0 for v in d.values())


def test_dimension_weights_live_in_config():
    rs = ruleset_for(CFG)
    assert set(rs.dimensions) == set(DIMS)
    for spec in rs.dimensions.values():
        assert spec.get("credit") and spec.get("scale", 0) > 0
    assert rs.dimension_scoring["penalty"]["error"] == 0.0
