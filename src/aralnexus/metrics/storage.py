"""Reservoir storage and spill: seasonal storage per country, shares against the bounds in force, spill per river.

Storage share (``storage_share_*``): ``100 · (storage − min) / (max − min)`` with the storage
bounds *in force that month* (they follow the commissioning and filling schedule), over the
months the reservoir has a usable range; clipped to 0–100 so rounding never shows a negative share.

Spill is counted once per river, at the river's last plant (its water leaves the cascade unused);
upstream spill that passes a lower plant's turbines or is spilled again there is not counted twice.
Per plant spill stays available in the tables (``plants.spilled_m3s``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics.grouping import group_sum
from aralnexus.metrics.registry import metric
from aralnexus.units import HM3_PER_M3S_HOUR

#: A usable range (max − min storage in force) below this is treated as none, hm3.
MIN_RANGE_HM3 = 1e-6


def _by_owner_year(solution: xr.Dataset, variable: str, month: int) -> xr.DataArray:
    """Sum a reservoir variable at the end of ``month`` per owner country and year, hm3."""
    res = solution[variable].where(solution["is_reservoir"], 0.0)
    pick = solution["stage_month"].values == month
    picked = res.isel(stage=pick)
    by_year = group_sum(picked, "stage", solution["stage_year"].values[pick], "year")
    return group_sum(by_year, "plant", solution["plant_country"].values, "country")


def _owned(solution: xr.Dataset, month: int) -> xr.DataArray:
    """Storage at the end of ``month`` per owner country and year (reservoirs only), hm3."""
    return _by_owner_year(solution, "storage_hm3", month)


@metric("storage_end_sep_hm3", "hm3", "mean", "year", "Storage of the country's reservoirs at the end of September.")
def storage_end_sep_hm3(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """End-of-September storage per country and year."""
    return _owned(solution, 9)


@metric("storage_end_mar_hm3", "hm3", "mean", "year", "Storage of the country's reservoirs at the end of March.")
def storage_end_mar_hm3(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """End-of-March storage per country and year."""
    return _owned(solution, 3)


@metric(
    "storage_end_sep_pct_full",
    "%",
    "mean",
    "year",
    "End-of-September storage in percent of the storage allowed at full supply level then.",
)
def storage_end_sep_pct_full(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """End-of-September storage share of the allowed maximum per country and year."""
    allowed = _by_owner_year(solution, "storage_max_hm3", 9)
    return 100.0 * _owned(solution, 9) / allowed.where(allowed > 0)


def storage_share_pct(solution: xr.Dataset) -> xr.DataArray:
    """Storage share of the usable range in force, per (stage, reservoir); NaN where there is no range."""
    low, high = solution["storage_min_hm3"], solution["storage_max_hm3"]
    span = high - low
    share = 100.0 * (solution["storage_hm3"] - low) / span.where(span > MIN_RANGE_HM3)
    return share.clip(0.0, 100.0).where(solution["is_reservoir"]).rename("storage_share_pct")


def _reservoirs(values: xr.DataArray, solution: xr.Dataset) -> xr.DataArray:
    return values.isel(plant=solution["is_reservoir"].values.astype(bool))


@metric("storage_share_min_pct", "%", "min", "horizon", "Lowest storage share of the usable range in force.")
def storage_share_min_pct(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Lowest share per reservoir over the horizon."""
    return _reservoirs(storage_share_pct(solution).min("stage"), solution).rename(plant="country")


@metric("storage_share_max_pct", "%", "max", "horizon", "Highest storage share of the usable range in force.")
def storage_share_max_pct(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Highest share per reservoir over the horizon."""
    return _reservoirs(storage_share_pct(solution).max("stage"), solution).rename(plant="country")


@metric("storage_low_hm3", "hm3", "min", "horizon", "Lowest end-of-month storage of the reservoir.")
def storage_low_hm3(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Lowest storage per reservoir over the horizon."""
    return _reservoirs(solution["storage_hm3"].min("stage"), solution).rename(plant="country")


@metric("storage_high_hm3", "hm3", "max", "horizon", "Highest end-of-month storage of the reservoir.")
def storage_high_hm3(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Highest storage per reservoir over the horizon."""
    return _reservoirs(solution["storage_hm3"].max("stage"), solution).rename(plant="country")


@metric("min_storage_pct", "%", "min", "horizon", "Lowest storage share of any reservoir in any month.")
def min_storage_pct(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Lowest storage share over reservoirs and months."""
    return storage_share_pct(solution).min(["stage", "plant"])


@metric(
    "storage_month_end_hm3",
    "hm3",
    "mean",
    "month",
    "Storage of each reservoir at the end of each calendar month (country column: reservoir; time: month start).",
)
def storage_month_end_hm3(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """End-of-month storage per reservoir: the storage after the month's last water stage."""
    key = solution["stage_year"].values.astype(np.int64) * 100 + solution["stage_month"].values.astype(np.int64)
    last = len(key) - 1 - np.unique(key[::-1], return_index=True)[1]  # keys sorted, each month's last stage
    months = pd.to_datetime(pd.DataFrame({"year": key[last] // 100, "month": key[last] % 100, "day": 1})).to_numpy(
        dtype="datetime64[ns]"
    )
    picked = _reservoirs(solution["storage_hm3"], solution).isel(stage=last)
    plants = picked["plant"].values
    out = picked.drop_vars([c for c in picked.coords if c not in picked.dims or c == "stage"])
    out = out.rename(stage="time", plant="country").assign_coords(time=months, country=plants)
    return out.transpose(*[d for d in out.dims if d not in ("country", "time")], "country", "time")


def last_plants(solution: xr.Dataset) -> dict[str, str]:
    """Return river → its last plant (the plant whose downstream plant is on another river, or none)."""
    plants = solution["plant"].values.astype(str)
    river = dict(zip(plants, solution["river"].values.astype(str), strict=True))
    down = solution["downstream"].values.astype(str)
    out: dict[str, str] = {}
    for plant, below in zip(plants, down, strict=True):  # static network, a few dozen plants
        if below == "" or river.get(below) != river[plant]:
            out.setdefault(river[plant], plant)
    return out


def spilled_hm3_per_plant(solution: xr.Dataset) -> xr.DataArray:
    """Water spilled per plant over the horizon, hm3 (``Σ spilled_m3s · stage hours · 0.0036``)."""
    return (solution["spilled_m3s"] * solution["stage_hours"]).sum("stage") * HM3_PER_M3S_HOUR


@metric("spilled_hm3", "hm3", "sum", "horizon", "Water spilled past each river's last plant (country column: river).")
def spilled_hm3(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Spill per river at its last plant over the horizon."""
    ends = last_plants(solution)
    per_plant = spilled_hm3_per_plant(solution).sel(plant=list(ends.values()))
    return per_plant.assign_coords(plant=list(ends)).rename(plant="country")


@metric("spilled_total_hm3", "hm3", "sum", "horizon", "Water spilled past the last plant of every river.")
def spilled_total_hm3(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Spill over all rivers (each counted once, at its last plant)."""
    return spilled_hm3(solution, definitions).sum("country")
