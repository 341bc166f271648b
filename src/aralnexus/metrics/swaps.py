"""Water-for-energy swaps with Kazakhstan and Uzbekistan, per country and winter.

The seasonal barter of the Syr Darya basin (ELE-074, XB-040, XB-042): an upstream country releases
water in summer, generating power it sends to Kazakhstan and Uzbekistan, and receives power back in
winter. The swap partners are read from the dataset (:attr:`PlannerDefinitions.swap_partners`: the
partner markets that trade both ways). For country c and year Y (winter Y/Y+1 for the winter part;
complete winters only):

- ``swap_summer_exports_twh``: energy c sends to KZ/UZ in the vegetation months of Y;
- ``swap_winter_imports_twh``: energy c receives from KZ/UZ in winter Y/Y+1;
- ``swap_energy_twh`` = min(summer exports, winter imports): the part exchanged (the rest is a
  plain sale or purchase);
- ``swap_balance_twh`` = winter imports − summer exports (> 0: c got more back than it gave);
- ``swap_net_value_musd`` = swap energy × (mean winter import price − mean summer export price):
  what exchanging summer for winter energy is worth to c at market prices (a 1:1 barter has no
  cash flow);
- ``swap_water_hm3``: the summer release that carried the swap energy = swap energy / the
  cascade's summer yield, where yield (MWh/hm3) = c's vegetation-season hydro energy / the
  vegetation-season release at c's basin-outlet release points (plants with no downstream plant in
  c). Zero when c has no such release point.

Flows are the attributed flows of :mod:`aralnexus.metrics.flows` (sent energy for exports,
received energy for imports, each priced as there).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics.cache import once_per_solution
from aralnexus.metrics.exports import flows_of
from aralnexus.metrics.grouping import group_sum, one_hot
from aralnexus.metrics.registry import metric
from aralnexus.units import HM3_PER_M3S_HOUR, MWH_PER_TWH, USD_PER_MUSD


def _grouped(
    values: xr.DataArray, dim: str, year_of: npt.ArrayLike, years: np.ndarray, owner_of: npt.ArrayLike, keys: np.ndarray
) -> xr.DataArray:
    """Sum ``values`` over ``dim`` per ``([member,] country, year)`` (positions of no listed year or owner drop out)."""
    var = values.variable
    lead = [d for d in var.dims if d != dim]
    data = np.asarray(var.transpose(*lead, dim).values, dtype=np.float64)
    out = np.einsum("...r,ry,rc->...cy", np.nan_to_num(data), one_hot(year_of, years), one_hot(owner_of, keys))
    coords = {d: values.indexes[d] for d in lead if d in values.indexes}
    return xr.DataArray(out, dims=(*lead, "country", "year"), coords={**coords, "country": keys, "year": years})


def _flows_by(
    flows: xr.Dataset, variable: str, step_year: np.ndarray, years: np.ndarray, side: str, rows: np.ndarray
) -> xr.DataArray:
    """Sum a flow variable over the chosen rows per ``([member,] country, year)`` of the ``side`` country."""
    countries = np.asarray(flows.attrs["countries"], dtype=object)
    var = flows[variable].variable
    lead = [d for d in var.dims if d not in ("step", "row")]
    data = np.asarray(var.transpose(*lead, "step", "row").values, dtype=np.float64)
    owner = np.where(rows, flows[side].values.astype(str), "")
    out = np.einsum("...tr,ty,rc->...cy", data, one_hot(step_year, years), one_hot(owner, countries))
    coords = {d: flows.indexes[d] for d in lead if d in flows.indexes}
    return xr.DataArray(out, dims=(*lead, "country", "year"), coords={**coords, "country": countries, "year": years})


def _outlets(solution: xr.Dataset) -> dict[str, bool]:
    """Plant → whether its water leaves the owner's cascade (no downstream plant, or one in another country)."""
    plants = solution["plant"].values.astype(str)
    owner = dict(zip(plants, solution["plant_country"].values.astype(str), strict=True))
    down = solution["downstream"].values.astype(str)
    return {p: d == "" or owner.get(d, "") != owner[p] for p, d in zip(plants, down, strict=True)}


def _summer_yield_mwh_per_hm3(solution: xr.Dataset, definitions: PlannerDefinitions, years: np.ndarray) -> xr.DataArray:
    """Vegetation-season hydro energy per hm3 released at the country's basin outlets (NaN without release)."""
    countries = solution["country"].values
    summer = np.isin(solution["month"].values, definitions.vegetation_months)
    summer_year = np.where(summer, solution["year"].values, -1)
    hydro = group_sum(solution["hydro_mwh"].reset_coords(drop=True), "step", summer_year, "year", years)
    stage = solution["release_stage"].values.astype(np.int64)
    point = solution["point"].values.astype(str)
    plants = solution["plant"].values.astype(str)
    owner = dict(zip(plants, solution["plant_country"].values.astype(str), strict=True))
    outlet = _outlets(solution)
    keep = np.zeros(len(stage), dtype=bool)
    keep[np.unique(np.char.add(np.char.add(point, "|"), stage.astype(str)), return_index=True)[1]] = True
    keep &= np.array([outlet.get(p, False) for p in point], dtype=bool)  # one row per outlet and stage
    keep &= np.isin(solution["stage_month"].values[stage], definitions.vegetation_months)
    hm3 = solution["stage_hours"].values[stage] * HM3_PER_M3S_HOUR * keep
    released = solution["released_m3s"].reset_coords(drop=True) * xr.DataArray(hm3, dims="release")
    label = np.array([owner.get(p, "") for p in point], dtype=object)
    volume = _grouped(released, "release", solution["stage_year"].values[stage], years, label, countries)
    return hydro / volume.where(volume > 0)


def _swap_values(solution: xr.Dataset, definitions: PlannerDefinitions) -> dict[str, xr.DataArray]:
    """Return every swap quantity per ``([member,] country, year)`` over the complete winters (once per solution)."""
    return once_per_solution(solution, ("swaps", definitions), lambda: _swap_values_of(solution, definitions))


def _swap_values_of(solution: xr.Dataset, definitions: PlannerDefinitions) -> dict[str, xr.DataArray]:
    flows = flows_of(solution, definitions)
    year, month = solution["year"].values, solution["month"].values
    years = np.asarray(definitions.complete_winters(year, month), dtype=np.int64)
    countries = solution["country"].values.astype(str)
    flows = flows.assign_attrs(countries=list(countries))
    exporter, importer = flows["exporter"].values.astype(str), flows["importer"].values.astype(str)
    summer_year = np.where(np.isin(month, definitions.vegetation_months), year, -1)
    winter_year = definitions.winter_label(year, month)
    partners = list(definitions.swap_partners)
    to_partner = np.isin(importer, partners) & np.isin(exporter, countries)
    from_partner = np.isin(exporter, partners) & np.isin(importer, countries)
    summer_mwh = _flows_by(flows, "energy_mwh", summer_year, years, "exporter", to_partner)
    summer_usd = _flows_by(flows, "revenue_usd", summer_year, years, "exporter", to_partner)
    winter_mwh = _flows_by(flows, "received_mwh", winter_year, years, "importer", from_partner)
    winter_usd = _flows_by(flows, "revenue_usd", winter_year, years, "importer", from_partner)
    matched = summer_mwh.where(summer_mwh <= winter_mwh, winter_mwh)
    summer_price = summer_usd / summer_mwh.where(summer_mwh > 0)
    winter_price = winter_usd / winter_mwh.where(winter_mwh > 0)
    yield_ = _summer_yield_mwh_per_hm3(solution, definitions, years)
    return {
        "summer": summer_mwh / MWH_PER_TWH,
        "winter": winter_mwh / MWH_PER_TWH,
        "energy": matched / MWH_PER_TWH,
        "balance": (winter_mwh - summer_mwh) / MWH_PER_TWH,
        "value": (matched * (winter_price - summer_price) / USD_PER_MUSD).fillna(0.0),
        "water": (matched / yield_).fillna(0.0),
    }


_SWAPS: tuple[tuple[str, str, str, str], ...] = (
    ("swap_summer_exports_twh", "TWh", "summer", "Energy the country sends to KZ/UZ in the vegetation months."),
    ("swap_winter_imports_twh", "TWh", "winter", "Energy the country receives from KZ/UZ over the following winter."),
    (
        "swap_energy_twh",
        "TWh",
        "energy",
        "min(summer exports, winter imports): the energy exchanged summer for winter.",
    ),
    (
        "swap_balance_twh",
        "TWh",
        "balance",
        "Winter imports − summer exports (> 0: the country got more back than it gave).",
    ),
    (
        "swap_net_value_musd",
        "US$ million",
        "value",
        "Swap energy × (mean winter import price − mean summer export price): the exchange's worth at market prices.",
    ),
    ("swap_water_hm3", "hm3", "water", "Summer release that carried the swap energy (swap energy / summer yield)."),
)


def _register_swap(name: str, unit: str, key: str, description: str) -> None:
    def function(solution: xr.Dataset, definitions: PlannerDefinitions) -> xr.DataArray:
        return _swap_values(solution, definitions)[key]

    function.__doc__ = description
    metric(name, unit, "sum", "winter", description)(function)


for _spec in _SWAPS:
    _register_swap(*_spec)
