"""State the tool wrote itself: outcomes have a kind (a timeout is retried, a rejection remembered),
and a damaged ledger or previous review is rebuilt with one warning line, not an internal error."""
from __future__ import annotations

import sqlite3

import hostile
from conftest import build_packet as _build
from promolint.config import load_config
from promolint.flows.ledger import Ledger
from promolint.pipeline import review_ref
from promolint.sources import open_source

CLAIMS = ["I led the migration of the billing service and cut p99 latency by 40%."]


def _one(tmp_path, name="p.docx"):
    src = tmp_path / "in"
    src.mkdir(exist_ok=True)
    _build(src / name, CLAIMS)
    source = open_source(str(src), load_config(None))
    return source, next(iter(source.list()))


def _config(tmp_path, timeout):
    cfg = tmp_path / f"org-{timeout}.yaml"
    cfg.write_text(f"limits:\n  timeout_seconds: {timeout}\n")
    return load_config(cfg)


def test_a_timeout_is_retried_on_the_next_run(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "long.docx").write_bytes(hostile.make_many_paragraphs(20_000))
    source = open_source(str(src), load_config(None))
    ref = next(iter(source.list()))
    out = tmp_path / "out"
    first = review_ref(source, ref, _config(tmp_path, 0.01), out, ledger=Ledger(out))
    assert first.status == "rejected" and first.code == "timeout"
    assert not Ledger(out).is_current(ref)          # not remembered as a verdict on the content
    again = review_ref(source, ref, _config(tmp_path, 300), out, ledger=Ledger(out))
    assert again.status == "reviewed", again.reason
    assert Ledger(out).is_current(ref)


def test_a_content_rejection_is_remembered(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "legacy.docx").write_bytes(hostile.make_legacy_doc())
    source = open_source(str(src), load_config(None))
    ref = next(iter(source.list()))
    out = tmp_path / "out"
    r = review_ref(source, ref, load_config(None), out, ledger=Ledger(out))
    assert r.status == "rejected" and r.code == "legacy-doc"
    led = Ledger(out)
    assert led.is_current(ref) and led.get(ref.source_id).kind == "permanent"


def test_a_damaged_ledger_is_rebuilt_with_one_warning(tmp_path, capsys):
    source, ref = _one(tmp_path)
    out = tmp_path / "out"
    review_ref(source, ref, load_config(None), out, ledger=Ledger(out))
    db = out / ".promolint" / "ledger.sqlite"
    db.write_bytes(b"this is not a database" * 200)
    for extra in ("-wal", "-shm"):
        (out / ".promolint" / f"ledger.sqlite{extra}").unlink(missing_ok=True)
    capsys.readouterr()
    led = Ledger(out)
    warning = capsys.readouterr().err.strip().splitlines()
    assert len(warning) == 1 and "ledger.sqlite" in warning[0] and "damaged" in warning[0]
    assert list((out / ".promolint").glob("ledger.sqlite.damaged-*"))   # kept for a human
    r = review_ref(source, ref, load_config(None), out, ledger=led)
    assert r.status == "reviewed", r.reason
    sqlite3.connect(db).execute("SELECT count(*) FROM packets").fetchone()


def test_damaged_or_old_format_previous_review_is_rebuilt(tmp_path, capsys):
    source, ref = _one(tmp_path)
    out = tmp_path / "out"
    led = Ledger(out)
    assert review_ref(source, ref, load_config(None), out, ledger=led).status == "reviewed"
    [saved] = list((out / ".promolint" / "reviews").glob("*.json"))
    for i, damage in enumerate((b"{\"truncated\": ", b"{\"format\": 99, \"claims\": \"not a list\"}")):
        saved.write_bytes(damage)
        (tmp_path / "in" / "p.docx").unlink()
        _build(tmp_path / "in" / "p.docx", CLAIMS + [f"I wrote {i + 2} design docs for the new ledger."])
        ref = next(iter(source.list()))
        capsys.readouterr()
        r = review_ref(source, ref, load_config(None), out, ledger=led)
        err = capsys.readouterr().err.strip().splitlines()
        assert r.status == "reviewed", r.reason
        assert len(err) == 1 and "damaged previous review" in err[0], err
        assert saved.exists() and saved.read_bytes() != damage   # replaced by this review
