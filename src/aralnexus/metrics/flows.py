"""Electricity trade by sender and receiver: channels, CASA-1000 attribution, prices and revenue.

Every link carries up to two directed *rows* per step (forward: ``from → to``, backward: ``to →
from``), from the link's net flow; each CASA-1000 link gets a third row for the energy credited to
the *feeding* country. Values are per ``(step, row)`` with an optional leading ``member``.

Channels: ``casa`` (a CASA-1000 link, :class:`~aralnexus.data.definitions.PlannerDefinitions`),
``bilateral`` (both ends detailed), ``partner`` (one end a partner market).

Attribution (``rule``)
----------------------
``flow`` (default)
    In each step the feeder's CASA-1000 energy is what it delivered to the host over the bilateral
    links, up to the CASA-1000 energy sent: ``E_casa,feeder = min(E_feeder→host · (1 − loss), E_casa)``;
    the host keeps the rest.
``contract``
    The feeder is credited ``casa_contract_feeder_share`` of every CASA-1000 step (30 %, XB-018).
Either way the transit (the credited energy, at most what was delivered) is removed from the
feeder's bilateral rows into the host, in proportion, so nothing is counted twice.

Prices (US$/MWh, on the energy *sent*): a link's tariff where set — CASA-1000 sellers are paid the
energy tariff at their end of the line, the line's losses being the transmission operator's
(delivered price = energy tariff + transmission tariff + transit fee, XB-013…016); otherwise the
bilateral price between the pair, a partner's price for what it buys (``export_price``) or sells
(``import_price``). ``revenue_usd = energy_mwh · price``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.metrics.grouping import one_hot
from aralnexus.vocab import BILATERAL_CHANNEL, CASA_CHANNEL, PARTNER_CHANNEL, CasaRule, Channel

Array = npt.NDArray[np.float64]

#: Columns of :func:`flow_table` (one row per directed flow and step with energy).
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
    "channel",
    "energy_mwh",  # sent, at the exporter's end (≥ 0)
    "received_mwh",  # after link losses
    "price_usd_per_mwh",
    "revenue_usd",
)


def _rows(solution: xr.Dataset, definitions: PlannerDefinitions) -> pd.DataFrame:
    """Return the static rows of a solution's links (cached: they depend on the network only)."""
    key = (
        tuple(solution["link"].values.astype(str)),
        tuple(solution["from_country"].values.astype(str)),
        tuple(solution["to_country"].values.astype(str)),
        tuple(solution["country"].values.astype(str)),
        tuple(np.nan_to_num(solution["tariff_usd_per_mwh"].values, nan=-1.0)),
        tuple(np.nan_to_num(solution["export_price_usd_per_mwh"].values, nan=-1.0)),
        tuple(np.nan_to_num(solution["import_price_usd_per_mwh"].values, nan=-1.0)),
        tuple(solution["efficiency"].values),
        definitions,
    )
    found = _ROWS.get(key)
    if found is None:
        found = _static_rows(solution, definitions)
        if len(_ROWS) > 32:
            _ROWS.clear()
        _ROWS[key] = found
    return found


_ROWS: dict[tuple[object, ...], pd.DataFrame] = {}


def _static_rows(solution: xr.Dataset, definitions: PlannerDefinitions) -> pd.DataFrame:
    """Return static description of every row: link position, exporter, importer, channel, price, efficiency."""
    link = solution["link"].values.astype(str)
    src = solution["from_country"].values.astype(str)
    dst = solution["to_country"].values.astype(str)
    detailed = set(solution["country"].values.astype(str))
    n_l = len(link)
    position = np.concatenate([np.arange(n_l), np.arange(n_l)])
    exporter = np.concatenate([src, dst])
    importer = np.concatenate([dst, src])
    is_casa = np.isin(link[position], list(definitions.casa_links))
    both = np.isin(exporter, list(detailed)) & np.isin(importer, list(detailed))
    channel = np.where(is_casa, CASA_CHANNEL, np.where(both, BILATERAL_CHANNEL, PARTNER_CHANNEL))
    rows = pd.DataFrame(
        {"position": position, "exporter": exporter, "importer": importer, "channel": channel, "feeder_of": ""}
    )
    # a third row per CASA-1000 row that leaves a detailed host: the feeder's credited part
    casa = rows[(rows["channel"] == CASA_CHANNEL) & rows["exporter"].isin(detailed)]
    feeders = casa.assign(feeder_of=casa["exporter"], exporter=casa["exporter"].map(_feeder_map(rows, detailed)))
    rows = pd.concat([rows, feeders[feeders["exporter"].notna()]], ignore_index=True)
    tariff = solution["tariff_usd_per_mwh"].values[rows["position"]]
    sells = solution["export_price_usd_per_mwh"].values[rows["position"]]
    buys = solution["import_price_usd_per_mwh"].values[rows["position"]]
    partner = np.where(rows["exporter"].isin(detailed), sells, buys)
    price = np.where(rows["channel"] == BILATERAL_CHANNEL, definitions.bilateral_price_usd_per_mwh, partner)
    rows["price"] = np.nan_to_num(np.where(np.isnan(tariff), price, tariff))
    rows["efficiency"] = solution["efficiency"].values[rows["position"]]
    rows["link"] = link[rows["position"]]
    return rows


def _feeder_map(rows: pd.DataFrame, detailed: set[str]) -> dict[str, str]:
    """Host → feeder: the first detailed country that sends to the host over a bilateral link."""
    feed = rows[rows["channel"] == BILATERAL_CHANNEL]
    out: dict[str, str] = {}
    for host in sorted(detailed):  # two countries, not time steps
        senders = feed.loc[feed["importer"] == host, "exporter"]
        if len(senders):
            out[host] = str(senders.iloc[0])
    return out


def attributed_flows(solution: xr.Dataset, definitions: PlannerDefinitions, rule: CasaRule = "flow") -> xr.Dataset:
    """Return ``energy_mwh``, ``received_mwh`` and ``revenue_usd`` per ``([member,] step, row)``.

    Row coordinates: ``link``, ``exporter``, ``importer``, ``channel`` and ``price_usd_per_mwh``.
    """
    rows = _rows(solution, definitions)
    net = (solution["flow_fwd_mw"] - solution["flow_bwd_mw"]) * solution["duration_h"]
    lead = [d for d in net.dims if d not in ("step", "link")]
    e = np.asarray(net.transpose(*lead, "step", "link").values, dtype=np.float64)
    n_l = solution.sizes["link"]
    base = np.concatenate([np.clip(e, 0.0, None), np.clip(-e, 0.0, None)], axis=-1)  # (..., T, 2L)
    n_dir = 2 * n_l
    feeder_rows = np.arange(n_dir, len(rows))
    energy = np.concatenate([base, base[..., rows["position"].to_numpy()[feeder_rows]]], axis=-1)
    energy[..., feeder_rows] = 0.0
    eff = rows["efficiency"].to_numpy(dtype=np.float64)
    for host in pd.unique(rows.loc[feeder_rows, "feeder_of"]):  # one host (TJ) in practice
        mine = feeder_rows[rows.loc[feeder_rows, "feeder_of"].to_numpy() == host]
        feeder = str(rows.loc[mine[0], "exporter"])
        casa = np.flatnonzero((rows["channel"] == CASA_CHANNEL) & (rows["exporter"] == host))
        casa = casa[casa < n_dir]
        feed = np.flatnonzero(
            (rows["channel"] == BILATERAL_CHANNEL) & (rows["exporter"] == feeder) & (rows["importer"] == host)
        )
        casa_step = base[..., casa].sum(axis=-1)
        feed_step = (base[..., feed] * eff[feed]).sum(axis=-1)
        if rule == "flow":
            credited = np.minimum(feed_step, casa_step)
            transit = credited
        else:
            credited = casa_step * definitions.casa_contract_feeder_share
            transit = np.minimum(credited, feed_step)
        fraction = np.divide(credited, casa_step, out=np.zeros_like(casa_step), where=casa_step > 0)
        keep = 1.0 - np.divide(transit, feed_step, out=np.zeros_like(feed_step), where=feed_step > 0)
        positions = rows["position"].to_numpy(dtype=np.int64)
        by_position: dict[int, int] = {int(positions[r]): int(r) for r in mine}
        for r in casa:
            twin = by_position.get(int(positions[r]))
            if twin is not None:
                energy[..., twin] = base[..., r] * fraction
                energy[..., r] = base[..., r] * (1.0 - fraction)
        energy[..., feed] = base[..., feed] * keep[..., None]
    dims = (*lead, "step", "row")
    coords: dict[str, object] = {
        "row": np.arange(len(rows)),
        "link": ("row", rows["link"].to_numpy(dtype=object)),
        "exporter": ("row", rows["exporter"].to_numpy(dtype=object)),
        "importer": ("row", rows["importer"].to_numpy(dtype=object)),
        "channel": ("row", rows["channel"].to_numpy(dtype=object)),
        "price_usd_per_mwh": ("row", rows["price"].to_numpy(dtype=np.float64)),
        **{str(k): solution[k] for k in ("step", *lead)},
        **{k: ("step", solution[k].values) for k in ("time", "year", "month", "block", "duration_h")},
    }
    price = rows["price"].to_numpy(dtype=np.float64)
    return xr.Dataset(
        {
            "energy_mwh": (dims, energy),
            "received_mwh": (dims, energy * eff),
            "revenue_usd": (dims, energy * price),
        },
        coords=coords,
    )


def by_country(
    flows: xr.Dataset,
    variable: str,
    side: Literal["exporter", "importer"],
    countries: npt.ArrayLike,
    channel: Channel | None = None,
) -> xr.DataArray:
    """Sum ``variable`` per ``([member,] year, country)`` of the ``side`` country (optionally one channel)."""
    var = flows[variable].variable
    lead = [d for d in var.dims if d not in ("step", "row")]
    data = np.asarray(var.transpose(*lead, "step", "row").values, dtype=np.float64)
    if channel is not None:
        data = data * (flows["channel"].values == channel)
    years = np.unique(flows["year"].values)
    keys = np.asarray(countries)
    out = np.einsum("...tr,ty,rc->...yc", data, one_hot(flows["year"].values, years), one_hot(flows[side].values, keys))
    coords = {d: flows.indexes[d] for d in lead if d in flows.indexes}
    return xr.DataArray(out, dims=(*lead, "year", "country"), coords={**coords, "year": years, "country": keys})


def flow_table(flows: xr.Dataset) -> pd.DataFrame:
    """Return one row per directed flow and step with energy (:data:`FLOW_COLUMNS`); one member only."""
    energy = flows["energy_mwh"].transpose("step", "row").values
    t, r = np.nonzero(energy > 0)
    frame = pd.DataFrame({c: flows[c].values[t] for c in ("step", "time", "year", "month", "block", "duration_h")})
    for c in ("link", "exporter", "importer", "channel"):
        frame[c] = flows[c].values[r]
    frame["energy_mwh"] = energy[t, r]
    frame["received_mwh"] = flows["received_mwh"].transpose("step", "row").values[t, r]
    frame["price_usd_per_mwh"] = flows["price_usd_per_mwh"].values[r]
    frame["revenue_usd"] = flows["revenue_usd"].transpose("step", "row").values[t, r]
    order = np.lexsort((r, t))
    return frame.iloc[order][list(FLOW_COLUMNS)].reset_index(drop=True)
