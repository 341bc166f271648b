"""Figure builders: store query results (tidy frames) → :class:`~aralnexus.report.charts.Chart`.

Each builder takes plain DataFrames so it can be reused on any query result (one run, an ensemble
member, a comparison); :func:`standard_charts` assembles the report's set for one run. Render
with :func:`~aralnexus.report.charts.to_plotly` / :func:`~aralnexus.report.charts.to_matplotlib`.
"""

from __future__ import annotations

import pandas as pd

from aralnexus.i18n import _, format_number
from aralnexus.report.charts import Chart, Trace
from aralnexus.report.data import (
    ReportData,
    casa_annual,
    country_name,
    monthly_generation,
    seasonal_reservoirs,
    trade_turnover,
    winter_deficit,
)

COUNTRY_COLORS = {"KG": "#d62728", "TJ": "#2ca02c"}
LEVEL_COLOR = "#ff7f0e"


def _title(plant: object, names: dict[str, str] | None) -> str:
    """Return a plant's name as written in the data when known, else its id in title case."""
    return (names or {}).get(str(plant), str(plant).replace("_", " ").title())


def storage_chart(
    reservoirs: pd.DataFrame, plants: list[str] | None = None, names: dict[str, str] | None = None
) -> Chart:
    """Storage of each reservoir (hm3) and its level (m a.s.l., right axis), each within its bounds.

    ``plants`` selects the reservoirs (default: the seasonal ones, see
    :func:`~aralnexus.report.data.seasonal_reservoirs`). The level band is drawn from
    ``level_min_m``/``level_max_m`` when the table has them (runs stored before schema 2 do not).
    """
    plants = plants if plants is not None else seasonal_reservoirs(reservoirs)
    others = sorted(set(reservoirs["plant"].astype(str)) - set(plants))
    has_bounds = {"level_min_m", "level_max_m"} <= set(reservoirs.columns)
    traces: list[Trace] = []
    banded = False
    for i, plant in enumerate(plants):
        r = reservoirs[reservoirs["plant"] == plant].sort_values("time")
        traces.append(
            Trace(
                "band",
                r["time"],
                r["storage_max_hm3"],
                _("storage bounds"),
                i,
                y_low=r["storage_min_hm3"],
                color="#999",
            )
        )
        traces.append(Trace("line", r["time"], r["storage_hm3"], _("storage"), i, color="#1f77b4"))
        pool = r["storage_max_hm3"].astype(float) > 0  # no pool before the dam is built: no level
        level = pd.to_numeric(r["level_m"], errors="coerce").where(pool)
        if not (level.notna().any() and (level > 0).any()):
            continue
        if has_bounds:
            low = pd.to_numeric(r["level_min_m"], errors="coerce").where(pool)
            high = pd.to_numeric(r["level_max_m"], errors="coerce").where(pool)
            if low.notna().any() and high.notna().any():
                traces.append(
                    Trace(
                        "band",
                        r["time"],
                        high,
                        _("level bounds"),
                        i,
                        secondary=True,
                        dashed=True,
                        y_low=low,
                        color=LEVEL_COLOR,
                    )
                )
                banded = True
        traces.append(Trace("line", r["time"], level, _("level"), i, secondary=True, dashed=True, color=LEVEL_COLOR))
    caption = (
        _(
            "End-of-month storage within the dead-storage and full-supply bounds (grey band), and the reservoir "
            "level (dashed orange, right axis) within its minimum operating and full supply levels (orange band "
            "with dotted edges: the storage bounds read off the level–volume curve)."
        )
        if banded
        else _(
            "End-of-month storage within the dead-storage and full-supply bounds (grey band), and the reservoir "
            "level on the right axis."
        )
    )
    if others:
        caption += " " + _("Small pondages not shown: {plants}.", plants=", ".join(_title(o, names) for o in others))
    return Chart(
        key="storage",
        title=_("Reservoir storage and level"),
        y_title=_("storage (hm3)"),
        y2_title=_("level (m a.s.l.)"),
        panels=tuple(_title(p, names) for p in plants),
        traces=traces,
        caption=caption,
        y2_from_zero=False,
    )


def generation_chart(generation: pd.DataFrame, names: dict[str, str] | None = None) -> Chart:
    """Monthly generation by plant (and thermal), one panel per country (GWh, stacked)."""
    countries = sorted(generation["country"].unique())
    traces = []
    for i, country in enumerate(countries):
        g = generation[generation["country"] == country]
        for source in sorted(g["source"].unique(), key=lambda s: (s == "thermal", s)):
            s = g[g["source"] == source].sort_values("time")
            name = _("thermal") if source == "thermal" else _title(source, names)
            traces.append(Trace("area", s["time"], s["gwh"], name, i, color="#7f7f7f" if source == "thermal" else None))
    return Chart(
        key="generation",
        title=_("Generation by plant and country"),
        y_title=_("GWh per month"),
        panels=tuple(country_name(c) for c in countries),
        traces=traces,
        caption=_("Monthly energy of each hydropower plant, stacked, with thermal generation on top."),
    )


def winter_deficit_chart(deficit: pd.DataFrame) -> Chart:
    """Winter deficit per country and year (TWh), grouped bars."""
    traces = [
        Trace("bar", d["year"], d["value"], country_name(str(c)), color=COUNTRY_COLORS.get(str(c)))
        for c, d in deficit.groupby("country", sort=True)
    ]
    return Chart(
        key="winter_deficit",
        title=_("Winter deficit by year"),
        y_title=_("TWh"),
        traces=traces,
        caption=_(
            "Energy each country cannot supply from its own plants in winter: winter_deficit_twh = "
            "max(0, winter demand − hydro − thermal), winter Y = October Y – March Y+1."
        ),
    )


def casa_chart(casa: pd.DataFrame) -> Chart:
    """CASA-1000 exports (TWh, bars) and revenue (US$ million, right axis) per year."""
    return Chart(
        key="casa1000",
        title=_("CASA-1000 exports and revenue"),
        y_title=_("exports (TWh)"),
        y2_title=_("revenue (US$ million)"),
        traces=[
            Trace("bar", casa["year"], casa["exports_twh"], _("exports"), color="#1f77b4"),
            Trace("line", casa["year"], casa["revenue_musd"], _("revenue"), secondary=True, color="#ff7f0e"),
        ],
        caption=_(
            "Summer surplus sent over CASA-1000 to Afghanistan and Pakistan, and what it earns at the contract tariff."
        ),
    )


def trade_chart(turnover: pd.DataFrame, target_musd: float, target_year: int) -> Chart:
    """Bilateral trade turnover (observed and projected, US$ million) against the target."""
    traces = []
    labels = {"observed": _("observed"), "projected": _("projected")}
    for kind, colour in (("observed", "#1f77b4"), ("projected", "#2ca02c")):
        t = turnover[turnover["kind"] == kind].sort_values("year")
        if len(t):
            traces.append(
                Trace("line", t["year"], t["value_musd"], labels[kind], dashed=kind == "projected", color=colour)
            )
    years = turnover["year"] if len(turnover) else pd.Series([target_year])
    span = [int(min(years.min(), target_year)), int(max(years.max(), target_year))]
    traces.append(
        Trace("hline", span, [target_musd, target_musd], _("{year} target", year=target_year), color="#d62728")
    )
    return Chart(
        key="trade",
        title=_("Kyrgyzstan–Tajikistan trade turnover against the {year} target", year=target_year),
        y_title=_("US$ million"),
        traces=traces,
        caption=_(
            "Goods trade (one statistical source) plus the scenario's levers and electricity sales; the "
            "governments' target is US${musd} million in {year} (TRD-001).",
            musd=format_number(target_musd, 0),
            year=target_year,
        ),
    )


def water_value_chart(reservoirs: pd.DataFrame, names: dict[str, str] | None = None) -> Chart:
    """Water value of each reservoir over time (US$/MWh)."""
    traces = [
        Trace("line", r["time"], r["water_value_usd_per_mwh"], _title(p, names))
        for p, r in reservoirs.sort_values("time").groupby("plant", sort=True)
    ]
    return Chart(
        key="water_values",
        title=_("Water values"),
        y_title=_("US$/MWh"),
        traces=traces,
        caption=_(
            "Marginal value of one more unit of stored water (dual of the water balance), as the energy it "
            "would generate: high values mark scarce water."
        ),
    )


def standard_charts(data: ReportData) -> list[Chart]:
    """Return the report's charts for one run (charts with nothing to show are left out).

    A stored backtest has one chart: observed and modelled Toktogul storage.
    """
    if data.backtest is not None:
        from aralnexus.report.backtest import storage_chart as backtest_storage_chart

        view = data.backtest
        return [backtest_storage_chart(view.table, view.storage, view.start, view.end)]
    names = data.plant_names
    target = (data.definitions.trade_target_musd, data.definitions.trade_target_year)
    charts = [
        storage_chart(data.reservoirs, names=names),
        generation_chart(monthly_generation(data), names),
        winter_deficit_chart(winter_deficit(data)),
        casa_chart(casa_annual(data)),
        trade_chart(trade_turnover(data), *target),
        water_value_chart(data.reservoirs, names),
    ]
    return [c for c in charts if not c.empty]
