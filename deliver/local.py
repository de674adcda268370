"""Atomic local writes under an output root: a crash never leaves a half-written output behind,
nothing is written through a symbolic link below the root, and output stems are claimed once."""
from __future__ import annotations

import errno
import hashlib
import os
import secrets
from pathlib import Path

from promolint.errors import UnsafeOutput

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
NAME_MAX = 255                      # bytes per file name on ext4, APFS, NTFS (UTF-16 units)
LONGEST_SUFFIX = ".annotated.docx"  # the longest name pipeline.ReviewOutputs adds to a stem
CLAIMS_DIR = (".promolint", "stems")


def _open_dir(root: Path, rel: Path) -> int:
    """A descriptor of root/rel, made as needed, refusing any symlink (or file) below root."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root, _DIR_FLAGS)
    for part in rel.parts:
        try:
            try:
                os.mkdir(part, 0o777, dir_fd=fd)
            except FileExistsError:
                pass
            nfd = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.ENOTDIR):
                raise UnsafeOutput(str(root / rel), "is a symbolic link or a file, not a folder; not written through")
            raise
        finally:
            os.close(fd)
        fd = nfd
    return fd


def _write_at(dir_fd: int, name: str, data: bytes) -> None:
    tmp = f".{secrets.token_hex(8)}.part"  # short: the target's name may already be NAME_MAX long
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)  # replaces a link, never follows it
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except OSError:
            pass
        raise


def write_atomic(path: Path, data: bytes, root: Path | None = None) -> Path:
    """Write to a temp file in the same folder, fsync, then rename over the target. With `root`,
    every folder between root and the file must be a real folder (UnsafeOutput otherwise)."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    try:
        dir_fd = _open_dir(root, path.parent.relative_to(root))
        try:
            _write_at(dir_fd, path.name, data)
        finally:
            os.close(dir_fd)
    except OSError as e:  # name the file we meant to write, not a temp name (or none)
        raise OSError(e.errno, e.strerror or type(e).__name__, str(path)) from None
    return path


def short_id(source_id: str) -> str:
    return hashlib.sha256(source_id.encode()).hexdigest()[:8]


def _fit(stem: str, limit: int) -> str:
    return stem.encode()[:limit].decode(errors="ignore")


def _candidates(stem: str, source_id: str):
    tag = f"-{short_id(source_id)}"
    room = NAME_MAX - len(LONGEST_SUFFIX.encode()) - len(tag)
    if len(stem.encode()) <= room:
        yield stem
    base = _fit(stem, room) + tag
    yield base
    for n in range(2, 1000):
        yield f"{base}-{n}"


def claim_stem(out_root: Path, stem: str, source_id: str) -> str:
    """The output stem of `source_id` under out_root: `stem` unless another source holds it (file
    names compared case-insensitively), else stem plus a short hash of the source id; cut to the
    file system's name limit. A claim is one file made atomically (link fails if it exists), so
    concurrent tasks and later runs agree."""
    dir_fd = _open_dir(Path(out_root), Path(*CLAIMS_DIR))
    try:
        for cand in _candidates(stem, source_id):
            key = hashlib.sha256(cand.casefold().encode()).hexdigest()[:32]
            try:
                with open(key, "rb", opener=lambda p, fl: os.open(p, fl | _NOFOLLOW, dir_fd=dir_fd)) as f:
                    if f.read().decode(errors="replace") == source_id:
                        return cand
                continue
            except FileNotFoundError:
                pass
            tmp = f".{secrets.token_hex(8)}.part"
            _write_at(dir_fd, tmp, source_id.encode())
            try:
                os.link(tmp, key, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
                return cand
            except FileExistsError:
                continue  # claimed meanwhile; re-read on the next candidate is not needed
            finally:
                os.unlink(tmp, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)
    raise UnsafeOutput(str(out_root), f"no free output name for {stem!r}")
