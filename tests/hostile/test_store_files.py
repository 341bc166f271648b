"""Hostile corpus: store files (``--store``) that are corrupt, foreign, of a garbage schema, not
files at all, or have a garbage write-ahead log beside them; each command refuses them naming
the file, and a foreign file is never written to.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from hostile_support import Cli, assert_refused

from aralnexus.store import open_store
from aralnexus.testing.sample import sample_record, sample_results

pytestmark = pytest.mark.hostile

Maker = Callable[[Path], Path]


def _raw(data: bytes) -> Maker:
    def make(folder: Path) -> Path:
        path = folder / "store.duckdb"
        path.write_bytes(data)
        return path

    return make


def _sqlite(folder: Path) -> Path:
    path = folder / "store.duckdb"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE runs (x INTEGER)")
    con.commit()
    con.close()
    return path


def _duckdb(*statements: str) -> Maker:
    def make(folder: Path) -> Path:
        path = folder / "store.duckdb"
        con = duckdb.connect(str(path))
        for statement in statements:
            con.execute(statement)
        con.close()
        return path

    return make


def _truncated(folder: Path) -> Path:
    path = folder / "store.duckdb"
    open_store(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _garbage_wal(folder: Path) -> Path:
    path = folder / "store.duckdb"
    open_store(path)
    path.with_name("store.duckdb.wal").write_bytes(os.urandom(4096))
    return path


def _directory(folder: Path) -> Path:
    path = folder / "store.duckdb"
    path.mkdir()
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "store.duckdb"
    os.mkfifo(path)
    return path


def _wal_directory(folder: Path) -> Path:
    path = folder / "store.duckdb"
    open_store(path)
    path.with_name("store.duckdb.wal").mkdir()
    return path


_META = "CREATE TABLE meta (key VARCHAR, value VARCHAR)"
CASES: list[tuple[str, Maker, list[str]]] = [
    ("random-bytes", _raw(os.urandom(20_000)), ["store.duckdb"]),
    ("text-file", _raw(b"hello, this is not a database\n"), ["store.duckdb"]),
    ("empty-file", _raw(b""), ["store.duckdb"]),
    ("parquet-file", _raw(b"PAR1" + b"\x00" * 64 + b"PAR1"), ["store.duckdb"]),
    ("sqlite-file", _sqlite, ["store.duckdb"]),
    ("truncated-store", _truncated, ["store.duckdb"]),
    ("foreign-duckdb", _duckdb("CREATE TABLE runs (x INTEGER)", "INSERT INTO runs VALUES (1)"), ["other tables"]),
    ("foreign-duckdb-meta-only", _duckdb(_META), ["store.duckdb", "schema_version"]),
    ("schema-version-text", _duckdb(_META, "INSERT INTO meta VALUES ('schema_version', 'abc')"), ["schema_version"]),
    (
        "schema-version-huge",
        _duckdb(_META, "INSERT INTO meta VALUES ('schema_version', '99999999999999999999')"),
        ["schema_version"],
    ),
    ("schema-version-newer", _duckdb(_META, "INSERT INTO meta VALUES ('schema_version', '999')"), ["schema_version"]),
    (
        "garbage-schema",
        _duckdb(_META, "INSERT INTO meta VALUES ('schema_version', '2')", "CREATE TABLE runs (a INT)"),
        ["runs"],
    ),
    ("garbage-wal", _garbage_wal, ["store.duckdb.wal"]),
    ("wal-is-a-directory", _wal_directory, ["store.duckdb.wal", "directory"]),
    ("directory", _directory, ["directory"]),
    ("fifo", _fifo, ["FIFO"]),
]

COMMANDS = [
    ("results-list", ["results", "list"]),
    ("results-show", ["results", "show", "abc"]),
    ("results-query", ["results", "query", "SELECT 1"]),
    ("results-export", ["results", "export", "abc", "--out", "exports"]),
    ("report", ["report", "abc", "--out", "report"]),
]


@pytest.mark.parametrize(("make", "names"), [pytest.param(m, n, id=i) for i, m, n in CASES])
def test_results_list_refuses_a_bad_store(cli: Cli, tmp_path: Path, make: Maker, names: list[str]) -> None:
    path = make(tmp_path)
    before = {p.name: p.stat().st_size for p in tmp_path.iterdir() if p.is_file()}
    assert_refused(cli("results", "list", "--store", path), "store.duckdb", *names)
    after = {p.name: p.stat().st_size for p in tmp_path.iterdir() if p.is_file() and not p.name.endswith(".lock")}
    assert after == {k: v for k, v in before.items() if not k.endswith(".lock")}  # nothing written to it


@pytest.mark.parametrize(
    "maker",
    [_raw(os.urandom(5000)), _garbage_wal, _duckdb("CREATE TABLE t (x INT)")],
    ids=["random-bytes", "garbage-wal", "foreign-duckdb"],
)
@pytest.mark.parametrize("args", [pytest.param(a, id=i) for i, a in COMMANDS])
def test_every_store_command_refuses_a_bad_store(cli: Cli, tmp_path: Path, maker: Maker, args: list[str]) -> None:
    path = maker(tmp_path)
    assert_refused(cli(*args, "--store", path), "store.duckdb")


def test_a_real_write_ahead_log_is_replayed_not_refused(tmp_path: Path) -> None:
    # A writer killed before its checkpoint leaves the store file and a WAL that DuckDB replays:
    # copying both while the connection is open is the state a kill -9 leaves; it must open.
    path = tmp_path / "store.duckdb"
    store = open_store(path)
    run_id = store.save_run(sample_record().finished(), sample_results())
    con = duckdb.connect(str(path))
    con.execute("SET checkpoint_threshold = '1TB'")
    con.execute("UPDATE runs SET description = 'changed after the checkpoint' WHERE run_id = ?", [run_id])
    killed = tmp_path / "killed"
    killed.mkdir()
    (killed / "store.duckdb").write_bytes(path.read_bytes())
    (killed / "store.duckdb.wal").write_bytes(path.with_name("store.duckdb.wal").read_bytes())
    con.close()
    assert open_store(killed / "store.duckdb").run(run_id)["description"] == "changed after the checkpoint"
