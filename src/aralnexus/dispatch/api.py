"""``optimise``: scenario + inflows → Results (head iteration, infeasibility explained)."""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np
import numpy.typing as npt
import xarray as xr

from aralnexus.data.definitions import planner_definitions
from aralnexus.dispatch.extract import extract_results
from aralnexus.dispatch.head import HeadIteration, solve_heads
from aralnexus.dispatch.infeasibility import explain_infeasible
from aralnexus.dispatch.inputs import plant_inflows_m3s
from aralnexus.dispatch.lookahead import (
    extend_inflows,
    lookahead_months,
    lookahead_shortfalls_hm3,
    optimised_to,
    truncate_results,
)
from aralnexus.dispatch.solve import SolveStatus
from aralnexus.dispatch.start import build_run_system
from aralnexus.errors import InputError, Problem
from aralnexus.hydrology import make_inflows
from aralnexus.i18n import use_language
from aralnexus.results.tables import Results
from aralnexus.scenario.model import Scenario
from aralnexus.system.start_storage import describe_start_storage
from aralnexus.system.system import System
from aralnexus.vocab import HEAD_MODES, HeadMode, Resolution

log = logging.getLogger(__name__)
Array = npt.NDArray[np.float64]


def default_inflows(scenario: Scenario, start: str, end: str) -> xr.DataArray:
    """Inflows of the scenario's hydrology (:func:`aralnexus.hydrology.make_inflows`)."""
    return make_inflows(scenario, start, end)


def head_options(scenario: Scenario, tolerance_pct: float | None, max_iterations: int | None) -> HeadIteration:
    """Head-iteration options: the arguments, else the ``head_tolerance_pct`` / ``head_max_iterations`` parameters."""
    default = HeadIteration()

    def given_or_parameter(value: float | None, name: str, fallback: float) -> float:
        if value is not None:
            return value
        try:
            return scenario.dataset.parameter(name)
        except KeyError:
            return fallback

    tol = given_or_parameter(tolerance_pct, "head_tolerance_pct", default.tolerance_pct)
    most = given_or_parameter(max_iterations, "head_max_iterations", default.max_iterations)
    return HeadIteration(tolerance_pct=tol, max_iterations=int(most))


def optimise_system(
    system: System,
    inflow_m3s: Array,
    head_mode: HeadMode = "iterate",
    options: HeadIteration | None = None,
    threads: int | None = None,
    metadata: dict[str, str] | None = None,
) -> Results:
    """Optimise a built system with natural inflows per (stage, plant) in m3/s.

    Raises
    ------
    InfeasibleScenarioError
        If strict constraints cannot all be met; lists what could not be met, where and when.
    """
    start = time.perf_counter()
    outcome = solve_heads(system, inflow_m3s, head_mode, options, threads)
    sol = outcome.solution
    if sol.status is SolveStatus.INFEASIBLE:
        raise explain_infeasible(system, inflow_m3s, outcome.heads_m)
    if sol.status is not SolveStatus.OPTIMAL:
        msg = f"the LP solver stopped without an optimum ({sol.status}); try a shorter horizon or monthly resolution"
        raise RuntimeError(msg)
    meta = dict(metadata or {})
    if system.start_storage is not None:
        with use_language("en"):  # stored with the run: store contents stay English
            meta["start_storage"] = describe_start_storage(system.start_storage)
    if system.lookahead_stage.any():
        short_hm3 = lookahead_shortfalls_hm3(system, outcome.model.arrays.layout, sol.x)
        meta["lookahead_shortfall_hm3"] = f"{short_hm3:.6g}"
        if short_hm3 > 0:
            log.warning(
                "the look-ahead beyond the horizon falls short of strict constraints by %.4g hm3 (priced, "
                "not reported as violations of the horizon)",
                short_hm3,
            )
    results = extract_results(
        system,
        sol,
        outcome.model.layout,
        inflow_m3s,
        outcome.heads_m,
        outcome.convergence,
        time.perf_counter() - start,
        meta,
        outcome.model.linearisation,
    )
    if system.start_storage is None:
        return results
    return dataclasses.replace(results, start_storage=system.start_storage)


def optimise(
    scenario: Scenario,
    inflows: xr.DataArray | None = None,
    start: str | None = None,
    end: str | None = None,
    resolution: Resolution | None = None,
    head_mode: HeadMode | None = None,
    *,
    tolerance_pct: float | None = None,
    max_iterations: int | None = None,
    threads: int | None = None,
) -> Results:
    """Optimise the operation of both cascades, power trade and irrigation releases.

    Parameters
    ----------
    scenario
        The validated scenario.
    inflows
        ``inflow_m3s[time, site]`` monthly (m3/s); default: the scenario's hydrology.
    start, end
        First and last month ``YYYY-MM``; default the scenario's horizon.
    resolution
        ``monthly`` (load blocks) or ``hourly``; default the scenario's.
    head_mode
        ``iterate`` (successive linearisation of head) or ``fixed`` (rated heads); default the scenario's.
    tolerance_pct
        Head-iteration tolerance: largest relative head change between iterations, percent;
        default the ``head_tolerance_pct`` parameter (0.5).
    max_iterations
        Most LP solves in the head iteration; default the ``head_max_iterations`` parameter (25).
    threads
        HiGHS threads.

    Monthly runs optimise ``lookahead_months`` (parameter, default 12) beyond ``end`` with median
    inflows and report up to ``end`` only (see :mod:`aralnexus.dispatch.lookahead`).

    Returns
    -------
    Results
        Tidy tables per plant, country, link, reservoir and release, objective terms, violations
        and the head-iteration convergence record.
    """
    start = start or scenario.start
    end = end or scenario.end
    resolution = resolution or scenario.resolution
    mode = head_mode or scenario.head_mode
    if mode not in HEAD_MODES:
        raise InputError([Problem(scenario.file, "head_mode", " or ".join(HEAD_MODES), repr(mode))])
    months = lookahead_months(scenario.dataset, resolution)
    last = optimised_to(scenario.dataset, end, resolution)
    system = build_run_system(scenario, start, last, resolution, horizon_end=end)
    if inflows is None:
        inflows = default_inflows(scenario, start, end)
    inflow = plant_inflows_m3s(system, extend_inflows(scenario, inflows, end, last))
    meta = {
        "scenario": scenario.name,
        "start": start,
        "end": end,
        "optimised_to": last,
        "lookahead_months": str(months),
        "resolution": resolution,
        "head_mode": mode,
        "definitions": planner_definitions(scenario.dataset).to_record(),
    }
    options = head_options(scenario, tolerance_pct, max_iterations)
    return truncate_results(optimise_system(system, inflow, mode, options, threads, meta), end)
