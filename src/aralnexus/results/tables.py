"""The result tables: fixed column names (with units) shared by dispatch, store and report.

Every table is tidy (one row per element and time step). Time columns: ``time`` is the start of
the water stage (month start for monthly runs, the hour for hourly runs), ``step`` the power
step, ``year`` and ``month`` calendar fields, ``block`` the load block (``peak``, ``shoulder``,
``offpeak``, or ``hour`` in hourly runs), ``duration_h`` the step length in hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from aralnexus.system.start_storage import START_STORAGE_COLUMNS
from aralnexus.vocab import CONVERGENCE_MODES, ConvergenceMode

if TYPE_CHECKING:
    import xarray as xr

TIME_COLUMNS: tuple[str, ...] = ("step", "time", "year", "month", "block", "duration_h")

#: Per plant and step.
PLANT_COLUMNS: tuple[str, ...] = (
    *TIME_COLUMNS,
    "plant",
    "country",
    "river",
    "turbined_m3s",
    "spilled_m3s",
    "inflow_m3s",  # natural (local) inflow entering this plant's reservoir
    "storage_hm3",  # end of the step's water stage
    "level_m",
    "head_m",
    "power_mw",
    "energy_mwh",
    "capacity_mw",
)

#: Per country and step (detailed countries; partners appear in links only).
COUNTRY_COLUMNS: tuple[str, ...] = (
    *TIME_COLUMNS,
    "country",
    "demand_mwh",
    "served_mwh",
    "unserved_mwh",
    "hydro_mwh",
    "thermal_mwh",
    "imports_mwh",  # energy received over links and from partner markets (after losses)
    "exports_mwh",  # energy sent over links and to partner markets (before losses)
    "price_usd_per_mwh",  # marginal price: dual of the power balance
)

#: Per link and step. Positive flow goes from ``from_country`` to ``to_country``.
LINK_COLUMNS: tuple[str, ...] = (
    *TIME_COLUMNS,
    "link",
    "from_country",
    "to_country",
    "flow_mw",
    "energy_mwh",  # signed, at the sending end
    "capacity_mw",
    "revenue_usd",  # paid to the sender at the link's tariff (0 without a tariff)
)

#: Per reservoir plant and water stage: storage and water values (duals of the water balance).
#: ``storage_min_hm3``/``storage_max_hm3`` are the bounds in force that month (the lower one below
#: dead storage while a new reservoir is first filled).
#: ``level_min_m``/``level_max_m`` are the levels at the stage's storage bounds on the level–volume
#: curve (NaN for plants without a curve).
RESERVOIR_COLUMNS: tuple[str, ...] = (
    "time",
    "year",
    "month",
    "plant",
    "storage_hm3",
    "storage_min_hm3",
    "storage_max_hm3",
    "level_m",
    "level_min_m",
    "level_max_m",
    "water_value_usd_per_1000m3",
    "water_value_usd_per_mwh",
)

#: Per release point and water stage: minimum release compliance.
RELEASE_COLUMNS: tuple[str, ...] = (
    "time",
    "year",
    "month",
    "point",
    "agreement",
    "required_m3s",
    "released_m3s",
    "shortfall_m3s",
    "shortfall_cost_usd",
)

#: One row per objective term, in US$ million (revenues positive, costs negative).
OBJECTIVE_COLUMNS: tuple[str, ...] = ("term", "value_musd")

#: Named, non-zero slacks: what could not be met, where, when and by how much.
VIOLATION_COLUMNS: tuple[str, ...] = ("constraint", "element", "period", "amount", "unit")


def convergence_mode(text: str) -> ConvergenceMode:
    """Return a stored head mode as a :data:`~aralnexus.vocab.ConvergenceMode` (``ValueError`` if it is none)."""
    for mode in CONVERGENCE_MODES:
        if text == mode:
            return mode
    msg = f"head mode {text!r} is not one of {', '.join(CONVERGENCE_MODES)}"
    raise ValueError(msg)


@dataclass(frozen=True)
class Convergence:
    """How the head iteration ended.

    Parameters
    ----------
    mode
        ``"head"`` (successive linearisation), ``"fixed"`` (rated heads) or ``"median-heads"``
        (an ensemble member at the median-hydrology heads): :data:`aralnexus.vocab.ConvergenceMode`.
    iterations
        Number of LP solves.
    max_head_change_pct
        Largest relative head change between the last two iterations, in percent.
    tolerance_pct
        The stopping tolerance in percent.
    converged
        Whether the tolerance was met.
    """

    mode: ConvergenceMode
    iterations: int
    max_head_change_pct: float
    tolerance_pct: float
    converged: bool


@dataclass(frozen=True)
class Results:
    """Everything one optimisation or simulation returns; tables have the columns above.

    ``solution`` is the labelled solution the tables are a view of (:mod:`aralnexus.results.solution`),
    when the results come from a solve (``None`` for tables read back or built by hand).
    """

    plants: pd.DataFrame
    countries: pd.DataFrame
    links: pd.DataFrame
    reservoirs: pd.DataFrame
    releases: pd.DataFrame
    objective: pd.DataFrame
    violations: pd.DataFrame
    convergence: Convergence
    solve_seconds: float = 0.0
    metadata: dict[str, str] = field(default_factory=dict)
    #: Start storage per plant: ``plant, storage_hm3, source, stated_hm3, adjustment_hm3, note``
    #: (:mod:`aralnexus.system.start_storage`); empty when not known (tables read back, by hand).
    start_storage: pd.DataFrame = field(default_factory=lambda: empty_table(START_STORAGE_COLUMNS))
    solution: xr.Dataset | None = field(default=None, repr=False, compare=False)

    @property
    def objective_musd(self) -> float:
        """Total objective value in US$ million."""
        return float(self.objective["value_musd"].sum())


def empty_table(columns: tuple[str, ...]) -> pd.DataFrame:
    """Return an empty DataFrame with the given columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
