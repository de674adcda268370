"""The small engine: evaluate signals and claim-level rules on one sentence.

Everything domain-specific lives in config/rules/*.yaml; this module only knows the rule shapes
(existence, occurrence, number) and how to fill a message template.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from promolint.analysis.numbers import Quantity, parse_quantities, summarize
from promolint.analysis.rules import Rule, RuleSet, effective_severity
from promolint.model import SEVERITY_RANK, Finding

_SEV_BY_RANK = {v: k for k, v in SEVERITY_RANK.items()}
_REST_STOP = re.compile(r"[,.](?!\d)|[;:()]|\s(?:which|so|because|while|and\s+(?:I|we)|but)\s")  # "12,000" is one word
# The lead of a phrase that is not its object: "to work on X" -> "X"; "to work" alone has none.
_LEAD_TO_VERB = re.compile(r"^(?:to\s+\w+|on|in|with|for|the\s+\w+\s+team\s+to\s+\w+)(?:\s+|$)", re.IGNORECASE)


class Signals:
    """Lazy, memoised truth values of named signals for one piece of text.

    The sentence is lower-cased and scanned for every gate literal once (`RuleSet.scanner`);
    a regex whose gate bit is clear cannot match and is never run.
    """

    __slots__ = ("text", "low", "ascii", "ruleset", "memo", "mask", "_plans")

    def __init__(self, text: str, ruleset: RuleSet, quantities: list[Quantity]):
        self.text = text
        low = text.lower()
        self.low = low if len(low) == len(text) else text  # same object: no lower-cased fast path
        self.ascii = text.isascii()
        self.ruleset = ruleset
        self.memo: dict[str, bool] = summarize(quantities)
        scanner = ruleset.scanner
        self.mask = scanner.mask(self.low) if scanner is not None else None
        self._plans = ruleset.signal_plans

    def _search(self, rx) -> bool:
        mask = self.mask
        if mask is not None and rx.slot is not None:
            req = rx.req
            if mask & req != req:
                return False
            return rx.search_open(self.text, self.low) is not None
        return rx.search(self.text, self.low) is not None

    def __getitem__(self, name: str) -> bool:
        try:
            return self.memo[name]
        except KeyError:
            return self._eval(name)

    def _eval(self, name: str) -> bool:
        memo = self.memo
        memo[name] = False  # breaks accidental cycles in data
        regex, parts, any_of, all_of, none_of, positive, steps = self._plans[name]
        if regex is None:
            v = False
        elif self.ascii and self.mask is not None:
            # The same dispatch as `_search` on each part, decided once per load (`_ascii_step`).
            v = False
            mask, low = self.mask, self.low
            for req, mode, rx1, rx2, rx in steps:
                if mask & req != req:
                    continue
                if mode == 1:
                    if rx1.search(low) is not None:
                        v = True
                        break
                elif mode == 2:
                    m = rx1.search(low)
                    if m is not None and rx2.search(self.text, m.start()) is not None:
                        v = True
                        break
                elif self._search(rx):
                    v = True
                    break
        elif parts and self.ascii:
            v = False
            for rx in parts:
                if self._search(rx):
                    v = True
                    break
        else:
            v = self._search(regex)
        if not v and any_of:
            for n in any_of:
                if memo[n] if n in memo else self._eval(n):
                    v = True
                    break
        if all_of:
            v = (v or not positive) and all(self[n] for n in all_of)
        if v and none_of:
            v = not any(self[n] for n in none_of)
        v = bool(v)
        memo[name] = v
        return v

    def any(self, names: list[str]) -> bool:
        memo = self.memo
        for n in names:
            if memo[n] if n in memo else self._eval(n):
                return True
        return False

    def strong(self) -> list[str]:
        memo = self.memo
        return [n for n in self.ruleset.strong_signals if (memo[n] if n in memo else self._eval(n))]


@dataclass
class Hit:
    """A finding plus the template variables that produced it (for story questions)."""

    finding: Finding
    rule: Rule
    vars: dict[str, str] = field(default_factory=dict)


class _Template(string.Formatter):
    def get_value(self, key, args, kwargs):
        v = kwargs.get(key)
        return v if v else f"<{key}>"


_FMT = _Template()


_COMPILED: dict[str, tuple | None] = {}


def _compile_template(template: str) -> tuple | None:
    """(literal, field name) pairs when every field is a plain `{name}`; None: use the Formatter."""
    try:
        parts = list(_FMT.parse(template))
    except ValueError:
        return None
    out = []
    for literal, name, spec, conv in parts:
        if name is not None and (not name.isidentifier() or spec or conv):
            return None
        out.append((literal, name))
    return tuple(out)


def fill(template: str, vars_: dict[str, str]) -> str:
    try:
        parts = _COMPILED[template]
    except KeyError:
        parts = _COMPILED[template] = _compile_template(template) if len(_COMPILED) < 4096 else None
    if parts is None:
        try:
            return _FMT.format(template, **vars_)
        except (ValueError, IndexError, KeyError):
            return template
    out = []
    missing = False
    for literal, name in parts:
        out.append(literal)
        if name is not None:
            v = vars_.get(name)
            missing |= not v
            out.append(format(v, "") if v else f"<{_SLOT.get(name, 'what')}>")
    return _tidy("".join(out)) if missing else "".join(out)


_SLOT = {"verb": "did", "match": "did", "partner": "whom"}
# An empty variable must not leak its own name (it reads as a plain slot instead): a quoted one becomes "this work", one nested in
# a rewrite slot drops out of it ("<my part of <object>>" -> "<my part>").
_QUOTED_SLOT = re.compile(r'"<\w+>"')
_NESTED_SLOT = re.compile(r"\s*(?:of\s+|for\s+|in\s+)?<\w+>(?=[^<>]*>)")


def _tidy(text: str) -> str:
    return _NESTED_SLOT.sub("", _QUOTED_SLOT.sub('"this work"', text))


# What the author wrote after a match is quoted back only as a whole phrase: links, @tags, markup
# and emoji drop out, the phrase ends before the next preposition, conjunction or relative word,
# and a phrase that would still end on a function word (or run past `max_words`) is not quoted at all.
_LINKS = re.compile(r"https?://\S+|www\.\S+|(?<!\w)@[\w/.-]+|\[[ xX]?\]")
_NOISE = re.compile(r"\*\*|__|[^\w\s'’&%$€£/.,+#-]")  # a comma left in the tail is inside a number
_CUT = frozenset(
    "from to for with by in on at into onto over under across through via using based about after before "
    "during without within between against as like than and or but so because while that which who whom "
    "whose where when if then - – — : since until upon per including such along how why what whether".split())
_DANGLING = frozenset("a an the of my our your their his her its this that these those some any each every "
                      "more most very new old other several many few all both first second last next major key main "
                      "critical".split())
_LEAD_PREP = frozenset("with from across between about among".split())
# "-ing" heads of noun compounds ("error handling for", "load balancing in"): not a participle that opens a clause.
_ING_NOUNS = frozenset("handling processing logging monitoring caching testing routing pricing billing onboarding "
                       "training tracking reporting scheduling scaling indexing sharding batching balancing streaming "
                       "rendering loading parsing matching ranking forecasting modeling modelling planning alerting "
                       "profiling tracing versioning packaging messaging networking hosting labeling labelling tooling "
                       "provisioning flagging".split())
_PARTICIPLES = frozenset("used built written made done taken given known seen shown held kept led sent".split())
_BY_ME = re.compile(r"^\s*by\s+(?:me|myself)\b", re.IGNORECASE)
_WH = frozenset("how why what whether".split())
# An auxiliary or modal inside the tail means a clause began ("an example people can see"): no phrase.
_AUX = frozenset("is are was were be been being am has have had can could will would should may might must "
                 "do does did".split())


def _rest(text: str, end: int, max_words: int = 8) -> str:
    tail = _BY_ME.sub("", _LINKS.sub(" ", text[end:])).strip()
    m = _REST_STOP.search(tail)
    if m:
        tail = tail[: m.start()]
    words = _NOISE.sub(" ", tail).split()
    if len(words) > 1 and words[0].lower() in _LEAD_PREP:
        words = words[1:]  # "helped with the rewrite": the phrase is "the rewrite"
    for i, w in enumerate(words):
        low = w.lower()
        # A participle after a noun starts a modifier clause ("an answer pointing to", "instances managed by").
        nxt = words[i + 1].lower() if i + 1 < len(words) else ""
        prev = words[i - 1].lower() if i else ""
        if i and (low in _CUT or (low.endswith("ing") and len(low) > 5 and low not in _ING_NOUNS
                                  and prev not in _DANGLING
                                  and (nxt in _CUT or nxt in _DANGLING or nxt in _WH))
                  # ... and so does a past participle before a preposition or at the end ("scripts used in").
                  or ((low in _PARTICIPLES or (low.endswith("ed") and len(low) > 4 and not low.endswith(("eed", "hundred"))))
                      and prev not in _DANGLING and prev not in _AUX and (not nxt or nxt in _CUT))):
            words = words[:i]
            break
        if low in _AUX:
            return ""
    if len(words) > max_words:
        return ""
    while words and (words[-1].lower() in _DANGLING or words[-1].lower() in _CUT):
        words.pop()
    return " ".join(words).strip(" .'’-")


# A partner named by a pronoun reads as a subject in "{partner} owned <their part>".
_SUBJECT = {"him": "he", "her": "she", "them": "they", "me": "I", "us": "we", "people": "they", "others": "they"}


def _span(m: re.Match) -> tuple[int, int]:
    """The span `_vars` reports for a match (its `focus` group when that matched text), without the vars."""
    if "focus" in m.re.groupindex and m.group("focus"):
        return m.span("focus")
    return m.span()


def _vars(text: str, m: re.Match) -> tuple[dict[str, str], int, int]:
    # Read group text from the original sentence: the match may run over its lower-cased copy.
    groups = {k: text[m.start(k) : m.end(k)].strip() for k, v in m.groupdict().items() if v}
    start, end = _span(m)
    vars_ = dict(groups)
    vars_["match"] = text[start:end]
    vars_["rest"] = _rest(text, end if "partner" not in groups else m.end())
    lead = _LEAD_TO_VERB.match(vars_["rest"])
    vars_["object"] = vars_["rest"][lead.end():] if lead else vars_["rest"]
    vars_["partner"] = _SUBJECT.get(vars_.get("partner", "").lower(), vars_.get("partner") or "the other team")
    if "verb" in groups:
        vars_["verb"] = groups["verb"]
    return vars_, start, end


def _overlaps(a: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def _exception_spans(rule: Rule, text: str) -> list[tuple[int, int]]:
    return [m.span() for rx in rule.exceptions for m in rx.finditer(text)]


def _severity(rule: Rule, config, sig: Signals) -> str | None:
    sev = effective_severity(rule, config)
    if sev is None:
        return None
    if rule.downgrade and sig.any(rule.downgrade):
        sev = _SEV_BY_RANK[max(0, SEVERITY_RANK[sev] - 1)]  # strong signals lower, never raise
    return sev


def _finding(rule: Rule, sev: str, vars_: dict[str, str], start: int | None, end: int | None) -> Hit:
    fields = dict(
        rule=rule.id,
        category=rule.category,
        severity=sev,
        message=fill(rule.message, vars_),
        suggestion=fill(rule.suggestion, vars_),
        start=start,
        end=end,
    )
    if (
        type(rule.id) is str and type(rule.category) is str and sev in SEVERITY_RANK
        and type(fields["message"]) is str and type(fields["suggestion"]) is str
        and (start is None or type(start) is int) and (end is None or type(end) is int)
    ):
        f = Finding.model_construct(**fields)  # already the validated types: skip pydantic validation
    else:
        f = Finding(**fields)
    return Hit(f, rule, vars_)


def _select(q: Quantity, select: dict) -> bool:
    if "domain" in select and q.domain != select["domain"]:
        return False
    if "baseline" in select and q.baseline != select["baseline"]:
        return False
    kinds = select.get("kind")
    if kinds and q.kind not in kinds and not (select.get("or_paired") and q.pair):
        return False
    return True


# A list marker ("- ", "• ", "* ", "1. ", "(a) ") is layout, not wording: rules see the sentence
# without it and findings are shifted back onto the original text.
# So are a checkbox, a leading date stamp ("01/07/18:", "2024-03-01 -", "March 15, 2025:") and an emoji.
_BULLET_SHAPE = (
    r"^\s*(?:(?:[-\u2013\u2014\u2022\u00b7\u25aa\u25e6\u2023\u25ba\u2192*>+]+|\(?\d{1,2}[.)]|\(?[a-zA-Z]\)|\[[ xX]?\]"
    r"|(?:\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})\s*[:\u2013\u2014-]?"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?\s*[:\u2013\u2014]"
    r"|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200d]+"
    # A short label before a verb-led claim: "Impact: Migrated ...", "Crisis Recovery - Found ...".
    # The verbs are data: narrative.yaml's LEAD_VERB (the irregular pasts live there once).
    r"|(?-i:[A-Z])[\w&/()'\u2019 .-]{0,40}?(?::|\s[\u2013\u2014-])(?=\s+(?:$LEAD_VERB)\b))\s+)+(?=\S)"
)
_BULLET_BY_RULESET: dict[int, tuple[RuleSet, re.Pattern]] = {}


def _bullet(ruleset: RuleSet) -> re.Pattern:
    """The list-marker and lead-in regex of this rule set, compiled once per load."""
    got = _BULLET_BY_RULESET.get(id(ruleset))
    if got is None or got[0] is not ruleset:
        shape = _BULLET_SHAPE if "LEAD_VERB" in ruleset.vars else _BULLET_SHAPE.replace("$LEAD_VERB", "(?!)")
        got = _BULLET_BY_RULESET[id(ruleset)] = (ruleset, re.compile(ruleset.expand(shape), re.IGNORECASE))
    return got[1]

# Trailing @tags of a work log ("... @feature @internal") label the line; they are not wording.
_TAGS = re.compile(r"(?:\s+@[\w-]+)+\s*$")
# A trailing date tag ("(Oct)", "(Q3 2024)", "(H1)") is a timestamp, not part of the claim.
_DATE_TAG = re.compile(
    r"\s*\((?:(?:early|mid|late)[\s-])?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|"
    r"january|february|march|april|june|july|august|september|october|november|december|"
    r"q[1-4]|h[12]|fy\s?\d{2,4}|(?:19|20)\d\d)\.?(?:[\s/,\u2013-]+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|"
    r"q[1-4]|h[12]|(?:19|20)?\d\d)\.?){0,2}\)(?=[.!;]?\s*$)",
    re.IGNORECASE,
)


def check_claim(text: str, ruleset: RuleSet, config) -> tuple[list[Hit], Signals, list[Quantity]]:
    """All claim-level findings on one sentence, plus its signals and quantities."""
    m = _bullet(ruleset).match(text)
    shift = m.end() if m else 0
    tags = _TAGS.search(text, shift) if "@" in text else None
    stop = tags.start() if tags else len(text)
    t = _DATE_TAG.search(text, shift, stop)
    if shift or t or tags:
        body = text[shift : t.start() if t else stop] + (text[t.end():stop] if t else "")
        hits, sig, qs = _check_claim(body, ruleset, config)
        if shift:
            for h in hits:
                f = h.finding
                if f.start is not None:
                    f.start += shift
                if f.end is not None:
                    f.end += shift
        return hits, sig, qs
    return _check_claim(text, ruleset, config)


def _check_claim(text: str, ruleset: RuleSet, config) -> tuple[list[Hit], Signals, list[Quantity]]:
    qs = parse_quantities(text)
    sig = Signals(text, ruleset, qs)
    hits: list[Hit] = []
    mask = sig.mask
    memo = sig.memo
    steps_of = ruleset.claim_steps if sig.ascii and mask is not None else None
    for k, (rule, bits) in enumerate(zip(ruleset.claim_rules, ruleset.claim_bits)):
        if rule.when and not all(sig[n] for n in rule.when):
            continue
        if rule.extends == "number":
            hit = _number_rule(rule, text, qs, sig, config)
            if hit:
                hits.append(hit)
            continue
        if mask is not None and not mask & bits:
            continue  # no pattern's gate is open: no match
        if rule.unless and any(map(memo.get, rule.unless)):
            continue  # an `unless` signal already known true skips the rule below anyway
        if steps_of is not None:
            steps = steps_of[k]
            for st in steps:
                if mask & st[0] == st[0]:
                    break
            else:
                continue  # every pattern misses one of its required literals: no match
            matches = _matches_ascii(rule, text, sig.low, mask, steps)
        else:
            matches = _raw_matches(rule, text, sig.low, mask)
        if not matches:
            continue
        if rule.extends == "occurrence":
            distinct = {text[s:e].lower() for _, s, e, _ in matches}
            if len(distinct) < rule.min_count:
                continue
        if rule.unless and sig.any(rule.unless):
            continue
        sev = _severity(rule, config, sig)
        if sev is None:
            continue
        # Template variables (the quoted phrase after a match is the costly part) only for the
        # matches that become findings.
        if rule.extends == "occurrence":
            _, s, e, m = matches[0]
            hits.append(_finding(rule, sev, dict(_vars(text, m)[0], count=str(len(distinct))), s, e))
            continue
        for _, s, e, m in matches if rule.per_match else matches[:1]:
            hits.append(_finding(rule, sev, _vars(text, m)[0], s, e))
    if len(hits) > 1:  # a rule may stand down where a sharper one fired (params.yields_to; unknown ids are ignored)
        fired = {h.rule.id for h in hits}
        hits = [h for h in hits if not fired.intersection(h.rule.params.get("yields_to") or ())]
    return hits, sig, qs


def _matches(rule: Rule, text: str, low: str | None = None, mask: int | None = None) -> list[tuple[int, int, int, dict]]:
    """(pattern index, start, end, vars) of each match not covered by an exception, in text order.

    `mask` is the sentence's `Scanner` mask (from `Signals`); without it each pattern checks
    its own gate.
    """
    return [(i, s, e, _vars(text, m)[0]) for i, s, e, m in _raw_matches(rule, text, low, mask)]


def _raw_matches(rule: Rule, text: str, low: str | None = None, mask: int | None = None) -> list[tuple]:
    """`_matches` with the re.Match in place of its vars (see `_vars`)."""
    if low is None:
        low = text.lower()
        low = low if len(low) == len(text) else text
    out = []
    excluded = None
    every = rule.per_match or rule.extends == "occurrence"
    for i, rx in enumerate(rule.patterns):
        if mask is not None and rx.slot is not None:
            req = rx.req
            if mask & req != req:
                continue
            it = rx.finditer_open(text, low)
        else:
            it = rx.finditer(text, low)
        excluded = _take_matches(rule, text, i, it, every, out, excluded)
    out.sort(key=lambda t: t[1])
    return out


def _take_matches(rule: Rule, text: str, i: int, it, every: bool, out: list, excluded):
    """Append one pattern's accepted matches to `out`; returns the exception spans (computed lazily,
    once per rule and sentence)."""
    for m in it:
        if excluded is None:
            excluded = _exception_spans(rule, text) if rule.exceptions else []
        s, e = _span(m)
        if e <= s or (excluded and _overlaps((s, e), excluded)):
            continue
        out.append((i, s, e, m))
        if not every:
            break
    return excluded


def _matches_ascii(rule: Rule, text: str, low: str, mask: int, steps: tuple) -> list[tuple]:
    """`_raw_matches` for an ASCII sentence with a scanner mask, with each pattern's dispatch
    (`RuleSet.claim_steps`) decided once per load; same results."""
    out = []
    excluded = None
    every = rule.per_match or rule.extends == "occurrence"
    for i, (req, mode, rx1, rx2, rx) in enumerate(steps):
        if mask & req != req:
            continue
        if mode == 1:
            it = rx1.finditer(low)
        elif mode == 2:
            m = rx1.search(low)
            if m is None:
                continue
            it = rx2.finditer(text, m.start())
        else:
            it = rx.finditer_open(text, low)
        excluded = _take_matches(rule, text, i, it, every, out, excluded)
    out.sort(key=lambda t: t[1])
    return out


def _number_rule(rule: Rule, text: str, qs: list[Quantity], sig: Signals, config) -> Hit | None:
    chosen = [q for q in qs if _select(q, rule.select)]
    if not chosen or (rule.unless and sig.any(rule.unless)):
        return None
    sev = _severity(rule, config, sig)
    if sev is None:
        return None
    q = chosen[0]
    start, end = q.start, q.end
    if q.pair:
        start, end = min(start, q.pair[0]), max(end, q.pair[1])
    vars_ = {"match": text[start:end], "rest": _rest(text, end), "unit": q.unit, "noun": q.noun}
    return _finding(rule, sev, vars_, start, end)


def layer_of(sig: Signals, ruleset: RuleSet) -> str:
    """Impact Pyramid layer: the highest layer whose signals the claim carries."""
    for layer in ("outcome", "process"):
        if sig.any(ruleset.layers.get(layer, [])):
            return layer
    return "execution"
