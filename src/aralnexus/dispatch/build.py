"""Build the LP of a system: layout, the ``define_*`` families in a fixed order, then the head terms."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aralnexus.dispatch import names as n
from aralnexus.dispatch.linearise import (
    HeadPattern,
    Linearisation,
    StorageBox,
    apply_head_terms,
    head_terms,
    restrict_storage,
)
from aralnexus.dispatch.links import define_import_limits, define_links, import_limit_shape
from aralnexus.dispatch.lp import LPArrays
from aralnexus.dispatch.objective import define_deficit_segments, define_shedding_priority, discount_costs
from aralnexus.dispatch.power import define_power_balance, define_thermal
from aralnexus.dispatch.water import define_min_releases, define_water_balance
from aralnexus.system.system import System

Array = npt.NDArray[np.float64]


def layout_for(system: System) -> n.Layout:
    """Return the column and row families of a system's LP."""
    cal = system.calendar
    t, s, p = cal.n_steps, cal.n_stages, system.n_plants
    g, c, k, r = len(system.thermal.ids), len(system.countries.detailed), len(system.links.ids), len(system.releases)
    cols = {
        n.TURBINE: (t, p),
        n.SPILL: (s, p),
        n.STORAGE: (s, p),
        n.WATER_DEFICIT: (s, p),
        n.THERMAL: (t, g),
        n.UNSERVED: (t, c),
        n.FLOW_FWD: (t, k),
        n.FLOW_BWD: (t, k),
        n.RELEASE_SLACK: (r,),
        n.UNSERVED_DEEP: (t, c, system.economics.deep_segments),
    }
    rows = {
        n.WATER_BALANCE: (s, p),
        n.POWER_BALANCE: (t, c),
        n.MIN_RELEASE: (r,),
        n.IMPORT_LIMIT: import_limit_shape(system),
        n.DEFICIT_SEGMENT: (t, c, system.economics.deep_segments),
    }
    return n.Layout.from_shapes(cols, rows)


def build_base_lp(system: System, inflow_m3s: Array, *, relaxed: bool = False) -> LPArrays:
    """Build every family that does not depend on heads (see :mod:`aralnexus.dispatch.linearise` for those).

    The turbine columns have no power-balance entries and the power balance holds the demand. Every
    cost is counted at its present value (:func:`aralnexus.dispatch.objective.discount_costs`, last).
    """
    lp = LPArrays(layout_for(system))
    define_water_balance(lp, system, inflow_m3s, relaxed)
    define_min_releases(lp, system, relaxed)
    define_thermal(lp, system)
    define_power_balance(lp, system)
    define_links(lp, system)
    define_shedding_priority(lp, system)
    define_deficit_segments(lp, system)
    define_import_limits(lp, system)
    discount_costs(lp, system)
    return lp


def build_lp(
    system: System,
    inflow_m3s: Array,
    heads_m: Array,
    *,
    relaxed: bool = False,
    linearisation: Linearisation | None = None,
    storage_box: StorageBox | None = None,
) -> LPArrays:
    """Build the LP arrays.

    Parameters
    ----------
    system
        The system.
    inflow_m3s
        Natural inflow per (stage, plant), m3/s.
    heads_m
        Net head per (stage, plant) used for the power coefficients, m.
    relaxed
        Relax strict constraints at very high penalties (used to explain infeasibility).
    linearisation
        Reference point of the head–storage sensitivity (``None``: output at fixed heads).
    storage_box
        Storage bounds ``(lower, upper)`` intersected with the reservoirs' own (trust region or head band).
    """
    lp = build_base_lp(system, inflow_m3s, relaxed=relaxed)
    pattern = HeadPattern.of(system, lp.layout)
    apply_head_terms(lp, pattern, head_terms(system, pattern, heads_m, linearisation))
    stor = lp.layout.cols[n.STORAGE].index
    lower, upper = restrict_storage(lp.col_lower[stor], lp.col_upper[stor], storage_box)
    lp.col_lower[stor], lp.col_upper[stor] = lower, upper
    return lp
