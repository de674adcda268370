"""Drive v3 double: stdlib HTTP server in a thread, state in memory.

Modelled: files list/get/get_media/export/create/update (metadata, media, multipart and resumable
uploads, .docx -> Google Doc conversion), permissions create/list, changes getStartPageToken/list,
appProperties, shared drives (only visible with supportsAllDrives/includeItemsFromAllDrives),
partial responses (`fields`), pagination, per-method call counts and per-method fault injection.
Not modelled: revisions, comments, labels, batch requests, real ACL checks beyond bearer presence.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import socket
import threading
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import googleapiclient

DOC_MIME = "application/vnd.google-apps.document"
FOLDER_MIME = "application/vnd.google-apps.folder"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DISCOVERY = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "drive.v3.json"
CHUNK_QUANTUM = 256 * 1024
DEFAULT_FILE_FIELDS = "kind,id,name,mimeType"


class DriveError(Exception):
    def __init__(self, status: int, reason: str, message: str, location: str | None = None, headers=None):
        super().__init__(message)
        self.status, self.reason, self.message, self.location = status, reason, message, location
        self.headers = headers or {}

    def body(self) -> bytes:
        err = {"domain": "global", "reason": self.reason, "message": self.message}
        if self.location:
            err |= {"location": self.location, "locationType": "parameter"}
        return json.dumps({"error": {"code": self.status, "message": self.message, "errors": [err]}}).encode()


@dataclass
class Fault:
    status: int
    times: int = 1
    reason: str | None = None
    retry_after: str | None = None
    commit: bool = False  # perform the operation, then answer with the error (lost response)
    skip: int = 0         # let this many calls through first


@dataclass
class _Session:
    method: str
    file_id: str | None
    metadata: dict
    params: dict
    mime: str
    total: int | None
    data: bytearray = field(default_factory=bytearray)
    result: dict | None = None


# ---------------------------------------------------------------- discovery-driven routing


# Described as "Output only" in the document, yet required on create (see Permission.type).
_WRITABLE_ANYWAY = {("Permission", "emailAddress"), ("Permission", "domain")}


class Discovery:
    def __init__(self, path: Path = DISCOVERY):
        self.doc = json.loads(path.read_text())
        self.service_path = "/" + self.doc["servicePath"]  # "/drive/v3/"
        self.global_params = self.doc["parameters"]
        self.routes: list[tuple[str, re.Pattern, str, dict, str]] = []  # verb, regex, id, desc, kind
        for res in self.doc["resources"].values():
            for desc in res["methods"].values():
                rx = self._regex(self.service_path + desc["path"])
                self.routes.append((desc["httpMethod"], rx, desc["id"], desc, "api"))
                for proto in (desc.get("mediaUpload") or {}).get("protocols", {}).values():
                    # The client posts both simple and resumable uploads to the "simple" path.
                    upath = "/upload" + self.service_path + desc["path"]
                    self.routes.append((desc["httpMethod"], self._regex(upath), desc["id"], desc, "upload"))
                    break

    @staticmethod
    def _regex(template: str) -> re.Pattern:
        out = re.sub(r"\{[+]?(\w+)\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", template)
        return re.compile("^" + out + "$")

    def match(self, verb: str, path: str):
        for v, rx, mid, desc, kind in self.routes:
            m = rx.match(path)
            if m and v == verb:
                return mid, desc, kind, {k: urllib.parse.unquote(x) for k, x in m.groupdict().items()}
        raise DriveError(404, "notFound", f"no Drive v3 method for {verb} {path}")

    def check_params(self, desc: dict, kind: str, query: dict[str, str], path_params: dict) -> dict:
        """Unknown, malformed or missing parameters are 400s, as in the real API."""
        spec = desc.get("parameters", {})
        out: dict = {}
        for k, v in query.items():
            p = spec.get(k) or self.global_params.get(k)
            if p is None:
                raise DriveError(400, "invalidParameter", f"unknown parameter {k}", k)
            if p.get("type") == "boolean":
                if v not in ("true", "false"):
                    raise DriveError(400, "invalid", f"invalid boolean {k}", k)
                out[k] = v == "true"
            elif p.get("type") == "integer":
                try:
                    out[k] = int(v)
                except ValueError:
                    raise DriveError(400, "invalid", f"invalid integer {k}", k) from None
            else:
                if "enum" in p and v not in p["enum"]:
                    raise DriveError(400, "invalid", f"invalid value for {k}", k)
                out[k] = v
        out |= path_params
        for k, p in spec.items():
            if p.get("required") and k not in out:
                raise DriveError(400, "required", f"missing required parameter {k}", k)
        if kind == "upload":
            protos = desc["mediaUpload"]["protocols"]
            allowed = {"media", "multipart"} if "simple" in protos else set()
            allowed |= {"resumable"} if "resumable" in protos else set()
            if out.get("uploadType") not in allowed:
                raise DriveError(400, "badRequest", "uploadType must be one of " + ",".join(sorted(allowed)))
        return out

    def check_body(self, schema: str, body: dict) -> None:
        props = self.doc["schemas"][schema]["properties"]
        for k in body:
            if k not in props:
                raise DriveError(400, "invalid", f"unknown field {k} in {schema}")
            if props[k].get("description", "").startswith("Output only") and (schema, k) not in _WRITABLE_ANYWAY:
                raise DriveError(403, "fieldNotWritable", f"field {k} is not writable")


# ---------------------------------------------------------------- partial responses


def parse_fields(spec: str) -> dict:
    """'a,b(c,d),e/f' -> {'a': {}, 'b': {'c': {}, 'd': {}}, 'e': {'f': {}}}; {} means everything."""
    pos = 0

    def parse_list() -> dict:
        nonlocal pos
        out: dict = {}
        while pos < len(spec):
            m = re.match(r"\s*([\w*$.]+(?:/[\w*]+)*)\s*", spec[pos:])
            if not m:
                raise DriveError(400, "invalidParameter", "invalid fields", "fields")
            pos += m.end()
            node = out
            parts = m.group(1).split("/")
            for part in parts:
                node = node.setdefault(part, {})
            if pos < len(spec) and spec[pos] == "(":
                pos += 1
                node.update(parse_list())
                if pos >= len(spec) or spec[pos] != ")":
                    raise DriveError(400, "invalidParameter", "invalid fields", "fields")
                pos += 1
            while pos < len(spec) and spec[pos] == " ":
                pos += 1
            if pos < len(spec) and spec[pos] == ",":
                pos += 1
                continue
            break
        return out

    tree = parse_list()
    if pos != len(spec):
        raise DriveError(400, "invalidParameter", "invalid fields", "fields")
    return tree


def select(obj, tree: dict):
    if not tree or "*" in tree or not isinstance(obj, (dict, list)):
        return obj
    if isinstance(obj, list):
        return [select(x, tree) for x in obj]
    return {k: select(obj[k], sub) for k, sub in tree.items() if k in obj}


# ---------------------------------------------------------------- query language subset

_TERM_RXS = [
    (re.compile(r"^'([^']+)'\s+in\s+parents$"), lambda m: lambda f: m.group(1) in f.get("parents", [])),
    (re.compile(r"^trashed\s*=\s*(true|false)$"), lambda m: lambda f: f["trashed"] == (m.group(1) == "true")),
    (re.compile(r"^mimeType\s*(!?=)\s*'([^']+)'$"),
     lambda m: lambda f: (f["mimeType"] == m.group(2)) == (m.group(1) == "=")),
    (re.compile(r"^name\s*=\s*'([^']*)'$"), lambda m: lambda f: f["name"] == m.group(1)),
    (re.compile(r"^appProperties\s+has\s+\{\s*key\s*=\s*'([^']+)'\s+and\s+value\s*=\s*'([^']*)'\s*\}$"),
     lambda m: lambda f: f.get("appProperties", {}).get(m.group(1)) == m.group(2)),
]


def parse_q(q: str):
    terms, depth, cur, i = [], 0, "", 0
    while i < len(q):
        c = q[i]
        depth += c == "{"
        depth -= c == "}"
        if depth == 0 and q[i:i + 5].lower() == " and ":
            terms.append(cur.strip())
            cur, i = "", i + 5
            continue
        cur += c
        i += 1
    terms.append(cur.strip())
    preds = []
    for t in terms:
        for rx, mk in _TERM_RXS:
            m = rx.match(t)
            if m:
                preds.append(mk(m))
                break
        else:
            raise DriveError(400, "invalid", "Invalid Value", "q")
    return lambda f: all(p(f) for p in preds)


# ---------------------------------------------------------------- state and API


class DriveDouble:
    """Start with `with DriveDouble() as d:`; point the client at `d.root_url`."""

    def __init__(self, me: str = "promolint@example-project.iam.gserviceaccount.com", token: str = "test-token"):
        self.discovery = Discovery()
        self.me, self.token = me, token
        self.files: dict[str, dict] = {}
        self.content: dict[str, bytes] = {}
        self.permissions: dict[str, list[dict]] = {}
        self.changes: list[dict] = []  # {"seq", "fileId", "time", "drive"}
        self.sessions: dict[str, _Session] = {}
        self.calls: Counter = Counter()
        self.faults: dict[str, list[Fault]] = {}
        self.token_requests: list[dict] = []  # JWT claims seen at /token
        self.notifications: list[dict] = []  # permission emails "sent": {fileId, email, message}
        self._ids = itertools.count(1)
        self._salt = uuid.uuid4().hex[:10]
        self._clock = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle

    def __enter__(self) -> "DriveDouble":
        handler = type("H", (_Handler,), {"double": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    # -- seeding and inspection (test side; not counted)

    def _now(self) -> str:
        self._clock += timedelta(seconds=1)
        return self._clock.isoformat().replace("+00:00", ".000Z")

    def _new_id(self, prefix: str = "f") -> str:
        return f"{prefix}{next(self._ids):04d}{self._salt}"  # unique across doubles, like real ids

    def add_folder(self, name: str, parent: str | None = None, drive_id: str | None = None, owner: str | None = None) -> str:
        return self._insert({"name": name, "mimeType": FOLDER_MIME, "parents": [parent] if parent else []},
                            None, owner=owner or self.me, drive_id=drive_id)

    def add_file(self, name: str, parent: str, data: bytes, mime: str = DOCX_MIME, owner: str = "author@example.com",
                 drive_id: str | None = None, app_properties: dict | None = None) -> str:
        """A binary file, or a Google Doc when mime is DOC_MIME (data is what export returns)."""
        meta = {"name": name, "mimeType": mime, "parents": [parent]}
        if app_properties:
            meta["appProperties"] = app_properties
        return self._insert(meta, data, owner=owner, drive_id=drive_id, modifier=owner)

    def edit(self, file_id: str, data: bytes, by: str = "author@example.com") -> None:
        with self._lock:
            self._set_content(self.files[file_id], data, modifier=by)
            self._log(file_id)

    def trash(self, file_id: str) -> None:
        with self._lock:
            self.files[file_id]["trashed"] = True
            self._log(file_id)

    def delete(self, file_id: str) -> None:
        with self._lock:
            f = self.files.pop(file_id)
            self.content.pop(file_id, None)
            self._log(file_id, drive=f.get("driveId"))

    def children(self, folder_id: str) -> list[dict]:
        return [f for f in self.files.values() if folder_id in f.get("parents", [])]

    def fail(self, method: str, status: int, **kw) -> None:
        """Queue a fault for the next call(s) of `method` (e.g. 'drive.files.list' or 'upload.put')."""
        self.faults.setdefault(method, []).append(Fault(status, **kw))

    def reset_counts(self) -> None:
        self.calls.clear()

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    # -- state helpers

    def _user(self, email: str) -> dict:
        return {"kind": "drive#user", "emailAddress": email, "displayName": email.split("@")[0], "me": email == self.me}

    def _insert(self, meta: dict, data: bytes | None, owner: str | None, drive_id: str | None = None,
                modifier: str | None = None) -> str:
        with self._lock:
            fid = self._new_id()
            now = self._now()
            f = {"kind": "drive#file", "id": fid, "name": meta.get("name", "Untitled"),
                 "mimeType": meta.get("mimeType") or "application/octet-stream", "parents": list(meta.get("parents") or []),
                 "trashed": False, "createdTime": now, "modifiedTime": now, "version": "1",
                 "appProperties": dict(meta.get("appProperties") or {}), "properties": dict(meta.get("properties") or {})}
            if meta.get("description"):
                f["description"] = meta["description"]
            if drive_id is None and f["parents"]:
                drive_id = self.files.get(f["parents"][0], {}).get("driveId")
            if drive_id:
                f["driveId"] = drive_id  # shared drive items have no owners
            else:
                f["_owner"] = owner or self.me
            f["_modifier"] = modifier or owner or self.me
            self.files[fid] = f
            self.permissions[fid] = []
            if data is not None:
                self._set_content(f, data, modifier=f["_modifier"])
            f["webViewLink"] = f"https://docs.google.com/document/d/{fid}/edit"
            self._log(fid)
            return fid

    def _set_content(self, f: dict, data: bytes, modifier: str) -> None:
        self.content[f["id"]] = bytes(data)
        if not f["mimeType"].startswith("application/vnd.google-apps."):
            f["md5Checksum"] = hashlib.md5(data).hexdigest()
            f["size"] = str(len(data))
            f["headRevisionId"] = "r" + hashlib.sha1(data + f["id"].encode()).hexdigest()[:12]
        self._touch(f, modifier)

    def _touch(self, f: dict, modifier: str) -> None:
        # Pessimistic about metadata writes: they bump modifiedTime and lastModifyingUser too, so the
        # client must not treat its own appProperties write as a new packet revision.
        f["modifiedTime"] = self._now()
        f["version"] = str(int(f.get("version", "0")) + 1)
        f["_modifier"] = modifier

    def _log(self, fid: str, drive: str | None = None) -> None:
        drive = drive or self.files.get(fid, {}).get("driveId")
        self.changes.append({"seq": len(self.changes) + 1, "fileId": fid, "time": self._now(), "drive": drive})

    def _view(self, f: dict) -> dict:
        out = {k: v for k, v in f.items() if not k.startswith("_")}
        if "_owner" in f:
            out["owners"] = [self._user(f["_owner"])]
            out["ownedByMe"] = f["_owner"] == self.me
        out["lastModifyingUser"] = self._user(f["_modifier"])
        out["permissionIds"] = [p["id"] for p in self.permissions.get(f["id"], [])]
        return out

    def _get(self, fid: str, params: dict) -> dict:
        f = self.files.get(fid)
        if f is None or (f.get("driveId") and not params.get("supportsAllDrives")):
            raise DriveError(404, "notFound", f"File not found: {fid}.", "fileId")
        return f

    # -- API methods: (params, body) -> (status, json | bytes, headers)

    def api(self, mid: str, params: dict, body: dict | None, media: tuple[str, bytes] | None = None):
        with self._lock:
            return getattr(self, "_" + mid.replace("drive.", "").replace(".", "_"))(params, body or {}, media)

    def _files_list(self, p, body, media):
        pred = parse_q(p["q"]) if p.get("q") else (lambda f: True)
        all_drives = p.get("includeItemsFromAllDrives") and p.get("supportsAllDrives")
        items = [f for f in self.files.values() if pred(f) and (all_drives or not f.get("driveId"))]
        if p.get("driveId"):
            items = [f for f in items if f.get("driveId") == p["driveId"]]
        size = min(p.get("pageSize", 100), 1000)
        start = int(p.get("pageToken") or 0)
        page = items[start:start + size]
        out = {"kind": "drive#fileList", "incompleteSearch": False, "files": [self._view(f) for f in page]}
        if start + size < len(items):
            out["nextPageToken"] = str(start + size)
        return 200, self._fields(out, p, "kind,incompleteSearch,nextPageToken,files(" + DEFAULT_FILE_FIELDS + ")"), {}

    def _files_get(self, p, body, media):
        f = self._get(p["fileId"], p)
        if p.get("alt") == "media":
            if f["mimeType"].startswith("application/vnd.google-apps."):
                raise DriveError(403, "fileNotDownloadable", "Only files with binary content can be downloaded. Use Export with Docs Editors files.")
            return 200, self.content.get(f["id"], b""), {"Content-Type": f["mimeType"]}
        return 200, self._fields(self._view(f), p, DEFAULT_FILE_FIELDS), {}

    def _files_export(self, p, body, media):
        f = self._get(p["fileId"], p)
        if f["mimeType"] != DOC_MIME:
            raise DriveError(403, "fileNotExportable", "Export only supports Docs Editors files.")
        if p["mimeType"] != DOCX_MIME:
            raise DriveError(400, "badRequest", "The requested conversion is not supported.", "mimeType")
        return 200, self.content.get(f["id"], b""), {"Content-Type": DOCX_MIME}

    def _convert(self, meta: dict, media_mime: str | None) -> dict:
        meta = dict(meta)
        target = meta.get("mimeType")
        if media_mime and target == DOC_MIME:
            if media_mime not in (DOCX_MIME, "text/html", "text/plain", "text/markdown"):
                raise DriveError(400, "badRequest", "Conversion from this type is not supported.")
        elif media_mime and not target:
            meta["mimeType"] = media_mime
        return meta

    def _files_create(self, p, body, media):
        self.discovery.check_body("File", body)
        meta = self._convert(body, media[0] if media else None)
        for parent in meta.get("parents") or []:
            self._get(parent, p)
        drive_id = self.files[meta["parents"][0]].get("driveId") if meta.get("parents") else None
        fid = self._insert(meta, media[1] if media else None, owner=self.me, drive_id=drive_id)
        return 200, self._fields(self._view(self.files[fid]), p, DEFAULT_FILE_FIELDS), {}

    def _files_update(self, p, body, media):
        self.discovery.check_body("File", body)
        f = self._get(p["fileId"], p)
        for k, v in body.items():
            if k in ("appProperties", "properties"):
                for pk, pv in v.items():
                    if pv is None:
                        f[k].pop(pk, None)
                    else:
                        f[k][pk] = pv
            elif k in ("name", "description", "trashed"):
                f[k] = v
            elif k == "parents":
                raise DriveError(403, "fieldNotWritable", "The parents field is not directly writable in update requests. Use the addParents and removeParents parameters instead.")
        for pid in filter(None, (p.get("addParents") or "").split(",")):
            f["parents"].append(pid)
        for pid in filter(None, (p.get("removeParents") or "").split(",")):
            f["parents"].remove(pid)
        if media:
            self._set_content(f, media[1], modifier=self.me)
        else:
            self._touch(f, self.me)
        self._log(f["id"])
        return 200, self._fields(self._view(f), p, DEFAULT_FILE_FIELDS), {}

    def _permissions_create(self, p, body, media):
        self.discovery.check_body("Permission", body)
        f = self._get(p["fileId"], p)
        if body.get("type") not in ("user", "group", "domain", "anyone") or not body.get("role"):
            raise DriveError(400, "required", "Permission type and role are required.")
        if body["type"] in ("user", "group") and not body.get("emailAddress"):
            raise DriveError(400, "required", "emailAddress is required for user permissions.")
        perms = self.permissions[f["id"]]
        existing = next((x for x in perms if x.get("emailAddress") == body.get("emailAddress")), None)
        if existing:
            existing["role"] = body["role"]
            perm = existing
        else:
            perm = {"kind": "drive#permission", "id": self._new_id("p"), **body}
            perms.append(perm)
        notify = p.get("sendNotificationEmail", body["type"] in ("user", "group"))
        if p.get("emailMessage") and not notify:
            raise DriveError(400, "badRequest", "emailMessage requires sendNotificationEmail.")
        if notify:
            self.notifications.append({"fileId": f["id"], "email": body.get("emailAddress"), "message": p.get("emailMessage")})
        self._log(f["id"])
        return 200, self._fields(perm, p, "kind,id,type,role"), {}

    def _permissions_list(self, p, body, media):
        f = self._get(p["fileId"], p)
        return 200, self._fields({"kind": "drive#permissionList", "permissions": self.permissions[f["id"]]}, p,
                                 "kind,permissions(kind,id,type,role)"), {}

    def _changes_getStartPageToken(self, p, body, media):
        return 200, self._fields({"kind": "drive#startPageToken", "startPageToken": str(len(self.changes) + 1)}, p,
                                 "kind,startPageToken"), {}

    def _changes_list(self, p, body, media):
        tok = p["pageToken"]
        if not tok.isdigit() or not (1 <= int(tok) <= len(self.changes) + 1):
            raise DriveError(400, "invalid", "Invalid Value", "pageToken")
        all_drives = p.get("includeItemsFromAllDrives") and p.get("supportsAllDrives")
        if p.get("driveId") and not p.get("supportsAllDrives"):
            raise DriveError(403, "teamDrivesParameterNotSupported", "driveId requires supportsAllDrives.")
        entries = [c for c in self.changes[int(tok) - 1:]
                   if (c["drive"] == p["driveId"] if p.get("driveId") else (all_drives or not c["drive"]))]
        size = min(p.get("pageSize", 100), 1000)
        page, rest = entries[:size], entries[size:]
        latest: dict[str, dict] = {}
        for c in page:  # Drive reports each file once per page, in its latest state
            latest.pop(c["fileId"], None)
            latest[c["fileId"]] = c
        changes = []
        for c in latest.values():
            f = self.files.get(c["fileId"])
            ch = {"kind": "drive#change", "changeType": "file", "fileId": c["fileId"], "time": c["time"],
                  "removed": f is None}
            if f is not None:
                ch["file"] = self._view(f)
            if f is not None or p.get("includeRemoved", True):
                changes.append(ch)
        out = {"kind": "drive#changeList", "changes": changes}
        if rest:
            out["nextPageToken"] = str(rest[0]["seq"])
        else:
            out["newStartPageToken"] = str(len(self.changes) + 1)
        return 200, self._fields(out, p, "kind,nextPageToken,newStartPageToken,changes(kind,changeType,time,removed,fileId,file(" + DEFAULT_FILE_FIELDS + "))"), {}

    @staticmethod
    def _fields(obj, p, default: str):
        return select(obj, parse_fields(p.get("fields") or default))

    # -- resumable sessions

    def start_session(self, mid: str, params: dict, body: dict, mime: str, total: int | None) -> str:
        sid = self._new_id("u")
        self.sessions[sid] = _Session(mid, params.get("fileId"), body, params, mime, total)
        return sid

    def session_put(self, sid: str, content_range: str | None, data: bytes):
        s = self.sessions.get(sid)
        if s is None:
            raise DriveError(404, "notFound", "upload session not found")
        m = re.match(r"bytes (\*|(\d+)-(\d+))/(\*|\d+)$", content_range or f"bytes 0-{len(data) - 1}/{len(data)}")
        if not m:
            raise DriveError(400, "badRequest", "bad Content-Range")
        total = None if m.group(4) == "*" else int(m.group(4))
        if m.group(1) != "*":
            start, end = int(m.group(2)), int(m.group(3))
            if s.result is None:
                if start != len(s.data) or end - start + 1 != len(data):
                    raise DriveError(400, "badRequest", "chunk does not continue the upload")
                if total is None and len(data) % CHUNK_QUANTUM:
                    raise DriveError(400, "badRequest", "non-final chunks must be multiples of 256 KiB")
                s.data += data
        if s.result is None and total is not None and len(s.data) == total:
            with self._lock:
                status, s.result, _ = self.api(s.method, s.params, s.metadata, (s.mime, bytes(s.data)))
        if s.result is not None:
            return 200, s.result, {}
        headers = {"Range": f"bytes=0-{len(s.data) - 1}"} if s.data else {}
        return 308, b"", headers


# ---------------------------------------------------------------- HTTP


def _split_multipart(ctype: str, raw: bytes) -> tuple[dict, tuple[str, bytes]]:
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
    parts = list(msg.iter_parts())
    if len(parts) != 2:
        raise DriveError(400, "badRequest", "multipart upload needs metadata and media parts")
    meta = json.loads(parts[0].get_payload(decode=True) or b"{}")
    media = parts[1]
    data = media.get_payload(decode=True)
    if (media.get("Content-Transfer-Encoding") or "").lower() == "base64":
        data = base64.b64decode(media.get_payload())
    return meta, (media.get_content_type(), data)


class _Handler(BaseHTTPRequestHandler):
    double: DriveDouble
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle + delayed ACK add ~40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self): self._handle()
    def do_POST(self): self._handle()
    def do_PATCH(self): self._handle()
    def do_PUT(self): self._handle()
    def do_DELETE(self): self._handle()

    def _send(self, status: int, payload, headers: dict) -> None:
        if isinstance(payload, (dict, list)):
            payload, headers = json.dumps(payload).encode(), {"Content-Type": "application/json; charset=UTF-8", **headers}
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # a client that stops reading (a download over its limit)
            self.close_connection = True

    def _fault(self, key: str) -> Fault | None:
        d = self.double
        with d._lock:
            d.calls[key] += 1
            queue = d.faults.get(key)
            if queue:
                f = queue[0]
                if f.skip > 0:
                    f.skip -= 1
                    return None
                f.times -= 1
                if f.times <= 0:
                    queue.pop(0)
                return f
        return None

    def _handle(self) -> None:
        d = self.double
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            if self.command == "POST" and url.path == "/token":
                return self._token(raw)
            if self.headers.get("Authorization") != f"Bearer {d.token}":
                raise DriveError(401, "authError", "Invalid Credentials")
            if self.command == "PUT" and "upload_id" in query:
                fault = self._fault("upload.put")
                if fault and not fault.commit:
                    raise self._as_error(fault)
                status, payload, headers = d.session_put(query["upload_id"], self.headers.get("Content-Range"), raw)
                if fault:
                    raise self._as_error(fault)
                return self._send(status, payload, headers)
            mid, desc, kind, path_params = d.discovery.match(self.command, url.path)
            fault = self._fault(mid)
            if fault and not fault.commit:
                raise self._as_error(fault)
            params = d.discovery.check_params(desc, kind, query, path_params)
            status, payload, headers = self._dispatch(mid, desc, kind, params, raw)
            if fault:
                raise self._as_error(fault)
            self._send(status, payload, headers)
        except DriveError as e:
            self._send(e.status, e.body(), {"Content-Type": "application/json; charset=UTF-8", **e.headers})

    def _token(self, raw: bytes) -> None:
        """OAuth token endpoint for service-account JWTs; records the claims (signature not checked)."""
        form = dict(urllib.parse.parse_qsl(raw.decode()))
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            raise DriveError(400, "unsupported_grant_type", "unsupported grant")
        payload = form["assertion"].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        self.double.token_requests.append(claims)
        self._send(200, {"access_token": self.double.token, "token_type": "Bearer", "expires_in": 3600}, {})

    @staticmethod
    def _as_error(f: Fault) -> DriveError:
        reason = f.reason or {429: "rateLimitExceeded", 503: "backendError", 500: "internalError"}.get(f.status, "error")
        return DriveError(f.status, reason, "injected fault", headers={"Retry-After": f.retry_after} if f.retry_after else {})

    def _dispatch(self, mid, desc, kind, params, raw):
        d = self.double
        ctype = self.headers.get("Content-Type") or ""
        if kind == "upload":
            utype = params["uploadType"]
            if utype == "resumable":
                meta = json.loads(raw or b"{}")
                d.discovery.check_body("File", meta)
                total = self.headers.get("X-Upload-Content-Length")
                sid = d.start_session(mid, params, meta, self.headers.get("X-Upload-Content-Type") or "application/octet-stream",
                                      int(total) if total else None)
                host = f"http://127.0.0.1:{d._server.server_address[1]}"
                return 200, b"", {"Location": f"{host}{urllib.parse.urlsplit(self.path).path}?uploadType=resumable&upload_id={sid}"}
            if utype == "multipart":
                if not ctype.startswith("multipart/related"):
                    raise DriveError(400, "badRequest", "multipart upload needs multipart/related")
                meta, media = _split_multipart(ctype, raw)
                return d.api(mid, params, meta, media)
            return d.api(mid, params, {}, (ctype.split(";")[0] or "application/octet-stream", raw))
        body = json.loads(raw) if raw else None
        if body is not None and "request" in desc:
            d.discovery.check_body(desc["request"]["$ref"], body)
        return d.api(mid, params, body)
