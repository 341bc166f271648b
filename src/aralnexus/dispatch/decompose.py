"""Hourly year by month: a monthly model sets end-of-month storage, then each month is solved hourly.

1. Solve the monthly (load-block) model over the whole horizon.
2. For each month, solve the hourly LP of that month alone, starting from the storage the previous
   hourly month ended with, ending at the monthly model's end-of-month storage, and importing at
   most what the monthly model imported from each partner in that month. Only the last month
   values water left in storage (terminal water value).
3. Concatenate the tables; the objective is the sum of the months' objectives (each a present value
   from the horizon start, like the plan's).

Each hourly month is small (~730 steps), so the year solves much faster than one monolithic LP;
the price is a small loss of optimality (storage cannot be re-planned across months in hourly
detail). ``benchmarks/bench_optimise.py`` measures the gap against the monolithic optimum.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from aralnexus.data.dataset import Dataset
from aralnexus.dispatch.api import optimise_system
from aralnexus.dispatch.inputs import plant_inflows_m3s
from aralnexus.dispatch.names import FLOW_BWD, FLOW_FWD, STORAGE
from aralnexus.dispatch.solve import SolveStatus
from aralnexus.dispatch.water import storage_lower_hm3
from aralnexus.errors import InfeasibleScenarioError
from aralnexus.results.tables import Convergence, Results
from aralnexus.system.calendar import month_range
from aralnexus.system.network import partner_index
from aralnexus.system.system import System, build_system_from_dataset
from aralnexus.units import HOURS_PER_YEAR, MWH_PER_TWH
from aralnexus.vocab import HeadMode

Array = npt.NDArray[np.float64]


def _monthly_plan(
    dataset: Dataset, inflows: xr.DataArray, start: str, end: str, head_mode: HeadMode
) -> tuple[Array, Array]:
    """Return end-of-month storage ``(M, P)`` and imports per partner ``(M, J)`` in MWh."""
    from aralnexus.dispatch.head import solve_heads

    system = build_system_from_dataset(dataset, start, end, "monthly")
    outcome = solve_heads(system, plant_inflows_m3s(system, inflows), head_mode)
    if outcome.solution.status is not SolveStatus.OPTIMAL:
        raise InfeasibleScenarioError([], summary=f"the monthly plan is {outcome.solution.status}")
    layout, x = outcome.model.layout, outcome.solution.x
    storage = layout.cols[STORAGE].take(x)
    lk, cal = system.links, system.calendar
    imports = np.zeros((cal.n_stages, len(system.countries.partners)))
    for family, send in ((FLOW_FWD, lk.from_end), (FLOW_BWD, lk.to_end)):
        bought = np.flatnonzero(send < 0)  # links whose sending end is a partner market
        energy = layout.cols[family].take(x)[:, bought] * cal.duration_h[:, None]
        # one scatter into ``imports`` itself (indexing a column with an array would add into a copy)
        np.add.at(imports, (cal.step_stage[:, None], partner_index(send[bought])[None, :]), energy)
    return storage, imports


def _month_system(
    system: System, initial_hm3: Array, target_hm3: Array, imports_mwh: Array, last: bool, inflow: Array
) -> System:
    """Return the month's hourly system: given start storage, end storage fixed, imports capped."""
    month = dataclasses.replace(system, storage_initial_hm3=initial_hm3)
    reachable = storage_lower_hm3(month, inflow)[-1]
    end = np.clip(target_hm3, reachable, system.staging.storage_max_hm3[-1])
    hours = float(system.calendar.duration_h.sum())
    # the import-limit row is import_max_twh x (share of the year) x the year's cap growth
    # (dispatch.links.define_import_limits): undo both so the row holds exactly the plan's imports
    (growth,) = system.economics.import_cap_factor(np.unique(system.calendar.steps["year"].to_numpy()))
    cap_twh = imports_mwh / MWH_PER_TWH * HOURS_PER_YEAR / hours / growth * (1 + 1e-9)
    cap_twh = np.where(np.isnan(system.countries.import_max_twh), np.nan, cap_twh)  # unlimited stays unlimited
    countries = dataclasses.replace(system.countries, import_max_twh=cap_twh)
    economics = system.economics if last else dataclasses.replace(system.economics, terminal_value_usd_per_mwh=0.0)
    return dataclasses.replace(
        month,
        end_storage_hm3=end,
        countries=countries,
        economics=economics,
    )


def _concat(parts: list[Results], seconds: float, metadata: dict[str, str]) -> Results:
    offsets = np.cumsum([0] + [int(r.countries["step"].max()) + 1 for r in parts[:-1]])

    def stack(name: str, shift: bool) -> pd.DataFrame:
        frames: list[pd.DataFrame] = []
        for r, off in zip(parts, offsets, strict=True):
            frame: pd.DataFrame = getattr(r, name)
            frames.append(frame.assign(step=frame["step"] + off) if shift and "step" in frame else frame)
        return pd.concat(frames, ignore_index=True)

    objective = parts[0].objective[["term"]].copy()
    objective["value_musd"] = np.sum([r.objective["value_musd"].to_numpy() for r in parts], axis=0)
    return Results(
        plants=stack("plants", True),
        countries=stack("countries", True),
        links=stack("links", True),
        reservoirs=stack("reservoirs", False),
        releases=stack("releases", False),
        objective=objective,
        violations=stack("violations", False),
        convergence=Convergence("fixed", len(parts) + 1, 0.0, 0.0, True),
        solve_seconds=seconds,
        metadata=metadata,
    )


def optimise_hourly_by_month(
    dataset: Dataset, inflows: xr.DataArray, start: str, end: str, head_mode: HeadMode = "fixed"
) -> Results:
    """Optimise an hourly horizon month by month under a monthly plan (see the module docstring).

    Parameters
    ----------
    dataset
        The scenario's dataset.
    inflows
        ``inflow_m3s[time, site]`` monthly.
    start, end
        First and last month ``YYYY-MM``.
    head_mode
        ``fixed`` (rated heads) or ``iterate`` (head iteration in the monthly plan and each month).
    """
    began = time.perf_counter()
    storage, imports = _monthly_plan(dataset, inflows, start, end, head_mode)
    months = month_range(start, end)
    parts: list[Results] = []
    initial: Array | None = None
    for m, month in enumerate(months):  # twelve independent-size LPs; each is vectorised inside
        label = month.strftime("%Y-%m")
        base = build_system_from_dataset(dataset, label, label, "hourly")
        # present values from the horizon start, as in the monthly plan (dispatch.objective.stage_weights)
        origin = dataclasses.replace(base.economics, discount_origin=pd.Timestamp(months[0]))
        base = dataclasses.replace(base, economics=origin)
        inflow = plant_inflows_m3s(base, inflows)
        start_hm3 = base.storage_initial_hm3 if initial is None else initial
        system = _month_system(base, start_hm3, storage[m], imports[m], m == len(months) - 1, inflow)
        result = optimise_system(system, inflow, head_mode)
        parts.append(result)
        initial = (
            result.reservoirs.groupby("plant", sort=False)["storage_hm3"]
            .last()
            .reindex(base.plant_ids)
            .fillna(0.0)
            .to_numpy()
        )
    meta = {
        "start": start,
        "end": end,
        "resolution": "hourly",
        "head_mode": head_mode,
        "method": "monthly plan + hourly months",
    }
    return _concat(parts, time.perf_counter() - began, meta)
