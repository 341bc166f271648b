"""Spill tie-break: with surplus water and no market for its energy, which plant spills is decided."""

from __future__ import annotations

import numpy as np
import pytest
from dispatch_support import system_and_inflows

from aralnexus.dispatch import optimise_system
from aralnexus.testing.examples import make_dataset, plant_row
from aralnexus.units import hydro_power_mw

INFLOW_M3S = 100.0
#: Heads of a three-plant run-of-river cascade, top to bottom (m).
HEADS_M = {"top": 100.0, "mid": 50.0, "bottom": 20.0}
#: Detailed demand: more than the bottom plant makes from the whole river, less than the cascade can (MW).
DEMAND_MW = 40.0


def _cascade(order: list[str]):
    below = {"top": "mid", "mid": "bottom", "bottom": ""}
    rows = {
        p: plant_row(
            p,
            downstream=below[p],
            rated_head_m=HEADS_M[p],
            storage_full_hm3=0.0,
            storage_dead_hm3=0.0,
            storage_initial_hm3=0.0,
            capacity_mw=1e4,
            turbine_max_m3s=1e4,
        )
        for p in HEADS_M
    }
    country = {
        "country": "A",
        "name": "A",
        "role": "detailed",
        "demand_base_twh": DEMAND_MW * 8760.0 / 1e6,
        "base_year": 2026,
        "voll_usd_per_mwh": 1000.0,
    }
    sites = [{"site": "s", "river": "r", "plant": "top", "kind": "headwater", "base_series": "b", "share": 1.0}]
    flows = [{"series": "b", "month": m, "mean_m3s": INFLOW_M3S} for m in range(1, 13)]
    return make_dataset(plants=[rows[p] for p in order], countries=[country], inflow_sites=sites, inflow_monthly=flows)


def _spill_and_turbine(order: list[str]):
    system, inflow = system_and_inflows(_cascade(order), "2026-01", "2026-06")
    res = optimise_system(system, inflow, "fixed")
    plants = res.plants.groupby(["time", "plant"])[["spilled_m3s", "turbined_m3s"]].mean().unstack("plant")
    return system, res, plants["spilled_m3s"][list(HEADS_M)], plants["turbined_m3s"][list(HEADS_M)]


def test_surplus_water_is_turbined_where_it_makes_the_least_energy_and_spilled_only_where_it_must() -> None:
    system, res, spill, turb = _spill_and_turbine(["top", "mid", "bottom"])
    assert res.countries["unserved_mwh"].sum() == pytest.approx(0.0, abs=1e-6)
    demand_mw = system.countries.demand_mw[:, 0]
    a_bottom, a_mid = (hydro_power_mw(0.9, 1.0, HEADS_M[p]) for p in ("bottom", "mid"))
    assert np.all(demand_mw > a_bottom * INFLOW_M3S), "the bottom plant alone must not meet the demand"
    assert np.all(demand_mw < a_mid * INFLOW_M3S), "the water must be in surplus"
    # for the same energy the most water goes through turbines: the lowest head first, then the next
    mid_m3s = (demand_mw - a_bottom * INFLOW_M3S) / a_mid
    np.testing.assert_allclose(turb["bottom"], INFLOW_M3S, rtol=1e-7)
    np.testing.assert_allclose(turb["mid"], mid_m3s, rtol=1e-7)
    np.testing.assert_allclose(turb["top"], 0.0, atol=1e-6)
    np.testing.assert_allclose(spill["top"], INFLOW_M3S, rtol=1e-7)
    np.testing.assert_allclose(spill["mid"], INFLOW_M3S - mid_m3s, rtol=1e-7)
    np.testing.assert_allclose(spill["bottom"], 0.0, atol=1e-6)
    assert res.objective.set_index("term")["value_musd"]["spill_tie_break"] < 0.0


@pytest.mark.parametrize("order", [["bottom", "mid", "top"], ["mid", "top", "bottom"]])
def test_which_plant_spills_does_not_depend_on_the_order_of_the_plants_in_the_lp(order: list[str]) -> None:
    _, _, spill, turb = _spill_and_turbine(["top", "mid", "bottom"])
    _, _, spill_other, turb_other = _spill_and_turbine(order)
    np.testing.assert_allclose(spill_other.to_numpy(), spill.to_numpy(), rtol=1e-7, atol=1e-6)
    np.testing.assert_allclose(turb_other.to_numpy(), turb.to_numpy(), rtol=1e-7, atol=1e-6)
