"""Horizon-wide headline figures: the run's objective, generation, exports, CASA-1000, violations.

These are the ``members`` summary of an ensemble member and the report's headline numbers; both
read them from here (stored as metrics with ``year = NULL``), neither recomputes them.

The objective (``objective_musd``) is the welfare the optimiser maximises, in US$ million:
the value of the demand served plus export sales, minus import purchases, thermal fuel cost, the
value of lost load on unserved demand (more per MWh beyond the first deficit segment) and release
penalties, plus the value of the water left in storage at the end of the optimised period
(look-ahead included), every term a present value at the discount rate
(``discount_rate_pct_per_year``, :mod:`aralnexus.dispatch.objective`). It is an economic score for
comparing runs of the same network, not a cash flow; it is negative when costs and penalties
outweigh the credited values. :data:`OBJECTIVE_MEANING` says so in words.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics.energy import winter_twh
from aralnexus.metrics.exports import flows_of
from aralnexus.metrics.registry import metric
from aralnexus.results.solution import violation_count
from aralnexus.units import MWH_PER_TWH, USD_PER_MUSD
from aralnexus.vocab import BILATERAL_CHANNEL, CASA_CHANNEL

#: What the objective is, for people (report, CLI).
OBJECTIVE_MEANING = (
    "welfare the optimiser maximises, as a present value at the discount rate: value of demand served + export "
    "sales − import purchases − thermal fuel cost − value of lost load (more per MWh beyond the first deficit "
    "segment) − release penalties + value of water left in storage at the end"
)


@metric("objective_musd", "US$ million", "sum", "horizon", "Welfare the optimiser maximises (see OBJECTIVE_MEANING).")
def objective_musd(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Objective (welfare) of the solution."""
    return solution["objective_musd"].sum("term")


@metric("generation_twh", "TWh", "sum", "horizon", "Hydro and thermal generation of the detailed countries.")
def generation_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Total generation over the horizon."""
    return (solution["hydro_mwh"] + solution["thermal_mwh"]).sum(["step", "country"]) / MWH_PER_TWH


@metric("unserved_total_twh", "TWh", "sum", "horizon", "Demand left unserved over the horizon.")
def unserved_total_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Unserved energy per country over the horizon."""
    return solution["unserved_mwh"].sum("step") / MWH_PER_TWH


@metric("winter_unserved_total_twh", "TWh", "sum", "horizon", "Demand left unserved over the run's complete winters.")
def winter_unserved_total_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Unserved energy per country over the complete winters of the horizon."""
    return winter_twh(solution, solution["unserved_mwh"], definitions).sum("year")


def _to_partners(solution: xr.Dataset, definitions: PlannerDefinitions, variable: str, casa_only: bool) -> xr.DataArray:
    flows = flows_of(solution, definitions)
    detailed = set(solution["country"].values.astype(str))
    sender = np.isin(flows["exporter"].values.astype(str), list(detailed))
    channel = flows["channel"].values.astype(str)
    rows = sender & ((channel == CASA_CHANNEL) if casa_only else (channel != BILATERAL_CHANNEL))
    return flows[variable].isel(row=rows).sum(["step", "row"])


@metric(
    "exports_to_partners_twh", "TWh", "sum", "horizon", "Energy the pair sends to partner markets (CASA-1000 included)."
)
def exports_to_partners_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return exports to partner markets over the horizon."""
    return _to_partners(solution, definitions, "energy_mwh", False) / MWH_PER_TWH


@metric("export_revenue_to_partners_musd", "US$ million", "sum", "horizon", "What the exports to partner markets earn.")
def export_revenue_to_partners_musd(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Revenue of exports to partner markets over the horizon."""
    return _to_partners(solution, definitions, "revenue_usd", False) / USD_PER_MUSD


@metric("casa_exports_twh", "TWh", "sum", "horizon", "Energy sent over CASA-1000.")
def casa_exports_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """CASA-1000 exports over the horizon."""
    return _to_partners(solution, definitions, "energy_mwh", True) / MWH_PER_TWH


@metric("casa_revenue_musd", "US$ million", "sum", "horizon", "CASA-1000 revenue: energy tariff on the energy sent.")
def casa_revenue_musd(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """CASA-1000 revenue over the horizon."""
    return _to_partners(solution, definitions, "revenue_usd", True) / USD_PER_MUSD


@metric("violations", "count", "sum", "horizon", "Constraints not fully met (named slacks by element and month).")
def violations(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return number of violation records (:func:`aralnexus.results.solution.violations_view` rows)."""
    if "member" not in solution.dims:
        return xr.DataArray(float(violation_count(solution)))
    counts = [float(violation_count(solution.isel(member=i))) for i in range(solution.sizes["member"])]
    return xr.DataArray(counts, dims="member", coords={"member": solution["member"].values})


#: Horizon-wide figures stored with every run (``year`` NULL); the report's headline numbers read them.
HEADLINE_METRICS: tuple[str, ...] = (
    "objective_musd",
    "generation_twh",
    "unserved_total_twh",
    "winter_unserved_total_twh",
    "exports_to_partners_twh",
    "export_revenue_to_partners_musd",
    "casa_exports_twh",
    "casa_revenue_musd",
    "spilled_hm3",
    "spilled_total_hm3",
    "violations",
    "min_storage_pct",
    "storage_share_min_pct",
    "storage_share_max_pct",
    "storage_low_hm3",
    "storage_high_hm3",
)

#: Horizon figures of one member, as the ``members`` summary columns → metric names.
MEMBER_SUMMARY: dict[str, str] = {
    "objective_musd": "objective_musd",
    "generation_twh": "generation_twh",
    "unserved_twh": "unserved_total_twh",
    "winter_unserved_twh": "winter_unserved_total_twh",
    "exports_twh": "exports_to_partners_twh",
    "export_revenue_musd": "export_revenue_to_partners_musd",
    "spilled_hm3": "spilled_total_hm3",
    "min_storage_pct": "min_storage_pct",
    "violations": "violations",
}
