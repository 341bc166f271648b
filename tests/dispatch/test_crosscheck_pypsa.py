"""With fixed heads, the same problem built in PyPSA reaches the same objective (1e-6 relative)."""

from __future__ import annotations

import pytest
from dispatch_support import default_scenario, system_and_inflows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aralnexus.dispatch.head import initial_heads_m
from aralnexus.dispatch.model import LPModel
from aralnexus.testing.examples import random_dataset

pytest.importorskip("pypsa")
from aralnexus.dispatch.pypsa_network import solve_pypsa

pytestmark = pytest.mark.slow


def _ours(system, inflow) -> float:
    model = LPModel(system, inflow, initial_heads_m(system, "fixed"))
    return model.solve().objective - model.arrays.offset


def test_default_network_matches_pypsa_over_two_years() -> None:
    system, inflow = system_and_inflows(default_scenario().dataset, "2026-01", "2027-12")
    theirs, _ = solve_pypsa(system, inflow)
    assert _ours(system, inflow) == pytest.approx(theirs, rel=1e-6)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_plants=st.integers(1, 4), n_countries=st.integers(1, 3))
def test_random_networks_match_pypsa(seed: int, n_plants: int, n_countries: int) -> None:
    system, inflow = system_and_inflows(random_dataset(seed, n_plants, n_countries), "2026-01", "2026-12")
    theirs, _ = solve_pypsa(system, inflow)
    assert _ours(system, inflow) == pytest.approx(theirs, rel=1e-6, abs=1e-3)
