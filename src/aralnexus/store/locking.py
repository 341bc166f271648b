"""Cross-process access to one DuckDB file: a readers–writer file lock plus retry with backoff.

DuckDB lets one process open a database file for writing, or several for reading, never both.
Every store operation therefore opens a short-lived connection under an ``fcntl.flock`` on
``<store>.lock`` (shared for reads, exclusive for writes), and retries the DuckDB open with
exponential backoff if a process that does not take the lock (e.g. the ``duckdb`` shell) holds
the file.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

try:  # POSIX only; elsewhere the DuckDB lock plus retry is the only protection
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 120.0


class StoreBusyError(RuntimeError):
    """The store stayed locked by another process for longer than the timeout."""


def _sleep(attempt: int) -> None:
    time.sleep(min(0.01 * 2**attempt, 0.5) * (0.5 + random.random()))


@contextmanager
def file_lock(path: Path, *, exclusive: bool, timeout_s: float = DEFAULT_TIMEOUT_S) -> Iterator[None]:
    """Hold a shared or exclusive ``flock`` on ``<path>.lock`` for the duration of the block."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    deadline = time.monotonic() + timeout_s
    try:
        attempt = 0
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    msg = f"store {path} is busy (lock held by another process for {timeout_s:.0f} s)"
                    raise StoreBusyError(msg) from None
                _sleep(min(attempt, 6))
                attempt += 1
        yield
    finally:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text or "different configuration" in text


#: Settings of every store connection: a store file never makes DuckDB install or load an
#: extension (a SQLite or other foreign file given as a store would otherwise download one).
STORE_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def connect(
    path: Path,
    *,
    read_only: bool,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    config: dict[str, str | bool | int | float | list[str]] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open ``path`` with DuckDB, retrying with exponential backoff while another process holds it.

    ``config`` (default :data:`STORE_CONFIG`) is passed to :func:`duckdb.connect`.
    """
    deadline = time.monotonic() + timeout_s
    attempt = 0
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=dict(config or STORE_CONFIG))
        except (duckdb.IOException, duckdb.ConnectionException) as error:
            if not _is_lock_error(error) or time.monotonic() > deadline:
                if _is_lock_error(error):
                    msg = f"store {path} is busy: {error}"
                    raise StoreBusyError(msg) from error
                raise
            log.debug("store %s locked, retry %d", path, attempt)
            _sleep(min(attempt, 6))
            attempt += 1


@contextmanager
def connection(path: Path, *, write: bool, timeout_s: float = DEFAULT_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection under the file lock (exclusive when ``write``); close it afterwards."""
    with file_lock(path, exclusive=write, timeout_s=timeout_s):
        con = connect(path, read_only=not write, timeout_s=timeout_s)
        try:
            yield con
        finally:
            con.close()
