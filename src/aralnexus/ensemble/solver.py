"""One LP per scenario variant, re-solved per member with new inflows (RHS only) and a warm start.

:class:`MemberSolver` builds the system and the LP once (``aralnexus.dispatch.LPModel``), then for
each member changes only the water-balance right-hand sides (``LPModel.update_inflows``) and
re-solves from the previous basis — pywr's pattern. Heads (the nonlinear part) follow one of two
strategies (:data:`HeadStrategy`):

``iterate`` (default)
    Successive linearisation per member (the optimiser's own head iteration), starting from the
    previous member's converged heads; each iteration re-sets the power coefficients
    (``LPModel.set_heads``) and warm-starts. As accurate as ``aralnexus optimise``.
``median``
    One LP solve per member: output linearised around the converged *median-hydrology* run of
    the same variant (its heads plus the first-order effect of storage on head, no trust region),
    solved once per worker. Each member records how far its own storage would move the heads
    (``max_head_change_pct``); see docs/ensembles.md for the measured accuracy.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import xarray as xr

from aralnexus.dispatch.build import layout_for
from aralnexus.dispatch.head import HeadIteration, mean_storage_hm3, solve_heads
from aralnexus.dispatch.inputs import plant_inflows_m3s
from aralnexus.dispatch.linearise import Linearisation
from aralnexus.dispatch.lookahead import median_inflows, optimised_to, restrict_solution
from aralnexus.dispatch.model import LPModel
from aralnexus.dispatch.names import STORAGE, TURBINE, Layout
from aralnexus.dispatch.solve import LPSolution, SolveStatus
from aralnexus.dispatch.start import build_run_system
from aralnexus.results.tables import Convergence
from aralnexus.scenario.model import Scenario
from aralnexus.system.system import System
from aralnexus.vocab import HeadStrategy

log = logging.getLogger(__name__)
Array = npt.NDArray[np.float64]

#: Test hook: the worker solving this member exits abruptly (``os._exit``) mid-solve, once.
CRASH_MEMBER_ENV = "ARALNEXUS_TEST_CRASH_MEMBER"
#: Test hook: marker file making the crash happen once (created just before exiting).
CRASH_ONCE_ENV = "ARALNEXUS_TEST_CRASH_ONCE"
#: Test hook: seconds to sleep before each member's solve (to make runs slow enough to interrupt).
SLOW_ENV = "ARALNEXUS_TEST_SLOW_S"
#: Trust-region radius (share of live storage) that never binds.
NO_TRUST_REGION = 1e6


@dataclass(frozen=True)
class SolverOptions:
    """How members are solved.

    Parameters
    ----------
    heads
        ``iterate`` (head iteration per member) or ``median`` (one solve, linearised at the median run).
    tolerance_pct, max_iterations
        Head-iteration tolerance and most LP solves (median run and ``iterate`` members).
    threads
        HiGHS threads per worker (1: parallelism comes from the workers).
    """

    heads: HeadStrategy = "iterate"
    tolerance_pct: float = 0.5
    max_iterations: int = 25
    threads: int | None = 1


@dataclass(frozen=True)
class MemberSolution:
    """The LP solution of one member and the heads and inflows it used."""

    solution: LPSolution
    inflow_m3s: Array
    heads_m: Array
    convergence: Convergence
    seconds: float
    linearisation: Linearisation | None = None


def _test_hooks(member: int) -> None:
    slow = os.environ.get(SLOW_ENV)
    if slow:
        time.sleep(float(slow))
    if os.environ.get(CRASH_MEMBER_ENV) != str(member):
        return
    marker = os.environ.get(CRASH_ONCE_ENV)
    if marker:
        path = Path(marker)
        if path.exists():
            return
        path.write_text(f"member {member} crashed pid {os.getpid()}\n", encoding="utf-8")
    log.warning("test hook: worker %d exits while solving member %d", os.getpid(), member)
    os._exit(17)


def median_hydrology(scenario: Scenario) -> xr.DataArray:
    """Return the median-hydrology inflows ``(time, site)`` of the horizon and its look-ahead.

    Heads start from the median run, and the look-ahead months of every member see these inflows
    (as :func:`aralnexus.optimise` does; see :mod:`aralnexus.dispatch.lookahead`).
    """
    return median_inflows(scenario, scenario.start, optimised_to(scenario.dataset, scenario.end, scenario.resolution))


class MemberSolver:
    """The LP of one scenario variant, kept in HiGHS and re-solved per member.

    Parameters
    ----------
    scenario
        The variant (its horizon and resolution are used).
    options
        Head strategy and tolerances.
    median_inflows
        :func:`median_hydrology` of the scenario, if already computed (the ensemble's parent sends
        it so that workers need not load the hydrology generator).
    """

    def __init__(
        self, scenario: Scenario, options: SolverOptions | None = None, median_inflows: xr.DataArray | None = None
    ) -> None:
        self.scenario = scenario
        self.options = options or SolverOptions()
        tick = time.perf_counter()
        end = optimised_to(scenario.dataset, scenario.end, scenario.resolution)
        #: The optimised system (horizon plus look-ahead) and the reported one (the horizon).
        self.full_system: System = build_run_system(
            scenario, scenario.start, end, scenario.resolution, horizon_end=scenario.end
        )
        self.system: System = (
            self.full_system
            if end == scenario.end
            else build_run_system(scenario, scenario.start, scenario.end, scenario.resolution)
        )
        self.layout: Layout = layout_for(self.system)
        self.iteration = HeadIteration(self.options.tolerance_pct, self.options.max_iterations)
        self.fixed = scenario.head_mode == "fixed"
        if median_inflows is None:
            median_inflows = median_hydrology(scenario)
        inflow = plant_inflows_m3s(self.full_system, median_inflows)
        #: Plant inflows of the look-ahead stages (median), appended to every member's horizon.
        self.lookahead_inflow_m3s: Array = inflow[self.system.calendar.n_stages :]
        outcome = solve_heads(
            self.full_system, inflow, "fixed" if self.fixed else "iterate", self.iteration, self.options.threads
        )
        self.model: LPModel = outcome.model
        self.heads_m: Array = outcome.heads_m
        # drop the trust region of the last head iteration: members' storage must move freely
        self.model.set_heads(self.heads_m, self._median_linearisation(outcome.solution))
        self.reference = outcome.convergence
        self.setup_seconds = time.perf_counter() - tick
        log.info(
            "built LP %s (%d × %d), median heads: %d solves, %.2f %% in %.1f s",
            scenario.name,
            self.model.n_rows,
            self.model.n_cols,
            outcome.convergence.iterations,
            outcome.convergence.max_head_change_pct,
            self.setup_seconds,
        )

    def _median_linearisation(self, solution: LPSolution) -> Linearisation | None:
        if self.options.heads != "median" or self.fixed or solution.status is not SolveStatus.OPTIMAL:
            return None
        cols = self.model.arrays.layout.cols
        return Linearisation(cols[TURBINE].take(solution.x), cols[STORAGE].take(solution.x), NO_TRUST_REGION)

    def _head_change_pct(self, solution: LPSolution, heads: Array) -> tuple[Array, float]:
        storage = self.model.arrays.layout.cols[STORAGE].take(solution.x)
        new = self.full_system.curves.head_m(mean_storage_hm3(self.full_system, storage))
        working = self.full_system.staging.capacity_mw > 0
        rel = np.abs(new - heads) / np.maximum(heads, 1e-9)
        return new, float(100.0 * rel[working].max()) if working.any() else 0.0

    def solve(self, member: int, inflows: xr.DataArray) -> MemberSolution:
        """Update the inflow right-hand sides to ``inflows[time, site]`` and re-solve warm-started."""
        tick = time.perf_counter()
        inflow = np.vstack([plant_inflows_m3s(self.system, inflows), self.lookahead_inflow_m3s])
        self.model.update_inflows(inflow)
        _test_hooks(member)
        solution = self.model.solve()
        tol = self.options.tolerance_pct
        if self.fixed or solution.status is not SolveStatus.OPTIMAL:
            conv = Convergence("fixed" if self.fixed else "median-heads", 1, 0.0, tol, True)
            return self._reported(
                MemberSolution(
                    solution, inflow, self.model.heads_m, conv, time.perf_counter() - tick, self.model.linearisation
                )
            )
        heads = self.model.heads_m
        new, change = self._head_change_pct(solution, heads)
        if self.options.heads == "median":
            conv = Convergence("median-heads", 1, change, tol, change < tol)
            lin = self.model.linearisation
            return self._reported(MemberSolution(solution, inflow, heads, conv, time.perf_counter() - tick, lin))
        iteration = 1
        radius = self.iteration.radius
        while change >= tol and iteration < self.iteration.max_iterations:
            cols = self.model.arrays.layout.cols
            lin = Linearisation(cols[TURBINE].take(solution.x), cols[STORAGE].take(solution.x), radius)
            heads = new
            self.model.set_heads(heads, lin)
            solution = self.model.solve()
            iteration += 1
            radius *= self.iteration.shrink
            if solution.status is not SolveStatus.OPTIMAL:
                break
            new, change = self._head_change_pct(solution, heads)
        used = self.model.linearisation
        # the next member starts from these heads without this member's trust region
        self.model.set_heads(heads, None)
        conv = Convergence("head", iteration, change, tol, change < tol)
        return self._reported(MemberSolution(solution, inflow, heads, conv, time.perf_counter() - tick, used))

    def _reported(self, solved: MemberSolution) -> MemberSolution:
        """Restrict a solution of the horizon plus look-ahead to the reported horizon (:attr:`system`)."""
        if self.full_system is self.system:
            return solved
        n_s, n_t = self.system.calendar.n_stages, self.system.calendar.n_steps
        lin = solved.linearisation
        if lin is not None:
            lin = replace(lin, turbine_m3s=lin.turbine_m3s[:n_t], storage_hm3=lin.storage_hm3[:n_s])
        return replace(
            solved,
            solution=restrict_solution(solved.solution, self.model.arrays.layout, self.layout),
            inflow_m3s=solved.inflow_m3s[:n_s],
            heads_m=solved.heads_m[:n_s],
            linearisation=lin,
        )
