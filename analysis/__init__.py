"""Analysis: turn a `Packet` into a `Review` the way a skeptical promotion committee reads it.

`analyze(packet, config)` is the entry point; `list_rules` and `explain_rule` serve the CLI.
Rules, signals and principles are data (config/rules/*.yaml, config/principles/*.yaml); see
analysis/rules.py for the rule shapes and analysis/summary.py for the summary keys.
"""
from __future__ import annotations

import difflib

from promolint.analysis import stories as _stories
from promolint.analysis.engine import check_claim, layer_of
from promolint.analysis.rules import RuleSet, effective_severity, load_ruleset
from promolint.analysis.summary import summarize
from promolint.analysis.structure import placeholder_reviews, structure_findings
from promolint.deadline import check_deadline
from promolint.model import Claim, ClaimReview, Finding, Packet, Review

__all__ = ["analyze", "list_rules", "explain_rule", "UnknownRule", "ruleset_for"]


class UnknownRule(KeyError):
    """A rule id that no loaded rules file defines."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.args[0]


def _config(config):
    if config is None:
        from promolint.config import load_config

        return load_config()
    return config


def ruleset_for(config) -> RuleSet:
    return load_ruleset(tuple(_config(config).rules.files))


def analyze(packet: Packet, config=None) -> Review:
    """Review every claim of the packet; group stories; compute the packet-level summary."""
    config = _config(config)
    ruleset = ruleset_for(config)
    reviews: list[ClaimReview] = []
    sigs, hits = [], []
    for i, c in enumerate(packet.claims):
        if not i % 128:
            check_deadline()  # the per-packet limit must hold in worker threads too
        h, sig, _ = check_claim(c.text, ruleset, config)
        if c.kind != "paragraph" and h:  # a rule may stay out of a kind of block (params.skip_in)
            h = [x for x in h if c.kind not in (x.rule.params.get("skip_in") or ())]
        h.sort(key=lambda x: (x.finding.start if x.finding.start is not None else -1, x.finding.rule))
        fields = dict(
            id=c.id, section=c.section, subsection=c.subsection, paragraph=c.paragraph,
            offset=c.offset, text=c.text, layer=layer_of(sig, ruleset),
            signals=sig.strong(), findings=[x.finding for x in h],
        )
        # The claim is a validated model and the rest is built here with the right types.
        reviews.append(ClaimReview.model_construct(**fields) if type(c) is Claim else ClaimReview(**fields))
        sigs.append(sig)
        hits.append(h)
    states = _stories.build(reviews, sigs, hits, ruleset, config)
    packet_findings = _packet_findings(states, sigs, ruleset, config) + structure_findings(packet, config)
    story_findings = [f for st in states for f in st.story.findings]
    return Review(
        packet={
            "source": packet.source,
            "title": packet.title,
            "author": packet.author,
            "sections_reviewed": packet.sections_reviewed,
            "sections_skipped": packet.sections_skipped,
            "what_you_did_found": packet.what_you_did_found,
            "what_you_did_match": packet.what_you_did_match,
            "template": packet.template,
            "timeline": packet.timeline,
        },
        claims=reviews + placeholder_reviews(packet, config),
        stories=[st.story for st in states],
        packet_findings=packet_findings,
        summary=summarize(reviews, sigs, ruleset, config.principles, story_findings, packet_findings),
    )


def _packet_findings(states, sigs, ruleset: RuleSet, config) -> list[Finding]:
    from promolint.analysis.engine import _finding

    out = []
    for rule in ruleset.rules.values():
        if rule.level != "packet":
            continue
        sev = effective_severity(rule, config)
        if sev is None:
            continue
        p = rule.params
        names = p.get("signals", [])
        if rule.check == "story_count":
            count = sum(1 for st in states if st.has(names))
            if count > int(p.get("max", 0)):
                out.append(_finding(rule, sev, {"count": str(count), "max": str(p.get("max", 0))}, None, None).finding)
        elif rule.check == "absent_signal":
            if len(sigs) >= int(p.get("min_claims", 1)) and not any(s.any(names) for s in sigs):
                out.append(_finding(rule, sev, {}, None, None).finding)
    return out


def list_rules(config=None) -> list[dict]:
    """One row per rule: id, severity (after overrides), category, level, enabled, example."""
    config = _config(config)
    rows = []
    for r in ruleset_for(config).rules.values():
        sev = effective_severity(r, config)
        rows.append({
            "id": r.id, "severity": sev or r.severity, "enabled": sev is not None,
            "category": r.category, "level": r.level, "example": r.example,
        })
    return sorted(rows, key=lambda x: x["id"])


def _rationale_ref(link: str) -> str:
    """A relative link names a file beside the embedded rules (config/rationale.md ships with them)."""
    from promolint.config import CONFIG_DIR

    return link if "://" in link or not link else f"{CONFIG_DIR / link.split('#')[0]}#{link.partition('#')[2]}"


def explain_rule(rule_id: str, config=None) -> str:
    """Plain-text explanation for `promolint explain RULE`."""
    config = _config(config)
    rules = ruleset_for(config).rules
    r = rules.get(rule_id)
    if r is None:
        near = difflib.get_close_matches(rule_id, list(rules), n=3)
        hint = f" Did you mean {', '.join(near)}?" if near else ""
        raise UnknownRule(f"Unknown rule '{rule_id}'.{hint} Run `promolint rules` to list rule ids.")
    sev = effective_severity(r, config)
    lines = [
        f"{r.id} ({r.category}, {sev or 'disabled'}, {r.level} level)",
        "",
        "Why: " + r.rationale if r.rationale else "",
        "Message: " + r.message,
        "Suggestion: " + r.suggestion if r.suggestion else "",
        "Example: " + r.example if r.example else "",
        "Rationale: " + _rationale_ref(r.link),
    ]
    return "\n".join(x for x in lines if x is not None).replace("\n\n\n", "\n\n").strip() + "\n"
