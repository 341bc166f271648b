"""Solve LP arrays with HiGHS; typed status and solution; warm starts from a previous basis."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum, StrEnum

import highspy
import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.lp import LPArrays

log = logging.getLogger(__name__)
Array = npt.NDArray[np.float64]


class SolveStatus(StrEnum):
    """Outcome of one LP solve."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    LIMIT = "limit reached"
    ERROR = "solver error"


@dataclass(frozen=True)
class LPSolution:
    """Primal and dual values of one solve.

    Parameters
    ----------
    status
        The outcome.
    objective
        Objective value (cost, US$) including the constant offset.
    x
        Column values.
    row_dual
        Row duals (∂ objective / ∂ right-hand side).
    seconds
        Wall time of the solve.
    iterations
        Simplex iterations (0 for interior point).
    """

    status: SolveStatus
    objective: float
    x: Array
    row_dual: Array
    seconds: float
    iterations: int


_STATUS = {
    highspy.HighsModelStatus.kOptimal: SolveStatus.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: SolveStatus.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kTimeLimit: SolveStatus.LIMIT,
    highspy.HighsModelStatus.kIterationLimit: SolveStatus.LIMIT,
}


def to_highs_lp(
    lp: LPArrays, matrix: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], Array] | None = None
) -> highspy.HighsLp:
    """Convert LP arrays into a ``HighsLp`` (column-wise matrix).

    ``matrix`` = ``(column starts, row indices, values)`` replaces ``lp.matrix()`` (a model with
    its own fixed pattern, :class:`aralnexus.dispatch.LPModel`).
    """
    if matrix is None:
        mat = lp.matrix()
        matrix = (mat.indptr.astype(np.int32), mat.indices.astype(np.int32), mat.data)
    model = highspy.HighsLp()
    model.num_col_ = lp.layout.n_cols
    model.num_row_ = lp.layout.n_rows
    model.col_cost_ = lp.col_cost
    model.col_lower_ = lp.col_lower
    model.col_upper_ = lp.col_upper
    model.row_lower_ = lp.row_lower
    model.row_upper_ = lp.row_upper
    model.offset_ = lp.offset
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_, model.a_matrix_.index_, model.a_matrix_.value_ = matrix
    return model


def pass_arrays(
    h: highspy.Highs, lp: LPArrays, matrix: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], Array]
) -> None:
    """Hand LP arrays and a column-wise matrix ``(starts, row indices, values)`` to HiGHS (a fresh solver state).

    The arrays go through ``passModel``'s array form (≈ 1 ms on the default pathway); filling a
    ``HighsLp`` first (:func:`to_highs_lp`) converts every vector element by element (≈ 20–35 ms).

    Raises
    ------
    RuntimeError
        If HiGHS refuses the model.
    """
    starts, index, values = matrix
    n_col, n_row = len(lp.col_cost), len(lp.row_lower)  # the layout's, or fewer columns (LPModel's fixed ones dropped)

    def floats(a: Array) -> Array:
        return np.ascontiguousarray(a, dtype=np.float64)

    status = h.passModel(
        n_col,
        n_row,
        len(values),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        float(lp.offset),
        floats(lp.col_cost),
        floats(lp.col_lower),
        floats(lp.col_upper),
        floats(lp.row_lower),
        floats(lp.row_upper),
        np.ascontiguousarray(starts, dtype=np.int32),
        np.ascontiguousarray(index, dtype=np.int32),
        floats(values),
        np.zeros(n_col, dtype=np.int32),  # every column continuous
    )
    if status == highspy.HighsStatus.kError:
        msg = f"HiGHS refused the LP ({n_row} rows × {n_col} columns, {len(values)} entries)"
        raise RuntimeError(msg)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence C-level stdout (HiGHS prints a banner when constructed, before options apply)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def new_highs(threads: int | None = None) -> highspy.Highs:
    """Return a silent HiGHS instance."""
    with _quiet_stdout():
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    if threads:
        h.setOptionValue("threads", int(threads))
    return h


#: Thread count HiGHS's process-wide scheduler was last started with (None: not started yet).
_scheduler_threads: list[int | None] = [None]


def _match_scheduler(h: highspy.Highs) -> None:
    """Restart HiGHS's global scheduler when this instance asks for another thread count.

    HiGHS starts one scheduler per process with the ``threads`` option of the first run and
    refuses later runs that ask for a different number (status "solver error"). Models built
    with different ``threads`` (an ensemble member solver after ``optimise``) then fail; resetting
    the scheduler between such runs keeps both working.
    """
    value = h.getOptionValue("threads")  # (status, value) in highspy ≥ 1.8, the value before
    wanted = int(value[-1] if isinstance(value, tuple) else value)
    if _scheduler_threads[0] is not None and _scheduler_threads[0] != wanted:
        highspy.Highs.resetGlobalScheduler(True)
    _scheduler_threads[0] = wanted


class Simplex(IntEnum):
    """HiGHS ``simplex_strategy`` values used here."""

    #: HiGHS's choice (dual simplex): best after right-hand-side and bound changes (a dual-feasible basis).
    CHOOSE = 0
    #: Primal simplex: after a head update on monthly LPs (:func:`aralnexus.dispatch.head.step_simplex`);
    #: on the default pathway it needs 2–10 times fewer iterations than dual simplex from the previous basis.
    PRIMAL = 4


#: HiGHS ``simplex_scale_strategy``: its default (equilibration).
SCALE_DEFAULT = 2
#: ``simplex_scale_strategy`` off: the primal head-iteration solves of ensemble members
#: (:attr:`aralnexus.dispatch.LPModel.scaled_primal`). HiGHS scales every LP handed over afresh
#: (≈ 3.5 ms on the default pathway's 3,240 × 24,624 LP); unscaled, a member's primal solves need
#: about as many iterations: 24 members of the default 2025–2035 pathway, same objectives (within
#: 5e-7 relative), ≈ 10 % less CPU per member (docs/ensembles.md).
SCALE_OFF = 0


#: HiGHS's own ``simplex_iteration_limit`` (none).
NO_ITERATION_LIMIT = 2_147_483_647


def run_highs(
    h: highspy.Highs, simplex: Simplex = Simplex.CHOOSE, iteration_limit: int | None = None, scaled: bool = True
) -> LPSolution:
    """Run HiGHS on its current model (warm-started from its current basis) and read the solution.

    ``iteration_limit`` caps the simplex iterations of this solve (status ``LIMIT`` when reached);
    ``scaled=False`` solves the LP unscaled (:data:`SCALE_OFF`).
    """
    start = time.perf_counter()
    h.setOptionValue("simplex_strategy", int(simplex))
    h.setOptionValue("simplex_iteration_limit", NO_ITERATION_LIMIT if iteration_limit is None else iteration_limit)
    h.setOptionValue("simplex_scale_strategy", SCALE_DEFAULT if scaled else SCALE_OFF)
    _match_scheduler(h)
    h.run()
    status = _STATUS.get(h.getModelStatus(), SolveStatus.ERROR)
    if status is SolveStatus.ERROR:
        # No verdict: "Not Set" (HiGHS refused to run, e.g. because other code in this process — PyPSA,
        # the policy's stage solvers — restarted its global scheduler with another thread count) or
        # "Unknown" after a warm start. Restart the scheduler and solve once more from scratch.
        found = h.modelStatusToString(h.getModelStatus())
        log.warning("HiGHS: %s; restarting its scheduler and solving from scratch", found)
        highspy.Highs.resetGlobalScheduler(True)
        h.clearSolver()
        h.run()
        status = _STATUS.get(h.getModelStatus(), SolveStatus.ERROR)
    seconds = time.perf_counter() - start
    if status is not SolveStatus.OPTIMAL:
        log.info("HiGHS: %s", h.modelStatusToString(h.getModelStatus()))
        return LPSolution(status, float("nan"), np.zeros(0), np.zeros(0), seconds, 0)
    sol = h.getSolution()
    info = h.getInfo()
    return LPSolution(
        status=status,
        objective=float(info.objective_function_value),
        x=np.asarray(sol.col_value, dtype=np.float64),
        row_dual=np.asarray(sol.row_dual, dtype=np.float64),
        seconds=seconds,
        iterations=int(info.simplex_iteration_count),
    )
