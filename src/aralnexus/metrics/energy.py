"""Energy balance metrics per country: calendar years and winters.

Winter Y/Y+1 (the months of :attr:`~aralnexus.data.definitions.PlannerDefinitions.winter_months`,
October–March by default) is labelled Y and reported only when all its months lie in the run.

``winter_deficit_twh = max(0, D − H − T)`` over the winter, with D the winter demand, H the winter
hydro and T the winter thermal generation of the country: the energy that had to be imported or
went unserved. This is the one definition (the report's former "imports + unserved per calendar
year" fallback and the ensemble's copy are gone).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics.grouping import group_sum
from aralnexus.metrics.registry import metric
from aralnexus.units import MWH_PER_TWH


def annual_twh(values: xr.DataArray) -> xr.DataArray:
    """Sum a per-step MWh variable by calendar year, in TWh."""
    return group_sum(values, "step", values["year"].values, "year") / MWH_PER_TWH


def winter_twh(solution: xr.Dataset, values: xr.DataArray, definitions: PlannerDefinitions) -> xr.DataArray:
    """Sum a per-step MWh variable by complete winter (dimension ``year`` = the winter's start year), in TWh."""
    year, month = solution["year"].values, solution["month"].values
    label = definitions.winter_label(year, month)
    complete = np.asarray(definitions.complete_winters(year, month), dtype=np.int64)
    return group_sum(values, "step", label, "year", order=complete) / MWH_PER_TWH


def _share_pct(part: xr.DataArray, whole: xr.DataArray) -> xr.DataArray:
    share: xr.DataArray = (100.0 * part / whole.where(whole > 0, 1.0)).where(whole > 0, 0.0)
    return share


@metric("demand_twh", "TWh", "sum", "year", "Demand of the country in the calendar year.")
def demand_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Demand per country and year."""
    return annual_twh(solution["demand_mwh"])


@metric("hydro_twh", "TWh", "sum", "year", "Hydropower generation of the country's plants.")
def hydro_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Hydro generation per country and year."""
    return annual_twh(solution["hydro_mwh"])


@metric("thermal_twh", "TWh", "sum", "year", "Thermal generation of the country.")
def thermal_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Thermal generation per country and year."""
    return annual_twh(solution["thermal_mwh"])


@metric(
    "national_generation_twh", "TWh", "sum", "year", "Hydro and thermal generation of the country in the calendar year."
)
def national_generation_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Hydro plus thermal generation per country and year."""
    return annual_twh(solution["hydro_mwh"] + solution["thermal_mwh"])


@metric("plant_generation_twh", "TWh", "sum", "year", "Generation of each plant in the year (country column: plant).")
def plant_generation_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return the generation per plant and year."""
    return annual_twh(solution["energy_mwh"]).rename(plant="country")


@metric("unserved_twh", "TWh", "sum", "year", "Demand left unserved (load shedding) in the calendar year.")
def unserved_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Unserved energy per country and year."""
    return annual_twh(solution["unserved_mwh"])


@metric("unserved_share_pct", "%", "mean", "year", "Unserved energy in percent of the year's demand.")
def unserved_share_pct(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Unserved share of demand per country and year."""
    return _share_pct(annual_twh(solution["unserved_mwh"]), annual_twh(solution["demand_mwh"]))


def _winter(name: str, variable: str, description: str) -> None:
    def function(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
        return winter_twh(solution, solution[variable], definitions)

    function.__doc__ = description
    metric(name, "TWh", "sum", "winter", description)(function)


_winter("winter_demand_twh", "demand_mwh", "Demand over the winter.")
_winter("winter_hydro_twh", "hydro_mwh", "Hydropower generation over the winter.")
_winter("winter_thermal_twh", "thermal_mwh", "Thermal generation over the winter.")
_winter("winter_imports_twh", "imports_mwh", "Energy received over links over the winter (after losses).")
_winter("winter_unserved_twh", "unserved_mwh", "Demand left unserved over the winter.")


@metric(
    "winter_deficit_twh",
    "TWh",
    "sum",
    "winter",
    "max(0, winter demand − winter hydro − winter thermal): what had to be imported or went unserved.",
)
def winter_deficit_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Winter deficit per country and winter."""
    gap = solution["demand_mwh"] - solution["hydro_mwh"] - solution["thermal_mwh"]
    return winter_twh(solution, gap, definitions).clip(min=0.0)


@metric("winter_deficit_share_pct", "%", "mean", "winter", "Winter deficit in percent of winter demand.")
def winter_deficit_share_pct(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Winter deficit share per country and winter."""
    demand = winter_twh(solution, solution["demand_mwh"], definitions)
    return _share_pct(winter_deficit_twh(solution, definitions), demand)


@metric("winter_unserved_share_pct", "%", "mean", "winter", "Winter unserved energy in percent of winter demand.")
def winter_unserved_share_pct(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Winter unserved share per country and winter."""
    demand = winter_twh(solution, solution["demand_mwh"], definitions)
    return _share_pct(winter_twh(solution, solution["unserved_mwh"], definitions), demand)
