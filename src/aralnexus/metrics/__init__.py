"""The planner metrics: one registered function each, on the labelled solution (member-aware).

``compute(solution, definitions, names)`` evaluates metrics (``aralnexus.metrics.registry``);
``metric_rows`` turns them into the long ``country, year, metric, value, unit`` rows the store keeps;
``member_summary`` gives the ``members`` columns of an ensemble member. Definitions: energy
(:mod:`~aralnexus.metrics.energy`), exports and CASA-1000 attribution (:mod:`~aralnexus.metrics.flows`,
:mod:`~aralnexus.metrics.exports`), storage and spill (:mod:`~aralnexus.metrics.storage`), reserve
margin and firm energy (:mod:`~aralnexus.metrics.adequacy`), release compliance
(:mod:`~aralnexus.metrics.water`), water-for-energy swaps (:mod:`~aralnexus.metrics.swaps`), headline
figures (:mod:`~aralnexus.metrics.headline`); figures filled outside one solution are declared in
:mod:`~aralnexus.metrics.declared` (unit and aggregation only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions, planner_definitions
from aralnexus.metrics import adequacy, declared, energy, exports, headline, storage, swaps, water
from aralnexus.metrics.headline import HEADLINE_METRICS, MEMBER_SUMMARY, OBJECTIVE_MEANING
from aralnexus.metrics.registry import (
    METRIC_COLUMNS,
    REGISTRY,
    Metric,
    aggregation_of,
    compute,
    declare,
    describe,
    metric,
    metric_rows,
)

__all__ = [
    "HEADLINE_METRICS",
    "MEMBER_SUMMARY",
    "METRIC_COLUMNS",
    "OBJECTIVE_MEANING",
    "REGISTRY",
    "Metric",
    "PlannerDefinitions",
    "adequacy",
    "aggregation_of",
    "compute",
    "declare",
    "declared",
    "describe",
    "energy",
    "exports",
    "headline",
    "headline_rows",
    "member_summary",
    "metric",
    "metric_rows",
    "planner_definitions",
    "storage",
    "swaps",
    "water",
]


def member_summary(solution: xr.Dataset, definitions: PlannerDefinitions) -> dict[str, float | int | None]:
    """Return the ``members`` summary columns of a one-member solution (sums over countries and rivers)."""
    values = compute(solution, definitions, MEMBER_SUMMARY.values())
    out: dict[str, float | int | None] = {}
    for column, name in MEMBER_SUMMARY.items():
        data = values[name].values  # NaN skipped, as xarray's sum does
        value = float(np.nansum(data)) if name != "min_storage_pct" else float(data)
        out[column] = None if np.isnan(value) else value
    out["violations"] = int(out["violations"] or 0)
    return out


def headline_rows(solution: xr.Dataset, definitions: PlannerDefinitions) -> pd.DataFrame:
    """Return the horizon-wide figures (:data:`HEADLINE_METRICS`) as metric rows with ``year = <NA>``.

    ``country`` holds the element: a country, a reservoir (storage shares), a river (spill) or the
    pair's label (system-wide figures).
    """
    rows = metric_rows(compute(solution, definitions, HEADLINE_METRICS), definitions.pair_label)
    return rows[list(METRIC_COLUMNS)]
