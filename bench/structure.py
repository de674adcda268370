"""How well promolint reads the structure of real public documents (tests/data/real/packets).

Per packet (and its typed-headings copy): every expected heading read or skipped as expect.yaml
says, the claim count against min_claims, and template yes/no. Tune documents are printed one
by one; holdout only as totals, for reporting (never tune on it).

    .venv/bin/python bench/structure.py [--split tune|holdout] [-v]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data" / "real"))

from load import load_packets  # noqa: E402

from promolint.config import load_config  # noqa: E402
from promolint.extractors import extract_packet  # noqa: E402
from promolint.extractors.sections import normalize_title  # noqa: E402


def score(packet: dict, docx: Path, config) -> dict:
    """Section agreement for one docx: (heading, expected, got) mismatches plus counts."""
    got = extract_packet(docx.read_bytes(), docx.name, config)
    read = {normalize_title(s.title) for s in got.sections if s.reviewed}
    titles = {normalize_title(s.title) for s in got.sections}
    expected = [(h, True) for h in packet["sections_read"]]
    expected += [(s["heading"], False) for s in packet["sections_skipped"]]
    expected = [(h, want) for h, want in expected if normalize_title(h)]  # a bare "###": nothing to read or skip
    wrong = [(h, want) for h, want in expected
             if (normalize_title(h) in read) != want or normalize_title(h) not in titles]
    template = got.template
    return {"headings": len(expected), "wrong": wrong, "claims": len(got.claims),
            "min_claims": packet["min_claims"], "template_ok": bool(template) == bool(packet["template"]),
            "ok": not wrong and bool(template) == bool(packet["template"])
            and (packet["template"] or len(got.claims) >= packet["min_claims"])}


def run(split: str, verbose: bool) -> tuple[int, int]:
    config = load_config(None)
    ok = total = headings = headings_right = 0
    for packet in load_packets(split=split):
        for docx in filter(None, (packet["docx"], packet["typed_docx"], *packet.get("variants", []))):
            r = score(packet, docx, config)
            total += 1
            ok += r["ok"]
            right = r["headings"] - len(r["wrong"])
            headings, headings_right = headings + r["headings"], headings_right + right
            if split != "tune":
                continue  # holdout is read once, as totals: no per-document line to tune against
            print(f"{split:8} {docx.name:45} {'ok ' if r['ok'] else 'BAD'} headings {right}/{r['headings']}"
                  f" claims {r['claims']} (min {r['min_claims']}) template {'ok' if r['template_ok'] else 'WRONG'}")
            if verbose:
                for h, want in r["wrong"]:
                    print(f"         should {'read' if want else 'skip'}: {h}")
    print(f"{split}: {ok}/{total} documents read as expected ({headings_right}/{headings} headings)")
    return ok, total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=["tune", "holdout"], action="append")
    ap.add_argument("-v", "--verbose", action="store_true", help="list wrong headings (tune only)")
    args = ap.parse_args()
    for split in args.split or ["tune", "holdout"]:
        run(split, args.verbose)


if __name__ == "__main__":
    main()
