"""An ensemble member is the same optimisation as ``aralnexus.optimise`` (look-ahead included)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from aralnexus.dispatch import optimise
from aralnexus.ensemble.inflows import member_inflows
from aralnexus.ensemble.outputs import member_tables
from aralnexus.ensemble.solver import MemberSolver, SolverOptions
from aralnexus.pathways.runner import prepare_scenario


def test_a_member_is_the_look_ahead_optimisation_of_optimise_reported_on_the_horizon() -> None:
    scenario = dataclasses.replace(prepare_scenario("default", "2025-01", "2026-12"), head_mode="fixed")
    inflows = member_inflows(scenario, [2], "2025-01", "2026-12", 11).isel(member=0, drop=True)
    solver = MemberSolver(scenario, SolverOptions(heads="iterate"))
    assert solver.full_system.calendar.n_stages == solver.system.calendar.n_stages + 12
    solved = solver.solve(2, inflows)
    direct = optimise(scenario, inflows=inflows)
    # same LP (horizon + 12 months of median look-ahead): same optimum (the storage paths of
    # alternative optima may differ, so the objective is what must agree)
    assert -solved.solution.objective / 1e6 == pytest.approx(direct.objective_musd, rel=1e-9)
    storage = member_tables(solver, solved)[2].to_pandas()
    assert pd.to_datetime(storage["time"]).max() == pd.Timestamp("2026-12-01")
    assert len(storage) == len(direct.reservoirs[direct.reservoirs["plant"].isin(storage["plant"].unique())])


def test_member_solvers_with_one_thread_still_solve_after_a_default_threaded_optimise() -> None:
    """HiGHS keeps one scheduler per process; models asking for other thread counts must still run."""
    scenario = dataclasses.replace(prepare_scenario("default", "2025-01", "2025-12"), head_mode="fixed")
    first = optimise(scenario)  # HiGHS's own thread choice
    solver = MemberSolver(scenario, SolverOptions(heads="median", threads=1))
    inflows = member_inflows(scenario, [1], "2025-01", "2025-12", 3).isel(member=0, drop=True)
    assert solver.solve(1, inflows).solution.status.name == "OPTIMAL"
    assert optimise(scenario).objective_musd == pytest.approx(first.objective_musd, rel=1e-9)


def test_a_member_still_solves_after_other_code_restarts_the_highs_scheduler() -> None:
    """Other HiGHS users in the process (PyPSA, the policy's stage solvers) may restart the scheduler."""
    import highspy

    scenario = dataclasses.replace(prepare_scenario("default", "2025-01", "2025-12"), head_mode="fixed")
    solver = MemberSolver(scenario, SolverOptions(heads="median", threads=1))
    inflows = member_inflows(scenario, [1], "2025-01", "2025-12", 3).isel(member=0, drop=True)
    other = highspy.Highs()
    other.setOptionValue("output_flag", False)
    other.setOptionValue("threads", 2)
    other.addVar(0.0, 1.0)
    highspy.Highs.resetGlobalScheduler(True)
    other.run()  # the process-wide scheduler now runs with 2 threads, behind the solver's back
    solved = solver.solve(1, inflows)
    assert solved.solution.status.name == "OPTIMAL" and np.isfinite(solved.solution.objective)
