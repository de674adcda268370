"""Realistic Review objects for the render tests, built directly so rendering is tested on its own.

Shaped like the analysis output (summary keys as agreed); text is invented.
"""
from __future__ import annotations

from types import SimpleNamespace

from promolint.config import TEMPLATES_DIR
from promolint.model import ClaimReview, Finding, Review, Story

OWN = Finding(rule="ownership.we", category="ownership", severity="warning",
              message="Says “we” without saying what you did.",
              suggestion="Name your part: the decision, design or code that was yours.")
NOMETRIC = Finding(rule="outcome.no_metric", category="outcome", severity="error",
                   message="Describes activity but not what changed for the business.",
                   suggestion="Add the before-and-after number the business cares about.")
VAGUE = Finding(rule="outcome.vague_improvement", category="outcome", severity="warning",
                message="“Improved” with no measure.", suggestion="Say by how much, measured how.")
NODECISION = Finding(rule="judgment.no_alternatives", category="judgment", severity="warning",
                     message="No decision or trade-off is visible.",
                     suggestion="Name the options you weighed and why you chose this one.")
TOOLS = Finding(rule="narrative.tool_list", category="narrative", severity="info",
                message="Lists tools rather than what they achieved.", suggestion="Drop the tool list or tie it to a result.")

_TEXTS = [
    ("s1", "We migrated the payments ledger from the monolith to a dedicated service.", "execution", [OWN, NOMETRIC]),
    ("s1", "I designed the dual-write cutover and wrote the reconciliation job that compared 40 million rows nightly.", "execution", []),
    ("s1", "The migration improved reliability for the finance team.", "outcome", [VAGUE]),
    ("s1", "Leveraged Kafka, Debezium, Terraform and Grafana to build the pipeline.", "execution", [TOOLS, OWN]),
    ("s2", "I led the incident review process for the payments org and rewrote the postmortem template.", "process", [NODECISION]),
    ("s2", "Postmortem action items closed within 30 days rose from 41% to 87% across six teams.", "outcome", []),
    ("s2", "We held weekly reviews with the SRE team.", "process", [OWN]),
    ("s3", "I chose to build idempotency keys into the public API instead of deduplicating downstream, because retries from three partners were double-charging customers.", "execution", []),
    ("s3", "Duplicate charges fell from 1,200 a month to under 10, saving an estimated $340k a year in refunds and support.", "outcome", []),
    ("s3", "The approach was adopted by the billing and payouts teams.", "outcome", [OWN]),
    ("s4", "I mentored two engineers who joined in 2024.", "process", [VAGUE]),
    ("s4", "Both now own on-call for the ledger service.", "outcome", []),
    ("s4", "We also worked on onboarding docs.", "process", [OWN, NOMETRIC]),
    (None, "Participated in hiring loops for the platform team.", "process", [NOMETRIC]),
]


def review(*, title="Promotion packet: Dana Reyes, L5 to L6", author="Dana Reyes", texts=_TEXTS,
           summary_overrides=None, story_titles=None) -> Review:
    claims = []
    for n, (story, text, layer, findings) in enumerate(texts):
        claims.append(ClaimReview(id=f"c{n + 1}", section="What You Did", subsection=story and f"Story {story}",
                                  paragraph=10 + n, offset=0, text=text, layer=layer, findings=list(findings)))
    titles = story_titles or {
        "s1": "Ledger migration", "s2": "Incident review process", "s3": "Idempotent payments API",
        "s4": "Growing the team"}
    stories = []
    parts = {
        "s1": {"situation": True, "complication": False, "decision": False, "outcome": False},
        "s2": {"situation": True, "complication": True, "decision": False, "outcome": True},
        "s3": {"situation": True, "complication": True, "decision": True, "outcome": True},
        "s4": {"situation": False, "complication": False, "decision": False, "outcome": True},
    }
    for sid, stitle in titles.items():
        ids = [c.id for c, t in zip(claims, texts) if t[0] == sid]
        strong = sid == "s3"
        stories.append(Story(
            id=sid, title=stitle, claim_ids=ids, parts=parts.get(sid, {}),
            findings=[] if strong else [Finding(rule="narrative.missing_parts", category="narrative",
                                                 severity="warning", message="The story does not say what was hard.")],
            question=None if strong else f"What would have happened to {stitle.lower()} without you?",
            rewrite=None if strong else "Situation in one sentence, the hard part, the call you made, the number that moved.",
            strengths=["Clear decision with the reason stated.", "Business number with a unit."] if strong else [],
        ))
    summary = {
        "layer_mix": {"execution": {"count": 5, "share": 5 / 14}, "process": {"count": 5, "share": 5 / 14},
                      "outcome": {"count": 4, "share": 4 / 14}},
        "ownership_ratio": {"owned": 6, "diluted": 5, "ratio": 6 / 11},
        "metric_coverage": {"any_number": 5 / 14, "business_number": 2 / 14},
        "dimensions": {
            "technical_excellence": {"score": 72, "evidence": ["c2", "c8"]},
            "delivery_results": {"score": 58, "evidence": ["c9"]},
            "judgment_and_communication": {"score": 44, "evidence": ["c8"]},
            "leadership": {"score": 35, "evidence": []},
        },
        "principles": {"with_evidence": [{"principle": "Customer Obsession", "claim_ids": ["c8", "c9"]},
                                         {"principle": "Ownership", "claim_ids": ["c2"]},
                                         {"principle": "Deliver Results", "claim_ids": ["c6"]}],
                       "without": ["Invent and Simplify", "Hire and Develop the Best", "Think Big"]},
        "readiness": "needs work",
        "findings_by_severity": {"error": 3, "warning": 9, "info": 1},
        "findings_by_rule": {},
        "claims": len(claims),
        "weak_claims": sum(1 for c in claims if c.weak),
    }
    summary.update(summary_overrides or {})
    return Review(packet={"source": "dana.docx", "title": title, "author": author,
                          "sections_reviewed": ["What You Did"], "what_you_did_found": True},
                  claims=claims, stories=stories,
                  packet_findings=[Finding(rule="narrative.no_summary_outcome", category="narrative", severity="info",
                                           message="The summary does not name a business result.")],
                  summary=summary)


def config(templates_dir=TEMPLATES_DIR):
    """The fields render reads; a full Config also works."""
    rules = SimpleNamespace(files=[], disable=[], severity={})
    return SimpleNamespace(templates_dir=templates_dir, rules=rules)


def large_review() -> Review:
    """A long, weak packet: seven stories, ~40 claims, most of them weak (the six-page stress case)."""
    texts = []
    for k in range(1, 8):
        for story, text, layer, findings in _TEXTS[:13]:
            if story in ("s1", "s2"):
                texts.append((f"t{k}", f"{text[:-1]} in phase {k}.", layer, findings))
    titles = {f"t{k}": f"Platform workstream {k}: migration, reliability and the rollout to partner teams"
              for k in range(1, 8)}
    r = review(texts=texts, story_titles=titles)
    for s in r.stories:
        s.parts = {"situation": True, "complication": False, "decision": False, "outcome": s.id != "t3"}
    return r
