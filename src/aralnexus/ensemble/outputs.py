"""What a worker sends back per member: a few compact tables, never the full Results.

A member's :class:`MemberOutput` holds the ``members`` summary numbers, the pathway metrics per
country and year that the risk views need (:data:`ENSEMBLE_METRICS`, plus trade turnover under the
bilateral pair's pseudo-country, e.g. ``KG-TJ``, from the dataset), and the end-of-month storage of the main reservoirs
(:data:`FAN_RESERVOIRS`). A 2025–2035 member is about 1,500 rows (tens of kB), whatever the LP size.
"""

from __future__ import annotations

import time
import traceback
import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.dispatch.extract import extract_solution
from aralnexus.dispatch.solve import SolveStatus
from aralnexus.ensemble.solver import MemberSolution, MemberSolver
from aralnexus.metrics import compute, member_summary, metric_rows
from aralnexus.metrics.registry import metric_arrays
from aralnexus.metrics.tables import solution_from_tables
from aralnexus.pathways.exports import definitions_for
from aralnexus.pathways.trade import (
    ELECTRICITY_METRICS,
    electricity_rows,
    electricity_trade,
    observed_trade,
    project_trade,
    projected_years,
    turnover_by_year,
)
from aralnexus.results.tables import Results
from aralnexus.scenario.model import Scenario

#: Pathway metrics kept per member (country, year); see docs/pathways.md for definitions.
ENSEMBLE_METRICS: tuple[str, ...] = (
    "winter_deficit_twh",
    "winter_deficit_share_pct",
    "winter_unserved_twh",
    "unserved_twh",
    "imports_twh",
    "exports_twh",
    "exports_casa_twh",
    "export_revenue_musd",
    "export_revenue_casa_musd",
    "storage_end_sep_hm3",
    "storage_end_mar_hm3",
    "veg_shortfall_hm3",
)
#: Reservoirs whose monthly storage is kept per member (storage fan charts).
FAN_RESERVOIRS: tuple[str, ...] = ("rogun", "nurek", "kambarata1", "toktogul")

MEMBER_METRIC_COLUMNS: tuple[str, ...] = ("country", "year", "metric", "value", "unit")


@dataclass(frozen=True)
class MemberOutput:
    """One member's compact results.

    Parameters
    ----------
    variant, member
        Which run (variant key) and member.
    status
        ``done``, ``infeasible`` or ``failed``.
    summary
        ``members`` table summary numbers (:func:`aralnexus.metrics.member_summary`).
    metrics
        Long ``country, year, metric, value, unit`` rows (an Arrow table).
    storage
        ``plant, time, storage_hm3`` end-of-month storage of :data:`FAN_RESERVOIRS` (an Arrow table).
    error
        What went wrong (``failed``/``infeasible``).
    solve_s, total_s
        Seconds in the LP solve(s) and in the whole member.
    iterations, max_head_change_pct
        LP solves and the head change the member's storage implies (accuracy of its heads).
    worker
        Process id of the worker.
    """

    variant: str
    member: int
    status: str
    summary: dict[str, float | int | None] = field(default_factory=dict)
    metrics: pa.Table | None = None
    storage: pa.Table | None = None
    error: str = ""
    solve_s: float = 0.0
    total_s: float = 0.0
    iterations: int = 0
    max_head_change_pct: float = 0.0
    worker: int = 0


def member_solution(solver: MemberSolver, solved: MemberSolution) -> xr.Dataset:
    """Return the labelled solution of a solved member on the reported horizon."""
    meta = {"scenario": solver.scenario.name, "head_mode": solved.convergence.mode}
    return extract_solution(
        solver.system,
        solved.solution,
        solver.layout,
        solved.inflow_m3s,
        solved.heads_m,
        solved.convergence,
        solved.seconds,
        meta,
        solved.linearisation,
    )


@dataclass(frozen=True)
class _Variant:
    """What every member of one variant shares: definitions and the goods-and-levers part of trade."""

    definitions: PlannerDefinitions
    years: list[int]
    wanted: list[int]
    static_turnover: pd.Series


_VARIANTS: weakref.WeakKeyDictionary[MemberSolver, _Variant] = weakref.WeakKeyDictionary()


def _make_variant(scenario: Scenario, years: list[int]) -> _Variant:
    dataset = scenario.dataset
    definitions = definitions_for(dataset)
    target = definitions.trade_target_year
    static = turnover_by_year(project_trade(dataset, scenario.trade, years, None, target))
    wanted = projected_years(observed_trade(dataset), years, target)
    return _Variant(definitions, years, wanted, static)


def _variant(solver: MemberSolver, years: list[int]) -> _Variant:
    found = _VARIANTS.get(solver)
    if found is None or found.years != years:
        found = _make_variant(solver.scenario, years)
        _VARIANTS[solver] = found
    return found


def _trade_turnover(scenario: Scenario, variant: _Variant, electricity: pd.DataFrame) -> pd.Series:
    """Bilateral turnover per year of the horizon: the projection of :func:`aralnexus.pathways.trade.project_trade`.

    The goods-and-levers part is the same for every member of a variant (computed once); the
    member's electricity sales are added as ``project_trade`` adds them (``electricity_rows``), read
    from the registered metrics :data:`aralnexus.pathways.trade.ELECTRICITY_METRICS` (``electricity``).
    """
    first, last = int(scenario.start[:4]), int(scenario.end[:4])
    sales = electricity_trade(electricity, variant.definitions.pair)
    elec = electricity_rows(sales, scenario.trade, variant.wanted)
    turnover = variant.static_turnover.add(elec.groupby("year")["value_musd"].sum(), fill_value=0.0)
    return turnover[(turnover.index >= first) & (turnover.index <= last)]


def _tables(
    scenario: Scenario, solution: xr.Dataset, variant: _Variant
) -> tuple[dict[str, float | int | None], pa.Table, pa.Table]:
    definitions = variant.definitions
    computed = compute(solution, definitions, (*ENSEMBLE_METRICS, *ELECTRICITY_METRICS))
    values = {name: computed[name] for name in ENSEMBLE_METRICS}
    electricity = {name: computed[name] for name in ELECTRICITY_METRICS}
    turnover = _trade_turnover(scenario, variant, metric_rows(electricity, definitions.pair_label))
    rows = metric_arrays(values, definitions.pair_label)
    n_trade = len(turnover)
    columns = {
        "country": pa.array(
            np.concatenate([rows["country"], np.full(n_trade, definitions.pair_label)]).tolist(), pa.string()
        ),
        "year": pa.array(
            np.concatenate([rows["year"], turnover.index.to_numpy(dtype=np.float64)]).astype(np.int64), pa.int64()
        ),
        "metric": pa.array(
            np.concatenate([rows["metric"], np.full(n_trade, "trade_turnover_musd", dtype=object)]).tolist(),
            pa.string(),
        ),
        "value": pa.array(np.concatenate([rows["value"], turnover.to_numpy(dtype=np.float64)]), pa.float64()),
        "unit": pa.array(
            np.concatenate([rows["unit"], np.full(n_trade, "US$ million", dtype=object)]).tolist(), pa.string()
        ),
    }
    metrics = pa.table({c: columns[c] for c in MEMBER_METRIC_COLUMNS})
    reservoirs = set(solution["plant"].values[solution["is_reservoir"].values.astype(bool)].astype(str))
    fan = [p for p in FAN_RESERVOIRS if p in reservoirs]
    kept = solution["storage_hm3"].sel(plant=fan).transpose("stage", "plant")
    storage = pa.table(
        {
            "plant": pa.array(np.tile(np.asarray(fan, dtype=object), solution.sizes["stage"]).tolist(), pa.string()),
            "time": pa.array(np.repeat(solution["stage_time"].values, len(fan))),
            "storage_hm3": pa.array(kept.values.ravel(), pa.float64()),
        }
    )
    summary = member_summary(solution, definitions)
    return summary, metrics, storage


def _years(solution: xr.Dataset) -> list[int]:
    return sorted(int(y) for y in np.unique(solution["year"].values))


def member_tables(
    solver: MemberSolver, solved: MemberSolution
) -> tuple[dict[str, float | int | None], pa.Table, pa.Table]:
    """Return ``(summary, metrics, storage)`` of a solved member: the metric layer on its labelled solution.

    ``metrics`` holds :data:`ENSEMBLE_METRICS` per detailed country and year plus the pair's trade
    turnover (the pathway's definitions, :func:`aralnexus.pathways.runner.evaluate`); ``storage`` the
    end-of-month storage of :data:`FAN_RESERVOIRS`. Both are Arrow tables (cheap to send and to
    stack into one store insert).
    """
    solution = member_solution(solver, solved)
    return _tables(solver.scenario, solution, _variant(solver, _years(solution)))


def results_tables(scenario: Scenario, results: Results) -> tuple[dict[str, float | int | None], pa.Table, pa.Table]:
    """Return a member's ``(summary, metrics, storage)`` from its ``Results`` (e.g. a simulated operating policy).

    The same metric functions as :func:`member_tables`, on ``results.solution`` (or the Dataset
    rebuilt from its tables).
    """
    solution = results.solution if results.solution is not None else solution_from_tables(results, scenario.dataset)
    return _tables(scenario, solution, _make_variant(scenario, _years(solution)))


def solve_member(solver: MemberSolver, variant: str, member: int, inflows: xr.DataArray, worker: int) -> MemberOutput:
    """Solve one member and return its compact output (``failed`` with the traceback on errors)."""
    tick = time.perf_counter()
    try:
        solved = solver.solve(member, inflows)
        conv = solved.convergence
        if solved.solution.status is not SolveStatus.OPTIMAL:
            return MemberOutput(
                variant,
                member,
                "infeasible" if solved.solution.status is SolveStatus.INFEASIBLE else "failed",
                error=f"LP {solved.solution.status}",
                solve_s=solved.seconds,
                total_s=time.perf_counter() - tick,
                worker=worker,
            )
        summary, metrics, storage = member_tables(solver, solved)
    except Exception:
        return MemberOutput(
            variant, member, "failed", error=traceback.format_exc(limit=6), total_s=time.perf_counter() - tick
        )
    return MemberOutput(
        variant,
        member,
        "done",
        summary,
        metrics,
        storage,
        solve_s=solved.seconds,
        total_s=time.perf_counter() - tick,
        iterations=conv.iterations,
        max_head_change_pct=conv.max_head_change_pct,
        worker=worker,
    )
