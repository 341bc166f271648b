"""Exact heads for a simulated policy month: dispatch's head iteration on one stage LP.

A simulated month is solved with the policy's cuts at the heads fixed in training, then its heads
are iterated by :func:`aralnexus.dispatch.head.iterate_heads` — the one head iterator of the
package, the same loop as ``aralnexus optimise`` and every ensemble member (trust region on
storage, linearisation around the last solution, final solve at the converged heads with storage
held in the head band). :class:`StageHeadModel` gives it what it needs of a model
(:class:`~aralnexus.dispatch.head.HeadModel`) over the stage's HiGHS instance:

- ``system``: the pathway's system cut to the month (:func:`stage_system`), whose start storage is
  the month's incoming storage state; ``layout``: the dispatch LP's families in the stage LP's
  positions (:attr:`~aralnexus.policy.aral.StageIndex.layout`);
- ``set_heads``: dispatch's own head terms (:func:`aralnexus.dispatch.linearise.head_terms`) for
  that one-month system — power coefficients and storage sensitivities written into the stage
  LP's power balances, turbine bounds, the constant part of the linearisation on the power-balance
  bounds, the storage box on the outgoing storage and (last month) the terminal water value.

The cost-to-go (the cuts on the outgoing state) stays in every solve, so each month's decision is
still the policy's. After the month, the stage LP is put back exactly as trained (coefficients,
bounds and costs from the :class:`~aralnexus.policy.problem.StageLP`), so every member starts from
the same LP.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from aralnexus.dispatch.head import HeadIteration, iterate_heads
from aralnexus.dispatch.linearise import HeadPattern, Linearisation, StorageBox, head_terms, restrict_storage
from aralnexus.dispatch.names import POWER_BALANCE, STORAGE, TURBINE, Layout
from aralnexus.dispatch.solve import LPSolution, Simplex, SolveStatus
from aralnexus.policy.aral import COST_SCALE, StageIndex
from aralnexus.policy.problem import Array
from aralnexus.policy.stage_solver import StageSolution, StageSolveError, StageSolver
from aralnexus.system.system import System


def stage_system(system: System, stage: int) -> System:
    """Return ``system`` cut to one stage: its steps, staging, curves, demand, links, thermal and releases.

    The result is a one-stage system (stage 0, steps numbered from 0) with the same plants,
    topology and economics; its start storage is the system's own until replaced
    (``dataclasses.replace(..., storage_initial_hm3=...)``). A look-ahead stage stays one.
    """
    cal = system.calendar
    steps = np.flatnonzero(cal.step_stage == stage)
    one = slice(stage, stage + 1)
    step_table = cal.steps.iloc[steps].reset_index(drop=True).assign(step=np.arange(steps.size), stage=0)
    stage_table = cal.stages.iloc[one].reset_index(drop=True).assign(stage=0)
    calendar = dataclasses.replace(cal, steps=step_table, stages=stage_table, load_factor=cal.load_factor[steps])
    staging = dataclasses.replace(
        system.staging, **{f.name: getattr(system.staging, f.name)[one] for f in dataclasses.fields(system.staging)}
    )
    curves = system.curves
    curves = dataclasses.replace(
        curves,
        v_lo_hm3=curves.v_lo_hm3[one],
        v_hi_hm3=curves.v_hi_hm3[one],
        h_lo_m=curves.h_lo_m[one],
        h_hi_m=curves.h_hi_m[one],
        in_service=curves.in_service[one],
    )
    rel = system.releases
    releases = rel if rel.empty else rel[rel["stage"] == stage].reset_index(drop=True).assign(stage=0)
    th, lk = system.thermal, system.links
    return dataclasses.replace(
        system,
        calendar=calendar,
        staging=staging,
        curves=curves,
        countries=dataclasses.replace(system.countries, demand_mw=system.countries.demand_mw[steps]),
        thermal=dataclasses.replace(th, capacity_mw=th.capacity_mw[steps], must_run_mw=th.must_run_mw[steps]),
        links=dataclasses.replace(lk, capacity_mw=lk.capacity_mw[steps]),
        releases=pd.DataFrame(releases),
        withdrawal_m3s=None if system.withdrawal_m3s is None else system.withdrawal_m3s[one],
        horizon_stages=int(not system.lookahead_stage[stage]),
        end_storage_hm3=system.end_storage_hm3 if stage == cal.n_stages - 1 else None,
    )


@dataclass(frozen=True)
class _HeadState:
    heads_m: Array
    linearisation: Linearisation | None
    storage_box: StorageBox | None
    basis: Any


class StageHeadModel:
    """One month's stage LP (with its cuts) seen as a :class:`~aralnexus.dispatch.head.HeadModel`.

    Parameters
    ----------
    system
        The month's one-stage system (:func:`stage_system`) with the incoming storage as start storage.
    index
        Where the month's columns and rows are (its :class:`~aralnexus.policy.aral.StageIndex`).
    solver
        The month's stage solver, with the incoming state and noise already set.
    heads_m
        The heads the stage LP was built with, ``(1, P)``.
    last
        The month is the last optimised one (its outgoing storage carries the terminal water value).
    duals
        Read the row duals of every solve.
    """

    def __init__(
        self, system: System, index: StageIndex, solver: StageSolver, heads_m: Array, last: bool, duals: bool
    ) -> None:
        """Locate the head-dependent entries and record the trained LP's values at them."""
        self.system = system
        self.layout: Layout = index.layout
        self._index, self._solver, self._last, self._duals = index, solver, last, duals
        self.pattern = HeadPattern.of(system, self.layout)
        stage = solver.stage
        # head entries may repeat (summed): one matrix position per distinct (row, col)
        keys = self.pattern.rows * stage.n_cols + self.pattern.cols
        unique, self._slot = np.unique(keys, return_inverse=True)
        self._rows, self._cols = unique // stage.n_cols, unique % stage.n_cols
        csr = sp.csr_matrix(stage.matrix)
        self._trained_values = np.asarray(csr[self._rows, self._cols], dtype=np.float64).ravel()
        self._power_rows = self.layout.rows[POWER_BALANCE].index.ravel()
        self._turbine = self.layout.cols[TURBINE].index.ravel()
        self._storage = self.layout.cols[STORAGE].index.ravel()
        self.state = _HeadState(np.asarray(heads_m, dtype=np.float64), None, None, None)
        self._solutions: list[tuple[LPSolution, StageSolution]] = []

    @property
    def heads_m(self) -> Array:
        """Heads ``(1, P)`` of the current power coefficients."""
        return self.state.heads_m

    @property
    def linearisation(self) -> Linearisation | None:
        """Reference point of the current head–storage sensitivity (``None``: fixed heads)."""
        return self.state.linearisation

    def set_heads(
        self, heads_m: Array, linearisation: Linearisation | None = None, storage_box: StorageBox | None = None
    ) -> None:
        """Write dispatch's head terms for these heads (and reference point and storage box) into the stage LP."""
        terms = head_terms(self.system, self.pattern, heads_m, linearisation)
        values = np.asarray(np.bincount(self._slot, weights=terms.values, minlength=self._rows.size), dtype=np.float64)
        stage = self._solver.stage
        power_lower = stage.row_lower[self._power_rows] + terms.power_rhs_mw.ravel()
        power_upper = stage.row_upper[self._power_rows] + terms.power_rhs_mw.ravel()
        lower, upper = restrict_storage(stage.col_lower[self._storage], stage.col_upper[self._storage], storage_box)
        terminal = terms.terminal_cost_usd_per_hm3 * COST_SCALE if self._last else None
        self._write(values, terms.turbine_upper_m3s.ravel(), (power_lower, power_upper), (lower, upper), terminal)
        self.state = _HeadState(np.asarray(heads_m, dtype=np.float64), linearisation, storage_box, None)

    def _write(
        self,
        values: Array,
        turbine_upper: Array,
        power_bounds: tuple[Array, Array],
        storage_bounds: tuple[Array, Array],
        storage_cost: Array | None,
    ) -> None:
        """Put head-dependent values into the stage's HiGHS instance (the basis is kept)."""
        solver = self._solver
        solver.change_coefficients(self._rows, self._cols, values)
        solver.change_col_bounds(self._turbine, np.zeros(self._turbine.size), turbine_upper)
        solver.change_col_bounds(self._storage, *storage_bounds)
        solver.change_row_bounds(self._power_rows, *power_bounds)
        if storage_cost is not None:
            solver.change_col_costs(self._storage, storage_cost)

    def reset(self) -> None:
        """Put the stage LP back exactly as trained (its :class:`StageLP` values)."""
        st = self._solver.stage
        turbine = st.col_upper[self._turbine]
        power = (st.row_lower[self._power_rows], st.row_upper[self._power_rows])
        storage = (st.col_lower[self._storage], st.col_upper[self._storage])
        cost = st.col_cost[self._storage] if self._last else None
        self._write(self._trained_values, turbine, power, storage, cost)

    def snapshot(self) -> _HeadState:
        """Record the head state and the current basis."""
        return dataclasses.replace(self.state, basis=self._solver.h.getBasis())

    def restore(self, state: _HeadState) -> None:
        """Put the stage LP into a recorded head state and basis."""
        self.set_heads(state.heads_m, state.linearisation, state.storage_box)
        if state.basis is not None and state.basis.valid:
            self._solver.h.setBasis(state.basis)

    def solve(self, simplex: Simplex = Simplex.CHOOSE) -> LPSolution:
        """Solve the stage LP as it stands (cuts included), warm-started, with the given simplex variant."""
        try:
            sol = self._solver.resolve(self._duals, simplex=int(simplex))
        except StageSolveError:
            return LPSolution(SolveStatus.ERROR, float("nan"), np.zeros(0), np.zeros(0), 0.0, 0)
        out = LPSolution(SolveStatus.OPTIMAL, sol.objective, sol.x, sol.row_dual, 0.0, 0)
        self._solutions.append((out, sol))
        return out

    def stage_solution(self, solution: LPSolution) -> StageSolution:
        """Return the stage solution behind an :class:`LPSolution` this model returned."""
        for lp_solution, stage_solution in self._solutions:
            if lp_solution is solution:
                return stage_solution
        raise KeyError("not a solution of this model")


@dataclass(frozen=True)
class HeadIterationHook:
    """Iterate each simulated month's heads with :func:`~aralnexus.dispatch.head.iterate_heads`.

    Attaches the converged heads (m, ``(P,)``), the iteration's LP count, its last head change
    and whether it converged (``extra = [heads…, iterations, change_pct, converged]``). The stage
    LP is reset to the training heads afterwards.
    """

    system: System
    index: tuple[StageIndex, ...]
    heads_m: Array
    options: HeadIteration
    _systems: dict[int, System] = field(default_factory=dict, compare=False, repr=False)

    def month_model(self, stage: int, solver: StageSolver, incoming_hm3: Array, duals: bool) -> StageHeadModel:
        """Return the head model of month ``stage`` with ``incoming_hm3`` as its start storage."""
        if stage not in self._systems:
            self._systems[stage] = stage_system(self.system, stage)
        system = dataclasses.replace(self._systems[stage], storage_initial_hm3=np.asarray(incoming_hm3, dtype=float))
        last = stage == self.system.calendar.n_stages - 1
        heads = self.heads_m[stage : stage + 1]
        return StageHeadModel(system, self.index[stage], solver, heads, last, duals)

    def __call__(self, stage: int, solver: StageSolver, solution: StageSolution, duals: bool) -> StageSolution:
        """Iterate the month's heads from the policy's first solution; return the final solution."""
        model = self.month_model(stage, solver, solution.x[self.index[stage].storage_in], duals)
        try:
            outcome = iterate_heads(model, self.options)
        finally:
            model.reset()
        if outcome.solution.status is not SolveStatus.OPTIMAL:
            raise StageSolveError(f"month {stage}: the head iteration ended with {outcome.solution.status}")
        conv = outcome.convergence
        final = model.stage_solution(outcome.solution)
        extra = np.concatenate([outcome.heads_m[0], [conv.iterations, conv.max_head_change_pct, conv.converged]])
        return dataclasses.replace(final, extra=extra)


def converged_heads(extra: Array, n_plants: int) -> tuple[Array, int, float, bool]:
    """Split a month's ``extra`` (:class:`HeadIterationHook`) into heads, iterations, change and converged."""
    return extra[:n_plants], int(extra[n_plants]), float(extra[n_plants + 1]), bool(extra[n_plants + 2])
