"""The feedback .docx as LibreOffice lays it out: the main part fits in six pages.

Set PROMOLINT_RENDER_PAGES=<dir> to keep the page PNGs for a person to look at.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import test_render_fixtures as F
from conftest import EXAMPLES, soffice_convert
from promolint.render import render_feedback

pytestmark = pytest.mark.libreoffice
MAX_MAIN_PAGES = 6
APPENDIX_FIRST_LINE = "Claim by claim"  # first sub-heading of the appendix (templates/sections/claims.html.j2)


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout for n in range(1, count + 1)]


def _main_pages(pages: list[str]) -> int:
    """Pages before the one where the appendix starts (the appendix begins on a new page)."""
    for n, text in enumerate(pages):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if "Appendix" in lines and APPENDIX_FIRST_LINE in lines:
            return n
    raise AssertionError("no appendix page found")


def _look(pdf: Path, name: str, tmp_path: Path) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed")
    out = Path(os.environ.get("PROMOLINT_RENDER_PAGES") or tmp_path) / name
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(out / "page")], check=True, timeout=120)
    return sorted(out.glob("page-*.png"))


def _check(docx_bytes: bytes, name: str, tmp_path: Path) -> int:
    src = tmp_path / f"{name}.feedback.docx"
    src.write_bytes(docx_bytes)
    pdf = soffice_convert(src, "pdf", tmp_path)
    pages = _pages(pdf)
    main = _main_pages(pages)
    assert 1 <= main <= MAX_MAIN_PAGES, f"{name}: main part is {main} pages"
    assert pages[0].count("Bottom line") == 1  # the bottom line starts on the first page
    assert len(_look(pdf, name, tmp_path)) == len(pages)
    return main


@pytest.mark.parametrize("name,make", [("typical", F.review), ("long_weak", F.large_review)])
def test_fixture_feedback_main_part_fits_six_pages(name, make, tmp_path):
    out = render_feedback(make(), F.config(), ["docx"], today=dt.date(2025, 11, 24))
    _check(out["docx"], name, tmp_path)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.docx")))
def test_example_packet_feedback_fits_six_pages(example, tmp_path):
    from promolint.config import load_config
    from promolint.pipeline import review_bytes

    config = load_config()
    config.output.formats = ["docx", "md"]
    outputs = review_bytes((EXAMPLES / example).read_bytes(), example, config)
    md = outputs.feedback["md"].decode()
    for story in outputs.review.stories:
        assert f"### {story.title.strip()}" in md or story.title.strip() in md
    _check(outputs.feedback["docx"], Path(example).stem, tmp_path)
