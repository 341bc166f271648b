"""A member's result depends on its inflows only, not on the worker count, chunking or earlier solves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aralnexus.ensemble.inflows import member_inflows
from aralnexus.ensemble.runner import run_ensemble
from aralnexus.ensemble.solver import MemberSolver, SolverOptions
from aralnexus.pathways.runner import prepare_scenario
from aralnexus.store import open_store

START, END = "2025-01", "2025-12"


@pytest.mark.parametrize("heads", ["iterate", "median"])
def test_a_member_solved_after_others_equals_the_member_solved_alone(heads: str) -> None:
    scenario = prepare_scenario("default", START, END)
    inflows = member_inflows(scenario, [0, 1, 2], START, END, 7)
    busy = MemberSolver(scenario, SolverOptions(heads=heads))  # type: ignore[arg-type]
    fresh = MemberSolver(scenario, SolverOptions(heads=heads))  # type: ignore[arg-type]
    after = [busy.solve(m, inflows.isel(member=m, drop=True)) for m in (0, 1, 2)]
    alone = fresh.solve(2, inflows.isel(member=2, drop=True))
    again = busy.solve(0, inflows.isel(member=0, drop=True))
    assert after[2].solution.objective == alone.solution.objective
    np.testing.assert_array_equal(after[2].solution.x, alone.solution.x)
    np.testing.assert_array_equal(after[0].solution.x, again.solution.x)
    assert after[2].convergence == alone.convergence


def _members(path: Path, run_id: str) -> dict[str, pd.DataFrame]:
    store = open_store(path)
    tables = {
        "member_metrics": "SELECT * EXCLUDE (run_id) FROM member_metrics WHERE run_id = ? ORDER BY ALL",
        "member_storage": "SELECT * EXCLUDE (run_id) FROM member_storage WHERE run_id = ? ORDER BY ALL",
    }
    return {name: store.query(sql, [run_id]) for name, sql in tables.items()}


def test_one_and_two_workers_store_the_same_members(tmp_path: Path, small_spec: Any) -> None:
    found = {}
    for workers in (1, 2):
        path = tmp_path / f"w{workers}.duckdb"
        outcome = run_ensemble(small_spec(4, workers=workers, seed=5), path)
        assert outcome.complete
        found[workers] = _members(path, outcome.runs[0].run_id)
    for name in found[1]:
        assert len(found[1][name]) > 0
        pd.testing.assert_frame_equal(found[1][name], found[2][name], check_exact=True, obj=name)
