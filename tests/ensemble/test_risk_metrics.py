"""Risk metrics against hand-computed values on a tiny synthetic store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aralnexus.ensemble import risk
from aralnexus.ensemble.tables import ensure_ensemble_schema, save_member_storage
from aralnexus.store import RunRecord, Store

DEFICIT = {  # member → (KG 2025, KG 2026, TJ 2025, TJ 2026) winter deficit TWh
    0: (0.5, 1.5, 0.0, 0.2),
    1: (0.2, 0.4, 2.0, 0.1),
    2: (1.2, 0.9, 0.0, 0.0),
    3: (0.0, 0.0, 0.3, 0.3),
}
EXPORTS = {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0}  # KG exports per year, TWh
TRADE_2030 = {0: 450.0, 1: 510.0, 2: 520.0, 3: 499.0}


def _metrics(member: int) -> pd.DataFrame:
    kg25, kg26, tj25, tj26 = DEFICIT[member]
    rows = [
        ("KG", 2025, "winter_deficit_twh", kg25, "TWh"),
        ("KG", 2026, "winter_deficit_twh", kg26, "TWh"),
        ("TJ", 2025, "winter_deficit_twh", tj25, "TWh"),
        ("TJ", 2026, "winter_deficit_twh", tj26, "TWh"),
        ("KG", 2025, "exports_twh", EXPORTS[member], "TWh"),
        ("KG", 2026, "exports_twh", 2 * EXPORTS[member], "TWh"),
        ("KG", 2025, "export_revenue_musd", 50 * EXPORTS[member], "US$ million"),
        ("KG-TJ", 2030, "trade_turnover_musd", TRADE_2030[member], "US$ million"),
    ]
    return pd.DataFrame(rows, columns=["country", "year", "metric", "value", "unit"])


@pytest.fixture
def run_id(store: Store) -> str:
    record = RunRecord("tiny", "hash", "default", 1, "synthetic ensemble", "2025-01", "2026-12", kind="ensemble")
    run = store.start_run(record)
    ensure_ensemble_schema(store)
    for member in DEFICIT:
        storage = pd.DataFrame(
            {
                "plant": ["nurek", "nurek"],
                "time": pd.to_datetime(["2025-01-01", "2025-02-01"]),
                "storage_hm3": [1000.0 + member, 2000.0 + 10 * member],
            }
        )
        save_member_storage(store, run, member, storage)
        store.save_member(run, member, {"objective_musd": 1.0}, metrics=_metrics(member))
    # a failed member's rows must not count
    store.save_member(run, 9, {}, metrics=_metrics(0).assign(value=99.0), status="failed")
    return run


def test_winter_deficit_exceedance_probability_per_year(store: Store, run_id: str) -> None:
    table = risk.winter_deficit_risk(store, run_id, threshold_twh=1.0).set_index(["country", "year"])
    assert table.loc[("KG", 2025), "p_exceed"] == pytest.approx(0.25)  # only 1.2
    assert table.loc[("KG", 2026), "p_exceed"] == pytest.approx(0.25)  # only 1.5
    assert table.loc[("TJ", 2025), "p_exceed"] == pytest.approx(0.25)  # only 2.0
    assert table.loc[("TJ", 2026), "p_exceed"] == pytest.approx(0.0)
    assert table.loc[("KG", 2025), "members"] == 4
    kg25 = [DEFICIT[m][0] for m in DEFICIT]
    assert table.loc[("KG", 2025), "p50"] == pytest.approx(np.percentile(kg25, 50))
    assert table.loc[("KG", 2025), "p90"] == pytest.approx(np.percentile(kg25, 90))


def test_probability_of_a_deficit_in_some_winter(store: Store, run_id: str) -> None:
    table = risk.winter_deficit_any_risk(store, run_id, threshold_twh=1.0).set_index("country")
    assert table.loc["KG", "p_exceed_any_year"] == pytest.approx(0.5)  # members 0 and 2
    assert table.loc["TJ", "p_exceed_any_year"] == pytest.approx(0.25)
    lower = risk.winter_deficit_any_risk(store, run_id, threshold_twh=0.25).set_index("country")
    assert lower.loc["TJ", "p_exceed_any_year"] == pytest.approx(0.5)  # members 1 and 3


def test_export_quantiles_over_the_horizon_and_per_year(store: Store, run_id: str) -> None:
    total = risk.export_quantiles(store, run_id).set_index(["country", "metric"])
    sums = [3 * EXPORTS[m] for m in EXPORTS]
    for q in (10, 50, 90):
        assert total.loc[("KG", "exports_twh"), f"p{q}"] == pytest.approx(np.percentile(sums, q))
    yearly = risk.export_quantiles(store, run_id, per_year=True).set_index(["country", "metric", "year"])
    assert yearly.loc[("KG", "export_revenue_musd", 2025), "p50"] == pytest.approx(125.0)


def test_trade_target_probability(store: Store, run_id: str) -> None:
    table = risk.trade_target_probability(store, run_id)
    assert table["p_reach"].iloc[0] == pytest.approx(0.5)  # 510 and 520 of 450, 510, 520, 499
    assert table["p50"].iloc[0] == pytest.approx(np.percentile(list(TRADE_2030.values()), 50))
    assert risk.trade_target_probability(store, run_id, target_musd=400)["p_reach"].iloc[0] == pytest.approx(1.0)


def test_storage_fan_quantiles_per_reservoir_and_month(store: Store, run_id: str) -> None:
    fan = risk.storage_fan(store, run_id)
    feb = fan[fan["time"] == pd.Timestamp("2025-02-01")].iloc[0]
    values = [2000.0 + 10 * m for m in DEFICIT]
    assert feb["members"] == 4
    assert feb["p10_hm3"] == pytest.approx(np.percentile(values, 10))
    assert feb["p90_hm3"] == pytest.approx(np.percentile(values, 90))


def test_views_are_queryable_from_the_store(store: Store, run_id: str) -> None:
    view = store.query("SELECT * FROM risk_winter_deficit WHERE run_id = ? AND country = 'KG'", [run_id])
    assert len(view) == 2
    summary = risk.risk_summary(store, run_id)
    assert {"probability", "TWh", "US$ million"} <= set(summary["unit"])


def test_risk_figures_cover_deficit_exports_trade_and_storage(store: Store, run_id: str) -> None:
    from aralnexus.report.risk_charts import risk_figures

    figures = risk_figures(store, run_id)
    expected = ["risk-storage-fan", "risk-winter-deficit", "risk-exports", "risk-revenue", "risk-trade-target"]
    assert list(figures) == expected
    assert "50 %" in figures["risk-trade-target"].layout.title.text  # 510 and 520 of 450, 510, 520, 499
