"""Irrigation withdrawals leave the river before the point's turbines; releases count what passes."""

from __future__ import annotations

import numpy as np
import pytest
from dispatch_support import system_and_inflows

from aralnexus.dispatch import optimise_system
from aralnexus.dispatch.inputs import plant_inflows_m3s
from aralnexus.errors import InputError
from aralnexus.system.system import build_system_from_dataset
from aralnexus.testing.examples import make_dataset, plant_row

COUNTRY = {
    "country": "A",
    "name": "A",
    "role": "detailed",
    "demand_base_twh": 100.0,  # far more than the river can give: every drop is turbined
    "base_year": 2026,
    "voll_usd_per_mwh": 1000.0,
}


def _dataset(withdrawal_m3s: float, point: str = "low"):  # type: ignore[no-untyped-def]
    ror = {"storage_full_hm3": 0.0, "storage_dead_hm3": 0.0, "storage_initial_hm3": 0.0}
    plants = [
        plant_row("up", downstream="low", capacity_mw=1e4, turbine_max_m3s=1e4, **ror),
        plant_row("low", capacity_mw=1e4, turbine_max_m3s=1e4, **ror),
    ]
    sites = [{"site": "s", "river": "r", "plant": "up", "kind": "headwater", "base_series": "b", "share": 1.0}]
    flows = [{"series": "b", "month": m, "mean_m3s": 300.0} for m in range(1, 13)]
    rows = [{"point": point, "month": 7, "withdrawal_m3s": withdrawal_m3s, "canal": "c"}]
    return make_dataset(plants=plants, countries=[COUNTRY], inflow_sites=sites, inflow_monthly=flows, withdrawals=rows)


def test_the_plant_below_a_canal_turbines_the_river_minus_the_withdrawal() -> None:
    system, inflow = system_and_inflows(_dataset(120.0), "2026-06", "2026-08")
    res = optimise_system(system, inflow, "fixed")
    turb = res.plants.groupby(["plant", "month"])["turbined_m3s"].mean().unstack()
    assert turb.loc["up"].to_numpy() == pytest.approx(np.full(3, 300.0), rel=1e-6)
    assert turb.loc["low"].to_numpy() == pytest.approx([300.0, 180.0, 300.0], rel=1e-6)


def test_withdrawals_are_subtracted_from_the_points_natural_inflow() -> None:
    system, _ = system_and_inflows(_dataset(120.0), "2026-07", "2026-07")
    assert system.withdrawal_m3s is not None
    assert system.withdrawal_m3s.tolist() == [[0.0, 120.0]]
    import pandas as pd
    import xarray as xr

    da = xr.DataArray([[300.0]], dims=("time", "site"), coords={"time": pd.to_datetime(["2026-07-01"]), "site": ["s"]})
    assert plant_inflows_m3s(system, da).tolist() == [[300.0, -120.0]]


def test_a_withdrawal_at_an_unknown_point_or_negative_is_rejected() -> None:
    with pytest.raises(InputError, match="withdrawals"):
        build_system_from_dataset(_dataset(120.0, point="nowhere"), "2026-07", "2026-07", "monthly")
    with pytest.raises(InputError, match="withdrawal ≥ 0"):
        build_system_from_dataset(_dataset(-5.0), "2026-07", "2026-07", "monthly")
