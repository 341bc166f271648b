"""Interstate water: minimum-release shortfall over the vegetation season, per country and year.

A release row short by ``shortfall_m3s`` for a stage misses ``shortfall_m3s · stage hours · 0.0036``
hm3; a release point belongs to the country of its plant. The vegetation season is the dataset's
(:attr:`~aralnexus.data.definitions.PlannerDefinitions.vegetation_months`, April–September by default).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics.registry import metric
from aralnexus.units import HM3_PER_M3S_HOUR


@metric(
    "veg_shortfall_hm3",
    "hm3",
    "sum",
    "year",
    "Minimum-release shortfall over the vegetation season at the country's release points.",
)
def veg_shortfall_hm3(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return the vegetation-season release shortfall per country and year."""
    stage = solution["release_stage"].values.astype(np.int64)
    years = np.unique(solution["stage_year"].values)
    countries = solution["country"].values
    owner = dict(zip(solution["plant"].values.astype(str), solution["plant_country"].values.astype(str), strict=True))
    point_country = np.array([owner.get(str(p), "") for p in solution["point"].values], dtype=object)
    month = solution["stage_month"].values[stage]
    veg = np.isin(month, definitions.vegetation_months)
    weights = np.zeros((len(stage), len(countries), len(years)))
    rows = np.flatnonzero(veg & np.isin(point_country, countries))
    c_idx = np.searchsorted(countries, point_country[rows]) if len(countries) else rows
    y_idx = np.searchsorted(years, solution["stage_year"].values[stage][rows])
    weights[rows, c_idx, y_idx] = solution["stage_hours"].values[stage][rows] * HM3_PER_M3S_HOUR
    w = xr.DataArray(weights, dims=("release", "country", "year"), coords={"country": countries, "year": years})
    shortfall = solution["shortfall_m3s"].drop_vars(["point", "agreement", "release_stage", "release"])
    out: xr.DataArray = xr.dot(shortfall, w, dim="release")
    return out
