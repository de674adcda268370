"""Shared fixtures: the CLI as a user runs it, packets built with python-docx, LibreOffice."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import docx
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
EXAMPLES = REPO / "examples"
PROMOLINT = Path(sys.executable).parent / "promolint"


def run_cli(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PROMOLINT), *map(str, args)], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def build_packet(path: Path, claims: list[str], *, title="Promotion packet: L5 to L6", author="Dana Reyes",
                 heading="What You Did") -> Path:
    d = docx.Document()
    d.core_properties.author = author
    d.add_heading(title, 0)
    d.add_heading("Summary", 1)
    d.add_paragraph("This packet covers eighteen months on the payments platform.")
    d.add_heading(heading, 1)
    for c in claims:
        d.add_paragraph(c)
    d.add_heading("Appendix", 1)
    d.add_paragraph("Design documents are linked below.")
    d.save(path)
    return path


def paragraph_texts(path: Path) -> list[str]:
    """Every paragraph's text, body and tables included, as python-docx reads it."""
    d = docx.Document(str(path))
    return [p.text for p in d.element.body.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p")
            for p in [docx.text.paragraph.Paragraph(p, d)]]


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_convert(src: Path, fmt: str, outdir: Path, timeout: float = 180) -> Path:
    """Convert with a private LibreOffice profile (parallel runs otherwise collide)."""
    exe = soffice()
    if exe is None:
        pytest.skip("soffice not installed (.ci/run installs libreoffice-writer; it could not here)")
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
             "--outdir", str(outdir), str(src)],
            check=True, capture_output=True, timeout=timeout,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = outdir / (src.stem + "." + fmt.split(":")[0])
    assert out.exists(), f"LibreOffice produced no {out.name}"
    return out


@pytest.fixture
def packet_factory(tmp_path):
    def make(claims, name="packet.docx", **kw):
        return build_packet(tmp_path / name, claims, **kw)
    return make
