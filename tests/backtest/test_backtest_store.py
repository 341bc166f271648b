"""A backtest is stored as a run of kind ``backtest``: its comparison rows and modelled storage."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from aralnexus.backtest import BacktestResult, run_backtest
from aralnexus.backtest.store_io import is_backtest, load_backtest, save_backtest, storage_series
from aralnexus.cli.app import app
from aralnexus.errors import InputError
from aralnexus.scenario import load_scenario
from aralnexus.store import open_store, schema


@pytest.fixture(scope="module")
def result() -> BacktestResult:
    return run_backtest("default", 2025, 2025)


def test_a_saved_backtest_reads_back_with_its_comparison_rows_and_storage(
    tmp_path: Path, result: BacktestResult
) -> None:
    store = open_store(tmp_path / "runs.duckdb")
    run_id = save_backtest(store, load_scenario("default"), result)
    run = store.run(run_id)
    assert is_backtest(run) and run["status"] == "ok"
    assert (run["horizon_start"], run["horizon_end"]) == ("2025-01", "2025-12")
    view = load_backtest(store, run_id[:6])
    assert view.run_id == run_id and (view.start, view.end) == (2025, 2025)
    pd.testing.assert_frame_equal(view.table, result.table, check_dtype=False)
    assert [y["year"] for y in view.inputs] == [2025]
    tok = view.storage[view.storage["plant"] == "toktogul"]
    assert len(tok) == 12 + 1  # the start volume and twelve month ends
    assert tok["time"].iloc[0] == pd.Timestamp("2025-01-01")
    assert tok["time"].iloc[-1] == pd.Timestamp("2026-01-01")
    assert tok["storage_hm3"].iloc[0] == pytest.approx(result.replay.start_storage_hm3["toktogul"])
    modelled = result.replay.storage
    ends = modelled[modelled["plant"] == "toktogul"].sort_values("time")["storage_hm3"].to_numpy()
    np.testing.assert_allclose(tok["storage_hm3"].to_numpy()[1:], ends)
    assert len(view.errors) == result.errors["group"].nunique()
    assert store.integrity() == []


def test_saving_the_same_backtest_again_replaces_it(tmp_path: Path, result: BacktestResult) -> None:
    store = open_store(tmp_path / "runs.duckdb")
    scenario = load_scenario("default")
    first = save_backtest(store, scenario, result)
    again = save_backtest(store, scenario, result)
    assert first == again
    assert len(store.runs()) == 1
    assert len(store.table("backtest_comparison", first)) == len(result.table)
    assert len(store.table("backtest_storage", first)) == len(storage_series(result))


def test_load_backtest_refuses_another_kind_of_run(tmp_path: Path, result: BacktestResult) -> None:
    from aralnexus.testing.sample import sample_record, sample_results

    store = open_store(tmp_path / "runs.duckdb")
    other = store.save_run(sample_record("baseline").finished(), sample_results())
    with pytest.raises(InputError, match="the id of a backtest"):
        load_backtest(store, other)


def test_cli_saves_the_backtest_unless_no_save(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    out = CliRunner().invoke(app, ["backtest", "--start", "2025", "--end", "2025", "--json", "--store", str(path)])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["store"] == str(path)
    store = open_store(path)
    assert store.run(doc["run_id"])["kind"] == "backtest"
    assert len(store.table("backtest_comparison", doc["run_id"])) == len(doc["rows"])

    other = tmp_path / "other.duckdb"
    out = CliRunner().invoke(
        app, ["backtest", "--start", "2025", "--end", "2025", "--json", "--store", str(other), "--no-save"]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["run_id"] is None and doc["store"] is None
    assert not other.exists()


def test_a_store_of_schema_3_gains_the_backtest_tables(tmp_path: Path, result: BacktestResult) -> None:
    from aralnexus.testing.sample import sample_record, sample_results

    path = tmp_path / "v3.duckdb"
    old_run = open_store(path).save_run(sample_record("baseline").finished(), sample_results())
    con = duckdb.connect(str(path))
    try:
        con.execute("DROP TABLE backtest_comparison")
        con.execute("DROP TABLE backtest_storage")
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    finally:
        con.close()
    store = open_store(path)
    version = store.query("SELECT value FROM meta WHERE key = 'schema_version'")["value"].iloc[0]
    assert int(version) == schema.SCHEMA_VERSION == 4
    assert store.run(old_run)["kind"] == "run"
    assert store.table("backtest_comparison", old_run).empty
    run_id = save_backtest(store, load_scenario("default"), result)
    assert len(store.table("backtest_comparison", run_id)) == len(result.table)
    assert store.integrity() == []
