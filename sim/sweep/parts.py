"""A sweep's part files: written whole or not at all, and checked before a resume trusts them.

Every file is written to a temporary name, synced, then renamed (``atomic_write``), so a kill or
a full disk leaves the old file or none. On resuming, a runs part must read in full, have the
plan's columns and hold exactly its batch's run ids, and its batch's time-series part must hold
exactly the batch's sampled runs; a damaged part is moved to ``damaged/`` with one line saying so.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ScenarioError, shorten

READ_ERRORS = (OSError, ValueError, pa.ArrowException)
"""What pyarrow raises for a truncated, damaged or foreign Parquet file."""


def write_problem(path: Path, exc: OSError) -> ScenarioError:
    """A failed write as one line: where, why, and that what is saved stays."""
    why = exc.strerror or str(exc)
    hint = ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "; free some space and run the same command to resume"
    elif exc.errno == errno.EROFS:
        hint = "; choose another --out"
    return ScenarioError(str(path), "--out", f"cannot write: {why}{hint}")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` whole or not at all: a temporary file, synced, then renamed.

    Raises:
        ScenarioError: the write failed (the temporary file is removed; ``path`` untouched).
    """
    tmp = path.with_name(path.name + ".tmp")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise write_problem(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_parquet(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` whole or not at all."""
    # Page checksums: damage to the data, not only to the file's structure, shows on reading.
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, write_page_checksum=True))


def atomic_json(data: Any, path: Path) -> None:
    """Write ``data`` as JSON to ``path`` whole or not at all."""
    text = json.dumps(data, indent=2, default=str) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_part(path: Path) -> pa.Table:
    """One Parquet file, read in full (every page, checksums verified), so damage shows."""
    return pq.ParquetFile(path, page_checksum_verification=True).read()


def damage(exc: BaseException) -> str:
    """What is wrong with an unreadable part, in a few words."""
    return shorten(f"unreadable ({type(exc).__name__}: {exc})", 160)


def check_runs_part(
    path: Path, index: int, n_batches: int, schema: pa.Schema, expected: range
) -> tuple[str | None, list[int]]:
    """Why a runs part is not batch ``index``'s (None if it is), and its runs without error.

    ``expected`` is the batch's run ids; ``schema`` the dataset's columns.
    """
    if index >= n_batches:
        return f"is not a batch of this sweep (it has {n_batches})", []
    try:
        table = read_part(path)
    except READ_ERRORS as exc:
        return damage(exc), []
    if not table.schema.equals(schema, check_metadata=False):
        return "does not have this sweep's columns", []
    ids = table.column("run_id").to_pylist()
    if ids != list(expected):
        return f"does not hold runs {expected.start}-{expected.stop - 1} of its batch", []
    errors = table.column("error").to_pylist()
    return None, [i for i, e in zip(ids, errors, strict=True) if e is None]


def check_series_part(path: Path, wanted: set[int]) -> str | None:
    """Why a time-series part does not hold exactly ``wanted`` runs (None if it does)."""
    if not wanted:
        return None
    if not path.is_file():
        return f"its time series ({path.name} in timeseries/) is missing"
    try:
        table = read_part(path)
        ids = set(table.column("run_id").to_pylist())
    except (*READ_ERRORS, KeyError) as exc:
        return f"its time series is {damage(exc)}"
    if ids != wanted:
        return "its time series does not hold the batch's sampled runs"
    return None


def move_aside(path: Path, out: Path, notice: Callable[[str], None], problem: str) -> None:
    """Move a damaged part of the sweep in ``out`` to ``out/damaged/``; say so in one line."""
    damaged = out / "damaged"
    rel = path.relative_to(out)
    target = damaged / f"{rel.parent.name}-{path.name}"
    k = 1
    while target.exists():
        k += 1
        target = damaged / f"{rel.parent.name}-{path.name}.{k}"
    try:
        damaged.mkdir(exist_ok=True)
        os.replace(path, target)
    except OSError as exc:
        raise write_problem(path, exc) from None
    notice(f"{rel}: {problem}; moved to {target.relative_to(out)}, runs again")
