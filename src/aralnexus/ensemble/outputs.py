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
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.dispatch.extract import extract_solution, solution_coords, solution_data
from aralnexus.dispatch.solve import SolveStatus
from aralnexus.ensemble.solver import MemberSolution, MemberSolver
from aralnexus.metrics import compute, member_summaries, metric_rows
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
from aralnexus.results.solution import convergence_attrs
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


def _solution_metadata(solver: MemberSolver, solved: MemberSolution) -> dict[str, str]:
    """Return the metadata a member's labelled solution carries: scenario name and head mode."""
    return {"scenario": solver.scenario.name, "head_mode": solved.convergence.mode}


def member_solution(solver: MemberSolver, solved: MemberSolution) -> xr.Dataset:
    """Return the labelled solution of a solved member on the reported horizon."""
    return extract_solution(
        solver.system,
        solved.solution,
        solver.layout,
        solved.inflow_m3s,
        solved.heads_m,
        solved.convergence,
        solved.seconds,
        _solution_metadata(solver, solved),
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


def _trade_turnover(scenario: Scenario, variant: _Variant, electricity: pd.DataFrame) -> dict[int, pd.Series]:
    """Bilateral turnover per member and year of the horizon (:func:`aralnexus.pathways.trade.project_trade`).

    The goods-and-levers part is the same for every member of a variant (computed once); each
    member's electricity sales are added as ``project_trade`` adds them (``electricity_rows``), read
    from the registered metrics :data:`aralnexus.pathways.trade.ELECTRICITY_METRICS` (``electricity``,
    the rows of :func:`aralnexus.metrics.metric_rows` with a ``member`` column). A member without
    sales gets the goods-and-levers part alone (key absent: use :func:`_turnover_of`).
    """
    sales = electricity_trade(electricity, variant.definitions.pair)
    elec = electricity_rows(sales, scenario.trade, variant.wanted)
    if elec.empty:
        return {}
    sums = elec.groupby(["member", "year"])["value_musd"].sum()
    members = sums.index.get_level_values("member").unique().to_numpy(dtype=np.int64)
    return {int(m): _turnover_of(scenario, variant, sums.xs(m, level="member")) for m in members}


def _turnover_of(scenario: Scenario, variant: _Variant, electricity_musd: pd.Series | None) -> pd.Series:
    """Goods-and-levers turnover plus one member's electricity sales per year, on the horizon's years."""
    first, last = int(scenario.start[:4]), int(scenario.end[:4])
    turnover = variant.static_turnover
    if electricity_musd is not None:
        turnover = turnover.add(electricity_musd, fill_value=0.0)
    return turnover[(turnover.index >= first) & (turnover.index <= last)]


Tables = tuple[dict[str, float | int | None], pa.Table, pa.Table]


def member_stack(solver: MemberSolver, solved: Sequence[MemberSolution], members: Sequence[int]) -> xr.Dataset:
    """Return the labelled solutions of several solved members as one Dataset with a leading ``member``.

    Every data variable of :func:`member_solution` gains the ``member`` dimension (coordinate
    ``members``); coordinates are the variant's (the members share the system), attributes the
    first member's. Built from the arrays (:func:`aralnexus.dispatch.extract.solution_data`), not
    from one Dataset per member. The metric layer computes each member's figures on the stack as on
    its own solution, to rounding, with its fixed costs per call paid once for the stack.
    """
    parts = [
        solution_data(solver.system, s.solution, solver.layout, s.inflow_m3s, s.heads_m, s.linearisation)
        for s in solved
    ]
    first, terms = parts[0]
    if any(not np.array_equal(t, terms) for _, t in parts[1:]):
        msg = "members of one variant have different objective terms"
        raise ValueError(msg)
    data = {k: (("member", *dims), np.stack([d[k][1] for d, _ in parts])) for k, (dims, _) in first.items()}
    coords = solution_coords(solver.system) | {"term": terms, "member": np.asarray(members, dtype=np.int64)}
    first_member = solved[0]
    attrs = convergence_attrs(first_member.convergence, first_member.seconds, _solution_metadata(solver, first_member))
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _tables(scenario: Scenario, solution: xr.Dataset, variant: _Variant) -> list[Tables]:
    """Return ``(summary, metrics, storage)`` of each member of ``solution`` (a stack, or one member)."""
    definitions = variant.definitions
    computed = compute(solution, definitions, (*ENSEMBLE_METRICS, *ELECTRICITY_METRICS))
    values = {name: computed[name] for name in ENSEMBLE_METRICS}
    electricity = metric_rows({name: computed[name] for name in ELECTRICITY_METRICS}, definitions.pair_label)
    rows = metric_arrays(values, definitions.pair_label)
    stacked = "member" in solution.dims
    members = solution["member"].values if stacked else np.zeros(1, dtype=np.int64)
    if not stacked:
        electricity = electricity.assign(member=0)
    turnovers = _trade_turnover(scenario, variant, electricity)
    reservoirs = set(solution["plant"].values[solution["is_reservoir"].values.astype(bool)].astype(str))
    fan = [p for p in FAN_RESERVOIRS if p in reservoirs]
    kept = solution["storage_hm3"].sel(plant=fan)
    kept_hm3 = (kept.transpose("member", "stage", "plant") if stacked else kept.transpose("stage", "plant")).values
    n_stages = solution.sizes["stage"]
    plants = pa.array(np.tile(np.asarray(fan, dtype=object), n_stages).tolist(), pa.string())
    times = pa.array(np.repeat(solution["stage_time"].values, len(fan)))
    summaries = member_summaries(solution, definitions)
    out: list[Tables] = []
    for i, member in enumerate(members):
        own = rows["member"] == member
        turnover = turnovers[int(member)] if int(member) in turnovers else _turnover_of(scenario, variant, None)
        n_trade = len(turnover)
        label = definitions.pair_label
        columns = {
            "country": pa.array(np.concatenate([rows["country"][own], np.full(n_trade, label)]).tolist(), pa.string()),
            "year": pa.array(
                np.concatenate([rows["year"][own], turnover.index.to_numpy(dtype=np.float64)]).astype(np.int64),
                pa.int64(),
            ),
            "metric": pa.array(
                np.concatenate([rows["metric"][own], np.full(n_trade, "trade_turnover_musd", dtype=object)]).tolist(),
                pa.string(),
            ),
            "value": pa.array(np.concatenate([rows["value"][own], turnover.to_numpy(dtype=np.float64)]), pa.float64()),
            "unit": pa.array(
                np.concatenate([rows["unit"][own], np.full(n_trade, "US$ million", dtype=object)]).tolist(), pa.string()
            ),
        }
        metrics = pa.table({c: columns[c] for c in MEMBER_METRIC_COLUMNS})
        storage_hm3 = kept_hm3[i] if stacked else kept_hm3
        storage = pa.table({"plant": plants, "time": times, "storage_hm3": pa.array(storage_hm3.ravel(), pa.float64())})
        out.append((summaries[i], metrics, storage))
    return out


def _years(solution: xr.Dataset) -> list[int]:
    return sorted(int(y) for y in np.unique(solution["year"].values))


def member_tables(solver: MemberSolver, solved: MemberSolution) -> Tables:
    """Return ``(summary, metrics, storage)`` of a solved member: the metric layer on its labelled solution.

    ``metrics`` holds :data:`ENSEMBLE_METRICS` per detailed country and year plus the pair's trade
    turnover (the pathway's definitions, :func:`aralnexus.pathways.runner.evaluate`); ``storage`` the
    end-of-month storage of :data:`FAN_RESERVOIRS`. Both are Arrow tables (cheap to send and to
    stack into one store insert).
    """
    solution = member_solution(solver, solved)
    return _tables(solver.scenario, solution, _variant(solver, _years(solution)))[0]


def results_tables(scenario: Scenario, results: Results) -> Tables:
    """Return a member's ``(summary, metrics, storage)`` from its ``Results`` (e.g. a simulated operating policy).

    The same metric functions as :func:`member_tables`, on ``results.solution`` (or the Dataset
    rebuilt from its tables).
    """
    solution = results.solution if results.solution is not None else solution_from_tables(results, scenario.dataset)
    return _tables(scenario, solution, _make_variant(scenario, _years(solution)))[0]


def _unsolved(variant: str, member: int, solved: MemberSolution, seconds: float, worker: int) -> MemberOutput:
    status = solved.solution.status
    return MemberOutput(
        variant,
        member,
        "infeasible" if status is SolveStatus.INFEASIBLE else "failed",
        error=f"LP {status}",
        solve_s=solved.seconds,
        total_s=seconds,
        worker=worker,
    )


def _done(
    variant: str, member: int, solved: MemberSolution, tables: Tables, seconds: float, worker: int
) -> MemberOutput:
    summary, metrics, storage = tables
    conv = solved.convergence
    return MemberOutput(
        variant,
        member,
        "done",
        summary,
        metrics,
        storage,
        solve_s=solved.seconds,
        total_s=seconds,
        iterations=conv.iterations,
        max_head_change_pct=conv.max_head_change_pct,
        worker=worker,
    )


def _failed(variant: str, member: int, seconds: float, worker: int) -> MemberOutput:
    """Return the output of a member whose solve or tables raised (with the traceback being handled)."""
    return MemberOutput(variant, member, "failed", error=traceback.format_exc(limit=6), total_s=seconds, worker=worker)


def solve_members(
    solver: MemberSolver, variant: str, members: Sequence[int], inflows: xr.DataArray, worker: int
) -> list[MemberOutput]:
    """Solve members one after the other, then compute the tables of the solved ones on one stack.

    ``inflows`` is ``(member, time, site)`` in the order of ``members``. Each member's LP is solved
    from the solver's recorded start; the labelled solutions of the optimal ones are stacked
    (:func:`member_stack`) so that the metric layer runs once per chunk instead of once per member
    (its cost is mostly fixed per call). A member's rows are the same whichever members share its
    chunk, its values equal to rounding (numpy sums a stack's reduced axes in another order: a few
    units in the last place, tests/ensemble/test_member_chunks.py). ``total_s`` of a member is its
    solve plus an equal share of the chunk's tables. Errors are per member (``failed`` with the
    traceback): if the stack's tables raise, each member's tables are computed alone.
    """
    outs: dict[int, MemberOutput] = {}
    solved: list[tuple[int, int, MemberSolution, float]] = []
    for i, member in enumerate(int(m) for m in members):
        tick = time.perf_counter()
        try:
            one = solver.solve(member, inflows.isel(member=i, drop=True))
        except Exception:
            outs[i] = _failed(variant, member, time.perf_counter() - tick, worker)
            continue
        if one.solution.status is not SolveStatus.OPTIMAL:
            outs[i] = _unsolved(variant, member, one, time.perf_counter() - tick, worker)
            continue
        solved.append((i, member, one, time.perf_counter() - tick))
    if solved:
        tick = time.perf_counter()
        tables: list[Tables] | None
        try:
            stack = member_stack(solver, [one for _, _, one, _ in solved], [member for _, member, _, _ in solved])
            tables = _tables(solver.scenario, stack, _variant(solver, _years(stack)))
        except Exception:
            tables = None
        share = (time.perf_counter() - tick) / len(solved)
        for k, (i, member, one, seconds) in enumerate(solved):
            if tables is not None:
                outs[i] = _done(variant, member, one, tables[k], seconds + share, worker)
                continue
            tick = time.perf_counter()
            try:
                alone = member_tables(solver, one)
            except Exception:
                outs[i] = _failed(variant, member, seconds + time.perf_counter() - tick, worker)
                continue
            outs[i] = _done(variant, member, one, alone, seconds + time.perf_counter() - tick, worker)
    return [outs[i] for i in range(len(members))]
