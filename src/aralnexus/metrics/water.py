"""Interstate water: minimum-release compliance per release point and country, per year.

A release row short by ``shortfall_m3s`` for a stage misses ``shortfall_m3s · stage hours · 0.0036``
hm3; a release point belongs to the country of its plant. The vegetation season is the dataset's
(:attr:`~aralnexus.data.definitions.PlannerDefinitions.vegetation_months`, April–September by default).

Per release point (``release_*``, the point in the ``country`` column): required, released and
short volume and the shortfall penalty over the vegetation season, the months short, and the
shortfall and penalty over the calendar year. Per country: ``veg_shortfall_hm3``,
``veg_shortfall_cost_musd`` and ``shortfall_cost_musd`` over the country's release points.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics.grouping import one_hot
from aralnexus.metrics.registry import metric
from aralnexus.units import HM3_PER_M3S_HOUR, USD_PER_MUSD


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


def _release_groups(
    solution: xr.Dataset, values: xr.DataArray, element: str, definitions: PlannerDefinitions, veg_only: bool
) -> xr.DataArray:
    """Sum per-release-row values per ``([member,] element, year)``; ``element`` is ``point`` or ``country``."""
    stage = solution["release_stage"].values.astype(np.int64)
    years = np.unique(solution["stage_year"].values[stage]) if len(stage) else np.zeros(0, np.int64)
    point = solution["point"].values.astype(str)
    owner = dict(zip(solution["plant"].values.astype(str), solution["plant_country"].values.astype(str), strict=True))
    if element == "point":
        label = point
        keys = np.unique(point)
    else:
        label = np.array([owner.get(p, "") for p in point], dtype=object)
        keys = solution["country"].values
    rows = np.ones(len(stage), dtype=bool)
    if veg_only:
        rows = np.isin(solution["stage_month"].values[stage], definitions.vegetation_months)
    by_year = one_hot(solution["stage_year"].values[stage], years) * rows[:, None]
    by_element = one_hot(label, keys)
    var = values.variable
    lead = [d for d in var.dims if d != "release"]
    data = np.asarray(var.transpose(*lead, "release").values, dtype=np.float64)
    out = np.einsum("...r,ry,re->...ey", np.nan_to_num(data), by_year, by_element)
    coords = {d: values.indexes[d] for d in lead if d in values.indexes}
    return xr.DataArray(out, dims=(*lead, "country", "year"), coords={**coords, "country": keys, "year": years})


def _release_hm3(solution: xr.Dataset, variable: str) -> xr.DataArray:
    """Return a per-release-row flow (m3/s over the row's stage) as a volume, hm3."""
    hours = solution["stage_hours"].values[solution["release_stage"].values.astype(np.int64)]
    return solution[variable].reset_coords(drop=True) * xr.DataArray(hours * HM3_PER_M3S_HOUR, dims="release")


def _short_months(solution: xr.Dataset) -> xr.DataArray:
    return (_release_hm3(solution, "shortfall_m3s") > SHORT_HM3).astype(np.float64)


def _cost_musd(solution: xr.Dataset) -> xr.DataArray:
    return solution["shortfall_cost_usd"].reset_coords(drop=True) / USD_PER_MUSD


#: A release month counts as short when its shortfall exceeds this volume, hm3.
SHORT_HM3 = 1e-6

_POINT = "(country column: release point)"
_RELEASE_METRICS: tuple[tuple[str, str, str, bool, str], ...] = (
    ("release_veg_required_hm3", "hm3", "required", True, "Minimum release required over the vegetation season"),
    ("release_veg_released_hm3", "hm3", "released", True, "Water released over the vegetation season"),
    ("release_veg_shortfall_hm3", "hm3", "shortfall", True, "Release shortfall over the vegetation season"),
    ("release_veg_shortfall_cost_musd", "US$ million", "cost", True, "Penalty of the vegetation-season shortfall"),
    ("release_veg_months_short", "months", "months", True, "Vegetation-season months with a release shortfall"),
    ("release_shortfall_hm3", "hm3", "shortfall", False, "Release shortfall over the calendar year"),
    ("release_shortfall_cost_musd", "US$ million", "cost", False, "Penalty of the calendar year's release shortfall"),
)


def _release_values(solution: xr.Dataset, kind: str) -> xr.DataArray:
    if kind == "cost":
        return _cost_musd(solution)
    if kind == "months":
        return _short_months(solution)
    return _release_hm3(solution, f"{kind}_m3s")


def _register_release(name: str, unit: str, kind: str, veg_only: bool, description: str) -> None:
    def function(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
        return _release_groups(solution, _release_values(solution, kind), "point", definitions, veg_only)

    function.__doc__ = description
    metric(name, unit, "sum", "year", f"{description} at the release point {_POINT}.")(function)


for _spec in _RELEASE_METRICS:
    _register_release(*_spec)


@metric(
    "veg_shortfall_cost_musd",
    "US$ million",
    "sum",
    "year",
    "Penalty of the vegetation-season release shortfall at the country's release points.",
)
def veg_shortfall_cost_musd(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return the vegetation-season shortfall penalty per country and year."""
    return _release_groups(solution, _cost_musd(solution), "country", definitions, True)


@metric(
    "shortfall_cost_musd",
    "US$ million",
    "sum",
    "year",
    "Penalty of the calendar year's release shortfall at the country's release points.",
)
def shortfall_cost_musd(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return the calendar-year shortfall penalty per country and year."""
    return _release_groups(solution, _cost_musd(solution), "country", definitions, False)
