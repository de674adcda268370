"""Returning reviewed packets on Drive: conversion, sharing, appProperties, call budget, upload faults."""
from __future__ import annotations

import pytest

from promolint.deliver.gdrive import GDriveDestination
from drive_double import DOC_MIME, DOCX_MIME
from drive_double.fixtures import drive  # noqa: F401  (fixture)
from promolint.sources.base import PacketRef, Skipped
from promolint.sources.gdrive import ALREADY_REVIEWED, O_ROLE, P_ANNOTATED, P_FEEDBACK, P_REV, open_gdrive
from promolint.sources.gdrive_auth import DriveClient, GDriveConfig

OUTPUTS = {"annotated": b"ANNOTATED-DOCX", "feedback": b"FEEDBACK-DOCX", "findings": b"{}"}


def files_for(ref: PacketRef, annotated: bytes = OUTPUTS["annotated"]) -> dict[str, bytes]:
    return {f"{ref.stem}.annotated.docx": annotated, f"{ref.stem}.findings.json": OUTPUTS["findings"],
            f"{ref.stem}.feedback.docx": OUTPUTS["feedback"], f"{ref.stem}.feedback.md": b"# md"}


def open_pair(folder: str, sleeps: list | None = None, **cfg):
    client = DriveClient(GDriveConfig(**cfg), sleep=(sleeps.append if sleeps is not None else lambda s: None))
    src = open_gdrive(f"gdrive://{folder}", client=client)
    return src, GDriveDestination.for_source(src)


def review_all(src, dest, author=None) -> list:
    out = []
    for item in src.list():
        if isinstance(item, PacketRef):
            src.fetch(item)
            out.append(dest.deliver(item, files_for(item), author))
    return out


def outputs_in(drive, folder: str) -> list[dict]:
    return [f for f in drive.children(folder) if f["appProperties"].get(O_ROLE)]


def test_delivers_converted_docs_shared_with_owner_only(drive):
    folder = drive.add_folder("Packets")
    pid = drive.add_file("jane-doe.docx", folder, b"packet", owner="jane@example.com")
    src, dest = open_pair(folder)

    [d] = review_all(src, dest)

    outs = {f["appProperties"][O_ROLE]: f for f in outputs_in(drive, folder)}
    assert set(outs) == {"annotated", "feedback"}
    for role, f in outs.items():
        assert f["mimeType"] == DOC_MIME                      # converted, so Word comments become Docs comments
        assert drive.content[f["id"]] == OUTPUTS[role]
        assert [(p["emailAddress"], p["role"]) for p in drive.permissions[f["id"]]] == [("jane@example.com", "commenter")]
    assert outs["annotated"]["name"] == "jane-doe (reviewed by promolint)"
    assert outs["feedback"]["name"] == "jane-doe (promolint feedback)"
    assert drive.permissions[pid] == []                       # the packet itself is never re-shared
    # one notification email, carrying both links
    [note] = drive.notifications
    assert note["email"] == "jane@example.com" and outs["feedback"]["id"] in note["message"]
    assert "jane-doe" in note["message"]
    # the packet records what was reviewed and where the outputs are
    props = drive.files[pid]["appProperties"]
    assert props[P_REV] == drive.files[pid]["headRevisionId"]
    assert props[P_ANNOTATED] == outs["annotated"]["id"] and props[P_FEEDBACK] == outs["feedback"]["id"]
    assert d.shared_with == ["jane@example.com"] and d.locations == {"annotated": outs["annotated"]["id"],
                                                                     "feedback": outs["feedback"]["id"]}


def test_call_budget_per_reviewed_and_unchanged_packet(drive):
    folder = drive.add_folder("Packets")
    for i in range(4):
        drive.add_file(f"p{i}.docx", folder, b"x", owner=f"a{i}@example.com")
    drive.add_file("G", folder, b"g", mime=DOC_MIME, owner="g@example.com")
    src, dest = open_pair(folder)

    review_all(src, dest)
    per_run = drive.calls["drive.files.list"] + drive.calls["drive.files.get"] - 4  # get_media is files.get too
    per_packet = (drive.total_calls - per_run) / 5
    assert per_run == 2          # folder metadata + one list page
    assert per_packet <= 6

    # a second batch run does nothing beyond listing
    drive.reset_counts()
    src2, dest2 = open_pair(folder)
    items = list(src2.list())
    assert all(isinstance(i, Skipped) and i.reason == ALREADY_REVIEWED for i in items)
    assert drive.total_calls == 2
    assert len(outputs_in(drive, folder)) == 10


def test_outputs_go_to_reviewed_folder_and_are_not_packets(drive):
    folder = drive.add_folder("Packets")
    reviewed = drive.add_folder("Reviewed")
    drive.add_file("a.docx", folder, b"x")
    src, dest = open_pair(folder, reviewed_folder=f"https://drive.google.com/drive/folders/{reviewed}")
    review_all(src, dest)
    assert len(outputs_in(drive, reviewed)) == 2 and outputs_in(drive, folder) == []

    # outputs delivered beside the packet are never offered as packets themselves
    src, dest = open_pair(folder)
    drive.add_file("b.docx", folder, b"y")
    review_all(src, dest)
    assert [i.name for i in open_pair(folder)[0].list()] == ["a.docx", "b.docx"]


def test_deliver_as_docx(drive):
    folder = drive.add_folder("Packets")
    drive.add_file("a.docx", folder, b"x")
    src, dest = open_pair(folder, deliver_as="docx")
    review_all(src, dest)
    assert sorted((f["name"], f["mimeType"]) for f in outputs_in(drive, folder)) == [
        ("a (promolint feedback).docx", DOCX_MIME), ("a (reviewed by promolint).docx", DOCX_MIME)]


def test_unknown_author_is_reviewed_not_shared(drive):
    folder = drive.add_folder("Team", drive_id="0ASharedDrive")  # shared drive files have no owner
    pid = drive.add_file("anon.docx", folder, b"x")
    src, dest = open_pair(folder)
    [d] = review_all(src, dest, author="Anon Ymous")
    assert d.shared_with == [] and d.note == "not shared: author unknown"
    assert all(drive.permissions[f["id"]] == [] for f in outputs_in(drive, folder))
    assert drive.notifications == []
    assert drive.files[pid]["appProperties"][P_REV]   # still recorded as reviewed


def test_author_mapping_packet_email_and_domain_guard(drive):
    folder = drive.add_folder("Team", drive_id="0ASharedDrive")
    pid = drive.add_file("x.docx", folder, b"x")
    src, dest = open_pair(folder, authors={"Jane Doe": "jane@corp.example"})
    ref = next(i for i in src.list())
    meta = src.meta[pid]
    assert dest.resolve_author(ref, meta, "jane doe") == ("jane@corp.example", "mapping")
    assert dest.resolve_author(ref, meta, "sam@corp.example") == ("sam@corp.example", "packet")
    _, guarded = open_pair(folder, share_domains=["corp.example"])
    assert guarded.resolve_author(ref, meta, "eve@evil.example") == (None, "packet: outside the allowed domains")
    # the service account's own files are never "the author"
    mine = {"owners": [{"emailAddress": drive.me, "me": True}]}
    assert dest.resolve_author(ref, mine, None) == (None, "author unknown")


def test_sharing_off(drive):
    folder = drive.add_folder("Packets")
    drive.add_file("a.docx", folder, b"x", owner="a@example.com")
    src, dest = open_pair(folder, share=False)
    [d] = review_all(src, dest)
    assert d.note == "sharing is off" and drive.calls["drive.permissions.create"] == 0


def test_no_notification_when_notify_off(drive):
    folder = drive.add_folder("Packets")
    drive.add_file("a.docx", folder, b"x", owner="a@example.com")
    src, dest = open_pair(folder, notify=False)
    [d] = review_all(src, dest)
    assert d.shared_with == ["a@example.com"] and drive.notifications == []


# ---------------------------------------------------------------- upload faults


def test_503_mid_resumable_upload_resumes_without_duplicate(drive):
    folder = drive.add_folder("Packets")
    drive.add_file("big.docx", folder, b"x")
    big = bytes(range(256)) * 3000  # ~750 KiB: three 256 KiB chunks
    src, dest = open_pair(folder, sleeps := [], resumable_threshold=1024, chunk_size=256 * 1024)
    ref = next(src.list())
    drive.reset_counts()
    drive.fail("upload.put", 503, skip=1)     # the second chunk fails
    dest.deliver(ref, files_for(ref, annotated=big), None)
    annotated = [f for f in outputs_in(drive, folder) if f["appProperties"][O_ROLE] == "annotated"]
    assert len(annotated) == 1 and drive.content[annotated[0]["id"]] == big
    assert drive.calls["drive.files.create"] == 2   # one session each for annotated and feedback
    assert len(sleeps) == 1


def test_lost_response_on_final_chunk_does_not_duplicate(drive):
    folder = drive.add_folder("Packets")
    drive.add_file("big.docx", folder, b"x")
    big = b"z" * (300 * 1024)
    src, dest = open_pair(folder, resumable_threshold=1024, chunk_size=256 * 1024)
    ref = next(src.list())
    drive.reset_counts()
    drive.fail("upload.put", 503, skip=1, commit=True)   # the final chunk creates the file, the answer is lost
    d = dest.deliver(ref, files_for(ref, annotated=big), None)
    annotated = [f for f in outputs_in(drive, folder) if f["appProperties"][O_ROLE] == "annotated"]
    assert len(annotated) == 1 and drive.content[annotated[0]["id"]] == big
    assert d.locations["annotated"] == annotated[0]["id"]
    assert drive.calls["drive.files.create"] == 2 and drive.calls["drive.files.list"] == 0


def test_lost_response_on_multipart_create_does_not_duplicate(drive):
    folder = drive.add_folder("Packets")
    drive.add_file("a.docx", folder, b"x")
    src, dest = open_pair(folder, sleeps := [])
    ref = next(src.list())
    drive.fail("drive.files.create", 503, commit=True)   # created, but the answer is lost
    d = dest.deliver(ref, files_for(ref), None)
    outs = outputs_in(drive, folder)
    assert sorted(f["appProperties"][O_ROLE] for f in outs) == ["annotated", "feedback"]
    assert d.locations["annotated"] in {f["id"] for f in outs}
    assert len(sleeps) == 1


def test_429_on_create_then_success(drive):
    folder = drive.add_folder("Packets")
    drive.add_file("a.docx", folder, b"x")
    src, dest = open_pair(folder, sleeps := [])
    ref = next(src.list())
    drive.fail("drive.files.create", 429, retry_after="3")
    dest.deliver(ref, files_for(ref), None)
    assert len(outputs_in(drive, folder)) == 2 and sleeps == [3.0]


def test_a_re_review_replaces_the_previous_outputs_in_place(drive):
    """An edited packet's next review updates the same two files (same ids, so the author's links
    and sharing keep working) instead of leaving the old pair beside a new one. The destination
    here has no source cache: what it needs travels on the PacketRef, as to a worker process."""
    folder = drive.add_folder("Packets")
    pid = drive.add_file("jane-doe.docx", folder, b"v1", owner="jane@example.com")
    review_all(*open_pair(folder))
    first = {f["appProperties"][O_ROLE]: f["id"] for f in outputs_in(drive, folder)}

    for edit in (b"v2", b"v3"):
        drive.edit(pid, edit, by="jane@example.com")
        src, _ = open_pair(folder)
        [ref] = [i for i in src.list() if isinstance(i, PacketRef)]  # changed: offered again
        dest = GDriveDestination(src.client)
        src.fetch(ref)
        dest.deliver(ref, files_for(ref, annotated=b"ANNOTATED-" + edit), None)

    outs = {f["appProperties"][O_ROLE]: f for f in outputs_in(drive, folder)}
    assert len(outputs_in(drive, folder)) == 2 and {r: f["id"] for r, f in outs.items()} == first
    assert drive.content[first["annotated"]] == b"ANNOTATED-v3"
    assert outs["annotated"]["appProperties"]["promolintRev"] == drive.files[pid]["headRevisionId"]
    assert [p["emailAddress"] for p in drive.permissions[first["annotated"]]] == ["jane@example.com"]
    props = drive.files[pid]["appProperties"]
    assert (props[P_ANNOTATED], props[P_FEEDBACK]) == (first["annotated"], first["feedback"])
    assert props[P_REV] == drive.files[pid]["headRevisionId"]


def test_a_trashed_previous_output_is_not_reused(drive):
    """The author trashed the old review: the next one is a new file, the trashed one untouched."""
    folder = drive.add_folder("Packets")
    pid = drive.add_file("a.docx", folder, b"v1", owner="a@example.com")
    review_all(*open_pair(folder))
    old = {f["appProperties"][O_ROLE]: f["id"] for f in outputs_in(drive, folder)}
    drive.trash(old["annotated"])
    drive.edit(pid, b"v2", by="a@example.com")
    review_all(*open_pair(folder))
    live = {f["appProperties"][O_ROLE]: f["id"] for f in outputs_in(drive, folder) if not f["trashed"]}
    assert live["feedback"] == old["feedback"] and live["annotated"] != old["annotated"]
    assert drive.content[old["annotated"]] == OUTPUTS["annotated"] and drive.files[old["annotated"]]["trashed"]
