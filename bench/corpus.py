"""Seeded synthetic promotion packets for the benchmark (bench/run.py).

    .venv/bin/python bench/corpus.py OUT_DIR [--n 1000] [--seed 20250101]

Packet `i` depends only on (seed, i), never on N, so the first 100 packets of a 1,000-packet
corpus are exactly the 100-packet corpus, and rebuilding gives byte-identical files (fixed core
properties and zip timestamps). Every packet is invented: people, companies and systems are
made up from word lists below.

What varies, packet to packet:
  * size: 1 to 12 pages, at about WORDS_PER_PAGE words of body text per page; the mix leans
    to 3 to 6 pages, as real packets do, and every size from 1 to 12 appears in any corpus of
    12 or more packets (packets 0 to 11 take each size once, in a seeded order);
  * engineering area (backend, SRE, mobile, ML, data, security, frontend, platform) and level;
  * quality: weak, mixed or strong (the share of weak sentences: "we", "helped", vague or
    future outcomes, tool lists, numbers without a baseline; versus owned decisions with
    trade-offs and outcomes with baselines);
  * structure: styled Word headings (most) or unstyled packets (ALL CAPS section lines and
    bold story titles); the "What You Did" heading or one of its aliases; 1 to 9 stories with
    situation paragraphs, `List Bullet` items, metric tables and quotes; scope, leadership,
    peer feedback and appendix sections around it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import random
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.shared import Pt

GENERATOR_VERSION = "1"   # bump when the output of a given (seed, i) changes
DEFAULT_SEED = 20250101
WORDS_PER_PAGE = 450      # body words on a Word page at 11 pt with headings, bullets and tables
ZIP_EPOCH = (2025, 1, 1, 0, 0, 0)
STYLE_IDS = {"List Bullet": "ListBullet", "Quote": "Quote"}
PAGE_WEIGHTS = {1: 3, 2: 6, 3: 10, 4: 11, 5: 11, 6: 9, 7: 7, 8: 5, 9: 4, 10: 3, 11: 2, 12: 2}

FIRST = ["Dana", "Marcus", "Sofia", "Elif", "Mei-Ling", "Tomasz", "Aisha", "Rafael", "Ingrid", "Kwame", "Priya",
         "Jonas", "Lucia", "Hiroshi", "Amara", "Niko", "Fatima", "Owen", "Yara", "Mateo", "Sanne", "Idris", "Leah",
         "Bogdan", "Chioma", "Anders", "Valentina", "Ravi", "Noor", "Emil"]
LAST = ["Reyes", "Lindqvist", "Rautio", "Sandoval", "Castellanos", "Brandt", "Okafor", "Palsson", "Nakamura",
        "Mensah", "Varga", "Iyer", "Halvorsen", "Moreau", "Adeyemi", "Kowalczyk", "Silva", "Duarte", "Haddad",
        "Larsen", "Petrov", "Achebe", "Sato", "Fischer", "Novak", "Quispe", "Bianchi", "Osei", "Tanaka", "Weber"]
COMPANIES = ["Larkspur Freight", "Fernway Travel", "Northbeam Payments", "Quillmark Grocery", "Harborline Health",
             "Copperfield Energy", "Bluepine Insurance", "Tidewater Logistics", "Marrow Analytics", "Saltbridge Bank",
             "Kestrel Media", "Orchard Home"]
LEVELS = [("Software Engineer (L4)", "Senior Software Engineer (L5)"),
          ("Senior Software Engineer (L5)", "Staff Software Engineer (L6)"),
          ("Staff Software Engineer (L6)", "Senior Staff Software Engineer (L7)")]
ALIASES = ["What You Did", "What You Did", "What You Did", "What I Did", "Key Accomplishments", "Impact",
           "Key Contributions", "Accomplishments", "Highlights"]
QUARTERS = ["Q1", "Q2", "Q3", "Q4", "early", "mid", "late"]
YEARS = ["2023", "2024", "2025"]
TEAMS = ["Payments", "Ledger", "Growth", "Search Ranking", "Identity", "Checkout", "Data Platform", "Core Infra",
         "Mobile Platform", "Fraud", "Pricing", "Notifications", "Customer Support Tools", "Finance", "Security"]


@dataclass(frozen=True)
class Area:
    name: str
    team: str
    systems: tuple[str, ...]
    problems: tuple[str, ...]
    metrics: tuple[tuple[str, str, float, float], ...]   # name, unit, typical before, after factor
    tools: tuple[str, ...]
    options: tuple[tuple[str, str, str], ...]           # chosen, rejected, reason


AREAS = [
    Area("backend", "Order Management",
         ("order service", "payments API", "ledger write path", "pricing engine", "inventory sync job",
          "checkout gateway", "refund pipeline"),
         ("timed out under peak load", "double-charged a small share of customers", "needed a manual restart most weeks",
          "could not be deployed without a maintenance window", "dropped messages during failover"),
         (("p95 latency", "ms", 840, 0.35), ("error rate", "%", 2.4, 0.2), ("deploy time", "min", 45, 0.25),
          ("monthly infrastructure cost", "$k", 310, 0.7), ("duplicate charges per week", "", 120, 0.05)),
         ("Kafka", "PostgreSQL", "gRPC", "Redis", "Kubernetes", "Terraform", "Go", "Java", "Spring Boot"),
         (("an outbox table", "two-phase commit", "it kept the write path on one database and let us replay events"),
          ("idempotency keys on every write", "a distributed lock", "retries became safe without a shared lock service"),
          ("a strangler migration", "a big-bang rewrite", "each endpoint could move and roll back on its own"))),
    Area("sre", "Site Reliability",
         ("primary database cluster", "edge load balancers", "alerting pipeline", "regional failover", "on-call rotation",
          "capacity planning model", "deployment pipeline"),
         ("paged the on-call engineer eleven times a week", "failed over by hand in about 40 minutes",
          "ran at 85% CPU at peak with no headroom", "had no tested recovery plan", "hid real incidents under noise"),
         (("pages per week", "", 64, 0.2), ("time to recover", "min", 42, 0.15), ("availability", "%", 99.5, 1.004),
          ("cloud spend", "$M", 14.2, 0.75), ("change failure rate", "%", 18, 0.35)),
         ("Prometheus", "Grafana", "PagerDuty", "Terraform", "Argo CD", "Helm", "Envoy", "Vault"),
         (("active-passive failover", "active-active", "our write volume did not justify the conflict handling"),
          ("SLO-based alerts", "threshold alerts", "they paged only when users were affected"),
          ("buying headroom for six months", "a reserved-instance commitment", "our utilisation data was still moving"))),
    Area("mobile", "Mobile Booking",
         ("iOS checkout", "Android app startup", "offline itineraries", "push notification service",
          "shared component library", "release train"),
         ("lost user input when the app was backgrounded", "took 4.8 seconds to start on low-end phones",
          "crashed on one device family in five", "shipped every six weeks with a manual checklist"),
         (("cold start", "s", 4.8, 0.45), ("crash-free sessions", "%", 99.1, 1.005), ("conversion", "%", 3.2, 1.19),
          ("release cycle", "days", 42, 0.33), ("app size", "MB", 96, 0.85)),
         ("Jetpack Compose", "SwiftUI", "Kotlin", "Swift", "Firebase", "Fastlane", "GraphQL"),
         (("a three-step checkout", "a single long form", "session recordings showed abandonment at the long form"),
          ("lazy SDK initialisation", "a splash screen", "it removed the work instead of hiding it"),
          ("weekly release trains", "feature-by-feature releases", "the test matrix was the bottleneck"))),
    Area("ml", "Search Ranking",
         ("ranking model", "feature store", "training pipeline", "recommendation service", "fraud classifier",
          "evaluation harness", "embedding index"),
         ("was retrained by hand once a quarter", "served stale features for up to a day",
          "lost to the rules baseline on new users", "had no offline evaluation that predicted online results"),
         (("click-through rate", "%", 4.1, 1.12), ("fraud loss", "$M", 8.2, 0.4), ("training time", "h", 30, 0.2),
          ("false positive rate", "%", 6.5, 0.45), ("revenue per search", "$", 1.9, 1.07)),
         ("PyTorch", "XGBoost", "Spark", "Airflow", "Feast", "MLflow", "Ray", "BigQuery"),
         (("a gradient-boosted model", "a deep ranking model", "it matched quality at a tenth of the serving cost"),
          ("a four-week holdout", "a two-week A/B test", "seasonality would have hidden the effect"),
          ("dropping the embedding features", "tuning them further", "they added latency without moving the metric"))),
    Area("data", "Data Platform",
         ("event pipeline", "data warehouse", "nightly batch jobs", "metrics layer", "schema registry",
          "privacy deletion workflow"),
         ("finished after the morning business review", "disagreed with finance numbers by 3%",
          "broke whenever an upstream team renamed a field", "kept customer data past the retention limit"),
         (("pipeline runtime", "h", 7.5, 0.3), ("warehouse cost", "$k", 95, 0.6), ("data freshness", "min", 240, 0.1),
          ("broken dashboards per month", "", 38, 0.15), ("deletion backlog", "requests", 12000, 0.02)),
         ("dbt", "Snowflake", "Airflow", "Kafka", "Flink", "Spark", "Great Expectations", "Looker"),
         (("incremental models", "full rebuilds", "only 2% of rows changed each night"),
          ("contracts enforced in the schema registry", "a wiki page of conventions", "breakage moved to the producer's CI"),
          ("one metrics layer", "per-team definitions", "finance and product were arguing over numbers, not decisions"))),
    Area("security", "Security Engineering",
         ("secrets management", "single sign-on", "dependency scanning", "access review process", "key rotation",
          "audit logging"),
         ("kept long-lived credentials in forty repositories", "took three weeks to revoke a leaver's access",
          "flagged so many findings that teams ignored them", "failed two audit controls"),
         (("credentials older than 90 days", "", 410, 0.05), ("time to revoke access", "days", 21, 0.05),
          ("open critical findings", "", 230, 0.1), ("audit exceptions", "", 14, 0.15)),
         ("Vault", "Okta", "Snyk", "OPA", "AWS IAM", "Terraform", "osquery"),
         (("short-lived credentials issued by Vault", "rotating static keys", "nothing long-lived was left to leak"),
          ("blocking only exploitable findings", "blocking on every finding", "teams would otherwise bypass the gate"),
          ("automated access reviews", "quarterly spreadsheets", "managers approved spreadsheets without reading them"))),
    Area("frontend", "Web Experience",
         ("web checkout", "design system", "search results page", "account settings", "build tooling",
          "accessibility programme"),
         ("scored 38 on mobile Lighthouse", "had five different button components", "took nine minutes to build",
          "failed WCAG AA on the main funnel"),
         (("largest contentful paint", "s", 4.2, 0.45), ("build time", "min", 9, 0.2), ("conversion", "%", 2.7, 1.11),
          ("accessibility violations", "", 340, 0.08), ("bundle size", "kB", 1900, 0.5)),
         ("React", "TypeScript", "Next.js", "Vite", "Storybook", "Playwright", "webpack"),
         (("server rendering for the funnel only", "server rendering everywhere", "the funnel was where latency cost money"),
          ("a token-based design system", "a shared CSS file", "themes had to work across four brands"),
          ("Vite", "tuning webpack", "cold builds were dominated by work Vite does not do"))),
    Area("platform", "Developer Platform",
         ("CI system", "service templates", "internal developer portal", "build cache", "test infrastructure",
          "deployment tooling"),
         ("made engineers wait 40 minutes for a green build", "needed a ticket to create a service",
          "had flaky tests in one build out of six", "ran on hand-built machines nobody owned"),
         (("CI time", "min", 40, 0.3), ("flaky build rate", "%", 16, 0.2), ("time to first deploy", "days", 9, 0.1),
          ("CI cost", "$k", 140, 0.65), ("builds per day", "", 2300, 1.6)),
         ("Bazel", "GitHub Actions", "Buildkite", "Backstage", "Docker", "Kubernetes", "Argo CD"),
         (("a remote build cache", "more CI machines", "most of the time went to rebuilding unchanged code"),
          ("quarantining flaky tests automatically", "fixing them one by one", "the list grew faster than we fixed it"),
          ("golden-path templates", "a platform team ticket queue", "teams could start a service without waiting on us"))),
]


def _num(rng: random.Random, base: float) -> float:
    return base * rng.uniform(0.7, 1.4)


def _fmt(v: float, unit: str) -> str:
    if unit == "%":
        return f"{v:.1f}%"
    if unit.startswith("$"):
        return f"${v:,.1f}{unit[1:].upper()}" if v < 100 else f"${v:,.0f}{unit[1:].upper()}"
    s = f"{v:,.0f}" if v >= 20 else f"{v:.1f}"
    return f"{s} {unit}".strip()


class Writer:
    """Sentence and block generator for one packet."""

    def __init__(self, rng: random.Random, area: Area, weak_share: float, name: str, company: str):
        self.r, self.a, self.weak_share, self.name, self.company = rng, area, weak_share, name, company

    def pick(self, seq):
        return self.r.choice(seq)

    def metric(self):
        m, unit, base, factor = self.pick(self.a.metrics)
        before = _num(self.r, base)
        after = before * factor * self.r.uniform(0.85, 1.15)
        return m, unit, before, after

    def tools(self, k=3):
        t = self.r.sample(self.a.tools, min(k, len(self.a.tools)))
        return ", ".join(t[:-1]) + " and " + t[-1]

    def strong(self, system: str) -> str:
        m, unit, before, after = self.metric()
        chosen, rejected, reason = self.pick(self.a.options)
        team = self.pick(TEAMS)
        return self.pick([
            f"I owned the redesign of the {system}, and {m} went from {_fmt(before, unit)} to {_fmt(after, unit)} "
            f"over the following {self.r.randint(2, 9)} weeks.",
            f"I chose {chosen} over {rejected} because {reason}; I wrote the design, reviewed it with the {team} team "
            f"and led the {self.r.randint(2, 7)} engineers who built it.",
            f"I proposed cutting the {self.pick(['reporting', 'admin', 'migration', 'v2 API', 'self-serve'])} scope "
            f"from the first release so that we could ship before the {self.pick(['peak season', 'audit', 'launch', 'renewal'])}, "
            f"and the {system} went live {self.r.randint(2, 6)} weeks earlier than planned.",
            f"Before the change, the {system} {self.pick(self.a.problems)}; after it, {m} fell from "
            f"{_fmt(before, unit)} to {_fmt(after, unit)}, which Finance values at about "
            f"${self.r.randint(2, 48) / 10:.1f}M a year.",
            f"I owned the {system} end to end; the {team} team owned the client changes, and I agreed the interface "
            f"and the rollout plan with their lead.",
            f"When the first rollout raised {m} in one region, I rolled it back within {self.r.randint(5, 40)} minutes, "
            f"found that {self.pick(['a cache key ignored the region', 'a retry storm hit the old path', 'the canary was too small'])}, "
            f"and changed the design before the second attempt.",
            f"I pushed back on {self.pick(['a vendor purchase', 'a rewrite', 'a headcount request', 'a freeze'])} with "
            f"{self.r.randint(3, 12)} weeks of data from the {system}, and the decision saved "
            f"${self.r.randint(2, 90) * 10}k a year.",
            f"I mentored {self.r.randint(1, 4)} engineers through the work; one of them now leads the {system} on-call.",
        ])

    def weak(self, system: str) -> str:
        m, unit, before, after = self.metric()
        return self.pick([
            f"We worked on improving the {system}.",
            f"I helped the team with the {system} migration.",
            f"Was part of the effort to modernise the {system}.",
            f"Greatly improved the performance of the {system}.",
            f"Leveraged {self.tools(4)} to build the new {system}.",
            f"The new {system} is expected to significantly reduce {m} in the coming quarters.",
            f"{m.capitalize()} went down by {self.r.randint(15, 70)}% thanks to our efforts.",
            f"Responsible for the {system} and various related tasks.",
            f"We collaborated closely with many stakeholders across the organisation to drive alignment.",
            f"Reviewed {self.r.randint(100, 400)} pull requests and closed {self.r.randint(50, 200)} tickets this cycle.",
            f"Participated in the on-call rotation and fixed a number of bugs in the {system}.",
            f"This could potentially unlock a lot of value for the business going forward.",
            f"Developed the adapters and handlers for the {system}.",
            f"It was a very challenging project, and the team did a really great job delivering it.",
        ])

    def neutral(self, system: str) -> str:
        return self.pick([
            f"The {system} serves {self.r.randint(2, 90)} million requests a day for {self.r.randint(3, 40)} internal teams.",
            f"In {self.pick(QUARTERS)} {self.pick(YEARS)} the {system} {self.pick(self.a.problems)}.",
            f"Support tickets about the {system} had grown {self.r.randint(2, 5)}x in a year, and two of the "
            f"last {self.r.randint(4, 9)} incidents started there.",
            f"Nobody owned the {system}: it had been built by a team that was reorganised in {self.pick(YEARS)}.",
            f"The {self.pick(TEAMS)} team depends on the {system} for every release.",
        ])

    def sentence(self, system: str, kind: str = "claim") -> str:
        if kind == "situation":
            return self.neutral(system)
        return self.weak(system) if self.r.random() < self.weak_share else self.strong(system)

    def paragraph(self, system: str, n: int, kind: str = "claim") -> str:
        return " ".join(self.sentence(system, kind if i == 0 else "claim") for i in range(n))


def _words(text: str) -> int:
    return len(text.split())


def packet_spec(seed: int, i: int) -> dict:
    """The seeded parameters of packet `i` (independent of the corpus size)."""
    r = random.Random(f"{seed}:{i}")
    if i < 12:
        sizes = list(range(1, 13))
        random.Random(f"{seed}:sizes").shuffle(sizes)
        pages = sizes[i]
    else:
        pages = r.choices(list(PAGE_WEIGHTS), weights=list(PAGE_WEIGHTS.values()))[0]
    quality = r.choices(["weak", "mixed", "strong"], weights=[3, 4, 3])[0]
    return {
        "index": i, "pages": pages, "quality": quality,
        "area": r.randrange(len(AREAS)), "styled": r.random() < 0.8, "alias": r.choice(ALIASES),
        "name": f"{r.choice(FIRST)} {r.choice(LAST)}", "company": r.choice(COMPANIES),
        "levels": r.choice(LEVELS), "rng": r.getrandbits(64),
    }


def build_packet(seed: int, i: int) -> tuple[bytes, dict]:
    """(docx bytes, metadata) for packet `i`."""
    spec = packet_spec(seed, i)
    r = random.Random(spec["rng"])
    area = AREAS[spec["area"]]
    weak_share = {"weak": 0.75, "mixed": 0.45, "strong": 0.12}[spec["quality"]]
    w = Writer(r, area, weak_share, spec["name"], spec["company"])
    styled = spec["styled"]
    target = spec["pages"] * WORDS_PER_PAGE
    d = docx.Document()
    d.styles["Normal"].font.size = Pt(11)
    cur, prop = spec["levels"]
    title = f"Promotion Packet: {spec['name']}, {cur} to {prop}"
    cp = d.core_properties
    cp.author, cp.title, cp.subject = spec["name"], title, f"Promotion packet, {area.name}"
    cp.created = cp.modified = dt.datetime(2025, 1, 1, 9, 0, 0)
    cp.last_modified_by, cp.revision = spec["name"], 1
    words = 0

    def para(text: str, style: str | None = None):
        # Style ids set directly: python-docx's lookup by style name is O(styles) per paragraph.
        nonlocal words
        words += _words(text)
        p = d.add_paragraph(text)
        if style:
            p._p.style = STYLE_IDS[style]
        return p

    def heading(text: str, level: int):
        nonlocal words
        words += _words(text)
        if styled:
            d.add_paragraph(text)._p.style = f"Heading{level}"
        elif level == 1:
            d.add_paragraph(text.upper())
        else:
            d.add_paragraph().add_run(text).bold = True

    def table(rows: list[list[str]]):
        nonlocal words
        t = d.add_table(rows=len(rows), cols=len(rows[0]))
        t._tbl.tblStyle_val = "TableGrid"
        for ri, row in enumerate(rows):
            for ci, cell in enumerate(row):
                t.cell(ri, ci).text = cell
                words += _words(cell)

    if styled:
        d.add_paragraph(title)._p.style = "Title"
    else:
        d.add_paragraph().add_run(title).bold = True
    words += _words(title)
    para(f"Name: {spec['name']}")
    para(f"Current role: {cur}, {area.team}, {spec['company']}")
    para(f"Proposed role: {prop}")
    para(f"Manager: {r.choice(FIRST)} {r.choice(LAST)}")

    systems = list(area.systems)
    r.shuffle(systems)
    heading("Summary", 1)
    para(w.paragraph(systems[0], r.randint(2, 4), "situation"))
    # Budget: about 70% of the words in What You Did, the rest around it.
    if spec["pages"] >= 2:
        heading("Scope and Role", 1)
        para(f"{area.team} is {r.randint(4, 14)} engineers plus a product manager. " + w.paragraph(systems[1], r.randint(2, 3)))

    heading(spec["alias"], 1)
    story_budget = int(target * 0.72)
    n_stories = max(1, min(9, round(spec["pages"] * 0.75 + r.uniform(-0.5, 0.5))))
    per_story = max(120, (story_budget - (words - 60)) // n_stories)
    for s in range(n_stories):
        system = systems[s % len(systems)]
        heading(f"{system[0].upper()}{system[1:]} {r.choice(['rebuild', 'migration', 'reliability', 'cost', 'launch', 'redesign'])}", 2)
        start = words
        para(w.paragraph(system, r.randint(2, 3), "situation"))
        while words - start < per_story:
            roll = r.random()
            if roll < 0.4:
                for _ in range(r.randint(2, 5)):
                    para(w.sentence(system), style="List Bullet")
            elif roll < 0.55 and words - start + 40 < per_story:
                rows = [["Metric", "Before", "After"]]
                for _ in range(r.randint(2, 4)):
                    m, unit, before, after = w.metric()
                    rows.append([m[0].upper() + m[1:], _fmt(before, unit), _fmt(after, unit)])
                table(rows)
            elif roll < 0.62:
                para(f"\u201c{w.strong(system)}\u201d ({r.choice(['Product Manager', 'Engineering Manager', 'Staff Engineer', 'Director'])}, "
                     f"{r.choice(TEAMS)})", style="Quote")
            else:
                para(w.paragraph(system, r.randint(2, 5)))

    rest = ["Leadership and Mentoring", "Peer Feedback", "Appendix"]
    for name in rest:
        if words >= target and name != "Appendix":
            continue
        heading(name, 1)
        if name == "Leadership and Mentoring":
            for _ in range(r.randint(2, 5)):
                para(w.sentence(r.choice(systems)), style="List Bullet")
        elif name == "Peer Feedback":
            for _ in range(r.randint(1, 3)):
                para(f"\u201c{w.strong(r.choice(systems))}\u201d ({r.choice(['Peer', 'Manager', 'Skip-level', 'Partner team lead'])})",
                     style="Quote")
        else:
            rows = [["Document", "Link"]] + [[f"{s[0].upper()}{s[1:]} design", f"https://docs.example.com/{spec['index']}/{k}"]
                                             for k, s in enumerate(systems[:r.randint(1, 4)], 1)]
            table(rows)
            while words < target:
                para(w.paragraph(r.choice(systems), r.randint(2, 4)))
    raw = io.BytesIO()
    d.save(raw)
    meta = {k: v for k, v in spec.items() if k != "rng"}
    meta.update(area=area.name, words=words, name=f"p{i:04d}_{spec['pages']:02d}p_{area.name}_{spec['quality']}.docx")
    return _normalise_zip(raw.getvalue()), meta


def _normalise_zip(data: bytes) -> bytes:
    """Same members, fixed timestamps: byte-identical output for the same seed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, zin.read(info.filename))
    return out.getvalue()


def generate(out_dir: Path, n: int, seed: int = DEFAULT_SEED) -> list[dict]:
    """Writes packets 0..n-1 into out_dir (reusing files already there from the same generator, seed
    and index) and returns their metadata, with `path` and `sha256`."""
    import json

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / ".manifest.json"
    key = f"{GENERATOR_VERSION}:{seed}"
    try:
        cache = json.loads(manifest_path.read_text())
        cached = {m["index"]: m for m in cache["packets"]} if cache.get("key") == key else {}
    except (OSError, ValueError, KeyError):
        cached = {}
    metas = []
    for i in range(n):
        m = cached.get(i)
        if m and (out_dir / m["name"]).is_file():
            data = (out_dir / m["name"]).read_bytes()
            if hashlib.sha256(data).hexdigest() == m["sha256"]:
                metas.append(m)
                continue
        data, m = build_packet(seed, i)
        (out_dir / m["name"]).write_bytes(data)
        m["sha256"] = hashlib.sha256(data).hexdigest()
        m["bytes"] = len(data)
        metas.append(m)
    keep = {m["index"]: m for m in metas}
    for idx, m in cached.items():
        keep.setdefault(idx, m)
    manifest_path.write_text(json.dumps({"key": key, "packets": [keep[k] for k in sorted(keep)]}, indent=0))
    for m in metas:
        m["path"] = str(out_dir / m["name"])
    return metas


def corpus_digest(metas: list[dict]) -> str:
    h = hashlib.sha256()
    for m in metas:
        h.update(m["sha256"].encode())
    return h.hexdigest()[:16]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    a = ap.parse_args(argv)
    metas = generate(a.out_dir, a.n, a.seed)
    total = sum(m["words"] for m in metas)
    print(f"{len(metas)} packets, {total:,} words, digest {corpus_digest(metas)} in {a.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
