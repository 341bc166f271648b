"""Interstate water of a pathway: release compliance per release point, and water-for-energy swaps.

Every quantity is a registered metric (:mod:`aralnexus.metrics.water`: ``release_*`` per release
point, ``veg_shortfall_hm3``, ``veg_shortfall_cost_musd``, ``shortfall_cost_musd`` per country;
:mod:`aralnexus.metrics.swaps`: ``swap_*``). This module names the set a pathway reports and lays
the per-point metrics out as the ``water`` table (:data:`WATER_COLUMNS`) the CLI prints and the JSON
summary nests. Definitions are in ``docs/pathways.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics import compute, metric_rows

WATER_COLUMNS: tuple[str, ...] = ("point", "country", "agreement", "year", "metric", "value", "unit")

#: Per release point: the registered metric → its name in the water table.
POINT_METRICS: dict[str, str] = {
    "release_veg_required_hm3": "veg_required_hm3",
    "release_veg_released_hm3": "veg_released_hm3",
    "release_veg_shortfall_hm3": "veg_shortfall_hm3",
    "release_veg_shortfall_cost_musd": "veg_shortfall_cost_musd",
    "release_veg_months_short": "veg_months_short",
    "release_shortfall_hm3": "shortfall_hm3",
    "release_shortfall_cost_musd": "shortfall_cost_musd",
}
#: Country metrics of interstate water (release compliance and swaps).
WATER_METRICS: tuple[str, ...] = (
    "veg_shortfall_hm3",
    "veg_shortfall_cost_musd",
    "shortfall_cost_musd",
    "swap_summer_exports_twh",
    "swap_winter_imports_twh",
    "swap_energy_twh",
    "swap_balance_twh",
    "swap_net_value_musd",
    "swap_water_hm3",
)


def release_compliance(solution: xr.Dataset, definitions: PlannerDefinitions) -> pd.DataFrame:
    """Releases per release point and year against requirements (:data:`WATER_COLUMNS`).

    Metrics ``veg_required_hm3``, ``veg_released_hm3``, ``veg_shortfall_hm3``,
    ``veg_shortfall_cost_musd``, ``veg_months_short`` over the vegetation season and
    ``shortfall_hm3``, ``shortfall_cost_musd`` over the calendar year (the registered ``release_*``
    metrics). ``agreement`` is the agreement in force at the point in the vegetation season (else
    the point's first), ``country`` the owner of the point's plant.
    """
    if solution.sizes.get("release", 0) == 0:
        return pd.DataFrame(columns=list(WATER_COLUMNS))
    rows = metric_rows(compute(solution, definitions, POINT_METRICS), definitions.pair_label)
    rows = rows.rename(columns={"country": "point"})
    rows["metric"] = rows["metric"].map(POINT_METRICS)
    owner = dict(zip(solution["plant"].values.astype(str), solution["plant_country"].values.astype(str), strict=True))
    point = solution["point"].values.astype(str)
    veg = np.isin(
        solution["stage_month"].values[solution["release_stage"].values.astype(np.int64)], definitions.vegetation_months
    )
    agreements = pd.DataFrame({"point": point, "agreement": solution["agreement"].values.astype(str), "veg": veg})
    agreement = agreements.sort_values("veg", ascending=False, kind="stable").drop_duplicates("point")
    rows["country"] = rows["point"].map(owner).fillna("")
    rows["agreement"] = rows["point"].map(agreement.set_index("point")["agreement"]).fillna("")
    return rows[list(WATER_COLUMNS)].reset_index(drop=True)


def water_metrics(solution: xr.Dataset, definitions: PlannerDefinitions) -> pd.DataFrame:
    """Return the country metrics of interstate water (:data:`WATER_METRICS`) as tidy rows."""
    return metric_rows(compute(solution, definitions, WATER_METRICS), definitions.pair_label)
