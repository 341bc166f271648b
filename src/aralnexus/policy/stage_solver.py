"""One stage LP held in a HiGHS instance: built once, then only bounds, costs and cuts change.

The incoming state is imposed by fixing the ``state_in`` columns (``changeColsBounds``); their
reduced costs are then the derivatives of the stage's optimal value with respect to the incoming
state, i.e. the slopes of a Benders cut. Noise outcomes change row bounds, column bounds or costs in
one call per kind. Cuts are appended rows (``addRows``). Every solve starts from the previous basis
(simplex warm start; presolve is off so the basis carries over).

Every cut added is kept in the solver's cut pool; :meth:`StageSolver.select_cuts` keeps in the LP
only some of them (e.g. those highest at the visited points: level-1 dominance) and deletes the
other rows. Fewer rows make each solve faster, and the solutions stay those of the LP with every
cut: after each solve the cuts left out are evaluated at the solution (one matrix-vector product)
and those it violates, if any, are added back and the LP solved again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.solve import Simplex, new_highs
from aralnexus.policy.problem import Array, IntArray, StageLP
from aralnexus.policy.selection import Dominance, highest_cuts

_I32 = np.int32
log = logging.getLogger(__name__)


class StageSolveError(RuntimeError):
    """A stage LP had no optimal solution (the problem lacks relatively complete recourse)."""


@dataclass(frozen=True)
class StageSolution:
    """The solution of one stage LP for one incoming state and noise outcome.

    Parameters
    ----------
    objective
        Optimal value including the cost-to-go ``θ``.
    stage_cost
        Optimal value without ``θ`` (the stage's own cost).
    outgoing
        Values of the outgoing state, shape ``(n_states,)``.
    slopes
        Derivative of ``objective`` with respect to the incoming state, shape ``(n_states,)``.
    x
        All column values of the stage LP (without the ``θ`` columns).
    row_dual
        Duals of the stage LP's own rows (without cut rows) when asked for, else empty.
    extra
        Values a :class:`~aralnexus.policy.passes.StageHook` attaches (e.g. the heads it used), else empty.
    """

    objective: float
    stage_cost: float
    outgoing: Array
    slopes: Array
    x: Array
    row_dual: Array = field(default_factory=lambda: np.zeros(0))
    extra: Array = field(default_factory=lambda: np.zeros(0))


class StageSolver:
    """A stage LP plus its cost-to-go columns in one HiGHS instance.

    Parameters
    ----------
    stage
        The stage LP.
    n_theta
        Number of cost-to-go columns: 0 for the last stage, 1 for single cuts, ``K`` (outcomes of
        the next stage) for multi-cuts.
    theta_weights
        Objective weight of each cost-to-go column (1 for a single cut, the next stage's
        probabilities for multi-cuts).
    theta_lower
        Lower bound of every cost-to-go column.
    """

    def __init__(self, stage: StageLP, n_theta: int, theta_weights: Array, theta_lower: float) -> None:
        """Pass the stage LP and its cost-to-go columns to a new HiGHS instance."""
        self.stage = stage
        self.n_cols = stage.n_cols
        self.n_theta = n_theta
        self.theta_cols = np.arange(stage.n_cols, stage.n_cols + n_theta, dtype=np.int64)
        self._theta_weights = np.asarray(theta_weights, dtype=np.float64)
        self.h = new_highs()
        for name, value in (("presolve", "off"), ("solver", "simplex")):
            self.h.setOptionValue(name, value)
        self.h.passModel(self._highs_lp(theta_lower))
        self._state_in = stage.state_in.astype(_I32)
        self._split_noise()
        n_states = stage.n_states
        # the cut pool: every cut added, and which of them are rows of the LP (in row order)
        self._pool_theta = np.zeros(0, dtype=np.int64)
        self._pool_intercept = np.zeros(0)
        self._pool_slope = np.zeros((0, n_states))
        self._lp_cuts = np.zeros(0, dtype=np.int64)
        self._in_lp = np.zeros(0, dtype=bool)
        # the highest cut of each cost-to-go column at each trial point recorded (cut selection)
        self.dominance = Dominance(n_theta, n_states)
        self.solves = 0

    @property
    def n_cuts(self) -> int:
        """Number of cuts added (the pool, whether or not their rows are in the LP)."""
        return int(self._pool_intercept.shape[0])

    @property
    def n_cut_rows(self) -> int:
        """Number of cuts that are rows of the LP now."""
        return int(self._lp_cuts.shape[0])

    def _highs_lp(self, theta_lower: float) -> highspy.HighsLp:
        """Return the stage LP with the cost-to-go columns appended."""
        st = self.stage
        mat = st.matrix.tocsc()
        n = st.n_cols + self.n_theta
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = st.n_rows
        lp.col_cost_ = np.concatenate([st.col_cost, self._theta_weights])
        lp.col_lower_ = np.concatenate([st.col_lower, np.full(self.n_theta, theta_lower)])
        lp.col_upper_ = np.concatenate([st.col_upper, np.full(self.n_theta, np.inf)])
        lp.row_lower_ = st.row_lower
        lp.row_upper_ = st.row_upper
        lp.offset_ = st.offset
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        indptr = np.concatenate([mat.indptr, np.full(self.n_theta, mat.indptr[-1])])
        lp.a_matrix_.start_ = indptr.astype(_I32)
        lp.a_matrix_.index_ = mat.indices.astype(_I32)
        lp.a_matrix_.value_ = mat.data.astype(np.float64)
        return lp

    def _split_noise(self) -> None:
        """Precompute where each noise term goes (rows, bounded columns, costs) as index arrays."""
        noise, st = self.stage.noise, self.stage
        kinds = np.asarray(noise.kinds, dtype=object)
        idx = noise.indices
        self._rhs_pos = np.flatnonzero(kinds == "rhs")
        self._rhs_rows = idx[self._rhs_pos].astype(_I32)
        self._rhs_lower_finite = np.isfinite(st.row_lower[self._rhs_rows])
        self._rhs_upper_finite = np.isfinite(st.row_upper[self._rhs_rows])
        self._cost_pos = np.flatnonzero(kinds == "cost")
        self._cost_cols = idx[self._cost_pos].astype(_I32)
        bounded = np.isin(kinds, ["fix", "lower", "upper"])
        self._bound_cols = np.unique(idx[bounded]).astype(_I32)
        where = np.searchsorted(self._bound_cols, idx)
        self._lower_pos = np.flatnonzero(np.isin(kinds, ["fix", "lower"]))
        self._upper_pos = np.flatnonzero(np.isin(kinds, ["fix", "upper"]))
        self._lower_at, self._upper_at = where[self._lower_pos], where[self._upper_pos]

    def set_noise(self, values: Array) -> None:
        """Apply one noise outcome (values of the stage's noise terms, in order)."""
        st, h = self.stage, self.h
        v = np.asarray(values, dtype=np.float64)
        if self._rhs_pos.size:
            r = v[self._rhs_pos]
            lower = np.where(self._rhs_lower_finite, r, -np.inf)
            upper = np.where(self._rhs_upper_finite, r, np.inf)
            n_rows = self._rhs_rows.shape[0]
            h.changeRowsBounds(n_rows, self._rhs_rows, lower, upper)  # type: ignore[attr-defined]
        if self._bound_cols.size:
            lower, upper = st.col_lower[self._bound_cols].copy(), st.col_upper[self._bound_cols].copy()
            lower[self._lower_at] = v[self._lower_pos]
            upper[self._upper_at] = v[self._upper_pos]
            h.changeColsBounds(self._bound_cols.shape[0], self._bound_cols, lower, upper)
        if self._cost_pos.size:
            h.changeColsCost(self._cost_cols.shape[0], self._cost_cols, np.ascontiguousarray(v[self._cost_pos]))

    def add_cuts(self, theta: IntArray, intercepts: Array, slopes: Array) -> None:
        """Add cuts ``θ[theta] ≥ intercept + slope·outgoing_state`` to the pool and the LP (one row each)."""
        m = intercepts.shape[0]
        if m == 0:
            return
        first = self.n_cuts
        self._pool_theta = np.concatenate([self._pool_theta, np.asarray(theta, dtype=np.int64)])
        self._pool_intercept = np.concatenate([self._pool_intercept, np.asarray(intercepts, dtype=np.float64)])
        self._pool_slope = np.concatenate([self._pool_slope, np.asarray(slopes, dtype=np.float64).reshape(m, -1)])
        self._in_lp = np.concatenate([self._in_lp, np.zeros(m, dtype=bool)])
        self._add_rows(np.arange(first, first + m, dtype=np.int64))

    def _add_rows(self, ids: IntArray) -> None:
        """Append the pool's cuts ``ids`` to the LP as rows."""
        m = ids.shape[0]
        if m == 0:
            return
        n_states = self.stage.n_states
        theta = self._pool_theta[ids]
        cols = np.column_stack([self.theta_cols[theta], np.broadcast_to(self.stage.state_out, (m, n_states))])
        vals = np.column_stack([np.ones(m), -self._pool_slope[ids]])
        starts = np.arange(m, dtype=_I32) * (n_states + 1)
        self.h.addRows(
            m,
            self._pool_intercept[ids],
            np.full(m, np.inf),
            cols.size,
            starts,
            cols.ravel().astype(_I32),
            vals.ravel(),
        )
        self._lp_cuts = np.concatenate([self._lp_cuts, ids])
        self._in_lp[ids] = True

    def dominant_cuts(self, points: Array) -> npt.NDArray[np.bool_]:
        """Return which pool cuts are the highest of their cost-to-go column at one of ``points`` ``(n, n_states)``.

        Level-1 dominance (as SDDP.jl's cut selection): at each point, for each cost-to-go
        column, the first cut of the highest value.
        """
        keep = np.zeros(self.n_cuts, dtype=bool)
        pts = np.atleast_2d(np.asarray(points, dtype=np.float64))
        if pts.shape[0] == 0 or self.n_cuts == 0:
            return keep
        _, cut = highest_cuts(
            self.n_theta, self._pool_theta, self._pool_intercept, self._pool_slope, np.arange(self.n_cuts), pts
        )
        keep[cut[cut >= 0]] = True
        return keep

    def select_dominant_cuts(self) -> None:
        """Keep as rows only the cuts highest at one of the trial points in :attr:`dominance`.

        The same cuts as ``select_cuts(dominant_cuts(points))`` with every point recorded, but only
        what is new since the last selection is evaluated (:class:`~aralnexus.policy.selection.Dominance`).
        """
        if self.dominance.n_points:
            self.select_cuts(self.dominance.keep(self._pool_theta, self._pool_intercept, self._pool_slope))

    def select_cuts(self, keep: npt.NDArray[np.bool_] | None = None) -> None:
        """Make the LP's cut rows exactly the pool's cuts ``keep`` (all of them when ``None``).

        Rows of cuts not kept are deleted; kept cuts that are not rows are appended. The basis of
        the remaining rows is kept by HiGHS. Solutions do not change: every solve checks the cuts
        left out and adds back any its solution violates (:meth:`resolve`).
        """
        want = np.ones(self.n_cuts, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
        drop = np.flatnonzero(~want[self._lp_cuts])
        if drop.size:
            rows = (self.stage.n_rows + drop).astype(_I32)
            self.h.deleteRows(rows.shape[0], rows)
            self._in_lp[self._lp_cuts[drop]] = False
            self._lp_cuts = np.delete(self._lp_cuts, drop)
        self._add_rows(np.flatnonzero(want & ~self._in_lp))

    def change_coefficients(self, rows: IntArray, cols: IntArray, values: Array) -> None:
        """Change matrix entries of the stage LP (e.g. power coefficients at new heads; one HiGHS call each)."""
        for r, c, v in zip(rows.tolist(), cols.tolist(), np.asarray(values, dtype=np.float64).tolist(), strict=True):
            self.h.changeCoeff(r, c, v)

    def change_col_bounds(self, cols: IntArray, lower: Array, upper: Array) -> None:
        """Change column bounds of the stage LP (not the state-in or noise columns, which every solve sets)."""
        idx = np.asarray(cols, dtype=_I32)
        lo, up = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
        self.h.changeColsBounds(idx.shape[0], idx, lo, up)

    def change_row_bounds(self, rows: IntArray, lower: Array, upper: Array) -> None:
        """Change row bounds of the stage LP (not the noise rows, which every solve sets)."""
        idx = np.asarray(rows, dtype=_I32)
        lo, up = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
        self.h.changeRowsBounds(idx.shape[0], idx, lo, up)  # type: ignore[attr-defined]

    def change_col_costs(self, cols: IntArray, cost: Array) -> None:
        """Change objective coefficients of stage-LP columns (not the noise columns)."""
        idx = np.asarray(cols, dtype=_I32)
        self.h.changeColsCost(idx.shape[0], idx, np.ascontiguousarray(cost, dtype=np.float64))

    def solve(self, incoming: Array, noise_values: Array, duals: bool = False) -> StageSolution:
        """Solve for an incoming state and a noise outcome; raise :class:`StageSolveError` if not optimal.

        With ``duals`` the row duals of the stage's own rows are returned too.
        """
        inc = np.ascontiguousarray(incoming, dtype=np.float64)
        self.h.changeColsBounds(inc.shape[0], self._state_in, inc, inc)
        self.set_noise(noise_values)
        return self.resolve(duals)

    def _from_scratch(self) -> highspy.HighsModelStatus:
        """Solve again without the warm start after a solve ended without a verdict; return the status.

        Numerical trouble from a warm start (status "Unknown", seen with hundreds of cuts, or a
        spurious "Infeasible": cut rows never make a stage infeasible, since the cost-to-go columns
        have no upper bound, yet HiGHS declared the default pathway's April 2028 infeasible after
        ~90 iterations at a state it solves without cuts) is solved once more from scratch by dual
        simplex, then, if that is not optimal either, by primal simplex (the strategy is set back
        afterwards). Each fallback is logged. An LP that is infeasible still ends infeasible.
        """
        ok = (highspy.HighsModelStatus.kOptimal,)
        found = self.h.modelStatusToString(self.h.getModelStatus())
        log.warning("stage LP: %s after a warm start; solving from scratch", found)
        self.h.clearSolver()
        self.h.run()
        status = self.h.getModelStatus()
        if status in ok:
            return status
        log.warning("stage LP: %s from scratch; trying primal simplex", self.h.modelStatusToString(status))
        previous = self._strategy()
        self.h.setOptionValue("simplex_strategy", int(Simplex.PRIMAL))
        try:
            self.h.clearSolver()
            self.h.run()
            return self.h.getModelStatus()
        finally:
            self.h.setOptionValue("simplex_strategy", previous)

    def resolve(self, duals: bool = False, simplex: int | None = None) -> StageSolution:
        """Solve the LP as it stands (after :meth:`solve` and any coefficient or bound change).

        ``simplex`` is a HiGHS ``simplex_strategy`` for this solve only (e.g. primal simplex after a
        coefficient change, :class:`aralnexus.dispatch.solve.Simplex`); default: the instance's.
        """
        if simplex is None:
            return self._resolve(duals)
        previous = self._strategy()
        self.h.setOptionValue("simplex_strategy", int(simplex))
        try:
            return self._resolve(duals)
        finally:
            self.h.setOptionValue("simplex_strategy", previous)

    def _strategy(self) -> int:
        """Return the instance's current ``simplex_strategy``."""
        value = self.h.getOptionValue("simplex_strategy")  # (status, value) in highspy ≥ 1.8, the value before
        return int(value[-1] if isinstance(value, tuple) else value)

    def _run(self) -> highspy.HighsModelStatus:
        """Run HiGHS on the LP as it stands, with the fallbacks of :meth:`_from_scratch`; return the status."""
        self.h.run()
        status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kSolveError:  # another thread count started the scheduler
            highspy.Highs.resetGlobalScheduler(True)
            self.h.run()
            status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            status = self._from_scratch()
        return status

    def _violated_cuts(self, x_all: Array) -> IntArray:
        """Return the pool cuts outside the LP that the solution ``x_all`` violates.

        A cut counts as violated when it exceeds its cost-to-go column's value by more than 1e-9
        of ``max(1, |value|)`` (the cut rows' own tolerance is HiGHS's primal feasibility
        tolerance). All of them are returned, so one re-solve usually suffices.
        """
        need = x_all[self.theta_cols][self._pool_theta]
        excess = self._pool_intercept + self._pool_slope @ x_all[self.stage.state_out] - need
        bad = (excess > 1e-9 * np.maximum(1.0, np.abs(need))) & ~self._in_lp
        return np.flatnonzero(bad)

    def _resolve(self, duals: bool) -> StageSolution:
        status = self._run()
        # cuts of the pool left out of the LP (cut selection) are checked at the solution; a violated one
        # is added and the LP solved again, so the solution is the one of the LP with every cut
        while status == highspy.HighsModelStatus.kOptimal and self.n_cut_rows < self.n_cuts:
            missing = self._violated_cuts(np.asarray(self.h.getSolution().col_value, dtype=np.float64))
            if missing.size == 0:
                break
            self._add_rows(missing)
            status = self._run()
        self.solves += 1
        if status != highspy.HighsModelStatus.kOptimal:
            raise StageSolveError(f"stage LP not solved to optimality: {self.h.modelStatusToString(status)}")
        sol = self.h.getSolution()
        x_all = np.asarray(sol.col_value, dtype=np.float64)
        dual = np.asarray(sol.col_dual, dtype=np.float64)
        objective = float(self.h.getObjectiveValue())
        theta_cost = float(self._theta_weights @ x_all[self.theta_cols]) if self.n_theta else 0.0
        x = x_all[: self.n_cols]
        return StageSolution(
            objective=objective,
            stage_cost=objective - theta_cost,
            outgoing=x[self.stage.state_out],
            slopes=dual[self.stage.state_in],
            x=x,
            row_dual=np.asarray(sol.row_dual, dtype=np.float64)[: self.stage.n_rows] if duals else np.zeros(0),
        )
