from __future__ import annotations

import multiprocessing as mp
from dataclasses import replace
from pathlib import Path

from aralnexus.store import Store, open_store
from aralnexus.testing.sample import sample_metrics, sample_record, sample_results

RUNS_PER_WRITER = 4


def _writer(path: str, writer: int) -> list[str]:
    results = sample_results(seed=writer)
    metrics = sample_metrics(results)
    store = Store(Path(path), timeout_s=60)
    ids = []
    for i in range(RUNS_PER_WRITER):
        record = replace(sample_record(f"writer{writer}"), seed=i).finished()
        ids.append(store.save_run(record, results, metrics))
        store.runs()  # interleave reads with the other writer's writes
    return ids


def test_two_processes_writing_at_once_lose_no_run(tmp_path: Path) -> None:
    path = tmp_path / "shared.duckdb"
    open_store(path)
    with mp.get_context("spawn").Pool(2) as pool:
        outcomes = pool.starmap(_writer, [(str(path), 0), (str(path), 1)])
    expected = {run_id for ids in outcomes for run_id in ids}
    assert len(expected) == 2 * RUNS_PER_WRITER
    store = open_store(path)
    assert set(store.runs()["run_id"]) == expected
    assert store.integrity() == []
    per_run = store.query("SELECT run_id, count(*) AS n FROM plants GROUP BY run_id")
    assert len(per_run) == 2 * RUNS_PER_WRITER
    assert per_run["n"].nunique() == 1  # every run has all its rows
