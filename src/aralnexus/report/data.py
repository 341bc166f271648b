"""What a report needs from the store, and the yearly series its charts and summary share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from aralnexus.store import Store
from aralnexus.store.summary import WINTER_MONTHS, key_figures, partner_exports
from aralnexus.units import MWH_PER_GWH, MWH_PER_TWH, USD_PER_MUSD

if TYPE_CHECKING:
    from aralnexus.report.ensemble import EnsembleRisk

#: Bilateral turnover target, US$ million in 2030 (TRD-001, https://en.trend.az/casia/kyrgyzstan/4013342.html).
TRADE_TARGET_MUSD = 500.0
TRADE_TARGET_YEAR = 2030
#: Links whose id starts with this are CASA-1000.
CASA_PREFIX = "casa1000"
#: Reservoirs whose usable volume is below this share of the largest are left out of storage views.
SEASONAL_SHARE = 0.05
COUNTRY_NAMES = {"KG": "Kyrgyzstan", "TJ": "Tajikistan", "PK": "Pakistan", "AF": "Afghanistan", "KZ": "Kazakhstan"}


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
    risk: EnsembleRisk | None = None

    @property
    def run_id(self) -> str:
        """The run id."""
        return str(self.run["run_id"])

    @property
    def has_dispatch(self) -> bool:
        """Whether run-level dispatch results are stored (an ensemble run has only its members')."""
        return not (self.plants.empty and self.countries.empty and self.reservoirs.empty)


_RESULT_TABLES = ("plants", "countries", "links", "reservoirs", "objective", "violations")


def load_report_data(store: Store, run_id: str, *, threshold_twh: float | None = None) -> ReportData:
    """Read everything a report shows for ``run_id`` (a unique prefix is enough).

    For an ensemble run this includes the risk metrics across its members (``risk``), with the
    winter-deficit threshold ``threshold_twh`` (default 1 TWh).
    """
    from aralnexus.report.ensemble import DEFAULT_THRESHOLD_TWH, is_ensemble, load_ensemble_risk

    full = store.resolve(run_id)
    tables = store.tables((*_RESULT_TABLES, "metrics", "trade", "sources", "overrides"), full)
    run = store.run(full)
    threshold = DEFAULT_THRESHOLD_TWH if threshold_twh is None else threshold_twh
    risk = load_ensemble_risk(store, full, threshold) if is_ensemble(run) else None
    return ReportData(run=run, figures=key_figures(store, full), risk=risk, **tables)


def country_name(code: str) -> str:
    """Return the country's name (the code when unknown)."""
    return COUNTRY_NAMES.get(code, code)


def winter_deficit(data: ReportData) -> pd.DataFrame:
    """Winter deficit per country and year (``country, year, value``, TWh).

    Uses the pathway metric ``winter_deficit_twh`` when stored; otherwise winter (Oct–Mar)
    imports plus unserved energy per calendar year from the dispatch, marked ``source=dispatch``.
    """
    m = data.metrics
    rows = m[(m["metric"] == "winter_deficit_twh") & m["year"].notna()]
    if not rows.empty:
        out = rows[["country", "year", "value"]].assign(source="pathway")
    else:
        c = data.countries[data.countries["month"].isin(WINTER_MONTHS)]
        gap = (c["imports_mwh"] + c["unserved_mwh"]) / MWH_PER_TWH
        out = c.assign(value=gap).groupby(["country", "year"], as_index=False)["value"].sum().assign(source="dispatch")
    out = out.astype({"year": "int64"})
    return out.sort_values(["country", "year"]).reset_index(drop=True)


def casa_annual(data: ReportData) -> pd.DataFrame:
    """CASA-1000 exports per year (``year, exports_twh, revenue_musd``)."""
    links = data.links[data.links["link"].astype(str).str.startswith(CASA_PREFIX)]
    if links.empty:
        return pd.DataFrame({"year": pd.Series(dtype="int64"), "exports_twh": [], "revenue_musd": []})
    detailed = set(data.countries["country"].astype(str))
    x = partner_exports(links, detailed)
    out = x.groupby("year", as_index=False).agg(export_mwh=("export_mwh", "sum"), revenue=("export_revenue_usd", "sum"))
    return pd.DataFrame(
        {
            "year": out["year"].astype("int64"),
            "exports_twh": out["export_mwh"] / MWH_PER_TWH,
            "revenue_musd": out["revenue"] / USD_PER_MUSD,
        }
    )


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
