"""The metric layer: one registered definition per metric, checked against the former pandas code, member-aware."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from metrics_support import short_results, short_solution
from reference_energy import annual_balance, storage_metrics, winter_balance
from reference_exports import export_metrics
from reference_exports import link_flows as reference_link_flows

from aralnexus.data.dataset import load_default
from aralnexus.data.definitions import planner_definitions
from aralnexus.metrics import REGISTRY, compute, member_summary, metric, metric_rows
from aralnexus.metrics.exports import flows_of
from aralnexus.metrics.flows import flow_table
from aralnexus.metrics.storage import last_plants, spilled_hm3_per_plant, storage_share_pct
from aralnexus.metrics.tables import solution_from_tables


@functools.cache
def _defs(rule: str = "flow"):
    return dataclasses.replace(planner_definitions(load_default()), casa_rule=rule)


def _joined(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    both = old.merge(new, on=["country", "year", "metric"], suffixes=("_old", "_new"))
    assert len(both) > 0
    return both


@pytest.mark.parametrize("rule", ["flow", "contract"])
def test_export_metrics_agree_with_the_row_by_row_reference(rule: str) -> None:
    results, dataset = short_results(), load_default()
    names = [n for n, m in REGISTRY.items() if m.function is not None and m.function.__module__.endswith("exports")]
    new = metric_rows(compute(short_solution(), _defs(rule), names))
    old = export_metrics(reference_link_flows(results, dataset, rule), ["KG", "TJ"])  # type: ignore[arg-type]
    both = _joined(new, old)
    np.testing.assert_allclose(both["value_new"], both["value_old"], rtol=1e-9, atol=1e-9)
    assert (both["metric"] == "exports_casa_twh").any()


def test_energy_and_storage_metrics_agree_with_the_reference() -> None:
    results, dataset = short_results(), load_default()
    old = pd.concat([annual_balance(results), winter_balance(results), storage_metrics(results, dataset)])
    new = metric_rows(compute(short_solution(), _defs(), set(old["metric"])))
    both = _joined(new, old)
    assert len(both) == len(old)
    np.testing.assert_allclose(both["value_new"], both["value_old"], rtol=1e-9, atol=1e-9)


def test_flow_table_matches_the_reference_rows() -> None:
    results, dataset = short_results(), load_default()
    new = flow_table(flows_of(short_solution(), _defs()))
    old = reference_link_flows(results, dataset)
    key = ["step", "link", "exporter", "importer"]
    both = new.merge(old, on=key, suffixes=("_new", "_old"))
    assert len(both) == len(old) == len(new)
    np.testing.assert_allclose(both["revenue_usd_new"], both["revenue_usd_old"], rtol=1e-9, atol=1e-6)


def test_every_metric_works_with_a_member_dimension() -> None:
    one = short_solution()
    drier = one.copy(deep=True)
    drier["hydro_mwh"] = drier["hydro_mwh"] * 0.9
    drier["flow_fwd_mw"] = drier["flow_fwd_mw"] * 0.5
    stacked = xr.concat([one, drier], dim=xr.DataArray([0, 1], dims="member", name="member"))
    together = compute(stacked, _defs())
    for name, values in together.items():
        assert "member" in values.dims, name
        alone = compute(drier, _defs(), [name])[name]
        np.testing.assert_allclose(values.sel(member=1).values, alone.values, rtol=1e-12, err_msg=name)
    rows = metric_rows({"winter_deficit_twh": together["winter_deficit_twh"]})
    assert set(rows["member"]) == {0, 1}


def test_a_metric_name_is_defined_once() -> None:
    with pytest.raises(ValueError, match="already defined"):
        metric("winter_deficit_twh", "TWh", "sum", "winter", "again")(lambda s, d: s["demand_mwh"])


def test_storage_shares_use_the_bounds_in_force_and_are_never_negative() -> None:
    ds = short_solution()
    share = storage_share_pct(ds)
    assert float(share.min()) >= 0.0 and float(share.max()) <= 100.0
    tok = share.sel(plant="toktogul")
    low, high = ds["storage_min_hm3"].sel(plant="toktogul"), ds["storage_max_hm3"].sel(plant="toktogul")
    expected = 100 * (ds["storage_hm3"].sel(plant="toktogul") - low) / (high - low)
    np.testing.assert_allclose(tok.values, expected.clip(0, 100).values)


def test_spill_is_counted_once_per_river_at_its_last_plant() -> None:
    ds = short_solution()
    ends = last_plants(ds)
    assert ends["naryn"] == "uch_kurgan"
    per_river = compute(ds, _defs(), ["spilled_hm3"])["spilled_hm3"]
    per_plant = spilled_hm3_per_plant(ds)
    assert float(per_river.sel(country="vakhsh")) == pytest.approx(float(per_plant.sel(plant=ends["vakhsh"])))
    assert float(per_river.sum()) <= float(per_plant.sum()) + 1e-9


def test_member_summary_and_tables_rebuilt_from_the_store_give_the_same_figures() -> None:
    results = short_results()
    rebuilt = solution_from_tables(dataclasses.replace(results, solution=None), load_default())
    a, b = member_summary(short_solution(), _defs()), member_summary(rebuilt, _defs())
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-9), key
    assert a["objective_musd"] == pytest.approx(results.objective_musd)


def test_pair_exports_add_up_to_each_senders_exports() -> None:
    values = compute(short_solution(), _defs(), ["exports_between_twh", "exports_twh"])
    pairs = values["exports_between_twh"]
    sender = np.array([str(p).split("-")[0] for p in pairs["country"].values])
    for country in ("KG", "TJ"):
        summed = pairs.isel(country=np.flatnonzero(sender == country)).sum("country")
        np.testing.assert_allclose(summed.values, values["exports_twh"].sel(country=country).values, rtol=1e-12)
    assert float(pairs.sel(country="UZ-KG").sum()) > 0  # partner → detailed pairs are there too


def test_plant_and_national_generation_add_up_to_the_country_balance() -> None:
    ds = short_solution()
    values = compute(ds, _defs(), ["plant_generation_twh", "national_generation_twh", "hydro_twh", "thermal_twh"])
    owner = dict(zip(ds["plant"].values, ds["plant_country"].values, strict=True))
    plants = values["plant_generation_twh"]
    kg = plants.isel(country=[i for i, p in enumerate(plants["country"].values) if owner[p] == "KG"]).sum("country")
    np.testing.assert_allclose(kg.values, values["hydro_twh"].sel(country="KG").values, rtol=1e-12)
    both = values["hydro_twh"] + values["thermal_twh"]
    np.testing.assert_allclose(values["national_generation_twh"].values, both.values, rtol=1e-12)


def test_month_end_storage_is_each_reservoirs_storage_after_its_last_stage() -> None:
    ds = short_solution()
    monthly = compute(ds, _defs(), ["storage_month_end_hm3"])["storage_month_end_hm3"]
    assert monthly.sizes["time"] == ds.sizes["stage"]  # monthly run: one stage per month
    assert set(monthly["country"].values) == set(ds["plant"].values[ds["is_reservoir"].values])
    np.testing.assert_allclose(
        monthly.sel(country="toktogul").values, ds["storage_hm3"].sel(plant="toktogul").values, rtol=1e-12
    )
    assert pd.Timestamp(monthly["time"].values[0]) == pd.Timestamp("2027-04-01")


def test_a_declared_metric_has_an_aggregation_but_is_not_computed_from_a_solution() -> None:
    from aralnexus.metrics import aggregation_of

    assert aggregation_of("trade_turnover_musd") == "sum"
    assert aggregation_of("peak_demand_mw") == "max"
    assert "trade_turnover_musd" not in compute(short_solution(), _defs())
    with pytest.raises(KeyError, match="filled by"):
        compute(short_solution(), _defs(), ["casa_winter_risk_twh"])
