"""The double rejects what the real Drive v3 API rejects, so passing tests mean well-formed calls."""
from __future__ import annotations

import io

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseUpload

from drive_double import DOC_MIME, DOCX_MIME
from drive_double.fixtures import drive  # noqa: F401  (fixture)
from promolint.sources.gdrive_auth import DriveAuthError, DriveClient, GDriveConfig


@pytest.fixture
def svc(drive):
    return DriveClient(GDriveConfig(retry_attempts=1)).service


def status(request) -> int:
    with pytest.raises(HttpError) as e:
        request.execute()
    return e.value.resp.status


def test_requests_are_checked_against_discovery(drive, svc):
    folder = drive.add_folder("F")
    gdoc = drive.add_file("G", folder, b"g", mime=DOC_MIME)
    # unknown field in a partial response selector, an output-only body field, a bad query
    assert status(svc.files().list(q="fullText contains 'x'")) == 400
    assert status(svc.files().create(body={"md5Checksum": "x", "name": "n"})) == 403
    # Docs files cannot be downloaded, only exported; only .docx export is modelled
    assert status(svc.files().get_media(fileId=gdoc)) == 403
    assert status(svc.files().export_media(fileId=gdoc, mimeType="application/pdf")) == 400
    # shared drive items are invisible without supportsAllDrives
    team = drive.add_folder("T", drive_id="0ASharedDrive")
    assert status(svc.files().get(fileId=team)) == 404
    assert svc.files().get(fileId=team, supportsAllDrives=True).execute()["id"] == team


def test_bearer_token_required(drive, monkeypatch):
    monkeypatch.setenv("PROMOLINT_DRIVE_TOKEN", "wrong")
    client = DriveClient(GDriveConfig(retry_attempts=1))
    with pytest.raises(DriveAuthError, match="PROMOLINT_DRIVE_TOKEN"):
        client.execute(client.service.files().list())


def test_multipart_upload_with_conversion_and_fields(drive, svc):
    folder = drive.add_folder("F")
    media = MediaIoBaseUpload(io.BytesIO(b"docx\nbytes\r\n"), mimetype=DOCX_MIME)
    made = svc.files().create(body={"name": "n", "parents": [folder], "mimeType": DOC_MIME}, media_body=media,
                              fields="id,mimeType").execute()
    assert set(made) == {"id", "mimeType"} and made["mimeType"] == DOC_MIME
    assert svc.files().export_media(fileId=made["id"], mimeType=DOCX_MIME).execute() == b"docx\nbytes\r\n"


def test_changes_feed_and_permissions(drive, svc):
    folder = drive.add_folder("F")
    start = svc.changes().getStartPageToken().execute()["startPageToken"]
    fid = drive.add_file("a.docx", folder, b"x")
    svc.permissions().create(fileId=fid, body={"type": "user", "role": "commenter", "emailAddress": "a@x.com"},
                             sendNotificationEmail=False).execute()
    page = svc.changes().list(pageToken=start, fields="newStartPageToken,changes(fileId,file(id,permissionIds))").execute()
    assert [c["fileId"] for c in page["changes"]] == [fid]        # collapsed to the latest state
    assert len(page["changes"][0]["file"]["permissionIds"]) == 1
    assert status(svc.changes().list(pageToken="nope")) == 400
    perms = svc.permissions().list(fileId=fid, fields="permissions(emailAddress,role)").execute()["permissions"]
    assert perms == [{"emailAddress": "a@x.com", "role": "commenter"}]
