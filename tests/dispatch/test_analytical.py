"""Small cascades whose optimum is known by hand."""

from __future__ import annotations

import numpy as np
import pytest
from dispatch_support import system_and_inflows

from aralnexus.dispatch import optimise_system
from aralnexus.errors import InfeasibleScenarioError
from aralnexus.testing.examples import make_dataset, plant_row
from aralnexus.units import HM3_PER_M3S_HOUR, hydro_power_mw

COUNTRY = {
    "country": "A",
    "name": "A",
    "role": "detailed",
    "demand_base_twh": 50.0,
    "base_year": 2026,
    "voll_usd_per_mwh": 1000.0,
}


def _dataset(plants, inflow_m3s: float = 100.0, releases=(), **extra):
    sites = [
        {"site": "s", "river": "r", "plant": plants[0]["plant"], "kind": "headwater", "base_series": "b", "share": 1.0}
    ]
    flows = [{"series": "b", "month": m, "mean_m3s": inflow_m3s} for m in range(1, 13)]
    return make_dataset(
        plants=plants,
        countries=[COUNTRY],
        inflow_sites=sites,
        inflow_monthly=flows,
        min_releases=list(releases),
        **extra,
    )


def test_run_of_river_plant_turbines_all_its_inflow_when_demand_is_short() -> None:
    ds = _dataset(
        [
            plant_row(
                "a",
                storage_full_hm3=0.0,
                storage_dead_hm3=0.0,
                storage_initial_hm3=0.0,
                capacity_mw=1e4,
                turbine_max_m3s=1e4,
            )
        ]
    )
    system, inflow = system_and_inflows(ds, "2026-01", "2026-03")
    res = optimise_system(system, inflow, "fixed")
    expected_mw = hydro_power_mw(0.9, 100.0, 100.0)
    assert res.plants["power_mw"].to_numpy() == pytest.approx(expected_mw, rel=1e-9)
    unserved = res.countries["unserved_mwh"].sum()
    assert res.objective_musd == pytest.approx(-1000.0 * unserved / 1e6, rel=1e-9)


def test_spill_from_a_small_upstream_turbine_is_used_by_the_plant_below() -> None:
    plants = [
        plant_row(
            "up",
            downstream="down",
            storage_full_hm3=0.0,
            storage_dead_hm3=0.0,
            storage_initial_hm3=0.0,
            turbine_max_m3s=40.0,
            capacity_mw=1e4,
        ),
        plant_row(
            "down",
            storage_full_hm3=0.0,
            storage_dead_hm3=0.0,
            storage_initial_hm3=0.0,
            turbine_max_m3s=1e4,
            capacity_mw=1e4,
            rated_head_m=50.0,
        ),
    ]
    system, inflow = system_and_inflows(_dataset(plants), "2026-01", "2026-02")
    res = optimise_system(system, inflow, "fixed")
    by_plant = res.plants.groupby("plant")["power_mw"].mean()
    assert by_plant["up"] == pytest.approx(hydro_power_mw(0.9, 40.0, 100.0), rel=1e-9)
    assert by_plant["down"] == pytest.approx(hydro_power_mw(0.9, 100.0, 50.0), rel=1e-9)
    assert res.plants.query("plant == 'up'")["spilled_m3s"].to_numpy() == pytest.approx(60.0, rel=1e-9)


def test_water_is_kept_when_its_terminal_value_beats_every_use() -> None:
    plant = plant_row("a", storage_full_hm3=1000.0, storage_dead_hm3=0.0, storage_initial_hm3=500.0)
    country = {**COUNTRY, "demand_base_twh": 0.0}
    params = [{"name": "terminal_water_value_usd_per_mwh", "value": 100.0, "unit": "US$/MWh", "description": ""}]
    sites = [{"site": "s", "river": "r", "plant": "a", "kind": "headwater", "base_series": "b", "share": 1.0}]
    flows = [{"series": "b", "month": m, "mean_m3s": 10.0} for m in range(1, 13)]
    ds = make_dataset(plants=[plant], countries=[country], inflow_sites=sites, inflow_monthly=flows, parameters=params)
    system, inflow = system_and_inflows(ds, "2026-01", "2026-03")
    res = optimise_system(system, inflow, "fixed")
    hours = (31 + 28 + 31) * 24
    end = 500.0 + HM3_PER_M3S_HOUR * hours * 10.0
    assert res.reservoirs["storage_hm3"].iloc[-1] == pytest.approx(end, rel=1e-9)
    mwh_per_hm3 = hydro_power_mw(0.9, 1.0, 100.0) / HM3_PER_M3S_HOUR
    assert res.objective_musd == pytest.approx(100.0 * mwh_per_hm3 * end / 1e6, rel=1e-9)
    assert np.allclose(res.reservoirs["water_value_usd_per_mwh"], 100.0)


def test_impossible_strict_release_is_explained_by_point_month_and_amount() -> None:
    plant = plant_row("a", storage_full_hm3=0.0, storage_dead_hm3=0.0, storage_initial_hm3=0.0)
    rel = [
        {
            "point": "a",
            "month": 2,
            "min_release_m3s": 130.0,
            "agreement": "treaty",
            "strict": True,
            "penalty_usd_per_hm3": 0.0,
        }
    ]
    system, inflow = system_and_inflows(_dataset([plant], releases=rel), "2026-01", "2026-03")
    with pytest.raises(InfeasibleScenarioError) as info:
        optimise_system(system, inflow, "fixed")
    (short,) = info.value.shortfalls
    assert (short.element, short.period, short.unit) == ("a", "2026-02", "m3/s")
    assert short.amount == pytest.approx(30.0, rel=1e-6)
    assert "treaty" in short.constraint


def test_relaxable_release_shortfall_is_reported_and_penalised() -> None:
    plant = plant_row("a", storage_full_hm3=0.0, storage_dead_hm3=0.0, storage_initial_hm3=0.0)
    rel = [
        {
            "point": "a",
            "month": 1,
            "min_release_m3s": 110.0,
            "agreement": "irrigation",
            "strict": False,
            "penalty_usd_per_hm3": 1000.0,
        }
    ]
    system, inflow = system_and_inflows(_dataset([plant], releases=rel), "2026-01", "2026-01")
    res = optimise_system(system, inflow, "fixed")
    assert res.releases["shortfall_m3s"].iloc[0] == pytest.approx(10.0, rel=1e-6)
    releases = res.violations[res.violations["constraint"].str.startswith("minimum release")]
    assert releases["element"].tolist() == ["a"]
    penalty = res.objective.set_index("term").loc["release_penalties", "value_musd"]
    assert penalty == pytest.approx(-1000.0 * 10.0 * HM3_PER_M3S_HOUR * 744 / 1e6, rel=1e-6)
