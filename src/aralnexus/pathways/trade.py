"""Bilateral Kyrgyzstan–Tajikistan trade: observed goods trade, projection, and the 2030 target.

Projection (year Y after the last observed year B, n = Y − B):

- goods, per direction d and product group p: ``base_d · share_{d,p} · (1 + g)^n`` with g the
  scenario's ``growth_pct_per_year`` and ``share`` from ``trade_composition``;
- levers (US$ million of additional turnover reached in 2030): ramped linearly from 0 in B to the
  full amount in 2030, growing at g after 2030. EAEU transit is Tajik goods through Kyrgyzstan
  (direction ``TJ_to_KG``); agricultural processing and the reopened border/flights are
  undirected (direction ``both``);
- electricity (if ``include_electricity``): the bilateral KG↔TJ electricity sales computed from the
  energy results (CASA-1000 transit excluded), by direction, valued as in
  :mod:`aralnexus.pathways.exports`.

Turnover in year Y is the sum of all rows of Y.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from aralnexus.data.dataset import Dataset
from aralnexus.data.definitions import planner_definitions
from aralnexus.i18n import _, format_number
from aralnexus.scenario.model import TradeLevers

TRADE_COLUMNS: tuple[str, ...] = ("year", "direction", "product_group", "value_musd", "kind")
DIRECTIONS: tuple[str, ...] = ("KG_to_TJ", "TJ_to_KG")


@dataclass(frozen=True)
class TradeOutlook:
    """The trade projection held against the 2030 target.

    Attributes
    ----------
    base_year, base_turnover_musd
        Last observed year and its turnover.
    target_musd, target_year
        The target (US$ million) and its year.
    turnover_target_year_musd
        Projected turnover in the target year (goods + levers + electricity).
    electricity_target_year_musd, electricity_share_pct
        Electricity's part of it and its share in percent.
    gap_musd
        ``target − projected`` (positive: short of the target).
    required_growth_pct_per_year
        Annual growth of total turnover from the base year needed to reach the target.
    required_goods_growth_pct_per_year
        Annual goods growth needed given the scenario's levers and electricity (``nan`` when
        levers and electricity alone reach it).
    scenario_growth_pct_per_year
        The scenario's goods growth rate.
    """

    base_year: int
    base_turnover_musd: float
    target_musd: float
    target_year: int
    turnover_target_year_musd: float
    electricity_target_year_musd: float
    electricity_share_pct: float
    gap_musd: float
    required_growth_pct_per_year: float
    required_goods_growth_pct_per_year: float
    scenario_growth_pct_per_year: float

    @property
    def reachable(self) -> bool:
        """Whether the projection reaches the target in the target year."""
        return self.gap_musd <= 1e-9

    def statement(self) -> str:
        """One plain sentence (current language) on whether the target is reached and by how much it is missed."""
        got = format_number(self.turnover_target_year_musd, 1)
        target, year = format_number(self.target_musd, 0), self.target_year
        if self.reachable:
            return _(
                "US${target} million by {year} is reached: projected turnover US${got} million.",
                target=target,
                year=year,
                got=got,
            )
        return _(
            "US${target} million by {year} is out of reach: projected turnover US${got} million ({share} of the "
            "target), short by US${gap} million; it needs {need} %/yr growth from {base_year} (US${base} million), "
            "the scenario assumes {growth} %/yr for goods.",
            target=target,
            year=year,
            got=got,
            share=format_number(100.0 * self.turnover_target_year_musd / self.target_musd, 0) + " %",
            gap=format_number(self.gap_musd, 1),
            need=format_number(self.required_growth_pct_per_year, 1),
            base_year=self.base_year,
            base=format_number(self.base_turnover_musd, 1),
            growth=format_number(self.scenario_growth_pct_per_year, 1),
        )


def observed_trade(dataset: Dataset) -> pd.DataFrame:
    """Observed goods trade by direction (``total`` only where no direction split exists)."""
    t = dataset.trade.copy()
    t["year"] = t["year"].astype("int64")
    directed = t[t["direction"].isin(DIRECTIONS)]
    years_split = set(directed["year"])
    totals = t[(t["direction"] == "total") & ~t["year"].isin(years_split)]
    out = pd.concat([directed, totals], ignore_index=True)
    out["product_group"] = "goods"
    out["kind"] = "observed"
    return out[list(TRADE_COLUMNS)].sort_values(["year", "direction"]).reset_index(drop=True)


def _base_by_group(dataset: Dataset, observed: pd.DataFrame, base_year: int) -> pd.DataFrame:
    base = observed[observed["year"] == base_year][["direction", "value_musd"]]
    comp = dataset.trade_composition[["direction", "product_group", "share"]]
    merged = base.merge(comp, on="direction", how="left")
    merged["product_group"] = merged["product_group"].fillna("goods").replace("", "goods")
    merged["share"] = merged["share"].fillna(1.0)
    merged["value_musd"] = merged["value_musd"] * merged["share"]
    return merged[["direction", "product_group", "value_musd"]]


def project_trade(
    dataset: Dataset,
    levers: TradeLevers,
    years: list[int],
    electricity: pd.DataFrame | None = None,
    target_year: int | None = None,
) -> pd.DataFrame:
    """Observed trade plus the projection for every year after the last observed one.

    Parameters
    ----------
    dataset
        Dataset with ``trade`` and ``trade_composition``.
    levers
        The scenario's trade levers.
    years
        Years to project (those after the last observed year are projected; the target year is
        always included).
    electricity
        Bilateral electricity sales: columns ``year, direction, value_musd`` (ignored when
        ``levers.include_electricity`` is false).
    target_year
        Year of the turnover target; default the dataset's (``trade_target_year``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TRADE_COLUMNS`; ``kind`` is ``observed`` or ``projected``.
    """
    if target_year is None:
        target_year = planner_definitions(dataset).trade_target_year
    observed = observed_trade(dataset)
    base_year = int(observed["year"].max())
    base = _base_by_group(dataset, observed, base_year)
    growth = levers.growth_pct_per_year / 100.0
    wanted = projected_years(observed, years, target_year)
    rows: list[pd.DataFrame] = []
    lever_rows = [
        ("TJ_to_KG", "transit_eaeu", levers.transit_eaeu_musd),
        ("both", "agri_processing", levers.agri_processing_musd),
        ("both", "border_flights", levers.border_flights_musd),
    ]
    for year in wanted:  # a handful of years, not time steps
        n = year - base_year
        goods = base.assign(year=year, value_musd=base["value_musd"] * (1.0 + growth) ** n)
        ramp = min(1.0, n / max(1, target_year - base_year)) * (1.0 + growth) ** max(0, year - target_year)
        lever = pd.DataFrame(
            [(year, d, p, v * ramp) for d, p, v in lever_rows if v != 0.0],
            columns=["year", "direction", "product_group", "value_musd"],
        )
        rows += [goods, lever]
    rows.append(electricity_rows(electricity, levers, wanted))
    projected = pd.concat([r for r in rows if not r.empty], ignore_index=True) if rows else pd.DataFrame()
    projected["kind"] = "projected"
    out = pd.concat([observed, projected[list(TRADE_COLUMNS)]], ignore_index=True)
    out["year"] = out["year"].astype("int64")
    return out.sort_values(["year", "kind", "direction", "product_group"]).reset_index(drop=True)


def projected_years(observed: pd.DataFrame, years: list[int], target_year: int) -> list[int]:
    """Return the years a projection covers: the asked years and the target year after the last observed one."""
    base_year = int(observed["year"].max())
    return sorted({y for y in [*years, target_year] if y > base_year})


def electricity_rows(electricity: pd.DataFrame | None, levers: TradeLevers, wanted: list[int]) -> pd.DataFrame:
    """Return the electricity rows a projection adds: bilateral sales in the projected years (when counted)."""
    columns = ["year", "direction", "product_group", "value_musd"]
    if electricity is not None and "member" in electricity.columns:  # several members' sales (electricity_trade)
        columns = ["member", *columns]
    if not levers.include_electricity or electricity is None or electricity.empty:
        return pd.DataFrame(columns=columns)
    elec = electricity[electricity["year"].isin(wanted)].assign(product_group="electricity")
    return elec[columns]


def turnover_by_year(trade: pd.DataFrame) -> pd.Series:
    """Total bilateral turnover per year, US$ million."""
    return trade.groupby("year")["value_musd"].sum()


def trade_outlook(
    trade: pd.DataFrame,
    levers: TradeLevers,
    target_musd: float,
    target_year: int,
) -> TradeOutlook:
    """Hold the projection against the target: gap, required growth, electricity share."""
    observed = trade[trade["kind"] == "observed"]
    base_year = int(observed["year"].max())
    turnover = turnover_by_year(trade)
    base = float(turnover.loc[base_year])
    in_year = trade[trade["year"] == target_year]
    total = float(in_year["value_musd"].sum())
    elec = float(in_year.loc[in_year["product_group"] == "electricity", "value_musd"].sum())
    goods = float(in_year.loc[in_year["product_group"].isin(_goods_groups(trade)), "value_musd"].sum())
    others = total - goods
    n = target_year - base_year
    required = 100.0 * ((target_musd / base) ** (1.0 / n) - 1.0) if n > 0 and base > 0 else float("nan")
    rest = target_musd - others
    goods_needed = 100.0 * ((rest / base) ** (1.0 / n) - 1.0) if n > 0 and base > 0 and rest > 0 else float("nan")
    return TradeOutlook(
        base_year=base_year,
        base_turnover_musd=base,
        target_musd=target_musd,
        target_year=target_year,
        turnover_target_year_musd=total,
        electricity_target_year_musd=elec,
        electricity_share_pct=100.0 * elec / total if total > 0 else 0.0,
        gap_musd=target_musd - total,
        required_growth_pct_per_year=required,
        required_goods_growth_pct_per_year=goods_needed,
        scenario_growth_pct_per_year=levers.growth_pct_per_year,
    )


def _goods_groups(trade: pd.DataFrame) -> set[str]:
    lever_groups = {"transit_eaeu", "agri_processing", "border_flights", "electricity"}
    return {str(g) for g in trade["product_group"].unique()} - lever_groups


#: The registered metrics the electricity part of bilateral trade is read from.
ELECTRICITY_METRICS: tuple[str, ...] = ("exports_bilateral_twh", "export_revenue_bilateral_musd")


def electricity_trade(metrics: pd.DataFrame, pair: tuple[str, ...]) -> pd.DataFrame:
    """Bilateral electricity sales per year and direction (US$ million), transit excluded.

    The registered metric ``export_revenue_bilateral_musd`` of each country of the ``pair``
    (sales to the other one), in the years it sold energy (``exports_bilateral_twh`` > 0); the
    direction is ``SELLER_to_BUYER``. Rows of several ensemble members (a ``member`` column, as
    :func:`aralnexus.metrics.metric_rows` gives for a member stack) give each member's sales, with
    that column kept.
    """
    by = ["member"] if "member" in metrics.columns else []
    rows = metrics[metrics["metric"].isin(ELECTRICITY_METRICS) & metrics["country"].isin(pair)]
    if rows.empty or len(pair) != 2:
        empty = {"year": pd.Series(dtype="int64"), "direction": [], "value_musd": []}
        return pd.DataFrame({**{c: pd.Series(dtype="int64") for c in by}, **empty})
    wide = rows.pivot_table(index=[*by, "country", "year"], columns="metric", values="value", aggfunc="sum")
    wide = wide.reindex(columns=list(ELECTRICITY_METRICS)).fillna(0.0)
    sold = wide[wide["exports_bilateral_twh"] > 0].reset_index()
    other = {pair[0]: pair[1], pair[1]: pair[0]}
    out = pd.DataFrame(
        {
            **{c: sold[c].astype("int64") for c in by},
            "year": sold["year"].astype("int64"),
            "direction": sold["country"].astype(str) + "_to_" + sold["country"].map(other).astype(str),
            "value_musd": sold["export_revenue_bilateral_musd"].astype("float64"),
        }
    )
    return out.sort_values([*by, "year", "direction"]).reset_index(drop=True)
