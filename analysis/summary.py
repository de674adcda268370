"""Packet-level readings: the `Review.summary` dict a renderer reads.

Keys are stable (schema promolint.findings/1):

    layer_mix:            {"execution"|"process"|"outcome": {"count": int, "share": float 0..1}}
    ownership_ratio:      {"owned": int, "diluted": int, "ratio": float 0..1 | None}
                          owned = first-person claims with no ownership warning/error;
                          diluted = claims with an ownership warning/error; ratio = owned/(owned+diluted).
    metric_coverage:      {"any_number": float, "business_number": float}  (shares of claims, 0..1)
    dimensions:           {"technical_excellence"|"delivery_results"|"judgment_and_communication"|
                           "leadership": {"score": int 0..100, "evidence": [claim ids], "label": str}}
    principles:           {"with_evidence": [{"principle": str, "claim_ids": [..]}], "without": [str],
                           "source": str}
    readiness:            "strong" | "needs work" | "not ready"
    findings_by_severity: {"error": int, "warning": int, "info": int}   (claim + story + packet)
    findings_by_rule:     {rule id: int}
    claims:               int
    weak_claims:          int   (claims with any warning or error)
    context_claims:       int   (sentences that set the scene: no actor, no finding; not in layer_mix
                                 shares or the weak share, so layer_mix counts sum to claims - context_claims)
    context_claim_ids:    [claim ids] of those sentences
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


from promolint import cache
from promolint.analysis import gate
from promolint.analysis.engine import Signals
from promolint.analysis.gate import Rx, Scanner, ascii_fold
from promolint.analysis.rules import COMPUTED_SIGNALS, RuleSet, _alternation
from promolint.config import CONFIG_DIR, read_yaml_mapping
from promolint.errors import ConfigError
from promolint.model import LAYERS, ClaimReview, Finding



@lru_cache(maxsize=1)
def _thresholds() -> dict:
    """The readiness thresholds, data in config/readiness.yaml."""
    return read_yaml_mapping(CONFIG_DIR / "readiness.yaml", "readiness")


@dataclass
class Principle:
    name: str
    regex: re.Pattern | None
    signals: list[str]
    # Fast path for ASCII claims: the pattern's literal gate (a `Scanner` bit) and an exact
    # case-folded twin run over the lower-cased claim. None: always run `regex` on the text.
    fast: Rx | None = None
    folded: re.Pattern | None = None

    def search(self, text: str, mask: int | None, low: str | None) -> bool:
        """Same truth value as `bool(self.regex.search(text))`."""
        if self.regex is None:
            return False
        if mask is not None and self.folded is not None:
            if not (mask >> self.fast.slot) & 1:
                return False
            return self.folded.search(low) is not None
        return self.regex.search(text) is not None


class _Principles(tuple):
    """The loaded principles plus one `Scanner` over the gates of their fast paths."""

    scanner: Scanner | None = None


def _fast_paths(principles: list[Principle]) -> Scanner | None:
    fast = []
    for p in principles:
        if p.regex is None:
            continue
        folded = ascii_fold(p.regex)
        if folded is None:
            continue
        p.fast, p.folded = Rx(p.regex), folded
        fast.append(p.fast)
    return Scanner(fast) if fast else None


@lru_cache(maxsize=8)
def _load_principles(path: str, stamp: float) -> tuple[str, tuple[Principle, ...]]:
    # on disk like the rulesets: the gates and folded twins cost a cold start about 0.1 s
    return cache.cached_ruleset((path,), _build_principles, tuple, engine=(__file__, gate.__file__),
                                name="principles")


def _build_principles(files: tuple[str, ...]) -> tuple[str, tuple[Principle, ...]]:
    (path,) = files
    data = read_yaml_mapping(Path(path), "principles")
    items = data.get("principles")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: expected a non-empty 'principles' list")
    out = []
    for p in items:
        if not isinstance(p, dict) or not p.get("name"):
            raise ConfigError(f"{path}: every principle needs a name")
        pats = p.get("patterns") or []
        rx = _alternation(pats, f"{path}: principle {p['name']}", {}) if pats else None
        out.append(Principle(p["name"], rx, list(p.get("signals") or [])))
    scanner = _fast_paths(out)
    plist = _Principles(out)
    plist.scanner = scanner
    return data.get("name", Path(path).stem), plist


def load_principles(path) -> tuple[str, tuple[Principle, ...]]:
    p = Path(path)
    return _load_principles(str(p), p.stat().st_mtime if p.exists() else -1.0)


def _share(n: int, total: int) -> float:
    return round(n / total, 3) if total else 0.0


def summarize(
    claims: list[ClaimReview],
    sigs: list[Signals],
    ruleset: RuleSet,
    principles_path,
    story_findings: list[Finding],
    packet_findings: list[Finding],
) -> dict:
    n = len(claims)
    context = [is_context(c, sg, ruleset) for c, sg in zip(claims, sigs)]
    n_claims = n - sum(context)  # context sentences (the problem, not the author's work) are not layered
    layers = Counter(c.layer for c, ctx in zip(claims, context) if not ctx)
    layer_mix = {k: {"count": layers.get(k, 0), "share": _share(layers.get(k, 0), n_claims)} for k in LAYERS}

    owned = diluted = 0
    for c, s in zip(claims, sigs):
        own_bad = any(f.category == "ownership" and f.severity != "info" for f in c.findings)
        if own_bad:
            diluted += 1
        elif s.any(["first_person", "implicit_first_person", "i_action"]):
            owned += 1
    ratio = round(owned / (owned + diluted), 3) if owned + diluted else None

    any_num = sum(1 for s in sigs if s["has_number"])
    biz_num = sum(1 for s in sigs if s["business_number"])
    usable = [_shows_work(c, sg) for c, sg in zip(claims, sigs)]

    dimensions = score_dimensions(claims, sigs, ruleset)

    source, plist = load_principles(principles_path)
    scanner = getattr(plist, "scanner", None)
    scans = []  # (mask, lower-cased text) per claim; mask None: no fast path
    for c, ok in zip(claims, usable):
        if ok and scanner is not None and c.text.isascii():
            low = c.text.lower()
            scans.append((scanner.mask(low), low))
        else:
            scans.append((None, None))
    with_ev, without = [], []
    for p in plist:
        ids = [
            c.id
            for c, s, ok, (mask, low) in zip(claims, sigs, usable, scans)
            if ok and (p.search(c.text, mask, low) or any(_safe(s, x) for x in p.signals))
        ]
        (with_ev.append({"principle": p.name, "claim_ids": ids}) if ids else without.append(p.name))

    all_findings = [f for c in claims for f in c.findings] + story_findings + packet_findings
    by_sev = Counter(f.severity for f in all_findings)
    weak = sum(1 for c in claims if c.weak)
    summary = {
        "layer_mix": layer_mix,
        "ownership_ratio": {"owned": owned, "diluted": diluted, "ratio": ratio},
        "metric_coverage": {"any_number": _share(any_num, n), "business_number": _share(biz_num, n)},
        "dimensions": dimensions,
        "principles": {"with_evidence": with_ev, "without": without, "source": source},
        "findings_by_severity": {k: by_sev.get(k, 0) for k in ("error", "warning", "info")},
        "findings_by_rule": dict(sorted(Counter(f.rule for f in all_findings).items())),
        "claims": n,
        "weak_claims": weak,
        "context_claims": n - n_claims,
        "context_claim_ids": [c.id for c, ctx in zip(claims, context) if ctx],
    }
    summary["readiness"] = readiness(summary)
    return summary


_DEFAULT_PENALTY = {"error": 0.0, "warning": 0.5, "info": 1.0}
_OWNER_SIGNALS = ["first_person", "implicit_first_person", "i_action", "owner_verb"]


def _story_owned(claims: list[ClaimReview], sigs: list[Signals]) -> list[bool]:
    """Per claim: does its story (sub-heading, else paragraph) have the author acting in it?"""
    from promolint.analysis.stories import group

    out = [False] * len(claims)
    for idx in group(claims):
        owned = any(sigs[i].any(_OWNER_SIGNALS) for i in idx)
        for i in idx:
            out[i] = owned
    return out


def score_dimensions(claims: list[ClaimReview], sigs: list[Signals], ruleset: RuleSet) -> dict:
    """The four dimensions: {name: {score 0..100, evidence: [claim ids], label}}.

    Each claim earns credit per dimension from the weights of the signals it carries (the best
    weight plus `stack` times the others, capped at `cap`), scaled down by its findings
    (`penalty` per severity; a dimension's `penalty_rules` set a factor per rule, and its `ignore`
    list exempts rules). A claim whose
    ownership is diluted earns nothing; with `owned: true` neither does one in a story where the
    author never acts. The score saturates with the packet's total credit:
    100 * (1 - exp(-total / scale)), so counts of good evidence matter, not shares of a long packet.
    A dimension with only `any_of` (the older shape) gives each listed signal weight 1.
    """
    conf = ruleset.dimension_scoring or {}
    penalty = {**_DEFAULT_PENALTY, **(conf.get("penalty") or {})}
    stack = float(conf.get("stack", 0.25))
    cap = float(conf.get("cap", 1.5))
    story_owned = _story_owned(claims, sigs)
    diluted = [any(f.category == "ownership" and f.severity != "info" for f in c.findings) for c in claims]
    dims = {}
    for name, spec in ruleset.dimensions.items():
        credit = dict(spec.get("credit") or {}) or {n: 1.0 for n in spec.get("any_of", [])}
        ignore = set(spec.get("ignore") or [])
        by_rule = {k: float(v) for k, v in (spec.get("penalty_rules") or {}).items()}
        need_owned = bool(spec.get("owned", False))
        scale = float(spec.get("scale", 3.0))
        total, ev = 0.0, []
        for c, sg, own, dil in zip(claims, sigs, story_owned, diluted):
            if dil or (need_owned and not own):
                continue
            weights = sorted((w for sig_name, w in credit.items() if w > 0 and _safe(sg, sig_name)), reverse=True)
            if not weights:
                continue
            value = min(cap, weights[0] + stack * sum(weights[1:]))
            for f in c.findings:
                if f.rule in by_rule:
                    value *= by_rule[f.rule]
                elif f.rule not in ignore:
                    value *= penalty.get(f.severity, 1.0)
            if value <= 0:
                continue
            total += value
            ev.append((value, c.id))
        score = round(100 * (1 - math.exp(-total / scale))) if total else 0
        # Evidence in document order, strongest claims only when there are many.
        ids = [cid for _, cid in ev]
        dims[name] = {"score": score, "evidence": ids, "label": spec.get("label", name)}
    return dims


def is_context(claim: ClaimReview, sig: Signals, ruleset: RuleSet) -> bool:
    """A context sentence sets the scene (the outage, the loss, the constraint) rather than claiming
    work: execution layer, no warning or error, and none of the `layers.context_unless` signals
    (the author or the team acting). It is left out of the layer shares and the weak share."""
    if claim.layer != "execution" or claim.weak:
        return False
    unless = ruleset.layers.get("context_unless")
    if unless is None:
        return False
    return not sig.any(unless)


def _shows_work(claim: ClaimReview, sig: Signals) -> bool:
    """Whether a claim may stand as principle evidence (config/readiness.yaml `principle_evidence`):
    the author acts in it, it has no error, and no finding says it is not work shown (a topic, a
    course attended, a duty, a goal, a team merely mentioned)."""
    conf = _thresholds().get("principle_evidence") or {}
    blocked = set(conf.get("blocked_by") or ())
    categories = set(conf.get("blocked_categories") or ())
    for f in claim.findings:
        if f.severity == "error" or f.severity != "info" and (f.rule in blocked or f.category in categories):
            return False
    actors = conf.get("actor_signals")
    return not actors or sig.any(actors)


def _safe(sig: Signals, name: str) -> bool:
    if name not in sig.ruleset.signals and name not in COMPUTED_SIGNALS:
        raise ConfigError(f"principles: unknown signal {name!r}")
    return sig[name]


def readiness(s: dict) -> str:
    """'strong' / 'needs work' / 'not ready' from weak share, outcome share, ownership and metrics."""
    n = s["claims"]
    if not n:
        return "not ready"
    n = max(1, n - s.get("context_claims", 0))
    weak_share = s["weak_claims"] / n
    outcome = s["layer_mix"]["outcome"]["share"]
    ratio = s["ownership_ratio"]["ratio"]
    biz = s["metric_coverage"]["business_number"]
    NOT_READY, STRONG = _thresholds()["not_ready"], _thresholds()["strong"]
    # Enough owned, quantified results (a dimension score) outweigh a packet's many weak lines.
    floor = NOT_READY.get("unless_scores") or {}
    dims = s.get("dimensions") or {}
    held_up = bool(floor) and any(dims.get(k, {}).get("score", 0) >= v for k, v in floor.items())
    if not held_up and (
        weak_share >= NOT_READY["weak_share_min"]
        or outcome <= NOT_READY["outcome_share_max"]
        or (ratio is not None and ratio < NOT_READY["ownership_max"])
    ):
        return "not ready"
    if (
        weak_share <= STRONG["weak_share_max"]
        and outcome >= STRONG["outcome_share_min"]
        and (ratio or 0) >= STRONG["ownership_min"]
        and biz >= STRONG["business_min"]
    ):
        return "strong"
    return "needs work"
