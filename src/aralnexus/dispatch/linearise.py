"""The head-dependent part of the LP, in a fixed sparsity pattern.

Hydro output is ``P = κ_p · H(S̄) · Q`` with ``κ_p = 9.81e-3 · η_p`` (MW per m3/s per m) and
``S̄[s] = (S[s−1] + S[s]) / 2`` the mean storage of the stage. Around a reference point
(turbined flow ``Q⁰``, end-of-stage storage ``S⁰``; heads ``H⁰ = H(S̄⁰)``) the output is
linearised (successive linear programming)::

    P[t, p] ≈ κ_p · H⁰[s, p] · Q[t, p]
              + κ_p · Q⁰[t, p] · (dL_p/dS · (S̄[s, p] − S̄⁰[s, p]) − dL_d/dS · (S̄[s, d] − S̄⁰[s, d]))

with ``d`` the plant below when its pool is ``p``'s tailwater. Without a reference point the
output is ``κ · H · Q`` at given heads (fixed heads: rated heads, or the converged heads of the
final solve of the head iteration).

Everything that depends on the heads or the reference point lives here, and always occupies the
same matrix positions (:class:`HeadPattern`): the turbine coefficients in the power balance
(``κ · H``) and the storage terms of the linearisation (zero without a reference point). Besides
the matrix, the heads set the turbine bounds (``capacity / (κ · H)``), the terminal water value
and the constant part of the linearisation (power-balance right-hand sides). A head update
therefore changes values in place and never the structure (:class:`aralnexus.dispatch.LPModel`).

Storage boxes restrict storage around a point: :func:`trust_region_hm3` (a share of live
storage, for linearised steps) and :func:`head_band_hm3` (the storage within which every net
head stays within a tolerance of given heads, for the final solve at fixed heads).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.lp import LPArrays
from aralnexus.dispatch.names import POWER_BALANCE, STORAGE, TURBINE, Layout
from aralnexus.dispatch.objective import power_coefficients, terminal_value_usd_per_hm3
from aralnexus.dispatch.power import turbine_upper_m3s
from aralnexus.system.system import System
from aralnexus.units import RHO_G_MW_PER_M3S_M

Array = npt.NDArray[np.float64]
Index = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Linearisation:
    """Reference point of the head linearisation.

    Parameters
    ----------
    turbine_m3s
        Reference turbined flow ``(T, P)``.
    storage_hm3
        Reference end-of-stage storage ``(S, P)``.
    """

    turbine_m3s: Array
    storage_hm3: Array


def mean_storage_hm3(system: System, storage_end_hm3: Array) -> Array:
    """Return the mean of start and end storage of every (stage, plant)."""
    start = np.vstack([system.storage_initial_hm3[None, :], storage_end_hm3[:-1]])
    return 0.5 * (start + storage_end_hm3)


def heads_at_m(system: System, storage_end_hm3: Array) -> Array:
    """Return the net heads ``(S, P)`` at the mean stage storage of end-of-stage storage ``(S, P)``."""
    return system.curves.head_m(mean_storage_hm3(system, storage_end_hm3))


def sensitivities_mw_per_hm3(system: System, lin: Linearisation) -> tuple[Array, Array, Array]:
    """Return ``(g_own, g_down, mean_ref)``: MW per hm3 of mean storage ``(T, P)`` and ``S̄⁰`` ``(S, P)``."""
    mean_ref = mean_storage_hm3(system, lin.storage_hm3)
    slope = system.curves.level_slope_m_per_hm3(mean_ref)  # (S, P)
    st = system.calendar.step_stage
    kappa_q = RHO_G_MW_PER_M3S_M * system.efficiency[None, :] * lin.turbine_m3s  # (T, P)
    own = np.where(system.curves.has_curve[None, :], slope, 0.0)[st]
    down = system.topology.downstream
    safe = np.where(down >= 0, down, 0)
    pool = system.curves.tail_is_pool()
    below = np.where(pool, slope[:, safe], 0.0)[st]
    return kappa_q * own, -kappa_q * below, mean_ref


def linearised_power_mw(system: System, lin: Linearisation, storage_hm3: Array) -> Array:
    """Return the storage part of the linearised output ``(T, P)`` at storage ``(S, P)``."""
    g_own, g_down, mean_ref = sensitivities_mw_per_hm3(system, lin)
    dmean = (mean_storage_hm3(system, storage_hm3) - mean_ref)[system.calendar.step_stage]
    safe = np.where(system.topology.downstream >= 0, system.topology.downstream, 0)
    out: Array = g_own * dmean + g_down * dmean[:, safe]
    return out


@dataclass(frozen=True)
class HeadPattern:
    """Rows and columns of every head-dependent matrix entry (fixed for a system and layout).

    Entries, in order: the turbine coefficient of every (step, plant) in its country's power
    balance; the storage terms of plants with a level curve (end of this stage and of the
    previous one); the storage terms of the pool below for plants whose tailwater is that pool in
    some stage. Entries may repeat (summed).
    """

    rows: Index
    cols: Index
    own: Index
    down: Index
    later: npt.NDArray[np.bool_]

    @staticmethod
    def of(system: System, layout: Layout) -> HeadPattern:
        """Return the pattern of a system's LP."""
        st = system.calendar.step_stage
        pb = layout.rows[POWER_BALANCE].index[:, system.country_index]  # (T, P)
        turb = layout.cols[TURBINE].index
        stor = layout.cols[STORAGE].index
        own = np.flatnonzero(system.curves.has_curve).astype(np.int64)
        down = np.flatnonzero(system.curves.tail_is_pool().any(axis=0)).astype(np.int64)
        below = system.topology.downstream[down]
        later = st >= 1
        prev = st[later] - 1
        rows = [pb.ravel()]
        cols = [turb.ravel()]
        for plants, pools in ((own, own), (down, below)):
            rows += [pb[:, plants].ravel(), pb[later][:, plants].ravel()]
            cols += [stor[st][:, pools].ravel(), stor[prev][:, pools].ravel()]
        return HeadPattern(np.concatenate(rows), np.concatenate(cols), own, down, later)


@dataclass(frozen=True)
class HeadTerms:
    """Values of the head-dependent part of the LP.

    Parameters
    ----------
    values
        Matrix values at :class:`HeadPattern` positions.
    turbine_upper_m3s
        Turbine bounds ``(T, P)``: ``min(turbine_max, capacity / (κ · H))``.
    terminal_cost_usd_per_hm3
        Cost of the last stage's storage ``(P,)`` (minus its terminal value).
    power_rhs_mw
        Added to both bounds of the power balance ``(T, C)`` (constant part of the linearisation).
    """

    values: Array
    turbine_upper_m3s: Array
    terminal_cost_usd_per_hm3: Array
    power_rhs_mw: Array


def head_terms(system: System, pattern: HeadPattern, heads_m: Array, lin: Linearisation | None) -> HeadTerms:
    """Return the head-dependent values at heads ``(S, P)`` and an optional reference point."""
    st = system.calendar.step_stage
    coef_stage = power_coefficients(system, heads_m)
    coef_step = coef_stage[st]
    n_t, n_c = system.calendar.n_steps, len(system.countries.detailed)
    shift = np.zeros((n_t, n_c))
    parts = [coef_step.ravel()]
    if lin is None:
        n_sens = pattern.rows.size - coef_step.size
        parts.append(np.zeros(n_sens))
    else:
        g_own, g_down, mean_ref = sensitivities_mw_per_hm3(system, lin)
        below = system.topology.downstream[pattern.down]
        for g, plants, pools in ((g_own, pattern.own, pattern.own), (g_down, pattern.down, below)):
            half = 0.5 * g[:, plants]
            parts += [half.ravel(), half[pattern.later].ravel()]
            # constant part: g · S̄⁰, minus the initial-storage half of S̄ in the first stage
            const = g[:, plants] * mean_ref[st][:, pools]
            const[~pattern.later] -= half[~pattern.later] * system.storage_initial_hm3[pools][None, :]
            np.add.at(shift.T, system.country_index[plants], const.T)
    return HeadTerms(
        values=np.concatenate(parts),
        turbine_upper_m3s=turbine_upper_m3s(system, coef_step),
        terminal_cost_usd_per_hm3=-terminal_value_usd_per_hm3(system, coef_stage),
        power_rhs_mw=shift,
    )


def apply_head_terms(lp: LPArrays, pattern: HeadPattern, terms: HeadTerms, *, matrix: bool = True) -> None:
    """Write head terms into LP arrays whose other families are defined (``matrix``: add the entries too).

    The turbine bounds and the last stage's storage cost are set; the power-balance bounds are
    shifted, so they must hold the demand when this is called.
    """
    if matrix:
        lp.add(pattern.rows, pattern.cols, terms.values)
    turb = lp.layout.cols[TURBINE].index.ravel()
    lp.col_lower[turb] = 0.0
    lp.col_upper[turb] = terms.turbine_upper_m3s.ravel()
    lp.col_cost[lp.layout.cols[STORAGE].index[-1]] = terms.terminal_cost_usd_per_hm3
    rows = lp.layout.rows[POWER_BALANCE].index.ravel()
    lp.row_lower[rows] += terms.power_rhs_mw.ravel()
    lp.row_upper[rows] += terms.power_rhs_mw.ravel()


StorageBox = tuple[Array, Array]


def trust_region_hm3(system: System, storage_hm3: Array, radius: float) -> StorageBox:
    """Return storage bounds ``(S, P)`` within ``radius`` × live storage of ``storage_hm3``."""
    live = system.staging.storage_max_hm3 - system.staging.storage_min_hm3
    half = radius * live
    return storage_hm3 - half, storage_hm3 + half


def head_band_hm3(system: System, storage_hm3: Array, heads_m: Array, share: float) -> StorageBox:
    """Return storage bounds ``(S, P)`` around ``storage_hm3`` that keep every head within ``share`` of ``heads_m``.

    A net head is the pool level minus the tailwater, which is the pool below for some plants. Each
    pool's level may move by half the share of the smallest head it enters (its own and those of the
    plants whose tailwater it is), so no head moves by more than ``share`` of itself. Mean stage
    storage ``(S[s−1] + S[s]) / 2`` stays in the band of stage ``s`` when end-of-stage storage stays
    within the smaller band of stages ``s`` and ``s + 1``. Plants without a level curve are not bounded.
    """
    curves = system.curves
    mean = mean_storage_hm3(system, storage_hm3)
    level = curves.level_m(mean)
    pool = curves.tail_is_pool()
    down = system.topology.downstream
    tightest = np.where(curves.has_curve[None, :], heads_m, np.inf)
    for u in np.flatnonzero(pool.any(axis=0)):  # a few plants: the pools that are a tailwater
        d = int(down[u])
        tightest[:, d] = np.minimum(tightest[:, d], np.where(pool[:, u], heads_m[:, u], np.inf))
    delta = 0.5 * share * tightest
    with np.errstate(invalid="ignore"):
        room_up = np.where(level + delta >= curves.h_hi_m, np.inf, curves.storage_at_level_hm3(level + delta) - mean)
        room_down = np.where(level - delta <= curves.h_lo_m, np.inf, mean - curves.storage_at_level_hm3(level - delta))
    lower = storage_hm3 - _end_of_stage_room(room_down)
    upper = storage_hm3 + _end_of_stage_room(room_up)
    return lower, upper


def _end_of_stage_room(room_mean: Array) -> Array:
    """Room of end-of-stage storage: the smaller room of the mean storage of this stage and the next."""
    room = np.nan_to_num(np.maximum(room_mean, 0.0), nan=np.inf)
    out: Array = np.minimum(room, np.vstack([room[1:], np.full((1, room.shape[1]), np.inf)]))
    return out


def restrict_storage(lower: Array, upper: Array, box: StorageBox | None) -> StorageBox:
    """Return storage bounds ``(lower, upper)`` intersected with a box (never crossing)."""
    if box is None:
        return lower, upper
    new_lower = np.minimum(np.maximum(lower, box[0]), upper)
    new_upper = np.maximum(np.minimum(upper, box[1]), new_lower)
    return new_lower, new_upper
