"""Level–volume curves, tailwater and net head, vectorised over (stage, plant).

Level from storage (plants with ``level_dead_m``, ``level_full_m`` and ``curve_exponent``)::

    h = h_lo + (h_hi − h_lo) · ((V − V_lo) / (V_hi − V_lo)) ** (1 / k)

with ``(V_lo, h_lo) = (dead storage, dead level)`` and ``(V_hi, h_hi) = (full storage, full
level)`` of the stage. While a dam is being raised, ``V_hi``, ``h_hi`` (and ``V_lo``, ``h_lo`` when
given) come from the schedule; a missing staged dead level follows the same curve shape (assumption):
``h_lo = h_hi − (h_full − h_dead) · ((V_hi − V_lo) / (V_full − V_dead)) ** (1 / k)``.

Tailwater = ``tailwater_m`` when given, else the level of the downstream pool when that plant
has a curve and is in service, else ``level_full_m − rated_head_m − head_loss_m`` (assumption:
rated net head at full supply level). Plants without a curve run at a fixed head,
``rated_head_m − head_loss_m``.

Net head = gross head (pool level − tailwater) − ``head_loss_m``: the hydraulic losses of intake,
penstocks and tailrace (and the tailwater's rise above the value used) at the plant's usual
discharge, in metres; empty → 0. It is a constant per plant: no source gives a tailwater–discharge
relation or loss coefficients for these plants (``sources.csv`` says what each value rests on).
For a fixed-head plant the loss applies where the published head is gross (Kurpsai's 110 m,
"rated or gross not stated").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.system.staging import Staging

Array2D = npt.NDArray[np.float64]

#: Smallest net head used, in m (keeps power coefficients positive on odd data).
MIN_HEAD_M = 1.0


@dataclass(frozen=True)
class LevelCurves:
    """Per-(stage, plant) curve parameters.

    Parameters
    ----------
    has_curve
        Plants whose level follows storage.
    v_lo_hm3, v_hi_hm3, h_lo_m, h_hi_m
        Curve end points per (stage, plant).
    exponent
        Curve exponent ``k`` per plant.
    tailwater_m
        Fixed tailwater per plant (NaN → downstream pool or fallback).
    fallback_tailwater_m
        ``level_full_m − rated_head_m`` per plant.
    rated_head_m
        Rated net head per plant.
    head_loss_m
        Head loss per plant, subtracted from the gross (curve) or the stated fixed head.
    downstream
        Downstream plant index (``-1`` at an outlet).
    in_service
        Boolean (stage, plant).
    """

    has_curve: npt.NDArray[np.bool_]
    v_lo_hm3: Array2D
    v_hi_hm3: Array2D
    h_lo_m: Array2D
    h_hi_m: Array2D
    exponent: npt.NDArray[np.float64]
    tailwater_m: npt.NDArray[np.float64]
    fallback_tailwater_m: npt.NDArray[np.float64]
    rated_head_m: npt.NDArray[np.float64]
    head_loss_m: npt.NDArray[np.float64]
    downstream: npt.NDArray[np.int64]
    in_service: npt.NDArray[np.bool_]

    def level_m(self, storage_hm3: Array2D) -> Array2D:
        """Return the pool level ``(S, P)`` for storage ``(S, P)`` (NaN for plants without a curve)."""
        span = self.v_hi_hm3 - self.v_lo_hm3
        frac = np.divide(storage_hm3 - self.v_lo_hm3, span, out=np.ones_like(span), where=span > 1e-9)
        frac = np.clip(frac, 0.0, 1.0) ** (1.0 / self.exponent[None, :])
        level = self.h_lo_m + (self.h_hi_m - self.h_lo_m) * frac
        return np.where(self.has_curve[None, :], level, np.nan)

    def storage_at_level_hm3(self, level_m: Array2D) -> Array2D:
        """Return the storage ``(S, P)`` at pool level ``(S, P)``: the inverse of :meth:`level_m`.

        Levels outside the stage's curve are clipped to its end points; plants without a curve
        (or without live storage) get NaN.
        """
        rise = self.h_hi_m - self.h_lo_m
        frac = np.divide(level_m - self.h_lo_m, rise, out=np.zeros_like(rise), where=rise > 1e-9)
        frac = np.clip(frac, 0.0, 1.0) ** self.exponent[None, :]
        storage = self.v_lo_hm3 + (self.v_hi_hm3 - self.v_lo_hm3) * frac
        live = (self.v_hi_hm3 - self.v_lo_hm3 > 1e-9) & (rise > 1e-9)
        return np.where(self.has_curve[None, :] & live, storage, np.nan)

    def tail_is_pool(self) -> npt.NDArray[np.bool_]:
        """Return ``(S, P)``: the plant has a curve and its tailwater is the downstream pool level."""
        down = self.downstream
        pool = (down >= 0) & np.isnan(self.tailwater_m) & self.has_curve
        safe = np.where(down >= 0, down, 0)
        return pool[None, :] & self.has_curve[safe][None, :] & self.in_service[:, safe]

    def head_m(self, storage_hm3: Array2D) -> Array2D:
        """Return the net head ``(S, P)`` for (mean) storage ``(S, P)``."""
        level = self.level_m(storage_hm3)
        tail = np.broadcast_to(self.fallback_tailwater_m, level.shape).copy()
        fixed_tail = ~np.isnan(self.tailwater_m)
        tail[:, fixed_tail] = self.tailwater_m[fixed_tail]
        safe = np.where(self.downstream >= 0, self.downstream, 0)
        tail = np.where(self.tail_is_pool(), level[:, safe], tail)
        head = np.where(self.has_curve[None, :], level - tail, self.rated_head_m[None, :]) - self.head_loss_m[None, :]
        return np.maximum(head, MIN_HEAD_M)

    def level_slope_m_per_hm3(self, storage_hm3: Array2D) -> Array2D:
        """Return d level / d storage ``(S, P)`` in m/hm3 (0 without a curve or live storage)."""
        span = self.v_hi_hm3 - self.v_lo_hm3
        eps = np.maximum(1e-3 * span, 1e-6)
        lo = np.maximum(storage_hm3 - eps, self.v_lo_hm3)
        hi = np.minimum(lo + 2 * eps, self.v_hi_hm3)
        lo = np.minimum(lo, hi - 2 * eps)
        slope = (self.level_m(hi) - self.level_m(lo)) / (hi - lo)
        return np.where(self.has_curve[None, :] & (span > 1e-6), np.nan_to_num(slope), 0.0)

    def rated_heads(self, n_stages: int) -> Array2D:
        """Return the rated head of every plant repeated over ``n_stages`` (a fixed head net of its loss)."""
        fixed = np.where(self.has_curve, self.rated_head_m, self.rated_head_m - self.head_loss_m)
        return np.broadcast_to(np.maximum(fixed, MIN_HEAD_M), (n_stages, len(fixed))).copy()


def head_loss_m(plants: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Return ``head_loss_m`` per plant (0 where empty or where the table has no such column)."""
    if "head_loss_m" not in plants.columns:
        return np.zeros(len(plants))
    return pd.to_numeric(plants["head_loss_m"], errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)


def build_curves(plants: pd.DataFrame, staging: Staging, downstream: npt.NDArray[np.int64]) -> LevelCurves:
    """Build the level curves from the plants table and the staged storage bounds."""
    h_dead = plants["level_dead_m"].to_numpy(dtype=np.float64)
    h_full = plants["level_full_m"].to_numpy(dtype=np.float64)
    k = plants["curve_exponent"].to_numpy(dtype=np.float64)
    rated = plants["rated_head_m"].to_numpy(dtype=np.float64)
    loss = head_loss_m(plants)
    v_dead = plants["storage_dead_hm3"].to_numpy(dtype=np.float64)
    v_full = plants["storage_full_hm3"].to_numpy(dtype=np.float64)
    has = ~np.isnan(h_dead) & ~np.isnan(h_full) & (h_full > h_dead) & (v_full > v_dead)
    k = np.where(np.isnan(k) | (k <= 0), 1.0, k)
    h_hi = np.where(np.isnan(staging.level_full_m), h_full[None, :], staging.level_full_m)
    v_lo, v_hi = staging.storage_min_hm3, staging.storage_max_hm3
    live_full = np.where(has, v_full - v_dead, 1.0)
    ratio = np.clip((v_hi - v_lo) / live_full[None, :], 0.0, 1.0) ** (1.0 / k[None, :])
    h_lo = h_hi - (h_full - h_dead)[None, :] * ratio
    h_lo = np.where(np.isnan(staging.level_dead_m), h_lo, staging.level_dead_m)
    return LevelCurves(
        has_curve=has,
        v_lo_hm3=v_lo,
        v_hi_hm3=v_hi,
        h_lo_m=np.where(has[None, :], h_lo, np.nan),
        h_hi_m=np.where(has[None, :], h_hi, np.nan),
        exponent=k,
        tailwater_m=plants["tailwater_m"].to_numpy(dtype=np.float64),
        fallback_tailwater_m=np.where(np.isnan(h_full), 0.0, h_full - rated - loss),
        rated_head_m=rated,
        head_loss_m=loss,
        downstream=downstream,
        in_service=staging.in_service,
    )
