"""Objective: terminal water value, energy equivalents and the breakdown of the objective by term.

The LP minimises ``cost = − welfare``::

    welfare = served value · served + export revenue − import cost − thermal cost
              − VoLL · unserved − release penalties + Σ_p value_p · storage[S−1, p]

``value_p`` (US$/hm3) = terminal water value (US$/MWh) × energy equivalent of 1 hm3 released
from ``p`` through ``p`` and every plant below it in service at the horizon end.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.dispatch.lp import LPArrays
from aralnexus.dispatch.names import (
    FLOW_BWD,
    FLOW_FWD,
    RELEASE_SLACK,
    STORAGE,
    THERMAL,
    UNSERVED,
    WATER_DEFICIT,
    Layout,
)
from aralnexus.dispatch.water import (
    LOOKAHEAD_RELEASE_PENALTY_USD_PER_HM3,
    LOOKAHEAD_WATER_DEFICIT_PENALTY_USD_PER_HM3,
    STRICT_RELEASE_PENALTY_USD_PER_HM3,
    WATER_DEFICIT_PENALTY_USD_PER_HM3,
)
from aralnexus.system.system import System
from aralnexus.units import HM3_PER_M3S_HOUR, RHO_G_MW_PER_M3S_M, USD_PER_MUSD

Array = npt.NDArray[np.float64]

#: Objective terms in report order.
TERMS = (
    "served_demand",
    "exports",
    "imports",
    "thermal",
    "lost_load",
    "release_penalties",
    "strict_relaxation_penalties",
    "lookahead_shortfall_penalties",
    "terminal_water_value",
)


def power_coefficients(system: System, heads_m: Array) -> Array:
    """Return ``a[s, p] = 9.81e-3 · η_p · H[s, p]`` in MW per m3/s."""
    return RHO_G_MW_PER_M3S_M * system.efficiency[None, :] * heads_m


def energy_equivalent_mwh_per_hm3(system: System, coef_stage: Array) -> Array:
    """Return MWh produced by 1 hm3 released from each plant through it and all plants below ``(S, P)``."""
    working = system.staging.capacity_mw > 0
    own = np.where(working, coef_stage / HM3_PER_M3S_HOUR, 0.0)
    below = system.topology.below()  # (P, P), below[p, q] = 1 when q is p or downstream of p
    out: Array = np.asarray(below @ own.T, dtype=np.float64).T
    return out


def terminal_value_usd_per_hm3(system: System, coef_stage: Array) -> Array:
    """Return the value of 1 hm3 stored in each reservoir at the horizon end."""
    eq: Array = energy_equivalent_mwh_per_hm3(system, coef_stage)[-1]
    return eq * system.economics.terminal_value_usd_per_mwh


def define_terminal_value(lp: LPArrays, system: System, coef_stage: Array) -> None:
    """Credit water left in storage at the horizon end."""
    idx = lp.layout.cols[STORAGE].index[-1]
    lp.col_cost[idx] -= terminal_value_usd_per_hm3(system, coef_stage)


def objective_terms(layout: Layout, system: System, x: Array, coef_stage: Array) -> pd.DataFrame:
    """Break the welfare (= − LP objective) down by term, in US$ million."""
    cols = layout.cols
    dur = system.calendar.duration_h[:, None]
    demand = system.countries.demand_mw
    uns = cols[UNSERVED].take(x)
    served_value = system.economics.served_value_usd_per_mwh
    lk = system.links
    exports = imports = 0.0
    for family, send, recv in ((FLOW_FWD, lk.from_end, lk.to_end), (FLOW_BWD, lk.to_end, lk.from_end)):
        flow = cols[family].take(x) * dur
        imports += float((flow * np.where(send < 0, np.nan_to_num(lk.import_price_usd_per_mwh), 0.0)).sum())
        exports += float(
            (flow * np.where(recv < 0, np.nan_to_num(lk.export_price_usd_per_mwh) * lk.efficiency, 0.0)).sum()
        )
    rel = system.releases
    strict = rel["strict"].to_numpy(dtype=bool) if not rel.empty else np.zeros(0, bool)
    slack = cols[RELEASE_SLACK].take(x)
    penalty = rel["penalty_usd_per_hm3"].to_numpy(dtype=np.float64) if strict.size else np.zeros(0)
    ahead_row = system.lookahead_stage[rel["stage"].to_numpy(dtype=np.int64)] if strict.size else np.zeros(0, bool)
    ahead = system.lookahead_stage
    deficit = cols[WATER_DEFICIT].take(x)
    values = {
        "served_demand": served_value * float(((demand - uns) * dur).sum()),
        "exports": exports,
        "imports": -imports,
        "thermal": -float((cols[THERMAL].take(x) * dur * system.thermal.cost_usd_per_mwh[None, :]).sum()),
        "lost_load": -float((uns * dur * system.countries.voll_usd_per_mwh[None, :]).sum()),
        "release_penalties": -float((slack[~strict] * penalty[~strict]).sum()),
        "strict_relaxation_penalties": -STRICT_RELEASE_PENALTY_USD_PER_HM3 * float(slack[strict & ~ahead_row].sum())
        - WATER_DEFICIT_PENALTY_USD_PER_HM3 * float(deficit[~ahead].sum()),
        "lookahead_shortfall_penalties": -LOOKAHEAD_RELEASE_PENALTY_USD_PER_HM3 * float(slack[strict & ahead_row].sum())
        - LOOKAHEAD_WATER_DEFICIT_PENALTY_USD_PER_HM3 * float(deficit[ahead].sum()),
        "terminal_water_value": float(
            (cols[STORAGE].take(x)[-1] * terminal_value_usd_per_hm3(system, coef_stage)).sum()
        ),
    }
    return pd.DataFrame({"term": list(TERMS), "value_musd": [values[t] / USD_PER_MUSD for t in TERMS]})
