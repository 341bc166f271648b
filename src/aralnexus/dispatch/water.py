"""Water families: reservoir balance with upstream routing, storage bounds, minimum releases.

Water balance per (stage s, plant p), in hm3 (K = 0.0036 hm3 per m3/s·h, H_s stage hours)::

    storage[s, p] − storage[s−1, p]
      + K · Σ_{t∈s} dur_t · (turbine[t, p] − Σ_{u: down(u)=p} turbine[t, u])
      + K · H_s · (spill[s, p] − Σ_{u: down(u)=p} spill[s, u])
      − water_deficit[s, p]
      = K · H_s · inflow[s, p]   (+ storage_initial[p] when s = 0)

Minimum release per row r at (stage s, point p)::

    K · Σ_{t∈s} dur_t · turbine[t, p] + K · H_s · spill[s, p] + release_slack[r] ≥ K · H_s · required_r

Strict constraints (strict minimum releases, storage bounds) hold exactly in the reported horizon.
In look-ahead stages (:attr:`System.lookahead_stage`) they are soft: a strict release may fall
short at :data:`LOOKAHEAD_RELEASE_PENALTY_USD_PER_HM3` and artificial water keeps a reservoir
within its bounds at :data:`LOOKAHEAD_WATER_DEFICIT_PENALTY_USD_PER_HM3`, so the look-ahead
never makes a feasible horizon infeasible. When an infeasible horizon is explained
(``relaxed``), look-ahead slacks are free: only the horizon's shortfalls are priced and named.

Spill tie-break: every hm3 spilled at a plant costs :data:`SPILL_TIE_BREAK_USD_PER_HM3`, a
numerical tie-break, not a physical cost. With surplus water and no market for the energy the LP
is otherwise degenerate (any split of the fixed energy between the plants of a cascade is optimal)
and which plant spills depends on the simplex path. With the same price at every plant the LP
spills as little water as it can in total: water that passes several plants without being turbined
pays at each of them, so for the same energy it turbines the largest volume: the lowest heads
run first and a high-head plant upstream backs down and spills. A price per MWh the spilled water
could have made would not break the tie: with the energy fixed by demand, the energy spilled by
the cascade is fixed too.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.lp import LPArrays
from aralnexus.dispatch.names import MIN_RELEASE, RELEASE_SLACK, SPILL, STORAGE, TURBINE, WATER_BALANCE, WATER_DEFICIT
from aralnexus.system.system import System
from aralnexus.units import HM3_PER_M3S_HOUR

K = HM3_PER_M3S_HOUR
#: Penalty on artificial water (US$/hm3) when explaining an infeasible scenario: a last resort.
WATER_DEFICIT_PENALTY_USD_PER_HM3 = 1e8
#: Penalty on shortfalls of strict minimum releases (US$/hm3) when explaining an infeasible scenario.
STRICT_RELEASE_PENALTY_USD_PER_HM3 = 1e7
#: Price of falling short of a strict minimum release in a look-ahead stage (US$/hm3; assumption:
#: ten times the dataset's default irrigation penalty, far above any energy value of water).
LOOKAHEAD_RELEASE_PENALTY_USD_PER_HM3 = 1e6
#: Price of artificial water in a look-ahead stage (US$/hm3; above the release price times the
#: release points below a reservoir, so shortfalls are preferred to water created from nothing).
LOOKAHEAD_WATER_DEFICIT_PENALTY_USD_PER_HM3 = 1e7
#: Cost of spilling 1 hm3 at a plant (US$/hm3): a tie-break between otherwise equal solutions, not a
#: physical cost; far below any energy value of water (1 hm3 through a 10 m head at 85 % makes
#: ~23 MWh) and any penalty, so it decides only between solutions of equal economic value.
SPILL_TIE_BREAK_USD_PER_HM3 = 0.01


def steps_of_stage(system: System) -> npt.NDArray[np.int64]:
    """Return ``(S, n)`` step indices of every stage (the calendar has n steps in each stage)."""
    cal = system.calendar
    per = cal.n_steps // cal.n_stages
    return np.arange(cal.n_steps, dtype=np.int64).reshape(cal.n_stages, per)


def water_rhs_hm3(system: System, inflow_m3s: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return the water-balance right-hand side ``(S, P)`` in hm3 for inflows ``(S, P)`` in m3/s."""
    rhs = K * system.calendar.stage_hours[:, None] * inflow_m3s
    rhs[0] += system.storage_initial_hm3
    return rhs


def storage_lower_hm3(system: System, inflow_m3s: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return storage lower bounds ``(S, P)`` that a reservoir being filled can reach.

    When a reservoir enters service or its dead storage rises, it fills from its own natural
    inflow: ``lower[s] = min(storage_min[s], lower[s−1] + K · H_s · inflow[s])`` with
    ``lower[−1] = storage_initial`` (water from upstream plants is not counted: they may hold it
    back). Computed without a loop: ``lower = c + cummin(storage_min − c)`` with ``c`` the
    cumulative inflow volume.
    """
    add = K * system.calendar.stage_hours[:, None] * np.maximum(inflow_m3s, 0.0)
    cum = np.cumsum(add, axis=0)
    start = system.storage_initial_hm3[None, :]
    gap = np.minimum.accumulate(np.vstack([start, system.staging.storage_min_hm3 - cum]), axis=0)[1:]
    return np.minimum(system.staging.storage_min_hm3, cum + gap)


def storage_bounds_hm3(
    system: System, inflow_m3s: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return storage (lower, upper) bounds ``(S, P)``: first filling, and the end target if any."""
    lower = storage_lower_hm3(system, inflow_m3s)
    upper = system.staging.storage_max_hm3.copy()
    if system.end_storage_hm3 is not None:
        target = np.clip(system.end_storage_hm3, 0.0, upper[-1])
        lower[-1] = upper[-1] = target
    return lower, upper


def water_deficit_cost_usd_per_hm3(system: System, relaxed: bool) -> npt.NDArray[np.float64]:
    """Return the price ``(S,)`` of artificial water per stage (``inf``: not allowed).

    Horizon stages: not allowed, or :data:`WATER_DEFICIT_PENALTY_USD_PER_HM3` when ``relaxed``.
    Look-ahead stages: :data:`LOOKAHEAD_WATER_DEFICIT_PENALTY_USD_PER_HM3`, or 0 when ``relaxed``.
    """
    ahead = system.lookahead_stage
    horizon = WATER_DEFICIT_PENALTY_USD_PER_HM3 if relaxed else np.inf
    return np.where(ahead, 0.0 if relaxed else LOOKAHEAD_WATER_DEFICIT_PENALTY_USD_PER_HM3, horizon)


def release_slack_cost_usd_per_hm3(system: System, relaxed: bool) -> npt.NDArray[np.float64]:
    """Return the price ``(R,)`` of a shortfall of each minimum-release row (``inf``: not allowed).

    Relaxable rows: their own ``penalty_usd_per_hm3``. Strict rows in the horizon: not allowed,
    or :data:`STRICT_RELEASE_PENALTY_USD_PER_HM3` when ``relaxed``; strict rows in the look-ahead:
    :data:`LOOKAHEAD_RELEASE_PENALTY_USD_PER_HM3`, or 0 when ``relaxed``.
    """
    rel = system.releases
    if rel.empty:
        return np.zeros(0)
    strict = rel["strict"].to_numpy(dtype=bool)
    ahead = system.lookahead_stage[rel["stage"].to_numpy(dtype=np.int64)]
    penalty = rel["penalty_usd_per_hm3"].to_numpy(dtype=np.float64)
    strict_cost = np.where(
        ahead,
        0.0 if relaxed else LOOKAHEAD_RELEASE_PENALTY_USD_PER_HM3,
        STRICT_RELEASE_PENALTY_USD_PER_HM3 if relaxed else np.inf,
    )
    return np.where(strict, strict_cost, penalty)


def _priced(cost: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return (upper bound, objective cost) of slack columns priced at ``cost`` (``inf``: fixed at 0)."""
    allowed = np.isfinite(cost)
    return np.where(allowed, np.inf, 0.0), np.where(allowed, cost, 0.0)


def define_water_balance(lp: LPArrays, system: System, inflow_m3s: npt.NDArray[np.float64], relaxed: bool) -> None:
    """Add the water balance of every (stage, plant), storage bounds, spill (with its tie-break) and water deficit."""
    cal, cols = system.calendar, lp.layout.cols
    rows = lp.layout.rows[WATER_BALANCE].index
    stor, turb, spill, deficit = (cols[f].index for f in (STORAGE, TURBINE, SPILL, WATER_DEFICIT))
    lp.add(rows, stor, 1.0)
    lp.add(rows[1:], stor[:-1], -1.0)
    step_rows = rows[cal.step_stage]
    turb_coef = (K * cal.duration_h)[:, None]
    spill_coef = (K * cal.stage_hours)[:, None]
    lp.add(step_rows, turb, turb_coef)
    lp.add(rows, spill, spill_coef)
    down = system.topology.downstream
    up = np.flatnonzero(down >= 0)
    lp.add(step_rows[:, down[up]], turb[:, up], -turb_coef)
    lp.add(rows[:, down[up]], spill[:, up], -spill_coef)
    lp.add(rows, deficit, -1.0)
    rhs = water_rhs_hm3(system, inflow_m3s)
    lp.set_rows(WATER_BALANCE, rhs, rhs)
    lp.set_cols(STORAGE, *storage_bounds_hm3(system, inflow_m3s))
    lp.set_cols(SPILL, 0.0, np.inf, SPILL_TIE_BREAK_USD_PER_HM3 * spill_coef)
    upper, cost = _priced(water_deficit_cost_usd_per_hm3(system, relaxed))
    lp.set_cols(WATER_DEFICIT, 0.0, upper[:, None], cost[:, None])


def define_min_releases(lp: LPArrays, system: System, relaxed: bool) -> None:
    """Add minimum releases (turbined + spilled) with priced slacks (:func:`release_slack_cost_usd_per_hm3`)."""
    rel = system.releases
    if rel.empty:
        return
    cal, cols = system.calendar, lp.layout.cols
    rows = lp.layout.rows[MIN_RELEASE].index
    stage = rel["stage"].to_numpy(dtype=np.int64)
    plant = rel["plant"].to_numpy(dtype=np.int64)
    steps = steps_of_stage(system)[stage]  # (R, n)
    lp.add(rows[:, None], cols[TURBINE].index[steps, plant[:, None]], K * cal.duration_h[steps])
    lp.add(rows, cols[SPILL].index[stage, plant], K * cal.stage_hours[stage])
    lp.add(rows, cols[RELEASE_SLACK].index, 1.0)
    need = K * cal.stage_hours[stage] * rel["required_m3s"].to_numpy(dtype=np.float64)
    lp.set_rows(MIN_RELEASE, need, np.inf)
    upper, cost = _priced(release_slack_cost_usd_per_hm3(system, relaxed))
    lp.set_cols(RELEASE_SLACK, 0.0, upper, cost)
