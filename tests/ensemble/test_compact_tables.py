"""The fast per-member path stores the same rows as the full Results + pathway-metrics path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aralnexus.ensemble.inflows import member_inflows
from aralnexus.ensemble.outputs import compact_tables, reference_tables
from aralnexus.ensemble.runner import ensemble_record
from aralnexus.ensemble.solver import MemberSolver, SolverOptions
from aralnexus.ensemble.tables import ensure_ensemble_schema, save_member_storage, save_members
from aralnexus.ensemble.variants import expand_variants
from aralnexus.pathways.runner import prepare_scenario
from aralnexus.store import open_store
from aralnexus.store.records import MemberRecord

KEY = ["country", "year", "metric"]
RTOL = 1e-12


def _solved_members(vary: tuple[str, ...], heads: str, members: list[int]) -> list[tuple[tuple, tuple]]:
    base = prepare_scenario("default", "2025-01", "2026-12")
    (variant,) = expand_variants(base, vary)
    solver = MemberSolver(variant.scenario, SolverOptions(heads=heads))  # type: ignore[arg-type]
    inflows = member_inflows(variant.scenario, members, "2025-01", "2026-12", 5)
    pairs = []
    for i, member in enumerate(members):
        solved = solver.solve(member, inflows.isel(member=i, drop=True))
        pairs.append((compact_tables(solver, solved), reference_tables(solver, solved)))
    return pairs


@pytest.mark.parametrize(
    ("vary", "heads"),
    [
        ((), "median"),
        # CASA-1000 from May 2025 (attribution of Kyrgyz transit) and scarce power (unserved, violations)
        (("casa1000.start=2025", "countries.TJ.demand_growth_pct_per_year=12"), "iterate"),
    ],
)
def test_compact_tables_give_the_reference_rows(vary: tuple[str, ...], heads: str) -> None:
    for fast, ref in _solved_members(vary, heads, [0, 3, 8]):
        summary, metrics_table, storage_table = fast
        metrics, storage = metrics_table.to_pandas(), storage_table.to_pandas()
        ref_summary, ref_metrics, ref_storage = ref
        assert summary.keys() == ref_summary.keys()
        for name, expected in ref_summary.items():
            assert summary[name] == pytest.approx(expected, rel=RTOL, abs=1e-12), name
        got = metrics.sort_values(KEY).reset_index(drop=True)
        want = ref_metrics.sort_values(KEY).reset_index(drop=True)
        assert list(got.columns) == list(want.columns)
        for column in ("country", "metric", "unit"):
            assert got[column].astype(str).tolist() == want[column].astype(str).tolist()
        assert got["year"].tolist() == want["year"].tolist()
        np.testing.assert_allclose(got["value"], want["value"], rtol=RTOL, atol=1e-12)
        assert list(storage.columns) == list(ref_storage.columns)
        assert storage["plant"].astype(str).tolist() == ref_storage["plant"].astype(str).tolist()
        assert (pd.DatetimeIndex(storage["time"]) == pd.DatetimeIndex(ref_storage["time"])).all()
        assert storage["storage_hm3"].tolist() == ref_storage["storage_hm3"].tolist()


def test_batched_writes_store_the_rows_of_one_member_at_a_time(tmp_path: Path) -> None:
    scenario = prepare_scenario("default", "2025-01", "2025-12")
    solver = MemberSolver(scenario, SolverOptions(heads="median"))
    inflows = member_inflows(scenario, [0, 1, 2], "2025-01", "2025-12", 5)
    outputs = [compact_tables(solver, solver.solve(m, inflows.isel(member=m, drop=True))) for m in range(3)]
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
