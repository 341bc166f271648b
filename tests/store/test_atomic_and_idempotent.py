from __future__ import annotations

import multiprocessing as mp
import os
from dataclasses import replace
from pathlib import Path

import pytest

from aralnexus.results import Results
from aralnexus.store import RunRecord, Store, open_store
from aralnexus.store import store as store_module
from aralnexus.store.schema import ALL_TABLES
from aralnexus.testing.sample import sample_summary


def _row_counts(store: Store) -> dict[str, int]:
    sql = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM \"{t}\"" for t in ALL_TABLES)
    counts = store.query(sql)
    return dict(zip(counts["t"], counts["n"].astype(int), strict=True))


def test_a_failure_mid_save_leaves_no_run_and_no_rows(
    store: Store, record: RunRecord, results: Results, metrics, trade, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_insert = store_module.insert

    def failing_insert(con, table, run_id, frame, columns):  # type: ignore[no-untyped-def]
        if table == "links":  # runs row, plants and countries are already written by then
            raise RuntimeError("disk full (simulated)")
        real_insert(con, table, run_id, frame, columns)

    monkeypatch.setattr(store_module, "insert", failing_insert)
    with pytest.raises(RuntimeError, match="simulated"):
        store.save_run(record, results, metrics, trade)
    monkeypatch.setattr(store_module, "insert", real_insert)
    assert store.runs(include_incomplete=True).empty
    assert all(n == 0 for n in _row_counts(store).values())
    assert store.integrity() == []


def _save_then_die(path: str, record: RunRecord, results: Results) -> None:
    real_insert = store_module.insert

    def dying_insert(con, table, run_id, frame, columns):  # type: ignore[no-untyped-def]
        if table == "reservoirs":
            os._exit(9)  # the process is killed mid-transaction
        real_insert(con, table, run_id, frame, columns)

    store_module.insert = dying_insert  # type: ignore[assignment]
    Store(Path(path)).save_run(record, results)


def test_a_process_killed_mid_save_leaves_nothing_half_written(
    tmp_path: Path, record: RunRecord, results: Results
) -> None:
    path = tmp_path / "killed.duckdb"
    open_store(path)
    proc = mp.get_context("spawn").Process(target=_save_then_die, args=(str(path), record, results))
    proc.start()
    proc.join(60)
    assert proc.exitcode == 9
    store = open_store(path)
    assert store.runs(include_incomplete=True).empty
    assert all(n == 0 for n in _row_counts(store).values())
    store.save_run(record, results)  # the store still works
    assert store.runs()["run_id"].tolist() == [record.run_id]


def test_saving_the_same_run_again_reuses_it_without_writing(
    store: Store, record: RunRecord, results: Results, metrics
) -> None:
    first = store.save_run(record, results, metrics)
    before = _row_counts(store)
    saved_at = store.run(first)["saved_at"]
    second = store.save_run(replace(record, status="failed"), results, metrics)
    assert second == first
    assert _row_counts(store) == before
    assert store.run(first)["status"] == "ok"
    assert store.run(first)["saved_at"] == saved_at


def test_replace_rewrites_the_run_in_place(store: Store, record: RunRecord, results: Results, metrics) -> None:
    run_id = store.save_run(record, results, metrics)
    before = _row_counts(store)
    assert store.save_run(record, results, metrics.head(3), replace=True) == run_id
    after = _row_counts(store)
    assert after["runs"] == 1
    assert after["plants"] == before["plants"]
    assert after["metrics"] == 3
    assert store.integrity() == []


def test_a_different_seed_is_a_different_run(store: Store, record: RunRecord, results: Results) -> None:
    a = store.save_run(record, results)
    b = store.save_run(replace(record, seed=record.seed + 1), results)
    assert a != b
    assert len(store.runs()) == 2


def test_ensemble_members_are_resumable(store: Store, record: RunRecord, results: Results, metrics) -> None:
    run = replace(record, kind="ensemble", n_members=5)
    run_id = store.start_run(run)
    assert store.runs().empty  # a running ensemble is not listed as a finished run
    assert store.runs(include_incomplete=True)["status"].tolist() == ["running"]
    assert store.pending_members(run_id, 5) == [0, 1, 2, 3, 4]
    summary = sample_summary(results)
    for member in (0, 2, 3):
        store.save_member(run_id, member, summary, metrics=metrics)
    store.save_member(run_id, 4, {}, status="failed", error="solver crashed")
    # the runner is interrupted here and restarted: it asks what is left
    assert store.start_run(run) == run_id
    assert store.pending_members(run_id, 5) == [1, 4]
    store.save_member(run_id, 1, summary)
    store.save_member(run_id, 4, summary)  # redoing a member replaces it
    assert store.pending_members(run_id, 5) == []
    members = store.table("members", run_id)
    assert members["member"].tolist() == [0, 1, 2, 3, 4]
    assert (members["status"] == "done").all()
    assert members["objective_musd"].to_numpy() == pytest.approx(results.objective_musd)
    assert len(store.table("member_metrics", run_id)) == 3 * len(metrics)
    store.finish_run(run_id, "ok", metrics=metrics)
    assert store.runs()["status"].tolist() == ["ok"]
    assert store.integrity() == []
