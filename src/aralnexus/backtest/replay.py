"""Replay observed years: each calendar year optimised as operators would have planned it.

The replay runs one year at a time, in order, with a look-ahead of the dataset's
``lookahead_months`` beyond December at median inflows (operators do not know next year's
water). Each year

- starts from the previous year's modelled end storage; the first year starts Toktogul from the
  dated volume in ``backtest_start.csv`` (other reservoirs from ``plants.storage_initial_hm3``);
- uses the climatological monthly shape of each inflow series scaled to that year's observed
  annual volume where a record gives one (water year Oct–Sep: January–September of year ``Y``
  take water year ``Y``, October–December take ``Y + 1`` when known, else ``Y``), and the
  climatology itself where no record covers the year;
- serves that year's demand: the published consumption of the year (``published.csv``,
  quantity ``consumption_twh``) where there is one, the straight line between the published years
  around it, else the dataset's demand projection.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.data.dataset import Dataset
from aralnexus.errors import InputError, Problem
from aralnexus.input_files import read_limited_bytes
from aralnexus.metrics import compute, metric_rows
from aralnexus.pathways.exports import definitions_for, link_flows, solution_of
from aralnexus.results.tables import Results
from aralnexus.scenario.model import Scenario
from aralnexus.units import HM3_PER_KM3, HM3_PER_M3S_DAY

#: Registered metrics the comparison reads per replayed year (country column: country, plant or
#: ``EXPORTER-IMPORTER`` pair), see :mod:`aralnexus.backtest.compare`.
YEAR_METRICS: tuple[str, ...] = (
    "national_generation_twh",
    "thermal_twh",
    "imports_twh",
    "exports_twh",
    "exports_between_twh",
    "plant_generation_twh",
)
#: The registered monthly series the comparison reads (reservoir volume at an observation date).
STORAGE_METRIC = "storage_month_end_hm3"

#: Days per month of a non-leap year (volumes of the monthly climatology).
_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.float64)


@dataclass(frozen=True)
class YearInputs:
    """What one replayed year was given.

    Attributes
    ----------
    year
        Calendar year.
    inflow_factor
        Series id → factor on the climatology, per month (12 values).
    inflow_source
        Series id → ``record WY…`` or ``climatology`` (what the year's volume rests on).
    demand_twh
        Country → annual demand used.
    demand_source
        Country → ``published <id>`` or ``projection``.
    """

    year: int
    inflow_factor: dict[str, list[float]]
    inflow_source: dict[str, str]
    demand_twh: dict[str, float]
    demand_source: dict[str, str]


@dataclass(frozen=True)
class Replay:
    """Results of a replay, concatenated over its years.

    Attributes
    ----------
    plants, countries, reservoirs
        The optimiser's tables for the replayed months (``aralnexus.results.tables``).
    flows
        Link flows by exporter and importer (:data:`aralnexus.pathways.exports.FLOW_COLUMNS`).
    inputs
        What each year was given (:class:`YearInputs`).
    start_storage_hm3
        Plant → storage at the start of the first year.
    metrics
        The registered metrics :data:`YEAR_METRICS` of every replayed year (``country, year, metric,
        value, unit``; the country column holds a country, a plant or an ``EXPORTER-IMPORTER`` pair).
    storage
        End-of-month storage per reservoir (``plant, time, storage_hm3``; ``time`` the month's
        start), the registered metric :data:`STORAGE_METRIC`.
    """

    plants: pd.DataFrame
    countries: pd.DataFrame
    reservoirs: pd.DataFrame
    flows: pd.DataFrame
    inputs: tuple[YearInputs, ...]
    start_storage_hm3: dict[str, float]
    metrics: pd.DataFrame
    storage: pd.DataFrame


def climatology_volume_km3(dataset: Dataset, series: str) -> float:
    """Annual volume (km3) of one series' mean monthly climatology (``inflow_monthly``)."""
    rows = dataset.inflow_monthly[dataset.inflow_monthly["series"] == series].sort_values("month")
    m3s = rows["mean_m3s"].to_numpy(dtype=np.float64)
    return float((m3s * _DAYS).sum() * HM3_PER_M3S_DAY / HM3_PER_KM3)


def record_volumes(dataset: Dataset) -> pd.DataFrame:
    """Observed water-year volumes per inflow series: ``series, water_year, volume_km3``."""
    obs = dataset.observed_inflow
    obs = obs[obs["series"].astype(str) != ""]
    frame = obs[["series", "water_year", "volume_km3"]].copy()
    frame["water_year"] = frame["water_year"].astype(int)
    return frame.reset_index(drop=True)


#: Largest annual-volume record read, bytes (a few kB in practice).
MAX_BACKTEST_RECORD_BYTES = 16 * 1024 * 1024


def read_record_file(path: Path, dataset: Dataset, first: int, last: int) -> pd.DataFrame:
    """Read a user's annual-volume record: CSV ``series, water_year, volume_km3``.

    It must cover every water year ``first``..``last`` for every inflow series of the dataset.

    Raises
    ------
    InputError
        Unreadable file, missing columns, non-numbers, unknown series, or years not covered.
    """
    file = str(path)
    expected = "a CSV file series,water_year,volume_km3"
    # A FIFO, device or directory is refused without opening it; a huge file from its size.
    data = read_limited_bytes(Path(path), file, expected=expected, max_bytes=MAX_BACKTEST_RECORD_BYTES)
    try:
        raw = pd.read_csv(io.BytesIO(data))
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError([Problem(file, "", "a CSV file series,water_year,volume_km3", str(exc))]) from exc
    need = ("series", "water_year", "volume_km3")
    missing = [c for c in need if c not in raw.columns]
    if missing:
        found = f"columns {list(raw.columns)}"
        raise InputError([Problem(file, ", ".join(missing), "columns series, water_year, volume_km3", found)])
    problems: list[Problem] = []
    years = pd.to_numeric(raw["water_year"], errors="coerce")
    volumes = pd.to_numeric(raw["volume_km3"], errors="coerce")
    if years.isna().any():
        problems.append(Problem(file, "water_year", "whole years", repr(raw["water_year"][years.isna()].iloc[0])))
    wrong = volumes.isna() | (volumes <= 0) | ~np.isfinite(volumes.to_numpy(dtype="float64", na_value=np.nan))
    if wrong.any():
        bad = raw["volume_km3"][wrong].iloc[0]
        problems.append(Problem(file, "volume_km3", "positive volumes in km3", repr(bad)))
    known = set(dataset.inflow_monthly["series"].astype(str))
    unknown = sorted(set(raw["series"].astype(str)) - known)
    if unknown:
        problems.append(Problem(file, "series", f"one of {', '.join(sorted(known))}", ", ".join(unknown)))
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame({"series": raw["series"].astype(str), "water_year": years.astype(int), "volume_km3": volumes})
    for series in sorted(known):
        have = set(frame.loc[frame["series"] == series, "water_year"])
        lacking = [y for y in range(first, last + 1) if y not in have]
        if lacking:
            problems.append(
                Problem(
                    file,
                    f"{series} water years",
                    f"every water year {first}–{last}",
                    f"missing {', '.join(str(y) for y in lacking)}",
                    "add the years or run the backtest over the years the record covers (--start/--end)",
                )
            )
    if problems:
        raise InputError(problems)
    return frame


def year_factors(dataset: Dataset, record: pd.DataFrame, year: int) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Monthly factors on the climatology for one calendar year, and what they rest on."""
    factors: dict[str, list[float]] = {}
    labels: dict[str, str] = {}
    for series in sorted(set(dataset.inflow_monthly["series"].astype(str))):
        clim = climatology_volume_km3(dataset, series)
        rows = record[record["series"] == series].set_index("water_year")["volume_km3"]
        this = float(rows[year]) / clim if year in rows.index else None
        nxt = float(rows[year + 1]) / clim if year + 1 in rows.index else this
        if this is None:
            factors[series] = [1.0] * 12
            labels[series] = "climatology"
            continue
        late = nxt if nxt is not None else this
        factors[series] = [this] * 9 + [late] * 3
        labels[series] = f"record WY{year}" + (f"/WY{year + 1}" if year + 1 in rows.index else "")
    return factors, labels


def year_demand(dataset: Dataset, year: int) -> tuple[dict[str, float], dict[str, str]]:
    """Annual demand per detailed country: published consumption of the year, else the projection.

    A year between two years with published consumption takes the straight line between them
    (KG 2023–2024 between 16.0 TWh in 2022 and 19.0 TWh in 2025; the 2023 expectation of 17 TWh,
    ELE-071, lies on it); other years take the dataset's demand projection.
    """
    countries = dataset.countries[dataset.countries["role"] == "detailed"]
    pub = dataset.published[dataset.published["quantity"] == "consumption_twh"]
    demand: dict[str, float] = {}
    labels: dict[str, str] = {}
    for row in countries.to_dict(orient="records"):
        code = str(row["country"])
        mine = pub[pub["element"] == code]
        known = dict(zip(mine["period"].astype(str).str[:4].astype(int), mine["value"].astype(float), strict=True))
        source = dict(zip(mine["period"].astype(str).str[:4].astype(int), mine["source"].astype(str), strict=True))
        before = [y for y in known if y < year]
        after = [y for y in known if y > year]
        if year in known:
            demand[code] = known[year]
            labels[code] = f"published {source[year]}"
        elif before and after:
            lo, hi = max(before), min(after)
            demand[code] = known[lo] + (known[hi] - known[lo]) * (year - lo) / (hi - lo)
            labels[code] = f"interpolated {source[lo]}/{source[hi]}"
        else:
            rate = float(row["demand_growth_pct_per_year"]) if pd.notna(row["demand_growth_pct_per_year"]) else 0.0
            growth = (1 + rate / 100.0) ** (year - int(row["base_year"]))
            demand[code] = float(row["demand_base_twh"]) * growth
            labels[code] = "projection"
    return demand, labels


def start_storage(dataset: Dataset, start_year: int) -> dict[str, float]:
    """Plant → storage (hm3) at 1 January of ``start_year`` from ``backtest_start.csv``.

    Raises
    ------
    InputError
        If the table has no row for that date.
    """
    table = dataset.backtest_start
    rows = table[table["date"] == f"{start_year}-01"]
    if rows.empty:
        have = ", ".join(sorted(set(table["date"])))
        raise InputError(
            [Problem("backtest_start.csv", "date", f"a start volume for {start_year}-01", f"rows for {have}")]
        )
    return dict(zip(rows["plant"].astype(str), rows["storage_hm3"].astype(float), strict=True))


def _year_dataset(dataset: Dataset, year: int, storage_hm3: dict[str, float]) -> tuple[Dataset, dict[str, float]]:
    """Return the dataset for one replayed year: start storages and that year's demand."""
    plants = dataset.plants.copy()
    for plant, volume in storage_hm3.items():
        plants.loc[plants["plant"] == plant, "storage_initial_hm3"] = volume
    demand, _ = year_demand(dataset, year)
    countries = dataset.countries.copy()
    for code, twh in demand.items():
        sel = countries["country"] == code
        countries.loc[sel, "demand_base_twh"] = twh
        countries.loc[sel, "base_year"] = float(year)
    return dataclasses.replace(dataset, plants=plants, countries=countries), demand


def _scaled_inflows(base: xr.DataArray, dataset: Dataset, factors: dict[str, list[float]]) -> xr.DataArray:
    """Scale each site's climatological inflow by its base series' monthly factor."""
    sites = dataset.inflow_sites.set_index("site")["base_series"].astype(str)
    months = base["time"].dt.month.to_numpy()
    scale = np.ones((base.sizes["time"], base.sizes["site"]))
    for j, site in enumerate(base["site"].to_numpy()):
        f = np.asarray(factors[sites[str(site)]])
        scale[:, j] = f[months - 1]
    out = base * xr.DataArray(scale, dims=("time", "site"), coords={"time": base["time"], "site": base["site"]})
    out.name = base.name
    out.attrs = dict(base.attrs, label="backtest: climatology scaled to observed annual volumes where known")
    return out


def replay(
    scenario: Scenario,
    first_year: int,
    last_year: int,
    record: pd.DataFrame | None = None,
) -> Replay:
    """Replay calendar years ``first_year``..``last_year`` one after the other (see module docstring).

    Parameters
    ----------
    scenario
        The scenario whose dataset is replayed (usually the default).
    first_year, last_year
        Inclusive calendar years.
    record
        Annual volumes ``series, water_year, volume_km3``; default the dataset's observed record.

    Returns
    -------
    Replay
    """
    from aralnexus.dispatch import optimise
    from aralnexus.hydrology import make_inflows

    dataset = scenario.dataset
    record = record_volumes(dataset) if record is None else record
    mean_spec = dataclasses.replace(scenario.hydrology, kind="mean")
    storage = start_storage(dataset, first_year)
    first_storage = dict(storage)
    parts: dict[str, list[pd.DataFrame]] = {
        "plants": [],
        "countries": [],
        "reservoirs": [],
        "flows": [],
        "metrics": [],
        "storage": [],
    }
    inputs: list[YearInputs] = []
    for year in range(first_year, last_year + 1):
        ds, demand = _year_dataset(dataset, year, storage)
        _, demand_labels = year_demand(dataset, year)
        sc = dataclasses.replace(scenario, dataset=ds, start=f"{year}-01", end=f"{year}-12", hydrology=mean_spec)
        factors, labels = year_factors(dataset, record, year)
        inflows = _scaled_inflows(make_inflows(sc, sc.start, sc.end), ds, factors)
        results: Results = optimise(sc, inflows=inflows, start=sc.start, end=sc.end)
        parts["plants"].append(results.plants)
        parts["countries"].append(results.countries)
        parts["reservoirs"].append(results.reservoirs)
        parts["flows"].append(link_flows(results, ds))
        metrics, monthly = year_metrics(results, ds)
        parts["metrics"].append(metrics)
        parts["storage"].append(monthly)
        inputs.append(YearInputs(year, factors, labels, demand, demand_labels))
        last = results.reservoirs[results.reservoirs["time"] == results.reservoirs["time"].max()]
        storage = dict(zip(last["plant"].astype(str), last["storage_hm3"].astype(float), strict=True))
    frames = {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}
    return Replay(
        frames["plants"],
        frames["countries"],
        frames["reservoirs"],
        frames["flows"],
        tuple(inputs),
        first_storage,
        frames["metrics"],
        frames["storage"],
    )


def year_metrics(results: Results, dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return one replayed year's :data:`YEAR_METRICS` rows and end-of-month storage (``plant, time, storage_hm3``)."""
    solution = solution_of(results, dataset)
    definitions = definitions_for(dataset)
    values = compute(solution, definitions, (*YEAR_METRICS, STORAGE_METRIC))
    storage = values.pop(STORAGE_METRIC).to_dataframe(name="storage_hm3").reset_index()
    storage = storage.rename(columns={"country": "plant"})[["plant", "time", "storage_hm3"]]
    return metric_rows(values, definitions.pair_label), storage
