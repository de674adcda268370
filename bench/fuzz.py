"""Short mutational fuzz run over the corpus: nothing but PacketRejected may escape the pipeline.

    .venv/bin/python bench/fuzz.py --seconds 120 [--seed 1] [--corpus DIR] [--no-mutate]

Mutations: random byte flips, truncation, deleting a zip member, flipping bytes inside a
decompressed XML member (re-zipped, so the damage reaches the XML parsers rather than the CRC).
Each case runs check_container -> extract_packet -> analyze -> annotate in-process; with
--no-mutate it runs every corpus file once (a quick crash sweep). Not part of the test suite.
Prints counts per outcome and the first line of each distinct crash; exit 1 if any crash.
Packet text is never printed: crashes show the exception type, the frame and the corpus file.
"""
from __future__ import annotations

import argparse
import collections
import io
import random
import sys
import time
import traceback
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from promolint.extractors.container import check_container  # noqa: E402
from promolint.deadline import packet_deadline  # noqa: E402
from promolint.config import load_config  # noqa: E402
from promolint.errors import PacketRejected  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "docx"


def _stub_analyze(packet, config):
    """Until analysis.analyze exists: one warning spanning each claim, so the annotator works hard."""
    from promolint.model import ClaimReview, Finding, Review

    claims = [ClaimReview(id=c.id, section=c.section, subsection=c.subsection, paragraph=c.paragraph, offset=c.offset,
                          text=c.text, layer="execution",
                          findings=[Finding(rule="fuzz", category="fuzz", severity="warning", message="fuzz",
                                            start=0, end=len(c.text))])
              for c in packet.claims]
    return Review(packet={"source": packet.source}, claims=claims)


def _stages():
    from promolint.annotate import annotate
    from promolint.extractors import extract_packet

    try:
        from promolint.analysis import analyze
    except ImportError:
        analyze = _stub_analyze
    return extract_packet, analyze, annotate


class StageRejected(Exception):
    """A PacketRejected tagged with the stage that raised it (the gate or a later stage)."""

    def __init__(self, stage: str, rejected: PacketRejected):
        super().__init__(stage)
        self.stage, self.code = stage, rejected.code


def run_one(data: bytes, source: str, config, stages) -> str:
    extract_packet, analyze, annotate = stages
    stage = "gate"
    try:
        with packet_deadline(config.limits.timeout_seconds, source):
            info = check_container(data, source, config.limits)
            stage = "later"
            packet = extract_packet(info.package, source, config)
            review = analyze(packet, config)
            annotate(info.package, review, config)
    except PacketRejected as e:
        raise StageRejected(stage if e.code != "timeout" else "any", e) from None
    return "reviewed"


def _hidden(data: bytes, config, stage: str) -> str:
    """Type and frame of the exception a catch-all turned into 'unreadable'."""
    import io

    import docx

    from promolint.extractors.container import _check

    try:
        if stage == "gate":
            _check(data, config.limits)
        else:
            docx.Document(io.BytesIO(check_container(data, "x", config.limits).package))
    except Exception as e:  # noqa: BLE001
        frame = traceback.extract_tb(e.__traceback__)[-1]
        return f"{type(e).__name__} at {Path(frame.filename).name}:{frame.lineno} in {frame.name}"
    return "not reproduced"


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(["flip", "truncate", "drop-member", "xml-flip", "xml-flip"])
    if kind == "flip":
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return kind, bytes(b)
    if kind == "truncate":
        return kind, data[: rng.randrange(len(data))]
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
        members = {i.filename: z.read(i.filename) for i in infos}
    except Exception:  # not a zip: fall back to a flip
        return mutate_flip(data, rng)
    if not infos:
        return mutate_flip(data, rng)
    if kind == "drop-member":
        victim = rng.choice(infos).filename
        members.pop(victim)
    else:
        xmls = [n for n in members if n.endswith((".xml", ".rels"))]
        if not xmls:
            return mutate_flip(data, rng)
        victim = rng.choice(xmls)
        b = bytearray(members[victim])
        if b:
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] = rng.choice(b"<>/&;\"'=:x \x00\xff")
        members[victim] = bytes(b)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zw:
        for name, blob in members.items():
            zw.writestr(name, blob)
    return kind, out.getvalue()


def mutate_flip(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    b = bytearray(data or b"\0")
    b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return "flip", bytes(b)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--no-mutate", action="store_true", help="run each corpus file once, unmodified")
    args = ap.parse_args(argv)

    config = load_config()
    config.limits.timeout_seconds = min(config.limits.timeout_seconds, 30)
    stages = _stages()
    files = sorted(p for p in args.corpus.iterdir() if p.suffix.lower() in {".docx", ".docm", ".dotx", ".dotm", ".doc"})
    seeds = [(p.name, p.read_bytes()) for p in files]
    rng = random.Random(args.seed)
    outcomes: collections.Counter = collections.Counter()
    crashes: dict[str, list[str]] = {}
    slowest = (0.0, "")
    t0 = time.perf_counter()
    cases = 0
    while True:
        if args.no_mutate:
            if cases >= len(seeds):
                break
            name, data = seeds[cases]
            kind = "none"
        else:
            if time.perf_counter() - t0 > args.seconds:
                break
            name, base = rng.choice(seeds)
            kind, data = mutate(base, rng)
        cases += 1
        t = time.perf_counter()
        try:
            outcome = run_one(data, name, config, stages)
        except StageRejected as e:
            outcome = f"rejected:{e.code}" + (" (after the gate)" if e.stage == "later" else "")
            if e.code == "unreadable":  # a catch-all fired: find what it hid
                crashes.setdefault(f"{_hidden(data, config, e.stage)} (hidden by {e.stage} catch-all)", []).append(
                    f"{name} ({kind})")
        except Exception as e:  # noqa: BLE001 - this is what we are hunting
            tb = traceback.extract_tb(e.__traceback__)
            frame = tb[-1] if tb else None
            where = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}" if frame else "?"
            key = f"{type(e).__name__} at {where}"
            crashes.setdefault(key, []).append(f"{name} ({kind})")
            outcome = "CRASH"
        dt = time.perf_counter() - t
        slowest = max(slowest, (dt, f"{name} ({kind})"))
        outcomes[outcome] += 1
    elapsed = time.perf_counter() - t0

    print(f"cases {cases} in {elapsed:.1f}s ({cases / max(elapsed, 1e-9):.1f}/s), seed {args.seed}, "
          f"{'no mutation' if args.no_mutate else 'mutated'}; slowest {slowest[0]:.2f}s ({slowest[1]})")
    for k, v in sorted(outcomes.items(), key=lambda kv: -kv[1]):
        print(f"  {k:28} {v}")
    for key, where in crashes.items():
        print(f"CRASH {key}: {len(where)} case(s), e.g. {', '.join(where[:3])}")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
