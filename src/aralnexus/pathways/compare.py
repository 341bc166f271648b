"""Compare two pathway runs metric by metric: A, B and B − A.

Horizon totals aggregate each metric over the years both runs share: flows (TWh, US$ million,
hm3, months) are summed, everything else (%, MW, storage levels) averaged.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from aralnexus.pathways.runner import PathwayResult
from aralnexus.pathways.trade import turnover_by_year

#: Metrics compared by default, in display order.
COMPARE_METRICS: tuple[str, ...] = (
    "winter_deficit_twh",
    "unserved_twh",
    "imports_twh",
    "exports_twh",
    "exports_casa_twh",
    "export_revenue_musd",
    "thermal_twh",
    "reserve_margin_pct",
    "storage_end_sep_hm3",
    "veg_shortfall_hm3",
    "casa_winter_risk_twh",
)
SUMMED_UNITS = frozenset({"TWh", "US$ million", "months"})
SUMMED_METRICS = frozenset({"veg_shortfall_hm3", "swap_water_hm3", "shortfall_hm3"})
COMPARE_COLUMNS: tuple[str, ...] = ("country", "year", "metric", "unit", "a", "b", "diff")
TRADE_COUNTRY = "KG-TJ"


def with_trade(metrics: pd.DataFrame, trade: pd.DataFrame, years: Iterable[int]) -> pd.DataFrame:
    """Return ``metrics`` with the bilateral trade turnover of ``years`` added as metric rows.

    The turnover rows have country :data:`TRADE_COUNTRY` and metric ``trade_turnover_musd``; the
    frames are a pathway's (:class:`PathwayResult`) or a stored run's ``metrics`` and ``trade``.
    """
    turnover = turnover_by_year(trade)
    wanted = {int(y) for y in years}
    rows = pd.DataFrame(
        {
            "country": TRADE_COUNTRY,
            "year": [int(y) for y in turnover.index],
            "metric": "trade_turnover_musd",
            "value": turnover.to_numpy(),
            "unit": "US$ million",
        }
    )
    rows = rows[rows["year"].isin(wanted)]
    m = pd.concat([metrics, rows], ignore_index=True)
    m["year"] = m["year"].astype("Int64")
    return m


def compare_metrics(
    ma: pd.DataFrame, mb: pd.DataFrame, metrics: tuple[str, ...] = (*COMPARE_METRICS, "trade_turnover_musd")
) -> pd.DataFrame:
    """Per country, year and metric: the value in A, in B and B − A (years both metric tables cover).

    ``ma`` and ``mb`` are tidy ``country, year, metric, value, unit`` tables (see :func:`with_trade`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COMPARE_COLUMNS`.
    """
    keys = ["country", "year", "metric", "unit"]
    sel_a = ma[ma["metric"].isin(metrics) & ma["year"].notna()].groupby(keys)["value"].sum().rename("a")
    sel_b = mb[mb["metric"].isin(metrics) & mb["year"].notna()].groupby(keys)["value"].sum().rename("b")
    both = pd.concat([sel_a, sel_b], axis=1, join="inner").reset_index()
    both["diff"] = both["b"] - both["a"]
    order = {m: i for i, m in enumerate(metrics)}
    both["_o"] = both["metric"].map(order)
    both = both.sort_values(["_o", "country", "year"]).drop(columns="_o")
    return both[list(COMPARE_COLUMNS)].reset_index(drop=True)


def compare_pathways(
    a: PathwayResult, b: PathwayResult, metrics: tuple[str, ...] = (*COMPARE_METRICS, "trade_turnover_musd")
) -> pd.DataFrame:
    """Per country, year and metric: the value in A, in B and B − A (years both runs cover).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COMPARE_COLUMNS`.
    """
    return compare_metrics(with_trade(a.metrics, a.trade, a.years), with_trade(b.metrics, b.trade, b.years), metrics)


def horizon_totals(per_year: pd.DataFrame) -> pd.DataFrame:
    """Aggregate a :func:`compare_pathways` table over years (sum flows, average the rest)."""
    if per_year.empty:
        return per_year.drop(columns="year")
    summed = per_year["unit"].isin(SUMMED_UNITS) | per_year["metric"].isin(SUMMED_METRICS)
    keys = ["metric", "country", "unit"]
    sums = per_year[summed].groupby(keys, sort=False)[["a", "b", "diff"]].sum()
    means = per_year[~summed].groupby(keys, sort=False)[["a", "b", "diff"]].mean()
    out = pd.concat([sums, means]).reset_index()
    out["aggregate"] = ["sum"] * len(sums) + ["mean"] * len(means)
    order = {m: i for i, m in enumerate(pd.unique(per_year["metric"]))}
    out["_o"] = out["metric"].map(order)
    out = out.sort_values(["_o", "country"]).drop(columns="_o").reset_index(drop=True)
    return out[["country", "metric", "unit", "aggregate", "a", "b", "diff"]]
