"""Exports, imports and their value per country and year, from :func:`aralnexus.metrics.flows.attributed_flows`.

Exports are energy *sent* by the country (at its end of the line), CASA-1000 attributed by the
run's rule and transit removed; imports are energy *received* (after losses). Revenue and import
cost price the sent energy (see :mod:`aralnexus.metrics.flows`).
"""

from __future__ import annotations

import weakref

import numpy as np
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics.flows import attributed_flows, by_country
from aralnexus.metrics.grouping import one_hot
from aralnexus.metrics.registry import metric
from aralnexus.units import MWH_PER_TWH, USD_PER_MUSD
from aralnexus.vocab import BILATERAL_CHANNEL, CASA_CHANNEL, PARTNER_CHANNEL, CasaRule, Channel

_CACHE: dict[int, dict[tuple[str, tuple[str, ...]], xr.Dataset]] = {}


def flows_of(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.Dataset:
    """Return the attributed flows of ``solution`` (computed once per solution and rule)."""
    rule: CasaRule = "contract" if definitions.casa_rule == "contract" else "flow"
    key = (rule, definitions.casa_links)
    per = _CACHE.get(id(solution))
    if per is None:
        per = {}
        _CACHE[id(solution)] = per
        weakref.finalize(solution, _CACHE.pop, id(solution), None)
    if key not in per:
        per[key] = attributed_flows(solution, definitions, rule)
    return per[key]


def _sent(
    solution: xr.Dataset, definitions: PlannerDefinitions, variable: str, channel: Channel | None
) -> xr.DataArray:
    flows = flows_of(solution, definitions)
    scale = MWH_PER_TWH if variable == "energy_mwh" else USD_PER_MUSD
    countries = solution["country"].values
    return by_country(flows, variable, "exporter", countries, channel) / scale


@metric("exports_twh", "TWh", "sum", "year", "Energy the country sends over all links (CASA-1000 attributed).")
def exports_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return exports per country and year."""
    return _sent(solution, definitions, "energy_mwh", None)


@metric("exports_casa_twh", "TWh", "sum", "year", "The country's share of CASA-1000 exports (run's attribution rule).")
def exports_casa_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """CASA-1000 exports per country and year."""
    return _sent(solution, definitions, "energy_mwh", CASA_CHANNEL)


@metric("exports_bilateral_twh", "TWh", "sum", "year", "Energy sent to the other country of the pair, transit removed.")
def exports_bilateral_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Bilateral exports per country and year."""
    return _sent(solution, definitions, "energy_mwh", BILATERAL_CHANNEL)


@metric("exports_partner_twh", "TWh", "sum", "year", "Energy sent to partner markets other than over CASA-1000.")
def exports_partner_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return exports to partner markets per country and year."""
    return _sent(solution, definitions, "energy_mwh", PARTNER_CHANNEL)


@metric("export_revenue_musd", "US$ million", "sum", "year", "What the country's exports earn (sent energy × price).")
def export_revenue_musd(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Export revenue per country and year."""
    return _sent(solution, definitions, "revenue_usd", None)


@metric(
    "export_revenue_casa_musd", "US$ million", "sum", "year", "CASA-1000 revenue at the link tariff on sent energy."
)
def export_revenue_casa_musd(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """CASA-1000 revenue per country and year."""
    return _sent(solution, definitions, "revenue_usd", CASA_CHANNEL)


@metric(
    "export_revenue_bilateral_musd", "US$ million", "sum", "year", "Revenue of bilateral sales to the pair partner."
)
def export_revenue_bilateral_musd(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Bilateral export revenue per country and year."""
    return _sent(solution, definitions, "revenue_usd", BILATERAL_CHANNEL)


@metric("imports_twh", "TWh", "sum", "year", "Energy received over links (after losses, transit removed).")
def imports_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return imports per country and year."""
    flows = flows_of(solution, definitions)
    return by_country(flows, "received_mwh", "importer", solution["country"].values) / MWH_PER_TWH


@metric(
    "import_cost_musd", "US$ million", "sum", "year", "What the country pays for its imports (sent energy × price)."
)
def import_cost_musd(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Import cost per country and year."""
    flows = flows_of(solution, definitions)
    return by_country(flows, "revenue_usd", "importer", solution["country"].values) / USD_PER_MUSD


def _pair_sums(solution: xr.Dataset, definitions: PlannerDefinitions, channel: Channel | None) -> xr.DataArray:
    """Energy sent per directed ``EXPORTER-IMPORTER`` pair (optionally one channel) and year, TWh."""
    flows = flows_of(solution, definitions)
    var = flows["energy_mwh"].variable
    lead = [d for d in var.dims if d not in ("step", "row")]
    data = np.asarray(var.transpose(*lead, "step", "row").values, dtype=np.float64)
    pair = np.char.add(np.char.add(flows["exporter"].values.astype(str), "-"), flows["importer"].values.astype(str))
    rows = np.ones(len(pair), dtype=bool) if channel is None else flows["channel"].values == channel
    pairs, years = np.unique(pair[rows]), np.unique(flows["year"].values)
    out = np.einsum(
        "...tr,ty,rc->...cy", data, one_hot(flows["year"].values, years), one_hot(np.where(rows, pair, ""), pairs)
    )
    coords = {d: flows.indexes[d] for d in lead if d in flows.indexes}
    return xr.DataArray(
        out / MWH_PER_TWH, dims=(*lead, "country", "year"), coords={**coords, "country": pairs, "year": years}
    )


@metric(
    "exports_between_twh",
    "TWh",
    "sum",
    "year",
    "Energy sent from one country to another over the links between them (country column 'TJ-UZ': TJ to UZ), "
    "at the sender, CASA-1000 attributed, transit removed.",
)
def exports_between_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return the energy sent per directed country pair (every pair a link joins, either way) and year."""
    return _pair_sums(solution, definitions, None)


@metric(
    "partner_market_exports_twh",
    "TWh",
    "sum",
    "year",
    "Energy a country sends to a partner market other than over CASA-1000 (country column 'KG-KZ': KG to KZ).",
)
def partner_market_exports_twh(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
    """Return the energy sent to each partner market (CASA-1000 excluded) per pair and year."""
    return _pair_sums(solution, definitions, PARTNER_CHANNEL)
