"""Thermal availability, heating-season must-run and months of operation, on systems known by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from dispatch_support import default_scenario, system_and_inflows

from aralnexus.dispatch import optimise_system
from aralnexus.errors import InputError
from aralnexus.results import energy_balance_error, water_balance_error
from aralnexus.testing.examples import make_dataset, plant_row

COUNTRY = {
    "country": "A",
    "name": "A",
    "role": "detailed",
    "demand_base_twh": 8.76,  # 1000 MW on average
    "base_year": 2026,
    "voll_usd_per_mwh": 1000.0,
}


def _system(hydro_mw: float = 5000.0, **thermal: object):  # type: ignore[no-untyped-def]
    """One country, one run-of-river plant of ``hydro_mw`` and one 400 MW thermal plant (``thermal`` columns)."""
    plant = plant_row("h", capacity_mw=hydro_mw, turbine_max_m3s=5000.0, storage_full_hm3=0.0, storage_initial_hm3=0.0)
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


def _dry_system(**thermal: object):  # type: ignore[no-untyped-def]
    """One country whose hydro covers about half of its 1000 MW demand: thermal is wanted every month."""
    return _system(hydro_mw=500.0, **thermal)


def test_a_plant_runs_only_in_its_months_of_operation_and_balances_close() -> None:
    system, inflow = _dry_system(availability=0.9, months="11-3")
    res = optimise_system(system, inflow, "fixed")
    c = res.countries.groupby("month")[["thermal_mwh", "unserved_mwh", "duration_h"]].sum()
    mean_mw = c["thermal_mwh"] / c["duration_h"]
    heating = [1, 2, 3, 11, 12]
    # short of energy all year: the plant runs at its available 360 MW in its months and not at all outside
    assert mean_mw.loc[heating].to_numpy() == pytest.approx(np.full(5, 360.0), rel=1e-6)
    assert mean_mw.drop(index=heating).to_numpy() == pytest.approx(np.zeros(7), abs=1e-6)
    # the shortfall outside the season is shed, not met by the plant; the balances still close
    assert (c["unserved_mwh"].drop(index=heating) > c["unserved_mwh"].loc[heating].max() + 1e5).all()
    assert energy_balance_error(res) < 1e-6
    assert water_balance_error(res, system.topology.downstream, system.storage_initial_hm3) < 1e-6


def test_a_plant_without_months_runs_all_year() -> None:
    system, inflow = _dry_system(availability=0.9)
    res = optimise_system(system, inflow, "fixed")
    c = res.countries.groupby("month")[["thermal_mwh", "duration_h"]].sum()
    assert (c["thermal_mwh"] / c["duration_h"]).to_numpy() == pytest.approx(np.full(12, 360.0), rel=1e-6)


def test_dushanbe2_months_of_operation_are_read_from_the_dataset() -> None:
    ds = default_scenario().dataset
    system, _ = system_and_inflows(ds, "2025-01", "2025-12")
    g = system.thermal.ids.index("dushanbe2_chp")
    months = system.calendar.steps["month"].to_numpy()
    row = ds.thermal[ds.thermal["plant"] == "dushanbe2_chp"].iloc[0]
    available = float(row["capacity_mw"]) * float(row["availability"])
    season = np.isin(months, [11, 12, 1, 2, 3])
    assert system.thermal.capacity_mw[season, g] == pytest.approx(np.full(season.sum(), available))
    assert system.thermal.capacity_mw[~season, g] == pytest.approx(np.zeros((~season).sum()))
    thermal = ds.thermal.copy()
    thermal.loc[thermal["plant"] == "dushanbe2_chp", "months"] = "1-12"
    system, _ = system_and_inflows(dataclasses.replace(ds, thermal=thermal), "2025-01", "2025-12")
    assert system.thermal.capacity_mw[:, g] == pytest.approx(np.full(len(months), available))


@pytest.mark.parametrize("months", ["4-13", "spring", "0", "1-"])
def test_unreadable_months_of_a_thermal_plant_are_refused(months: str) -> None:
    thermal = default_scenario().dataset.thermal.copy()
    thermal.loc[thermal["plant"] == "dushanbe2_chp", "months"] = months
    ds = dataclasses.replace(default_scenario().dataset, thermal=thermal)
    with pytest.raises(InputError) as info:
        system_and_inflows(ds, "2025-01", "2025-12")
    assert "thermal.dushanbe2_chp.months" in str(info.value)
    assert repr(months) in str(info.value)
