"""Head iteration: successive linear programming on P = 9.81e-3 · η · H(storage) · Q.

Iteration 1 solves the LP with heads at the initial storage. Every later iteration linearises
the output around the previous solution (see :mod:`aralnexus.dispatch.linearise`): heads
``H⁰ = H(S̄⁰)`` from the previous mean stage storage (level from the level–volume curve minus
tailwater = downstream pool level or fixed tailwater) plus the first-order effect of storage on
head, inside a trust region on storage that shrinks by ``shrink`` each iteration. It stops when
the largest relative change between the heads used and the heads of the new solution is below
``tolerance_pct`` (default 0.5 %) or after ``max_iterations``. Each LP is warm-started from the
previous basis. The result is a local optimum of the non-convex problem.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.linearise import Linearisation
from aralnexus.dispatch.model import LPModel
from aralnexus.dispatch.names import STORAGE, TURBINE
from aralnexus.dispatch.solve import LPSolution, SolveStatus
from aralnexus.results.tables import Convergence
from aralnexus.system.system import System
from aralnexus.vocab import HeadMode

log = logging.getLogger(__name__)
Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class HeadIteration:
    """Options of the head iteration.

    Parameters
    ----------
    tolerance_pct
        Stop when the largest relative head change between iterations is below this, in percent.
    max_iterations
        Most LP solves.
    radius
        First trust-region radius, as a share of live storage.
    shrink
        Factor applied to the radius after every iteration.
    """

    tolerance_pct: float = 0.5
    max_iterations: int = 25
    radius: float = 0.3
    shrink: float = 0.6


@dataclass(frozen=True)
class HeadOutcome:
    """The model, its last solution, the heads it used and how the iteration ended."""

    model: LPModel
    solution: LPSolution
    heads_m: Array
    convergence: Convergence


def mean_storage_hm3(system: System, storage_end_hm3: Array) -> Array:
    """Return the mean of start and end storage of every (stage, plant)."""
    start = np.vstack([system.storage_initial_hm3[None, :], storage_end_hm3[:-1]])
    return 0.5 * (start + storage_end_hm3)


def initial_heads_m(system: System, mode: HeadMode) -> Array:
    """Return the first heads: rated heads (fixed mode) or heads at the initial storage (iterate)."""
    n_s = system.calendar.n_stages
    if mode == "fixed":
        return system.curves.rated_heads(n_s)
    storage = np.broadcast_to(system.storage_initial_hm3, (n_s, system.n_plants)).copy()
    storage = np.clip(storage, system.staging.storage_min_hm3, system.staging.storage_max_hm3)
    return system.curves.head_m(storage)


def solve_heads(
    system: System,
    inflow_m3s: Array,
    mode: HeadMode = "iterate",
    options: HeadIteration | None = None,
    threads: int | None = None,
) -> HeadOutcome:
    """Solve the LP at fixed rated heads (``fixed``) or iterate heads to convergence (``iterate``)."""
    opts = options or HeadIteration()
    heads = initial_heads_m(system, mode)
    model = LPModel(system, inflow_m3s, heads, threads=threads)
    solution = model.solve()
    if mode == "fixed" or solution.status is not SolveStatus.OPTIMAL:
        conv = Convergence("fixed" if mode == "fixed" else "head", 1, 0.0, opts.tolerance_pct, True)
        return HeadOutcome(model, solution, heads, conv)
    working = system.staging.capacity_mw > 0
    change_pct = np.inf
    iteration = 1
    radius = opts.radius
    while True:
        cols = model.arrays.layout.cols
        storage = cols[STORAGE].take(solution.x)
        new = system.curves.head_m(mean_storage_hm3(system, storage))
        rel = np.abs(new - heads) / np.maximum(heads, 1e-9)
        change_pct = float(100.0 * rel[working].max()) if working.any() else 0.0
        log.info("head iteration %d: max head change %.3f %%", iteration, change_pct)
        if change_pct < opts.tolerance_pct or iteration >= opts.max_iterations:
            break
        lin = Linearisation(turbine_m3s=cols[TURBINE].take(solution.x), storage_hm3=storage, radius=radius)
        heads = new
        model.set_heads(heads, lin)
        solution = model.solve()
        iteration += 1
        radius *= opts.shrink
        if solution.status is not SolveStatus.OPTIMAL:
            break
    conv = Convergence("head", iteration, change_pct, opts.tolerance_pct, change_pct < opts.tolerance_pct)
    return HeadOutcome(model, solution, heads, conv)
