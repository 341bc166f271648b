"""The planner metrics: one registered function each, on the labelled solution (member-aware).

``compute(solution, definitions, names)`` evaluates metrics (``aralnexus.metrics.registry``);
``metric_rows`` turns them into the long ``country, year, metric, value, unit`` rows the store keeps;
``member_summary`` gives the ``members`` columns of an ensemble member (``member_summaries`` of a
stack of members). Definitions: energy
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
    "member_summaries",
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
    return member_summaries(solution, definitions)[0]


def member_summaries(solution: xr.Dataset, definitions: PlannerDefinitions) -> list[dict[str, float | int | None]]:
    """Return :func:`member_summary` of each member of a solution with a leading ``member`` dimension.

    The metrics are computed once on the whole stack; a solution without ``member`` is one member.
    """
    values = compute(solution, definitions, MEMBER_SUMMARY.values())
    stacked = "member" in solution.dims
    arrays = {n: (v.transpose("member", ...) if stacked else v.expand_dims("member")).values for n, v in values.items()}
    out: list[dict[str, float | int | None]] = []
    for i in range(solution.sizes["member"] if stacked else 1):
        row: dict[str, float | int | None] = {}
        for column, name in MEMBER_SUMMARY.items():
            data = arrays[name][i]  # summed in C order whatever the stack's layout; NaN skipped, as xarray's sum does
            value = float(np.nansum(np.ascontiguousarray(data))) if name != "min_storage_pct" else float(data)
            row[column] = None if np.isnan(value) else value
        row["violations"] = int(row["violations"] or 0)
        out.append(row)
    return out


def headline_rows(solution: xr.Dataset, definitions: PlannerDefinitions) -> pd.DataFrame:
    """Return the horizon-wide figures (:data:`HEADLINE_METRICS`) as metric rows with ``year = <NA>``.

    ``country`` holds the element: a country, a reservoir (storage shares), a river (spill) or the
    pair's label (system-wide figures).
    """
    rows = metric_rows(compute(solution, definitions, HEADLINE_METRICS), definitions.pair_label)
    return rows[list(METRIC_COLUMNS)]
