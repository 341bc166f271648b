"""Test oracle: the former pandas implementation of the energy and storage metrics (rows and groupby).

Kept from ``aralnexus.pathways.metrics`` / ``aralnexus.pathways.seasons`` (before the metric layer) as an
independent implementation that ``aralnexus.metrics`` is checked against. Not used by the package.
"""

from __future__ import annotations

import pandas as pd

from aralnexus.data.dataset import Dataset
from aralnexus.results.tables import Results

METRIC_COLUMNS: tuple[str, ...] = ("country", "year", "metric", "value", "unit")
TWH_PER_MWH = 1e-6
WINTER_MONTHS: tuple[int, ...] = (10, 11, 12, 1, 2, 3)


def winter_year(year: pd.Series, month: pd.Series) -> pd.Series:
    y = pd.to_numeric(year).astype("Int64")
    m = pd.to_numeric(month).astype("Int64")
    out = pd.Series(pd.NA, index=year.index, dtype="Int64")
    out = out.mask(m >= 10, y)
    return out.mask(m <= 3, y - 1)


def complete_winters(year: pd.Series, month: pd.Series) -> list[int]:
    frame = pd.DataFrame({"winter": winter_year(year, month), "month": pd.to_numeric(month)})
    counts = frame.dropna(subset=["winter"]).groupby("winter")["month"].nunique()
    return sorted(int(w) for w in counts.index[counts == len(WINTER_MONTHS)])


def _tidy(frame: pd.DataFrame, columns: dict[str, tuple[str, str]], year: str = "year") -> pd.DataFrame:
    """Melt ``frame`` (index country, ``year`` column) into tidy rows; ``columns`` maps col → (metric, unit)."""
    parts = []
    for column, (metric, unit) in columns.items():
        part = frame[["country", year, column]].rename(columns={year: "year", column: "value"})
        part["metric"] = metric
        part["unit"] = unit
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=list(METRIC_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype("Int64")
    out["value"] = out["value"].astype("float64")
    return out[list(METRIC_COLUMNS)]


def annual_balance(results: Results) -> pd.DataFrame:
    """Calendar-year energy balance per country: demand, hydro, thermal, unserved (TWh)."""
    c = results.countries
    sums = (
        c.groupby(["country", "year"])[["demand_mwh", "hydro_mwh", "thermal_mwh", "unserved_mwh"]].sum() * TWH_PER_MWH
    )
    sums = sums.reset_index()
    demand = sums["demand_mwh"].where(sums["demand_mwh"] > 0)
    sums["unserved_share_pct"] = (100.0 * sums["unserved_mwh"] / demand).fillna(0.0)
    return _tidy(
        sums,
        {
            "demand_mwh": ("demand_twh", "TWh"),
            "hydro_mwh": ("hydro_twh", "TWh"),
            "thermal_mwh": ("thermal_twh", "TWh"),
            "unserved_mwh": ("unserved_twh", "TWh"),
            "unserved_share_pct": ("unserved_share_pct", "%"),
        },
    )


def winter_balance(results: Results) -> pd.DataFrame:
    """Winter (October–March) energy balance per country and complete winter.

    Notes
    -----
    ``winter_deficit_twh = max(0, D − H − T)`` summed over the winter, where D is winter demand,
    H winter hydro and T winter thermal generation of the country: the energy that had to be
    imported or went unserved. Shares are in percent of winter demand.
    """
    c = results.countries.copy()
    c["winter"] = winter_year(c["year"], c["month"])
    keep = complete_winters(c["year"], c["month"])
    c = c[c["winter"].isin(keep)]
    cols = ["demand_mwh", "hydro_mwh", "thermal_mwh", "imports_mwh", "unserved_mwh"]
    w = (c.groupby(["country", "winter"])[cols].sum() * TWH_PER_MWH).reset_index()
    w["deficit"] = (w["demand_mwh"] - w["hydro_mwh"] - w["thermal_mwh"]).clip(lower=0.0)
    demand = w["demand_mwh"].where(w["demand_mwh"] > 0)
    w["deficit_share"] = (100.0 * w["deficit"] / demand).fillna(0.0)
    w["unserved_share"] = (100.0 * w["unserved_mwh"] / demand).fillna(0.0)
    return _tidy(
        w,
        {
            "demand_mwh": ("winter_demand_twh", "TWh"),
            "hydro_mwh": ("winter_hydro_twh", "TWh"),
            "thermal_mwh": ("winter_thermal_twh", "TWh"),
            "imports_mwh": ("winter_imports_twh", "TWh"),
            "deficit": ("winter_deficit_twh", "TWh"),
            "deficit_share": ("winter_deficit_share_pct", "%"),
            "unserved_mwh": ("winter_unserved_twh", "TWh"),
            "unserved_share": ("winter_unserved_share_pct", "%"),
        },
        year="winter",
    )


def storage_metrics(results: Results, dataset: Dataset) -> pd.DataFrame:
    """Storage of each country's reservoirs at the end of September and the end of March (hm3).

    Also ``storage_end_sep_pct_full``: end-of-September storage in percent of the storage allowed
    at full supply level then (used by the CASA-1000 surplus check).
    """
    r = results.reservoirs.copy()
    owner = dataset.plants.set_index("plant")["country"]
    r["country"] = r["plant"].map(owner)
    r = r.dropna(subset=["country"])
    r = r[r["month"].isin([3, 9])]
    sums = r.groupby(["country", "year", "month"])[["storage_hm3", "storage_max_hm3"]].sum().reset_index()
    sep = sums[sums["month"] == 9].copy()
    sep["pct"] = 100.0 * sep["storage_hm3"] / sep["storage_max_hm3"].where(sep["storage_max_hm3"] > 0)
    mar = sums[sums["month"] == 3]
    return pd.concat(
        [
            _tidy(sep, {"storage_hm3": ("storage_end_sep_hm3", "hm3"), "pct": ("storage_end_sep_pct_full", "%")}),
            _tidy(mar, {"storage_hm3": ("storage_end_mar_hm3", "hm3")}),
        ],
        ignore_index=True,
    )
