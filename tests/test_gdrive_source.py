"""Drive folder as a source: real googleapiclient over HTTP against the local Drive double."""
from __future__ import annotations

import pytest

from drive_double import DOC_MIME, DOCX_MIME
from drive_double.fixtures import drive  # noqa: F401  (fixture)
from promolint.errors import PacketRejected, SourceError
from promolint.sources.base import PacketRef, Skipped
from promolint.sources.gdrive import ALREADY_REVIEWED, P_REV, open_gdrive, parse_folder_spec
from promolint.sources.gdrive_auth import DriveClient, GDriveConfig

FOLDER = "1AbCdEfGhIjKlMnOpQrStUv"


def source(folder: str, sleeps: list | None = None, **cfg):
    client = DriveClient(GDriveConfig(**cfg), sleep=(sleeps.append if sleeps is not None else lambda s: None))
    return open_gdrive(f"gdrive://{folder}", client=client)


@pytest.mark.parametrize("spec", [
    f"gdrive://{FOLDER}",
    f"gdrive://{FOLDER}/",
    f"https://drive.google.com/drive/folders/{FOLDER}",
    f"https://drive.google.com/drive/u/1/folders/{FOLDER}?usp=sharing",
    f"https://drive.google.com/open?id={FOLDER}",
])
def test_folder_specs(spec):
    assert parse_folder_spec(spec) == FOLDER


def test_non_drive_specs():
    assert parse_folder_spec("packets/") is None
    with pytest.raises(ValueError):
        parse_folder_spec("gdrive://")
    with pytest.raises(ValueError):
        parse_folder_spec("https://drive.google.com/drive/my-drive")


def test_list_takes_docs_and_docx_skips_others(drive):
    folder = drive.add_folder("Packets")
    docx = drive.add_file("jane-doe.docx", folder, b"docx-1")
    gdoc = drive.add_file("Bob Roe packet", folder, b"gdoc-1", mime=DOC_MIME)
    drive.add_file("old.doc", folder, b"x", mime="application/msword")
    drive.add_file("notes.pdf", folder, b"x", mime="application/pdf")
    drive.add_folder("Reviewed", parent=folder)
    gone = drive.add_file("trashed.docx", folder, b"x")
    drive.trash(gone)
    drive.add_file("elsewhere.docx", drive.add_folder("Other"), b"x")

    items = {i.name: i for i in source(folder).list()}

    assert set(items) == {"jane-doe.docx", "Bob Roe packet.docx", "old.doc", "notes.pdf"}
    assert items["jane-doe.docx"] == PacketRef(source_id=docx, name="jane-doe.docx", kind="gdrive-docx",
                                               version=drive.files[docx]["headRevisionId"],
                                               meta={"parent": folder, "owner": "author@example.com", "size": "6"})
    assert items["Bob Roe packet.docx"].kind == "gdrive-gdoc"
    assert items["Bob Roe packet.docx"].version == drive.files[gdoc]["modifiedTime"]
    assert items["Bob Roe packet.docx"].stem == "Bob Roe packet"
    assert isinstance(items["old.doc"], Skipped) and "save it as .docx" in items["old.doc"].reason
    assert isinstance(items["notes.pdf"], Skipped)


def test_pagination_and_call_count(drive):
    folder = drive.add_folder("Packets")
    for i in range(7):
        drive.add_file(f"p{i}.docx", folder, f"packet {i}".encode())
    drive.reset_counts()

    refs = list(source(folder, page_size=3).list())

    assert len(refs) == 7
    assert drive.calls["drive.files.list"] == 3   # ceil(7 / 3)
    assert drive.calls["drive.files.get"] == 1    # the folder, once, to learn its drive


def test_shared_drive_folder(drive):
    folder = drive.add_folder("Team packets", drive_id="0ASharedDrive")
    fid = drive.add_file("sam.docx", folder, b"shared-drive packet")

    src = source(folder)
    [ref] = list(src.list())

    assert ref.source_id == fid
    assert src.fetch(ref) == b"shared-drive packet"


def test_fetch_downloads_docx_and_exports_docs(drive):
    folder = drive.add_folder("Packets")
    drive.add_file("a.docx", folder, b"binary docx")
    drive.add_file("B", folder, b"exported docx", mime=DOC_MIME)
    src = source(folder)
    got = {r.name: src.fetch(r) for r in src.list()}
    assert got == {"a.docx": b"binary docx", "B.docx": b"exported docx"}
    assert drive.calls["drive.files.export"] == 1


def test_file_deleted_between_list_and_download(drive):
    folder = drive.add_folder("Packets")
    fid = drive.add_file("a.docx", folder, b"x")
    src = source(folder)
    [ref] = list(src.list())
    drive.delete(fid)
    with pytest.raises(PacketRejected) as e:
        src.fetch(ref)
    assert e.value.code == "gone" and "deleted" in e.value.reason


def test_oversized_packet_is_rejected_before_download(drive):
    class Limits:
        max_file_bytes = 10

    class Cfg:
        limits = Limits()
        extra: dict = {}

    folder = drive.add_folder("Packets")
    drive.add_file("big.docx", folder, b"x" * 11)
    src = open_gdrive(f"gdrive://{folder}", config=Cfg())
    [ref] = list(src.list())
    drive.reset_counts()
    with pytest.raises(PacketRejected):
        src.fetch(ref)
    assert drive.total_calls == 0


def _limited(max_bytes: int):
    class Limits:
        max_file_bytes = max_bytes

    class Cfg:
        limits = Limits()
        extra: dict = {}

    return Cfg()


@pytest.mark.parametrize("kind", ["exported Google Doc", "docx grown after listing"])
def test_a_download_over_the_limit_is_stopped_and_rejected(drive, kind):
    """A Google Doc's export has no size in its metadata, and a .docx can be replaced by a bigger
    one between listing and download: the body is read in chunks and abandoned past the limit
    (it used to be downloaded whole, however big)."""
    folder = drive.add_folder("Packets")
    big = b"PK" + b"x" * (3 * 1024 * 1024)
    if kind == "exported Google Doc":
        drive.add_file("G", folder, big, mime=DOC_MIME)
    else:
        fid = drive.add_file("a.docx", folder, b"small")
    src = open_gdrive(f"gdrive://{folder}", config=_limited(64 * 1024))
    [ref] = list(src.list())
    if kind != "exported Google Doc":
        drive.edit(fid, big)
    with pytest.raises(PacketRejected) as e:
        src.fetch(ref)
    assert e.value.code == "too-large" and "64 KB" not in e.value.reason and "65536 bytes" in e.value.reason


def test_a_download_within_the_limit_is_whole(drive):
    folder = drive.add_folder("Packets")
    data = bytes(range(256)) * 1000
    drive.add_file("G", folder, data, mime=DOC_MIME)
    src = open_gdrive(f"gdrive://{folder}", config=_limited(len(data)))
    [ref] = list(src.list())
    assert src.fetch(ref) == data


def test_missing_folder(drive):
    with pytest.raises(SourceError) as e:
        list(source("1NoSuchFolderXXXX").list())
    assert e.value.code == "not_found"


def test_429_then_success_honours_retry_after(drive):
    folder = drive.add_folder("Packets")
    drive.add_file("a.docx", folder, b"x")
    drive.fail("drive.files.list", 429, retry_after="7")
    sleeps: list[float] = []
    assert len(list(source(folder, sleeps).list())) == 1
    assert sleeps == [7.0]
    assert drive.calls["drive.files.list"] == 2


def test_rate_limit_403_is_retried_other_403_is_not(drive):
    folder = drive.add_folder("Packets")
    drive.add_file("a.docx", folder, b"x")
    src = source(folder, sleeps := [])
    [ref] = list(src.list())
    drive.fail("drive.files.get", 403, reason="userRateLimitExceeded", times=2)
    assert src.fetch(ref) == b"x"
    assert len(sleeps) == 2 and sleeps[1] > 0
    drive.fail("drive.files.get", 403, reason="insufficientFilePermissions")
    with pytest.raises(PacketRejected):
        src.fetch(ref)
    assert len(sleeps) == 2


def test_5xx_backoff_gives_up_after_configured_attempts(drive):
    folder = drive.add_folder("Packets")
    drive.fail("drive.files.list", 503, times=10)
    sleeps: list[float] = []
    from googleapiclient.errors import HttpError
    with pytest.raises(HttpError):
        list(source(folder, sleeps, retry_attempts=3, retry_initial=1, retry_max=10).list())
    assert drive.calls["drive.files.list"] == 3
    assert len(sleeps) == 2 and all(0 < s <= 10 for s in sleeps)


# ---------------------------------------------------------------- watching


def test_watch_first_run_scans_then_reads_changes_only(drive):
    folder = drive.add_folder("Packets")
    for i in range(5):
        drive.add_file(f"p{i}.docx", folder, f"v1 {i}".encode())
    src = source(folder)

    items, state = src.changes(None)
    assert len(items) == 5 and state["full_scan"]

    # nothing happened: one changes.list call, no listing, no per-packet calls
    drive.reset_counts()
    items, state = source(folder).changes(state)
    assert items == [] and drive.calls == {"drive.changes.list": 1}

    # one packet edited, one added, one elsewhere: only ours come back
    p0 = next(f["id"] for f in drive.children(folder) if f["name"] == "p0.docx")
    drive.edit(p0, b"v2")
    new = drive.add_file("new.docx", folder, b"new")
    drive.add_file("other.docx", drive.add_folder("Other"), b"x")
    drive.reset_counts()
    items, state = source(folder).changes(state)
    assert {i.source_id for i in items} == {p0, new}
    assert drive.calls == {"drive.changes.list": 1}
    assert all(isinstance(i, PacketRef) for i in items)


def test_watch_invalid_token_falls_back_to_full_scan(drive):
    folder = drive.add_folder("Packets")
    drive.add_file("a.docx", folder, b"x")
    items, state = source(folder).changes({"folder": folder, "page_token": "bogus"})
    assert [i.name for i in items] == ["a.docx"]
    assert state["full_scan"] and state["page_token"] != "bogus"
    assert drive.calls["drive.changes.list"] == 1 and drive.calls["drive.files.list"] == 1


def test_watch_ignores_reviewed_packets_and_own_marks(drive):
    folder = drive.add_folder("Packets")
    gdoc = drive.add_file("G", folder, b"x", mime=DOC_MIME)
    src = source(folder)
    _, state = src.changes(None)
    # what the destination does after delivery: mark the packet (this bumps modifiedTime in the double)
    src.client.execute(src.client.service.files().update(
        fileId=gdoc, body={"appProperties": {P_REV: drive.files[gdoc]["modifiedTime"]}}, fields="id"))
    items, state = source(folder).changes(state)
    assert items == []
    # and a plain listing reports it as unchanged
    [item] = list(source(folder).list())
    assert isinstance(item, Skipped) and item.reason == ALREADY_REVIEWED
    # the author edits it again: it is back
    drive.edit(gdoc, b"y", by="author@example.com")
    items, _ = source(folder).changes(state)
    assert [i.source_id for i in items] == [gdoc]


def test_watch_shared_drive_uses_drive_changes(drive):
    folder = drive.add_folder("Team", drive_id="0ASharedDrive")
    _, state = source(folder).changes(None)
    assert state["drive_id"] == "0ASharedDrive"
    fid = drive.add_file("t.docx", folder, b"x")
    items, _ = source(folder).changes(state)
    assert [i.source_id for i in items] == [fid]


def test_docx_version_is_stable_across_metadata_writes(drive):
    folder = drive.add_folder("Packets")
    fid = drive.add_file("a.docx", folder, b"x")
    [before] = list(source(folder).list())
    drive.files[fid]["name"] = "renamed.docx"
    [after] = list(source(folder).list())
    assert before.version == after.version
    assert drive.files[fid]["mimeType"] == DOCX_MIME
