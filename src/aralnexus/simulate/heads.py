"""Head and turbine limits per month for all members: the System's level curves with members as rows."""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from aralnexus.system.curves import LevelCurves
from aralnexus.system.system import System
from aralnexus.units import RHO_G_MW_PER_M3S_M

Array = npt.NDArray[np.float64]


def stage_curves(curves: LevelCurves, stage: int, n_members: int) -> LevelCurves:
    """Return the stage's level curves with the member as the row axis (so ``head_m`` takes ``(M, P)``).

    Every per-(stage, plant) field is replaced by its row ``stage`` repeated (as a view) for each member.
    """
    n_stages = curves.in_service.shape[0]
    changes = {}
    for field in dataclasses.fields(curves):
        value = getattr(curves, field.name)
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[0] == n_stages:
            changes[field.name] = np.broadcast_to(value[stage], (n_members, value.shape[1]))
    return dataclasses.replace(curves, **changes)


def turbine_limit_m3s(system: System, stage: int, head_m: Array) -> Array:
    """Return the turbine limit ``(M, P)``: ``min(turbine_max, capacity / (9.81e-3 · η · H))``, as the optimiser."""
    coef = RHO_G_MW_PER_M3S_M * system.efficiency[None, :] * head_m
    cap = system.staging.capacity_mw[stage][None, :]
    by_power = np.divide(cap, coef, out=np.zeros_like(coef), where=coef > 0)
    limit: Array = np.minimum(system.staging.turbine_max_m3s[stage][None, :], by_power)
    return limit
