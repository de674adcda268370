"""One path per packet: `review` and `batch` give a folder's packets the same outcomes, and both
exit with the code the README's table states for them."""
from __future__ import annotations

import re

import pytest

from conftest import REPO, build_packet, run_cli
from prefect_harness import harness  # noqa: F401  (fixture)
from promolint.pipeline import EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_FINDINGS, EXIT_OK, EXIT_REJECTED, EXIT_TABLE, EXIT_USAGE, exit_code

CLAIMS = ["I helped with the migration to Kafka.", "We improved latency a lot."]


def readme_exit_codes() -> dict[str, int]:
    """The README's exit-code table: first cell the code, second what it means."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\|\s*`(\d+)`\s*\|\s*(.+?)\s*\|$", section, re.M)
    return {meaning: int(code) for code, meaning in rows}


def code_for(word: str) -> int:
    [code] = {c for meaning, c in readme_exit_codes().items() if word in meaning}
    return code


def test_the_readme_states_the_table_the_code_applies():
    table = readme_exit_codes()
    assert sorted(table.values()) == [0, 1, 2, 3, 4, 5, 130]
    assert code_for("could not be written") == EXIT_ENVIRONMENT
    assert code_for("rejected") == EXIT_REJECTED and code_for("failed") == EXIT_FAILED
    assert code_for("--fail-on") == EXIT_FINDINGS and code_for("usage") == EXIT_USAGE
    assert code_for("every packet reviewed") == EXIT_OK
    assert table == {meaning: code for code, meaning in EXIT_TABLE}  # the README states the code's table


@pytest.mark.parametrize("counts,findings,expected", [
    ({"reviewed": 2}, False, EXIT_OK),
    ({"reviewed": 2, "unchanged": 1, "deferred": 1}, False, EXIT_OK),
    ({"reviewed": 1}, True, EXIT_FINDINGS),
    ({"reviewed": 1, "rejected": 1}, True, EXIT_REJECTED),
    ({"rejected": 1, "failed": 1}, False, EXIT_FAILED),
])
def test_exit_code_takes_the_first_row_that_applies(counts, findings, expected):
    assert exit_code(counts, findings=findings) == expected


def _outcomes_from_review(stderr: str) -> dict[str, str]:
    out = {}
    for line in stderr.splitlines():
        m = re.match(r"^(\S+\.docx): (rejected|skipped|failed)?", line)
        if m:
            out[m.group(1)] = m.group(2) or "reviewed"
    return out


def _outcomes_from_summary(summary: str) -> dict[str, str]:
    packets = summary.split("## Packets", 1)[1]
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| (\S+\.docx) \| (\w+) \|", packets, re.M)}


@pytest.mark.slow
def test_review_and_batch_give_the_same_outcomes_and_the_tables_exit_code(harness, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    build_packet(folder / "good.docx", CLAIMS, author="Jane Doe")
    (folder / "bad.docx").write_text("plain text with a Word name")

    reviewed = run_cli("review", folder, "--out", tmp_path / "review-out")
    batch = run_cli("batch", folder, "--out", tmp_path / "batch-out", "--no-progress", env=harness["env"])

    assert _outcomes_from_review(reviewed.stderr) == {"good.docx": "reviewed", "bad.docx": "rejected"}, reviewed.stderr
    summary = (tmp_path / "batch-out" / "cycle-summary.md").read_text()
    assert _outcomes_from_summary(summary) == {"good.docx": "reviewed", "bad.docx": "rejected"}, summary
    reason = re.search(r"^bad\.docx: rejected: (.+)$", reviewed.stderr, re.M).group(1)
    assert reason in summary  # the same one-line reason
    assert reviewed.returncode == batch.returncode == code_for("rejected") == EXIT_REJECTED, batch.stderr
    # the same outputs for the good packet: flat for review, in the author's folder for batch
    assert (tmp_path / "review-out" / "good.annotated.docx").exists()
    assert (tmp_path / "batch-out" / "Jane Doe" / "good.annotated.docx").exists()

    # nothing changed: the batch says so and exits as the table says for unchanged + rejected
    again = run_cli("batch", folder, "--out", tmp_path / "batch-out", "--no-progress", env=harness["env"])
    assert again.returncode == EXIT_REJECTED
    assert _outcomes_from_summary((tmp_path / "batch-out" / "cycle-summary.md").read_text()) == {
        "good.docx": "unchanged", "bad.docx": "rejected"}


@pytest.mark.slow
def test_a_candidate_line_files_the_outputs_under_the_memos_addressee(harness, tmp_path):
    """Issue 14: "Candidate: Jane Doe" in jd.docx -> OUT/Jane Doe/, and the memo names Jane Doe."""
    import docx

    folder = tmp_path / "in"
    folder.mkdir()
    d = docx.Document()
    d.core_properties.author = "python-docx"
    d.add_heading("Promotion packet", 0)
    d.add_paragraph("Candidate: Jane Doe")
    d.add_heading("What You Did", 1)
    for c in CLAIMS:
        d.add_paragraph(c)
    d.save(folder / "jd.docx")
    r = run_cli("batch", folder, "--out", tmp_path / "out", "--no-progress", env=harness["env"])
    assert r.returncode == EXIT_OK, r.stderr
    assert [p.name for p in (tmp_path / "out").iterdir() if p.is_dir() and not p.name.startswith(".")] == ["Jane Doe"]
    import json

    findings = json.loads((tmp_path / "out" / "Jane Doe" / "jd.findings.json").read_text())
    assert findings["packet"]["author"] == "Jane Doe"
