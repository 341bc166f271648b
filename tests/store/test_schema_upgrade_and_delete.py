"""Older stores are upgraded in place; deleting a run removes its rows from every run-keyed table."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from aralnexus.ensemble.tables import ensure_ensemble_schema, save_member_storage
from aralnexus.errors import InputError
from aralnexus.report import write_report
from aralnexus.results import Results
from aralnexus.store import RunRecord, Store, open_store, schema
from aralnexus.store.export import export_run, read_export
from aralnexus.testing.sample import sample_summary

NEW_COLUMNS = ("level_min_m", "level_max_m")


def _downgrade_to_version_1(path: Path) -> None:
    """Turn a store into what aralnexus wrote before schema 2: no level bounds in ``reservoirs``."""
    con = duckdb.connect(str(path))
    try:
        for column in NEW_COLUMNS:
            con.execute(f"ALTER TABLE reservoirs DROP COLUMN {column}")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    finally:
        con.close()


def test_a_store_written_with_schema_2_gains_the_start_storage_table(
    tmp_path: Path, record: RunRecord, results: Results
) -> None:
    path = tmp_path / "v2.duckdb"
    old_run = open_store(path).save_run(record, results)
    con = duckdb.connect(str(path))
    try:
        con.execute("DROP TABLE start_storage")
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    finally:
        con.close()
    store = open_store(path)
    version = store.query("SELECT value FROM meta WHERE key = 'schema_version'")["value"].iloc[0]
    assert int(version) == schema.SCHEMA_VERSION
    assert store.table("start_storage", old_run).empty  # runs stored before say nothing about it
    stated = pd.DataFrame(
        {
            "plant": ["toktogul"],
            "storage_hm3": [11233.0],
            "source": ["data"],
            "stated_hm3": [11233.0],
            "adjustment_hm3": [0.0],
            "note": ["plants.storage_initial_hm3 at 2025-01"],
        }
    )
    new_run = store.save_run(replace(record, seed=7), replace(results, start_storage=stated))
    back = store.table("start_storage", new_run)
    assert list(back["source"]) == ["data"] and back["storage_hm3"].iloc[0] == 11233.0
    assert store.integrity() == []


def test_a_store_written_with_schema_1_is_upgraded_and_keeps_its_runs(
    tmp_path: Path, record: RunRecord, results: Results
) -> None:
    path = tmp_path / "old.duckdb"
    old_run = open_store(path).save_run(record, results)
    _downgrade_to_version_1(path)

    store = open_store(path)
    version = store.query("SELECT value FROM meta WHERE key = 'schema_version'")["value"].iloc[0]
    assert int(version) == schema.SCHEMA_VERSION == 4
    old = store.table("reservoirs", old_run)
    assert list(old.columns) == ["run_id", *(c for c, _ in schema.ALL_TABLES["reservoirs"][1:])]  # contract order
    assert old[list(NEW_COLUMNS)].isna().all().all()  # rows stored before the upgrade have no bounds
    assert len(old) == len(results.reservoirs)

    new_run = store.save_run(replace(record, seed=99), results)
    new = store.table("reservoirs", new_run)
    assert new["level_max_m"].notna().all()
    assert store.integrity() == []
    # the report of a pre-upgrade run still builds (its level is drawn without a band)
    files = write_report(store, old_run, tmp_path / "report", png=False)
    assert files.html.exists()
    # exports of the upgraded store read back with the contract's columns
    back = read_export(export_run(store, old_run, tmp_path / "csv", fmt="csv")[0].parent, fmt="csv")
    assert list(back["reservoirs"].columns) == [c for c, _ in schema.ALL_TABLES["reservoirs"]]


def test_a_store_from_a_newer_aralnexus_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "newer.duckdb"
    open_store(path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(InputError) as info:
        open_store(path)
    text = str(info.value)
    assert "99" in text
    assert "newer aralnexus" in text


def test_results_without_level_bounds_still_store_with_null_bounds(
    store: Store, record: RunRecord, results: Results
) -> None:
    older = replace(results, reservoirs=results.reservoirs.drop(columns=list(NEW_COLUMNS)))
    run_id = store.save_run(record, older)
    assert store.table("reservoirs", run_id)[list(NEW_COLUMNS)].isna().all().all()


def test_delete_run_removes_member_storage_and_every_ensemble_row(
    store: Store, record: RunRecord, results: Results
) -> None:
    keep = store.save_run(record, results)
    ensemble = store.start_run(replace(record, kind="ensemble", n_members=2))
    ensure_ensemble_schema(store)
    storage = pd.DataFrame(
        {"plant": ["nurek", "nurek"], "time": pd.to_datetime(["2025-01-01", "2025-02-01"]), "storage_hm3": [1.0, 2.0]}
    )
    metrics = pd.DataFrame(
        {"country": ["KG"], "year": [2025], "metric": ["exports_twh"], "value": [1.0], "unit": ["TWh"]}
    )
    for member in (0, 1):
        save_member_storage(store, ensemble, member, storage)
        store.save_member(ensemble, member, sample_summary(results), metrics=metrics)
    save_member_storage(store, keep, 0, storage)  # another run's rows must stay
    with store._write() as con:  # a table some later package adds, keyed by run_id
        con.execute("CREATE TABLE member_extra (run_id VARCHAR, member INTEGER, value DOUBLE)")
        con.execute("INSERT INTO member_extra VALUES (?, 0, 1.0), (?, 0, 2.0)", [ensemble, keep])

    def rows(table: str, run_id: str) -> int:
        return int(store.query(f"SELECT count(*) AS n FROM {table} WHERE run_id = ?", [run_id])["n"].iloc[0])

    assert rows("member_storage", ensemble) == 4
    store.delete_run(ensemble)
    for table in ("runs", "members", "member_metrics", "member_storage", "member_extra", "sources", "overrides"):
        assert rows(table, ensemble) == 0, table
    assert rows("member_storage", keep) == 2
    assert rows("member_extra", keep) == 1
    assert rows("plants", keep) == len(results.plants)
    # the risk views still work over what is left
    assert store.query("SELECT * FROM risk_storage_fan WHERE run_id = ?", [ensemble]).empty
    assert store.integrity() == []
