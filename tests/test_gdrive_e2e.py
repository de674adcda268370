"""`promolint batch gdrive://FOLDER_ID --out DIR`, as a user runs it, against the Drive double."""
from __future__ import annotations

import io
import zipfile

import pytest

from conftest import build_packet, run_cli
from drive_double import DOC_MIME
from drive_double.fixtures import drive  # noqa: F401  (fixture)
from sources.gdrive import O_ROLE, O_SOURCE, P_ANNOTATED, P_FEEDBACK, P_REV, GDriveSource


def _cli_routes_gdrive() -> bool:
    from sources import open_source

    try:
        return isinstance(open_source("gdrive://1AbCdEfGhIjKlMnOp"), GDriveSource)  # builds nothing, calls nothing
    except Exception:
        return False


needs_cli = pytest.mark.skipif(not _cli_routes_gdrive(), reason="sources.open_source does not route gdrive:// to open_gdrive yet "
                       "(and flows.core.process_packet must deliver via deliver.gdrive.GDriveDestination); see docs/DRIVE.md")

CLAIMS = ["I led the migration of the billing service to the new ledger, cutting incidents by 40%.",
          "We shipped the retry framework that three teams now use."]


def packet_bytes(tmp_path, name: str, author: str) -> bytes:
    return build_packet(tmp_path / name, CLAIMS, author=author).read_bytes()


@pytest.mark.slow
@needs_cli
def test_batch_reviews_a_drive_folder_and_returns_docs_to_authors(drive, tmp_path):
    folder = drive.add_folder("Packets")
    ids = {
        "dana": drive.add_file("dana-reyes.docx", folder, packet_bytes(tmp_path, "a.docx", "Dana Reyes"), owner="dana@example.com"),
        "lee": drive.add_file("Lee Park packet", folder, packet_bytes(tmp_path, "b.docx", "Lee Park"), mime=DOC_MIME,
                              owner="lee@example.com"),
    }
    drive.add_file("budget.pdf", folder, b"%PDF-1.4", mime="application/pdf")
    env = {"PROMOLINT_DRIVE_ROOT_URL": drive.root_url, "PROMOLINT_DRIVE_TOKEN": drive.token}

    r = run_cli("batch", f"gdrive://{folder}", "--out", tmp_path / "out", "--no-progress", env=env)
    assert r.returncode in (0, 1), r.stderr   # 1: budget.pdf is skipped, and says why

    outputs = [f for f in drive.children(folder) if f["appProperties"].get(O_ROLE)]
    assert len(outputs) == 4
    for who, pid in ids.items():
        mine = {f["appProperties"][O_ROLE]: f for f in outputs if f["appProperties"][O_SOURCE] == pid}
        assert set(mine) == {"annotated", "feedback"}
        annotated = mine["annotated"]
        assert annotated["mimeType"] == DOC_MIME
        with zipfile.ZipFile(io.BytesIO(drive.content[annotated["id"]])) as z:
            assert "word/comments.xml" in z.namelist()      # the converted doc carries anchored comments
        for f in mine.values():
            assert [p["emailAddress"] for p in drive.permissions[f["id"]]] == [f"{who}@example.com"]
            assert drive.permissions[f["id"]][0]["role"] == "commenter"
        props = drive.files[pid]["appProperties"]
        assert props[P_REV] and props[P_ANNOTATED] == annotated["id"] and props[P_FEEDBACK] == mine["feedback"]["id"]
    assert sorted(n["email"] for n in drive.notifications) == ["dana@example.com", "lee@example.com"]
    reviewed_calls = drive.total_calls - 2   # folder metadata + one list page per run
    assert reviewed_calls / 2 <= 6

    drive.reset_counts()
    r = run_cli("batch", f"gdrive://{folder}", "--out", tmp_path / "out", "--no-progress", env=env)
    assert r.returncode in (0, 1), r.stderr
    assert drive.total_calls <= 2                                   # a listing, nothing per packet
    assert len([f for f in drive.children(folder) if f["appProperties"].get(O_ROLE)]) == 4


def test_real_review_outputs_round_trip_through_drive(drive, tmp_path):
    """Without the CLI: the real pipeline's outputs delivered by the Drive destination (runs today)."""
    from deliver.gdrive import GDriveDestination
    from promolint.config import load_config
    from promolint.pipeline import review_bytes
    from sources.gdrive import open_gdrive

    folder = drive.add_folder("Packets")
    pid = drive.add_file("Dana Reyes packet", folder, packet_bytes(tmp_path, "a.docx", "Dana Reyes"), mime=DOC_MIME,
                         owner="dana@example.com")
    config = load_config()
    src = open_gdrive(f"gdrive://{folder}", config)
    dest = GDriveDestination.for_source(src, config)
    [ref] = list(src.list())
    outputs = review_bytes(src.fetch(ref), ref.source_id, config)
    d = dest.deliver(ref, outputs.files(ref.stem), "Dana Reyes")
    assert d.shared_with == ["dana@example.com"]
    annotated = drive.files[d.locations["annotated"]]
    with zipfile.ZipFile(io.BytesIO(drive.content[annotated["id"]])) as z:
        assert "word/comments.xml" in z.namelist()
    assert drive.files[pid]["appProperties"][P_REV] == ref.version
    assert drive.total_calls == 2 + 6   # folder + list, then 6 for the packet
