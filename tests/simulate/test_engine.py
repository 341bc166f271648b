"""Simulator invariants: water balance, bounds, limits, vectorisation, shared head/power with the optimiser."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simulate_support import default_scenario, random_inflows

from aralnexus.dispatch.head import mean_storage_hm3
from aralnexus.errors import InputError
from aralnexus.simulate import OperatingRules, default_rules, simulate
from aralnexus.system import build_system, build_system_from_dataset
from aralnexus.testing.examples import make_dataset, plant_row, random_dataset
from aralnexus.units import HM3_PER_M3S_HOUR, hydro_power_mw

networks = st.builds(lambda seed, n: (seed, n), st.integers(0, 10_000), st.integers(1, 6))


def _random_case(seed: int, n_plants: int, n_members: int = 4):
    system = build_system_from_dataset(random_dataset(seed, n_plants), "2025-11", "2027-04", "monthly")
    return system, random_inflows(system, np.random.default_rng(seed), n_members)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks)
def test_water_balance_closes_exactly_on_random_inflows(case):
    system, inflows = _random_case(*case)
    result = simulate(system, inflows)
    kh = HM3_PER_M3S_HOUR * result.hours[None, :, None]
    scale = np.maximum.reduce(
        [np.abs(result.storage_hm3), kh * result.inflow_m3s, kh * result.upstream_m3s, kh * result.release_m3s]
    )
    assert (np.abs(result.water_balance_error_hm3()) <= 1e-9 * np.maximum(scale, 1.0)).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks)
def test_storage_turbine_and_power_stay_within_bounds(case):
    system, inflows = _random_case(*case)
    result = simulate(system, inflows)
    st_ = system.staging
    tol = 1e-9
    assert (result.storage_hm3 >= -tol).all()
    assert (result.storage_hm3 <= st_.storage_max_hm3[None] * (1 + tol) + tol).all()
    assert (result.turbined_m3s >= -tol).all() and (result.spilled_m3s >= -tol).all()
    assert (result.turbined_m3s <= st_.turbine_max_m3s[None] * (1 + tol) + tol).all()
    assert (result.power_mw <= st_.capacity_mw[None] * (1 + 1e-9) + tol).all()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks)
def test_members_simulated_together_equal_members_simulated_alone(case):
    system, inflows = _random_case(*case, n_members=3)
    together = simulate(system, inflows)
    for m in range(3):
        alone = simulate(system, inflows.isel(member=[m]))
        np.testing.assert_allclose(together.storage_hm3[m], alone.storage_hm3[0], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(together.power_mw[m], alone.power_mw[0], rtol=1e-12, atol=1e-9)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks)
def test_power_uses_the_optimisers_head_and_power_equation(case):
    system, inflows = _random_case(*case, n_members=2)
    result = simulate(system, inflows)
    for m in range(2):
        head = system.curves.head_m(mean_storage_hm3(system, result.storage_hm3[m]))
        np.testing.assert_allclose(result.head_m[m], head, rtol=1e-12)
        expected = hydro_power_mw(system.efficiency[None, :], result.turbined_m3s[m], head)
        np.testing.assert_allclose(result.power_mw[m], expected, rtol=1e-12)


def _cascade_system(**upper):
    plants = [
        plant_row("up", downstream="down", storage_full_hm3=500.0, storage_initial_hm3=300.0, **upper),
        plant_row("down", storage_dead_hm3=0.0, storage_full_hm3=10.0, storage_initial_hm3=10.0),
    ]
    sites = [
        {"site": "s_up", "river": "r", "plant": "up", "kind": "headwater", "base_series": "b", "share": 1.0},
        {"site": "s_down", "river": "r", "plant": "down", "kind": "lateral", "base_series": "b", "share": 0.1},
    ]
    countries = [{"country": "A", "name": "A", "role": "detailed", "demand_base_twh": 1.0, "base_year": 2026}]
    dataset = make_dataset(plants=plants, inflow_sites=sites, countries=countries)
    return build_system_from_dataset(dataset, "2026-01", "2026-12", "monthly")


def test_upstream_release_reaches_the_run_of_river_plant_below_in_the_same_month():
    system = _cascade_system()
    inflows = random_inflows(system, np.random.default_rng(1), 2, scale=50.0)
    result = simulate(system, inflows)
    down = 1
    np.testing.assert_allclose(result.upstream_m3s[:, :, down], result.release_m3s[:, :, 0], rtol=1e-12)
    # a full run-of-river plant passes on what arrives (its target is full storage)
    passed = result.inflow_m3s[:, :, down] + result.upstream_m3s[:, :, down]
    np.testing.assert_allclose(result.release_m3s[:, :, down], passed, rtol=1e-9, atol=1e-9)


def test_a_reservoir_follows_its_target_curve_when_water_and_turbines_allow():
    system = _cascade_system(turbine_max_m3s=10_000.0, capacity_mw=1e6)
    target = np.full((12, 2), 1.0)
    target[:, 0] = np.linspace(0.2, 0.8, 12)
    rules = OperatingRules(target, np.full((12, 2), np.nan), "test")
    inflows = random_inflows(system, np.random.default_rng(2), 3, scale=100.0) + 50.0
    result = simulate(system, inflows, rules)
    expected = np.broadcast_to(500.0 * target[:, 0], (3, 12))
    np.testing.assert_allclose(result.storage_hm3[:, :, 0], expected, rtol=1e-9)


def test_an_hourly_system_is_refused_with_a_clear_error(members):
    system = build_system(default_scenario(), "2034-01", "2034-01", "hourly")
    with pytest.raises(InputError, match="monthly"):
        simulate(system, members)


def test_missing_months_and_unknown_sites_are_reported_together(system, members):
    bad = members.isel(time=slice(0, 5)).assign_coords(site=[*members["site"].values[:-1], "nowhere"])
    with pytest.raises(InputError) as info:
        simulate(system, bad)
    fields = {p.field for p in info.value.problems}
    assert fields == {"time", "site"}


def test_rules_for_another_network_are_refused(system, members):
    rules = default_rules(system)
    wrong = OperatingRules(rules.target_fraction[:, :3], rules.release_m3s[:, :3], "wrong")
    with pytest.raises(InputError, match="plants"):
        simulate(system, members, wrong)


def test_a_withdrawal_at_a_run_of_river_plant_takes_what_arrives_and_no_more():
    base = _cascade_system()
    withdrawn = np.zeros((base.calendar.n_stages, base.n_plants))
    withdrawn[6, 1] = 40.0  # July, at the run-of-river plant below
    withdrawn[7, 1] = 1e6  # August: more than the river carries
    system = dataclasses.replace(base, withdrawal_m3s=withdrawn)
    inflows = random_inflows(system, np.random.default_rng(1), 2, scale=50.0)
    result = simulate(system, inflows)
    arriving = result.upstream_m3s[:, :, 1] + result.inflow_m3s[:, :, 1] + withdrawn[None, :, 1]
    expected = np.maximum(arriving - withdrawn[None, :, 1], 0.0)
    np.testing.assert_allclose(result.release_m3s[:, 6, 1], expected[:, 6], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(result.release_m3s[:, 7, 1], 0.0, atol=1e-9)
    assert (result.storage_hm3 >= system.staging.storage_min_hm3[None] - 1e-9).all()
