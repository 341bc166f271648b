"""The comparison table: each published figure beside the replay's value for the same thing.

Groups (the mean absolute error is reported per group):

- ``generation`` — national generation (hydro + thermal) of a detailed country, TWh;
- ``thermal`` — national thermal generation, TWh;
- ``imports`` / ``exports`` — a country's total (element ``KG``) or the flow between two countries
  (element ``TJ-UZ``: sent from TJ to UZ), TWh, measured at the sender;
- ``plants`` — generation of one plant, TWh (a thermal plant that is its country's only one is
  compared with the country's thermal generation; a river id, e.g. ``naryn``, is the sum of the
  plants on that river — a cascade's published output);
- ``toktogul`` — reservoir volume at an observation date, km3, interpolated linearly in time between
  the modelled end-of-month volumes.

Published figures of quantities or elements the model does not have are listed with no model value
and left out of the averages.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from aralnexus.backtest.replay import Replay
from aralnexus.data.dataset import Dataset
from aralnexus.units import HM3_PER_KM3

#: Columns of the comparison table.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "group",
    "quantity",
    "element",
    "period",
    "year",
    "unit",
    "published",
    "source",
    "model",
    "error_pct",
)

#: quantity of ``published.csv`` → comparison group.
GROUP_OF_QUANTITY: dict[str, str] = {
    "generation_twh": "generation",
    "thermal_twh": "thermal",
    "imports_twh": "imports",
    "exports_twh": "exports",
    "plant_generation_twh": "plants",
    "storage_km3": "toktogul",
}
GROUPS: tuple[str, ...] = ("generation", "thermal", "imports", "exports", "plants", "toktogul")


def storage_at(reservoirs: pd.DataFrame, plant: str, start_hm3: float | None, date: pd.Timestamp) -> float:
    """Modelled volume (hm3) of ``plant`` at ``date``: linear between end-of-month volumes.

    The volume at the start of the first month is ``start_hm3``; NaN outside the replay.
    """
    rows = reservoirs[reservoirs["plant"] == plant].sort_values("time")
    if rows.empty:
        return math.nan
    ends = (pd.to_datetime(rows["time"]) + pd.offsets.MonthBegin(1)).to_numpy(dtype="datetime64[ns]")
    values = rows["storage_hm3"].to_numpy(dtype=np.float64)
    first = pd.Timestamp(rows["time"].iloc[0]).to_datetime64()
    if start_hm3 is not None:
        ends = np.concatenate([[first], ends])
        values = np.concatenate([[start_hm3], values])
    t = np.datetime64(date, "ns")
    if t < ends[0] or t > ends[-1]:
        return math.nan
    x = (ends - ends[0]).astype("timedelta64[s]").astype(np.float64)
    return float(np.interp(float((t - ends[0]).astype("timedelta64[s]").astype(np.float64)), x, values))


#: quantity of ``published.csv`` (a country's total) → the registered metric of its model value.
COUNTRY_METRIC: dict[str, str] = {
    "generation_twh": "national_generation_twh",
    "thermal_twh": "thermal_twh",
    "imports_twh": "imports_twh",
    "exports_twh": "exports_twh",
}


def _metric_value(replay: Replay, metric: str, element: str, year: int) -> float:
    """Return a replayed metric's value for one element and year (NaN when the model has no such element)."""
    m = replay.metrics
    rows = m[(m["metric"] == metric) & (m["country"] == element)]
    if rows.empty:
        return math.nan
    return float(rows.loc[rows["year"] == year, "value"].sum())


def model_value(row: Mapping[Hashable, Any], replay: Replay, dataset: Dataset) -> float:
    """Return the replay's value for one published row (NaN when the model has no such element).

    Every value is a registered metric (:data:`aralnexus.backtest.replay.YEAR_METRICS`, and the
    end-of-month storage for reservoir volumes); this function only picks which one.
    """
    quantity, element, period = str(row["quantity"]), str(row["element"]), str(row["period"])
    if quantity == "storage_km3":
        start = replay.start_storage_hm3.get(element)
        return storage_at(replay.storage, element, start, pd.Timestamp(period)) / HM3_PER_KM3
    year = int(period[:4])
    if quantity in COUNTRY_METRIC and "-" not in element:
        return _metric_value(replay, COUNTRY_METRIC[quantity], element, year)
    if quantity in {"imports_twh", "exports_twh"}:
        sender, receiver = element.split("-", 1)
        m = replay.metrics
        sent = m[(m["metric"] == "exports_between_twh") & (m["country"] == element)]
        links = dataset.links
        linked = ((links["from_country"] == sender) & (links["to_country"] == receiver)) | (
            (links["from_country"] == receiver) & (links["to_country"] == sender) & links["bidirectional"]
        )
        if not (linked.any() or (sent["value"] > 0).any()):
            return math.nan
        return float(sent.loc[sent["year"] == year, "value"].sum())
    if quantity == "plant_generation_twh":
        river = dataset.plants.loc[dataset.plants["river"].astype(str) == element, "plant"]
        if not river.empty:  # a cascade's published output: the sum of its plants
            values = [_metric_value(replay, "plant_generation_twh", str(p), year) for p in river]
            return float(np.nansum(values))
        if element in set(replay.plants["plant"]):
            return _metric_value(replay, "plant_generation_twh", element, year)
        thermal = dataset.thermal
        hit = thermal[thermal["plant"] == element]
        if hit.empty:
            return math.nan
        country = str(hit["country"].iloc[0])
        if (thermal["country"] == country).sum() != 1:
            return math.nan
        return _metric_value(replay, "thermal_twh", country, year)
    return math.nan


def comparison_table(replay: Replay, dataset: Dataset, first_year: int, last_year: int) -> pd.DataFrame:
    """One row per published figure in ``first_year``..``last_year`` (columns :data:`COMPARISON_COLUMNS`)."""
    pub = dataset.published[dataset.published["quantity"].isin(list(GROUP_OF_QUANTITY))].copy()
    pub["year"] = pub["period"].astype(str).str[:4].astype(int)
    pub = pub[(pub["year"] >= first_year) & (pub["year"] <= last_year)]
    rows = []
    for row in pub.to_dict(orient="records"):
        model = model_value(row, replay, dataset)
        published = float(row["value"])
        error = (model - published) / published * 100.0 if not math.isnan(model) else math.nan
        rows.append(
            {
                "group": GROUP_OF_QUANTITY[str(row["quantity"])],
                "quantity": str(row["quantity"]),
                "element": str(row["element"]),
                "period": str(row["period"]),
                "year": int(row["year"]),
                "unit": str(row["unit"]),
                "published": published,
                "source": str(row["source"]),
                "model": model,
                "error_pct": error,
            }
        )
    frame = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    order = {g: i for i, g in enumerate(GROUPS)}
    frame["_g"] = frame["group"].map(order)
    return frame.sort_values(["_g", "quantity", "element", "period"]).drop(columns="_g").reset_index(drop=True)


def group_errors(table: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute error (%) per group, with the number of compared and of unmodelled figures.

    The ``toktogul`` group also gets the RMS difference in km3 (``rms``); other groups NaN.
    """
    rows = []
    for group in GROUPS:
        part = table[table["group"] == group]
        if part.empty:
            continue
        done = part.dropna(subset=["model"])
        diff = done["model"] - done["published"]
        rms = float(np.sqrt((diff**2).mean())) if group == "toktogul" and not done.empty else math.nan
        rows.append(
            {
                "group": group,
                "n": len(done),
                "not_modelled": len(part) - len(done),
                "mae_pct": float(done["error_pct"].abs().mean()) if not done.empty else math.nan,
                "mean_error_pct": float(done["error_pct"].mean()) if not done.empty else math.nan,
                "rms": rms,
            }
        )
    return pd.DataFrame(rows, columns=["group", "n", "not_modelled", "mae_pct", "mean_error_pct", "rms"])
