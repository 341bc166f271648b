"""Electricity exports of a pathway: the flow table and the export metrics, from the metric layer.

Channels, the CASA-1000 attribution rules (``flow``, ``contract``) and prices are defined once in
:mod:`aralnexus.metrics.flows`; the export metrics (``exports_twh``, ``exports_casa_twh`` …) are
registered in :mod:`aralnexus.metrics.exports`. This module adds the pathway's views: the flow table
(one row per sender → receiver and step) and ``exports_to_<XX>_twh`` per partner market.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import xarray as xr

from aralnexus.data.dataset import Dataset
from aralnexus.data.definitions import PlannerDefinitions, casa_links, detailed_countries, planner_definitions
from aralnexus.metrics.exports import flows_of
from aralnexus.metrics.flows import FLOW_COLUMNS, flow_table
from aralnexus.metrics.tables import solution_from_tables
from aralnexus.results.tables import Results
from aralnexus.units import MWH_PER_TWH
from aralnexus.vocab import PARTNER_CHANNEL, CasaRule

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


def partner_market_exports(flows: pd.DataFrame, countries: list[str]) -> pd.DataFrame:
    """``exports_to_<XX>_twh``: energy each country sends to partner market XX (CASA-1000 excluded), per year."""
    sent = flows[flows["exporter"].isin(countries) & (flows["channel"] == PARTNER_CHANNEL)]
    if sent.empty:
        return pd.DataFrame(columns=["country", "year", "metric", "value", "unit"])
    years = sorted(int(y) for y in pd.unique(flows["year"]))
    parts = []
    for market in sorted(pd.unique(sent["importer"])):  # a few partner markets
        grouped = sent[sent["importer"] == market].groupby(["exporter", "year"])["energy_mwh"].sum() / MWH_PER_TWH
        grid = pd.MultiIndex.from_product([countries, years], names=["exporter", "year"])
        values = grouped.reindex(grid, fill_value=0.0).rename("value").reset_index()
        parts.append(
            values.rename(columns={"exporter": "country"}).assign(metric=f"exports_to_{market}_twh", unit="TWh")
        )
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype("Int64")
    result: pd.DataFrame = out[["country", "year", "metric", "value", "unit"]]
    return result
