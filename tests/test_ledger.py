"""Ledger and per-author delivery: plain functions, no Prefect."""
from __future__ import annotations

import io
import json
import threading

import docx
import pytest

from promolint.config import load_config
from promolint.deliver.local_authors import LocalAuthorDestination, author_folder
from promolint.extractors import extract_packet
from promolint.extractors.authors import resolve_author as resolve
from promolint.flows.ledger import Ledger
from promolint.sources.base import PacketRef


def ref(i="a", version="v1", name=None):
    return PacketRef(source_id=f"/in/{i}/{name or i + '.docx'}", name=name or f"{i}.docx", version=version)


def test_reviewed_packet_is_current_until_its_content_changes(tmp_path):
    led = Ledger(tmp_path)
    assert not led.is_current(ref())
    led.record(ref(), "reviewed", stem="a", outputs=["x"])
    assert led.is_current(ref())
    assert not led.is_current(ref(version="v2"))
    # a reopened ledger (next run) remembers
    assert Ledger(tmp_path).is_current(ref())


def test_failed_packets_are_retried_but_rejected_ones_wait_for_a_change(tmp_path):
    led = Ledger(tmp_path)
    led.record(ref("f"), "failed", reason="failed after retries (OSError)")
    led.record(ref("r"), "rejected", reason="legacy .doc format")
    assert not led.is_current(ref("f"))
    assert led.is_current(ref("r"))
    assert not led.is_current(ref("r", version="v2"))
    assert led.get(ref("r").source_id).reason == "legacy .doc format"


def test_a_failure_keeps_the_outputs_of_the_last_good_review(tmp_path):
    led = Ledger(tmp_path)
    led.record(ref(), "reviewed", stem="a", outputs=["/o/a.findings.json"])
    led.record(ref(version="v2"), "failed", reason="x")
    e = led.get(ref().source_id)
    assert e.outputs == ["/o/a.findings.json"] and e.reviewed_version == "v1" and e.stem == "a"


def test_same_file_name_from_two_folders_gets_distinct_stems(tmp_path):
    led = Ledger(tmp_path)
    a, b = ref("x", name="jane.docx"), ref("y", name="jane.docx")
    led.record(a, "reviewed", stem=led.stem_for(a))
    assert led.stem_for(a) == "jane"
    assert led.stem_for(b).startswith("jane-") and led.stem_for(b) != "jane"


def test_previous_review_round_trips(tmp_path):
    led = Ledger(tmp_path)
    assert led.previous_review("/in/a.docx") is None
    doc = {"schema": "promolint.findings/1", "packet": {"source": "/in/a.docx"}, "summary": {"readiness": "ready"}}
    led.save_review("/in/a.docx", json.dumps(doc).encode())
    assert led.previous_review("/in/a.docx").summary == {"readiness": "ready"}


def test_concurrent_writers_lose_nothing(tmp_path):
    led = Ledger(tmp_path)
    threads = [threading.Thread(target=lambda i=i: led.record(ref(str(i)), "reviewed", stem=str(i))) for i in range(40)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(led.entries()) == 40


def _docx(author="", lines=()):
    d = docx.Document()
    d.core_properties.author = author
    for line in lines:
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


ORDER = ["core_properties", "name_line", "file_name"]


def resolve_author(data: bytes, r: PacketRef, order: list[str]) -> str | None:
    """The one resolver as the pipeline uses it: the extractor's answer, then the file name."""
    config = load_config()
    config.delivery.author_from = order
    try:
        packet_author = extract_packet(data, r.name, config).author
    except Exception:  # an unreadable file: only the file name is left
        packet_author = None
    return resolve(packet_author, r.name, order)


def test_author_from_core_properties_first():
    data = _docx("Priya Natarajan", ["Name: Someone Else"])
    assert resolve_author(data, ref(name="packet-x.docx"), ORDER) == "Priya Natarajan"


def test_author_from_name_line_when_core_properties_are_a_tool_default():
    data = _docx("python-docx", ["Promotion packet", "Name: Tomás Ortega", "Level: L5"])
    assert resolve_author(data, ref(name="p.docx"), ORDER) == "Tomás Ortega"


def test_a_candidate_line_names_the_memo_and_the_folder_alike():
    data = _docx("python-docx", ["Promotion packet", "Candidate: Jane Doe", "Level: L5"])
    assert resolve_author(data, ref(name="jd.docx"), ORDER) == "Jane Doe"
    assert author_folder(resolve_author(data, ref(name="jd.docx"), ORDER)) == "Jane Doe"


def test_author_from_file_name_last():
    assert resolve_author(_docx(""), ref(name="jane_doe-promo-packet-v2.docx"), ORDER) == "Jane Doe"
    assert resolve_author(b"not a zip", ref(name="li-wei.docx"), ORDER) == "Li Wei"


def test_author_order_is_configurable():
    data = _docx("Priya Natarajan", ["Name: Tomás Ortega"])
    assert resolve_author(data, ref(name="p.docx"), ["name_line", "core_properties"]) == "Tomás Ortega"
    assert resolve_author(_docx(""), ref(name="jane-doe.docx"), ["core_properties"]) is None
    assert resolve_author(data, ref(name="jane-doe.docx"), ["file_name", "core_properties"]) == "Jane Doe"


@pytest.mark.parametrize("name,folder", [("Jane Doe", "Jane Doe"), ("../../etc", "etc"), ("A/B:C", "A_B_C"),
                                         ("...", "unknown-author")])
def test_author_folder_is_safe(name, folder):
    assert author_folder(name) == folder


def test_per_author_destination_writes_atomically_into_the_author_folder(tmp_path):
    dest = LocalAuthorDestination(tmp_path, per_author=True)
    d = dest.deliver(ref(), {"a.findings.json": b"{}", "a.annotated.docx": b"PK"}, "Jane Doe")
    assert sorted(p.name for p in (tmp_path / "Jane Doe").iterdir()) == ["a.annotated.docx", "a.findings.json"]
    assert d.locations["a.findings.json"] == str(tmp_path / "Jane Doe" / "a.findings.json")
    flat = LocalAuthorDestination(tmp_path / "flat", per_author=False).deliver(ref(), {"a.md": b"x"}, "Jane Doe")
    assert flat.locations == {"a.md": str(tmp_path / "flat" / "a.md")}
