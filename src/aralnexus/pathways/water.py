"""Interstate water: vegetation-season releases against agreements, and water-for-energy swaps.

Releases (``Results.releases``) are volumes in hm3: ``Σ flow_m3s · hours · 0.0036``. Swap
accounting follows the seasonal barter of the Syr Darya basin (ELE-074, XB-040, XB-042): an
upstream country releases water in summer, generating power it sends to Kazakhstan and Uzbekistan,
and receives power back in winter. Definitions are in ``docs/pathways.md``.
"""

from __future__ import annotations

import pandas as pd

from aralnexus.data.dataset import Dataset
from aralnexus.data.definitions import planner_definitions
from aralnexus.metrics.registry import METRIC_COLUMNS
from aralnexus.pathways.metrics import TWH_PER_MWH
from aralnexus.results.tables import Results
from aralnexus.units import HM3_PER_M3S_HOUR, HOURS_PER_DAY, USD_PER_MUSD

#: Partner markets whose summer-for-winter exchanges count as water-for-energy swaps.
SWAP_PARTNERS: tuple[str, ...] = ("KZ", "UZ")

WATER_COLUMNS: tuple[str, ...] = ("point", "country", "agreement", "year", "metric", "value", "unit")


def hours_in_month(time: pd.Series) -> pd.Series:
    """Return the number of hours in the calendar month of each timestamp."""
    return pd.to_datetime(time).dt.days_in_month.astype("float64") * HOURS_PER_DAY


def release_compliance(results: Results, dataset: Dataset) -> pd.DataFrame:
    """Vegetation-season (April–September) releases per release point and year against requirements.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`WATER_COLUMNS`; metrics ``veg_required_hm3``, ``veg_released_hm3``,
        ``veg_shortfall_hm3``, ``veg_shortfall_cost_musd``, ``veg_months_short`` and, over the
        whole calendar year, ``shortfall_hm3`` and ``shortfall_cost_musd``.
    """
    r = results.releases.copy()
    if r.empty:
        return pd.DataFrame(columns=list(WATER_COLUMNS))
    hm3 = hours_in_month(r["time"]) * HM3_PER_M3S_HOUR
    r["required"] = r["required_m3s"].astype("float64") * hm3
    r["released"] = r["released_m3s"].astype("float64") * hm3
    r["shortfall"] = r["shortfall_m3s"].astype("float64") * hm3
    r["cost"] = r["shortfall_cost_usd"].astype("float64") / USD_PER_MUSD
    r["short"] = (r["shortfall"] > 1e-6).astype("float64")
    r["country"] = r["point"].map(dataset.plants.set_index("plant")["country"]).fillna("")
    keys = ["point", "country", "agreement", "year"]
    veg = (
        r[r["month"].isin(planner_definitions(dataset).vegetation_months)]
        .groupby(keys)[["required", "released", "shortfall", "cost", "short"]]
        .sum()
    )
    year = r.groupby(keys)[["shortfall", "cost"]].sum()
    veg.columns = [
        "veg_required_hm3",
        "veg_released_hm3",
        "veg_shortfall_hm3",
        "veg_shortfall_cost_musd",
        "veg_months_short",
    ]
    year.columns = ["shortfall_hm3", "shortfall_cost_musd"]
    wide = veg.join(year, how="outer").fillna(0.0).reset_index()
    units = {
        "veg_required_hm3": "hm3",
        "veg_released_hm3": "hm3",
        "veg_shortfall_hm3": "hm3",
        "veg_shortfall_cost_musd": "US$ million",
        "veg_months_short": "months",
        "shortfall_hm3": "hm3",
        "shortfall_cost_musd": "US$ million",
    }
    tidy = wide.melt(id_vars=keys, value_vars=list(units), var_name="metric", value_name="value")
    tidy["unit"] = tidy["metric"].map(units)
    tidy["year"] = tidy["year"].astype("Int64")
    return tidy[list(WATER_COLUMNS)]


def water_country_metrics(compliance: pd.DataFrame) -> pd.DataFrame:
    """Sum release compliance costs over each country's release points → tidy country metrics.

    ``veg_shortfall_hm3`` per country is the metric layer's (:mod:`aralnexus.metrics.water`).
    """
    if compliance.empty:
        return pd.DataFrame(columns=list(METRIC_COLUMNS))
    wanted = ["veg_shortfall_cost_musd", "shortfall_cost_musd"]
    part = compliance[compliance["metric"].isin(wanted) & (compliance["country"] != "")]
    out = part.groupby(["country", "year", "metric", "unit"])["value"].sum().reset_index()
    return out[list(METRIC_COLUMNS)]


def swap_accounting(results: Results, dataset: Dataset, flows: pd.DataFrame, countries: list[str]) -> pd.DataFrame:
    """Water-for-energy swaps with Kazakhstan and Uzbekistan per country and year.

    Notes
    -----
    For country c and year Y (winter Y/Y+1 for the winter part):

    - ``swap_summer_exports_twh``: energy c sends to KZ/UZ in April–September of Y;
    - ``swap_winter_imports_twh``: energy c receives from KZ/UZ in winter Y/Y+1 (complete winters);
    - ``swap_energy_twh`` = min(summer exports, winter imports): the part exchanged (the rest is a
      plain sale or purchase);
    - ``swap_balance_twh`` = winter imports − summer exports (> 0: c got more back than it gave);
    - ``swap_net_value_musd`` = swap energy × (mean winter import price − mean summer export
      price): what exchanging summer for winter energy is worth to c at market prices (a 1:1
      barter has no cash flow);
    - ``swap_water_hm3``: the summer release that carried the swap energy = swap energy / the
      cascade's summer yield, where yield (MWh/hm3) = c's April–September hydro energy / the
      April–September release at c's basin-outlet release points (plants with no downstream plant
      in c). Zero when c has no such release point.
    """
    defs = planner_definitions(dataset)
    summer = flows[flows["month"].isin(defs.vegetation_months) & flows["importer"].isin(SWAP_PARTNERS)]
    sent = summer[summer["exporter"].isin(countries)].groupby(["exporter", "year"])[["energy_mwh", "revenue_usd"]].sum()
    sent.index = sent.index.set_names(["country", "year"])
    sent.columns = ["summer_mwh", "summer_usd"]
    winter_flows = flows[flows["exporter"].isin(SWAP_PARTNERS) & flows["importer"].isin(countries)].copy()
    winter_flows["winter"] = defs.winter_label(winter_flows["year"], winter_flows["month"])
    full = defs.complete_winters(results.countries["year"], results.countries["month"])
    winter_flows = winter_flows[winter_flows["winter"].isin(full)]
    got = winter_flows.groupby(["importer", "winter"])[["received_mwh", "revenue_usd"]].sum()
    got.index = got.index.set_names(["country", "year"])
    got.columns = ["winter_mwh", "winter_usd"]
    frame = sent.join(got, how="outer").fillna(0.0)
    frame["yield"] = _summer_yield_mwh_per_hm3(results, dataset).reindex(frame.index)
    matched = frame[["summer_mwh", "winter_mwh"]].min(axis=1)
    summer_price = frame["summer_usd"] / frame["summer_mwh"].where(frame["summer_mwh"] > 0)
    winter_price = frame["winter_usd"] / frame["winter_mwh"].where(frame["winter_mwh"] > 0)
    wide = pd.DataFrame(
        {
            "swap_summer_exports_twh": frame["summer_mwh"] * TWH_PER_MWH,
            "swap_winter_imports_twh": frame["winter_mwh"] * TWH_PER_MWH,
            "swap_energy_twh": matched * TWH_PER_MWH,
            "swap_balance_twh": (frame["winter_mwh"] - frame["summer_mwh"]) * TWH_PER_MWH,
            "swap_net_value_musd": (matched * (winter_price - summer_price) / USD_PER_MUSD).fillna(0.0),
            "swap_water_hm3": (matched / frame["yield"]).fillna(0.0),
        }
    )
    units = {
        "swap_summer_exports_twh": "TWh",
        "swap_winter_imports_twh": "TWh",
        "swap_energy_twh": "TWh",
        "swap_balance_twh": "TWh",
        "swap_net_value_musd": "US$ million",
        "swap_water_hm3": "hm3",
    }
    tidy = wide.reset_index().melt(id_vars=["country", "year"], var_name="metric", value_name="value")
    tidy["unit"] = tidy["metric"].map(units)
    tidy["year"] = tidy["year"].astype("Int64")
    return tidy[list(METRIC_COLUMNS)]


def _outlets(dataset: Dataset, owner: pd.Series) -> set[str]:
    """Plants whose water leaves the owner's cascade: no downstream plant, or one in another country."""
    plants = dataset.plants.set_index("plant")
    raw = plants["downstream"] if "downstream" in plants else pd.Series(None, index=plants.index, dtype=object)
    down = raw.astype(object).where(raw.notna(), "").astype(str)  # an all-empty column is read as float NaN
    down_owner = down.map(owner).fillna("")
    return {str(p) for p in plants.index[(down == "") | (down_owner != plants["country"])]}


def _summer_yield_mwh_per_hm3(results: Results, dataset: Dataset) -> pd.Series:
    """April–September hydro energy per hm3 released at the country's basin outlets."""
    c = results.countries
    summer_months = planner_definitions(dataset).vegetation_months
    hydro = c[c["month"].isin(summer_months)].groupby(["country", "year"])["hydro_mwh"].sum()
    r = results.releases
    if r.empty:
        return pd.Series(dtype="float64")
    owner = results.plants.drop_duplicates("plant").set_index("plant")["country"]
    r = r[r["month"].isin(summer_months) & r["point"].isin(_outlets(dataset, owner))].copy()
    r["country"] = r["point"].map(owner)
    # one row per point and stage even if several agreements apply there
    r = r.drop_duplicates(["point", "time"])
    r["released_hm3"] = r["released_m3s"].astype("float64") * hours_in_month(r["time"]) * HM3_PER_M3S_HOUR
    released = r.groupby(["country", "year"])["released_hm3"].sum()
    released = released.where(released > 0)
    return (hydro / released).dropna()
