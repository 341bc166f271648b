"""A chunk of members gets its tables from one member-stacked solution: the same outputs as members alone.

The same rows and statuses; values equal to rounding (numpy sums a reduced axis in another order when
a stack holds several members: measured differences of a few units in the last place).
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from aralnexus.ensemble.inflows import member_inflows
from aralnexus.ensemble.outputs import MemberOutput, solve_members
from aralnexus.ensemble.solver import MemberSolution, MemberSolver, SolverOptions
from aralnexus.pathways.runner import prepare_scenario

MEMBERS = [3, 0, 7, 1]
RTOL = 1e-13


def _same(a: MemberOutput, b: MemberOutput) -> None:
    assert (a.member, a.status, a.iterations) == (b.member, b.status, b.iterations)
    assert a.summary.keys() == b.summary.keys()
    for key, value in a.summary.items():
        assert value == pytest.approx(b.summary[key], rel=RTOL, abs=1e-12), key
    assert a.metrics is not None and b.metrics is not None and a.storage is not None and b.storage is not None
    assert a.metrics.drop_columns("value").equals(b.metrics.drop_columns("value"))
    np.testing.assert_allclose(a.metrics["value"].to_numpy(), b.metrics["value"].to_numpy(), rtol=RTOL, atol=1e-12)
    assert a.storage.equals(b.storage)


@pytest.fixture(scope="module")
def solver_and_inflows() -> tuple[MemberSolver, xr.DataArray]:
    scenario = prepare_scenario("default", "2025-01", "2026-12")
    solver = MemberSolver(scenario, SolverOptions(heads="median"))
    return solver, member_inflows(scenario, MEMBERS, scenario.start, scenario.end, 11)


def test_a_chunk_gives_each_member_the_outputs_it_gets_alone(
    solver_and_inflows: tuple[MemberSolver, xr.DataArray],
) -> None:
    solver, inflows = solver_and_inflows
    chunk = solve_members(solver, "v", MEMBERS, inflows, 1)
    alone = [solve_members(solver, "v", [m], inflows.isel(member=[i]), 1)[0] for i, m in enumerate(MEMBERS)]
    assert [o.member for o in chunk] == MEMBERS
    assert all(o.status == "done" for o in chunk)
    for a, b in zip(chunk, alone, strict=True):
        _same(a, b)
    # the members differ, so the comparison could fail
    assert len({o.summary["objective_musd"] for o in chunk}) == len(MEMBERS)


def test_a_member_that_raises_fails_alone_and_its_chunk_is_stored(
    solver_and_inflows: tuple[MemberSolver, xr.DataArray], monkeypatch: pytest.MonkeyPatch
) -> None:
    solver, inflows = solver_and_inflows
    solve = MemberSolver.solve

    def broken(self: MemberSolver, member: int, member_inflows: xr.DataArray) -> MemberSolution:
        if member == 7:
            raise RuntimeError("member 7 broke")
        return solve(self, member, member_inflows)

    monkeypatch.setattr(MemberSolver, "solve", broken)
    outs = solve_members(solver, "v", MEMBERS, inflows, 1)
    assert [o.status for o in outs] == ["done", "done", "failed", "done"]
    assert "member 7 broke" in outs[2].error
    assert np.isfinite(outs[3].summary["objective_musd"])
