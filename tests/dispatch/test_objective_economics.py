"""Present values and deficit segments: later costs count less, deeper shedding costs more, one objective everywhere."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dispatch_support import system_and_inflows, with_economics

from aralnexus.dispatch import names as n
from aralnexus.dispatch import optimise_system
from aralnexus.dispatch.build import build_lp
from aralnexus.dispatch.head import initial_heads_m
from aralnexus.dispatch.model import LPModel
from aralnexus.dispatch.objective import shedding_cost_usd_per_mwh, stage_weights, terminal_value_usd_per_hm3
from aralnexus.errors import InputError
from aralnexus.testing.examples import random_dataset
from aralnexus.units import HOURS_PER_YEAR

#: Energy per step below this (MW) is solver noise.
TOL_MW = 1e-6


def test_a_discount_rate_weights_a_cost_a_year_later_by_one_over_one_plus_the_rate() -> None:
    base = random_dataset(3, 2, 2)
    plain, inflow = system_and_inflows(with_economics(base), "2026-01", "2027-12")
    discounted, _ = system_and_inflows(with_economics(base, rate_pct=10.0), "2026-01", "2027-12")
    heads = initial_heads_m(plain, "fixed")
    lp0, lp1 = build_lp(plain, inflow, heads), build_lp(discounted, inflow, heads)
    unserved = lp0.layout.cols[n.UNSERVED].index
    years = (pd.DatetimeIndex(plain.calendar.stages["time"]) - pd.Timestamp("2026-01-01")) / pd.Timedelta(hours=1)
    expected = 1.1 ** -(np.asarray(years) / HOURS_PER_YEAR)
    ratio = lp1.col_cost[unserved] / lp0.col_cost[unserved]
    np.testing.assert_allclose(ratio, np.broadcast_to(expected[plain.calendar.step_stage][:, None], ratio.shape))
    assert stage_weights(discounted)[12] == pytest.approx(1.1 ** -(8760.0 / HOURS_PER_YEAR), rel=1e-12)  # 2027-01
    assert stage_weights(plain) == pytest.approx(np.ones(plain.calendar.n_stages))
    coef = heads * 0.0 + 1.0
    end_years = 2 * 8760.0 / HOURS_PER_YEAR  # 2026 and 2027 have 8,760 hours each
    np.testing.assert_allclose(
        terminal_value_usd_per_hm3(discounted, coef), terminal_value_usd_per_hm3(plain, coef) * 1.1**-end_years
    )


def test_the_objective_breakdown_adds_up_to_the_lp_objective_with_discounting_and_segments() -> None:
    dataset = with_economics(random_dataset(7, 3, 2), rate_pct=8.0, depth_pct=10.0, factor=3.0, demand_scale=4.0)
    system, inflow = system_and_inflows(dataset, "2026-01", "2026-12")
    res = optimise_system(system, inflow, "fixed")
    terms = res.objective.set_index("term")["value_musd"]
    assert terms["deep_shedding"] < 0.0, "the stress case must shed beyond the first segment"
    assert terms["lost_load"] < 0.0
    lp = LPModel(system, inflow, initial_heads_m(system, "fixed")).solve()
    assert res.objective_musd * 1e6 == pytest.approx(-lp.objective, rel=1e-7)


def test_deficit_segments_fill_in_order_the_deep_one_only_beyond_the_first_depth() -> None:
    depth = 10.0
    dataset = with_economics(random_dataset(7, 3, 2), depth_pct=depth, factor=3.0, demand_scale=4.0)
    system, inflow = system_and_inflows(dataset, "2026-01", "2026-12")
    model = LPModel(system, inflow, initial_heads_m(system, "fixed"))
    x = model.solve().x
    unserved = model.layout.cols[n.UNSERVED].take(x)
    deep = model.layout.cols[n.UNSERVED_DEEP].take(x)[:, :, 0]
    beyond = np.maximum(unserved - depth / 100.0 * system.countries.demand_mw, 0.0)
    assert (beyond > TOL_MW).any() and (unserved > TOL_MW).any()
    np.testing.assert_allclose(deep, beyond, atol=1e-5)  # deep shedding is exactly the part beyond the depth
    priced = optimise_system(system, inflow, "fixed").objective.set_index("term")["value_musd"]["deep_shedding"]
    dur = system.calendar.duration_h[:, None]
    assert priced * 1e6 == pytest.approx(-2.0 * shedding_cost_usd_per_mwh(system) * float((beyond * dur).sum()))


def test_deficit_segments_spread_a_shortage_instead_of_concentrating_it() -> None:
    """With a convex shedding cost the deepest step sheds less than with a linear one."""
    base = random_dataset(7, 3, 2)
    deepest = []
    for depth, factor in ((100.0, 1.0), (5.0, 4.0)):
        dataset = with_economics(base, depth_pct=depth, factor=factor, demand_scale=4.0)
        system, inflow = system_and_inflows(dataset, "2026-01", "2026-12")
        c = optimise_system(system, inflow, "fixed").countries
        deepest.append(float((c["unserved_mwh"] / c["demand_mwh"]).max()))
    assert deepest[1] <= deepest[0] + 1e-9


@pytest.mark.parametrize(
    ("name", "value"),
    [("discount_rate_pct_per_year", -1.0), ("deficit_segment_depth_pct", 0.0), ("deficit_deep_cost_factor", 0.5)],
)
def test_a_bad_economics_parameter_is_an_input_error_naming_it(name: str, value: float) -> None:
    good = {"rate_pct": 5.0, "depth_pct": 5.0, "factor": 2.0}
    key = {"discount_rate_pct_per_year": "rate_pct", "deficit_segment_depth_pct": "depth_pct"}.get(name, "factor")
    dataset = with_economics(random_dataset(3, 2, 2), **{**good, key: value})
    with pytest.raises(InputError) as caught:
        system_and_inflows(dataset, "2026-01", "2026-12")
    assert f"parameters.{name}" in str(caught.value)


@pytest.mark.slow
def test_pypsa_reaches_the_same_objective_with_discounting_and_deficit_segments() -> None:
    pytest.importorskip("pypsa")
    from aralnexus.dispatch.pypsa_network import solve_pypsa

    dataset = with_economics(random_dataset(7, 3, 2), rate_pct=8.0, depth_pct=10.0, factor=3.0, demand_scale=4.0)
    system, inflow = system_and_inflows(dataset, "2026-01", "2027-06")
    model = LPModel(system, inflow, initial_heads_m(system, "fixed"))
    sol = model.solve()
    deep = model.layout.cols[n.UNSERVED_DEEP].take(sol.x)
    assert (deep > TOL_MW).any(), "the case must use the deep segment"
    theirs, _ = solve_pypsa(system, inflow)
    assert sol.objective - model.arrays.offset == pytest.approx(theirs, rel=1e-6, abs=1e-3)
