"""`promolint batch|review gdrive://FOLDER_ID --out DIR`, as a user runs them, against the Drive double
(real googleapiclient over HTTP; `batch` on the real Prefect engine, the CLI reporting to a harness)."""
from __future__ import annotations

import io
import zipfile

import pytest

from conftest import build_packet, run_cli
from drive_double import DOC_MIME
from drive_double.fixtures import drive  # noqa: F401  (fixture)
from prefect_harness import harness  # noqa: F401  (fixture)
from promolint.sources.gdrive import O_ROLE, O_SOURCE, P_ANNOTATED, P_FEEDBACK, P_REV, GDriveSource
from promolint.pipeline import EXIT_REJECTED


CLAIMS = ["I led the migration of the billing service to the new ledger, cutting incidents by 40%.",
          "We shipped the retry framework that three teams now use."]


def packet_bytes(tmp_path, name: str, author: str) -> bytes:
    return build_packet(tmp_path / name, CLAIMS, author=author).read_bytes()


@pytest.mark.slow
def test_batch_reviews_a_drive_folder_and_returns_docs_to_authors(harness, drive, tmp_path):
    folder = drive.add_folder("Packets")
    ids = {
        "dana": drive.add_file("dana-reyes.docx", folder, packet_bytes(tmp_path, "a.docx", "Dana Reyes"), owner="dana@example.com"),
        "lee": drive.add_file("Lee Park packet", folder, packet_bytes(tmp_path, "b.docx", "Lee Park"), mime=DOC_MIME,
                              owner="lee@example.com"),
    }
    drive.add_file("budget.pdf", folder, b"%PDF-1.4", mime="application/pdf")
    env = {"PROMOLINT_DRIVE_ROOT_URL": drive.root_url, "PROMOLINT_DRIVE_TOKEN": drive.token, **harness["env"]}

    r = run_cli("batch", f"gdrive://{folder}", "--out", tmp_path / "out", "--no-progress", env=env)
    assert r.returncode == EXIT_REJECTED, r.stderr   # budget.pdf is rejected, and says why
    summary = (tmp_path / "out" / "cycle-summary.md").read_text()
    assert "budget.pdf" in summary and "not a Google Doc or .docx" in summary
    local = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.findings.json"))
    assert local == ["Dana Reyes/dana-reyes.findings.json", "Lee Park/Lee Park packet.findings.json"]

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
    assert reviewed_calls == 2 * 6, drive.calls   # per packet: 1 download, 2 creates, 2 shares, 1 marker

    drive.reset_counts()
    r = run_cli("batch", f"gdrive://{folder}", "--out", tmp_path / "out", "--no-progress", env=env)
    assert r.returncode == EXIT_REJECTED, r.stderr                  # only budget.pdf, again
    assert drive.total_calls == 2, drive.calls                      # folder + listing, nothing per packet
    assert len([f for f in drive.children(folder) if f["appProperties"].get(O_ROLE)]) == 4
    assert len(drive.notifications) == 2
    summary = (tmp_path / "out" / "cycle-summary.md").read_text()
    assert "| unchanged |" in summary and "| skipped |" in summary


@pytest.mark.slow
def test_batch_says_when_a_packet_could_not_be_shared(harness, drive, tmp_path):
    """Author unknown (shared-drive files have no owner, no mapping): reviewed, not shared, and the
    cycle summary says so. Dask processes: the PacketRef carries the metadata, so still 6 calls."""
    import yaml

    from promolint.flows.flows import review_cycle

    folder = drive.add_folder("Packets", drive_id="0AShared1234567")
    pid = drive.add_file("nobody.docx", folder, packet_bytes(tmp_path, "n.docx", "python-docx"))
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"flows": {"task_runner": "dask", "dask_workers": 1, "retries": 0}}))
    counts = review_cycle(f"gdrive://{folder}", str(tmp_path / "out"), str(cfg))
    assert counts["reviewed_this_run"] == 1 and counts["failed"] == 0
    assert "not shared: author unknown" in (tmp_path / "out" / "cycle-summary.md").read_text()
    assert all(not drive.permissions[f["id"]] for f in drive.children(folder))
    assert drive.files[pid]["appProperties"][P_REV]
    assert drive.total_calls == 2 + 4   # folder + list; export, 2 creates, marker (no shares)


def test_review_command_returns_a_drive_folder_to_its_authors(drive, tmp_path):
    """`promolint review gdrive://...` (no Prefect): local outputs, and the same Drive delivery as the flows."""
    folder = drive.add_folder("Packets")
    pid = drive.add_file("Dana Reyes packet", folder, packet_bytes(tmp_path, "a.docx", "Dana Reyes"), mime=DOC_MIME,
                         owner="dana@example.com")
    env = {"PROMOLINT_DRIVE_ROOT_URL": drive.root_url, "PROMOLINT_DRIVE_TOKEN": drive.token}
    r = run_cli("review", f"gdrive://{folder}", "--out", tmp_path / "out", env=env)
    assert r.returncode == 0, r.stderr
    assert "shared with dana@example.com" in r.stderr
    assert (tmp_path / "out" / "Dana Reyes packet.annotated.docx").exists()
    assert (tmp_path / "out" / "Dana Reyes packet.findings.json").exists()
    roles = sorted(f["appProperties"][O_ROLE] for f in drive.children(folder) if f["appProperties"].get(O_ROLE))
    assert roles == ["annotated", "feedback"]
    assert drive.files[pid]["appProperties"][P_REV]
    assert drive.total_calls == 2 + 6

    drive.reset_counts()
    r = run_cli("review", f"gdrive://{folder}", "--out", tmp_path / "out", env=env)
    assert r.returncode == 0, r.stderr
    assert "unchanged since its last review" in r.stderr and drive.total_calls == 2

    r = run_cli("review", f"gdrive://{folder}", env=env)   # no --out: a usage error
    assert r.returncode == 2 and "--out" in r.stderr
    r = run_cli("review", "https://drive.google.com/drive/my-drive", "--out", tmp_path / "x", env=env)
    assert r.returncode == 2 and "folder" in r.stderr


def test_real_review_outputs_round_trip_through_drive(drive, tmp_path):
    """Without the CLI: the real pipeline's outputs delivered by the Drive destination (runs today)."""
    from promolint.deliver.gdrive import GDriveDestination
    from promolint.config import load_config
    from promolint.pipeline import review_bytes
    from promolint.sources.gdrive import open_gdrive

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


@pytest.mark.slow
def test_an_edited_packet_is_re_reviewed_into_the_same_drive_files(drive, tmp_path):
    """`promolint review gdrive://...` after the author edits the Doc: the annotated copy and the
    feedback the author already has are updated (same ids, new content), not joined by a new pair."""
    folder = drive.add_folder("Packets")
    pid = drive.add_file("Dana Reyes packet", folder, packet_bytes(tmp_path, "a.docx", "Dana Reyes"), mime=DOC_MIME,
                         owner="dana@example.com")
    env = {"PROMOLINT_DRIVE_ROOT_URL": drive.root_url, "PROMOLINT_DRIVE_TOKEN": drive.token}

    def outputs() -> dict[str, str]:
        return {f["appProperties"][O_ROLE]: f["id"] for f in drive.children(folder) if f["appProperties"].get(O_ROLE)}

    assert run_cli("review", f"gdrive://{folder}", "--out", tmp_path / "out", env=env).returncode == 0
    first = outputs()
    before = drive.content[first["annotated"]]
    edited = build_packet(tmp_path / "b.docx", ["I led the ledger migration and cut incidents by 40% across 3 teams."],
                          author="Dana Reyes").read_bytes()
    drive.edit(pid, edited, by="dana@example.com")
    r = run_cli("review", f"gdrive://{folder}", "--out", tmp_path / "out", env=env)
    assert r.returncode == 0, r.stderr
    assert outputs() == first and len([f for f in drive.children(folder) if f["appProperties"].get(O_ROLE)]) == 2
    assert drive.content[first["annotated"]] != before
    with zipfile.ZipFile(io.BytesIO(drive.content[first["annotated"]])) as z:
        assert b"ledger migration" in z.read("word/document.xml")  # the new review's copy
    props = drive.files[pid]["appProperties"]
    assert (props[P_ANNOTATED], props[P_FEEDBACK]) == (first["annotated"], first["feedback"])
