"""Outputs never overwrite each other or leave --out: same-named packets, symlinks, reserved and
over-long names, body text mistaken for an author. Generated inputs, the real CLI and ledger."""
from __future__ import annotations

import os
import threading

import pytest

import hostile
from conftest import build_packet as _build, run_cli
from promolint.deliver.local import claim_stem, write_atomic
from promolint.deliver.local_authors import LocalAuthorDestination, author_folder
from promolint.errors import UnsafeOutput
from promolint.extractors.authors import name_line_author
from promolint.flows.ledger import Ledger
from promolint.sources.base import PacketRef



def build_packet(path, *a, **k):
    path.parent.mkdir(parents=True, exist_ok=True)
    return _build(path, *a, **k)


CLAIMS = ["I led the migration of the billing service and cut p99 latency by 40%."]


def test_two_inputs_with_the_same_name_keep_both_reviews(tmp_path):
    a = build_packet(tmp_path / "a" / "packet.docx", CLAIMS, author="Ann Lee")
    b = build_packet(tmp_path / "b" / "packet.docx", CLAIMS, author="Bo Chan")
    out = tmp_path / "out"
    proc = run_cli("review", a, b, "--out", out)
    assert proc.returncode == 0, proc.stderr
    annotated = sorted(out.glob("*.annotated.docx"))
    assert len(annotated) == 2, proc.stderr
    assert {p.read_bytes() for p in annotated}.__len__() == 2  # each author's own copy
    # a rerun gives each source the same name again (nothing piles up)
    run_cli("review", a, b, "--out", out)
    assert sorted(out.glob("*.annotated.docx")) == annotated


def test_same_stem_different_case_lands_beside_not_in_a_subfolder(tmp_path):
    src = tmp_path / "in"
    build_packet(src / "a.docx", CLAIMS)
    build_packet(src / "a.DOCX", CLAIMS)
    out = tmp_path / "out"
    proc = run_cli("review", src, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert len(list(out.glob("*.annotated.docx"))) == 2
    assert not [p for p in out.iterdir() if p.is_dir() and p.name != ".promolint"]


def test_concurrent_claims_of_one_stem_get_distinct_names(tmp_path):
    got: dict[int, str] = {}
    barrier = threading.Barrier(8)

    def claim(i):
        barrier.wait()
        got[i] = claim_stem(tmp_path, "packet", f"/src/{i}/packet.docx")

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got.values())) == 8 and "packet" in got.values()
    # stable: each source asks again and gets its own name back
    assert all(claim_stem(tmp_path, "packet", f"/src/{i}/packet.docx") == s for i, s in got.items())


def test_ledger_stems_are_unique_case_insensitively(tmp_path):
    led = Ledger(tmp_path)
    one = PacketRef(source_id="/x/Packet.docx", name="Packet.docx", version="1")
    two = PacketRef(source_id="/y/packet.docx", name="packet.docx", version="1")
    assert led.stem_for(one) == "Packet"
    assert led.stem_for(two).startswith("packet-")


def test_a_file_name_at_the_limit_can_be_reviewed(tmp_path):
    name = "简" * 81 + ".docx"   # 243 + 5 bytes: legal, but its outputs would not be
    assert len(name.encode()) <= 255
    src = build_packet(tmp_path / "in" / name, CLAIMS)
    out = tmp_path / "out"
    proc = run_cli("review", src, "--out", out)
    assert proc.returncode == 0, proc.stderr
    outs = list(out.glob("*.annotated.docx"))
    assert len(outs) == 1 and all(len(p.name.encode()) <= 255 for p in out.iterdir())


def test_nothing_is_written_through_a_symlinked_author_folder(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "out"
    root.mkdir()
    (root / "Jane Doe").symlink_to(elsewhere, target_is_directory=True)
    dest = LocalAuthorDestination(root, per_author=True)
    ref = PacketRef(source_id="/in/j.docx", name="j.docx", version="1")
    with pytest.raises(UnsafeOutput):
        dest.deliver(ref, {"j.annotated.docx": b"x"}, "Jane Doe")
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_output_file_is_replaced_not_followed(tmp_path):
    target = tmp_path / "victim.txt"
    target.write_bytes(b"keep")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "p.findings.json").symlink_to(target)
    write_atomic(tmp_path / "out" / "p.findings.json", b"{}", root=tmp_path / "out")
    assert target.read_bytes() == b"keep"
    assert not (tmp_path / "out" / "p.findings.json").is_symlink()


def test_per_author_cycle_with_a_symlinked_folder_reports_one_line(tmp_path):
    src = tmp_path / "in"
    build_packet(src / "jane.docx", CLAIMS, author="Jane Doe")
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "Jane Doe").symlink_to(elsewhere, target_is_directory=True)
    cfg = tmp_path / "org.yaml"
    cfg.write_text("delivery:\n  per_author_folders: true\n")
    from promolint.config import load_config
    from promolint.pipeline import review_ref
    from promolint.sources import open_source

    source = open_source(str(src))
    ref = next(iter(source.list()))
    r = review_ref(source, ref, load_config(cfg), out, ledger=Ledger(out), per_author=True)
    assert r.status == "failed" and r.code == "unsafe-output" and "Jane Doe" in r.reason
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("author", ["cycle-summary.md", "cycle-summary", "CYCLE-SUMMARY.html", ".promolint"])
def test_reserved_names_are_never_author_folders(author):
    folder = author_folder(author)
    assert not folder.casefold().startswith(("cycle-summary", ".promolint", "promolint")), folder


def test_body_text_is_not_taken_for_an_author():
    body = "Engineer - led the migration of the billing service to the new platform in 2023"
    assert name_line_author([body]) is None
    assert name_line_author(["Name: Jane O'Neil-Smith"]) == "Jane O'Neil-Smith"


def test_no_author_means_unknown_author_folder_not_body_text(tmp_path):
    data = hostile.with_document_xml(hostile._DOC_OPEN + hostile.paragraphs_xml(
        ["Engineer - led the migration of the billing service to the new platform in 2023 and more.",
         "What You Did", "I led the migration of the billing service and cut p99 latency by 40%."])
        + hostile._DOC_CLOSE)
    src = tmp_path / "in"
    src.mkdir()
    (src / "packet-final.docx").write_bytes(data)
    from promolint.config import load_config
    from promolint.pipeline import review_ref
    from promolint.sources import open_source

    source = open_source(str(src))
    ref = next(iter(source.list()))
    out = tmp_path / "out"
    r = review_ref(source, ref, load_config(None), out, ledger=Ledger(out), per_author=True)
    assert r.status == "reviewed", r.reason
    assert "migration" not in (r.author_dir or "") and "migration" not in (r.author or "")
    assert not [d for d in out.iterdir() if "migration" in d.name]
