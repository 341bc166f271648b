"""One LP per scenario variant, re-solved per member with new inflows (RHS only) and a warm start.

:class:`MemberSolver` builds the system and the LP once (``aralnexus.dispatch.LPModel``) and solves
the variant's median-hydrology run with the optimiser's head iteration. Its converged point is the
*start* of every member: the output linearised around it (its heads plus the first-order effect of
storage on head, no trust region) and the basis of that LP at median inflows. For each member the
model is put back into that recorded state with the member's water-balance right-hand sides
(``LPModel.restore``), so a member's result depends on its inflows only — not on which members the
worker solved before, the worker count, the chunking or the backend. Heads (the nonlinear part)
follow one of two strategies (:data:`HeadStrategy`):

``iterate`` (default)
    The optimiser's own head iteration (:func:`aralnexus.dispatch.head.iterate_heads`) from that
    start, ending with the solve at fixed converged heads: exact physics within the tolerance.
    A member starts near its optimum (its first LP is the ``median`` solve), so its linearised
    steps use a trust region on heads (:data:`MEMBER_RADIUS`, :data:`MEMBER_SHRINK`) instead of the
    optimiser's wide storage region: three steps instead of eight to ten.
``median``
    One LP solve per member from that start. Each member records how far its own storage would
    move the heads (``max_head_change_pct``); see docs/ensembles.md for the measured accuracy.
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
from aralnexus.dispatch.head import HeadIteration, iterate_heads, solve_heads
from aralnexus.dispatch.inputs import plant_inflows_m3s
from aralnexus.dispatch.linearise import Linearisation, heads_at_m
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

#: First trust-region radius of a member's linearised steps: no net head moves by more than 8 %.
MEMBER_RADIUS = 0.08
#: Shrink of that radius per step: 8 %, 2.8 %, 0.98 %, so that the third step moves no head by more
#: than 0.49 % (half the radius), within the default 0.5 % tolerance. On eight members of the default
#: 2025–2035 pathway: 5 LP solves instead of 10.8–11.5, simplex iterations 2.3 instead of 3.8 times a
#: ``median`` member's; the objectives are another local optimum, 0.03–0.26 % below the optimiser's
#: schedule's (mean 0.15 %; docs/ensembles.md).
MEMBER_SHRINK = 0.35

#: Test hook: the worker solving this member exits abruptly (``os._exit``) mid-solve, once.
CRASH_MEMBER_ENV = "ARALNEXUS_TEST_CRASH_MEMBER"
#: Test hook: marker file making the crash happen once (created just before exiting).
CRASH_ONCE_ENV = "ARALNEXUS_TEST_CRASH_ONCE"
#: Test hook: seconds to sleep before each member's solve (to make runs slow enough to interrupt).
SLOW_ENV = "ARALNEXUS_TEST_SLOW_S"


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
    """The LP of one scenario variant, kept in HiGHS and re-solved per member from one recorded start.

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
        #: A member's head iteration: the optimiser's, from the member's first LP in a trust region on heads.
        self.member_iteration = replace(self.iteration, radius=MEMBER_RADIUS, shrink=MEMBER_SHRINK, trust_region="head")
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
        self.reference = outcome.convergence
        if not self.fixed and outcome.solution.status is SolveStatus.OPTIMAL:
            # every member starts from the median run's linearisation, without a trust region,
            # and from the basis of that LP at median inflows
            cols = self.model.layout.cols
            storage = cols[STORAGE].take(outcome.solution.x)
            lin = Linearisation(cols[TURBINE].take(outcome.solution.x), storage)
            self.model.set_heads(heads_at_m(self.full_system, storage), lin)
            self.model.solve()
        self.start = self.model.snapshot()
        # members' primal solves unscaled: as many iterations, no scaling pass (dispatch.solve.SCALE_OFF);
        # after the median run, so that the start does not move
        self.model.scaled_primal = False
        # and without the LP's fixed columns after each head update (dispatch.model.FixedColumns)
        self.model.drop_fixed_columns = True
        self.heads_m: Array = self.model.heads_m
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

    def solve(self, member: int, inflows: xr.DataArray) -> MemberSolution:
        """Restore the recorded start with the member's ``inflows[time, site]`` and solve its heads."""
        tick = time.perf_counter()
        inflow = np.vstack([plant_inflows_m3s(self.system, inflows), self.lookahead_inflow_m3s])
        self.model.restore(self.start, inflow)
        _test_hooks(member)
        tol = self.options.tolerance_pct
        if self.fixed:
            solution = self.model.solve()
            conv = Convergence("fixed", 1, 0.0, tol, True)
            heads = self.model.heads_m
        elif self.options.heads == "median":
            once = replace(self.iteration, max_iterations=1, final_solve=False)
            outcome = iterate_heads(self.model, once)
            solution, heads = outcome.solution, outcome.heads_m
            conv = replace(outcome.convergence, mode="median-heads")
        else:
            outcome = iterate_heads(self.model, self.member_iteration)
            solution, heads, conv = outcome.solution, outcome.heads_m, outcome.convergence
        lin = self.model.linearisation
        return self._reported(MemberSolution(solution, inflow, heads, conv, time.perf_counter() - tick, lin))

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
            solution=restrict_solution(solved.solution, self.model.layout, self.layout),
            inflow_m3s=solved.inflow_m3s[:n_s],
            heads_m=solved.heads_m[:n_s],
            linearisation=lin,
        )
