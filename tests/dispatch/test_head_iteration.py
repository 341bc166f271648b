"""Head iteration: reported power obeys physics at convergence; head updates change values in place."""

from __future__ import annotations

import logging

import highspy
import numpy as np
import pandas as pd
import pytest
from dispatch_support import default_scenario, system_and_inflows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aralnexus.dispatch import model as model_module
from aralnexus.dispatch import optimise_system
from aralnexus.dispatch.build import build_lp
from aralnexus.dispatch.head import HeadIteration, initial_heads_m
from aralnexus.dispatch.linearise import Linearisation, head_band_hm3, heads_at_m, trust_region_hm3
from aralnexus.dispatch.model import LPModel, ModelState
from aralnexus.dispatch.names import STORAGE, TURBINE
from aralnexus.dispatch.solve import Simplex, SolveStatus
from aralnexus.ensemble.inflows import member_inflows
from aralnexus.ensemble.outputs import member_solution
from aralnexus.ensemble.solver import MemberSolver, SolverOptions
from aralnexus.pathways.runner import prepare_scenario
from aralnexus.results.solution import results_view
from aralnexus.results.tables import Results
from aralnexus.system.system import System
from aralnexus.testing.examples import random_dataset
from aralnexus.units import hydro_power_mw
from aralnexus.vocab import TrustRegion

#: Absolute slack for round-off, MW and m3/s.
EPS = 1e-6


def physics_violations(system: System, results: Results) -> pd.DataFrame:
    """Return the plant rows that break 0 ≤ P ≤ capacity, P = 0 at Q = 0, or P = 9.81e-3·η·Q·H within tolerance.

    ``H`` is the net head at the reported storage (mean of the stage's start and end storage on
    the level curves, minus tailwater): the physics, not the head the LP used.
    """
    plants = results.plants
    n_t, n_p = system.calendar.n_steps, system.n_plants
    storage_tp = plants["storage_hm3"].to_numpy().reshape(n_t, n_p)
    first_step = np.searchsorted(system.calendar.step_stage, np.arange(system.calendar.n_stages))
    head = heads_at_m(system, storage_tp[first_step])[system.calendar.step_stage]
    power = plants["power_mw"].to_numpy().reshape(n_t, n_p)
    flow = plants["turbined_m3s"].to_numpy().reshape(n_t, n_p)
    capacity = plants["capacity_mw"].to_numpy().reshape(n_t, n_p)
    physics = hydro_power_mw(system.efficiency[None, :], flow, head)
    share = results.convergence.tolerance_pct / 100.0
    bad = (
        (power < -EPS)
        | (power > capacity * (1 + 1e-9) + EPS)
        | ((flow <= EPS) & (np.abs(power) > EPS))
        | (np.abs(power - physics) > share * physics + EPS)
    )
    return plants[bad.ravel()]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_plants=st.integers(1, 5),
    n_countries=st.integers(1, 3),
    hourly=st.booleans(),
    region=st.sampled_from(["storage", "head"]),
)
def test_reported_power_obeys_physics_after_head_iteration_on_random_networks(
    seed: int, n_plants: int, n_countries: int, hourly: bool, region: TrustRegion
) -> None:
    dataset = random_dataset(seed, n_plants, n_countries)
    end = "2026-02" if hourly else "2027-06"
    system, inflow = system_and_inflows(dataset, "2026-01", end, "hourly" if hourly else "monthly")
    options = HeadIteration() if region == "storage" else HeadIteration(radius=0.08, shrink=0.35, trust_region="head")
    results = optimise_system(system, inflow, "iterate", options)
    assert results.convergence.max_head_change_pct < results.convergence.tolerance_pct
    assert physics_violations(system, results).empty


def test_reported_power_obeys_physics_after_head_iteration_on_the_default_pathway() -> None:
    system, inflow = system_and_inflows(default_scenario().dataset, "2025-01", "2027-12")
    results = optimise_system(system, inflow, "iterate")
    assert results.convergence.converged
    assert physics_violations(system, results).empty
    assert (results.plants["turbined_m3s"] <= EPS).any()  # the zero-flow rows are really checked


def test_an_ensemble_member_iterated_in_a_head_trust_region_reports_exact_physics() -> None:
    scenario = prepare_scenario("default", "2025-01", "2026-12")
    solver = MemberSolver(scenario, SolverOptions(heads="iterate"))
    assert solver.member_iteration.trust_region == "head"
    inflows = member_inflows(scenario, [3], "2025-01", "2026-12", 11).isel(member=0, drop=True)
    solved = solver.solve(3, inflows)
    assert solved.convergence.converged
    assert solved.convergence.max_head_change_pct < solved.convergence.tolerance_pct
    results = results_view(member_solution(solver, solved))
    assert physics_violations(solver.system, results).empty


def _state(system: System, x: np.ndarray, layout: object) -> tuple[np.ndarray, Linearisation]:
    cols = layout.cols  # type: ignore[attr-defined]
    storage = cols[STORAGE].take(x)
    return storage, Linearisation(cols[TURBINE].take(x), storage)


def test_a_head_update_changes_values_in_place_and_equals_a_rebuilt_lp() -> None:
    system, inflow = system_and_inflows(random_dataset(11, 4, 2), "2026-01", "2026-12")
    model = LPModel(system, inflow, initial_heads_m(system, "iterate"))
    pattern = (model._sparse.indptr.copy(), model._sparse.indices.copy())
    storage, lin = _state(system, model.solve().x, model.layout)
    heads = heads_at_m(system, storage) * 1.01
    for box, linearisation in (
        (trust_region_hm3(system, storage, 0.2), lin),
        (head_band_hm3(system, storage, heads, 0.005), None),
    ):
        model.set_heads(heads, linearisation, box)
        assert np.array_equal(model._sparse.indptr, pattern[0]) and np.array_equal(model._sparse.indices, pattern[1])
        rebuilt = build_lp(system, inflow, heads, linearisation=linearisation, storage_box=box)
        ours = model.arrays
        assert abs(ours.matrix() - rebuilt.matrix()).max() < 1e-9
        for name in ("col_lower", "col_upper", "col_cost", "row_lower", "row_upper"):
            np.testing.assert_allclose(getattr(ours, name), getattr(rebuilt, name), rtol=1e-12, atol=1e-9)


def test_the_head_band_keeps_every_head_within_its_share() -> None:
    system, inflow = system_and_inflows(default_scenario().dataset, "2025-01", "2026-12")
    model = LPModel(system, inflow, initial_heads_m(system, "iterate"))
    storage, _ = _state(system, model.solve().x, model.layout)
    heads = heads_at_m(system, storage)
    lower, upper = head_band_hm3(system, storage, heads, 0.01)
    rng = np.random.default_rng(3)
    for _ in range(20):
        corner = np.where(rng.random(storage.shape) < 0.5, lower, upper)
        corner = np.where(np.abs(corner) < 1e12, corner, storage)  # plants without a curve are not bounded
        moved = heads_at_m(system, corner)
        assert (np.abs(moved - heads) <= 0.01 * heads * (1 + 1e-9)).all()


@pytest.mark.parametrize("drop_fixed_columns", [False, True])
def test_a_fixed_head_solve_over_its_primal_cap_starts_again_with_dual_simplex_at_the_same_optimum(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, drop_fixed_columns: bool
) -> None:
    system, inflow = system_and_inflows(default_scenario().dataset, "2025-01", "2026-12")
    model = LPModel(system, inflow, initial_heads_m(system, "iterate"))
    model.drop_fixed_columns = drop_fixed_columns
    storage, lin = _state(system, model.solve().x, model.layout)
    model.set_heads(heads_at_m(system, storage), lin, trust_region_hm3(system, storage, 0.1))
    storage, lin = _state(system, model.solve(Simplex.PRIMAL).x, model.layout)
    heads = heads_at_m(system, storage)
    band = head_band_hm3(system, storage, heads, 0.005)
    linearised = model.snapshot()
    model.set_heads(heads, None, band)
    primal = model.solve(Simplex.PRIMAL)
    assert primal.status is SolveStatus.OPTIMAL and 2 <= primal.iterations <= model_module.FIXED_HEAD_PRIMAL_ITERATIONS
    model.restore(linearised)
    model.set_heads(heads, None, band)
    monkeypatch.setattr(model_module, "FIXED_HEAD_PRIMAL_ITERATIONS", 1)
    with caplog.at_level(logging.INFO, logger="aralnexus.dispatch.model"):
        capped = model.solve(Simplex.PRIMAL)
    assert "dual simplex instead" in caplog.text
    assert capped.status is SolveStatus.OPTIMAL and capped.iterations > 1
    assert capped.objective == pytest.approx(primal.objective, rel=1e-9)
    # only the first solve after dropping the storage terms is capped
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="aralnexus.dispatch.model"):
        again = model.solve(Simplex.PRIMAL)
    assert again.status is SolveStatus.OPTIMAL and "dual simplex instead" not in caplog.text


def _linearised_step(drop_fixed_columns: bool) -> tuple[LPModel, ModelState, float]:
    """A default-pathway LP after one head update (linearised, trust region), the state before it and its objective."""
    system, inflow = system_and_inflows(default_scenario().dataset, "2025-01", "2026-12")
    model = LPModel(system, inflow, initial_heads_m(system, "iterate"))
    first = model.solve()
    storage, lin = _state(system, first.x, model.layout)
    start = model.snapshot()
    model.drop_fixed_columns = drop_fixed_columns
    model.set_heads(heads_at_m(system, storage), lin, trust_region_hm3(system, storage, 0.1))
    return model, start, first.objective


def test_an_lp_handed_over_without_its_fixed_columns_solves_to_the_same_point() -> None:
    whole, _, _ = _linearised_step(False)
    reduced, start, start_objective = _linearised_step(True)
    fixed = reduced._fixed
    assert 0 < fixed.keep.size < reduced.n_cols  # some columns are really dropped
    assert reduced._highs.getNumCol() == fixed.keep.size
    a, b = whole.solve(Simplex.PRIMAL), reduced.solve(Simplex.PRIMAL)
    assert a.status is SolveStatus.OPTIMAL and b.status is SolveStatus.OPTIMAL
    assert b.objective == pytest.approx(a.objective, rel=1e-9)
    assert b.x.shape == a.x.shape and b.row_dual.shape == a.row_dual.shape
    lp = reduced.arrays
    dropped = np.setdiff1d(np.arange(reduced.n_cols), fixed.keep)
    np.testing.assert_array_equal(b.x[dropped], lp.col_lower[dropped])
    activity = lp.matrix() @ b.x  # every row of the whole LP holds at the solution
    assert (activity >= lp.row_lower - 1e-6 * (1 + np.abs(lp.row_lower))).all()
    assert (activity <= lp.row_upper + 1e-6 * (1 + np.abs(lp.row_upper))).all()
    # a recorded state is put back as the whole LP, its basis mapped back when it was the reduced LP's
    after = reduced.snapshot()
    reduced.restore(start)
    assert reduced._highs.getNumCol() == reduced.n_cols
    assert reduced.solve().objective == pytest.approx(start_objective, rel=1e-9)
    reduced.restore(after)
    assert reduced._highs.getNumCol() == reduced.n_cols
    again = reduced.solve(Simplex.PRIMAL)
    assert again.iterations == 0 and again.objective == pytest.approx(a.objective, rel=1e-9)


def test_a_basis_with_a_basic_fixed_column_is_completed_when_the_column_is_dropped() -> None:
    model, start, _ = _linearised_step(True)
    reduced_state = model.state
    expected = model.solve(Simplex.PRIMAL).objective
    assert start.basis is not None
    basis, status = start.basis, start.basis.col_status
    dropped = np.setdiff1d(np.arange(model.n_cols), model._fixed.keep)
    basic = [j for j in model._fixed.keep if status[j] == highspy.HighsBasisStatus.kBasic]
    status[int(dropped[0])], status[int(basic[0])] = highspy.HighsBasisStatus.kBasic, highspy.HighsBasisStatus.kLower
    corrupted = highspy.HighsBasis()
    corrupted.col_status, corrupted.row_status, corrupted.valid = status, basis.row_status, True
    assert model._basis_for(corrupted, basis_reduced=False, reduced=True).alien  # one basic column short
    # HiGHS holds the whole LP: it drops the columns itself, finds the basis invalid, and the basis is
    # mapped in Python as an alien one
    mapped: list[bool] = []
    in_python = model._basis_for
    model._basis_for = lambda *a, **k: mapped.append(k.get("reduced", False)) or in_python(*a, **k)  # type: ignore[method-assign]
    model.restore(start)
    model.state = reduced_state
    model._compose()
    model._pass(corrupted, basis_reduced=False, reduced=True)
    assert model._highs.getNumCol() == model._fixed.keep.size
    assert True in mapped
    solved = model.solve(Simplex.PRIMAL)
    assert solved.status is SolveStatus.OPTIMAL
    assert solved.objective == pytest.approx(expected, rel=1e-9)


def test_new_inflows_reach_an_lp_held_without_its_fixed_columns() -> None:
    reduced, _, _ = _linearised_step(True)
    whole, _, _ = _linearised_step(False)
    reduced.solve(Simplex.PRIMAL)
    wetter = reduced.inflow_m3s * 1.1
    for model in (reduced, whole):
        model.update_inflows(wetter)
    assert reduced._highs.getNumCol() == reduced.n_cols  # handed back whole: the new bounds are of the whole LP
    assert reduced.solve().objective == pytest.approx(whole.solve().objective, rel=1e-9)
