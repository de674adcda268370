"""Quantities in a claim: money, percentages, durations, rates, multipliers and counts.

The outcome rules and metric coverage need to know not just *that* a sentence has a number, but
whether it is a business number (money, customers, people's time) or an engineering one (latency,
CPU, build time), and whether it has a baseline ("from X to Y"). Parsing is regex-only and
deterministic so it costs microseconds per sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

Kind = str  # "money" | "percent" | "points" | "duration" | "rate" | "multiplier" | "count"
Domain = str  # "business" | "engineering" | "scope" (head counts, periods) | "unknown"

_WORDS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "dozen": 12, "half": 0.5, "one": 1,
}
_MAG = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}
_CUR = {"$": "USD", "us$": "USD", "usd": "USD", "dollars": "USD", "€": "EUR", "eur": "EUR", "euros": "EUR",
        "£": "GBP", "gbp": "GBP", "pounds": "GBP"}
_DUR = {"ms": "ms", "millisecond": "ms", "milliseconds": "ms", "µs": "us", "us": "us", "s": "s", "sec": "s",
        "secs": "s", "second": "s", "seconds": "s", "min": "min", "mins": "min", "minute": "min",
        "minutes": "min", "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "day": "day",
        "days": "day", "week": "week", "weeks": "week", "month": "month", "months": "month",
        "quarter": "quarter", "quarters": "quarter", "year": "year", "years": "year"}

_WORD_NUM = r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|(?:a\s+)?hundred|(?:a\s+)?dozen|half\s+a)"
_QTY = re.compile(
    r"(?P<cur>(?:US)?[$€£]|\b(?:USD|EUR|GBP)\s?)?"
    r"(?P<num>(?<![\w.,/-])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d/-])|(?<![\w.,/-])\d+(?:\.\d+)?(?![\d/])|\b" + _WORD_NUM + r"\b)"
    r"(?:\s?(?P<mag>[kKmMbB]|bn|mn|MM|thousand|million|billion)(?![a-zA-Z]))?"
    r"(?:\s?(?P<unit>%|percent\b|percentage\s+points?\b|pp\b|pts\b|[x×](?![a-zA-Z])|times\b(?!\s+(?:a|per|each))|"
    r"ms\b|milliseconds?\b|µs\b|secs?\b|seconds?\b|s\b|mins?\b|minutes?\b|hrs?\b|hours?\b|h\b|days?\b|"
    r"weeks?\b|months?\b|quarters?\b|years?\b|[KMGT]i?B\b|bytes\b))?"
    r"(?:\s?(?P<cur2>USD|EUR|GBP|dollars|euros|pounds)\b)?",
    re.IGNORECASE,
)
# Numbers that are labels, not quantities: "month 3", "L6", "Q2", "v2", "p99", "2024".
# "#" is not a word character, so it stands outside the \b group ("PR #1867", "[#968]"); the far end of a
# version range is a label too ("from version 4 to 6").
_LABEL_BEFORE = re.compile(
    r"(?:(?:\b(?:month|week|day|quarter|phase|step|sprint|version|level|tier|stage|round|iteration|"
    r"batch|page|gen|generation|chapter|wave|milestone|release|section|figure|item|number|no\.)|#)\s*"
    r"|\b(?:version|v)\s?\d[\d.]*\s+to\s+)$",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_RATE_AFTER = re.compile(r"\s*(?:\w+\s+){0,3}?(?:a|per|each|every|/)\s*(?:day|week|month|quarter|year|hour|minute|second|sec|request|query|user|customer|order)\b", re.IGNORECASE)
_FROM_BEFORE = re.compile(r"\bfrom\s+(?:about\s+|around\s+|roughly\s+|over\s+|nearly\s+|almost\s+)?$", re.IGNORECASE)
_TO_BEFORE = re.compile(r"\b(?:to|down\s+to|up\s+to|→|->|under|below)\s+(?:about\s+|around\s+|roughly\s+|just\s+|only\s+|under\s+)?$|(?:→|->)\s*$", re.IGNORECASE)
_BY_BEFORE = re.compile(r"\bby\s+(?:about\s+|around\s+|roughly\s+|over\s+|nearly\s+|almost\s+|more\s+than\s+)?$", re.IGNORECASE)

# Domain vocabulary. Nearest keyword to the number wins; money is always business.
_BUSINESS = re.compile(
    r"\b(?:revenue|sales|gmv|profit|margin|cost|costs|spend|spending|bill|billing|budget|savings?|saved|"
    r"customers?|users?|members?|subscribers?|merchants?|sellers?|buyers?|shoppers?|drivers?|riders?|"
    r"patients?|clients?|advertisers?|accounts?|households?|sign-?ups?|activations?|retention|churn|"
    r"conversion|orders?|bookings?|purchases?|transactions?|abandonment|bounce|visits?|traffic|(?<!memory\s)(?<!cpu\s)(?<!disk\s)usage|upgrades?|actives|cancellations?|"
    r"refunds?|returns?|chargebacks?|fraud|losses|tickets?|contacts?|complaints?|(?:bug|crash|defect|abuse|broken(?:-\w+)?)[\s-]+reports?|(?:\d|one|two|five)-star\s+(?:reviews?|ratings?)|(?:app|store|user|customer)\s+(?:reviews|ratings)|calls|nps|csat|"
    r"hours|ramp-?up|onboarding|time[- ]to[- ](?:market|mitigate|recover|resolve|detect|hire|first|value|onboard)|"
    r"mttr|mttd|outages?|incidents?|downtime|customer-visible|engineers?|people|headcount|"
    r"countries|markets?|regions?|stores?|partners?|installs?|downloads?|dau|mau|wau|sessions?|engagement|"
    r"clicks?|ctr|adoption|renewals?|deals?|quotes?|invoices?|payments?|payouts?|claims?|listings?|"
    r"developers?|analysts?|agents?|employees?|staff|toil|on-?call|pages?|escalations?|filings?|audit|"
    r"compliance|fines|fined|penalt(?:y|ies)|oversells?|stockouts?|deliveries|shipments?|packages?|parcels?|"
    r"tenants?|seats?|licen[cs]es?|add-to-cart|carts?|baskets?|checkouts?|click-?through|opt-?ins?|"
    r"(?:open|click|reply|unsubscribe|renewal|win|attach|acceptance|redemption)\s+rates?|"
    r"repeat\s+(?:purchases?|visits?|buyers?|customers?))\b"
    # "order-matching JVMs", "payment-processing hosts": a business word as a compound modifier.
    r"(?!-(?!facing\b)[a-z]+ing\b)"
    # A business word naming a system is not a business metric: "payments module", "fraud model".
    r"(?![\s-]+(?:modules?|services?|microservices?|apis?|endpoints?|systems?|codebase|repos?|repository|"
    r"librar(?:y|ies)|sdks?|pipelines?|schemas?|tables?|databases?|dbs?|clusters?|stacks?|backends?|frontends?|"
    r"monolith|components?|packages?|jobs?|queues?|topics?|models?|classifiers?|teams?|squads?|platforms?|"
    r"gateways?|engines?|apps?|ui|screens?|dashboards?|portals?|tool(?:ing|s)?|tests?|suites?|code|logic|"
    r"layers?|workers?|consumers?|producers?|index(?:es)?|caches?|stores?|ledger|infra(?:structure)?|"
    r"domain|org)\b)",
    re.IGNORECASE,
)
_ENGINEERING = re.compile(
    r"\b(?:latency|latencies|p50|p90|p95|p99|p999|tail|response\s+times?|cpu|memory|ram|heap|gc|jvms?|pauses?|stalls?|stutter|hitches|"
    r"error\s+rates?|errors?|5xx|500s|exceptions?|crash-free\s+(?:sessions?|users?)(?:\s+rate)?|crash\s+rate|crash(?:es)?|anrs?|coverage|builds?|build\s+times?|"
    r"compile|compilation|ci|test\s+suite|suites?|ci\s+runs?|pipeline\s+runs?|(?<!/B\s)tests?|training|retraining|runtime|etl|backups?|restores?|flak(?:y|iness)|deploys?|deployments?|deploy\s+times?|"
    r"throughput|qps|rps|requests?|queries|query|cache|hit\s+rate|misses|cold[\s-]starts?|startup|"
    r"bundle|binary|app\s+size|payload|disk|storage|iops|bandwidth|lines\s+of\s+code|loc|alerts?|"
    r"uptime|availability|nodes?|pods?|containers?|instances?|cores?|gpus?|threads?|connections?|"
    r"messages?|events?|records?|rows?|tables?|jobs?|pipelines?|models?|parameters|params|tokens?|"
    r"epochs?|accuracy|precision|recall|f1|auc|loss|benchmarks?|frames?|fps|jank|render(?:ing)?|load\s+time|"
    r"page\s+load|lcp|ttfb|tti|index(?:ing)?|shards?|replicas?|partitions?|bytes|[kmgt]b|gigabytes|terabytes|"
    r"boot|boots|reboots?|start-?up|cold\s+boot|lag|consumer\s+lag|replication\s+lag|queue\s+depth|queue|"
    r"backpressure|tps|ops|iops|ndcg|bleu|rouge|perplexity|mrr|map@\d+|wer|rmse|mae|mape|log-?loss|auc-?roc|"
    r"roc|r2|f-score|top-?\d\s+accuracy|hit@\d+|recall@\d+|precision@\d+|binary\s+size|image\s+size|"
    r"app\s+(?:launch|start)|time\s+to\s+first\s+byte|compile\s+times?|test\s+times?|flaky\s+tests?)\b",
    re.IGNORECASE,
)


_ENG_TIME = re.compile(r"\b(?:build|ci|compile|test\s+suite|training|retraining|runtime|etl|job|jobs|backup|restore|query|queries|pipeline\s+run|index(?:ing)?|rebuild|replication|failover|cold[\s-]start)\b", re.IGNORECASE)
_HALF = re.compile(r"\b(?:in\s+half|halved|halving|doubled|doubling|tripled|tripling|quadrupled)\b", re.IGNORECASE)
_HALF_GATE = ("hal", "doubl", "tripl", "quadrupl")
_HALF_VALUE = {"in half": 0.5, "halved": 0.5, "halving": 0.5, "doubled": 2.0, "doubling": 2.0, "tripled": 3.0, "tripling": 3.0, "quadrupled": 4.0}


# Case-folded twins of the vocabularies, run over a lower-cased copy (much faster in `re`).
_BUSINESS_LOW = re.compile(_BUSINESS.pattern.lower())  # only \b and \s escapes: safe to lower
_ENGINEERING_LOW = re.compile(_ENGINEERING.pattern.lower())


# ASCII fast path (exact): the quantity regex case-folded over the lower-cased sentence, and a
# cheap necessary condition for any match (every match has a digit or a number word).
def _ascii_twin(rx: re.Pattern) -> re.Pattern | None:
    from promolint.analysis.gate import ascii_fold

    return ascii_fold(rx)


_QTY_LOW = _ascii_twin(_QTY)
_QTY_GATE = re.compile(
    r"\d|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|dozen|half)\b"
)


def _qty_matches(text: str, low: str | None):
    """(match, group reader) pairs of `_QTY` over `text`; group text always comes from `text`."""
    if low is None or _QTY_LOW is None:
        return [(m, m.group) for m in _QTY.finditer(text)]
    if not _QTY_GATE.search(low):
        return []
    out = []
    for m in _QTY_LOW.finditer(low):
        def group(name, m=m):
            s, e = m.span(name)
            return None if s < 0 else text[s:e]
        out.append((m, group))
    return out


@dataclass
class Quantity:
    """One number with its reading. `start`/`end` are offsets into the analysed text."""

    text: str
    start: int
    end: int
    value: float
    kind: Kind
    unit: str = ""
    domain: Domain = "unknown"
    baseline: bool = False
    noun: str = ""
    pair: tuple[int, int] | None = field(default=None, repr=False)  # (start, end) of the other end of from/to

    @property
    def business(self) -> bool:
        return self.domain == "business"

    @property
    def engineering(self) -> bool:
        return self.domain == "engineering"


def _value(num: str) -> float | None:
    n = num.lower().replace(",", "")
    n = re.sub(r"\s+", " ", n)
    n = n.removeprefix("a ").removesuffix(" a")
    if n in _WORDS:
        return float(_WORDS[n])
    try:
        return float(n)
    except ValueError:
        return None


_SCOPE = re.compile(r"regions?|countries|markets?|stores?|tenants?|partners?|seats?", re.IGNORECASE)
_MODEL_METRIC = re.compile(r"accuracy|precision|recall|f1|auc|auc-?roc|roc|ndcg|bleu|rouge|perplexity|mrr|map@\d+|wer|rmse|mae|mape|log-?loss|loss|r2|f-score|hit@\d+|recall@\d+|precision@\d+|top-?\d\s+accuracy", re.IGNORECASE)


def _nearest_domain(text: str, start: int, end: int, window: int = 60, left: bool = True,
                    low: str | None = None, scope_only: bool = False) -> tuple[Domain, str]:
    """Nearest business or engineering keyword around the number, the noun it measures."""
    lo, hi = (max(0, start - window) if left else start), min(len(text), end + window)
    # Stop the window at clause breaks so "...900 ms; sales rose 5%" keeps the two apart.
    left = text[lo:start]
    cut = max(left.rfind(";"), left.rfind(". "))
    if cut >= 0:
        lo += cut + 1
    right = text[end:hi]
    m = re.search(r"[;]|\.\s|\bwhich\b|\band\s+(?:I|we)\b", right)
    if m:
        hi = end + m.start()
    best: tuple[int, Domain, str] | None = None
    if low is None:
        low = text.lower()
    pairs = ((_ENGINEERING_LOW, "engineering"), (_BUSINESS_LOW, "business")) if len(low) == len(text) else (
        (_ENGINEERING, "engineering"), (_BUSINESS, "business"))
    src = low if len(low) == len(text) else text
    for rx, dom in pairs:
        for m in rx.finditer(src, lo, hi):
            # Words after the number ("40 engineers") bind tighter than words before it.
            dist = start - m.end() if m.end() <= start else (m.start() - end) * 0.6
            if m.start() < end and m.end() > start:
                continue
            if scope_only and dom == "business" and _SCOPE.fullmatch(m.group(0)):
                continue  # "lag between regions": a scope word measures only a count of itself
            if best is None or dist < best[0]:
                best = (dist, dom, m.group(0))
    if best is None:
        return "unknown", ""
    return best[1], best[2]


# A head count is the scope of the work ("mentored 3 engineers", "led a team of 14 people"), not a
# result, unless an effect verb governs it ("freeing three engineers").
_PEOPLE = re.compile(r"engineers?|people|developers?|analysts?|employees?|staff|headcount|scientists?|juniors?|"
                     r"hires?|interns?|teammates?|reports|members?", re.IGNORECASE)
_PEOPLE_EFFECT = re.compile(r"\b(?:free\w*|sav\w*|spar\w*|unblock\w*|let(?:ting)?|allow\w*|enabl\w*|helping|"
                            r"help(?:ed|s)?|relieving|relieved|redeploy\w*|reassign\w*)\s+(?:\w+\s+){0,3}?$", re.IGNORECASE)
# A span of calendar time the work took or lasted ("for ten minutes", "over 5 years", "in nearly two
# years") is a period, not a measured result.
_PERIOD_BEFORE = re.compile(
    r"\b(?:for|over|during|throughout|across|spanning|after|in\s+(?:the\s+)?(?:last|past|first)|(?:the\s+)?(?:last|past))\s+"
    r"(?:(?:the\s+)?(?:a|an|last|past|first|nearly|almost|about|around|roughly|over|more\s+than|some|\w+ly)\s+)*$"
    r"|\b(?:nearly|almost)\s+$", re.IGNORECASE)
# The time the work itself took, "in" after a build verb ("Implemented music sharing in 2 weeks", "Shipped in 3 days"):
# how fast the author delivered, not a change anyone outside measured ("within 2 weeks" of a missed deadline is a
# constraint met).
_DELIVERY_BEFORE = re.compile(
    r"\b(?:(?:implement|complet|develop|prototyp|migrat|creat|deliver|launch|finish|design|ship)p?ed|built|rebuilt|wrote|"
    r"rewrote|set\s+up|stood\s+up|rolled\s+out)\b[^,.;]{0,60}?\sin\s+"
    r"(?:(?:just|only|about|around|under|less\s+than|a|an)\s+)*$", re.IGNORECASE)
# Tenure, not a result: "8 years of experience".
_TENURE_AFTER = re.compile(r"\s*(?:of\s+(?:[\w-]+\s+){0,2}?experience|experience)\b", re.IGNORECASE)


def _scope_or_period(text: str, q_kind: str, unit_name: str, start: int, end: int, noun: str) -> bool:
    """Whether a business-looking number only sizes the work: a head count or a period."""
    if q_kind == "count" and noun and _PEOPLE.fullmatch(noun):
        return not _PEOPLE_EFFECT.search(text, max(0, start - 40), start)
    if q_kind == "duration" and unit_name not in ("ms", "us", "s"):
        if _TENURE_AFTER.match(text, end) or _DELIVERY_BEFORE.search(text, max(0, start - 90), start):
            return True
        return bool(_PERIOD_BEFORE.search(text, max(0, start - 30), start)) and not _RATE_AFTER.match(text, end)
    return False


def parse_quantities(text: str) -> list[Quantity]:
    """Every quantity in `text`, in order, with kind, unit, domain, baseline and span."""
    out: list[Quantity] = []
    low = text.lower()
    ascii_low = low if text.isascii() else None
    for m, group in _qty_matches(text, ascii_low):
        num = group("num")
        cur = (group("cur") or group("cur2") or "").strip().lower()
        mag = (group("mag") or "").lower()
        unit = (group("unit") or "").lower()
        if not num:
            continue
        start, end = m.start(), m.end()
        if not (cur or mag or unit):
            if _YEAR.match(num) or _LABEL_BEFORE.search(text, max(0, start - 16), start):
                continue
            if num.lower() == "one":  # "one confusing screen" is rarely a measured quantity
                continue
        if num.lower().startswith("half") and not unit:
            continue
        if mag == "m" and not cur and group("mag") == "m" and unit == "":
            # lower-case "m" after a bare number is more often metres/minutes than millions
            mag = "m" if text[start:end].endswith("m") and len(num) <= 4 else mag
        value = _value(num)
        if value is None:
            continue
        value *= _MAG.get(mag, 1.0)
        if cur:
            kind, unit_name = "money", _CUR.get(cur, cur.upper())
        elif unit in ("%", "percent"):
            kind, unit_name = "percent", "%"
        elif unit.startswith("percentage") or unit in ("pp", "pts"):
            kind, unit_name = "points", "pp"
        elif unit in ("x", "×", "times"):
            kind, unit_name = "multiplier", "x"
        elif re.fullmatch(r"[kmgt]i?b|bytes", unit):
            kind, unit_name = "size", unit.upper()
        elif unit in _DUR:
            kind, unit_name = "duration", _DUR[unit]
        else:
            kind, unit_name = "count", ""
        if _RATE_AFTER.match(text, end) and kind in ("count", "money", "percent"):
            rate_kind = "rate" if kind == "count" else kind
            kind = rate_kind
        # A count measures the noun after it ("40M interaction pairs"); other kinds look both ways.
        domain, noun = _nearest_domain(text, start, end, window=30 if kind in ("count", "rate") else 60,
                                       left=kind not in ("count", "rate"), low=low,
                                       scope_only=kind not in ("count", "rate"))
        if domain == "unknown" and kind in ("count", "rate") and (
                _BY_BEFORE.search(text, max(0, start - 20), start) or _TO_BEFORE.search(text, max(0, start - 20), start)):
            # "tickets fell by 4,200", "reports fell to 2 a month": the metric precedes
            domain, noun = _nearest_domain(text, start, start, low=low)
        if kind == "money":
            domain = "business"
        elif kind == "duration" and unit_name in ("ms", "us"):
            domain = "engineering"
        elif kind == "size":
            domain = "engineering"
        elif kind == "duration" and unit_name in ("h", "day", "week", "month", "quarter", "year"):
            # Long durations are people's or calendar time unless an engineering clock is named.
            domain = "engineering" if _ENG_TIME.search(text, max(0, start - 50), start) else "business"
        elif kind == "count" and (0 < value < 1 and "." in num or _MODEL_METRIC.fullmatch(noun or "")):
            # "AUC to 0.86", "precision of 0.97": a model score, an engineering metric.
            if domain != "business":
                kind, domain = "score", "engineering"
        elif kind == "duration" and domain == "unknown":
            # Seconds with nothing named are a machine's clock more often than a person's.
            domain = "engineering" if unit_name == "s" else "business"
        if domain == "business" and _scope_or_period(text, kind, unit_name, start, end, noun):
            domain = "scope"
        out.append(Quantity(text[start:end].strip(), start, end, value, kind, unit_name, domain, noun=noun.lower()))
    # ASCII: every match's lower-cased text holds one of _HALF_GATE (cheap skip, same result).
    for m in _HALF.finditer(text) if ascii_low is None or any(w in ascii_low for w in _HALF_GATE) else ():
        domain, noun = _nearest_domain(text, m.start(), m.end(), low=low)
        word = re.sub(r"\s+", " ", m.group(0).lower())
        out.append(Quantity(m.group(0), m.start(), m.end(), _HALF_VALUE[word], "multiplier", "x", domain, noun=noun.lower()))
    vague = _vague_quantities(text, low, out)
    out.extend(vague)
    out.sort(key=lambda q: q.start)
    _link_baselines(text, out)
    if vague:  # a vague magnitude counts only as one end of "from X to Y"
        out[:] = [q for q in out if q.pair is not None or not any(q is v for v in vague)]
    for q in out:
        if q.kind in ("money", "count", "rate", "duration") and not _BY_BEFORE.search(text, max(0, q.start - 20), q.start):
            q.baseline = True  # an absolute figure reads on its own, "by $2M" does not
        elif q.kind in ("percent", "points") and not q.baseline and not _relative_change(text, q):
            q.baseline = True  # a share or a level ("41% of node-hours", "a 10% holdout") is not a change
    return out


_CHANGE_AFTER = re.compile(
    r"\s*(?:faster|slower|lower|higher|more|less|fewer|cheaper|smaller|larger|bigger|better|worse|quicker|"
    r"shorter|longer|reduction|decrease|increase|drop|improvement|gain|lift|cut|savings?|uplift|boost|growth|"
    r"jump|rise|decline|fall|speed-?up|year[- ]over[- ]year|yoy|qoq|mom)\b", re.IGNORECASE)
_CHANGE_BEFORE = re.compile(
    r"\b(?:cut|cutting|reduced|reducing|lowered|lowering|raised|raising|increased|increasing|improved|improving|"
    r"boosted|boosting|grew|growing|rose|fell|dropped|decreased|saved|saving|shrank|lifted|trimmed|slashed|"
    r"accelerated|sped\s+up|went\s+(?:up|down)|jumped|climbed|declined)\s+(?:(?!to\b|from\b|of\b|at\b)[\w'-]+\s+){0,4}?$",
    re.IGNORECASE)


def _relative_change(text: str, q: Quantity) -> bool:
    """Whether a percent reads as a change that needs a base ("by 30%", "30% faster", "grew 23%")."""
    if _BY_BEFORE.search(text, max(0, q.start - 20), q.start):
        return True
    if _RATE_AFTER.match(text, q.end):
        return False  # "growing 38% a year" carries its period
    if _CHANGE_AFTER.match(text, q.end):
        return True
    return bool(_CHANGE_BEFORE.search(text, max(0, q.start - 60), q.start))


_VAGUE = re.compile(
    r"\b(?:from|to|down\s+to|up\s+to|under|below)\s+(?:about\s+|around\s+|roughly\s+|just\s+|only\s+|under\s+|well\s+under\s+)?"
    r"(?P<v>(?:tens\s+of\s+|hundreds\s+of\s+)?(?:thousands|hundreds|millions|dozens)|several|"
    r"a\s+(?:few|couple)(?:\s+of)?(?:\s+(?:dozen|hundred|thousand))?|a\s+(?:handful|fraction))\b"
    r"(?:\s+(?:of\s+)?(?P<unit>milliseconds?|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\b)?",
    re.IGNORECASE,
)
_VAGUE_VALUE = {"thousands": 3000.0, "hundreds": 300.0, "millions": 3e6, "dozens": 36.0, "several": 5.0}


def _vague_quantities(text: str, low: str, found: list[Quantity]) -> list[Quantity]:
    """ "from thousands of jobs to a few dozen", "from several minutes to under two seconds". """
    if "from" not in low:
        return []
    out = []
    for m in _VAGUE.finditer(text):
        s, e = m.span("v")
        clash = [q for q in found if q.start < e and s < q.end]
        if any(q.kind != "count" for q in clash):
            continue
        for q in clash:  # "a few dozen" reads as one vague magnitude, not "a dozen"
            found.remove(q)
        word = re.sub(r"\s+", " ", m.group("v").lower())
        value = _VAGUE_VALUE.get(word.split()[-1], 3.0)
        unit = (m.group("unit") or "").lower()
        end = m.end() if unit else e
        kind, unit_name = ("duration", _DUR[unit]) if unit in _DUR else ("count", "")
        domain, noun = _nearest_domain(text, s, end, low=low, scope_only=kind != "count")
        if kind == "duration" and domain == "unknown":
            domain = "engineering" if unit_name in ("ms", "s") else "business"
        out.append(Quantity(text[s:end], s, end, value, kind, unit_name, domain, noun=noun.lower()))
    return out


def _link_baselines(text: str, qs: list[Quantity]) -> None:
    """Mark "from X to Y" pairs as having a baseline; each end borrows the other's unit."""
    for i, a in enumerate(qs):
        if not _FROM_BEFORE.search(text, max(0, a.start - 25), a.start):
            continue
        for b in qs[i + 1 : i + 3]:
            gap = text[a.end : b.start]
            if len(gap) > 45 or ";" in gap:
                break
            if _TO_BEFORE.search(text, max(0, b.start - 25), b.start):
                a.baseline = b.baseline = True
                a.pair, b.pair = (b.start, b.end), (a.start, a.end)
                for x, y in ((a, b), (b, a)):
                    if x.kind == "count" and y.kind != "count":
                        x.kind, x.unit = y.kind, y.unit
                    if x.domain == "unknown" or (y.kind == "money"):
                        x.domain = y.domain if y.domain != "unknown" else x.domain
                dom = a.domain if a.domain != "unknown" else b.domain
                if dom == "unknown":  # "outages from eight to two": the metric precedes the pair
                    dom, a.noun = _nearest_domain(text, a.start, a.start)
                if a.kind == "duration" and a.unit in ("ms", "us"):
                    dom = "engineering"
                a.domain = b.domain = dom
                break


def summarize(qs: list[Quantity]) -> dict[str, bool]:
    """Flags the rules read as computed signals."""
    return {
        "has_number": bool(qs),
        "business_number": any(q.business for q in qs),
        "engineering_number": any(q.engineering for q in qs),
        "baseline_number": any(q.baseline and q.kind not in ("count",) for q in qs),
        # A number that measures something: not a bare count of unknown things ("two candidates", "Node 12.4"),
        # nor a head count or a period that only sizes the work.
        "measured_number": any(q.kind != "count" and q.domain != "scope" or q.business or q.engineering for q in qs),
    }
