"""Risk charts of an ensemble run as :class:`~aralnexus.report.charts.Chart` s (plotly HTML and PNG alike).

Each builder takes one frame of :class:`~aralnexus.report.ensemble.EnsembleRisk` (the risk views'
query results) and returns a chart, empty when there is nothing to draw (no complete winter in the
horizon, a target year outside it). :func:`risk_charts` assembles the report's set;
:func:`risk_figures` renders them as plotly figures for use outside the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from aralnexus.i18n import _, format_number, get_language, ngettext
from aralnexus.report.charts import Chart, Trace, to_plotly
from aralnexus.report.data import country_name
from aralnexus.report.ensemble import EnsembleRisk, load_ensemble_risk
from aralnexus.store import Store

COUNTRY_COLORS = {"KG": "#d62728", "TJ": "#2ca02c"}
FAN_COLOR = "#1f77b4"
TARGET_COLOR = "#d62728"


def _members(n: int) -> str:
    return ngettext("{n} member", "{n} members", n)


def _g(value: float) -> str:
    """Return a threshold as ``{:g}`` writes it, with the decimal comma in Russian."""
    text = f"{value:g}"
    return text if get_language() == "en" else text.replace(".", ",")


def winter_exceedance_chart(winter: pd.DataFrame, threshold_twh: float, members: int) -> Chart:
    """P(winter deficit > threshold) per country and winter (grouped bars, 0–1)."""
    traces = [
        Trace(
            "bar",
            rows["year"].astype(int).tolist(),
            rows["p_exceed"],
            country_name(str(c)),
            color=COUNTRY_COLORS.get(str(c)),
        )
        for c, rows in winter.groupby("country", sort=True)
    ]
    return Chart(
        key="risk-winter-deficit",
        title=_("Probability that the winter deficit exceeds {twh} TWh", twh=_g(threshold_twh)),
        y_title=_("probability"),
        x_title=_("winter (October of the year – March of the next)"),
        traces=traces,
        y_range=(0.0, 1.0),
        caption=_(
            "Share of the {members} whose winter deficit (pathway metric winter_deficit_twh) is above {twh} TWh, "
            "per country and complete winter of the horizon.",
            members=_members(members),
            twh=_g(threshold_twh),
        ),
    )


def export_fan_chart(exports: pd.DataFrame, metric: str = "exports_twh") -> Chart:
    """P10–P90 band and P50 line per country and year of ``exports_twh`` or ``export_revenue_musd``."""
    revenue = metric == "export_revenue_musd"
    rows = exports[exports["metric"] == metric]
    traces: list[Trace] = []
    members = int(rows["members"].max()) if len(rows) else 0
    for c, r in rows.groupby("country", sort=True):
        r = r.sort_values("year")
        name, color, years = country_name(str(c)), COUNTRY_COLORS.get(str(c), FAN_COLOR), r["year"].astype(int).tolist()
        traces.append(Trace("band", years, r["p90"], f"{name} P10–P90", y_low=r["p10"], color=color))
        traces.append(Trace("line", years, r["p50"], f"{name} P50", color=color))
    note = _(
        "the band spans the 10th to 90th percentile across the {members}, the line is the median. A year the "
        "horizon covers only in part counts only its months in the horizon.",
        members=_members(members),
    )
    return Chart(
        key="risk-revenue" if revenue else "risk-exports",
        title=_("Export revenue across members (P10–P90 and P50)")
        if revenue
        else _("Exports across members (P10–P90 and P50)"),
        y_title=_("US$ million per year") if revenue else _("TWh per year"),
        x_title=_("year"),
        traces=traces,
        caption=(
            _("Export revenue to partner markets per calendar year: {note}", note=note)
            if revenue
            else _("Exports to partner markets per calendar year: {note}", note=note)
        ),
    )


def trade_target_chart(values: pd.Series, target_musd: float, target_year: int) -> Chart:
    """Exceedance curve of KG–TJ turnover in ``target_year`` across members, with the target marked."""
    v = np.sort(pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float))
    n = len(v)
    p = float((v >= target_musd).mean()) if n else float("nan")
    traces: list[Trace] = []
    if n:
        share = (n - np.arange(n)) / n  # P(turnover ≥ v_i)
        label = _("P(turnover ≥ x) in {year}", year=target_year)
        traces.append(Trace("line", v.tolist(), share.tolist(), label, color=FAN_COLOR))
        traces.append(
            Trace(
                "line",
                [target_musd, target_musd],
                [0.0, 1.0],
                _("US${musd} million target", musd=format_number(target_musd, 0)),
                dashed=True,
                color=TARGET_COLOR,
            )
        )
    return Chart(
        key="risk-trade-target",
        title=_(
            "Kyrgyzstan–Tajikistan trade turnover in {year} across members: P(≥ US${musd} million) = {p}",
            year=target_year,
            musd=format_number(target_musd, 0),
            p=f"{100.0 * p:.0f} %",
        ),
        y_title=_("probability of at least x"),
        x_title=_("turnover in {year} (US$ million)", year=target_year),
        traces=traces,
        y_range=(0.0, 1.0),
        caption=_(
            "Each point is one of the {members}: the share of members whose {year} turnover is at least that "
            "value. Where the curve crosses the dashed target line is the probability of reaching US${musd} "
            "million: {p}.",
            members=_members(n),
            year=target_year,
            musd=format_number(target_musd, 0),
            p=f"{100.0 * p:.0f} %",
        ),
    )


def fan_reservoirs(storage: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Return ``(shown, left out)`` reservoirs of the storage fan: those that never store water are left out."""
    if storage.empty:
        return [], []
    peak = storage.groupby("plant")["p90_hm3"].max()
    shown = sorted(str(p) for p in peak.index[peak > 0])
    return shown, sorted(str(p) for p in peak.index[peak <= 0])


def storage_fan_chart(storage: pd.DataFrame) -> Chart:
    """Storage P10–P90 band and P50 line per reservoir and month (one panel per reservoir)."""
    shown, empty = fan_reservoirs(storage)
    traces: list[Trace] = []
    members = int(storage["members"].max()) if len(storage) else 0
    for i, plant in enumerate(shown):
        r = storage[storage["plant"] == plant].sort_values("time")
        traces.append(Trace("band", r["time"], r["p90_hm3"], "P10–P90", i, y_low=r["p10_hm3"], color=FAN_COLOR))
        traces.append(Trace("line", r["time"], r["p50_hm3"], "P50", i, color=FAN_COLOR))
    caption = _(
        "End-of-month storage across the {members}: the band spans the 10th to 90th percentile, the line is the "
        "median.",
        members=_members(members),
    )
    if empty:
        shown_names = ", ".join(p.replace("_", " ").title() for p in empty)
        caption += " " + _("Not shown (no storage in the horizon): {plants}.", plants=shown_names)
    return Chart(
        key="risk-storage-fan",
        title=_("Reservoir storage across members"),
        y_title=_("storage (hm3)"),
        panels=tuple(p.replace("_", " ").title() for p in shown) or ("",),
        traces=traces,
        caption=caption,
    )


def risk_charts(risk: EnsembleRisk) -> list[Chart]:
    """Return the risk charts of an ensemble run in display order (charts with nothing to draw left out)."""
    charts = [
        storage_fan_chart(risk.storage),
        winter_exceedance_chart(risk.winter, risk.threshold_twh, risk.members),
        export_fan_chart(risk.exports, "exports_twh"),
        export_fan_chart(risk.exports, "export_revenue_musd"),
        trade_target_chart(risk.trade_values["value"], risk.target_musd, risk.target_year),
    ]
    return [c for c in charts if not c.empty]


def risk_figures(store: Store, run_id: str, threshold_twh: float | None = None) -> dict[str, go.Figure]:
    """Return the risk charts of an ensemble run as plotly figures keyed ``risk-…`` (display order)."""
    return {c.key: to_plotly(c) for c in risk_charts(load_ensemble_risk(store, run_id, threshold_twh))}
