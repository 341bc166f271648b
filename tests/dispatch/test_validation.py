"""With mean hydrology, the default reproduces sourced mean annual generation (±15 %)."""

from __future__ import annotations

import dataclasses
import functools

import pandas as pd
import pytest
from dispatch_support import default_scenario, system_and_inflows

from aralnexus.data.dataset import Dataset
from aralnexus.dispatch import optimise_system


def frozen_at(dataset: Dataset, when: str, initial: dict[str, float] | None = None) -> Dataset:
    """Plants, demand and import caps as they stand at ``when`` for the whole horizon (later plants not built).

    Demand and the partners' import caps stay at their values for the year of ``when``: a sourced
    mean generation describes normal operation, and today's plants facing the demand of 2030 behind
    capped imports shed load and hold Toktogul full (its head, and output, rise above any normal year).
    """
    sch = dataset.plant_schedule
    keep = pd.to_datetime(sch["date"].str[:7] + "-01") <= pd.Timestamp(when)
    last = sch[keep].sort_values("date").groupby("plant").tail(1).assign(date="1900-01")
    plants = dataset.plants.copy()
    started = pd.to_datetime(plants["in_service"].str[:7] + "-01", errors="coerce")
    plants.loc[started > pd.Timestamp(when), "in_service"] = ""
    for plant, value in (initial or {}).items():
        plants.loc[plants["plant"] == plant, "storage_initial_hm3"] = value
    countries = dataset.countries.copy()
    grid = countries["role"] == "detailed"
    year = pd.Timestamp(when).year
    rate = countries.loc[grid, "demand_growth_pct_per_year"].astype(float).fillna(0.0) / 100.0
    years = year - countries.loc[grid, "base_year"].astype(float)
    countries.loc[grid, "demand_base_twh"] = countries.loc[grid, "demand_base_twh"].astype(float) * (1 + rate) ** years
    countries.loc[grid, "base_year"] = float(year)
    countries.loc[grid, "demand_growth_pct_per_year"] = 0.0
    params = dataset.parameters.copy()
    growth = params["name"] == "import_cap_growth_pct_per_year"
    base = params.loc[params["name"] == "import_cap_base_year", "value"].astype(float)
    if growth.any() and not base.empty:
        rate = float(params.loc[growth, "value"].iloc[0]) / 100.0
        countries["import_max_twh"] = countries["import_max_twh"].astype(float) * (1 + rate) ** max(
            0.0, year - float(base.iloc[0])
        )
        params.loc[growth, "value"] = 0.0
    return dataclasses.replace(dataset, plant_schedule=last, plants=plants, countries=countries, parameters=params)


@functools.cache
def steady_generation_twh(when: str, mode: str, rogun_initial_hm3: float | None = None) -> pd.Series:
    """Mean annual generation in 2030–2032 of an 8-year mean-hydrology run (no start or end effects)."""
    initial = {"rogun": rogun_initial_hm3} if rogun_initial_hm3 else None
    dataset = frozen_at(default_scenario().dataset, when, initial)
    system, inflow = system_and_inflows(dataset, "2028-01", "2035-12")
    results = optimise_system(system, inflow, mode)  # type: ignore[arg-type]
    assert results.convergence.converged
    plants = results.plants
    return plants[plants["year"].between(2030, 2032)].groupby("plant")["energy_mwh"].sum() / 3e6


@pytest.mark.parametrize("mode", ["iterate", "fixed"])
@pytest.mark.parametrize(("plant", "sourced_twh"), [("nurek", 11.2), ("toktogul", 4.4)])
def test_todays_plants_reproduce_sourced_mean_generation(plant: str, sourced_twh: float, mode: str) -> None:
    generation = steady_generation_twh("2025-01-01", mode)[plant]
    assert sourced_twh * 0.85 <= generation <= sourced_twh * 1.15, f"{plant}: {generation:.2f} TWh"


@pytest.mark.parametrize("mode", ["iterate", "fixed"])
def test_fully_built_rogun_reaches_its_design_generation(mode: str) -> None:
    generation = steady_generation_twh("2040-01-01", mode, 11_000.0)["rogun"]
    assert 13.1 * 0.85 <= generation <= 17.0 * 1.15, f"rogun: {generation:.2f} TWh"
