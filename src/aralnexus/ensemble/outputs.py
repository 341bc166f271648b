"""What a worker sends back per member: a few compact tables, never the full Results.

A member's :class:`MemberOutput` holds the ``members`` summary numbers, the pathway metrics per
country and year that the risk views need (:data:`ENSEMBLE_METRICS`, plus trade turnover under the
pseudo-country :data:`PAIR`), and the end-of-month storage of the main reservoirs
(:data:`FAN_RESERVOIRS`). A 2025–2035 member is about 1,500 rows (tens of kB), whatever the LP size.
"""

from __future__ import annotations

import time
import traceback
import weakref
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import xarray as xr

from aralnexus.dispatch.extract import extract_results
from aralnexus.dispatch.solve import SolveStatus
from aralnexus.ensemble.compact import CompactExtractor
from aralnexus.ensemble.solver import MemberSolution, MemberSolver
from aralnexus.ensemble.tables import STORAGE_COLUMNS
from aralnexus.pathways.runner import evaluate
from aralnexus.pathways.trade import turnover_by_year
from aralnexus.results.tables import Results
from aralnexus.scenario.model import Scenario
from aralnexus.store.summary import summarise_results

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
#: Pseudo-country of bilateral (KG–TJ) rows such as ``trade_turnover_musd``.
PAIR = "KG-TJ"
#: Reservoirs whose monthly storage is kept per member (storage fan charts).
FAN_RESERVOIRS: tuple[str, ...] = ("rogun", "nurek", "kambarata1", "toktogul")

MEMBER_METRIC_COLUMNS: tuple[str, ...] = ("country", "year", "metric", "value", "unit")

#: One extractor per solver (variant and worker thread), dropped with the solver.
_EXTRACTORS: weakref.WeakKeyDictionary[MemberSolver, CompactExtractor] = weakref.WeakKeyDictionary()


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
        ``members`` table summary numbers (:func:`aralnexus.store.summary.summarise_results`).
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


def extractor(solver: MemberSolver) -> CompactExtractor:
    """Return the variant's :class:`CompactExtractor`, built on first use and kept with the solver."""
    found = _EXTRACTORS.get(solver)
    if found is None:
        found = CompactExtractor(solver.scenario, solver.system, solver.layout, FAN_RESERVOIRS)
        _EXTRACTORS[solver] = found
    return found


def compact_tables(
    solver: MemberSolver, solved: MemberSolution
) -> tuple[dict[str, float | int | None], pa.Table, pa.Table]:
    """Return ``(summary, metrics, storage)`` of a solved member, straight from its LP solution.

    Gives the rows of :func:`reference_tables` (to rounding) at a fraction of the cost; the two
    tables are Arrow tables.
    """
    return extractor(solver).tables(solved.solution, solved.heads_m, solved.linearisation, PAIR)


def reference_tables(
    solver: MemberSolver, solved: MemberSolution
) -> tuple[dict[str, float | int | None], pd.DataFrame, pd.DataFrame]:
    """Return ``(summary, metrics, storage)`` through the full ``Results`` and pathway metrics.

    The definition :func:`compact_tables` is checked against (``tests/ensemble/test_compact_tables.py``).
    """
    meta = {"scenario": solver.scenario.name, "head_mode": solved.convergence.mode}
    results = extract_results(
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
    return results_tables(solver.scenario, results)


def results_tables(
    scenario: Scenario, results: Results
) -> tuple[dict[str, float | int | None], pd.DataFrame, pd.DataFrame]:
    """Return a member's ``(summary, metrics, storage)`` from its full ``Results`` (the reference definition).

    Used by :func:`reference_tables` and by members that come as Results, such as a simulated
    operating policy (:mod:`aralnexus.ensemble.policy_members`).
    """
    _, metrics, _, trade, _ = evaluate(scenario, results)
    kept = metrics[metrics["metric"].isin(ENSEMBLE_METRICS)]
    first_year, last_year = int(scenario.start[:4]), int(scenario.end[:4])
    turnover = turnover_by_year(trade)
    turnover = turnover[(turnover.index >= first_year) & (turnover.index <= last_year)]
    trade_rows = pd.DataFrame(
        {
            "country": PAIR,
            "year": turnover.index.astype(int),
            "metric": "trade_turnover_musd",
            "value": turnover.to_numpy(dtype=float),
            "unit": "US$ million",
        }
    )
    long = pd.concat([kept[list(MEMBER_METRIC_COLUMNS)], trade_rows], ignore_index=True)
    long["year"] = long["year"].astype("int64")
    res = results.reservoirs
    storage = res.loc[res["plant"].isin(FAN_RESERVOIRS), list(STORAGE_COLUMNS)].reset_index(drop=True)
    return summarise_results(results), long, storage


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
        summary, metrics, storage = compact_tables(solver, solved)
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
