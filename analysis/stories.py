"""Stories: claims grouped by sub-heading (else paragraph), their parts, questions and rewrites."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from promolint.analysis.engine import Hit, Signals, _finding, _matches, _severity, fill
from promolint.analysis.rules import Rule, RuleSet
from promolint.model import SEVERITY_RANK, STORY_PARTS as PARTS, ClaimReview, Story

@dataclass
class StoryState:
    story: Story
    claims: list[ClaimReview]
    signals: list[Signals]
    claim_hits: list[list[Hit]]
    hits: list[Hit] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.claims)

    def has(self, names: list[str]) -> bool:
        return any(s.any(names) for s in self.signals)

    def wording(self, part: str, key: str) -> str:
        """A story part's hint or shape, from the rules' `story_part_wording`."""
        return self.signals[0].ruleset.story_part_wording.get(part, {}).get(key, part)


def group(claims: list[ClaimReview]) -> list[list[int]]:
    """Indices of claims per story, in document order: by subsection, else by paragraph."""
    order: list[tuple] = []
    buckets: dict[tuple, list[int]] = {}
    for i, c in enumerate(claims):
        key = (c.section, "sub", c.subsection) if c.subsection else (c.section, "para", c.paragraph)
        if key not in buckets:
            buckets[key] = []
            order.append(key)
        buckets[key].append(i)
    return [buckets[k] for k in order]


def _title(claims: list[ClaimReview]) -> str:
    if claims[0].subsection:
        return claims[0].subsection
    words = claims[0].text.split()
    return " ".join(words[:6]) + (" …" if len(words) > 6 else "")


def build(claims: list[ClaimReview], sigs: list[Signals], hits: list[list[Hit]], ruleset: RuleSet, config) -> list[StoryState]:
    states = []
    for n, idx in enumerate(group(claims), start=1):
        cs = [claims[i] for i in idx]
        st = StoryState(
            story=Story(id=f"s{n}", title=_title(cs), claim_ids=[c.id for c in cs]),
            claims=cs,
            signals=[sigs[i] for i in idx],
            claim_hits=[hits[i] for i in idx],
        )
        st.story.parts = {p: st.has(ruleset.story_parts.get(p, [])) for p in PARTS}
        if len(cs) > 1 and not st.signals[0].any(["actor_sentence"]):
            st.story.parts["situation"] = True  # the story opens with context, not with an action
        _story_unless(st)
        _story_soften(st)
        _tidy(st)
        for rule in ruleset.story_rules:
            hit = _story_rule(rule, st, config)
            if hit:
                st.hits.append(hit)
        st.story.findings = [h.finding for h in st.hits]
        st.story.strengths = _strengths(st, ruleset)
        st.story.question = _question(st)
        st.story.rewrite = _rewrite(st)
        states.append(st)
    return states


def _story_unless(st: StoryState) -> None:
    """Drop claim findings a rule clears at story level (params.story_unless), e.g. an engineering
    metric whose business translation sits in another sentence of the same story."""
    for claim, hits in zip(st.claims, st.claim_hits):
        keep = [h for h in hits if not (h.rule.params.get("story_unless") and st.has(h.rule.params["story_unless"]))]
        if len(keep) != len(hits):
            hits[:] = keep
            claim.findings = [h.finding for h in keep]


def _story_soften(st: StoryState) -> None:
    """Lower a claim finding to info when its story already answers the committee's question
    (params.story_soften), e.g. "we ran six game days" in a story that says what the author owned,
    or a build step in a story that reports a business outcome. Lowers, never raises. Only a sentence that
    shares its paragraph or bullet with another is a step of the story's narrative; a one-sentence bullet is
    a claim on its own and must carry its own effect."""
    shared = None
    for claim, hits in zip(st.claims, st.claim_hits):
        for h in hits:
            names = h.rule.params.get("story_soften")
            if names and h.finding.severity != "info" and st.has(names):
                if shared is None:
                    paras = [c.paragraph for c in st.claims]
                    shared = {p for p in paras if paras.count(p) > 1}
                if claim.paragraph in shared:
                    h.finding.severity = "info"


# Words a truncated quote must not end on: "the health of the team and our" reads as broken.
_DANGLING = {
    "and", "or", "but", "our", "my", "the", "a", "an", "of", "to", "with", "for", "in", "on", "at", "by",
    "from", "their", "its", "his", "her", "your", "that", "which", "as", "into", "across", "while",
    "including", "so", "then", "this", "these", "those", "we", "i", "were", "was", "is", "are", "be",
}
# Participles reused after "I": "was rewritten by me" -> "I rewrote".
_PAST = {"written": "wrote", "rewritten": "rewrote", "done": "did", "redone": "redid", "taken": "took",
         "begun": "began", "driven": "drove", "run": "ran", "undertaken": "undertook", "given": "gave",
         "grown": "grew", "shown": "showed", "drawn": "drew"}
_AFTER_I = re.compile(r"(\b(?:I|you)\s+)\{(\w+)\}")
_BY_ME = re.compile(r"^by\s+(?:me|myself)\b\s*", re.IGNORECASE)
_SLOT = re.compile(r"\s*<[^<>]*>")
_SPACE_BEFORE_MARK = re.compile(r"\s+([?.,;:])")


def _trim(phrase: str) -> str:
    words = phrase.split()
    while words and words[-1].lower().strip(",;:") in _DANGLING:
        words.pop()
    return " ".join(words).rstrip(",;:")


def _verb_after_i(word: str) -> str:
    """The author's verb as it reads after "I": lower-cased ("Added" -> "added"), participles to past."""
    if not word:
        return word
    first, _, more = word.partition(" ")
    if first[:1].isupper() and first[1:].islower():
        first = first.lower()
    first = _PAST.get(first.lower(), first) if first.islower() else first
    return first + (" " + more if more else "")


def _tidy_vars(vars_: dict[str, str]) -> dict[str, str]:
    v = dict(vars_)
    for key in ("rest", "object"):
        if v.get(key):
            v[key] = _trim(_BY_ME.sub("", v[key])) or v[key]
    return v


def _refill(template: str, vars_: dict[str, str]) -> str:
    """`fill`, with the author's words lower-cased where they follow "I" or "you"."""
    if not template:
        return template
    after_i = {}

    def mark(m: re.Match) -> str:
        key = "_i_" + m.group(2)
        after_i[key] = _verb_after_i(vars_.get(m.group(2), ""))
        return m.group(1) + "{" + key + "}"

    tpl = _AFTER_I.sub(mark, template)
    return fill(tpl, {**vars_, **after_i})


def _tidy(st: StoryState) -> None:
    """Re-fill claim findings' texts with tidied variables (no dangling words, verbs that read after "I")."""
    for hits in st.claim_hits:
        for h in hits:
            if not h.vars:
                continue
            h.vars = _tidy_vars(h.vars)
            h.finding.message = _refill(h.rule.message, h.vars)
            h.finding.suggestion = _refill(h.rule.suggestion, h.vars)


def _story_rule(rule: Rule, st: StoryState, config) -> Hit | None:
    p = rule.params
    if len(st.claims) < int(p.get("min_claims", 1)):
        return None
    first = st.signals[0]
    vars_: dict[str, str] = {}
    if rule.check == "requires_part":
        if st.story.parts.get(p["part"], True):
            return None
    elif rule.check == "parts":
        missing = [x for x in PARTS if not st.story.parts.get(x)]
        if not missing:
            return None
        vars_["missing"] = _join(missing)
        vars_["missing_hint"] = "; ".join(st.wording(x, "hint") for x in missing)
    elif rule.check == "solution_first":
        ms = _matches(rule, st.claims[0].text)
        if not ms or ms[0][1] > 40 or first.any(["situation"]):
            return None
        vars_ = ms[0][3]
    elif rule.check == "occurrence":
        text = st.text
        low = text.lower()
        low = low if len(low) == len(text) else text
        found = {m.group(0).lower() for rx in rule.patterns for m in rx.finditer(text, low)}
        if len(found) < rule.min_count or any(st.story.parts.get(x) for x in p.get("absent_parts", [])):
            return None
        vars_["count"] = str(len(found))
    else:
        return None
    sev = _severity(rule, config, first)
    if sev is None:
        return None
    if rule.check == "parts" and set(missing) <= set(p.get("minor", [])):
        sev = "info"
    return _finding(rule, sev, vars_, None, None)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _strengths(st: StoryState, ruleset: RuleSet) -> list[str]:
    labels: list[str] = []
    for s in st.signals:
        for name in s.strong():
            label = ruleset.signals[name].label
            if label not in labels:
                labels.append(label)
    if st.has(["business_result"]) and "quantified business outcome" not in labels:
        labels.append("quantified business outcome")
    return labels


def _question(st: StoryState) -> str | None:
    """The skeptical committee question for the worst finding in the story (None if none)."""
    pool = [h for hs in st.claim_hits for h in hs if h.finding.severity != "info"] + [
        h for h in st.hits if h.finding.severity != "info"
    ]
    pool = [h for h in pool if h.rule.question]
    if not pool:
        return None
    top = max(pool, key=lambda h: SEVERITY_RANK[h.finding.severity])
    # A question is read, not filled in: a word the author did not write drops out instead of becoming a slot.
    question = _refill(top.rule.question, _tidy_vars(top.vars))
    return _SPACE_BEFORE_MARK.sub(r"\1", _SLOT.sub("", question)).strip()


def _rewrite(st: StoryState) -> str | None:
    """A fill-in shape: the author's own order, with placeholders only for what is missing."""
    if not st.hits and not any(h.finding.severity != "info" for hs in st.claim_hits for h in hs):
        return None
    parts = st.story.parts
    if all(parts.get(p) for p in PARTS):
        return None  # nothing to add: a shape of "(keep your ...)" only would be noise
    steps = [st.wording(p, "shape") if not parts.get(p) else f"(keep your {p})" for p in PARTS]
    return " ".join(steps)
