"""What was reviewed, keyed by (source id, content version), in SQLite beside the outputs.

Re-runs consult the ledger so unchanged packets are skipped and changed ones re-reviewed. The
previous findings are kept here (not only in the output folder, which managers may tidy) so a
re-review can show progress. Rows hold identifiers, hashes, statuses and one-line reasons only.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from promolint.deliver.local import claim_stem, write_atomic
from promolint.errors import warn
from promolint.model import Review
from promolint.sources.base import PacketRef

LEDGER_DIR = ".promolint"
LEDGER_DB = "ledger.sqlite"

# reviewed: outputs written. rejected: permanent (PacketRejected), not retried until the file
# changes. failed: transient failure after retries, retried on the next run.
DONE_STATUSES = ("reviewed", "rejected")
# An outcome's kind: a transient one (a timeout, an I/O error) is retried on the next run even
# when its status is rejected; a permanent one waits for the content to change.
TRANSIENT, PERMANENT = "transient", "permanent"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS packets (
    source_id   TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT,
    stem        TEXT,
    author_dir  TEXT,
    outputs     TEXT,
    reviewed_version TEXT,
    updated_at  REAL NOT NULL,
    note        TEXT,
    kind        TEXT
);
"""


@dataclass
class Entry:
    source_id: str
    name: str
    version: str
    status: str
    reason: str | None
    stem: str | None
    author_dir: str | None
    outputs: list[str]
    reviewed_version: str | None
    note: str | None = None       # delivery note of the last review, e.g. "not shared: author unknown"
    kind: str | None = None       # TRANSIENT or PERMANENT (None: reviewed, or a ledger from before kinds)


class Ledger:
    """One short-lived connection per call: safe from worker threads and Dask processes."""

    def __init__(self, out_root: Path):
        self.root = Path(out_root) / LEDGER_DIR
        self.root.mkdir(parents=True, exist_ok=True)
        self.path = self.root / LEDGER_DB
        try:
            self._open()
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError):
                raise  # locked, or no permission: not damage, and not ours to discard
            self._rebuild(type(e).__name__)

    def _open(self) -> None:
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            columns = {r[1] for r in db.execute("PRAGMA table_info(packets)")}
            for column in ("note", "kind"):  # ledgers from before these columns
                if column not in columns:
                    db.execute(f"ALTER TABLE packets ADD COLUMN {column} TEXT")

    def _rebuild(self, why: str) -> None:
        """A damaged ledger is set aside (kept for a human) and started afresh: every packet is
        reviewed once more instead of every run failing."""
        aside = self.path.with_name(f"{LEDGER_DB}.damaged-{int(time.time())}")
        try:
            os.replace(self.path, aside)
        except FileNotFoundError:
            pass  # another worker set it aside first
        for extra in ("-wal", "-shm"):
            Path(f"{self.path}{extra}").unlink(missing_ok=True)
        warn(f"{self.path}: damaged ledger ({why}); set aside as {aside.name} and rebuilt")
        self._open()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def get(self, source_id: str) -> Entry | None:
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT source_id, name, version, status, reason, stem, author_dir, outputs, reviewed_version, note,"
                " kind FROM packets WHERE source_id = ?",
                (source_id,),
            ).fetchone()
        if row is None:
            return None
        try:
            outputs = json.loads(row[7] or "[]")
        except ValueError:
            outputs = []
        return Entry(*row[:7], outputs if isinstance(outputs, list) else [], row[8], row[9], row[10])

    def entries(self) -> list[Entry]:
        with closing(self._connect()) as db:
            ids = [r[0] for r in db.execute("SELECT source_id FROM packets ORDER BY source_id")]
        return [e for e in (self.get(i) for i in ids) if e]

    def is_current(self, ref: PacketRef) -> bool:
        """True when this exact content was already reviewed or permanently rejected."""
        e = self.get(ref.source_id)
        return e is not None and e.version == ref.version and e.status in DONE_STATUSES and e.kind != TRANSIENT

    def stem_for(self, ref: PacketRef) -> str:
        """The output stem, stable per source id and unique across sources sharing a file name."""
        e = self.get(ref.source_id)
        return claim_stem(self.root.parent, e.stem if e and e.stem else ref.stem, ref.source_id)

    def record(self, ref: PacketRef, status: str, *, reason: str | None = None, stem: str | None = None,
               author_dir: str | None = None, outputs: list[str] | None = None, note: str | None = None,
               kind: str | None = None) -> None:
        kind = kind or {"rejected": PERMANENT, "failed": TRANSIENT}.get(status)
        prev = self.get(ref.source_id)
        reviewed_version = ref.version if status == "reviewed" else (prev.reviewed_version if prev else None)
        with closing(self._connect()) as db:
            db.execute(
                "INSERT INTO packets (source_id, name, version, status, reason, stem, author_dir, outputs,"
                " reviewed_version, updated_at, note, kind) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(source_id) DO UPDATE SET name=excluded.name, version=excluded.version,"
                " status=excluded.status, reason=excluded.reason,"
                " stem=COALESCE(excluded.stem, packets.stem),"
                " author_dir=COALESCE(excluded.author_dir, packets.author_dir),"
                " outputs=CASE WHEN excluded.status='reviewed' THEN excluded.outputs ELSE packets.outputs END,"
                " reviewed_version=excluded.reviewed_version, updated_at=excluded.updated_at,"
                " note=CASE WHEN excluded.status='reviewed' THEN excluded.note ELSE packets.note END,"
                " kind=excluded.kind",
                (ref.source_id, ref.name, ref.version, status, reason, stem, author_dir,
                 json.dumps(outputs or []), reviewed_version, time.time(), note, kind),
            )

    # Previous findings: the progress section compares a revision against these.
    def _review_path(self, source_id: str) -> Path:
        return self.root / "reviews" / f"{hashlib.sha256(source_id.encode()).hexdigest()}.json"

    def previous_review(self, source_id: str) -> Review | None:
        p = self._review_path(source_id)
        try:
            return Review.model_validate(json.loads(p.read_bytes()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:  # damaged, or written by another version: rebuilt by this review
            warn(f"{p}: damaged previous review ({type(e).__name__}); this review replaces it")
            p.unlink(missing_ok=True)
            return None

    def save_review(self, source_id: str, findings_json: bytes) -> None:
        write_atomic(self._review_path(source_id), findings_json, root=self.root.parent)
