"""A Google Drive folder as a packet source (Drive v3).

Google Docs are exported as .docx, .docx files downloaded. A packet's version is its
headRevisionId (or md5Checksum) for .docx and its modifiedTime for Google Docs. After delivery the
packet carries appProperties naming the reviewed version and the outputs, so any worker, on any
machine, can tell a packet is done from the folder listing alone.
"""
from __future__ import annotations

import re
from collections import OrderedDict
import urllib.parse
from typing import Any, Iterator

from googleapiclient.errors import HttpError

from promolint.errors import PacketRejected, SourceError
from promolint.sources.base import ALREADY_REVIEWED_CODE, PacketRef, Skipped, Source
from promolint.sources.gdrive_auth import DriveAuthError, DriveClient, GDriveConfig, error_reason

DOC_MIME = "application/vnd.google-apps.document"
FOLDER_MIME = "application/vnd.google-apps.folder"
SHORTCUT_MIME = "application/vnd.google-apps.shortcut"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KIND_GDOC = "gdrive-gdoc"
KIND_DOCX = "gdrive-docx"

# appProperties written on packets (P_*) and on promolint's own outputs (O_*); keys are short
# because Drive caps key+value at 124 bytes.
P_REV, P_ANNOTATED, P_FEEDBACK, P_AT = "promolintRev", "promolintAnnotated", "promolintFeedback", "promolintAt"
O_ROLE, O_SOURCE, O_REV = "promolintRole", "promolintSource", "promolintRev"

FILE_FIELDS = ("id,name,mimeType,parents,trashed,driveId,size,md5Checksum,headRevisionId,modifiedTime,"
               "appProperties,owners(emailAddress,displayName,me),lastModifyingUser(emailAddress,me)")
ALREADY_REVIEWED = "unchanged since its last review (recorded on Drive)"
_ID = r"[A-Za-z0-9_-]{10,}"


def parse_folder_spec(spec: str) -> str | None:
    """Folder id from gdrive://ID or a Drive folder URL; None when `spec` is not a Drive spec."""
    spec = str(spec).strip()
    if spec.startswith("gdrive://"):
        fid = spec[len("gdrive://"):].strip("/")
        if not re.fullmatch(_ID, fid):
            raise SourceError("gdrive:// needs a Drive folder id, e.g. gdrive://1AbC...")
        return fid
    url = urllib.parse.urlsplit(spec)
    if url.scheme in ("http", "https") and url.hostname == "drive.google.com":
        m = re.search(r"/folders/(" + _ID + ")", url.path)
        qid = urllib.parse.parse_qs(url.query).get("id", [None])[0]
        fid = m.group(1) if m else qid
        if fid and re.fullmatch(_ID, fid):
            return fid
        raise SourceError("not a Drive folder link; open the folder in Drive and copy its address")
    return None


def file_rev(f: dict) -> str:
    """The content version: survives renames and metadata writes for .docx, not for Google Docs."""
    if f.get("mimeType") == DOC_MIME:
        return f["modifiedTime"]
    return f.get("headRevisionId") or f.get("md5Checksum") or f["modifiedTime"]


def already_reviewed(f: dict) -> bool:
    """True when the packet's recorded review covers its current content.

    For Google Docs our own appProperties write bumps modifiedTime; if nobody else has modified the
    file since (lastModifyingUser is us), the recorded review still covers it.
    """
    recorded = (f.get("appProperties") or {}).get(P_REV)
    if not recorded:
        return False
    if recorded == file_rev(f):
        return True
    return f.get("mimeType") == DOC_MIME and bool((f.get("lastModifyingUser") or {}).get("me"))


def ref_meta(f: dict) -> dict[str, str]:
    """Identifiers delivery needs, carried on the PacketRef: parent folder, owner, size, shared drive,
    and the ids of the previous review's outputs."""
    owner = (f.get("owners") or [{}])[0]
    props = f.get("appProperties") or {}
    meta = {"parent": (f.get("parents") or [""])[0], "owner": owner.get("emailAddress") or "",
            "owner_me": "1" if owner.get("me") else "", "size": str(f.get("size") or ""), "drive": f.get("driveId") or "",
            "annotated": props.get(P_ANNOTATED) or "", "feedback": props.get(P_FEEDBACK) or ""}
    return {k: v for k, v in meta.items() if v}


def meta_from_ref(ref: PacketRef) -> dict | None:
    """The subset of file metadata delivery uses, rebuilt from `ref.meta`; None if it was not carried."""
    m = ref.meta or {}
    if not m.get("parent"):
        return None
    out: dict = {"id": ref.source_id, "parents": [m["parent"]], "size": m.get("size")}
    if m.get("owner"):
        out["owners"] = [{"emailAddress": m["owner"], "me": m.get("owner_me") == "1"}]
    if m.get("drive"):
        out["driveId"] = m["drive"]
    recorded = {k: m[key] for k, key in ((P_ANNOTATED, "annotated"), (P_FEEDBACK, "feedback")) if m.get(key)}
    if recorded:  # the previous review's outputs, replaced in place by the next one
        out["appProperties"] = recorded
    return out


class _MetaCache(OrderedDict):
    """Listing metadata (never content) shared by every source in the process: flows list with one
    source object and review with another, and delivery should not re-read what listing saw."""

    def __init__(self, limit: int = 20_000):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


_META = _MetaCache()


def _api_folder_missing(e: HttpError) -> bool:
    return e.resp.status == 404


class GDriveSource(Source):
    """One Drive folder (direct children; subfolders are not scanned)."""

    scheme = "gdrive"

    def __init__(self, folder_id: str, client: DriveClient, config: Any | None = None, skip_reviewed: bool = True):
        self.folder_id = folder_id
        self.client = client
        self.cfg = client.cfg
        self.config = config
        self.skip_reviewed = skip_reviewed
        self.meta = _META   # file id -> last seen metadata (no content), for fetch and deliver
        self._folder: dict | None = None

    # -- folder

    @property
    def folder(self) -> dict:
        if self._folder is None:
            svc = self.client.service
            try:
                self._folder = self.client.execute(svc.files().get(
                    fileId=self.folder_id, fields="id,mimeType,driveId", supportsAllDrives=True))
            except HttpError as e:
                if _api_folder_missing(e):
                    raise SourceError(f"gdrive://{self.folder_id}: Drive folder not found or not shared with promolint's account",
                                      "not_found") from None
                raise
            if self._folder.get("mimeType") != FOLDER_MIME:
                raise SourceError(f"gdrive://{self.folder_id}: is not a Drive folder", "not_folder")
        return self._folder

    def _corpus(self) -> dict:
        drive_id = self.folder.get("driveId")
        return {"corpora": "drive", "driveId": drive_id} if drive_id else {"corpora": "user"}

    # -- classification

    def classify(self, f: dict) -> PacketRef | Skipped | None:
        """None: not worth mentioning (folders, trashed files, promolint's own outputs)."""
        if f.get("trashed") or f.get("mimeType") == FOLDER_MIME or (f.get("appProperties") or {}).get(O_ROLE):
            return None
        self.meta[f["id"]] = f
        name, mime = f.get("name", ""), f.get("mimeType", "")
        if mime == DOC_MIME:
            kind = KIND_GDOC
        elif mime == DOCX_MIME or name.lower().endswith(".docx"):
            kind = KIND_DOCX
        elif mime == SHORTCUT_MIME:
            return Skipped(source_id=f["id"], name=name, reason="a shortcut: put the document itself in the folder",
                           code="shortcut")
        elif name.lower().endswith((".doc", ".docm", ".dotx", ".dotm")):
            return Skipped(source_id=f["id"], name=name, code="not-word",
                           reason="not a .docx or Google Doc: save it as .docx or open it as a Google Doc")
        else:
            return Skipped(source_id=f["id"], name=name, reason="not a Google Doc or .docx", code="not-word")
        rev = file_rev(f)
        if already_reviewed(f):
            if self.skip_reviewed:
                return Skipped(source_id=f["id"], name=name, reason=ALREADY_REVIEWED, code=ALREADY_REVIEWED_CODE)
            rev = f["appProperties"][P_REV]  # keep the ledger's version stable across our own marks
        if kind == KIND_GDOC and not name.lower().endswith(".docx"):
            name += ".docx"  # what fetch returns; keeps PacketRef.stem the document's title
        return PacketRef(source_id=f["id"], name=name, version=rev, kind=kind, meta=ref_meta(f))

    # -- Source protocol

    def list(self) -> Iterator[PacketRef | Skipped]:
        svc = self.client.service
        token = None
        while True:
            page = self.client.execute(svc.files().list(
                q=f"'{self.folder_id}' in parents and trashed = false", fields=f"nextPageToken,files({FILE_FIELDS})",
                pageSize=self.cfg.page_size, pageToken=token, supportsAllDrives=True, includeItemsFromAllDrives=True,
                **self._corpus()))
            for f in page.get("files", []):
                item = self.classify(f)
                if item is not None:
                    yield item
            token = page.get("nextPageToken")
            if not token:
                return

    def fetch(self, ref: PacketRef) -> bytes:
        svc = self.client.service
        size = int((self.meta.get(ref.source_id) or meta_from_ref(ref) or {}).get("size") or 0)
        limit = getattr(getattr(self.config, "limits", None), "max_file_bytes", None)
        def too_large() -> PacketRejected:
            mb = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
            return PacketRejected(ref.name, f"is larger than {mb}", "too-large")

        if limit and size > limit:
            raise too_large()
        if ref.kind == KIND_GDOC:
            request = svc.files().export_media(fileId=ref.source_id, mimeType=DOCX_MIME)
        else:
            request = svc.files().get_media(fileId=ref.source_id, supportsAllDrives=True)
        try:
            return self.client.download(request, limit, too_large)  # bounded: sizes change after listing
        except HttpError as e:
            reason = error_reason(e)
            if e.resp.status == 404:
                raise PacketRejected(ref.name, "was deleted or unshared before it could be downloaded", "gone") from None
            if reason == "exportSizeLimitExceeded":
                raise PacketRejected(ref.name, "is too large for Drive to export (10 MB); add it as a .docx instead", "too-large") from None
            if e.resp.status == 403:
                raise PacketRejected(ref.name, "cannot be downloaded by promolint's account (check sharing)", "forbidden") from None
            raise

    # -- watching

    def changes(self, state: dict | None) -> tuple[list[PacketRef | Skipped], dict]:
        """Packets added or changed since `state` (a dict the caller persists, e.g. as JSON).

        First run, another folder, or an expired/invalid token: a full listing, with the start token
        taken before it so nothing changed during the scan is missed. Otherwise only changes.list
        pages are read. Already-reviewed packets (including our own appProperties writes) are
        dropped, not reported.
        """
        state = dict(state or {})
        if state.get("folder") == self.folder_id and state.get("page_token"):
            try:
                items, token = self._changes(state["page_token"], state.get("drive_id"))
                return items, {**state, "page_token": token}
            except HttpError as e:
                if e.resp.status not in (400, 404, 410):
                    raise
                # The token is unusable (expired or corrupt): fall through to a full scan.
        drive_id = self.folder.get("driveId")
        token = self.client.execute(self.client.service.changes().getStartPageToken(
            supportsAllDrives=True, **({"driveId": drive_id} if drive_id else {})))["startPageToken"]
        items = [x for x in self.list() if not (isinstance(x, Skipped) and x.already_reviewed)]
        return items, {"folder": self.folder_id, "drive_id": drive_id, "page_token": token, "full_scan": True}

    def _changes(self, token: str, drive_id: str | None) -> tuple[list[PacketRef | Skipped], str]:
        svc = self.client.service
        scope = {"driveId": drive_id} if drive_id else {"includeItemsFromAllDrives": True}
        out: dict[str, PacketRef | Skipped] = {}
        while True:
            page = self.client.execute(svc.changes().list(
                pageToken=token, pageSize=self.cfg.page_size, supportsAllDrives=True, includeRemoved=False,
                fields=f"nextPageToken,newStartPageToken,changes(fileId,removed,file({FILE_FIELDS}))", **scope))
            for ch in page.get("changes", []):
                f = ch.get("file")
                if ch.get("removed") or not f or self.folder_id not in (f.get("parents") or []):
                    out.pop(ch.get("fileId"), None)
                    continue
                item = self.classify(f)
                if item is None or (isinstance(item, Skipped) and item.already_reviewed):
                    out.pop(f["id"], None)
                else:
                    out[f["id"]] = item
            if page.get("newStartPageToken"):
                return list(out.values()), page["newStartPageToken"]
            token = page["nextPageToken"]

    # -- capabilities

    def check(self) -> None:
        self.client.service  # loads the credentials (DriveAuthError is a SourceError); no Drive call

    def destination(self, config: Any):
        """Outputs go back beside the packet (or to gdrive.reviewed_folder), shared with its author."""
        if getattr(self, "_destination", None) is None:
            from promolint.deliver.gdrive import GDriveDestination

            self._destination = GDriveDestination.for_source(self, config or self.config)
        return self._destination

    def failure_reason(self, exc: BaseException) -> str | None:
        if isinstance(exc, HttpError):  # what survived the client's retries: the status only
            return f"Drive error (HTTP {getattr(exc.resp, 'status', '?')})"
        if isinstance(exc, DriveAuthError):
            return "Drive credentials rejected"
        return None


def open_gdrive(spec: str, config: Any | None = None, client: DriveClient | None = None, write: bool = True) -> GDriveSource:
    """gdrive://FOLDER_ID or a Drive folder URL -> GDriveSource. `write` picks the OAuth scope."""
    folder_id = parse_folder_spec(spec)
    if folder_id is None:
        raise SourceError("not a Drive folder: use gdrive://FOLDER_ID or the folder's Drive link")
    client = client or DriveClient(GDriveConfig.from_config(config), write=write)
    return GDriveSource(folder_id, client, config=config)
