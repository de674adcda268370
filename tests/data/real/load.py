"""Loaders for the real (other people's) text under tests/data/real/.

claims/*.jsonl: one labelled sentence a row; packets/NAME.{md,docx,expect.yaml}: whole public
documents with their expected reading. Splits are by source page (see split_for) so a page's
sentences never sit on both sides.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent
CLAIMS_DIR = ROOT / "claims"
PACKETS_DIR = ROOT / "packets"
FIELDS = ("text", "label", "weakness", "source", "standard", "domain", "split")
LABELS = ("weak", "strong")
STANDARDS = ("committee", "lenient")
DOMAINS = ("backend", "frontend", "mobile", "data", "ml", "sre", "security", "infra", "general")
SPLITS = ("tune", "holdout")
SOURCE_EXTS = (".md", ".txt", ".org")


def visible_text(markdown: str) -> str:
    """Markdown as a reader sees it, whitespace collapsed: link targets, emphasis and code marks dropped."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"[*_`]", "", text)
    return " ".join(text.split())


def split_for(source: str) -> str:
    """Holdout for about 3 sources in 10, fixed by the URL alone."""
    return "holdout" if int(hashlib.sha1(source.encode("utf-8")).hexdigest(), 16) % 10 < 3 else "tune"


def load_claims(split: str | None = None, standard: str | None = None) -> list[dict]:
    rows = []
    for path in sorted(CLAIMS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if (split is None or row["split"] == split) and (standard is None or row["standard"] == standard):
                rows.append(row)
    return rows


def load_packets(split: str | None = None) -> list[dict]:
    """Each packet's expect.yaml, plus name and the paths of its source (md, txt or org)/docx (typed_docx, variants if built)."""
    packets = []
    for path in sorted(PACKETS_DIR.glob("*.expect.yaml")):
        name = path.name[: -len(".expect.yaml")]
        expect = yaml.safe_load(path.read_text(encoding="utf-8"))
        if split is not None and expect["split"] != split:
            continue
        typed = PACKETS_DIR / f"{name}.typed.docx"
        # the verbatim source: Markdown, or plain text / Org mode kept in their own format
        md = next((p for p in (PACKETS_DIR / f"{name}{ext}" for ext in SOURCE_EXTS) if p.exists()), None)
        packets.append({
            **expect,
            "name": name,
            "md": md,
            "docx": PACKETS_DIR / f"{name}.docx",
            "typed_docx": typed if typed.exists() else None,
            # other typed-heading shapes of the same text (NAME.numbered.docx, NAME.caps.docx)
            "variants": [d for d in sorted(PACKETS_DIR.glob(f"{name}.*.docx")) if d != typed],
        })
    return packets
