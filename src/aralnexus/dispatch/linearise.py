"""First-order head sensitivity of hydro output (successive linear programming).

Around a reference point (turbined flow ``Q⁰``, mean stage storage ``S̄⁰``)::

    P[t, p] ≈ κ_p · H⁰[s, p] · Q[t, p]
              + κ_p · Q⁰[t, p] · (dL_p/dS · (S̄[s, p] − S̄⁰[s, p]) − dL_d/dS · (S̄[s, d] − S̄⁰[s, d]))

with ``κ_p = 9.81e-3 · η_p``, ``S̄[s] = (S[s−1] + S[s]) / 2``, ``d`` the plant below when its
pool is ``p``'s tailwater. The second line is zero at the reference storage, so at convergence
the LP's output equals ``κ · H(S̄) · Q`` exactly. A trust region ``|S − S⁰| ≤ radius · live
storage`` keeps each step where the linearisation holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.lp import LPArrays
from aralnexus.dispatch.names import POWER_BALANCE, STORAGE
from aralnexus.system.system import System
from aralnexus.units import RHO_G_MW_PER_M3S_M

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Linearisation:
    """Reference point of the head linearisation.

    Parameters
    ----------
    turbine_m3s
        Reference turbined flow ``(T, P)``.
    storage_hm3
        Reference end-of-stage storage ``(S, P)``.
    radius
        Trust-region radius as a share of each reservoir's live storage.
    """

    turbine_m3s: Array
    storage_hm3: Array
    radius: float


def sensitivities_mw_per_hm3(system: System, lin: Linearisation) -> tuple[Array, Array, Array]:
    """Return ``(g_own, g_down, mean_ref)``: MW per hm3 of mean storage ``(T, P)`` and ``S̄⁰`` ``(S, P)``."""
    start = np.vstack([system.storage_initial_hm3[None, :], lin.storage_hm3[:-1]])
    mean_ref = 0.5 * (start + lin.storage_hm3)
    slope = system.curves.level_slope_m_per_hm3(mean_ref)  # (S, P)
    st = system.calendar.step_stage
    kappa_q = RHO_G_MW_PER_M3S_M * system.efficiency[None, :] * lin.turbine_m3s  # (T, P)
    own = np.where(system.curves.has_curve[None, :], slope, 0.0)[st]
    down = system.topology.downstream
    safe = np.where(down >= 0, down, 0)
    pool = system.curves.tail_is_pool()
    below = np.where(pool, slope[:, safe], 0.0)[st]
    return kappa_q * own, -kappa_q * below, mean_ref


def define_head_sensitivity(lp: LPArrays, system: System, lin: Linearisation) -> None:
    """Add the storage terms of the linearised output to the power balance and the trust region."""
    g_own, g_down, mean_ref = sensitivities_mw_per_hm3(system, lin)
    st = system.calendar.step_stage
    rows = lp.layout.rows[POWER_BALANCE].index[:, system.country_index]  # (T, P)
    stor = lp.layout.cols[STORAGE].index  # (S, P)
    down = system.topology.downstream
    safe = np.where(down >= 0, down, 0)
    later = st >= 1
    prev = np.maximum(st - 1, 0)
    for g, plant in ((g_own, np.arange(system.n_plants)), (g_down, safe)):
        lp.add(rows, stor[st][:, plant], 0.5 * g)
        lp.add(rows[later], stor[prev[later]][:, plant], 0.5 * g[later])
    # constant part: g · S̄⁰ minus the initial-storage half of S̄ in the first stage
    s0 = system.storage_initial_hm3
    const = g_own * mean_ref[st] + g_down * mean_ref[st][:, safe]
    first = ~later
    const[first] -= 0.5 * (g_own[first] * s0[None, :] + g_down[first] * s0[safe][None, :])
    rhs = np.zeros(lp.layout.rows[POWER_BALANCE].shape)
    np.add.at(rhs.T, system.country_index, const.T)
    idx = lp.layout.rows[POWER_BALANCE].index
    lp.row_lower[idx] += rhs
    lp.row_upper[idx] += rhs
    live = system.staging.storage_max_hm3 - system.staging.storage_min_hm3
    cols = stor.ravel()
    half = (lin.radius * live).ravel()
    ref = lin.storage_hm3.ravel()
    lower, upper = lp.col_lower[cols], lp.col_upper[cols]
    new_lower = np.minimum(np.maximum(lower, ref - half), upper)
    new_upper = np.maximum(np.minimum(upper, ref + half), new_lower)
    lp.col_lower[cols], lp.col_upper[cols] = new_lower, new_upper


def linearised_power_mw(system: System, lin: Linearisation, storage_hm3: Array) -> Array:
    """Return the storage part of the linearised output ``(T, P)`` at storage ``(S, P)``."""
    g_own, g_down, mean_ref = sensitivities_mw_per_hm3(system, lin)
    start = np.vstack([system.storage_initial_hm3[None, :], storage_hm3[:-1]])
    dmean = (0.5 * (start + storage_hm3) - mean_ref)[system.calendar.step_stage]
    safe = np.where(system.topology.downstream >= 0, system.topology.downstream, 0)
    out: Array = g_own * dmean + g_down * dmean[:, safe]
    return out
