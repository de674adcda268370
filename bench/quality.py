"""Quality bench: weak recall, strong false-flag rate and per-rule precision on labelled sentences,
next to what proselint flags on the same sentences; plus analyzer speed on a ~3,000-word packet.

    .venv/bin/python bench/quality.py [--show] [FILES...]

Defaults: real text first (tests/data/real: claims per standard and split, then the real packets
per split; holdout is printed, never tuned on), then our in-sample set and the shared dev set.
A sentence is "flagged" when any finding on it is a warning or an error. Prints no packet text
unless --show is given (the sets are synthetic, but the habit matters).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from promolint.analysis import analyze  # noqa: E402
from packet_fixtures import packet_from_sentences  # noqa: E402
from promolint.config import load_config  # noqa: E402
from data.real.load import SPLITS, STANDARDS, load_claims, load_packets  # noqa: E402

OWN = sorted((ROOT / "tests/data/claims").glob("*.jsonl"))
DEV = ROOT.parent / "shared/dev/claims.jsonl"
FLAG = {"warning", "error"}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9%$]+", " ", text.lower()).split())


def real_claims(config, show: bool, splits=SPLITS) -> None:
    """Weak recall and strong false-flag on other people's labelled sentences, per split and standard."""
    print("\n== real claims (tests/data/real/claims; holdout is scored, never tuned on)")
    for split in splits:
        for standard in STANDARDS:
            rows = load_claims(split=split, standard=standard)
            if not rows:
                continue
            s = score(rows, config)
            w, st = s["n_weak"], s["n_strong"]
            print(f"{split:8s} {standard:10s} weak recall {s['weak_recall']:.3f} ({round(s['weak_recall'] * w)}/{w})"
                  f"   strong false-flag {s['strong_false_flag']:.3f} ({round(s['strong_false_flag'] * st)}/{st})")
            if show and split == "tune":
                for lab, rules, text in s["misses"]:
                    print(f"  miss[{lab}] {rules} {text}")


# A rewrite is garbled when a slot leaks, a quote is unbalanced or a quoted phrase of the author's
# is a fragment (tests/rewrite_check.py, which the rewrite test uses too).
from rewrite_check import problems as garbled_problems  # noqa: E402


def real_packets(config, show: bool, splits=SPLITS) -> None:
    """Per split: share of labelled weak claims whose sentences carry a comment, share of comments on
    labelled claims that sit on a strong one, and rewrite suggestions with a placeholder left in."""
    from promolint.extractors import extract_packet

    print("\n== real packets (tests/data/real/packets; holdout is scored, never tuned on)")
    for split in splits:
        weak = [0, 0]
        comments = [0, 0]  # [wrong, all] over flagged sentences matched to a labelled claim
        garbled = 0
        for p in load_packets(split=split):
            review = analyze(extract_packet(p["docx"].read_bytes(), p["name"], config), config)
            sentences = [(_norm(c.text), c) for c in review.claims]
            for c in review.claims:
                garbled += sum(bool(garbled_problems(f.suggestion)) for f in c.findings)
            for exp in p.get("claims") or []:
                key = _norm(exp["text"])
                hits = [c for n, c in sentences if n and (n in key or key in n)]
                flagged = [c for c in hits if c.weak]
                if exp["label"] == "weak":
                    weak[1] += 1
                    weak[0] += bool(flagged)
                    if show and split == "tune" and not flagged:
                        print(f"  miss[weak] {p['name']}: {exp['text'][:160]}")
                comments[1] += len(flagged)
                comments[0] += len(flagged) * (exp["label"] == "strong")
                if show and split == "tune" and exp["label"] == "strong" and flagged:
                    print(f"  wrong[strong] {p['name']}: {exp['text'][:160]} "
                          f"{sorted({f.rule for c in flagged for f in c.findings})}")
        print(f"{split:8s} weak claims with a comment {weak[0] / max(1, weak[1]):.3f} ({weak[0]}/{weak[1]})"
              f"   comments wrong {comments[0] / max(1, comments[1]):.3f} ({comments[0]}/{comments[1]})"
              f"   garbled rewrites {garbled}")


def read(files) -> list[dict]:
    return [json.loads(line) for f in files for line in Path(f).read_text().splitlines() if line.strip()]


def score(rows: list[dict], config) -> dict:
    """Recall on weak, false-flag on strong, and per-rule precision (share of a rule's flagged
    sentences that are labelled weak)."""
    review = analyze(packet_from_sentences([r["text"] for r in rows]), config)
    weak = [0, 0]
    strong = [0, 0]
    fired, fired_on_weak = Counter(), Counter()
    misses = []
    for r, c in zip(rows, review.claims):
        rules = {f.rule for f in c.findings if f.severity in FLAG}
        hit = bool(rules)
        bucket = weak if r["label"] == "weak" else strong
        bucket[1] += 1
        bucket[0] += hit
        for rule in rules:
            fired[rule] += 1
            fired_on_weak[rule] += r["label"] == "weak"
        if hit != (r["label"] == "weak"):
            misses.append((r["label"], sorted(rules), r["text"]))
    return {
        "weak_recall": weak[0] / max(1, weak[1]),
        "strong_false_flag": strong[0] / max(1, strong[1]),
        "n_weak": weak[1],
        "n_strong": strong[1],
        "precision": {k: (fired_on_weak[k] / fired[k], fired[k]) for k in sorted(fired)},
        "misses": misses,
    }


def proselint_score(rows: list[dict]) -> dict | None:
    """The same two figures for proselint 0.16 (any proselint result counts as a flag)."""
    try:
        from proselint.checks import __register__
        from proselint.registry import CheckRegistry
        from proselint.tools import LintFile
    except ImportError:
        return None
    registry = CheckRegistry()
    if not registry.checks:
        registry.register_many(__register__)
    weak = [0, 0]
    strong = [0, 0]
    checks = Counter()
    for r in rows:
        results = LintFile("<claim>", r["text"]).lint()
        bucket = weak if r["label"] == "weak" else strong
        bucket[1] += 1
        bucket[0] += bool(results)
        checks.update(x.check_result.check_path for x in results)
    return {"weak_recall": weak[0] / max(1, weak[1]), "strong_false_flag": strong[0] / max(1, strong[1]),
            "top_checks": checks.most_common(5)}


def timing(config, words_target: int = 3000, runs: int = 20) -> tuple[int, float, float]:
    """(words, median ms, max ms) for analyze() on a packet built from our labelled sentences."""
    rows = read(OWN)
    sentences, words = [], 0
    while words < words_target:
        for r in rows:
            sentences.append(r["text"])
            words += len(r["text"].split())
            if words >= words_target:
                break
    packet = packet_from_sentences(sentences)
    analyze(packet, config)  # warm the compiled-rules cache, as a long-running server would be
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        analyze(packet, config)
        times.append((time.perf_counter() - t) * 1000)
    return words, statistics.median(times), max(times)


def report(name: str, rows: list[dict], config, show: bool) -> dict:
    s = score(rows, config)
    print(f"\n== {name}: {s['n_weak']} weak, {s['n_strong']} strong")
    print(f"promolint  weak recall {s['weak_recall']:.3f}   strong false-flag {s['strong_false_flag']:.3f}")
    p = proselint_score(rows)
    if p:
        print(f"proselint  weak recall {p['weak_recall']:.3f}   strong false-flag {p['strong_false_flag']:.3f}"
              f"   (top checks: {', '.join(f'{k}={v}' for k, v in p['top_checks']) or 'none'})")
    print("per-rule precision (share of flagged sentences labelled weak, n):")
    for rule, (prec, n) in s["precision"].items():
        print(f"  {rule:42s} {prec:.2f}  n={n}")
    if show:
        for lab, rules, text in s["misses"]:
            print(f"  miss[{lab}] {rules} {text}")
    return s


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", action="store_true", help="print missed sentences")
    ap.add_argument("--split", choices=SPLITS, help="score only this split of the real text (tune while tuning)")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args(argv)
    config = load_config()
    if not a.files:
        splits = (a.split,) if a.split else SPLITS
        real_claims(config, a.show, splits)
        real_packets(config, a.show, splits)
    sets = [(Path(f).name, read([f])) for f in a.files] if a.files else [("own set", read(OWN))]
    if not a.files and DEV.exists():
        sets.append(("shared dev set", read([DEV])))
    for name, rows in sets:
        report(name, rows, config, a.show)
    words, med, worst = timing(config)
    print(f"\nanalyze() on a {words}-word packet: median {med:.1f} ms, max {worst:.1f} ms (target < 50 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
