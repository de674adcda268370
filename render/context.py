"""The data the feedback templates see: the Review, normalised so templates never meet a missing key.

Only numbers, lists and packet text live here; every word the author reads is in the templates.
"""
from __future__ import annotations

from collections import defaultdict

from promolint.model import LAYERS, SEVERITY_RANK, STORY_PARTS as PARTS, ClaimReview, Finding, Review, Story



def _num(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _finding(f: Finding) -> dict:
    return {"rule": f.rule, "category": f.category, "severity": f.severity, "message": f.message,
            "suggestion": f.suggestion}


def _claim(c: ClaimReview) -> dict:
    findings = sorted(c.findings, key=lambda f: -SEVERITY_RANK.get(f.severity, 0))
    return {
        "id": c.id, "section": c.section, "subsection": c.subsection, "text": c.text, "layer": c.layer,
        "signals": list(c.signals), "findings": [_finding(f) for f in findings], "weak": c.weak,
        "rank": max((SEVERITY_RANK.get(f.severity, 0) for f in c.findings), default=-1),
    }


def _story(s: Story, claims: dict[str, dict]) -> dict:
    parts = {p: bool(s.parts.get(p)) for p in PARTS} if s.parts else {p: None for p in PARTS}
    own = [_finding(f) for f in s.findings]
    story_claims = [claims[i] for i in s.claim_ids if i in claims]
    return {
        "id": s.id, "title": s.title, "claims": story_claims, "parts": parts,
        "present": [p for p in PARTS if parts[p]], "missing": [p for p in PARTS if parts[p] is False],
        "findings": own, "question": s.question, "rewrite": s.rewrite, "strengths": list(s.strengths),
        "weak": any(f["severity"] != "info" for f in own) or any(c["weak"] for c in story_claims),
    }


def _summary(summary: dict, claims: dict[str, dict]) -> dict:
    mix = _dict(summary.get("layer_mix"))
    own = _dict(summary.get("ownership_ratio"))
    cov = _dict(summary.get("metric_coverage"))
    dims = _dict(summary.get("dimensions"))
    pri = _dict(summary.get("principles"))

    def evidence(ids) -> list[dict]:
        return [claims[i] for i in (ids or []) if isinstance(i, str) and i in claims]

    return {
        "layer_mix": [{"layer": k, "count": _num(_dict(mix.get(k)).get("count")),
                       "share": _num(_dict(mix.get(k)).get("share"))} for k in LAYERS],
        "ownership": {k: _num(own.get(k)) for k in ("owned", "diluted", "ratio")},
        "metric_coverage": {k: _num(cov.get(k)) for k in ("any_number", "business_number")},
        "dimensions": [{"key": k, "score": _num(_dict(dims.get(k)).get("score")),
                        "evidence": evidence(_dict(dims.get(k)).get("evidence"))}
                       for k in dims],  # the rules' dimensions (config/rules/*.yaml), in their order
        "principles_with": [{"principle": p.get("principle"), "claims": evidence(p.get("claim_ids"))}
                            for p in pri.get("with_evidence") or [] if isinstance(p, dict)],
        "principles_without": [p for p in pri.get("without") or [] if isinstance(p, str)],
        "principles_known": "with_evidence" in pri or "without" in pri,
        "readiness": summary.get("readiness") if isinstance(summary.get("readiness"), str) else None,
        "findings_by_severity": _dict(summary.get("findings_by_severity")),
        "claims": _num(summary.get("claims")),
        "weak_claims": _num(summary.get("weak_claims")),
    }


def _top_changes(review: Review, claims: dict[str, dict], weights: dict, limit: int) -> list[dict]:
    """Rules ranked by how much fixing them would move the packet: severity-weighted count
    (`ranking:` in the templates' feedback.yaml)."""
    score: dict[str, float] = defaultdict(float)
    first: dict[str, dict] = {}
    where: dict[str, list[dict]] = defaultdict(list)
    tagged = [(f, claims.get(c.id)) for c in review.claims for f in c.findings]
    tagged += [(f, None) for s in review.stories for f in s.findings]
    tagged += [(f, None) for f in review.packet_findings]
    for f, claim in tagged:
        score[f.rule] += weights.get(f.severity, 1.0)
        if f.rule not in first or (f.suggestion and (not first[f.rule]["suggestion"]
                                                     or _unfilled(f) < first[f.rule]["slots"])):
            first[f.rule] = {**_finding(f), "slots": _unfilled(f)}
        if claim is not None and claim not in where[f.rule]:
            where[f.rule].append(claim)
    ranked = sorted(score, key=lambda r: (-score[r], r))
    return [{**first[r], "count": len(where[r]) or 1, "claims": where[r]} for r in ranked[:limit]]


def _at_stake(stories: list[dict], weights: dict, limit: int) -> list[dict]:
    """The `limit` stories with most at stake (severity-weighted findings over their claims),
    kept in document order so the memo still reads like the packet."""
    def stake(st: dict) -> float:
        found = st["findings"] + [f for c in st["claims"] for f in c["findings"]]
        return sum(weights.get(f["severity"], 1.0) for f in found) + 0.1 * len(st["claims"])

    top = sorted(range(len(stories)), key=lambda i: (-stake(stories[i]), i))[:max(limit, 0)]
    shown, said = [stories[i] for i in sorted(top)], set()
    for st in shown:  # a sentence said for one story is not said again for the next
        st["fresh_findings"] = [f for f in st["findings"] if f["message"] not in said]
        st["fresh_rewrite"] = st["rewrite"] if st["rewrite"] not in said else None
        said.update(f["message"] for f in st["findings"])
        said.add(st["rewrite"])
    return shown


def _unfilled(f: Finding) -> int:
    """Angle-bracket slots left in a suggestion: a finding whose variables were empty has more."""
    return f.suggestion.count("<")


def _faq(claims: list[dict], stories: list[dict], limit: int) -> list[dict]:
    """Sharpest questions first: story questions, then the most severe weak claims, one per claim."""
    out, seen = [], set()
    for s in stories:
        if s["question"] and s["claims"]:
            out.append({"kind": "story", "question": s["question"], "claim": s["claims"][0],
                        "finding": s["findings"][0] if s["findings"] else None, "story": s["title"]})
            seen.add(s["claims"][0]["id"])
    weak = sorted((c for c in claims if c["weak"]), key=lambda c: (-c["rank"], -len(c["findings"])))
    for c in weak:
        if c["id"] not in seen:
            out.append({"kind": "claim", "question": None, "claim": c, "finding": c["findings"][0], "story": None})
            seen.add(c["id"])
    said = set()
    for q in out[:limit]:  # the same advice is given once, at the first question it answers
        advice = q["finding"]["suggestion"] if q["finding"] else ""
        q["advice"] = advice if advice not in said else ""
        said.add(advice)
    return out[:limit]


def _key(f: Finding, text: str | None) -> tuple[str, str]:
    return f.rule, " ".join((text or "").split())


def _all_findings(review: Review) -> dict[tuple[str, str], dict]:
    out: dict[tuple[str, str], dict] = {}
    for c in review.claims:
        for f in c.findings:
            out.setdefault(_key(f, c.text), {**_finding(f), "claim_text": c.text})
    for s in review.stories:
        for f in s.findings:
            out.setdefault(_key(f, s.title), {**_finding(f), "claim_text": s.title})
    for f in review.packet_findings:
        out.setdefault(_key(f, None), {**_finding(f), "claim_text": None})
    return out


def progress(review: Review, previous: Review | None) -> dict | None:
    """Findings resolved, new and remaining since `previous`, matched by rule id and claim text."""
    if previous is None:
        return None
    now, before = _all_findings(review), _all_findings(previous)
    return {
        "resolved": [before[k] for k in before if k not in now],
        "new": [now[k] for k in now if k not in before],
        "remaining": [now[k] for k in now if k in before],
    }


def build_context(review: Review, config, previous: Review | None, today, chart: str | None, manifest) -> dict:
    """`manifest`: the templates' feedback.yaml (render.env.Manifest), which sets the ranking."""
    # A placeholder's anchored finding is a packet-shape note, not a claim the memo counts.
    claims = [_claim(c) for c in review.claims if not c.findings or any(f.category != "structure" for f in c.findings)]
    by_id = {c["id"]: c for c in claims}
    stories = [_story(s, by_id) for s in review.stories]
    shown = _at_stake(stories, manifest.change_weights, manifest.stories_shown)
    packet = _dict(review.packet)
    rules = getattr(config, "rules", None)
    return {
        "packet": {
            "title": packet.get("title") or None,
            "author": packet.get("author") or None,
            "sections_reviewed": [s for s in packet.get("sections_reviewed") or [] if isinstance(s, str)],
            "what_you_did_found": packet.get("what_you_did_found", True) is not False,
            "sections_skipped": [s for s in packet.get("sections_skipped") or []
                                 if isinstance(s, dict) and isinstance(s.get("title"), str)],
            "template": packet.get("template") is True,
            "timeline": packet.get("timeline") is True,
        },
        "review_date": today,
        "summary": _summary(_dict(review.summary), by_id),
        "claims": claims,
        "weak_claims": [c for c in claims if c["weak"]],
        "stories": stories,
        "stories_shown": shown,
        "stories_folded": [st for st in stories if st not in shown],
        "packet_findings": [_finding(f) for f in review.packet_findings],
        "top_changes": _top_changes(review, by_id, manifest.change_weights, manifest.top_changes),
        "faq": _faq(claims, stories, manifest.faq_limit),
        "progress": progress(review, previous),
        "chart": chart,
        "rules": {
            "files": [getattr(p, "stem", str(p)) for p in getattr(rules, "files", []) or []],
            "disabled": list(getattr(rules, "disable", []) or []),
            "fired": sorted({f["rule"] for c in claims for f in c["findings"]}),
        },
    }
