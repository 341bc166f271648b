"""``LPModel``: one LP structure kept in HiGHS; re-solved with new heads or new inflows, warm-started.

The matrix has a fixed sparsity pattern: the families that do not depend on heads
(:func:`aralnexus.dispatch.build.build_base_lp`) plus every head-dependent entry
(:class:`aralnexus.dispatch.linearise.HeadPattern`). A head update (:meth:`LPModel.set_heads`)
writes new values into that pattern, the turbine and storage bounds, the terminal water value and
the power-balance right-hand sides; nothing is rebuilt. HiGHS has no bulk coefficient change
(``changeCoeff`` takes one entry: ≈ 1 µs each, 9 ms for the 9,060 distinct head positions of the
default pathway, highspy 1.16), so the arrays are handed over whole with ``passModel`` in its array
form (≈ 1.4 ms, :func:`aralnexus.dispatch.solve.pass_arrays`) and the previous basis is set again
for the warm start.

The ensemble runner builds one model per scenario and, per member, changes only the water-balance
right-hand sides and filling bounds (:meth:`LPModel.update_inflows`); :meth:`LPModel.snapshot` and
:meth:`LPModel.restore` put the model back into one recorded state (heads, reference point, storage
box and basis), so that every member starts from the same point whatever was solved before.
Members hand HiGHS their LPs after a head update without the columns that are fixed whatever the
heads, inflows and boxes (:class:`FixedColumns`, :attr:`LPModel.drop_fixed_columns`): same optimum,
primal simplex ≈ a quarter cheaper; solutions come back whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.build import build_base_lp
from aralnexus.dispatch.linearise import (
    HeadPattern,
    Linearisation,
    StorageBox,
    apply_head_terms,
    head_terms,
    restrict_storage,
)
from aralnexus.dispatch.lp import LPArrays, SparsePattern
from aralnexus.dispatch.names import STORAGE, TURBINE, WATER_BALANCE, Layout
from aralnexus.dispatch.solve import LPSolution, Simplex, SolveStatus, new_highs, pass_arrays, run_highs
from aralnexus.dispatch.water import storage_bounds_hm3, water_rhs_hm3
from aralnexus.system.system import System

log = logging.getLogger(__name__)
Array = npt.NDArray[np.float64]
_BASIC = highspy.HighsBasisStatus.kBasic

#: Most primal simplex iterations of a solve at fixed heads warm-started from a linearised LP's basis;
#: beyond them the solve starts again from that basis with dual simplex. Dropping the storage terms can
#: leave that basis singular: HiGHS then swaps logicals in and primal simplex needs 6,500–7,500
#: iterations (0.5–0.7 s; 1 of 8 members of the default 2025–2035 pathway, seed 11) against 365–564
#: for the others; dual simplex from the same basis needs 1,500–1,800 (≈ 60–80 ms) either way.
#: Measured on 24 members, docs/ensembles.md.
FIXED_HEAD_PRIMAL_ITERATIONS = 1_000


@dataclass(frozen=True)
class HeadState:
    """What the head-dependent part of the LP is set to.

    Parameters
    ----------
    heads_m
        Net heads ``(S, P)`` of the power coefficients, m.
    linearisation
        Reference point of the head–storage sensitivity (``None``: output at fixed heads).
    storage_box
        Storage bounds ``(lower, upper)`` ``(S, P)`` intersected with the reservoirs' own.
    """

    heads_m: Array
    linearisation: Linearisation | None = None
    storage_box: StorageBox | None = None


@dataclass(frozen=True)
class ModelState:
    """A recorded state of an :class:`LPModel`: its head state and a basis (``None``: cold start).

    ``reduced``: the basis is of the LP without its fixed columns (:attr:`LPModel.drop_fixed_columns`).
    """

    heads: HeadState
    basis: highspy.HighsBasis | None
    reduced: bool = False


@dataclass(frozen=True)
class FixedColumns:
    """The columns of an LP fixed whatever the heads, inflows and storage boxes, and the LP without them.

    Columns whose bounds are equal in the base LP, outside the ``storage`` and ``turbine`` families
    (the only columns whose bounds or matrix entries heads, inflows or boxes change): closed links,
    sites without demand, must-run thermal output, plants not yet built. On the default 2025–2035
    pathway 11,091 of 25,488 columns. Handing HiGHS the LP without them leaves the same optimum
    (their values enter the row bounds and the objective's constant) and makes a primal simplex
    solve ≈ a quarter cheaper (pricing and column choice scan every column).

    Parameters
    ----------
    keep
        Indices of the columns handed to HiGHS.
    drop
        Indices of the others.
    entries
        Mask of the matrix entries (compressed-column order) of those columns.
    starts
        Column starts of the reduced matrix.
    values_x
        Every column's value when the others are solved for: the fixed value of the dropped ones.
    row_shift
        What the dropped columns contribute to each row (subtracted from its bounds).
    offset
        What they contribute to the objective.
    """

    keep: npt.NDArray[np.int64]
    drop: npt.NDArray[np.int32]
    entries: npt.NDArray[np.bool_]
    starts: npt.NDArray[np.int32]
    values_x: Array
    row_shift: Array
    offset: float

    @staticmethod
    def of(lp: LPArrays, pattern: SparsePattern, values: Array) -> FixedColumns:
        """Return the fixed columns of base arrays ``lp`` with matrix ``values`` in ``pattern``."""
        fixed = lp.col_lower == lp.col_upper
        for family in (STORAGE, TURBINE):
            fixed[lp.layout.cols[family].index.ravel()] = False
        counts = np.diff(pattern.indptr)
        col_of = np.repeat(np.arange(pattern.n_cols), counts)
        value_x = np.where(fixed, lp.col_lower, 0.0)
        shift = np.bincount(pattern.indices, weights=values * value_x[col_of], minlength=pattern.n_rows)
        keep = np.flatnonzero(~fixed)
        starts = np.concatenate([[0], np.cumsum(counts[keep])]).astype(np.int32)
        offset = float(lp.col_cost[fixed] @ lp.col_lower[fixed])
        drop = np.flatnonzero(fixed).astype(np.int32)
        return FixedColumns(keep, drop, ~fixed[col_of], starts, value_x, shift.astype(np.float64), offset)


class LPModel:
    """A built LP held by HiGHS.

    Parameters
    ----------
    system
        The system.
    inflow_m3s
        Natural inflow per (stage, plant), m3/s.
    heads_m
        Heads per (stage, plant) for the power coefficients, m.
    relaxed
        Relax strict constraints at very high penalties.
    threads
        HiGHS threads (default: HiGHS's choice).
    """

    def __init__(
        self, system: System, inflow_m3s: Array, heads_m: Array, *, relaxed: bool = False, threads: int | None = None
    ) -> None:
        self.system = system
        self.relaxed = relaxed
        self.inflow_m3s = np.asarray(inflow_m3s, dtype=np.float64)
        self._highs = new_highs(threads)
        self._base = build_base_lp(system, self.inflow_m3s, relaxed=relaxed)
        self.layout: Layout = self._base.layout
        self.pattern = HeadPattern.of(system, self.layout)
        rows, cols, vals = self._base.triplets()
        keep = vals != 0.0
        self._sparse, position = SparsePattern.of(
            self.layout.n_rows,
            self.layout.n_cols,
            np.concatenate([rows[keep], self.pattern.rows]),
            np.concatenate([cols[keep], self.pattern.cols]),
        )
        n_base = int(keep.sum())
        self._base_values = self._sparse.values(position[:n_base], vals[keep])
        self._head_position = position[n_base:]
        self._current = LPArrays(self.layout)
        self._values = self._base_values
        self.state = HeadState(np.asarray(heads_m, dtype=np.float64))
        #: Scale the LP for primal simplex (the head iteration's steps and final solve). Ensemble members
        #: turn it off after the median run (:mod:`aralnexus.ensemble.solver`; ``dispatch.solve.SCALE_OFF``).
        self.scaled_primal = True
        #: After a head update, hand HiGHS the LP without its fixed columns (:class:`FixedColumns`); the
        #: state put back by :meth:`restore` is always the whole LP. Ensemble members turn it on after the
        #: median run (:mod:`aralnexus.ensemble.solver`), like :attr:`scaled_primal`.
        self.drop_fixed_columns = False
        self._fixed = FixedColumns.of(self._base, self._sparse, self._base_values)
        #: HiGHS holds the LP without its fixed columns.
        self._reduced = False
        #: Basis of a linearised LP set for the next solve at fixed heads (see :meth:`solve`).
        self._dropped_terms_basis: tuple[highspy.HighsBasis, bool] | None = None
        self._compose()
        self._pass(None)

    @property
    def n_cols(self) -> int:
        """Number of LP columns."""
        return self.layout.n_cols

    @property
    def n_rows(self) -> int:
        """Number of LP rows."""
        return self.layout.n_rows

    @property
    def heads_m(self) -> Array:
        """Heads ``(S, P)`` of the current power coefficients."""
        return self.state.heads_m

    @property
    def linearisation(self) -> Linearisation | None:
        """Reference point of the current head–storage sensitivity (``None``: fixed heads)."""
        return self.state.linearisation

    @property
    def arrays(self) -> LPArrays:
        """A copy of the current LP as arrays (bounds, costs and the matrix with the current head terms)."""
        lp = LPArrays(self.layout)
        for name in ("col_lower", "col_upper", "col_cost", "row_lower", "row_upper"):
            setattr(lp, name, getattr(self._current, name).copy())
        lp.offset = self._current.offset
        col_of = np.repeat(np.arange(self.n_cols), np.diff(self._sparse.indptr))
        lp.add(self._sparse.indices, col_of, self._values)
        return lp

    def _compose(self) -> None:
        """Set the current arrays from the base LP and the head state."""
        base, cur, state = self._base, self._current, self.state
        for name in ("col_lower", "col_upper", "col_cost", "row_lower", "row_upper"):
            setattr(cur, name, getattr(base, name).copy())
        cur.offset = base.offset
        terms = head_terms(self.system, self.pattern, state.heads_m, state.linearisation)
        apply_head_terms(cur, self.pattern, terms, matrix=False)
        stor = self.layout.cols[STORAGE].index
        cur.col_lower[stor], cur.col_upper[stor] = restrict_storage(
            base.col_lower[stor], base.col_upper[stor], state.storage_box
        )
        self._values = self._base_values + self._sparse.values(self._head_position, terms.values)

    def _pass(self, basis: highspy.HighsBasis | None, basis_reduced: bool = False, reduced: bool = False) -> None:
        """Hand the current arrays to HiGHS (a fresh solver state) and set a basis for the warm start.

        ``reduced``: the LP without its fixed columns; ``basis_reduced``: the basis is of that LP.
        """
        sparse, fixed = self._sparse, self._fixed
        if basis is not None and basis.valid and reduced and not basis_reduced:
            basis = self._reduced_basis(basis)
            basis_reduced = True
        if reduced:
            cur, keep = self._current, fixed.keep
            lp = LPArrays(self.layout)
            lp.col_cost, lp.col_lower, lp.col_upper = cur.col_cost[keep], cur.col_lower[keep], cur.col_upper[keep]
            lp.row_lower, lp.row_upper = cur.row_lower - fixed.row_shift, cur.row_upper - fixed.row_shift
            lp.offset = cur.offset + fixed.offset
            pass_arrays(self._highs, lp, (fixed.starts, sparse.indices[fixed.entries], self._values[fixed.entries]))
        else:
            pass_arrays(self._highs, self._current, (sparse.indptr, sparse.indices, self._values))
        self._reduced = reduced
        if basis is not None and basis.valid:
            self._highs.setBasis(self._basis_for(basis, basis_reduced, reduced))

    def _reduced_basis(self, basis: highspy.HighsBasis) -> highspy.HighsBasis:
        """Return a basis of the whole LP as one of the LP without fixed columns.

        HiGHS drops the columns' entries itself when it holds the whole LP (``deleteCols``: ≈ 0.5 ms;
        building the lists in Python takes ≈ 15 ms); it invalidates the basis if one of them is basic,
        and then the basis is completed by HiGHS as an alien one (:meth:`_basis_for`).
        """
        if not self._reduced and self._highs.setBasis(basis) == highspy.HighsStatus.kOk:
            self._highs.deleteCols(self._fixed.drop.size, self._fixed.drop)
            dropped = self._highs.getBasis()
            if dropped.valid:
                return dropped
        return self._basis_for(basis, basis_reduced=False, reduced=True)

    def _basis_for(self, basis: highspy.HighsBasis, basis_reduced: bool, reduced: bool) -> highspy.HighsBasis:
        """Return ``basis`` (of the whole LP or of the LP without fixed columns) for the LP handed over."""
        if basis_reduced == reduced:
            return basis
        keep = self._fixed.keep
        out = highspy.HighsBasis()
        out.row_status = basis.row_status
        if reduced:
            status = basis.col_status
            out.col_status = [status[i] for i in keep]
            # a basic fixed column (degenerate) leaves too few basic columns: HiGHS completes the basis
            n_basic = out.col_status.count(_BASIC) + out.row_status.count(_BASIC)
            out.alien = out.was_alien = n_basic != self.n_rows
        else:
            full = np.full(self.n_cols, highspy.HighsBasisStatus.kLower, dtype=object)
            full[keep] = basis.col_status
            out.col_status = full.tolist()
        out.valid = True
        return out

    def set_heads(
        self, heads_m: Array, linearisation: Linearisation | None = None, storage_box: StorageBox | None = None
    ) -> None:
        """Set new heads (and reference point and storage box) in place, keeping the basis for a warm start."""
        basis = self._highs.getBasis()
        dropped = self.state.linearisation is not None and linearisation is None
        self.state = HeadState(np.asarray(heads_m, dtype=np.float64), linearisation, storage_box)
        self._compose()
        was_reduced = self._reduced
        self._pass(basis, was_reduced, self.drop_fixed_columns)
        self._dropped_terms_basis = (basis, was_reduced) if dropped and basis.valid else None

    def snapshot(self) -> ModelState:
        """Record the head state and the current basis (see :meth:`restore`)."""
        basis = self._highs.getBasis()
        return ModelState(self.state, basis if basis.valid else None, self._reduced)

    def restore(self, state: ModelState, inflow_m3s: Array | None = None) -> None:
        """Put the model into a recorded state, with new inflows if given.

        HiGHS gets the arrays afresh and the recorded basis, so the next solve does not depend on
        anything solved before.
        """
        if inflow_m3s is not None:
            self._set_base_inflows(inflow_m3s)
        self._dropped_terms_basis = None
        self.state = state.heads
        self._compose()
        self._pass(state.basis, state.reduced)

    def _set_base_inflows(self, inflow_m3s: Array) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        self.inflow_m3s = np.asarray(inflow_m3s, dtype=np.float64)
        base = self._base
        rows = self.layout.rows[WATER_BALANCE].index.ravel()
        rhs = water_rhs_hm3(self.system, self.inflow_m3s).ravel()
        base.row_lower[rows] = rhs
        base.row_upper[rows] = rhs
        cols = self.layout.cols[STORAGE].index.ravel()
        lower, upper = storage_bounds_hm3(self.system, self.inflow_m3s)
        base.col_lower[cols], base.col_upper[cols] = lower.ravel(), upper.ravel()
        return rows, cols

    def update_inflows(self, inflow_m3s: Array) -> None:
        """Change the water-balance right-hand sides (and filling bounds) to new inflows ``(S, P)`` in m3/s."""
        rows, cols = self._set_base_inflows(inflow_m3s)
        self._compose()
        if self._reduced:  # column indices below are of the whole LP
            self._pass(self._highs.getBasis(), basis_reduced=True)
        cur = self._current
        highs: Any = self._highs
        highs.changeRowsBounds(len(rows), rows.astype(np.int32), cur.row_lower[rows], cur.row_upper[rows])
        highs.changeColsBounds(len(cols), cols.astype(np.int32), cur.col_lower[cols], cur.col_upper[cols])

    def solve(self, simplex: Simplex = Simplex.CHOOSE) -> LPSolution:
        """Solve (warm-started from the last basis when there is one) with the given simplex variant.

        The first primal solve at fixed heads after a linearised LP (the head iteration's final
        solve) gets at most :data:`FIXED_HEAD_PRIMAL_ITERATIONS`; if it needs more, it starts again
        from the same basis with dual simplex.
        """
        dropped, self._dropped_terms_basis = self._dropped_terms_basis, None
        scaled = simplex is not Simplex.PRIMAL or self.scaled_primal
        if simplex is not Simplex.PRIMAL or dropped is None:
            return self._whole(run_highs(self._highs, simplex, scaled=scaled))
        first = run_highs(self._highs, simplex, FIXED_HEAD_PRIMAL_ITERATIONS, scaled=scaled)
        if first.status is not SolveStatus.LIMIT:
            return self._whole(first)
        log.info("fixed-head solve: over %d primal iterations; dual simplex instead", FIXED_HEAD_PRIMAL_ITERATIONS)
        self._pass(dropped[0], dropped[1], self._reduced)
        second = run_highs(self._highs, Simplex.CHOOSE)
        return self._whole(
            replace(
                second,
                seconds=first.seconds + second.seconds,
                iterations=FIXED_HEAD_PRIMAL_ITERATIONS + second.iterations,
            )
        )

    def _whole(self, solution: LPSolution) -> LPSolution:
        """Return a solution of the LP HiGHS holds as one of the whole LP (fixed columns at their values)."""
        if not self._reduced or solution.status is not SolveStatus.OPTIMAL:
            return solution
        x = self._fixed.values_x.copy()
        x[self._fixed.keep] = solution.x
        return replace(solution, x=x)
