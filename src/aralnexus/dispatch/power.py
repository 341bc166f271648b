"""Power families: thermal, unserved energy, power balance; the turbine bound at given heads.

Power balance per (step t, detailed country c), in MW::

    Σ_{p∈c} a[t, p] · turbine[t, p] + Σ_{g∈c} thermal[t, g] + unserved[t, c]
      + Σ_links (received − sent)[t, c] = demand[t, c]

with ``a[t, p] = 9.81e-3 · η_p · H[stage(t), p]`` (MW per m3/s), set with everything else that
depends on heads by :mod:`aralnexus.dispatch.linearise`. The plant limit ``a · turbine ≤ capacity``
becomes a column bound: ``turbine ≤ min(turbine_max, capacity / a)``.
Costs (US$): thermal ``cost · dur``; unserved ``(VoLL + served value) · dur`` and a constant
``− served value · Σ w · demand · dur``, so the objective counts served demand at its value (``w``:
the step's present-value weight, :func:`aralnexus.dispatch.objective.step_weights`; the column costs
are weighted by :func:`aralnexus.dispatch.objective.discount_costs`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.lp import LPArrays
from aralnexus.dispatch.names import POWER_BALANCE, THERMAL, UNSERVED
from aralnexus.dispatch.objective import step_weights
from aralnexus.system.system import System


def turbine_upper_m3s(system: System, coef_step: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return the turbine discharge bound ``(T, P)``: ``min(turbine_max, capacity / a)``."""
    st = system.calendar.step_stage
    cap = system.staging.capacity_mw[st]
    by_power = np.divide(cap, coef_step, out=np.zeros_like(cap), where=coef_step > 0)
    return np.minimum(system.staging.turbine_max_m3s[st], by_power)


def define_thermal(lp: LPArrays, system: System) -> None:
    """Add thermal plants: must-run ≤ output ≤ available capacity, cost per MWh."""
    th = system.thermal
    if not th.ids:
        return
    rows = lp.layout.rows[POWER_BALANCE].index
    lp.add(rows[:, th.country], lp.layout.cols[THERMAL].index, 1.0)
    dur = system.calendar.duration_h[:, None]
    lp.set_cols(THERMAL, th.must_run_mw, th.capacity_mw, th.cost_usd_per_mwh[None, :] * dur)


def define_power_balance(lp: LPArrays, system: System) -> None:
    """Add unserved energy and set each power balance to the demand."""
    rows = lp.layout.rows[POWER_BALANCE].index
    demand = system.countries.demand_mw
    dur = system.calendar.duration_h[:, None]
    served_value = system.economics.served_value_usd_per_mwh
    lp.add(rows, lp.layout.cols[UNSERVED].index, 1.0)
    lp.set_cols(UNSERVED, 0.0, demand, (system.countries.voll_usd_per_mwh[None, :] + served_value) * dur)
    if served_value:
        lp.offset -= served_value * float((demand * dur * step_weights(system)[:, None]).sum())
    lp.set_rows(POWER_BALANCE, demand, demand)
