"""Energy-security metrics per country and year, from optimisation results.

All metrics are tidy rows ``country, year, metric, value, unit``. Calendar-year metrics use the
calendar year; winter metrics use the winter label (winter Y/Y+1 = October Y – March Y+1,
labelled Y, see :mod:`aralnexus.pathways.seasons`) and are reported only for winters whose six
months all lie inside the run. Horizon-wide metrics have ``year = <NA>``. Definitions are in
``docs/pathways.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aralnexus.data.dataset import Dataset
from aralnexus.pathways.seasons import complete_winters, winter_year
from aralnexus.results.tables import Results

METRIC_COLUMNS: tuple[str, ...] = ("country", "year", "metric", "value", "unit")
TWH_PER_MWH = 1e-6
#: Percentile of winter hydro generation used as firm energy (P90 exceedance = 10th percentile).
FIRM_PERCENTILE = 10.0


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


def firm_energy(winter: pd.DataFrame) -> pd.DataFrame:
    """Firm winter hydro energy: the 10th percentile (P90 exceedance) of winter hydro over the run.

    Computed per country over the run's complete winters (numpy linear interpolation); with a
    ``dry`` or ``dry-sequence`` hydrology it is the firm energy of the dry conditions.
    Returned with ``year = <NA>`` (a horizon-wide metric).
    """
    hydro = winter[winter["metric"] == "winter_hydro_twh"]
    rows = [
        {
            "country": country,
            "year": pd.NA,
            "metric": "firm_winter_hydro_p90_twh",
            "value": float(np.percentile(group["value"].to_numpy(), FIRM_PERCENTILE)),
            "unit": "TWh",
        }
        for country, group in hydro.groupby("country")
    ]
    out = pd.DataFrame(rows, columns=list(METRIC_COLUMNS))
    out["year"] = out["year"].astype("Int64")
    return out


def reserve_margin(results: Results, dataset: Dataset) -> pd.DataFrame:
    """Reserve margin at each country's annual peak step.

    Notes
    -----
    ``peak_demand_mw`` is the largest block demand (demand_mwh / duration_h) of the year;
    ``available_capacity_mw`` = Σ hydro capacity in service at that step × min(1, head / rated
    head) + thermal capacity in service that month; ``reserve_margin_pct = 100 · (available −
    peak) / peak``. Imports are not counted as available capacity.
    """
    c = results.countries.copy()
    c["demand_mw"] = c["demand_mwh"] / c["duration_h"]
    peak = c.loc[c.groupby(["country", "year"])["demand_mw"].idxmax(), ["country", "year", "step", "time", "demand_mw"]]
    plants = results.plants.merge(peak[["country", "step"]], on=["country", "step"])
    rated = plants["plant"].map(dataset.plants.set_index("plant")["rated_head_m"]).astype("float64")
    factor = (pd.to_numeric(plants["head_m"]) / rated).clip(upper=1.0).fillna(1.0)
    plants["available_mw"] = plants["capacity_mw"].astype("float64") * factor
    hydro = plants.groupby(["country", "step"])["available_mw"].sum()
    peak = peak.set_index(["country", "step"])
    peak["hydro_mw"] = hydro.reindex(peak.index, fill_value=0.0)
    peak = peak.reset_index()
    peak["thermal_mw"] = _thermal_in_service_mw(dataset, peak)
    peak["available"] = peak["hydro_mw"] + peak["thermal_mw"]
    peak["margin"] = 100.0 * (peak["available"] - peak["demand_mw"]) / peak["demand_mw"]
    return _tidy(
        peak,
        {
            "demand_mw": ("peak_demand_mw", "MW"),
            "available": ("available_capacity_mw", "MW"),
            "margin": ("reserve_margin_pct", "%"),
        },
    )


def _thermal_in_service_mw(dataset: Dataset, peak: pd.DataFrame) -> pd.Series:
    thermal = dataset.thermal
    if thermal.empty:
        return pd.Series(0.0, index=peak.index)
    month = pd.to_datetime(peak["time"]).dt.strftime("%Y-%m")
    merged = (
        peak[["country"]]
        .assign(month=month, row=peak.index)
        .merge(thermal[["country", "capacity_mw", "in_service"]], on="country", how="left")
    )
    start = merged["in_service"].fillna("").astype(str)
    active = (start == "") | (start <= merged["month"])
    merged["mw"] = merged["capacity_mw"].fillna(0.0).where(active, 0.0)
    return merged.groupby("row")["mw"].sum().reindex(peak.index, fill_value=0.0)


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


def energy_security(results: Results, dataset: Dataset) -> pd.DataFrame:
    """Return every energy-security metric (annual, winter, reserve, storage, firm) as tidy rows."""
    winter = winter_balance(results)
    parts = [
        annual_balance(results),
        winter,
        reserve_margin(results, dataset),
        storage_metrics(results, dataset),
        firm_energy(winter),
    ]
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    out["year"] = out["year"].astype("Int64")
    return out
