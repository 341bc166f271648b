"""Energy-security metrics of a pathway: the registered metrics of :mod:`aralnexus.metrics`.

All metrics are tidy rows ``country, year, metric, value, unit``. Calendar-year metrics use the
calendar year; winter metrics use the winter label (winter Y/Y+1, labelled Y, see
:mod:`aralnexus.data.definitions`) and are reported only for complete winters. Horizon-wide
metrics have ``year = <NA>``. Every definition (energy balance, winters, storage, reserve margin,
firm energy) is registered once in :mod:`aralnexus.metrics`; this module only names the set a
pathway reports. Definitions are in ``docs/pathways.md`` and ``docs/metrics.md``.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics import compute, metric_rows
from aralnexus.metrics.registry import METRIC_COLUMNS

#: Energy, storage and adequacy metrics of every pathway (registered in :mod:`aralnexus.metrics`).
ENERGY_METRICS: tuple[str, ...] = (
    "demand_twh",
    "hydro_twh",
    "thermal_twh",
    "unserved_twh",
    "unserved_share_pct",
    "winter_demand_twh",
    "winter_hydro_twh",
    "winter_thermal_twh",
    "winter_imports_twh",
    "winter_deficit_twh",
    "winter_deficit_share_pct",
    "winter_unserved_twh",
    "winter_unserved_share_pct",
    "storage_end_sep_hm3",
    "storage_end_sep_pct_full",
    "storage_end_mar_hm3",
    "peak_demand_mw",
    "available_capacity_mw",
    "reserve_margin_pct",
    "firm_winter_hydro_p90_twh",
)


def energy_security(solution: xr.Dataset, definitions: PlannerDefinitions) -> pd.DataFrame:
    """Return every energy-security metric (annual, winter, storage, reserve, firm) as tidy rows."""
    rows = metric_rows(compute(solution, definitions, ENERGY_METRICS), definitions.pair_label)
    return rows[list(METRIC_COLUMNS)]
