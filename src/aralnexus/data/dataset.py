"""The default dataset: wide CSV tables shipped in ``data/default/`` and their column specs.

Every numeric cell of every table has a row in ``sources.csv`` (``table, element, attribute,
value, kind, source, note``) where ``kind`` is ``sourced``, ``derived``, ``assumption`` or
``calibrated`` (fitted on the 2019–2022 backtest; the note names the method).
Time-indexed tables (monthly shapes, schedules) use ``element`` = the row key joined with ``/``
(e.g. ``toktogul_inflow/7`` for July of that series).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd

from aralnexus.errors import InputError, Problem

ColumnKind = Literal["str", "int", "float", "bool", "month"]
SourceKind = Literal["sourced", "derived", "assumption", "calibrated"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a dataset table: name, kind, unit and meaning."""

    name: str
    kind: ColumnKind
    unit: str
    description: str
    required: bool = True


def _c(name: str, kind: ColumnKind, unit: str, description: str, *, required: bool = True) -> ColumnSpec:
    return ColumnSpec(name, kind, unit, description, required)


#: Table name → (key columns, column specs). Key columns identify a row (the ``element``).
TABLE_SPECS: dict[str, tuple[tuple[str, ...], tuple[ColumnSpec, ...]]] = {
    "plants": (
        ("plant",),
        (
            _c("plant", "str", "", "plant id (snake_case)"),
            _c("name", "str", "", "display name"),
            _c("country", "str", "", "country code of the owner/grid (KG, TJ)"),
            _c("river", "str", "", "river (naryn, vakhsh)"),
            _c("downstream", "str", "", "id of the next plant downstream; empty at the basin outlet", required=False),
            _c("capacity_mw", "float", "MW", "installed capacity when fully built"),
            _c("units", "int", "units", "number of generating units when fully built"),
            _c("turbine_max_m3s", "float", "m3/s", "maximum total turbine discharge when fully built"),
            _c("efficiency", "float", "-", "overall plant efficiency (turbine · generator)"),
            _c("storage_dead_hm3", "float", "hm3", "dead storage (volume at the minimum operating level)"),
            _c("storage_full_hm3", "float", "hm3", "storage at full supply level when fully built"),
            _c("storage_initial_hm3", "float", "hm3", "storage at the start of the default horizon"),
            _c("level_dead_m", "float", "m a.s.l.", "minimum operating level; empty → fixed head", required=False),
            _c("level_full_m", "float", "m a.s.l.", "full supply level; empty → fixed head", required=False),
            _c("curve_exponent", "float", "-", "k in V−V_dead = a·(h−h_dead)^k (level–volume curve)", required=False),
            _c(
                "tailwater_m",
                "float",
                "m a.s.l.",
                "fixed tailwater level; empty → the downstream pool level",
                required=False,
            ),
            _c("rated_head_m", "float", "m", "rated (fixed-head mode) net head"),
            _c(
                "head_loss_m",
                "float",
                "m",
                "head loss subtracted from the gross head (curve) or a stated gross fixed head; empty → 0",
                required=False,
            ),
            _c(
                "mean_generation_twh",
                "float",
                "TWh/yr",
                "sourced mean annual generation (for validation)",
                required=False,
            ),
            _c(
                "in_service",
                "month",
                "YYYY-MM",
                "first month in service; empty → not built in the default",
                required=False,
            ),
        ),
    ),
    "plant_schedule": (
        ("plant", "date"),
        (
            _c("plant", "str", "", "plant id"),
            _c("date", "month", "YYYY-MM", "first month the row's values are in force"),
            _c("capacity_mw", "float", "MW", "installed capacity in service from this date"),
            _c(
                "units",
                "int",
                "units",
                "generating units in service from this date (scales turbine_max_m3s)",
                required=False,
            ),
            _c(
                "storage_dead_hm3",
                "float",
                "hm3",
                "dead storage (minimum operating level) from this date",
                required=False,
            ),
            _c(
                "storage_full_hm3",
                "float",
                "hm3",
                "storage at the full supply level allowed from this date",
                required=False,
            ),
            _c("level_dead_m", "float", "m a.s.l.", "minimum operating level from this date", required=False),
            _c("level_full_m", "float", "m a.s.l.", "full supply level allowed from this date", required=False),
        ),
    ),
    "inflow_sites": (
        ("site",),
        (
            _c("site", "str", "", "inflow site id"),
            _c("river", "str", "", "river"),
            _c("plant", "str", "", "plant whose reservoir the site's flow enters"),
            _c("kind", "str", "", "headwater or lateral (incremental between two plants)"),
            _c("base_series", "str", "", "series in inflow_monthly the site is scaled from"),
            _c("share", "float", "-", "site flow = share · base series"),
            _c("gauge", "str", "", "hydromet gauge code where known", required=False),
        ),
    ),
    "inflow_monthly": (
        ("series", "month"),
        (
            _c("series", "str", "", "series id (e.g. toktogul_inflow, nurek_inflow)"),
            _c("month", "int", "1-12", "calendar month"),
            _c("mean_m3s", "float", "m3/s", "mean discharge in the month (sources.csv: observed shape or DERIVED)"),
            _c(
                "sd_m3s",
                "float",
                "m3/s",
                "inter-annual sd of the month's mean discharge where a record gives it; empty → assumed variability",
                required=False,
            ),
        ),
    ),
    "min_releases": (
        ("point", "month"),
        (
            _c("point", "str", "", "plant whose total release (turbined + spilled) is constrained"),
            _c("month", "int", "1-12", "calendar month"),
            _c("min_release_m3s", "float", "m3/s", "minimum mean release in the month"),
            _c("agreement", "str", "", "what requires it (irrigation, environmental, protocol)"),
            _c("strict", "bool", "", "true → hard constraint; false → relaxable at the penalty"),
            _c("penalty_usd_per_hm3", "float", "US$/hm3", "penalty per hm3 of shortfall when relaxable"),
        ),
    ),
    "withdrawals": (
        ("point", "month"),
        (
            _c("point", "str", "", "plant whose reservoir (or headpond) the water is taken from, before its turbines"),
            _c("month", "int", "1-12", "calendar month"),
            _c("withdrawal_m3s", "float", "m3/s", "mean withdrawal in the month"),
            _c(
                "base_withdrawal_m3s",
                "float",
                "m3/s",
                "stated (derived) withdrawal before calibration; withdrawal_m3s is it times the calibrated scale",
                required=False,
            ),
            _c("canal", "str", "", "canals or tunnels served"),
        ),
    ),
    "countries": (
        ("country",),
        (
            _c("country", "str", "", "country code"),
            _c("name", "str", "", "name"),
            _c("role", "str", "", "detailed (own demand and plants) or partner (trading market)"),
            _c("demand_base_twh", "float", "TWh/yr", "annual demand in the base year (detailed only)", required=False),
            _c("base_year", "int", "year", "base year of demand", required=False),
            _c("demand_growth_pct_per_year", "float", "%/yr", "annual demand growth", required=False),
            _c("peak_demand_mw", "float", "MW", "peak demand in the base year", required=False),
            _c("voll_usd_per_mwh", "float", "US$/MWh", "value of lost load", required=False),
            _c(
                "import_price_usd_per_mwh",
                "float",
                "US$/MWh",
                "price paid for imports from this market",
                required=False,
            ),
            _c(
                "export_price_usd_per_mwh",
                "float",
                "US$/MWh",
                "price this market pays for exports to it",
                required=False,
            ),
            _c("import_max_twh", "float", "TWh/yr", "energy this market can supply per year", required=False),
        ),
    ),
    "demand_monthly": (
        ("country", "month"),
        (
            _c("country", "str", "", "country code (detailed countries)"),
            _c("month", "int", "1-12", "calendar month"),
            _c("share", "float", "-", "share of annual demand in the month (sums to 1)"),
        ),
    ),
    "load_blocks": (
        ("block",),
        (
            _c("block", "str", "", "peak, shoulder or offpeak"),
            _c("hours_share", "float", "-", "share of the month's hours in the block (sums to 1)"),
            _c("load_factor", "float", "-", "block demand / mean demand (Σ hours_share·load_factor = 1)"),
        ),
    ),
    "thermal": (
        ("plant",),
        (
            _c("plant", "str", "", "thermal plant id"),
            _c("name", "str", "", "display name"),
            _c("country", "str", "", "country code"),
            _c("capacity_mw", "float", "MW", "available electric capacity"),
            _c("cost_usd_per_mwh", "float", "US$/MWh", "variable cost (fuel + O&M)"),
            _c("in_service", "month", "YYYY-MM", "first month in service", required=False),
            _c(
                "availability",
                "float",
                "-",
                "share of the capacity available on average (outages, fuel); empty → 1",
                required=False,
            ),
            _c(
                "must_run_heating",
                "float",
                "-",
                "share of the available capacity forced on in the heating season (Nov–Mar, CHP heat); empty → 0",
                required=False,
            ),
            _c(
                "months",
                "str",
                "",
                "months of operation (fuel supplied, units not in overhaul), e.g. 11-3; empty → all year",
                required=False,
            ),
        ),
    ),
    "links": (
        ("link",),
        (
            _c("link", "str", "", "link id"),
            _c("name", "str", "", "display name"),
            _c("from_country", "str", "", "country at the sending end (positive flow)"),
            _c("to_country", "str", "", "country at the receiving end"),
            _c("capacity_mw", "float", "MW", "transfer capacity"),
            _c("loss_pct", "float", "%", "losses in percent of the sent energy"),
            _c("months", "str", "", "months of availability, e.g. 5-9 or 1-12"),
            _c("start", "month", "YYYY-MM", "first month in service"),
            _c(
                "end",
                "month",
                "YYYY-MM",
                "last month in service (the end of a contract period); empty → open",
                required=False,
            ),
            _c("bidirectional", "bool", "", "true → flow allowed both ways"),
            _c("tariff_usd_per_mwh", "float", "US$/MWh", "contract price paid to the sender", required=False),
        ),
    ),
    "trade": (
        ("year", "direction"),
        (
            _c("year", "int", "year", "calendar year"),
            _c("direction", "str", "", "KG_to_TJ, TJ_to_KG or total"),
            _c("value_musd", "float", "US$ million", "goods trade value (one statistical source)"),
        ),
    ),
    "trade_composition": (
        ("direction", "product_group"),
        (
            _c("direction", "str", "", "KG_to_TJ or TJ_to_KG"),
            _c("product_group", "str", "", "product group"),
            _c("share", "float", "-", "share of the direction's goods trade (sums to 1)"),
        ),
    ),
    "parameters": (
        ("name",),
        (
            _c("name", "str", "", "parameter name (unit in the name)"),
            _c("value", "float", "", "value"),
            _c("unit", "str", "", "unit"),
            _c("description", "str", "", "what it is"),
        ),
    ),
    "published": (
        ("quantity", "element", "period"),
        (
            _c(
                "quantity",
                "str",
                "",
                "what was published: generation_twh, thermal_twh, imports_twh, exports_twh, "
                "plant_generation_twh, storage_km3 or consumption_twh",
            ),
            _c("element", "str", "", "country (KG), country-partner (TJ-UZ: flow from TJ to UZ), plant id"),
            _c("period", "str", "", "calendar year (YYYY) or date of an observation (YYYY-MM-DD)"),
            _c("value", "float", "", "published value in the row's unit"),
            _c("unit", "str", "", "TWh or km3"),
            _c("source", "str", "", "fact id of the reference facts (sources.csv has its address)"),
            _c("note", "str", "", "how the figure was read or derived", required=False),
        ),
    ),
    "backtest_start": (
        ("plant", "date"),
        (
            _c("plant", "str", "", "plant whose reservoir starts the backtest from this volume"),
            _c("date", "month", "YYYY-MM", "first month of a backtest starting here"),
            _c("storage_hm3", "float", "hm3", "storage at the start of the month (dated observation or derived)"),
            _c("note", "str", "", "which observation it rests on"),
        ),
    ),
    "observed_inflow": (
        ("gauge", "water_year"),
        (
            _c("gauge", "str", "", "hydromet gauge code (CA-discharge, Marti et al. 2023, CC BY 4.0)"),
            _c("water_year", "int", "year", "water year October–September, labelled by the year it ends"),
            _c("gauge_name", "str", "", "gauge name"),
            _c("river", "str", "", "river"),
            _c("series", "str", "", "inflow series the gauge measures (empty: upstream gauge)", required=False),
            _c("volume_km3", "float", "km3", "observed water-year runoff volume"),
        ),
    ),
}

SOURCE_COLUMNS = ("table", "element", "attribute", "value", "kind", "source", "note")


@dataclass(frozen=True)
class Dataset:
    """The model's input tables (one DataFrame per table in :data:`TABLE_SPECS`) and sources."""

    plants: pd.DataFrame
    plant_schedule: pd.DataFrame
    inflow_sites: pd.DataFrame
    inflow_monthly: pd.DataFrame
    min_releases: pd.DataFrame
    withdrawals: pd.DataFrame
    countries: pd.DataFrame
    demand_monthly: pd.DataFrame
    load_blocks: pd.DataFrame
    thermal: pd.DataFrame
    links: pd.DataFrame
    trade: pd.DataFrame
    trade_composition: pd.DataFrame
    parameters: pd.DataFrame
    published: pd.DataFrame
    backtest_start: pd.DataFrame
    observed_inflow: pd.DataFrame
    sources: pd.DataFrame

    def table(self, name: str) -> pd.DataFrame:
        """Return the table called ``name``."""
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def parameter(self, name: str) -> float:
        """Return the value of a row of the ``parameters`` table."""
        rows = self.parameters.loc[self.parameters["name"] == name, "value"]
        if rows.empty:
            msg = f"unknown parameter {name!r}"
            raise KeyError(msg)
        return float(rows.iloc[0])


TABLE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Dataset) if f.name != "sources")

#: Tables a dataset folder may leave out (read as empty): irrigation withdrawals, and the backtest's
#: published figures, start volumes and observed inflow record. The model runs without them;
#: ``aralnexus backtest`` needs them.
OPTIONAL_TABLES: frozenset[str] = frozenset({"published", "backtest_start", "observed_inflow", "withdrawals"})

#: Rows of ``parameters.csv`` kept as sourced reference values (shown by ``aralnexus data``) that
#: the model does not read: CASA-1000 tariff components (the links carry the energy tariff), the
#: Tajik share (the Kyrgyz share is read), constraints not modelled yet (Toktogul operational floor,
#: Rogun filling cap, Rogun benefit sharing), the trade base year (the latest
#: observed year is used) and the default release penalty (each release row has its own).
#: A scenario that overrides one of them is rejected rather than silently ignored.
REFERENCE_PARAMETERS: frozenset[str] = frozenset(
    {
        "casa1000_transmission_tariff_usd_per_mwh",
        "casa1000_energy_tariff_usd_per_mwh",
        "casa1000_afghan_transit_usd_per_mwh",
        "casa1000_delivered_price_usd_per_mwh",
        "casa1000_tj_share",
        "toktogul_operational_floor_hm3",
        "rogun_filling_max_hm3_per_year",
        "rogun_benefit_sharing_pct",
        "trade_base_year",
        "irrigation_penalty_usd_per_hm3",
    }
)


def default_dir() -> Path:
    """Return the folder of the built-in default dataset."""
    return Path(str(resources.files("aralnexus.data") / "default"))


def _coerce(frame: pd.DataFrame, table: str, path: Path, problems: list[Problem]) -> pd.DataFrame:
    _, specs = TABLE_SPECS[table]
    out = pd.DataFrame(index=frame.index)
    for spec in specs:
        if spec.name not in frame.columns:
            if spec.required:
                problems.append(
                    Problem(str(path), spec.name, f"a column {spec.name!r} ({spec.description})", "no such column")
                )
            out[spec.name] = pd.Series(pd.NA, index=frame.index, dtype="object")
            continue
        col = frame[spec.name]
        if spec.kind in {"float", "int"}:
            values = pd.to_numeric(col, errors="coerce")
            bad = values.isna() & col.notna() & (col.astype(str).str.strip() != "")
            if bad.any():
                problems.append(Problem(str(path), spec.name, f"numbers ({spec.unit})", repr(col[bad].iloc[0])))
            out[spec.name] = values.astype("float64")
        elif spec.kind == "bool":
            text = col.astype(str).str.strip().str.lower()
            out[spec.name] = text.isin({"true", "1", "yes"})
        else:
            out[spec.name] = col.where(col.notna(), "").astype(str).str.strip()
    return out


def load_dataset(folder: Path | None = None) -> Dataset:
    """Load every table of a dataset folder (default: the built-in one).

    Raises
    ------
    InputError
        If a file is missing, a required column is absent or a numeric cell is not a number.
    """
    folder = folder or default_dir()
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLE_NAMES:
        path = folder / f"{name}.csv"
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
        except FileNotFoundError:
            if name in OPTIONAL_TABLES:
                tables[name] = pd.DataFrame(columns=[spec.name for spec in TABLE_SPECS[name][1]])
                continue
            problems.append(Problem(str(path), "", "a dataset table", "no such file"))
            continue
        tables[name] = _coerce(raw.replace("", pd.NA), name, path, problems)
    src_path = folder / "sources.csv"
    try:
        sources = pd.read_csv(src_path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        problems.append(Problem(str(src_path), "", "the sources table", "no such file"))
        sources = pd.DataFrame(columns=list(SOURCE_COLUMNS))
    if problems:
        raise InputError(problems)
    return Dataset(**tables, sources=sources)


def load_default() -> Dataset:
    """Load the built-in default dataset."""
    return load_dataset(default_dir())
