"""Writing output files so that a failure never leaves a damaged one behind.

A full disk, a read-only folder or a kill can stop a write half-way. Every output is written to
a temporary file beside its target and renamed over it only once complete (``os.replace`` is
atomic on POSIX), so a reader finds either the old file, or the new one whole, never a torn
one. A failure is reported as one line naming the folder (``ScenarioError``, exit code 2).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from sim.errors import ScenarioError

_WHY = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def why(exc: OSError) -> str:
    """An ``OSError`` in a few words (the disk is full, read-only, ...)."""
    return _WHY.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def output_folder(out: Path, option: str = "--out") -> Path:
    """Create ``out`` (and its parents) for writing, or say in one line why it cannot be."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(str(out), option, "exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(str(out), option, f"cannot create the folder: {why(exc)}") from None
    return out


@contextlib.contextmanager
def atomic_path(path: Path, option: str = "--out") -> Iterator[Path]:
    """A temporary path to write ``path``'s content to; it replaces ``path`` on success.

    On any failure the temporary file is removed and ``path`` is left as it was; an
    ``OSError`` becomes a one-line ``ScenarioError``.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise ScenarioError(str(path), option, f"cannot write: {why(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_atomically(path: Path, write: Callable[[Path], object], option: str = "--out") -> Path:
    """Call ``write(tmp)`` and move the result to ``path``; see ``atomic_path``."""
    with atomic_path(path, option) as tmp:
        write(tmp)
    return path


def write_text(path: Path, text: str, option: str = "--out") -> Path:
    """``path.write_text(text)``, atomically."""
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), option)
