"""Trade projection and the US$500 million 2030 target, against hand-computed values."""

from __future__ import annotations

import pytest

from aralnexus.pathways import evaluate
from aralnexus.pathways.trade import project_trade, trade_outlook, turnover_by_year
from aralnexus.scenario.model import TradeLevers


def test_turnover_adds_goods_growth_levers_and_electricity(scenario, results):
    trade = evaluate(scenario, results)[3]
    turnover = turnover_by_year(trade)
    assert turnover[2025] == pytest.approx(33.4)  # observed, Tajik customs
    # 2026: 33.4 · 1.1 goods + (20 + 10) · 1/5 levers + 0.3 TWh TJ→KG × 30 $/MWh
    assert turnover[2026] == pytest.approx(33.4 * 1.1 + 6.0 + 9.0)
    # 2030: goods 33.4 · 1.1^5 + full levers; no electricity (the run ends in 2026)
    assert turnover[2030] == pytest.approx(33.4 * 1.1**5 + 30.0)
    groups = set(trade.loc[(trade["year"] == 2026), "product_group"])
    assert {"fuel", "glass", "cement", "electricity", "transit_eaeu", "border_flights"} <= groups
    assert set(trade["kind"]) == {"observed", "projected"}


def test_outlook_states_how_far_the_target_is(scenario, results):
    outlook = evaluate(scenario, results)[4]
    assert outlook.base_year == 2025
    assert not outlook.reachable
    assert outlook.gap_musd == pytest.approx(500 - (33.4 * 1.1**5 + 30.0))
    assert outlook.required_growth_pct_per_year == pytest.approx(100 * ((500 / 33.4) ** 0.2 - 1))
    # goods alone would need ((500 − 30)/33.4)^(1/5) − 1 given the levers
    assert outlook.required_goods_growth_pct_per_year == pytest.approx(100 * ((470 / 33.4) ** 0.2 - 1))
    text = outlook.statement()
    assert "out of reach" in text and "short by" in text


def test_electricity_counts_only_when_included(dataset):
    import pandas as pd

    elec = pd.DataFrame({"year": [2030], "direction": ["KG_to_TJ"], "value_musd": [40.0]})
    with_e = project_trade(dataset, TradeLevers(growth_pct_per_year=0.0), [2030], elec)
    without = project_trade(dataset, TradeLevers(growth_pct_per_year=0.0, include_electricity=False), [2030], elec)
    assert turnover_by_year(with_e)[2030] - turnover_by_year(without)[2030] == pytest.approx(40.0)
    outlook = trade_outlook(with_e, TradeLevers(growth_pct_per_year=0.0), 500.0, 2030)
    assert outlook.electricity_share_pct == pytest.approx(100 * 40 / 73.4)


def test_a_large_enough_growth_reaches_the_target(dataset):
    trade = project_trade(dataset, TradeLevers(growth_pct_per_year=80.0), [2030])
    outlook = trade_outlook(trade, TradeLevers(growth_pct_per_year=80.0), 500.0, 2030)
    assert outlook.reachable
    assert "is reached" in outlook.statement()
