"""Hostile corpus: ``results query`` is read-only; names from a store never make ``results export``
or ``report`` write outside ``--out``; user text is printed literally (terminal) and escaped (HTML).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from hostile_support import Cli, assert_refused

from aralnexus.cli.common import literal, visible
from aralnexus.errors import InputError
from aralnexus.store import Store, open_store
from aralnexus.store.readonly import check_query, read_only_query
from aralnexus.testing.sample import sample_metrics, sample_record, sample_results, sample_trade


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A store with one sample run, at ``tmp_path/runs.duckdb`` (the ``cli`` fixture's store)."""
    db = open_store(tmp_path / "runs.duckdb")
    results = sample_results()
    db.save_run(sample_record().finished(), results, sample_metrics(results), sample_trade())
    return db


def _write_target(tmp_path: Path) -> Path:
    return tmp_path / "outside" / "written.csv"


QUERIES: list[tuple[str, str]] = [
    ("read-csv-etc-passwd", "SELECT * FROM read_csv('/etc/passwd')"),
    ("read-text-environ", "SELECT * FROM read_text('/proc/self/environ')"),
    ("read-blob", "SELECT * FROM read_blob('/etc/hostname')"),
    ("glob-etc", "SELECT * FROM glob('/etc/*')"),
    ("replacement-scan-file", "SELECT * FROM '/etc/passwd'"),
    ("read-parquet-outside", "SELECT * FROM read_parquet('/tmp/*.parquet')"),
    ("sniff-csv", "SELECT * FROM sniff_csv('/etc/passwd')"),
    ("copy-to", "COPY (SELECT * FROM runs) TO '{target}'"),
    ("copy-table-to", "COPY runs TO '{target}' (FORMAT csv)"),
    ("export-database", "EXPORT DATABASE '{folder}'"),
    ("attach", "ATTACH '{folder}/other.duckdb' AS other"),
    ("attach-then-drop", "ATTACH '{folder}/other.duckdb' AS other; DROP TABLE other.t"),
    ("detach", "DETACH runs"),
    ("use", "USE memory"),
    ("drop-table", "DROP TABLE runs"),
    ("delete", "DELETE FROM runs"),
    ("update", "UPDATE runs SET description = 'x'"),
    ("insert", "INSERT INTO meta VALUES ('a', 'b')"),
    ("create-table", "CREATE TABLE x AS SELECT 1"),
    ("create-macro", "CREATE MACRO m(a) AS a"),
    ("alter", "ALTER TABLE runs ADD COLUMN x INTEGER"),
    ("truncate", "TRUNCATE runs"),
    ("pragma", "PRAGMA database_list"),
    ("pragma-version", "PRAGMA version"),
    ("set", "SET threads = 1"),
    ("set-external-access", "SET enable_external_access = true"),
    ("reset", "RESET memory_limit"),
    ("checkpoint", "CHECKPOINT"),
    ("force-checkpoint", "FORCE CHECKPOINT"),
    ("call", "CALL pragma_version()"),
    ("install", "INSTALL httpfs"),
    ("load", "LOAD httpfs"),
    ("load-file", "LOAD '/tmp/evil.duckdb_extension'"),
    ("begin", "BEGIN TRANSACTION"),
    ("vacuum", "VACUUM"),
    ("prepare", "PREPARE p AS SELECT 1"),
    ("two-selects", "SELECT 1; SELECT 2"),
    ("select-then-drop", "SELECT 1; DROP TABLE runs"),
    ("empty", ""),
    ("only-comment", "/* nothing */"),
    ("syntax-error", "SELEC 1"),
    ("unknown-table", "SELECT * FROM nope"),
    ("query-function-copy", "SELECT * FROM query('COPY runs TO ''{target}''')"),
    ("too-many-rows", "SELECT * FROM range(2000000)"),
]


@pytest.mark.hostile
@pytest.mark.parametrize("sql", [pytest.param(q, id=i) for i, q in QUERIES])
def test_results_query_refuses_anything_but_one_read_only_query(
    cli: Cli, store: Store, tmp_path: Path, sql: str
) -> None:
    other = duckdb.connect(str(tmp_path / "other.duckdb"))
    other.execute("CREATE TABLE t AS SELECT 1 AS x")
    other.close()
    before = store.path.read_bytes()
    text = sql.format(target=_write_target(tmp_path), folder=tmp_path)
    assert_refused(cli("results", "query", text), "<sql>")
    assert not _write_target(tmp_path).parent.exists()
    assert duckdb.connect(str(tmp_path / "other.duckdb"), read_only=True).execute("SELECT * FROM t").fetchall()
    assert store.path.read_bytes() == before
    assert len(store.runs()) == 1


@pytest.mark.hostile
def test_a_query_is_interrupted_after_its_time_limit(store: Store) -> None:
    with pytest.raises(InputError, match=r"still running after 0\.2 s"):
        read_only_query(store.path, "SELECT count(*) FROM range(1000000000000) a", time_limit_s=0.2)


def test_one_query_of_every_form_is_allowed(cli: Cli, store: Store) -> None:
    for sql in (
        "SELECT count(*) AS n FROM runs",
        "  with r AS (SELECT * FROM runs) SELECT count(*) AS n FROM r;  -- trailing comment",
        "FROM runs SELECT count(*) AS n",
        "DESCRIBE runs",
        "SUMMARIZE metrics",
        "VALUES (1)",
    ):
        check_query(sql)
        outcome = cli("results", "query", sql, "--json")
        assert outcome.code == 0, outcome.err
    assert '"n": 1' in cli("results", "query", "SELECT count(*) AS n FROM runs", "--json").out


def _rename_run(store: Store, new_id: str) -> None:
    with store.transaction() as con:
        for table in ("runs", *store._run_keyed_tables(con)):
            con.execute(f'UPDATE "{table}" SET run_id = ?', [new_id])


ESCAPES = ["../../escaped", "/tmp/hostile-absolute", "..", "a/../../b"]


@pytest.mark.hostile
@pytest.mark.parametrize("run_id", ESCAPES)
def test_results_export_never_writes_outside_out_for_a_hostile_run_id(
    cli: Cli, store: Store, tmp_path: Path, run_id: str
) -> None:
    _rename_run(store, run_id)
    out = tmp_path / "a" / "b" / "exports"
    assert_refused(cli("results", "export", run_id, "--out", out), "runs.duckdb", "run_id")
    assert not (tmp_path / "a" / "escaped").exists() and not Path("/tmp/hostile-absolute").exists()
    assert not out.exists()


@pytest.mark.hostile
def test_results_export_never_writes_outside_out_for_a_hostile_table_name(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    run_id = store.runs()["run_id"].iloc[0]
    with store.transaction() as con:
        con.execute('CREATE TABLE "../../escaped" AS SELECT ? AS run_id, 1 AS x', [run_id])
    out = tmp_path / "a" / "b" / "exports"
    assert_refused(cli("results", "export", run_id, "--out", out), "runs.duckdb", "../../escaped")
    assert not list(tmp_path.glob("**/escaped*"))


@pytest.mark.hostile
@pytest.mark.parametrize("run_id", ESCAPES)
def test_report_never_writes_outside_its_folder_for_a_hostile_run_id(
    cli: Cli, store: Store, tmp_path: Path, run_id: str
) -> None:
    _rename_run(store, run_id)
    assert_refused(cli("report", run_id, "--no-png"), "runs.duckdb", "run_id")
    assert not (tmp_path / "escaped").exists() and not Path("/tmp/hostile-absolute").exists()
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").iterdir())


HOSTILE_NAME = "[/bold] x [red]y\x1b[31m z\x07"


def test_user_text_is_printed_literally(cli: Cli, tmp_path: Path) -> None:
    store = open_store(tmp_path / "runs.duckdb")
    results = sample_results()
    record = replace(sample_record(name=HOSTILE_NAME), description="[link=file:///etc]click[/link]").finished()
    run_id = store.save_run(record, results, sample_metrics(results), sample_trade())
    shown = visible(HOSTILE_NAME)
    listed = cli("results", "list")
    assert listed.code == 0, listed.err
    assert shown in listed.text and "\x1b" not in listed.out
    detail = cli("results", "show", run_id)
    assert detail.code == 0, detail.err
    assert shown in detail.text and "[link=file:///etc]click[/link]" in detail.text
    assert cli("results", "show", run_id, "--table", "runs").code == 0
    assert literal("[/bold]") == "\\[/bold]"


def test_a_run_of_a_scenario_with_markup_in_its_name_saves_and_prints_it(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = tmp_path / "named.yaml"
    scenario.write_text('name: "[/bold] x [red]y"\nhorizon: {start: "2025-01", end: "2025-03"}\nhead: fixed\n')
    outcome = cli("run", scenario, "--casa-check", "none")
    assert outcome.code == 0, outcome.err
    assert "[/bold] x [red]y" in outcome.text
    listed = cli("results", "list")
    assert listed.code == 0 and "[/bold] x [red]y" in listed.text


def test_user_text_in_the_html_report_is_escaped(cli: Cli, tmp_path: Path) -> None:
    store = open_store(tmp_path / "runs.duckdb")
    results = sample_results()
    script = "<script>alert('x')</script>"
    record = replace(sample_record(name=f"{script} name"), description=f"{script} description").finished()
    run_id = store.save_run(record, results, sample_metrics(results), sample_trade())
    outcome = cli("report", run_id, "--no-png", "--out", tmp_path / "report")
    assert outcome.code == 0, outcome.err
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert script not in page
    assert "&lt;script&gt;alert(" in page
