"""Electricity exports of a pathway: the flow table and the export metrics, from the metric layer.

Channels, the CASA-1000 attribution rules (``flow``, ``contract``) and prices are defined once in
:mod:`aralnexus.metrics.flows`; the export metrics (``exports_twh``, ``exports_casa_twh`` …) are
registered in :mod:`aralnexus.metrics.exports`. This module adds the pathway's views: the flow table
(one row per sender → receiver and step) and ``exports_to_<XX>_twh`` per partner market.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.data.dataset import Dataset
from aralnexus.data.definitions import PlannerDefinitions, casa_links, detailed_countries, planner_definitions
from aralnexus.metrics import compute
from aralnexus.metrics.exports import flows_of
from aralnexus.metrics.flows import FLOW_COLUMNS, flow_table
from aralnexus.metrics.tables import solution_from_tables
from aralnexus.results.tables import Results
from aralnexus.vocab import CasaRule

__all__ = [
    "EXPORT_METRICS",
    "FLOW_COLUMNS",
    "CasaRule",
    "casa_links",
    "definitions_for",
    "detailed_countries",
    "link_flows",
    "partner_market_exports",
    "solution_of",
]

#: Export metrics of every pathway (registered in :mod:`aralnexus.metrics.exports`).
EXPORT_METRICS: tuple[str, ...] = (
    "exports_twh",
    "exports_casa_twh",
    "exports_bilateral_twh",
    "export_revenue_musd",
    "export_revenue_casa_musd",
    "export_revenue_bilateral_musd",
    "imports_twh",
    "import_cost_musd",
)


def definitions_for(dataset: Dataset, casa_rule: CasaRule = "flow") -> PlannerDefinitions:
    """Return the dataset's planner definitions with the run's CASA-1000 attribution rule."""
    return dataclasses.replace(planner_definitions(dataset), casa_rule=casa_rule)


def solution_of(results: Results, dataset: Dataset) -> xr.Dataset:
    """Return the labelled solution behind ``results`` (rebuilt from the tables when not attached)."""
    return results.solution if results.solution is not None else solution_from_tables(results, dataset)


def link_flows(results: Results, dataset: Dataset, casa_rule: CasaRule = "flow") -> pd.DataFrame:
    """Return every link flow as a sender → receiver row with channel, price and revenue (:data:`FLOW_COLUMNS`)."""
    return flow_table(flows_of(solution_of(results, dataset), definitions_for(dataset, casa_rule)))


def partner_market_exports(solution: xr.Dataset, definitions: PlannerDefinitions) -> pd.DataFrame:
    """``exports_to_<XX>_twh``: energy each detailed country sends to partner market XX (CASA-1000 excluded), per year.

    The registered metric ``partner_market_exports_twh`` (one element per ``KG-KZ`` pair) laid out
    per market: one metric per market any detailed country sold to, every country and year (0 where
    it sold nothing there).
    """
    values = compute(solution, definitions, ["partner_market_exports_twh"])["partner_market_exports_twh"]
    countries = [str(c) for c in solution["country"].values]
    pairs = pd.Series([str(p) for p in values["country"].values])
    exporter, market = pairs.str.split("-", n=1, expand=True)[0], pairs.str.split("-", n=1, expand=True)[1]
    sold = values.sum("year").values > 0
    parts = []
    for m in sorted(set(market[(exporter.isin(countries)) & sold])):  # a few partner markets
        for c in countries:
            pair = f"{c}-{m}"
            years = values["year"].values
            value = values.sel(country=pair).values if pair in set(pairs) else np.zeros(len(years))
            parts.append(
                pd.DataFrame(
                    {"country": c, "year": years, "metric": f"exports_to_{m}_twh", "value": value, "unit": "TWh"}
                )
            )
    if not parts:
        return pd.DataFrame(columns=["country", "year", "metric", "value", "unit"])
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype("Int64")
    result: pd.DataFrame = out[["country", "year", "metric", "value", "unit"]]
    return result
