"""Energy-security metrics per country and year: the metric layer's, plus reserve margin and firm energy.

All metrics are tidy rows ``country, year, metric, value, unit``. Calendar-year metrics use the
calendar year; winter metrics use the winter label (winter Y/Y+1, labelled Y, see
:mod:`aralnexus.data.definitions`) and are reported only for complete winters. The energy balance,
winter and storage metrics are defined once in :mod:`aralnexus.metrics` (``ENERGY_METRICS``).
Horizon-wide metrics have ``year = <NA>``. Definitions are in ``docs/pathways.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.data.dataset import Dataset
from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics import compute, metric_rows
from aralnexus.metrics.registry import METRIC_COLUMNS
from aralnexus.results.tables import Results
from aralnexus.units import MWH_PER_TWH

TWH_PER_MWH = 1.0 / MWH_PER_TWH
#: Energy and storage metrics of every pathway (registered in :mod:`aralnexus.metrics`).
ENERGY_METRICS: tuple[str, ...] = (
    "demand_twh",
    "hydro_twh",
    "thermal_twh",
    "unserved_twh",
    "unserved_share_pct",
    "winter_demand_twh",
    "winter_hydro_twh",
    "winter_thermal_twh",
    "winter_imports_twh",
    "winter_deficit_twh",
    "winter_deficit_share_pct",
    "winter_unserved_twh",
    "winter_unserved_share_pct",
    "storage_end_sep_hm3",
    "storage_end_sep_pct_full",
    "storage_end_mar_hm3",
)
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


def energy_security(
    results: Results, dataset: Dataset, solution: xr.Dataset, definitions: PlannerDefinitions
) -> pd.DataFrame:
    """Return every energy-security metric (annual, winter, storage, reserve, firm) as tidy rows."""
    rows = metric_rows(compute(solution, definitions, ENERGY_METRICS), definitions.pair_label)
    winter = rows[rows["metric"] == "winter_hydro_twh"]
    parts = [rows, reserve_margin(results, dataset), firm_energy(winter)]
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    out["year"] = out["year"].astype("Int64")
    return out[list(METRIC_COLUMNS)]
