"""Adequacy: reserve margin at each country's annual peak, and firm winter hydro energy.

Reserve margin (per country and calendar year)
    ``peak_demand_mw`` is the largest step demand (``demand_mwh / duration_h``) of the year;
    ``available_capacity_mw`` at that step = Σ hydro capacity in service × min(1, head / rated
    head) + nameplate thermal capacity in service (coordinate ``thermal_capacity_mw``);
    ``reserve_margin_pct = 100 · (available − peak) / peak``. Imports are not counted.

Firm winter hydro energy (per country, over the horizon)
    ``firm_winter_hydro_p90_twh`` is the 10th percentile (P90 exceedance, linear interpolation) of
    the winter hydro generation over the run's complete winters; with a ``dry`` or
    ``dry-sequence`` hydrology it is the firm energy of the dry conditions.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics.cache import once_per_solution
from aralnexus.metrics.energy import winter_twh
from aralnexus.metrics.grouping import group_sum
from aralnexus.metrics.registry import metric

#: Percentile of winter hydro generation used as firm energy (P90 exceedance = 10th percentile).
FIRM_PERCENTILE = 10.0


def _peak_values(solution: xr.Dataset) -> dict[str, xr.DataArray]:
    """Return peak demand, available capacity and margin per ``([member,] country, year)`` (once per solution)."""
    return once_per_solution(solution, "adequacy.peak", lambda: _peak_values_of(solution))


def _peak_values_of(solution: xr.Dataset) -> dict[str, xr.DataArray]:
    demand = (solution["demand_mwh"] / solution["duration_h"]).reset_coords(drop=True)
    stage_of_step = xr.DataArray(solution["step_stage"].values, dims="step")
    head = solution["head_m"].reset_coords(drop=True).isel(stage=stage_of_step).drop_vars("stage", errors="ignore")
    rated = xr.DataArray(solution["rated_head_m"].values, dims="plant")
    factor = (head / rated).clip(max=1.0).fillna(1.0)
    capacity = solution["capacity_mw"].reset_coords(drop=True) * factor
    countries = solution["country"].values
    hydro = group_sum(capacity, "plant", solution["plant_country"].values, "country", countries)
    thermal = xr.DataArray(solution["thermal_capacity_mw"].values, dims=("step", "country"))
    available = hydro + thermal
    years = np.unique(solution["year"].values)
    peaks, capacities = [], []
    for year in years:  # a few calendar years
        in_year = np.flatnonzero(solution["year"].values == year)
        d = demand.isel(step=in_year)
        at = d.argmax("step")
        peaks.append(d.isel(step=at).drop_vars("step", errors="ignore"))
        capacities.append(available.isel(step=in_year).isel(step=at).drop_vars("step", errors="ignore"))

    def by_year(parts: list[xr.DataArray]) -> xr.DataArray:
        out = xr.concat(parts, dim="year").assign_coords(year=years, country=countries)
        return out.transpose(..., "country", "year")

    peak, avail = by_year(peaks), by_year(capacities)
    return {"peak": peak, "available": avail, "margin": 100.0 * (avail - peak) / peak}


@metric("peak_demand_mw", "MW", "max", "year", "Largest step demand of the country in the calendar year.")
def peak_demand_mw(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return the annual peak demand per country and year."""
    return _peak_values(solution)["peak"]


@metric(
    "available_capacity_mw",
    "MW",
    "mean",
    "year",
    "Hydro capacity in service derated by head (head / rated head, at most 1) plus thermal capacity in service, "
    "at the country's annual peak step.",
)
def available_capacity_mw(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return the available capacity at each country's annual peak."""
    return _peak_values(solution)["available"]


@metric(
    "reserve_margin_pct",
    "%",
    "mean",
    "year",
    "100 · (available capacity − peak demand) / peak demand at the annual peak (imports not counted).",
)
def reserve_margin_pct(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return the reserve margin per country and year."""
    return _peak_values(solution)["margin"]


@metric(
    "firm_winter_hydro_p90_twh",
    "TWh",
    "min",
    "horizon",
    "Firm winter hydro energy: the 10th percentile (P90 exceedance) of winter hydro over the run's complete winters.",
)
def firm_winter_hydro_p90_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return the firm winter hydro energy per country."""
    winters = winter_twh(solution, solution["hydro_mwh"], definitions)
    if winters.sizes["year"] == 0:
        return winters.sum("year") * np.nan
    return winters.quantile(FIRM_PERCENTILE / 100.0, dim="year").drop_vars("quantile")
