"""Simulate an aralnexus policy on given inflows, with the exact head iteration, into ``Results``.

Each member's inflows (the hydrology generator's own members, not the training approximation)
are turned into the stage noise that reproduces them exactly (:func:`inflow_noise`). Each month
is solved with the policy's cuts, then re-solved with heads at the month's own mean storages until
the largest head change is below the head-iteration tolerance (:class:`HeadIterationHook`). The
stage solutions are put back into the full dispatch LP's columns and rows and read by dispatch's
own ``extract_results``, so a simulated member has exactly the tables of an optimised run.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import xarray as xr

from aralnexus.dispatch.extract import extract_results
from aralnexus.dispatch.head import HeadIteration
from aralnexus.dispatch.lookahead import truncate_results
from aralnexus.dispatch.objective import power_coefficients
from aralnexus.dispatch.power import turbine_upper_m3s
from aralnexus.dispatch.solve import LPSolution, SolveStatus
from aralnexus.dispatch.water import K
from aralnexus.policy.aral import COST_SCALE, PolicyModel, StageIndex, withdrawals_m3s
from aralnexus.policy.cuts import Cuts
from aralnexus.policy.inflow_process import river_flows
from aralnexus.policy.problem import Array
from aralnexus.policy.simulation import Simulation, simulate
from aralnexus.policy.stage_solver import StageSolution, StageSolver
from aralnexus.results.tables import Convergence, Results
from aralnexus.system.curves import LevelCurves
from aralnexus.system.system import System


def inflow_noise(model: PolicyModel, inflows: xr.DataArray) -> tuple[list[Array], Array]:
    """Return the stage noise reproducing ``inflows`` exactly, and the net plant inflows ``(member, S, P)`` in m3/s.

    ``inflows`` is ``inflow_m3s[member, time, site]`` covering every month of the model.
    """
    system, process = model.system, model.process
    months = system.calendar.stage_month_start
    da = inflows.sel(time=months) if "member" in inflows.dims else inflows.sel(time=months).expand_dims(member=[0])
    sites = tuple(str(s) for s in da["site"].values)
    flows = np.asarray(da.transpose("member", "time", "site").values, dtype=np.float64)
    river, plant, _ = river_flows(system, flows, sites)
    lag0 = model.problem.initial_state[system.n_plants : system.n_plants + len(process.rivers)]
    first_month = int(months[0].month)
    residual = process.noise_of(river, first_month, lag0)
    cal_month = months.month.to_numpy() - 1
    inflow_rhs = process.intercept_m3s[cal_month][None] + residual  # (M, S, R)
    has_river = process.plant_river >= 0
    share = np.where(has_river, process.share[cal_month], 0.0)  # (S, P)
    approx = share[None] * river[..., np.maximum(process.plant_river, 0)]
    net = plant - withdrawals_m3s(system)[None]  # as dispatch's plant_inflows_m3s
    rhs = K * system.calendar.stage_hours[None, :, None] * (net - approx)  # (M, S, P), hm3: δ less withdrawals
    paths = [np.concatenate([inflow_rhs[:, t], rhs[:, t]], axis=1) for t in range(len(months))]
    return paths, net


def _stage_curves(curves: LevelCurves, stage: int) -> LevelCurves:
    """Return the level curves of one stage (``(1, P)`` arrays)."""
    pick = slice(stage, stage + 1)
    return dataclasses.replace(
        curves,
        v_lo_hm3=curves.v_lo_hm3[pick],
        v_hi_hm3=curves.v_hi_hm3[pick],
        h_lo_m=curves.h_lo_m[pick],
        h_hi_m=curves.h_hi_m[pick],
        in_service=curves.in_service[pick],
    )


@dataclass(frozen=True)
class HeadIterationHook:
    """Re-solve a month with heads at its own mean storages until they settle (a fixed point per stage).

    As in dispatch's head iteration, every re-solve keeps the month's end storage within a trust
    region around the previous solution (``radius`` × live storage, shrinking by ``shrink`` each
    time), so a solution that would flip between two dispatches as the heads change settles.

    Attaches the heads of the final solve (m, ``(P,)``) and the iteration count and last change
    (``extra = [heads…, iterations, change_pct]``). The solver's coefficients are restored to the
    training heads afterwards, so every member starts from the same LP.
    """

    system: System
    index: tuple[StageIndex, ...]
    heads_m: Array
    options: HeadIteration

    def _set_heads(self, stage: int, solver: StageSolver, heads: Array) -> None:
        """Put the power coefficients and turbine limits of ``heads`` into the stage LP."""
        idx = self.index[stage]
        full = self.heads_m.copy()
        full[stage] = heads
        coef_step = power_coefficients(self.system, full)[self.system.calendar.step_stage]
        coef = coef_step[idx.steps]  # (n_steps, P)
        solver.change_coefficients(idx.power_rows.ravel(), idx.turbine.ravel(), coef.ravel())
        upper = turbine_upper_m3s(self.system, coef_step)[idx.steps]
        solver.change_col_bounds(idx.turbine.ravel(), np.zeros(upper.size), upper.ravel())

    def __call__(self, stage: int, solver: StageSolver, solution: StageSolution, duals: bool) -> StageSolution:
        """Iterate the stage's heads; return the last solution with the heads it used attached."""
        idx = self.index[stage]
        curves = _stage_curves(self.system.curves, stage)
        working = self.system.staging.capacity_mw[stage] > 0
        lower = solver.stage.col_lower[idx.storage_out]
        upper = solver.stage.col_upper[idx.storage_out]
        radius = self.options.radius * (upper - lower)
        used = self.heads_m[stage]
        change_pct, iterations = 0.0, 1
        while True:
            out = solution.x[idx.storage_out]
            new = curves.head_m((0.5 * (solution.x[idx.storage_in] + out))[None, :])[0]
            rel = np.abs(new - used) / np.maximum(used, 1e-9)
            change_pct = float(100.0 * rel[working].max()) if working.any() else 0.0
            if change_pct < self.options.tolerance_pct or iterations >= self.options.max_iterations:
                break
            used = new
            self._set_heads(stage, solver, used)
            solver.change_col_bounds(idx.storage_out, np.maximum(lower, out - radius), np.minimum(upper, out + radius))
            solution = solver.resolve(duals)
            iterations += 1
            radius = radius * self.options.shrink
        if iterations > 1:
            self._set_heads(stage, solver, self.heads_m[stage])
            solver.change_col_bounds(idx.storage_out, lower, upper)
        return dataclasses.replace(solution, extra=np.concatenate([used, [iterations, change_pct]]))


@dataclass(frozen=True)
class PolicySimulation:
    """Simulated members of an aralnexus policy.

    Parameters
    ----------
    simulation
        The engine's simulation (costs in US$ million per stage, states).
    results
        One :class:`Results` per member, over the reported horizon.
    """

    simulation: Simulation
    results: tuple[Results, ...]


def simulate_policy(
    model: PolicyModel,
    cuts: Cuts,
    inflows: xr.DataArray,
    workers: int = 1,
    options: HeadIteration | None = None,
    metadata: dict[str, str] | None = None,
) -> PolicySimulation:
    """Simulate the policy on ``inflows[member, time, site]``; return the costs and each member's Results."""
    opts = options or HeadIteration()
    paths, plant_inflow = inflow_noise(model, inflows)
    hook = HeadIterationHook(model.system, model.index, model.heads_m, opts)
    start = time.perf_counter()
    sim = simulate(model.problem, cuts, noise_paths=paths, workers=workers, keep_x=True, hook=hook)
    seconds = (time.perf_counter() - start) / max(sim.members, 1)
    results = tuple(member_results(model, sim, m, plant_inflow[m], opts, seconds, metadata) for m in range(sim.members))
    return PolicySimulation(sim, results)


def member_results(
    model: PolicyModel,
    sim: Simulation,
    member: int,
    plant_inflow_m3s: Array,
    options: HeadIteration,
    seconds: float,
    metadata: dict[str, str] | None = None,
) -> Results:
    """Assemble one member's stage solutions into the full LP's vectors and read them as ``Results``."""
    layout, n_p = model.layout, model.system.n_plants
    x = np.zeros(layout.n_cols)
    duals = np.zeros(layout.n_rows)
    heads = np.empty((len(model.index), n_p))
    iterations, change = 0, 0.0
    for t, idx in enumerate(model.index):
        x[idx.cols] = sim.x[member][t][: idx.cols.shape[0]]
        duals[idx.rows] = sim.row_dual[member][t][: idx.rows.shape[0]] / COST_SCALE
        extra = sim.extra[member][t]
        heads[t] = extra[:n_p]
        iterations = max(iterations, int(extra[n_p]))
        change = max(change, float(extra[n_p + 1]))
    cost_usd = float(sim.stage_costs[member].sum()) / COST_SCALE
    solution = LPSolution(SolveStatus.OPTIMAL, cost_usd, x, duals, seconds, 0)
    conv = Convergence("head", iterations, change, options.tolerance_pct, change < options.tolerance_pct)
    meta = {
        "start": model.start,
        "end": model.end,
        "optimised_to": model.last,
        "resolution": "monthly",
        "head_mode": "iterate",
        "operation": "policy",
        **(metadata or {}),
    }
    results = extract_results(model.system, solution, layout, plant_inflow_m3s, heads, conv, seconds, meta)
    return truncate_results(results, model.end)
