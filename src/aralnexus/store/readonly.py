"""Run a user's SQL on a store with a read-only guarantee (``results query``, the web explorer).

The guarantee, in layers (see docs/store-and-report.md, "Read-only queries"):

1. **One query.** The text must hold exactly one statement, and DuckDB's parser must classify it
   as a query (``SELECT``, ``WITH … SELECT``, ``FROM t``, ``VALUES``, ``DESCRIBE``,
   ``SUMMARIZE``). ``COPY``, ``EXPORT``, ``ATTACH``/``DETACH``, ``PRAGMA``, ``SET``/``RESET``,
   ``CALL``/``CHECKPOINT``, ``INSTALL``/``LOAD``, DDL, DML and transactions are refused.
2. **A locked-down connection.** The store is opened read-only, with external access disabled
   (no file, URL or directory outside the store can be read or written: ``read_csv``,
   ``read_text``, ``glob``, ``COPY … TO`` fail), extensions neither installed nor loaded, and the
   configuration locked so nothing in the query can lift these settings.
3. **Bounded cost.** A query is interrupted after ``time_limit_s`` seconds, DuckDB's memory is
   capped, and a result longer than ``max_rows`` rows is refused.

Every refusal is an :class:`~aralnexus.errors.InputError` (exit code 2 in the CLI) whose problem
names ``<sql>`` and says what was found.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from aralnexus.errors import InputError, Problem
from aralnexus.store.locking import DEFAULT_TIMEOUT_S, connect, file_lock

#: Seconds a query may run before it is interrupted.
QUERY_TIME_LIMIT_S = 30.0
#: Most rows a query may return (aggregate or add LIMIT for more).
MAX_QUERY_ROWS = 1_000_000
#: DuckDB memory cap of a query connection.
QUERY_MEMORY_LIMIT = "2GB"

#: Settings of a query connection: nothing outside the store, no extensions, settings locked.
READ_ONLY_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "memory_limit": QUERY_MEMORY_LIMIT,
    "lock_configuration": True,
}

_EXPECTED = "one read-only DuckDB query (SELECT, WITH … SELECT, FROM, VALUES, DESCRIBE, SUMMARIZE)"
_ROWS_PER_CHUNK = 64  # DuckDB vectors (of 2,048 rows) fetched at a time


def _refuse(found: str, hint: str = "") -> InputError:
    return InputError([Problem("<sql>", "", _EXPECTED, found, hint)])


def check_query(sql: str) -> None:
    """Refuse SQL that is not exactly one query statement.

    Raises
    ------
    InputError
        On a syntax error, no statement, several statements, or a statement that is not a query
        (the problem names its kind, e.g. ``a COPY statement``).
    """
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        first = str(error).strip().splitlines()[0]
        raise _refuse(first) from None
    except ValueError:  # a statement kind the Python API does not know: not a query
        raise _refuse("a statement that is not a query") from None
    if not statements:
        raise _refuse("no statement")
    if len(statements) > 1:
        raise _refuse(f"{len(statements)} statements", "run one query at a time")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        name = str(getattr(kind, "name", kind))
        hint = "the store is read-only here; use `aralnexus results export` to write files"
        raise _refuse(f"a {name} statement", hint)


@contextmanager
def read_only_connection(path: Path, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a locked-down read-only connection to the store at ``path`` (:data:`READ_ONLY_CONFIG`)."""
    with file_lock(path, exclusive=False, timeout_s=timeout_s):
        con = connect(path, read_only=True, timeout_s=timeout_s, config=READ_ONLY_CONFIG)
        try:
            yield con
        finally:
            con.close()


def read_only_query(
    path: Path,
    sql: str,
    params: list[Any] | dict[str, Any] | None = None,
    *,
    time_limit_s: float = QUERY_TIME_LIMIT_S,
    max_rows: int = MAX_QUERY_ROWS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> pd.DataFrame:
    """Run one read-only query on the store at ``path`` and return its rows.

    Parameters
    ----------
    path
        The store (DuckDB file).
    sql
        The query (see :func:`check_query`).
    params
        Values of ``?`` / ``$name`` placeholders.
    time_limit_s
        Seconds after which the query is interrupted.
    max_rows
        Most rows returned.
    timeout_s
        How long to wait for another process's write lock.

    Raises
    ------
    InputError
        If the SQL is not one query, DuckDB rejects it (syntax, unknown table, a file access
        outside the store), it runs longer than ``time_limit_s`` or returns more than ``max_rows``.
    """
    check_query(sql)
    with read_only_connection(Path(path), timeout_s=timeout_s) as con:
        timer = threading.Timer(time_limit_s, con.interrupt)
        timer.daemon = True
        timer.start()
        try:
            result = con.execute(sql, params or [])
            chunks: list[pd.DataFrame] = []
            rows = 0
            while True:
                chunk = result.fetch_df_chunk(_ROWS_PER_CHUNK)
                if chunk.empty:
                    break
                chunks.append(chunk)
                rows += len(chunk)
                if rows > max_rows:
                    raise _refuse(f"more than {max_rows:,} rows", "aggregate, or add LIMIT")
            return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else (chunks[0] if chunks else chunk)
        except duckdb.InterruptException:
            raise _refuse(f"a query still running after {time_limit_s:g} s", "aggregate or filter more") from None
        except duckdb.Error as error:
            if isinstance(error, (duckdb.IOException, duckdb.ConnectionException)) and "lock" in str(error).lower():
                raise
            first = str(error).strip().splitlines()[0]
            raise InputError(
                [Problem("<sql>", "", "a valid read-only DuckDB query", first, sql.strip()[:200])]
            ) from None
        finally:
            timer.cancel()
