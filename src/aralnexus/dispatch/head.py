"""Head iteration: successive linear programming on P = 9.81e-3 · η · H(storage) · Q, then a final solve at fixed heads.

The one head iterator of the package (:func:`iterate_heads`); ``aralnexus optimise``, every
ensemble member and every month of a simulated operating policy use it, only their starting
points and models differ: the dispatch LP (:class:`~aralnexus.dispatch.LPModel`) or any model with
the same head interface (:class:`HeadModel`; the policy's stage LPs,
:mod:`aralnexus.policy.aral_heads`).

1. Solve the LP as the model stands: heads at the initial storage (``optimise``) or the
   linearisation around the variant's median-hydrology run (ensemble members; see
   :mod:`aralnexus.ensemble.solver`).
2. While the largest relative change between the heads the LP used and the heads at its
   solution's mean stage storage is at least ``tolerance_pct`` (default 0.5 %) and fewer than
   ``max_iterations`` LPs were solved: linearise the output around the last solution (see
   :mod:`aralnexus.dispatch.linearise`) inside a trust region and solve again. The trust region
   (``trust_region``) is ``radius`` × live storage around the last solution (``storage``, the
   default), or the storage within which no net head moves by more than ``radius`` of its value
   at the last solution (``head``); it shrinks by ``shrink`` every iteration. The linearised optimum
   usually lies on the region's edge, so the radius sets how fast the iteration converges: with a
   ``head`` region it stops at the latest when half the radius is below the tolerance (a pool's
   level moves by at most half the radius of the heads it enters).
3. Final solve at fixed heads: the heads at the last solution's mean storage, with storage held
   in the band where no net head moves by more than the tolerance
   (:func:`aralnexus.dispatch.linearise.head_band_hm3`). Its output is ``κ · H · Q`` exactly, so
   every reported row has ``0 ≤ P ≤ capacity``, ``P = 0`` when ``Q = 0``, and ``P`` within the
   tolerance of ``9.81e-3 · η · Q · H`` at the head of its own storage. (The linearised output of
   step 2 has none of these: its storage term is taken at the reference flow, so it is non-zero at
   zero flow, and capacity bounds the flow only.)

Every LP is warm-started from the previous basis (primal simplex after a head update on monthly
LPs, dual simplex on hourly ones: :func:`step_simplex`); a head update changes values in place
(:meth:`aralnexus.dispatch.LPModel.set_heads`). The result is a local optimum of the non-convex
problem, polished to exact physics within the tolerance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.linearise import (
    Linearisation,
    StorageBox,
    head_band_hm3,
    heads_at_m,
    mean_storage_hm3,
    trust_region_hm3,
)
from aralnexus.dispatch.model import LPModel
from aralnexus.dispatch.names import STORAGE, TURBINE, Layout
from aralnexus.dispatch.solve import LPSolution, Simplex, SolveStatus
from aralnexus.results.tables import Convergence
from aralnexus.system.system import System
from aralnexus.vocab import HeadMode, TrustRegion

__all__ = [
    "HeadIteration",
    "HeadMode",
    "HeadModel",
    "HeadOutcome",
    "head_change_pct",
    "initial_heads_m",
    "iterate_heads",
    "mean_storage_hm3",
    "solve_heads",
    "step_simplex",
]

log = logging.getLogger(__name__)
Array = npt.NDArray[np.float64]
#: Share of the tolerance the final solve's head band may use (a margin for rounding).
BAND_SHARE = 0.95


@dataclass(frozen=True)
class HeadIteration:
    """Options of the head iteration.

    Parameters
    ----------
    tolerance_pct
        Stop when the largest relative head change between iterations is below this, in percent.
    max_iterations
        Most linearised LP solves (the final solve at fixed heads comes on top).
    radius
        First trust-region radius: a share of live storage (``storage`` region) or of each net head
        (``head`` region).
    shrink
        Factor applied to the radius after every iteration.
    final_solve
        Finish with the solve at fixed converged heads (exact physics within the tolerance).
    trust_region
        ``storage`` (the radius is a share of live storage) or ``head`` (a share of every net head).
    """

    tolerance_pct: float = 0.5
    max_iterations: int = 25
    radius: float = 0.3
    shrink: float = 0.6
    final_solve: bool = True
    trust_region: TrustRegion = "storage"


class HeadModel(Protocol):
    """What the head iteration needs of a model: an LP whose head-dependent part can be set and solved.

    :class:`~aralnexus.dispatch.LPModel` is one (the whole optimised period). ``system`` describes
    the stages the LP covers (its ``storage_initial_hm3`` is the storage before the first of them),
    ``layout`` locates the ``storage`` and ``turbine`` columns in a solution's ``x``.
    """

    @property
    def system(self) -> System:
        """The system of the stages the LP covers."""
        ...

    @property
    def layout(self) -> Layout:
        """Column and row families of the LP."""
        ...

    @property
    def heads_m(self) -> Array:
        """Heads ``(S, P)`` of the current power coefficients."""
        ...

    def solve(self, simplex: Simplex = Simplex.CHOOSE) -> LPSolution:
        """Solve the LP as it stands, warm-started."""
        ...

    def set_heads(
        self, heads_m: Array, linearisation: Linearisation | None = None, storage_box: StorageBox | None = None
    ) -> None:
        """Set heads (and reference point and storage box), keeping the basis."""
        ...

    def snapshot(self) -> Any:
        """Record the head state and basis."""
        ...

    def restore(self, state: Any) -> None:
        """Put the model back into a recorded state."""
        ...


M = TypeVar("M", bound=HeadModel)


@dataclass(frozen=True)
class HeadOutcome(Generic[M]):
    """The model, its last solution, the heads it used and how the iteration ended."""

    model: M
    solution: LPSolution
    heads_m: Array
    convergence: Convergence


def initial_heads_m(system: System, mode: HeadMode) -> Array:
    """Return the first heads: rated heads (fixed mode) or heads at the initial storage (iterate)."""
    n_s = system.calendar.n_stages
    if mode == "fixed":
        return system.curves.rated_heads(n_s)
    storage = np.broadcast_to(system.storage_initial_hm3, (n_s, system.n_plants)).copy()
    storage = np.clip(storage, system.staging.storage_min_hm3, system.staging.storage_max_hm3)
    return system.curves.head_m(storage)


def head_change_pct(system: System, heads_m: Array, new_m: Array) -> float:
    """Return the largest relative change from ``heads_m`` to ``new_m`` over working plants, in percent."""
    working = system.staging.capacity_mw > 0
    if not working.any():
        return 0.0
    rel = np.abs(new_m - heads_m) / np.maximum(heads_m, 1e-9)
    return float(100.0 * rel[working].max())


def step_simplex(system: System) -> Simplex:
    """Return the simplex variant for a solve after a head update, warm-started from the last basis.

    Primal simplex on monthly LPs (2–10 times fewer iterations than dual simplex from the previous
    basis); dual simplex on hourly LPs, where a primal iteration costs about ten times a dual one
    (two hourly months of the default network, iterate heads: 44 s CPU with primal steps, 27 s with dual).
    """
    return Simplex.PRIMAL if system.calendar.resolution == "monthly" else Simplex.CHOOSE


def iterate_heads(model: M, options: HeadIteration | None = None) -> HeadOutcome[M]:
    """Iterate heads to convergence from the model's current state, then solve at the converged heads.

    The model's current heads (and reference point, if any) give the first LP. Returns the last
    optimal solution; if an LP fails the outcome carries that solution (status not optimal).
    """
    opts = options or HeadIteration()
    system, layout = model.system, model.layout
    solution = model.solve()
    iteration = 1
    radius = opts.radius
    change = np.inf
    while solution.status is SolveStatus.OPTIMAL:
        storage = layout.cols[STORAGE].take(solution.x)
        new = heads_at_m(system, storage)
        change = head_change_pct(system, model.heads_m, new)
        log.info("head iteration %d: max head change %.3f %%", iteration, change)
        if change < opts.tolerance_pct or iteration >= opts.max_iterations:
            break
        lin = Linearisation(turbine_m3s=layout.cols[TURBINE].take(solution.x), storage_hm3=storage)
        model.set_heads(new, lin, _trust_region(system, storage, new, radius, opts.trust_region))
        solution = model.solve(step_simplex(system))
        iteration += 1
        radius *= opts.shrink
    if solution.status is not SolveStatus.OPTIMAL:
        conv = Convergence("head", iteration, float(change), opts.tolerance_pct, False)
        return HeadOutcome(model, solution, model.heads_m, conv)
    if not opts.final_solve:
        conv = Convergence("head", iteration, change, opts.tolerance_pct, change < opts.tolerance_pct)
        return HeadOutcome(model, solution, model.heads_m, conv)
    return _final_solve(model, solution, iteration, change, opts)


def _trust_region(system: System, storage_hm3: Array, heads_m: Array, radius: float, kind: TrustRegion) -> StorageBox:
    """Return the storage box of a linearised step around ``storage_hm3`` (heads ``heads_m`` there)."""
    if kind == "head":
        return head_band_hm3(system, storage_hm3, heads_m, radius)
    return trust_region_hm3(system, storage_hm3, radius)


def _final_solve(
    model: M, solution: LPSolution, iteration: int, last_change: float, opts: HeadIteration
) -> HeadOutcome[M]:
    """Solve at fixed heads at the last solution, storage held where heads stay within the tolerance."""
    system, layout = model.system, model.layout
    storage = layout.cols[STORAGE].take(solution.x)
    heads = heads_at_m(system, storage)
    previous = model.snapshot()
    model.set_heads(heads, None, head_band_hm3(system, storage, heads, BAND_SHARE * opts.tolerance_pct / 100.0))
    final = model.solve(step_simplex(system))
    if final.status is not SolveStatus.OPTIMAL:  # not expected: the last solution is feasible in the band
        log.warning("head iteration: final solve at fixed heads %s; reporting the linearised solution", final.status)
        model.restore(previous)
        conv = Convergence("head", iteration, last_change, opts.tolerance_pct, last_change < opts.tolerance_pct)
        return HeadOutcome(model, solution, model.heads_m, conv)
    change = head_change_pct(system, heads, heads_at_m(system, layout.cols[STORAGE].take(final.x)))
    converged = last_change < opts.tolerance_pct and change < opts.tolerance_pct
    conv = Convergence("head", iteration + 1, change, opts.tolerance_pct, converged)
    return HeadOutcome(model, final, heads, conv)


def solve_heads(
    system: System,
    inflow_m3s: Array,
    mode: HeadMode = "iterate",
    options: HeadIteration | None = None,
    threads: int | None = None,
) -> HeadOutcome[LPModel]:
    """Solve the LP at fixed rated heads (``fixed``) or iterate heads from the initial storage (``iterate``)."""
    opts = options or HeadIteration()
    heads = initial_heads_m(system, mode)
    model = LPModel(system, inflow_m3s, heads, threads=threads)
    if mode == "iterate":
        return iterate_heads(model, opts)
    solution = model.solve()
    conv = Convergence("fixed", 1, 0.0, opts.tolerance_pct, True)
    return HeadOutcome(model, solution, heads, conv)
