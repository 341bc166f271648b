"""Planner metrics on the synthetic system against values computed by hand (see synthetic.py)."""

from __future__ import annotations

import pytest

from aralnexus.data.definitions import planner_definitions
from aralnexus.pathways import evaluate
from aralnexus.pathways.exports import link_flows


def _value(metrics, country, year, metric):
    rows = metrics[(metrics["country"] == country) & (metrics["metric"] == metric)]
    rows = rows[rows["year"].isna()] if year is None else rows[rows["year"] == year]
    assert len(rows) == 1, (country, year, metric, rows)
    return float(rows["value"].iloc[0])


@pytest.fixture
def metrics(scenario, results):
    return evaluate(scenario, results)[1]


def test_winter_is_labelled_by_the_year_it_starts(scenario, results):
    c = results.countries
    defs = planner_definitions(scenario.dataset)
    w = defs.winter_label(c["year"], c["month"])
    assert set(w[((c["year"] == 2025) & (c["month"] == 11)).to_numpy()]) == {2025}
    assert set(w[((c["year"] == 2026) & (c["month"] == 2)).to_numpy()]) == {2025}
    assert (w[(c["month"] == 7).to_numpy()] == -1).all()
    # only winter 2025/26 lies wholly inside 2025-01 … 2026-12
    assert defs.complete_winters(c["year"], c["month"]) == [2025]


def test_winter_deficit_is_demand_minus_domestic_supply(metrics):
    # KG: 6 months × (1.5 − 1.0 hydro − 0.2 thermal) TWh = 1.8 TWh; share of 9 TWh winter demand = 20 %
    assert _value(metrics, "KG", 2025, "winter_deficit_twh") == pytest.approx(1.8)
    assert _value(metrics, "KG", 2025, "winter_deficit_share_pct") == pytest.approx(20.0)
    # TJ: 6 × (2.0 − 1.6 − 0.3) = 0.6 TWh of 12 TWh = 5 %
    assert _value(metrics, "TJ", 2025, "winter_deficit_twh") == pytest.approx(0.6)
    assert _value(metrics, "TJ", 2025, "winter_deficit_share_pct") == pytest.approx(5.0)
    assert _value(metrics, "KG", 2025, "winter_unserved_twh") == pytest.approx(0.6)
    # incomplete winters (2024/25 and 2026/27) are not reported
    assert metrics[(metrics["metric"] == "winter_deficit_twh") & (metrics["year"] == 2026)].empty


def test_annual_unserved_energy(metrics):
    # KG 2025: six winter months × 0.1 TWh
    assert _value(metrics, "KG", 2025, "unserved_twh") == pytest.approx(0.6)
    assert _value(metrics, "TJ", 2025, "unserved_twh") == pytest.approx(0.0)


def test_casa_flows_are_attributed_by_the_kg_to_tj_flow(metrics):
    # May–Sep: KG→TJ 0.2 TWh/month, CASA 0.5 TWh/month → KG 1.0 TWh, TJ 1.5 TWh over five months
    assert _value(metrics, "KG", 2025, "exports_casa_twh") == pytest.approx(1.0)
    assert _value(metrics, "TJ", 2025, "exports_casa_twh") == pytest.approx(1.5)
    # the KG→TJ flow fed CASA entirely: no bilateral KG sales left in 2025
    assert _value(metrics, "KG", 2025, "exports_bilateral_twh") == pytest.approx(0.0)
    # TJ→KG in six winter months × 0.05 TWh
    assert _value(metrics, "TJ", 2025, "exports_bilateral_twh") == pytest.approx(0.3)


def test_export_revenue_by_country(metrics):
    # KG: 1.0 TWh CASA × 51.5 $/MWh + 0.3 TWh to KZ × 25 $/MWh = 51.5 + 7.5
    assert _value(metrics, "KG", 2025, "export_revenue_musd") == pytest.approx(59.0)
    assert _value(metrics, "KG", 2025, "exports_twh") == pytest.approx(1.3)
    # TJ: 1.5 × 51.5 + 0.3 TWh bilateral × 30 $/MWh + 1.2 TWh to UZ × 20 $/MWh = 77.25 + 9 + 24
    assert _value(metrics, "TJ", 2025, "export_revenue_musd") == pytest.approx(110.25)
    assert _value(metrics, "TJ", 2025, "exports_twh") == pytest.approx(3.0)
    assert _value(metrics, "TJ", 2025, "exports_to_UZ_twh") == pytest.approx(1.2)


def test_contract_rule_splits_casa_thirty_seventy(scenario, results):
    flows = link_flows(results, scenario.dataset, casa_rule="contract")
    y = flows[flows["year"] == 2025]
    casa = y[y["channel"] == "casa"].groupby("exporter")["energy_mwh"].sum()
    assert casa["KG"] == pytest.approx(0.75e6)
    assert casa["TJ"] == pytest.approx(1.75e6)
    # transit 0.15 TWh/month removed from 0.2 → 0.05 TWh/month of bilateral KG sales remain
    kg_bilateral = y[(y["channel"] == "bilateral") & (y["exporter"] == "KG")]["energy_mwh"].sum()
    assert kg_bilateral == pytest.approx(0.25e6)
    # the rule moves energy between channels, not in or out of KG's total
    assert y[y["exporter"] == "KG"]["energy_mwh"].sum() == pytest.approx(1.3e6)


def test_imports_exclude_casa_transit(metrics):
    # KG imports 2025: 0.3 TWh from TJ + 0.32 TWh from KZ (Jan, Feb, Nov, Dec); TJ none
    assert _value(metrics, "KG", 2025, "imports_twh") == pytest.approx(0.62)
    assert _value(metrics, "TJ", 2025, "imports_twh") == pytest.approx(0.0)
    assert _value(metrics, "KG", 2025, "import_cost_musd") == pytest.approx(18.6)


def test_reserve_margin_uses_head_derated_hydro_and_thermal_in_service(metrics):
    # KG peak: 0.3 · 1.5 TWh / 200 h = 2250 MW (January); hydro 1200 MW × 0.9 head + 500 MW thermal
    assert _value(metrics, "KG", 2025, "peak_demand_mw") == pytest.approx(2250.0)
    assert _value(metrics, "KG", 2025, "available_capacity_mw") == pytest.approx(1580.0)
    assert _value(metrics, "KG", 2025, "reserve_margin_pct") == pytest.approx(100 * (1580 - 2250) / 2250)
    # TJ: Dushanbe-2 enters in 2026 → 3000 MW in 2025, 3400 MW in 2026 against a 3000 MW peak
    assert _value(metrics, "TJ", 2025, "reserve_margin_pct") == pytest.approx(0.0)
    assert _value(metrics, "TJ", 2026, "reserve_margin_pct") == pytest.approx(100 * 400 / 3000)


def test_storage_at_end_of_september_and_march(metrics):
    assert _value(metrics, "KG", 2025, "storage_end_sep_hm3") == pytest.approx(19000.0)
    assert _value(metrics, "KG", 2025, "storage_end_mar_hm3") == pytest.approx(15000.0)
    assert _value(metrics, "TJ", 2025, "storage_end_sep_pct_full") == pytest.approx(100.0)


def test_firm_energy_is_p90_of_winter_hydro(metrics):
    assert _value(metrics, "KG", None, "firm_winter_hydro_p90_twh") == pytest.approx(6.0)


def test_vegetation_season_shortfall_and_cost(scenario, results):
    water = evaluate(scenario, results)[2]
    y = water[(water["year"] == 2025)].set_index("metric")["value"]
    # July: 50 m3/s short × 744 h × 0.0036 = 133.92 hm3, at 10 000 $/hm3
    assert y["veg_shortfall_hm3"] == pytest.approx(133.92)
    assert y["veg_shortfall_cost_musd"] == pytest.approx(1.3392)
    assert y["veg_required_hm3"] == pytest.approx(500 * 4392 * 0.0036)
    assert y["veg_months_short"] == 1


def test_swap_summer_release_against_winter_power(metrics):
    # KG sends 0.3 TWh to KZ in Jun–Aug 2025 and gets 0.32 TWh back in winter 2025/26
    assert _value(metrics, "KG", 2025, "swap_energy_twh") == pytest.approx(0.3)
    assert _value(metrics, "KG", 2025, "swap_balance_twh") == pytest.approx(0.02)
    # worth 0.3 TWh × (30 − 25) $/MWh
    assert _value(metrics, "KG", 2025, "swap_net_value_musd") == pytest.approx(1.5)
    # yield = 7.2 TWh summer hydro / 7771.68 hm3 summer release → 0.3 TWh needs 323.82 hm3
    assert _value(metrics, "KG", 2025, "swap_water_hm3") == pytest.approx(0.3e6 * 7771.68 / 7.2e6)
    # TJ's summer sales to UZ are not a swap: nothing came back in winter
    assert _value(metrics, "TJ", 2025, "swap_energy_twh") == pytest.approx(0.0)


def test_a_winter_agreement_at_the_same_point_does_not_hide_the_vegetation_requirement(scenario, results):
    import dataclasses

    import pandas as pd

    from aralnexus.pathways import pathway_summary
    from aralnexus.pathways.runner import PathwayResult

    veg = results.releases
    winter = veg.assign(
        time=veg["time"] - pd.DateOffset(months=6),
        month=(veg["month"] + 5) % 12 + 1,
        agreement="winter minimum",
        required_m3s=100.0,
        released_m3s=100.0,
        shortfall_m3s=0.0,
        shortfall_cost_usd=0.0,
    )
    winter = winter.assign(year=pd.to_datetime(winter["time"]).dt.year)
    winter = winter[winter["year"] >= int(results.countries["year"].min())]
    both = dataclasses.replace(results, releases=pd.concat([veg, winter], ignore_index=True), solution=None)
    flows, metrics, water, trade, outlook = evaluate(scenario, both)
    rows = water[(water["point"] == "toktogul") & (water["year"] == 2025)].set_index("metric")["value"]
    assert rows["veg_required_hm3"] == pytest.approx(500 * 4392 * 0.0036)
    result = PathwayResult(scenario, both, flows, metrics, water, trade, outlook, pd.DataFrame())
    summary = pathway_summary(result)
    assert summary["water"]["toktogul"]["2025"]["veg_required_hm3"] == pytest.approx(500 * 4392 * 0.0036, rel=1e-4)
