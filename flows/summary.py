"""The cycle summary: counts, readiness and score distributions, most common rules.

Built only from `PacketResult`s, so it holds identifiers, scores and rule ids, never packet text.
"""
from __future__ import annotations

import html
import io
import statistics
from collections import Counter
from pathlib import Path

from promolint.deliver.local import write_atomic
from promolint.flows.core import PacketResult

SUMMARY_STEM = "cycle-summary"
TOP_RULES = 10


def build_summary(results: list[PacketResult]) -> dict:
    by_status = Counter(r.status for r in results)
    scored = [r for r in results if r.status in ("reviewed", "unchanged")]
    dims: dict[str, list[float]] = {}
    for r in scored:
        for k, v in r.scores.items():
            dims.setdefault(k, []).append(v)
    rules: Counter = Counter()
    packets_with: Counter = Counter()
    for r in scored:
        rules.update(r.rules)
        packets_with.update(r.rules.keys())
    return {
        "counts": {
            "packets": len(results),
            "reviewed": by_status["reviewed"] + by_status["unchanged"],
            "reviewed_this_run": by_status["reviewed"],
            "unchanged": by_status["unchanged"],
            "skipped": by_status["skipped"] + by_status["rejected"],
            "failed": by_status["failed"],
            "deferred": by_status["deferred"],
        },
        "readiness": dict(Counter(r.readiness or "unknown" for r in scored).most_common()),
        "dimensions": {
            k: {"n": len(v), "min": min(v), "median": statistics.median(v), "mean": round(statistics.fmean(v), 2),
                "max": max(v)}
            for k, v in sorted(dims.items())
        },
        "top_rules": [{"rule": k, "findings": n, "packets": packets_with[k]} for k, n in rules.most_common(TOP_RULES)],
        "quarantined": [{"name": r.name, "status": r.status, "reason": r.reason or ""}
                        for r in results if r.status in ("rejected", "failed", "skipped", "deferred")],
        "notes": [{"name": r.name, "note": r.note} for r in results if r.note],
        "packets": [{"name": r.name, "status": r.status, "code": r.code or "", "readiness": r.readiness or "",
                     "findings": sum(r.rules.values()), "weak_claims": r.weak_claims, "claims": r.claims,
                     "folder": r.author_dir or "", "note": r.note or "",
                     **{f"score:{k}": v for k, v in sorted(r.scores.items())},
                     "rules": " ".join(f"{k}={n}" for k, n in sorted(r.rules.items()))}
                    for r in results],
    }


def _md_table(rows: list[dict]) -> str:
    if not rows:
        return "_none_\n"
    cols = list(dict.fromkeys(k for r in rows for k in r))
    esc = lambda v: str(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(esc(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _sections(s: dict) -> list[tuple[str, list[dict]]]:
    return [
        ("Counts", [s["counts"]]),
        ("Readiness", [{"readiness": k, "packets": v} for k, v in s["readiness"].items()]),
        ("Dimension scores", [{"dimension": k, **v} for k, v in s["dimensions"].items()]),
        ("Most common rules", s["top_rules"]),
        ("Quarantined", s["quarantined"]),
        ("Delivery notes", s.get("notes", [])),
        ("Packets", s["packets"]),
    ]


def render_markdown(s: dict) -> str:
    parts = ["# Promotion cycle summary\n"]
    for title, rows in _sections(s):
        parts.append(f"\n## {title}\n\n{_md_table(rows)}")
    return "".join(parts)


def render_html(s: dict) -> str:
    body = []
    for title, rows in _sections(s):
        body.append(f"<h2>{html.escape(title)}</h2>")
        if not rows:
            body.append("<p><em>none</em></p>")
            continue
        cols = list(dict.fromkeys(k for r in rows for k in r))
        body.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr>")
        body += ["<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in cols) + "</tr>" for r in rows]
        body.append("</table>")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Promotion cycle summary</title></head><body>"
            "<h1>Promotion cycle summary</h1>" + "".join(body) + "</body></html>\n")


def render_docx(s: dict) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading("Promotion cycle summary", 0)
    for title, rows in _sections(s):
        doc.add_heading(title, 1)
        if not rows:
            doc.add_paragraph("none")
            continue
        cols = list(dict.fromkeys(k for r in rows for k in r))
        table = doc.add_table(rows=1, cols=len(cols))
        for cell, c in zip(table.rows[0].cells, cols):
            cell.text = c
        for r in rows:
            for cell, c in zip(table.add_row().cells, cols):
                cell.text = str(r.get(c, ""))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_summary(s: dict, out_root: Path, formats: list[str]) -> list[Path]:
    renderers = {"md": lambda: render_markdown(s).encode(), "html": lambda: render_html(s).encode(),
                 "docx": lambda: render_docx(s)}
    return [write_atomic(Path(out_root) / f"{SUMMARY_STEM}.{f}", renderers[f]()) for f in formats if f in renderers]
