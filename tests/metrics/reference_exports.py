"""Test oracle: the former pandas implementation of link flows, CASA-1000 attribution and export metrics.

Kept verbatim from ``aralnexus.pathways.exports`` (before the metric layer) as an independent
implementation (rows and groupby instead of dense arrays) that ``aralnexus.metrics`` is checked
against. Not used by the package.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from aralnexus.data.dataset import Dataset
from aralnexus.results.tables import Results

CasaRule = Literal["flow", "contract"]
CASA_CONTRACT_SHARE_KG = 0.30
BILATERAL_PRICE_FALLBACK_USD_PER_MWH = 25.0
CASA_SHARE_PARAMETER = "casa1000_kg_share"
BILATERAL_PRICE_PARAMETER = "bilateral_electricity_price_usd_per_mwh"

FLOW_COLUMNS: tuple[str, ...] = (
    "step",
    "time",
    "year",
    "month",
    "block",
    "duration_h",
    "link",
    "exporter",
    "importer",
    "channel",  # casa | bilateral | partner
    "energy_mwh",  # sent, at the exporter's end (≥ 0)
    "received_mwh",  # after link losses
    "price_usd_per_mwh",
    "revenue_usd",
)


def detailed_countries(dataset: Dataset) -> list[str]:
    """Return the countries modelled in detail (own demand and plants)."""
    countries = dataset.countries
    return sorted(countries.loc[countries["role"] == "detailed", "country"].astype(str))


def casa_links(dataset: Dataset) -> list[str]:
    """Return the ids of the CASA-1000 export links.

    A CASA-1000 export link has an id starting with ``casa`` or CASA in its name, and leads out of
    the detailed countries (the Datka–Khujand line between them is its feeder, not an export).
    """
    links = dataset.links
    ids = links["link"].astype(str)
    named = ids.str.lower().str.startswith("casa") | links["name"].astype(str).str.upper().str.contains("CASA")
    detailed = detailed_countries(dataset)
    internal = links["from_country"].isin(detailed) & links["to_country"].isin(detailed)
    return sorted(ids[named & ~internal])


def bilateral_price_usd_per_mwh(dataset: Dataset) -> float:
    """Return the price at which bilateral KG–TJ electricity is valued (US$/MWh)."""
    try:
        return dataset.parameter(BILATERAL_PRICE_PARAMETER)
    except KeyError:
        return BILATERAL_PRICE_FALLBACK_USD_PER_MWH


def _directed(results: Results) -> pd.DataFrame:
    links = results.links
    energy = pd.to_numeric(links["energy_mwh"]).astype("float64")
    forward = energy > 0
    frame = links.loc[energy != 0, ["step", "time", "year", "month", "block", "duration_h", "link"]].copy()
    frame["exporter"] = np.where(forward, links["from_country"], links["to_country"])[energy != 0]
    frame["importer"] = np.where(forward, links["to_country"], links["from_country"])[energy != 0]
    frame["energy_mwh"] = energy[energy != 0].abs()
    return frame.reset_index(drop=True)


def _prices(frame: pd.DataFrame, dataset: Dataset, detailed: list[str]) -> pd.Series:
    link_data = dataset.links.set_index("link")
    tariff = frame["link"].map(link_data["tariff_usd_per_mwh"]).astype("float64")
    countries = dataset.countries.set_index("country")
    sells_to_partner = frame["importer"].map(countries["export_price_usd_per_mwh"]).astype("float64")
    buys_from_partner = frame["exporter"].map(countries["import_price_usd_per_mwh"]).astype("float64")
    partner_price = sells_to_partner.where(frame["exporter"].isin(detailed), buys_from_partner)
    price = pd.Series(bilateral_price_usd_per_mwh(dataset), index=frame.index).where(
        frame["channel"] == "bilateral", partner_price
    )
    return tariff.fillna(price).fillna(0.0)


def link_flows(results: Results, dataset: Dataset, casa_rule: CasaRule = "flow") -> pd.DataFrame:
    """Return every link flow as a sender → receiver row with its channel, price and revenue.

    Parameters
    ----------
    results
        Optimisation results (``links`` table).
    dataset
        The scenario's dataset (link losses and tariffs, partner prices, parameters).
    casa_rule
        How CASA-1000 energy is attributed to Kyrgyzstan and Tajikistan (see the module notes).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FLOW_COLUMNS`; ``revenue_usd = energy_mwh · price_usd_per_mwh``.
    """
    detailed = detailed_countries(dataset)
    frame = _directed(results)
    casa = casa_links(dataset)
    both_detailed = frame["exporter"].isin(detailed) & frame["importer"].isin(detailed)
    frame["channel"] = np.where(frame["link"].isin(casa), "casa", np.where(both_detailed, "bilateral", "partner"))
    loss = frame["link"].map(dataset.links.set_index("link")["loss_pct"]).astype("float64").fillna(0.0) / 100.0
    frame["received_mwh"] = frame["energy_mwh"] * (1.0 - loss)
    frame = _attribute_casa(frame, casa_rule, casa_kg_share(dataset))
    frame["price_usd_per_mwh"] = _prices(frame, dataset, detailed)
    frame["revenue_usd"] = frame["energy_mwh"] * frame["price_usd_per_mwh"]
    return frame.loc[frame["energy_mwh"] > 0, list(FLOW_COLUMNS)].reset_index(drop=True)


def casa_kg_share(dataset: Dataset) -> float:
    """Kyrgyzstan's contract share of CASA-1000 (``casa1000_kg_share`` parameter, else 0.30)."""
    try:
        return dataset.parameter(CASA_SHARE_PARAMETER)
    except KeyError:
        return CASA_CONTRACT_SHARE_KG


def _attribute_casa(frame: pd.DataFrame, rule: CasaRule, kg_share: float = CASA_CONTRACT_SHARE_KG) -> pd.DataFrame:
    """Split CASA rows between the host (sending) country and the feeding country; remove transit."""
    casa = frame["channel"] == "casa"
    if not casa.any():
        return frame
    hosts = frame.loc[casa, "exporter"].unique()
    out = frame
    for host in hosts:  # one host in practice (TJ): a loop over countries, not time steps
        out = _attribute_host(out, str(host), rule, kg_share)
    return out


def _attribute_host(frame: pd.DataFrame, host: str, rule: CasaRule, kg_share: float) -> pd.DataFrame:
    casa = (frame["channel"] == "casa") & (frame["exporter"] == host)
    feed = (frame["channel"] == "bilateral") & (frame["importer"] == host)
    feeders = frame.loc[feed, "exporter"].unique()
    if len(feeders) == 0 and rule == "flow":
        return frame
    feeder = str(feeders[0]) if len(feeders) else "KG"
    casa_step = frame.loc[casa].groupby("step")["energy_mwh"].sum()
    feed_step = frame.loc[feed & (frame["exporter"] == feeder)].groupby("step")["received_mwh"].sum()
    feed_step = feed_step.reindex(casa_step.index, fill_value=0.0)
    if rule == "flow":
        credited: pd.Series = feed_step.clip(upper=casa_step)
        transit: pd.Series = credited
    else:
        credited = casa_step * kg_share
        transit = credited.clip(upper=feed_step)
    # Remove transit from the feeding rows, in proportion to what each row delivered.
    feed_rows = feed & (frame["exporter"] == feeder)
    step_total = frame.loc[feed_rows, "step"].map(frame.loc[feed_rows].groupby("step")["received_mwh"].sum())
    row_share = frame.loc[feed_rows, "received_mwh"] / step_total.where(step_total > 0, 1.0)
    cut_received = frame.loc[feed_rows, "step"].map(transit).fillna(0.0) * row_share
    keep = 1.0 - cut_received / frame.loc[feed_rows, "received_mwh"].where(lambda s: s > 0, 1.0)
    out = frame.copy()
    out.loc[feed_rows, "energy_mwh"] = out.loc[feed_rows, "energy_mwh"] * keep
    out.loc[feed_rows, "received_mwh"] = out.loc[feed_rows, "received_mwh"] * keep
    # Split each CASA row: the feeder's part becomes its own row.
    fraction = (out.loc[casa, "step"].map(credited) / out.loc[casa, "step"].map(casa_step)).fillna(0.0)
    feeder_rows = out.loc[casa].copy()
    feeder_rows["exporter"] = feeder
    feeder_rows["energy_mwh"] = feeder_rows["energy_mwh"] * fraction
    feeder_rows["received_mwh"] = feeder_rows["received_mwh"] * fraction
    out.loc[casa, "energy_mwh"] = out.loc[casa, "energy_mwh"] * (1.0 - fraction)
    out.loc[casa, "received_mwh"] = out.loc[casa, "received_mwh"] * (1.0 - fraction)
    return pd.concat([out, feeder_rows], ignore_index=True)


#: Export metrics always reported (zero when nothing flows), with their units.
CORE_EXPORT_METRICS: dict[str, str] = {
    "exports_twh": "TWh",
    "exports_casa_twh": "TWh",
    "exports_bilateral_twh": "TWh",
    "export_revenue_musd": "US$ million",
    "export_revenue_casa_musd": "US$ million",
    "export_revenue_bilateral_musd": "US$ million",
    "imports_twh": "TWh",
    "import_cost_musd": "US$ million",
}


def export_metrics(flows: pd.DataFrame, countries: list[str]) -> pd.DataFrame:
    """Aggregate link flows to tidy per-country, per-year export and import metrics.

    Metrics (calendar year): ``exports_twh`` (all energy sent abroad, CASA-1000 attributed),
    ``exports_casa_twh``, ``exports_bilateral_twh`` (to the other detailed country, transit
    removed), ``exports_to_<XX>_twh`` (to each partner market, CASA excluded),
    ``export_revenue_musd``, ``export_revenue_casa_musd``, ``export_revenue_bilateral_musd``,
    ``imports_twh`` (received, after losses, transit removed) and ``import_cost_musd``.

    Returns
    -------
    pandas.DataFrame
        Columns ``country, year, metric, value, unit``.
    """
    years = sorted(int(y) for y in pd.unique(flows["year"])) if not flows.empty else []
    sent = flows[flows["exporter"].isin(countries)]
    got = flows[flows["importer"].isin(countries)]
    parts: list[pd.DataFrame] = [
        _sum(sent, "exporter", "energy_mwh", 1e-6, "exports_twh", "TWh"),
        _sum(sent[sent["channel"] == "casa"], "exporter", "energy_mwh", 1e-6, "exports_casa_twh", "TWh"),
        _sum(sent[sent["channel"] == "bilateral"], "exporter", "energy_mwh", 1e-6, "exports_bilateral_twh", "TWh"),
        _sum(sent, "exporter", "revenue_usd", 1e-6, "export_revenue_musd", "US$ million"),
        _sum(
            sent[sent["channel"] == "casa"], "exporter", "revenue_usd", 1e-6, "export_revenue_casa_musd", "US$ million"
        ),
        _sum(
            sent[sent["channel"] == "bilateral"],
            "exporter",
            "revenue_usd",
            1e-6,
            "export_revenue_bilateral_musd",
            "US$ million",
        ),
        _sum(got, "importer", "received_mwh", 1e-6, "imports_twh", "TWh"),
        _sum(got, "importer", "revenue_usd", 1e-6, "import_cost_musd", "US$ million"),
    ]
    partner = sent[sent["channel"] == "partner"]
    parts += [
        _sum(partner[partner["importer"] == market], "exporter", "energy_mwh", 1e-6, f"exports_to_{market}_twh", "TWh")
        for market in sorted(pd.unique(partner["importer"]))
    ]
    tidy = pd.concat(parts, ignore_index=True)
    return _complete(tidy, countries, years, CORE_EXPORT_METRICS)


def _sum(frame: pd.DataFrame, who: str, column: str, factor: float, metric: str, unit: str) -> pd.DataFrame:
    grouped = frame.groupby([who, "year"])[column].sum() * factor
    out = grouped.rename("value").reset_index().rename(columns={who: "country"})
    out["metric"] = metric
    out["unit"] = unit
    return out[["country", "year", "metric", "value", "unit"]]


def _complete(tidy: pd.DataFrame, countries: list[str], years: list[int], required: dict[str, str]) -> pd.DataFrame:
    """Fill missing (country, year) combinations of every metric (and every required one) with zero."""
    found = dict(zip(tidy["metric"], tidy["unit"], strict=True))
    units = {**required, **found}
    metrics = pd.DataFrame({"metric": list(units), "unit": list(units.values())})
    grid = pd.MultiIndex.from_product([countries, years, list(metrics["metric"])], names=["country", "year", "metric"])
    values = tidy.set_index(["country", "year", "metric"])["value"].reindex(grid, fill_value=0.0).reset_index()
    values["unit"] = values["metric"].map(dict(zip(metrics["metric"], metrics["unit"], strict=True)))
    values["year"] = values["year"].astype("Int64")
    return values
