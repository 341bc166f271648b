"""Simulate an aralnexus policy on given inflows, with the exact head iteration, into ``Results``.

Each member's inflows (the hydrology generator's own members, not the training approximation)
are turned into the stage noise that reproduces them exactly (:func:`inflow_noise`). Each month
is solved with the policy's cuts, then its heads are iterated by dispatch's own head iteration
(:func:`aralnexus.dispatch.head.iterate_heads`, through
:class:`~aralnexus.policy.aral_heads.HeadIterationHook`), ending with a solve at the converged
heads. The stage solutions are put back into the full dispatch LP's columns and rows and read by
dispatch's own ``extract_results``, so a simulated member has exactly the tables of an optimised
run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from aralnexus.dispatch.extract import extract_results
from aralnexus.dispatch.head import HeadIteration
from aralnexus.dispatch.lookahead import lookahead_shortfalls_hm3, truncate_results
from aralnexus.dispatch.solve import LPSolution, SolveStatus
from aralnexus.dispatch.water import K
from aralnexus.policy.aral import COST_SCALE, PolicyModel, withdrawals_m3s
from aralnexus.policy.aral_heads import HeadIterationHook, converged_heads
from aralnexus.policy.cuts import Cuts
from aralnexus.policy.inflow_process import river_flows
from aralnexus.policy.problem import Array
from aralnexus.policy.simulation import Simulation, simulate
from aralnexus.results.tables import Convergence, Results


def inflow_noise(model: PolicyModel, inflows: xr.DataArray) -> tuple[list[Array], Array]:
    """Return the stage noise reproducing ``inflows`` exactly, and the net plant inflows ``(member, S, P)`` in m3/s.

    ``inflows`` is ``inflow_m3s[member, time, site]`` covering every month of the model.
    """
    system, process = model.system, model.process
    months = system.calendar.stage_month_start
    da = inflows.sel(time=months) if "member" in inflows.dims else inflows.sel(time=months).expand_dims(member=[0])
    sites = tuple(str(s) for s in da["site"].values)
    flows = np.asarray(da.transpose("member", "time", "site").values, dtype=np.float64)
    river, plant, _ = river_flows(system, flows, sites, process)
    lag0 = model.problem.initial_state[model.lag_states]
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
    client: Any = None,
) -> PolicySimulation:
    """Simulate the policy on ``inflows[member, time, site]``; return the costs and each member's Results.

    ``workers`` local processes, or ``workers`` Dask tasks on the cluster of ``client`` (a ``distributed.Client``).
    """
    opts = options or HeadIteration()
    paths, plant_inflow = inflow_noise(model, inflows)
    hook = HeadIterationHook(model.system, model.index, model.heads_m, opts)
    start = time.perf_counter()
    sim = simulate(model.problem, cuts, noise_paths=paths, workers=workers, keep_x=True, hook=hook, client=client)
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
    iterations, change, converged = 0, 0.0, True
    for t, idx in enumerate(model.index):
        x[idx.cols] = sim.x[member][t][: idx.cols.shape[0]]
        duals[idx.rows] = sim.row_dual[member][t][: idx.rows.shape[0]] / COST_SCALE
        heads[t], month_iterations, month_change, month_converged = converged_heads(sim.extra[member][t], n_p)
        iterations = max(iterations, month_iterations)
        change = max(change, month_change)
        converged = converged and month_converged
    cost_usd = float(sim.stage_costs[member].sum()) / COST_SCALE
    solution = LPSolution(SolveStatus.OPTIMAL, cost_usd, x, duals, seconds, 0)
    conv = Convergence("head", iterations, change, options.tolerance_pct, converged)
    shortfall = {}
    if model.system.lookahead_stage.any():  # as dispatch reports it for an optimised run
        shortfall["lookahead_shortfall_hm3"] = f"{lookahead_shortfalls_hm3(model.system, layout, x):.6g}"
    meta = {
        "start": model.start,
        "end": model.end,
        "optimised_to": model.last,
        "resolution": "monthly",
        "head_mode": "iterate",
        "operation": "policy",
        **shortfall,
        **(metadata or {}),
    }
    results = extract_results(model.system, solution, layout, plant_inflow_m3s, heads, conv, seconds, meta)
    return truncate_results(results, model.end)
