"""Climate shifts applied to monthly inflows (the same transformation at every site).

Order, per calendar year and site:

1. glacier share: Jul–Sep flows × (1 + g/100); the other nine months are scaled by one common
   factor so the year's total is unchanged (glacier change redistributes water within the year);
2. melt shift: the 12-month shape moves earlier by ``weeks · 12/52.18`` months (circular within the
   year, linear interpolation between months), which conserves the year's total exactly;
3. volume: everything × (1 + v/100) — the only step that changes the annual total.
"""

from __future__ import annotations

import numpy as np

from aralnexus.errors import InputError, Problem
from aralnexus.hydrology.climatology import FloatArray
from aralnexus.scenario.model import ClimateShift

WEEKS_PER_MONTH = 52.1775 / 12
_SUMMER = np.zeros(12, dtype=bool)
_SUMMER[6:9] = True


def shift_months(monthly: FloatArray, months: float, axis: int = -2) -> FloatArray:
    """Move a 12-month pattern earlier by ``months`` (fractional, circular, total-preserving)."""
    whole = int(np.floor(months))
    frac = months - whole
    first = np.roll(monthly, -whole, axis=axis)
    second = np.roll(monthly, -whole - 1, axis=axis)
    out: FloatArray = (1 - frac) * first + frac * second
    return out


def apply_climate(monthly_m3s: FloatArray, shift: ClimateShift, source: str = "<scenario>") -> FloatArray:
    """Apply ``shift`` to flows ``(..., 12, site)`` (calendar months on axis −2).

    Raises
    ------
    InputError
        If the glacier change would need negative flows outside Jul–Sep, or the volume change is ≤ −100 %.
    """
    if shift == ClimateShift():
        return monthly_m3s
    problems: list[Problem] = []
    if shift.volume_change_pct <= -100:
        problems.append(
            Problem(source, "hydrology.climate.volume_change_pct", "a change > −100 %", repr(shift.volume_change_pct))
        )
    flows = np.asarray(monthly_m3s, dtype="float64")
    if shift.glacier_share_change_pct:
        summer = flows[..., _SUMMER, :].sum(axis=-2, keepdims=True)
        rest = flows[..., ~_SUMMER, :].sum(axis=-2, keepdims=True)
        extra = summer * shift.glacier_share_change_pct / 100
        if np.any(extra > rest) or shift.glacier_share_change_pct <= -100:
            problems.append(
                Problem(
                    source,
                    "hydrology.climate.glacier_share_change_pct",
                    "a change the other months can balance",
                    repr(shift.glacier_share_change_pct),
                )
            )
        factor_rest = np.divide(rest - extra, rest, out=np.ones_like(rest), where=rest > 0)
        factors = np.where(_SUMMER[:, None], 1 + shift.glacier_share_change_pct / 100, factor_rest)
        flows = flows * factors
    if problems:
        raise InputError(problems)
    if shift.melt_shift_weeks:
        flows = shift_months(flows, shift.melt_shift_weeks / WEEKS_PER_MONTH)
    out: FloatArray = flows * (1 + shift.volume_change_pct / 100)
    return out
