"""What a report needs from the store, and the yearly series its charts and summary share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from aralnexus.data.definitions import PlannerDefinitions
from aralnexus.i18n import _
from aralnexus.store import Store
from aralnexus.store.summary import key_figures, run_definitions
from aralnexus.units import MWH_PER_GWH

if TYPE_CHECKING:
    from aralnexus.backtest.store_io import StoredBacktest
    from aralnexus.report.ensemble import EnsembleRisk

#: Reservoirs whose usable volume is below this share of the largest are left out of storage views.
SEASONAL_SHARE = 0.05
COUNTRY_NAMES = {
    "KG": "Kyrgyzstan",
    "TJ": "Tajikistan",
    "PK": "Pakistan",
    "AF": "Afghanistan",
    "KZ": "Kazakhstan",
    "UZ": "Uzbekistan",
    "TM": "Turkmenistan",
    "RU": "Russia",
}


@dataclass(frozen=True)
class ReportData:
    """One run's record and tables, as read from the store."""

    run: dict[str, Any]
    plants: pd.DataFrame
    countries: pd.DataFrame
    links: pd.DataFrame
    reservoirs: pd.DataFrame
    objective: pd.DataFrame
    violations: pd.DataFrame
    metrics: pd.DataFrame
    trade: pd.DataFrame
    sources: pd.DataFrame
    overrides: pd.DataFrame
    figures: pd.DataFrame
    definitions: PlannerDefinitions
    risk: EnsembleRisk | None = None
    backtest: StoredBacktest | None = None

    @property
    def run_id(self) -> str:
        """The run id."""
        return str(self.run["run_id"])

    @property
    def plant_names(self) -> dict[str, str]:
        """Plant id → name as written in the data (``Kambarata-1``), as recorded with the run."""
        meta = self.run.get("metadata")
        names = json.loads(meta).get("plant_names", "{}") if isinstance(meta, str) and meta else "{}"
        return dict(json.loads(names)) if isinstance(names, str) else dict(names)

    def plant_name(self, plant: str) -> str:
        """Return a plant's name as written in the data, else its id in title case."""
        return self.plant_names.get(plant, plant.replace("_", " ").title())

    @property
    def has_dispatch(self) -> bool:
        """Whether run-level dispatch results are stored (an ensemble run has only its members')."""
        return not (self.plants.empty and self.countries.empty and self.reservoirs.empty)


_RESULT_TABLES = ("plants", "countries", "links", "reservoirs", "objective", "violations")


def load_report_data(store: Store, run_id: str, *, threshold_twh: float | None = None) -> ReportData:
    """Read everything a report shows for ``run_id`` (a unique prefix is enough).

    For an ensemble run this includes the risk metrics across its members (``risk``), with the
    winter-deficit threshold ``threshold_twh`` (default: the run's ``winter_deficit_threshold_twh``);
    for a stored backtest its comparison rows and modelled storage (``backtest``).
    """
    from aralnexus.backtest.store_io import is_backtest, load_backtest
    from aralnexus.report.ensemble import is_ensemble, load_ensemble_risk

    full = store.resolve(run_id)
    tables = store.tables((*_RESULT_TABLES, "metrics", "trade", "sources", "overrides"), full)
    run = store.run(full)
    definitions = run_definitions(store, full)
    risk = load_ensemble_risk(store, full, threshold_twh, definitions) if is_ensemble(run) else None
    figures = key_figures(store, full)
    backtest = load_backtest(store, full) if is_backtest(run) else None
    return ReportData(run=run, figures=figures, definitions=definitions, risk=risk, backtest=backtest, **tables)


def country_name(code: str) -> str:
    """Return the country's name in the current language (the code when unknown)."""
    names = {
        "KG": _("Kyrgyzstan"),
        "TJ": _("Tajikistan"),
        "PK": _("Pakistan"),
        "AF": _("Afghanistan"),
        "KZ": _("Kazakhstan"),
        "UZ": _("Uzbekistan"),
    }
    return names.get(code, COUNTRY_NAMES.get(code, code))


def unit_label(unit: str) -> str:
    """Return a unit as written for people in the current language (``hm3`` → «млн м³»); unknown units as given."""
    units = {
        "TWh": _("TWh"),
        "GWh": _("GWh"),
        "MW": _("MW"),
        "hm3": _("hm3"),
        "km3": _("km3"),
        "m3/s": _("m3/s"),
        "US$ million": _("US$ million"),
        "US$/MWh": _("US$/MWh"),
        "count": _("count"),
        "%": "%",
    }
    return units.get(unit, unit)


def winter_deficit(data: ReportData) -> pd.DataFrame:
    """Winter deficit per country and winter (``country, year, value``, TWh): the stored metric ``winter_deficit_twh``.

    Empty when the run stored no pathway metrics (the report does not recompute it).
    """
    m = data.metrics
    rows = m[(m["metric"] == "winter_deficit_twh") & m["year"].notna()]
    out = rows[["country", "year", "value"]].astype({"year": "int64"})
    return out.sort_values(["country", "year"]).reset_index(drop=True)


def casa_annual(data: ReportData) -> pd.DataFrame:
    """CASA-1000 exports per year (``year, exports_twh, revenue_musd``): stored metrics summed over countries."""
    m = data.metrics
    rows = m[m["metric"].isin(["exports_casa_twh", "export_revenue_casa_musd"]) & m["year"].notna()]
    if rows.empty:
        return pd.DataFrame({"year": pd.Series(dtype="int64"), "exports_twh": [], "revenue_musd": []})
    wide = rows.pivot_table(index="year", columns="metric", values="value", aggfunc="sum").reset_index()
    return pd.DataFrame(
        {
            "year": wide["year"].astype("int64"),
            "exports_twh": wide.get("exports_casa_twh", 0.0),
            "revenue_musd": wide.get("export_revenue_casa_musd", 0.0),
        }
    )


def headline_metric(data: ReportData, metric: str) -> pd.Series:
    """Return a stored horizon metric (``year`` NULL) indexed by its element (country, reservoir, river)."""
    m = data.metrics
    rows = m[(m["metric"] == metric) & m["year"].isna()]
    return rows.set_index(rows["country"].astype(str))["value"].astype("float64")


def trade_turnover(data: ReportData) -> pd.DataFrame:
    """Bilateral turnover per year and kind (``year, kind, value_musd``): the sum of the year's rows."""
    t = data.trade
    if t.empty:
        return pd.DataFrame({"year": pd.Series(dtype="int64"), "kind": [], "value_musd": []})
    out = t.groupby(["year", "kind"])["value_musd"].sum().reset_index()
    out["year"] = out["year"].astype("int64")
    result: pd.DataFrame = out.sort_values(["year", "kind"]).reset_index(drop=True)
    return result


def monthly_generation(data: ReportData) -> pd.DataFrame:
    """Return generation per month, country and source (``time, country, source, gwh``)."""
    hydro = data.plants.groupby(["time", "country", "plant"])["energy_mwh"].sum().reset_index()
    hydro.columns = pd.Index(["time", "country", "source", "energy_mwh"])
    thermal = data.countries.groupby(["time", "country"])["thermal_mwh"].sum().reset_index()
    thermal.columns = pd.Index(["time", "country", "energy_mwh"])
    out = pd.concat([hydro, thermal.assign(source="thermal")], ignore_index=True)
    out["gwh"] = out["energy_mwh"] / MWH_PER_GWH
    result: pd.DataFrame = out.drop(columns="energy_mwh").sort_values(["country", "source", "time"])
    return result.reset_index(drop=True)


def seasonal_reservoirs(reservoirs: pd.DataFrame, share: float = SEASONAL_SHARE) -> list[str]:
    """Return the reservoirs whose largest usable volume is at least ``share`` of the biggest one's."""
    if reservoirs.empty:
        return []
    usable = (reservoirs["storage_max_hm3"] - reservoirs["storage_min_hm3"]).groupby(reservoirs["plant"]).max()
    keep = usable[usable >= share * float(usable.max())]
    return sorted(str(p) for p in keep.index)
