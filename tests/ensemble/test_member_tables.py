"""Members' tables (the metric layer on each member's solution) store the same rows one at a time or batched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from aralnexus.ensemble.inflows import member_inflows
from aralnexus.ensemble.outputs import ENSEMBLE_METRICS, member_solution, member_tables
from aralnexus.ensemble.runner import ensemble_record
from aralnexus.ensemble.solver import MemberSolver, SolverOptions
from aralnexus.ensemble.tables import ensure_ensemble_schema, save_member_storage, save_members
from aralnexus.pathways.runner import evaluate, prepare_scenario
from aralnexus.results.solution import results_view
from aralnexus.store import open_store
from aralnexus.store.records import MemberRecord

KEY = ["country", "year", "metric"]
RTOL = 1e-12


def test_batched_writes_store_the_rows_of_one_member_at_a_time(tmp_path: Path) -> None:
    scenario = prepare_scenario("default", "2025-01", "2025-12")
    solver = MemberSolver(scenario, SolverOptions(heads="median"))
    inflows = member_inflows(scenario, [0, 1, 2], "2025-01", "2025-12", 5)
    outputs = [member_tables(solver, solver.solve(m, inflows.isel(member=m, drop=True))) for m in range(3)]
    stores = [open_store(tmp_path / "single.duckdb"), open_store(tmp_path / "batch.duckdb")]
    record = ensemble_record(scenario, 5, 3, "median")
    for store in stores:
        ensure_ensemble_schema(store)
        store.start_run(record)
    single, batched = stores
    for member, (summary, metrics, storage) in enumerate(outputs):
        save_member_storage(single, record.run_id, member, storage)
        single.save_member(record.run_id, member, summary, metrics=metrics)
    items = [(MemberRecord(m, s, met), st) for m, (s, met, st) in enumerate(outputs)]
    save_members(batched, {record.run_id: [items[2]]})  # stored, then replaced by the batch below
    save_members(batched, {record.run_id: items})
    for table, order in (
        ("members", "member"),
        ("member_metrics", "member, country, metric, year"),
        ("member_storage", "member, plant, time"),
    ):
        sql = f"SELECT * EXCLUDE (run_id) FROM {table} ORDER BY {order}"
        a, b = single.query(sql), batched.query(sql)
        if table == "members":
            a, b = a.drop(columns="finished_at"), b.drop(columns="finished_at")
        assert len(a) > 0
        pd.testing.assert_frame_equal(a, b)


def test_a_members_metrics_are_the_pathway_metrics_of_the_same_solution() -> None:
    """The ensemble and ``run`` call the same metric functions: the same solve gives the same rows."""
    scenario = prepare_scenario("default", "2025-01", "2026-12")
    solver = MemberSolver(scenario, SolverOptions(heads="median"))
    inflows = member_inflows(scenario, [4], "2025-01", "2026-12", 5)
    solved = solver.solve(4, inflows.isel(member=0, drop=True))
    summary, metrics, _ = member_tables(solver, solved)
    pathway = evaluate(scenario, results_view(member_solution(solver, solved)))[1]
    want = pathway[pathway["metric"].isin(ENSEMBLE_METRICS)].sort_values(["country", "metric", "year"])
    got = metrics.to_pandas()
    got = got[got["metric"] != "trade_turnover_musd"].sort_values(["country", "metric", "year"])
    assert len(got) == len(want)
    np.testing.assert_allclose(got["value"].to_numpy(), want["value"].to_numpy(), rtol=1e-12, atol=1e-12)
    assert summary["violations"] == 0
