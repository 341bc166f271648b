from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aralnexus.errors import InputError
from aralnexus.results import Results
from aralnexus.store import RunRecord, Store, StoreSchemaError, UnknownRunError, open_store, run_key
from aralnexus.store.schema import RUN_TABLES
from aralnexus.store.summary import compare_runs, key_figures


def test_run_id_is_short_stable_and_depends_on_what_defines_the_run(record: RunRecord) -> None:
    assert len(record.run_id) == 12
    assert record.run_id == run_key(record.scenario_hash, 42, "median", "2025-01", "2026-12")
    assert run_key("a" * 64, 1, "median", "2025-01", "2035-12") != run_key("a" * 64, 2, "median", "2025-01", "2035-12")
    assert run_key("a" * 64, 1, "median", "2025-01", "2035-12") != run_key("a" * 64, 1, "dry", "2025-01", "2035-12")


def test_saved_run_tables_read_back_with_every_row(
    store: Store, record: RunRecord, results: Results, metrics, trade
) -> None:
    run_id = store.save_run(record, results, metrics, trade)
    assert run_id == record.run_id
    for name in ("plants", "countries", "links", "reservoirs", "releases", "objective", "violations"):
        frame = store.table(name, run_id)
        assert len(frame) == len(getattr(results, name)), name
    plants = store.table("plants", run_id)
    assert plants["energy_mwh"].sum() == pytest.approx(results.plants["energy_mwh"].sum())
    assert pd.api.types.is_datetime64_any_dtype(plants["time"])
    assert len(store.table("metrics", run_id)) == len(metrics)
    trade_back = store.table("trade", run_id)
    assert len(trade_back) == len(trade)
    assert trade_back["value_musd"].sum() == pytest.approx(trade["value_musd"].sum())
    no_group = store.save_run(
        RunRecord(**{**record.__dict__, "seed": 1}), None, trade=trade.drop(columns="product_group")
    )
    assert store.table("trade", no_group)["product_group"].isna().all()  # optional column absent → NULL
    run = store.run(run_id)
    assert run["status"] == "ok"
    assert run["objective_musd"] == pytest.approx(results.objective_musd)
    assert run["converged"] is True or run["converged"] == 1
    assert run["hydrology_derived"]
    assert len(store.table("sources", run_id)) == 4
    assert store.table("overrides", run_id)["path"].tolist() == ["links.casa1000.start"]


def test_unknown_run_id_is_an_input_error_with_a_hint(store: Store, record: RunRecord, results: Results) -> None:
    store.save_run(record, results)
    with pytest.raises(UnknownRunError) as info:
        store.resolve("zzzz")
    assert isinstance(info.value, InputError)
    assert record.run_id in str(info.value)  # lists recent runs


def test_a_unique_prefix_resolves_to_the_full_run_id(store: Store, record: RunRecord, results: Results) -> None:
    store.save_run(record, results)
    assert store.resolve(record.run_id[:5]) == record.run_id


def test_bad_sql_is_an_input_error_and_writes_are_refused(store: Store, record: RunRecord, results: Results) -> None:
    store.save_run(record, results)
    with pytest.raises(InputError, match="valid read-only"):
        store.query("SELEC nonsense")
    with pytest.raises(InputError):
        store.query("SELECT * FROM no_such_table")
    with pytest.raises(InputError):
        store.query("DELETE FROM runs")
    assert len(store.runs()) == 1


def test_a_table_missing_contract_columns_is_refused_before_anything_is_written(
    store: Store, record: RunRecord, results: Results, metrics: pd.DataFrame
) -> None:
    with pytest.raises(StoreSchemaError, match="unit"):
        store.save_run(record, results, metrics.drop(columns="unit"))
    assert store.runs().empty


def test_key_figures_and_compare(store: Store, record: RunRecord, results: Results, metrics, trade) -> None:
    a = store.save_run(record, results, metrics, trade)
    b = store.save_run(RunRecord(**{**record.__dict__, "seed": 7}), results)
    figures = key_figures(store, a).set_index("figure")["value"]
    assert figures["CASA-1000 exports"] > 0
    assert figures["CASA-1000 revenue"] > 0
    assert figures["violations"] == 1
    assert figures["trade turnover 2030"] > 0
    both = compare_runs(store, a, b)
    assert {a, b, "difference"} <= set(both.columns)
    row = both.set_index("figure").loc["objective"]
    assert row["difference"] == pytest.approx(0.0)


def test_opening_an_existing_store_keeps_its_runs(tmp_path: Path, record: RunRecord, results: Results) -> None:
    path = tmp_path / "s.duckdb"
    open_store(path).save_run(record, results)
    again = open_store(path)
    assert again.runs()["run_id"].tolist() == [record.run_id]
    assert again.integrity() == []
    assert set(RUN_TABLES) <= set(again.query("SELECT table_name FROM information_schema.tables")["table_name"])


def test_store_path_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARALNEXUS_STORE", str(tmp_path / "env.duckdb"))
    store = open_store()
    assert store.path == tmp_path / "env.duckdb"
    assert store.path.exists()
