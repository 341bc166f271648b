"""Energy between the two detailed grids is charged the pair's price; head losses lower the net head."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dispatch_support import system_and_inflows

from aralnexus.dispatch import optimise_system
from aralnexus.system.curves import build_curves
from aralnexus.system.staging import build_staging
from aralnexus.system.topology import build_topology
from aralnexus.testing.examples import make_dataset, plant_row


def _two_grids(price_usd_per_mwh: float | None, thermal_b_usd_per_mwh: float):  # type: ignore[no-untyped-def]
    """A has a river plant and little demand; B has no water, only a thermal plant at the given cost."""
    grid = {"role": "detailed", "base_year": 2026, "voll_usd_per_mwh": 1e3}
    countries = [{"country": c, "name": c, "demand_base_twh": twh, **grid} for c, twh in (("A", 0.1), ("B", 0.5))]
    ror = {"storage_full_hm3": 0.0, "storage_dead_hm3": 0.0, "storage_initial_hm3": 0.0}
    plants = [plant_row("p", capacity_mw=1e3, turbine_max_m3s=1e3, **ror)]
    sites = [{"site": "s", "river": "r", "plant": "p", "kind": "headwater", "base_series": "b", "share": 1.0}]
    flows = [{"series": "b", "month": m, "mean_m3s": 200.0} for m in range(1, 13)]
    thermal = [{"plant": "tb", "name": "tb", "country": "B", "capacity_mw": 1e3}]
    thermal[0]["cost_usd_per_mwh"] = thermal_b_usd_per_mwh
    link = {"link": "ab", "name": "ab", "from_country": "A", "to_country": "B", "capacity_mw": 1e3, "loss_pct": 0.0}
    link.update({"months": "1-12", "start": "2000-01", "bidirectional": True, "tariff_usd_per_mwh": price_usd_per_mwh})
    return make_dataset(
        plants=plants,
        countries=countries,
        inflow_sites=sites,
        inflow_monthly=flows,
        thermal=thermal,
        links=[link],
        parameters=[{"name": "lookahead_months", "value": 0}],
    )


def _sent_mwh(res) -> float:  # type: ignore[no-untyped-def]
    return float(res.links.loc[res.links["link"] == "ab", "energy_mwh"].clip(lower=0.0).sum())


def test_a_grid_buys_from_the_other_when_its_own_energy_costs_more_than_the_price() -> None:
    system, inflow = system_and_inflows(_two_grids(25.0, 60.0), "2026-01", "2026-03")
    res = optimise_system(system, inflow, "fixed")
    sent = _sent_mwh(res)
    assert sent > 0
    paid = -float(res.objective.set_index("term").at["bilateral_trade", "value_musd"]) * 1e6
    assert paid == pytest.approx(25.0 * sent, rel=1e-6)


def test_a_grid_does_not_buy_from_the_other_above_its_own_cost() -> None:
    system, inflow = system_and_inflows(_two_grids(25.0, 20.0), "2026-01", "2026-03")
    res = optimise_system(system, inflow, "fixed")
    assert _sent_mwh(res) == pytest.approx(0.0, abs=1e-6)


def test_a_link_without_a_tariff_trades_at_the_datasets_bilateral_price() -> None:
    system, _ = system_and_inflows(_two_grids(None, 60.0), "2026-01", "2026-01")
    assert system.links.bilateral_price_usd_per_mwh.tolist() == [25.0]  # the parameter's default (XB-035)


def _curves(*rows: dict[str, object]):  # type: ignore[no-untyped-def]
    ds = make_dataset(plants=list(rows))
    staging = build_staging(ds.plants, ds.plant_schedule, pd.DatetimeIndex(["2026-01-01"]))
    return build_curves(ds.plants, staging, build_topology(ds.plants).downstream)


def _reservoir(**values: float) -> dict[str, object]:
    curve = {"level_dead_m": 100.0, "level_full_m": 200.0, "curve_exponent": 1.0, "tailwater_m": 50.0}
    return plant_row("p", **curve, **values)


def test_net_head_is_the_gross_head_less_the_head_loss() -> None:
    full = np.array([[100.0]])  # full: level 200 m, tailwater 50 m
    assert _curves(_reservoir()).head_m(full).tolist() == [[150.0]]
    lossy = _curves(_reservoir(head_loss_m=4.0))
    assert lossy.head_m(full).tolist() == [[146.0]]
    assert lossy.rated_heads(1).tolist() == [[100.0]]  # a rated head is already net


def test_a_fixed_head_given_as_gross_loses_its_head_loss() -> None:
    curves = _curves(plant_row("q", rated_head_m=110.0, head_loss_m=5.0))
    assert curves.head_m(np.array([[50.0]])).tolist() == [[105.0]]
    assert curves.rated_heads(2).tolist() == [[105.0], [105.0]]
