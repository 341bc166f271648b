"""Neighbours are not sacrificed to the joint objective: no country exports while its own load is unserved."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from dispatch_support import system_and_inflows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aralnexus.data.dataset import Dataset
from aralnexus.dispatch import optimise_system
from aralnexus.dispatch.head import initial_heads_m
from aralnexus.dispatch.model import LPModel
from aralnexus.dispatch.objective import shedding_cost_usd_per_mwh
from aralnexus.testing.examples import random_dataset

#: Energy per step below this (MWh) is solver noise.
TOL_MWH = 1e-6


def stressed(seed: int, n_countries: int, voll: list[float], demand_scale: float, loss_pct: float | None) -> Dataset:
    """A random network with the given values of lost load and demand scaled up so that load is shed."""
    ds = random_dataset(seed, 3, n_countries)
    countries = ds.countries.copy()
    detailed = countries["role"] == "detailed"
    countries.loc[detailed, "voll_usd_per_mwh"] = voll[: int(detailed.sum())]
    countries.loc[detailed, "demand_base_twh"] *= demand_scale
    links = ds.links.copy()
    if loss_pct is not None:
        links["loss_pct"] = loss_pct
    return dataclasses.replace(ds, countries=countries, links=links)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_countries=st.integers(2, 3),
    voll=st.lists(st.floats(20.0, 5000.0), min_size=3, max_size=3),
    demand_scale=st.floats(1.0, 6.0),
    loss_pct=st.one_of(st.none(), st.just(0.0)),
)
def test_no_country_exports_while_its_own_load_is_unserved(
    seed: int, n_countries: int, voll: list[float], demand_scale: float, loss_pct: float | None
) -> None:
    dataset = stressed(seed, n_countries, voll, demand_scale, loss_pct)
    system, inflow = system_and_inflows(dataset, "2026-01", "2026-12")
    countries = optimise_system(system, inflow, "fixed").countries
    both = (countries["unserved_mwh"] > TOL_MWH) & (countries["exports_mwh"] > TOL_MWH)
    assert not both.any(), countries.loc[both, ["step", "country", "unserved_mwh", "exports_mwh"]].to_string()


def test_a_low_value_of_lost_load_does_not_make_a_country_export_its_own_supply() -> None:
    """Country A values lost load at 50 US$/MWh, B at 5000: A still serves itself before selling to B or M."""
    dataset = stressed(7, 2, [50.0, 5000.0, 0.0], 4.0, None)
    system, inflow = system_and_inflows(dataset, "2026-01", "2026-12")
    res = optimise_system(system, inflow, "fixed")
    c = res.countries
    assert (c["unserved_mwh"] > TOL_MWH).any(), "the stress case must shed load somewhere"
    assert not ((c["unserved_mwh"] > TOL_MWH) & (c["exports_mwh"] > TOL_MWH)).any()
    assert shedding_cost_usd_per_mwh(system) == 5000.0
    terms = res.objective.set_index("term")["value_musd"]
    uns_mwh = c.groupby("country")["unserved_mwh"].sum()
    own_voll_musd = -(uns_mwh["A"] * 50.0 + uns_mwh["B"] * 5000.0) / 1e6
    assert terms["lost_load"] == pytest.approx(own_voll_musd, rel=1e-9, abs=1e-9)
    lp = LPModel(system, inflow, initial_heads_m(system, "fixed")).solve()
    assert res.objective_musd * 1e6 == pytest.approx(-lp.objective, rel=1e-7)
    assert np.isclose(terms["shedding_priority"], -uns_mwh["A"] * (5000.0 - 50.0) / 1e6, rtol=1e-6, atol=1e-9)
