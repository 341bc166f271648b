"""Compare two pathway runs metric by metric: A, B and B − A.

Horizon totals combine each metric over the years both runs share with the aggregation the metric
declares in :mod:`aralnexus.metrics` (``sum`` for flows such as TWh and US$ million, ``mean`` for
shares and storage levels, ``max``/``min`` for peaks and lows); B − A is the difference of the two
combined values.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from aralnexus.metrics import aggregation_of
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
    """Combine a :func:`compare_pathways` table over years with each metric's declared aggregation.

    Returns
    -------
    pandas.DataFrame
        ``country, metric, unit, aggregate, a, b, diff`` with ``aggregate`` the declared aggregation
        (:func:`aralnexus.metrics.aggregation_of`) and ``diff = b − a`` of the combined values.
    """
    columns = ["country", "metric", "unit", "aggregate", "a", "b", "diff"]
    if per_year.empty:
        return pd.DataFrame(columns=columns)
    keys = ["metric", "country", "unit"]
    parts = []
    for metric_name, rows in per_year.groupby("metric", sort=False):  # a dozen metrics
        how = aggregation_of(str(metric_name))
        combined = rows.groupby(keys, sort=False)[["a", "b"]].agg(how).reset_index()
        parts.append(combined.assign(aggregate=how))
    out = pd.concat(parts, ignore_index=True)
    out["diff"] = out["b"] - out["a"]
    order = {m: i for i, m in enumerate(pd.unique(per_year["metric"]))}
    out["_o"] = out["metric"].map(order)
    out = out.sort_values(["_o", "country"]).drop(columns="_o").reset_index(drop=True)
    return out[columns]
