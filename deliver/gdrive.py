"""Return a reviewed packet to its author on Google Drive.

The annotated .docx is uploaded with conversion to a Google Doc, which turns its Word comments into
anchored Docs comments (the Drive comments API cannot anchor comments in Docs). The feedback
document goes the same way. Both are shared, as commenter, with the packet's author and nobody
else; then the packet's appProperties record the reviewed version and the outputs' ids.
"""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from typing import Any

from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseUpload
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from promolint.deliver.base import Delivered
from promolint.pipeline import ANNOTATED_SUFFIX, FEEDBACK_STEM
from promolint.config import TEMPLATES_DIR
from promolint.sources.base import PacketRef
from promolint.sources.gdrive import (DOC_MIME, DOCX_MIME, FILE_FIELDS, O_REV, O_ROLE, O_SOURCE, P_ANNOTATED, P_AT, P_FEEDBACK,
                            P_REV, GDriveSource, meta_from_ref, parse_folder_spec)
from promolint.sources.gdrive_auth import DriveClient, GDriveConfig

FEEDBACK_PREFERENCE = tuple(f"{FEEDBACK_STEM}.{fmt}" for fmt in ("docx", "html", "md"))
MEDIA_MIME = {".docx": DOCX_MIME, ".html": "text/html", ".md": "text/markdown"}
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


class GDriveDestination:
    """Destination protocol. Share a DriveClient (and metadata) with the source via `for_source`."""

    def __init__(self, client: DriveClient, config: Any | None = None, source: GDriveSource | None = None):
        self.client = client
        self.cfg: GDriveConfig = client.cfg
        self.config = config
        self.source = source
        self.reviewed_folder = parse_folder_spec(self.cfg.reviewed_folder) if self.cfg.reviewed_folder and (
            "://" in self.cfg.reviewed_folder) else self.cfg.reviewed_folder
        templates = getattr(config, "templates_dir", None) or TEMPLATES_DIR
        self.jinja = Environment(loader=ChoiceLoader([FileSystemLoader(str(templates)), FileSystemLoader(str(TEMPLATES_DIR))]),
                                 undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)

    @classmethod
    def for_source(cls, source: GDriveSource, config: Any | None = None) -> "GDriveDestination":
        return cls(source.client, config or source.config, source=source)

    # -- helpers

    def _meta(self, ref: PacketRef) -> dict:
        """Listing metadata: this process's cache, else what the PacketRef carries, else one files.get."""
        cached = (self.source.meta.get(ref.source_id) if self.source else None) or meta_from_ref(ref)
        if cached:
            return cached
        return self.client.execute(self.client.service.files().get(fileId=ref.source_id, fields=FILE_FIELDS,
                                                                   supportsAllDrives=True))

    def _upload(self, name: str, data: bytes, media_mime: str, as_doc: bool, folder: str, role: str, ref: PacketRef,
                previous: str | None = None) -> dict:
        """Creates the output, or, when `previous` is still this packet's live output of this role,
        replaces its content in place: same file id, a new revision, so the links and the sharing the
        author already has keep working (a re-review used to leave the old pair beside the new)."""
        svc = self.client.service
        marker = {O_ROLE: role, O_SOURCE: ref.source_id, O_REV: ref.version[:80]}
        resumable = len(data) > self.cfg.resumable_threshold
        media = MediaIoBaseUpload(io.BytesIO(data), mimetype=media_mime, resumable=resumable,
                                  chunksize=self.cfg.chunk_size if resumable else -1)
        fields = "id,name,mimeType,webViewLink"
        if previous and self._is_output(previous, role, ref, as_doc):
            # Retrying an update is harmless (the same file), so no lookup on retry.
            return self.client.execute(svc.files().update(fileId=previous, body={"name": name, "appProperties": marker},
                                                          media_body=media, fields=fields, supportsAllDrives=True))
        body = {"name": name, "parents": [folder], "appProperties": marker}
        if as_doc:
            body["mimeType"] = DOC_MIME
        request = svc.files().create(body=body, media_body=media, fields=fields, supportsAllDrives=True)

        def existing() -> dict | None:
            # A multipart create whose response was lost may have created the file: look before
            # creating again. Resumable uploads need no lookup: they resume their own session.
            if resumable:
                return None
            q = (f"'{folder}' in parents and trashed = false and "
                 f"appProperties has {{ key='{O_SOURCE}' and value='{ref.source_id}' }} and "
                 f"appProperties has {{ key='{O_ROLE}' and value='{role}' }} and "
                 f"appProperties has {{ key='{O_REV}' and value='{marker[O_REV]}' }}")
            found = self.client.execute(svc.files().list(q=q, fields="files(id,name,mimeType,webViewLink)", pageSize=1,
                                                         supportsAllDrives=True, includeItemsFromAllDrives=True))
            return (found.get("files") or [None])[0]

        return self.client.execute(request, on_retry=existing)

    def _is_output(self, file_id: str, role: str, ref: PacketRef, as_doc: bool) -> bool:
        """The recorded id is only overwritten if it is still our output for this packet and role, not
        trashed, and of the kind we deliver now; else a new file is created."""
        try:
            f = self.client.execute(self.client.service.files().get(
                fileId=file_id, fields="id,trashed,mimeType,appProperties", supportsAllDrives=True))
        except HttpError as e:
            if e.resp.status in (403, 404):
                return False
            raise
        props = f.get("appProperties") or {}
        return (not f.get("trashed") and props.get(O_ROLE) == role and props.get(O_SOURCE) == ref.source_id
                and (f.get("mimeType") == DOC_MIME) == as_doc)

    def resolve_author(self, ref: PacketRef, meta: dict, author: str | None) -> tuple[str | None, str]:
        """(email, how) using the configured order; never an address outside share_domains."""
        mapping = {k.casefold(): v for k, v in self.cfg.authors.items()}
        for way in self.cfg.author_from:
            email = None
            if way == "mapping":
                email = mapping.get(ref.source_id.casefold()) or (mapping.get(author.strip().casefold()) if author else None)
            elif way == "owner":
                owner = (meta.get("owners") or [{}])[0]
                email = None if owner.get("me") else owner.get("emailAddress")
            elif way == "packet" and author and _EMAIL.match(author.strip()):
                email = author.strip()
            if email:
                if not _EMAIL.match(email):
                    return None, f"{way}: not an email address"
                domain = email.rsplit("@", 1)[1].lower()
                if self.cfg.share_domains and domain not in {d.lower() for d in self.cfg.share_domains}:
                    return None, f"{way}: outside the allowed domains"
                return email, way
        return None, "author unknown"

    def _message(self, ref: PacketRef, author: str | None, links: dict[str, str]) -> str:
        template = self.jinja.get_template(self.cfg.message_template)
        return template.render(author=author, packet=ref.stem, annotated_link=links.get("annotated", ""),
                               feedback_link=links.get("feedback", "")).strip()

    def _share(self, file_id: str, email: str, message: str | None) -> None:
        svc = self.client.service
        kw: dict = {"sendNotificationEmail": message is not None}
        if message is not None:
            kw["emailMessage"] = message
        self.client.execute(svc.permissions().create(
            fileId=file_id, body={"type": "user", "role": self.cfg.share_role, "emailAddress": email},
            fields="id", supportsAllDrives=True, **kw))

    # -- Destination protocol

    def deliver(self, ref: PacketRef, files: dict[str, bytes], author: str | None) -> Delivered:
        meta = self._meta(ref)
        folder = self.reviewed_folder or (meta.get("parents") or [None])[0]
        if not folder:
            raise ValueError("packet has no parent folder and gdrive.reviewed_folder is not set")
        as_doc = self.cfg.deliver_as == "gdoc"
        recorded = meta.get("appProperties") or {}  # the outputs of this packet's last review
        outputs: dict[str, dict] = {}
        annotated = next((n for n in files if n.endswith(ANNOTATED_SUFFIX)), None)
        if annotated:
            name = f"{ref.stem} (reviewed by promolint)" + ("" if as_doc else ".docx")
            outputs["annotated"] = self._upload(name, files[annotated], DOCX_MIME, as_doc, folder, "annotated", ref,
                                                recorded.get(P_ANNOTATED))
        feedback = next((n for suf in FEEDBACK_PREFERENCE for n in files if n.endswith(suf)), None)
        if feedback:
            ext = "." + feedback.rsplit(".", 1)[1]
            convert = as_doc or ext != ".docx"
            name = f"{ref.stem} (promolint feedback)" + ("" if convert else ".docx")
            outputs["feedback"] = self._upload(name, files[feedback], MEDIA_MIME[ext], convert, folder, "feedback", ref,
                                               recorded.get(P_FEEDBACK))

        delivered = Delivered(ref=ref, author=author, locations={k: v["id"] for k, v in outputs.items()})
        email, how = self.resolve_author(ref, meta, author)
        if not self.cfg.share:
            delivered.note = "sharing is off"
        elif email is None:
            delivered.note = f"not shared: {how}"
        else:
            links = {k: v.get("webViewLink", "") for k, v in outputs.items()}
            message = self._message(ref, author, links) if self.cfg.notify else None
            for i, out in enumerate(outputs.values()):
                self._share(out["id"], email, message if i == 0 else None)  # one email, both links
            delivered.shared_with = [email]
            delivered.author = email

        if self.cfg.mark_reviewed:
            props = {P_REV: ref.version, P_AT: datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     P_ANNOTATED: outputs.get("annotated", {}).get("id"), P_FEEDBACK: outputs.get("feedback", {}).get("id")}
            self.client.execute(self.client.service.files().update(
                fileId=ref.source_id, body={"appProperties": props}, fields="id", supportsAllDrives=True))
        return delivered
