"""Operating rules as arrays: monthly target-storage curves, fixed release schedules, release rule.

A rule is chosen per plant and calendar month:

- **target storage** (``target_fraction[m, p]`` in 0–1 of live storage): the plant releases what
  brings its end-of-month storage to ``storage_min + f · (storage_max − storage_min)``;
- **release schedule** (``release_m3s[m, p]``, NaN where the target applies): the plant releases a
  fixed flow.

Both are then bounded the same way (:func:`release_m3s`)::

    release = max(min(wanted, turbine_limit), min_release)   limited to the water above dead storage
    spill   = what is left above full storage

``min_release`` is the plant's own minimum release and, for a reservoir, also those of the
run-of-river plants below it down to the next reservoir (:func:`upheld_min_release_m3s`).
Run-of-river plants (no level curve) keep a target of 1 (full): they pass their inflow on.

Default curves (assumption, reason: the seasonal pattern of Toktogul and Nurek operation — fill with
the April–September snow and glacier melt, draw down for winter power October–March; the exact
fractions are illustrative, not sourced): end-of-month fraction of live storage, January→December::

    0.45 0.30 0.15 0.25 0.40 0.60 0.80 0.95 1.00 0.95 0.80 0.60

A curve can instead be derived from an optimised run's storage trajectory
(:func:`rules_from_storage`, :func:`rules_from_reservoirs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.errors import InputError, Problem
from aralnexus.system.system import System

Array = npt.NDArray[np.float64]

#: Default end-of-month target, fraction of live storage, January..December (assumption, see module doc).
DEFAULT_TARGET_FRACTION: tuple[float, ...] = (0.45, 0.30, 0.15, 0.25, 0.40, 0.60, 0.80, 0.95, 1.00, 0.95, 0.80, 0.60)


@dataclass(frozen=True)
class OperatingRules:
    """Monthly operating rules per plant.

    Parameters
    ----------
    target_fraction
        ``(12, P)`` end-of-month target storage as a fraction of live storage (row 0 = January).
    release_m3s
        ``(12, P)`` fixed release schedule in m3/s; NaN where the target rule applies.
    source
        Where the rules come from, in words.
    """

    target_fraction: Array
    release_m3s: Array
    source: str

    def __post_init__(self) -> None:
        """Check shapes and ranges (collect every problem, raise once)."""
        problems = []
        tf, rel = np.asarray(self.target_fraction), np.asarray(self.release_m3s)
        if tf.ndim != 2 or tf.shape[0] != 12:
            problems.append(Problem("<rules>", "target_fraction", "an array (12 months, plants)", f"shape {tf.shape}"))
        if rel.shape != tf.shape:
            problems.append(Problem("<rules>", "release_m3s", f"shape {tf.shape}", f"shape {rel.shape}"))
        bad = ~np.isnan(tf) & ((tf < 0) | (tf > 1))
        if bad.any():
            problems.append(Problem("<rules>", "target_fraction", "fractions in 0–1", f"{tf[bad][:3]}"))
        if np.any(rel[~np.isnan(rel)] < 0):
            problems.append(Problem("<rules>", "release_m3s", "releases ≥ 0", "a negative release"))
        if rel.shape == tf.shape and np.any(np.isnan(tf) & np.isnan(rel)):
            problems.append(Problem("<rules>", "target_fraction", "a target or a release for every month", "neither"))
        if problems:
            raise InputError(problems)

    @property
    def n_plants(self) -> int:
        """Number of plants the rules cover."""
        return int(self.target_fraction.shape[1])


def default_rules(system: System) -> OperatingRules:
    """Return the default rules: :data:`DEFAULT_TARGET_FRACTION` for plants with a level curve, full otherwise."""
    curve = np.asarray(DEFAULT_TARGET_FRACTION, dtype=np.float64)
    has = system.curves.has_curve
    target = np.where(has[None, :], curve[:, None], 1.0)
    return OperatingRules(target, np.full_like(target, np.nan), "default rule curves (assumption)")


def schedule_rules(system: System, release_m3s: Array, plants: npt.NDArray[np.bool_] | None = None) -> OperatingRules:
    """Return rules with a fixed monthly release ``(12, P)`` for ``plants`` (default: those with a curve).

    The other plants keep the run-of-river target (full).
    """
    chosen = system.curves.has_curve if plants is None else np.asarray(plants, dtype=bool)
    release = np.where(chosen[None, :], np.asarray(release_m3s, dtype=np.float64), np.nan)
    target = np.where(chosen[None, :], np.nan, np.ones((12, len(chosen))))
    return OperatingRules(target, release, "fixed monthly release schedule")


def rules_from_storage(system: System, storage_hm3: Array, source: str = "optimised storage") -> OperatingRules:
    """Derive target curves from an end-of-stage storage trajectory ``(S, P)`` on ``system``'s calendar.

    The target of month ``m`` is the mean over the run's stages in month ``m`` of
    ``(storage − storage_min) / (storage_max − storage_min)``; plants or months without live storage
    keep 1 (full).
    """
    st = system.staging
    span = st.storage_max_hm3 - st.storage_min_hm3
    frac = np.divide(storage_hm3 - st.storage_min_hm3, span, out=np.full_like(span, np.nan), where=span > 1e-9)
    return _monthly_mean(np.clip(frac, 0.0, 1.0), system.calendar.stages["month"].to_numpy(), source)


def rules_from_reservoirs(system: System, reservoirs: pd.DataFrame, source: str = "optimised run") -> OperatingRules:
    """Derive target curves from a Results ``reservoirs`` table (``month, plant, storage_hm3, storage_min/max_hm3``)."""
    missing = {"month", "plant", "storage_hm3", "storage_min_hm3", "storage_max_hm3"} - set(reservoirs.columns)
    if missing:
        raise InputError([Problem("<results>", "reservoirs", "the Results reservoirs columns", f"missing {missing}")])
    span = reservoirs["storage_max_hm3"] - reservoirs["storage_min_hm3"]
    frac = ((reservoirs["storage_hm3"] - reservoirs["storage_min_hm3"]) / span.where(span > 1e-9)).clip(0.0, 1.0)
    table = reservoirs.assign(frac=frac).pivot_table(index="month", columns="plant", values="frac", aggfunc="mean")
    table = table.reindex(index=np.arange(1, 13), columns=list(system.plant_ids))
    target = table.to_numpy(dtype=np.float64)
    return OperatingRules(np.where(np.isnan(target), 1.0, target), np.full_like(target, np.nan), source)


def _monthly_mean(frac: Array, months: npt.NDArray[np.int64], source: str) -> OperatingRules:
    onehot = (months[:, None] == np.arange(1, 13)[None, :]).astype(np.float64)  # (S, 12)
    valid = ~np.isnan(frac)
    total = onehot.T @ np.where(valid, frac, 0.0)
    count = onehot.T @ valid.astype(np.float64)
    target = np.divide(total, count, out=np.ones_like(total), where=count > 0)
    return OperatingRules(target, np.full_like(target, np.nan), source)


def min_release_m3s(system: System) -> Array:
    """Return the minimum release ``(S, P)`` in m3/s: the largest requirement of all agreements at a point."""
    out = np.zeros((system.calendar.n_stages, system.n_plants))
    rel = system.releases
    if not rel.empty:
        np.maximum.at(
            out,
            (rel["stage"].to_numpy(dtype=np.int64), rel["plant"].to_numpy(dtype=np.int64)),
            rel["required_m3s"].to_numpy(dtype=np.float64),
        )
    return out


def upheld_min_release_m3s(system: System) -> Array:
    """Return the minimum release each plant aims for ``(S, P)``.

    That is its own requirement and, for a reservoir, also the requirements at the run-of-river
    plants below it down to the next reservoir.

    Run-of-river plants have little storage, so a requirement there can only be met by the reservoir
    above releasing it (their lateral inflows are not counted: conservative).
    """
    own = min_release_m3s(system)
    out = own.copy()
    has, down = system.curves.has_curve, system.topology.downstream
    for p in np.flatnonzero(has):  # static structure: reservoirs × chain length, not time steps
        q = int(down[p])
        while q >= 0 and not has[q]:
            out[:, p] = np.maximum(out[:, p], own[:, q])
            q = int(down[q])
    return out


def wanted_release_m3s(
    target_fraction: Array,
    schedule_m3s: Array,
    available_hm3: Array,
    storage_min_hm3: Array,
    storage_max_hm3: Array,
    hm3_per_m3s: float,
) -> Array:
    """Return the release each plant wants this month, before limits, in m3/s ``(M, p)``.

    Parameters
    ----------
    target_fraction, schedule_m3s
        This month's row of the rules for the plants, ``(p,)``.
    available_hm3
        Start storage plus this month's inflow volume (natural and from upstream), ``(M, p)``.
    storage_min_hm3, storage_max_hm3
        The stage's storage bounds for the plants, ``(p,)``.
    hm3_per_m3s
        Volume of 1 m3/s over the stage.
    """
    target = storage_min_hm3 + np.nan_to_num(target_fraction) * (storage_max_hm3 - storage_min_hm3)
    to_target = (available_hm3 - target[None, :]) / hm3_per_m3s
    wanted: Array = np.where(np.isnan(schedule_m3s)[None, :], to_target, schedule_m3s[None, :])
    return wanted


def release_m3s(
    wanted_m3s: Array, turbine_limit_m3s: Array, min_release: Array, above_dead_hm3: Array, hm3_per_m3s: float
) -> Array:
    """Apply the release rule: ``max(min(wanted, turbine_limit), min_release)``, within the water above dead storage.

    All arguments broadcast to ``(M, p)``; the result is ≥ 0.
    """
    release = np.maximum(np.minimum(wanted_m3s, turbine_limit_m3s), min_release)
    out: Array = np.clip(release, 0.0, np.maximum(above_dead_hm3, 0.0) / hm3_per_m3s)
    return out
