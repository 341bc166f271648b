"""The run store: an embedded DuckDB file holding every run's record and tidy result tables.

Rules (see docs/store-and-report.md):

- **Atomic**: a run is written in one transaction; it is visible only once complete, and an
  error or a killed process leaves nothing behind.
- **Idempotent**: the run id is a hash of what defines the run (:func:`~aralnexus.store.records.run_key`);
  saving a run whose id is stored reuses it and writes nothing, unless ``replace=True``
  (``--force``), which replaces it in one transaction.
- **Concurrent**: every operation takes a short-lived connection under a file lock (exclusive for
  writes), so several processes can share one store without corrupting it or losing runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.errors import InputError, Problem
from aralnexus.input_files import regular_file_problem
from aralnexus.metrics import HEADLINE_METRICS, headline_rows
from aralnexus.results import Results
from aralnexus.store import schema
from aralnexus.store.locking import DEFAULT_TIMEOUT_S, connection
from aralnexus.store.records import COMPLETE_STATUSES, MemberRecord, RunRecord
from aralnexus.store.rows import StoreSchemaError, frame_for, insert, run_row, stack_frames
from aralnexus.store.schema import quote
from aralnexus.vocab import MemberStatus, RunStatus

log = logging.getLogger(__name__)

DEFAULT_STORE = "aralnexus.duckdb"
STORE_ENV = "ARALNEXUS_STORE"

Columns = tuple[tuple[str, str], ...]


class UnknownRunError(InputError):
    """No run (or more than one) matches the given id."""


def default_store_path() -> Path:
    """Return ``$ARALNEXUS_STORE`` or ``aralnexus.duckdb`` in the working directory."""
    return Path(os.environ.get(STORE_ENV) or DEFAULT_STORE)


def with_headline(results: Results | None, metrics: pd.DataFrame | None) -> pd.DataFrame | None:
    """Add the run's headline figures (:func:`aralnexus.metrics.headline_rows`) to ``metrics`` when missing.

    They are computed from the labelled solution attached to ``results`` with the planner
    definitions recorded in its metadata (``definitions``); without either, ``metrics`` is returned
    as it is.
    """
    if results is None or results.solution is None or "definitions" not in results.metadata:
        return metrics
    if metrics is not None and metrics["metric"].isin(HEADLINE_METRICS).any():
        return metrics
    definitions = PlannerDefinitions.from_record(results.metadata["definitions"])
    headline = headline_rows(results.solution, definitions)
    return headline if metrics is None else pd.concat([metrics, headline], ignore_index=True)


class Store:
    """A DuckDB run store at ``path`` (create or open it with :func:`open_store`).

    Parameters
    ----------
    path
        The database file.
    timeout_s
        How long an operation waits for another process's lock before giving up.
    """

    def __init__(self, path: Path, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s

    # -- connections -----------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connection(self.path, write=False, timeout_s=self.timeout_s) as con:
            yield con

    @contextmanager
    def _write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connection(self.path, write=True, timeout_s=self.timeout_s) as con:
            yield con

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._write() as con:
            con.begin()
            try:
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()

    def initialise(self) -> None:
        """Create the tables that do not exist yet, upgrade an older schema, record the schema version.

        A store written by an older aralnexus (lower ``schema_version``) is upgraded in place by
        adding the columns it lacks (see :func:`~aralnexus.store.schema.upgrade_statements`); its
        runs keep NULL in those columns. A store written by a newer aralnexus is refused.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as con:
            for statement in schema.create_statements():
                con.execute(statement)
            found = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
            if not found:
                con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(schema.SCHEMA_VERSION)])
                return
            version = int(found[0][0])
            if version > schema.SCHEMA_VERSION:
                expected = f"schema version ≤ {schema.SCHEMA_VERSION}"
                hint = "the store was written by a newer aralnexus: upgrade aralnexus or use another --store"
                raise InputError([Problem(str(self.path), "schema_version", expected, str(version), hint)])
            if version < schema.SCHEMA_VERSION:
                added = schema.upgrade_statements(self._columns(con))
                for statement in added:
                    con.execute(statement)
                con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(schema.SCHEMA_VERSION)])
                log.info(
                    "store %s upgraded from schema %d to %d (%d columns added)",
                    self.path,
                    version,
                    schema.SCHEMA_VERSION,
                    len(added),
                )

    @staticmethod
    def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
        """Return the columns of every base table of the store."""
        rows = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal "
            "AND table_name IN (SELECT table_name FROM duckdb_tables() "
            "                   WHERE database_name = current_database() AND schema_name = 'main')"
        ).fetchall()
        out: dict[str, set[str]] = {}
        for table, column in rows:
            out.setdefault(str(table), set()).add(str(column))
        return out

    @classmethod
    def _run_keyed_tables(cls, con: duckdb.DuckDBPyConnection) -> list[str]:
        """Return every base table with a ``run_id`` column except ``runs``.

        These are the contract's tables plus any a package adds to the store (the ensemble's
        ``member_storage``), so deleting or checking a run covers them without this module
        knowing them.
        """
        found = {t for t, cols in cls._columns(con).items() if "run_id" in cols and t != "runs"}
        return [*(t for t in schema.RUN_TABLES if t in found), *sorted(found - set(schema.RUN_TABLES))]

    def _is_initialised(self) -> bool:
        """Whether the file is a store of the current schema (False: missing, empty or older).

        A store is untrusted input: a path that is not a regular file, a file that is not DuckDB, a
        DuckDB file of other tables, a store whose schema lacks tables or columns, or a garbage
        write-ahead log beside it is refused with the file named — and never written to.
        """
        if not self.path.exists() and not self.path.is_symlink():
            return False
        expected = "an aralnexus store (DuckDB file)"
        problem = regular_file_problem(self.path, str(self.path), expected)
        if problem is not None:
            raise InputError([problem])
        _check_wal(self.path)
        try:
            with self._read() as con:
                tables = {str(r[0]) for r in con.execute(_TABLES_SQL).fetchall()}
                if "meta" not in tables:
                    if tables:
                        found = f"a DuckDB database of other tables ({', '.join(sorted(tables)[:5])})"
                        hint = "give --store a new file name, or the store written by aralnexus"
                        raise InputError([Problem(str(self.path), "", expected, found, hint)])
                    return False
                rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
                version = _schema_version(self.path, rows)
                if version > schema.SCHEMA_VERSION:
                    return False  # initialise() refuses it with the version named
                _check_columns(self.path, self._columns(con), older=version < schema.SCHEMA_VERSION)
                if version < schema.SCHEMA_VERSION:
                    return False  # initialise() upgrades it in place
        except (duckdb.IOException, duckdb.InvalidInputException, duckdb.SerializationException) as error:
            if "lock" in str(error).lower():
                raise
            first = str(error).strip().splitlines()[0]
            raise InputError([Problem(str(self.path), "", expected, first)]) from error
        except duckdb.Error as error:
            first = str(error).strip().splitlines()[0]
            raise InputError([Problem(str(self.path), "", expected, first)]) from error
        return True

    # -- writing ---------------------------------------------------------------------------
    def _delete_run(self, con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        for table in ("runs", *self._run_keyed_tables(con)):
            con.execute(f"DELETE FROM {quote(table)} WHERE run_id = ?", [run_id])

    def _insert_tables(self, con: duckdb.DuckDBPyConnection, run_id: str, frames: dict[str, pd.DataFrame]) -> None:
        for table, frame in frames.items():
            insert(con, table, run_id, frame, schema.RUN_TABLES[table])

    @staticmethod
    def _result_frames(
        results: Results | None, metrics: pd.DataFrame | None, trade: pd.DataFrame | None
    ) -> dict[str, pd.DataFrame]:
        frames: dict[str, pd.DataFrame] = {}
        if results is not None:
            for table, columns in schema.RESULT_TABLES.items():
                optional = schema.RESULT_OPTIONAL.get(table, frozenset())
                frames[table] = frame_for(table, getattr(results, table), columns, optional)
        metrics = with_headline(results, metrics)
        if metrics is not None:
            frames["metrics"] = frame_for("metrics", metrics, schema.METRIC_COLUMNS)
        if trade is not None:
            frames["trade"] = frame_for("trade", trade, schema.TRADE_COLUMNS, schema.TRADE_OPTIONAL)
        return frames

    @staticmethod
    def _provenance_frames(run: RunRecord) -> dict[str, pd.DataFrame]:
        overrides = pd.DataFrame(list(run.overrides), columns=["path", "default_value", "value"], dtype="object")
        frames = {"overrides": overrides}
        if run.sources is not None:
            sources = run.sources.rename(columns={"table": "dataset_table"}).astype("object")
            frames["sources"] = frame_for("sources", sources, schema.SOURCE_COLUMNS)
        return frames

    def save_run(
        self,
        run: RunRecord,
        results: Results | None,
        metrics: pd.DataFrame | None = None,
        trade: pd.DataFrame | None = None,
        *,
        replace: bool = False,
        tables: Mapping[str, pd.DataFrame] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        """Record a finished run with its result tables in one transaction; return its id.

        If a run with the same id is stored it is reused (nothing is written) unless ``replace``,
        which deletes and rewrites it in the same transaction.

        Parameters
        ----------
        tables
            Further run tables of :data:`~aralnexus.store.schema.RUN_TABLES` by name (e.g. a
            backtest's ``backtest_comparison`` and ``backtest_storage``), written in the same transaction.
        metadata
            Entries added to ``runs.metadata`` (JSON) besides those of ``results``.

        Raises
        ------
        StoreSchemaError
            If a table lacks columns of its contract, or is not a run table (nothing is written).
        """
        run_id = run.run_id
        frames = {**self._provenance_frames(run), **self._result_frames(results, metrics, trade)}
        for name, frame in (tables or {}).items():
            if name not in schema.RUN_TABLES:
                msg = f"{name!r} is not a run table of the store; run tables: {sorted(schema.RUN_TABLES)}"
                raise StoreSchemaError(msg)
            frames[name] = frame_for(name, frame, schema.RUN_TABLES[name])
        row = run_row(run, results, metadata).drop(columns="run_id")
        with self._transaction() as con:
            exists = con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id]).fetchone()
            if exists and exists[0] and not replace:
                log.info("run %s already stored: reused", run_id)
                return run_id
            self._delete_run(con, run_id)
            insert(con, "runs", run_id, row, schema.RUN_COLUMNS[1:])
            self._insert_tables(con, run_id, frames)
        log.info("run %s saved to %s", run_id, self.path)
        return run_id

    def start_run(self, run: RunRecord, *, replace: bool = False) -> str:
        """Record an ensemble run as ``running`` (members follow); return its id.

        A stored run with the same id is kept as it is (so an interrupted ensemble resumes),
        unless ``replace``, which deletes it and its members first.
        """
        run_id = run.run_id
        with self._transaction() as con:
            exists = con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id]).fetchone()
            if exists and exists[0] and not replace:
                return run_id
            self._delete_run(con, run_id)
            row = run_row(run.finished("running", at=None), None).drop(columns="run_id")
            row["finished_at"] = pd.Series([None], dtype="object")
            insert(con, "runs", run_id, row, schema.RUN_COLUMNS[1:])
            self._insert_tables(con, run_id, self._provenance_frames(run))
        return run_id

    def save_start_storage(self, run_id: str, table: pd.DataFrame) -> None:
        """Record where a run's start storages come from (hm3), replacing what was stored for it.

        Used by runs that store no :class:`~aralnexus.results.Results` of their own (ensembles);
        ``save_run`` stores the table with the other result tables.
        """
        frame = frame_for("start_storage", table, schema.RESULT_TABLES["start_storage"])
        with self._transaction() as con:
            self._require(con, run_id)
            con.execute("DELETE FROM start_storage WHERE run_id = ?", [run_id])
            self._insert_tables(con, run_id, {"start_storage": frame})

    def finish_run(
        self,
        run_id: str,
        status: RunStatus = "ok",
        results: Results | None = None,
        metrics: pd.DataFrame | None = None,
        trade: pd.DataFrame | None = None,
    ) -> None:
        """Mark a started run finished, adding its run-level tables, in one transaction."""
        frames = self._result_frames(results, metrics, trade)
        with self._transaction() as con:
            self._require(con, run_id)
            for table in frames:
                con.execute(f"DELETE FROM {quote(table)} WHERE run_id = ?", [run_id])
            self._insert_tables(con, run_id, frames)
            con.execute(
                "UPDATE runs SET status = ?, finished_at = ?, objective_musd = coalesce(?, objective_musd) "
                "WHERE run_id = ?",
                [status, datetime.now().replace(microsecond=0), results.objective_musd if results else None, run_id],
            )

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a write connection inside one transaction (committed on success, rolled back on error)."""
        with self._transaction() as con:
            yield con

    def save_member(
        self,
        run_id: str,
        member: int,
        summary: Mapping[str, float | int | None],
        *,
        metrics: pd.DataFrame | None = None,
        status: MemberStatus = "done",
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
        error: str = "",
    ) -> None:
        """Record one ensemble member (summary numbers, optional long metrics) in one transaction.

        Saving a member again replaces it, so a resumed ensemble can redo unfinished members.
        ``summary`` keys must be among :data:`~aralnexus.store.schema.MEMBER_SUMMARY_COLUMNS`
        (see :func:`aralnexus.metrics.member_summary`); absent keys are stored as NULL.
        """
        record = MemberRecord(member, summary, metrics, status, started_at, finished_at, error)
        with self._transaction() as con:
            self.write_members(con, run_id, [record])

    def write_members(self, con: duckdb.DuckDBPyConnection, run_id: str, members: Sequence[MemberRecord]) -> None:
        """Write several members of one run on ``con`` (inside the caller's :meth:`transaction`).

        Each member replaces any earlier rows of the same member; all ``members`` rows go in one
        ``INSERT``, all ``member_metrics`` rows in another. Rows are those :meth:`save_member` writes.
        """
        known = {c for c, _ in schema.MEMBER_SUMMARY_COLUMNS}
        unknown = sorted({k for m in members for k in m.summary} - known)
        if unknown:
            msg = f"unknown member summary columns {unknown}; known: {sorted(known)}"
            raise StoreSchemaError(msg)
        if not members:
            return
        now = datetime.now().replace(microsecond=0)
        rows: dict[str, list[Any]] = {c: [] for c, _ in schema.MEMBER_COLUMNS}
        for m in members:
            row = {
                "member": int(m.member),
                "status": m.status,
                "started_at": m.started_at,
                "finished_at": m.finished_at or now,
                "error": m.error,
                **{c: m.summary.get(c) for c, _ in schema.MEMBER_SUMMARY_COLUMNS},
            }
            for column, values in rows.items():
                values.append(row[column])
        frame = pd.DataFrame({k: pd.Series(v, dtype="object") for k, v in rows.items()})
        with_metrics = [m for m in members if m.metrics is not None]
        frames = [m.metrics for m in with_metrics if m.metrics is not None]
        tags = np.repeat([int(m.member) for m in with_metrics], [len(f) for f in frames]).astype(np.int64)
        long = stack_frames("member_metrics", frames, schema.MEMBER_METRIC_COLUMNS, {"member": tags})
        numbers = [int(m.member) for m in members]
        self._require(con, run_id)
        for table in ("members", "member_metrics"):
            con.execute(f"DELETE FROM {quote(table)} WHERE run_id = ? AND list_contains(?, member)", [run_id, numbers])
        insert(con, "members", run_id, frame, schema.MEMBER_COLUMNS)
        if len(long):
            insert(con, "member_metrics", run_id, long, schema.MEMBER_METRIC_COLUMNS)

    def pending_members(self, run_id: str, n: int) -> list[int]:
        """Return the members of ``0..n-1`` not yet recorded as finished (``done``/``infeasible``)."""
        with self._read() as con:
            rows = con.execute(
                "SELECT member FROM members WHERE run_id = ? AND status IN ('done', 'infeasible')", [run_id]
            ).fetchall()
        finished = {int(r[0]) for r in rows}
        return [m for m in range(n) if m not in finished]

    def delete_run(self, run_id: str) -> None:
        """Delete a run and every row that belongs to it (one transaction).

        Covers every table with a ``run_id`` column, including those other packages add (the
        ensemble's ``member_storage``).
        """
        with self._transaction() as con:
            self._delete_run(con, run_id)

    # -- reading ---------------------------------------------------------------------------
    def _require(self, con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        found = con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id]).fetchone()
        if not found or not found[0]:
            raise UnknownRunError([Problem(str(self.path), "run", "a stored run id", repr(run_id))])

    def has_run(self, run_id: str) -> bool:
        """Whether a run with exactly this id is stored (in any status)."""
        with self._read() as con:
            found = con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id]).fetchone()
        return bool(found and found[0])

    def resolve(self, run_id: str) -> str:
        """Return the full id of the run ``run_id`` names (a unique prefix is enough).

        Raises
        ------
        UnknownRunError
            If no run, or several, match (exit code 2 in the CLI).
        """
        with self._read() as con:
            rows = con.execute(
                "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id", [run_id.strip()]
            ).fetchall()
            recent = con.execute("SELECT run_id FROM runs ORDER BY saved_at DESC LIMIT 5").fetchall()
        ids = [r[0] for r in rows]
        if len(ids) == 1 and run_id.strip():
            return str(ids[0])
        if ids and run_id.strip():
            hint = f"the prefix matches {len(ids)} runs: {', '.join(ids[:5])}; give more characters"
        else:
            known = ", ".join(r[0] for r in recent)
            hint = f"recent runs: {known}" if known else "the store has no runs yet"
            hint += "; see `aralnexus results list`"
        raise UnknownRunError([Problem(str(self.path), "run", "the id of a stored run", repr(run_id), hint)])

    def run(self, run_id: str) -> dict[str, Any]:
        """Return the ``runs`` row of a run as a dict (``run_id`` may be a unique prefix)."""
        full = self.resolve(run_id)
        frame = self.query("SELECT * FROM runs WHERE run_id = ?", [full])
        return {str(k): (None if pd.isna(v) else v) for k, v in frame.iloc[0].items()}

    def runs(self, *, include_incomplete: bool = False) -> pd.DataFrame:
        """Return the ``runs`` table, oldest first (only finished runs unless ``include_incomplete``)."""
        where = "" if include_incomplete else "WHERE status IN (" + ", ".join(f"'{s}'" for s in COMPLETE_STATUSES) + ")"
        return self.query(f"SELECT * FROM runs {where} {schema.order_clause('runs')}")

    def table(self, name: str, run_id: str | None = None) -> pd.DataFrame:
        """Return a store table in its natural order, optionally for one run only."""
        if name not in schema.ALL_TABLES:
            raise InputError([Problem(str(self.path), "table", f"one of {sorted(schema.ALL_TABLES)}", repr(name))])
        where, params = ("WHERE run_id = ?", [run_id]) if run_id is not None else ("", [])
        columns = schema.column_list(name, run_id=True)
        return self.query(f"SELECT {columns} FROM {quote(name)} {where} {schema.order_clause(name)}", params)

    def tables(self, names: tuple[str, ...], run_id: str) -> dict[str, pd.DataFrame]:
        """Return several tables of one run, read in one connection (without ``run_id``)."""
        unknown = [n for n in names if n not in schema.ALL_TABLES]
        if unknown:
            raise InputError([Problem(str(self.path), "table", f"one of {sorted(schema.ALL_TABLES)}", repr(unknown))])
        with self._read() as con:
            return {
                name: con.execute(
                    f"SELECT {schema.column_list(name)} FROM {quote(name)} "
                    f"WHERE run_id = ? {schema.order_clause(name)}",
                    [run_id],
                ).df()
                for name in names
            }

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run read-only SQL and return a DataFrame.

        Raises
        ------
        InputError
            If DuckDB rejects the SQL (syntax, unknown table or column, a write statement).
        """
        try:
            with self._read() as con:
                return con.execute(sql, params or []).df()
        except duckdb.Error as error:
            if isinstance(error, (duckdb.IOException, duckdb.ConnectionException)):
                raise
            first = str(error).strip().splitlines()[0]
            problem = Problem("<sql>", "", "a valid read-only DuckDB query", first, sql.strip()[:200])
            raise InputError([problem]) from error

    def read_only_query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a user's SQL under the read-only guarantee of :func:`aralnexus.store.readonly.read_only_query`.

        One query statement only, on a connection that cannot read or write anything outside the
        store, change settings or load extensions, interrupted after a time limit. Use this (not
        :meth:`query`, which is for the package's own SQL) for any SQL a user typed.

        Raises
        ------
        InputError
            If the SQL is refused or DuckDB rejects it.
        """
        from aralnexus.store.readonly import read_only_query

        return read_only_query(self.path, sql, params, timeout_s=self.timeout_s)

    def integrity(self) -> list[str]:
        """Return problems found in the store (empty when consistent).

        Checks that every table can be read in full, that run ids are unique, and that every row
        of every run table belongs to a stored run.
        """
        problems: list[str] = []
        with self._read() as con:
            dup = con.execute("SELECT run_id, count(*) FROM runs GROUP BY run_id HAVING count(*) > 1").fetchall()
            problems += [f"run id {r[0]} stored {r[1]} times" for r in dup]
            for table in schema.ALL_TABLES:
                con.execute(f"SELECT * FROM {quote(table)}").fetchall()
            for table in self._run_keyed_tables(con):
                orphans = con.execute(
                    f"SELECT count(*) FROM {quote(table)} t ANTI JOIN runs r ON t.run_id = r.run_id"
                ).fetchone()
                if orphans and orphans[0]:
                    problems.append(f"{orphans[0]} rows of {table} belong to no run")
        return problems


_TABLES_SQL = "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'"
#: First bytes of a DuckDB write-ahead log (its WAL_VERSION entry: field 100, type 98).
_WAL_MAGIC = b"d\x00b"


def _check_wal(path: Path) -> None:
    """Refuse a write-ahead log beside the store that DuckDB would silently skip (garbage)."""
    wal = path.with_name(path.name + ".wal")
    if not wal.exists():
        return
    problem = regular_file_problem(wal, str(wal), "DuckDB's write-ahead log of the store")
    if problem is not None:
        raise InputError([problem])
    with wal.open("rb") as handle:
        head = handle.read(len(_WAL_MAGIC))
    if head and head != _WAL_MAGIC:
        hint = "not written by DuckDB; move it aside to open the store as last saved"
        found = f"{wal.stat().st_size:,} bytes that are not a DuckDB write-ahead log"
        raise InputError([Problem(str(wal), "", "DuckDB's write-ahead log of the store", found, hint)])


def _schema_version(path: Path, rows: list[Any]) -> int:
    if not rows:  # a store records its version in the transaction that creates it
        raise InputError([Problem(str(path), "meta.schema_version", "the store's schema version", "none")])
    text = str(rows[0][0]).strip()
    if not text.isdigit() or len(text) > 6:
        raise InputError([Problem(str(path), "meta.schema_version", "a whole number", repr(rows[0][0]))])
    return int(text)


def _check_columns(path: Path, found: dict[str, set[str]], *, older: bool = False) -> None:
    """Refuse a store that lacks tables or columns of the contract.

    A store of an ``older`` schema version may lack only what later versions added
    (:data:`~aralnexus.store.schema.ADDED_TABLES`, :data:`~aralnexus.store.schema.ADDED_COLUMNS`).
    """
    problems = []
    for table, columns in schema.ALL_TABLES.items():
        if table not in found:
            if not (older and table in schema.ADDED_TABLES):
                problems.append(Problem(str(path), table, f"a table {table!r}", "none"))
            continue
        allowed = schema.ADDED_COLUMNS.get(table, frozenset()) if older else frozenset()
        missing = [c for c, _ in columns if c not in found[table] and c not in allowed]
        if missing:
            problems.append(Problem(str(path), table, "the columns of the store schema", f"no {', '.join(missing)}"))
    if problems:
        raise InputError(problems)


def open_store(path: str | Path | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Store:
    """Open (creating if needed) the store at ``path``, ``$ARALNEXUS_STORE`` or ``./aralnexus.duckdb``."""
    store = Store(Path(path) if path is not None else default_store_path(), timeout_s=timeout_s)
    if not store._is_initialised():
        store.initialise()
    return store
