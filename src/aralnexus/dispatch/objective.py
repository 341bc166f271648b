"""Objective: terminal water value, energy equivalents and the breakdown of the objective by term.

The LP minimises ``cost = − welfare``::

    welfare = served value · served + export revenue − import cost − bilateral price · sent between grids
              − thermal cost
              − VoLL · unserved − release penalties − ε · spilled hm3 + Σ_p value_p · storage[S−1, p]

``ε`` = :data:`~aralnexus.dispatch.water.SPILL_TIE_BREAK_USD_PER_HM3`, a tie-break (objective
term ``spill_tie_break``), not a physical cost. ``value_p`` (US$/hm3) = terminal water value
(US$/MWh) × energy equivalent of 1 hm3 released from ``p`` through ``p`` and every plant below it
in service at the horizon end.

Neighbours are not sacrificed to the joint objective: a country serves its own load before it
exports. In the LP, shedding a MWh costs the same in every detailed country,
:func:`shedding_cost_usd_per_mwh` ``π`` = the largest value of lost load of the detailed
countries or price a partner pays for energy; each country's VoLL gets the premium ``π − VoLL_c``
(objective term ``shedding_priority``; ``lost_load`` stays at each country's own VoLL). Exporting
a MWh while shedding one then never pays: the receiver values it at most ``π`` and only
``η ≤ 1`` of it arrives; on lossless links between detailed countries a tie-break of
:data:`PRIORITY_TIE_BREAK_USD_PER_MWH` on the sent energy makes this strict.

Deficit segments (PSR SDDP's deficit cost segments): shedding up to ``deficit_segment_depth_pct``
of a step's demand costs ``π``; beyond it, ``deficit_deep_cost_factor · π``. The deeper part is a
column of its own (``unserved_deep_mw ≥ unserved − depth · demand``, priced at the extra
``(factor − 1) · π``, objective term ``deep_shedding``), so the cost of shedding is convex in
its depth and a shortage is shared between years instead of falling wherever it is cheapest for
the head. Without the parameters there is one segment (a linear cost).

Present values: every cost and value is weighted by its stage's discount factor
:func:`stage_weights` ``w[s] = (1 + r)^−y`` (``r`` = ``discount_rate_pct_per_year``, ``y`` =
years from the start of the first stage to the start of stage ``s``) and the terminal water value
by the factor at the end of the last stage (:func:`terminal_weight`); with ``r = 0`` every weight
is 1. The objective is then a present value in money of the first year; reported prices and
water values are divided by the weight again (money of their own year).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.dispatch.links import bilateral_hurdle_usd_per_mwh
from aralnexus.dispatch.lp import LPArrays
from aralnexus.dispatch.names import (
    DEFICIT_SEGMENT,
    FLOW_BWD,
    FLOW_FWD,
    RELEASE_SLACK,
    SPILL,
    STORAGE,
    THERMAL,
    UNSERVED,
    UNSERVED_DEEP,
    WATER_DEFICIT,
    Layout,
)
from aralnexus.dispatch.stages import NO_STAGE, column_stages
from aralnexus.dispatch.water import (
    LOOKAHEAD_RELEASE_PENALTY_USD_PER_HM3,
    LOOKAHEAD_WATER_DEFICIT_PENALTY_USD_PER_HM3,
    SPILL_TIE_BREAK_USD_PER_HM3,
    STRICT_RELEASE_PENALTY_USD_PER_HM3,
    WATER_DEFICIT_PENALTY_USD_PER_HM3,
)
from aralnexus.system.system import System
from aralnexus.units import HM3_PER_M3S_HOUR, HOURS_PER_YEAR, RHO_G_MW_PER_M3S_M, USD_PER_MUSD

Array = npt.NDArray[np.float64]

#: Cost on energy sent over a lossless link by a detailed country (US$/MWh): breaks the tie between
#: serving own load and exporting it to a neighbour that sheds at the same price.
PRIORITY_TIE_BREAK_USD_PER_MWH = 0.01

#: Objective terms in report order.
TERMS = (
    "served_demand",
    "exports",
    "imports",
    "bilateral_trade",
    "thermal",
    "lost_load",
    "shedding_priority",
    "deep_shedding",
    "release_penalties",
    "strict_relaxation_penalties",
    "lookahead_shortfall_penalties",
    "spill_tie_break",
    "terminal_water_value",
)


def shedding_cost_usd_per_mwh(system: System) -> float:
    """Return ``π``: what shedding a MWh costs in the LP in every detailed country (before the served value).

    The largest value of lost load among the detailed countries, or the largest price a partner
    pays for delivered energy over a link if that is higher.
    """
    voll = system.countries.voll_usd_per_mwh
    paid = system.links.export_price_usd_per_mwh
    values = np.concatenate([voll[np.isfinite(voll)], paid[np.isfinite(paid)], [0.0]])
    return float(values.max())


def shedding_premium_usd_per_mwh(system: System) -> Array:
    """Return ``π − VoLL_c`` per detailed country: the premium that gives every country's own load priority."""
    voll = np.nan_to_num(system.countries.voll_usd_per_mwh)
    premium: Array = shedding_cost_usd_per_mwh(system) - voll
    return premium


def tie_break_usd_per_mwh(system: System) -> tuple[Array, Array]:
    """Return the tie-break cost ``(L,)`` on forward and on backward sent energy (lossless links out of a grid)."""
    lk = system.links
    lossless = lk.efficiency >= 1.0
    fwd = np.where(lossless & (lk.from_end >= 0), PRIORITY_TIE_BREAK_USD_PER_MWH, 0.0)
    bwd = np.where(lossless & (lk.to_end >= 0), PRIORITY_TIE_BREAK_USD_PER_MWH, 0.0)
    return fwd, bwd


def define_shedding_priority(lp: LPArrays, system: System) -> None:
    """Price shedding at ``π`` in every detailed country (premium over its VoLL) and add the tie-break."""
    dur = system.calendar.duration_h[:, None]
    unserved = lp.layout.cols[UNSERVED].index
    lp.col_cost[unserved] += shedding_premium_usd_per_mwh(system)[None, :] * dur
    for family, cost in zip((FLOW_FWD, FLOW_BWD), tie_break_usd_per_mwh(system), strict=True):
        if cost.any():
            lp.col_cost[lp.layout.cols[family].index] += cost[None, :] * dur


def _years_from_origin(system: System, times: pd.DatetimeIndex) -> Array:
    origin = system.economics.discount_origin
    start = pd.Timestamp(system.calendar.stages["time"].iloc[0]) if origin is None else origin
    years: Array = np.asarray((times - start) / pd.Timedelta(hours=1), dtype=np.float64) / HOURS_PER_YEAR
    return years


def stage_weights(system: System) -> Array:
    """Return the present-value weight ``(1 + r)^−y`` of every stage ``(S,)`` (all 1 without a discount rate).

    ``y`` is the time in years (of :data:`~aralnexus.units.HOURS_PER_YEAR` hours) from the discount
    origin (:attr:`~aralnexus.system.system.Economics.discount_origin`) to the stage's start.
    """
    rate = system.economics.discount_rate_pct_per_year / 100.0
    if rate == 0.0:
        return np.ones(system.calendar.n_stages)
    years = _years_from_origin(system, pd.DatetimeIndex(system.calendar.stages["time"]))
    out: Array = (1.0 + rate) ** -years
    return out


def step_weights(system: System) -> Array:
    """Return the present-value weight of every step ``(T,)``: its stage's."""
    return stage_weights(system)[system.calendar.step_stage]


def terminal_weight(system: System) -> float:
    """Return the present-value weight of the end of the last stage (where the terminal water value is counted)."""
    rate = system.economics.discount_rate_pct_per_year / 100.0
    if rate == 0.0:
        return 1.0
    cal = system.calendar
    end = pd.DatetimeIndex([cal.stages["time"].iloc[-1]]) + pd.Timedelta(hours=float(cal.stage_hours[-1]))
    return float((1.0 + rate) ** -_years_from_origin(system, end)[0])


def column_weights(system: System, layout: Layout) -> Array:
    """Return the present-value weight of every LP column: its stage's (:mod:`aralnexus.dispatch.stages`)."""
    stage = column_stages(system, layout)
    if (stage == NO_STAGE).any():
        raise ValueError("every LP column must belong to a stage")
    return stage_weights(system)[stage]


def discount_costs(lp: LPArrays, system: System) -> None:
    """Weight every column cost by its present-value weight (call last, after every cost is set)."""
    if system.economics.discount_rate_pct_per_year != 0.0:
        lp.col_cost *= column_weights(system, lp.layout)


def deep_shedding_cost_usd_per_mwh(system: System) -> float:
    """Return the extra cost of a MWh shed beyond the first deficit segment: ``(factor − 1) · π``."""
    return (system.economics.deficit_deep_cost_factor - 1.0) * shedding_cost_usd_per_mwh(system)


def define_deficit_segments(lp: LPArrays, system: System) -> None:
    """Add the deeper deficit segment: ``unserved − deep ≤ depth · demand``, deep priced at the extra cost."""
    if not system.economics.deep_segments:
        return
    demand = system.countries.demand_mw[:, :, None]
    depth = system.economics.deficit_segment_depth_pct / 100.0
    rows = lp.layout.rows[DEFICIT_SEGMENT].index
    lp.add(rows, lp.layout.cols[UNSERVED].index[:, :, None], 1.0)
    lp.add(rows, lp.layout.cols[UNSERVED_DEEP].index, -1.0)
    lp.set_rows(DEFICIT_SEGMENT, -np.inf, depth * demand)
    dur = system.calendar.duration_h[:, None, None]
    lp.set_cols(UNSERVED_DEEP, 0.0, (1.0 - depth) * demand, deep_shedding_cost_usd_per_mwh(system) * dur)


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
    """Return the present value (:func:`terminal_weight`) of 1 hm3 stored in each reservoir at the horizon end."""
    eq: Array = energy_equivalent_mwh_per_hm3(system, coef_stage)[-1]
    return eq * system.economics.terminal_value_usd_per_mwh * terminal_weight(system)


def objective_terms(layout: Layout, system: System, x: Array, coef_stage: Array) -> pd.DataFrame:
    """Break the welfare (= − LP objective) down by term, in US$ million (present values, see the module)."""
    cols = layout.cols
    w_stage = stage_weights(system)
    dur = (system.calendar.duration_h * w_stage[system.calendar.step_stage])[:, None]  # weighted hours
    demand = system.countries.demand_mw
    uns = cols[UNSERVED].take(x)
    served_value = system.economics.served_value_usd_per_mwh
    lk = system.links
    exports = imports = bilateral = 0.0
    hurdle = bilateral_hurdle_usd_per_mwh(system)
    for family, send, recv in ((FLOW_FWD, lk.from_end, lk.to_end), (FLOW_BWD, lk.to_end, lk.from_end)):
        flow = cols[family].take(x) * dur
        bilateral += float((flow * hurdle[None, :]).sum())
        imports += float((flow * np.where(send < 0, np.nan_to_num(lk.import_price_usd_per_mwh), 0.0)).sum())
        exports += float(
            (flow * np.where(recv < 0, np.nan_to_num(lk.export_price_usd_per_mwh) * lk.efficiency, 0.0)).sum()
        )
    rel = system.releases
    strict = rel["strict"].to_numpy(dtype=bool) if not rel.empty else np.zeros(0, bool)
    slack = cols[RELEASE_SLACK].take(x) * (w_stage[rel["stage"].to_numpy(dtype=np.int64)] if strict.size else 1.0)
    penalty = rel["penalty_usd_per_hm3"].to_numpy(dtype=np.float64) if strict.size else np.zeros(0)
    ahead_row = system.lookahead_stage[rel["stage"].to_numpy(dtype=np.int64)] if strict.size else np.zeros(0, bool)
    ahead = system.lookahead_stage
    deficit = cols[WATER_DEFICIT].take(x) * w_stage[:, None]
    spilled_hm3 = cols[SPILL].take(x) * (HM3_PER_M3S_HOUR * system.calendar.stage_hours * w_stage)[:, None]
    deep = cols[UNSERVED_DEEP].take(x).sum(axis=2)
    values = {
        "served_demand": served_value * float(((demand - uns) * dur).sum()),
        "exports": exports,
        "imports": -imports,
        "bilateral_trade": -bilateral,
        "thermal": -float((cols[THERMAL].take(x) * dur * system.thermal.cost_usd_per_mwh[None, :]).sum()),
        "lost_load": -float((uns * dur * system.countries.voll_usd_per_mwh[None, :]).sum()),
        "shedding_priority": -float((uns * dur * shedding_premium_usd_per_mwh(system)[None, :]).sum())
        - sum(
            float((cols[family].take(x) * dur * cost[None, :]).sum())
            for family, cost in zip((FLOW_FWD, FLOW_BWD), tie_break_usd_per_mwh(system), strict=True)
        ),
        "deep_shedding": -deep_shedding_cost_usd_per_mwh(system) * float((deep * dur).sum()),
        "release_penalties": -float((slack[~strict] * penalty[~strict]).sum()),
        "strict_relaxation_penalties": -STRICT_RELEASE_PENALTY_USD_PER_HM3 * float(slack[strict & ~ahead_row].sum())
        - WATER_DEFICIT_PENALTY_USD_PER_HM3 * float(deficit[~ahead].sum()),
        "lookahead_shortfall_penalties": -LOOKAHEAD_RELEASE_PENALTY_USD_PER_HM3 * float(slack[strict & ahead_row].sum())
        - LOOKAHEAD_WATER_DEFICIT_PENALTY_USD_PER_HM3 * float(deficit[ahead].sum()),
        "spill_tie_break": -SPILL_TIE_BREAK_USD_PER_HM3 * float(spilled_hm3.sum()),
        "terminal_water_value": float(
            (cols[STORAGE].take(x)[-1] * terminal_value_usd_per_hm3(system, coef_stage)).sum()
        ),
    }
    return pd.DataFrame({"term": list(TERMS), "value_musd": [values[t] / USD_PER_MUSD for t in TERMS]})
