"""Thermal availability and heating-season must-run, on a one-country system known by hand."""

from __future__ import annotations

import numpy as np
import pytest
from dispatch_support import system_and_inflows

from aralnexus.dispatch import optimise_system
from aralnexus.testing.examples import make_dataset, plant_row

COUNTRY = {
    "country": "A",
    "name": "A",
    "role": "detailed",
    "demand_base_twh": 8.76,  # 1000 MW on average
    "base_year": 2026,
    "voll_usd_per_mwh": 1000.0,
}


def _system(**thermal: object):  # type: ignore[no-untyped-def]
    plant = plant_row("h", capacity_mw=5000.0, turbine_max_m3s=5000.0, storage_full_hm3=0.0, storage_initial_hm3=0.0)
    plant.update(storage_dead_hm3=0.0)
    row = {"plant": "t", "name": "t", "country": "A", "capacity_mw": 400.0, "cost_usd_per_mwh": 50.0}
    row.update(thermal)
    sites = [{"site": "s", "river": "r", "plant": "h", "kind": "headwater", "base_series": "b", "share": 1.0}]
    flows = [{"series": "b", "month": m, "mean_m3s": 2000.0} for m in range(1, 13)]
    ds = make_dataset(plants=[plant], countries=[COUNTRY], thermal=[row], inflow_sites=sites, inflow_monthly=flows)
    return system_and_inflows(ds, "2026-01", "2026-12")


def test_must_run_forces_thermal_on_in_the_heating_season_only() -> None:
    system, inflow = _system(availability=0.9, must_run_heating=0.5)
    res = optimise_system(system, inflow, "fixed")
    c = res.countries.groupby("month")[["thermal_mwh", "duration_h"]].sum()
    mean_mw = c["thermal_mwh"] / c["duration_h"]
    heating = [1, 2, 3, 11, 12]
    # ample cheap hydro: thermal runs exactly at its must-run (0.5 of 0.9 · 400 MW) and not at all otherwise
    assert mean_mw.loc[heating].to_numpy() == pytest.approx(np.full(5, 180.0), rel=1e-6)
    assert mean_mw.drop(index=heating).to_numpy() == pytest.approx(np.zeros(7), abs=1e-6)


def test_availability_caps_thermal_output() -> None:
    system, _ = _system(availability=0.75)
    assert system.thermal.capacity_mw.max() == pytest.approx(300.0)
    assert system.thermal.must_run_mw.max() == 0.0
