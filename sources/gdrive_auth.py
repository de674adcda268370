"""Drive settings, credentials and the retrying client shared by the Drive source and destination.

Credentials, first match wins:
  1. PROMOLINT_DRIVE_TOKEN: a bearer access token used as is (tests, short jobs; never refreshed).
  2. `gdrive.credentials` / PROMOLINT_DRIVE_CREDENTIALS: a service account JSON key (optionally with
     `gdrive.subject` / PROMOLINT_DRIVE_SUBJECT for domain-wide delegation) or an installed-app
     OAuth token file (`"type": "authorized_user"`, as written by google-auth-oauthlib).
Scopes: `drive` when promolint writes to Drive (it must set appProperties on packets it did not
create, which `drive.file` does not allow); `drive.readonly` when Drive is only read.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import google_auth_httplib2
import httplib2
import requests
from google.auth.exceptions import RefreshError
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError
from promolint.config import GDriveConfig
from promolint.errors import SourceError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

log = logging.getLogger("promolint.gdrive")

SCOPE_FULL = "https://www.googleapis.com/auth/drive"
SCOPE_READONLY = "https://www.googleapis.com/auth/drive.readonly"
ENV_ROOT_URL = "PROMOLINT_DRIVE_ROOT_URL"
ENV_TOKEN = "PROMOLINT_DRIVE_TOKEN"
ENV_CREDENTIALS = "PROMOLINT_DRIVE_CREDENTIALS"
ENV_SUBJECT = "PROMOLINT_DRIVE_SUBJECT"
RETRY_STATUSES = {429, 500, 502, 503, 504}
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


class DriveAuthError(SourceError):
    """Drive credentials are missing or unusable. The message says which setting to fix."""


def _discovery_document(root_url: str | None) -> dict:
    """The packaged Drive v3 document, with rootUrl replaced so uploads use the same scheme and host."""
    from googleapiclient import discovery_cache

    doc = json.loads(discovery_cache.get_static_doc("drive", "v3"))
    if root_url:
        root = root_url if root_url.endswith("/") else root_url + "/"
        doc["rootUrl"] = root
        doc["baseUrl"] = root + doc["servicePath"]
    return doc


def load_credentials(cfg: GDriveConfig, write: bool):
    token = os.environ.get(ENV_TOKEN)
    if token:
        from google.oauth2.credentials import Credentials

        return Credentials(token=token)
    path = os.environ.get(ENV_CREDENTIALS) or cfg.credentials
    if not path:
        raise DriveAuthError(f"no Drive credentials: set gdrive.credentials in the config, {ENV_CREDENTIALS} or {ENV_TOKEN}")
    scopes = [SCOPE_FULL if write else SCOPE_READONLY]
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise DriveAuthError(f"{path}: Drive credentials file cannot be read as JSON") from None
    kind = info.get("type")
    if kind == "service_account":
        from google.oauth2 import service_account

        creds = service_account.Credentials.from_service_account_info(info, scopes=scopes)
        subject = os.environ.get(ENV_SUBJECT) or cfg.subject
        return creds.with_subject(subject) if subject else creds
    if kind == "authorized_user":
        from google.oauth2.credentials import Credentials

        # The token file keeps the scopes it was granted; asking for others here would not add them.
        return Credentials.from_authorized_user_info(info)
    raise DriveAuthError(f"{path}: expected a service account key or an authorized-user token file")


def _retry_after(exc: BaseException) -> float | None:
    resp = getattr(exc, "resp", None)
    value = resp.get("retry-after") if resp is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date; fall back to backoff


def error_reason(exc: HttpError) -> str | None:
    try:
        return json.loads(exc.content.decode("utf-8"))["error"]["errors"][0]["reason"]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, HttpError):
        status = exc.resp.status
        return status in RETRY_STATUSES or (status == 403 and error_reason(exc) in RATE_LIMIT_REASONS)
    # Transport failures: the request may or may not have reached Drive.
    return isinstance(exc, (ConnectionError, TimeoutError, httplib2.HttpLib2Error))


class DriveClient:
    """One Drive connection: builds the service, executes every request with retries, counts calls.

    Requests are re-executed as the same `HttpRequest`, so a resumable upload that fails mid-way
    resumes its own session instead of starting a second file.
    """

    def __init__(self, cfg: GDriveConfig | None = None, write: bool = True, sleep: Callable[[float], None] = time.sleep,
                 credentials=None):
        self.cfg = cfg or GDriveConfig()
        self.write = write
        self.sleep = sleep
        self.calls: Counter = Counter()          # Drive method id -> attempts (retries included)
        self._credentials = credentials
        self._local = threading.local()          # httplib2 is not thread-safe: one service per thread
        self.root_url = os.environ.get(ENV_ROOT_URL) or self.cfg.root_url

    @property
    def service(self):
        svc = getattr(self._local, "service", None)
        if svc is None:
            if self._credentials is None:
                self._credentials = load_credentials(self.cfg, self.write)
            raw = httplib2.Http(timeout=self.cfg.timeout)
            raw.redirect_codes = raw.redirect_codes - {308}  # Drive's "resume incomplete", not a redirect
            http = google_auth_httplib2.AuthorizedHttp(self._credentials, http=raw)
            svc = build_from_document(_discovery_document(self.root_url), http=http)
            self._local.service = svc
        return svc

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = _retry_after(exc) if exc else None
        if after is not None:
            return min(after, self.cfg.retry_max)
        return wait_exponential_jitter(initial=self.cfg.retry_initial, max=self.cfg.retry_max)(state)

    def retrying(self, method: str = "call") -> Retrying:
        def before_sleep(state: RetryCallState) -> None:
            # Method and status only: URLs and bodies may carry file names or packet content.
            exc = state.outcome.exception()
            status = getattr(getattr(exc, "resp", None), "status", type(exc).__name__)
            log.warning("Drive %s failed (%s); retry %d", method, status, state.attempt_number)

        return Retrying(retry=retry_if_exception(is_retryable), wait=self._wait, stop=stop_after_attempt(self.cfg.retry_attempts),
                        sleep=self.sleep, before_sleep=before_sleep, reraise=True)

    def execute(self, request, on_retry: Callable[[], Any] | None = None):
        """Execute with backoff. `on_retry` runs before each retry and may return a result instead
        (used to find a file a lost response already created)."""
        method = getattr(request, "methodId", None) or "call"

        def attempt():
            self.calls[method] += 1
            try:
                return request.execute(num_retries=0)
            except RefreshError:
                where = ENV_TOKEN if os.environ.get(ENV_TOKEN) else "gdrive.credentials"
                raise DriveAuthError(f"Drive rejected the credentials from {where} (expired or revoked?)") from None

        for n, att in enumerate(self.retrying(method)):
            with att:
                if n and on_retry is not None:
                    found = on_retry()
                    if found is not None:
                        return found
                return attempt()
        raise AssertionError("unreachable")  # pragma: no cover

    def download(self, request, limit: int | None, too_large: Callable[[], BaseException]) -> bytes:
        """The body of a media or export `request`, read in chunks and abandoned once it passes
        `limit` bytes (`too_large()` is raised): httplib2 would hold a whole 3 GB body in memory,
        and a Google Doc's export has no size to check beforehand. Retries as `execute` does."""
        from google.auth.transport.requests import AuthorizedSession

        method = getattr(request, "methodId", None) or "download"
        session = getattr(self._local, "session", None)
        if session is None:
            self.service  # noqa: B018  (loads the credentials)
            session = self._local.session = AuthorizedSession(self._credentials)

        def attempt() -> bytes:
            self.calls[method] += 1
            try:
                with session.get(request.uri, stream=True, timeout=self.cfg.timeout) as r:
                    if r.status_code >= 400:
                        raise HttpError(httplib2.Response({"status": r.status_code, **r.headers}), r.content[:65536],
                                        uri=request.uri)
                    declared = int(r.headers.get("Content-Length") or 0)
                    if limit and declared > limit:
                        raise too_large()
                    body = bytearray()
                    for chunk in r.iter_content(1 << 16):
                        body += chunk
                        if limit and len(body) > limit:
                            raise too_large()
                    return bytes(body)
            except RefreshError:
                where = ENV_TOKEN if os.environ.get(ENV_TOKEN) else "gdrive.credentials"
                raise DriveAuthError(f"Drive rejected the credentials from {where} (expired or revoked?)") from None
            except requests.Timeout as e:  # retryable, as httplib2's transport errors are
                raise TimeoutError(type(e).__name__) from None
            except requests.ConnectionError as e:
                raise ConnectionError(type(e).__name__) from None

        for att in self.retrying(method):
            with att:
                return attempt()
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())
