"""Look-ahead beyond the horizon, against end effects.

A finite horizon tempts the optimiser to empty its reservoirs in the last months: water left at
the end is worth only the terminal water value. Monthly runs therefore optimise
``lookahead_months`` more months (default 12, parameter ``lookahead_months``) and report the
horizon only. The look-ahead months see the scenario's plants, demand growth and prices, and
median inflows of the scenario's hydrology (with its climate shift): the expected future, not a
repeat of the last year. Water left at the end of the look-ahead is still credited at the
terminal water value, but its influence on the reported horizon is damped by a year of
operation in between.

The look-ahead never makes a feasible horizon infeasible: its strict constraints (strict minimum
releases, storage bounds) are soft, priced far above any energy value
(:data:`~aralnexus.dispatch.water.LOOKAHEAD_RELEASE_PENALTY_USD_PER_HM3`,
:data:`~aralnexus.dispatch.water.LOOKAHEAD_WATER_DEFICIT_PENALTY_USD_PER_HM3`), while those of the
horizon stay strict. What the look-ahead could not meet is in
``Results.metadata["lookahead_shortfall_hm3"]`` and the objective term
``lookahead_shortfall_penalties``; an infeasibility names only months inside the horizon.

The objective breakdown of the results covers the whole optimised period (horizon plus
look-ahead); ``Results.metadata["optimised_to"]`` says until when.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from aralnexus.data.dataset import Dataset
from aralnexus.dispatch.names import RELEASE_SLACK, WATER_DEFICIT, Block, Layout
from aralnexus.dispatch.solve import LPSolution
from aralnexus.errors import InputError, Problem
from aralnexus.results.solution import results_view, truncate_solution
from aralnexus.results.tables import Results
from aralnexus.scenario.model import Scenario
from aralnexus.system.system import System

PARAMETER = "lookahead_months"
DEFAULT_MONTHS = 12
MAX_MONTHS = 60


def lookahead_months(dataset: Dataset, resolution: str = "monthly") -> int:
    """Return the look-ahead in months (0 for hourly runs, which value water at the terminal value).

    Raises
    ------
    InputError
        If the parameter is not a whole number of months between 0 and 60.
    """
    if resolution != "monthly":
        return 0
    try:
        value = dataset.parameter(PARAMETER)
    except KeyError:
        return DEFAULT_MONTHS
    except (TypeError, ValueError):
        value = math.inf  # not a number: reported below
    if math.isnan(value):
        return DEFAULT_MONTHS
    if not (math.isfinite(value) and value.is_integer() and 0 <= value <= MAX_MONTHS):
        expected = f"a whole number of months from 0 to {MAX_MONTHS}"
        raw = dataset.parameters.loc[dataset.parameters["name"] == PARAMETER, "value"].iloc[0]
        raise InputError([Problem("parameters", f"{PARAMETER}.value", expected, repr(raw))])
    return int(value)


def extend_end(end: str, months: int) -> str:
    """Return the month ``months`` after ``end`` (both ``YYYY-MM``)."""
    return (pd.Period(end, freq="M") + months).strftime("%Y-%m")


def optimised_to(dataset: Dataset, end: str, resolution: str = "monthly") -> str:
    """Return the last month optimised: ``end`` plus the look-ahead."""
    return extend_end(end, lookahead_months(dataset, resolution))


def median_inflows(scenario: Scenario, start: str, end: str) -> xr.DataArray:
    """Return inflows ``(time, site)`` of the scenario's hydrology at its median (climate shift kept)."""
    from aralnexus.hydrology import make_inflows  # not at import: ensemble workers are given these

    median = dataclasses.replace(scenario, hydrology=dataclasses.replace(scenario.hydrology, kind="median"))
    inflows: xr.DataArray = make_inflows(median, start, end)
    return inflows


def extend_inflows(scenario: Scenario, inflows: xr.DataArray, end: str, optimised_to: str) -> xr.DataArray:
    """Append median inflows of the scenario's hydrology for the months after ``end``.

    Months the given inflows already cover are kept as given.
    """
    if optimised_to == end:
        return inflows
    extra = median_inflows(scenario, extend_end(end, 1), optimised_to)
    if "member" in inflows.dims:
        extra = extra.expand_dims(member=inflows["member"].values)
    have = pd.DatetimeIndex(inflows["time"].values).to_period("M")
    missing = ~pd.DatetimeIndex(extra["time"].values).to_period("M").isin(have)
    if not missing.any():
        return inflows
    return xr.concat([inflows, extra.isel(time=np.flatnonzero(missing)).transpose(*inflows.dims)], dim="time")


def lookahead_shortfalls_hm3(system: System, layout: Layout, x: npt.NDArray[np.float64]) -> float:
    """Return the water (hm3) by which look-ahead stages fall short of strict releases and storage bounds."""
    ahead = system.lookahead_stage
    rel = system.releases
    total = float(layout.cols[WATER_DEFICIT].take(x)[ahead].sum())
    if not rel.empty:
        rows = rel["strict"].to_numpy(dtype=bool) & ahead[rel["stage"].to_numpy(dtype=np.int64)]
        total += float(layout.cols[RELEASE_SLACK].take(x)[rows].sum())
    return total


def truncate_results(results: Results, end: str) -> Results:
    """Keep the rows of the horizon ``… end``; objective terms still cover the optimised period."""
    last = pd.Period(end, freq="M").end_time

    def keep(table: pd.DataFrame) -> pd.DataFrame:
        if table.empty or "time" not in table.columns:
            return table
        return table[pd.to_datetime(table["time"]) <= last].reset_index(drop=True)

    if results.solution is not None:
        cut = results_view(truncate_solution(results.solution, last))
        return dataclasses.replace(
            cut,
            metadata={**results.metadata, "end": end},
            solve_seconds=results.solve_seconds,
            start_storage=results.start_storage,
        )
    violations = results.violations
    if not violations.empty and "period" in violations.columns:
        violations = violations[violations["period"].astype(str) <= end].reset_index(drop=True)
    return dataclasses.replace(
        results,
        plants=keep(results.plants),
        countries=keep(results.countries),
        links=keep(results.links),
        reservoirs=keep(results.reservoirs),
        releases=keep(results.releases),
        violations=violations,
        metadata={**results.metadata, "end": end},
    )


def restrict_solution(solution: LPSolution, full: Layout, horizon: Layout) -> LPSolution:
    """Cut an LP solution of the horizon plus look-ahead down to the horizon's LP layout.

    Every column and row family is indexed by time (steps, stages, release rows or years, which
    are ordered by time) and elements that do not change with the horizon, so the horizon's
    values are the leading slice of each family along every axis. The water values of the last
    reported month then come from the look-ahead optimisation. ``objective`` is left as solved.
    """
    if solution.x.size != full.n_cols:  # no primal values (the solve failed): nothing to cut
        return solution
    x = _restrict(solution.x, full.cols, horizon.cols, horizon.n_cols)
    duals = solution.row_dual
    if duals.size == full.n_rows:
        duals = _restrict(duals, full.rows, horizon.rows, horizon.n_rows)
    return dataclasses.replace(solution, x=x, row_dual=duals)


def _restrict(
    values: npt.NDArray[np.float64], full: dict[str, Block], horizon: dict[str, Block], size: int
) -> npt.NDArray[np.float64]:
    out = np.empty(size, dtype=np.float64)
    for name, block in horizon.items():
        part = full[name].take(values)
        lead = tuple(slice(0, n) for n in block.shape)
        out[block.offset : block.offset + block.size] = part[lead].ravel()
    return out
