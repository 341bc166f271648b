"""Water and energy balances close on the default scenario and on random networks."""

from __future__ import annotations

import numpy as np
import pytest
from dispatch_support import default_scenario, system_and_inflows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aralnexus.dispatch import optimise_system
from aralnexus.dispatch.build import build_lp
from aralnexus.dispatch.head import initial_heads_m
from aralnexus.dispatch.model import LPModel
from aralnexus.results import energy_balance_error, water_balance_error
from aralnexus.testing.examples import random_dataset

TOL = 1e-6


def _check(system, results) -> None:
    assert water_balance_error(results, system.topology.downstream, system.storage_initial_hm3) < TOL
    assert energy_balance_error(results) < TOL


@pytest.mark.parametrize("mode", ["fixed", "iterate"])
def test_default_scenario_balances_close(mode: str) -> None:
    system, inflow = system_and_inflows(default_scenario().dataset, "2025-01", "2026-12")
    results = optimise_system(system, inflow, mode)  # type: ignore[arg-type]
    _check(system, results)
    assert results.convergence.iterations >= 1


def test_objective_terms_add_up_to_the_lp_objective() -> None:
    system, inflow = system_and_inflows(default_scenario().dataset, "2025-01", "2025-12")
    heads = initial_heads_m(system, "fixed")
    model = LPModel(system, inflow, heads)
    sol = model.solve()
    results = optimise_system(system, inflow, "fixed")
    assert results.objective_musd * 1e6 == pytest.approx(-sol.objective, rel=1e-7)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_plants=st.integers(1, 5), n_countries=st.integers(1, 3), hourly=st.booleans())
def test_random_networks_balances_close(seed: int, n_plants: int, n_countries: int, hourly: bool) -> None:
    dataset = random_dataset(seed, n_plants, n_countries)
    end = "2026-02" if hourly else "2027-06"
    system, inflow = system_and_inflows(dataset, "2026-01", end, "hourly" if hourly else "monthly")
    results = optimise_system(system, inflow, "iterate")
    _check(system, results)


def test_lp_has_no_python_level_per_step_structure() -> None:
    """Building scales by arrays: the matrix has the expected number of nonzeros per turbine column."""
    system, inflow = system_and_inflows(random_dataset(3, 3, 2), "2026-01", "2026-12")
    lp = build_lp(system, inflow, initial_heads_m(system, "fixed"))
    mat = lp.matrix()
    assert mat.shape == (lp.layout.n_rows, lp.layout.n_cols)
    assert np.isfinite(mat.data).all()
