"""Countries, thermal plants, links and minimum releases as arrays over the calendar."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.errors import Problem
from aralnexus.system.calendar import Calendar
from aralnexus.units import HOURS_PER_DAY, MWH_PER_TWH

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Countries:
    """Detailed countries (own demand and plants) and partner markets.

    Parameters
    ----------
    detailed
        Country codes with a power balance.
    partners
        Country codes that are markets (imports and exports at prices).
    demand_mw
        Demand per (step, detailed country).
    voll_usd_per_mwh
        Value of lost load per detailed country.
    import_price_usd_per_mwh, export_price_usd_per_mwh, import_max_twh
        Per partner (NaN where not given).
    """

    detailed: tuple[str, ...]
    partners: tuple[str, ...]
    demand_mw: Array
    voll_usd_per_mwh: Array
    import_price_usd_per_mwh: Array
    export_price_usd_per_mwh: Array
    import_max_twh: Array


@dataclass(frozen=True)
class Thermal:
    """Thermal plants: ids, country index (into detailed), available capacity and must-run per step, cost."""

    ids: tuple[str, ...]
    country: npt.NDArray[np.int64]
    capacity_mw: Array  # (T, G) available: capacity · availability, 0 before in service and outside its months
    cost_usd_per_mwh: Array
    must_run_mw: Array  # (T, G) output forced on (heating season), ≤ capacity_mw
    in_service_mw: Array  # (T, G) nameplate capacity once in service, 0 before (reserve margin)


@dataclass(frozen=True)
class Links:
    """Interconnectors.

    ``end`` indices: ``>= 0`` a detailed country, ``< 0`` the partner ``-1 - end``. Forward flow goes
    from ``from_end`` to ``to_end``; ``price_usd_per_mwh`` is what a partner at either end pays for
    delivered energy (exports) or is paid for sent energy (imports), NaN between detailed countries.
    """

    ids: tuple[str, ...]
    from_end: npt.NDArray[np.int64]
    to_end: npt.NDArray[np.int64]
    capacity_mw: Array  # (T, L)
    efficiency: Array  # 1 − loss
    bidirectional: npt.NDArray[np.bool_]
    export_price_usd_per_mwh: Array  # price paid by the partner end for delivered energy
    import_price_usd_per_mwh: Array  # price paid to the partner end for sent energy
    tariff_usd_per_mwh: Array
    bilateral_price_usd_per_mwh: Array  # price per sent MWh between two detailed grids, NaN with a partner end


def partner_end(j: int | npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Return the link-end code of partner ``j`` (``-1 - j``): the only place the encoding is written."""
    return np.asarray(-1 - np.asarray(j), dtype=np.int64)


@overload
def partner_index(end: int | np.integer[Any]) -> int: ...


@overload
def partner_index(end: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]: ...


def partner_index(end: npt.NDArray[np.int64] | int | np.integer[Any]) -> npt.NDArray[np.int64] | int:
    """Return the partner position of link ends (``-1 - end``; meaningful where ``end < 0``).

    A single end gives a plain ``int``: a 0-d array used as an index would select a copy
    (``imports[:, array(2)]``), and writing into it would be lost.
    """
    if np.ndim(end) == 0:
        return -1 - int(end)
    return np.asarray(-1 - np.asarray(end), dtype=np.int64)


def end_countries(end: npt.NDArray[np.int64], countries: Countries) -> npt.NDArray[np.object_]:
    """Return the country code at each link end: a detailed country for ``end >= 0``, else the partner."""
    end = np.asarray(end, dtype=np.int64)
    out = np.empty(end.shape, dtype=object)
    own = end >= 0
    out[own] = np.array(countries.detailed, dtype=object)[end[own]]
    out[~own] = np.array(countries.partners, dtype=object)[partner_index(end[~own])]
    return out


#: A month range or list as :func:`parse_months` reads it: ``11-3``, ``1-12``, ``1,2,12``.
_MONTHS_TEXT = re.compile(r"\d{1,2}(\s*-\s*\d{1,2})?(\s*[,;]\s*\d{1,2}(\s*-\s*\d{1,2})?)*")
#: What :func:`parse_months` accepts, in words (the ``expected`` of an input problem).
MONTHS_EXPECTED = 'months 1..12 as a range or list, e.g. "11-3" or "1-12"'


def parse_months(text: str) -> npt.NDArray[np.bool_]:
    """Parse ``5-9``, ``10-3`` (wrapping), ``1-12`` or ``5,6,7`` into a 12-long month mask.

    Raises
    ------
    ValueError
        If the text is not such a range or list of months 1..12 (:data:`MONTHS_EXPECTED`).
    """
    mask = np.zeros(12, dtype=bool)
    text = str(text).strip() or "1-12"
    if not _MONTHS_TEXT.fullmatch(text) or not all(1 <= int(m) <= 12 for m in re.findall(r"\d+", text)):
        raise ValueError(f"{MONTHS_EXPECTED}, not {text!r}")
    for part in text.replace(";", ",").split(","):
        bounds = [int(x) for x in part.strip().split("-") if x.strip()]
        first, last = bounds[0], bounds[-1]
        months = range(first, last + 1) if first <= last else [*range(first, 13), *range(1, last + 1)]
        mask[[m - 1 for m in months]] = True
    return mask


def _stamp(value: object) -> pd.Timestamp | None:
    text = str(value).strip()[:7]
    if not text or text in {"nan", "<NA>", "None"}:
        return None
    return pd.Timestamp(f"{text}-01")


def build_countries(
    countries: pd.DataFrame, demand_monthly: pd.DataFrame, cal: Calendar, problems: list[Problem]
) -> Countries:
    """Build country arrays; demand per step grows from the base year and follows the monthly shares."""
    detailed = countries[countries["role"].str.strip() == "detailed"].reset_index(drop=True)
    partners = countries[countries["role"].str.strip() == "partner"].reset_index(drop=True)
    steps = cal.steps
    times = pd.DatetimeIndex(steps["time"])
    hours_in_month = times.days_in_month.to_numpy(dtype=np.float64) * HOURS_PER_DAY
    years = steps["year"].to_numpy(dtype=np.float64)
    months = steps["month"].to_numpy(dtype=np.int64)
    demand = np.zeros((cal.n_steps, len(detailed)))
    for c, row in detailed.iterrows():  # a few countries; vectorised over steps
        code = str(row["country"])
        shares = demand_monthly[demand_monthly["country"] == code].set_index("month")["share"]
        share = shares.reindex(np.arange(1, 13)).to_numpy(dtype=np.float64)
        if np.isnan(share).any():
            problems.append(
                Problem("demand_monthly.csv", code, "12 monthly shares", f"{int((~np.isnan(share)).sum())}")
            )
            share = np.full(12, 1 / 12)
        share = share / share.sum()
        growth = (1 + float(np.nan_to_num(row["demand_growth_pct_per_year"])) / 100.0) ** (
            years - float(np.nan_to_num(row["base_year"], nan=years[0] if len(years) else 2025))
        )
        annual_mwh = float(row["demand_base_twh"]) * MWH_PER_TWH * growth
        demand[:, int(c)] = annual_mwh * share[months - 1] / hours_in_month * cal.load_factor  # type: ignore[call-overload]
    return Countries(
        detailed=tuple(detailed["country"]),
        partners=tuple(partners["country"]),
        demand_mw=demand,
        voll_usd_per_mwh=detailed["voll_usd_per_mwh"].to_numpy(dtype=np.float64),
        import_price_usd_per_mwh=partners["import_price_usd_per_mwh"].to_numpy(dtype=np.float64),
        export_price_usd_per_mwh=partners["export_price_usd_per_mwh"].to_numpy(dtype=np.float64),
        import_max_twh=partners["import_max_twh"].to_numpy(dtype=np.float64),
    )


def build_thermal(thermal: pd.DataFrame, countries: Countries, cal: Calendar, problems: list[Problem]) -> Thermal:
    """Build thermal arrays; capacity is 0 before ``in_service`` and outside the plant's ``months`` of operation.

    A plant with ``months`` (e.g. ``11-3``) runs only in those months: outside them its available
    capacity, and so its output, is 0 (the seasonal fuel supply and overhauls of a CHP plant). The
    heating-season must-run applies where the plant is available.
    """
    index = {c: i for i, c in enumerate(countries.detailed)}
    keep = thermal["country"].isin(index)
    problems.extend(
        Problem("thermal.csv", f"thermal.{plant}.country", "a detailed country", "another code")
        for plant in thermal.loc[~keep, "plant"]
    )
    table = thermal[keep].reset_index(drop=True)
    times = pd.DatetimeIndex(cal.steps["time"]).to_numpy()
    starts = np.array([_stamp(v) or pd.Timestamp("1900-01-01") for v in table["in_service"]], dtype="datetime64[ns]")
    in_service = times[:, None] >= starts[None, :]
    season = _month_masks(table, "thermal.csv", "thermal", "plant", problems)  # (G, 12)
    avail = in_service & season[:, cal.steps["month"].to_numpy() - 1].T
    share = _fraction(table, "availability", 1.0, problems)
    must = _fraction(table, "must_run_heating", 0.0, problems)
    cap = (table["capacity_mw"].to_numpy(dtype=np.float64) * share)[None, :] * avail
    heating = np.isin(cal.steps["month"].to_numpy(), HEATING_MONTHS)
    return Thermal(
        ids=tuple(table["plant"]),
        country=np.array([index[c] for c in table["country"]], dtype=np.int64),
        capacity_mw=cap,
        cost_usd_per_mwh=table["cost_usd_per_mwh"].to_numpy(dtype=np.float64),
        must_run_mw=cap * must[None, :] * heating[:, None],
        in_service_mw=table["capacity_mw"].to_numpy(dtype=np.float64)[None, :] * in_service,
    )


def _month_masks(
    table: pd.DataFrame, file: str, section: str, key: str, problems: list[Problem]
) -> npt.NDArray[np.bool_]:
    """Month masks ``(rows, 12)`` of a ``months`` column (all year where empty or absent); bad text is a problem."""
    masks = np.ones((len(table), 12), dtype=bool)
    if "months" not in table.columns:
        return masks
    for row, (element, value) in enumerate(zip(table[key], table["months"], strict=True)):
        text = "" if pd.isna(value) else str(value).strip()
        try:
            masks[row] = parse_months(text)
        except ValueError:
            problems.append(Problem(file, f"{section}.{element}.months", MONTHS_EXPECTED, repr(text)))
    return masks


#: Months of the heating season, when CHP plants run for heat (must-run).
HEATING_MONTHS: tuple[int, ...] = (11, 12, 1, 2, 3)


def _fraction(table: pd.DataFrame, column: str, default: float, problems: list[Problem]) -> Array:
    """Column of shares in [0, 1] (``default`` where empty or absent); a value outside is a problem."""
    if column not in table.columns:
        return np.full(len(table), default)
    values = pd.to_numeric(table[column], errors="coerce").fillna(default).to_numpy(dtype=np.float64)
    for plant, value in zip(table["plant"], values, strict=True):
        if not 0.0 <= value <= 1.0:
            problems.append(Problem("thermal.csv", f"thermal.{plant}.{column}", "a share from 0 to 1", f"{value:g}"))
    clipped: Array = np.clip(values, 0.0, 1.0)
    return clipped


def build_links(
    links: pd.DataFrame,
    countries: Countries,
    cal: Calendar,
    problems: list[Problem],
    bilateral_price_usd_per_mwh: float = math.nan,
) -> Links:
    """Build link arrays: capacity per step is 0 outside the months of availability, before start and after end.

    ``end`` (optional) is the last month of a link's level: a contracted level that changed is two
    rows for the same line, one ending the month before the other starts.

    A link between two detailed grids trades at its ``tariff_usd_per_mwh`` where set, else at
    ``bilateral_price_usd_per_mwh`` (the dataset's ``bilateral_electricity_price_usd_per_mwh``).
    """
    det = {c: i for i, c in enumerate(countries.detailed)}
    par = {c: int(partner_end(i)) for i, c in enumerate(countries.partners)}
    ends = {**det, **par}
    rows = []
    for _, row in links.iterrows():
        a, b = str(row["from_country"]), str(row["to_country"])
        if a not in ends or b not in ends:
            problems.append(
                Problem("links.csv", f"links.{row['link']}", "from/to countries in countries.csv", f"{a}→{b}")
            )
            continue
        if a in par and b in par:
            continue  # a link between two markets does not touch the modelled grids
        rows.append(row)
    table = pd.DataFrame(rows, columns=links.columns).reset_index(drop=True)
    n_l = len(table)
    month_ok = _month_masks(table, "links.csv", "links", "link", problems)
    times = pd.DatetimeIndex(cal.steps["time"]).to_numpy()
    starts = np.array([_stamp(v) or pd.Timestamp("1900-01-01") for v in table["start"]], dtype="datetime64[ns]")
    last = _link_ends(table)
    avail = (times[:, None] >= starts[None, :]) & (times[:, None] <= last[None, :])
    avail &= month_ok[:, cal.steps["month"].to_numpy() - 1].T
    cap = table["capacity_mw"].to_numpy(dtype=np.float64)[None, :] * avail
    from_end = np.array([ends[c] for c in table["from_country"]], dtype=np.int64)
    to_end = np.array([ends[c] for c in table["to_country"]], dtype=np.int64)
    partner_side = np.where(from_end < 0, from_end, to_end)
    has_partner = (from_end < 0) | (to_end < 0)
    pidx = np.where(has_partner, partner_index(partner_side), 0)
    tariff = table["tariff_usd_per_mwh"].to_numpy(dtype=np.float64)
    priced = n_l > 0 and len(countries.partners) > 0  # without partners no link has a market end
    exp = np.where(np.isnan(tariff), countries.export_price_usd_per_mwh[pidx] if priced else np.nan, tariff)
    imp = countries.import_price_usd_per_mwh[pidx] if priced else np.full(n_l, np.nan)
    return Links(
        ids=tuple(table["link"]),
        from_end=from_end,
        to_end=to_end,
        capacity_mw=cap,
        efficiency=1.0 - table["loss_pct"].to_numpy(dtype=np.float64) / 100.0,
        bidirectional=table["bidirectional"].to_numpy(dtype=bool),
        export_price_usd_per_mwh=np.where(has_partner, exp, np.nan),
        import_price_usd_per_mwh=np.where(has_partner, imp, np.nan),
        tariff_usd_per_mwh=tariff,
        bilateral_price_usd_per_mwh=np.where(
            has_partner, np.nan, np.where(np.isnan(tariff), bilateral_price_usd_per_mwh, tariff)
        ),
    )


def _link_ends(table: pd.DataFrame) -> npt.NDArray[Any]:
    """Start of each link's last month in service (open: far in the future).

    An end before its start is refused by :func:`aralnexus.scenario.checks.check_link_periods`.
    """
    never = pd.Timestamp("2262-01-01")
    if "end" not in table.columns:
        return np.full(len(table), never, dtype="datetime64[ns]")
    return np.array([_stamp(v) or never for v in table["end"]], dtype="datetime64[ns]")


def build_releases(
    min_releases: pd.DataFrame, plant_ids: tuple[str, ...], cal: Calendar, problems: list[Problem]
) -> pd.DataFrame:
    """Return one row per (stage, release point, agreement).

    Columns: ``stage, plant, point, agreement, required_m3s, strict, penalty_usd_per_hm3``.
    """
    index = {p: i for i, p in enumerate(plant_ids)}
    table = min_releases.copy()
    unknown = ~table["point"].isin(index)
    problems.extend(
        Problem("min_releases.csv", f"min_releases.{point}", "a plant id", repr(point))
        for point in table.loc[unknown, "point"].unique()
    )
    table = table[~unknown]
    stages = cal.stages[["stage", "month"]]
    out = stages.merge(table, on="month", how="inner").sort_values(["stage", "point", "agreement"])
    out = out.assign(plant=out["point"].map(index).astype(np.int64)).rename(columns={"min_release_m3s": "required_m3s"})
    out["penalty_usd_per_hm3"] = out["penalty_usd_per_hm3"].fillna(0.0)
    out = out[out["required_m3s"] > 0]
    return out[["stage", "plant", "point", "agreement", "required_m3s", "strict", "penalty_usd_per_hm3"]].reset_index(
        drop=True
    )


def releases_net_of_withdrawals(releases: pd.DataFrame, withdrawal_m3s: Array) -> pd.DataFrame:
    """Return ``releases`` with each relaxable requirement reduced by the canals fed at its point.

    A relaxable (``strict`` false) requirement is an irrigation agreement: the water it owes
    includes the canals that take their share at the release point's headpond (the Vakhsh canals
    at Golovnaya, the Fergana canals at Uch-Kurgan; see ``min_releases`` in ``sources.csv``). The
    canals are withdrawn before the point (:func:`build_withdrawals`), so what must still pass the
    point is the requirement less the withdrawal in that stage, never below 0 m3/s. Strict rows are
    minimum river flows (environment, winter ice) and are kept as they are.

    Parameters
    ----------
    releases
        Rows of :func:`build_releases` (``stage``, ``plant``, ``required_m3s``, ``strict`` …).
    withdrawal_m3s
        Withdrawals ``(S, P)`` in m3/s from :func:`build_withdrawals`.
    """
    if releases.empty:
        return releases
    relaxable = ~releases["strict"].astype(bool).to_numpy()
    taken = withdrawal_m3s[releases["stage"].to_numpy(dtype=np.int64), releases["plant"].to_numpy(dtype=np.int64)]
    required = releases["required_m3s"].to_numpy(dtype=np.float64)
    net = np.where(relaxable, np.maximum(required - taken, 0.0), required)
    out = releases.assign(required_m3s=net)
    return out[out["required_m3s"] > 0].reset_index(drop=True)


def build_withdrawals(
    withdrawals: pd.DataFrame, plant_ids: tuple[str, ...], cal: Calendar, problems: list[Problem]
) -> Array:
    """Return irrigation withdrawals ``(S, P)`` in m3/s, taken from each point's reservoir.

    A withdrawal leaves the river at its point before the point's turbines (a canal head or a
    tunnel from the reservoir); several canals at one point add up. Months without a row are 0.
    """
    index = {p: i for i, p in enumerate(plant_ids)}
    out = np.zeros((cal.n_stages, len(plant_ids)))
    if withdrawals.empty:
        return out
    unknown = ~withdrawals["point"].isin(index)
    problems.extend(
        Problem("withdrawals.csv", f"withdrawals.{point}", "a plant id", repr(point))
        for point in withdrawals.loc[unknown, "point"].unique()
    )
    negative = withdrawals["withdrawal_m3s"] < 0
    problems.extend(
        Problem("withdrawals.csv", f"withdrawals.{r.point}.{r.month}", "a withdrawal ≥ 0 m3/s", f"{r.withdrawal_m3s}")
        for r in withdrawals[negative].itertuples()
    )
    table = withdrawals[~unknown & ~negative]
    monthly = np.zeros((12, len(plant_ids)))
    np.add.at(
        monthly,
        (table["month"].to_numpy(dtype=np.int64) - 1, table["point"].map(index).to_numpy(dtype=np.int64)),
        table["withdrawal_m3s"].to_numpy(dtype=np.float64),
    )
    months = cal.stages["month"].to_numpy(dtype=np.int64)
    result: Array = monthly[months - 1]
    return result
